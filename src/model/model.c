/* SPDX-License-Identifier: Apache-2.0 */
/* Enum spellings (the engine's JSON variant names, from the schema) and the run-state
 * transition table. */
#include "aqsnap/model.h"
#include "aqsnap/schema_facts.h"

#define NAME(table, v) ((unsigned)(v) < sizeof(table) / sizeof(table[0]) && table[v] ? table[v] : "?")

/* model.h numbers the constants as the schema does; checked here, where both are in sight. */
#define SAME_NUMBER(e, constant, number, json, since)                                             \
    _Static_assert((constant) == (number), #constant " is not the schema's number");
AQ_ENUM_run_state(SAME_NUMBER)
AQ_ENUM_attempt_result(SAME_NUMBER)
AQ_ENUM_budget_dimension(SAME_NUMBER)
AQ_ENUM_safety_level(SAME_NUMBER)
AQ_ENUM_hold_policy(SAME_NUMBER)
AQ_ENUM_role_kind(SAME_NUMBER)
AQ_ENUM_capability_kind(SAME_NUMBER)
_Static_assert(AQ_RUN_STATE_COUNT == AQ_ENUM_run_state_MAX + 1, "AQ_RUN_STATE_COUNT");
_Static_assert(AQ_ROLE_CUSTOM == AQ_ENUM_role_kind_MAX + 1, "Custom follows the built-in roles");
_Static_assert(AQ_CAPABILITY_CUSTOM == AQ_ENUM_capability_kind_MAX + 1,
               "Custom follows the built-in capabilities");
#define SAME_CASE(rec, oneof, case_, constant, pb_field, variant, json)                           \
    _Static_assert((constant) == (case_), #constant " is not the oneof case's number");
AQ_UNION_run_policy(SAME_CASE)
AQ_UNION_event_filter(SAME_CASE)
#undef SAME_CASE
#undef SAME_NUMBER

#define SPELLING(e, constant, number, json, since) [number] = json,
#define VARIANT_SPELLING(rec, oneof, case_, constant, pb_field, variant, json) [case_] = json,

const char *aq_run_state_name(aq_run_state state)
{
    static const char *const names[] = {AQ_ENUM_run_state(SPELLING)};
    return NAME(names, state);
}

const char *aq_attempt_result_name(aq_attempt_result result)
{
    static const char *const names[] = {AQ_ENUM_attempt_result(SPELLING)};
    return NAME(names, result);
}

const char *aq_budget_dimension_name(aq_budget_dimension dimension)
{
    static const char *const names[] = {AQ_ENUM_budget_dimension(SPELLING)};
    return NAME(names, dimension);
}

const char *aq_safety_level_name(aq_safety_level level)
{
    static const char *const names[] = {AQ_ENUM_safety_level(SPELLING)};
    return NAME(names, level);
}

const char *aq_hold_policy_name(aq_hold_policy policy)
{
    static const char *const names[] = {AQ_ENUM_hold_policy(SPELLING)};
    return NAME(names, policy);
}

const char *aq_role_kind_name(aq_role_kind kind)
{
    static const char *const names[] = {AQ_ENUM_role_kind(SPELLING)[AQ_ROLE_CUSTOM] = "Custom"};
    return NAME(names, kind);
}

const char *aq_capability_kind_name(aq_capability_kind kind)
{
    static const char *const names[] = {
        AQ_ENUM_capability_kind(SPELLING)[AQ_CAPABILITY_CUSTOM] = "Custom"};
    return NAME(names, kind);
}

const char *aq_run_policy_kind_name(aq_run_policy_kind kind)
{
    static const char *const names[] = {AQ_UNION_run_policy(VARIANT_SPELLING)};
    return NAME(names, kind);
}

const char *aq_event_filter_kind_name(aq_event_filter_kind kind)
{
    static const char *const names[] = {AQ_UNION_event_filter(VARIANT_SPELLING)};
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
