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

/**
 * What a file is, from its first bytes (size = the file's, the image's or the stream's length):
 * 1. an envelope when the first u32 is a known frame version (AQ_FRAME_JSON, AQ_FRAME_PROTOBUF);
 *    also, to report "incompatible version" rather than "not a snapshot", when it is a small
 *    number (at most 0xFFFF, as the engine's versions are) or when the length word announces
 *    exactly the bytes that follow;
 * 2. otherwise a bare engine JSON document when the first byte is `{` or JSON whitespace (space,
 *    tab, LF, CR: a pretty-printed document may start with blank lines). Neither known frame
 *    version starts with such a byte, so the two never overlap;
 * 3. otherwise AQ_EDECODE / AQ_ERR_NOT_A_SNAPSHOT ("not a snapshot file"), naming the first bytes.
 * Fewer than 4 bytes that do not start like JSON are a truncated header.
 */

#define AQ_LOAD_OPTIONS_VERSION 2u
/** Skip aq_snapshot_validate() after decoding: for forensic tools that must see broken files. */
#define AQ_LOAD_NO_VALIDATE 0x1u

/** Default memory limit of a load (aq_load_options.max_memory = 0): the payload length times
 *  AQ_DEFAULT_MEMORY_PER_BYTE_PROTOBUF or _JSON, plus AQ_DEFAULT_MEMORY_BASE. Measured peaks of
 *  legitimate loads (what the limit counts): 3.5 to 3.6 times the payload for the benchmark's
 *  protobuf snapshots (1k to 100k tasks), 10.8 for a protobuf file of nothing but minimal tasks
 *  (48 bytes each on the wire, 360 in memory), 1.8 to 2.8 times the text for JSON; no compat/
 *  fixture needs more than 0.16 MiB.
 *  Inputs crafted to make the decoder allocate far more than they hold (millions of empty
 *  records or unknown fields, lists of empty strings) are refused early. Protobuf gets the
 *  larger factor because it is about four times denser than the JSON of the same snapshot. */
#define AQ_DEFAULT_MEMORY_PER_BYTE_PROTOBUF 16u
#define AQ_DEFAULT_MEMORY_PER_BYTE_JSON 8u
#define AQ_DEFAULT_MEMORY_BASE (64u * 1024u * 1024u)

typedef struct aq_load_options {
    uint32_t version;              /**< AQ_LOAD_OPTIONS_VERSION (version 1 structs, which end
                                        before max_memory, are still accepted) */
    /** NULL: malloc/free, except that a payload of 1 MiB or more is read into an anonymous
     *  mapping (fresh, huge pages where allowed) that is unmapped before the call returns. */
    const aq_allocator *allocator;
    uint64_t max_payload;          /**< 0: AQ_DEFAULT_MAX_PAYLOAD; checked before allocating */
    uint32_t flags;                /**< AQ_LOAD_* */
    /** Most bytes the load may hold at once: the payload it read, the snapshot's arena, scratch
     *  memory, simdjson's parser buffers, validation's indexes. 0: the default above. A load
     *  that would go over it fails with AQ_ELIMIT / AQ_ERR_MEMORY_LIMIT (the message names the
     *  limit, what was held and what was asked) before it asks for the memory. Since version 2. */
    uint64_t max_memory;
} aq_load_options;

#define AQ_LOAD_OPTIONS_INIT {AQ_LOAD_OPTIONS_VERSION, NULL, 0, 0, 0}

/** What a load found in the envelope, for tools. */
typedef struct aq_load_info {
    aq_format format;
    bool framed;            /**< false for a bare JSON document without envelope */
    uint32_t frame_version; /**< 0 when not framed */
    uint32_t payload_len;
    uint32_t crc32;         /**< CRC-32 of the payload (verified against the header if framed) */
    /** Bytes after the payload the header announces: ignored, as the engine ignores them (it
     *  reads the header and the payload and stops); aq_snapshot_check_with() warns about them. */
    uint64_t trailing;
} aq_load_info;

/**
 * Load, check and (unless AQ_LOAD_NO_VALIDATE) validate the snapshot file at `path`.
 *
 * The file is opened without blocking and must be a regular file (a symbolic link to one is
 * followed); what it holds is decided by the rule at the top of this section. Its size is
 * checked against the header and the cap before anything is allocated.
 *
 * @param opts NULL for defaults.
 * @param out  receives the snapshot (free with aq_snapshot_free()); NULL on any failure.
 * @param info optional: what the envelope said; filled on AQ_OK and on validation failure.
 * @return AQ_OK;
 *   AQ_NO_SNAPSHOT when the file does not exist or is empty (an expected state, not damage);
 *   AQ_EINVAL (AQ_ERR_NOT_A_FILE) for a directory, FIFO, device or socket (never waits on one);
 *   AQ_EIO (kind AQ_ERR_SYSCALL, sys_errno) when open/read fail;
 *   AQ_ETRUNCATED (AQ_ERR_TRUNCATED_HEADER / _PAYLOAD: message gives the offset where data ends);
 *   AQ_EVERSION (AQ_ERR_FRAME_VERSION: expected and found);
 *   AQ_ELIMIT (AQ_ERR_PAYLOAD_TOO_LARGE: length and cap, nothing was allocated; or
 *     AQ_ERR_MEMORY_LIMIT: see max_memory);
 *   AQ_ECRC (AQ_ERR_CRC_MISMATCH: both CRCs as 0x%08x);
 *   AQ_EDECODE (AQ_ERR_NOT_A_SNAPSHOT, payload decode errors, or AQ_ERR_TRAILING_DATA when
 *     the file grew while it was read);
 *   AQ_EINVALID / AQ_EVERSION (validation, see validate.h); AQ_ENOMEM; AQ_EINVAL.
 *   Messages do not repeat `path`: the caller knows it.
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

/**
 * aq_snapshot_load() on what a stream holds, read to its end (for tools reading standard input
 * or a pipe on purpose; the stream is not closed). Reading stops with AQ_ELIMIT as soon as the
 * stream holds more than max_payload allows, and the memory it takes grows with the bytes
 * actually read (a buffer that doubles as they come), never with what a header announces.
 * Bytes after the image a header announces are read to the end of the stream, counted
 * (aq_load_info.trailing) and dropped; more than max_payload of them is AQ_ELIMIT
 * (AQ_ERR_TRAILING_DATA). An empty stream is
 * AQ_NO_SNAPSHOT; a read error is AQ_EIO (AQ_ERR_SYSCALL).
 */
AQ_API AQ_NODISCARD aq_status aq_snapshot_load_stream(FILE *stream, const aq_load_options *opts,
                                                      aq_snapshot **out, aq_load_info *info,
                                                      aq_error *err);

/* ---- writing ---------------------------------------------------------------------------------- */

#define AQ_WRITE_OPTIONS_VERSION 2u
/** Skip validation before writing (tools converting a broken file on purpose). */
#define AQ_WRITE_NO_VALIDATE 0x1u
/** Skip both fsyncs: for benchmarks and scratch files only, never for real snapshots. */
#define AQ_WRITE_NO_SYNC 0x2u
/** JSON only: serde_json's pretty layout instead of the engine's compact one. */
#define AQ_WRITE_JSON_PRETTY 0x4u

typedef struct aq_write_options {
    uint32_t version;              /**< AQ_WRITE_OPTIONS_VERSION (version 1 structs, which end
                                        before max_payload, are still accepted) */
    const aq_allocator *allocator; /**< NULL: malloc/free */
    aq_format format;              /**< payload encoding; default protobuf */
    uint32_t flags;                /**< AQ_WRITE_* */
    /** Largest payload written, 0: AQ_DEFAULT_MAX_PAYLOAD, the loader's default cap, so that
     *  what is written can be read back; raise both together. Since version 2. */
    uint64_t max_payload;
} aq_write_options;

#define AQ_WRITE_OPTIONS_INIT {AQ_WRITE_OPTIONS_VERSION, NULL, AQ_FORMAT_PROTOBUF, 0, 0}

/**
 * Durably replace the snapshot at `path`: validate (unless AQ_WRITE_NO_VALIDATE), encode, refuse
 * a payload over max_payload, then write a temporary file in the same directory, fsync it,
 * rename it over `path` and fsync the directory.
 *
 * Temporary file. Its name is `<path>.tmp` when that last component fits the file system's
 * NAME_MAX, else a shorter name in the same directory made of the start of the target's name,
 * a hash of the whole name and `.tmp`. It is created with O_CREAT | O_EXCL | O_NOFOLLOW (never
 * through a planted symbolic link, never another process's file) and locked with flock(2) at
 * once, and the writer checks that the name still refers to the file it locked. A writer only
 * writes into a file it created and only removes a temporary file whose lock it holds (or, when
 * flock(2) itself fails, the one it has just created, before reporting that failure). A file
 * that replaces another is created readable by its owner only, until it has the replaced
 * file's mode. When the name is taken:
 * - by a locked file, another writer holds the path: AQ_EIO / AQ_ERR_WRITER_BUSY (sys_errno
 *   EWOULDBLOCK), and nothing is touched;
 * - by an unlocked regular file, it is a crashed writer's leftover: the writer locks it, checks
 *   that the name still refers to it, removes the name (a hard link planted there only loses
 *   that name; its content is never opened for writing) and creates its own;
 * - by anything else (a symbolic link, a directory, a FIFO...): AQ_EIO / AQ_ERR_SYSCALL, and
 *   it is left alone.
 * So two writers of one path never mix their bytes: each either renames its whole file into
 * place (the last rename wins) or fails with AQ_ERR_WRITER_BUSY, and no temporary file is left
 * behind by a writer that returns. The lock is held until the rename is done. This relies on
 * advisory locks: every writer of the path must use this protocol (any version of this
 * library), and the directory must be on a local file system where flock(2) works.
 *
 * Modes. A replaced regular file's permission bits (0777) are kept, and its owner and group
 * where the process may set them (EPERM is ignored). A new file gets 0666 & ~umask, like any
 * file the caller creates. When `path` is a symbolic link, the link itself is replaced by the
 * new file (which gets the new-file mode) and its target is left as it was; the new file is a
 * new inode, so other hard links to the old file keep the old content. A directory, FIFO,
 * device or socket at `path` is not replaced: AQ_EINVAL / AQ_ERR_NOT_A_FILE.
 *
 * Any failure before the rename (validation, encoding, the payload cap, open, short write,
 * ENOSPC, fsync, close, rename) removes the temporary file and leaves a previous snapshot at
 * `path` byte-for-byte intact. If only the final directory fsync fails, the new snapshot is
 * already in place but may not survive a power loss: AQ_EIO says so. Messages name the
 * temporary file and the directory when they are about them, never repeat `path`.
 *
 * @return AQ_OK, AQ_EINVAL (arguments, AQ_ERR_NOT_A_FILE, or content the format cannot carry:
 *         see codec.h), AQ_EINVALID (validation), AQ_ELIMIT (AQ_ERR_PAYLOAD_TOO_LARGE: the
 *         payload and the cap, before anything touched the disk), AQ_ENOMEM, AQ_EIO (kind
 *         AQ_ERR_WRITER_BUSY, or AQ_ERR_SYSCALL with sys_errno and the failing call).
 */
AQ_API AQ_NODISCARD aq_status aq_snapshot_write(const char *path, const aq_snapshot *snap,
                                                const aq_write_options *opts, aq_error *err);

/** The whole file image (envelope + payload) in memory; release with aq_buffer_free(). The
 *  payload cap applies as for aq_snapshot_write(). */
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
