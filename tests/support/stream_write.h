/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A whole snapshot written through the streaming writer (aqsnap/stream.h), as an engine would
 * feed it: every field in order, each record copied into one reused buffer that is scribbled
 * over after each add (the writer must not keep the caller's memory); lists without records
 * are not added.
 */
#ifndef AQ_TEST_STREAM_WRITE_H
#define AQ_TEST_STREAM_WRITE_H

#include "aqsnap.h"

/* aq_writer_open, aq_writer_add of every field, aq_writer_commit (aq_writer_abort when an add
 * fails): the first failure's status, err filled. */
aq_status stream_write(const char *path, const aq_snapshot *s, const aq_write_options *o,
                       aq_error *err);

#endif
