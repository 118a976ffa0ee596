/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file aqsnap/file.h
 * Snapshot files: the engine's 12-byte envelope around a JSON or protobuf payload, durable
 * atomic writes and strict loads.
 *
 * Envelope (all u32 little-endian): frame version, payload length N, CRC-32 of the payload
 * (zlib's crc32, the engine's crc32fast); then N payload bytes. The frame version says what the
 * payload is: AQ_FRAME_JSON (4, what the engine writes) or AQ_FRAME_PROTOBUF. docs/FORMAT.md
 * describes the file, the model and every error a load reports.
 */
#ifndef AQSNAP_FILE_H
#define AQSNAP_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aqsnap/alloc.h"
#include "aqsnap/codec.h"
#include "aqsnap/error.h"
#include "aqsnap/export.h"
#include "aqsnap/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Frame version of the engine's JSON snapshots. */
#define AQ_FRAME_JSON 4u
/** Frame version of protobuf snapshots: the bytes "AQP1", far from the engine's small numbers
 *  so that neither side can mistake one format for the other. */
#define AQ_FRAME_PROTOBUF 0x31505141u
#define AQ_ENVELOPE_SIZE 12u
/** Default cap on the payload length a loader accepts (the engine's): 256 MiB. */
#define AQ_DEFAULT_MAX_PAYLOAD (256u * 1024u * 1024u)

/** Payload encoding of a snapshot file. */
typedef enum aq_format {
    AQ_FORMAT_PROTOBUF = 0, /**< actionqueue.snapshot.v1.Snapshot, frame AQ_FRAME_PROTOBUF */
    AQ_FORMAT_JSON = 1      /**< the engine's serde_json document, frame AQ_FRAME_JSON */
} aq_format;

/* ---- loading ---------------------------------------------------------------------------------- */

#define AQ_LOAD_OPTIONS_VERSION 1u
/** Skip aq_snapshot_validate() after decoding: for forensic tools that must see broken files. */
#define AQ_LOAD_NO_VALIDATE 0x1u

typedef struct aq_load_options {
    uint32_t version;              /**< AQ_LOAD_OPTIONS_VERSION */
    /** NULL: malloc/free, except that a payload of 1 MiB or more is read into an anonymous
     *  mapping (fresh, huge pages where allowed) that is unmapped before the call returns. */
    const aq_allocator *allocator;
    uint64_t max_payload;          /**< 0: AQ_DEFAULT_MAX_PAYLOAD; checked before allocating */
    uint32_t flags;                /**< AQ_LOAD_* */
} aq_load_options;

#define AQ_LOAD_OPTIONS_INIT {AQ_LOAD_OPTIONS_VERSION, NULL, 0, 0}

/** What a load found in the envelope, for tools. */
typedef struct aq_load_info {
    aq_format format;
    bool framed;            /**< false for a bare JSON document without envelope */
    uint32_t frame_version; /**< 0 when not framed */
    uint32_t payload_len;
    uint32_t crc32;         /**< CRC-32 of the payload (verified against the header if framed) */
} aq_load_info;

/**
 * Load, check and (unless AQ_LOAD_NO_VALIDATE) validate the snapshot file at `path`.
 *
 * The payload format comes from the frame version. A file that starts with `{` instead of an
 * envelope is read as a bare engine JSON document (as the engine's payload, unframed).
 *
 * @param opts NULL for defaults.
 * @param out  receives the snapshot (free with aq_snapshot_free()); NULL on any failure.
 * @param info optional: what the envelope said; filled on AQ_OK and on validation failure.
 * @return AQ_OK;
 *   AQ_NO_SNAPSHOT when the file does not exist or is empty (an expected state, not damage);
 *   AQ_EIO (kind AQ_ERR_SYSCALL, sys_errno) when open/read fail;
 *   AQ_ETRUNCATED (AQ_ERR_TRUNCATED_HEADER / _PAYLOAD: message gives the offset where data ends);
 *   AQ_EVERSION (AQ_ERR_FRAME_VERSION: expected and found);
 *   AQ_ELIMIT (AQ_ERR_PAYLOAD_TOO_LARGE: length and cap; nothing was allocated);
 *   AQ_ECRC (AQ_ERR_CRC_MISMATCH: both CRCs as 0x%08x);
 *   AQ_EDECODE (payload decode errors, or AQ_ERR_TRAILING_DATA);
 *   AQ_EINVALID / AQ_EVERSION (validation, see validate.h); AQ_ENOMEM; AQ_EINVAL.
 */
AQ_API AQ_NODISCARD aq_status aq_snapshot_load(const char *path, const aq_load_options *opts,
                                               aq_snapshot **out, aq_load_info *info,
                                               aq_error *err);

/** aq_snapshot_load() on a file image in memory (envelope + payload); `data` is not retained.
 *  An empty image is AQ_NO_SNAPSHOT. */
AQ_API AQ_NODISCARD aq_status aq_snapshot_load_buffer(const void *data, size_t len,
                                                      const aq_load_options *opts,
                                                      aq_snapshot **out, aq_load_info *info,
                                                      aq_error *err);

/* ---- writing ---------------------------------------------------------------------------------- */

#define AQ_WRITE_OPTIONS_VERSION 1u
/** Skip validation before writing (tools converting a broken file on purpose). */
#define AQ_WRITE_NO_VALIDATE 0x1u
/** Skip both fsyncs: for benchmarks and scratch files only, never for real snapshots. */
#define AQ_WRITE_NO_SYNC 0x2u
/** JSON only: serde_json's pretty layout instead of the engine's compact one. */
#define AQ_WRITE_JSON_PRETTY 0x4u

typedef struct aq_write_options {
    uint32_t version;              /**< AQ_WRITE_OPTIONS_VERSION */
    const aq_allocator *allocator; /**< NULL: malloc/free */
    aq_format format;              /**< payload encoding; default protobuf */
    uint32_t flags;                /**< AQ_WRITE_* */
} aq_write_options;

#define AQ_WRITE_OPTIONS_INIT {AQ_WRITE_OPTIONS_VERSION, NULL, AQ_FORMAT_PROTOBUF, 0}

/**
 * Durably replace the snapshot at `path`: validate (unless AQ_WRITE_NO_VALIDATE), encode, write
 * `<path>.tmp`, fsync it, rename it over `path`, fsync the directory.
 *
 * Any failure before the rename (validation, encoding, open, short write, ENOSPC, fsync, close,
 * rename) removes the temporary file and leaves a previous snapshot at `path` byte-for-byte
 * intact. If only the final directory fsync fails, the new snapshot is already in place but may
 * not survive a power loss: AQ_EIO says so. Not safe against concurrent writers of one path.
 *
 * @return AQ_OK, AQ_EINVAL, AQ_EINVALID (validation), AQ_ELIMIT (payload over 4 GiB - 1),
 *         AQ_ENOMEM, AQ_EIO (kind AQ_ERR_SYSCALL; sys_errno and the failing call in the message).
 */
AQ_API AQ_NODISCARD aq_status aq_snapshot_write(const char *path, const aq_snapshot *snap,
                                                const aq_write_options *opts, aq_error *err);

/** The whole file image (envelope + payload) in memory; release with aq_buffer_free(). */
AQ_API AQ_NODISCARD aq_status aq_snapshot_write_buffer(const aq_snapshot *snap,
                                                       const aq_write_options *opts,
                                                       aq_buffer *out, aq_error *err);

/** The whole file image to a caller's stream (no temporary file, no rename, no fsync; the
 *  stream is flushed). For tools writing to stdout or a pipe. */
AQ_API AQ_NODISCARD aq_status aq_snapshot_write_stream(FILE *stream, const aq_snapshot *snap,
                                                       const aq_write_options *opts,
                                                       aq_error *err);

#ifdef __cplusplus
}
#endif

#endif /* AQSNAP_FILE_H */
