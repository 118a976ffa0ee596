/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Validation: valid samples pass; each rule, broken alone, gives its own kind, path and a
 * message naming the ids and values; aq_snapshot_check reports everything in order; bad
 * arguments, malformed structs and allocation failures; the id index stays linear.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aqsnap.h"
#include "fail_alloc.h"
#include "build.h"
#include "sample.h"
#include "stream_agree.h"
#include "validate/cron.h"
#include "validate/uuid_set.h"

/* ---- helpers --------------------------------------------------------------------------------- */

/* The default sample: schema 8, 40 tasks, full coverage. */
static aq_snapshot *sample(void)
{
    return build_sample(AQ_SCHEMA_MAX, 40, true, 1);
}

typedef struct uuid_str {
    char s[AQ_UUID_TEXT_LEN + 1];
} uuid_str;

static uuid_str text(const aq_uuid *id)
{
    uuid_str t;
    aq_uuid_format(id, t.s);
    return t;
}

static aq_uuid uuid(const char *t)
{
    aq_uuid id;
    aq_error err;
    assert_int_equal(aq_uuid_parse(t, strlen(t), &id, &err), AQ_OK);
    return id;
}

static aq_uuid numbered(uint64_t hi, uint64_t lo)
{
    aq_uuid id;
    for (int i = 0; i < 8; i++) {
        id.bytes[i] = (uint8_t)(hi >> (56 - 8 * i));
        id.bytes[8 + i] = (uint8_t)(lo >> (56 - 8 * i));
    }
    return id;
}

/*
 * aq_snapshot_validate(s) must fail with `status`, `kind` at `path`, with a message that starts
 * with the path and contains every needle (NULL-terminated list); aq_snapshot_check(s) must find
 * `total` violations in all (1 when breaking the rule breaks nothing else).
 */
static void expect(const aq_snapshot *s, aq_status status, aq_error_kind kind, const char *path,
                   size_t total, ...)
{
    aq_error err;
    aq_status st = aq_snapshot_validate(s, NULL, &err);
    if (st != status || err.kind != kind || strcmp(err.path, path) != 0)
        fail_msg("expected %s %s at \"%s\", got %s %s at \"%s\": %s", aq_status_name(status),
                 aq_error_kind_name(kind), path, aq_status_name(st), aq_error_kind_name(err.kind),
                 err.path, err.message);
    assert_int_equal(err.status, st);
    size_t plen = strlen(path);
    if (strncmp(err.message, path, plen) != 0 || strncmp(err.message + plen, ": ", 2) != 0)
        fail_msg("message does not start with the path: %s", err.message);
    va_list ap;
    va_start(ap, total);
    for (const char *needle; (needle = va_arg(ap, const char *)) != NULL;)
        if (strstr(err.message, needle) == NULL)
            fail_msg("message lacks \"%s\": %s", needle, err.message);
    va_end(ap);

    size_t count = 99;
    aq_error first;
    assert_int_equal(aq_snapshot_check(s, NULL, NULL, NULL, &count, &first), status);
    if (count != total) fail_msg("check found %zu violations, expected %zu", count, total);
    assert_int_equal(first.kind, kind);
    assert_string_equal(first.message, err.message);
    (void)stream_agrees(s); /* the same from a streaming read of the file */
}

/* Records each warning (and counts the violations) of aq_snapshot_check_with(). */
typedef struct seen {
    size_t warnings, violations;
    aq_error first_warning;
} seen;

static bool on_warning(void *ctx, const aq_error *w)
{
    seen *x = ctx;
    if (x->warnings++ == 0) x->first_warning = *w;
    return true;
}

static bool on_violation(void *ctx, const aq_error *v)
{
    (void)v;
    ((seen *)ctx)->violations++;
    return true;
}

/* `s` (from `file`, may be NULL) breaks no rule but draws exactly one warning, `kind` at `path`
 * with every needle in its message; with AQ_CHECK_STRICT that warning is the one violation. */
static void expect_warning(const aq_snapshot *s, const aq_load_info *file, aq_error_kind kind,
                           const char *path, ...)
{
    aq_error err;
    assert_int_equal(aq_snapshot_validate(s, NULL, &err), AQ_OK);
    size_t count = 99;
    assert_int_equal(aq_snapshot_check(s, NULL, NULL, NULL, &count, &err), AQ_OK);
    assert_int_equal(count, 0);

    aq_check_options o = AQ_CHECK_OPTIONS_INIT;
    o.on_warning = on_warning;
    o.on_violation = on_violation;
    o.file = file;
    seen x = {0};
    o.ctx = &x;
    aq_check_result r;
    assert_int_equal(aq_snapshot_check_with(s, &o, &r, &err), AQ_OK);
    assert_int_equal(r.warnings, 1);
    assert_int_equal(r.violations, 0);
    assert_int_equal(x.warnings, 1);
    assert_int_equal(x.violations, 0);
    assert_int_equal(x.first_warning.kind, kind);
    assert_int_equal(x.first_warning.status, AQ_EINVALID);
    assert_string_equal(x.first_warning.path, path);
    va_list ap;
    va_start(ap, path);
    for (const char *needle; (needle = va_arg(ap, const char *)) != NULL;)
        if (strstr(x.first_warning.message, needle) == NULL)
            fail_msg("warning lacks \"%s\": %s", needle, x.first_warning.message);
    va_end(ap);

    o.flags = AQ_CHECK_STRICT;
    x = (seen){0};
    assert_int_equal(aq_snapshot_check_with(s, &o, &r, &err), AQ_EINVALID);
    assert_int_equal(r.warnings, 0);
    assert_int_equal(r.violations, 1);
    assert_int_equal(x.violations, 1);
    assert_int_equal(x.warnings, 0);
    assert_int_equal(err.kind, kind);
    assert_string_equal(err.path, path);
}

static size_t find_run(const aq_snapshot *s, aq_run_state state, size_t history, size_t attempts)
{
    for (size_t r = 0; r < s->runs.count; r++) {
        const aq_run *run = &s->runs.items[r];
        if (run->run_instance.state == state &&
            (history == 0 || run->state_history.count == history) &&
            run->attempts.count >= attempts)
            return r;
    }
    fail_msg("sample has no %s run with %zu history entries and %zu+ attempts",
             aq_run_state_name(state), history, attempts);
    return 0;
}

static size_t find_task_policy(const aq_snapshot *s, aq_run_policy_kind kind)
{
    for (size_t i = 0; i < s->tasks.count; i++)
        if (s->tasks.items[i].task_spec.run_policy.kind == kind) return i;
    fail_msg("sample has no %s task", aq_run_policy_kind_name(kind));
    return 0;
}

static void set_str(aq_snapshot *s, aq_str *out, const char *t, size_t len)
{
    aq_error err;
    assert_int_equal(aq_snapshot_str(s, t, len, out, &err), AQ_OK);
}

static char *fmt(char *buf, size_t size, const char *f, ...) __attribute__((format(printf, 3, 4)));

static char *fmt(char *buf, size_t size, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    (void)vsnprintf(buf, size, f, ap);
    va_end(ap);
    return buf;
}

#define P(...) fmt((char[128]){0}, 128, __VA_ARGS__)

/* An aq_violation_fn keeping copies of the first 32 violations; stops after `stop_after`
 * (0: never). */
typedef struct collected {
    aq_error items[32];
    size_t n;
    size_t stop_after;
} collected;

static bool collect(void *ctx, const aq_error *violation)
{
    collected *c = ctx;
    if (c->n < sizeof c->items / sizeof c->items[0]) c->items[c->n] = *violation;
    c->n++;
    return c->stop_after == 0 || c->n < c->stop_after;
}

/* ---- valid snapshots ------------------------------------------------------------------------- */

static void test_validate__samples_pass_every_schema_version(void **state)
{
    (void)state;
    for (uint32_t v = AQ_SCHEMA_MIN; v <= AQ_SCHEMA_MAX; v++) {
        for (uint64_t seed = 0; seed < 3; seed++) { /* seed % 3 picks the engine state */
            for (int coverage = 0; coverage <= 1; coverage++) {
                aq_snapshot *s = build_sample(v, coverage ? 60 : 300, coverage, seed);
                aq_error err;
                size_t count = 99;
                aq_status st = aq_snapshot_check(s, NULL, NULL, NULL, &count, &err);
                if (st != AQ_OK)
                    fail_msg("v%u seed %u coverage %d: %zu violations, first %s: %s", v,
                             (unsigned)seed, coverage, count, aq_error_kind_name(err.kind),
                             err.message);
                assert_int_equal(count, 0);
                assert_int_equal(aq_snapshot_validate(s, NULL, &err), AQ_OK);
                assert_int_equal(err.status, AQ_OK);
                assert_int_equal(err.kind, AQ_ERR_NONE);
                aq_snapshot_free(s);
            }
        }
    }
}

static void test_validate__empty_snapshot_passes(void **state)
{
    (void)state;
    aq_snapshot *s = NULL;
    aq_error err;
    assert_int_equal(aq_snapshot_new(NULL, &s, &err), AQ_OK);
    assert_int_equal(aq_snapshot_validate(s, NULL, &err), AQ_OK);
    for (uint32_t v = AQ_SCHEMA_MIN; v <= AQ_SCHEMA_MAX; v++) {
        s->metadata.schema_version = v;
        assert_int_equal(aq_snapshot_validate(s, NULL, NULL), AQ_OK);
    }
    aq_snapshot_free(s);
}

/* A snapshot the caller owns entirely (arena == NULL, everything on the stack). */
static void test_validate__caller_built_snapshot(void **state)
{
    (void)state;
    aq_task task;
    memset(&task, 0, sizeof task);
    task.task_spec.id = uuid("0000000a-0000-0000-0000-000000000001");
    task.task_spec.run_policy.kind = AQ_RUN_POLICY_ONCE;
    task.task_spec.constraints.max_attempts = 1;
    task.task_spec.constraints.concurrency_key_hold_policy = AQ_HOLD_POLICY_HOLD_DURING_RETRY;
    task.task_spec.constraints.safety_level = AQ_SAFETY_LEVEL_PURE;
    task.created_at = 100;

    aq_history_entry history[3];
    memset(history, 0, sizeof history);
    history[0].to = AQ_RUN_STATE_SCHEDULED;
    history[0].timestamp = 101;
    history[1].from = (aq_opt_run_state){true, AQ_RUN_STATE_SCHEDULED};
    history[1].to = AQ_RUN_STATE_READY;
    history[1].timestamp = 102;
    history[2].from = (aq_opt_run_state){true, AQ_RUN_STATE_READY};
    history[2].to = AQ_RUN_STATE_LEASED;
    history[2].timestamp = 103;
    aq_lease lease = {{"worker", 6}, 200, 103, 103, NULL};
    aq_run run;
    memset(&run, 0, sizeof run);
    run.run_instance.id = uuid("0000000b-0000-0000-0000-000000000001");
    run.run_instance.task_id = task.task_spec.id;
    run.run_instance.state = AQ_RUN_STATE_LEASED;
    run.run_instance.created_at = 101;
    run.run_instance.scheduled_at = 101;
    run.state_history = (aq_history_list){history, 3};
    run.lease = &lease;

    aq_snapshot snap;
    memset(&snap, 0, sizeof snap);
    snap.version = 4;
    snap.metadata.schema_version = 4;
    snap.metadata.task_count = 1;
    snap.metadata.run_count = 1;
    snap.tasks = (aq_task_list){&task, 1};
    snap.runs = (aq_run_list){&run, 1};
    aq_error err;
    assert_int_equal(aq_snapshot_validate(&snap, NULL, &err), AQ_OK);

    run.run_instance.task_id = uuid("0000000a-0000-0000-0000-000000000002");
    expect(&snap, AQ_EINVALID, AQ_ERR_RUN_UNKNOWN_TASK, "runs[0].run_instance.task_id", 1, NULL);
    /* The exact sentence, as documented. */
    assert_int_equal(aq_snapshot_validate(&snap, NULL, &err), AQ_EINVALID);
    assert_string_equal(err.message,
                        "runs[0].run_instance.task_id: snapshot run "
                        "0000000b-0000-0000-0000-000000000001 references unknown task "
                        "0000000a-0000-0000-0000-000000000002");
}

/* ---- document level -------------------------------------------------------------------------- */

static void test_validate__schema_version(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    char above[64], below[64];
    (void)snprintf(above, sizeof above, "expected %d..%d, found %d", AQ_SCHEMA_MIN, AQ_SCHEMA_MAX,
                   AQ_SCHEMA_MAX + 1);
    (void)snprintf(below, sizeof below, "expected %d..%d, found %d", AQ_SCHEMA_MIN, AQ_SCHEMA_MAX,
                   AQ_SCHEMA_MIN - 1);
    s->metadata.schema_version = AQ_SCHEMA_MAX + 1;
    expect(s, AQ_EVERSION, AQ_ERR_SCHEMA_VERSION, "metadata.schema_version", 1, above, NULL);
    /* Below the range: version-dependent features are not judged against a bogus version. */
    s->metadata.schema_version = AQ_SCHEMA_MIN - 1;
    expect(s, AQ_EVERSION, AQ_ERR_SCHEMA_VERSION, "metadata.schema_version", 1, below, NULL);
    s->metadata.schema_version = 0;
    expect(s, AQ_EVERSION, AQ_ERR_SCHEMA_VERSION, "metadata.schema_version", 1, "found 0", NULL);
    aq_snapshot_free(s);
}

static void test_validate__task_count_mismatch(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    s->metadata.task_count = 41;
    expect(s, AQ_EINVALID, AQ_ERR_TASK_COUNT_MISMATCH, "metadata.task_count", 1, "41", "40",
           NULL);
    aq_snapshot_free(s);
}

static void test_validate__run_count_mismatch(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    s->metadata.run_count = 0;
    expect(s, AQ_EINVALID, AQ_ERR_RUN_COUNT_MISMATCH, "metadata.run_count", 1,
           P("run_count is 0 but runs has %zu entries", s->runs.count), NULL);
    aq_snapshot_free(s);
}

static void test_validate__task_duplicate_id(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    aq_uuid old = s->tasks.items[5].task_spec.id;
    s->tasks.items[5].task_spec.id = s->tasks.items[2].task_spec.id;
    /* Whatever referenced the old id now names an unknown task: count those too. */
    size_t refs = 0;
    for (size_t r = 0; r < s->runs.count; r++)
        refs += memcmp(&s->runs.items[r].run_instance.task_id, &old, sizeof old) == 0;
    for (size_t d = 0; d < s->dependency_declarations.count; d++) {
        const aq_dependency *x = &s->dependency_declarations.items[d];
        refs += memcmp(&x->task_id, &old, sizeof old) == 0;
        for (size_t k = 0; k < x->depends_on.count; k++)
            refs += memcmp(&x->depends_on.items[k], &old, sizeof old) == 0;
    }
    for (size_t b = 0; b < s->budgets.count; b++)
        refs += memcmp(&s->budgets.items[b].task_id, &old, sizeof old) == 0;
    for (size_t k = 0; k < s->subscriptions.count; k++)
        refs += memcmp(&s->subscriptions.items[k].task_id, &old, sizeof old) == 0;
    assert_true(refs > 0);
    expect(s, AQ_EINVALID, AQ_ERR_TASK_DUPLICATE_ID, "tasks[5].task_spec.id", 1 + refs,
           text(&s->tasks.items[2].task_spec.id).s, "tasks[2]", NULL);
    aq_snapshot_free(s);
}

static void test_validate__task_canceled_before_created(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    aq_task *t = &s->tasks.items[7];
    t->canceled_at = (aq_opt_u64){true, t->created_at - 1};
    expect(s, AQ_EINVALID, AQ_ERR_TASK_CANCELED_BEFORE_CREATED, "tasks[7].canceled_at", 1,
           text(&t->task_spec.id).s, P("%llu", (unsigned long long)t->created_at - 1),
           P("%llu", (unsigned long long)t->created_at), NULL);
    /* Equal is fine. */
    t->canceled_at.value = t->created_at;
    assert_int_equal(aq_snapshot_validate(s, NULL, NULL), AQ_OK);
    aq_snapshot_free(s);
}

static void test_validate__run_duplicate_id(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    s->runs.items[9].run_instance.id = s->runs.items[4].run_instance.id;
    expect(s, AQ_EINVALID, AQ_ERR_RUN_DUPLICATE_ID, "runs[9].run_instance.id", 1,
           text(&s->runs.items[4].run_instance.id).s, "runs[4]", NULL);
    aq_snapshot_free(s);
}

static void test_validate__run_unknown_task(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    aq_run_instance *ri = &s->runs.items[3].run_instance;
    ri->task_id = uuid("0000000b-0000-0000-0000-000000000002");
    expect(s, AQ_EINVALID, AQ_ERR_RUN_UNKNOWN_TASK, "runs[3].run_instance.task_id", 1,
           P("snapshot run %s references unknown task 0000000b-0000-0000-0000-000000000002",
             text(&ri->id).s),
           NULL);
    aq_snapshot_free(s);
}

/* The engine states: never paused, paused now, or paused and resumed (sample seed % 3). */
static aq_snapshot *engine_sample(uint64_t seed)
{
    aq_snapshot *s = build_sample(AQ_SCHEMA_MAX, 10, true, seed);
    return s;
}

static void test_validate__engine_paused_without_paused_at(void **state)
{
    (void)state;
    aq_snapshot *s = engine_sample(1);
    assert_true(s->engine.paused);
    s->engine.paused_at.present = false;
    expect(s, AQ_EINVALID, AQ_ERR_ENGINE_PAUSED_WITHOUT_PAUSED_AT, "engine.paused_at", 1,
           "paused_at is unset", NULL);
    aq_snapshot_free(s);
}

static void test_validate__engine_paused_with_resumed_at(void **state)
{
    (void)state;
    aq_snapshot *s = engine_sample(1);
    s->engine.resumed_at = (aq_opt_u64){true, 12345};
    expect(s, AQ_EINVALID, AQ_ERR_ENGINE_PAUSED_WITH_RESUMED_AT, "engine.resumed_at", 1, "12345",
           NULL);
    aq_snapshot_free(s);
}

static void test_validate__engine_resumed_without_paused_at(void **state)
{
    (void)state;
    aq_snapshot *s = engine_sample(2);
    assert_false(s->engine.paused);
    s->engine.paused_at.present = false;
    expect(s, AQ_EINVALID, AQ_ERR_ENGINE_RESUMED_WITHOUT_PAUSED_AT, "engine.resumed_at", 1,
           P("resumed_at is %llu", (unsigned long long)s->engine.resumed_at.value), NULL);
    aq_snapshot_free(s);
}

static void test_validate__engine_resume_missing(void **state)
{
    (void)state;
    aq_snapshot *s = engine_sample(2);
    s->engine.resumed_at.present = false;
    expect(s, AQ_EINVALID, AQ_ERR_ENGINE_RESUME_MISSING, "engine.resumed_at", 1,
           P("paused_at is %llu", (unsigned long long)s->engine.paused_at.value), NULL);
    aq_snapshot_free(s);
}

static void test_validate__engine_resumed_before_paused(void **state)
{
    (void)state;
    aq_snapshot *s = engine_sample(2);
    s->engine.resumed_at.value = s->engine.paused_at.value - 1;
    expect(s, AQ_EINVALID, AQ_ERR_ENGINE_RESUMED_BEFORE_PAUSED, "engine.resumed_at", 1,
           P("resumed_at %llu is before paused_at %llu",
             (unsigned long long)s->engine.paused_at.value - 1,
             (unsigned long long)s->engine.paused_at.value),
           NULL);
    /* Equal is fine; so is a never-paused engine without timestamps. */
    s->engine.resumed_at.value = s->engine.paused_at.value;
    assert_int_equal(aq_snapshot_validate(s, NULL, NULL), AQ_OK);
    aq_snapshot_free(s);
}

/* paused with resumed_at and without paused_at breaks three rules at once, each reported. */
static void test_validate__engine_rules_are_independent(void **state)
{
    (void)state;
    aq_snapshot *s = engine_sample(0);
    s->engine.paused = true;
    s->engine.resumed_at = (aq_opt_u64){true, 5};
    expect(s, AQ_EINVALID, AQ_ERR_ENGINE_PAUSED_WITHOUT_PAUSED_AT, "engine.paused_at", 3, NULL);
    aq_snapshot_free(s);
}

static void test_validate__dependency_duplicate(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    assert_true(s->dependency_declarations.count >= 3);
    aq_dependency *d = s->dependency_declarations.items;
    d[2].task_id = d[1].task_id;
    expect(s, AQ_EINVALID, AQ_ERR_DEPENDENCY_DUPLICATE, "dependency_declarations[2].task_id", 1,
           text(&d[1].task_id).s, "dependency_declarations[1]", NULL);
    aq_snapshot_free(s);
}

static void test_validate__dependency_unknown_task(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    s->dependency_declarations.items[1].task_id = uuid("0000000c-0000-0000-0000-000000000003");
    expect(s, AQ_EINVALID, AQ_ERR_DEPENDENCY_UNKNOWN_TASK, "dependency_declarations[1].task_id",
           1, "unknown task 0000000c-0000-0000-0000-000000000003", NULL);
    aq_snapshot_free(s);
}

static void test_validate__dependency_unknown_prerequisite(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    aq_dependency *d = &s->dependency_declarations.items[2];
    assert_true(d->depends_on.count >= 2);
    d->depends_on.items[1] = uuid("0000000c-0000-0000-0000-000000000004");
    expect(s, AQ_EINVALID, AQ_ERR_DEPENDENCY_UNKNOWN_PREREQUISITE,
           "dependency_declarations[2].depends_on[1]", 1,
           P("task %s depends on unknown task 0000000c-0000-0000-0000-000000000004",
             text(&d->task_id).s),
           NULL);
    aq_snapshot_free(s);
}

static void test_validate__budget_duplicate(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    aq_budget *b = s->budgets.items;
    /* The first later budget of the same dimension for another task takes budget 0's task. */
    size_t j = 1;
    while (j < s->budgets.count &&
           (b[j].dimension != b[0].dimension || memcmp(&b[j].task_id, &b[0].task_id, 16) == 0))
        j++;
    assert_true(j < s->budgets.count);
    b[j].task_id = b[0].task_id;
    expect(s, AQ_EINVALID, AQ_ERR_BUDGET_DUPLICATE, P("budgets[%zu]", j), 1,
           text(&b[0].task_id).s, aq_budget_dimension_name(b[0].dimension), "budgets[0]", NULL);
    aq_snapshot_free(s);
}

static void test_validate__budget_unknown_task(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    s->budgets.items[1].task_id = uuid("0000000d-0000-0000-0000-000000000005");
    expect(s, AQ_EINVALID, AQ_ERR_BUDGET_UNKNOWN_TASK, "budgets[1].task_id", 1,
           "unknown task 0000000d-0000-0000-0000-000000000005", NULL);
    aq_snapshot_free(s);
}

static void test_validate__subscription_duplicate_id(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    aq_subscription *x = s->subscriptions.items;
    assert_true(s->subscriptions.count >= 4);
    x[3].subscription_id = x[0].subscription_id;
    expect(s, AQ_EINVALID, AQ_ERR_SUBSCRIPTION_DUPLICATE_ID, "subscriptions[3].subscription_id",
           1, text(&x[0].subscription_id).s, "subscriptions[0]", NULL);
    aq_snapshot_free(s);
}

static void test_validate__subscription_unknown_task(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    aq_subscription *x = &s->subscriptions.items[2];
    x->task_id = uuid("0000000e-0000-0000-0000-000000000006");
    expect(s, AQ_EINVALID, AQ_ERR_SUBSCRIPTION_UNKNOWN_TASK, "subscriptions[2].task_id", 1,
           P("subscription %s references unknown task 0000000e-0000-0000-0000-000000000006",
             text(&x->subscription_id).s),
           NULL);
    aq_snapshot_free(s);
}

/* ---- per task spec --------------------------------------------------------------------------- */

static void test_validate__task_nil_id(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    /* Task 39 has no run (1 task in 20 has none) and no dependency, budget or subscription. */
    memset(&s->tasks.items[39].task_spec.id, 0, sizeof(aq_uuid));
    expect(s, AQ_EINVALID, AQ_ERR_TASK_NIL_ID, "tasks[39].task_spec.id", 1, "nil", NULL);
    aq_snapshot_free(s);
}

static void test_validate__task_max_attempts_zero(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    s->tasks.items[4].task_spec.constraints.max_attempts = 0;
    expect(s, AQ_EINVALID, AQ_ERR_TASK_MAX_ATTEMPTS_ZERO,
           "tasks[4].task_spec.constraints.max_attempts", 1,
           text(&s->tasks.items[4].task_spec.id).s, "max_attempts is 0", NULL);
    aq_snapshot_free(s);
}

static void test_validate__task_timeout_zero(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    s->tasks.items[6].task_spec.constraints.timeout_secs = (aq_opt_u64){true, 0};
    expect(s, AQ_EINVALID, AQ_ERR_TASK_TIMEOUT_ZERO, "tasks[6].task_spec.constraints.timeout_secs",
           1, text(&s->tasks.items[6].task_spec.id).s, "Some(0)", NULL);
    aq_snapshot_free(s);
}

static void test_validate__task_concurrency_key_empty(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    aq_opt_str *key = &s->tasks.items[8].task_spec.constraints.concurrency_key;
    key->present = true;
    key->value = (aq_str){"", 0};
    expect(s, AQ_EINVALID, AQ_ERR_TASK_CONCURRENCY_KEY_EMPTY,
           "tasks[8].task_spec.constraints.concurrency_key", 1,
           text(&s->tasks.items[8].task_spec.id).s, NULL);
    /* Absent is fine. */
    key->present = false;
    assert_int_equal(aq_snapshot_validate(s, NULL, NULL), AQ_OK);
    aq_snapshot_free(s);
}

static void test_validate__task_capabilities_empty(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    aq_opt_str_list *caps = &s->tasks.items[10].task_spec.constraints.required_capabilities;
    caps->present = true;
    caps->value.count = 0;
    expect(s, AQ_EINVALID, AQ_ERR_TASK_CAPABILITIES_EMPTY,
           "tasks[10].task_spec.constraints.required_capabilities", 1,
           text(&s->tasks.items[10].task_spec.id).s, "Some([])", NULL);
    aq_snapshot_free(s);
}

static void test_validate__task_capability_entry_empty(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    size_t i = 0;
    while (i < s->tasks.count &&
           s->tasks.items[i].task_spec.constraints.required_capabilities.value.count < 2)
        i++;
    assert_true(i < s->tasks.count);
    aq_str_list *caps = &s->tasks.items[i].task_spec.constraints.required_capabilities.value;
    caps->items[1].len = 0;
    expect(s, AQ_EINVALID, AQ_ERR_TASK_CAPABILITY_ENTRY_EMPTY,
           P("tasks[%zu].task_spec.constraints.required_capabilities[1]", i), 1,
           text(&s->tasks.items[i].task_spec.id).s, NULL);
    aq_snapshot_free(s);
}

static void test_validate__task_repeat_count_zero(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    size_t i = find_task_policy(s, AQ_RUN_POLICY_REPEAT);
    s->tasks.items[i].task_spec.run_policy.repeat.count = 0;
    expect(s, AQ_EINVALID, AQ_ERR_TASK_REPEAT_COUNT_ZERO,
           P("tasks[%zu].task_spec.run_policy.repeat.count", i), 1,
           text(&s->tasks.items[i].task_spec.id).s, "count is 0", NULL);
    /* Members of another variant are not looked at. */
    s->tasks.items[i].task_spec.run_policy.kind = AQ_RUN_POLICY_ONCE;
    assert_int_equal(aq_snapshot_validate(s, NULL, NULL), AQ_OK);
    aq_snapshot_free(s);
}

static void test_validate__task_repeat_interval_zero(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    size_t i = find_task_policy(s, AQ_RUN_POLICY_REPEAT);
    s->tasks.items[i].task_spec.run_policy.repeat.interval_secs = 0;
    expect(s, AQ_EINVALID, AQ_ERR_TASK_REPEAT_INTERVAL_ZERO,
           P("tasks[%zu].task_spec.run_policy.repeat.interval_secs", i), 1,
           text(&s->tasks.items[i].task_spec.id).s, "interval_secs is 0", NULL);
    aq_snapshot_free(s);
}

static void test_validate__task_cron_max_occurrences_zero(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    size_t i = find_task_policy(s, AQ_RUN_POLICY_CRON);
    aq_opt_u32 *max = &s->tasks.items[i].task_spec.run_policy.cron.max_occurrences;
    *max = (aq_opt_u32){true, 0};
    expect(s, AQ_EINVALID, AQ_ERR_TASK_CRON_MAX_OCCURRENCES_ZERO,
           P("tasks[%zu].task_spec.run_policy.cron.max_occurrences", i), 1,
           text(&s->tasks.items[i].task_spec.id).s, "Some(0)", NULL);
    /* Absent means unbounded: fine. */
    max->present = false;
    assert_int_equal(aq_snapshot_validate(s, NULL, NULL), AQ_OK);
    aq_snapshot_free(s);
}

/* ---- per run --------------------------------------------------------------------------------- */

static void test_validate__run_nil_id(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    memset(&s->runs.items[2].run_instance.id, 0, sizeof(aq_uuid));
    expect(s, AQ_EINVALID, AQ_ERR_RUN_NIL_ID, "runs[2].run_instance.id", 1, "nil", NULL);
    aq_snapshot_free(s);
}

static void test_validate__run_nil_task_id(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    memset(&s->runs.items[2].run_instance.task_id, 0, sizeof(aq_uuid));
    expect(s, AQ_EINVALID, AQ_ERR_RUN_NIL_TASK_ID, "runs[2].run_instance.task_id", 1,
           text(&s->runs.items[2].run_instance.id).s, "nil", NULL);
    aq_snapshot_free(s);
}

static void test_validate__run_ready_after_creation(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    size_t r = find_run(s, AQ_RUN_STATE_READY, 0, 0);
    aq_run_instance *ri = &s->runs.items[r].run_instance;
    ri->scheduled_at = ri->created_at + 1;
    expect(s, AQ_EINVALID, AQ_ERR_RUN_READY_AFTER_CREATION,
           P("runs[%zu].run_instance.scheduled_at", r), 1, text(&ri->id).s,
           P("scheduled_at %llu is after created_at %llu",
             (unsigned long long)ri->created_at + 1, (unsigned long long)ri->created_at),
           NULL);
    /* Equal is fine. */
    ri->scheduled_at = ri->created_at;
    assert_int_equal(aq_snapshot_validate(s, NULL, NULL), AQ_OK);
    aq_snapshot_free(s);
}

static void test_validate__run_active_attempt_not_running(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    /* A run canceled while Running keeps its unfinished attempt: only the active id is wrong. */
    size_t r = 0;
    for (; r < s->runs.count; r++) {
        const aq_run *run = &s->runs.items[r];
        if (run->run_instance.state == AQ_RUN_STATE_CANCELED && run->attempts.count == 1 &&
            !run->attempts.items[0].finished_at.present)
            break;
    }
    assert_true(r < s->runs.count);
    aq_run *run = &s->runs.items[r];
    run->run_instance.current_attempt_id = (aq_opt_uuid){true, run->attempts.items[0].attempt_id};
    expect(s, AQ_EINVALID, AQ_ERR_RUN_ACTIVE_ATTEMPT_NOT_RUNNING,
           P("runs[%zu].run_instance.current_attempt_id", r), 1,
           text(&run->run_instance.id).s, text(&run->attempts.items[0].attempt_id).s,
           "Canceled", NULL);
    aq_snapshot_free(s);
}

static void test_validate__run_active_attempt_without_count(void **state)
{
    (void)state;
    /* attempt_count 0 with an active attempt also leaves attempts one entry too long. */
    aq_snapshot *s = sample();
    size_t r = find_run(s, AQ_RUN_STATE_RUNNING, 0, 1);
    aq_run *run = &s->runs.items[r];
    run->run_instance.attempt_count = 0;
    expect(s, AQ_EINVALID, AQ_ERR_RUN_ACTIVE_ATTEMPT_WITHOUT_COUNT,
           P("runs[%zu].run_instance.current_attempt_id", r), 2,
           text(&run->run_instance.id).s, "attempt_count is 0", NULL);
    aq_snapshot_free(s);
}

static void test_validate__run_history_empty(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    size_t r = find_run(s, AQ_RUN_STATE_SCHEDULED, 1, 0);
    s->runs.items[r].state_history.count = 0;
    expect(s, AQ_EINVALID, AQ_ERR_RUN_HISTORY_EMPTY, P("runs[%zu].state_history", r), 1,
           text(&s->runs.items[r].run_instance.id).s, NULL);
    aq_snapshot_free(s);
}

static void test_validate__run_history_start_from(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    size_t r = find_run(s, AQ_RUN_STATE_SCHEDULED, 1, 0);
    s->runs.items[r].state_history.items[0].from =
        (aq_opt_run_state){true, AQ_RUN_STATE_SCHEDULED};
    expect(s, AQ_EINVALID, AQ_ERR_RUN_HISTORY_START_FROM, P("runs[%zu].state_history[0].from", r),
           1, text(&s->runs.items[r].run_instance.id).s, "Scheduled", NULL);
    aq_snapshot_free(s);
}

static void test_validate__run_history_start_state(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    size_t r = find_run(s, AQ_RUN_STATE_SCHEDULED, 1, 0);
    aq_run *run = &s->runs.items[r];
    /* Starting in Ready (and being Ready): only the start is wrong. */
    run->state_history.items[0].to = AQ_RUN_STATE_READY;
    run->run_instance.state = AQ_RUN_STATE_READY;
    run->run_instance.scheduled_at = run->run_instance.created_at;
    expect(s, AQ_EINVALID, AQ_ERR_RUN_HISTORY_START_STATE, P("runs[%zu].state_history[0].to", r),
           1, text(&run->run_instance.id).s, "starts in Ready", NULL);
    aq_snapshot_free(s);
}

static void test_validate__run_history_start_time(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    aq_run *run = &s->runs.items[4];
    run->state_history.items[0].timestamp = run->run_instance.created_at + 3;
    expect(s, AQ_EINVALID, AQ_ERR_RUN_HISTORY_START_TIME, "runs[4].state_history[0].timestamp", 1,
           text(&run->run_instance.id).s,
           P("starts at %llu but created_at is %llu",
             (unsigned long long)run->run_instance.created_at + 3,
             (unsigned long long)run->run_instance.created_at),
           NULL);
    aq_snapshot_free(s);
}

static void test_validate__run_history_discontinuous(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    /* Scheduled, Ready, Leased, Running: entry 2 (Ready -> Leased) loses its `from`. */
    size_t r = find_run(s, AQ_RUN_STATE_RUNNING, 4, 1);
    aq_run *run = &s->runs.items[r];
    run->state_history.items[2].from.present = false;
    expect(s, AQ_EINVALID, AQ_ERR_RUN_HISTORY_DISCONTINUOUS, P("runs[%zu].state_history[2]", r),
           1, text(&run->run_instance.id).s, "no from", "Ready", NULL);

    /* A present but different `from` whose step is legal on its own: Scheduled -> Ready after
     * an entry that ended in Ready. */
    run->state_history.items[2].from = (aq_opt_run_state){true, AQ_RUN_STATE_SCHEDULED};
    run->state_history.items[2].to = AQ_RUN_STATE_READY;
    /* Entry 3 now comes from Leased after Ready: discontinuous too. */
    expect(s, AQ_EINVALID, AQ_ERR_RUN_HISTORY_DISCONTINUOUS, P("runs[%zu].state_history[2]", r),
           2, "goes from Scheduled but the previous entry ends in Ready", NULL);
    aq_snapshot_free(s);
}

static void test_validate__run_history_illegal_transition(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    /* Scheduled -> Canceled becomes Scheduled -> Completed (and the run Completed). */
    size_t r = find_run(s, AQ_RUN_STATE_CANCELED, 2, 0);
    aq_run *run = &s->runs.items[r];
    assert_int_equal(run->attempts.count, 0);
    run->state_history.items[1].to = AQ_RUN_STATE_COMPLETED;
    run->run_instance.state = AQ_RUN_STATE_COMPLETED;
    expect(s, AQ_EINVALID, AQ_ERR_RUN_HISTORY_ILLEGAL_TRANSITION,
           P("runs[%zu].state_history[1]", r), 1, text(&run->run_instance.id).s,
           "Scheduled -> Completed", NULL);
    aq_snapshot_free(s);
}

static void test_validate__run_history_leaving_terminal_state_is_illegal(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    size_t r = find_run(s, AQ_RUN_STATE_CANCELED, 2, 0);
    aq_run *run = &s->runs.items[r];
    /* Canceled -> Ready, appended in a fresh history. */
    aq_error err;
    aq_history_entry *h = aq_snapshot_alloc(s, 3, sizeof *h, &err);
    assert_non_null(h);
    memcpy(h, run->state_history.items, 2 * sizeof *h);
    h[2].from = (aq_opt_run_state){true, AQ_RUN_STATE_CANCELED};
    h[2].to = AQ_RUN_STATE_READY;
    h[2].timestamp = h[1].timestamp + 1;
    run->state_history = (aq_history_list){h, 3};
    run->run_instance.state = AQ_RUN_STATE_READY;
    run->run_instance.scheduled_at = run->run_instance.created_at;
    expect(s, AQ_EINVALID, AQ_ERR_RUN_HISTORY_ILLEGAL_TRANSITION,
           P("runs[%zu].state_history[2]", r), 1, "Canceled -> Ready", NULL);
    aq_snapshot_free(s);
}

static void test_validate__run_history_state_mismatch(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    size_t r = find_run(s, AQ_RUN_STATE_COMPLETED, 0, 1);
    aq_run *run = &s->runs.items[r];
    run->run_instance.state = AQ_RUN_STATE_FAILED;
    expect(s, AQ_EINVALID, AQ_ERR_RUN_HISTORY_STATE_MISMATCH, P("runs[%zu].run_instance.state", r),
           1, text(&run->run_instance.id).s, "is Failed but its state_history ends in Completed",
           NULL);
    aq_snapshot_free(s);
}

static void test_validate__run_attempt_count_mismatch(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    size_t r = find_run(s, AQ_RUN_STATE_COMPLETED, 0, 1);
    aq_run *run = &s->runs.items[r];
    run->run_instance.attempt_count += 1;
    expect(s, AQ_EINVALID, AQ_ERR_RUN_ATTEMPT_COUNT_MISMATCH, P("runs[%zu].attempts", r), 1,
           P("run %s: attempts has %zu entries but attempt_count is %u",
             text(&run->run_instance.id).s, run->attempts.count,
             (unsigned)run->run_instance.attempt_count),
           NULL);
    aq_snapshot_free(s);
}

static void test_validate__run_active_attempt_missing(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    size_t r = find_run(s, AQ_RUN_STATE_RUNNING, 0, 1);
    aq_run *run = &s->runs.items[r];
    run->run_instance.current_attempt_id.value = uuid("0000000f-0000-0000-0000-000000000007");
    expect(s, AQ_EINVALID, AQ_ERR_RUN_ACTIVE_ATTEMPT_MISSING,
           P("runs[%zu].run_instance.current_attempt_id", r), 1, text(&run->run_instance.id).s,
           "0000000f-0000-0000-0000-000000000007", NULL);
    aq_snapshot_free(s);
}

static void test_validate__run_active_attempt_repeated(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    size_t r = find_run(s, AQ_RUN_STATE_RUNNING, 0, 2);
    aq_run *run = &s->runs.items[r];
    size_t last = run->attempts.count - 1;
    /* An unfinished copy of the active attempt ahead of it. */
    run->attempts.items[0] = run->attempts.items[last];
    expect(s, AQ_EINVALID, AQ_ERR_RUN_ACTIVE_ATTEMPT_REPEATED,
           P("runs[%zu].attempts[%zu].attempt_id", r, last), 1,
           text(&run->attempts.items[last].attempt_id).s, "attempts[0]",
           P("attempts[%zu]", last), NULL);
    aq_snapshot_free(s);
}

static void test_validate__run_active_attempt_finished(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    size_t r = find_run(s, AQ_RUN_STATE_RUNNING, 0, 1);
    aq_run *run = &s->runs.items[r];
    size_t last = run->attempts.count - 1;
    run->attempts.items[last].finished_at = (aq_opt_u64){true, 1700009999};
    expect(s, AQ_EINVALID, AQ_ERR_RUN_ACTIVE_ATTEMPT_FINISHED,
           P("runs[%zu].attempts[%zu].finished_at", r, last), 1,
           text(&run->run_instance.current_attempt_id.value).s, "1700009999", NULL);
    aq_snapshot_free(s);
}

static void test_validate__run_lease_in_state(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    size_t r = find_run(s, AQ_RUN_STATE_COMPLETED, 0, 0);
    aq_run *run = &s->runs.items[r];
    aq_error err;
    run->lease = aq_snapshot_alloc(s, 1, sizeof *run->lease, &err);
    assert_non_null(run->lease);
    set_str(s, &run->lease->owner, "worker-9", 8);
    expect(s, AQ_EINVALID, AQ_ERR_RUN_LEASE_IN_STATE, P("runs[%zu].lease", r), 1,
           text(&run->run_instance.id).s, "Completed", NULL);
    aq_snapshot_free(s);
}

/* ---- values any record may carry ------------------------------------------------------------- */

static void test_validate__schema_feature(void **state)
{
    (void)state;
    aq_error err;

    /* v4: parent_task_id, an attempt's output, required_capabilities are v5. */
    aq_snapshot *s = build_sample(4, 40, true, 1);
    s->tasks.items[3].task_spec.parent_task_id =
        (aq_opt_uuid){true, s->tasks.items[2].task_spec.id};
    expect(s, AQ_EINVALID, AQ_ERR_SCHEMA_FEATURE, "tasks[3].task_spec.parent_task_id", 1,
           "parent_task_id is a schema v5 feature but metadata.schema_version is 4", NULL);
    s->tasks.items[3].task_spec.parent_task_id.present = false;
    size_t r = find_run(s, AQ_RUN_STATE_COMPLETED, 0, 1);
    s->runs.items[r].attempts.items[0].output = (aq_opt_bytes){true, {NULL, 0}};
    expect(s, AQ_EINVALID, AQ_ERR_SCHEMA_FEATURE, P("runs[%zu].attempts[0].output", r), 1,
           "output is a schema v5 feature but metadata.schema_version is 4", NULL);
    s->runs.items[r].attempts.items[0].output.present = false;
    aq_opt_str_list *caps = &s->tasks.items[1].task_spec.constraints.required_capabilities;
    caps->present = true;
    caps->value.items = aq_snapshot_alloc(s, 1, sizeof(aq_str), &err);
    caps->value.count = 1;
    set_str(s, &caps->value.items[0], "gpu", 3);
    expect(s, AQ_EINVALID, AQ_ERR_SCHEMA_FEATURE,
           "tasks[1].task_spec.constraints.required_capabilities", 1, "required_capabilities",
           "v5", NULL);
    aq_snapshot_free(s);

    /* v5: dependency declarations are v6 (the list is reported before its first record). */
    aq_snapshot *v8 = sample();
    s = build_sample(5, 40, true, 1);
    s->dependency_declarations = v8->dependency_declarations;
    expect(s, AQ_EINVALID, AQ_ERR_SCHEMA_FEATURE, "dependency_declarations", 1,
           "dependency_declarations is a schema v6 feature but metadata.schema_version is 5",
           NULL);
    aq_snapshot_free(s);

    /* v6: budgets, subscriptions, the Suspended state and result are v7. */
    s = build_sample(6, 40, true, 1);
    s->budgets = v8->budgets;
    expect(s, AQ_EINVALID, AQ_ERR_SCHEMA_FEATURE, "budgets", 1, "budgets", "v7", "is 6", NULL);
    s->budgets.count = 0;
    /* Subscriptions of v8 may filter on Suspended: a second violation then. */
    s->subscriptions = v8->subscriptions;
    size_t suspended_filters = 0;
    for (size_t k = 0; k < s->subscriptions.count; k++)
        suspended_filters += s->subscriptions.items[k].filter.kind ==
                                 AQ_EVENT_FILTER_RUN_STATE_CHANGED &&
                             s->subscriptions.items[k].filter.state == AQ_RUN_STATE_SUSPENDED;
    expect(s, AQ_EINVALID, AQ_ERR_SCHEMA_FEATURE, "subscriptions", 1 + suspended_filters,
           "subscriptions", NULL);
    s->subscriptions.count = 0;
    /* A run Running -> Suspended: the state twice (run and history) and the attempt result. */
    r = find_run(s, AQ_RUN_STATE_FAILED, 6, 1); /* Scheduled, Ready, Leased, Running, RetryWait, */
    aq_run *run = &s->runs.items[r];            /* Failed: turn RetryWait into Suspended */
    run->state_history.items[4].to = AQ_RUN_STATE_SUSPENDED;
    run->state_history.items[5].from.value = AQ_RUN_STATE_SUSPENDED;
    run->state_history.items[5].to = AQ_RUN_STATE_CANCELED;
    run->run_instance.state = AQ_RUN_STATE_CANCELED;
    run->attempts.items[0].result.value = AQ_ATTEMPT_RESULT_SUSPENDED;
    expect(s, AQ_EINVALID, AQ_ERR_SCHEMA_FEATURE, P("runs[%zu].state_history[4].to", r), 3,
           "RunState Suspended is a schema v7 feature but metadata.schema_version is 6", NULL);
    run->state_history.items[4].to = AQ_RUN_STATE_RETRY_WAIT;
    run->state_history.items[5].from.value = AQ_RUN_STATE_RETRY_WAIT;
    expect(s, AQ_EINVALID, AQ_ERR_SCHEMA_FEATURE, P("runs[%zu].attempts[0].result", r), 1,
           "AttemptResultKind Suspended", NULL);
    aq_snapshot_free(s);

    /* v7: actors, tenants, role assignments, capability grants, ledger entries, tenant_id. */
    s = build_sample(7, 40, true, 1);
    s->tasks.items[0].task_spec.tenant_id = (aq_opt_uuid){true, v8->tenants.items[0].tenant_id};
    s->actors = v8->actors;
    s->tenants = v8->tenants;
    s->role_assignments = v8->role_assignments;
    s->capability_grants = v8->capability_grants;
    s->ledger_entries = v8->ledger_entries;
    expect(s, AQ_EINVALID, AQ_ERR_SCHEMA_FEATURE, "tasks[0].task_spec.tenant_id", 6,
           "tenant_id is a schema v8 feature but metadata.schema_version is 7", NULL);
    collected got = {0};
    size_t count = 0;
    assert_int_equal(aq_snapshot_check(s, NULL, collect, &got, &count, &err), AQ_EINVALID);
    assert_int_equal(count, 6);
    static const char *const lists[] = {"actors", "tenants", "role_assignments",
                                        "capability_grants", "ledger_entries"};
    for (size_t k = 0; k < 5; k++) {
        assert_int_equal(got.items[1 + k].kind, AQ_ERR_SCHEMA_FEATURE);
        assert_string_equal(got.items[1 + k].path, lists[k]);
        assert_non_null(strstr(got.items[1 + k].message, "schema v8 feature"));
    }
    aq_snapshot_free(s);
    aq_snapshot_free(v8);
}

/* Each enum field holding a value outside its variants, one at a time. Rules that depend on
 * the value are not checked, so each is the only violation. */
static void test_validate__enum_invalid(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    size_t r = find_run(s, AQ_RUN_STATE_COMPLETED, 0, 1);
    s->runs.items[r].run_instance.state = (aq_run_state)42;
    expect(s, AQ_EINVALID, AQ_ERR_ENUM_INVALID, P("runs[%zu].run_instance.state", r), 1,
           "RunState holds 42, not a valid variant (1..9)", NULL);
    aq_snapshot_free(s);

    s = sample();
    s->tasks.items[0].task_spec.run_policy.kind = AQ_RUN_POLICY_UNSPECIFIED;
    expect(s, AQ_EINVALID, AQ_ERR_ENUM_INVALID, "tasks[0].task_spec.run_policy.kind", 1,
           "RunPolicy holds 0", NULL);
    aq_snapshot_free(s);

    s = sample();
    s->tasks.items[1].task_spec.constraints.concurrency_key_hold_policy = (aq_hold_policy)3;
    expect(s, AQ_EINVALID, AQ_ERR_ENUM_INVALID,
           "tasks[1].task_spec.constraints.concurrency_key_hold_policy", 1, "holds 3", "(1..2)",
           NULL);
    aq_snapshot_free(s);

    s = sample();
    s->tasks.items[2].task_spec.constraints.safety_level = (aq_safety_level)-1;
    expect(s, AQ_EINVALID, AQ_ERR_ENUM_INVALID, "tasks[2].task_spec.constraints.safety_level", 1,
           "SafetyLevel holds -1", NULL);
    aq_snapshot_free(s);

    s = sample();
    r = find_run(s, AQ_RUN_STATE_RUNNING, 4, 1);
    s->runs.items[r].state_history.items[1].to = (aq_run_state)99;
    expect(s, AQ_EINVALID, AQ_ERR_ENUM_INVALID, P("runs[%zu].state_history[1].to", r), 1,
           "holds 99", NULL);
    s->runs.items[r].state_history.items[1].to = AQ_RUN_STATE_READY;
    s->runs.items[r].state_history.items[2].from.value = AQ_RUN_STATE_UNSPECIFIED;
    expect(s, AQ_EINVALID, AQ_ERR_ENUM_INVALID, P("runs[%zu].state_history[2].from", r), 1,
           "holds 0", NULL);
    s->runs.items[r].state_history.items[2].from.value = AQ_RUN_STATE_READY;
    s->runs.items[r].attempts.items[0].result = (aq_opt_attempt_result){true, 7};
    expect(s, AQ_EINVALID, AQ_ERR_ENUM_INVALID, P("runs[%zu].attempts[0].result", r), 1,
           "AttemptResultKind holds 7", NULL);
    aq_snapshot_free(s);

    s = sample();
    s->budgets.items[0].dimension = (aq_budget_dimension)4;
    expect(s, AQ_EINVALID, AQ_ERR_ENUM_INVALID, "budgets[0].dimension", 1,
           "BudgetDimension holds 4", NULL);
    aq_snapshot_free(s);

    s = sample();
    size_t k = 0;
    while (s->subscriptions.items[k].filter.kind != AQ_EVENT_FILTER_RUN_STATE_CHANGED) k++;
    s->subscriptions.items[k].filter.state = (aq_run_state)10;
    expect(s, AQ_EINVALID, AQ_ERR_ENUM_INVALID, P("subscriptions[%zu].filter.state", k), 1,
           "RunState holds 10", NULL);
    s->subscriptions.items[k].filter.kind = (aq_event_filter_kind)5;
    expect(s, AQ_EINVALID, AQ_ERR_ENUM_INVALID, P("subscriptions[%zu].filter.kind", k), 1,
           "EventFilter holds 5", NULL);
    aq_snapshot_free(s);

    s = sample();
    k = 0;
    while (s->subscriptions.items[k].filter.kind != AQ_EVENT_FILTER_BUDGET_THRESHOLD) k++;
    s->subscriptions.items[k].filter.dimension = AQ_BUDGET_DIMENSION_UNSPECIFIED;
    expect(s, AQ_EINVALID, AQ_ERR_ENUM_INVALID, P("subscriptions[%zu].filter.dimension", k), 1,
           "BudgetDimension holds 0", NULL);
    aq_snapshot_free(s);

    s = sample();
    s->role_assignments.items[0].role.kind = (aq_role_kind)5;
    expect(s, AQ_EINVALID, AQ_ERR_ENUM_INVALID, "role_assignments[0].role.kind", 1,
           "Role holds 5", NULL);
    s->role_assignments.items[0].role.kind = AQ_ROLE_OPERATOR;
    s->capability_grants.items[0].capability.kind = (aq_capability_kind)7;
    expect(s, AQ_EINVALID, AQ_ERR_ENUM_INVALID, "capability_grants[0].capability.kind", 1,
           "Capability holds 7", NULL);
    aq_snapshot_free(s);
}

static void test_validate__string_not_utf8(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    aq_opt_str *d = &s->tasks.items[3].task_spec.metadata.description;
    d->present = true;
    set_str(s, &d->value, "ab\xc3", 3); /* truncated sequence */
    expect(s, AQ_EINVALID, AQ_ERR_STRING_NOT_UTF8, "tasks[3].task_spec.metadata.description", 1,
           "byte 0xc3 at offset 2 of 3", NULL);
    set_str(s, &d->value, "\xed\xa0\x80", 3); /* a surrogate, which Rust strings never hold */
    expect(s, AQ_EINVALID, AQ_ERR_STRING_NOT_UTF8, "tasks[3].task_spec.metadata.description", 1,
           "offset 0", NULL);
    /* NUL bytes are valid UTF-8 (and valid in Rust strings): not a violation here. */
    set_str(s, &d->value, "a\0b", 3);
    assert_int_equal(aq_snapshot_validate(s, NULL, NULL), AQ_OK);
    aq_snapshot_free(s);

    /* Other places strings live. */
    s = sample();
    set_str(s, &s->tasks.items[1].task_spec.metadata.tags.items[0], "\xff", 1);
    expect(s, AQ_EINVALID, AQ_ERR_STRING_NOT_UTF8, "tasks[1].task_spec.metadata.tags[0]", 1,
           NULL);
    aq_snapshot_free(s);

    s = sample();
    size_t r = find_run(s, AQ_RUN_STATE_RUNNING, 0, 1);
    while (s->runs.items[r].lease == NULL) r++;
    set_str(s, &s->runs.items[r].lease->owner, "w\xc0\xaf", 3); /* overlong '/' */
    expect(s, AQ_EINVALID, AQ_ERR_STRING_NOT_UTF8, P("runs[%zu].lease.owner", r), 1,
           "offset 1", NULL);
    aq_snapshot_free(s);

    s = sample();
    size_t k = 0;
    while (s->subscriptions.items[k].filter.kind != AQ_EVENT_FILTER_CUSTOM) k++;
    set_str(s, &s->subscriptions.items[k].filter.key, "\xf4\x90\x80\x80", 4); /* > U+10FFFF */
    expect(s, AQ_EINVALID, AQ_ERR_STRING_NOT_UTF8, P("subscriptions[%zu].filter.key", k), 1,
           NULL);
    aq_snapshot_free(s);

    s = sample();
    set_str(s, &s->actors.items[1].capabilities.items[0], "\x80", 1);
    expect(s, AQ_EINVALID, AQ_ERR_STRING_NOT_UTF8, "actors[1].capabilities[0]", 1, NULL);
    aq_snapshot_free(s);

    s = sample();
    set_str(s, &s->ledger_entries.items[2].ledger_key, "ok\xfe", 3);
    expect(s, AQ_EINVALID, AQ_ERR_STRING_NOT_UTF8, "ledger_entries[2].ledger_key", 1,
           "0xfe at offset 2", NULL);
    aq_snapshot_free(s);
}

static void test_validate__custom_name_empty(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    size_t k = 0;
    while (s->role_assignments.items[k].role.kind != AQ_ROLE_CUSTOM) k++;
    s->role_assignments.items[k].role.custom.len = 0;
    /* The engine loads it: a warning, a violation only when strict. */
    expect_warning(s, NULL, AQ_ERR_CUSTOM_NAME_EMPTY, P("role_assignments[%zu].role.custom", k),
                   text(&s->role_assignments.items[k].actor_id).s, "Role Custom", NULL);
    (void)stream_agrees(s);
    s->role_assignments.items[k].role.kind = AQ_ROLE_AUDITOR; /* name unused: fine */
    aq_check_result r;
    assert_int_equal(aq_snapshot_check_with(s, NULL, &r, NULL), AQ_OK);
    assert_int_equal(r.warnings, 0);

    k = 0;
    while (s->capability_grants.items[k].capability.kind != AQ_CAPABILITY_CUSTOM) k++;
    s->capability_grants.items[k].capability.custom = (aq_str){NULL, 0};
    expect_warning(s, NULL, AQ_ERR_CUSTOM_NAME_EMPTY,
                   P("capability_grants[%zu].capability.custom", k), "Capability Custom", NULL);
    aq_snapshot_free(s);
}

/* The file's own warnings come first; a bad options version is refused. */
static void test_validate__file_warnings(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    aq_load_info info = {AQ_FORMAT_JSON, true, AQ_FRAME_JSON, 1000, 0, 3};
    expect_warning(s, &info, AQ_ERR_TRAILING_DATA, "", "3 bytes after the 1000-byte payload",
                   NULL);
    aq_check_options o = AQ_CHECK_OPTIONS_INIT;
    o.version = 99;
    aq_error err;
    assert_int_equal(aq_snapshot_check_with(s, &o, NULL, &err), AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "version is 99"));
    assert_int_equal(aq_snapshot_check_with(NULL, NULL, NULL, &err), AQ_EINVAL);
    aq_snapshot_free(s);
}

/* ---- cron expressions and the engine's verdict ---------------------------------------------- */

/* What cron 0.12's Schedule::from_str says, expression by expression (its own tests', and one
 * of each rule of docs/VALIDATION.md). */
static void test_validate__cron_expressions(void **state)
{
    (void)state;
    static const char *const valid[] = {
        "* * * * * *", "0,20,40 * * * * *", "0-40 * * * * *", "0-5,58 * * * * *",
        "* * * * * MON,WED,FRI", "* * * * * MON-FRI", "* * * ? * *", "* * * * * ?",
        "* * * ? * Mon,Thu", "* * * 1,2 * ?", "* * * ? * ?", "@daily", " @weekly ", "@yearly",
        "0   30   9,12,15     1,15       May-Aug  Mon,Wed,Fri  2018/2", "*/2 * * * * *",
        "10-20/2 * * * * *", "0 0 0 1 1 * 2100", "0 0 * * * * *", "0 */5 * * * Mon-Fri",
        "0 0 0 ?/2 * ?/3", "0 0 0 ? * sunday", "0 0 0 ? january,DEC *",
        "59 59 23 31 12 7 1970", "1/100 * * * * *", " 0 0 0 * * * ", "1, 2 * * * * *",
    };
    static const char *const invalid[] = {
        "* * * *", "0-65 * * * * *", "103,12 * * * * *", "0-5,102 * * * * *",
        "* * * * * MON,TURTLE", "* * * * * BEAR-OWL", "10-12/10-12 * * * * ?", "? * * * * *",
        "* ? * * * *", "* * ? * * *", "* * * * ? *", "* * * * * *foo *", "* * * * * * * foo",
        "@dailyBla", " @dailyBla ", "*/5 * * * *", "bogus", "", "   ", "0 0 0 0 * *",
        "0 0 0 1 13 *", "0 0 0 * * 0", "*/0 * * * * *", "5-1 * * * * *", "0 0 0 1 1 * 1969",
        "Mon * * * * *", "99999999999 * * * * *", "* * * * * * * *", "1, * * * * * *",
        "Mon/2 * * * * *", "0 0 0 ? Feb-Jan *", "@DAILY",
    };
    char why[160];
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
        if (!aq__cron_valid(valid[i], strlen(valid[i]), why, sizeof why))
            fail_msg("\"%s\" refused: %s", valid[i], why);
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        if (aq__cron_valid(invalid[i], strlen(invalid[i]), why, sizeof why))
            fail_msg("\"%s\" taken", invalid[i]);
        assert_true(why[0] != '\0');
    }
    assert_false(aq__cron_valid("*/5 * * * *", 11, why, sizeof why));
    assert_string_equal(why, "5 fields; cron expressions have 6 or 7, seconds first");
    assert_false(aq__cron_valid("0 0 0 1 13 *", 12, why, sizeof why));
    assert_string_equal(why, "months must be 1..12, found 13");
}

static aq_engine_verdict engine_verdict(const aq_snapshot *s, const aq_load_info *file,
                                        const char *needle)
{
    aq_check_options o = AQ_CHECK_OPTIONS_INIT;
    o.file = file;
    aq_check_result r;
    aq_status st = aq_snapshot_check_with(s, &o, &r, NULL);
    assert_true(st == AQ_OK || st == AQ_EINVALID || st == AQ_EVERSION);
    if (needle == NULL)
        assert_string_equal(r.engine_reason, "");
    else if (strstr(r.engine_reason, needle) == NULL)
        fail_msg("engine reason lacks \"%s\": %s", needle, r.engine_reason);
    return r.engine;
}

/* Each reason the engine would not load a file as it is, in the order they are checked. */
static void test_validate__engine_verdict(void **state)
{
    (void)state;
    aq_snapshot *s = build_sample(AQ_ENGINE_SCHEMA, 40, true, 1);
    aq_load_info json = {AQ_FORMAT_JSON, true, AQ_FRAME_JSON, 100, 0, 0};
    aq_load_info bare = {AQ_FORMAT_JSON, false, 0, 100, 0, 0};
    aq_load_info pb = {AQ_FORMAT_PROTOBUF, true, AQ_FRAME_PROTOBUF, 100, 0, 0};
    size_t cron = find_task_policy(s, AQ_RUN_POLICY_CRON);
    /* The sample's Cron tasks hold the five-field "*\/5 * * * *". */
    assert_int_equal(engine_verdict(s, &json, "which no engine build loads"), AQ_ENGINE_CRON);
    for (size_t i = 0; i < s->tasks.count; i++) {
        aq_run_policy *p = &s->tasks.items[i].task_spec.run_policy;
        if (p->kind == AQ_RUN_POLICY_CRON && i != cron) p->kind = AQ_RUN_POLICY_ONCE;
    }
    set_str(s, &s->tasks.items[cron].task_spec.run_policy.cron.expression, "0 0 * * * *", 11);
    assert_int_equal(engine_verdict(s, &json, "only engine builds with the `workflow` feature"),
                     AQ_ENGINE_CRON);
    s->tasks.items[cron].task_spec.run_policy.kind = AQ_RUN_POLICY_ONCE;
    assert_int_equal(engine_verdict(s, &json, NULL), AQ_ENGINE_LOADS);
    assert_int_equal(engine_verdict(s, NULL, NULL), AQ_ENGINE_LOADS);
    /* Warnings are loaded by the engine, even when strict makes them violations. */
    aq_load_info trailing = json;
    trailing.trailing = 5;
    aq_check_options o = AQ_CHECK_OPTIONS_INIT;
    o.flags = AQ_CHECK_STRICT;
    o.file = &trailing;
    aq_check_result r;
    assert_int_equal(aq_snapshot_check_with(s, &o, &r, NULL), AQ_EINVALID);
    assert_int_equal(r.engine, AQ_ENGINE_LOADS);

    s->tasks.items[0].task_spec.constraints.max_attempts = 0;
    assert_int_equal(engine_verdict(s, &json, "1 violation of the rules the engine checks"),
                     AQ_ENGINE_INVALID);
    s->metadata.schema_version = 7;
    assert_int_equal(engine_verdict(s, &json, "schema version 7: the engine loads only 8; run "
                                              "`aqsnap migrate`"),
                     AQ_ENGINE_SCHEMA_VERSION);
    assert_int_equal(engine_verdict(s, &bare, "no envelope"), AQ_ENGINE_NO_ENVELOPE);
    assert_int_equal(engine_verdict(s, &pb, "protobuf file: "), AQ_ENGINE_PROTOBUF);
    aq_snapshot_free(s);
}

/* To a later schema version always; to an earlier one only when nothing is newer than it. */
static void test_validate__migrate(void **state)
{
    (void)state;
    aq_snapshot *s = build_sample(4, 10, true, 1);
    aq_error err;
    assert_int_equal(aq_snapshot_migrate(s, AQ_ENGINE_SCHEMA, &err), AQ_OK);
    assert_int_equal(s->metadata.schema_version, AQ_ENGINE_SCHEMA);
    assert_int_equal(aq_snapshot_validate(s, NULL, &err), AQ_OK);
    assert_int_equal(aq_snapshot_migrate(s, 4, &err), AQ_OK);
    aq_snapshot_free(s);

    s = build_sample(8, 40, true, 1);
    s->tasks.items[0].task_spec.constraints.max_attempts = 0; /* not migration's business */
    assert_int_equal(aq_snapshot_migrate(s, 7, &err), AQ_EINVALID);
    assert_int_equal(err.kind, AQ_ERR_SCHEMA_FEATURE);
    assert_non_null(strstr(err.message, "schema v8 feature but metadata.schema_version is 7"));
    assert_int_equal(s->metadata.schema_version, 8); /* unchanged */
    assert_int_equal(aq_snapshot_migrate(s, AQ_SCHEMA_MAX + 1, &err), AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_ARGUMENT);
    assert_int_equal(aq_snapshot_migrate(s, 3, NULL), AQ_EINVAL);
    assert_int_equal(aq_snapshot_migrate(NULL, 8, &err), AQ_EINVAL);
    aq_snapshot_free(s);
}

/* ---- aq_snapshot_check ----------------------------------------------------------------------- */

static aq_snapshot *several_violations(void)
{
    aq_snapshot *s = sample(); /* seed 1: the engine is paused */
    set_str(s, &s->ledger_entries.items[1].ledger_key, "\xff", 1);
    memset(&s->runs.items[2].run_instance.task_id, 0, sizeof(aq_uuid));
    s->tasks.items[3].task_spec.constraints.max_attempts = 0;
    s->tasks.items[1].task_spec.constraints.timeout_secs = (aq_opt_u64){true, 0};
    s->engine.paused_at.present = false;
    s->metadata.run_count += 1;
    return s;
}

static void test_validate__check_reports_all_in_order(void **state)
{
    (void)state;
    aq_snapshot *s = several_violations();
    static const struct {
        aq_error_kind kind;
        const char *path;
    } want[] = {
        /* Field order, as a streaming read meets them: a list's count after the list. */
        {AQ_ERR_TASK_TIMEOUT_ZERO, "tasks[1].task_spec.constraints.timeout_secs"},
        {AQ_ERR_TASK_MAX_ATTEMPTS_ZERO, "tasks[3].task_spec.constraints.max_attempts"},
        {AQ_ERR_RUN_NIL_TASK_ID, "runs[2].run_instance.task_id"},
        {AQ_ERR_RUN_COUNT_MISMATCH, "metadata.run_count"},
        {AQ_ERR_ENGINE_PAUSED_WITHOUT_PAUSED_AT, "engine.paused_at"},
        {AQ_ERR_STRING_NOT_UTF8, "ledger_entries[1].ledger_key"},
    };
    collected got;
    memset(&got, 0, sizeof got);
    size_t count = 0;
    aq_error err;
    assert_int_equal(aq_snapshot_check(s, NULL, collect, &got, &count, &err), AQ_EINVALID);
    assert_int_equal(count, 6);
    assert_int_equal(got.n, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(got.items[i].status, AQ_EINVALID);
        assert_int_equal(got.items[i].kind, want[i].kind);
        assert_string_equal(got.items[i].path, want[i].path);
    }
    /* err holds the first. */
    assert_int_equal(err.status, AQ_EINVALID);
    assert_int_equal(err.kind, AQ_ERR_TASK_TIMEOUT_ZERO);
    assert_string_equal(err.message, got.items[0].message);

    /* Same again: the order is deterministic. */
    collected again;
    memset(&again, 0, sizeof again);
    assert_int_equal(aq_snapshot_check(s, NULL, collect, &again, NULL, NULL), AQ_EINVALID);
    assert_int_equal(again.n, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(again.items[i].message, got.items[i].message);

    /* aq_snapshot_validate gives the first. */
    assert_int_equal(aq_snapshot_validate(s, NULL, &err), AQ_EINVALID);
    assert_string_equal(err.message, got.items[0].message);
    aq_snapshot_free(s);
}

static void test_validate__check_stops_when_told(void **state)
{
    (void)state;
    aq_snapshot *s = several_violations();
    for (size_t stop = 1; stop <= 6; stop++) {
        collected got;
        memset(&got, 0, sizeof got);
        got.stop_after = stop;
        size_t count = 0;
        aq_error err;
        assert_int_equal(aq_snapshot_check(s, NULL, collect, &got, &count, &err), AQ_EINVALID);
        assert_int_equal(got.n, stop);
        assert_int_equal(count, stop);
        assert_int_equal(err.kind, AQ_ERR_TASK_TIMEOUT_ZERO);
    }
    aq_snapshot_free(s);
}

static void test_validate__check_status_is_the_first_violations(void **state)
{
    (void)state;
    aq_snapshot *s = several_violations();
    s->metadata.schema_version = 12;
    size_t count = 0;
    aq_error err;
    assert_int_equal(aq_snapshot_check(s, NULL, NULL, NULL, &count, &err), AQ_EVERSION);
    assert_int_equal(count, 7);
    assert_int_equal(err.status, AQ_EVERSION);
    assert_int_equal(err.kind, AQ_ERR_SCHEMA_VERSION);
    assert_int_equal(aq_snapshot_validate(s, NULL, &err), AQ_EVERSION);
    aq_snapshot_free(s);
}

/* ---- arguments, malformed structs, memory ---------------------------------------------------- */

static void test_validate__null_arguments(void **state)
{
    (void)state;
    aq_error err;
    assert_int_equal(aq_snapshot_validate(NULL, NULL, &err), AQ_EINVAL);
    assert_int_equal(err.status, AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_ARGUMENT);
    assert_int_equal(aq_snapshot_validate(NULL, NULL, NULL), AQ_EINVAL);
    size_t count = 99;
    assert_int_equal(aq_snapshot_check(NULL, NULL, collect, NULL, &count, &err), AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_ARGUMENT);
    assert_int_equal(count, 0);

    /* err, fn, ctx and count may all be NULL. */
    aq_snapshot *s = sample();
    assert_int_equal(aq_snapshot_validate(s, NULL, NULL), AQ_OK);
    assert_int_equal(aq_snapshot_check(s, NULL, NULL, NULL, NULL, NULL), AQ_OK);
    s->metadata.task_count = 0;
    assert_int_equal(aq_snapshot_validate(s, NULL, NULL), AQ_EINVALID);
    assert_int_equal(aq_snapshot_check(s, NULL, NULL, NULL, NULL, NULL), AQ_EINVALID);
    aq_snapshot_free(s);
}

static void test_validate__malformed_struct_is_einval(void **state)
{
    (void)state;
    aq_snapshot *s = sample();
    aq_error err;
    size_t count = 99;

    aq_task *tasks = s->tasks.items;
    s->tasks.items = NULL;
    assert_int_equal(aq_snapshot_check(s, NULL, NULL, NULL, &count, &err), AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_ARGUMENT);
    assert_string_equal(err.path, "tasks");
    assert_int_equal(count, 0);
    s->tasks.items = tasks;

    /* Found part way: what came before is counted, err holds the failure. */
    s->tasks.items[1].task_spec.constraints.max_attempts = 0;
    aq_opt_str *d = &s->tasks.items[5].task_spec.metadata.description;
    *d = (aq_opt_str){true, {NULL, 3}};
    assert_int_equal(aq_snapshot_check(s, NULL, NULL, NULL, &count, &err), AQ_EINVAL);
    assert_int_equal(err.status, AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_ARGUMENT);
    assert_string_equal(err.path, "tasks[5].task_spec.metadata.description");
    assert_non_null(strstr(err.message, "NULL"));
    assert_int_equal(count, 1);
    d->present = false;
    s->tasks.items[1].task_spec.constraints.max_attempts = 1;

    size_t r = find_run(s, AQ_RUN_STATE_COMPLETED, 0, 1);
    s->runs.items[r].state_history.items = NULL;
    assert_int_equal(aq_snapshot_validate(s, NULL, &err), AQ_EINVAL);
    assert_string_equal(err.path, P("runs[%zu].state_history", r));
    aq_snapshot_free(s);
}

static void test_validate__allocation_failures(void **state)
{
    (void)state;
    aq_snapshot *good = sample();
    aq_snapshot *bad = several_violations();
    fail_alloc fa;
    aq_allocator al = fail_alloc_allocator(&fa);
    size_t n = 0;
    for (;; n++) {
        fail_alloc_reset(&fa, n);
        aq_error err;
        aq_status st = aq_snapshot_validate(good, &al, &err);
        assert_int_equal(fa.live_bytes, 0);
        assert_int_equal(fa.live_blocks, 0);
        if (!fa.failed) {
            assert_int_equal(st, AQ_OK);
            assert_true(fa.peak_bytes > 0);
            break;
        }
        assert_int_equal(st, AQ_ENOMEM);
        assert_int_equal(err.kind, AQ_ERR_OUT_OF_MEMORY);

        /* Memory is obtained before any check: nothing is reported before the failure. */
        fail_alloc_reset(&fa, n);
        collected got;
        memset(&got, 0, sizeof got);
        size_t count = 99;
        assert_int_equal(aq_snapshot_check(bad, &al, collect, &got, &count, &err), AQ_ENOMEM);
        assert_int_equal(got.n, 0);
        assert_int_equal(count, 0);
        assert_int_equal(fa.live_bytes, 0);
    }
    /* The validator, then a map each for tasks, runs, dependency declarations, subscriptions
     * and one per budget dimension. */
    assert_int_equal(n, 8);
    aq_snapshot_free(bad);
    aq_snapshot_free(good);
}

/* ---- the id index ---------------------------------------------------------------------------- */

/* Average and worst distance of a record from its home slot. */
static void probe_distances(const aq__uuid_set *set, const aq_uuid *ids, double *mean,
                            size_t *worst)
{
    size_t sum = 0, n = 0;
    *worst = 0;
    for (size_t slot = 0; slot <= set->mask; slot++) {
        const aq__uuid_slot *v = &set->slots[slot];
        if (v->meta == 0) continue;
        size_t record = (size_t)(uint32_t)v->meta - 1;
        const aq_uuid *key = &ids[record];
        assert_memory_equal(v->key.bytes, key->bytes, sizeof key->bytes); /* the kept copy */
        size_t d = (slot - (size_t)aq__uuid_hash(key)) & set->mask;
        sum += d;
        n++;
        if (d > *worst) *worst = d;
    }
    *mean = n ? (double)sum / (double)n : 0.0;
}

static void test_validate__uuid_set_spreads_sequential_ids(void **state)
{
    (void)state;
    enum { N = 1 << 17 };
    aq_uuid *ids = malloc(N * sizeof *ids);
    assert_non_null(ids);
    for (int pattern = 0; pattern < 3; pattern++) {
        for (uint64_t i = 0; i < N; i++)
            ids[i] = pattern == 0   ? numbered(UINT64_C(0x0000000a00000000), i + 1)
                     : pattern == 1 ? numbered((i + 1) << 32, 1)
                                    : numbered(i << 40, (i & 0xff) << 56);
        aq__uuid_set set;
        aq_error err;
        aq__uuid_set_init(&set, NULL);
        /* Sized up front for a whole snapshot, grown one key at a time for a stream. */
        if (pattern != 1) assert_int_equal(aq__uuid_set_reserve(&set, N, &err), AQ_OK);
        for (size_t i = 0; i < N; i++) {
            assert_int_equal(aq__uuid_set_reserve(&set, set.count + 1, &err), AQ_OK);
            assert_int_equal(aq__uuid_set_add_unique(&set, &ids[i], i), AQ__UUID_SET_NONE);
        }
        assert_int_equal(set.count, N);
        for (size_t i = 0; i < N; i += 7) {
            assert_int_equal(aq__uuid_set_find(&set, &ids[i]), i);
            assert_int_equal(aq__uuid_set_add_unique(&set, &ids[i], N + i), i); /* kept first */
        }
        aq_uuid missing = numbered(UINT64_C(0xffff), 0);
        assert_int_equal(aq__uuid_set_find(&set, &missing), AQ__UUID_SET_NONE);
        double mean;
        size_t worst;
        probe_distances(&set, ids, &mean, &worst);
        /* Linear probing at load 1/4 to 1/2 with a good hash: mean well under 1, short tails. */
        if (mean > 1.0 || worst > 64)
            fail_msg("pattern %d: mean probe distance %.2f, worst %zu", pattern, mean, worst);
        aq__uuid_set_fini(&set);
        aq__uuid_set_fini(&set); /* idempotent */
    }
    free(ids);
}

static void test_validate__uuid_set_keeps_first_and_grows(void **state)
{
    (void)state;
    aq_uuid ids[6];
    for (size_t i = 0; i < 6; i++) ids[i] = numbered(7, i % 2); /* two keys, three each */
    aq__uuid_set set;
    aq_error err;
    /* An empty set allocates nothing and finds nothing. */
    aq__uuid_set_init(&set, NULL);
    assert_null(set.slots);
    assert_int_equal(aq__uuid_set_find(&set, &ids[0]), AQ__UUID_SET_NONE);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(aq__uuid_set_reserve(&set, set.count + 1, &err), AQ_OK);
        assert_int_equal(aq__uuid_set_add_unique(&set, &ids[i], i),
                         i < 2 ? AQ__UUID_SET_NONE : i % 2); /* the first holder of the key */
    }
    assert_int_equal(set.count, 2);
    assert_int_equal(aq__uuid_set_find(&set, &ids[5]), 1);
    /* Growing keeps every key and its record. */
    assert_int_equal(aq__uuid_set_reserve(&set, 1000, &err), AQ_OK);
    assert_int_equal(set.mask + 1, 2048);
    assert_int_equal(aq__uuid_set_find(&set, &ids[4]), 0);
    assert_int_equal(aq__uuid_set_find(&set, &ids[3]), 1);
    /* What cannot be indexed is refused without allocating. */
    assert_int_equal(aq__uuid_set_reserve(&set, (size_t)UINT32_MAX, &err), AQ_ENOMEM);
    assert_int_equal(err.kind, AQ_ERR_OUT_OF_MEMORY);
    assert_int_equal(aq__uuid_set_find(&set, &ids[4]), 0);
    aq__uuid_set_fini(&set);
    aq__uuid_set_fini(&set); /* idempotent */
}

/* Many sequential ids (the engine's test ids look like that): every cross-record rule goes
 * through the index, and a duplicate at the far end is still found. */
static void test_validate__large_sequential_snapshot(void **state)
{
    (void)state;
    enum { N = 1 << 17 };
    aq_task *tasks = calloc(N, sizeof *tasks);
    aq_run *runs = calloc(N, sizeof *runs);
    aq_history_entry *h = calloc(N, sizeof *h);
    assert_non_null(tasks);
    assert_non_null(runs);
    assert_non_null(h);
    for (uint64_t i = 0; i < N; i++) {
        aq_task *t = &tasks[i];
        t->task_spec.id = numbered(UINT64_C(0x0000000a00000000), i + 1);
        t->task_spec.run_policy.kind = AQ_RUN_POLICY_ONCE;
        t->task_spec.constraints.max_attempts = 1;
        t->task_spec.constraints.concurrency_key_hold_policy = AQ_HOLD_POLICY_HOLD_DURING_RETRY;
        t->task_spec.constraints.safety_level = AQ_SAFETY_LEVEL_PURE;
        t->created_at = 1000 + i;
    }
    for (uint64_t i = 0; i < N; i++) {
        h[i].to = AQ_RUN_STATE_SCHEDULED;
        h[i].timestamp = 2000 + i;
        aq_run *r = &runs[i];
        r->run_instance.id = numbered(UINT64_C(0x0000000b00000000), i + 1);
        r->run_instance.task_id = tasks[N - 1 - i].task_spec.id;
        r->run_instance.state = AQ_RUN_STATE_SCHEDULED;
        r->run_instance.created_at = 2000 + i;
        r->run_instance.scheduled_at = 3000;
        r->state_history = (aq_history_list){&h[i], 1};
    }
    aq_snapshot snap;
    memset(&snap, 0, sizeof snap);
    snap.metadata.schema_version = AQ_SCHEMA_MAX;
    snap.metadata.task_count = N;
    snap.metadata.run_count = N;
    snap.tasks = (aq_task_list){tasks, N};
    snap.runs = (aq_run_list){runs, N};
    aq_error err;
    if (aq_snapshot_validate(&snap, NULL, &err) != AQ_OK) fail_msg("%s", err.message);

    runs[N - 1].run_instance.id = runs[0].run_instance.id;
    expect(&snap, AQ_EINVALID, AQ_ERR_RUN_DUPLICATE_ID, P("runs[%d].run_instance.id", N - 1), 1,
           "0000000b-0000-0000-0000-000000000001 is also runs[0]", NULL);
    free(h);
    free(runs);
    free(tasks);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate__samples_pass_every_schema_version),
        cmocka_unit_test(test_validate__empty_snapshot_passes),
        cmocka_unit_test(test_validate__caller_built_snapshot),
        cmocka_unit_test(test_validate__schema_version),
        cmocka_unit_test(test_validate__task_count_mismatch),
        cmocka_unit_test(test_validate__run_count_mismatch),
        cmocka_unit_test(test_validate__task_duplicate_id),
        cmocka_unit_test(test_validate__task_canceled_before_created),
        cmocka_unit_test(test_validate__run_duplicate_id),
        cmocka_unit_test(test_validate__run_unknown_task),
        cmocka_unit_test(test_validate__engine_paused_without_paused_at),
        cmocka_unit_test(test_validate__engine_paused_with_resumed_at),
        cmocka_unit_test(test_validate__engine_resumed_without_paused_at),
        cmocka_unit_test(test_validate__engine_resume_missing),
        cmocka_unit_test(test_validate__engine_resumed_before_paused),
        cmocka_unit_test(test_validate__engine_rules_are_independent),
        cmocka_unit_test(test_validate__dependency_duplicate),
        cmocka_unit_test(test_validate__dependency_unknown_task),
        cmocka_unit_test(test_validate__dependency_unknown_prerequisite),
        cmocka_unit_test(test_validate__budget_duplicate),
        cmocka_unit_test(test_validate__budget_unknown_task),
        cmocka_unit_test(test_validate__subscription_duplicate_id),
        cmocka_unit_test(test_validate__subscription_unknown_task),
        cmocka_unit_test(test_validate__task_nil_id),
        cmocka_unit_test(test_validate__task_max_attempts_zero),
        cmocka_unit_test(test_validate__task_timeout_zero),
        cmocka_unit_test(test_validate__task_concurrency_key_empty),
        cmocka_unit_test(test_validate__task_capabilities_empty),
        cmocka_unit_test(test_validate__task_capability_entry_empty),
        cmocka_unit_test(test_validate__task_repeat_count_zero),
        cmocka_unit_test(test_validate__task_repeat_interval_zero),
        cmocka_unit_test(test_validate__task_cron_max_occurrences_zero),
        cmocka_unit_test(test_validate__run_nil_id),
        cmocka_unit_test(test_validate__run_nil_task_id),
        cmocka_unit_test(test_validate__run_ready_after_creation),
        cmocka_unit_test(test_validate__run_active_attempt_not_running),
        cmocka_unit_test(test_validate__run_active_attempt_without_count),
        cmocka_unit_test(test_validate__run_history_empty),
        cmocka_unit_test(test_validate__run_history_start_from),
        cmocka_unit_test(test_validate__run_history_start_state),
        cmocka_unit_test(test_validate__run_history_start_time),
        cmocka_unit_test(test_validate__run_history_discontinuous),
        cmocka_unit_test(test_validate__run_history_illegal_transition),
        cmocka_unit_test(test_validate__run_history_leaving_terminal_state_is_illegal),
        cmocka_unit_test(test_validate__run_history_state_mismatch),
        cmocka_unit_test(test_validate__run_attempt_count_mismatch),
        cmocka_unit_test(test_validate__run_active_attempt_missing),
        cmocka_unit_test(test_validate__run_active_attempt_repeated),
        cmocka_unit_test(test_validate__run_active_attempt_finished),
        cmocka_unit_test(test_validate__run_lease_in_state),
        cmocka_unit_test(test_validate__schema_feature),
        cmocka_unit_test(test_validate__enum_invalid),
        cmocka_unit_test(test_validate__string_not_utf8),
        cmocka_unit_test(test_validate__custom_name_empty),
        cmocka_unit_test(test_validate__file_warnings),
        cmocka_unit_test(test_validate__cron_expressions),
        cmocka_unit_test(test_validate__engine_verdict),
        cmocka_unit_test(test_validate__migrate),
        cmocka_unit_test(test_validate__check_reports_all_in_order),
        cmocka_unit_test(test_validate__check_stops_when_told),
        cmocka_unit_test(test_validate__check_status_is_the_first_violations),
        cmocka_unit_test(test_validate__null_arguments),
        cmocka_unit_test(test_validate__malformed_struct_is_einval),
        cmocka_unit_test(test_validate__allocation_failures),
        cmocka_unit_test(test_validate__uuid_set_spreads_sequential_ids),
        cmocka_unit_test(test_validate__uuid_set_keeps_first_and_grows),
        cmocka_unit_test(test_validate__large_sequential_snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
