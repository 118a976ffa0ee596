/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file aqsnap/snapshot.h
 * Creating, building and freeing snapshots, and UUID helpers.
 *
 * A C engine builds a snapshot from its own state like this (error handling shortened):
 * @code
 * aq_snapshot *snap = NULL;
 * aq_error err;
 * if (aq_snapshot_new(NULL, &snap, &err) != AQ_OK) return err.status;
 * snap->metadata.schema_version = AQ_SCHEMA_MAX;
 * snap->tasks.items = aq_snapshot_alloc(snap, n_tasks, sizeof *snap->tasks.items, &err);
 * if (snap->tasks.items == NULL) goto fail;
 * snap->tasks.count = n_tasks;
 * aq_task *t = &snap->tasks.items[0];   // zeroed: fill every field
 * if (aq_snapshot_str(snap, "ops", 3, &t->task_spec.metadata.description.value, &err) != AQ_OK)
 *     goto fail;
 * ...
 * aq_snapshot_free(snap);
 * @endcode
 */
#ifndef AQSNAP_SNAPSHOT_H
#define AQSNAP_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>

#include "aqsnap/alloc.h"
#include "aqsnap/error.h"
#include "aqsnap/export.h"
#include "aqsnap/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Create an empty snapshot (every list empty, every number 0, `version` 4 and
 * `metadata.schema_version` AQ_SCHEMA_MAX) that owns an arena for what the caller adds.
 *
 * @param alloc allocator for the arena, copied; NULL means malloc/free.
 * @param out   receives the snapshot (caller frees it with aq_snapshot_free()); NULL on failure.
 * @param err   optional error details.
 * @return AQ_OK, AQ_EINVAL (out is NULL), AQ_ENOMEM.
 */
AQ_API AQ_NODISCARD aq_status aq_snapshot_new(const aq_allocator *alloc, aq_snapshot **out,
                                              aq_error *err);

/**
 * Release a snapshot from aq_snapshot_new(), aq_snapshot_decode() or aq_snapshot_load() and
 * everything its arena holds. NULL is allowed. A snapshot the caller built itself
 * (`arena == NULL`) is not touched.
 */
AQ_API void aq_snapshot_free(aq_snapshot *snap);

/**
 * Allocate `count` zeroed objects of `size` bytes in the snapshot's arena, aligned for any type.
 * The memory lives until aq_snapshot_free(). `count == 0` gives a valid non-NULL pointer.
 *
 * @return the memory, or NULL with AQ_ENOMEM (allocator failed or count*size overflows) or
 *         AQ_EINVAL (snap is NULL or has no arena) in `err`.
 */
AQ_API void *aq_snapshot_alloc(aq_snapshot *snap, size_t count, size_t size, aq_error *err);

/**
 * Copy `len` bytes of text into the snapshot's arena, NUL-terminate it and store it in `out`.
 * The text is not checked here; aq_snapshot_validate() checks that it is UTF-8.
 *
 * @param text may be NULL when len is 0.
 * @return AQ_OK, AQ_EINVAL (snap or out NULL, no arena, text NULL with len > 0), AQ_ENOMEM.
 */
AQ_API AQ_NODISCARD aq_status aq_snapshot_str(aq_snapshot *snap, const char *text, size_t len,
                                              aq_str *out, aq_error *err);

/** Like aq_snapshot_str() for opaque bytes (a NUL is still appended, not counted). */
AQ_API AQ_NODISCARD aq_status aq_snapshot_bytes(aq_snapshot *snap, const void *data, size_t len,
                                                aq_bytes *out, aq_error *err);

/**
 * Bytes the snapshot's records, strings and lists occupy in its arena (0 without an arena).
 * The arena reserves larger blocks from its allocator, but only the pages it uses are mapped.
 */
AQ_API size_t aq_snapshot_memory(const aq_snapshot *snap);

/** Length of a hyphenated UUID text, without NUL. */
#define AQ_UUID_TEXT_LEN 36

/**
 * Parse a UUID in hyphenated form ("0000000a-0000-0000-0000-000000000001"), either case.
 * @return AQ_OK, or AQ_EDECODE with kind AQ_ERR_BAD_UUID naming the first bad character.
 */
AQ_API AQ_NODISCARD aq_status aq_uuid_parse(const char *text, size_t len, aq_uuid *out,
                                            aq_error *err);

/** Write the lowercase hyphenated form of `id` and a NUL into `out`. */
AQ_API void aq_uuid_format(const aq_uuid *id, char out[AQ_UUID_TEXT_LEN + 1]);

/** True for the all-zero UUID. */
AQ_API bool aq_uuid_is_nil(const aq_uuid *id);

#ifdef __cplusplus
}
#endif

#endif /* AQSNAP_SNAPSHOT_H */
