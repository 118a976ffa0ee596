/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Benchmark shim: inputs built once per size, one function per measured operation.
 * See bench_shim.h for the timing contract and BENCHMARKS.md for what each row means.
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS, MADV_HUGEPAGE, clock_gettime */

#include "bench_shim.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include <protobuf-c/protobuf-c.h>
#include <zlib.h>

#include "actionqueue/snapshot/v1/snapshot.pb-c.h"
#include "aqsnap.h"
#include "aqsnap/file.h"
#include "sample.h"

#define PB_DESC actionqueue__snapshot__v1__snapshot__descriptor

/* ---- errors and clock ------------------------------------------------------------------------ */

static char g_error[1024];

int aq_bench_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_error, sizeof g_error, fmt, ap);
    va_end(ap);
    return -1;
}

static int fail_aq(const char *what, aq_status st, const aq_error *err)
{
    return aq_bench_fail("%s: %s: %s", what, aq_status_name(st), err->message);
}

const char *aq_bench_error(void)
{
    return g_error;
}

uint64_t aq_bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

/* Results the compiler must not drop. */
static volatile uint32_t g_sink;

/* ---- bump arena for the peers (and as a caller-supplied allocator for ours) -------------------- */

/* Chunks are mapped straight from the kernel, so a fresh arena really gets fresh pages (the
 * "fresh arena" peer pays the page faults a new process would), and a reused one keeps its
 * pages resident. The first chunk is 1 MiB, each next one twice the previous, at most 64 MiB
 * (or the request, if larger). */
typedef struct bump_chunk {
    struct bump_chunk *next;
    size_t size; /* mapping size, this header included */
    size_t used; /* bytes handed out, this header included */
} bump_chunk;

#define BUMP_HEADER ((size_t)64)
#define BUMP_FIRST ((size_t)1 << 20)
#define BUMP_MAX_GROWTH ((size_t)64 << 20)

typedef struct bump {
    bump_chunk *head; /* the chunk being filled; older ones follow */
    size_t next_size;
    bool hugepage; /* madvise(MADV_HUGEPAGE) on every chunk */
} bump;

static bump_chunk *bump_map(size_t size, bool hugepage)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    if (hugepage) (void)madvise(p, size, MADV_HUGEPAGE);
    bump_chunk *c = p;
    c->next = NULL;
    c->size = size;
    c->used = BUMP_HEADER;
    return c;
}

static void *bump_alloc(bump *b, size_t size)
{
    size = (size + 15u) & ~(size_t)15u;
    bump_chunk *c = b->head;
    if (c == NULL || c->size - c->used < size) {
        if (b->next_size == 0) b->next_size = BUMP_FIRST;
        size_t want = b->next_size;
        while (want - BUMP_HEADER < size) want *= 2;
        c = bump_map(want, b->hugepage);
        if (c == NULL) return NULL;
        c->next = b->head;
        b->head = c;
        if (b->next_size < BUMP_MAX_GROWTH) b->next_size *= 2;
    }
    void *p = (unsigned char *)c + c->used;
    c->used += size;
    return p;
}

static void bump_destroy(bump *b)
{
    for (bump_chunk *c = b->head, *next; c != NULL; c = next) {
        next = c->next;
        munmap(c, c->size);
    }
    b->head = NULL;
    b->next_size = 0;
}

/* Forget every allocation. Several chunks are merged into one that holds them all (rounded up
 * to 2 MiB), so a reused arena settles, after one round, at one resident chunk. */
static void bump_reset(bump *b)
{
    if (b->head == NULL) return;
    if (b->head->next == NULL) {
        b->head->used = BUMP_HEADER;
        return;
    }
    size_t total = 0;
    for (bump_chunk *c = b->head; c != NULL; c = c->next) total += c->used;
    bool huge = b->hugepage;
    bump_destroy(b);
    size_t two_mib = (size_t)2 << 20;
    size_t size = (total + total / 8 + two_mib - 1) & ~(two_mib - 1);
    b->head = bump_map(size, huge); /* NULL: the next alloc maps a new chunk */
    b->next_size = size;
}

static void *pbc_bump_alloc(void *ctx, size_t size)
{
    return bump_alloc(ctx, size);
}

static void pbc_bump_free(void *ctx, void *ptr)
{
    (void)ctx;
    (void)ptr;
}

static void *aq_bump_alloc(void *ctx, size_t size)
{
    return bump_alloc(ctx, size);
}

static void aq_bump_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    (void)ptr;
    (void)size;
}

/* ---- inputs --------------------------------------------------------------------------------- */

typedef struct input {
    bool ready;
    bool with_json;
    size_t tasks;
    size_t runs;
    uint8_t *pb; /* the protobuf payload: what every protobuf path reads */
    size_t pb_len;
    uint8_t *image; /* envelope + payload: the file's bytes, for aq_snapshot_load_buffer() */
    size_t image_len;
    uint8_t *json; /* the engine JSON text of the same snapshot */
    size_t json_len;
    char pb_path[512];
    char json_path[512];
    char out_path[512]; /* aq_snapshot_write() target */
    aq_snapshot *snap;    /* decoded from `pb`: input of validate, encode, write, JSON export */
    ProtobufCMessage *pbc; /* protobuf-c's unpack of `pb`: input of the pack peer */
    uint8_t *pack_buf;     /* preallocated (and touched) output of the pack peer */
    size_t pack_cap;
    uint8_t *copy_buf; /* memcpy floor destination, touched */
    bump pbc_reused;   /* reused arena of the protobuf-c peer */
    bump aq_reused;    /* reused caller allocator for our paths */
    aq_allocator aq_reused_alloc;
} input;

static input cur;

static const char *g_dir;

const char *aq_bench_dir(void)
{
    if (g_dir == NULL) {
        const char *d = getenv("AQ_BENCH_DIR");
        g_dir = d != NULL && d[0] != '\0' ? d : "/tmp/aqsnap-bench";
        (void)mkdir(g_dir, 0755); /* EEXIST is fine; a real failure shows when writing */
    }
    return g_dir;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* The engine's envelope, built here with zlib rather than by the library under test. */
static void seal(uint8_t hdr[12], uint32_t frame, const uint8_t *payload, size_t len)
{
    put_le32(hdr, frame);
    put_le32(hdr + 4, (uint32_t)len);
    put_le32(hdr + 8, (uint32_t)crc32_z(0L, payload, len));
}

static int write_file(const char *path, const uint8_t hdr[12], const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) return aq_bench_fail("cannot create %s: %s", path, strerror(errno));
    bool ok = fwrite(hdr, 1, 12, f) == 12 && fwrite(data, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    if (!ok) return aq_bench_fail("cannot write %s", path);
    return 0;
}

static uint8_t *dup_bytes(const uint8_t *data, size_t len)
{
    uint8_t *p = malloc(len > 0 ? len : 1);
    if (p != NULL && len > 0) memcpy(p, data, len);
    return p;
}

static aq_load_options load_opts(const aq_allocator *alloc, uint32_t flags)
{
    aq_load_options o = AQ_LOAD_OPTIONS_INIT;
    o.allocator = alloc;
    o.max_payload = UINT32_MAX; /* the 1M-task payload is over the default 256 MiB cap */
    o.flags = flags;
    return o;
}

void aq_bench_release(void)
{
    if (cur.pbc != NULL) protobuf_c_message_free_unpacked(cur.pbc, NULL);
    aq_snapshot_free(cur.snap);
    free(cur.pb);
    free(cur.image);
    free(cur.json);
    free(cur.pack_buf);
    free(cur.copy_buf);
    bump_destroy(&cur.pbc_reused);
    bump_destroy(&cur.aq_reused);
    memset(&cur, 0, sizeof cur);
}

static void fill_info(aq_bench_info *info)
{
    info->tasks = cur.tasks;
    info->runs = cur.runs;
    info->pb_len = cur.pb_len;
    info->json_len = cur.json_len;
    info->pb_path = cur.pb_path;
    info->json_path = cur.with_json ? cur.json_path : "";
}

static int check_loads(void);
static int check_stream_write(void);
static int warm_reused(void);

static int build(size_t tasks, bool with_json)
{
    aq_error err;
    aq_status st;
    cur.tasks = tasks;
    cur.with_json = with_json;
    const char *dir = aq_bench_dir();
    snprintf(cur.pb_path, sizeof cur.pb_path, "%s/snapshot-%zu.pb.aqs", dir, tasks);
    snprintf(cur.json_path, sizeof cur.json_path, "%s/snapshot-%zu.json.aqs", dir, tasks);
    snprintf(cur.out_path, sizeof cur.out_path, "%s/write-%zu.aqs", dir, tasks);

    /* The shape: ~1.05 runs per task, 2-8 history entries, 0-3 attempts, payloads of
     * 16..512 bytes, the newest schema, no forced coverage of rare variants. */
    sample_options so = sample_defaults();
    so.seed = 1;
    so.tasks = tasks;
    so.coverage = false;
    so.payload_min = 16;
    so.payload_max = 512;
    aq_snapshot *sample = NULL;
    st = sample_build(&so, NULL, &sample, &err);
    if (st != AQ_OK) return fail_aq("sample_build", st, &err);

    aq_buffer buf = {0};
    st = aq_snapshot_encode(sample, NULL, &buf, &err);
    aq_snapshot_free(sample);
    if (st != AQ_OK) return fail_aq("aq_snapshot_encode (input)", st, &err);
    cur.pb_len = buf.len;
    cur.pb = dup_bytes(buf.data, buf.len);
    aq_buffer_free(&buf);
    if (cur.pb == NULL) return aq_bench_fail("out of memory");
    if (cur.pb_len > UINT32_MAX)
        return aq_bench_fail("payload of %zu bytes does not fit the envelope", cur.pb_len);

    cur.image_len = 12 + cur.pb_len;
    cur.image = malloc(cur.image_len);
    if (cur.image == NULL) return aq_bench_fail("out of memory");
    seal(cur.image, AQ_FRAME_PROTOBUF, cur.pb, cur.pb_len);
    memcpy(cur.image + 12, cur.pb, cur.pb_len);
    if (write_file(cur.pb_path, cur.image, cur.pb, cur.pb_len) != 0) return -1;

    /* The snapshot every "from native" path starts from is the decoded one, laid out as a
     * loaded snapshot is. */
    st = aq_snapshot_decode(cur.pb, cur.pb_len, NULL, &cur.snap, &err);
    if (st != AQ_OK) return fail_aq("aq_snapshot_decode (input)", st, &err);
    cur.runs = cur.snap->runs.count;
    st = aq_snapshot_validate(cur.snap, NULL, &err);
    if (st != AQ_OK) return fail_aq("aq_snapshot_validate (input)", st, &err);
    st = aq_snapshot_encode(cur.snap, NULL, &buf, &err);
    if (st != AQ_OK) return fail_aq("aq_snapshot_encode (round trip)", st, &err);
    bool same = buf.len == cur.pb_len && memcmp(buf.data, cur.pb, buf.len) == 0;
    aq_buffer_free(&buf);
    if (!same) return aq_bench_fail("decode then encode does not give the input bytes back");

    cur.pbc = protobuf_c_message_unpack(&PB_DESC, NULL, cur.pb_len, cur.pb);
    if (cur.pbc == NULL) return aq_bench_fail("protobuf_c_message_unpack failed on the input");
    cur.pack_cap = protobuf_c_message_get_packed_size(cur.pbc);
    cur.pack_buf = malloc(cur.pack_cap);
    cur.copy_buf = malloc(cur.pb_len);
    if (cur.pack_buf == NULL || cur.copy_buf == NULL) return aq_bench_fail("out of memory");
    memset(cur.pack_buf, 0, cur.pack_cap);
    memset(cur.copy_buf, 0, cur.pb_len);
    if (protobuf_c_message_pack(cur.pbc, cur.pack_buf) != cur.pack_cap)
        return aq_bench_fail("protobuf_c_message_pack wrote an unexpected size");
    /* Informational: protobuf-c writes fields in number order, as we do. */
    if (cur.pack_cap != cur.pb_len || memcmp(cur.pack_buf, cur.pb, cur.pb_len) != 0)
        fprintf(stderr, "aq_bench: note: protobuf-c repacks %zu tasks as %zu bytes, ours %zu "
                        "(same message, different bytes)\n", tasks, cur.pack_cap, cur.pb_len);

    uint64_t parse_ns, free_ns;
    if (aq_bench_cpp_parse_arena(cur.pb, cur.pb_len, &parse_ns, &free_ns) != 0)
        return aq_bench_fail("C++ ParseFromArray failed on the input");

    if (with_json) {
        st = aq_snapshot_encode_json(cur.snap, NULL, 0, &buf, &err);
        if (st != AQ_OK) return fail_aq("aq_snapshot_encode_json (input)", st, &err);
        cur.json_len = buf.len;
        cur.json = dup_bytes(buf.data, buf.len);
        aq_buffer_free(&buf);
        if (cur.json == NULL) return aq_bench_fail("out of memory");
        if (cur.json_len > UINT32_MAX) return aq_bench_fail("JSON too large for the envelope");
        uint8_t hdr[12];
        seal(hdr, AQ_FRAME_JSON, cur.json, cur.json_len);
        if (write_file(cur.json_path, hdr, cur.json, cur.json_len) != 0) return -1;
    }

    cur.aq_reused_alloc.alloc = aq_bump_alloc;
    cur.aq_reused_alloc.free = aq_bump_free;
    cur.aq_reused_alloc.ctx = &cur.aq_reused;
    if (check_loads() != 0 || check_stream_write() != 0) return -1;
    return warm_reused();
}

int aq_bench_prepare(size_t tasks, int with_json, aq_bench_info *info)
{
    if (!(cur.ready && cur.tasks == tasks && (cur.with_json || !with_json))) {
        aq_bench_release();
        if (build(tasks, with_json != 0) != 0) {
            char msg[sizeof g_error];
            memcpy(msg, g_error, sizeof msg);
            aq_bench_release();
            return aq_bench_fail("inputs for %zu tasks: %s", tasks, msg);
        }
        cur.ready = true;
    }
    fill_info(info);
    return 0;
}

/* ---- floors ---------------------------------------------------------------------------------- */

static int op_memcpy(aq_bench_times *t)
{
    uint64_t t0 = aq_bench_now_ns();
    memcpy(cur.copy_buf, cur.pb, cur.pb_len);
    t->op_ns = aq_bench_now_ns() - t0;
    g_sink = cur.copy_buf[cur.pb_len / 2];
    return 0;
}

static int op_crc32(aq_bench_times *t)
{
    uint64_t t0 = aq_bench_now_ns();
    uLong crc = crc32_z(0L, cur.pb, cur.pb_len);
    t->op_ns = aq_bench_now_ns() - t0;
    g_sink = (uint32_t)crc;
    return 0;
}

/* Fresh anonymous memory of the payload's size, one write per 4 KiB page, then munmap: what
 * page faults cost on this machine for memory a path obtains from the kernel. */
static int fresh_pages(bool hugepage, aq_bench_times *t)
{
    uint64_t t0 = aq_bench_now_ns();
    uint8_t *p = mmap(NULL, cur.pb_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return aq_bench_fail("mmap: %s", strerror(errno));
    if (hugepage) (void)madvise(p, cur.pb_len, MADV_HUGEPAGE);
    for (size_t i = 0; i < cur.pb_len; i += 4096) p[i] = 1;
    uint64_t t1 = aq_bench_now_ns();
    munmap(p, cur.pb_len);
    t->op_ns = t1 - t0;
    t->free_ns = aq_bench_now_ns() - t1;
    return 0;
}

static int op_fresh_pages(aq_bench_times *t)
{
    return fresh_pages(false, t);
}

static int op_fresh_pages_huge(aq_bench_times *t)
{
    return fresh_pages(true, t);
}

/* ---- peers ----------------------------------------------------------------------------------- */

static int op_pbc_unpack_default(aq_bench_times *t)
{
    uint64_t t0 = aq_bench_now_ns();
    ProtobufCMessage *m = protobuf_c_message_unpack(&PB_DESC, NULL, cur.pb_len, cur.pb);
    uint64_t t1 = aq_bench_now_ns();
    if (m == NULL) return aq_bench_fail("protobuf_c_message_unpack failed");
    protobuf_c_message_free_unpacked(m, NULL);
    t->op_ns = t1 - t0;
    t->free_ns = aq_bench_now_ns() - t1;
    return 0;
}

static int pbc_unpack_arena(bump *b, bool keep, aq_bench_times *t)
{
    uint64_t t0 = aq_bench_now_ns();
    ProtobufCAllocator pa = {pbc_bump_alloc, pbc_bump_free, b};
    ProtobufCMessage *m = protobuf_c_message_unpack(&PB_DESC, &pa, cur.pb_len, cur.pb);
    uint64_t t1 = aq_bench_now_ns();
    g_sink = m != NULL ? (uint32_t)m->descriptor->n_fields : 0;
    if (keep)
        bump_reset(b);
    else
        bump_destroy(b);
    t->op_ns = t1 - t0;
    t->free_ns = aq_bench_now_ns() - t1;
    return m != NULL ? 0 : aq_bench_fail("protobuf_c_message_unpack (arena) failed");
}

static int op_pbc_unpack_arena_reused(aq_bench_times *t)
{
    return pbc_unpack_arena(&cur.pbc_reused, true, t);
}

static int op_pbc_unpack_arena_fresh(aq_bench_times *t)
{
    bump b = {NULL, 0, false};
    return pbc_unpack_arena(&b, false, t);
}

static int op_pbc_unpack_arena_fresh_huge(aq_bench_times *t)
{
    bump b = {NULL, 0, true};
    return pbc_unpack_arena(&b, false, t);
}

static int op_cpp_parse_arena(aq_bench_times *t)
{
    if (aq_bench_cpp_parse_arena(cur.pb, cur.pb_len, &t->op_ns, &t->free_ns) != 0)
        return aq_bench_fail("C++ ParseFromArray failed");
    return 0;
}

static int op_pbc_pack(aq_bench_times *t)
{
    uint64_t t0 = aq_bench_now_ns();
    size_t n = protobuf_c_message_get_packed_size(cur.pbc);
    if (n > cur.pack_cap) return aq_bench_fail("pack buffer too small");
    size_t w = protobuf_c_message_pack(cur.pbc, cur.pack_buf);
    t->op_ns = aq_bench_now_ns() - t0;
    return w == n ? 0 : aq_bench_fail("protobuf_c_message_pack wrote %zu of %zu bytes", w, n);
}

/* ---- ours ------------------------------------------------------------------------------------ */

/* Free the snapshot, then (reused allocator) forget the bump arena's contents. */
static void release_snapshot(aq_snapshot *s, bump *reused, uint64_t t1, aq_bench_times *t)
{
    aq_snapshot_free(s);
    if (reused != NULL) bump_reset(reused);
    t->free_ns = aq_bench_now_ns() - t1;
}

static int decode_with(const aq_allocator *alloc, bump *reused, aq_bench_times *t)
{
    aq_error err;
    aq_snapshot *s = NULL;
    uint64_t t0 = aq_bench_now_ns();
    aq_status st = aq_snapshot_decode(cur.pb, cur.pb_len, alloc, &s, &err);
    uint64_t t1 = aq_bench_now_ns();
    t->op_ns = t1 - t0;
    if (st != AQ_OK) return fail_aq("aq_snapshot_decode", st, &err);
    release_snapshot(s, reused, t1, t);
    return 0;
}

static int op_decode(aq_bench_times *t)
{
    return decode_with(NULL, NULL, t);
}

static int op_decode_reused(aq_bench_times *t)
{
    return decode_with(&cur.aq_reused_alloc, &cur.aq_reused, t);
}

static int load_file_with(const char *path, const aq_allocator *alloc, bump *reused,
                          uint32_t flags, aq_bench_times *t)
{
    aq_error err;
    aq_snapshot *s = NULL;
    aq_load_options o = load_opts(alloc, flags);
    uint64_t t0 = aq_bench_now_ns();
    aq_status st = aq_snapshot_load(path, &o, &s, NULL, &err);
    uint64_t t1 = aq_bench_now_ns();
    t->op_ns = t1 - t0;
    if (st != AQ_OK) return fail_aq("aq_snapshot_load", st, &err);
    release_snapshot(s, reused, t1, t);
    return 0;
}

static int op_load_file(aq_bench_times *t)
{
    return load_file_with(cur.pb_path, NULL, NULL, 0, t);
}

static int op_load_file_novalidate(aq_bench_times *t)
{
    return load_file_with(cur.pb_path, NULL, NULL, AQ_LOAD_NO_VALIDATE, t);
}

static int op_load_file_reused(aq_bench_times *t)
{
    return load_file_with(cur.pb_path, &cur.aq_reused_alloc, &cur.aq_reused, 0, t);
}

static int op_load_buffer(aq_bench_times *t)
{
    aq_error err;
    aq_snapshot *s = NULL;
    aq_load_options o = load_opts(NULL, 0);
    uint64_t t0 = aq_bench_now_ns();
    aq_status st = aq_snapshot_load_buffer(cur.image, cur.image_len, &o, &s, NULL, &err);
    uint64_t t1 = aq_bench_now_ns();
    t->op_ns = t1 - t0;
    if (st != AQ_OK) return fail_aq("aq_snapshot_load_buffer", st, &err);
    release_snapshot(s, NULL, t1, t);
    return 0;
}

static int op_validate(aq_bench_times *t)
{
    aq_error err;
    uint64_t t0 = aq_bench_now_ns();
    aq_status st = aq_snapshot_validate(cur.snap, NULL, &err);
    t->op_ns = aq_bench_now_ns() - t0;
    return st == AQ_OK ? 0 : fail_aq("aq_snapshot_validate", st, &err);
}

static int op_encode(aq_bench_times *t)
{
    aq_error err;
    aq_buffer buf = {0};
    uint64_t t0 = aq_bench_now_ns();
    aq_status st = aq_snapshot_encode(cur.snap, NULL, &buf, &err);
    uint64_t t1 = aq_bench_now_ns();
    if (st != AQ_OK) return fail_aq("aq_snapshot_encode", st, &err);
    g_sink = buf.data[buf.len / 2];
    aq_buffer_free(&buf);
    t->op_ns = t1 - t0;
    t->free_ns = aq_bench_now_ns() - t1;
    return 0;
}

static int op_write_nosync(aq_bench_times *t)
{
    aq_error err;
    aq_write_options o = AQ_WRITE_OPTIONS_INIT;
    o.flags = AQ_WRITE_NO_SYNC;
    o.max_payload = UINT32_MAX; /* the 1M-task payload is over the default cap, as for loads */
    uint64_t t0 = aq_bench_now_ns();
    aq_status st = aq_snapshot_write(cur.out_path, cur.snap, &o, &err);
    t->op_ns = aq_bench_now_ns() - t0;
    return st == AQ_OK ? 0 : fail_aq("aq_snapshot_write", st, &err);
}

/* A streaming read keeps nothing, so there is nothing to free. */
static int stream_read(const char *path, aq_bench_times *t)
{
    aq_bench_tally tally;
    uint64_t t0 = aq_bench_now_ns();
    int rc = aq_bench_stream_read(path, &tally);
    t->op_ns = aq_bench_now_ns() - t0;
    if (rc != 0) return -1;
    g_sink = (uint32_t)tally.fold;
    if (tally.items[AQ_FIELD_RUNS] != cur.runs)
        return aq_bench_fail("streaming read of %s: %zu runs, %zu written", path,
                             tally.items[AQ_FIELD_RUNS], cur.runs);
    return 0;
}

static int op_stream_read(aq_bench_times *t)
{
    return stream_read(cur.pb_path, t);
}

static int op_json_stream_read(aq_bench_times *t)
{
    return stream_read(cur.json_path, t);
}

static int op_stream_write_nosync(aq_bench_times *t)
{
    uint64_t t0 = aq_bench_now_ns();
    int rc = aq_bench_stream_write(cur.out_path, cur.snap);
    t->op_ns = aq_bench_now_ns() - t0;
    return rc;
}

/* The engine's reads, timed here like every other peer: the Rust side does one call. */
static int engine_peer_done(aq_engine_snapshot *s, const char *err, uint64_t t0,
                            aq_bench_times *t)
{
    uint64_t t1 = aq_bench_now_ns();
    if (s == NULL) return aq_bench_fail("engine peer: %s", err);
    aq_engine_peer_free(s);
    t->op_ns = t1 - t0;
    t->free_ns = aq_bench_now_ns() - t1;
    return 0;
}

static int op_engine_from_slice(aq_bench_times *t)
{
    char err[256];
    uint64_t t0 = aq_bench_now_ns();
    aq_engine_snapshot *s = aq_engine_peer_parse(cur.json, cur.json_len, err, sizeof err);
    return engine_peer_done(s, err, t0, t);
}

static int op_engine_load_file(aq_bench_times *t)
{
    char err[256];
    uint64_t t0 = aq_bench_now_ns();
    aq_engine_snapshot *s = aq_engine_peer_load(cur.json_path, err, sizeof err);
    return engine_peer_done(s, err, t0, t);
}

static int op_json_decode(aq_bench_times *t)
{
    aq_error err;
    aq_snapshot *s = NULL;
    uint64_t t0 = aq_bench_now_ns();
    aq_status st = aq_snapshot_decode_json(cur.json, cur.json_len, NULL, &s, &err);
    uint64_t t1 = aq_bench_now_ns();
    t->op_ns = t1 - t0;
    if (st != AQ_OK) return fail_aq("aq_snapshot_decode_json", st, &err);
    release_snapshot(s, NULL, t1, t);
    return 0;
}

static int op_json_load_file(aq_bench_times *t)
{
    return load_file_with(cur.json_path, NULL, NULL, 0, t);
}

static int op_json_encode(aq_bench_times *t)
{
    aq_error err;
    aq_buffer buf = {0};
    uint64_t t0 = aq_bench_now_ns();
    aq_status st = aq_snapshot_encode_json(cur.snap, NULL, 0, &buf, &err);
    uint64_t t1 = aq_bench_now_ns();
    if (st != AQ_OK) return fail_aq("aq_snapshot_encode_json", st, &err);
    g_sink = buf.data[buf.len / 2];
    aq_buffer_free(&buf);
    t->op_ns = t1 - t0;
    t->free_ns = aq_bench_now_ns() - t1;
    return 0;
}

/* ---- startup checks -------------------------------------------------------------------------- */

/* The engine reads the JSON text and the file into as many runs as we wrote. */
static int check_engine_peer(void)
{
    char err[256];
    aq_engine_snapshot *s = aq_engine_peer_parse(cur.json, cur.json_len, err, sizeof err);
    if (s == NULL) return aq_bench_fail("engine peer, JSON text: %s", err);
    size_t runs = aq_engine_peer_runs(s);
    aq_engine_peer_free(s);
    s = aq_engine_peer_load(cur.json_path, err, sizeof err);
    if (s == NULL) return aq_bench_fail("engine peer, %s: %s", cur.json_path, err);
    size_t file_runs = aq_engine_peer_runs(s);
    aq_engine_peer_free(s);
    if (runs != cur.runs || file_runs != cur.runs)
        return aq_bench_fail("engine peer: %zu and %zu runs, %zu written", runs, file_runs,
                             cur.runs);
    return 0;
}

/* Every load path succeeds on the inputs before anything is timed (and the files are in the
 * page cache afterwards). */
static int check_loads(void)
{
    aq_bench_times t;
    if (op_load_file(&t) != 0 || op_load_buffer(&t) != 0) return -1;
    if (cur.with_json && (op_json_load_file(&t) != 0 || op_json_decode(&t) != 0)) return -1;
    return cur.with_json ? check_engine_peer() : 0;
}

/* The streaming writer writes the input's bytes (the file aq_snapshot_write would write);
 * compared a piece at a time, so that the check needs no second copy of a 1M-task file. */
static int check_stream_write(void)
{
    if (aq_bench_stream_write(cur.out_path, cur.snap) != 0) return -1;
    FILE *f = fopen(cur.out_path, "rb");
    if (f == NULL) return aq_bench_fail("cannot open %s: %s", cur.out_path, strerror(errno));
    static uint8_t piece[1 << 16];
    size_t at = 0, n;
    bool same = true;
    while (same && (n = fread(piece, 1, sizeof piece, f)) > 0) {
        same = at + n <= cur.image_len && memcmp(piece, cur.image + at, n) == 0;
        at += n;
    }
    fclose(f);
    if (!same || at != cur.image_len)
        return aq_bench_fail("the streaming writer's %s differs from the input file", cur.out_path);
    return 0;
}

/* Reused arenas reach their steady state (one resident chunk) before they are timed. */
static int warm_reused(void)
{
    aq_bench_times t;
    for (int i = 0; i < 2; i++) {
        if (op_pbc_unpack_arena_reused(&t) != 0) return -1;
        if (op_decode_reused(&t) != 0) return -1;
        if (op_load_file_reused(&t) != 0) return -1;
    }
    return 0;
}

/* ---- the table --------------------------------------------------------------------------------- */

#define F_FREE AQ_BENCH_HAS_FREE
#define F_1M AQ_BENCH_AT_1M
#define F_JSON AQ_BENCH_JSON_BYTES

const aq_bench_op aq_bench_ops[] = {
    {"floor/memcpy", "memcpy of the protobuf payload into a resident buffer", op_memcpy, F_1M},
    {"floor/crc32", "zlib crc32_z of the protobuf payload", op_crc32, F_1M},
    {"floor/fresh_pages",
     "mmap payload-sized anonymous memory, write one byte per 4 KiB page; free: munmap",
     op_fresh_pages, F_FREE | F_1M},
    {"floor/fresh_pages_hugepage", "as fresh_pages, with madvise(MADV_HUGEPAGE)",
     op_fresh_pages_huge, F_FREE | F_1M},
    {"peer/pbc_unpack_default",
     "protobuf_c_message_unpack(Snapshot), default allocator; free: free_unpacked",
     op_pbc_unpack_default, F_FREE | F_1M},
    {"peer/pbc_unpack_arena_reused",
     "protobuf_c_message_unpack(Snapshot) into a resident bump arena; free: arena reset",
     op_pbc_unpack_arena_reused, F_FREE | F_1M},
    {"peer/pbc_unpack_arena_fresh",
     "protobuf_c_message_unpack(Snapshot) into a new mmap bump arena; free: munmap",
     op_pbc_unpack_arena_fresh, F_FREE | F_1M},
    {"peer/pbc_unpack_arena_fresh_hugepage",
     "as arena_fresh, chunks madvise(MADV_HUGEPAGE)", op_pbc_unpack_arena_fresh_huge,
     F_FREE | F_1M},
    {"peer/cpp_parse_arena",
     "libprotobuf Arena::CreateMessage<Snapshot> + ParseFromArray; free: ~Arena",
     op_cpp_parse_arena, F_FREE | F_1M},
    {"peer/pbc_pack",
     "protobuf_c_message_get_packed_size + pack into a preallocated buffer", op_pbc_pack,
     F_1M},
    {"ours/decode", "aq_snapshot_decode (payload to native); free: aq_snapshot_free",
     op_decode, F_FREE | F_1M},
    {"ours/decode_reused_alloc",
     "aq_snapshot_decode with a caller bump allocator kept resident; free: free + reset",
     op_decode_reused, F_FREE},
    {"ours/load_file",
     "aq_snapshot_load (read, header, CRC, decode, validate); free: aq_snapshot_free",
     op_load_file, F_FREE | F_1M},
    {"ours/load_file_novalidate", "aq_snapshot_load with AQ_LOAD_NO_VALIDATE",
     op_load_file_novalidate, F_FREE | F_1M},
    {"ours/load_file_reused_alloc",
     "aq_snapshot_load with a caller bump allocator kept resident; free: free + reset",
     op_load_file_reused, F_FREE},
    {"ours/load_buffer", "aq_snapshot_load_buffer of the file image in memory",
     op_load_buffer, F_FREE | F_1M},
    {"ours/stream_read",
     "aq_snapshot_read of the protobuf file (header, CRC, decode, validate; a callback reads "
     "each item's first byte)",
     op_stream_read, F_1M},
    {"ours/validate", "aq_snapshot_validate of the decoded snapshot", op_validate, F_1M},
    {"ours/encode", "aq_snapshot_encode (native to payload); free: aq_buffer_free", op_encode,
     F_FREE | F_1M},
    {"ours/write_nosync",
     "aq_snapshot_write, AQ_WRITE_NO_SYNC (validate, encode, write .tmp, rename)",
     op_write_nosync, F_1M},
    {"ours/stream_write_nosync",
     "aq_writer_open/add/commit of the snapshot's records in place, AQ_WRITE_NO_SYNC (validate "
     "and encode each, write .tmp, rename)",
     op_stream_write_nosync, F_1M},
    {"peer/engine_from_slice",
     "the engine's model, serde_json::from_slice of the JSON text (Rust); free: drop",
     op_engine_from_slice, F_FREE | F_JSON},
    {"peer/engine_load_file",
     "the engine's load of the JSON file (read, envelope, CRC-32, from_slice); free: drop",
     op_engine_load_file, F_FREE | F_JSON},
    {"ours/json_decode", "aq_snapshot_decode_json of the engine JSON text (copy + parse)",
     op_json_decode, F_FREE | F_JSON},
    {"ours/json_load_file",
     "aq_snapshot_load of the engine JSON file (read, header, CRC, parse, validate)",
     op_json_load_file, F_FREE | F_JSON},
    {"ours/json_stream_read",
     "aq_snapshot_read of the engine JSON file (header, CRC, parse, validate; a callback reads "
     "each item's first byte)",
     op_json_stream_read, F_JSON},
    {"ours/json_encode", "aq_snapshot_encode_json (compact); free: aq_buffer_free",
     op_json_encode, F_FREE | F_JSON},
    {NULL, NULL, NULL, 0},
};
