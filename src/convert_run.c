/* SPDX-License-Identifier: Apache-2.0 */
/* Conversion of SnapshotRun: the RunInstance it embeds, its state and attempt history and its
 * lease. Runs are the most numerous records, so this is the hot path of the codec. */
#include "convert.h"

#define RUN_STATE_MAX AQ_RUN_STATE_CANCELED
#define ATTEMPT_RESULT_MAX AQ_ATTEMPT_RESULT_SUSPENDED

/* ---- decoding ------------------------------------------------------------------------------- */

static aq_status run_instance_from_pb(aq__dec *d, const pb_run_instance *m,
                                      aq_run_instance *out, aq_error *err)
{
    int state;
    AQ_TRY(aq__uuid_from_pb(m->has_id, &m->id, "id", &out->id, err));
    AQ_TRY(aq__uuid_from_pb(m->has_task_id, &m->task_id, "task_id", &out->task_id, err));
    AQ_TRY(aq__enum_from_pb(m->has_state, (int)m->state, RUN_STATE_MAX, "state", "RunState",
                            &state, err));
    out->state = (aq_run_state)state;
    AQ_TRY(aq__opt_uuid_from_pb(m->has_current_attempt_id, &m->current_attempt_id,
                                "current_attempt_id", &out->current_attempt_id, err));
    AQ__REQ(m, attempt_count, out->attempt_count);
    AQ__REQ(m, created_at, out->created_at);
    AQ__REQ(m, scheduled_at, out->scheduled_at);
    AQ__REQ(m, effective_priority, out->effective_priority);
    out->last_state_change_at = m->has_last_state_change_at ? m->last_state_change_at : 0;
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

static aq_status history_entry_from_pb(aq__dec *d, const pb_history_entry *m,
                                       aq_history_entry *out, aq_error *err)
{
    int state;
    out->from.present = m->has_from_state != 0;
    if (m->has_from_state) {
        AQ_TRY(aq__enum_from_pb(1, (int)m->from_state, RUN_STATE_MAX, "from_state", "RunState",
                                &state, err));
        out->from.value = (aq_run_state)state;
    }
    AQ_TRY(aq__enum_from_pb(m->has_to_state, (int)m->to_state, RUN_STATE_MAX, "to_state",
                            "RunState", &state, err));
    out->to = (aq_run_state)state;
    AQ__REQ(m, timestamp, out->timestamp);
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

static aq_status attempt_from_pb(aq__dec *d, const pb_attempt *m, aq_attempt *out,
                                 aq_error *err)
{
    AQ_TRY(aq__uuid_from_pb(m->has_attempt_id, &m->attempt_id, "attempt_id", &out->attempt_id,
                            err));
    AQ__REQ(m, started_at, out->started_at);
    AQ__OPT(m, finished_at, out->finished_at);
    out->result.present = m->has_result != 0;
    if (m->has_result) {
        int result;
        AQ_TRY(aq__enum_from_pb(1, (int)m->result, ATTEMPT_RESULT_MAX, "result",
                                "AttemptResultKind", &result, err));
        out->result.value = (aq_attempt_result)result;
    }
    AQ_TRY(aq__opt_str_from_pb(d, m->error, "error", &out->error, err));
    out->output.present = m->has_output != 0;
    if (m->has_output) AQ_TRY(aq__bytes_from_pb(d, &m->output, &out->output.value, err));
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

static aq_status lease_from_pb(aq__dec *d, const pb_lease *m, aq_lease *out, aq_error *err)
{
    AQ_TRY(aq__str_from_pb(d, m->owner, "owner", &out->owner, err));
    AQ__REQ(m, expiry, out->expiry);
    AQ__REQ(m, acquired_at, out->acquired_at);
    AQ__REQ(m, updated_at, out->updated_at);
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

aq_status aq__run_from_pb(aq__dec *d, pb_run *m, aq_run *out, aq_error *err)
{
    if (m->run_instance == NULL) return aq__missing(err, "run_instance");
    AQ__IN(err, "run_instance", run_instance_from_pb(d, m->run_instance, &out->run_instance, err));

    out->state_history.items = aq__dec_array(d, m->n_state_history, sizeof(aq_history_entry));
    if (out->state_history.items == NULL) return aq__fail_oom(err);
    out->state_history.count = m->n_state_history;
    for (size_t i = 0; i < m->n_state_history; i++)
        AQ__IN_INDEX(err, "state_history", i,
                     history_entry_from_pb(d, m->state_history[i],
                                           &out->state_history.items[i], err));

    out->attempts.items = aq__dec_array(d, m->n_attempts, sizeof(aq_attempt));
    if (out->attempts.items == NULL) return aq__fail_oom(err);
    out->attempts.count = m->n_attempts;
    for (size_t i = 0; i < m->n_attempts; i++)
        AQ__IN_INDEX(err, "attempts", i,
                     attempt_from_pb(d, m->attempts[i], &out->attempts.items[i], err));

    out->lease = NULL;
    if (m->lease != NULL) {
        out->lease = aq__dec_array(d, 1, sizeof *out->lease);
        if (out->lease == NULL) return aq__fail_oom(err);
        AQ__IN(err, "lease", lease_from_pb(d, m->lease, out->lease, err));
    }
    return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);
}

/* ---- encoding ------------------------------------------------------------------------------- */

static aq_status run_instance_to_pb(aq__enc *e, const aq_run_instance *x, pb_run_instance **out,
                                    aq_error *err)
{
    pb_run_instance *m =
        AQ__PB_NEW(e, pb_run_instance, ACTIONQUEUE__SNAPSHOT__V1__RUN_INSTANCE__INIT);
    if (m == NULL) return aq__fail_oom(err);
    aq__uuid_to_pb(&x->id, &m->has_id, &m->id);
    aq__uuid_to_pb(&x->task_id, &m->has_task_id, &m->task_id);
    AQ_TRY(aq__enum_to_pb((int)x->state, RUN_STATE_MAX, "state", "RunState", err));
    m->has_state = 1;
    m->state = (Actionqueue__Snapshot__V1__RunState)x->state;
    aq__opt_uuid_to_pb(&x->current_attempt_id, &m->has_current_attempt_id,
                       &m->current_attempt_id);
    m->has_attempt_count = 1;
    m->attempt_count = x->attempt_count;
    m->has_created_at = 1;
    m->created_at = x->created_at;
    m->has_scheduled_at = 1;
    m->scheduled_at = x->scheduled_at;
    m->has_effective_priority = 1;
    m->effective_priority = x->effective_priority;
    m->has_last_state_change_at = 1;
    m->last_state_change_at = x->last_state_change_at;
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}

static aq_status history_entry_to_pb(aq__enc *e, const aq_history_entry *x,
                                     pb_history_entry **out, aq_error *err)
{
    pb_history_entry *m = AQ__PB_NEW(
        e, pb_history_entry, ACTIONQUEUE__SNAPSHOT__V1__SNAPSHOT_RUN_STATE_HISTORY_ENTRY__INIT);
    if (m == NULL) return aq__fail_oom(err);
    if (x->from.present) {
        AQ_TRY(aq__enum_to_pb((int)x->from.value, RUN_STATE_MAX, "from", "RunState", err));
        m->has_from_state = 1;
        m->from_state = (Actionqueue__Snapshot__V1__RunState)x->from.value;
    }
    AQ_TRY(aq__enum_to_pb((int)x->to, RUN_STATE_MAX, "to", "RunState", err));
    m->has_to_state = 1;
    m->to_state = (Actionqueue__Snapshot__V1__RunState)x->to;
    m->has_timestamp = 1;
    m->timestamp = x->timestamp;
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}

static aq_status attempt_to_pb(aq__enc *e, const aq_attempt *x, pb_attempt **out, aq_error *err)
{
    pb_attempt *m =
        AQ__PB_NEW(e, pb_attempt, ACTIONQUEUE__SNAPSHOT__V1__SNAPSHOT_ATTEMPT_HISTORY_ENTRY__INIT);
    if (m == NULL) return aq__fail_oom(err);
    aq__uuid_to_pb(&x->attempt_id, &m->has_attempt_id, &m->attempt_id);
    m->has_started_at = 1;
    m->started_at = x->started_at;
    m->has_finished_at = x->finished_at.present;
    m->finished_at = x->finished_at.value;
    if (x->result.present) {
        AQ_TRY(aq__enum_to_pb((int)x->result.value, ATTEMPT_RESULT_MAX, "result",
                              "AttemptResultKind", err));
        m->has_result = 1;
        m->result = (Actionqueue__Snapshot__V1__AttemptResultKind)x->result.value;
    }
    if (x->error.present) AQ_TRY(aq__str_to_pb(&x->error.value, "error", &m->error, err));
    if (x->output.present) aq__bytes_to_pb(&x->output.value, &m->has_output, &m->output);
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}

static aq_status lease_to_pb(aq__enc *e, const aq_lease *x, pb_lease **out, aq_error *err)
{
    pb_lease *m = AQ__PB_NEW(e, pb_lease, ACTIONQUEUE__SNAPSHOT__V1__SNAPSHOT_LEASE_METADATA__INIT);
    if (m == NULL) return aq__fail_oom(err);
    AQ_TRY(aq__str_to_pb(&x->owner, "owner", &m->owner, err));
    m->has_expiry = 1;
    m->expiry = x->expiry;
    m->has_acquired_at = 1;
    m->acquired_at = x->acquired_at;
    m->has_updated_at = 1;
    m->updated_at = x->updated_at;
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}

aq_status aq__run_to_pb(aq__enc *e, const aq_run *x, pb_run **out, aq_error *err)
{
    pb_run *m = AQ__PB_NEW(e, pb_run, ACTIONQUEUE__SNAPSHOT__V1__SNAPSHOT_RUN__INIT);
    if (m == NULL) return aq__fail_oom(err);
    AQ__IN(err, "run_instance", run_instance_to_pb(e, &x->run_instance, &m->run_instance, err));

    size_t nh = x->state_history.count, na = x->attempts.count;
    if (nh > 0) {
        m->state_history = aq__arena_alloc(e->scratch, nh * sizeof *m->state_history);
        if (m->state_history == NULL) return aq__fail_oom(err);
        for (size_t i = 0; i < nh; i++)
            AQ__IN_INDEX(err, "state_history", i,
                         history_entry_to_pb(e, &x->state_history.items[i],
                                             &m->state_history[i], err));
        m->n_state_history = nh;
    }
    if (na > 0) {
        m->attempts = aq__arena_alloc(e->scratch, na * sizeof *m->attempts);
        if (m->attempts == NULL) return aq__fail_oom(err);
        for (size_t i = 0; i < na; i++)
            AQ__IN_INDEX(err, "attempts", i,
                         attempt_to_pb(e, &x->attempts.items[i], &m->attempts[i], err));
        m->n_attempts = na;
    }
    if (x->lease != NULL) AQ__IN(err, "lease", lease_to_pb(e, x->lease, &m->lease, err));
    *out = m;
    return aq__unknown_attach(e, &m->base, x->unknown, err);
}
