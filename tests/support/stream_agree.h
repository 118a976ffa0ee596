/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every validation over one file: the violations a streaming read (aq_snapshot_read) reports,
 * in order, against aq_snapshot_check of the same file loaded whole, and the first of them
 * against a validating load.
 */
#ifndef AQ_TEST_STREAM_AGREE_H
#define AQ_TEST_STREAM_AGREE_H

#include <stdbool.h>

#include "aqsnap.h"

/* The file at `path`: the test fails unless both report the same status and kind, and (unless
 * the CRC is wrong) the same violations (kind, path, message) in the same order; true when the
 * whole load decoded it. */
bool stream_agrees_on_file(const char *path);

/* `s` written to a scratch file in each format (without validation) and compared as above; a
 * format that cannot carry the snapshot is skipped (false when neither can). */
bool stream_agrees(const aq_snapshot *s);

#endif
