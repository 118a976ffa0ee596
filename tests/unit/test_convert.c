/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The conversion layer's rejections, written as a spec.
 *
 * Decode side: a coverage sample (sample_defaults()) is encoded, unpacked with protobuf-c, exactly
 * one field of one record is changed, the message is packed again and handed to
 * aq_snapshot_decode(). Each table row says what the library must make of it: the status, the
 * error kind, the exact path, a message that starts with the path and names the value, *out
 * NULL and nothing leaked; or, for Option and defaulted fields, a snapshot equal to the sample
 * with the corresponding native field absent or at its default.
 *
 * Encode side: one native field of the sample is made unrepresentable (enum out of range, oneof
 * kind unset, string with a NUL) and aq_snapshot_encode() must refuse it with the native path,
 * leave the buffer empty and leak nothing.
 *
 * The tables are checked against the schema (the protobuf-c descriptors): a field added to the
 * proto without a row here fails test_convert__tables_cover_the_schema.
 *
 * Table tests check every row and list every failing row before failing, so one wrong row does
 * not hide the others.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "actionqueue/snapshot/v1/snapshot.pb-c.h"
#include "aqsnap.h"
#include "compare.h"
#include "wire_buf.h"
#include "fail_alloc.h"
#include "internal.h" /* white-box: struct aq_unknown, for the corrupt-unknown case */
#include "pb_pool.h"
#include "sample.h"

#define PKG "actionqueue.snapshot.v1."
#define ROOT_DESC actionqueue__snapshot__v1__snapshot__descriptor

/* ---- row bookkeeping ------------------------------------------------------------------------ */

static int g_failures;

__attribute__((format(printf, 2, 3))) static void row_fail(const char *row, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    print_error("  [%s] %s\n", row, msg);
    g_failures++;
}

static void rows_begin(void)
{
    g_failures = 0;
}

static void rows_end(const char *table)
{
    if (g_failures != 0) fail_msg("%d row(s) of %s failed (listed above)", g_failures, table);
}

/* ---- samples and their encodings ------------------------------------------------------------- */

/* Every decode and encode under test allocates through this, so that leaks are counted. */
static fail_alloc g_fa;

/* Encodings of the coverage sample for seeds 1 (engine paused) and 2 (engine resumed). */
static aq_buffer g_enc[3];

static aq_snapshot *sample(uint64_t seed)
{
    sample_options o = sample_defaults();
    o.seed = seed;
    aq_snapshot *s = NULL;
    aq_error err;
    assert_int_equal(sample_build(&o, NULL, &s, &err), AQ_OK);
    return s;
}

static int group_setup(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 2; seed++) {
        aq_snapshot *s = sample(seed);
        aq_error err;
        if (aq_snapshot_encode(s, NULL, &g_enc[seed], &err) != AQ_OK) return -1;
        aq_snapshot_free(s);
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < 3; i++) aq_buffer_free(&g_enc[i]);
    return 0;
}

/* ---- field paths over protobuf-c messages -------------------------------------------------- */

/* A field named by a path such as "runs[3].run_instance.state" or
 * "dependency_declarations[2].depends_on[1]" (an element of a repeated scalar). */
typedef struct loc {
    ProtobufCMessage *msg;
    const ProtobufCFieldDescriptor *f;
    long index; /* element of a repeated field, or -1 */
} loc;

static void *at(ProtobufCMessage *m, unsigned offset)
{
    return (char *)m + offset;
}

static bool is_oneof(const ProtobufCFieldDescriptor *f)
{
    return (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0;
}

static bool is_repeated(const ProtobufCFieldDescriptor *f)
{
    return f->label == PROTOBUF_C_LABEL_REPEATED;
}

/* "name[3]" -> "name", 3; "name" -> "name", -1. */
static bool split_segment(const char *s, size_t n, char name[64], long *index)
{
    const char *br = memchr(s, '[', n);
    size_t nl = br != NULL ? (size_t)(br - s) : n;
    if (nl == 0 || nl >= 64) return false;
    memcpy(name, s, nl);
    name[nl] = '\0';
    *index = -1;
    if (br != NULL) {
        char *end;
        unsigned long v = strtoul(br + 1, &end, 10);
        if (*end != ']') return false;
        *index = (long)v;
    }
    return true;
}

static bool locate(ProtobufCMessage *root, const char *path, loc *out)
{
    ProtobufCMessage *m = root;
    for (const char *p = path;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
        char name[64];
        long index;
        if (!split_segment(p, n, name, &index)) return false;
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
        if (f == NULL) return false;
        if (dot == NULL) {
            out->msg = m;
            out->f = f;
            out->index = index;
            if (index < 0) return true;
            return is_repeated(f) && (size_t)index < *(size_t *)at(m, f->quantifier_offset);
        }
        if (f->type != PROTOBUF_C_TYPE_MESSAGE) return false;
        ProtobufCMessage *child;
        if (is_repeated(f)) {
            if (index < 0 || (size_t)index >= *(size_t *)at(m, f->quantifier_offset)) return false;
            child = (*(ProtobufCMessage ***)at(m, f->offset))[index];
        } else {
            if (index >= 0) return false;
            if (is_oneof(f) && *(uint32_t *)at(m, f->quantifier_offset) != f->id) return false;
            child = *(ProtobufCMessage **)at(m, f->offset);
        }
        if (child == NULL) return false;
        m = child;
        p = dot + 1;
    }
}

static bool is_set(const loc *l)
{
    const ProtobufCFieldDescriptor *f = l->f;
    if (is_repeated(f))
        return *(size_t *)at(l->msg, f->quantifier_offset) > (l->index < 0 ? 0 : (size_t)l->index);
    if (is_oneof(f)) return *(uint32_t *)at(l->msg, f->quantifier_offset) == f->id;
    if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
        return *(void **)at(l->msg, f->offset) != NULL;
    return *(protobuf_c_boolean *)at(l->msg, f->quantifier_offset) != 0;
}

/* Make the field absent, as a writer that never set it would. */
static void clear(const loc *l)
{
    const ProtobufCFieldDescriptor *f = l->f;
    if (is_repeated(f))
        *(size_t *)at(l->msg, f->quantifier_offset) = 0;
    else if (is_oneof(f))
        *(uint32_t *)at(l->msg, f->quantifier_offset) = 0; /* *_NOT_SET */
    else if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
        *(void **)at(l->msg, f->offset) = NULL;
    else
        *(protobuf_c_boolean *)at(l->msg, f->quantifier_offset) = 0;
}

static ProtobufCBinaryData *bytes_of(const loc *l)
{
    if (is_repeated(l->f)) return &(*(ProtobufCBinaryData **)at(l->msg, l->f->offset))[l->index];
    return at(l->msg, l->f->offset);
}

/* "a.b[2].c" -> "a.b[2]" */
static void parent_path(const char *path, char *out, size_t size)
{
    const char *dot = strrchr(path, '.');
    size_t n = dot != NULL ? (size_t)(dot - path) : 0;
    if (n >= size) n = size - 1;
    memcpy(out, path, n);
    out[n] = '\0';
}

/* The schema field a path names, by descriptors alone (indices ignored). */
static bool resolve_schema(const char *path, const ProtobufCMessageDescriptor **md_out,
                           const ProtobufCFieldDescriptor **f_out)
{
    const ProtobufCMessageDescriptor *md = &ROOT_DESC;
    for (const char *p = path;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
        char name[64];
        long index;
        if (!split_segment(p, n, name, &index)) return false;
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(md, name);
        if (f == NULL) return false;
        if (dot == NULL) {
            *md_out = md;
            *f_out = f;
            return true;
        }
        if (f->type != PROTOBUF_C_TYPE_MESSAGE) return false;
        md = f->descriptor;
        p = dot + 1;
    }
}

/* Every message type reachable from Snapshot. */
static size_t reachable_messages(const ProtobufCMessageDescriptor **out, size_t max)
{
    size_t n = 0;
    out[n++] = &ROOT_DESC;
    for (size_t i = 0; i < n; i++) {
        for (unsigned k = 0; k < out[i]->n_fields; k++) {
            const ProtobufCFieldDescriptor *f = &out[i]->fields[k];
            if (f->type != PROTOBUF_C_TYPE_MESSAGE) continue;
            const ProtobufCMessageDescriptor *d = f->descriptor;
            bool seen = false;
            for (size_t j = 0; j < n; j++) seen = seen || out[j] == d;
            if (!seen) {
                assert_true(n < max);
                out[n++] = d;
            }
        }
    }
    return n;
}

/* "actionqueue.snapshot.v1.EventFilter.Custom" + "key" -> "EventFilter.Custom.key" */
static void field_key(const ProtobufCMessageDescriptor *md, const ProtobufCFieldDescriptor *f,
                      char *out, size_t size)
{
    const char *name = md->name;
    if (strncmp(name, PKG, strlen(PKG)) == 0) name += strlen(PKG);
    (void)snprintf(out, size, "%s.%s", name, f->name);
}

/* ---- decoding under test ------------------------------------------------------------------ */

static aq_status decode_tracked(const uint8_t *data, size_t len, aq_snapshot **out, aq_error *err)
{
    fail_alloc_reset(&g_fa, SIZE_MAX);
    aq_allocator al = fail_alloc_allocator(&g_fa);
    *out = (aq_snapshot *)(void *)&g_fa; /* not NULL: a failing decode must reset it */
    return aq_snapshot_decode(data, len, &al, out, err);
}

static void check_error(const char *row, const aq_error *err, aq_status st, aq_status want_status,
                        aq_error_kind want_kind, const char *want_path, const char *needle)
{
    if (st != want_status || err->status != want_status)
        row_fail(row, "status %s (err.status %s), expected %s: %s", aq_status_name(st),
                 aq_status_name(err->status), aq_status_name(want_status), err->message);
    if (err->kind != want_kind)
        row_fail(row, "kind %s, expected %s: %s", aq_error_kind_name(err->kind),
                 aq_error_kind_name(want_kind), err->message);
    if (strcmp(err->path, want_path) != 0)
        row_fail(row, "path \"%s\", expected \"%s\": %s", err->path, want_path, err->message);
    if (want_path[0] != '\0') {
        size_t n = strlen(want_path);
        if (strncmp(err->message, want_path, n) != 0 || strncmp(err->message + n, ": ", 2) != 0)
            row_fail(row, "message \"%s\" does not start with \"%s: \"", err->message, want_path);
    }
    if (needle != NULL && strstr(err->message, needle) == NULL)
        row_fail(row, "message \"%s\" does not name \"%s\"", err->message, needle);
}

/* Decoding `data` must fail exactly so, with *out NULL and nothing leaked. */
static void expect_rejected(const char *row, const uint8_t *data, size_t len,
                            aq_error_kind want_kind, const char *want_path, const char *needle)
{
    aq_snapshot *out;
    aq_error err;
    aq_status st = decode_tracked(data, len, &out, &err);
    if (st == AQ_OK) {
        row_fail(row, "decoded fine; expected %s at \"%s\"", aq_error_kind_name(want_kind),
                 want_path);
        aq_snapshot_free(out);
        return;
    }
    if (out != NULL) row_fail(row, "*out is not NULL after a failed decode");
    check_error(row, &err, st, AQ_EDECODE, want_kind, want_path, needle);
    if (g_fa.live_bytes != 0) row_fail(row, "%zu bytes leaked", g_fa.live_bytes);
}

/* Decoding `data` must succeed with a snapshot equal to `want`; frees what it decoded. */
static void expect_decodes_as(const char *row, const uint8_t *data, size_t len,
                              const aq_snapshot *want)
{
    aq_snapshot *got;
    aq_error err;
    aq_status st = decode_tracked(data, len, &got, &err);
    if (st != AQ_OK) {
        row_fail(row, "decode failed: %s %s", aq_status_name(st), err.message);
        return;
    }
    char where[512];
    if (!snapshot_equal(want, got, where, sizeof where))
        row_fail(row, "decoded snapshot differs from the expected one at %s", where);
    aq_snapshot_free(got);
    if (g_fa.live_bytes != 0) row_fail(row, "%zu bytes leaked", g_fa.live_bytes);
}

/* =============================================================================================
 * Decode: presence of every field of the schema
 * =========================================================================================== */

typedef enum presence {
    P_REQUIRED,  /* the engine always has it: absent => AQ_ERR_MISSING_FIELD */
    P_OPTION,    /* Rust Option: absent => None */
    P_DEFAULTED, /* serde(default) / proto comment "defaulted": absent => the default */
    P_LIST,      /* repeated: absent => empty */
    P_ONEOF      /* a variant: none set => AQ_ERR_ONEOF_UNSET on the oneof's message */
} presence;

static const char *const presence_names[] = {"required", "Option", "defaulted", "list", "oneof"};

/* The native edit that clearing the field must amount to. */
typedef void (*native_edit)(aq_snapshot *s);

typedef struct presence_row {
    presence kind;
    const char *path; /* a field that is set in the coverage sample of `seed` */
    native_edit expect;
    uint64_t seed;
} presence_row;

#define CLEAR(x) memset(&(x), 0, sizeof(x))
#define NATIVE(name, ...)                                                                       \
    static void name(aq_snapshot *s)                                                            \
    {                                                                                           \
        __VA_ARGS__;                                                                            \
    }

NATIVE(no_tasks, s->tasks.count = 0)
NATIVE(no_runs, s->runs.count = 0)
NATIVE(engine_default, CLEAR(s->engine))
NATIVE(no_dependencies, s->dependency_declarations.count = 0)
NATIVE(no_budgets, s->budgets.count = 0)
NATIVE(no_subscriptions, s->subscriptions.count = 0)
NATIVE(no_actors, s->actors.count = 0)
NATIVE(no_tenants, s->tenants.count = 0)
NATIVE(no_role_assignments, s->role_assignments.count = 0)
NATIVE(no_capability_grants, s->capability_grants.count = 0)
NATIVE(no_ledger_entries, s->ledger_entries.count = 0)
NATIVE(task1_updated_at_none, CLEAR(s->tasks.items[1].updated_at))
NATIVE(task6_canceled_at_none, CLEAR(s->tasks.items[6].canceled_at))
NATIVE(task2_parent_none, CLEAR(s->tasks.items[2].task_spec.parent_task_id))
NATIVE(task4_tenant_none, CLEAR(s->tasks.items[4].task_spec.tenant_id))
NATIVE(task4_content_type_none, CLEAR(s->tasks.items[4].task_spec.payload.content_type))
NATIVE(task14_max_occurrences_none,
       CLEAR(s->tasks.items[14].task_spec.run_policy.cron.max_occurrences))
NATIVE(task6_timeout_none, CLEAR(s->tasks.items[6].task_spec.constraints.timeout_secs))
NATIVE(task8_concurrency_key_none, CLEAR(s->tasks.items[8].task_spec.constraints.concurrency_key))
NATIVE(task1_hold_default, s->tasks.items[1].task_spec.constraints.concurrency_key_hold_policy =
                               AQ_HOLD_POLICY_HOLD_DURING_RETRY)
NATIVE(task2_safety_default,
       s->tasks.items[2].task_spec.constraints.safety_level = AQ_SAFETY_LEVEL_PURE)
NATIVE(task3_capabilities_none,
       CLEAR(s->tasks.items[3].task_spec.constraints.required_capabilities))
NATIVE(task9_capabilities_empty,
       s->tasks.items[9].task_spec.constraints.required_capabilities.value.count = 0)
NATIVE(task7_no_tags, s->tasks.items[7].task_spec.metadata.tags.count = 0)
NATIVE(task9_description_none, CLEAR(s->tasks.items[9].task_spec.metadata.description))
NATIVE(run3_no_history, s->runs.items[3].state_history.count = 0)
NATIVE(run3_no_attempts, s->runs.items[3].attempts.count = 0)
NATIVE(run14_no_lease, s->runs.items[14].lease = NULL)
NATIVE(run7_no_active_attempt, CLEAR(s->runs.items[7].run_instance.current_attempt_id))
NATIVE(run5_last_change_zero, s->runs.items[5].run_instance.last_state_change_at = 0)
NATIVE(run4_h2_from_none, CLEAR(s->runs.items[4].state_history.items[2].from))
NATIVE(run6_a0_finished_none, CLEAR(s->runs.items[6].attempts.items[0].finished_at))
NATIVE(run8_a0_result_none, CLEAR(s->runs.items[8].attempts.items[0].result))
NATIVE(run16_a0_error_none, CLEAR(s->runs.items[16].attempts.items[0].error))
NATIVE(run19_a0_output_none, CLEAR(s->runs.items[19].attempts.items[0].output))
NATIVE(engine_paused_at_none, CLEAR(s->engine.paused_at))
NATIVE(engine_resumed_at_none, CLEAR(s->engine.resumed_at))
NATIVE(dep2_no_prerequisites, s->dependency_declarations.items[2].depends_on.count = 0)
NATIVE(sub3_triggered_none, CLEAR(s->subscriptions.items[3].triggered_at))
NATIVE(sub5_canceled_none, CLEAR(s->subscriptions.items[5].canceled_at))
NATIVE(actor2_no_capabilities, s->actors.items[2].capabilities.count = 0)
NATIVE(actor4_department_none, CLEAR(s->actors.items[4].department))
NATIVE(actor5_tenant_none, CLEAR(s->actors.items[5].tenant_id))
NATIVE(actor5_heartbeat_none, CLEAR(s->actors.items[5].last_heartbeat_at))
NATIVE(actor7_deregistered_none, CLEAR(s->actors.items[7].deregistered_at))
NATIVE(grant3_revoked_none, CLEAR(s->capability_grants.items[3].revoked_at))
NATIVE(ledger2_actor_none, CLEAR(s->ledger_entries.items[2].actor_id))

#define REQ(path) {P_REQUIRED, path, NULL, 1}
#define VARIANT(path) {P_ONEOF, path, NULL, 1}
#define OPTION(path, edit) {P_OPTION, path, edit, 1}
#define DEFAULTED(path, edit) {P_DEFAULTED, path, edit, 1}
#define LIST(path, edit) {P_LIST, path, edit, 1}

/* SNAPSHOT-SPEC sections 4-5, the seed model and the proto comments, field by field. */
static const presence_row presence_rows[] = {
    /* Snapshot */
    REQ("version"),
    REQ("timestamp"),
    REQ("metadata"),
    LIST("tasks", no_tasks),
    LIST("runs", no_runs),
    DEFAULTED("engine", engine_default),
    LIST("dependency_declarations", no_dependencies),
    LIST("budgets", no_budgets),
    LIST("subscriptions", no_subscriptions),
    LIST("actors", no_actors),
    LIST("tenants", no_tenants),
    LIST("role_assignments", no_role_assignments),
    LIST("capability_grants", no_capability_grants),
    LIST("ledger_entries", no_ledger_entries),
    /* SnapshotMetadata */
    REQ("metadata.schema_version"),
    REQ("metadata.wal_sequence"),
    REQ("metadata.task_count"),
    REQ("metadata.run_count"),
    /* SnapshotTask */
    REQ("tasks[4].task_spec"),
    REQ("tasks[4].created_at"),
    OPTION("tasks[1].updated_at", task1_updated_at_none),
    DEFAULTED("tasks[6].canceled_at", task6_canceled_at_none),
    /* TaskSpec */
    REQ("tasks[3].task_spec.id"),
    REQ("tasks[3].task_spec.payload"),
    REQ("tasks[3].task_spec.run_policy"),
    REQ("tasks[3].task_spec.constraints"),
    REQ("tasks[3].task_spec.metadata"),
    DEFAULTED("tasks[2].task_spec.parent_task_id", task2_parent_none),
    DEFAULTED("tasks[4].task_spec.tenant_id", task4_tenant_none),
    /* TaskPayload */
    REQ("tasks[5].task_spec.payload.bytes"),
    OPTION("tasks[4].task_spec.payload.content_type", task4_content_type_none),
    /* RunPolicy and its variants */
    VARIANT("tasks[0].task_spec.run_policy.once"),
    VARIANT("tasks[1].task_spec.run_policy.repeat"),
    VARIANT("tasks[2].task_spec.run_policy.cron"),
    REQ("tasks[7].task_spec.run_policy.repeat.count"),
    REQ("tasks[7].task_spec.run_policy.repeat.interval_secs"),
    REQ("tasks[8].task_spec.run_policy.cron.expression"),
    OPTION("tasks[14].task_spec.run_policy.cron.max_occurrences", task14_max_occurrences_none),
    /* TaskConstraints and StringList */
    REQ("tasks[6].task_spec.constraints.max_attempts"),
    OPTION("tasks[6].task_spec.constraints.timeout_secs", task6_timeout_none),
    OPTION("tasks[8].task_spec.constraints.concurrency_key", task8_concurrency_key_none),
    DEFAULTED("tasks[1].task_spec.constraints.concurrency_key_hold_policy", task1_hold_default),
    DEFAULTED("tasks[2].task_spec.constraints.safety_level", task2_safety_default),
    DEFAULTED("tasks[3].task_spec.constraints.required_capabilities", task3_capabilities_none),
    LIST("tasks[9].task_spec.constraints.required_capabilities.values", task9_capabilities_empty),
    /* TaskMetadata */
    LIST("tasks[7].task_spec.metadata.tags", task7_no_tags),
    REQ("tasks[9].task_spec.metadata.priority"),
    OPTION("tasks[9].task_spec.metadata.description", task9_description_none),
    /* SnapshotRun */
    REQ("runs[3].run_instance"),
    LIST("runs[3].state_history", run3_no_history),
    LIST("runs[3].attempts", run3_no_attempts),
    OPTION("runs[14].lease", run14_no_lease),
    /* RunInstance */
    REQ("runs[3].run_instance.id"),
    REQ("runs[3].run_instance.task_id"),
    REQ("runs[3].run_instance.state"),
    OPTION("runs[7].run_instance.current_attempt_id", run7_no_active_attempt),
    REQ("runs[5].run_instance.attempt_count"),
    REQ("runs[5].run_instance.created_at"),
    REQ("runs[5].run_instance.scheduled_at"),
    REQ("runs[5].run_instance.effective_priority"),
    DEFAULTED("runs[5].run_instance.last_state_change_at", run5_last_change_zero),
    /* SnapshotRunStateHistoryEntry */
    OPTION("runs[4].state_history[2].from_state", run4_h2_from_none),
    REQ("runs[4].state_history[3].to_state"),
    REQ("runs[4].state_history[1].timestamp"),
    /* SnapshotAttemptHistoryEntry */
    REQ("runs[5].attempts[0].attempt_id"),
    REQ("runs[5].attempts[0].started_at"),
    OPTION("runs[6].attempts[0].finished_at", run6_a0_finished_none),
    OPTION("runs[8].attempts[0].result", run8_a0_result_none),
    OPTION("runs[16].attempts[0].error", run16_a0_error_none),
    DEFAULTED("runs[19].attempts[0].output", run19_a0_output_none),
    /* SnapshotLeaseMetadata */
    REQ("runs[18].lease.owner"),
    REQ("runs[22].lease.expiry"),
    REQ("runs[22].lease.acquired_at"),
    REQ("runs[22].lease.updated_at"),
    /* SnapshotEngineControl: the section is defaulted, but a present one must say whether the
     * engine is paused, as the engine's reader requires. */
    REQ("engine.paused"),
    OPTION("engine.paused_at", engine_paused_at_none),
    {P_OPTION, "engine.resumed_at", engine_resumed_at_none, 2},
    /* SnapshotDependencyDeclaration */
    REQ("dependency_declarations[2].task_id"),
    LIST("dependency_declarations[2].depends_on", dep2_no_prerequisites),
    REQ("dependency_declarations[3].declared_at"),
    /* SnapshotBudget */
    REQ("budgets[4].task_id"),
    REQ("budgets[4].dimension"),
    REQ("budgets[4].limit"),
    REQ("budgets[4].consumed"),
    REQ("budgets[4].allocated_at"),
    REQ("budgets[4].exhausted"),
    /* SnapshotSubscription */
    REQ("subscriptions[1].subscription_id"),
    REQ("subscriptions[1].task_id"),
    REQ("subscriptions[1].filter"),
    REQ("subscriptions[1].created_at"),
    OPTION("subscriptions[3].triggered_at", sub3_triggered_none),
    OPTION("subscriptions[5].canceled_at", sub5_canceled_none),
    /* EventFilter and its variants */
    VARIANT("subscriptions[0].filter.task_completed"),
    VARIANT("subscriptions[1].filter.run_state_changed"),
    VARIANT("subscriptions[2].filter.budget_threshold"),
    VARIANT("subscriptions[3].filter.custom"),
    REQ("subscriptions[4].filter.task_completed.task_id"),
    REQ("subscriptions[5].filter.run_state_changed.task_id"),
    REQ("subscriptions[5].filter.run_state_changed.state"),
    REQ("subscriptions[6].filter.budget_threshold.task_id"),
    REQ("subscriptions[6].filter.budget_threshold.dimension"),
    REQ("subscriptions[6].filter.budget_threshold.threshold_pct"),
    REQ("subscriptions[3].filter.custom.key"),
    /* SnapshotActor */
    REQ("actors[2].actor_id"),
    REQ("actors[2].identity"),
    LIST("actors[2].capabilities", actor2_no_capabilities),
    OPTION("actors[4].department", actor4_department_none),
    REQ("actors[2].heartbeat_interval_secs"),
    OPTION("actors[5].tenant_id", actor5_tenant_none),
    REQ("actors[2].registered_at"),
    OPTION("actors[5].last_heartbeat_at", actor5_heartbeat_none),
    OPTION("actors[7].deregistered_at", actor7_deregistered_none),
    /* SnapshotTenant */
    REQ("tenants[1].tenant_id"),
    REQ("tenants[1].name"),
    REQ("tenants[1].created_at"),
    /* SnapshotRoleAssignment and Role */
    REQ("role_assignments[1].actor_id"),
    REQ("role_assignments[1].role"),
    REQ("role_assignments[1].tenant_id"),
    REQ("role_assignments[1].assigned_at"),
    VARIANT("role_assignments[2].role.builtin"),
    VARIANT("role_assignments[3].role.custom"),
    /* SnapshotCapabilityGrant and Capability */
    REQ("capability_grants[2].actor_id"),
    REQ("capability_grants[2].capability"),
    REQ("capability_grants[2].tenant_id"),
    REQ("capability_grants[2].granted_at"),
    OPTION("capability_grants[3].revoked_at", grant3_revoked_none),
    VARIANT("capability_grants[4].capability.builtin"),
    VARIANT("capability_grants[5].capability.custom"),
    /* SnapshotLedgerEntry */
    REQ("ledger_entries[2].entry_id"),
    REQ("ledger_entries[2].tenant_id"),
    REQ("ledger_entries[2].ledger_key"),
    OPTION("ledger_entries[2].actor_id", ledger2_actor_none),
    REQ("ledger_entries[2].payload"),
    REQ("ledger_entries[2].timestamp"),
};

#define N_ROWS(t) (sizeof(t) / sizeof((t)[0]))

static void run_presence_row(const presence_row *row)
{
    const aq_buffer *enc = &g_enc[row->seed];
    pool_hdr *pool = NULL;
    ProtobufCMessage *root = unpack_pooled(&pool, enc->data, enc->len);
    assert_non_null(root);
    loc l;
    if (!locate(root, row->path, &l)) {
        row_fail(row->path, "does not resolve in the sample of seed %llu",
                 (unsigned long long)row->seed);
    } else if (!is_set(&l)) {
        row_fail(row->path, "is not set in the sample: the row would prove nothing");
    } else {
        clear(&l);
        size_t len;
        uint8_t *bytes = pack(root, &len);
        if (row->kind == P_REQUIRED) {
            expect_rejected(row->path, bytes, len, AQ_ERR_MISSING_FIELD, row->path,
                            "required field is missing");
        } else if (row->kind == P_ONEOF) {
            char parent[128], needle[96];
            parent_path(row->path, parent, sizeof parent);
            (void)snprintf(needle, sizeof needle, "no variant of %s is set",
                           l.msg->descriptor->short_name);
            expect_rejected(row->path, bytes, len, AQ_ERR_ONEOF_UNSET, parent, needle);
        } else {
            aq_snapshot *orig = sample(row->seed);
            aq_snapshot *want = sample(row->seed);
            row->expect(want);
            char where[512];
            if (snapshot_equal(orig, want, where, sizeof where))
                row_fail(row->path, "the expected native edit changes nothing: the row would "
                                    "prove nothing");
            expect_decodes_as(row->path, bytes, len, want);
            aq_snapshot_free(orig);
            aq_snapshot_free(want);
        }
        free(bytes);
    }
    pool_release(&pool);
}

static void test_convert__decode_presence_table(void **state)
{
    (void)state;
    rows_begin();
    for (size_t i = 0; i < N_ROWS(presence_rows); i++) run_presence_row(&presence_rows[i]);
    rows_end("the presence table");
}

/* =============================================================================================
 * Decode: ids, enums, threshold_pct
 * =========================================================================================== */

/* Every id field (bytes of exactly 16). */
static const char *const uuid_rows[] = {
    "tasks[3].task_spec.id",
    "tasks[2].task_spec.parent_task_id",
    "tasks[4].task_spec.tenant_id",
    "runs[3].run_instance.id",
    "runs[3].run_instance.task_id",
    "runs[3].run_instance.current_attempt_id",
    "runs[5].attempts[0].attempt_id",
    "dependency_declarations[2].task_id",
    "dependency_declarations[2].depends_on[1]",
    "budgets[4].task_id",
    "subscriptions[1].subscription_id",
    "subscriptions[1].task_id",
    "subscriptions[4].filter.task_completed.task_id",
    "subscriptions[5].filter.run_state_changed.task_id",
    "subscriptions[6].filter.budget_threshold.task_id",
    "actors[3].actor_id",
    "actors[3].tenant_id",
    "tenants[2].tenant_id",
    "role_assignments[1].actor_id",
    "role_assignments[1].tenant_id",
    "capability_grants[2].actor_id",
    "capability_grants[2].tenant_id",
    "ledger_entries[2].entry_id",
    "ledger_entries[2].tenant_id",
    "ledger_entries[2].actor_id",
};

/* The bytes fields that are not ids. */
static const char *const not_id_fields[] = {
    "TaskPayload.bytes",
    "SnapshotAttemptHistoryEntry.output",
    "SnapshotLedgerEntry.payload",
};

static void test_convert__decode_rejects_ids_not_16_bytes(void **state)
{
    (void)state;
    static uint8_t id_bytes[17] = {0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab,
                                   0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};
    static const size_t lengths[] = {0, 15, 17};
    rows_begin();
    for (size_t i = 0; i < N_ROWS(uuid_rows); i++) {
        for (size_t k = 0; k < N_ROWS(lengths); k++) {
            char row[160];
            (void)snprintf(row, sizeof row, "%s with %zu bytes", uuid_rows[i], lengths[k]);
            pool_hdr *pool = NULL;
            ProtobufCMessage *root = unpack_pooled(&pool, g_enc[1].data, g_enc[1].len);
            assert_non_null(root);
            loc l;
            if (!locate(root, uuid_rows[i], &l) || !is_set(&l)) {
                row_fail(row, "not set in the sample");
            } else if (l.f->type != PROTOBUF_C_TYPE_BYTES) {
                row_fail(row, "not a bytes field");
            } else {
                ProtobufCBinaryData *b = bytes_of(&l);
                b->data = id_bytes;
                b->len = lengths[k];
                size_t len;
                uint8_t *bytes = pack(root, &len);
                char message[256];
                (void)snprintf(message, sizeof message, "%s: id has %zu bytes, expected 16",
                               uuid_rows[i], lengths[k]);
                expect_rejected(row, bytes, len, AQ_ERR_BAD_UUID, uuid_rows[i], message);
                free(bytes);
            }
            pool_release(&pool);
        }
    }
    rows_end("the id table");
}

typedef struct enum_row {
    const char *path;
    const char *type; /* as the error message names it */
    int max;          /* highest value this version knows */
    native_edit expect_default; /* defaulted enums: the sample with the field at its default */
    size_t task;                /* defaulted enums: the task whose constraints hold the field */
} enum_row;

/* Every enum field. The defaulted ones (constraints.concurrency_key_hold_policy and
 * constraints.safety_level) read unknown values as their default and keep them. */
static const enum_row enum_rows[] = {
    {"runs[3].run_instance.state", "RunState", AQ_RUN_STATE_CANCELED, NULL, 0},
    {"runs[4].state_history[2].from_state", "RunState", AQ_RUN_STATE_CANCELED, NULL, 0},
    {"runs[4].state_history[0].to_state", "RunState", AQ_RUN_STATE_CANCELED, NULL, 0},
    {"runs[8].attempts[0].result", "AttemptResultKind", AQ_ATTEMPT_RESULT_SUSPENDED, NULL, 0},
    {"budgets[4].dimension", "BudgetDimension", AQ_BUDGET_DIMENSION_TIME_SECS, NULL, 0},
    {"subscriptions[5].filter.run_state_changed.state", "RunState", AQ_RUN_STATE_CANCELED, NULL, 0},
    {"subscriptions[6].filter.budget_threshold.dimension", "BudgetDimension",
     AQ_BUDGET_DIMENSION_TIME_SECS, NULL, 0},
    {"role_assignments[2].role.builtin", "Role", AQ_ROLE_GATEKEEPER, NULL, 0},
    {"capability_grants[4].capability.builtin", "Capability", AQ_CAPABILITY_CAN_CANCEL, NULL, 0},
    {"tasks[1].task_spec.constraints.concurrency_key_hold_policy", "ConcurrencyKeyHoldPolicy",
     AQ_HOLD_POLICY_RELEASE_ON_RETRY, task1_hold_default, 1},
    {"tasks[2].task_spec.constraints.safety_level", "SafetyLevel", AQ_SAFETY_LEVEL_TRANSACTIONAL,
     task2_safety_default, 2},
};

/* Pack the sample with the enum at `path` set to `value`; NULL (row failed) when it is not set. */
static uint8_t *sample_with_enum(const char *row, const char *path, int value, size_t *len)
{
    pool_hdr *pool = NULL;
    ProtobufCMessage *root = unpack_pooled(&pool, g_enc[1].data, g_enc[1].len);
    assert_non_null(root);
    uint8_t *bytes = NULL;
    loc l;
    if (!locate(root, path, &l) || !is_set(&l)) {
        row_fail(row, "not set in the sample");
    } else if (l.f->type != PROTOBUF_C_TYPE_ENUM) {
        row_fail(row, "not an enum field");
    } else {
        *(int *)at(l.msg, l.f->offset) = value;
        bytes = pack(root, len);
    }
    pool_release(&pool);
    return bytes;
}

/* A defaulted enum with a value this version does not know reads as the default, and the value
 * survives a rewrite: protobuf-c reading the re-encoded bytes sees it again. */
static void check_unknown_value_kept(const enum_row *e, int value, const char *row,
                                     const uint8_t *bytes, size_t len)
{
    aq_snapshot *got;
    aq_error err;
    aq_status st = decode_tracked(bytes, len, &got, &err);
    if (st != AQ_OK) {
        row_fail(row, "a defaulted enum must decode: %s %s", aq_status_name(st), err.message);
        return;
    }
    aq_buffer re;
    st = aq_snapshot_encode(got, NULL, &re, &err);
    if (st != AQ_OK) {
        row_fail(row, "re-encode failed: %s", err.message);
    } else {
        Actionqueue__Snapshot__V1__Snapshot *m =
            actionqueue__snapshot__v1__snapshot__unpack(NULL, re.len, re.data);
        loc l;
        if (m == NULL || !locate(&m->base, e->path, &l) || !is_set(&l))
            row_fail(row, "re-encoded bytes lost the field");
        else if (*(int *)at(l.msg, l.f->offset) != value)
            row_fail(row, "re-encoded bytes read %d, expected the original %d",
                     *(int *)at(l.msg, l.f->offset), value);
        if (m != NULL) actionqueue__snapshot__v1__snapshot__free_unpacked(m, NULL);

        /* Loading the rewrite again reads the default again and writes the same bytes. */
        aq_snapshot *again = NULL;
        aq_buffer re2 = {0};
        if (aq_snapshot_decode(re.data, re.len, NULL, &again, &err) != AQ_OK ||
            aq_snapshot_encode(again, NULL, &re2, &err) != AQ_OK)
            row_fail(row, "second round failed: %s", err.message);
        else if (re2.len != re.len || memcmp(re2.data, re.data, re.len) != 0)
            row_fail(row, "a second load-and-write changed the bytes");
        aq_buffer_free(&re2);
        aq_snapshot_free(again);
        aq_buffer_free(&re);
    }
    /* Natively, the value is the constraints' only kept unknown field, as a varint (negative
     * int32 sign-extended, as protobuf writes it). */
    const ProtobufCFieldDescriptor *f;
    const ProtobufCMessageDescriptor *md;
    assert_true(resolve_schema(e->path, &md, &f));
    bytes_buf kept = {0};
    buf_put_varint(&kept, (uint64_t)f->id << 3);
    buf_put_varint(&kept, (uint64_t)(int64_t)value);
    const aq_unknown *u = got->tasks.items[e->task].task_spec.constraints.unknown;
    if (u == NULL || u->child_count != 0 || u->fields.len != kept.len ||
        memcmp(u->fields.ptr, kept.p, kept.len) != 0)
        row_fail(row, "the value is not kept as the constraints' unknown field");
    free(kept.p);

    aq_snapshot *want = sample(1);
    e->expect_default(want);
    snapshot_strip_unknown(got);
    char where[512];
    if (!snapshot_equal(want, got, where, sizeof where))
        row_fail(row, "does not read as the default: differs at %s", where);
    aq_snapshot_free(want);
    aq_snapshot_free(got);
    if (g_fa.live_bytes != 0) row_fail(row, "%zu bytes leaked", g_fa.live_bytes);
}

static void test_convert__decode_rejects_unspecified_and_unknown_enums(void **state)
{
    (void)state;
    rows_begin();
    for (size_t i = 0; i < N_ROWS(enum_rows); i++) {
        const enum_row *e = &enum_rows[i];
        const int values[] = {0, e->max + 1, 99, -1, INT32_MAX};
        for (size_t k = 0; k < N_ROWS(values); k++) {
            int v = values[k];
            char row[160], needle[128];
            (void)snprintf(row, sizeof row, "%s = %d", e->path, v);
            size_t len;
            uint8_t *bytes = sample_with_enum(row, e->path, v, &len);
            if (bytes == NULL) continue;
            if (v == 0) {
                /* UNSPECIFIED means a writer forgot the field: refused even when defaulted. */
                (void)snprintf(needle, sizeof needle, "%s: %s is UNSPECIFIED (0)", e->path,
                               e->type);
                expect_rejected(row, bytes, len, AQ_ERR_BAD_ENUM, e->path, needle);
            } else if (e->expect_default == NULL) {
                (void)snprintf(needle, sizeof needle, "%s value %d is not known", e->type, v);
                expect_rejected(row, bytes, len, AQ_ERR_BAD_ENUM, e->path, needle);
            } else {
                check_unknown_value_kept(e, v, row, bytes, len);
            }
            free(bytes);
        }
    }
    rows_end("the enum table");
}

/* A defaulted enum loaded with a value this version does not know keeps that value for the
 * rewrite; but when the caller then sets the field, the caller's value is what must be read back
 * (protobuf readers take the last occurrence of a field, so the kept value must not follow it). */
static void test_convert__caller_change_of_a_kept_enum_wins(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        size_t task;
        int set; /* a valid value other than the default */
    } cases[] = {
        {"tasks[2].task_spec.constraints.safety_level", 2, AQ_SAFETY_LEVEL_IDEMPOTENT},
        {"tasks[1].task_spec.constraints.concurrency_key_hold_policy", 1,
         AQ_HOLD_POLICY_RELEASE_ON_RETRY},
    };
    rows_begin();
    for (size_t i = 0; i < N_ROWS(cases); i++) {
        size_t len;
        uint8_t *bytes = sample_with_enum(cases[i].path, cases[i].path, 99, &len);
        if (bytes == NULL) continue;
        aq_snapshot *s = NULL;
        aq_error err;
        assert_int_equal(aq_snapshot_decode(bytes, len, NULL, &s, &err), AQ_OK);
        aq_task_constraints *c = &s->tasks.items[cases[i].task].task_spec.constraints;
        bool safety = strstr(cases[i].path, "safety_level") != NULL;
        if (safety)
            c->safety_level = (aq_safety_level)cases[i].set;
        else
            c->concurrency_key_hold_policy = (aq_hold_policy)cases[i].set;
        aq_buffer re;
        assert_int_equal(aq_snapshot_encode(s, NULL, &re, &err), AQ_OK);
        aq_snapshot *back = NULL;
        assert_int_equal(aq_snapshot_decode(re.data, re.len, NULL, &back, &err), AQ_OK);
        const aq_task_constraints *b = &back->tasks.items[cases[i].task].task_spec.constraints;
        int got = safety ? (int)b->safety_level : (int)b->concurrency_key_hold_policy;
        if (got != cases[i].set)
            row_fail(cases[i].path, "loaded with 99, set to %d by the caller, written and read "
                                    "back as %d", cases[i].set, got);
        aq_snapshot_free(back);
        aq_buffer_free(&re);
        aq_snapshot_free(s);
        free(bytes);
    }
    rows_end("the caller-change table");
}

static void test_convert__decode_threshold_pct_must_fit_u8(void **state)
{
    (void)state;
    static const char *const path = "subscriptions[6].filter.budget_threshold.threshold_pct";
    static const uint32_t values[] = {0, 100, 255, 256, 1000, UINT32_MAX};
    rows_begin();
    for (size_t k = 0; k < N_ROWS(values); k++) {
        char row[128];
        (void)snprintf(row, sizeof row, "threshold_pct = %u", values[k]);
        pool_hdr *pool = NULL;
        ProtobufCMessage *root = unpack_pooled(&pool, g_enc[1].data, g_enc[1].len);
        assert_non_null(root);
        loc l;
        assert_true(locate(root, path, &l) && is_set(&l));
        *(uint32_t *)at(l.msg, l.f->offset) = values[k];
        size_t len;
        uint8_t *bytes = pack(root, &len);
        if (values[k] <= 255) {
            /* The engine only creates 0..=100 but loads any u8: so must we. */
            aq_snapshot *want = sample(1);
            assert_int_equal(want->subscriptions.items[6].filter.kind,
                             AQ_EVENT_FILTER_BUDGET_THRESHOLD);
            want->subscriptions.items[6].filter.threshold_pct = (uint8_t)values[k];
            expect_decodes_as(row, bytes, len, want);
            aq_snapshot_free(want);
        } else {
            char needle[64];
            (void)snprintf(needle, sizeof needle, "threshold_pct %u ", values[k]);
            expect_rejected(row, bytes, len, AQ_ERR_OUT_OF_RANGE, path, needle);
        }
        free(bytes);
        pool_release(&pool);
    }
    rows_end("the threshold_pct table");
}

/* =============================================================================================
 * Decode: malformed wire data
 * =========================================================================================== */

/* The top-level fields of our own (trusted) encoding. */
static size_t top_fields(const uint8_t *p, size_t len, wire_field *out, size_t max)
{
    size_t n = wire_fields(p, len, out, max);
    assert_true(n != SIZE_MAX);
    return n;
}

#define MAX_TOP 1024

/* The encoded sample with record `index` of field `number` replaced by `body`. */
static void replace_record(const aq_buffer *enc, uint32_t number, size_t index,
                           const uint8_t *body, size_t body_len, bytes_buf *out)
{
    wire_field f[MAX_TOP];
    size_t n = top_fields(enc->data, enc->len, f, MAX_TOP);
    size_t seen = 0;
    bool done = false;
    for (size_t i = 0; i < n; i++) {
        if (f[i].number == number && seen++ == index) {
            buf_put_varint(out, (uint64_t)number << 3 | 2);
            buf_put_varint(out, body_len);
            buf_put(out, body, body_len);
            done = true;
        } else {
            buf_put(out, enc->data + f[i].start, f[i].end - f[i].start);
        }
    }
    assert_true(done);
}

typedef struct bad_record {
    const char *path; /* the record the error must name */
    uint32_t number;
    size_t index;
    uint8_t body[8];
    size_t len;
    const char *why;
} bad_record;

/* A record whose bytes protobuf-c refuses, in every section. */
static const bad_record bad_records[] = {
    {"tasks[5]", 4, 5, {0x0a, 0x05, 0x0a}, 3, "task_spec's length runs past the record"},
    {"runs[2]", 5, 2, {0x0a, 0x02, 0x08, 0x80}, 4, "truncated varint inside run_instance"},
    {"dependency_declarations[1]", 7, 1, {0x0b}, 1, "group wire type"},
    {"budgets[3]", 8, 3, {0x10}, 1, "tag without its varint"},
    {"subscriptions[2]", 9, 2, {0x1a, 0x02, 0x1a, 0x05}, 4, "nested length past the end"},
    {"actors[1]", 10, 1, {0x12, 0x01}, 2, "string length past the end"},
    {"tenants[0]", 11, 0, {0x08, 0x01}, 2, "bytes field (tenant_id) sent as a varint"},
    {"role_assignments[4]", 12, 4, {0x0f}, 1, "wire type 7"},
    {"capability_grants[6]", 13, 6, {0x25, 0x01, 0x02}, 3, "truncated fixed32"},
    {"ledger_entries[3]", 14, 3, {0x00, 0x01}, 2, "field number 0"},
};

static void test_convert__decode_rejects_records_protobuf_c_refuses(void **state)
{
    (void)state;
    rows_begin();
    for (size_t i = 0; i < N_ROWS(bad_records); i++) {
        const bad_record *r = &bad_records[i];
        char row[128], needle[64];
        (void)snprintf(row, sizeof row, "%s: %s", r->path, r->why);
        (void)snprintf(needle, sizeof needle, "could not parse the %zu-byte message", r->len);
        bytes_buf b = {0};
        replace_record(&g_enc[1], r->number, r->index, r->body, r->len, &b);
        expect_rejected(row, b.p, b.len, AQ_ERR_PROTOBUF_MALFORMED, r->path, needle);
        free(b.p);
    }
    rows_end("the bad-record table");
}

typedef struct bad_frame {
    const char *what;
    uint8_t bytes[16];
    size_t len;
    bool tail_only;      /* it swallows what follows: only meaningful at the end */
    const char *section; /* a record field with the wrong wire type, else NULL */
} bad_frame;

/* Top-level framing that the codec's own field walk must refuse, at the offset it starts. */
static const bad_frame bad_frames[] = {
    {"runs (5) as varint", {0x28, 0x07}, 2, false, "runs"},
    {"tasks (4) as fixed32", {0x25, 1, 2, 3, 4}, 5, false, "tasks"},
    {"ledger_entries (14) as fixed64", {0x71, 1, 2, 3, 4, 5, 6, 7, 8}, 9, false,
     "ledger_entries"},
    {"start group", {0x23}, 1, false, NULL},
    {"end group of an unknown field", {0x9c, 0x06}, 2, false, NULL},
    {"wire type 6", {0x0e}, 1, false, NULL},
    {"wire type 7", {0x0f, 0x00}, 2, false, NULL},
    {"field number 0", {0x02, 0x00}, 2, false, NULL},
    {"field number 2^29", {0x82, 0x80, 0x80, 0x80, 0x10, 0x00}, 6, false, NULL},
    {"truncated tag", {0x80}, 1, true, NULL},
    {"truncated varint value", {0x08, 0x80}, 2, true, NULL},
    {"varint of 11 bytes",
     {0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 12, true, NULL},
    {"truncated fixed64", {0x99, 0x06, 1, 2, 3}, 5, true, NULL},
    {"record length past the end", {0x2a, 0x05, 0x01}, 3, true, NULL},
    {"record length 2^63",
     {0x2a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00}, 12, true, NULL},
    {"truncated length prefix", {0x2a, 0x80}, 2, true, NULL},
    {"unknown field length past the end", {0x9a, 0x06, 0x10, 0x01}, 4, true, NULL},
};

static void check_bad_frame(const bad_frame *b, size_t after_field)
{
    wire_field f[MAX_TOP];
    size_t n = top_fields(g_enc[1].data, g_enc[1].len, f, MAX_TOP);
    size_t offset = after_field < n ? f[after_field].end : g_enc[1].len;
    bytes_buf buf = {0};
    buf_put(&buf, g_enc[1].data, offset);
    buf_put(&buf, b->bytes, b->len);
    buf_put(&buf, g_enc[1].data + offset, g_enc[1].len - offset);
    char row[128], needle[160];
    (void)snprintf(row, sizeof row, "%s at offset %zu", b->what, offset);
    if (b->section != NULL)
        (void)snprintf(needle, sizeof needle,
                       "field %u (%s) at payload offset %zu has wire type %u, expected 2",
                       (unsigned)(b->bytes[0] >> 3), b->section, offset,
                       (unsigned)(b->bytes[0] & 7));
    else
        (void)snprintf(needle, sizeof needle, "malformed protobuf field at payload offset %zu",
                       offset);
    expect_rejected(row, buf.p, buf.len, AQ_ERR_PROTOBUF_MALFORMED, "", needle);
    free(buf.p);
}

static void test_convert__decode_rejects_malformed_framing(void **state)
{
    (void)state;
    rows_begin();
    for (size_t i = 0; i < N_ROWS(bad_frames); i++) {
        check_bad_frame(&bad_frames[i], SIZE_MAX); /* at the end */
        if (!bad_frames[i].tail_only) {
            check_bad_frame(&bad_frames[i], 0); /* after `version` */
            check_bad_frame(&bad_frames[i], 7); /* among the tasks */
        }
    }
    rows_end("the bad-framing table");
}

/* The fields that are not records (version, timestamp, metadata, engine) go to protobuf-c as one
 * message; a wrong wire type there is refused before that, naming the field and its offset. */
static void test_convert__decode_rejects_head_field_with_wrong_wire_type(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        uint8_t bytes[5];
        size_t len;
        const char *names;
    } cases[] = {
        {"version (1) as length-delimited", {0x0a, 0x01, 0x04}, 3, "(version) at payload offset"},
        {"timestamp (2) as fixed32", {0x15, 1, 2, 3, 4}, 5, "(timestamp) at payload offset"},
        {"metadata (3) as varint", {0x18, 0x01}, 2, "(metadata) at payload offset"},
        {"engine (6) as varint", {0x30, 0x01}, 2, "(engine) at payload offset"},
    };
    rows_begin();
    for (size_t i = 0; i < N_ROWS(cases); i++) {
        bytes_buf buf = {0};
        buf_put(&buf, g_enc[1].data, g_enc[1].len);
        buf_put(&buf, cases[i].bytes, cases[i].len);
        expect_rejected(cases[i].what, buf.p, buf.len, AQ_ERR_PROTOBUF_MALFORMED, "",
                        cases[i].names);
        free(buf.p);
    }
    rows_end("the head-field table");
}

/* Strings on the wire may hold NUL (a Rust String may; protobuf allows it). protobuf-c keeps
 * them NUL-terminated only, so the library must either keep the whole string or refuse it: never
 * hand back a shortened one (a partial result). */
static void test_convert__decode_string_with_nul_is_kept_or_refused(void **state)
{
    (void)state;
    static const uint8_t text[] = {'a', 'b', 0, 'c', 'd'};
    uint8_t body[64];
    size_t n = 0;
    body[n++] = 0x0a; /* tenant_id */
    body[n++] = 16;
    for (int i = 0; i < 16; i++) body[n++] = (uint8_t)(0x60 + i);
    body[n++] = 0x12; /* name */
    body[n++] = (uint8_t)sizeof text;
    memcpy(body + n, text, sizeof text);
    n += sizeof text;
    body[n++] = 0x18; /* created_at */
    body[n++] = 0x07;

    bytes_buf b = {0};
    replace_record(&g_enc[1], 11, 0, body, n, &b);
    aq_snapshot *got;
    aq_error err;
    aq_status st = decode_tracked(b.p, b.len, &got, &err);
    if (st == AQ_OK) {
        const aq_str *name = &got->tenants.items[0].name;
        bool whole = name->len == sizeof text && memcmp(name->ptr, text, sizeof text) == 0;
        size_t got_len = name->len;
        aq_snapshot_free(got);
        free(b.p);
        if (!whole)
            fail_msg("tenants[0].name holds a NUL at offset 2 on the wire (5 bytes); decoding "
                     "succeeded with a %zu-byte string: silently shortened",
                     got_len);
    } else {
        free(b.p);
        assert_null(got);
        assert_int_equal(st, AQ_EDECODE);
        assert_string_equal(err.path, "tenants[0].name");
    }
    assert_int_equal(g_fa.live_bytes, 0);
}

/* =============================================================================================
 * Encode: what protobuf cannot carry
 * =========================================================================================== */

/* aq_snapshot_encode() must fail exactly so, leave the buffer empty and leak nothing. */
static void expect_encode_fails(const char *row, const aq_snapshot *s, aq_status want_status,
                                aq_error_kind want_kind, const char *want_path,
                                const char *needle)
{
    fail_alloc_reset(&g_fa, SIZE_MAX);
    aq_allocator al = fail_alloc_allocator(&g_fa);
    aq_buffer buf;
    memset(&buf, 0xa5, sizeof buf); /* garbage: a failure must leave it empty */
    aq_error err;
    aq_status st = aq_snapshot_encode(s, &al, &buf, &err);
    if (st == AQ_OK) {
        row_fail(row, "encoded fine; expected %s at \"%s\"", aq_error_kind_name(want_kind),
                 want_path);
        aq_buffer_free(&buf);
        return;
    }
    check_error(row, &err, st, want_status, want_kind, want_path, needle);
    if (buf.data != NULL || buf.len != 0) row_fail(row, "the buffer is not empty after a failure");
    if (g_fa.live_bytes != 0) row_fail(row, "%zu bytes leaked", g_fa.live_bytes);
}

typedef void (*enum_setter)(aq_snapshot *s, int v);

#define SETTER(name, ...)                                                                       \
    static void name(aq_snapshot *s, int v)                                                     \
    {                                                                                           \
        __VA_ARGS__;                                                                            \
    }

SETTER(set_run_state, s->runs.items[3].run_instance.state = (aq_run_state)v)
SETTER(set_history_from, s->runs.items[3].state_history.items[1].from.present = true;
       s->runs.items[3].state_history.items[1].from.value = (aq_run_state)v)
SETTER(set_history_to, s->runs.items[3].state_history.items[1].to = (aq_run_state)v)
SETTER(set_attempt_result, s->runs.items[4].attempts.items[0].result.present = true;
       s->runs.items[4].attempts.items[0].result.value = (aq_attempt_result)v)
SETTER(set_hold_policy,
       s->tasks.items[2].task_spec.constraints.concurrency_key_hold_policy = (aq_hold_policy)v)
SETTER(set_safety_level, s->tasks.items[2].task_spec.constraints.safety_level = (aq_safety_level)v)
SETTER(set_budget_dimension, s->budgets.items[1].dimension = (aq_budget_dimension)v)
SETTER(set_filter_state, s->subscriptions.items[1].filter.state = (aq_run_state)v)
SETTER(set_filter_dimension, s->subscriptions.items[2].filter.dimension = (aq_budget_dimension)v)
SETTER(set_role, s->role_assignments.items[0].role.kind = (aq_role_kind)v)
SETTER(set_capability, s->capability_grants.items[0].capability.kind = (aq_capability_kind)v)
SETTER(set_policy_kind, s->tasks.items[0].task_spec.run_policy.kind = (aq_run_policy_kind)v)
SETTER(set_filter_kind, s->subscriptions.items[0].filter.kind = (aq_event_filter_kind)v)

typedef struct native_enum_row {
    const char *path; /* native names */
    int max;          /* highest valid value */
    enum_setter set;
    aq_error_kind kind;
    const char *type; /* as the error message names it */
} native_enum_row;

static const native_enum_row native_enum_rows[] = {
    {"runs[3].run_instance.state", AQ_RUN_STATE_CANCELED, set_run_state, AQ_ERR_ENUM_INVALID,
     "RunState"},
    {"runs[3].state_history[1].from", AQ_RUN_STATE_CANCELED, set_history_from,
     AQ_ERR_ENUM_INVALID, "RunState"},
    {"runs[3].state_history[1].to", AQ_RUN_STATE_CANCELED, set_history_to, AQ_ERR_ENUM_INVALID,
     "RunState"},
    {"runs[4].attempts[0].result", AQ_ATTEMPT_RESULT_SUSPENDED, set_attempt_result,
     AQ_ERR_ENUM_INVALID, "AttemptResultKind"},
    {"tasks[2].task_spec.constraints.concurrency_key_hold_policy",
     AQ_HOLD_POLICY_RELEASE_ON_RETRY, set_hold_policy, AQ_ERR_ENUM_INVALID,
     "ConcurrencyKeyHoldPolicy"},
    {"tasks[2].task_spec.constraints.safety_level", AQ_SAFETY_LEVEL_TRANSACTIONAL,
     set_safety_level, AQ_ERR_ENUM_INVALID, "SafetyLevel"},
    {"budgets[1].dimension", AQ_BUDGET_DIMENSION_TIME_SECS, set_budget_dimension,
     AQ_ERR_ENUM_INVALID, "BudgetDimension"},
    {"subscriptions[1].filter.state", AQ_RUN_STATE_CANCELED, set_filter_state,
     AQ_ERR_ENUM_INVALID, "RunState"},
    {"subscriptions[2].filter.dimension", AQ_BUDGET_DIMENSION_TIME_SECS, set_filter_dimension,
     AQ_ERR_ENUM_INVALID, "BudgetDimension"},
    {"role_assignments[0].role", AQ_ROLE_CUSTOM, set_role, AQ_ERR_ENUM_INVALID, "Role"},
    {"capability_grants[0].capability", AQ_CAPABILITY_CUSTOM, set_capability, AQ_ERR_ENUM_INVALID,
     "Capability"},
    /* The kinds of the data-carrying enums whose variants are messages. */
    {"tasks[0].task_spec.run_policy", AQ_RUN_POLICY_CRON, set_policy_kind, AQ_ERR_ONEOF_UNSET,
     "RunPolicy"},
    {"subscriptions[0].filter", AQ_EVENT_FILTER_CUSTOM, set_filter_kind, AQ_ERR_ONEOF_UNSET,
     "EventFilter"},
};

static void test_convert__encode_rejects_enums_out_of_range(void **state)
{
    (void)state;
    rows_begin();
    for (size_t i = 0; i < N_ROWS(native_enum_rows); i++) {
        const native_enum_row *e = &native_enum_rows[i];
        const int values[] = {0, e->max + 1, 1000, -1};
        for (size_t k = 0; k < N_ROWS(values); k++) {
            char row[160], needle[96];
            (void)snprintf(row, sizeof row, "%s = %d", e->path, values[k]);
            if (e->kind == AQ_ERR_ENUM_INVALID)
                (void)snprintf(needle, sizeof needle, "%s holds %d,", e->type, values[k]);
            else
                (void)snprintf(needle, sizeof needle, "%s kind %d is not", e->type, values[k]);
            aq_snapshot *s = sample(1);
            /* The sample's variants are the ones these fields belong to. */
            assert_int_equal(s->subscriptions.items[1].filter.kind,
                             AQ_EVENT_FILTER_RUN_STATE_CHANGED);
            assert_int_equal(s->subscriptions.items[2].filter.kind,
                             AQ_EVENT_FILTER_BUDGET_THRESHOLD);
            e->set(s, values[k]);
            expect_encode_fails(row, s, AQ_EINVAL, e->kind, e->path, needle);
            aq_snapshot_free(s);
        }
    }
    rows_end("the native enum table");
}

typedef aq_str *(*str_target)(aq_snapshot *s);

#define TARGET(name, ...)                                                                       \
    static aq_str *name(aq_snapshot *s)                                                         \
    {                                                                                           \
        __VA_ARGS__;                                                                            \
    }

static aq_str *opt_target(aq_opt_str *o)
{
    o->present = true;
    return &o->value;
}

TARGET(t_content_type, return opt_target(&s->tasks.items[0].task_spec.payload.content_type))
TARGET(t_cron_expression, return &s->tasks.items[2].task_spec.run_policy.cron.expression)
TARGET(t_concurrency_key,
       return opt_target(&s->tasks.items[0].task_spec.constraints.concurrency_key))
TARGET(t_required_capability,
       return &s->tasks.items[3].task_spec.constraints.required_capabilities.value.items[1])
TARGET(t_tag, return &s->tasks.items[3].task_spec.metadata.tags.items[2])
TARGET(t_description, return opt_target(&s->tasks.items[1].task_spec.metadata.description))
TARGET(t_attempt_error, return opt_target(&s->runs.items[5].attempts.items[0].error))
TARGET(t_lease_owner, return &s->runs.items[2].lease->owner)
TARGET(t_filter_key, return &s->subscriptions.items[3].filter.key)
TARGET(t_identity, return &s->actors.items[2].identity)
TARGET(t_actor_capability, return &s->actors.items[2].capabilities.items[1])
TARGET(t_department, return opt_target(&s->actors.items[0].department))
TARGET(t_tenant_name, return &s->tenants.items[1].name)
TARGET(t_role_custom, return &s->role_assignments.items[3].role.custom)
TARGET(t_capability_custom, return &s->capability_grants.items[5].capability.custom)
TARGET(t_ledger_key, return &s->ledger_entries.items[1].ledger_key)

typedef struct nul_row {
    const char *field; /* the schema's string field */
    const char *path;  /* the native path the error names */
    str_target target;
} nul_row;

/* Every string field of the schema. */
static const nul_row nul_rows[] = {
    {"TaskPayload.content_type", "tasks[0].task_spec.payload.content_type", t_content_type},
    {"RunPolicy.Cron.expression", "tasks[2].task_spec.run_policy.cron.expression",
     t_cron_expression},
    {"TaskConstraints.concurrency_key", "tasks[0].task_spec.constraints.concurrency_key",
     t_concurrency_key},
    {"StringList.values", "tasks[3].task_spec.constraints.required_capabilities[1]",
     t_required_capability},
    {"TaskMetadata.tags", "tasks[3].task_spec.metadata.tags[2]", t_tag},
    {"TaskMetadata.description", "tasks[1].task_spec.metadata.description", t_description},
    {"SnapshotAttemptHistoryEntry.error", "runs[5].attempts[0].error", t_attempt_error},
    {"SnapshotLeaseMetadata.owner", "runs[2].lease.owner", t_lease_owner},
    {"EventFilter.Custom.key", "subscriptions[3].filter.key", t_filter_key},
    {"SnapshotActor.identity", "actors[2].identity", t_identity},
    {"SnapshotActor.capabilities", "actors[2].capabilities[1]", t_actor_capability},
    {"SnapshotActor.department", "actors[0].department", t_department},
    {"SnapshotTenant.name", "tenants[1].name", t_tenant_name},
    {"Role.custom", "role_assignments[3].role.custom", t_role_custom},
    {"Capability.custom", "capability_grants[5].capability.custom", t_capability_custom},
    {"SnapshotLedgerEntry.ledger_key", "ledger_entries[1].ledger_key", t_ledger_key},
};

static void test_convert__encode_rejects_strings_with_nul(void **state)
{
    (void)state;
    static const char poison[] = "ab\0cd"; /* the caller's memory, outliving the snapshot */
    rows_begin();
    for (size_t i = 0; i < N_ROWS(nul_rows); i++) {
        aq_snapshot *s = sample(1);
        /* Preconditions: the variants and list lengths the targets rely on. */
        assert_int_equal(s->tasks.items[2].task_spec.run_policy.kind, AQ_RUN_POLICY_CRON);
        assert_true(s->tasks.items[3].task_spec.constraints.required_capabilities.value.count >= 2);
        assert_true(s->tasks.items[3].task_spec.metadata.tags.count >= 3);
        assert_non_null(s->runs.items[2].lease);
        assert_int_equal(s->subscriptions.items[3].filter.kind, AQ_EVENT_FILTER_CUSTOM);
        assert_true(s->actors.items[2].capabilities.count >= 2);
        assert_int_equal(s->role_assignments.items[3].role.kind, AQ_ROLE_CUSTOM);
        assert_int_equal(s->capability_grants.items[5].capability.kind, AQ_CAPABILITY_CUSTOM);
        aq_str *str = nul_rows[i].target(s);
        str->ptr = poison;
        str->len = sizeof poison - 1;
        expect_encode_fails(nul_rows[i].path, s, AQ_EINVAL, AQ_ERR_STRING_HAS_NUL,
                            nul_rows[i].path, "NUL byte at offset 2");
        aq_snapshot_free(s);
    }
    rows_end("the NUL table");
}

/* Kept unknown fields are opaque; bytes that are not protobuf fields (an aq_unknown the library
 * did not make) are refused, not written, wherever they hang. */
static const aq_unknown **unknown_run_instance(aq_snapshot *s)
{
    return &s->runs.items[4].run_instance.unknown;
}
static const aq_unknown **unknown_role(aq_snapshot *s)
{
    return &s->role_assignments.items[0].role.unknown;
}
static const aq_unknown **unknown_capability(aq_snapshot *s)
{
    return &s->capability_grants.items[0].capability.unknown;
}
static const aq_unknown **unknown_metadata(aq_snapshot *s)
{
    return &s->metadata.unknown;
}
static const aq_unknown **unknown_engine(aq_snapshot *s)
{
    return &s->engine.unknown;
}
static const aq_unknown **unknown_run_policy(aq_snapshot *s)
{
    return &s->tasks.items[1].task_spec.run_policy.unknown;
}
static const aq_unknown **unknown_snapshot(aq_snapshot *s)
{
    return &s->unknown;
}

static void test_convert__encode_rejects_corrupt_unknown_fields(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        uint8_t bytes[4];
        size_t len;
    } corrupt[] = {
        {"field number 0", {0x00, 0x01}, 2},
        {"length past the end", {0xa2, 0x06, 0x05, 0x01}, 4},
        {"group", {0xa3, 0x06}, 2},
        {"truncated varint", {0xa0, 0x06, 0x80}, 3},
    };
    static const struct {
        const aq_unknown **(*slot)(aq_snapshot *s);
        const char *path;
        bool as_child; /* corrupt bytes on the Repeat variant, kept by RunPolicy */
    } where[] = {
        {unknown_run_instance, "runs[4].run_instance", false},
        {unknown_role, "role_assignments[0].role", false},
        {unknown_capability, "capability_grants[0].capability", false},
        {unknown_metadata, "metadata", false},
        {unknown_engine, "engine", false},
        {unknown_run_policy, "tasks[1].task_spec.run_policy", true},
        {unknown_snapshot, "", false},
    };
    rows_begin();
    for (size_t w = 0; w < N_ROWS(where); w++) {
        for (size_t i = 0; i < N_ROWS(corrupt); i++) {
            char row[160];
            (void)snprintf(row, sizeof row, "%s on \"%s\"%s", corrupt[i].what, where[w].path,
                           where[w].as_child ? " (variant)" : "");
            aq_snapshot *s = sample(1);
            assert_int_equal(s->tasks.items[1].task_spec.run_policy.kind, AQ_RUN_POLICY_REPEAT);
            aq_unknown bad = {{corrupt[i].bytes, corrupt[i].len}, NULL, 0};
            aq__unknown_child child = {2 /* repeat */, &bad};
            aq_unknown parent = {{NULL, 0}, &child, 1};
            *where[w].slot(s) = where[w].as_child ? &parent : &bad;
            expect_encode_fails(row, s, AQ_EINVAL, AQ_ERR_ARGUMENT, where[w].path, "corrupt");
            aq_snapshot_free(s);
        }
    }
    rows_end("the corrupt-unknown table");
}

/* =============================================================================================
 * The tables against the schema
 * =========================================================================================== */

static bool row_names(const char *path, const ProtobufCMessageDescriptor *md,
                      const ProtobufCFieldDescriptor *f)
{
    const ProtobufCMessageDescriptor *rmd;
    const ProtobufCFieldDescriptor *rf;
    return resolve_schema(path, &rmd, &rf) && rmd == md && rf == f;
}

static void test_convert__tables_cover_the_schema(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *msgs[64];
    size_t n_msgs = reachable_messages(msgs, 64);
    rows_begin();

    /* Every row names a real field, and the class fits the field's shape. */
    for (size_t i = 0; i < N_ROWS(presence_rows); i++) {
        const presence_row *r = &presence_rows[i];
        const ProtobufCMessageDescriptor *md;
        const ProtobufCFieldDescriptor *f;
        if (!resolve_schema(r->path, &md, &f)) {
            row_fail(r->path, "names no field of the schema");
            continue;
        }
        if ((r->kind == P_ONEOF) != is_oneof(f))
            row_fail(r->path, "classified %s but is%s a oneof variant", presence_names[r->kind],
                     is_oneof(f) ? "" : " not");
        if ((r->kind == P_LIST) != is_repeated(f))
            row_fail(r->path, "classified %s but is%s repeated", presence_names[r->kind],
                     is_repeated(f) ? "" : " not");
        if (r->kind != P_REQUIRED && r->kind != P_ONEOF && r->expect == NULL)
            row_fail(r->path, "has no expected native edit");
    }

    for (size_t m = 0; m < n_msgs; m++) {
        for (unsigned k = 0; k < msgs[m]->n_fields; k++) {
            const ProtobufCFieldDescriptor *f = &msgs[m]->fields[k];
            char key[160];
            field_key(msgs[m], f, key, sizeof key);

            /* Presence: exactly one class per field. */
            int cls = -1;
            for (size_t i = 0; i < N_ROWS(presence_rows); i++) {
                if (!row_names(presence_rows[i].path, msgs[m], f)) continue;
                if (cls >= 0 && cls != (int)presence_rows[i].kind)
                    row_fail(key, "classified both %s and %s", presence_names[cls],
                             presence_names[presence_rows[i].kind]);
                cls = (int)presence_rows[i].kind;
            }
            if (cls < 0) row_fail(key, "has no row in the presence table (required or not?)");

            /* Ids: every bytes field is an id with a row, or listed as not an id. */
            if (f->type == PROTOBUF_C_TYPE_BYTES) {
                bool id = false, other = false;
                for (size_t i = 0; i < N_ROWS(uuid_rows); i++)
                    id = id || row_names(uuid_rows[i], msgs[m], f);
                for (size_t i = 0; i < N_ROWS(not_id_fields); i++)
                    other = other || strcmp(not_id_fields[i], key) == 0;
                if (id == other)
                    row_fail(key, "must be in exactly one of the id table and not_id_fields");
            }

            /* Enums: every enum field has a row whose range is the schema's. */
            if (f->type == PROTOBUF_C_TYPE_ENUM) {
                const ProtobufCEnumDescriptor *ed = f->descriptor;
                int schema_max = 0;
                for (unsigned v = 0; v < ed->n_values; v++)
                    if (ed->values[v].value > schema_max) schema_max = ed->values[v].value;
                bool found = false;
                for (size_t i = 0; i < N_ROWS(enum_rows); i++) {
                    if (!row_names(enum_rows[i].path, msgs[m], f)) continue;
                    found = true;
                    if (enum_rows[i].max != schema_max)
                        row_fail(key, "the schema's highest value is %d, the table's %d",
                                 schema_max, enum_rows[i].max);
                    bool defaulted = false;
                    for (size_t p = 0; p < N_ROWS(presence_rows); p++)
                        defaulted = defaulted || (presence_rows[p].kind == P_DEFAULTED &&
                                                  row_names(presence_rows[p].path, msgs[m], f));
                    if (defaulted != (enum_rows[i].expect_default != NULL))
                        row_fail(key, "defaulted in one table but not in the other");
                }
                if (!found) row_fail(key, "has no row in the enum table");
            }

            /* Strings: every string field has a NUL row on the encode side. */
            if (f->type == PROTOBUF_C_TYPE_STRING) {
                bool found = false;
                for (size_t i = 0; i < N_ROWS(nul_rows); i++)
                    found = found || strcmp(nul_rows[i].field, key) == 0;
                if (!found) row_fail(key, "has no row in the NUL table");
            }
        }
    }
    rows_end("the schema coverage check");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_convert__tables_cover_the_schema),
        cmocka_unit_test(test_convert__decode_presence_table),
        cmocka_unit_test(test_convert__decode_rejects_ids_not_16_bytes),
        cmocka_unit_test(test_convert__decode_rejects_unspecified_and_unknown_enums),
        cmocka_unit_test(test_convert__caller_change_of_a_kept_enum_wins),
        cmocka_unit_test(test_convert__decode_threshold_pct_must_fit_u8),
        cmocka_unit_test(test_convert__decode_rejects_records_protobuf_c_refuses),
        cmocka_unit_test(test_convert__decode_rejects_malformed_framing),
        cmocka_unit_test(test_convert__decode_rejects_head_field_with_wrong_wire_type),
        cmocka_unit_test(test_convert__decode_string_with_nul_is_kept_or_refused),
        cmocka_unit_test(test_convert__encode_rejects_enums_out_of_range),
        cmocka_unit_test(test_convert__encode_rejects_strings_with_nul),
        cmocka_unit_test(test_convert__encode_rejects_corrupt_unknown_fields),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
