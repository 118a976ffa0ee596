/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The codec against hostile and unexpected input: every prefix and every bit flip of an encoded
 * sample, random bytes, allocation failures at every allocation, NULL arguments, unknown fields
 * of a newer schema on every kind of message, and an independent reader (the real protoc).
 *
 * The invariant behind the hostile-input loops (nanopb security model, zstd round trip): a decode
 * ends in AQ_OK or AQ_EDECODE, never a crash, a leak or another status; a failure leaves *out
 * NULL; and whatever decodes must encode again and decode to the same snapshot.
 */
#define _POSIX_C_SOURCE 200809L /* popen, pclose, mkstemp */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sys/wait.h>
#include <unistd.h>

#include "actionqueue/snapshot/v1/snapshot.pb-c.h"
#include "aqsnap.h"
#include "read_file.h"
#include "compare.h"
#include "wire_buf.h"
#include "fail_alloc.h"
#include "pb_pool.h"
#include "sample.h"

#define ROOT_DESC actionqueue__snapshot__v1__snapshot__descriptor
#define N_ITEMS(t) (sizeof(t) / sizeof((t)[0]))

#ifndef AQ_TEST_PROTOC
#define AQ_TEST_PROTOC ""
#endif

/* ---- failure bookkeeping for loops over thousands of inputs ------------------------------ */

static int g_failures;

__attribute__((format(printf, 2, 3))) static void case_fail(const char *what, const char *fmt,
                                                             ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (g_failures < 25) print_error("  [%s] %s\n", what, msg);
    if (g_failures == 25) print_error("  (further failures not listed)\n");
    g_failures++;
}

static void cases_begin(void)
{
    g_failures = 0;
}

static void cases_end(const char *what)
{
    if (g_failures != 0)
        fail_msg("%d failure(s) in %s (first ones listed above)", g_failures, what);
}

/* ---- samples ----------------------------------------------------------------------------- */

static aq_snapshot *sized_sample(size_t tasks, size_t payload_min, size_t payload_max,
                                 uint64_t seed)
{
    sample_options o = sample_defaults();
    o.tasks = tasks;
    o.payload_min = payload_min;
    o.payload_max = payload_max;
    o.seed = seed;
    aq_snapshot *s = NULL;
    aq_error err;
    assert_int_equal(sample_build(&o, NULL, &s, &err), AQ_OK);
    return s;
}

static void encode_plain(const aq_snapshot *s, aq_buffer *out)
{
    aq_error err;
    aq_status st = aq_snapshot_encode(s, NULL, out, &err);
    if (st != AQ_OK) fail_msg("encode: %s", err.message);
}

/* A small coverage sample (every variant, 3 tasks, short payloads) and its encoding. */
static aq_snapshot *g_small;
static aq_buffer g_small_enc;
/* The default coverage sample (40 tasks) and its encoding. */
static aq_snapshot *g_cov;
static aq_buffer g_cov_enc;

static int group_setup(void **state)
{
    (void)state;
    g_small = sized_sample(3, 4, 12, 1);
    g_cov = sized_sample(40, 16, 512, 1);
    aq_error err;
    if (aq_snapshot_encode(g_small, NULL, &g_small_enc, &err) != AQ_OK) return -1;
    if (aq_snapshot_encode(g_cov, NULL, &g_cov_enc, &err) != AQ_OK) return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    aq_buffer_free(&g_small_enc);
    aq_buffer_free(&g_cov_enc);
    aq_snapshot_free(g_small);
    aq_snapshot_free(g_cov);
    return 0;
}

/* ---- the top-level wire walk (an oracle independent of src/wire.h) ------------------------- */

/* The top-level fields of our own (trusted) encoding. */
static size_t top_fields(const uint8_t *p, size_t len, wire_field *out, size_t max)
{
    size_t n = wire_fields(p, len, out, max);
    assert_true(n != SIZE_MAX);
    return n;
}

#define MAX_TOP 1024

/* Deterministic PRNG (splitmix64). */
static uint64_t g_rng;

static uint64_t rnd(void)
{
    uint64_t z = (g_rng += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static size_t rnd_below(size_t n)
{
    return (size_t)(rnd() % n);
}

/* ---- hostile input -------------------------------------------------------------------------- */

static fail_alloc g_fa;

static bool is_decode_kind(aq_error_kind k)
{
    return k == AQ_ERR_PROTOBUF_MALFORMED || k == AQ_ERR_MISSING_FIELD || k == AQ_ERR_BAD_UUID ||
           k == AQ_ERR_BAD_ENUM || k == AQ_ERR_ONEOF_UNSET || k == AQ_ERR_OUT_OF_RANGE ||
           k == AQ_ERR_STRING_HAS_NUL;
}

/* Whatever decodes must encode again and decode to the same snapshot. */
static void check_round_trip(const char *what, const aq_snapshot *s)
{
    aq_buffer buf;
    aq_error err;
    aq_status st = aq_snapshot_encode(s, NULL, &buf, &err);
    if (st != AQ_OK) {
        case_fail(what, "decoded, but cannot be written back: %s %s %s", aq_status_name(st),
                  aq_error_kind_name(err.kind), err.message);
        return;
    }
    aq_snapshot *back = NULL;
    st = aq_snapshot_decode(buf.data, buf.len, NULL, &back, &err);
    if (st != AQ_OK) {
        case_fail(what, "its re-encoding does not decode: %s", err.message);
    } else {
        char where[512];
        if (!snapshot_equal(s, back, where, sizeof where))
            case_fail(what, "decode-encode-decode differs at %s", where);
    }
    aq_snapshot_free(back);
    aq_buffer_free(&buf);
}

/* One decode of hostile bytes; returns its status. */
static aq_status hostile(const char *what, const uint8_t *data, size_t len)
{
    fail_alloc_reset(&g_fa, SIZE_MAX);
    aq_allocator al = fail_alloc_allocator(&g_fa);
    aq_snapshot *s = (aq_snapshot *)(void *)&g_fa; /* a failure must reset it */
    aq_error err;
    aq_status st = aq_snapshot_decode(data, len, &al, &s, &err);
    if (st == AQ_OK) {
        check_round_trip(what, s);
        aq_snapshot_free(s);
    } else {
        if (st != AQ_EDECODE || err.status != st)
            case_fail(what, "status %s: %s", aq_status_name(st), err.message);
        if (!is_decode_kind(err.kind))
            case_fail(what, "kind %s: %s", aq_error_kind_name(err.kind), err.message);
        if (s != NULL) case_fail(what, "*out is not NULL after a failure");
        if (err.message[0] == '\0') case_fail(what, "empty error message");
    }
    if (g_fa.live_bytes != 0) case_fail(what, "%zu bytes leaked", g_fa.live_bytes);
    return st;
}

static void test_codec_robust__every_prefix(void **state)
{
    (void)state;
    const aq_buffer *enc = &g_small_enc;
    wire_field f[MAX_TOP];
    size_t n = top_fields(enc->data, enc->len, f, MAX_TOP);
    /* version, timestamp and metadata come first: only after them can a prefix be whole. */
    assert_true(n > 3);
    assert_int_equal(f[0].number, 1);
    assert_int_equal(f[1].number, 2);
    assert_int_equal(f[2].number, 3);
    size_t head_end = f[2].end;

    cases_begin();
    size_t ok = 0;
    for (size_t p = 0; p <= enc->len; p++) {
        bool boundary = false;
        for (size_t i = 0; i < n; i++) boundary = boundary || f[i].end == p;
        char what[64];
        (void)snprintf(what, sizeof what, "prefix of %zu/%zu bytes", p, enc->len);
        aq_status st = hostile(what, enc->data, p);
        /* A prefix is a whole snapshot exactly when it ends between two top-level fields after
         * the head; cut anywhere else it is refused. */
        bool want_ok = boundary && p >= head_end;
        if ((st == AQ_OK) != want_ok)
            case_fail(what, "%s, expected %s", aq_status_name(st), want_ok ? "AQ_OK" : "a failure");
        ok += st == AQ_OK;
    }
    cases_end("the prefixes");
    assert_int_equal(ok, n - 2); /* one per field boundary from the head's end on */
}

static void test_codec_robust__every_bit_flip(void **state)
{
    (void)state;
    const aq_buffer *enc = &g_small_enc;
    uint8_t *copy = malloc(enc->len);
    assert_non_null(copy);
    cases_begin();
    size_t ok = 0, refused = 0;
    for (size_t i = 0; i < enc->len; i++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            memcpy(copy, enc->data, enc->len);
            copy[i] = (uint8_t)(copy[i] ^ (1u << bit));
            char what[64];
            (void)snprintf(what, sizeof what, "byte %zu bit %u flipped", i, bit);
            if (hostile(what, copy, enc->len) == AQ_OK)
                ok++;
            else
                refused++;
        }
    }
    free(copy);
    print_message("%zu bit flips: %zu decoded (and round-tripped), %zu refused\n",
                  enc->len * 8, ok, refused);
    cases_end("the bit flips");
    /* Both outcomes occur: flips in payload bytes are data, flips in tags are damage. */
    assert_true(ok > 0);
    assert_true(refused > 0);
}

static void test_codec_robust__random_bytes(void **state)
{
    (void)state;
    g_rng = 20240601;
    uint8_t buf[1024];
    size_t ok = 0;
    cases_begin();
    for (int i = 0; i < 10000; i++) {
        size_t len = rnd_below(4) == 0 ? rnd_below(sizeof buf + 1) : rnd_below(64);
        for (size_t k = 0; k < len; k++) buf[k] = (uint8_t)rnd();
        char what[64];
        (void)snprintf(what, sizeof what, "random string %d (%zu bytes)", i, len);
        ok += hostile(what, len > 0 ? buf : NULL, len) == AQ_OK;
    }
    print_message("10000 random strings: %zu decoded\n", ok);
    cases_end("the random strings");
}

/* Random bytes reach protobuf-c and the converters only inside well-framed records: keep the
 * framing valid and randomise record contents, fresh or as a few damaged bytes of a real one. */
static void test_codec_robust__random_records(void **state)
{
    (void)state;
    g_rng = 77;
    const aq_buffer *enc = &g_cov_enc;
    wire_field f[MAX_TOP];
    size_t n = top_fields(enc->data, enc->len, f, MAX_TOP);
    size_t head_end = f[2].end;
    static const uint32_t numbers[] = {4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 99};
    cases_begin();
    size_t ok = 0;
    for (int i = 0; i < 3000; i++) {
        bytes_buf b = {0};
        buf_put(&b, enc->data, head_end);
        size_t records = 1 + rnd_below(3);
        for (size_t r = 0; r < records; r++) {
            uint8_t body[600];
            size_t len;
            uint32_t number;
            if (rnd_below(2) == 0) {
                /* A real record with 1..3 random bytes. */
                const wire_field *src = &f[3 + rnd_below(n - 3)];
                number = src->number;
                len = src->end - src->body;
                if (len > sizeof body) len = sizeof body;
                memcpy(body, enc->data + src->body, len);
                for (size_t k = 1 + rnd_below(3); k > 0 && len > 0; k--)
                    body[rnd_below(len)] = (uint8_t)rnd();
            } else {
                number = numbers[rnd_below(N_ITEMS(numbers))];
                len = rnd_below(48);
                for (size_t k = 0; k < len; k++)
                    body[k] = (uint8_t)(rnd_below(3) == 0 ? rnd() : rnd() & 0x1f);
            }
            buf_put_varint(&b, (uint64_t)number << 3 | 2);
            buf_put_varint(&b, len);
            buf_put(&b, body, len);
        }
        char what[64];
        (void)snprintf(what, sizeof what, "random records %d", i);
        ok += hostile(what, b.p, b.len) == AQ_OK;
        free(b.p);
    }
    print_message("3000 random record sets: %zu decoded (and round-tripped)\n", ok);
    cases_end("the random records");
    assert_true(ok > 0);
}

/* ---- NULL arguments -------------------------------------------------------------------------- */

static void test_codec_robust__null_arguments(void **state)
{
    (void)state;
    aq_error err;
    aq_snapshot *s;
    const aq_buffer *enc = &g_small_enc;

    assert_int_equal(aq_snapshot_decode(enc->data, enc->len, NULL, NULL, &err), AQ_EINVAL);
    assert_int_equal(err.status, AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_ARGUMENT);
    assert_int_equal(aq_snapshot_decode(enc->data, enc->len, NULL, NULL, NULL), AQ_EINVAL);

    /* data NULL with len 0 is an empty message: no version, so a decode error, not EINVAL. */
    s = (aq_snapshot *)(void *)&err;
    assert_int_equal(aq_snapshot_decode(NULL, 0, NULL, &s, &err), AQ_EDECODE);
    assert_int_equal(err.kind, AQ_ERR_MISSING_FIELD);
    assert_string_equal(err.path, "version");
    assert_null(s);

    /* err may be NULL on every path. */
    assert_int_equal(aq_snapshot_decode(enc->data, 3, NULL, &s, NULL), AQ_EDECODE);
    assert_null(s);
    assert_int_equal(aq_snapshot_decode(enc->data, enc->len, NULL, &s, NULL), AQ_OK);
    aq_buffer buf;
    assert_int_equal(aq_snapshot_encode(s, NULL, &buf, NULL), AQ_OK);
    assert_int_equal(buf.len, enc->len);
    aq_buffer_free(&buf);
    aq_snapshot_free(s);

    memset(&buf, 0xa5, sizeof buf);
    assert_int_equal(aq_snapshot_encode(NULL, NULL, &buf, &err), AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_ARGUMENT);
    assert_null(buf.data);
    assert_int_equal(buf.len, 0);
    assert_int_equal(aq_snapshot_encode(g_small, NULL, NULL, &err), AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_ARGUMENT);
    assert_int_equal(aq_snapshot_encode(NULL, NULL, NULL, NULL), AQ_EINVAL);

    aq_buffer_free(NULL);
    aq_buffer_free(&buf); /* empty */
    aq_snapshot_free(NULL);
}

/* codec.h: "out receives the snapshot ...; NULL on failure", and STYLE.md section 3: "A failed
 * call frees its work and sets *out = NULL". A caller that frees *out after any failure must not
 * be handed back its own stale pointer. */
static void test_codec_robust__bad_data_argument_resets_out(void **state)
{
    (void)state;
    aq_error err;
    aq_snapshot *s = (aq_snapshot *)(void *)&err; /* a stale value from the caller */
    assert_int_equal(aq_snapshot_decode(NULL, 5, NULL, &s, &err), AQ_EINVAL);
    assert_int_equal(err.status, AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_ARGUMENT);
    assert_null(s);
}

/* ---- protobuf-c helpers: a pool allocator, message paths, unknown fields --------------------- */

static void *at(const ProtobufCMessage *m, unsigned offset)
{
    return (char *)(uintptr_t)m + offset;
}

/* Visit every message of a tree, with its path ("" for the root). */
typedef void (*visit_fn)(ProtobufCMessage *m, const char *path, void *ctx);

enum { PATH_SIZE = 256 };

/* path.name, or path.name[index] when index is not NULL. A path that does not fit fails the test:
 * a truncated one could make two different messages compare as the same. */
static void child_path(char out[PATH_SIZE], const char *path, const char *name, const size_t *index)
{
    const char *dot = *path ? "." : "";
    int n = index != NULL ? snprintf(out, PATH_SIZE, "%s%s%s[%zu]", path, dot, name, *index)
                          : snprintf(out, PATH_SIZE, "%s%s%s", path, dot, name);
    assert_true(n >= 0 && n < PATH_SIZE);
}

static void walk(ProtobufCMessage *m, const char *path, visit_fn fn, void *ctx)
{
    fn(m, path, ctx);
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned k = 0; k < d->n_fields; k++) {
        const ProtobufCFieldDescriptor *f = &d->fields[k];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE) continue;
        char sub[PATH_SIZE];
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(size_t *)at(m, f->quantifier_offset);
            ProtobufCMessage **items = *(ProtobufCMessage ***)at(m, f->offset);
            for (size_t i = 0; i < n; i++) {
                child_path(sub, path, f->name, &i);
                walk(items[i], sub, fn, ctx);
            }
            continue;
        }
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(uint32_t *)at(m, f->quantifier_offset) != f->id)
            continue;
        ProtobufCMessage *child = *(ProtobufCMessage **)at(m, f->offset);
        if (child == NULL) continue;
        child_path(sub, path, f->name, NULL);
        walk(child, sub, fn, ctx);
    }
}

/* The unknown fields of every message of a tree, by path. */
typedef struct unknown_entry {
    char path[PATH_SIZE];
    const ProtobufCMessage *msg;
} unknown_entry;

typedef struct unknown_list {
    unknown_entry items[4096];
    size_t count;
} unknown_list;

static void collect_one(ProtobufCMessage *m, const char *path, void *ctx)
{
    unknown_list *l = ctx;
    if (m->n_unknown_fields == 0) return;
    assert_true(l->count < N_ITEMS(l->items));
    (void)snprintf(l->items[l->count].path, sizeof l->items[l->count].path, "%s", path);
    l->items[l->count++].msg = m;
}

static unknown_list *collect(ProtobufCMessage *root)
{
    unknown_list *l = calloc(1, sizeof *l);
    assert_non_null(l);
    walk(root, "", collect_one, l);
    return l;
}

static bool same_fields(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    if (a->n_unknown_fields != b->n_unknown_fields) return false;
    for (unsigned i = 0; i < a->n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *x = &a->unknown_fields[i], *y = &b->unknown_fields[i];
        if (x->tag != y->tag || x->wire_type != y->wire_type || x->len != y->len ||
            memcmp(x->data, y->data, x->len) != 0)
            return false;
    }
    return true;
}

/* The same unknown fields (tag, wire type, bytes, order) on the same messages, nowhere else. */
static void expect_same_unknowns(const char *what, const unknown_list *want,
                                 const unknown_list *got)
{
    for (size_t i = 0; i < want->count; i++) {
        size_t j = 0;
        while (j < got->count && strcmp(got->items[j].path, want->items[i].path) != 0) j++;
        if (j == got->count)
            case_fail(what, "the unknown fields of \"%s\" are lost", want->items[i].path);
        else if (!same_fields(want->items[i].msg, got->items[j].msg))
            case_fail(what, "the unknown fields of \"%s\" changed", want->items[i].path);
    }
    for (size_t j = 0; j < got->count; j++) {
        size_t i = 0;
        while (i < want->count && strcmp(want->items[i].path, got->items[j].path) != 0) i++;
        if (i == want->count)
            case_fail(what, "unknown fields appeared on \"%s\"", got->items[j].path);
    }
}

/* The message at a path ("" = the root); NULL when the path does not exist. */
static ProtobufCMessage *message_at(ProtobufCMessage *root, const char *path)
{
    ProtobufCMessage *m = root;
    for (const char *p = path; *p != '\0';) {
        const char *dot = strchr(p, '.');
        size_t n = dot != NULL ? (size_t)(dot - p) : strlen(p);
        char name[64];
        long index = -1;
        const char *br = memchr(p, '[', n);
        size_t nl = br != NULL ? (size_t)(br - p) : n;
        assert_true(nl > 0 && nl < sizeof name);
        memcpy(name, p, nl);
        name[nl] = '\0';
        if (br != NULL) index = strtol(br + 1, NULL, 10);
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
        if (f == NULL || f->type != PROTOBUF_C_TYPE_MESSAGE) return NULL;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            if (index < 0 || (size_t)index >= *(size_t *)at(m, f->quantifier_offset)) return NULL;
            m = (*(ProtobufCMessage ***)at(m, f->offset))[index];
        } else {
            if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
                *(uint32_t *)at(m, f->quantifier_offset) != f->id)
                return NULL;
            m = *(ProtobufCMessage **)at(m, f->offset);
        }
        if (m == NULL) return NULL;
        p = dot != NULL ? dot + 1 : p + n;
    }
    return m;
}

/* What a newer writer adds: one unknown field of each wire type at numbers this schema does not
 * use (the largest legal one included); the length-delimited one carries the message's path, so
 * that a field attached to the wrong message shows. */
static void add_future_fields(pool_hdr **pool, ProtobufCMessage *m, const char *path)
{
    static uint8_t varint300[] = {0xac, 0x02};
    static uint8_t fixed64[] = {1, 2, 3, 4, 5, 6, 7, 8};
    static uint8_t fixed32[] = {0xde, 0xad, 0xbe, 0xef};
    static uint8_t zero[] = {0};
    size_t plen = strlen(path);
    assert_true(plen < 120);
    uint8_t *text = pool_must(pool, plen + 2);
    text[0] = (uint8_t)(plen + 1);
    text[1] = '@';
    memcpy(text + 2, path, plen);
    ProtobufCMessageUnknownField *u = pool_must(pool, 5 * sizeof *u);
    u[0] = (ProtobufCMessageUnknownField){1000, PROTOBUF_C_WIRE_TYPE_VARINT, 2, varint300};
    u[1] = (ProtobufCMessageUnknownField){1001, PROTOBUF_C_WIRE_TYPE_64BIT, 8, fixed64};
    u[2] = (ProtobufCMessageUnknownField){1002, PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED, plen + 2,
                                          text};
    u[3] = (ProtobufCMessageUnknownField){1003, PROTOBUF_C_WIRE_TYPE_32BIT, 4, fixed32};
    u[4] = (ProtobufCMessageUnknownField){536870911, PROTOBUF_C_WIRE_TYPE_VARINT, 1, zero};
    m->n_unknown_fields = 5;
    m->unknown_fields = u;
}

typedef struct inject_ctx {
    pool_hdr **pool;
} inject_ctx;

static void inject_one(ProtobufCMessage *m, const char *path, void *ctx)
{
    add_future_fields(((inject_ctx *)ctx)->pool, m, path);
}

/* Wire bytes of the coverage sample as a newer schema would write them: unknown fields on the
 * messages at `paths` (all messages when paths is NULL). */
static uint8_t *future_bytes(const char *const *paths, size_t n_paths, size_t *len)
{
    pool_hdr *pool = NULL;
    ProtobufCMessage *root = unpack_pooled(&pool, g_cov_enc.data, g_cov_enc.len);
    assert_non_null(root);
    if (paths == NULL) {
        inject_ctx ctx = {&pool};
        walk(root, "", inject_one, &ctx);
    } else {
        for (size_t i = 0; i < n_paths; i++) {
            ProtobufCMessage *m = message_at(root, paths[i]);
            if (m == NULL) fail_msg("no message at \"%s\" in the sample", paths[i]);
            add_future_fields(&pool, m, paths[i]);
        }
    }
    uint8_t *bytes = pack(root, len);
    pool_release(&pool);
    return bytes;
}

/* Decode `future`, check the known parts equal the sample, re-encode and check protobuf-c finds
 * the same unknown fields on the same messages. */
static void check_unknowns_survive(const char *what, const uint8_t *future, size_t len)
{
    aq_snapshot *s = NULL;
    aq_error err;
    aq_status st = aq_snapshot_decode(future, len, NULL, &s, &err);
    if (st != AQ_OK) fail_msg("%s: decode failed: %s", what, err.message);
    aq_buffer re;
    encode_plain(s, &re);

    Actionqueue__Snapshot__V1__Snapshot *want_m =
        actionqueue__snapshot__v1__snapshot__unpack(NULL, len, future);
    Actionqueue__Snapshot__V1__Snapshot *got_m =
        actionqueue__snapshot__v1__snapshot__unpack(NULL, re.len, re.data);
    assert_non_null(want_m);
    assert_non_null(got_m);
    unknown_list *want = collect(&want_m->base), *got = collect(&got_m->base);
    assert_true(want->count > 0);
    cases_begin();
    expect_same_unknowns(what, want, got);
    /* The record-at-a-time encoder writes what protobuf-c writes: unknown fields last. */
    if (re.len != len || memcmp(re.data, future, len) != 0)
        case_fail(what, "re-encoded bytes differ from the newer writer's (%zu vs %zu bytes)",
                  re.len, len);
    free(want);
    free(got);
    actionqueue__snapshot__v1__snapshot__free_unpacked(want_m, NULL);
    actionqueue__snapshot__v1__snapshot__free_unpacked(got_m, NULL);

    snapshot_strip_unknown(s);
    char where[512];
    if (!snapshot_equal(g_cov, s, where, sizeof where))
        case_fail(what, "known parts differ from the sample at %s", where);
    aq_buffer_free(&re);
    aq_snapshot_free(s);
    cases_end(what);
}

/* ---- unknown fields: a newer schema ------------------------------------------------------- */

static void test_codec_robust__unknown_fields_on_listed_messages(void **state)
{
    (void)state;
    static const char *const paths[] = {
        "",                                                    /* Snapshot */
        "runs[3]",                                             /* SnapshotRun */
        "runs[3].run_instance",                                /* RunInstance */
        "tasks[1].task_spec.run_policy.repeat",                /* RunPolicy.Repeat */
        "tasks[3].task_spec.constraints.required_capabilities", /* StringList */
        "subscriptions[3].filter.custom",                      /* EventFilter.Custom */
        "role_assignments[3].role",                            /* Role (custom) */
        "role_assignments[0].role",                            /* Role (builtin) */
    };
    size_t len;
    uint8_t *future = future_bytes(paths, N_ITEMS(paths), &len);
    check_unknowns_survive("listed messages", future, len);
    free(future);
}

static void test_codec_robust__unknown_fields_on_every_message(void **state)
{
    (void)state;
    size_t len;
    uint8_t *future = future_bytes(NULL, 0, &len);
    check_unknowns_survive("every message", future, len);
    free(future);
}

/* At the top level, unknown fields may sit anywhere between records; they are kept in order and
 * written after the known fields. */
static void test_codec_robust__unknown_top_level_fields_between_records(void **state)
{
    (void)state;
    static const uint8_t u_first[] = {0xc0, 0x3e, 0x01};             /* 1000: varint 1 */
    static const uint8_t u_middle[] = {0xca, 0x3e, 0x02, 'h', 'i'};  /* 1001: "hi" */
    static const uint8_t u_last[] = {0xd5, 0x3e, 1, 2, 3, 4};        /* 1002: fixed32 */
    const aq_buffer *enc = &g_cov_enc;
    wire_field f[MAX_TOP];
    size_t n = top_fields(enc->data, enc->len, f, MAX_TOP);
    size_t last_task = 0;
    for (size_t i = 0; i < n; i++)
        if (f[i].number == 4) last_task = i;
    assert_true(last_task > 0);

    bytes_buf b = {0};
    buf_put(&b, u_first, sizeof u_first);
    buf_put(&b, enc->data, f[last_task].end);
    buf_put(&b, u_middle, sizeof u_middle);
    buf_put(&b, enc->data + f[last_task].end, enc->len - f[last_task].end);
    buf_put(&b, u_last, sizeof u_last);

    aq_snapshot *s = NULL;
    aq_error err;
    if (aq_snapshot_decode(b.p, b.len, NULL, &s, &err) != AQ_OK) fail_msg("%s", err.message);
    aq_buffer re;
    encode_plain(s, &re);
    /* Exactly the sample's bytes, then the three unknown fields in their order. */
    assert_int_equal(re.len, enc->len + sizeof u_first + sizeof u_middle + sizeof u_last);
    assert_memory_equal(re.data, enc->data, enc->len);
    assert_memory_equal(re.data + enc->len, u_first, sizeof u_first);
    assert_memory_equal(re.data + enc->len + sizeof u_first, u_middle, sizeof u_middle);
    assert_memory_equal(re.data + enc->len + sizeof u_first + sizeof u_middle, u_last,
                        sizeof u_last);
    snapshot_strip_unknown(s);
    char where[512];
    if (!snapshot_equal(g_cov, s, where, sizeof where)) fail_msg("differs at %s", where);
    aq_buffer_free(&re);
    aq_snapshot_free(s);
    free(b.p);
}

/* A caller who changes a variant after loading drops the old variant's unknown fields (they
 * belong to a message that no longer exists) and keeps those of the enclosing message. */
static void test_codec_robust__switched_variant_drops_its_unknown_fields(void **state)
{
    (void)state;
    static const char *const paths[] = {
        "tasks[1].task_spec.run_policy",                        /* kept */
        "tasks[1].task_spec.run_policy.repeat",                 /* dropped: Repeat -> Once */
        "tasks[7].task_spec.run_policy.repeat",                 /* dropped: Repeat -> Cron */
        "tasks[3].task_spec.constraints",                       /* kept */
        "tasks[3].task_spec.constraints.required_capabilities", /* dropped: list removed */
    };
    size_t len;
    uint8_t *future = future_bytes(paths, N_ITEMS(paths), &len);
    aq_snapshot *s = NULL;
    aq_error err;
    if (aq_snapshot_decode(future, len, NULL, &s, &err) != AQ_OK) fail_msg("%s", err.message);
    assert_int_equal(s->tasks.items[1].task_spec.run_policy.kind, AQ_RUN_POLICY_REPEAT);
    assert_int_equal(s->tasks.items[7].task_spec.run_policy.kind, AQ_RUN_POLICY_REPEAT);
    s->tasks.items[1].task_spec.run_policy.kind = AQ_RUN_POLICY_ONCE;
    s->tasks.items[7].task_spec.run_policy.kind = AQ_RUN_POLICY_CRON;
    s->tasks.items[7].task_spec.run_policy.cron.expression.ptr = "0 3 * * *";
    s->tasks.items[7].task_spec.run_policy.cron.expression.len = 9;
    s->tasks.items[7].task_spec.run_policy.cron.max_occurrences.present = false;
    assert_true(s->tasks.items[3].task_spec.constraints.required_capabilities.present);
    s->tasks.items[3].task_spec.constraints.required_capabilities.present = false;

    aq_buffer re;
    encode_plain(s, &re);
    Actionqueue__Snapshot__V1__Snapshot *got_m =
        actionqueue__snapshot__v1__snapshot__unpack(NULL, re.len, re.data);
    assert_non_null(got_m);
    assert_int_equal(got_m->tasks[1]->task_spec->run_policy->policy_case,
                     ACTIONQUEUE__SNAPSHOT__V1__RUN_POLICY__POLICY_ONCE);
    assert_int_equal(got_m->tasks[7]->task_spec->run_policy->policy_case,
                     ACTIONQUEUE__SNAPSHOT__V1__RUN_POLICY__POLICY_CRON);
    assert_string_equal(got_m->tasks[7]->task_spec->run_policy->cron->expression, "0 3 * * *");
    assert_null(got_m->tasks[3]->task_spec->constraints->required_capabilities);

    /* What survives: exactly the enclosing messages' fields. */
    size_t klen;
    uint8_t *kept = future_bytes(paths, 1, &klen); /* run_policy of tasks[1] */
    Actionqueue__Snapshot__V1__Snapshot *k1 =
        actionqueue__snapshot__v1__snapshot__unpack(NULL, klen, kept);
    size_t k2len;
    uint8_t *kept2 = future_bytes(paths + 3, 1, &k2len); /* constraints of tasks[3] */
    Actionqueue__Snapshot__V1__Snapshot *k2 =
        actionqueue__snapshot__v1__snapshot__unpack(NULL, k2len, kept2);
    assert_non_null(k1);
    assert_non_null(k2);
    unknown_list *want = collect(&k1->base), *want2 = collect(&k2->base);
    assert_int_equal(want->count, 1);
    assert_int_equal(want2->count, 1);
    want->items[want->count++] = want2->items[0];
    unknown_list *got = collect(&got_m->base);
    cases_begin();
    expect_same_unknowns("switched variants", want, got);
    cases_end("switched variants");

    /* And the output is a valid snapshot with the caller's changes. */
    aq_snapshot *back = NULL;
    if (aq_snapshot_decode(re.data, re.len, NULL, &back, &err) != AQ_OK)
        fail_msg("%s", err.message);
    assert_int_equal(back->tasks.items[1].task_spec.run_policy.kind, AQ_RUN_POLICY_ONCE);
    assert_int_equal(back->tasks.items[7].task_spec.run_policy.kind, AQ_RUN_POLICY_CRON);
    assert_false(back->tasks.items[3].task_spec.constraints.required_capabilities.present);

    free(want);
    free(want2);
    free(got);
    actionqueue__snapshot__v1__snapshot__free_unpacked(k1, NULL);
    actionqueue__snapshot__v1__snapshot__free_unpacked(k2, NULL);
    actionqueue__snapshot__v1__snapshot__free_unpacked(got_m, NULL);
    free(kept);
    free(kept2);
    aq_snapshot_free(back);
    aq_buffer_free(&re);
    aq_snapshot_free(s);
    free(future);
}

/* Field numbers outside 1..2^29-1 are not protobuf. protobuf-c 1.4.1 nevertheless accepts some
 * inside messages (a zero tag written in two bytes, tags of 2^29 and more in five bytes) as
 * unknown fields. The library must then refuse them (AQ_EDECODE, naming the record) or keep them
 * through a rewrite; it must not load a snapshot it then cannot write. */
static void test_codec_robust__unknown_field_numbers_outside_protobuf_range(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        uint8_t bytes[8];
        size_t len;
    } cases[] = {
        {"field number 0 (tag 0x80 0x00)", {0x80, 0x00, 0x05}, 3},
        {"field number 2^29", {0x80, 0x80, 0x80, 0x80, 0x10, 0x05}, 6},
        {"field number 2^32-1", {0xf8, 0xff, 0xff, 0xff, 0x7f, 0x05}, 6},
    };
    const aq_buffer *enc = &g_cov_enc;
    wire_field f[MAX_TOP];
    size_t n = top_fields(enc->data, enc->len, f, MAX_TOP);
    size_t run0 = 0;
    while (run0 < n && f[run0].number != 5) run0++;
    assert_true(run0 < n);

    cases_begin();
    for (size_t i = 0; i < N_ITEMS(cases); i++) {
        /* runs[0] with the field appended to its body. */
        bytes_buf b = {0};
        buf_put(&b, enc->data, f[run0].start);
        size_t body_len = f[run0].end - f[run0].body;
        buf_put_varint(&b, 5 << 3 | 2);
        buf_put_varint(&b, body_len + cases[i].len);
        buf_put(&b, enc->data + f[run0].body, body_len);
        buf_put(&b, cases[i].bytes, cases[i].len);
        buf_put(&b, enc->data + f[run0].end, enc->len - f[run0].end);

        aq_snapshot *s = NULL;
        aq_error err;
        aq_status st = aq_snapshot_decode(b.p, b.len, NULL, &s, &err);
        if (st != AQ_OK) {
            if (st != AQ_EDECODE || err.kind != AQ_ERR_PROTOBUF_MALFORMED ||
                strncmp(err.path, "runs[0]", 7) != 0)
                case_fail(cases[i].what, "refused, but as %s %s at \"%s\": %s",
                          aq_status_name(st), aq_error_kind_name(err.kind), err.path,
                          err.message);
        } else {
            aq_buffer re;
            st = aq_snapshot_encode(s, NULL, &re, &err);
            if (st != AQ_OK) {
                case_fail(cases[i].what,
                          "decode accepted it, but the snapshot cannot be written back: %s %s: %s",
                          aq_status_name(st), aq_error_kind_name(err.kind), err.message);
            } else {
                /* Kept: it must be the same field again. */
                if (re.len != b.len || memcmp(re.data, b.p, b.len) != 0)
                    case_fail(cases[i].what, "accepted, but rewritten differently");
                aq_buffer_free(&re);
            }
            aq_snapshot_free(s);
        }
        free(b.p);
    }
    cases_end("out-of-range field numbers");
}

/* ---- allocation failures ------------------------------------------------------------------ */

/* The bytes of a newer writer: unknown fields on every message and a safety level this version
 * does not know (kept as an unknown field), so that every allocating path of decode runs. */
static uint8_t *rich_bytes(size_t *len)
{
    pool_hdr *pool = NULL;
    size_t flen;
    uint8_t *future = future_bytes(NULL, 0, &flen);
    ProtobufCMessage *root = unpack_pooled(&pool, future, flen);
    assert_non_null(root);
    Actionqueue__Snapshot__V1__Snapshot *m = (Actionqueue__Snapshot__V1__Snapshot *)root;
    m->tasks[2]->task_spec->constraints->safety_level =
        (Actionqueue__Snapshot__V1__SafetyLevel)42;
    uint8_t *bytes = pack(root, len);
    pool_release(&pool);
    free(future);
    return bytes;
}

/* The coverage sample with one huge record (protobuf-c's scratch memory must grow while it
 * unpacks) and very long lists (the snapshot's arena must grow during conversion). */
static uint8_t *big_bytes(bool wide, size_t *len)
{
    static uint8_t payload[200000];
    static char tag[] = "t";
    pool_hdr *pool = NULL;
    ProtobufCMessage *root = unpack_pooled(&pool, g_cov_enc.data, g_cov_enc.len);
    assert_non_null(root);
    Actionqueue__Snapshot__V1__Snapshot *m = (Actionqueue__Snapshot__V1__Snapshot *)root;
    if (!wide) {
        memset(payload, 0x3c, sizeof payload);
        m->tasks[0]->task_spec->payload->bytes.data = payload;
        m->tasks[0]->task_spec->payload->bytes.len = sizeof payload;
    } else {
        size_t n = 20000;
        Actionqueue__Snapshot__V1__SnapshotRunStateHistoryEntry **h =
            pool_must(&pool, n * sizeof *h);
        char **tags = pool_must(&pool, n * sizeof *tags);
        for (size_t i = 0; i < n; i++) {
            h[i] = m->runs[4]->state_history[i % m->runs[4]->n_state_history];
            tags[i] = tag;
        }
        m->runs[4]->state_history = h;
        m->runs[4]->n_state_history = n;
        m->tasks[1]->task_spec->metadata->tags = tags;
        m->tasks[1]->task_spec->metadata->n_tags = n;
    }
    uint8_t *bytes = pack(root, len);
    pool_release(&pool);
    return bytes;
}

/* Fail allocation N for N = 0, 1, ... until the decode succeeds; returns how many failed. */
static size_t decode_oom_loop(const char *input, const uint8_t *bytes, size_t len)
{
    aq_snapshot *want = NULL;
    aq_error err;
    if (aq_snapshot_decode(bytes, len, NULL, &want, &err) != AQ_OK)
        fail_msg("%s: %s", input, err.message);
    fail_alloc fa;
    size_t failures = 0;
    for (size_t n = 0;; n++) {
        assert_true(n < 100000);
        fail_alloc_reset(&fa, n);
        aq_allocator al = fail_alloc_allocator(&fa);
        aq_snapshot *s = (aq_snapshot *)(void *)&fa;
        aq_status st = aq_snapshot_decode(bytes, len, &al, &s, &err);
        char what[96];
        (void)snprintf(what, sizeof what, "%s, allocation %zu fails", input, n);
        if (!fa.failed) {
            /* Past the last allocation: the decode succeeds, equal to an unconstrained one. */
            if (st != AQ_OK) fail_msg("%s: %s", what, err.message);
            char where[512];
            if (!snapshot_equal(want, s, where, sizeof where))
                case_fail(what, "differs at %s", where);
            aq_snapshot_free(s);
            if (fa.live_bytes != 0) case_fail(what, "%zu bytes leaked", fa.live_bytes);
            break;
        }
        failures++;
        if (st != AQ_ENOMEM || err.status != AQ_ENOMEM || err.kind != AQ_ERR_OUT_OF_MEMORY)
            case_fail(what, "%s %s: %s", aq_status_name(st), aq_error_kind_name(err.kind),
                      err.message);
        if (st == AQ_OK)
            aq_snapshot_free(s);
        else if (s != NULL)
            case_fail(what, "*out is not NULL");
        if (fa.live_bytes != 0) case_fail(what, "%zu bytes leaked", fa.live_bytes);
    }
    aq_snapshot_free(want);
    print_message("decode of %s: %zu allocations, each failed once\n", input, failures);
    return failures;
}

static void test_codec_robust__decode_allocation_failures(void **state)
{
    (void)state;
    size_t len;
    cases_begin();
    uint8_t *bytes = rich_bytes(&len);
    size_t n = decode_oom_loop("unknown fields everywhere", bytes, len);
    free(bytes);
    bytes = big_bytes(false, &len);
    n += decode_oom_loop("a 200 kB record", bytes, len);
    free(bytes);
    bytes = big_bytes(true, &len);
    n += decode_oom_loop("20000-entry lists", bytes, len);
    free(bytes);
    n += decode_oom_loop("the small sample", g_small_enc.data, g_small_enc.len);
    cases_end("the decode allocation-failure loops");
    assert_true(n >= 12); /* arenas, their growth, section lists, the rest of the head */
}

/* Fail allocation N for N = 0, 1, ... until the encode succeeds; returns how many failed. */
static size_t encode_oom_loop(const char *input, const aq_snapshot *s)
{
    aq_buffer want;
    encode_plain(s, &want);
    aq_error err;
    fail_alloc fa;
    size_t failures = 0;
    for (size_t n = 0;; n++) {
        assert_true(n < 100000);
        fail_alloc_reset(&fa, n);
        aq_allocator al = fail_alloc_allocator(&fa);
        aq_buffer buf;
        memset(&buf, 0xa5, sizeof buf);
        aq_status st = aq_snapshot_encode(s, &al, &buf, &err);
        char what[96];
        (void)snprintf(what, sizeof what, "%s, allocation %zu fails", input, n);
        if (!fa.failed) {
            if (st != AQ_OK) fail_msg("%s: %s", what, err.message);
            if (buf.len != want.len || memcmp(buf.data, want.data, want.len) != 0)
                case_fail(what, "bytes differ from an unconstrained encode");
            aq_buffer_free(&buf);
            if (fa.live_bytes != 0) case_fail(what, "%zu bytes leaked", fa.live_bytes);
            break;
        }
        failures++;
        if (st != AQ_ENOMEM || err.status != AQ_ENOMEM || err.kind != AQ_ERR_OUT_OF_MEMORY)
            case_fail(what, "%s %s: %s", aq_status_name(st), aq_error_kind_name(err.kind),
                      err.message);
        if (st == AQ_OK)
            aq_buffer_free(&buf);
        else if (buf.data != NULL || buf.len != 0)
            case_fail(what, "the buffer is not empty");
        if (fa.live_bytes != 0) case_fail(what, "%zu bytes leaked", fa.live_bytes);
    }
    aq_buffer_free(&want);
    return failures;
}

/* The coverage sample with a 300 kB unknown field on the message at `path`: the output must grow
 * while that part is written. */
static aq_snapshot *with_big_unknown(const char *path)
{
    static uint8_t data[300004];
    size_t n = sizeof data - 3;
    data[0] = (uint8_t)((n & 0x7f) | 0x80); /* length prefix: 3-byte varint */
    data[1] = (uint8_t)(((n >> 7) & 0x7f) | 0x80);
    data[2] = (uint8_t)(n >> 14);
    memset(data + 3, 0x77, n);
    pool_hdr *pool = NULL;
    ProtobufCMessage *root = unpack_pooled(&pool, g_cov_enc.data, g_cov_enc.len);
    assert_non_null(root);
    ProtobufCMessage *m = message_at(root, path);
    if (m == NULL) fail_msg("no message at \"%s\"", path);
    ProtobufCMessageUnknownField *u = pool_must(&pool, sizeof *u);
    *u = (ProtobufCMessageUnknownField){2000, PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED, sizeof data,
                                        data};
    m->n_unknown_fields = 1;
    m->unknown_fields = u;
    size_t len;
    uint8_t *bytes = pack(root, &len);
    pool_release(&pool);
    aq_snapshot *s = NULL;
    aq_error err;
    if (aq_snapshot_decode(bytes, len, NULL, &s, &err) != AQ_OK) fail_msg("%s", err.message);
    free(bytes);
    return s;
}

static void test_codec_robust__encode_allocation_failures(void **state)
{
    (void)state;
    cases_begin();
    /* Unknown fields to re-attach everywhere, a 300 kB payload (the output outgrows its first
     * guess) and a 20000-id list (the scratch arena outgrows its first block). */
    size_t len;
    uint8_t *bytes = rich_bytes(&len);
    aq_snapshot *s = NULL;
    aq_error err;
    if (aq_snapshot_decode(bytes, len, NULL, &s, &err) != AQ_OK) fail_msg("%s", err.message);
    static uint8_t big_payload[300000];
    memset(big_payload, 0x5a, sizeof big_payload);
    s->tasks.items[0].task_spec.payload.bytes.ptr = big_payload;
    s->tasks.items[0].task_spec.payload.bytes.len = sizeof big_payload;
    aq_dependency *dep = &s->dependency_declarations.items[1];
    size_t n_deps = 20000;
    dep->depends_on.items = aq_snapshot_alloc(s, n_deps, sizeof(aq_uuid), &err);
    assert_non_null(dep->depends_on.items);
    dep->depends_on.count = n_deps;
    size_t failures = encode_oom_loop("rich snapshot", s);
    aq_snapshot_free(s);
    free(bytes);

    /* The output grows in each part of the message in turn. */
    static const char *const parts[] = {
        "", "metadata", "engine", "tasks[0]", "runs[0]", "dependency_declarations[0]",
        "budgets[0]", "subscriptions[0]", "actors[0]", "tenants[0]", "role_assignments[0]",
        "capability_grants[0]", "ledger_entries[0]",
    };
    for (size_t i = 0; i < N_ITEMS(parts); i++) {
        s = with_big_unknown(parts[i]);
        char what[64];
        (void)snprintf(what, sizeof what, "300 kB on \"%s\"", parts[i]);
        failures += encode_oom_loop(what, s);
        aq_snapshot_free(s);
    }
    print_message("encode: %zu allocation failures injected\n", failures);
    cases_end("the encode allocation-failure loops");
    assert_true(failures >= 3 + 2 * N_ITEMS(parts));
}

/* ---- an independent reader: protoc ----------------------------------------------------------- */

static char *tmp_path(const char *tag)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || *dir == '\0') dir = "/tmp";
    size_t n = strlen(dir) + strlen(tag) + 32;
    char *p = malloc(n);
    assert_non_null(p);
    (void)snprintf(p, n, "%s/aq_%s_XXXXXX", dir, tag);
    int fd = mkstemp(p);
    assert_true(fd >= 0);
    assert_int_equal(close(fd), 0);
    return p;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Run protoc with stdin and stdout redirected; its exit status. */
static int run_protoc(const char *mode, const char *proto_dir, const char *in, const char *out)
{
    const char *parts[] = {AQ_TEST_PROTOC, proto_dir, in, out};
    for (size_t i = 0; i < N_ITEMS(parts); i++)
        if (strchr(parts[i], '\'') != NULL) fail_msg("path with a quote: %s", parts[i]);
    char cmd[4096];
    int n = snprintf(cmd, sizeof cmd,
                     "'%s' --%s=actionqueue.snapshot.v1.Snapshot -I '%s' "
                     "actionqueue/snapshot/v1/snapshot.proto < '%s' > '%s'",
                     AQ_TEST_PROTOC, mode, proto_dir, in, out);
    assert_true(n > 0 && (size_t)n < sizeof cmd);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static size_t count_of(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p != NULL; p = strstr(p + 1, needle)) n++;
    return n;
}

static void test_codec_robust__protoc_decodes_coverage_sample(void **state)
{
    (void)state;
    if (AQ_TEST_PROTOC[0] == '\0') {
        print_message("protoc was not found at configure time: cross-check skipped\n");
        skip();
    }
    const char *src = getenv("AQ_SOURCE_DIR");
    if (src == NULL) fail_msg("AQ_SOURCE_DIR is not set (run the test through ctest)");
    char proto_dir[2048];
    (void)snprintf(proto_dir, sizeof proto_dir, "%s/proto", src);

    /* 90 tasks: enough subscriptions for a threshold_pct of 255 (a u8 the engine loads). */
    aq_snapshot *s = sized_sample(90, 16, 64, 1);
    aq_buffer enc;
    encode_plain(s, &enc);
    char *bin = tmp_path("bin"), *text_path = tmp_path("txt"), *again = tmp_path("again");
    write_file(bin, enc.data, enc.len);

    int status = run_protoc("decode", proto_dir, bin, text_path);
    size_t text_len;
    char *text = (char *)read_file(text_path, &text_len);
    assert_int_equal(status, 0);
    assert_int_equal(strlen(text), text_len);
    char newest[32]; /* the sample's schema version */
    (void)snprintf(newest, sizeof newest, "schema_version: %d\n", AQ_SCHEMA_MAX);
    const char *const needles[] = {
        "version: 4\n",         newest,                         "task_count: 90\n",
        "RUN_STATE_SUSPENDED",  "ATTEMPT_RESULT_KIND_SUSPENDED", "release-manager",
        "threshold_pct: 255\n", "BUILTIN_GATEKEEPER",            "expression: \"*/5 * * * *\"",
        "SAFETY_LEVEL_TRANSACTIONAL", "CONCURRENCY_KEY_HOLD_POLICY_RELEASE_ON_RETRY",
    };
    for (size_t i = 0; i < N_ITEMS(needles); i++)
        if (strstr(text, needles[i]) == NULL) fail_msg("protoc's text lacks \"%s\"", needles[i]);
    assert_int_equal(count_of(text, "\ntasks {\n"), s->tasks.count);
    assert_int_equal(count_of(text, "\nruns {\n"), s->runs.count);
    assert_int_equal(count_of(text, "\nactors {\n"), s->actors.count);
    /* protoc prints fields it does not know by number ("17: 3"): there must be none. */
    for (const char *line = text; *line != '\0';) {
        const char *p = line;
        while (*p == ' ') p++;
        if (*p >= '0' && *p <= '9') fail_msg("protoc found a field it does not know: %.40s", p);
        const char *nl = strchr(line, '\n');
        line = nl != NULL ? nl + 1 : line + strlen(line);
    }

    /* And back: protoc (the C++ implementation) encodes its text into exactly our bytes. */
    status = run_protoc("encode", proto_dir, text_path, again);
    assert_int_equal(status, 0);
    size_t again_len;
    uint8_t *again_bytes = read_file(again, &again_len);
    assert_int_equal(again_len, enc.len);
    assert_memory_equal(again_bytes, enc.data, enc.len);

    assert_int_equal(remove(bin), 0);
    assert_int_equal(remove(text_path), 0);
    assert_int_equal(remove(again), 0);
    free(again_bytes);
    free(text);
    free(bin);
    free(text_path);
    free(again);
    aq_buffer_free(&enc);
    aq_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec_robust__null_arguments),
        cmocka_unit_test(test_codec_robust__bad_data_argument_resets_out),
        cmocka_unit_test(test_codec_robust__every_prefix),
        cmocka_unit_test(test_codec_robust__every_bit_flip),
        cmocka_unit_test(test_codec_robust__random_bytes),
        cmocka_unit_test(test_codec_robust__random_records),
        cmocka_unit_test(test_codec_robust__decode_allocation_failures),
        cmocka_unit_test(test_codec_robust__encode_allocation_failures),
        cmocka_unit_test(test_codec_robust__unknown_fields_on_listed_messages),
        cmocka_unit_test(test_codec_robust__unknown_fields_on_every_message),
        cmocka_unit_test(test_codec_robust__unknown_top_level_fields_between_records),
        cmocka_unit_test(test_codec_robust__switched_variant_drops_its_unknown_fields),
        cmocka_unit_test(test_codec_robust__unknown_field_numbers_outside_protobuf_range),
        cmocka_unit_test(test_codec_robust__protoc_decodes_coverage_sample),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
