/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file aqsnap/stream.h
 * Streaming reads and writes: a snapshot file handed to the caller, or taken from it, one field
 * or record at a time, with memory bounded by the largest record plus validation's id maps, not
 * by the snapshot. For C engines that restore and persist their own data structures: no
 * aq_snapshot is built.
 *
 * READING
 * Callbacks, not a pull iterator: the reader owns the loop, so the file, the read window, the
 * CRC and the validation state live in one call and are gone when it returns, whatever
 * happened; an engine's restore is a loop body anyway, and it stops the read by returning a
 * status.
 *
 * Order. Items come in the order of the file, which is field-number order
 * (aqsnap/snapshot_fields.h): version, timestamp, metadata, every task, every run, engine,
 * then the records of dependency_declarations, budgets, subscriptions, actors, tenants,
 * role_assignments, capability_grants and ledger_entries. version, timestamp, metadata and
 * engine come once each (engine with its default values when the file has none). Every
 * protobuf writer and the engine write fields in that order. A protobuf file whose lists come
 * first is read in two passes; one whose known fields are otherwise out of that order (legal
 * protobuf, never written by this library, the engine or the official runtimes) is refused with
 * AQ_EDECODE / AQ_ERR_STREAM_ORDER naming the field: aq_snapshot_load() reads it. Unknown
 * top-level fields (from a newer schema) are skipped.
 *
 * Trust. The envelope's CRC-32 covers the whole payload, so it is known only at the end: the
 * reader computes it as it reads and a mismatch fails the call with AQ_ECRC after every item
 * has been handed out. Treat what the callback restored as provisional until the call returns
 * AQ_OK (or, with AQ_READ_CRC_FIRST, read the file twice: a first pass checks the CRC before
 * any item is handed out). When the read fails for another reason (a record that does not
 * decode, a violation), the rest of the payload is still read for its CRC, and a mismatch
 * wins: AQ_ECRC says the file is damaged, and the other failure may be the damage.
 *
 * Validation (unless AQ_LOAD_NO_VALIDATE) is aq_snapshot_check()'s, one record at a time, with
 * the same error kinds, paths and order (aqsnap/validate.h); a record is validated before it
 * is handed out, so by default no record that breaks a rule reaches the callback. Rules about
 * a whole list (metadata's counts) are checked when the list ends. Memory: the ids of tasks,
 * runs, dependency declarations, budgets and subscriptions, 48 to 96 bytes each.
 *
 * Formats: protobuf and engine JSON (in an envelope, or a bare document), every schema version
 * aq_snapshot_load() reads. JSON is read through a window that holds the current record (or a
 * skipped unknown value) whole; its fields must come in the engine's key order, as the engine
 * writes them (serde would take any order): a field before one that came already is refused
 * with AQ_EDECODE / AQ_ERR_STREAM_ORDER, a required field missing before a later one with
 * AQ_ERR_MISSING_FIELD, both naming the field (aq_snapshot_load() reads such a document). A
 * bare document has no CRC.
 */
#ifndef AQSNAP_STREAM_H
#define AQSNAP_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "aqsnap/alloc.h"
#include "aqsnap/error.h"
#include "aqsnap/export.h"
#include "aqsnap/file.h"
#include "aqsnap/model.h"
#include "aqsnap/snapshot_fields.h"
#include "aqsnap/validate.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One field of the snapshot, or one record of a list field. */
typedef struct aq_item {
    aq_field field;   /**< which field */
    const char *name; /**< its name, as in paths: "tasks", "metadata" (static) */
    size_t index;     /**< the record's index in its list; 0 for the other fields. The
                           record's path is name[index], as in error paths. */
    /** The value, valid until the callback returns: const uint32_t * (version), const
     *  uint64_t * (timestamp), const aq_metadata *, const aq_engine_control *, or a record of
     *  the list: const aq_task *, const aq_run *, const aq_dependency *, const aq_budget *,
     *  const aq_subscription *, const aq_actor *, const aq_tenant *, const aq_role_assignment *,
     *  const aq_capability_grant *, const aq_ledger_entry *. Copy what you keep. */
    const void *value;
} aq_item;

/**
 * Called once per item. Return AQ_OK to go on; anything else stops the read, which returns
 * that status with `err` as the callback filled it (when the callback left it empty, kind
 * AQ_ERR_STOPPED and a message naming the item).
 */
typedef aq_status (*aq_item_fn)(void *ctx, const aq_item *item, aq_error *err);

#define AQ_READ_OPTIONS_VERSION 1u
/** Check the CRC-32 in a first pass over the file before handing out any item (reads it
 *  twice). AQ_LOAD_NO_VALIDATE (file.h) skips validation as for loads. */
#define AQ_READ_CRC_FIRST 0x2u

typedef struct aq_read_options {
    uint32_t version;              /**< AQ_READ_OPTIONS_VERSION */
    const aq_allocator *allocator; /**< NULL: malloc/free */
    /** Largest payload accepted, 0: AQ_DEFAULT_MAX_PAYLOAD; also bounds the largest record. */
    uint64_t max_payload;
    uint32_t flags; /**< AQ_LOAD_NO_VALIDATE, AQ_READ_CRC_FIRST */
    /** Each violation, as aq_snapshot_check() reports it; return true to go on (the record is
     *  then handed out too) or false to stop. NULL: the first violation stops the read. The
     *  read returns the first violation's status either way. */
    aq_violation_fn on_violation;
    void *violation_ctx;
} aq_read_options;

#define AQ_READ_OPTIONS_INIT {AQ_READ_OPTIONS_VERSION, NULL, 0, 0, NULL, NULL}

/**
 * Read the snapshot file at `path` item by item.
 *
 * @param opts NULL for defaults.
 * @return AQ_OK when every item was handed out, the CRC matched and (unless skipped) no rule is
 *         broken; the load statuses otherwise (AQ_NO_SNAPSHOT, AQ_ETRUNCATED, AQ_EVERSION,
 *         AQ_ECRC, AQ_ELIMIT, AQ_EDECODE, AQ_EINVALID, AQ_EIO, AQ_ENOMEM, AQ_EINVAL), or the
 *         callback's.
 */
AQ_API AQ_NODISCARD aq_status aq_snapshot_read(const char *path, const aq_read_options *opts,
                                               aq_item_fn fn, void *ctx, aq_error *err);

/* ---- writing -------------------------------------------------------------------------------- */

/**
 * WRITING. A writer creates the file with aq_snapshot_write()'s protocol (file.h: a locked
 * temporary file beside the target, fsync, rename, fsync of the directory; the target is not
 * touched before aq_writer_commit()), and takes the snapshot's fields in the reader's order:
 * aq_writer_add() with field AQ_FIELD_VERSION, then AQ_FIELD_TIMESTAMP, AQ_FIELD_METADATA, each
 * record of AQ_FIELD_TASKS, each of AQ_FIELD_RUNS, AQ_FIELD_ENGINE, each record of
 * AQ_FIELD_DEPENDENCY_DECLARATIONS, and so on (aqsnap/snapshot_fields.h). A field never added
 * has the value of a new snapshot (aq_snapshot_new: version 4, metadata.schema_version 8,
 * everything else zero or empty). `value` points to the native value, as aq_item.value does; it
 * is encoded before aq_writer_add() returns, so the caller may reuse its memory for the next
 * record. The bytes written are those aq_snapshot_write() writes for the same snapshot, in
 * either format, except that a snapshot's unknown top-level fields (aq_snapshot.unknown) cannot
 * be added.
 *
 * Validation (unless AQ_WRITE_NO_VALIDATE) is aq_snapshot_check()'s, one record at a time, as
 * for a streaming read: a record that breaks a rule is refused when it is added, with the
 * violation's status, kind and path; a rule about a whole list (metadata's counts) is checked
 * when the list ends, so it fails the add of the next field, or aq_writer_commit(). The payload is capped at max_payload as aq_snapshot_write() caps it.
 *
 * Any failure leaves the writer failed: later calls return the first failure again, and
 * aq_writer_commit() or aq_writer_abort() removes the temporary file. The length and CRC-32 of
 * the envelope are computed as the payload is written and filled in by aq_writer_commit().
 * Memory: the largest record's encoding, a 1 MiB output buffer and the validation's id maps.
 */
typedef struct aq_writer aq_writer;

/** Start writing the snapshot file at `path` (the temporary file is created now).
 *  @param opts NULL for defaults (protobuf, validated, fsynced). On failure *out is NULL. */
AQ_API AQ_NODISCARD aq_status aq_writer_open(const char *path, const aq_write_options *opts,
                                             aq_writer **out, aq_error *err);

/** Add field `field` (a value once, or the next record of a list). Fields must come in
 *  increasing number order: AQ_EINVAL / AQ_ERR_STREAM_ORDER otherwise. */
AQ_API AQ_NODISCARD aq_status aq_writer_add(aq_writer *w, aq_field field, const void *value,
                                            aq_error *err);

/** Finish the payload, check the rules that need every record, fill in the header and
 *  durably replace the target. The writer is freed whatever the result; on failure the
 *  temporary file is gone and the target untouched (except AQ_EIO for the directory's fsync
 *  alone, as for aq_snapshot_write()). */
AQ_API AQ_NODISCARD aq_status aq_writer_commit(aq_writer *w, aq_error *err);

/** Give up: the temporary file is removed, the target untouched, the writer freed (NULL is
 *  fine). */
AQ_API void aq_writer_abort(aq_writer *w);

#ifdef __cplusplus
}
#endif

#endif /* AQSNAP_STREAM_H */
