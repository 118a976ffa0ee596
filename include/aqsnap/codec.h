/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file aqsnap/codec.h
 * In-memory protobuf codec: a native snapshot to and from a serialized
 * `actionqueue.snapshot.v1.Snapshot` message (the payload, without the file envelope).
 */
#ifndef AQSNAP_CODEC_H
#define AQSNAP_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "aqsnap/alloc.h"
#include "aqsnap/error.h"
#include "aqsnap/export.h"
#include "aqsnap/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes produced by the library, owned by the caller until aq_buffer_free(). */
typedef struct aq_buffer {
    uint8_t *data;
    size_t len;
    size_t cap;             /**< private: size of the allocation */
    aq_allocator allocator; /**< private: what frees `data` */
} aq_buffer;

/** Release a buffer's memory and reset it to empty. NULL and empty buffers are allowed. */
AQ_API void aq_buffer_free(aq_buffer *buf);

/**
 * Serialize a snapshot as a protobuf `Snapshot` message.
 *
 * Fields the engine always has are always written (zero included); `Option` fields only when
 * present; the record `unknown` fields are written back verbatim. The snapshot is not validated
 * here (aq_snapshot_write() does that), but every enum must hold a valid variant and every
 * UTF-8 string is written as is.
 *
 * @param snap  any snapshot, arena-owned or caller-built; not modified.
 * @param alloc allocator for the output and for scratch memory; NULL means malloc/free.
 * @param out   receives the bytes; caller releases them with aq_buffer_free(). Empty on failure.
 * @return AQ_OK, AQ_EINVAL (NULL argument; or kind AQ_ERR_ENUM_INVALID / AQ_ERR_ONEOF_UNSET
 *         with the field path when a record cannot be represented), AQ_ENOMEM.
 */
AQ_API AQ_NODISCARD aq_status aq_snapshot_encode(const aq_snapshot *snap,
                                                 const aq_allocator *alloc, aq_buffer *out,
                                                 aq_error *err);

/**
 * Parse a protobuf `Snapshot` message into a new native snapshot. Checks the shape (every field
 * the engine requires is present, ids are 16 bytes, enums and oneofs are set and known) but not
 * the engine invariants: call aq_snapshot_validate() for those, or use aq_snapshot_load().
 *
 * @param data  the message bytes; may be NULL when len is 0. Not retained.
 * @param alloc allocator for the snapshot's arena and scratch memory; NULL means malloc/free.
 * @param out   receives the snapshot (free with aq_snapshot_free()); NULL on failure.
 * @return AQ_OK, AQ_EINVAL, AQ_ENOMEM, AQ_EDECODE (kind and path say what is wrong).
 */
AQ_API AQ_NODISCARD aq_status aq_snapshot_decode(const void *data, size_t len,
                                                 const aq_allocator *alloc, aq_snapshot **out,
                                                 aq_error *err);

#ifdef __cplusplus
}
#endif

#endif /* AQSNAP_CODEC_H */
