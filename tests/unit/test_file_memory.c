/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The memory limit of a load (aq_load_options.max_memory): inputs built to make the decoder
 * allocate far more than they hold fail cleanly under the default limit, legitimate snapshots
 * load under it, and the limit holds at every point where memory is taken. Each big input is
 * generated here and loaded in a child process whose peak RSS is measured and printed.
 */
#define _DEFAULT_SOURCE 1 /* wait4: the rusage of one child */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <valgrind/valgrind.h>

#include "aqsnap.h"
#include "fail_alloc.h"
#include "internal.h"
#include "sample.h"

#define MiB ((uint64_t)1 << 20)

static char dir[64];

static int setup_dir(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/aq-test-memory-XXXXXX");
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    (void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Resident memory says what the library touched, except under AddressSanitizer (its shadow
 * memory and quarantine) and valgrind (its own). */
static bool rss_meaningful(void)
{
#ifdef AQ__ASAN
    return false;
#else
    return !RUNNING_ON_VALGRIND;
#endif
}

/* Under valgrind the inputs are 1/64 of their size, with limits scaled the same way: the same
 * paths at a speed valgrind can take. */
static size_t scale(size_t n)
{
    return RUNNING_ON_VALGRIND ? n / 64 : n;
}

static aq_snapshot *sample(size_t tasks, bool coverage)
{
    sample_options o = sample_defaults();
    o.tasks = tasks;
    o.seed = 7;
    o.coverage = coverage;
    aq_snapshot *s = NULL;
    aq_error err;
    assert_int_equal(sample_build(&o, NULL, &s, &err), AQ_OK);
    return s;
}

/* A growable byte string for building inputs. */
typedef struct bytes {
    uint8_t *p;
    size_t len, cap;
} bytes;

static void put(bytes *b, const void *data, size_t n)
{
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len < n) cap *= 2;
        b->p = realloc(b->p, cap);
        assert_non_null(b->p);
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_repeated(bytes *b, const char *unit, size_t unit_len, size_t times)
{
    for (size_t i = 0; i < times; i++) put(b, unit, unit_len);
}

/* `payload` in an envelope of `frame`, written to dir/name; returns the path (static). */
static const char *write_image(const char *name, uint32_t frame, const bytes *payload)
{
    static char path[128];
    (void)snprintf(path, sizeof path, "%s/%s", dir, name);
    uint8_t *img = malloc(payload->len + AQ_ENVELOPE_SIZE);
    assert_non_null(img);
    memcpy(img + AQ_ENVELOPE_SIZE, payload->p, payload->len);
    aq__envelope_seal(img, frame, payload->len);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(img, 1, payload->len + AQ_ENVELOPE_SIZE, f),
                     payload->len + AQ_ENVELOPE_SIZE);
    assert_int_equal(fclose(f), 0);
    free(img);
    return path;
}

/* ---- loading in a child, measuring its peak ------------------------------------------------ */

typedef struct outcome {
    aq_status status;
    aq_error_kind kind;
    uint64_t peak_growth; /* peak RSS of the child minus the RSS it started with, bytes */
    char message[AQ_ERROR_MESSAGE_MAX];
} outcome;

static uint64_t rss_now(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    assert_non_null(f);
    unsigned long size = 0, resident = 0;
    assert_int_equal(fscanf(f, "%lu %lu", &size, &resident), 2);
    fclose(f);
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* aq_snapshot_load(path, lo) in a child process: what it returned and how much its resident
 * memory grew at the peak (the parent's memory is shared with it and does not count). Callers
 * free what they allocated before: the child exits without freeing what it inherited, which
 * valgrind would count as lost. */
static outcome load_in_child(const char *what, const char *path, const aq_load_options *lo)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    uint64_t start = rss_now();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        outcome o;
        memset(&o, 0, sizeof o); /* padding too: all of it goes through the pipe */
        aq_snapshot *s = NULL;
        aq_error err;
        o.status = aq_snapshot_load(path, lo, &s, NULL, &err);
        o.kind = o.status == AQ_OK ? AQ_ERR_NONE : err.kind;
        if (o.status != AQ_OK) (void)snprintf(o.message, sizeof o.message, "%s", err.message);
        aq_snapshot_free(s);
        ssize_t w = write(fds[1], &o, sizeof o);
        close(fds[1]);
        _exit(w == (ssize_t)sizeof o ? 0 : 1);
    }
    close(fds[1]);
    outcome o;
    ssize_t r = read(fds[0], &o, sizeof o);
    close(fds[0]);
    int status;
    struct rusage ru;
    assert_int_equal(wait4(pid, &status, 0, &ru), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(r, (ssize_t)sizeof o);
    uint64_t peak = (uint64_t)ru.ru_maxrss * 1024u;
    o.peak_growth = peak > start ? peak - start : 0;
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    printf("  %-34s %9.1f MiB file: %s %s, peak RSS growth %.1f MiB (%.1fx the file)\n", what,
           (double)st.st_size / (double)MiB, aq_status_name(o.status), aq_error_kind_name(o.kind),
           (double)o.peak_growth / (double)MiB, (double)o.peak_growth / (double)st.st_size);
    if (o.status != AQ_OK) printf("    %s\n", o.message);
    return o;
}

/* The load of the `len`-byte payload at `path` fails on the default memory limit, naming it,
 * and its memory stays within that limit. Under valgrind (inputs 1/64 of their size) the limit
 * is the default's without its constant, which only big inputs outgrow. */
static void refused_by_default(const char *what, const char *path, aq_format format, uint64_t len)
{
    uint64_t per_byte = format == AQ_FORMAT_JSON ? AQ_DEFAULT_MEMORY_PER_BYTE_JSON
                                                 : AQ_DEFAULT_MEMORY_PER_BYTE_PROTOBUF;
    aq_load_options lo = AQ_LOAD_OPTIONS_INIT;
    uint64_t limit = per_byte * len + AQ_DEFAULT_MEMORY_BASE;
    if (RUNNING_ON_VALGRIND) lo.max_memory = limit = per_byte * len;
    outcome o = load_in_child(what, path, &lo);
    assert_int_equal(o.status, AQ_ELIMIT);
    assert_int_equal(o.kind, AQ_ERR_MEMORY_LIMIT);
    char text[48];
    (void)snprintf(text, sizeof text, "memory limit of %llu bytes", (unsigned long long)limit);
    assert_non_null(strstr(o.message, text));
    /* Anything charged may be touched; a little more (stdio, partly used huge pages) is not. */
    if (rss_meaningful()) assert_true(o.peak_growth <= limit + 8 * MiB);
}

/* ---- the amplification inputs of issue 11 --------------------------------------------------- */

/* Protobuf: millions of empty `tasks` records (2 bytes each). The task list is 180 times the
 * payload: refused before anything is allocated for it. With a limit high enough for it, it is
 * reserved but never touched, and the first record fails to decode. */
static void test_file_memory__empty_records(void **state)
{
    (void)state;
    bytes pb = {0};
    put_repeated(&pb, "\x22\x00", 2, scale(8u << 20));
    const char *path = write_image("empty_tasks.bin", AQ_FRAME_PROTOBUF, &pb);
    uint64_t len = pb.len;
    free(pb.p);
    refused_by_default("empty tasks, default limit", path, AQ_FORMAT_PROTOBUF, len);

    aq_load_options lo = AQ_LOAD_OPTIONS_INIT;
    lo.max_memory = len / 2 * sizeof(aq_task) * 2; /* room for the whole list */
    outcome o = load_in_child("empty tasks, limit for the list", path, &lo);
    assert_int_equal(o.status, AQ_EDECODE);
    assert_int_equal(o.kind, AQ_ERR_MISSING_FIELD);
    /* Not 180 times the file: the list was reserved, never touched. */
    if (rss_meaningful()) assert_true(o.peak_growth < 4 * len + 16 * MiB);
}

/* Protobuf: a valid snapshot followed by millions of tiny unknown top-level fields (field 15,
 * varint 0): protobuf-c unpacks each into a record of its own, ~38 times the payload. */
static void test_file_memory__unknown_fields(void **state)
{
    (void)state;
    aq_snapshot *s = sample(20, true);
    aq_buffer img;
    aq_error err;
    assert_int_equal(aq_snapshot_encode(s, NULL, &img, &err), AQ_OK);
    bytes pb = {0};
    put(&pb, img.data, img.len);
    put_repeated(&pb, "\x78\x00", 2, scale(8u << 20));
    const char *path = write_image("unknown_fields.bin", AQ_FRAME_PROTOBUF, &pb);
    uint64_t len = pb.len;
    aq_buffer_free(&img);
    aq_snapshot_free(s);
    free(pb.p);
    refused_by_default("unknown fields, default limit", path, AQ_FORMAT_PROTOBUF, len);
    /* It is a valid snapshot: with memory enough, it loads. */
    aq_load_options lo = AQ_LOAD_OPTIONS_INIT;
    lo.max_memory = 64 * len + 64 * MiB;
    outcome o = load_in_child("unknown fields, 64x limit", path, &lo);
    assert_int_equal(o.status, AQ_OK);
}

/* JSON: an actor whose capabilities are millions of empty strings (3 bytes each, 16 in memory,
 * gathered, copied, and indexed by simdjson as one record). */
static void test_file_memory__json_empty_strings(void **state)
{
    (void)state;
    aq_snapshot *s = sample(20, true);
    assert_true(s->actors.count > 0);
    aq_buffer json;
    aq_error err;
    assert_int_equal(aq_snapshot_encode_json(s, NULL, 0, &json, &err), AQ_OK);
    const char *key = "\"capabilities\":[";
    char *at = strstr((char *)json.data, key); /* the first actor's */
    assert_non_null(at);
    size_t head = (size_t)(at - (char *)json.data) + strlen(key);
    bytes doc = {0};
    put(&doc, json.data, head);
    put_repeated(&doc, "\"\",", 3, scale(16u << 20));
    if (json.data[head] == ']') doc.len--; /* the list was empty: no comma before its end */
    put(&doc, json.data + head, json.len - head);
    const char *path = write_image("empty_strings.json", AQ_FRAME_JSON, &doc);
    uint64_t len = doc.len;
    aq_buffer_free(&json);
    aq_snapshot_free(s);
    free(doc.p);
    refused_by_default("empty strings (JSON), default limit", path, AQ_FORMAT_JSON, len);
}

/* ---- legitimate snapshots ------------------------------------------------------------------- */

/* The benchmark's 100k-task snapshot (bench_shim.c's options) loads under the default limit in
 * both formats. */
static void test_file_memory__benchmark_snapshot_loads(void **state)
{
    (void)state;
    sample_options so = sample_defaults();
    so.tasks = RUNNING_ON_VALGRIND ? 1000 : 100000;
    so.seed = 1;
    so.coverage = false;
    so.payload_min = 16;
    so.payload_max = 512;
    aq_snapshot *s = NULL;
    aq_error err;
    assert_int_equal(sample_build(&so, NULL, &s, &err), AQ_OK);
    char paths[2][128];
    for (int f = 0; f < 2; f++) {
        (void)snprintf(paths[f], sizeof paths[f], "%s/bench.%s", dir, f ? "json" : "pb");
        aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
        wo.format = f ? AQ_FORMAT_JSON : AQ_FORMAT_PROTOBUF;
        wo.flags = AQ_WRITE_NO_SYNC;
        wo.max_payload = UINT32_MAX; /* the 100k JSON text is over 256 MiB */
        assert_int_equal(aq_snapshot_write(paths[f], s, &wo, &err), AQ_OK);
    }
    aq_snapshot_free(s);
    for (int f = 0; f < 2; f++) {
        aq_load_options lo = AQ_LOAD_OPTIONS_INIT;
        lo.max_payload = UINT32_MAX;
        outcome o = load_in_child(f ? "benchmark snapshot, JSON" : "benchmark snapshot, protobuf",
                                  paths[f], &lo);
        assert_int_equal(o.status, AQ_OK);
        unlink(paths[f]);
    }
}

/* ---- the limit at every point ---------------------------------------------------------------- */

/* Every limit from nothing up to what a load needs: each either loads or fails with the memory
 * limit (never AQ_ENOMEM), the caller's allocator never holds more than the limit, and nothing
 * is left allocated. Protobuf and JSON, from a file, a buffer and a stream. */
static void test_file_memory__limit_holds_everywhere(void **state)
{
    (void)state;
    aq_snapshot *s = sample(30, true);
    aq_format formats[] = {AQ_FORMAT_PROTOBUF, AQ_FORMAT_JSON};
    for (size_t f = 0; f < 2; f++) {
        aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
        wo.format = formats[f];
        aq_buffer img;
        aq_error err;
        assert_int_equal(aq_snapshot_write_buffer(s, &wo, &img, &err), AQ_OK);
        char path[128];
        (void)snprintf(path, sizeof path, "%s/limits.bin", dir);
        FILE *w = fopen(path, "wb");
        assert_non_null(w);
        assert_int_equal(fwrite(img.data, 1, img.len, w), img.len);
        assert_int_equal(fclose(w), 0);

        fail_alloc fa;
        aq_allocator al = fail_alloc_allocator(&fa);
        aq_load_options lo = AQ_LOAD_OPTIONS_INIT;
        lo.allocator = &al;
        for (int from = 0; from < 3; from++) {
            uint64_t loaded_at = 0;
            for (uint64_t limit = 1; loaded_at == 0; limit += limit / 8 + 1) {
                lo.max_memory = limit;
                fail_alloc_reset(&fa, SIZE_MAX);
                aq_snapshot *got = NULL;
                aq_status st;
                if (from == 0) {
                    st = aq_snapshot_load(path, &lo, &got, NULL, &err);
                } else if (from == 1) {
                    st = aq_snapshot_load_buffer(img.data, img.len, &lo, &got, NULL, &err);
                } else {
                    FILE *r = fopen(path, "rb");
                    assert_non_null(r);
                    st = aq_snapshot_load_stream(r, &lo, &got, NULL, &err);
                    fclose(r);
                }
                assert_true(fa.peak_bytes <= limit);
                if (st == AQ_OK) {
                    loaded_at = limit;
                    aq_snapshot_free(got);
                } else {
                    if (st != AQ_ELIMIT || err.kind != AQ_ERR_MEMORY_LIMIT)
                        fail_msg("limit %llu: %s %s: %s", (unsigned long long)limit,
                                 aq_status_name(st), aq_error_kind_name(err.kind), err.message);
                    assert_null(got);
                }
                assert_int_equal(fa.live_bytes, 0);
            }
            printf("  %s from %s: loads from a limit of %llu bytes (%zu-byte file)\n",
                   f ? "JSON" : "protobuf", from == 0 ? "a file" : from == 1 ? "memory" : "a stream",
                   (unsigned long long)loaded_at, img.len);
        }
        aq_buffer_free(&img);
    }
    aq_snapshot_free(s);
}

/* A program built against version 1 of aq_load_options (no max_memory) still loads, with the
 * default limit. */
static void test_file_memory__version_1_options(void **state)
{
    (void)state;
    typedef struct v1 {
        uint32_t version;
        const aq_allocator *allocator;
        uint64_t max_payload;
        uint32_t flags;
    } v1;
    assert_int_equal(sizeof(v1), offsetof(aq_load_options, max_memory));
    aq_snapshot *s = sample(5, true);
    aq_buffer img;
    aq_error err;
    assert_int_equal(aq_snapshot_write_buffer(s, NULL, &img, &err), AQ_OK);
    /* Allocated at its own size: reading past it is caught by ASan and valgrind. */
    v1 *old = malloc(sizeof *old);
    assert_non_null(old);
    *old = (v1){1, NULL, 0, 0};
    aq_snapshot *got;
    assert_int_equal(aq_snapshot_load_buffer(img.data, img.len, (const aq_load_options *)old,
                                             &got, NULL, &err),
                     AQ_OK);
    aq_snapshot_free(got);
    old->version = 3;
    assert_int_equal(aq_snapshot_load_buffer(img.data, img.len, (const aq_load_options *)old,
                                             &got, NULL, &err),
                     AQ_EINVAL);
    assert_non_null(strstr(err.message, "version is 3"));
    free(old);
    aq_buffer_free(&img);
    aq_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_memory__empty_records),
        cmocka_unit_test(test_file_memory__unknown_fields),
        cmocka_unit_test(test_file_memory__json_empty_strings),
        cmocka_unit_test(test_file_memory__benchmark_snapshot_loads),
        cmocka_unit_test(test_file_memory__limit_holds_everywhere),
        cmocka_unit_test(test_file_memory__version_1_options),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
