/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every field the schema describes, whatever it is: set by fill_every_field() (which expands the
 * schema's field lists), it must survive protobuf and engine JSON unchanged, and the comparison
 * the other tests rely on must notice a change of any one of them. A field added to the .proto
 * is covered here with no change to this file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aqsnap.h"
#include "aqsnap/schema_facts.h"
#include "compare.h"
#include "fill.h"
#include "sample.h"

static aq_snapshot *filled(uint64_t seed, long change, const char **changed)
{
    sample_options o = sample_defaults(); /* every variant of every oneof and enum */
    o.seed = seed;
    aq_snapshot *s = NULL;
    aq_error err;
    assert_int_equal(sample_build(&o, NULL, &s, &err), AQ_OK);
    assert_int_equal(fill_every_field(s, seed, change, changed), AQ_OK);
    return s;
}

static void expect_equal(const aq_snapshot *a, const aq_snapshot *b, const char *what)
{
    char where[512];
    if (!snapshot_equal(a, b, where, sizeof where)) fail_msg("%s: %s", what, where);
}

static void test_schema__every_field_round_trips_protobuf(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        aq_snapshot *a = filled(seed, -1, NULL);
        aq_buffer buf;
        aq_error err;
        aq_snapshot *b = NULL;
        assert_int_equal(aq_snapshot_encode(a, NULL, &buf, &err), AQ_OK);
        assert_int_equal(aq_snapshot_decode(buf.data, buf.len, NULL, &b, &err), AQ_OK);
        expect_equal(a, b, "protobuf round trip");
        aq_buffer_free(&buf);
        aq_snapshot_free(b);
        aq_snapshot_free(a);
    }
}

static void test_schema__every_field_round_trips_json(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        aq_snapshot *a = filled(seed, -1, NULL);
        a->metadata.schema_version = AQ_SCHEMA_MAX; /* every key written */
        for (uint32_t flags = 0; flags <= AQ_JSON_PRETTY; flags += AQ_JSON_PRETTY) {
            aq_buffer buf;
            aq_error err;
            aq_snapshot *b = NULL;
            if (aq_snapshot_encode_json(a, NULL, flags, &buf, &err) != AQ_OK)
                fail_msg("encode_json: %s", err.message);
            if (aq_snapshot_decode_json(buf.data, buf.len, NULL, &b, &err) != AQ_OK)
                fail_msg("decode_json: %s", err.message);
            expect_equal(a, b, flags ? "pretty JSON round trip" : "JSON round trip");
            aq_buffer_free(&buf);
            aq_snapshot_free(b);
        }
        aq_snapshot_free(a);
    }
}

static void test_schema__comparison_notices_every_field(void **state)
{
    (void)state;
    aq_snapshot *a = filled(7, -1, NULL);
    long n = 0;
    for (;; n++) {
        const char *changed = NULL;
        aq_snapshot *b = filled(7, n, &changed);
        if (changed == NULL) {
            aq_snapshot_free(b);
            break;
        }
        char where[512];
        if (snapshot_equal(a, b, where, sizeof where))
            fail_msg("%s was changed but the snapshots compare equal", changed);
        /* The difference is reported at the field: "runs[0].run_instance.state: 3 != 4". */
        const char *member = strchr(changed, '.') + 1;
        if (strstr(where, member) == NULL)
            fail_msg("%s was changed but the first difference is %s", changed, where);
        if (getenv("AQ_LIST_FIELDS") != NULL) print_message("noticed %s\n", changed);
        aq_snapshot_free(b);
    }
    print_message("every one of %ld (record, field) pairs noticed\n", n);
    /* The whole schema was walked: every field that holds a value (records and lists of records
     * hold fields), and the name of each Custom role or capability. */
#define VALUE_FIELD(rec, pb, member, num, kind, type, presence, since, json, def) +HOLDS_##kind
#define HOLDS_MSG 0
#define HOLDS_LIST_MSG 0
#define HOLDS_U32 1
#define HOLDS_U64 1
#define HOLDS_U8 1
#define HOLDS_I32 1
#define HOLDS_BOOL 1
#define HOLDS_ENUM 1
#define HOLDS_UUID 1
#define HOLDS_STR 1
#define HOLDS_BYTES 1
#define HOLDS_LIST_STR 1
#define HOLDS_LIST_UUID 1
#define HOLDS_STRLIST 1
#define FIELDS_OF(rec, ...) AQ_FIELDS_##rec(VALUE_FIELD)
#define CUSTOM_NAME(rec, ...) +1
    long expected = 0 AQ_FIELDS_snapshot(VALUE_FIELD) AQ_RECORDS(FIELDS_OF) AQ_VARIANTS(FIELDS_OF)
        AQ_HANDWRITTEN(CUSTOM_NAME);
    assert_int_equal(n, expected);
    aq_snapshot_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema__every_field_round_trips_protobuf),
        cmocka_unit_test(test_schema__every_field_round_trips_json),
        cmocka_unit_test(test_schema__comparison_notices_every_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
