/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file aqsnap/validate.h
 * Validation: whether a snapshot keeps every invariant the ActionQueue engine enforces when it
 * loads one (docs/VALIDATION.md lists them), plus what the native structs can hold but the engine's
 * types cannot.
 *
 * Each broken rule has its own ::aq_error_kind; the error's path names the record and field
 * ("runs[3].run_instance.task_id") and its message, which starts with that path, names the ids
 * and values involved ("snapshot run 0000000a-... references unknown task 0000000b-...").
 *
 * The rules:
 * - metadata: schema_version in AQ_SCHEMA_MIN..AQ_SCHEMA_MAX (AQ_ERR_SCHEMA_VERSION, status
 *   AQ_EVERSION); task_count and run_count equal the list lengths.
 * - schema features (AQ_ERR_SCHEMA_FEATURE): a document of version N holds nothing that a later
 *   version added: v5 TaskSpec.parent_task_id, attempt output,
 *   TaskConstraints.required_capabilities; v6 dependency_declarations; v7 budgets,
 *   subscriptions, RunState Suspended (run state, history, RunStateChanged filters) and
 *   AttemptResultKind Suspended; v8 actors, tenants, role_assignments, capability_grants,
 *   ledger_entries and TaskSpec.tenant_id. Not checked when schema_version is unsupported.
 * - engine control causality: paused needs paused_at and no resumed_at; resumed_at needs
 *   paused_at; not paused with paused_at needs resumed_at >= paused_at.
 * - tasks: id not nil and unique; canceled_at >= created_at; max_attempts >= 1; timeout_secs
 *   not Some(0); concurrency_key not Some(""); required_capabilities not Some([]) and without
 *   ""; Repeat count and interval_secs >= 1; Cron max_occurrences not Some(0).
 * - runs: id and task_id not nil, id unique, task exists; a Ready run has scheduled_at <=
 *   created_at; current_attempt_id only in Running and with attempt_count >= 1, present exactly
 *   once in attempts and unfinished there; state_history non-empty, starting (none ->
 *   Scheduled at created_at), each entry continuing from the previous `to` by a legal
 *   transition, ending in the run's state; attempts has attempt_count entries; a lease only in
 *   Ready, Leased or Running.
 * - dependency declarations: one per task, task and every prerequisite exist. Budgets: one per
 *   (task, dimension), task exists. Subscriptions: ids unique, task exists.
 * - everywhere: every enum holds one of its variants (AQ_ERR_ENUM_INVALID); every string is
 *   UTF-8 (AQ_ERR_STRING_NOT_UTF8). Members that the selected variant of a RunPolicy,
 *   EventFilter, Role or Capability does not use are ignored, as the encoders ignore them.
 *
 * Warnings: what aqsnap knows is wrong but the engine loads all the same. Each has its own kind
 * and is reported like a violation (status AQ_EINVALID, path, message), to a separate callback
 * of aq_snapshot_check_with(); aq_snapshot_check() and aq_snapshot_validate() leave them out,
 * and AQ_CHECK_STRICT makes them violations. The warnings: a Role or Capability Custom name is
 * empty (AQ_ERR_CUSTOM_NAME_EMPTY: the engine's docs require a name, its serde takes ""); the
 * file holds bytes after the payload its header announces (AQ_ERR_TRAILING_DATA: the engine
 * reads the header and the payload and stops), when the check is told about the file
 * (aq_check_options.file).
 *
 * Violations (and warnings) are found in a fixed order: the file's own, then the order in which a
 * file holds the snapshot's fields
 * (aqsnap/snapshot_fields.h), so that a streaming read (aqsnap/stream.h) finds them in the same
 * order: metadata.schema_version; the records of tasks, then metadata.task_count against
 * them; the records of runs, then metadata.run_count; engine; then the records of
 * dependency_declarations, budgets, subscriptions, actors, tenants, role_assignments,
 * capability_grants and ledger_entries; last, fields of the snapshot itself that its schema
 * version does not allow. Each list in index order (a list that its schema version does not
 * allow is reported just before its first record), and within a record its fields in
 * declaration order. A duplicate id is reported at its second occurrence, naming the first. A
 * rule that depends on a value which itself failed (an invalid enum, a nil id) is not checked,
 * so that one mistake is reported once.
 *
 * Scratch memory (maps of ids, 48 to 96 bytes per record of tasks, runs,
 * dependency_declarations and subscriptions, and per budget in each of three dimension maps) is
 * allocated before any rule is checked and released before the call returns. Time is linear in the size of the snapshot.
 *
 * Thread safety: the snapshot is only read, so any number of threads may validate the same
 * snapshot at once, as long as none modifies it.
 */
#ifndef AQSNAP_VALIDATE_H
#define AQSNAP_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aqsnap/alloc.h"
#include "aqsnap/error.h"
#include "aqsnap/export.h"
#include "aqsnap/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Check every rule (see the file comment) and stop at the first violation.
 *
 * @param snap  any snapshot, arena-owned or caller-built (`arena == NULL`); never modified.
 * @param alloc allocator for scratch memory; NULL means malloc/free.
 * @param err   optional; receives the violation (kind, path, message) or the failure.
 * @return AQ_OK when every rule holds; AQ_EINVALID for a broken rule, or AQ_EVERSION when the
 *         first problem is an unsupported metadata.schema_version (kind
 *         AQ_ERR_SCHEMA_VERSION); AQ_EINVAL when snap is NULL or is not a well-formed struct
 *         (a list or string with a non-zero length and a NULL pointer; kind AQ_ERR_ARGUMENT,
 *         path says where); AQ_ENOMEM when scratch memory runs out (nothing is leaked).
 */
AQ_API AQ_NODISCARD aq_status aq_snapshot_validate(const aq_snapshot *snap,
                                                   const aq_allocator *alloc, aq_error *err);

/**
 * Receives one violation found by aq_snapshot_check().
 *
 * @param ctx       the `ctx` given to aq_snapshot_check().
 * @param violation status (AQ_EINVALID or AQ_EVERSION), kind, path and message; valid only
 *                  during the call (copy it to keep it).
 * @return true to go on looking for violations, false to stop here.
 */
typedef bool (*aq_violation_fn)(void *ctx, const aq_error *violation);

/**
 * Check every rule and report every violation, in the order given in the file comment (tools
 * use this to print them all). aq_snapshot_validate() is this with a callback that stops after
 * the first.
 *
 * @param snap  as for aq_snapshot_validate().
 * @param alloc allocator for scratch memory; NULL means malloc/free.
 * @param fn    called once per violation, may return false to stop early; NULL just counts.
 * @param ctx   passed to fn.
 * @param count optional; receives the number of violations reported (also when the call
 *              fails part way with AQ_EINVAL; always 0 with AQ_ENOMEM, as memory is obtained
 *              before any check).
 * @param err   optional; receives the first violation, or the failure.
 * @return AQ_OK when there were no violations; the status of the first violation
 *         (AQ_EINVALID, or AQ_EVERSION for an unsupported schema_version) when there were
 *         some; AQ_EINVAL (snap is NULL or malformed, as for aq_snapshot_validate()) or
 *         AQ_ENOMEM.
 */
AQ_API AQ_NODISCARD aq_status aq_snapshot_check(const aq_snapshot *snap,
                                                const aq_allocator *alloc, aq_violation_fn fn,
                                                void *ctx, size_t *count, aq_error *err);

#define AQ_CHECK_OPTIONS_VERSION 1u
/** Warnings are violations: the check fails on them, and they go to on_violation. */
#define AQ_CHECK_STRICT 0x1u

struct aq_load_info;

/** Options of aq_snapshot_check_with(); start from AQ_CHECK_OPTIONS_INIT. */
typedef struct aq_check_options {
    uint32_t version;              /**< AQ_CHECK_OPTIONS_VERSION */
    uint32_t flags;                /**< AQ_CHECK_* */
    const aq_allocator *allocator; /**< scratch memory; NULL: malloc/free */
    aq_violation_fn on_violation;  /**< each violation (may stop the check); NULL: counted only */
    aq_violation_fn on_warning;    /**< each warning (unless AQ_CHECK_STRICT); NULL: counted only */
    void *ctx;                     /**< passed to both callbacks */
    /** What aq_snapshot_load() found in the file the snapshot came from (its aq_load_info):
     *  the file's own warnings come from it. NULL: the snapshot alone is checked. */
    const struct aq_load_info *file;
} aq_check_options;

#define AQ_CHECK_OPTIONS_INIT {AQ_CHECK_OPTIONS_VERSION, 0, NULL, NULL, NULL, NULL, NULL}

/** The engine release whose loader aq_snapshot_check_with() judges a file by: ActionQueue
 *  0.1.2, which loads only engine JSON in envelope version 4 (AQ_FRAME_JSON) of this schema
 *  version. */
#define AQ_ENGINE_RELEASE "0.1.2"
#define AQ_ENGINE_SCHEMA 8

/** Whether that engine loads the file as it is, or the first reason it does not. */
typedef enum aq_engine_verdict {
    AQ_ENGINE_LOADS = 0,
    AQ_ENGINE_NO_ENVELOPE = 1,    /**< a bare JSON document: the engine reads snapshot.bin files */
    AQ_ENGINE_PROTOBUF = 2,       /**< an aqsnap protobuf file: convert it to JSON first */
    AQ_ENGINE_SCHEMA_VERSION = 3, /**< not AQ_ENGINE_SCHEMA: aq_snapshot_migrate() */
    AQ_ENGINE_INVALID = 4,        /**< it breaks a rule (a violation): the engine checks them too */
    AQ_ENGINE_CRON = 5            /**< a Cron policy: default builds refuse the variant, builds
                                       with the `workflow` feature an expression that cron 0.12
                                       does not parse (the reason says which) */
} aq_engine_verdict;

/** What aq_snapshot_check_with() found: aqsnap's verdict (no violation: it loads) and the
 *  engine's. */
typedef struct aq_check_result {
    size_t violations; /**< violations reported (warnings included with AQ_CHECK_STRICT) */
    size_t warnings;   /**< warnings reported as warnings */
    aq_engine_verdict engine; /**< whether engine AQ_ENGINE_RELEASE loads the file as it is */
    /** Why not, a sentence naming the values ("schema version 7: the engine loads only 8; run
     *  `aqsnap migrate`"); "" when it loads. */
    char engine_reason[AQ_ERROR_MESSAGE_MAX];
} aq_check_result;

/**
 * aq_snapshot_check() with options: warnings reported apart (or, with AQ_CHECK_STRICT, as
 * violations), the file the snapshot came from taken into account, and two verdicts: aqsnap
 * loads the snapshot when there is no violation; engine AQ_ENGINE_RELEASE loads the file as it
 * is when it is engine JSON in an envelope (opts->file; without one, the snapshot is judged as
 * the engine JSON file aq_snapshot_write() would make of it), of schema version
 * AQ_ENGINE_SCHEMA, with no violation and no Cron policy (result->engine, checked in that
 * order). Warnings are not the engine's concern: it loads them.
 *
 * @param snap   as for aq_snapshot_validate().
 * @param opts   NULL for AQ_CHECK_OPTIONS_INIT.
 * @param result optional; receives the counts (also when the call fails part way with
 *               AQ_EINVAL; zero with AQ_ENOMEM) and, when the call returns AQ_OK, AQ_EINVALID or
 *               AQ_EVERSION, the engine's verdict.
 * @param err    optional; receives the first violation, or the failure (never a warning).
 * @return AQ_OK when there is no violation (warnings do not count unless AQ_CHECK_STRICT); the
 *         status of the first violation (AQ_EINVALID or AQ_EVERSION); AQ_EINVAL (snap NULL or
 *         malformed, or opts of an unknown version); AQ_ENOMEM.
 */
AQ_API AQ_NODISCARD aq_status aq_snapshot_check_with(const aq_snapshot *snap,
                                                     const aq_check_options *opts,
                                                     aq_check_result *result, aq_error *err);

/**
 * Make `snap` a snapshot of schema version `schema_version` (AQ_SCHEMA_MIN..AQ_SCHEMA_MAX;
 * AQ_ENGINE_SCHEMA is the one the engine loads), as `aqsnap migrate` does: the engine JSON
 * written from it then has every key of that version, each absent one with its serde default
 * (a load fills them all in the native model: empty lists, None, false, 0, the enums'
 * defaults), which is what the engine's serde would write for the same model. Going to an older
 * version is refused when the snapshot holds anything newer than it (the schema features of
 * docs/VALIDATION.md). Nothing else is checked: validate the result as usual.
 *
 * @param snap           any snapshot, arena-owned or caller-built; only metadata.schema_version
 *                       changes, and only on success.
 * @param schema_version the target version.
 * @param err            optional; receives the failure.
 * @return AQ_OK; AQ_EINVAL (snap NULL or malformed, or the version outside the range: kind
 *         AQ_ERR_ARGUMENT); AQ_EINVALID with kind AQ_ERR_SCHEMA_FEATURE, path and message naming
 *         the first record or field the target version cannot hold; AQ_ENOMEM.
 */
AQ_API AQ_NODISCARD aq_status aq_snapshot_migrate(aq_snapshot *snap, uint32_t schema_version,
                                                  aq_error *err);

#ifdef __cplusplus
}
#endif

#endif /* AQSNAP_VALIDATE_H */
