/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming writes (aqsnap/stream.h): the bytes of aq_snapshot_write for the same content in
 * both formats, read -> write round trips, fields never added, refusals (order, rules, counts,
 * the cap), abort, and the temporary file on every failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "aqsnap.h"
#include "fixtures.h"
#include "internal.h"
#include "read_file.h"
#include "sample.h"
#include "scratch_dir.h"
#include "stream_write.h"

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* The same content both ways: both fail with the same status, kind and path, or both write
 * the same bytes. Returns whether they wrote. */
static bool same_bytes(const aq_snapshot *s, aq_format format, uint32_t flags)
{
    char whole[128], streamed[128], tmp[140];
    scratch_path(whole, sizeof whole, "whole.snap");
    scratch_path(streamed, sizeof streamed, "streamed.snap");
    (void)snprintf(tmp, sizeof tmp, "%s.tmp", streamed);
    remove(whole);
    remove(streamed);
    aq_write_options o = AQ_WRITE_OPTIONS_INIT;
    o.format = format;
    o.flags = flags | AQ_WRITE_NO_SYNC;
    aq_error e1, e2;
    aq_status s1 = aq_snapshot_write(whole, s, &o, &e1);
    aq_status s2 = stream_write(streamed, s, &o, &e2);
    assert_false(exists(tmp));
    if (s1 != AQ_OK || s2 != AQ_OK) {
        if (s1 != s2 || e1.kind != e2.kind || strcmp(e1.path, e2.path) != 0)
            fail_msg("whole %s %s (%s), streaming %s %s (%s)", aq_status_name(s1),
                     aq_error_kind_name(e1.kind), e1.message, aq_status_name(s2),
                     aq_error_kind_name(e2.kind), e2.message);
        assert_false(exists(streamed));
        return false;
    }
    size_t n1, n2;
    uint8_t *b1 = read_file(whole, &n1), *b2 = read_file(streamed, &n2);
    assert_non_null(b1);
    assert_non_null(b2);
    if (n1 != n2 || memcmp(b1, b2, n1) != 0) {
        size_t at = 0;
        while (at < n1 && at < n2 && b1[at] == b2[at]) at++;
        fail_msg("%s: %zu bytes whole, %zu streamed, first difference at byte %zu",
                 format == AQ_FORMAT_JSON ? "json" : "protobuf", n1, n2, at);
    }
    free(b1);
    free(b2);
    return true;
}

/* ---- the same bytes as aq_snapshot_write ------------------------------------------------------ */

/* A fixture both ways, in every format it can be written in; counts the files written. */
static void same_bytes_as_fixture(const char *path, void *ctx)
{
    size_t *written = ctx;
    aq_load_options lo = AQ_LOAD_OPTIONS_INIT;
    lo.flags = AQ_LOAD_NO_VALIDATE;
    aq_snapshot *s;
    if (aq_snapshot_load(path, &lo, &s, NULL, NULL) != AQ_OK) return;
    /* Unknown top-level fields cannot be added: protobuf would keep them, JSON never does. */
    bool unknown = s->unknown != NULL && s->unknown->fields.len > 0;
    if (!unknown) *written += same_bytes(s, AQ_FORMAT_PROTOBUF, 0);
    *written += same_bytes(s, AQ_FORMAT_JSON, 0);
    *written += same_bytes(s, AQ_FORMAT_JSON, AQ_WRITE_JSON_PRETTY);
    /* Invalid content too, as a converting tool writes it. */
    if (!unknown) (void)same_bytes(s, AQ_FORMAT_PROTOBUF, AQ_WRITE_NO_VALIDATE);
    (void)same_bytes(s, AQ_FORMAT_JSON, AQ_WRITE_NO_VALIDATE);
    aq_snapshot_free(s);
}

static void test_stream_write__same_bytes_on_every_fixture(void **state)
{
    (void)state;
    size_t written = 0;
    size_t files = for_each_fixture(same_bytes_as_fixture, &written);
    print_message("%zu fixtures, %zu files written both ways\n", files, written);
    assert_true(files >= 18);
    assert_true(written >= 35);
}

static void test_stream_write__same_bytes_on_samples(void **state)
{
    (void)state;
    for (uint32_t version = AQ_SCHEMA_MIN; version <= AQ_SCHEMA_MAX; version++) {
        sample_options so = sample_defaults();
        so.seed = version;
        so.schema_version = version;
        aq_snapshot *s;
        assert_int_equal(sample_build(&so, NULL, &s, NULL), AQ_OK);
        assert_true(same_bytes(s, AQ_FORMAT_PROTOBUF, 0));
        assert_true(same_bytes(s, AQ_FORMAT_JSON, 0));
        assert_true(same_bytes(s, AQ_FORMAT_JSON, AQ_WRITE_JSON_PRETTY));
        aq_snapshot_free(s);
    }
}

/* ---- read -> write ----------------------------------------------------------------------------- */

static aq_status forward(void *ctx, const aq_item *item, aq_error *err)
{
    return aq_writer_add(ctx, item->field, item->value, err);
}

/* A protobuf file read item by item straight into a writer: the file aq_snapshot_write writes,
 * in either format (streaming reads take protobuf). */
static void test_stream_write__read_then_write_gives_the_file_back(void **state)
{
    (void)state;
    sample_options so = sample_defaults();
    so.tasks = 3000;
    so.seed = 11;
    aq_snapshot *s;
    assert_int_equal(sample_build(&so, NULL, &s, NULL), AQ_OK);
    char src[128], whole[128], out[128];
    scratch_path(src, sizeof src, "src.snap");
    scratch_path(whole, sizeof whole, "whole.snap");
    scratch_path(out, sizeof out, "out.snap");
    aq_write_options o = AQ_WRITE_OPTIONS_INIT;
    o.flags = AQ_WRITE_NO_SYNC;
    aq_error err;
    assert_int_equal(aq_snapshot_write(src, s, &o, &err), AQ_OK);
    for (int json = 0; json < 2; json++) {
        o.format = json ? AQ_FORMAT_JSON : AQ_FORMAT_PROTOBUF;
        assert_int_equal(aq_snapshot_write(whole, s, &o, &err), AQ_OK);
        aq_writer *w;
        assert_int_equal(aq_writer_open(out, &o, &w, &err), AQ_OK);
        if (aq_snapshot_read(src, NULL, forward, w, &err) != AQ_OK) fail_msg("%s", err.message);
        assert_int_equal(aq_writer_commit(w, &err), AQ_OK);
        size_t n1, n2;
        uint8_t *b1 = read_file(whole, &n1), *b2 = read_file(out, &n2);
        assert_int_equal(n1, n2);
        assert_memory_equal(b1, b2, n1);
        free(b1);
        free(b2);
    }
    aq_snapshot_free(s);
}

/* ---- fields never added ------------------------------------------------------------------------ */

static void test_stream_write__fields_never_added_are_a_new_snapshots(void **state)
{
    (void)state;
    aq_snapshot *full;
    sample_options so = sample_defaults();
    so.seed = 3;
    assert_int_equal(sample_build(&so, NULL, &full, NULL), AQ_OK);
    /* A new snapshot with metadata and one task: no version, timestamp, runs or engine. */
    aq_snapshot *s;
    aq_error err;
    assert_int_equal(aq_snapshot_new(NULL, &s, &err), AQ_OK);
    s->metadata.task_count = 1;
    s->tasks.items = full->tasks.items;
    s->tasks.count = 1;
    char whole[128], streamed[128];
    scratch_path(whole, sizeof whole, "few-whole.snap");
    scratch_path(streamed, sizeof streamed, "few-streamed.snap");
    for (int json = 0; json < 2; json++) {
        aq_write_options o = AQ_WRITE_OPTIONS_INIT;
        o.format = json ? AQ_FORMAT_JSON : AQ_FORMAT_PROTOBUF;
        assert_int_equal(aq_snapshot_write(whole, s, &o, &err), AQ_OK);
        aq_writer *w;
        assert_int_equal(aq_writer_open(streamed, &o, &w, &err), AQ_OK);
        assert_int_equal(aq_writer_add(w, AQ_FIELD_METADATA, &s->metadata, &err), AQ_OK);
        assert_int_equal(aq_writer_add(w, AQ_FIELD_TASKS, &s->tasks.items[0], &err), AQ_OK);
        assert_int_equal(aq_writer_commit(w, &err), AQ_OK);
        size_t n1, n2;
        uint8_t *b1 = read_file(whole, &n1), *b2 = read_file(streamed, &n2);
        assert_int_equal(n1, n2);
        assert_memory_equal(b1, b2, n1);
        free(b1);
        free(b2);
    }
    s->tasks.items = NULL;
    aq_snapshot_free(s);
    aq_snapshot_free(full);
}

/* ---- refusals ---------------------------------------------------------------------------------- */

/* A failed streaming write: the status and kind expected, the old file byte for byte, no
 * temporary file; later calls on the writer return the same failure. */
typedef struct refusal {
    char path[128], tmp[140];
    uint8_t *old;
    size_t old_len;
} refusal;

static void refusal_start(refusal *r, const aq_snapshot *old)
{
    scratch_path(r->path, sizeof r->path, "kept.snap");
    (void)snprintf(r->tmp, sizeof r->tmp, "%s.tmp", r->path);
    aq_error err;
    assert_int_equal(aq_snapshot_write(r->path, old, NULL, &err), AQ_OK);
    r->old = read_file(r->path, &r->old_len);
}

static void refusal_check(refusal *r)
{
    size_t n;
    uint8_t *now = read_file(r->path, &n);
    assert_int_equal(n, r->old_len);
    assert_memory_equal(now, r->old, n);
    assert_false(exists(r->tmp));
    free(now);
    free(r->old);
}

static void test_stream_write__order_is_refused(void **state)
{
    (void)state;
    sample_options so = sample_defaults();
    aq_snapshot *s;
    assert_int_equal(sample_build(&so, NULL, &s, NULL), AQ_OK);
    refusal r;
    refusal_start(&r, s);
    aq_writer *w;
    aq_error err;
    aq_write_options o = AQ_WRITE_OPTIONS_INIT;
    o.flags = AQ_WRITE_NO_VALIDATE; /* a run without its task is fine here */
    assert_int_equal(aq_writer_open(r.path, &o, &w, &err), AQ_OK);
    assert_true(exists(r.tmp));
    assert_int_equal(aq_writer_add(w, AQ_FIELD_METADATA, &s->metadata, &err), AQ_OK);
    assert_int_equal(aq_writer_add(w, AQ_FIELD_RUNS, &s->runs.items[0], &err), AQ_OK);
    assert_int_equal(aq_writer_add(w, AQ_FIELD_TASKS, &s->tasks.items[0], &err), AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_STREAM_ORDER);
    assert_non_null(strstr(err.message, "tasks (field 4) comes after field 5 (runs)"));
    /* The writer stays failed. */
    assert_int_equal(aq_writer_add(w, AQ_FIELD_ENGINE, &s->engine, &err), AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_STREAM_ORDER);
    assert_int_equal(aq_writer_commit(w, &err), AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_STREAM_ORDER);
    refusal_check(&r);

    /* A value field twice; a field the schema does not have; NULL. */
    refusal_start(&r, s);
    assert_int_equal(aq_writer_open(r.path, NULL, &w, &err), AQ_OK);
    assert_int_equal(aq_writer_add(w, AQ_FIELD_METADATA, &s->metadata, &err), AQ_OK);
    assert_int_equal(aq_writer_add(w, AQ_FIELD_METADATA, &s->metadata, &err), AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_STREAM_ORDER);
    assert_non_null(strstr(err.message, "metadata was added already"));
    aq_writer_abort(w);
    refusal_check(&r);
    refusal_start(&r, s);
    assert_int_equal(aq_writer_open(r.path, NULL, &w, &err), AQ_OK);
    assert_int_equal(aq_writer_add(w, (aq_field)(AQ_FIELD_MAX + 1), &s->metadata, &err),
                     AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_ARGUMENT);
    aq_writer_abort(w);
    assert_int_equal(aq_writer_open(r.path, NULL, &w, &err), AQ_OK);
    assert_int_equal(aq_writer_add(w, AQ_FIELD_TASKS, NULL, &err), AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_ARGUMENT);
    aq_writer_abort(w);
    aq_writer_abort(NULL);
    refusal_check(&r);
    aq_snapshot_free(s);
}

static void test_stream_write__a_record_breaking_a_rule_is_refused(void **state)
{
    (void)state;
    sample_options so = sample_defaults();
    aq_snapshot *s;
    assert_int_equal(sample_build(&so, NULL, &s, NULL), AQ_OK);
    assert_true(s->tasks.count >= 3);
    refusal r;
    refusal_start(&r, s);
    aq_error whole;
    aq_uuid id = s->tasks.items[2].task_spec.id;
    s->tasks.items[2].task_spec.id = s->tasks.items[0].task_spec.id;
    assert_int_equal(aq_snapshot_validate(s, NULL, &whole), AQ_EINVALID);

    aq_writer *w;
    aq_error err;
    assert_int_equal(aq_writer_open(r.path, NULL, &w, &err), AQ_OK);
    assert_int_equal(aq_writer_add(w, AQ_FIELD_METADATA, &s->metadata, &err), AQ_OK);
    assert_int_equal(aq_writer_add(w, AQ_FIELD_TASKS, &s->tasks.items[0], &err), AQ_OK);
    assert_int_equal(aq_writer_add(w, AQ_FIELD_TASKS, &s->tasks.items[1], &err), AQ_OK);
    assert_int_equal(aq_writer_add(w, AQ_FIELD_TASKS, &s->tasks.items[2], &err), AQ_EINVALID);
    assert_int_equal(err.kind, whole.kind);
    assert_string_equal(err.path, whole.path);
    assert_string_equal(err.message, whole.message);
    assert_int_equal(aq_writer_commit(w, &err), AQ_EINVALID);
    assert_string_equal(err.path, "tasks[2].task_spec.id");
    refusal_check(&r);

    /* A count that only the end shows: the commit fails. */
    s->tasks.items[2].task_spec.id = id;
    refusal_start(&r, s);
    s->metadata.task_count++;
    aq_write_options o = AQ_WRITE_OPTIONS_INIT;
    assert_int_equal(stream_write(r.path, s, &o, &err), AQ_EINVALID);
    assert_int_equal(err.kind, AQ_ERR_TASK_COUNT_MISMATCH);
    refusal_check(&r);
    /* Without validation it is written. */
    o.flags = AQ_WRITE_NO_VALIDATE;
    assert_int_equal(stream_write(r.path, s, &o, &err), AQ_OK);
    aq_snapshot_free(s);
}

static void test_stream_write__the_cap_is_aq_snapshot_writes(void **state)
{
    (void)state;
    sample_options so = sample_defaults();
    so.tasks = 4000; /* over a megabyte: the cap is met while writing, not only at the end */
    aq_snapshot *s;
    assert_int_equal(sample_build(&so, NULL, &s, NULL), AQ_OK);
    aq_buffer img;
    aq_error err;
    assert_int_equal(aq_snapshot_write_buffer(s, NULL, &img, &err), AQ_OK);
    size_t payload = img.len - AQ_ENVELOPE_SIZE;
    aq_buffer_free(&img);
    assert_true(payload > ((size_t)2 << 20));

    refusal r;
    aq_snapshot *small;
    assert_int_equal(aq_snapshot_new(NULL, &small, &err), AQ_OK);
    refusal_start(&r, small);
    aq_write_options o = AQ_WRITE_OPTIONS_INIT;
    o.max_payload = payload - 1;
    assert_int_equal(aq_snapshot_write(r.path, s, &o, &err), AQ_ELIMIT);
    assert_int_equal(stream_write(r.path, s, &o, &err), AQ_ELIMIT);
    assert_int_equal(err.kind, AQ_ERR_PAYLOAD_TOO_LARGE);
    refusal_check(&r);
    o.max_payload = payload / 4; /* met by the tasks already */
    refusal_start(&r, small);
    aq_writer *w;
    assert_int_equal(aq_writer_open(r.path, &o, &w, &err), AQ_OK);
    size_t i = 0;
    aq_status st = AQ_OK;
    for (; st == AQ_OK && i < s->tasks.count; i++)
        st = aq_writer_add(w, AQ_FIELD_TASKS, &s->tasks.items[i], &err);
    assert_int_equal(st, AQ_ELIMIT);
    assert_true(i < s->tasks.count);
    aq_writer_abort(w);
    refusal_check(&r);
    o.max_payload = payload;
    assert_int_equal(stream_write(r.path, s, &o, &err), AQ_OK);
    aq_snapshot_free(small);
    aq_snapshot_free(s);
}

static void test_stream_write__open_failures(void **state)
{
    (void)state;
    aq_writer *w = (aq_writer *)1;
    aq_error err;
    assert_int_equal(aq_writer_open("", NULL, &w, &err), AQ_EINVAL);
    assert_null(w);
    assert_int_equal(aq_writer_open("/nonexistent-dir/x.snap", NULL, &w, &err), AQ_EIO);
    assert_int_equal(err.kind, AQ_ERR_SYSCALL);
    assert_null(w);
    aq_write_options o = AQ_WRITE_OPTIONS_INIT;
    o.version = 99;
    char path[128];
    scratch_path(path, sizeof path, "never.snap");
    assert_int_equal(aq_writer_open(path, &o, &w, &err), AQ_EINVAL);
    assert_false(exists(path));
    assert_int_equal(aq_writer_add(NULL, AQ_FIELD_VERSION, &o, &err), AQ_EINVAL);
    assert_int_equal(aq_writer_commit(NULL, &err), AQ_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_write__same_bytes_on_every_fixture),
        cmocka_unit_test(test_stream_write__same_bytes_on_samples),
        cmocka_unit_test(test_stream_write__read_then_write_gives_the_file_back),
        cmocka_unit_test(test_stream_write__fields_never_added_are_a_new_snapshots),
        cmocka_unit_test(test_stream_write__order_is_refused),
        cmocka_unit_test(test_stream_write__a_record_breaking_a_rule_is_refused),
        cmocka_unit_test(test_stream_write__the_cap_is_aq_snapshot_writes),
        cmocka_unit_test(test_stream_write__open_failures),
    };
    return cmocka_run_group_tests(tests, scratch_dir_create, scratch_dir_remove);
}
