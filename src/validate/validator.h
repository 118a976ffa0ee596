/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Validation one field at a time: the rules of aq_snapshot_check() for a snapshot that is
 * handed over field by field, in field-number order, and record by record within a list, as a
 * streaming read or write meets them. aq_snapshot_check() itself feeds a whole snapshot through
 * this, so the two modes share every rule, error kind, path and order.
 *
 * What a rule needs from earlier records is kept here, never the records: the ids of tasks,
 * runs, dependency declarations, budgets (per dimension) and subscriptions in hash maps
 * (uuid_set.h), metadata's counts and version. A rule about a whole list (metadata's counts)
 * or about a value that may be absent (metadata, engine) is checked when a later field comes, or
 * at aq__validator_finish().
 */
#ifndef AQSNAP_VALIDATE_VALIDATOR_H
#define AQSNAP_VALIDATE_VALIDATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aqsnap/snapshot_fields.h"
#include "aqsnap/validate.h"
#include "internal.h"

typedef struct aq__validator aq__validator;

/* A validator reporting to fn (as aq_snapshot_check's). The first violation, or the failure
 * (AQ_ENOMEM), goes to *err, which must outlive the validator. */
aq_status aq__validator_create(const aq_allocator *alloc, aq_violation_fn fn, void *ctx,
                               aq_error *err, aq__validator **out);

/* Warnings go to fn (ctx), or with `strict` are violations; without this call they are
 * dropped. */
void aq__validator_warnings(aq__validator *v, aq_violation_fn fn, void *ctx, bool strict);

/* Room in the id maps for `count` records of list `field`, when the caller knows it (saves the
 * rehashing of a growing map). */
aq_status aq__validator_expect(aq__validator *v, aq_field field, size_t count);

/* The value of field `field`: a record of a list (`index` counts from 0 within the list), or
 * the value of metadata (aq_metadata) or engine (aq_engine_control). version and timestamp have
 * no rules. Fields come in increasing number order; a list's records in index order. Returns
 * the fatal status (AQ_ENOMEM, AQ_EINVAL for a malformed struct) or AQ_OK: violations go to
 * the callback, see aq__validator_stopped. */
aq_status aq__validator_field(aq__validator *v, aq_field field, size_t index, const void *value);

/* Hint that `value` (a record of list `field`) comes a few records from now. */
void aq__validator_prefetch(const aq__validator *v, aq_field field, const void *value);

/* True once the callback asked to stop or a fatal failure happened: later fields are ignored. */
bool aq__validator_stopped(const aq__validator *v);

/* The schema-version features of the snapshot's own fields other than lists, in `head` (a
 * snapshot whose lists are not looked at), now: for a writer that holds those fields only
 * while they are added. Then pass NULL to aq__validator_finish. */
aq_status aq__validator_head(aq__validator *v, const aq_snapshot *head);

/* The rules still open (counts, absent metadata or engine), then the schema-version features of
 * the snapshot's own fields other than lists (`head`: a snapshot whose lists are not looked
 * at), then the result, as aq_snapshot_check returns it; *count (may be NULL) gets the number
 * of violations. */
aq_status aq__validator_finish(aq__validator *v, const aq_snapshot *head, size_t *count);

/* Release the validator (NULL is fine). */
void aq__validator_destroy(aq__validator *v);

#endif /* AQSNAP_VALIDATE_VALIDATOR_H */
