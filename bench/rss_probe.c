/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Peak and steady-state memory of one path, one process per path (bench/rss.sh runs each under
 * `/usr/bin/time -v` and reads "Maximum resident set size").
 *
 *   rss_probe gen <tasks>     build the inputs of bench_shim.c (same bytes as the benchmarks)
 *                             and print their paths and sizes
 *   rss_probe <op> <file>     do one thing to <file> and exit; <op> is one of
 *     baseline    nothing (the process itself)
 *     read        read the whole file into memory
 *     pbc_unpack  read, protobuf_c_message_unpack of the payload (default allocator)
 *     cpp_parse   read, libprotobuf ParseFromArray on an Arena
 *     decode      read, aq_snapshot_decode of the payload (no CRC, no validation)
 *     load        aq_snapshot_load (read, CRC, decode, validate)
 *     steady      aq_snapshot_load, then report aq_snapshot_memory() and the RSS growth
 *     json_load   aq_snapshot_load of an engine JSON file
 *     engine_load the engine's load of an engine JSON file (engine_peer/: read, envelope,
 *                 CRC-32, serde_json::from_slice into its own model)
 *     stream_read aq_snapshot_read of a protobuf or engine JSON file, validated, a callback
 *                 reading each item's first byte (bench_stream.c)
 *     write       aq_snapshot_load of a protobuf file, then aq_snapshot_write of it,
 *                 AQ_WRITE_NO_SYNC, to <file>.rss-out (removed before exit)
 *     stream_write the same load, then the streaming writer fed its records one by one
 *                 (bench_stream.c), to the same place
 *
 * Prints key=value pairs: payload (bytes after the 12-byte envelope), rss_before/rss_after
 * (bytes, /proc/self/statm, around the operation), hwm (VmHWM, bytes), op_ns (time of the
 * operation in this fresh process: every page it touches is a first touch), for steady
 * snapshot_memory, and for stream_read and the writes ids_<list>=N: the records whose ids
 * validation keeps (budgets per dimension, ids_budgets_1..3), and id_slot_bytes, the size of
 * one slot of its id maps (validate/uuid_set.h).
 *
 * A write's input is a loaded snapshot, which stands for the state an engine holds anyway: the
 * write's own memory is its peak above the RSS it starts from. So the writes reset VmHWM to the
 * current RSS just before they start ("5" to /proc/self/clear_refs, Linux 4.0+), and hwm -
 * rss_before is what the write added at its peak (what `time -v` reports for these processes is
 * the peak after that reset, the held snapshot included).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <protobuf-c/protobuf-c.h>

#include "actionqueue/snapshot/v1/snapshot.pb-c.h"
#include "aqsnap.h"
#include "aqsnap/file.h"
#include "bench_shim.h"
#include "validate/uuid_set.h" /* the size of an id map's slot, for the report's formula */

static size_t rss_now(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (f != NULL) {
        if (fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
        fclose(f);
    }
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

static size_t hwm_now(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kb = 0;
    if (f == NULL) return 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "VmHWM: %zu kB", &kb) == 1) break;
    fclose(f);
    return kb * 1024;
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "rss_probe: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0) goto fail;
    long n = ftell(f);
    if (n < 12 || fseek(f, 0, SEEK_SET) != 0) goto fail;
    unsigned char *buf = malloc((size_t)n);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        goto fail;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
fail:
    fprintf(stderr, "rss_probe: cannot read %s\n", path);
    fclose(f);
    return NULL;
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return -1;
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    fclose(f);
    return n;
}

static int do_load(const char *path, int steady)
{
    aq_load_options o = AQ_LOAD_OPTIONS_INIT;
    o.max_payload = UINT32_MAX;
    aq_snapshot *s = NULL;
    aq_error err;
    size_t before = rss_now();
    uint64_t t0 = aq_bench_now_ns();
    aq_status st = aq_snapshot_load(path, &o, &s, NULL, &err);
    uint64_t ns = aq_bench_now_ns() - t0;
    size_t after = rss_now();
    if (st != AQ_OK) {
        fprintf(stderr, "rss_probe: aq_snapshot_load: %s: %s\n", aq_status_name(st),
                err.message);
        return 1;
    }
    printf("rss_before=%zu rss_after=%zu hwm=%zu op_ns=%llu", before, after, hwm_now(),
           (unsigned long long)ns);
    if (steady) printf(" snapshot_memory=%zu", aq_snapshot_memory(s));
    aq_snapshot_free(s);
    return 0;
}

static int do_engine_load(const char *path)
{
    char err[256];
    size_t before = rss_now();
    uint64_t t0 = aq_bench_now_ns();
    aq_engine_snapshot *s = aq_engine_peer_load(path, err, sizeof err);
    uint64_t ns = aq_bench_now_ns() - t0;
    size_t after = rss_now();
    if (s == NULL) {
        fprintf(stderr, "rss_probe: engine peer: %s\n", err);
        return 1;
    }
    printf("rss_before=%zu rss_after=%zu hwm=%zu op_ns=%llu", before, after, hwm_now(),
           (unsigned long long)ns);
    aq_engine_peer_free(s);
    return 0;
}

static void print_ids(const size_t items[AQ_FIELD_MAX + 1], const size_t budgets[3])
{
    printf(" id_slot_bytes=%zu ids_tasks=%zu ids_runs=%zu ids_dependency_declarations=%zu",
           sizeof(aq__uuid_slot), items[AQ_FIELD_TASKS], items[AQ_FIELD_RUNS],
           items[AQ_FIELD_DEPENDENCY_DECLARATIONS]);
    printf(" ids_budgets_1=%zu ids_budgets_2=%zu ids_budgets_3=%zu ids_subscriptions=%zu",
           budgets[0], budgets[1], budgets[2], items[AQ_FIELD_SUBSCRIPTIONS]);
}

static int do_stream_read(const char *path)
{
    aq_bench_tally tally;
    size_t before = rss_now();
    uint64_t t0 = aq_bench_now_ns();
    int rc = aq_bench_stream_read(path, &tally);
    uint64_t ns = aq_bench_now_ns() - t0;
    if (rc != 0) {
        fprintf(stderr, "rss_probe: %s\n", aq_bench_error());
        return 1;
    }
    printf("rss_before=%zu rss_after=%zu hwm=%zu op_ns=%llu fold=%llu", before, rss_now(),
           hwm_now(), (unsigned long long)ns, (unsigned long long)tally.fold);
    print_ids(tally.items, tally.budgets);
    return 0;
}

/* VmHWM from now on is the peak of what follows: "5" to clear_refs resets it to the current
 * RSS. Checked, so that a kernel without it cannot pass off the load's peak as the write's. */
static int reset_hwm(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    int ok = f != NULL && fputs("5", f) >= 0;
    if (f != NULL) ok = fclose(f) == 0 && ok;
    if (!ok || hwm_now() > rss_now() + ((size_t)1 << 20)) {
        fprintf(stderr, "rss_probe: cannot reset VmHWM through /proc/self/clear_refs\n");
        return -1;
    }
    return 0;
}

static int do_write(const char *path, int streaming)
{
    aq_load_options lo = AQ_LOAD_OPTIONS_INIT;
    lo.max_payload = UINT32_MAX;
    aq_snapshot *s = NULL;
    aq_error err;
    aq_status st = aq_snapshot_load(path, &lo, &s, NULL, &err);
    if (st != AQ_OK) {
        fprintf(stderr, "rss_probe: aq_snapshot_load: %s: %s\n", aq_status_name(st),
                err.message);
        return 1;
    }
    char out[4096];
    snprintf(out, sizeof out, "%s.rss-out", path);
    size_t items[AQ_FIELD_MAX + 1] = {0}, budgets[3] = {0};
    items[AQ_FIELD_TASKS] = s->tasks.count;
    items[AQ_FIELD_RUNS] = s->runs.count;
    items[AQ_FIELD_DEPENDENCY_DECLARATIONS] = s->dependency_declarations.count;
    items[AQ_FIELD_SUBSCRIPTIONS] = s->subscriptions.count;
    for (size_t i = 0; i < s->budgets.count; i++) {
        aq_budget_dimension d = s->budgets.items[i].dimension;
        if (d >= 1 && d <= 3) budgets[d - 1]++;
    }

    size_t before = rss_now();
    if (reset_hwm() != 0) {
        aq_snapshot_free(s);
        return 1;
    }
    int rc = 0;
    uint64_t t0 = aq_bench_now_ns();
    if (streaming) {
        rc = aq_bench_stream_write(out, s);
    } else {
        aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
        wo.flags = AQ_WRITE_NO_SYNC;
        wo.max_payload = UINT32_MAX;
        st = aq_snapshot_write(out, s, &wo, &err);
        if (st != AQ_OK)
            rc = aq_bench_fail("aq_snapshot_write: %s: %s", aq_status_name(st), err.message);
    }
    uint64_t ns = aq_bench_now_ns() - t0;
    size_t after = rss_now(), hwm = hwm_now();
    (void)unlink(out);
    if (rc != 0) {
        fprintf(stderr, "rss_probe: %s\n", aq_bench_error());
        aq_snapshot_free(s);
        return 1;
    }
    printf("rss_before=%zu rss_after=%zu hwm=%zu op_ns=%llu snapshot_memory=%zu", before, after,
           hwm, (unsigned long long)ns, aq_snapshot_memory(s));
    print_ids(items, budgets);
    aq_snapshot_free(s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: rss_probe gen <tasks> | rss_probe <op> <file>\n");
        return 2;
    }
    const char *op = argv[1];
    const char *arg = argv[2];

    if (strcmp(op, "gen") == 0) {
        size_t tasks = (size_t)strtoull(arg, NULL, 10);
        aq_bench_info info;
        if (aq_bench_prepare(tasks, tasks < 1000000, &info) != 0) {
            fprintf(stderr, "rss_probe: %s\n", aq_bench_error());
            return 1;
        }
        printf("tasks=%zu runs=%zu pb_path=%s pb_len=%zu json_path=%s json_len=%zu\n",
               info.tasks, info.runs, info.pb_path, info.pb_len,
               info.json_path[0] != '\0' ? info.json_path : "-", info.json_len);
        aq_bench_release();
        return 0;
    }

    long fsize = file_size(arg);
    if (fsize < 12) {
        fprintf(stderr, "rss_probe: %s: missing or shorter than an envelope\n", arg);
        return 1;
    }
    printf("op=%s payload=%ld ", op, fsize - 12);
    int rc = 0;
    if (strcmp(op, "baseline") == 0) {
        printf("rss_before=%zu rss_after=%zu hwm=%zu", rss_now(), rss_now(), hwm_now());
    } else if (strcmp(op, "read") == 0 || strcmp(op, "pbc_unpack") == 0 ||
               strcmp(op, "cpp_parse") == 0 || strcmp(op, "decode") == 0) {
        size_t before = rss_now();
        uint64_t t0 = aq_bench_now_ns();
        size_t len = 0;
        unsigned char *buf = read_all(arg, &len);
        if (buf == NULL) return 1;
        ProtobufCMessage *m = NULL;
        aq_snapshot *snap = NULL;
        if (strcmp(op, "pbc_unpack") == 0) {
            m = protobuf_c_message_unpack(&actionqueue__snapshot__v1__snapshot__descriptor,
                                          NULL, len - 12, buf + 12);
            if (m == NULL) rc = 1;
        } else if (strcmp(op, "cpp_parse") == 0) {
            rc = aq_bench_cpp_parse_keep(buf + 12, len - 12) == 0 ? 0 : 1;
        } else if (strcmp(op, "decode") == 0) {
            aq_error err;
            aq_status st = aq_snapshot_decode(buf + 12, len - 12, NULL, &snap, &err);
            if (st != AQ_OK) {
                fprintf(stderr, "rss_probe: aq_snapshot_decode: %s: %s\n", aq_status_name(st),
                        err.message);
                rc = 1;
            }
        }
        uint64_t ns = aq_bench_now_ns() - t0;
        printf("rss_before=%zu rss_after=%zu hwm=%zu op_ns=%llu", before, rss_now(), hwm_now(),
               (unsigned long long)ns);
        if (m != NULL) protobuf_c_message_free_unpacked(m, NULL);
        aq_snapshot_free(snap);
        aq_bench_cpp_release();
        free(buf);
    } else if (strcmp(op, "load") == 0 || strcmp(op, "json_load") == 0) {
        rc = do_load(arg, 0);
    } else if (strcmp(op, "engine_load") == 0) {
        rc = do_engine_load(arg);
    } else if (strcmp(op, "steady") == 0) {
        rc = do_load(arg, 1);
    } else if (strcmp(op, "stream_read") == 0) {
        rc = do_stream_read(arg);
    } else if (strcmp(op, "write") == 0 || strcmp(op, "stream_write") == 0) {
        rc = do_write(arg, strcmp(op, "stream_write") == 0);
    } else {
        fprintf(stderr, "rss_probe: unknown operation %s\n", op);
        return 2;
    }
    printf("\n");
    return rc;
}
