/* SPDX-License-Identifier: Apache-2.0 */
/* Conversion of SnapshotTask and the TaskSpec it embeds (payload, run policy, constraints,
 * metadata). */
#include "convert.h"

/* ---- decoding ------------------------------------------------------------------------------- */

static aq_status payload_from_pb(aq__dec *d, const pb_task_payload *m, aq_task_payload *out,
                                 aq_error *err)
{
    if (!m->has_bytes) return aq__missing(err, "bytes");
    AQ_TRY(aq__bytes_from_pb(d, &m->bytes, &out->bytes, err));
    AQ_TRY(aq__opt_str_from_pb(d, m->content_type, "content_type", &out->content_type, err));
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

static aq_status run_policy_from_pb(aq__dec *d, const pb_run_policy *m, aq_run_policy *out,
                                    aq_error *err)
{
    const ProtobufCMessage *variant = NULL;
    switch (m->policy_case) {
    case ACTIONQUEUE__SNAPSHOT__V1__RUN_POLICY__POLICY_ONCE:
        out->kind = AQ_RUN_POLICY_ONCE;
        variant = &m->once->base;
        break;
    case ACTIONQUEUE__SNAPSHOT__V1__RUN_POLICY__POLICY_REPEAT: {
        const pb_run_policy_repeat *r = m->repeat;
        out->kind = AQ_RUN_POLICY_REPEAT;
        AQ__IN(err, "repeat", r->has_count ? AQ_OK : aq__missing(err, "count"));
        AQ__IN(err, "repeat",
               r->has_interval_secs ? AQ_OK : aq__missing(err, "interval_secs"));
        out->repeat.count = r->count;
        out->repeat.interval_secs = r->interval_secs;
        variant = &r->base;
        break;
    }
    case ACTIONQUEUE__SNAPSHOT__V1__RUN_POLICY__POLICY_CRON: {
        const pb_run_policy_cron *c = m->cron;
        out->kind = AQ_RUN_POLICY_CRON;
        AQ__IN(err, "cron", aq__str_from_pb(d, c->expression, "expression",
                                            &out->cron.expression, err));
        AQ__OPT(c, max_occurrences, out->cron.max_occurrences);
        variant = &c->base;
        break;
    }
    default:
        return aq__fail(err, AQ_EDECODE, AQ_ERR_ONEOF_UNSET,
                        "no variant of RunPolicy is set (Once, Repeat or Cron)");
    }
    aq__pb_child child = {(uint32_t)m->policy_case, variant};
    return aq__unknown_capture(d, &m->base, &child, 1, &out->unknown, err);
}

static aq_status constraints_from_pb(aq__dec *d, pb_task_constraints *m,
                                     aq_task_constraints *out, aq_error *err)
{
    AQ__REQ(m, max_attempts, out->max_attempts);
    AQ__OPT(m, timeout_secs, out->timeout_secs);
    AQ_TRY(aq__opt_str_from_pb(d, m->concurrency_key, "concurrency_key", &out->concurrency_key, err));

    /* Defaulted enums: absent (or from a newer schema) means the engine's default. */
    int v = AQ_HOLD_POLICY_HOLD_DURING_RETRY;
    AQ_TRY(aq__enum_demote_unknown(d, &m->base, 4, &m->has_concurrency_key_hold_policy,
                                   (int)m->concurrency_key_hold_policy,
                                   AQ_HOLD_POLICY_RELEASE_ON_RETRY, err));
    if (m->has_concurrency_key_hold_policy)
        AQ_TRY(aq__enum_from_pb(1, (int)m->concurrency_key_hold_policy,
                                AQ_HOLD_POLICY_RELEASE_ON_RETRY, "concurrency_key_hold_policy",
                                "ConcurrencyKeyHoldPolicy", &v, err));
    out->concurrency_key_hold_policy = (aq_hold_policy)v;

    v = AQ_SAFETY_LEVEL_PURE;
    AQ_TRY(aq__enum_demote_unknown(d, &m->base, 5, &m->has_safety_level, (int)m->safety_level,
                                   AQ_SAFETY_LEVEL_TRANSACTIONAL, err));
    if (m->has_safety_level)
        AQ_TRY(aq__enum_from_pb(1, (int)m->safety_level, AQ_SAFETY_LEVEL_TRANSACTIONAL,
                                "safety_level", "SafetyLevel", &v, err));
    out->safety_level = (aq_safety_level)v;

    const pb_string_list *caps = m->required_capabilities;
    out->required_capabilities.present = caps != NULL;
    if (caps != NULL)
        AQ_TRY(aq__str_list_from_pb(d, caps->n_values, caps->values, "required_capabilities",
                                    &out->required_capabilities.value, err));
    aq__pb_child child = {6, caps ? &caps->base : NULL};
    return aq__unknown_capture(d, &m->base, &child, 1, &out->unknown, err);
}

static aq_status metadata_from_pb(aq__dec *d, const pb_task_metadata *m, aq_task_metadata *out,
                                  aq_error *err)
{
    AQ_TRY(aq__str_list_from_pb(d, m->n_tags, m->tags, "tags", &out->tags, err));
    AQ__REQ(m, priority, out->priority);
    AQ_TRY(aq__opt_str_from_pb(d, m->description, "description", &out->description, err));
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

static aq_status task_spec_from_pb(aq__dec *d, pb_task_spec *m, aq_task_spec *out,
                                   aq_error *err)
{
    AQ_TRY(aq__uuid_from_pb(m->has_id, &m->id, "id", &out->id, err));
    if (m->payload == NULL) return aq__missing(err, "payload");
    AQ__IN(err, "payload", payload_from_pb(d, m->payload, &out->payload, err));
    if (m->run_policy == NULL) return aq__missing(err, "run_policy");
    AQ__IN(err, "run_policy", run_policy_from_pb(d, m->run_policy, &out->run_policy, err));
    if (m->constraints == NULL) return aq__missing(err, "constraints");
    AQ__IN(err, "constraints", constraints_from_pb(d, m->constraints, &out->constraints, err));
    if (m->metadata == NULL) return aq__missing(err, "metadata");
    AQ__IN(err, "metadata", metadata_from_pb(d, m->metadata, &out->metadata, err));
    AQ_TRY(aq__opt_uuid_from_pb(m->has_parent_task_id, &m->parent_task_id, "parent_task_id",
                                &out->parent_task_id, err));
    AQ_TRY(aq__opt_uuid_from_pb(m->has_tenant_id, &m->tenant_id, "tenant_id", &out->tenant_id,
                                err));
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

aq_status aq__task_from_pb(aq__dec *d, pb_task *m, aq_task *out, aq_error *err)
{
    if (m->task_spec == NULL) return aq__missing(err, "task_spec");
    AQ__IN(err, "task_spec", task_spec_from_pb(d, m->task_spec, &out->task_spec, err));
    AQ__REQ(m, created_at, out->created_at);
    AQ__OPT(m, updated_at, out->updated_at);
    AQ__OPT(m, canceled_at, out->canceled_at);
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

/* ---- encoding ------------------------------------------------------------------------------- */

static aq_status payload_to_pb(aq__enc *e, const aq_task_payload *x, pb_task_payload **out,
                               aq_error *err)
{
    pb_task_payload *m =
        AQ__PB_NEW(e, pb_task_payload, ACTIONQUEUE__SNAPSHOT__V1__TASK_PAYLOAD__INIT);
    if (m == NULL) return aq__fail_oom(err);
    aq__bytes_to_pb(&x->bytes, &m->has_bytes, &m->bytes);
    if (x->content_type.present)
        AQ_TRY(aq__str_to_pb(&x->content_type.value, "content_type", &m->content_type, err));
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}

static aq_status run_policy_to_pb(aq__enc *e, const aq_run_policy *x, pb_run_policy **out,
                                  aq_error *err)
{
    pb_run_policy *m = AQ__PB_NEW(e, pb_run_policy, ACTIONQUEUE__SNAPSHOT__V1__RUN_POLICY__INIT);
    if (m == NULL) return aq__fail_oom(err);
    switch (x->kind) {
    case AQ_RUN_POLICY_ONCE:
        m->policy_case = ACTIONQUEUE__SNAPSHOT__V1__RUN_POLICY__POLICY_ONCE;
        m->once = AQ__PB_NEW(e, pb_run_policy_once,
                             ACTIONQUEUE__SNAPSHOT__V1__RUN_POLICY__ONCE__INIT);
        if (m->once == NULL) return aq__fail_oom(err);
        break;
    case AQ_RUN_POLICY_REPEAT:
        m->policy_case = ACTIONQUEUE__SNAPSHOT__V1__RUN_POLICY__POLICY_REPEAT;
        m->repeat = AQ__PB_NEW(e, pb_run_policy_repeat,
                               ACTIONQUEUE__SNAPSHOT__V1__RUN_POLICY__REPEAT__INIT);
        if (m->repeat == NULL) return aq__fail_oom(err);
        m->repeat->has_count = 1;
        m->repeat->count = x->repeat.count;
        m->repeat->has_interval_secs = 1;
        m->repeat->interval_secs = x->repeat.interval_secs;
        break;
    case AQ_RUN_POLICY_CRON:
        m->policy_case = ACTIONQUEUE__SNAPSHOT__V1__RUN_POLICY__POLICY_CRON;
        m->cron = AQ__PB_NEW(e, pb_run_policy_cron,
                             ACTIONQUEUE__SNAPSHOT__V1__RUN_POLICY__CRON__INIT);
        if (m->cron == NULL) return aq__fail_oom(err);
        AQ__IN(err, "cron",
               aq__str_to_pb(&x->cron.expression, "expression", &m->cron->expression, err));
        m->cron->has_max_occurrences = x->cron.max_occurrences.present;
        m->cron->max_occurrences = x->cron.max_occurrences.value;
        break;
    default:
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ONEOF_UNSET,
                        "RunPolicy kind %d is not Once, Repeat or Cron", (int)x->kind);
    }
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}

static aq_status constraints_to_pb(aq__enc *e, const aq_task_constraints *x,
                                   pb_task_constraints **out, aq_error *err)
{
    pb_task_constraints *m =
        AQ__PB_NEW(e, pb_task_constraints, ACTIONQUEUE__SNAPSHOT__V1__TASK_CONSTRAINTS__INIT);
    if (m == NULL) return aq__fail_oom(err);
    m->has_max_attempts = 1;
    m->max_attempts = x->max_attempts;
    m->has_timeout_secs = x->timeout_secs.present;
    m->timeout_secs = x->timeout_secs.value;
    if (x->concurrency_key.present)
        AQ_TRY(aq__str_to_pb(&x->concurrency_key.value, "concurrency_key", &m->concurrency_key,
                             err));
    AQ_TRY(aq__enum_to_pb((int)x->concurrency_key_hold_policy, AQ_HOLD_POLICY_RELEASE_ON_RETRY,
                          "concurrency_key_hold_policy", "ConcurrencyKeyHoldPolicy", err));
    m->has_concurrency_key_hold_policy = 1;
    m->concurrency_key_hold_policy =
        (Actionqueue__Snapshot__V1__ConcurrencyKeyHoldPolicy)x->concurrency_key_hold_policy;
    AQ_TRY(aq__enum_to_pb((int)x->safety_level, AQ_SAFETY_LEVEL_TRANSACTIONAL, "safety_level",
                          "SafetyLevel", err));
    m->has_safety_level = 1;
    m->safety_level = (Actionqueue__Snapshot__V1__SafetyLevel)x->safety_level;
    if (x->required_capabilities.present) {
        pb_string_list *l =
            AQ__PB_NEW(e, pb_string_list, ACTIONQUEUE__SNAPSHOT__V1__STRING_LIST__INIT);
        if (l == NULL) return aq__fail_oom(err);
        AQ_TRY(aq__str_list_to_pb(e, &x->required_capabilities.value, "required_capabilities",
                                  &l->n_values, &l->values, err));
        m->required_capabilities = l;
    }
    AQ_TRY(aq__unknown_attach(e, &m->base, x->unknown, err));
    aq__enum_reconcile_kept(&m->base, 4, &m->has_concurrency_key_hold_policy,
                            x->concurrency_key_hold_policy == AQ_HOLD_POLICY_HOLD_DURING_RETRY);
    aq__enum_reconcile_kept(&m->base, 5, &m->has_safety_level,
                            x->safety_level == AQ_SAFETY_LEVEL_PURE);
    *out = m;
    return AQ_OK;
}

static aq_status metadata_to_pb(aq__enc *e, const aq_task_metadata *x, pb_task_metadata **out,
                                aq_error *err)
{
    pb_task_metadata *m =
        AQ__PB_NEW(e, pb_task_metadata, ACTIONQUEUE__SNAPSHOT__V1__TASK_METADATA__INIT);
    if (m == NULL) return aq__fail_oom(err);
    AQ_TRY(aq__str_list_to_pb(e, &x->tags, "tags", &m->n_tags, &m->tags, err));
    m->has_priority = 1;
    m->priority = x->priority;
    if (x->description.present)
        AQ_TRY(aq__str_to_pb(&x->description.value, "description", &m->description, err));
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}

static aq_status task_spec_to_pb(aq__enc *e, const aq_task_spec *x, pb_task_spec **out,
                                 aq_error *err)
{
    pb_task_spec *m = AQ__PB_NEW(e, pb_task_spec, ACTIONQUEUE__SNAPSHOT__V1__TASK_SPEC__INIT);
    if (m == NULL) return aq__fail_oom(err);
    aq__uuid_to_pb(&x->id, &m->has_id, &m->id);
    AQ__IN(err, "payload", payload_to_pb(e, &x->payload, &m->payload, err));
    AQ__IN(err, "run_policy", run_policy_to_pb(e, &x->run_policy, &m->run_policy, err));
    AQ__IN(err, "constraints", constraints_to_pb(e, &x->constraints, &m->constraints, err));
    AQ__IN(err, "metadata", metadata_to_pb(e, &x->metadata, &m->metadata, err));
    aq__opt_uuid_to_pb(&x->parent_task_id, &m->has_parent_task_id, &m->parent_task_id);
    aq__opt_uuid_to_pb(&x->tenant_id, &m->has_tenant_id, &m->tenant_id);
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}

aq_status aq__task_to_pb(aq__enc *e, const aq_task *x, pb_task **out, aq_error *err)
{
    pb_task *m = AQ__PB_NEW(e, pb_task, ACTIONQUEUE__SNAPSHOT__V1__SNAPSHOT_TASK__INIT);
    if (m == NULL) return aq__fail_oom(err);
    AQ__IN(err, "task_spec", task_spec_to_pb(e, &x->task_spec, &m->task_spec, err));
    m->has_created_at = 1;
    m->created_at = x->created_at;
    m->has_updated_at = x->updated_at.present;
    m->updated_at = x->updated_at.value;
    m->has_canceled_at = x->canceled_at.present;
    m->canceled_at = x->canceled_at.value;
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}
