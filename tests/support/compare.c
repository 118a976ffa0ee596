/* SPDX-License-Identifier: Apache-2.0 */
/* Field-by-field snapshot equality with the path of the first difference (see compare.h). */
#include "compare.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

typedef struct cmp {
    char *where;
    size_t size;
} cmp;

#define PATH_MAX_LEN 256

static bool differ(cmp *c, const char *path, const char *fmt, ...) AQ__PRINTF(3, 4);

static bool differ(cmp *c, const char *path, const char *fmt, ...)
{
    char detail[160];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (c->size > 0 && snprintf(c->where, c->size, "%s: %s", path, detail) < 0) c->where[0] = '\0';
    return false;
}

static void sub(char out[PATH_MAX_LEN], const char *path, const char *field)
{
    /* A path too long for the buffer is cut short: it is only for the failure message. */
    if (snprintf(out, PATH_MAX_LEN, "%s%s%s", path, *path ? "." : "", field) < 0) out[0] = '\0';
}

static void sub_index(char out[PATH_MAX_LEN], const char *path, const char *field, size_t i)
{
    if (snprintf(out, PATH_MAX_LEN, "%s%s%s[%zu]", path, *path ? "." : "", field, i) < 0)
        out[0] = '\0';
}

/* Each macro compares a->f with b->f inside a function with `c`, `path`, `a`, `b` in scope. */
#define U(f)                                                                                    \
    do {                                                                                        \
        if ((uint64_t)a->f != (uint64_t)b->f) {                                                 \
            char p_[PATH_MAX_LEN];                                                              \
            sub(p_, path, #f);                                                                  \
            return differ(c, p_, "%" PRIu64 " != %" PRIu64, (uint64_t)a->f, (uint64_t)b->f);    \
        }                                                                                       \
    } while (0)
#define I(f)                                                                                    \
    do {                                                                                        \
        if ((int64_t)a->f != (int64_t)b->f) {                                                   \
            char p_[PATH_MAX_LEN];                                                              \
            sub(p_, path, #f);                                                                  \
            return differ(c, p_, "%" PRId64 " != %" PRId64, (int64_t)a->f, (int64_t)b->f);      \
        }                                                                                       \
    } while (0)
#define CALL(fn, f)                                                                             \
    do {                                                                                        \
        char p_[PATH_MAX_LEN];                                                                  \
        sub(p_, path, #f);                                                                      \
        if (!fn(c, p_, &a->f, &b->f)) return false;                                             \
    } while (0)
#define OPT(fn, f)                                                                              \
    do {                                                                                        \
        char p_[PATH_MAX_LEN];                                                                  \
        sub(p_, path, #f);                                                                      \
        if (a->f.present != b->f.present)                                                       \
            return differ(c, p_, "present %d != %d", a->f.present, b->f.present);               \
        if (a->f.present && !fn(c, p_, &a->f.value, &b->f.value)) return false;                 \
    } while (0)
#define LIST(fn, f)                                                                             \
    do {                                                                                        \
        char p_[PATH_MAX_LEN];                                                                  \
        sub(p_, path, #f);                                                                      \
        if (a->f.count != b->f.count)                                                           \
            return differ(c, p_, "count %zu != %zu", a->f.count, b->f.count);                   \
        for (size_t i_ = 0; i_ < a->f.count; i_++) {                                            \
            sub_index(p_, path, #f, i_);                                                        \
            if (!fn(c, p_, &a->f.items[i_], &b->f.items[i_])) return false;                     \
        }                                                                                       \
    } while (0)
#define UNKNOWN() CALL(eq_unknown_ptr, unknown)

static bool eq_u64(cmp *c, const char *path, const uint64_t *a, const uint64_t *b)
{
    return *a == *b || differ(c, path, "%" PRIu64 " != %" PRIu64, *a, *b);
}

static bool eq_u32(cmp *c, const char *path, const uint32_t *a, const uint32_t *b)
{
    return *a == *b || differ(c, path, "%" PRIu32 " != %" PRIu32, *a, *b);
}

static bool eq_uuid(cmp *c, const char *path, const aq_uuid *a, const aq_uuid *b)
{
    if (memcmp(a->bytes, b->bytes, sizeof a->bytes) == 0) return true;
    char x[AQ_UUID_TEXT_LEN + 1], y[AQ_UUID_TEXT_LEN + 1];
    aq_uuid_format(a, x);
    aq_uuid_format(b, y);
    return differ(c, path, "%s != %s", x, y);
}

static bool eq_raw(cmp *c, const char *path, const void *pa, size_t la, const void *pb,
                   size_t lb)
{
    if (la != lb) return differ(c, path, "length %zu != %zu", la, lb);
    if (la == 0) return true;
    const uint8_t *x = pa, *y = pb;
    for (size_t i = 0; i < la; i++)
        if (x[i] != y[i]) return differ(c, path, "byte %zu: 0x%02x != 0x%02x", i, x[i], y[i]);
    return true;
}

static bool eq_str(cmp *c, const char *path, const aq_str *a, const aq_str *b)
{
    if (a->len > 0 && a->ptr[a->len] != '\0') return differ(c, path, "left not NUL-terminated");
    if (b->len > 0 && b->ptr[b->len] != '\0') return differ(c, path, "right not NUL-terminated");
    return eq_raw(c, path, a->ptr, a->len, b->ptr, b->len);
}

static bool eq_bytes(cmp *c, const char *path, const aq_bytes *a, const aq_bytes *b)
{
    return eq_raw(c, path, a->ptr, a->len, b->ptr, b->len);
}

static bool eq_unknown(cmp *c, const char *path, const aq_unknown *a, const aq_unknown *b);

static bool eq_unknown_ptr(cmp *c, const char *path, const aq_unknown *const *pa,
                           const aq_unknown *const *pb)
{
    const aq_unknown *a = *pa, *b = *pb;
    if (a == NULL || b == NULL) {
        if (a == b) return true;
        return differ(c, path, "kept unknown fields on one side only");
    }
    return eq_unknown(c, path, a, b);
}

static bool eq_unknown(cmp *c, const char *path, const aq_unknown *a, const aq_unknown *b)
{
    if (!eq_bytes(c, path, &a->fields, &b->fields)) return false;
    if (a->child_count != b->child_count)
        return differ(c, path, "unknown children %zu != %zu", a->child_count, b->child_count);
    for (size_t i = 0; i < a->child_count; i++) {
        if (a->children[i].field_number != b->children[i].field_number)
            return differ(c, path, "unknown child field %u != %u", a->children[i].field_number,
                          b->children[i].field_number);
        if (!eq_unknown_ptr(c, path, &a->children[i].unknown, &b->children[i].unknown))
            return false;
    }
    return true;
}

static bool eq_str_list(cmp *c, const char *path, const aq_str_list *a, const aq_str_list *b)
{
    if (a->count != b->count) return differ(c, path, "count %zu != %zu", a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        char p[PATH_MAX_LEN];
        if (snprintf(p, sizeof p, "%s[%zu]", path, i) < 0) p[0] = '\0';
        if (!eq_str(c, p, &a->items[i], &b->items[i])) return false;
    }
    return true;
}

/* ---- records -------------------------------------------------------------------------------- */

static bool eq_task_spec(cmp *c, const char *path, const aq_task_spec *a, const aq_task_spec *b)
{
    CALL(eq_uuid, id);
    CALL(eq_bytes, payload.bytes);
    OPT(eq_str, payload.content_type);
    CALL(eq_unknown_ptr, payload.unknown);
    I(run_policy.kind);
    if (a->run_policy.kind == AQ_RUN_POLICY_REPEAT) {
        U(run_policy.repeat.count);
        U(run_policy.repeat.interval_secs);
    }
    if (a->run_policy.kind == AQ_RUN_POLICY_CRON) {
        CALL(eq_str, run_policy.cron.expression);
        OPT(eq_u32, run_policy.cron.max_occurrences);
    }
    CALL(eq_unknown_ptr, run_policy.unknown);
    U(constraints.max_attempts);
    OPT(eq_u64, constraints.timeout_secs);
    OPT(eq_str, constraints.concurrency_key);
    I(constraints.concurrency_key_hold_policy);
    I(constraints.safety_level);
    OPT(eq_str_list, constraints.required_capabilities);
    CALL(eq_unknown_ptr, constraints.unknown);
    CALL(eq_str_list, metadata.tags);
    I(metadata.priority);
    OPT(eq_str, metadata.description);
    CALL(eq_unknown_ptr, metadata.unknown);
    OPT(eq_uuid, parent_task_id);
    OPT(eq_uuid, tenant_id);
    UNKNOWN();
    return true;
}

static bool eq_task(cmp *c, const char *path, const aq_task *a, const aq_task *b)
{
    CALL(eq_task_spec, task_spec);
    U(created_at);
    OPT(eq_u64, updated_at);
    OPT(eq_u64, canceled_at);
    UNKNOWN();
    return true;
}

static bool eq_history(cmp *c, const char *path, const aq_history_entry *a,
                       const aq_history_entry *b)
{
    I(from.present);
    if (a->from.present) I(from.value);
    I(to);
    U(timestamp);
    UNKNOWN();
    return true;
}

static bool eq_attempt(cmp *c, const char *path, const aq_attempt *a, const aq_attempt *b)
{
    CALL(eq_uuid, attempt_id);
    U(started_at);
    OPT(eq_u64, finished_at);
    I(result.present);
    if (a->result.present) I(result.value);
    OPT(eq_str, error);
    OPT(eq_bytes, output);
    UNKNOWN();
    return true;
}

static bool eq_lease(cmp *c, const char *path, const aq_lease *a, const aq_lease *b)
{
    CALL(eq_str, owner);
    U(expiry);
    U(acquired_at);
    U(updated_at);
    UNKNOWN();
    return true;
}

static bool eq_run_instance(cmp *c, const char *path, const aq_run_instance *a,
                            const aq_run_instance *b)
{
    CALL(eq_uuid, id);
    CALL(eq_uuid, task_id);
    I(state);
    OPT(eq_uuid, current_attempt_id);
    U(attempt_count);
    U(created_at);
    U(scheduled_at);
    I(effective_priority);
    U(last_state_change_at);
    UNKNOWN();
    return true;
}

/* Option<record> is a pointer: NULL when absent. */
static bool eq_lease_ptr(cmp *c, const char *path, aq_lease *const *pa, aq_lease *const *pb)
{
    if (*pa == NULL || *pb == NULL)
        return *pa == *pb || differ(c, path, "present %d != %d", *pa != NULL, *pb != NULL);
    return eq_lease(c, path, *pa, *pb);
}

static bool eq_run(cmp *c, const char *path, const aq_run *a, const aq_run *b)
{
    CALL(eq_run_instance, run_instance);
    LIST(eq_history, state_history);
    LIST(eq_attempt, attempts);
    CALL(eq_lease_ptr, lease);
    UNKNOWN();
    return true;
}

static bool eq_dependency(cmp *c, const char *path, const aq_dependency *a,
                          const aq_dependency *b)
{
    CALL(eq_uuid, task_id);
    LIST(eq_uuid, depends_on);
    U(declared_at);
    UNKNOWN();
    return true;
}

static bool eq_budget(cmp *c, const char *path, const aq_budget *a, const aq_budget *b)
{
    CALL(eq_uuid, task_id);
    I(dimension);
    U(limit);
    U(consumed);
    U(allocated_at);
    I(exhausted);
    UNKNOWN();
    return true;
}

static bool eq_subscription(cmp *c, const char *path, const aq_subscription *a,
                            const aq_subscription *b)
{
    CALL(eq_uuid, subscription_id);
    CALL(eq_uuid, task_id);
    I(filter.kind);
    switch (a->filter.kind) {
    case AQ_EVENT_FILTER_TASK_COMPLETED: CALL(eq_uuid, filter.task_id); break;
    case AQ_EVENT_FILTER_RUN_STATE_CHANGED:
        CALL(eq_uuid, filter.task_id);
        I(filter.state);
        break;
    case AQ_EVENT_FILTER_BUDGET_THRESHOLD:
        CALL(eq_uuid, filter.task_id);
        I(filter.dimension);
        U(filter.threshold_pct);
        break;
    case AQ_EVENT_FILTER_CUSTOM: CALL(eq_str, filter.key); break;
    default: break;
    }
    CALL(eq_unknown_ptr, filter.unknown);
    U(created_at);
    OPT(eq_u64, triggered_at);
    OPT(eq_u64, canceled_at);
    UNKNOWN();
    return true;
}

static bool eq_actor(cmp *c, const char *path, const aq_actor *a, const aq_actor *b)
{
    CALL(eq_uuid, actor_id);
    CALL(eq_str, identity);
    CALL(eq_str_list, capabilities);
    OPT(eq_str, department);
    U(heartbeat_interval_secs);
    OPT(eq_uuid, tenant_id);
    U(registered_at);
    OPT(eq_u64, last_heartbeat_at);
    OPT(eq_u64, deregistered_at);
    UNKNOWN();
    return true;
}

static bool eq_tenant(cmp *c, const char *path, const aq_tenant *a, const aq_tenant *b)
{
    CALL(eq_uuid, tenant_id);
    CALL(eq_str, name);
    U(created_at);
    UNKNOWN();
    return true;
}

static bool eq_role_assignment(cmp *c, const char *path, const aq_role_assignment *a,
                               const aq_role_assignment *b)
{
    CALL(eq_uuid, actor_id);
    I(role.kind);
    if (a->role.kind == AQ_ROLE_CUSTOM) CALL(eq_str, role.custom);
    CALL(eq_unknown_ptr, role.unknown);
    CALL(eq_uuid, tenant_id);
    U(assigned_at);
    UNKNOWN();
    return true;
}

static bool eq_capability_grant(cmp *c, const char *path, const aq_capability_grant *a,
                                const aq_capability_grant *b)
{
    CALL(eq_uuid, actor_id);
    I(capability.kind);
    if (a->capability.kind == AQ_CAPABILITY_CUSTOM) CALL(eq_str, capability.custom);
    CALL(eq_unknown_ptr, capability.unknown);
    CALL(eq_uuid, tenant_id);
    U(granted_at);
    OPT(eq_u64, revoked_at);
    UNKNOWN();
    return true;
}

static bool eq_ledger_entry(cmp *c, const char *path, const aq_ledger_entry *a,
                            const aq_ledger_entry *b)
{
    CALL(eq_uuid, entry_id);
    CALL(eq_uuid, tenant_id);
    CALL(eq_str, ledger_key);
    OPT(eq_uuid, actor_id);
    CALL(eq_bytes, payload);
    U(timestamp);
    UNKNOWN();
    return true;
}

bool snapshot_equal(const aq_snapshot *a, const aq_snapshot *b, char *where, size_t where_size)
{
    cmp cc = {where, where_size}, *c = &cc;
    const char *path = "";
    if (where_size > 0) where[0] = '\0';
    U(version);
    U(timestamp);
    U(metadata.schema_version);
    U(metadata.wal_sequence);
    U(metadata.task_count);
    U(metadata.run_count);
    CALL(eq_unknown_ptr, metadata.unknown);
    LIST(eq_task, tasks);
    LIST(eq_run, runs);
    I(engine.paused);
    OPT(eq_u64, engine.paused_at);
    OPT(eq_u64, engine.resumed_at);
    CALL(eq_unknown_ptr, engine.unknown);
    LIST(eq_dependency, dependency_declarations);
    LIST(eq_budget, budgets);
    LIST(eq_subscription, subscriptions);
    LIST(eq_actor, actors);
    LIST(eq_tenant, tenants);
    LIST(eq_role_assignment, role_assignments);
    LIST(eq_capability_grant, capability_grants);
    LIST(eq_ledger_entry, ledger_entries);
    UNKNOWN();
    return true;
}

void snapshot_strip_unknown(aq_snapshot *s)
{
    s->unknown = NULL;
    s->metadata.unknown = NULL;
    s->engine.unknown = NULL;
    for (size_t i = 0; i < s->tasks.count; i++) {
        aq_task *t = &s->tasks.items[i];
        t->unknown = t->task_spec.unknown = t->task_spec.payload.unknown = NULL;
        t->task_spec.run_policy.unknown = t->task_spec.constraints.unknown = NULL;
        t->task_spec.metadata.unknown = NULL;
    }
    for (size_t i = 0; i < s->runs.count; i++) {
        aq_run *r = &s->runs.items[i];
        r->unknown = r->run_instance.unknown = NULL;
        for (size_t k = 0; k < r->state_history.count; k++)
            r->state_history.items[k].unknown = NULL;
        for (size_t k = 0; k < r->attempts.count; k++) r->attempts.items[k].unknown = NULL;
        if (r->lease != NULL) r->lease->unknown = NULL;
    }
    for (size_t i = 0; i < s->dependency_declarations.count; i++)
        s->dependency_declarations.items[i].unknown = NULL;
    for (size_t i = 0; i < s->budgets.count; i++) s->budgets.items[i].unknown = NULL;
    for (size_t i = 0; i < s->subscriptions.count; i++)
        s->subscriptions.items[i].unknown = s->subscriptions.items[i].filter.unknown = NULL;
    for (size_t i = 0; i < s->actors.count; i++) s->actors.items[i].unknown = NULL;
    for (size_t i = 0; i < s->tenants.count; i++) s->tenants.items[i].unknown = NULL;
    for (size_t i = 0; i < s->role_assignments.count; i++)
        s->role_assignments.items[i].unknown = s->role_assignments.items[i].role.unknown = NULL;
    for (size_t i = 0; i < s->capability_grants.count; i++)
        s->capability_grants.items[i].unknown = s->capability_grants.items[i].capability.unknown =
            NULL;
    for (size_t i = 0; i < s->ledger_entries.count; i++) s->ledger_entries.items[i].unknown = NULL;
}
