/* SPDX-License-Identifier: Apache-2.0 */
/* Conversion of the snapshot's smaller records: metadata, engine control, dependency
 * declarations, budgets, subscriptions (with their event filters), actors, tenants, role
 * assignments, capability grants and ledger entries. */
#include "convert.h"

#define RUN_STATE_MAX AQ_RUN_STATE_CANCELED
#define DIMENSION_MAX AQ_BUDGET_DIMENSION_TIME_SECS

/* ---- metadata and engine control -------------------------------------------------------------- */

aq_status aq__metadata_from_pb(aq__dec *d, pb_metadata *m, aq_metadata *out, aq_error *err)
{
    AQ__REQ(m, schema_version, out->schema_version);
    AQ__REQ(m, wal_sequence, out->wal_sequence);
    AQ__REQ(m, task_count, out->task_count);
    AQ__REQ(m, run_count, out->run_count);
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

aq_status aq__metadata_to_pb(aq__enc *e, const aq_metadata *x, pb_metadata **out, aq_error *err)
{
    pb_metadata *m =
        AQ__PB_NEW(e, pb_metadata, ACTIONQUEUE__SNAPSHOT__V1__SNAPSHOT_METADATA__INIT);
    if (m == NULL) return aq__fail_oom(err);
    m->has_schema_version = 1;
    m->schema_version = x->schema_version;
    m->has_wal_sequence = 1;
    m->wal_sequence = x->wal_sequence;
    m->has_task_count = 1;
    m->task_count = x->task_count;
    m->has_run_count = 1;
    m->run_count = x->run_count;
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}

/* The section as a whole is defaulted (absent: not paused), but like the engine's reader a
 * present section must say whether the engine is paused. */
aq_status aq__engine_from_pb(aq__dec *d, pb_engine_control *m, aq_engine_control *out,
                             aq_error *err)
{
    AQ__REQ(m, paused, out->paused);
    AQ__OPT(m, paused_at, out->paused_at);
    AQ__OPT(m, resumed_at, out->resumed_at);
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

aq_status aq__engine_to_pb(aq__enc *e, const aq_engine_control *x, pb_engine_control **out,
                           aq_error *err)
{
    pb_engine_control *m = AQ__PB_NEW(e, pb_engine_control,
                                      ACTIONQUEUE__SNAPSHOT__V1__SNAPSHOT_ENGINE_CONTROL__INIT);
    if (m == NULL) return aq__fail_oom(err);
    m->has_paused = 1;
    m->paused = x->paused;
    m->has_paused_at = x->paused_at.present;
    m->paused_at = x->paused_at.value;
    m->has_resumed_at = x->resumed_at.present;
    m->resumed_at = x->resumed_at.value;
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}

/* ---- dependency declarations and budgets ---------------------------------------------------- */

aq_status aq__dependency_from_pb(aq__dec *d, pb_dependency *m, aq_dependency *out,
                                 aq_error *err)
{
    AQ_TRY(aq__uuid_from_pb(m->has_task_id, &m->task_id, "task_id", &out->task_id, err));
    out->depends_on.items = aq__dec_array(d, m->n_depends_on, sizeof(aq_uuid));
    if (out->depends_on.items == NULL) return aq__fail_oom(err);
    out->depends_on.count = m->n_depends_on;
    for (size_t i = 0; i < m->n_depends_on; i++)
        AQ__IN_INDEX(err, "depends_on", i,
                     aq__uuid_from_pb(1, &m->depends_on[i], "", &out->depends_on.items[i], err));
    AQ__REQ(m, declared_at, out->declared_at);
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

aq_status aq__dependency_to_pb(aq__enc *e, const aq_dependency *x, pb_dependency **out,
                               aq_error *err)
{
    pb_dependency *m = AQ__PB_NEW(e, pb_dependency,
                                  ACTIONQUEUE__SNAPSHOT__V1__SNAPSHOT_DEPENDENCY_DECLARATION__INIT);
    if (m == NULL) return aq__fail_oom(err);
    aq__uuid_to_pb(&x->task_id, &m->has_task_id, &m->task_id);
    size_t n = x->depends_on.count;
    if (n > 0) {
        m->depends_on = aq__arena_alloc(e->scratch, n * sizeof *m->depends_on);
        if (m->depends_on == NULL) return aq__fail_oom(err);
        for (size_t i = 0; i < n; i++) {
            protobuf_c_boolean has;
            aq__uuid_to_pb(&x->depends_on.items[i], &has, &m->depends_on[i]);
        }
        m->n_depends_on = n;
    }
    m->has_declared_at = 1;
    m->declared_at = x->declared_at;
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}

aq_status aq__budget_from_pb(aq__dec *d, pb_budget *m, aq_budget *out, aq_error *err)
{
    int dim;
    AQ_TRY(aq__uuid_from_pb(m->has_task_id, &m->task_id, "task_id", &out->task_id, err));
    AQ_TRY(aq__enum_from_pb(m->has_dimension, (int)m->dimension, DIMENSION_MAX, "dimension",
                            "BudgetDimension", &dim, err));
    out->dimension = (aq_budget_dimension)dim;
    AQ__REQ(m, limit, out->limit);
    AQ__REQ(m, consumed, out->consumed);
    AQ__REQ(m, allocated_at, out->allocated_at);
    AQ__REQ(m, exhausted, out->exhausted);
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

aq_status aq__budget_to_pb(aq__enc *e, const aq_budget *x, pb_budget **out, aq_error *err)
{
    pb_budget *m = AQ__PB_NEW(e, pb_budget, ACTIONQUEUE__SNAPSHOT__V1__SNAPSHOT_BUDGET__INIT);
    if (m == NULL) return aq__fail_oom(err);
    aq__uuid_to_pb(&x->task_id, &m->has_task_id, &m->task_id);
    AQ_TRY(aq__enum_to_pb((int)x->dimension, DIMENSION_MAX, "dimension", "BudgetDimension", err));
    m->has_dimension = 1;
    m->dimension = (Actionqueue__Snapshot__V1__BudgetDimension)x->dimension;
    m->has_limit = 1;
    m->limit = x->limit;
    m->has_consumed = 1;
    m->consumed = x->consumed;
    m->has_allocated_at = 1;
    m->allocated_at = x->allocated_at;
    m->has_exhausted = 1;
    m->exhausted = x->exhausted;
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}

/* ---- subscriptions and their event filters ------------------------------------------------ */

static aq_status filter_from_pb(aq__dec *d, const pb_event_filter *m, aq_event_filter *out,
                                aq_error *err)
{
    const ProtobufCMessage *variant;
    int v;
    switch (m->filter_case) {
    case ACTIONQUEUE__SNAPSHOT__V1__EVENT_FILTER__FILTER_TASK_COMPLETED: {
        const pb_filter_task_completed *f = m->task_completed;
        out->kind = AQ_EVENT_FILTER_TASK_COMPLETED;
        AQ__IN(err, "task_completed",
               aq__uuid_from_pb(f->has_task_id, &f->task_id, "task_id", &out->task_id, err));
        variant = &f->base;
        break;
    }
    case ACTIONQUEUE__SNAPSHOT__V1__EVENT_FILTER__FILTER_RUN_STATE_CHANGED: {
        const pb_filter_run_state_changed *f = m->run_state_changed;
        out->kind = AQ_EVENT_FILTER_RUN_STATE_CHANGED;
        AQ__IN(err, "run_state_changed",
               aq__uuid_from_pb(f->has_task_id, &f->task_id, "task_id", &out->task_id, err));
        AQ__IN(err, "run_state_changed",
               aq__enum_from_pb(f->has_state, (int)f->state, RUN_STATE_MAX, "state", "RunState",
                                &v, err));
        out->state = (aq_run_state)v;
        variant = &f->base;
        break;
    }
    case ACTIONQUEUE__SNAPSHOT__V1__EVENT_FILTER__FILTER_BUDGET_THRESHOLD: {
        const pb_filter_budget_threshold *f = m->budget_threshold;
        out->kind = AQ_EVENT_FILTER_BUDGET_THRESHOLD;
        AQ__IN(err, "budget_threshold",
               aq__uuid_from_pb(f->has_task_id, &f->task_id, "task_id", &out->task_id, err));
        AQ__IN(err, "budget_threshold",
               aq__enum_from_pb(f->has_dimension, (int)f->dimension, DIMENSION_MAX, "dimension",
                                "BudgetDimension", &v, err));
        out->dimension = (aq_budget_dimension)v;
        if (!f->has_threshold_pct)
            AQ__IN(err, "budget_threshold", aq__missing(err, "threshold_pct"));
        if (f->threshold_pct > UINT8_MAX) {
            (void)aq__fail(err, AQ_EDECODE, AQ_ERR_OUT_OF_RANGE,
                           "threshold_pct %u does not fit the engine's u8 (0..255)",
                           f->threshold_pct);
            aq__error_prefix(err, "budget_threshold.threshold_pct");
            return AQ_EDECODE;
        }
        out->threshold_pct = (uint8_t)f->threshold_pct;
        variant = &f->base;
        break;
    }
    case ACTIONQUEUE__SNAPSHOT__V1__EVENT_FILTER__FILTER_CUSTOM: {
        const pb_filter_custom *f = m->custom;
        out->kind = AQ_EVENT_FILTER_CUSTOM;
        AQ__IN(err, "custom", aq__str_from_pb(d, f->key, "key", &out->key, err));
        variant = &f->base;
        break;
    }
    default:
        return aq__fail(err, AQ_EDECODE, AQ_ERR_ONEOF_UNSET,
                        "no variant of EventFilter is set (TaskCompleted, RunStateChanged, "
                        "BudgetThreshold or Custom)");
    }
    aq__pb_child child = {(uint32_t)m->filter_case, variant};
    return aq__unknown_capture(d, &m->base, &child, 1, &out->unknown, err);
}

static aq_status filter_to_pb(aq__enc *e, const aq_event_filter *x, pb_event_filter **out,
                              aq_error *err)
{
    pb_event_filter *m =
        AQ__PB_NEW(e, pb_event_filter, ACTIONQUEUE__SNAPSHOT__V1__EVENT_FILTER__INIT);
    if (m == NULL) return aq__fail_oom(err);
    switch (x->kind) {
    case AQ_EVENT_FILTER_TASK_COMPLETED: {
        pb_filter_task_completed *f = AQ__PB_NEW(
            e, pb_filter_task_completed, ACTIONQUEUE__SNAPSHOT__V1__EVENT_FILTER__TASK_COMPLETED__INIT);
        if (f == NULL) return aq__fail_oom(err);
        aq__uuid_to_pb(&x->task_id, &f->has_task_id, &f->task_id);
        m->filter_case = ACTIONQUEUE__SNAPSHOT__V1__EVENT_FILTER__FILTER_TASK_COMPLETED;
        m->task_completed = f;
        break;
    }
    case AQ_EVENT_FILTER_RUN_STATE_CHANGED: {
        pb_filter_run_state_changed *f =
            AQ__PB_NEW(e, pb_filter_run_state_changed,
                       ACTIONQUEUE__SNAPSHOT__V1__EVENT_FILTER__RUN_STATE_CHANGED__INIT);
        if (f == NULL) return aq__fail_oom(err);
        aq__uuid_to_pb(&x->task_id, &f->has_task_id, &f->task_id);
        AQ_TRY(aq__enum_to_pb((int)x->state, RUN_STATE_MAX, "state", "RunState", err));
        f->has_state = 1;
        f->state = (Actionqueue__Snapshot__V1__RunState)x->state;
        m->filter_case = ACTIONQUEUE__SNAPSHOT__V1__EVENT_FILTER__FILTER_RUN_STATE_CHANGED;
        m->run_state_changed = f;
        break;
    }
    case AQ_EVENT_FILTER_BUDGET_THRESHOLD: {
        pb_filter_budget_threshold *f =
            AQ__PB_NEW(e, pb_filter_budget_threshold,
                       ACTIONQUEUE__SNAPSHOT__V1__EVENT_FILTER__BUDGET_THRESHOLD__INIT);
        if (f == NULL) return aq__fail_oom(err);
        aq__uuid_to_pb(&x->task_id, &f->has_task_id, &f->task_id);
        AQ_TRY(aq__enum_to_pb((int)x->dimension, DIMENSION_MAX, "dimension", "BudgetDimension",
                              err));
        f->has_dimension = 1;
        f->dimension = (Actionqueue__Snapshot__V1__BudgetDimension)x->dimension;
        f->has_threshold_pct = 1;
        f->threshold_pct = x->threshold_pct;
        m->filter_case = ACTIONQUEUE__SNAPSHOT__V1__EVENT_FILTER__FILTER_BUDGET_THRESHOLD;
        m->budget_threshold = f;
        break;
    }
    case AQ_EVENT_FILTER_CUSTOM: {
        pb_filter_custom *f =
            AQ__PB_NEW(e, pb_filter_custom, ACTIONQUEUE__SNAPSHOT__V1__EVENT_FILTER__CUSTOM__INIT);
        if (f == NULL) return aq__fail_oom(err);
        AQ_TRY(aq__str_to_pb(&x->key, "key", &f->key, err));
        m->filter_case = ACTIONQUEUE__SNAPSHOT__V1__EVENT_FILTER__FILTER_CUSTOM;
        m->custom = f;
        break;
    }
    default:
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ONEOF_UNSET,
                        "EventFilter kind %d is not TaskCompleted, RunStateChanged, "
                        "BudgetThreshold or Custom",
                        (int)x->kind);
    }
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}

aq_status aq__subscription_from_pb(aq__dec *d, pb_subscription *m, aq_subscription *out,
                                   aq_error *err)
{
    AQ_TRY(aq__uuid_from_pb(m->has_subscription_id, &m->subscription_id, "subscription_id",
                            &out->subscription_id, err));
    AQ_TRY(aq__uuid_from_pb(m->has_task_id, &m->task_id, "task_id", &out->task_id, err));
    if (m->filter == NULL) return aq__missing(err, "filter");
    AQ__IN(err, "filter", filter_from_pb(d, m->filter, &out->filter, err));
    AQ__REQ(m, created_at, out->created_at);
    AQ__OPT(m, triggered_at, out->triggered_at);
    AQ__OPT(m, canceled_at, out->canceled_at);
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

aq_status aq__subscription_to_pb(aq__enc *e, const aq_subscription *x, pb_subscription **out,
                                 aq_error *err)
{
    pb_subscription *m =
        AQ__PB_NEW(e, pb_subscription, ACTIONQUEUE__SNAPSHOT__V1__SNAPSHOT_SUBSCRIPTION__INIT);
    if (m == NULL) return aq__fail_oom(err);
    aq__uuid_to_pb(&x->subscription_id, &m->has_subscription_id, &m->subscription_id);
    aq__uuid_to_pb(&x->task_id, &m->has_task_id, &m->task_id);
    AQ__IN(err, "filter", filter_to_pb(e, &x->filter, &m->filter, err));
    m->has_created_at = 1;
    m->created_at = x->created_at;
    m->has_triggered_at = x->triggered_at.present;
    m->triggered_at = x->triggered_at.value;
    m->has_canceled_at = x->canceled_at.present;
    m->canceled_at = x->canceled_at.value;
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}

/* ---- actors and tenants ------------------------------------------------------------------- */

aq_status aq__actor_from_pb(aq__dec *d, pb_actor *m, aq_actor *out, aq_error *err)
{
    AQ_TRY(aq__uuid_from_pb(m->has_actor_id, &m->actor_id, "actor_id", &out->actor_id, err));
    AQ_TRY(aq__str_from_pb(d, m->identity, "identity", &out->identity, err));
    AQ_TRY(aq__str_list_from_pb(d, m->n_capabilities, m->capabilities, "capabilities",
                                &out->capabilities, err));
    AQ_TRY(aq__opt_str_from_pb(d, m->department, "department", &out->department, err));
    AQ__REQ(m, heartbeat_interval_secs, out->heartbeat_interval_secs);
    AQ_TRY(aq__opt_uuid_from_pb(m->has_tenant_id, &m->tenant_id, "tenant_id", &out->tenant_id,
                                err));
    AQ__REQ(m, registered_at, out->registered_at);
    AQ__OPT(m, last_heartbeat_at, out->last_heartbeat_at);
    AQ__OPT(m, deregistered_at, out->deregistered_at);
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

aq_status aq__actor_to_pb(aq__enc *e, const aq_actor *x, pb_actor **out, aq_error *err)
{
    pb_actor *m = AQ__PB_NEW(e, pb_actor, ACTIONQUEUE__SNAPSHOT__V1__SNAPSHOT_ACTOR__INIT);
    if (m == NULL) return aq__fail_oom(err);
    aq__uuid_to_pb(&x->actor_id, &m->has_actor_id, &m->actor_id);
    AQ_TRY(aq__str_to_pb(&x->identity, "identity", &m->identity, err));
    AQ_TRY(aq__str_list_to_pb(e, &x->capabilities, "capabilities", &m->n_capabilities,
                              &m->capabilities, err));
    if (x->department.present)
        AQ_TRY(aq__str_to_pb(&x->department.value, "department", &m->department, err));
    m->has_heartbeat_interval_secs = 1;
    m->heartbeat_interval_secs = x->heartbeat_interval_secs;
    aq__opt_uuid_to_pb(&x->tenant_id, &m->has_tenant_id, &m->tenant_id);
    m->has_registered_at = 1;
    m->registered_at = x->registered_at;
    m->has_last_heartbeat_at = x->last_heartbeat_at.present;
    m->last_heartbeat_at = x->last_heartbeat_at.value;
    m->has_deregistered_at = x->deregistered_at.present;
    m->deregistered_at = x->deregistered_at.value;
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}

aq_status aq__tenant_from_pb(aq__dec *d, pb_tenant *m, aq_tenant *out, aq_error *err)
{
    AQ_TRY(aq__uuid_from_pb(m->has_tenant_id, &m->tenant_id, "tenant_id", &out->tenant_id, err));
    AQ_TRY(aq__str_from_pb(d, m->name, "name", &out->name, err));
    AQ__REQ(m, created_at, out->created_at);
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

aq_status aq__tenant_to_pb(aq__enc *e, const aq_tenant *x, pb_tenant **out, aq_error *err)
{
    pb_tenant *m = AQ__PB_NEW(e, pb_tenant, ACTIONQUEUE__SNAPSHOT__V1__SNAPSHOT_TENANT__INIT);
    if (m == NULL) return aq__fail_oom(err);
    aq__uuid_to_pb(&x->tenant_id, &m->has_tenant_id, &m->tenant_id);
    AQ_TRY(aq__str_to_pb(&x->name, "name", &m->name, err));
    m->has_created_at = 1;
    m->created_at = x->created_at;
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}

/* ---- role assignments and capability grants ------------------------------------------------ */

/* Role and Capability share a shape: a oneof of a built-in enum (1..builtin_max, native kinds
 * with the same numbers) or a custom name (native kind custom_kind). */
static aq_status named_from_pb(aq__dec *d, int which, int builtin, const char *custom,
                               int builtin_max, int custom_kind, const char *type,
                               int *kind_out, aq_str *custom_out, aq_error *err)
{
    switch (which) {
    case 1:
        return aq__enum_from_pb(1, builtin, builtin_max, "builtin", type, kind_out, err);
    case 2:
        *kind_out = custom_kind;
        return aq__str_from_pb(d, custom, "custom", custom_out, err);
    default:
        return aq__fail(err, AQ_EDECODE, AQ_ERR_ONEOF_UNSET,
                        "no variant of %s is set (builtin or custom)", type);
    }
}

aq_status aq__role_assignment_from_pb(aq__dec *d, pb_role_assignment *m,
                                      aq_role_assignment *out, aq_error *err)
{
    AQ_TRY(aq__uuid_from_pb(m->has_actor_id, &m->actor_id, "actor_id", &out->actor_id, err));
    if (m->role == NULL) return aq__missing(err, "role");
    const pb_role *r = m->role;
    int kind;
    AQ__IN(err, "role",
           named_from_pb(d, (int)r->role_case,
                         r->role_case == ACTIONQUEUE__SNAPSHOT__V1__ROLE__ROLE_BUILTIN
                             ? (int)r->builtin
                             : 0,
                         r->role_case == ACTIONQUEUE__SNAPSHOT__V1__ROLE__ROLE_CUSTOM ? r->custom
                                                                                      : NULL,
                         AQ_ROLE_GATEKEEPER, AQ_ROLE_CUSTOM, "Role", &kind, &out->role.custom,
                         err));
    out->role.kind = (aq_role_kind)kind;
    AQ__IN(err, "role", aq__unknown_capture(d, &r->base, NULL, 0, &out->role.unknown, err));
    AQ_TRY(aq__uuid_from_pb(m->has_tenant_id, &m->tenant_id, "tenant_id", &out->tenant_id, err));
    AQ__REQ(m, assigned_at, out->assigned_at);
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

aq_status aq__role_assignment_to_pb(aq__enc *e, const aq_role_assignment *x,
                                    pb_role_assignment **out, aq_error *err)
{
    pb_role_assignment *m = AQ__PB_NEW(e, pb_role_assignment,
                                       ACTIONQUEUE__SNAPSHOT__V1__SNAPSHOT_ROLE_ASSIGNMENT__INIT);
    pb_role *r = AQ__PB_NEW(e, pb_role, ACTIONQUEUE__SNAPSHOT__V1__ROLE__INIT);
    if (m == NULL || r == NULL) return aq__fail_oom(err);
    aq__uuid_to_pb(&x->actor_id, &m->has_actor_id, &m->actor_id);
    AQ_TRY(aq__enum_to_pb((int)x->role.kind, AQ_ROLE_CUSTOM, "role", "Role", err));
    if (x->role.kind == AQ_ROLE_CUSTOM) {
        r->role_case = ACTIONQUEUE__SNAPSHOT__V1__ROLE__ROLE_CUSTOM;
        AQ__IN(err, "role", aq__str_to_pb(&x->role.custom, "custom", &r->custom, err));
    } else {
        r->role_case = ACTIONQUEUE__SNAPSHOT__V1__ROLE__ROLE_BUILTIN;
        r->builtin = (Actionqueue__Snapshot__V1__Role__Builtin)x->role.kind;
    }
    AQ__IN(err, "role", aq__unknown_attach(e, &r->base, x->role.unknown, err));
    m->role = r;
    aq__uuid_to_pb(&x->tenant_id, &m->has_tenant_id, &m->tenant_id);
    m->has_assigned_at = 1;
    m->assigned_at = x->assigned_at;
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}

aq_status aq__capability_grant_from_pb(aq__dec *d, pb_capability_grant *m,
                                       aq_capability_grant *out, aq_error *err)
{
    AQ_TRY(aq__uuid_from_pb(m->has_actor_id, &m->actor_id, "actor_id", &out->actor_id, err));
    if (m->capability == NULL) return aq__missing(err, "capability");
    const pb_capability *c = m->capability;
    int kind;
    AQ__IN(err, "capability",
           named_from_pb(
               d, (int)c->capability_case,
               c->capability_case == ACTIONQUEUE__SNAPSHOT__V1__CAPABILITY__CAPABILITY_BUILTIN
                   ? (int)c->builtin
                   : 0,
               c->capability_case == ACTIONQUEUE__SNAPSHOT__V1__CAPABILITY__CAPABILITY_CUSTOM
                   ? c->custom
                   : NULL,
               AQ_CAPABILITY_CAN_CANCEL, AQ_CAPABILITY_CUSTOM, "Capability", &kind,
               &out->capability.custom, err));
    out->capability.kind = (aq_capability_kind)kind;
    AQ__IN(err, "capability",
           aq__unknown_capture(d, &c->base, NULL, 0, &out->capability.unknown, err));
    AQ_TRY(aq__uuid_from_pb(m->has_tenant_id, &m->tenant_id, "tenant_id", &out->tenant_id, err));
    AQ__REQ(m, granted_at, out->granted_at);
    AQ__OPT(m, revoked_at, out->revoked_at);
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

aq_status aq__capability_grant_to_pb(aq__enc *e, const aq_capability_grant *x,
                                     pb_capability_grant **out, aq_error *err)
{
    pb_capability_grant *m = AQ__PB_NEW(
        e, pb_capability_grant, ACTIONQUEUE__SNAPSHOT__V1__SNAPSHOT_CAPABILITY_GRANT__INIT);
    pb_capability *c = AQ__PB_NEW(e, pb_capability, ACTIONQUEUE__SNAPSHOT__V1__CAPABILITY__INIT);
    if (m == NULL || c == NULL) return aq__fail_oom(err);
    aq__uuid_to_pb(&x->actor_id, &m->has_actor_id, &m->actor_id);
    AQ_TRY(aq__enum_to_pb((int)x->capability.kind, AQ_CAPABILITY_CUSTOM, "capability",
                          "Capability", err));
    if (x->capability.kind == AQ_CAPABILITY_CUSTOM) {
        c->capability_case = ACTIONQUEUE__SNAPSHOT__V1__CAPABILITY__CAPABILITY_CUSTOM;
        AQ__IN(err, "capability",
               aq__str_to_pb(&x->capability.custom, "custom", &c->custom, err));
    } else {
        c->capability_case = ACTIONQUEUE__SNAPSHOT__V1__CAPABILITY__CAPABILITY_BUILTIN;
        c->builtin = (Actionqueue__Snapshot__V1__Capability__Builtin)x->capability.kind;
    }
    AQ__IN(err, "capability", aq__unknown_attach(e, &c->base, x->capability.unknown, err));
    m->capability = c;
    aq__uuid_to_pb(&x->tenant_id, &m->has_tenant_id, &m->tenant_id);
    m->has_granted_at = 1;
    m->granted_at = x->granted_at;
    m->has_revoked_at = x->revoked_at.present;
    m->revoked_at = x->revoked_at.value;
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}

/* ---- ledger entries ------------------------------------------------------------------------- */

aq_status aq__ledger_entry_from_pb(aq__dec *d, pb_ledger_entry *m, aq_ledger_entry *out,
                                   aq_error *err)
{
    AQ_TRY(aq__uuid_from_pb(m->has_entry_id, &m->entry_id, "entry_id", &out->entry_id, err));
    AQ_TRY(aq__uuid_from_pb(m->has_tenant_id, &m->tenant_id, "tenant_id", &out->tenant_id, err));
    AQ_TRY(aq__str_from_pb(d, m->ledger_key, "ledger_key", &out->ledger_key, err));
    AQ_TRY(aq__opt_uuid_from_pb(m->has_actor_id, &m->actor_id, "actor_id", &out->actor_id, err));
    if (!m->has_payload) return aq__missing(err, "payload");
    AQ_TRY(aq__bytes_from_pb(d, &m->payload, &out->payload, err));
    AQ__REQ(m, timestamp, out->timestamp);
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

aq_status aq__ledger_entry_to_pb(aq__enc *e, const aq_ledger_entry *x, pb_ledger_entry **out,
                                 aq_error *err)
{
    pb_ledger_entry *m =
        AQ__PB_NEW(e, pb_ledger_entry, ACTIONQUEUE__SNAPSHOT__V1__SNAPSHOT_LEDGER_ENTRY__INIT);
    if (m == NULL) return aq__fail_oom(err);
    aq__uuid_to_pb(&x->entry_id, &m->has_entry_id, &m->entry_id);
    aq__uuid_to_pb(&x->tenant_id, &m->has_tenant_id, &m->tenant_id);
    AQ_TRY(aq__str_to_pb(&x->ledger_key, "ledger_key", &m->ledger_key, err));
    aq__opt_uuid_to_pb(&x->actor_id, &m->has_actor_id, &m->actor_id);
    aq__bytes_to_pb(&x->payload, &m->has_payload, &m->payload);
    m->has_timestamp = 1;
    m->timestamp = x->timestamp;
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}
