/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replacing a file atomically (file.h's protocol): a locked temporary file in the target's
 * directory is filled, fsynced and renamed over the target, then the directory is fsynced.
 * The target is never touched before the rename; a replacement that fails or is abandoned
 * leaves no temporary file. Every operation is relative to the directory, opened once.
 */
#ifndef AQSNAP_FILE_REPLACE_H
#define AQSNAP_FILE_REPLACE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "internal.h"

typedef struct aq__replacement {
    aq_allocator al;
    char *dir_name;   /* for opening and messages */
    size_t dir_size;  /* its allocation */
    int dir;          /* the directory, open */
    const char *base; /* the target's name in it (points into the caller's path) */
    char tmp[NAME_MAX + 1];
    bool replaces; /* a regular file is there: keep its mode and owner */
    bool sync;     /* fsync the file and the directory */
    struct stat old;
    int fd; /* the temporary file, locked; -1 once closed */
} aq__replacement;

/* Take the temporary file for `path` (which must outlive the replacement). On failure nothing
 * is left behind and *t needs no release. */
aq_status aq__replace_begin(const char *path, aq_allocator al, bool sync, aq__replacement *t,
                            aq_error *err);

/* Append n bytes to the temporary file. */
aq_status aq__replace_write(aq__replacement *t, const void *p, size_t n, aq_error *err);

/* Overwrite n bytes at `offset` of what was appended (an envelope header filled in last). */
aq_status aq__replace_write_at(aq__replacement *t, uint64_t offset, const void *p, size_t n,
                               aq_error *err);

/* Give the file the replaced one's owner and mode, make it durable and rename it over the
 * target. Releases *t whatever happens; on failure the target was not touched (except when only
 * the directory's fsync failed: the message says so). */
aq_status aq__replace_commit(aq__replacement *t, aq_error *err);

/* Remove the temporary file and release *t. */
void aq__replace_abort(aq__replacement *t);

#endif /* AQSNAP_FILE_REPLACE_H */
