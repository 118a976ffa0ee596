/* SPDX-License-Identifier: Apache-2.0 */
/* The protobuf codec: round trips, byte-identity with protobuf-c, encode-side rejections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "actionqueue/snapshot/v1/snapshot.pb-c.h"
#include "aqsnap.h"
#include "compare.h"
#include "build.h"
#include "sample.h"

static void round_trip(const aq_snapshot *s)
{
    aq_buffer buf;
    aq_error err;
    assert_int_equal(aq_snapshot_encode(s, NULL, &buf, &err), AQ_OK);
    aq_snapshot *back = NULL;
    aq_status st = aq_snapshot_decode(buf.data, buf.len, NULL, &back, &err);
    if (st != AQ_OK) fail_msg("decode: %s", err.message);
    char where[512];
    if (!snapshot_equal(s, back, where, sizeof where)) fail_msg("round trip differs at %s", where);
    aq_snapshot_free(back);
    aq_buffer_free(&buf);
}

static void test_codec__round_trip_every_schema_version(void **state)
{
    (void)state;
    for (uint32_t v = AQ_SCHEMA_MIN; v <= AQ_SCHEMA_MAX; v++) {
        for (uint64_t seed = 0; seed < 3; seed++) { /* seed % 3 picks the engine state */
            aq_snapshot *s = build_sample(v, 60, true, seed);
            round_trip(s);
            aq_snapshot_free(s);
        }
    }
}

static void test_codec__round_trip_empty_and_large(void **state)
{
    (void)state;
    aq_snapshot *s = build_sample(8, 0, true, 1);
    round_trip(s);
    aq_snapshot_free(s);
    s = build_sample(8, 5000, false, 7);
    round_trip(s);
    aq_snapshot_free(s);
}

/* Our record-at-a-time encoder must write exactly what protobuf-c writes for the whole message:
 * unpacking our bytes with protobuf-c and packing them again gives the same bytes. */
static void test_codec__bytes_match_protobuf_c_whole_message(void **state)
{
    (void)state;
    aq_snapshot *s = build_sample(8, 200, true, 2);
    aq_buffer buf;
    aq_error err;
    assert_int_equal(aq_snapshot_encode(s, NULL, &buf, &err), AQ_OK);
    Actionqueue__Snapshot__V1__Snapshot *m =
        actionqueue__snapshot__v1__snapshot__unpack(NULL, buf.len, buf.data);
    assert_non_null(m);
    assert_int_equal(m->n_tasks, s->tasks.count);
    assert_int_equal(m->n_runs, s->runs.count);
    size_t size = actionqueue__snapshot__v1__snapshot__get_packed_size(m);
    assert_int_equal(size, buf.len);
    uint8_t *again = malloc(size);
    assert_non_null(again);
    assert_int_equal(actionqueue__snapshot__v1__snapshot__pack(m, again), size);
    assert_memory_equal(again, buf.data, size);
    free(again);
    actionqueue__snapshot__v1__snapshot__free_unpacked(m, NULL);
    aq_buffer_free(&buf);
    aq_snapshot_free(s);
}

static void test_codec__encode_refuses_invalid_enum_with_path(void **state)
{
    (void)state;
    aq_snapshot *s = build_sample(8, 10, true, 1);
    s->runs.items[3].state_history.items[1].to = (aq_run_state)42;
    aq_buffer buf;
    aq_error err;
    assert_int_equal(aq_snapshot_encode(s, NULL, &buf, &err), AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_ENUM_INVALID);
    assert_string_equal(err.path, "runs[3].state_history[1].to");
    assert_non_null(strstr(err.message, "42"));
    assert_null(buf.data);
    aq_snapshot_free(s);
}

static void test_codec__encode_refuses_nul_in_string(void **state)
{
    (void)state;
    aq_snapshot *s = build_sample(8, 10, true, 1);
    aq_error err;
    assert_int_equal(aq_snapshot_str(s, "a\0b", 3, &s->tasks.items[2].task_spec.metadata.description.value, &err), AQ_OK);
    s->tasks.items[2].task_spec.metadata.description.present = true;
    aq_buffer buf;
    assert_int_equal(aq_snapshot_encode(s, NULL, &buf, &err), AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_STRING_HAS_NUL);
    assert_string_equal(err.path, "tasks[2].task_spec.metadata.description");
    aq_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codec__round_trip_every_schema_version),
        cmocka_unit_test(test_codec__round_trip_empty_and_large),
        cmocka_unit_test(test_codec__bytes_match_protobuf_c_whole_message),
        cmocka_unit_test(test_codec__encode_refuses_invalid_enum_with_path),
        cmocka_unit_test(test_codec__encode_refuses_nul_in_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
