/* SPDX-License-Identifier: Apache-2.0 */
#include "stream_agree.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct violations {
    aq_error items[64];
    size_t n;
} violations;

static bool keep(void *ctx, const aq_error *v)
{
    violations *l = ctx;
    if (l->n < sizeof l->items / sizeof l->items[0]) l->items[l->n] = *v;
    l->n++;
    return true;
}

static aq_status ignore(void *ctx, const aq_item *item, aq_error *err)
{
    (void)ctx, (void)item, (void)err;
    return AQ_OK;
}

bool stream_agrees_on_file(const char *path)
{
    violations whole = {0}, streamed = {0};
    aq_error whole_err, stream_err;
    aq_load_options lo = AQ_LOAD_OPTIONS_INIT;
    lo.flags = AQ_LOAD_NO_VALIDATE;
    aq_snapshot *s = NULL;
    aq_status whole_st = aq_snapshot_load(path, &lo, &s, NULL, &whole_err);
    bool decoded = whole_st == AQ_OK;
    if (decoded) {
        whole_st = aq_snapshot_check(s, NULL, keep, &whole, NULL, &whole_err);
        aq_snapshot_free(s);
    }
    /* A validating load stops at the first of them. */
    aq_error load_err;
    aq_snapshot *loaded = NULL;
    aq_status load_st = aq_snapshot_load(path, NULL, &loaded, NULL, &load_err);
    aq_snapshot_free(loaded);
    if (load_st != whole_st ||
        (load_st != AQ_OK && (load_err.kind != whole_err.kind ||
                              strcmp(load_err.path, whole_err.path) != 0 ||
                              strcmp(load_err.message, whole_err.message) != 0)))
        fail_msg("%s: load then check %s (%s), validating load %s (%s)", path,
                 aq_status_name(whole_st), whole_err.message, aq_status_name(load_st),
                 load_err.message);

    aq_read_options ro = AQ_READ_OPTIONS_INIT;
    ro.on_violation = keep;
    ro.violation_ctx = &streamed;
    aq_status stream_st = aq_snapshot_read(path, &ro, ignore, NULL, &stream_err);
    if (whole_st != stream_st || (whole_st != AQ_OK && whole_err.kind != stream_err.kind))
        fail_msg("%s: whole %s %s (%s), streaming %s %s (%s)", path, aq_status_name(whole_st),
                 aq_error_kind_name(whole_err.kind), whole_err.message,
                 aq_status_name(stream_st), aq_error_kind_name(stream_err.kind),
                 stream_err.message);
    /* A damaged file: a whole load stops at the CRC, a streaming read learns of it at the end
     * and may have reported violations the damage caused (stream.h). */
    if (whole_st == AQ_ECRC) return decoded;
    if (whole.n != streamed.n)
        fail_msg("%s: whole validation found %zu violations, streaming %zu", path, whole.n,
                 streamed.n);
    size_t n = whole.n < 64 ? whole.n : 64;
    for (size_t i = 0; i < n; i++) {
        const aq_error *a = &whole.items[i], *b = &streamed.items[i];
        if (a->status != b->status || a->kind != b->kind || strcmp(a->path, b->path) != 0 ||
            strcmp(a->message, b->message) != 0)
            fail_msg("%s: violation %zu: whole %s '%s', streaming %s '%s'", path, i,
                     aq_error_kind_name(a->kind), a->message, aq_error_kind_name(b->kind),
                     b->message);
    }
    if (whole_st != AQ_OK && whole.n > 0) assert_string_equal(whole_err.message, stream_err.message);
    return decoded;
}

static bool agrees_as(const aq_snapshot *s, aq_format format)
{
    aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
    wo.format = format;
    wo.flags = AQ_WRITE_NO_VALIDATE | AQ_WRITE_NO_SYNC;
    aq_buffer img;
    aq_error err;
    if (aq_snapshot_write_buffer(s, &wo, &img, &err) != AQ_OK) return false;
    char path[] = "/tmp/aq-stream-agree-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, img.data, img.len), (ssize_t)img.len);
    assert_int_equal(close(fd), 0);
    aq_buffer_free(&img);
    bool decoded = stream_agrees_on_file(path);
    unlink(path);
    return decoded;
}

bool stream_agrees(const aq_snapshot *s)
{
    bool pb = agrees_as(s, AQ_FORMAT_PROTOBUF);
    bool json = agrees_as(s, AQ_FORMAT_JSON);
    return pb || json;
}
