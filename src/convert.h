/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The conversion layer between native records (aqsnap/model.h) and the protobuf-c messages
 * generated from proto/. Generated types never leave src/.
 *
 * Decoding (`*_from_pb`) reads a message unpacked into scratch memory and writes a native record
 * whose strings, byte arrays and lists are copied into the snapshot's arena. It rejects what the
 * native model cannot hold: a required field absent, an id that is not 16 bytes, an enum value
 * that is unspecified or unknown, a oneof with no variant set.
 *
 * Encoding (`*_to_pb`) builds messages in scratch memory that point at the native data (no
 * copies) and rejects what protobuf cannot carry: enums out of range, unset oneofs, strings with
 * NUL bytes.
 *
 * On failure the innermost function names its field; each caller prepends its own segment, so
 * the path costs nothing unless something fails.
 */
#ifndef AQSNAP_CONVERT_H
#define AQSNAP_CONVERT_H

#include <stdint.h>
#include <string.h>

#include "actionqueue/snapshot/v1/core.pb-c.h"
#include "actionqueue/snapshot/v1/snapshot.pb-c.h"
#include "internal.h"

/* ---- short names for the generated types --------------------------------------------------- */

typedef Actionqueue__Snapshot__V1__Snapshot pb_snapshot;
typedef Actionqueue__Snapshot__V1__SnapshotMetadata pb_metadata;
typedef Actionqueue__Snapshot__V1__SnapshotTask pb_task;
typedef Actionqueue__Snapshot__V1__TaskSpec pb_task_spec;
typedef Actionqueue__Snapshot__V1__TaskPayload pb_task_payload;
typedef Actionqueue__Snapshot__V1__RunPolicy pb_run_policy;
typedef Actionqueue__Snapshot__V1__RunPolicy__Once pb_run_policy_once;
typedef Actionqueue__Snapshot__V1__RunPolicy__Repeat pb_run_policy_repeat;
typedef Actionqueue__Snapshot__V1__RunPolicy__Cron pb_run_policy_cron;
typedef Actionqueue__Snapshot__V1__StringList pb_string_list;
typedef Actionqueue__Snapshot__V1__TaskConstraints pb_task_constraints;
typedef Actionqueue__Snapshot__V1__TaskMetadata pb_task_metadata;
typedef Actionqueue__Snapshot__V1__SnapshotRun pb_run;
typedef Actionqueue__Snapshot__V1__RunInstance pb_run_instance;
typedef Actionqueue__Snapshot__V1__SnapshotRunStateHistoryEntry pb_history_entry;
typedef Actionqueue__Snapshot__V1__SnapshotAttemptHistoryEntry pb_attempt;
typedef Actionqueue__Snapshot__V1__SnapshotLeaseMetadata pb_lease;
typedef Actionqueue__Snapshot__V1__SnapshotEngineControl pb_engine_control;
typedef Actionqueue__Snapshot__V1__SnapshotDependencyDeclaration pb_dependency;
typedef Actionqueue__Snapshot__V1__SnapshotBudget pb_budget;
typedef Actionqueue__Snapshot__V1__SnapshotSubscription pb_subscription;
typedef Actionqueue__Snapshot__V1__EventFilter pb_event_filter;
typedef Actionqueue__Snapshot__V1__EventFilter__TaskCompleted pb_filter_task_completed;
typedef Actionqueue__Snapshot__V1__EventFilter__RunStateChanged pb_filter_run_state_changed;
typedef Actionqueue__Snapshot__V1__EventFilter__BudgetThreshold pb_filter_budget_threshold;
typedef Actionqueue__Snapshot__V1__EventFilter__Custom pb_filter_custom;
typedef Actionqueue__Snapshot__V1__SnapshotActor pb_actor;
typedef Actionqueue__Snapshot__V1__SnapshotTenant pb_tenant;
typedef Actionqueue__Snapshot__V1__SnapshotRoleAssignment pb_role_assignment;
typedef Actionqueue__Snapshot__V1__Role pb_role;
typedef Actionqueue__Snapshot__V1__SnapshotCapabilityGrant pb_capability_grant;
typedef Actionqueue__Snapshot__V1__Capability pb_capability;
typedef Actionqueue__Snapshot__V1__SnapshotLedgerEntry pb_ledger_entry;

/* ---- protobuf-c's allocations ---------------------------------------------------------------- */

/* protobuf-c hands strings over as bare `char *`, which loses the length of a string holding a
 * NUL byte. The codec's protobuf-c allocator therefore puts each block's size in front of it;
 * this reads it back. Only for pointers protobuf-c allocated while unpacking through the codec. */
static inline size_t aq__pb_block_size(const void *p)
{
    size_t size;
    memcpy(&size, (const unsigned char *)p - sizeof size, sizeof size);
    return size;
}

/* ---- contexts ------------------------------------------------------------------------------- */

typedef struct aq__dec {
    aq_arena *arena;   /* the snapshot's: native records, strings, lists, unknown fields */
    aq_arena *scratch; /* protobuf-c's unpacked messages; reset after each record */
} aq__dec;

typedef struct aq__enc {
    aq_arena *scratch; /* messages built for one record at a time */
} aq__enc;

/* ---- error helpers -------------------------------------------------------------------------- */

aq_status aq__missing(aq_error *err, const char *field);

/* Run `expr`; on failure prepend `field` (or `field[index]`) to the path and return. */
#define AQ__IN(err, field, expr)                                                                \
    do {                                                                                        \
        aq_status aq__st = (expr);                                                              \
        if (AQ__UNLIKELY(aq__st != AQ_OK)) {                                                    \
            aq__error_prefix((err), (field));                                                   \
            return aq__st;                                                                      \
        }                                                                                       \
    } while (0)

#define AQ__IN_INDEX(err, field, index, expr)                                                   \
    do {                                                                                        \
        aq_status aq__st = (expr);                                                              \
        if (AQ__UNLIKELY(aq__st != AQ_OK)) {                                                    \
            aq__error_prefix_index((err), (field), (index));                                    \
            return aq__st;                                                                      \
        }                                                                                       \
    } while (0)

/* ---- decoding helpers ----------------------------------------------------------------------- */

/* A required scalar: `dst = msg->field`, or a missing-field error. */
#define AQ__REQ(msg, field, dst)                                                                \
    do {                                                                                        \
        if (AQ__UNLIKELY(!(msg)->has_##field)) return aq__missing(err, #field);                 \
        (dst) = (msg)->field;                                                                   \
    } while (0)

/* An Option<scalar>. */
#define AQ__OPT(msg, field, dst)                                                                \
    do {                                                                                        \
        (dst).present = (msg)->has_##field != 0;                                                \
        (dst).value = (msg)->has_##field ? (msg)->field : 0;                                    \
    } while (0)

aq_status aq__uuid_from_pb(protobuf_c_boolean has, const ProtobufCBinaryData *b,
                           const char *field, aq_uuid *out, aq_error *err);
aq_status aq__opt_uuid_from_pb(protobuf_c_boolean has, const ProtobufCBinaryData *b,
                               const char *field, aq_opt_uuid *out, aq_error *err);
/* Required string (protobuf-c: NULL when absent). */
aq_status aq__str_from_pb(aq__dec *d, const char *s, const char *field, aq_str *out,
                          aq_error *err);
aq_status aq__opt_str_from_pb(aq__dec *d, const char *s, const char *field, aq_opt_str *out,
                              aq_error *err);
aq_status aq__bytes_from_pb(aq__dec *d, const ProtobufCBinaryData *b, aq_bytes *out,
                            aq_error *err);
aq_status aq__str_list_from_pb(aq__dec *d, size_t n, char *const *items, const char *field,
                               aq_str_list *out, aq_error *err);
/* An enum value in 1..max; `present == false` is a missing-field error. */
aq_status aq__enum_from_pb(protobuf_c_boolean has, int value, int max, const char *field,
                           const char *type, int *out, aq_error *err);
/* For defaulted enums: a value this version does not know moves to the message's unknown
 * fields (as proto2 does in C++ and Python) so that it survives a rewrite, and the field reads
 * as absent. */
aq_status aq__enum_demote_unknown(aq__dec *d, ProtobufCMessage *msg, uint32_t field_number,
                                  protobuf_c_boolean *has, int value, int max, aq_error *err);
/* Encoding side of aq__enum_demote_unknown: when the message's kept unknown fields hold a value
 * for `field_number`, the native field still at its default means "unchanged since loaded", so
 * only the kept value is written; any other native value is the caller's choice and replaces
 * it. Call after aq__unknown_attach. */
void aq__enum_reconcile_kept(ProtobufCMessage *msg, uint32_t field_number,
                             protobuf_c_boolean *has, bool is_default);
/* `count` zeroed native records in the snapshot arena; NULL only when out of memory. */
void *aq__dec_array(aq__dec *d, size_t count, size_t size);

/* Capture the message's unknown fields (and those of the listed child messages) for `out`. */
typedef struct aq__pb_child {
    uint32_t field_number;
    const ProtobufCMessage *msg; /* may be NULL */
} aq__pb_child;

aq_status aq__unknown_capture(aq__dec *d, const ProtobufCMessage *msg,
                              const aq__pb_child *children, size_t n_children,
                              const aq_unknown **out, aq_error *err);

/* ---- encoding helpers ----------------------------------------------------------------------- */

/* A new message of type T in scratch memory, initialised with INIT; returns NULL on OOM. */
#define AQ__PB_NEW(e, T, INIT) aq__pb_new((e), sizeof(T), &(T)INIT)
void *aq__pb_new(aq__enc *e, size_t size, const void *init);

static inline void aq__uuid_to_pb(const aq_uuid *id, protobuf_c_boolean *has,
                                  ProtobufCBinaryData *out)
{
    *has = 1;
    out->len = sizeof id->bytes;
    out->data = (uint8_t *)(uintptr_t)id->bytes; /* protobuf-c only reads it */
}

static inline void aq__opt_uuid_to_pb(const aq_opt_uuid *id, protobuf_c_boolean *has,
                                      ProtobufCBinaryData *out)
{
    if (id->present) aq__uuid_to_pb(&id->value, has, out);
}

static inline void aq__bytes_to_pb(const aq_bytes *b, protobuf_c_boolean *has,
                                   ProtobufCBinaryData *out)
{
    *has = 1;
    out->len = b->len;
    out->data = (uint8_t *)(uintptr_t)b->ptr;
}

/* A string for protobuf-c, which ends strings at the first NUL: refuse embedded NULs. */
aq_status aq__str_to_pb(const aq_str *s, const char *field, char **out, aq_error *err);
aq_status aq__str_list_to_pb(aq__enc *e, const aq_str_list *l, const char *field, size_t *n,
                             char ***out, aq_error *err);
/* Check an enum value lies in 1..max before it goes on the wire. */
aq_status aq__enum_to_pb(int value, int max, const char *field, const char *type,
                         aq_error *err);
/* Count the fields of kept unknown bytes, refusing bytes that are not well-formed fields. */
aq_status aq__unknown_count(const aq_unknown *u, size_t *n, aq_error *err);
/* Re-attach kept unknown fields (and those of child messages) to a message being encoded. */
aq_status aq__unknown_attach(aq__enc *e, ProtobufCMessage *msg, const aq_unknown *u,
                             aq_error *err);

/* ---- record converters (convert_task.c, convert_run.c, convert_records.c) ------------------- */

aq_status aq__task_from_pb(aq__dec *d, pb_task *m, aq_task *out, aq_error *err);
aq_status aq__task_to_pb(aq__enc *e, const aq_task *t, pb_task **out, aq_error *err);

aq_status aq__run_from_pb(aq__dec *d, pb_run *m, aq_run *out, aq_error *err);
aq_status aq__run_to_pb(aq__enc *e, const aq_run *r, pb_run **out, aq_error *err);

aq_status aq__metadata_from_pb(aq__dec *d, pb_metadata *m, aq_metadata *out, aq_error *err);
aq_status aq__metadata_to_pb(aq__enc *e, const aq_metadata *x, pb_metadata **out,
                             aq_error *err);
aq_status aq__engine_from_pb(aq__dec *d, pb_engine_control *m, aq_engine_control *out,
                             aq_error *err);
aq_status aq__engine_to_pb(aq__enc *e, const aq_engine_control *x, pb_engine_control **out,
                           aq_error *err);
aq_status aq__dependency_from_pb(aq__dec *d, pb_dependency *m, aq_dependency *out,
                                 aq_error *err);
aq_status aq__dependency_to_pb(aq__enc *e, const aq_dependency *x, pb_dependency **out,
                               aq_error *err);
aq_status aq__budget_from_pb(aq__dec *d, pb_budget *m, aq_budget *out, aq_error *err);
aq_status aq__budget_to_pb(aq__enc *e, const aq_budget *x, pb_budget **out, aq_error *err);
aq_status aq__subscription_from_pb(aq__dec *d, pb_subscription *m, aq_subscription *out,
                                   aq_error *err);
aq_status aq__subscription_to_pb(aq__enc *e, const aq_subscription *x, pb_subscription **out,
                                 aq_error *err);
aq_status aq__actor_from_pb(aq__dec *d, pb_actor *m, aq_actor *out, aq_error *err);
aq_status aq__actor_to_pb(aq__enc *e, const aq_actor *x, pb_actor **out, aq_error *err);
aq_status aq__tenant_from_pb(aq__dec *d, pb_tenant *m, aq_tenant *out, aq_error *err);
aq_status aq__tenant_to_pb(aq__enc *e, const aq_tenant *x, pb_tenant **out, aq_error *err);
aq_status aq__role_assignment_from_pb(aq__dec *d, pb_role_assignment *m,
                                      aq_role_assignment *out, aq_error *err);
aq_status aq__role_assignment_to_pb(aq__enc *e, const aq_role_assignment *x,
                                    pb_role_assignment **out, aq_error *err);
aq_status aq__capability_grant_from_pb(aq__dec *d, pb_capability_grant *m,
                                       aq_capability_grant *out, aq_error *err);
aq_status aq__capability_grant_to_pb(aq__enc *e, const aq_capability_grant *x,
                                     pb_capability_grant **out, aq_error *err);
aq_status aq__ledger_entry_from_pb(aq__dec *d, pb_ledger_entry *m, aq_ledger_entry *out,
                                   aq_error *err);
aq_status aq__ledger_entry_to_pb(aq__enc *e, const aq_ledger_entry *x, pb_ledger_entry **out,
                                 aq_error *err);

#endif /* AQSNAP_CONVERT_H */
