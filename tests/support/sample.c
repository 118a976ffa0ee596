/* SPDX-License-Identifier: Apache-2.0 */
/* Deterministic sample snapshots: see sample.h for what they guarantee. */
#include "sample.h"

#include <stdio.h>
#include <string.h>

#include "internal.h"

#define BASE_TS UINT64_C(1700000000)

/* Id kinds: the first byte of every id says what it names, the last 8 bytes count, so ids are
 * unique by construction and never nil. */
enum { K_TASK = 1, K_RUN, K_ATTEMPT, K_SUB, K_ACTOR, K_TENANT, K_LEDGER };

typedef struct gen {
    const sample_options *opt;
    aq_snapshot *snap;
    aq_error *err;
    uint64_t rng;
    uint64_t attempts; /* attempt ids handed out */
    size_t n_tenants;
} gen;

static uint64_t mix(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

static uint64_t next(gen *g)
{
    g->rng = mix(g->rng);
    return g->rng;
}

/* Uniform in [lo, hi]. */
static uint64_t between(gen *g, uint64_t lo, uint64_t hi)
{
    return lo + next(g) % (hi - lo + 1);
}

static aq_uuid make_id(const gen *g, int kind, uint64_t n)
{
    aq_uuid id;
    uint64_t h = mix(g->opt->seed ^ ((uint64_t)kind << 56) ^ n);
    for (int i = 0; i < 8; i++) id.bytes[i] = (uint8_t)(h >> (8 * i));
    id.bytes[0] = (uint8_t)kind;
    id.bytes[6] = (uint8_t)((id.bytes[6] & 0x0f) | 0x40); /* looks like a v4 UUID */
    for (int i = 0; i < 8; i++) id.bytes[8 + i] = (uint8_t)(n >> (56 - 8 * i));
    id.bytes[8] = (uint8_t)((id.bytes[8] & 0x3f) | 0x80);
    return id;
}

static aq_opt_uuid some_id(aq_uuid id)
{
    aq_opt_uuid o = {true, id};
    return o;
}

static aq_opt_u64 some_u64(uint64_t v)
{
    aq_opt_u64 o = {true, v};
    return o;
}

static aq_status str(gen *g, const char *text, aq_str *out)
{
    return aq_snapshot_str(g->snap, text, strlen(text), out, g->err);
}

static aq_status opt_str(gen *g, bool present, const char *text, aq_opt_str *out)
{
    out->present = present;
    return present ? str(g, text, &out->value) : AQ_OK;
}

/* Random bytes with plenty of zeros in them (binary payloads must survive intact). */
static aq_status blob(gen *g, size_t len, aq_bytes *out)
{
    uint8_t *p = aq_snapshot_alloc(g->snap, len + 1, 1, g->err);
    if (p == NULL) return g->err->status;
    for (size_t i = 0; i < len; i++) {
        uint64_t r = next(g);
        p[i] = (r & 7) == 0 ? 0 : (uint8_t)(r >> 8);
    }
    out->ptr = p;
    out->len = len;
    return AQ_OK;
}

/* Allocate a zeroed list of n items in the snapshot. */
#define LIST(g, list, n)                                                                        \
    do {                                                                                        \
        (list).items = aq_snapshot_alloc((g)->snap, (n), sizeof *(list).items, (g)->err);       \
        if ((list).items == NULL) return (g)->err->status;                                      \
        (list).count = (n);                                                                     \
    } while (0)

static bool has(const gen *g, uint32_t version)
{
    return g->opt->schema_version >= version;
}

/* Variant choice: cycle through all of them with coverage, else draw at random. */
static size_t pick(gen *g, size_t index, size_t n)
{
    return g->opt->coverage ? index % n : (size_t)(next(g) % n);
}

/* ---- tasks ------------------------------------------------------------------------------ */

static const char *const descriptions[] = {
    "nightly export", "line1\nline2 \"quoted\" \\ back\tslash", "caf\xc3\xa9 \xe2\x9c\x93 \x01 ctl",
    ""};

static aq_status build_task(gen *g, size_t i, aq_task *t)
{
    aq_task_spec *s = &t->task_spec;
    t->created_at = BASE_TS + i * 7;
    t->updated_at.present = pick(g, i, 3) != 0;
    t->updated_at.value = t->updated_at.present ? t->created_at + 5 : 0;
    if (pick(g, i, 5) == 1) t->canceled_at = some_u64(t->created_at + 10);

    s->id = make_id(g, K_TASK, i);
    AQ_TRY(blob(g, (size_t)between(g, g->opt->payload_min, g->opt->payload_max),
                &s->payload.bytes));
    static const char *const types[] = {"application/json", "application/octet-stream"};
    AQ_TRY(opt_str(g, pick(g, i, 2) == 0, types[i / 2 % 2], &s->payload.content_type));

    static const aq_run_policy_kind kinds[] = {AQ_RUN_POLICY_ONCE, AQ_RUN_POLICY_REPEAT,
                                               AQ_RUN_POLICY_CRON, AQ_RUN_POLICY_ONCE,
                                               AQ_RUN_POLICY_ONCE, AQ_RUN_POLICY_ONCE};
    s->run_policy.kind = kinds[pick(g, i, 6)];
    if (s->run_policy.kind == AQ_RUN_POLICY_REPEAT) {
        s->run_policy.repeat.count = (uint32_t)between(g, 1, 10);
        s->run_policy.repeat.interval_secs = between(g, 1, 3600);
    } else if (s->run_policy.kind == AQ_RUN_POLICY_CRON) {
        AQ_TRY(str(g, "*/5 * * * *", &s->run_policy.cron.expression));
        s->run_policy.cron.max_occurrences.present = i / 6 % 2 == 0;
        s->run_policy.cron.max_occurrences.value = s->run_policy.cron.max_occurrences.present ? 12 : 0;
    }

    aq_task_constraints *c = &s->constraints;
    c->max_attempts = (uint32_t)between(g, 1, 5);
    if (pick(g, i, 2) == 0) c->timeout_secs = some_u64(between(g, 30, 600));
    char key[32];
    (void)snprintf(key, sizeof key, "key-%zu", i % 7);
    AQ_TRY(opt_str(g, pick(g, i, 4) == 0, key, &c->concurrency_key));
    c->concurrency_key_hold_policy = (aq_hold_policy)(1 + pick(g, i, 2));
    c->safety_level = (aq_safety_level)(1 + pick(g, i, 3));
    if (has(g, 5) && pick(g, i, 3) == 0) {
        c->required_capabilities.present = true;
        LIST(g, c->required_capabilities.value, 1 + i % 2);
        AQ_TRY(str(g, "gpu", &c->required_capabilities.value.items[0]));
        if (i % 2) AQ_TRY(str(g, "net", &c->required_capabilities.value.items[1]));
    }

    aq_task_metadata *m = &s->metadata;
    size_t tags = pick(g, i, 4);
    LIST(g, m->tags, tags);
    static const char *const tag_names[] = {"batch", "urgent", "\xc3\xa9t\xc3\xa9"};
    for (size_t k = 0; k < tags; k++) AQ_TRY(str(g, tag_names[k], &m->tags.items[k]));
    m->priority = (int32_t)(i % 11) - 5;
    AQ_TRY(opt_str(g, pick(g, i, 2) == 1, descriptions[i / 2 % 4], &m->description));

    if (has(g, 5) && i > 0 && pick(g, i, 4) == 2) s->parent_task_id = some_id(make_id(g, K_TASK, i - 1));
    if (has(g, 8) && pick(g, i, 3) == 1)
        s->tenant_id = some_id(make_id(g, K_TENANT, i % g->n_tenants));
    return AQ_OK;
}

/* ---- runs ---------------------------------------------------------------------------------- */

#define R AQ_RUN_STATE_READY
#define L AQ_RUN_STATE_LEASED
#define U AQ_RUN_STATE_RUNNING
#define W AQ_RUN_STATE_RETRY_WAIT
#define P AQ_RUN_STATE_SUSPENDED
#define C AQ_RUN_STATE_COMPLETED
#define F AQ_RUN_STATE_FAILED
#define X AQ_RUN_STATE_CANCELED

/* Walks after the initial Scheduled entry; together they take every legal transition and end in
 * every state. 0 ends a walk. */
static const aq_run_state walks[][8] = {
    {0},
    {R},
    {R, L},
    {R, L, U},
    {R, L, U, C},
    {R, L, U, F},
    {R, L, U, W},
    {R, L, U, W, R, L, U},
    {R, L, U, P},
    {R, L, U, P, R},
    {X},
    {R, X},
    {R, L, X},
    {R, L, U, X},
    {R, L, R},
    {R, L, U, W, F},
    {R, L, U, W, X},
    {R, L, U, P, X},
    {R, L, U, W, R, L, U},
    {R, L, U, C},
};
#define N_WALKS (sizeof walks / sizeof walks[0])

static bool walk_allowed(const gen *g, size_t w)
{
    if (has(g, 7)) return true;
    for (size_t k = 0; k < 8 && walks[w][k]; k++)
        if (walks[w][k] == AQ_RUN_STATE_SUSPENDED) return false;
    return true;
}

static size_t choose_walk(gen *g, size_t r)
{
    /* Without coverage, skip walk 0: real runs have 2 to 8 history entries. */
    size_t w = g->opt->coverage ? r % N_WALKS : 1 + (size_t)(next(g) % (N_WALKS - 1));
    while (!walk_allowed(g, w)) w = (w + 1) % N_WALKS;
    return w;
}

static aq_status finish_attempt(gen *g, size_t r, aq_attempt *a, aq_run_state to, uint64_t ts)
{
    if (to == AQ_RUN_STATE_CANCELED) return AQ_OK; /* a run canceled while Running keeps it open */
    a->finished_at = some_u64(ts);
    a->result.present = true;
    switch (to) {
    case AQ_RUN_STATE_COMPLETED:
        a->result.value = AQ_ATTEMPT_RESULT_SUCCESS;
        if (has(g, 5) && r % 2 == 0) {
            a->output.present = true;
            AQ_TRY(blob(g, r % 4 == 0 ? 0 : (size_t)between(g, 1, 64), &a->output.value));
        }
        return AQ_OK;
    case AQ_RUN_STATE_SUSPENDED:
        a->result.value = AQ_ATTEMPT_RESULT_SUSPENDED;
        return AQ_OK;
    default: /* RetryWait, Failed */
        a->result.value = r % 2 ? AQ_ATTEMPT_RESULT_TIMEOUT : AQ_ATTEMPT_RESULT_FAILURE;
        return opt_str(g, r % 3 != 0, r % 2 ? "timed out after 30s" : "exit status 1", &a->error);
    }
}

static aq_status build_run(gen *g, size_t r, const aq_task *task, aq_run *run)
{
    aq_run_instance *ri = &run->run_instance;
    const aq_run_state *walk = walks[choose_walk(g, r)];
    size_t steps = 0, tries = 0;
    while (steps < 8 && walk[steps]) steps++;
    for (size_t k = 0; k < steps; k++) tries += walk[k] == AQ_RUN_STATE_RUNNING;

    ri->id = make_id(g, K_RUN, r);
    ri->task_id = task->task_spec.id;
    ri->created_at = task->created_at + 1;
    ri->effective_priority = task->task_spec.metadata.priority;
    LIST(g, run->state_history, steps + 1);
    LIST(g, run->attempts, tries);

    uint64_t ts = ri->created_at;
    aq_history_entry *h = run->state_history.items;
    h[0].to = AQ_RUN_STATE_SCHEDULED;
    h[0].timestamp = ts;
    aq_run_state state = AQ_RUN_STATE_SCHEDULED;
    size_t a = 0;
    for (size_t k = 0; k < steps; k++) {
        aq_run_state to = walk[k];
        ts += between(g, 1, 30);
        if (state == AQ_RUN_STATE_RUNNING)
            AQ_TRY(finish_attempt(g, r + k, &run->attempts.items[a - 1], to, ts));
        if (to == AQ_RUN_STATE_RUNNING) {
            aq_attempt *at = &run->attempts.items[a++];
            at->attempt_id = make_id(g, K_ATTEMPT, g->attempts++);
            at->started_at = ts;
        }
        h[k + 1].from.present = true;
        h[k + 1].from.value = state;
        h[k + 1].to = to;
        h[k + 1].timestamp = ts;
        state = to;
    }
    ri->state = state;
    ri->attempt_count = (uint32_t)tries;
    ri->last_state_change_at = ts;
    ri->scheduled_at = state == AQ_RUN_STATE_READY ? ri->created_at - r % 3
                       : state == AQ_RUN_STATE_SCHEDULED ? ri->created_at + 100
                                                         : ri->created_at;
    if (state == AQ_RUN_STATE_RUNNING) ri->current_attempt_id = some_id(run->attempts.items[a - 1].attempt_id);
    bool leasable = state == AQ_RUN_STATE_READY || state == AQ_RUN_STATE_LEASED ||
                    state == AQ_RUN_STATE_RUNNING;
    if (leasable && pick(g, r, 2) == 0) {
        run->lease = aq_snapshot_alloc(g->snap, 1, sizeof *run->lease, g->err);
        if (run->lease == NULL) return g->err->status;
        AQ_TRY(str(g, "worker-3", &run->lease->owner));
        run->lease->acquired_at = ts;
        run->lease->updated_at = ts + 1;
        run->lease->expiry = ts + 60;
    }
    return AQ_OK;
}

#undef R
#undef L
#undef U
#undef W
#undef P
#undef C
#undef F
#undef X

/* Runs per task: 0 for 1 task in 20, 2 for 2 in 20, else 1 (~1.05 runs per task). */
static size_t runs_of(size_t i)
{
    return i % 20 == 19 ? 0 : i % 10 == 3 ? 2 : 1;
}

static aq_status build_runs(gen *g)
{
    aq_snapshot *s = g->snap;
    size_t n = 0;
    for (size_t i = 0; i < s->tasks.count; i++) n += runs_of(i);
    LIST(g, s->runs, n);
    size_t r = 0;
    for (size_t i = 0; i < s->tasks.count; i++)
        for (size_t k = 0; k < runs_of(i); k++, r++)
            AQ_TRY(build_run(g, r, &s->tasks.items[i], &s->runs.items[r]));
    return AQ_OK;
}

/* ---- the other sections ------------------------------------------------------------------ */

static aq_status build_dependencies(gen *g)
{
    aq_snapshot *s = g->snap;
    size_t n = s->tasks.count > 1 ? (s->tasks.count - 1) / 5 : 0;
    LIST(g, s->dependency_declarations, n);
    for (size_t k = 0; k < n; k++) {
        size_t i = 5 * (k + 1);
        aq_dependency *d = &s->dependency_declarations.items[k];
        d->task_id = s->tasks.items[i].task_spec.id;
        d->declared_at = s->tasks.items[i].created_at;
        size_t deps = k == 0 ? 0 : 2; /* one declaration lists nothing */
        LIST(g, d->depends_on, deps);
        if (deps) {
            d->depends_on.items[0] = s->tasks.items[i - 1].task_spec.id;
            d->depends_on.items[1] = s->tasks.items[i / 2].task_spec.id;
        }
    }
    return AQ_OK;
}

static aq_status build_budgets(gen *g)
{
    aq_snapshot *s = g->snap;
    size_t n = 0;
    for (size_t i = 0; i < s->tasks.count; i += 4) n += 1u + (i % 8 == 0) + (i % 16 == 0);
    LIST(g, s->budgets, n);
    size_t b = 0;
    for (size_t i = 0; i < s->tasks.count; i += 4) {
        for (int dim = 1; dim <= 3; dim++) {
            if ((dim == 2 && i % 8) || (dim == 3 && i % 16)) continue;
            aq_budget *x = &s->budgets.items[b++];
            x->task_id = s->tasks.items[i].task_spec.id;
            x->dimension = (aq_budget_dimension)dim;
            x->limit = 1000 * (uint64_t)dim;
            x->consumed = between(g, 0, x->limit + 10);
            x->allocated_at = s->tasks.items[i].created_at;
            x->exhausted = x->consumed >= x->limit;
        }
    }
    return AQ_OK;
}

static aq_status build_subscriptions(gen *g)
{
    aq_snapshot *s = g->snap;
    size_t n = (s->tasks.count + 5) / 6;
    LIST(g, s->subscriptions, n);
    static const uint8_t pct[] = {0, 50, 100, 255};
    for (size_t k = 0; k < n; k++) {
        aq_subscription *x = &s->subscriptions.items[k];
        const aq_task *t = &s->tasks.items[6 * k];
        x->subscription_id = make_id(g, K_SUB, k);
        x->task_id = t->task_spec.id;
        x->created_at = t->created_at;
        if (k % 2) x->triggered_at = some_u64(t->created_at + 3);
        if (k % 3 == 2) x->canceled_at = some_u64(t->created_at + 4);
        aq_event_filter *f = &x->filter;
        f->kind = (aq_event_filter_kind)(1 + pick(g, k, 4));
        f->task_id = s->tasks.items[(6 * k + 1) % s->tasks.count].task_spec.id;
        if (f->kind == AQ_EVENT_FILTER_RUN_STATE_CHANGED)
            f->state = (aq_run_state)(1 + k / 4 % 9);
        if (f->kind == AQ_EVENT_FILTER_BUDGET_THRESHOLD) {
            f->dimension = (aq_budget_dimension)(1 + k / 4 % 3);
            f->threshold_pct = pct[k / 4 % 4];
        }
        if (f->kind == AQ_EVENT_FILTER_CUSTOM) AQ_TRY(str(g, "ops.alert", &f->key));
    }
    return AQ_OK;
}

static aq_status build_platform(gen *g)
{
    aq_snapshot *s = g->snap;
    size_t n_actors = g->opt->coverage ? 8 : 1 + s->tasks.count / 500;
    size_t n_ledger = g->opt->coverage ? 5 : 1 + s->tasks.count / 100;

    LIST(g, s->tenants, g->n_tenants);
    for (size_t k = 0; k < g->n_tenants; k++) {
        char name[32];
        (void)snprintf(name, sizeof name, "tenant-%zu", k);
        s->tenants.items[k].tenant_id = make_id(g, K_TENANT, k);
        AQ_TRY(str(g, name, &s->tenants.items[k].name));
        s->tenants.items[k].created_at = BASE_TS - 1000 + k;
    }

    LIST(g, s->actors, n_actors);
    LIST(g, s->role_assignments, n_actors);
    LIST(g, s->capability_grants, n_actors);
    static const char *const role_custom = "release-manager";
    for (size_t k = 0; k < n_actors; k++) {
        aq_actor *a = &s->actors.items[k];
        char name[32];
        (void)snprintf(name, sizeof name, "agent-%zu", k);
        a->actor_id = make_id(g, K_ACTOR, k);
        AQ_TRY(str(g, name, &a->identity));
        LIST(g, a->capabilities, k % 3);
        for (size_t c = 0; c < k % 3; c++) AQ_TRY(str(g, c ? "review" : "run", &a->capabilities.items[c]));
        AQ_TRY(opt_str(g, k % 2 == 0, "platform", &a->department));
        a->heartbeat_interval_secs = 30;
        if (k % 2) a->tenant_id = some_id(make_id(g, K_TENANT, k % g->n_tenants));
        a->registered_at = BASE_TS - 500 + k;
        if (k % 3) a->last_heartbeat_at = some_u64(a->registered_at + 90);
        if (k % 4 == 3) a->deregistered_at = some_u64(a->registered_at + 100);

        aq_role_assignment *ra = &s->role_assignments.items[k];
        ra->actor_id = a->actor_id;
        ra->tenant_id = make_id(g, K_TENANT, k % g->n_tenants);
        ra->assigned_at = a->registered_at + 1;
        ra->role.kind = (aq_role_kind)(1 + k % 4);
        if (ra->role.kind == AQ_ROLE_CUSTOM) AQ_TRY(str(g, role_custom, &ra->role.custom));

        aq_capability_grant *cg = &s->capability_grants.items[k];
        cg->actor_id = a->actor_id;
        cg->tenant_id = ra->tenant_id;
        cg->granted_at = a->registered_at + 2;
        cg->capability.kind = (aq_capability_kind)(1 + k % 6);
        if (cg->capability.kind == AQ_CAPABILITY_CUSTOM) AQ_TRY(str(g, "deploy", &cg->capability.custom));
        if (k % 2) cg->revoked_at = some_u64(cg->granted_at + 50);
    }

    LIST(g, s->ledger_entries, n_ledger);
    for (size_t k = 0; k < n_ledger; k++) {
        aq_ledger_entry *e = &s->ledger_entries.items[k];
        e->entry_id = make_id(g, K_LEDGER, k);
        e->tenant_id = make_id(g, K_TENANT, k % g->n_tenants);
        AQ_TRY(str(g, k % 2 ? "budget.topup" : "audit.note", &e->ledger_key));
        if (k % 2 == 0) e->actor_id = some_id(make_id(g, K_ACTOR, k % n_actors));
        AQ_TRY(blob(g, k == 0 ? 0 : (size_t)between(g, 1, 48), &e->payload));
        e->timestamp = BASE_TS + 100 + k;
    }
    return AQ_OK;
}

static aq_status build(gen *g)
{
    aq_snapshot *s = g->snap;
    s->version = 4;
    s->timestamp = BASE_TS + 7 * g->opt->tasks + 1000;
    s->metadata.schema_version = g->opt->schema_version;
    s->metadata.wal_sequence = 1000 + g->opt->tasks;

    LIST(g, s->tasks, g->opt->tasks);
    for (size_t i = 0; i < s->tasks.count; i++) AQ_TRY(build_task(g, i, &s->tasks.items[i]));
    AQ_TRY(build_runs(g));
    s->metadata.task_count = s->tasks.count;
    s->metadata.run_count = s->runs.count;

    /* Engine control: never paused, paused now, or paused and resumed since. */
    switch (g->opt->seed % 3) {
    case 1:
        s->engine.paused = true;
        s->engine.paused_at = some_u64(s->timestamp - 50);
        break;
    case 2:
        s->engine.paused_at = some_u64(s->timestamp - 50);
        s->engine.resumed_at = some_u64(s->timestamp - 20);
        break;
    default:
        break;
    }

    if (has(g, 6)) AQ_TRY(build_dependencies(g));
    if (has(g, 7) && s->tasks.count > 0) {
        AQ_TRY(build_budgets(g));
        AQ_TRY(build_subscriptions(g));
    }
    if (has(g, 8)) AQ_TRY(build_platform(g));
    return AQ_OK;
}

sample_options sample_defaults(void)
{
    sample_options o = {1, 40, AQ_SCHEMA_MAX, true, 16, 512};
    return o;
}

aq_status sample_build(const sample_options *opt, const aq_allocator *alloc, aq_snapshot **out,
                       aq_error *err)
{
    aq_error local;
    err = err ? err : &local;
    *out = NULL;
    if (opt->schema_version < AQ_SCHEMA_MIN || opt->schema_version > AQ_SCHEMA_MAX ||
        opt->payload_min > opt->payload_max)
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "bad sample options");
    aq_snapshot *snap;
    AQ_TRY(aq_snapshot_new(alloc, &snap, err));
    gen g = {opt, snap, err, opt->seed, 0, 0};
    g.n_tenants = opt->coverage ? 3 : 1 + opt->tasks / 1000;
    aq_status st = build(&g);
    if (st != AQ_OK) {
        aq_snapshot_free(snap);
        return st;
    }
    *out = snap;
    return AQ_OK;
}
