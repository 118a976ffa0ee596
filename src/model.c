/* SPDX-License-Identifier: Apache-2.0 */
/* Enum spellings (the engine's JSON variant names) and the run-state transition table. */
#include "aqsnap/model.h"

#define NAME(table, v) ((unsigned)(v) < sizeof(table) / sizeof(table[0]) && table[v] ? table[v] : "?")

const char *aq_run_state_name(aq_run_state state)
{
    static const char *const names[] = {NULL,        "Scheduled", "Ready",     "Leased",
                                        "Running",   "RetryWait", "Suspended", "Completed",
                                        "Failed",    "Canceled"};
    return NAME(names, state);
}

const char *aq_attempt_result_name(aq_attempt_result result)
{
    static const char *const names[] = {NULL, "Success", "Failure", "Timeout", "Suspended"};
    return NAME(names, result);
}

const char *aq_budget_dimension_name(aq_budget_dimension dimension)
{
    static const char *const names[] = {NULL, "Token", "CostCents", "TimeSecs"};
    return NAME(names, dimension);
}

const char *aq_safety_level_name(aq_safety_level level)
{
    static const char *const names[] = {NULL, "Pure", "Idempotent", "Transactional"};
    return NAME(names, level);
}

const char *aq_hold_policy_name(aq_hold_policy policy)
{
    static const char *const names[] = {NULL, "HoldDuringRetry", "ReleaseOnRetry"};
    return NAME(names, policy);
}

const char *aq_role_kind_name(aq_role_kind kind)
{
    static const char *const names[] = {NULL, "Operator", "Auditor", "Gatekeeper", "Custom"};
    return NAME(names, kind);
}

const char *aq_capability_kind_name(aq_capability_kind kind)
{
    static const char *const names[] = {NULL,         "CanSubmit", "CanExecute", "CanReview",
                                        "CanApprove", "CanCancel", "Custom"};
    return NAME(names, kind);
}

const char *aq_run_policy_kind_name(aq_run_policy_kind kind)
{
    static const char *const names[] = {NULL, "Once", "Repeat", "Cron"};
    return NAME(names, kind);
}

const char *aq_event_filter_kind_name(aq_event_filter_kind kind)
{
    static const char *const names[] = {NULL, "TaskCompleted", "RunStateChanged",
                                        "BudgetThreshold", "Custom"};
    return NAME(names, kind);
}

bool aq_run_state_is_terminal(aq_run_state state)
{
    return state == AQ_RUN_STATE_COMPLETED || state == AQ_RUN_STATE_FAILED ||
           state == AQ_RUN_STATE_CANCELED;
}

bool aq_run_state_transition_ok(aq_run_state from, aq_run_state to)
{
#define BIT(s) (1u << (s))
    /* Row: the states a run may move to from the indexed state (spec section 8). */
    static const unsigned legal[AQ_RUN_STATE_COUNT] = {
        [AQ_RUN_STATE_SCHEDULED] = BIT(AQ_RUN_STATE_READY) | BIT(AQ_RUN_STATE_CANCELED),
        [AQ_RUN_STATE_READY] = BIT(AQ_RUN_STATE_LEASED) | BIT(AQ_RUN_STATE_CANCELED),
        [AQ_RUN_STATE_LEASED] =
            BIT(AQ_RUN_STATE_RUNNING) | BIT(AQ_RUN_STATE_READY) | BIT(AQ_RUN_STATE_CANCELED),
        [AQ_RUN_STATE_RUNNING] = BIT(AQ_RUN_STATE_RETRY_WAIT) | BIT(AQ_RUN_STATE_SUSPENDED) |
                                 BIT(AQ_RUN_STATE_COMPLETED) | BIT(AQ_RUN_STATE_FAILED) |
                                 BIT(AQ_RUN_STATE_CANCELED),
        [AQ_RUN_STATE_RETRY_WAIT] =
            BIT(AQ_RUN_STATE_READY) | BIT(AQ_RUN_STATE_FAILED) | BIT(AQ_RUN_STATE_CANCELED),
        [AQ_RUN_STATE_SUSPENDED] = BIT(AQ_RUN_STATE_READY) | BIT(AQ_RUN_STATE_CANCELED),
    };
#undef BIT
    if ((unsigned)from >= AQ_RUN_STATE_COUNT || (unsigned)to >= AQ_RUN_STATE_COUNT) return false;
    return (legal[from] >> to) & 1u;
}
