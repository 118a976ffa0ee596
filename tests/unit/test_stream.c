/* SPDX-License-Identifier: Apache-2.0 */
/* Streaming reads (aqsnap/stream.h): order, agreement with whole loads and validation, the
 * CRC, refusals, the callback's say, memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aqsnap.h"
#include "internal.h"
#include "fail_alloc.h"
#include "fixtures.h"
#include "read_file.h"
#include "sample.h"
#include "scratch_dir.h"
#include "stream_agree.h"

/* What a read handed out, in order. */
typedef struct seen {
    aq_field fields[64]; /* the field of each change of field */
    size_t changes;
    size_t per_field[AQ_FIELD_MAX + 1];
    size_t stop_at; /* return AQ_EINVAL at this item (1-based), 0: never */
    size_t items;
    bool index_ok;
    uint64_t task_id_sum; /* of the tasks' ids' last bytes */
} seen;

static aq_status note(void *ctx, const aq_item *item, aq_error *err)
{
    (void)err;
    seen *s = ctx;
    /* Past 64 changes (a test reading many files into one `seen`), every item counts as one. */
    if (s->changes == 0 || s->changes > 64 || s->fields[s->changes - 1] != item->field) {
        if (s->changes < 64) s->fields[s->changes] = item->field;
        s->changes++;
    }
    if (item->index != s->per_field[item->field]) s->index_ok = false;
    s->per_field[item->field]++;
    if (item->field == AQ_FIELD_TASKS)
        s->task_id_sum += ((const aq_task *)item->value)->task_spec.id.bytes[15];
    if (++s->items == s->stop_at) return AQ_EINVAL;
    return AQ_OK;
}

static aq_snapshot *sample_v8(uint64_t seed)
{
    sample_options o = sample_defaults();
    o.seed = seed;
    aq_snapshot *s;
    assert_int_equal(sample_build(&o, NULL, &s, NULL), AQ_OK);
    return s;
}

static void write_file(const char *path, const aq_snapshot *s, uint32_t flags)
{
    aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
    wo.flags = flags | AQ_WRITE_NO_SYNC;
    aq_error err;
    if (aq_snapshot_write(path, s, &wo, &err) != AQ_OK) fail_msg("write: %s", err.message);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* ---- order and content --------------------------------------------------------------------- */

static void test_stream__items_in_file_order(void **state)
{
    (void)state;
    char path[128];
    scratch_path(path, sizeof path, "order.snap");
    aq_snapshot *s = sample_v8(3);
    write_file(path, s, 0);
    seen got = {.index_ok = true};
    aq_error err;
    assert_int_equal(aq_snapshot_read(path, NULL, note, &got, &err), AQ_OK);
    assert_true(got.index_ok);
    /* One item each for the fields that are not lists, in number order with the lists. */
    size_t k = 0;
    for (uint32_t f = 1; f <= AQ_FIELD_MAX; f++) {
        if (got.per_field[f] == 0) continue;
        assert_true(k < got.changes);
        assert_int_equal(got.fields[k++], f);
    }
    assert_int_equal(k, got.changes);
    assert_int_equal(got.per_field[AQ_FIELD_VERSION], 1);
    assert_int_equal(got.per_field[AQ_FIELD_METADATA], 1);
    assert_int_equal(got.per_field[AQ_FIELD_ENGINE], 1);
    assert_int_equal(got.per_field[AQ_FIELD_TASKS], s->tasks.count);
    assert_int_equal(got.per_field[AQ_FIELD_RUNS], s->runs.count);
    assert_int_equal(got.per_field[AQ_FIELD_LEDGER_ENTRIES], s->ledger_entries.count);
    uint64_t sum = 0;
    for (size_t i = 0; i < s->tasks.count; i++) sum += s->tasks.items[i].task_spec.id.bytes[15];
    assert_int_equal(got.task_id_sum, sum);
    aq_snapshot_free(s);
}

/* ---- both validations agree ------------------------------------------------------------------ */

static void agree(const char *path, void *ctx)
{
    (void)ctx;
    (void)stream_agrees_on_file(path);
}

static void test_stream__validation_agrees_on_every_fixture(void **state)
{
    (void)state;
    size_t files = for_each_fixture(agree, NULL);
    print_message("%zu fixtures read both ways\n", files);
    assert_true(files >= 18);
}

static void test_stream__validation_agrees_on_broken_samples(void **state)
{
    (void)state;
    aq_snapshot *s = sample_v8(5);
    /* Violations in several sections, counts after their lists, engine after runs. */
    s->tasks.items[2].task_spec.constraints.max_attempts = 0;
    s->runs.items[1].run_instance.task_id = s->runs.items[0].run_instance.id;
    s->metadata.task_count++;
    s->engine.paused = true;
    s->engine.paused_at.present = false;
    if (s->budgets.count > 1) s->budgets.items[1] = s->budgets.items[0];
    assert_true(stream_agrees(s));
    s->metadata.schema_version = 5; /* and every later feature on top */
    assert_true(stream_agrees(s));
    s->metadata.schema_version = 99;
    assert_true(stream_agrees(s));
    aq_snapshot_free(s);
}

/* ---- trust: the CRC ----------------------------------------------------------------------------- */

static void test_stream__crc_mismatch_after_the_items(void **state)
{
    (void)state;
    char path[128];
    scratch_path(path, sizeof path, "crc.snap");
    aq_snapshot *s = sample_v8(7);
    aq_buffer img;
    assert_int_equal(aq_snapshot_write_buffer(s, NULL, &img, NULL), AQ_OK);
    img.data[8] ^= 1; /* the stored CRC */
    write_bytes(path, img.data, img.len);
    seen got = {.index_ok = true};
    aq_error err;
    assert_int_equal(aq_snapshot_read(path, NULL, note, &got, &err), AQ_ECRC);
    assert_int_equal(err.kind, AQ_ERR_CRC_MISMATCH);
    assert_true(got.items > 0); /* handed out, then found damaged */
    assert_non_null(strstr(err.message, "every item was handed out"));

    /* A first pass: nothing is handed out. */
    aq_read_options ro = AQ_READ_OPTIONS_INIT;
    ro.flags = AQ_READ_CRC_FIRST;
    memset(&got, 0, sizeof got);
    assert_int_equal(aq_snapshot_read(path, &ro, note, &got, &err), AQ_ECRC);
    assert_int_equal(got.items, 0);

    /* Damage in a record: the CRC wins over the decode failure it causes. */
    img.data[8] ^= 1;
    img.data[img.len / 2] ^= 0xff;
    write_bytes(path, img.data, img.len);
    assert_int_equal(aq_snapshot_read(path, NULL, note, &got, &err), AQ_ECRC);
    aq_snapshot *whole = NULL;
    assert_int_equal(aq_snapshot_load_buffer(img.data, img.len, NULL, &whole, NULL, NULL), AQ_ECRC);
    aq_buffer_free(&img);
    aq_snapshot_free(s);
    ro.flags = AQ_READ_CRC_FIRST;
    memset(&got, 0, sizeof got);
    assert_int_equal(aq_snapshot_read(path, &ro, note, &got, &err), AQ_ECRC);
    assert_int_equal(got.items, 0);
}

/* ---- refusals -------------------------------------------------------------------------------------- */

static void test_stream__fields_out_of_order_are_refused(void **state)
{
    (void)state;
    char path[128];
    scratch_path(path, sizeof path, "disorder.snap");
    /* Legal protobuf no writer makes: the payload of a snapshot without tasks, then that of one
     * without runs (tasks after runs, and the fields that are not lists twice). */
    aq_snapshot *s = sample_v8(9);
    aq_snapshot tasks_only = *s, runs_only = *s;
    tasks_only.runs.count = 0;
    runs_only.tasks.count = 0;
    aq_buffer a, b;
    assert_int_equal(aq_snapshot_encode(&runs_only, NULL, &a, NULL), AQ_OK);
    assert_int_equal(aq_snapshot_encode(&tasks_only, NULL, &b, NULL), AQ_OK);
    size_t len = a.len + b.len;
    uint8_t *img = malloc(AQ_ENVELOPE_SIZE + len);
    assert_non_null(img);
    memcpy(img + AQ_ENVELOPE_SIZE, a.data, a.len);
    memcpy(img + AQ_ENVELOPE_SIZE + a.len, b.data, b.len);
    aq__envelope_seal(img, AQ_FRAME_PROTOBUF, len);
    write_bytes(path, img, AQ_ENVELOPE_SIZE + len);
    free(img);
    aq_buffer_free(&a);
    aq_buffer_free(&b);
    seen got = {.index_ok = true};
    aq_error err;
    aq_read_options ro = AQ_READ_OPTIONS_INIT;
    ro.flags = AQ_LOAD_NO_VALIDATE;
    assert_int_equal(aq_snapshot_read(path, &ro, note, &got, &err), AQ_EDECODE);
    assert_int_equal(err.kind, AQ_ERR_STREAM_ORDER);
    assert_non_null(strstr(err.message, "aq_snapshot_load"));
    /* The whole load reads it. */
    aq_load_options lo = AQ_LOAD_OPTIONS_INIT;
    lo.flags = AQ_LOAD_NO_VALIDATE;
    aq_snapshot *whole;
    assert_int_equal(aq_snapshot_load(path, &lo, &whole, NULL, &err), AQ_OK);
    assert_int_equal(whole->tasks.count, s->tasks.count);
    /* A validating load gives the verdict of a load and a check. */
    aq_error check_err, load_err;
    aq_status checked = aq_snapshot_validate(whole, NULL, &check_err);
    aq_snapshot *validated = NULL;
    assert_int_equal(aq_snapshot_load(path, NULL, &validated, NULL, &load_err), checked);
    if (checked != AQ_OK) assert_string_equal(load_err.message, check_err.message);
    aq_snapshot_free(validated);
    aq_snapshot_free(whole);
    aq_snapshot_free(s);
}

static void test_stream__missing_and_cut_files(void **state)
{
    (void)state;
    char path[128];
    aq_error err;
    seen got = {.index_ok = true};
    scratch_path(path, sizeof path, "missing.snap");
    assert_int_equal(aq_snapshot_read(path, NULL, note, &got, &err), AQ_NO_SNAPSHOT);

    /* Every prefix of a file, in an envelope or a bare JSON document, fails as the whole load
     * fails it. */
    aq_snapshot *s = sample_v8(11);
    for (int json = 0; json < 3; json++) {
        aq_buffer img;
        if (json < 2) {
            aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
            wo.format = json ? AQ_FORMAT_JSON : AQ_FORMAT_PROTOBUF;
            assert_int_equal(aq_snapshot_write_buffer(s, &wo, &img, NULL), AQ_OK);
        } else {
            assert_int_equal(aq_snapshot_encode_json(s, NULL, AQ_JSON_PRETTY, &img, NULL), AQ_OK);
        }
        scratch_path(path, sizeof path, "cut.snap");
        for (size_t n = 1; n < img.len; n += 1 + n / 8) {
            write_bytes(path, img.data, n);
            aq_error whole;
            aq_snapshot *w;
            aq_status ws = aq_snapshot_load(path, NULL, &w, NULL, &whole);
            assert_int_not_equal(ws, AQ_OK);
            assert_int_equal(aq_snapshot_read(path, NULL, note, &got, &err), ws);
            if (err.kind != whole.kind)
                fail_msg("%d, %zu bytes: whole %s, streaming %s", json, n, whole.message,
                         err.message);
        }
        aq_buffer_free(&img);
    }
    aq_snapshot_free(s);

    assert_int_equal(aq_snapshot_read(NULL, NULL, note, &got, &err), AQ_EINVAL);
    aq_read_options bad = AQ_READ_OPTIONS_INIT;
    bad.version = 9;
    assert_int_equal(aq_snapshot_read("x", &bad, note, &got, &err), AQ_EINVAL);
}

/* ---- engine JSON --------------------------------------------------------------------------------- */

/* The same items from the same content in protobuf, engine JSON (compact and pretty) and a
 * bare JSON document. */
static void test_stream__json_hands_out_what_protobuf_does(void **state)
{
    (void)state;
    aq_snapshot *s = sample_v8(21);
    char path[128];
    scratch_path(path, sizeof path, "pb.snap");
    write_file(path, s, 0);
    seen pb = {.index_ok = true};
    aq_error err;
    assert_int_equal(aq_snapshot_read(path, NULL, note, &pb, &err), AQ_OK);
    for (int form = 0; form < 3; form++) {
        aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
        wo.format = AQ_FORMAT_JSON;
        wo.flags = AQ_WRITE_NO_SYNC | (form == 1 ? AQ_WRITE_JSON_PRETTY : 0);
        scratch_path(path, sizeof path, "doc.json");
        if (form < 2) {
            assert_int_equal(aq_snapshot_write(path, s, &wo, &err), AQ_OK);
        } else {
            aq_buffer doc;
            assert_int_equal(aq_snapshot_encode_json(s, NULL, 0, &doc, &err), AQ_OK);
            write_bytes(path, doc.data, doc.len);
            aq_buffer_free(&doc);
        }
        seen js = {.index_ok = true};
        if (aq_snapshot_read(path, NULL, note, &js, &err) != AQ_OK) fail_msg("%s", err.message);
        assert_true(js.index_ok);
        assert_int_equal(js.changes, pb.changes);
        assert_memory_equal(js.fields, pb.fields, sizeof pb.fields);
        assert_memory_equal(js.per_field, pb.per_field, sizeof pb.per_field);
        assert_int_equal(js.task_id_sum, pb.task_id_sum);
        assert_int_equal(js.items, pb.items);
    }
    aq_snapshot_free(s);
}

/* `text` with `from`..`to` (exclusive) moved to just after the opening brace. */
static char *member_first(const char *text, const char *from, const char *to)
{
    const char *a = strstr(text, from), *b = strstr(text, to);
    assert_non_null(a);
    assert_non_null(b);
    size_t n = strlen(text), m = (size_t)(b - a);
    char *out = malloc(n + 2);
    assert_non_null(out);
    out[0] = '{';
    memcpy(out + 1, a + 1, m - 1); /* the member without its leading comma */
    out[m] = ',';
    size_t head = (size_t)(a - text) - 1;
    memcpy(out + m + 1, text + 1, head);
    strcpy(out + m + 1 + head, b);
    return out;
}

/* serde takes a document's keys in any order and skips unknown ones; a streaming read hands
 * fields out as they come, so it takes them in the engine's order only, and skips unknown
 * keys whatever they hold. */
static void test_stream__json_key_order_and_unknown_keys(void **state)
{
    (void)state;
    aq_snapshot *s = sample_v8(23);
    aq_buffer doc;
    assert_int_equal(aq_snapshot_encode_json(s, NULL, 0, &doc, NULL), AQ_OK);
    char *text = malloc(doc.len + 1);
    assert_non_null(text);
    memcpy(text, doc.data, doc.len);
    text[doc.len] = '\0';
    aq_buffer_free(&doc);
    char path[128];
    scratch_path(path, sizeof path, "keys.json");
    aq_error err;
    seen got = {.index_ok = true};

    /* engine after dependency_declarations; then first of all. */
    const char *a = strstr(text, ",\"engine\":"), *b = strstr(text, ",\"dependency_declarations\":"),
               *c = strstr(text, ",\"budgets\":");
    assert_true(a != NULL && b != NULL && c != NULL);
    char *swapped = malloc(strlen(text) + 1);
    assert_non_null(swapped);
    (void)sprintf(swapped, "%.*s%.*s%.*s%s", (int)(a - text), text, (int)(c - b), b,
                  (int)(b - a), a, c);
    char *first = member_first(text, ",\"engine\":", ",\"dependency_declarations\":");
    aq_snapshot *w;
    write_bytes(path, swapped, strlen(swapped));
    assert_int_equal(aq_snapshot_load(path, NULL, &w, NULL, &err), AQ_OK);
    aq_snapshot_free(w);
    assert_int_equal(aq_snapshot_read(path, NULL, note, &got, &err), AQ_EDECODE);
    assert_int_equal(err.kind, AQ_ERR_STREAM_ORDER);
    assert_non_null(strstr(err.message, "field `engine` comes after `dependency_declarations`"));
    write_bytes(path, first, strlen(first));
    assert_int_equal(aq_snapshot_load(path, NULL, &w, NULL, &err), AQ_OK);
    aq_snapshot_free(w);
    assert_int_equal(aq_snapshot_read(path, NULL, note, &got, &err), AQ_EDECODE);
    assert_int_equal(err.kind, AQ_ERR_MISSING_FIELD);
    assert_non_null(strstr(err.message, "missing field `version` before `engine`"));
    free(swapped);
    free(first);

    /* An unknown key holding a deep and long value, before the tasks. */
    size_t depth = 5000, at = (size_t)(strstr(text, ",\"tasks\":") - text);
    char *deep = malloc(strlen(text) + 2 * depth + 64);
    assert_non_null(deep);
    memcpy(deep, text, at);
    size_t n = at + (size_t)sprintf(deep + at, ",\"later\":");
    memset(deep + n, '[', depth);
    memset(deep + n + depth, ']', depth);
    strcpy(deep + n + 2 * depth, text + at);
    write_bytes(path, deep, strlen(deep));
    seen skipped = {.index_ok = true};
    if (aq_snapshot_read(path, NULL, note, &skipped, &err) != AQ_OK) fail_msg("%s", err.message);
    assert_int_equal(skipped.per_field[AQ_FIELD_TASKS], s->tasks.count);
    free(deep);

    /* A required field missing before a list: refused before any of the list is handed out. */
    char *no_meta = member_first(text, ",\"metadata\":", ",\"tasks\":");
    char *cut = strstr(no_meta, ",\"version\":"); /* metadata now first: drop it */
    assert_non_null(cut);
    memmove(no_meta + 1, cut + 1, strlen(cut + 1) + 1);
    write_bytes(path, no_meta, strlen(no_meta));
    seen partial = {.index_ok = true};
    assert_int_equal(aq_snapshot_read(path, NULL, note, &partial, &err), AQ_EDECODE);
    assert_int_equal(err.kind, AQ_ERR_MISSING_FIELD);
    assert_string_equal(err.path, "metadata");
    assert_int_equal(partial.per_field[AQ_FIELD_TASKS], 0);
    free(no_meta);
    free(text);
    aq_snapshot_free(s);
}

/* ---- the callback's say -------------------------------------------------------------------------- */

static void test_stream__callback_stops_the_read(void **state)
{
    (void)state;
    char path[128];
    scratch_path(path, sizeof path, "stop.snap");
    aq_snapshot *s = sample_v8(13);
    write_file(path, s, 0);
    seen got = {.index_ok = true, .stop_at = 5};
    aq_error err;
    assert_int_equal(aq_snapshot_read(path, NULL, note, &got, &err), AQ_EINVAL);
    assert_int_equal(got.items, 5);
    assert_int_equal(err.kind, AQ_ERR_STOPPED);
    assert_non_null(strstr(err.message, "tasks[1]")); /* version, timestamp, metadata, 2 tasks */
    aq_snapshot_free(s);
}

/* ---- violations: by default the first stops the read before its record is handed out -------- */

static void test_stream__violation_stops_before_the_record(void **state)
{
    (void)state;
    char path[128];
    scratch_path(path, sizeof path, "invalid.snap");
    aq_snapshot *s = sample_v8(15);
    s->tasks.items[4].task_spec.constraints.max_attempts = 0;
    write_file(path, s, AQ_WRITE_NO_VALIDATE);
    seen got = {.index_ok = true};
    aq_error err;
    assert_int_equal(aq_snapshot_read(path, NULL, note, &got, &err), AQ_EINVALID);
    assert_int_equal(err.kind, AQ_ERR_TASK_MAX_ATTEMPTS_ZERO);
    assert_string_equal(err.path, "tasks[4].task_spec.constraints.max_attempts");
    assert_int_equal(got.per_field[AQ_FIELD_TASKS], 4);

    /* Without validation everything is handed out. */
    aq_read_options ro = AQ_READ_OPTIONS_INIT;
    ro.flags = AQ_LOAD_NO_VALIDATE;
    memset(&got, 0, sizeof got);
    assert_int_equal(aq_snapshot_read(path, &ro, note, &got, &err), AQ_OK);
    assert_int_equal(got.per_field[AQ_FIELD_TASKS], s->tasks.count);
    aq_snapshot_free(s);
}

/* ---- memory ---------------------------------------------------------------------------------- */

static void test_stream__memory_does_not_grow_with_the_snapshot(void **state)
{
    (void)state;
    char path[128];
    scratch_path(path, sizeof path, "big.snap");
    sample_options o = sample_defaults();
    o.tasks = 20000;
    aq_snapshot *s;
    assert_int_equal(sample_build(&o, NULL, &s, NULL), AQ_OK);
    size_t ids = s->tasks.count + s->runs.count + s->dependency_declarations.count +
                 s->budgets.count + s->subscriptions.count;
    for (int json = 0; json < 2; json++) {
        aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
        wo.format = json ? AQ_FORMAT_JSON : AQ_FORMAT_PROTOBUF;
        wo.flags = AQ_WRITE_NO_SYNC;
        aq_error err;
        assert_int_equal(aq_snapshot_write(path, s, &wo, &err), AQ_OK);
        size_t file_len;
        free(read_file(path, &file_len));

        fail_alloc fa;
        aq_allocator al = fail_alloc_allocator(&fa);
        fail_alloc_reset(&fa, SIZE_MAX);
        aq_read_options ro = AQ_READ_OPTIONS_INIT;
        ro.allocator = &al;
        seen got = {.index_ok = true};
        assert_int_equal(aq_snapshot_read(path, &ro, note, &got, &err), AQ_OK);
        assert_int_equal(fa.live_bytes, 0);
        size_t streaming = fa.peak_bytes;

        aq_load_options lo = AQ_LOAD_OPTIONS_INIT;
        lo.allocator = &al;
        fail_alloc_reset(&fa, SIZE_MAX);
        aq_snapshot *back;
        assert_int_equal(aq_snapshot_load(path, &lo, &back, NULL, &err), AQ_OK);
        aq_snapshot_free(back);
        size_t whole = fa.peak_bytes;
        print_message("%s: %zu-byte file, %zu ids: streaming read peak %zu bytes (%.1f per id), "
                      "whole load %zu\n",
                      json ? "JSON" : "protobuf", file_len, ids, streaming,
                      (double)streaming / (double)ids, whole);
        /* The id maps (48 to 96 bytes an id, about 75 at this size; 3 budget maps) plus a window
         * and arenas. */
        assert_true(streaming < 64 * ids + (4u << 20));
        assert_true(streaming * 4 < whole);
    }
    aq_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream__items_in_file_order),
        cmocka_unit_test(test_stream__validation_agrees_on_every_fixture),
        cmocka_unit_test(test_stream__validation_agrees_on_broken_samples),
        cmocka_unit_test(test_stream__crc_mismatch_after_the_items),
        cmocka_unit_test(test_stream__fields_out_of_order_are_refused),
        cmocka_unit_test(test_stream__missing_and_cut_files),
        cmocka_unit_test(test_stream__json_hands_out_what_protobuf_does),
        cmocka_unit_test(test_stream__json_key_order_and_unknown_keys),
        cmocka_unit_test(test_stream__callback_stops_the_read),
        cmocka_unit_test(test_stream__violation_stops_before_the_record),
        cmocka_unit_test(test_stream__memory_does_not_grow_with_the_snapshot),
    };
    return cmocka_run_group_tests(tests, scratch_dir_create, scratch_dir_remove);
}
