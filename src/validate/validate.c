/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Validation: every engine invariant of SNAPSHOT-SPEC section 8, the schema-version features of
 * section 6, and what only garbage native structs can break (enum values, UTF-8).
 *
 * One walk over the snapshot in the order the header documents; each broken rule is reported
 * to a callback as a complete aq_error. aq_snapshot_validate() is the walk with a callback
 * that stops after the first. Paths cost nothing until something is reported: the walk only
 * notes which record it is in (section and index), and a report formats the path from that
 * plus the field's name.
 *
 * Cross-record rules (unique ids, "the task exists") use hash maps of the ids (uuid_set.c),
 * sized before the walk for a whole snapshot, so that running out of memory never leaves a
 * partial report.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "aqsnap/file.h"
#include "aqsnap/snapshot.h"
#include "aqsnap/validate.h"
#include "aqsnap/schema_facts.h"
#include "aqsnap/version.h"
#include "checker.h"
#include "engine.h"
#include "model/fields.h"
#include "validator.h"
#include "internal.h"

/* Reports under short names. */
#define report aq__check_report
#define report_status aq__check_report_status
#define malformed aq__check_malformed

/* ---- value checks ---------------------------------------------------------------------------- */

/* True when the list's items can be read; otherwise the walk stops as malformed. */
static bool list_ok(checker *c, at where, const void *items, size_t count)
{
    if (items != NULL || count == 0) return true;
    malformed(c, where, "list", count);
    return false;
}

static void check_text(checker *c, at where, const aq_str *s)
{
    if (s->ptr == NULL) {
        if (s->len > 0) malformed(c, where, "string", s->len);
        return;
    }
    size_t bad = aq__utf8_invalid_at(s->ptr, s->len);
    if (bad < s->len)
        report(c, AQ_ERR_STRING_NOT_UTF8, where,
               "string is not valid UTF-8: byte 0x%02x at offset %zu of %zu",
               (unsigned)(unsigned char)s->ptr[bad], bad, s->len);
}

static void check_opt_text(checker *c, at where, const aq_opt_str *s)
{
    if (s->present) check_text(c, where, &s->value);
}

static void check_text_list(checker *c, const char *list, const aq_str_list *l)
{
    if (!list_ok(c, AT(list), l->items, l->count)) return;
    for (size_t k = 0; k < l->count; k++) check_text(c, AT_ITEM(list, k, NULL), &l->items[k]);
}

/* `value` is the enum field converted to int (as the encoder reads it, so both print a stray
 * -1 alike): a garbage value may be anything the enum's type holds. */
static bool check_enum(checker *c, at where, int value, int max, const char *type)
{
    if (value >= 1 && value <= max) return true;
    report(c, AQ_ERR_ENUM_INVALID, where, "%s holds %d, not a valid variant (1..%d)", type, value,
           max);
    return false;
}

static bool run_state_ok(checker *c, at where, aq_run_state s)
{
    return check_enum(c, where, (int)s, AQ_RUN_STATE_COUNT - 1, "RunState");
}

/* `what` appeared in schema version `since`: absent from older documents. */
static void check_feature(checker *c, at where, uint32_t since, const char *what)
{
    if (c->version_known && c->version < since)
        report(c, AQ_ERR_SCHEMA_FEATURE, where,
               "%s is a schema v%" PRIu32 " feature but metadata.schema_version is %" PRIu32,
               what, since, c->version);
}

static void check_value_feature(checker *c, at where, uint32_t since, const char *type,
                                const char *value)
{
    if (c->version_known && c->version < since)
        report(c, AQ_ERR_SCHEMA_FEATURE, where,
               "%s %s is a schema v%" PRIu32 " feature but metadata.schema_version is %" PRIu32,
               type, value, since, c->version);
}

/* ---- version features: one check per row of the schema's feature lists ---------------------- */

/* The version of each enum value, and its name (only enums with values newer than the oldest
 * schema version have feature rows). */
#define VALUE_SINCE(e, constant, number, json, since) [number] = since,
#define VALUE_NAME(e, constant, number, json, since) [number] = json,
#define ENUM_TABLES(e)                                                                          \
    static const uint32_t e##_since[] = {AQ_ENUM_##e(VALUE_SINCE)};                             \
    static const char *const e##_names[] = {AQ_ENUM_##e(VALUE_NAME)};
ENUM_TABLES(run_state)
ENUM_TABLES(attempt_result)
#undef ENUM_TABLES

#define FEATURE(expr, path, name, kind, presence, since, e, def, guard)                         \
    if (guard) FEATURE_##kind##_##presence(expr, path, name, since, e, def)

#define FEATURE_SET(set, path, name, since)                                                     \
    if (set) check_feature(c, WHERE(path), since, name);
#define FEATURE_OPT(expr, path, name, since, e, def) FEATURE_SET(x->expr.present, path, name, since)
#define FEATURE_U32_OPT FEATURE_OPT
#define FEATURE_U64_OPT FEATURE_OPT
#define FEATURE_UUID_OPT FEATURE_OPT
#define FEATURE_STR_OPT FEATURE_OPT
#define FEATURE_BYTES_OPT FEATURE_OPT
#define FEATURE_STRLIST_OPT FEATURE_OPT
#define FEATURE_MSG_OPT(expr, path, name, since, e, def)                                        \
    FEATURE_SET(x->expr != NULL, path, name, since)
#define FEATURE_DEF(expr, path, name, since, e, def) FEATURE_SET(x->expr != (def), path, name, since)
#define FEATURE_U32_DEF FEATURE_DEF
#define FEATURE_U64_DEF FEATURE_DEF
#define FEATURE_U8_DEF FEATURE_DEF
#define FEATURE_I32_DEF FEATURE_DEF
#define FEATURE_BOOL_DEF FEATURE_DEF
#define FEATURE_LIST(expr, path, name, since, e, def)                                           \
    FEATURE_SET(x->expr.count > 0, path, name, since)
#define FEATURE_LIST_STR_DEF FEATURE_LIST
#define FEATURE_LIST_UUID_DEF FEATURE_LIST
#define FEATURE_LIST_MSG_DEF FEATURE_LIST
/* An enum field: its value's version (and its own, when newer than the oldest). Values out of
 * range are reported by the record's checks. */
#define FEATURE_VALUE(value, path, name, since, e)                                              \
    {                                                                                           \
        int v_ = (int)(value);                                                                  \
        if (v_ >= 1 && v_ <= AQ_ENUM_##e##_MAX && e##_since[v_] > AQ_SCHEMA_MIN)                \
            check_value_feature(c, WHERE(path), e##_since[v_], AQ_ENUM_##e##_RUST,              \
                                e##_names[v_]);                                                 \
    }
#define FEATURE_ENUM_REQ(expr, path, name, since, e, def)                                       \
    FEATURE_SET((since) > AQ_SCHEMA_MIN, path, name, since)                                     \
    FEATURE_VALUE(x->expr, path, name, since, e)
#define FEATURE_ENUM_DEF(expr, path, name, since, e, def)                                       \
    FEATURE_SET((since) > AQ_SCHEMA_MIN && x->expr != (def), path, name, since)                 \
    FEATURE_VALUE(x->expr, path, name, since, e)
#define FEATURE_ENUM_OPT(expr, path, name, since, e, def)                                       \
    if (x->expr.present) {                                                                      \
        FEATURE_SET((since) > AQ_SCHEMA_MIN, path, name, since)                                 \
        FEATURE_VALUE(x->expr.value, path, name, since, e)                                      \
    }

/* The items of a record's lists are scopes of their own, named `<list>[k]`. */
#define FEATURE_ITEMS(expr, path, item)                                                         \
    if (list_ok(c, AT(path), x->expr.items, x->expr.count))                                     \
        for (size_t k_ = 0; k_ < x->expr.count && !c->stop; k_++)                               \
            item##_features(c, &x->expr.items[k_], path, k_);

/* features of one scope: `list` and `k` say which list item it is inside the current record
 * (NULL for the record itself). */
#define WHERE(path) (list != NULL ? AT_ITEM(list, k, path) : AT(path))
#define DEFINE_FEATURES(scope)                                                                  \
    static void scope##_features(checker *c, const aq_##scope *x, const char *list, size_t k)   \
    {                                                                                           \
        (void)c, (void)x, (void)list, (void)k;                                                  \
        if (!c->version_known || c->version >= AQ_FEATURES_##scope##_NEWEST) return;            \
        AQ_FEATURES_##scope(FEATURE)                                                            \
        AQ_FEATURE_LISTS_##scope(FEATURE_ITEMS)                                                 \
    }
#define DEFINE_ITEM_FEATURES(expr, path, item) DEFINE_FEATURES(item)
/* The items of the snapshot's lists' lists first, then the snapshot's. */
#define DEFINE_INNER(expr, path, item) AQ_FEATURE_LISTS_##item(DEFINE_ITEM_FEATURES)
AQ_FEATURE_LISTS_snapshot(DEFINE_INNER)
AQ_FEATURE_LISTS_snapshot(DEFINE_ITEM_FEATURES)
#undef DEFINE_INNER
#undef DEFINE_ITEM_FEATURES
#undef DEFINE_FEATURES

/* The snapshot's own fields (its lists are checked section by section). */
static void snapshot_features(checker *c, const aq_snapshot *x)
{
    const char *list = NULL;
    size_t k = 0;
    (void)c, (void)x, (void)list, (void)k;
    if (!c->version_known || c->version >= AQ_FEATURES_snapshot_NEWEST) return;
    AQ_FEATURES_snapshot(FEATURE)
}
#undef WHERE

/* ---- document level -------------------------------------------------------------------------- */

/* metadata's own rules; its counts are checked when their lists are complete. */
static void check_metadata(checker *c, const aq_metadata *m)
{
    c->version = m->schema_version;
    c->version_known = m->schema_version >= AQ_SCHEMA_MIN && m->schema_version <= AQ_SCHEMA_MAX;
    c->task_count = m->task_count;
    c->run_count = m->run_count;
    if (!c->version_known)
        report_status(c, AQ_EVERSION, AQ_ERR_SCHEMA_VERSION, AT("metadata.schema_version"),
                      "expected %d..%d, found %" PRIu32, AQ_SCHEMA_MIN, AQ_SCHEMA_MAX,
                      m->schema_version);
}

static void check_task_count(checker *c)
{
    if (c->task_count != c->tasks_seen)
        report(c, AQ_ERR_TASK_COUNT_MISMATCH, AT("metadata.task_count"),
               "task_count is %" PRIu64 " but tasks has %zu entries", c->task_count,
               c->tasks_seen);
}

static void check_run_count(checker *c)
{
    if (c->run_count != c->runs_seen)
        report(c, AQ_ERR_RUN_COUNT_MISMATCH, AT("metadata.run_count"),
               "run_count is %" PRIu64 " but runs has %zu entries", c->run_count, c->runs_seen);
}

static void check_engine(checker *c, const aq_engine_control *e)
{
    if (e->paused && !e->paused_at.present)
        report(c, AQ_ERR_ENGINE_PAUSED_WITHOUT_PAUSED_AT, AT("engine.paused_at"),
               "engine is paused but paused_at is unset");
    if (e->paused && e->resumed_at.present)
        report(c, AQ_ERR_ENGINE_PAUSED_WITH_RESUMED_AT, AT("engine.resumed_at"),
               "engine is paused but resumed_at is set (%" PRIu64 ")", e->resumed_at.value);
    if (e->resumed_at.present && !e->paused_at.present)
        report(c, AQ_ERR_ENGINE_RESUMED_WITHOUT_PAUSED_AT, AT("engine.resumed_at"),
               "engine resumed_at is %" PRIu64 " but paused_at is unset", e->resumed_at.value);
    if (!e->paused && e->paused_at.present) {
        if (!e->resumed_at.present)
            report(c, AQ_ERR_ENGINE_RESUME_MISSING, AT("engine.resumed_at"),
                   "engine is not paused and paused_at is %" PRIu64 " but resumed_at is unset",
                   e->paused_at.value);
        else if (e->resumed_at.value < e->paused_at.value)
            report(c, AQ_ERR_ENGINE_RESUMED_BEFORE_PAUSED, AT("engine.resumed_at"),
                   "engine resumed_at %" PRIu64 " is before paused_at %" PRIu64,
                   e->resumed_at.value, e->paused_at.value);
    }
}

/* ---- tasks ----------------------------------------------------------------------------------- */

static void check_run_policy(checker *c, const aq_task_spec *s)
{
    const aq_run_policy *p = &s->run_policy;
    if (!check_enum(c, AT("task_spec.run_policy.kind"), (int)p->kind, AQ_RUN_POLICY_CRON,
                    "RunPolicy"))
        return;
    if (p->kind == AQ_RUN_POLICY_REPEAT) {
        if (p->repeat.count == 0)
            report(c, AQ_ERR_TASK_REPEAT_COUNT_ZERO, AT("task_spec.run_policy.repeat.count"),
                   "task %s: Repeat count is 0, must be >= 1", ID(&s->id));
        if (p->repeat.interval_secs == 0)
            report(c, AQ_ERR_TASK_REPEAT_INTERVAL_ZERO,
                   AT("task_spec.run_policy.repeat.interval_secs"),
                   "task %s: Repeat interval_secs is 0, must be >= 1", ID(&s->id));
    } else if (p->kind == AQ_RUN_POLICY_CRON) {
        check_text(c, AT("task_spec.run_policy.cron.expression"), &p->cron.expression);
        if (p->cron.max_occurrences.present && p->cron.max_occurrences.value == 0)
            report(c, AQ_ERR_TASK_CRON_MAX_OCCURRENCES_ZERO,
                   AT("task_spec.run_policy.cron.max_occurrences"),
                   "task %s: Cron max_occurrences is Some(0), must be >= 1", ID(&s->id));
    }
}

static void check_constraints(checker *c, const aq_task_spec *s)
{
    const aq_task_constraints *k = &s->constraints;
    if (k->max_attempts == 0)
        report(c, AQ_ERR_TASK_MAX_ATTEMPTS_ZERO, AT("task_spec.constraints.max_attempts"),
               "task %s: max_attempts is 0, must be >= 1", ID(&s->id));
    if (k->timeout_secs.present && k->timeout_secs.value == 0)
        report(c, AQ_ERR_TASK_TIMEOUT_ZERO, AT("task_spec.constraints.timeout_secs"),
               "task %s: timeout_secs is Some(0)", ID(&s->id));
    if (k->concurrency_key.present) {
        if (k->concurrency_key.value.len == 0)
            report(c, AQ_ERR_TASK_CONCURRENCY_KEY_EMPTY,
                   AT("task_spec.constraints.concurrency_key"),
                   "task %s: concurrency_key is Some(\"\")", ID(&s->id));
        else
            check_text(c, AT("task_spec.constraints.concurrency_key"), &k->concurrency_key.value);
    }
    (void)check_enum(c, AT("task_spec.constraints.concurrency_key_hold_policy"),
                     (int)k->concurrency_key_hold_policy, AQ_HOLD_POLICY_RELEASE_ON_RETRY,
                     "ConcurrencyKeyHoldPolicy");
    (void)check_enum(c, AT("task_spec.constraints.safety_level"), (int)k->safety_level,
                     AQ_SAFETY_LEVEL_TRANSACTIONAL, "SafetyLevel");

    static const char caps[] = "task_spec.constraints.required_capabilities";
    if (!k->required_capabilities.present) return;
    const aq_str_list *l = &k->required_capabilities.value;
    if (l->count == 0)
        report(c, AQ_ERR_TASK_CAPABILITIES_EMPTY, AT(caps),
               "task %s: required_capabilities is Some([])", ID(&s->id));
    if (!list_ok(c, AT(caps), l->items, l->count)) return;
    for (size_t i = 0; i < l->count; i++) {
        if (l->items[i].len == 0)
            report(c, AQ_ERR_TASK_CAPABILITY_ENTRY_EMPTY, AT_ITEM(caps, i, NULL),
                   "task %s: required capability %zu is empty", ID(&s->id), i);
        else
            check_text(c, AT_ITEM(caps, i, NULL), &l->items[i]);
    }
}

/* Add record i's `key` to `set`: the index of the record that had it first, or
 * AQ__UUID_SET_NONE (also when the map cannot grow: the walk stops with AQ_ENOMEM). */
static size_t add_id(checker *c, aq__uuid_set *set, const aq_uuid *key, size_t i)
{
    if (set->count + 1 > (set->mask + 1) / 2 || set->slots == NULL) {
        aq_status st = aq__uuid_set_reserve(set, set->count + 1, c->err);
        if (st != AQ_OK) {
            c->fatal = st;
            c->stop = true;
            return AQ__UUID_SET_NONE;
        }
    }
    return aq__uuid_set_add_unique(set, key, i);
}

static void check_task(checker *c, const aq_task *t, size_t i)
{
    const aq_task_spec *s = &t->task_spec;

    if (aq_uuid_is_nil(&s->id)) {
        report(c, AQ_ERR_TASK_NIL_ID, AT("task_spec.id"), "task id is the nil UUID");
    } else {
        size_t first = add_id(c, &c->tasks, &s->id, i);
        if (first != AQ__UUID_SET_NONE)
            report(c, AQ_ERR_TASK_DUPLICATE_ID, AT("task_spec.id"),
                   "task %s is also tasks[%zu]", ID(&s->id), first);
    }
    check_opt_text(c, AT("task_spec.payload.content_type"), &s->payload.content_type);
    check_run_policy(c, s);
    check_constraints(c, s);
    check_text_list(c, "task_spec.metadata.tags", &s->metadata.tags);
    check_opt_text(c, AT("task_spec.metadata.description"), &s->metadata.description);
    if (t->canceled_at.present && t->canceled_at.value < t->created_at)
        report(c, AQ_ERR_TASK_CANCELED_BEFORE_CREATED, AT("canceled_at"),
               "task %s: canceled_at %" PRIu64 " is before created_at %" PRIu64, ID(&s->id),
               t->canceled_at.value, t->created_at);
}

/* ---- runs ------------------------------------------------------------------------------------ */

static void check_run_ids(checker *c, size_t r, const aq_run_instance *ri)
{
    if (aq_uuid_is_nil(&ri->id)) {
        report(c, AQ_ERR_RUN_NIL_ID, AT("run_instance.id"), "run id is the nil UUID");
    } else {
        size_t first = add_id(c, &c->runs, &ri->id, r);
        if (first != AQ__UUID_SET_NONE)
            report(c, AQ_ERR_RUN_DUPLICATE_ID, AT("run_instance.id"), "run %s is also runs[%zu]",
                   ID(&ri->id), first);
    }
    if (aq_uuid_is_nil(&ri->task_id))
        report(c, AQ_ERR_RUN_NIL_TASK_ID, AT("run_instance.task_id"),
               "run %s: task_id is the nil UUID", ID(&ri->id));
    else if (aq__uuid_set_find(&c->tasks, &ri->task_id) == AQ__UUID_SET_NONE)
        report(c, AQ_ERR_RUN_UNKNOWN_TASK, AT("run_instance.task_id"),
               "snapshot run %s references unknown task %s", ID(&ri->id), ID(&ri->task_id));
}

/* The state machine's record: (none -> Scheduled at created_at), then legal steps, ending in the
 * run's state. `state_ok`: the run's own state is a valid variant. */
static void check_history(checker *c, const aq_run *run, bool state_ok)
{
    static const char list[] = "state_history";
    const aq_run_instance *ri = &run->run_instance;
    const aq_history_list *h = &run->state_history;
    if (h->count == 0) {
        report(c, AQ_ERR_RUN_HISTORY_EMPTY, AT(list), "run %s: state_history is empty",
               ID(&ri->id));
        return;
    }
    if (!list_ok(c, AT(list), h->items, h->count)) return;

    aq_run_state prev = AQ_RUN_STATE_UNSPECIFIED;
    bool prev_ok = false;
    for (size_t k = 0; k < h->count && !c->stop; k++) {
        const aq_history_entry *e = &h->items[k];
        bool from_ok = false;
        if (e->from.present) {
            from_ok = run_state_ok(c, AT_ITEM(list, k, "from"), e->from.value);
        }
        bool to_ok = run_state_ok(c, AT_ITEM(list, k, "to"), e->to);

        if (k == 0) {
            if (e->from.present)
                report(c, AQ_ERR_RUN_HISTORY_START_FROM, AT_ITEM(list, 0, "from"),
                       "run %s: state_history starts from %s, must start from none",
                       ID(&ri->id), aq_run_state_name(e->from.value));
            if (to_ok && e->to != AQ_RUN_STATE_SCHEDULED)
                report(c, AQ_ERR_RUN_HISTORY_START_STATE, AT_ITEM(list, 0, "to"),
                       "run %s: state_history starts in %s, must start in Scheduled",
                       ID(&ri->id), aq_run_state_name(e->to));
            if (e->timestamp != ri->created_at)
                report(c, AQ_ERR_RUN_HISTORY_START_TIME, AT_ITEM(list, 0, "timestamp"),
                       "run %s: state_history starts at %" PRIu64 " but created_at is %" PRIu64,
                       ID(&ri->id), e->timestamp, ri->created_at);
        } else {
            if (!e->from.present)
                report(c, AQ_ERR_RUN_HISTORY_DISCONTINUOUS, AT_ITEM(list, k, NULL),
                       "run %s: state_history[%zu] has no from state, previous entry ends in %s",
                       ID(&ri->id), k, aq_run_state_name(prev));
            else if (from_ok && prev_ok && e->from.value != prev)
                report(c, AQ_ERR_RUN_HISTORY_DISCONTINUOUS, AT_ITEM(list, k, NULL),
                       "run %s: state_history[%zu] goes from %s but the previous entry ends in %s",
                       ID(&ri->id), k, aq_run_state_name(e->from.value),
                       aq_run_state_name(prev));
            /* The step itself, whatever came before: it is a separate rule. */
            if (from_ok && to_ok && !aq_run_state_transition_ok(e->from.value, e->to))
                report(c, AQ_ERR_RUN_HISTORY_ILLEGAL_TRANSITION, AT_ITEM(list, k, NULL),
                       "run %s: state_history[%zu] goes %s -> %s, not a legal transition",
                       ID(&ri->id), k, aq_run_state_name(e->from.value),
                       aq_run_state_name(e->to));
        }
        prev = e->to;
        prev_ok = to_ok;
    }
    if (state_ok && prev_ok && prev != ri->state)
        report(c, AQ_ERR_RUN_HISTORY_STATE_MISMATCH, AT("run_instance.state"),
               "run %s is %s but its state_history ends in %s", ID(&ri->id),
               aq_run_state_name(ri->state), aq_run_state_name(prev));
}

static void check_attempts(checker *c, const aq_run *run)
{
    static const char list[] = "attempts";
    const aq_run_instance *ri = &run->run_instance;
    const aq_attempt_list *a = &run->attempts;
    if (a->count != ri->attempt_count)
        report(c, AQ_ERR_RUN_ATTEMPT_COUNT_MISMATCH, AT(list),
               "run %s: attempts has %zu entries but attempt_count is %" PRIu32, ID(&ri->id),
               a->count, ri->attempt_count);
    if (!list_ok(c, AT(list), a->items, a->count)) return;
    for (size_t k = 0; k < a->count && !c->stop; k++) {
        const aq_attempt *x = &a->items[k];
        if (x->result.present)
            (void)check_enum(c, AT_ITEM(list, k, "result"), (int)x->result.value,
                             AQ_ATTEMPT_RESULT_SUSPENDED, "AttemptResultKind");
        check_opt_text(c, AT_ITEM(list, k, "error"), &x->error);
    }

    /* The active attempt: one run's attempts are few, so a scan is cheapest. */
    if (!ri->current_attempt_id.present) return;
    const aq_uuid *id = &ri->current_attempt_id.value;
    size_t first = AQ__UUID_SET_NONE;
    for (size_t k = 0; k < a->count; k++) {
        if (memcmp(a->items[k].attempt_id.bytes, id->bytes, sizeof id->bytes) != 0) continue;
        if (first == AQ__UUID_SET_NONE) {
            first = k;
            continue;
        }
        report(c, AQ_ERR_RUN_ACTIVE_ATTEMPT_REPEATED, AT_ITEM(list, k, "attempt_id"),
               "run %s: active attempt %s is in attempts[%zu] and again in attempts[%zu]",
               ID(&ri->id), ID(id), first, k);
        break;
    }
    if (first == AQ__UUID_SET_NONE)
        report(c, AQ_ERR_RUN_ACTIVE_ATTEMPT_MISSING, AT("run_instance.current_attempt_id"),
               "run %s: active attempt %s is not in attempts", ID(&ri->id), ID(id));
    else if (a->items[first].finished_at.present)
        report(c, AQ_ERR_RUN_ACTIVE_ATTEMPT_FINISHED, AT_ITEM(list, first, "finished_at"),
               "run %s: active attempt %s finished at %" PRIu64, ID(&ri->id), ID(id),
               a->items[first].finished_at.value);
}

static bool may_hold_lease(aq_run_state s)
{
    return s == AQ_RUN_STATE_READY || s == AQ_RUN_STATE_LEASED || s == AQ_RUN_STATE_RUNNING;
}

static void check_run(checker *c, const aq_run *run, size_t r)
{
    const aq_run_instance *ri = &run->run_instance;

    check_run_ids(c, r, ri);
    bool state_ok = run_state_ok(c, AT("run_instance.state"), ri->state);
    if (ri->current_attempt_id.present) {
        if (state_ok && ri->state != AQ_RUN_STATE_RUNNING)
            report(c, AQ_ERR_RUN_ACTIVE_ATTEMPT_NOT_RUNNING, AT("run_instance.current_attempt_id"),
                   "run %s is %s but has active attempt %s (only Running may)", ID(&ri->id),
                   aq_run_state_name(ri->state), ID(&ri->current_attempt_id.value));
        if (ri->attempt_count == 0)
            report(c, AQ_ERR_RUN_ACTIVE_ATTEMPT_WITHOUT_COUNT,
                   AT("run_instance.current_attempt_id"),
                   "run %s has active attempt %s but attempt_count is 0", ID(&ri->id),
                   ID(&ri->current_attempt_id.value));
    }
    if (state_ok && ri->state == AQ_RUN_STATE_READY && ri->scheduled_at > ri->created_at)
        report(c, AQ_ERR_RUN_READY_AFTER_CREATION, AT("run_instance.scheduled_at"),
               "run %s is Ready but scheduled_at %" PRIu64 " is after created_at %" PRIu64,
               ID(&ri->id), ri->scheduled_at, ri->created_at);
    check_history(c, run, state_ok);
    check_attempts(c, run);
    if (run->lease != NULL) {
        if (state_ok && !may_hold_lease(ri->state))
            report(c, AQ_ERR_RUN_LEASE_IN_STATE, AT("lease"),
                   "run %s is %s but holds a lease (only Ready, Leased and Running may)",
                   ID(&ri->id), aq_run_state_name(ri->state));
        check_text(c, AT("lease.owner"), &run->lease->owner);
    }
}

/* ---- the later sections ---------------------------------------------------------------------- */

static void check_dependency(checker *c, const aq_dependency *x, size_t d)
{
    if (aq__uuid_set_find(&c->tasks, &x->task_id) == AQ__UUID_SET_NONE)
        report(c, AQ_ERR_DEPENDENCY_UNKNOWN_TASK, AT("task_id"),
               "dependency declaration for unknown task %s", ID(&x->task_id));
    size_t first = add_id(c, &c->deps, &x->task_id, d);
    if (first != AQ__UUID_SET_NONE)
        report(c, AQ_ERR_DEPENDENCY_DUPLICATE, AT("task_id"),
               "task %s has a second dependency declaration, the first is "
               "dependency_declarations[%zu]",
               ID(&x->task_id), first);
    if (!list_ok(c, AT("depends_on"), x->depends_on.items, x->depends_on.count)) return;
    for (size_t k = 0; k < x->depends_on.count; k++)
        if (aq__uuid_set_find(&c->tasks, &x->depends_on.items[k]) == AQ__UUID_SET_NONE)
            report(c, AQ_ERR_DEPENDENCY_UNKNOWN_PREREQUISITE, AT_ITEM("depends_on", k, NULL),
                   "task %s depends on unknown task %s", ID(&x->task_id),
                   ID(&x->depends_on.items[k]));
}

static void check_budget(checker *c, const aq_budget *x, size_t b)
{
    if (aq__uuid_set_find(&c->tasks, &x->task_id) == AQ__UUID_SET_NONE)
        report(c, AQ_ERR_BUDGET_UNKNOWN_TASK, AT("task_id"), "budget for unknown task %s",
               ID(&x->task_id));
    if (!check_enum(c, AT("dimension"), (int)x->dimension, AQ_BUDGET_DIMENSION_TIME_SECS,
                    "BudgetDimension"))
        return;
    size_t first = add_id(c, &c->budgets[x->dimension - 1], &x->task_id, b);
    if (first != AQ__UUID_SET_NONE)
        report(c, AQ_ERR_BUDGET_DUPLICATE, AT(NULL),
               "task %s has a second %s budget, the first is budgets[%zu]", ID(&x->task_id),
               aq_budget_dimension_name(x->dimension), first);
}

static void check_filter(checker *c, const aq_event_filter *f)
{
    if (!check_enum(c, AT("filter.kind"), (int)f->kind, AQ_EVENT_FILTER_CUSTOM,
                    "EventFilter"))
        return;
    switch (f->kind) {
    case AQ_EVENT_FILTER_RUN_STATE_CHANGED:
        (void)run_state_ok(c, AT("filter.state"), f->state);
        break;
    case AQ_EVENT_FILTER_BUDGET_THRESHOLD:
        (void)check_enum(c, AT("filter.dimension"), (int)f->dimension,
                         AQ_BUDGET_DIMENSION_TIME_SECS, "BudgetDimension");
        break;
    case AQ_EVENT_FILTER_CUSTOM:
        check_text(c, AT("filter.key"), &f->key);
        break;
    default:
        break;
    }
}

static void check_subscription(checker *c, const aq_subscription *x, size_t i)
{
    size_t first = add_id(c, &c->subs, &x->subscription_id, i);
    if (first != AQ__UUID_SET_NONE)
        report(c, AQ_ERR_SUBSCRIPTION_DUPLICATE_ID, AT("subscription_id"),
               "subscription %s is also subscriptions[%zu]", ID(&x->subscription_id), first);
    if (aq__uuid_set_find(&c->tasks, &x->task_id) == AQ__UUID_SET_NONE)
        report(c, AQ_ERR_SUBSCRIPTION_UNKNOWN_TASK, AT("task_id"),
               "subscription %s references unknown task %s", ID(&x->subscription_id),
               ID(&x->task_id));
    check_filter(c, &x->filter);
}

static void check_actor(checker *c, const aq_actor *x, size_t i)
{
    (void)i;
    check_text(c, AT("identity"), &x->identity);
    check_text_list(c, "capabilities", &x->capabilities);
    check_opt_text(c, AT("department"), &x->department);
}

static void check_tenant(checker *c, const aq_tenant *x, size_t i)
{
    (void)i;
    check_text(c, AT("name"), &x->name);
}

/* Role::Custom and Capability::Custom: a UTF-8 name, which should not be empty (the engine's
 * docs and its custom() constructors say so, its serde and loader take ""). */
static void check_custom_name(checker *c, at where, const aq_str *name, const char *type,
                              const aq_uuid *actor)
{
    if (name->len == 0)
        aq__check_warn(c, AQ_ERR_CUSTOM_NAME_EMPTY, where,
                       "actor %s: %s Custom has an empty name (the engine loads it; its docs "
                       "require a name)",
                       ID(actor), type);
    else
        check_text(c, where, name);
}

static void check_role_assignment(checker *c, const aq_role_assignment *x, size_t i)
{
    (void)i;
    if (check_enum(c, AT("role.kind"), (int)x->role.kind, AQ_ROLE_CUSTOM, "Role") &&
        x->role.kind == AQ_ROLE_CUSTOM)
        check_custom_name(c, AT("role.custom"), &x->role.custom, "Role", &x->actor_id);
}

static void check_capability_grant(checker *c, const aq_capability_grant *x, size_t i)
{
    (void)i;
    if (check_enum(c, AT("capability.kind"), (int)x->capability.kind,
                   AQ_CAPABILITY_CUSTOM, "Capability") &&
        x->capability.kind == AQ_CAPABILITY_CUSTOM)
        check_custom_name(c, AT("capability.custom"), &x->capability.custom, "Capability",
                          &x->actor_id);
}

static void check_ledger_entry(checker *c, const aq_ledger_entry *x, size_t i)
{
    (void)i;
    check_text(c, AT("ledger_key"), &x->ledger_key);
}

/* ---- field by field -------------------------------------------------------------------------- */

/* The record lists of the schema by field number: each record's rules (check_<record>), then
 * what it holds that its schema version cannot (<record>_features). */
typedef struct section {
    const char *name;
    uint32_t since;
    void (*check)(checker *c, const void *record, size_t i);
    void (*features)(checker *c, const void *record);
} section;

#define SECTION_FNS(root, pb, member, num, kind, type, presence, since, json, def)             \
    static void member##_check(checker *c, const void *record, size_t i)                       \
    {                                                                                           \
        check_##type(c, record, i);                                                             \
    }                                                                                           \
    static void member##_features(checker *c, const void *record)                               \
    {                                                                                           \
        type##_features(c, record, NULL, 0);                                                    \
    }
AQ_SECTIONS(SECTION_FNS)
#undef SECTION_FNS

#define SECTION(root, pb, member, num, kind, type, presence, since, json, def)                 \
    [num] = {#member, since, member##_check, member##_features},
static const section sections[AQ_FIELD_MAX + 1] = {AQ_SECTIONS(SECTION)};
#undef SECTION

struct aq__validator {
    checker c;
};

/* What can only be checked once field `field` is over (it may have been absent). */
static void close_field(checker *c, uint32_t field)
{
    static const aq_metadata no_metadata;
    static const aq_engine_control no_engine;
    switch (field) {
    case AQ_FIELD_METADATA:
        if (!c->metadata_seen) check_metadata(c, &no_metadata);
        break;
    case AQ_FIELD_TASKS:
        check_task_count(c);
        break;
    case AQ_FIELD_RUNS:
        check_run_count(c);
        break;
    case AQ_FIELD_ENGINE:
        if (!c->engine_seen) check_engine(c, &no_engine);
        break;
    default:
        break;
    }
}

/* Close every field before `field`. */
static void advance(checker *c, uint32_t field)
{
    while (c->field < field && !c->stop) {
        close_field(c, c->field);
        c->field++;
        c->records = 0;
    }
}

aq_status aq__validator_create(const aq_allocator *alloc, aq_violation_fn fn, void *ctx,
                               aq_error *err, aq__validator **out)
{
    aq_allocator al = aq__allocator_or_default(alloc);
    aq__validator *v = al.alloc(al.ctx, sizeof *v);
    *out = NULL;
    if (v == NULL) return aq__fail_oom(err);
    memset(v, 0, sizeof *v);
    checker *c = &v->c;
    c->fn = fn;
    c->ctx = ctx;
    c->err = err;
    c->field = 1;
    aq__uuid_set_init(&c->tasks, &al);
    aq__uuid_set_init(&c->runs, &al);
    aq__uuid_set_init(&c->deps, &al);
    for (size_t i = 0; i < 3; i++) aq__uuid_set_init(&c->budgets[i], &al);
    aq__uuid_set_init(&c->subs, &al);
    *out = v;
    return AQ_OK;
}

void aq__validator_warnings(aq__validator *v, aq_violation_fn fn, void *ctx, bool strict)
{
    v->c.warn_fn = fn;
    v->c.warn_ctx = ctx;
    v->c.strict = strict;
}

aq_status aq__validator_expect(aq__validator *v, aq_field field, size_t count)
{
    checker *c = &v->c;
    switch (field) {
    case AQ_FIELD_TASKS: return aq__uuid_set_reserve(&c->tasks, count, c->err);
    case AQ_FIELD_RUNS: return aq__uuid_set_reserve(&c->runs, count, c->err);
    case AQ_FIELD_DEPENDENCY_DECLARATIONS: return aq__uuid_set_reserve(&c->deps, count, c->err);
    case AQ_FIELD_SUBSCRIPTIONS: return aq__uuid_set_reserve(&c->subs, count, c->err);
    case AQ_FIELD_BUDGETS:
        /* Each dimension's map may hold every budget. */
        for (size_t i = 0; i < 3; i++) AQ_TRY(aq__uuid_set_reserve(&c->budgets[i], count, c->err));
        return AQ_OK;
    default: return AQ_OK;
    }
}

aq_status aq__validator_field(aq__validator *v, aq_field field, size_t index, const void *value)
{
    checker *c = &v->c;
    advance(c, field);
    if (c->stop) return c->fatal;
    switch (field) {
    case AQ_FIELD_METADATA:
        c->metadata_seen = true;
        check_metadata(c, value);
        return c->fatal;
    case AQ_FIELD_ENGINE:
        c->engine_seen = true;
        check_engine(c, value);
        return c->fatal;
    default:
        break;
    }
    const section *sec = (uint32_t)field <= AQ_FIELD_MAX ? &sections[field] : NULL;
    if (sec == NULL || sec->name == NULL) return AQ_OK; /* version, timestamp */
    if (c->records++ == 0) check_feature(c, AT(sec->name), sec->since, sec->name);
    if (field == AQ_FIELD_TASKS) c->tasks_seen++;
    if (field == AQ_FIELD_RUNS) c->runs_seen++;
    c->section = sec->name;
    c->index = index;
    if (!c->stop) sec->check(c, value, index);
    if (!c->stop) sec->features(c, value);
    c->section = NULL;
    return c->fatal;
}

void aq__validator_prefetch(const aq__validator *v, aq_field field, const void *value)
{
    const checker *c = &v->c;
    if (field == AQ_FIELD_TASKS) {
        aq__uuid_set_prefetch(&c->tasks, &((const aq_task *)value)->task_spec.id);
    } else if (field == AQ_FIELD_RUNS) {
        const aq_run_instance *ri = &((const aq_run *)value)->run_instance;
        aq__uuid_set_prefetch(&c->runs, &ri->id);
        aq__uuid_set_prefetch(&c->tasks, &ri->task_id);
    }
}

bool aq__validator_stopped(const aq__validator *v)
{
    return v->c.stop;
}

aq_status aq__validator_head(aq__validator *v, const aq_snapshot *head)
{
    checker *c = &v->c;
    if (!c->stop) snapshot_features(c, head);
    return c->fatal;
}

aq_status aq__validator_finish(aq__validator *v, const aq_snapshot *head, size_t *count)
{
    checker *c = &v->c;
    advance(c, AQ_FIELD_MAX + 1);
    if (head != NULL && !c->stop) snapshot_features(c, head);
    if (count != NULL) *count = c->count;
    return c->fatal != AQ_OK ? c->fatal : c->count > 0 ? c->err->status : AQ_OK;
}

void aq__validator_destroy(aq__validator *v)
{
    if (v == NULL) return;
    checker *c = &v->c;
    aq__uuid_set_fini(&c->tasks);
    aq__uuid_set_fini(&c->runs);
    aq__uuid_set_fini(&c->deps);
    for (size_t i = 0; i < 3; i++) aq__uuid_set_fini(&c->budgets[i]);
    aq__uuid_set_fini(&c->subs);
    aq_allocator al = c->tasks.alloc;
    al.free(al.ctx, v, sizeof *v);
}

/* ---- a whole snapshot ------------------------------------------------------------------------ */

/* Records whose map slots are requested ahead of use: enough to cover a cache miss. */
#define PREFETCH_AHEAD 8

/* Every list must be readable before any record is looked at. */
static aq_status check_lists_readable(checker *c, const aq_snapshot *s)
{
#define READABLE(root, pb, member, num, kind, type, presence, since, json, def)                 \
    if (!list_ok(c, AT(#member), s->member.items, s->member.count)) return c->fatal;
    AQ_SECTIONS(READABLE)
#undef READABLE
    return AQ_OK;
}

/* The snapshot's fields in number order, as a streaming read meets them. */
/* aq__validator_expect() for every list of s, by its count. */
static aq_status expect_lists(aq__validator *v, const aq_snapshot *s)
{
    for (uint32_t n = 1; n <= AQ_FIELD_MAX; n++) {
        const aq__field_info *f = aq__field_info_of(n);
        if (f == NULL || f->item_size == 0) continue;
        const unsigned char *items;
        size_t count;
        aq__field_list(s, f, &items, &count);
        AQ_TRY(aq__validator_expect(v, (aq_field)n, count));
    }
    return AQ_OK;
}

/* aq__validator_field() for each field of s that is not a list, numbered from *from up to (not
 * including) `until`; *from moves on: the values before each list, then the rest at the end. */
static aq_status values_below(aq__validator *v, const aq_snapshot *s, uint32_t *from,
                              uint32_t until)
{
    for (; *from < until && *from <= AQ_FIELD_MAX; (*from)++) {
        const aq__field_info *f = aq__field_info_of(*from);
        if (f == NULL || f->item_size != 0) continue;
        const void *value = aq__field_value(s, f);
        if (value != NULL) AQ_TRY(aq__validator_field(v, (aq_field)*from, 0, value));
    }
    return AQ_OK;
}

static aq_status feed(aq__validator *v, const aq_snapshot *s)
{
    AQ_TRY(expect_lists(v, s));
    uint32_t values = 1;
    for (uint32_t n = 1; n <= AQ_FIELD_MAX && !v->c.stop; n++) {
        const aq__field_info *f = aq__field_info_of(n);
        if (f == NULL || f->item_size == 0) continue;
        AQ_TRY(values_below(v, s, &values, n));
        const unsigned char *items;
        size_t count;
        aq__field_list(s, f, &items, &count);
        for (size_t i = 0; i < count && !v->c.stop; i++) {
            if (i + PREFETCH_AHEAD < count)
                aq__validator_prefetch(v, (aq_field)n, items + (i + PREFETCH_AHEAD) * f->item_size);
            AQ_TRY(aq__validator_field(v, (aq_field)n, i, items + i * f->item_size));
        }
    }
    return v->c.stop ? AQ_OK : values_below(v, s, &values, AQ_FIELD_MAX + 1);
}

/* What the file the snapshot came from holds besides it. */
static void check_file(checker *c, const aq_load_info *file)
{
    if (file != NULL && file->trailing > 0)
        aq__check_warn(c, AQ_ERR_TRAILING_DATA, AT(NULL),
                       "%llu bytes after the %u-byte payload the header announces (the engine "
                       "ignores them)",
                       (unsigned long long)file->trailing, file->payload_len);
}

aq_status aq_snapshot_check_with(const aq_snapshot *snap, const aq_check_options *opts,
                                 aq_check_result *result, aq_error *err)
{
    static const aq_check_options defaults = AQ_CHECK_OPTIONS_INIT;
    aq_error local;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (result != NULL) memset(result, 0, sizeof *result);
    if (opts == NULL) opts = &defaults;
    if (opts->version != AQ_CHECK_OPTIONS_VERSION)
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT,
                        "aq_check_options.version is %u, this library knows %u", opts->version,
                        AQ_CHECK_OPTIONS_VERSION);
    if (snap == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "snapshot is NULL");

    aq__validator *v;
    AQ_TRY(aq__validator_create(opts->allocator, opts->on_violation, opts->ctx, err, &v));
    aq__validator_warnings(v, opts->on_warning, opts->ctx, (opts->flags & AQ_CHECK_STRICT) != 0);
    check_file(&v->c, opts->file);
    aq_status st = check_lists_readable(&v->c, snap);
    size_t count = 0;
    if (st == AQ_OK) st = feed(v, snap);
    if (st == AQ_OK) st = aq__validator_finish(v, snap, &count);
    else count = v->c.count;
    if (result != NULL) {
        result->violations = count;
        result->warnings = v->c.warnings;
        if (st == AQ_OK || st == AQ_EINVALID || st == AQ_EVERSION)
            aq__engine_verdict(snap, opts->file, count - v->c.strict_warnings, result);
    }
    aq__validator_destroy(v);
    return st;
}

aq_status aq_snapshot_check(const aq_snapshot *snap, const aq_allocator *alloc, aq_violation_fn fn,
                            void *ctx, size_t *count, aq_error *err)
{
    aq_check_options o = AQ_CHECK_OPTIONS_INIT;
    aq_check_result r;
    o.allocator = alloc;
    o.on_violation = fn;
    o.ctx = ctx;
    aq_status st = aq_snapshot_check_with(snap, &o, &r, err);
    if (count != NULL) *count = r.violations;
    return st;
}

/* aq_snapshot_validate's callback: the first violation is enough. */
static bool stop_at_first(void *ctx, const aq_error *violation)
{
    (void)ctx;
    (void)violation;
    return false;
}

aq_status aq_snapshot_validate(const aq_snapshot *snap, const aq_allocator *alloc, aq_error *err)
{
    return aq_snapshot_check(snap, alloc, stop_at_first, NULL, NULL, err);
}
