/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The C side of the benchmarks (STYLE.md section 10): builds the inputs once per size and
 * exposes one aq_bench_* function per measured operation. bench_main.cc only registers them
 * with Google Benchmark; rss_probe.c reuses the input builder, the streaming paths
 * (bench_stream.c) and the peers. The peers are protobuf-c (here), libprotobuf (cpp_peer.cc)
 * and the engine's own reading of its JSON (engine_peer/, Rust).
 *
 * Every operation works on the "current" input (the last aq_bench_prepare() call) and runs
 * exactly once per call, timing itself with CLOCK_MONOTONIC: `op_ns` is the operation proper,
 * `free_ns` the release of what it produced (free_unpacked, arena destruction, aq_snapshot_free,
 * aq_buffer_free), measured separately so that both can be reported alone and together.
 * Setup that is not part of the operation (resetting a reused arena is part of "free") is
 * outside both.
 */
#ifndef AQ_BENCH_SHIM_H
#define AQ_BENCH_SHIM_H

#include <stddef.h>
#include <stdint.h>

#include "aqsnap/snapshot_fields.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The same bytes for every path. */
typedef struct aq_bench_info {
    size_t tasks;          /* sample size (tasks) */
    size_t runs;           /* run records: the "per run" denominator */
    size_t pb_len;         /* protobuf payload bytes (the file is 12 bytes more) */
    size_t json_len;       /* engine JSON text bytes (0 when JSON inputs were not built) */
    const char *pb_path;   /* protobuf snapshot file (envelope + payload) */
    const char *json_path; /* engine JSON snapshot file (envelope, frame 4) or "" */
} aq_bench_info;

typedef struct aq_bench_times {
    uint64_t op_ns;
    uint64_t free_ns;
} aq_bench_times;

/* Directory of the input files: $AQ_BENCH_DIR or /tmp/aqsnap-bench (created if missing). */
const char *aq_bench_dir(void);

/* Build (or reuse) the inputs for `tasks` and make them current, releasing those of any other
 * size first. with_json: also build the engine JSON text and file (skipped at 1M tasks, where
 * the text would be ~2 GB). Deterministic: the same tasks give the same bytes in every process.
 * Returns 0, or -1 with aq_bench_error() set. */
int aq_bench_prepare(size_t tasks, int with_json, aq_bench_info *info);

/* Release every input (also done by aq_bench_prepare() for a new size). */
void aq_bench_release(void);

/* Message of the last failure. */
const char *aq_bench_error(void);

/* Set that message (printf format) and return -1: for the shim's other files. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
int aq_bench_fail(const char *fmt, ...);

/* Each operation returns 0, or -1 with aq_bench_error() set. */
typedef int (*aq_bench_fn)(aq_bench_times *t);

/* Operation flags. */
#define AQ_BENCH_JSON_BYTES 0x1u /* throughput counts JSON text bytes (needs JSON inputs) */
#define AQ_BENCH_AT_1M 0x2u      /* also run at 1M tasks (AQ_BENCH_1M=1) */
#define AQ_BENCH_HAS_FREE 0x4u   /* free_ns is meaningful */

typedef struct aq_bench_op {
    const char *name;  /* "group/name", e.g. "ours/load_file" */
    const char *about; /* one line: exactly what is timed */
    aq_bench_fn fn;
    unsigned flags;
} aq_bench_op;

/* Every operation, in report order; terminated by an entry with name NULL. */
extern const aq_bench_op aq_bench_ops[];

/* ---- the streaming paths (bench_stream.c) ------------------------------------------------------ */

/* What a streaming read handed out: items per field, budgets per dimension (the counts the
 * validator's id maps are sized by) and a value folded from every item's first byte. */
typedef struct aq_bench_tally {
    size_t items[AQ_FIELD_MAX + 1];
    size_t budgets[3];
    uint64_t fold;
} aq_bench_tally;

/* aq_snapshot_read of the file at `path` (protobuf or engine JSON), validated, no payload cap
 * below 4 GiB; *tally filled. Returns 0, or -1 with aq_bench_error() set. */
int aq_bench_stream_read(const char *path, aq_bench_tally *tally);

/* aq_writer_open, aq_writer_add of every field of `snap` in order, aq_writer_commit: validated,
 * AQ_WRITE_NO_SYNC (as ours/write_nosync), protobuf. Records are handed over where they lie:
 * an engine would refill one record from its own structures, these are native already, so
 * what is timed is the writer. Returns 0, or -1 with aq_bench_error() set. */
struct aq_snapshot;
int aq_bench_stream_write(const char *path, const struct aq_snapshot *snap);

/* ---- the C++ libprotobuf peer (cpp_peer.cc) ---------------------------------------------------- */

/* Parse `len` bytes into an actionqueue.snapshot.v1.Snapshot allocated on a fresh
 * google::protobuf::Arena (default options), then destroy the arena: parse_ns and free_ns.
 * Returns 0, or -1 when ParseFromArray fails. */
int aq_bench_cpp_parse_arena(const uint8_t *data, size_t len, uint64_t *parse_ns,
                             uint64_t *free_ns);

/* For rss_probe: parse into an arena that stays alive until aq_bench_cpp_release(). */
int aq_bench_cpp_parse_keep(const uint8_t *data, size_t len);
void aq_bench_cpp_release(void);

/* ---- the engine peer (engine_peer/src/lib.rs, Rust) ---------------------------------------------- */

/* A snapshot as the engine holds it: its own model (the seed's Snapshot) read by serde_json. */
typedef struct aq_engine_snapshot aq_engine_snapshot;

/* serde_json::from_slice::<Snapshot> of `len` bytes of engine JSON text. Returns the snapshot,
 * or NULL with serde_json's message in err (err_len bytes, NUL-terminated). */
aq_engine_snapshot *aq_engine_peer_parse(const uint8_t *json, size_t len, char *err,
                                         size_t err_len);

/* The engine's load of a snapshot file: read it, check the envelope and CRC-32 (crc32fast),
 * from_slice the payload. Returns the snapshot, or NULL with the reason in err. */
aq_engine_snapshot *aq_engine_peer_load(const char *path, char *err, size_t err_len);

/* Its number of run records. */
size_t aq_engine_peer_runs(const aq_engine_snapshot *snapshot);

/* Drop it (NULL: nothing). */
void aq_engine_peer_free(aq_engine_snapshot *snapshot);

/* Monotonic clock in nanoseconds (shared by the shim and the C++ peer). */
uint64_t aq_bench_now_ns(void);

#ifdef __cplusplus
}
#endif

#endif
