/* SPDX-License-Identifier: Apache-2.0 */
/* Field-by-field equality of two snapshots, for round-trip tests. */
#ifndef AQ_TEST_COMPARE_H
#define AQ_TEST_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "aqsnap.h"

/*
 * True when every field of `a` and `b` is equal (strings and byte arrays by content, Options by
 * presence and then value, lists by count and then item by item, kept unknown fields by their
 * bytes). Otherwise false, with the path of the first difference and both values written to
 * `where` (e.g. "runs[3].state_history[1].timestamp: 17 != 18").
 */
bool snapshot_equal(const aq_snapshot *a, const aq_snapshot *b, char *where, size_t where_size);

/* Set every `unknown` of a native snapshot to NULL, to compare the known parts only. */
void snapshot_strip_unknown(aq_snapshot *s);

#endif
