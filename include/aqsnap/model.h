/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file aqsnap/model.h
 * Native C structs for every record of an ActionQueue snapshot (actionqueue-storage 0.1.2).
 *
 * Conventions, uniform across every record:
 * - Ids are ::aq_uuid (16 bytes). Timestamps are u64 Unix seconds.
 * - Strings are ::aq_str: `len` bytes of UTF-8 at `ptr`, followed by a NUL that `len` does not
 *   count (strings may themselves contain NUL bytes, as Rust strings may). Byte arrays are
 *   ::aq_bytes. An empty string or byte array may have `ptr == NULL` only when `len == 0`.
 * - Rust `Option<scalar>` is an `aq_opt_*` with a `present` flag; `Option<record>` is a pointer
 *   that is NULL when absent.
 * - Lists are `{T *items; size_t count;}`.
 * - Enums start with an `*_UNSPECIFIED = 0` value that is never valid; their numbers equal the
 *   protobuf schema's.
 * - `unknown` (on every record) carries protobuf fields from a newer schema that this version
 *   does not know, so that loading and writing a snapshot loses nothing. It is opaque, NULL when
 *   there are none, and always NULL for JSON input. Copy it along with the record.
 *
 * Ownership: a snapshot from aq_snapshot_new(), aq_snapshot_decode() or aq_snapshot_load() owns
 * everything reachable from it through one arena, released by one aq_snapshot_free(). Callers
 * may modify such a snapshot in place, and may point its strings, byte arrays and lists at
 * memory of their own as long as that memory outlives the snapshot. Functions that only read a
 * snapshot (encode, validate, write) also accept an ::aq_snapshot the caller filled itself,
 * for instance on the stack, with `arena == NULL`.
 */
#ifndef AQSNAP_MODEL_H
#define AQSNAP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aqsnap/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Value types
 * ------------------------------------------------------------------------------------------- */

/** A UUID in its 16 big-endian bytes (the order of its hyphenated text form). */
typedef struct aq_uuid {
    uint8_t bytes[16];
} aq_uuid;

/** UTF-8 text of `len` bytes, NUL-terminated after the last byte. */
typedef struct aq_str {
    const char *ptr;
    size_t len;
} aq_str;

/** Opaque bytes. */
typedef struct aq_bytes {
    const uint8_t *ptr;
    size_t len;
} aq_bytes;

typedef struct aq_opt_u32 {
    bool present;
    uint32_t value;
} aq_opt_u32;

typedef struct aq_opt_u64 {
    bool present;
    uint64_t value;
} aq_opt_u64;

typedef struct aq_opt_uuid {
    bool present;
    aq_uuid value;
} aq_opt_uuid;

typedef struct aq_opt_str {
    bool present;
    aq_str value;
} aq_opt_str;

typedef struct aq_opt_bytes {
    bool present;
    aq_bytes value;
} aq_opt_bytes;

typedef struct aq_str_list {
    aq_str *items;
    size_t count;
} aq_str_list;

typedef struct aq_opt_str_list {
    bool present;
    aq_str_list value;
} aq_opt_str_list;

typedef struct aq_uuid_list {
    aq_uuid *items;
    size_t count;
} aq_uuid_list;

/** Protobuf fields of a newer schema, kept verbatim; see the file comment. Opaque. */
typedef struct aq_unknown aq_unknown;

/* ---------------------------------------------------------------------------------------------
 * Enumerations (numbers match proto/actionqueue/snapshot/v1/core.proto)
 * ------------------------------------------------------------------------------------------- */

typedef enum aq_run_state {
    AQ_RUN_STATE_UNSPECIFIED = 0,
    AQ_RUN_STATE_SCHEDULED = 1,
    AQ_RUN_STATE_READY = 2,
    AQ_RUN_STATE_LEASED = 3,
    AQ_RUN_STATE_RUNNING = 4,
    AQ_RUN_STATE_RETRY_WAIT = 5,
    AQ_RUN_STATE_SUSPENDED = 6, /**< schema v7 and later */
    AQ_RUN_STATE_COMPLETED = 7,
    AQ_RUN_STATE_FAILED = 8,
    AQ_RUN_STATE_CANCELED = 9
} aq_run_state;
#define AQ_RUN_STATE_COUNT 10

typedef struct aq_opt_run_state {
    bool present;
    aq_run_state value;
} aq_opt_run_state;

typedef enum aq_attempt_result {
    AQ_ATTEMPT_RESULT_UNSPECIFIED = 0,
    AQ_ATTEMPT_RESULT_SUCCESS = 1,
    AQ_ATTEMPT_RESULT_FAILURE = 2,
    AQ_ATTEMPT_RESULT_TIMEOUT = 3,
    AQ_ATTEMPT_RESULT_SUSPENDED = 4 /**< schema v7 and later */
} aq_attempt_result;

typedef struct aq_opt_attempt_result {
    bool present;
    aq_attempt_result value;
} aq_opt_attempt_result;

typedef enum aq_budget_dimension {
    AQ_BUDGET_DIMENSION_UNSPECIFIED = 0,
    AQ_BUDGET_DIMENSION_TOKEN = 1,
    AQ_BUDGET_DIMENSION_COST_CENTS = 2,
    AQ_BUDGET_DIMENSION_TIME_SECS = 3
} aq_budget_dimension;

typedef enum aq_safety_level {
    AQ_SAFETY_LEVEL_UNSPECIFIED = 0,
    AQ_SAFETY_LEVEL_PURE = 1, /**< the engine's default */
    AQ_SAFETY_LEVEL_IDEMPOTENT = 2,
    AQ_SAFETY_LEVEL_TRANSACTIONAL = 3
} aq_safety_level;

/** The engine's ConcurrencyKeyHoldPolicy. */
typedef enum aq_hold_policy {
    AQ_HOLD_POLICY_UNSPECIFIED = 0,
    AQ_HOLD_POLICY_HOLD_DURING_RETRY = 1, /**< the engine's default */
    AQ_HOLD_POLICY_RELEASE_ON_RETRY = 2
} aq_hold_policy;

/* ---------------------------------------------------------------------------------------------
 * Core records (actionqueue-core)
 * ------------------------------------------------------------------------------------------- */

typedef struct aq_task_payload {
    aq_bytes bytes;
    aq_opt_str content_type;
    const aq_unknown *unknown;
} aq_task_payload;

typedef enum aq_run_policy_kind {
    AQ_RUN_POLICY_UNSPECIFIED = 0,
    AQ_RUN_POLICY_ONCE = 1,
    AQ_RUN_POLICY_REPEAT = 2,
    AQ_RUN_POLICY_CRON = 3 /**< engines built with the workflow feature */
} aq_run_policy_kind;

/** RunPolicy: `kind` says which of `repeat` / `cron` is meaningful (neither for ONCE). */
typedef struct aq_run_policy {
    aq_run_policy_kind kind;
    struct {
        uint32_t count;         /**< >= 1 */
        uint64_t interval_secs; /**< >= 1 */
    } repeat;
    struct {
        aq_str expression;
        aq_opt_u32 max_occurrences; /**< absent = unbounded; when present >= 1 */
    } cron;
    const aq_unknown *unknown;
} aq_run_policy;

typedef struct aq_task_constraints {
    uint32_t max_attempts;    /**< >= 1 */
    aq_opt_u64 timeout_secs;  /**< never Some(0) */
    aq_opt_str concurrency_key; /**< never Some("") */
    aq_hold_policy concurrency_key_hold_policy; /**< defaulted: HOLD_DURING_RETRY */
    aq_safety_level safety_level;               /**< defaulted: PURE */
    aq_opt_str_list required_capabilities;      /**< v5+; when present non-empty, no "" */
    const aq_unknown *unknown;
} aq_task_constraints;

typedef struct aq_task_metadata {
    aq_str_list tags;
    int32_t priority;
    aq_opt_str description;
    const aq_unknown *unknown;
} aq_task_metadata;

typedef struct aq_task_spec {
    aq_uuid id; /**< never nil */
    aq_task_payload payload;
    aq_run_policy run_policy;
    aq_task_constraints constraints;
    aq_task_metadata metadata;
    aq_opt_uuid parent_task_id; /**< defaulted; v5+ */
    aq_opt_uuid tenant_id;      /**< defaulted; v8+ */
    const aq_unknown *unknown;
} aq_task_spec;

typedef struct aq_run_instance {
    aq_uuid id;      /**< never nil */
    aq_uuid task_id; /**< never nil */
    aq_run_state state;
    aq_opt_uuid current_attempt_id; /**< only while RUNNING */
    uint32_t attempt_count;
    uint64_t created_at;
    uint64_t scheduled_at;
    int32_t effective_priority;
    uint64_t last_state_change_at; /**< defaulted: 0 */
    const aq_unknown *unknown;
} aq_run_instance;

typedef enum aq_event_filter_kind {
    AQ_EVENT_FILTER_UNSPECIFIED = 0,
    AQ_EVENT_FILTER_TASK_COMPLETED = 1,    /**< uses task_id */
    AQ_EVENT_FILTER_RUN_STATE_CHANGED = 2, /**< uses task_id, state */
    AQ_EVENT_FILTER_BUDGET_THRESHOLD = 3,  /**< uses task_id, dimension, threshold_pct */
    AQ_EVENT_FILTER_CUSTOM = 4             /**< uses key */
} aq_event_filter_kind;

/** EventFilter: `kind` says which members are meaningful. */
typedef struct aq_event_filter {
    aq_event_filter_kind kind;
    aq_uuid task_id;
    aq_run_state state;
    aq_budget_dimension dimension;
    uint8_t threshold_pct; /**< the engine creates 0..=100 but loads any u8 */
    aq_str key;
    const aq_unknown *unknown;
} aq_event_filter;

typedef enum aq_role_kind {
    AQ_ROLE_UNSPECIFIED = 0,
    AQ_ROLE_OPERATOR = 1,
    AQ_ROLE_AUDITOR = 2,
    AQ_ROLE_GATEKEEPER = 3,
    AQ_ROLE_CUSTOM = 4 /**< uses `custom` (non-empty) */
} aq_role_kind;

typedef struct aq_role {
    aq_role_kind kind;
    aq_str custom;
    const aq_unknown *unknown;
} aq_role;

typedef enum aq_capability_kind {
    AQ_CAPABILITY_UNSPECIFIED = 0,
    AQ_CAPABILITY_CAN_SUBMIT = 1,
    AQ_CAPABILITY_CAN_EXECUTE = 2,
    AQ_CAPABILITY_CAN_REVIEW = 3,
    AQ_CAPABILITY_CAN_APPROVE = 4,
    AQ_CAPABILITY_CAN_CANCEL = 5,
    AQ_CAPABILITY_CUSTOM = 6 /**< uses `custom` (non-empty) */
} aq_capability_kind;

typedef struct aq_capability {
    aq_capability_kind kind;
    aq_str custom;
    const aq_unknown *unknown;
} aq_capability;

/* ---------------------------------------------------------------------------------------------
 * Snapshot records (actionqueue-storage snapshot model)
 * ------------------------------------------------------------------------------------------- */

/** SnapshotMetadata. */
typedef struct aq_metadata {
    uint32_t schema_version; /**< AQ_SCHEMA_MIN..AQ_SCHEMA_MAX */
    uint64_t wal_sequence;
    uint64_t task_count; /**< equals tasks.count */
    uint64_t run_count;  /**< equals runs.count */
    const aq_unknown *unknown;
} aq_metadata;

/** SnapshotTask. */
typedef struct aq_task {
    aq_task_spec task_spec;
    uint64_t created_at;
    aq_opt_u64 updated_at;
    aq_opt_u64 canceled_at; /**< defaulted; >= created_at */
    const aq_unknown *unknown;
} aq_task;

/** SnapshotRunStateHistoryEntry. */
typedef struct aq_history_entry {
    aq_opt_run_state from; /**< absent for the first entry */
    aq_run_state to;
    uint64_t timestamp;
    const aq_unknown *unknown;
} aq_history_entry;

/** SnapshotAttemptHistoryEntry. */
typedef struct aq_attempt {
    aq_uuid attempt_id;
    uint64_t started_at;
    aq_opt_u64 finished_at;
    aq_opt_attempt_result result;
    aq_opt_str error;
    aq_opt_bytes output; /**< defaulted; v5+ */
    const aq_unknown *unknown;
} aq_attempt;

/** SnapshotLeaseMetadata. */
typedef struct aq_lease {
    aq_str owner;
    uint64_t expiry;
    uint64_t acquired_at;
    uint64_t updated_at;
    const aq_unknown *unknown;
} aq_lease;

typedef struct aq_history_list {
    aq_history_entry *items;
    size_t count;
} aq_history_list;

typedef struct aq_attempt_list {
    aq_attempt *items;
    size_t count;
} aq_attempt_list;

/** SnapshotRun. */
typedef struct aq_run {
    aq_run_instance run_instance;
    aq_history_list state_history;
    aq_attempt_list attempts;
    aq_lease *lease; /**< NULL when the run holds no lease */
    const aq_unknown *unknown;
} aq_run;

/** SnapshotEngineControl (defaulted as a whole: not paused, no timestamps). */
typedef struct aq_engine_control {
    bool paused;
    aq_opt_u64 paused_at;
    aq_opt_u64 resumed_at;
    const aq_unknown *unknown;
} aq_engine_control;

/** SnapshotDependencyDeclaration (v6+). */
typedef struct aq_dependency {
    aq_uuid task_id;
    aq_uuid_list depends_on;
    uint64_t declared_at;
    const aq_unknown *unknown;
} aq_dependency;

/** SnapshotBudget (v7+). */
typedef struct aq_budget {
    aq_uuid task_id;
    aq_budget_dimension dimension;
    uint64_t limit;
    uint64_t consumed;
    uint64_t allocated_at;
    bool exhausted;
    const aq_unknown *unknown;
} aq_budget;

/** SnapshotSubscription (v7+). */
typedef struct aq_subscription {
    aq_uuid subscription_id;
    aq_uuid task_id;
    aq_event_filter filter;
    uint64_t created_at;
    aq_opt_u64 triggered_at;
    aq_opt_u64 canceled_at;
    const aq_unknown *unknown;
} aq_subscription;

/** SnapshotActor (v8+). */
typedef struct aq_actor {
    aq_uuid actor_id;
    aq_str identity;
    aq_str_list capabilities;
    aq_opt_str department;
    uint64_t heartbeat_interval_secs;
    aq_opt_uuid tenant_id;
    uint64_t registered_at;
    aq_opt_u64 last_heartbeat_at;
    aq_opt_u64 deregistered_at;
    const aq_unknown *unknown;
} aq_actor;

/** SnapshotTenant (v8+). */
typedef struct aq_tenant {
    aq_uuid tenant_id;
    aq_str name;
    uint64_t created_at;
    const aq_unknown *unknown;
} aq_tenant;

/** SnapshotRoleAssignment (v8+). */
typedef struct aq_role_assignment {
    aq_uuid actor_id;
    aq_role role;
    aq_uuid tenant_id;
    uint64_t assigned_at;
    const aq_unknown *unknown;
} aq_role_assignment;

/** SnapshotCapabilityGrant (v8+). */
typedef struct aq_capability_grant {
    aq_uuid actor_id;
    aq_capability capability;
    aq_uuid tenant_id;
    uint64_t granted_at;
    aq_opt_u64 revoked_at;
    const aq_unknown *unknown;
} aq_capability_grant;

/** SnapshotLedgerEntry (v8+). */
typedef struct aq_ledger_entry {
    aq_uuid entry_id;
    aq_uuid tenant_id;
    aq_str ledger_key;
    aq_opt_uuid actor_id;
    aq_bytes payload;
    uint64_t timestamp;
    const aq_unknown *unknown;
} aq_ledger_entry;

typedef struct aq_task_list {
    aq_task *items;
    size_t count;
} aq_task_list;

typedef struct aq_run_list {
    aq_run *items;
    size_t count;
} aq_run_list;

typedef struct aq_dependency_list {
    aq_dependency *items;
    size_t count;
} aq_dependency_list;

typedef struct aq_budget_list {
    aq_budget *items;
    size_t count;
} aq_budget_list;

typedef struct aq_subscription_list {
    aq_subscription *items;
    size_t count;
} aq_subscription_list;

typedef struct aq_actor_list {
    aq_actor *items;
    size_t count;
} aq_actor_list;

typedef struct aq_tenant_list {
    aq_tenant *items;
    size_t count;
} aq_tenant_list;

typedef struct aq_role_assignment_list {
    aq_role_assignment *items;
    size_t count;
} aq_role_assignment_list;

typedef struct aq_capability_grant_list {
    aq_capability_grant *items;
    size_t count;
} aq_capability_grant_list;

typedef struct aq_ledger_entry_list {
    aq_ledger_entry *items;
    size_t count;
} aq_ledger_entry_list;

/** The arena behind a snapshot; private to the library. */
typedef struct aq_arena aq_arena;

/**
 * A whole snapshot (the engine's `Snapshot`).
 *
 * Sections after `runs` are defaulted: older schema versions leave them empty.
 */
typedef struct aq_snapshot {
    uint32_t version;   /**< the engine's frame version field (4), kept as data */
    uint64_t timestamp; /**< when the snapshot was taken */
    aq_metadata metadata;
    aq_task_list tasks;
    aq_run_list runs;
    aq_engine_control engine;
    aq_dependency_list dependency_declarations; /**< v6+ */
    aq_budget_list budgets;                     /**< v7+ */
    aq_subscription_list subscriptions;         /**< v7+ */
    aq_actor_list actors;                       /**< v8+ */
    aq_tenant_list tenants;                     /**< v8+ */
    aq_role_assignment_list role_assignments;   /**< v8+ */
    aq_capability_grant_list capability_grants; /**< v8+ */
    aq_ledger_entry_list ledger_entries;        /**< v8+ */
    const aq_unknown *unknown;
    /** Private: the arena owning this snapshot, NULL for one the caller built itself. */
    aq_arena *arena;
} aq_snapshot;

/* ---------------------------------------------------------------------------------------------
 * Names (static strings; the engine's JSON spelling, "?" for values outside the enum)
 * ------------------------------------------------------------------------------------------- */

/** "Scheduled", "Ready", ..., "Canceled". */
AQ_API const char *aq_run_state_name(aq_run_state state);
/** "Success", "Failure", "Timeout", "Suspended". */
AQ_API const char *aq_attempt_result_name(aq_attempt_result result);
/** "Token", "CostCents", "TimeSecs". */
AQ_API const char *aq_budget_dimension_name(aq_budget_dimension dimension);
/** "Pure", "Idempotent", "Transactional". */
AQ_API const char *aq_safety_level_name(aq_safety_level level);
/** "HoldDuringRetry", "ReleaseOnRetry". */
AQ_API const char *aq_hold_policy_name(aq_hold_policy policy);
/** "Operator", "Auditor", "Gatekeeper", "Custom". */
AQ_API const char *aq_role_kind_name(aq_role_kind kind);
/** "CanSubmit", ..., "CanCancel", "Custom". */
AQ_API const char *aq_capability_kind_name(aq_capability_kind kind);
/** "Once", "Repeat", "Cron". */
AQ_API const char *aq_run_policy_kind_name(aq_run_policy_kind kind);
/** "TaskCompleted", "RunStateChanged", "BudgetThreshold", "Custom". */
AQ_API const char *aq_event_filter_kind_name(aq_event_filter_kind kind);

/** True for COMPLETED, FAILED and CANCELED. */
AQ_API bool aq_run_state_is_terminal(aq_run_state state);

/** True when the engine allows a run to move from `from` to `to` (spec section 8). */
AQ_API bool aq_run_state_transition_ok(aq_run_state from, aq_run_state to);

#ifdef __cplusplus
}
#endif

#endif /* AQSNAP_MODEL_H */
