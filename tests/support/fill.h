/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every field of the schema set, whatever the schema holds: for round trips that cover fields a
 * hand-written sample does not know, and for proving that the comparison notices each of them.
 * Driven by the schema's field lists (gen/aqsnap/schema_facts.h), so a field added to the .proto
 * is filled with no change here.
 */
#ifndef AQ_TEST_FILL_H
#define AQ_TEST_FILL_H

#include <stddef.h>
#include <stdint.h>

#include "aqsnap.h"

/*
 * Give every field of every record of `s` a value derived from `seed`: scalars non-default,
 * Options present, optional records allocated, empty lists of records given one item, lists of
 * strings and ids two items. Kinds of oneofs that are set stay (their variant's fields are
 * filled); unset ones get a variant. The result is not a valid snapshot (ids point nowhere):
 * it is for encoding and decoding without validation.
 *
 * `change`: -1, or the number of a (record type, field) pair, counted in the order they are
 * first met: that field, where it is first met, gets a different value than with -1. On return
 * *changed names it ("run_instance.state"), or is NULL when `change` is past the last pair.
 * Returns AQ_OK or AQ_ENOMEM.
 */
aq_status fill_every_field(aq_snapshot *s, uint64_t seed, long change, const char **changed);

#endif
