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
 *
 * Prints key=value pairs: payload (bytes after the 12-byte envelope), rss_before/rss_after
 * (bytes, /proc/self/statm, around the operation), hwm (VmHWM, bytes), op_ns (time of the
 * operation in this fresh process: every page it touches is a first touch) and, for steady,
 * snapshot_memory.
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
    } else {
        fprintf(stderr, "rss_probe: unknown operation %s\n", op);
        return 2;
    }
    printf("\n");
    return rc;
}
