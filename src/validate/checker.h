/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Validation's walk state and its reporting (report.c), shared by validate.c: a violation is
 * reported with the path of the record being checked plus the field's place in it.
 */
#ifndef AQSNAP_VALIDATE_CHECKER_H
#define AQSNAP_VALIDATE_CHECKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aqsnap/snapshot.h"
#include "aqsnap/validate.h"
#include "internal.h"
#include "uuid_set.h"

typedef struct checker {
    aq_violation_fn fn;
    void *ctx;
    aq_error *err; /* the caller's (or a local): the first violation, or the failure */
    size_t count;  /* violations reported */
    /* Warnings: to warn_fn, or (strict) reported as violations. */
    aq_violation_fn warn_fn;
    void *warn_ctx;
    bool strict;
    size_t warnings; /* warnings reported as warnings */
    size_t strict_warnings; /* warnings reported as violations (strict) */
    bool stop;     /* the callback said stop, or the snapshot is malformed */
    aq_status fatal;
    bool version_known; /* schema_version supported, so feature checks mean something */
    uint32_t version;
    /* The record being checked ("runs", 3), or section == NULL for the document itself. */
    const char *section;
    size_t index;
    /* The fields seen so far: `field` is the current one; those below it are closed. */
    uint32_t field;
    size_t records;     /* of the current field, when it is a list */
    bool metadata_seen, engine_seen;
    uint64_t task_count, run_count; /* metadata's */
    size_t tasks_seen, runs_seen;
    aq__uuid_set tasks, runs, deps, budgets[3], subs; /* budgets: one map per dimension */
} checker;

/* A field of the current record: "<list>[<k>].<leaf>", each part optional. */
typedef struct at {
    const char *list; /* NULL: no indexed part */
    size_t k;
    const char *leaf; /* NULL: the list item (or the record) itself */
} at;

#define AT(leaf) ((at){NULL, 0, (leaf)})
#define AT_ITEM(list, k, leaf) ((at){(list), (k), (leaf)})

/* Lowercase hyphenated text of an id, for messages: `ID(&x)` lives until the end of the full
 * expression (C11 temporary lifetime), which is the report call. */
typedef struct id_text {
    char s[AQ_UUID_TEXT_LEN + 1];
} id_text;

static inline id_text text_of(const aq_uuid *id)
{
    id_text t;
    aq_uuid_format(id, t.s);
    return t;
}

#define ID(id) (text_of(id).s)

/* A broken rule (status AQ_EINVALID). */
void aq__check_report(checker *c, aq_error_kind kind, at where, const char *fmt, ...)
    AQ__PRINTF(4, 5);
/* What aqsnap knows is wrong but the engine loads: a warning, or with `strict` a violation. */
void aq__check_warn(checker *c, aq_error_kind kind, at where, const char *fmt, ...)
    AQ__PRINTF(4, 5);
/* A problem with the snapshot reported with its own status (AQ_EVERSION). */
void aq__check_report_status(checker *c, aq_status status, aq_error_kind kind, at where,
                             const char *fmt, ...) AQ__PRINTF(5, 6);
/* Not a broken rule but a struct no snapshot can be (a NULL pointer with a length): the walk
 * cannot go on, and the call fails with AQ_EINVAL. */
void aq__check_malformed(checker *c, at where, const char *what, size_t len);

#endif /* AQSNAP_VALIDATE_CHECKER_H */
