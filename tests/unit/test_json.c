/* SPDX-License-Identifier: Apache-2.0 */
/* The engine JSON payload: byte identity with engine documents, round trips, serde's reading
 * rules, every decode error with its path, writer refusals, out-of-memory behaviour. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aqsnap.h"
#include "read_file.h"
#include "compare.h"
#include "fail_alloc.h"
#include "internal.h"
#include "build.h"
#include "sample.h"

/* ---- helpers --------------------------------------------------------------------------------- */

/* tests/data/json/<name>, NUL-terminated; *len excludes the NUL. */
static char *read_data(const char *name, size_t *len)
{
    const char *root = getenv("AQ_SOURCE_DIR");
    char path[1024];
    (void)snprintf(path, sizeof path, "%s/tests/data/json/%s", root ? root : ".", name);
    return (char *)read_file(path, len);
}

static aq_snapshot *decode_ok(const char *json, size_t len)
{
    aq_snapshot *s = NULL;
    aq_error err;
    aq_status st = aq_snapshot_decode_json(json, len, NULL, &s, &err);
    if (st != AQ_OK) fail_msg("decode: %s (%s)", err.message, aq_error_kind_name(err.kind));
    assert_non_null(s);
    return s;
}

static void encode_ok(const aq_snapshot *s, uint32_t flags, aq_buffer *buf)
{
    aq_error err;
    aq_status st = aq_snapshot_encode_json(s, NULL, flags, buf, &err);
    if (st != AQ_OK) fail_msg("encode: %s (%s)", err.message, aq_error_kind_name(err.kind));
}

static void assert_same_snapshot(const aq_snapshot *a, const aq_snapshot *b)
{
    char where[512];
    if (!snapshot_equal(a, b, where, sizeof where)) fail_msg("snapshots differ at %s", where);
}

/* Show where two texts first differ. */
static void assert_same_text(const char *what, const void *a, size_t alen, const void *b,
                             size_t blen)
{
    size_t n = alen < blen ? alen : blen, i = 0;
    while (i < n && ((const char *)a)[i] == ((const char *)b)[i]) i++;
    if (i == n && alen == blen) return;
    size_t from = i > 40 ? i - 40 : 0;
    fail_msg("%s: differ at byte %zu (lengths %zu, %zu)\n  got:  %.80s\n  want: %.80s", what, i,
             alen, blen, (const char *)a + from, (const char *)b + from);
}

/* True when the output holds `needle` (the buffer is not NUL-terminated). */
static bool has_text(const aq_buffer *b, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= b->len; i++)
        if (memcmp(b->data + i, needle, n) == 0) return true;
    return false;
}

static void round_trip(const aq_snapshot *s, uint32_t flags)
{
    aq_buffer buf;
    encode_ok(s, flags, &buf);
    aq_snapshot *back = decode_ok((const char *)buf.data, buf.len);
    assert_same_snapshot(s, back);
    aq_snapshot_free(back);
    aq_buffer_free(&buf);
}

/* Decode `json` expecting failure with `kind` at `path`, with `needle` in the message. */
static void expect_error(const char *json, aq_status status, aq_error_kind kind, const char *path,
                         const char *needle)
{
    aq_snapshot *s = (aq_snapshot *)(uintptr_t)1;
    aq_error err;
    aq_status st = aq_snapshot_decode_json(json, strlen(json), NULL, &s, &err);
    if (st != status || err.kind != kind)
        fail_msg("expected %s/%s, got %s/%s: %s", aq_status_name(status), aq_error_kind_name(kind),
                 aq_status_name(st), aq_error_kind_name(err.kind), err.message);
    assert_null(s);
    assert_int_equal(err.status, status);
    assert_string_equal(err.path, path);
    if (needle != NULL && strstr(err.message, needle) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
    /* The message reads on its own: it starts with the path. */
    if (path[0] != '\0') assert_int_equal(strncmp(err.message, path, strlen(path)), 0);
}

/* A small valid v8 document to break in one place: `%s` markers are replaced in order. */
static char *doc_with(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *doc_with(const char *fmt, ...)
{
    static char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof buf);
    return buf;
}

#define TASK_ID "\"0000000a-0000-4000-8000-000000000001\""
#define RUN_ID "\"0000000b-0000-4000-8000-000000000001\""

/* The pieces of a minimal document, so that each test changes exactly one of them. */
#define META "{\"schema_version\":8,\"wal_sequence\":1,\"task_count\":1,\"run_count\":1}"
#define SPEC_WITH(payload, policy, constraints, metadata)                                      \
    "{\"id\":" TASK_ID ",\"payload\":" payload ",\"run_policy\":" policy                        \
    ",\"constraints\":" constraints ",\"metadata\":" metadata "}"
#define PAYLOAD "{\"bytes\":[1,2,3],\"content_type\":null}"
#define CONSTRAINTS "{\"max_attempts\":1}"
#define TMETA "{\"tags\":[],\"priority\":0}"
#define SPEC SPEC_WITH(PAYLOAD, "\"Once\"", CONSTRAINTS, TMETA)
#define TASK_WITH(spec, rest) "{\"task_spec\":" spec ",\"created_at\":10" rest "}"
#define TASK TASK_WITH(SPEC, ",\"updated_at\":null")
#define RI_WITH(state, rest)                                                                    \
    "{\"id\":" RUN_ID ",\"task_id\":" TASK_ID ",\"state\":" state                              \
    ",\"attempt_count\":0,\"created_at\":10,\"scheduled_at\":10,\"effective_priority\":0" rest "}"
#define HISTORY "[{\"from\":null,\"to\":\"Scheduled\",\"timestamp\":10}]"
#define RUN_WITH(ri, history)                                                                   \
    "{\"run_instance\":" ri ",\"state_history\":" history ",\"attempts\":[]}"
#define RUN RUN_WITH(RI_WITH("\"Scheduled\"", ""), HISTORY)
#define DOC_WITH(meta, tasks, runs, rest)                                                       \
    "{\"version\":4,\"timestamp\":100,\"metadata\":" meta ",\"tasks\":" tasks ",\"runs\":" runs \
    rest "}"
#define DOC DOC_WITH(META, "[" TASK "]", "[" RUN "]", "")
#define WITH_TASK(task) DOC_WITH(META, "[" task "]", "[" RUN "]", "")
#define WITH_RUN(run) DOC_WITH(META, "[" TASK "]", "[" run "]", "")
#define WITH_REST(rest) DOC_WITH(META, "[" TASK "]", "[" RUN "]", rest)
#define WITH_SPEC(payload, constraints, metadata)                                               \
    WITH_TASK(TASK_WITH(SPEC_WITH(payload, "\"Once\"", constraints, metadata), ""))

/* ---- engine documents: byte identity --------------------------------------------------------- */

/* An engine document (compact, declaration order, keys of its schema version) reads and writes
 * back byte for byte, for every schema version. */
static void test_json__engine_documents_round_trip_byte_for_byte(void **state)
{
    (void)state;
    for (uint32_t v = AQ_SCHEMA_MIN; v <= AQ_SCHEMA_MAX; v++) {
        char name[64];
        (void)snprintf(name, sizeof name, "engine_v%u.json", (unsigned)v);
        size_t len;
        char *json = read_data(name, &len);
        aq_snapshot *s = decode_ok(json, len);
        assert_int_equal(s->metadata.schema_version, v);
        aq_buffer buf;
        encode_ok(s, 0, &buf);
        assert_same_text(name, buf.data, buf.len, json, len);
        aq_buffer_free(&buf);
        aq_snapshot_free(s);
        free(json);
    }
}

/* What the documents hold arrives in the native structs (spot checks of every kind of value). */
static void test_json__engine_document_values(void **state)
{
    (void)state;
    size_t len;
    char *json = read_data("engine_v8.json", &len);
    aq_snapshot *s = decode_ok(json, len);
    assert_int_equal(s->version, 4);
    assert_true(s->metadata.wal_sequence == UINT64_MAX);
    assert_int_equal(s->tasks.count, 3);
    const aq_task *t = &s->tasks.items[0];
    assert_int_equal(t->task_spec.id.bytes[3], 0x0a);
    assert_int_equal(t->task_spec.id.bytes[15], 0x01);
    assert_int_equal(t->task_spec.payload.bytes.len, 7);
    assert_memory_equal(t->task_spec.payload.bytes.ptr, "{\"k\":1}", 7);
    assert_int_equal(t->task_spec.payload.bytes.ptr[7], 0); /* NUL after the bytes */
    assert_int_equal(t->task_spec.run_policy.kind, AQ_RUN_POLICY_ONCE);
    assert_int_equal(t->task_spec.constraints.required_capabilities.value.count, 2);
    assert_int_equal(t->task_spec.metadata.priority, -5);
    static const char desc[] = "line1\nline2 \"q\" \\ \x01\x1f\x7f \xc3\xa9 \xe2\x9c\x93 "
                               "\xf0\x9f\x98\x80 \0 end\t\b\f\r/";
    assert_int_equal(t->task_spec.metadata.description.value.len, sizeof desc - 1);
    assert_memory_equal(t->task_spec.metadata.description.value.ptr, desc, sizeof desc);
    assert_true(t->task_spec.tenant_id.present);
    assert_false(t->task_spec.parent_task_id.present);
    assert_true(t->updated_at.present);
    assert_false(t->canceled_at.present);

    t = &s->tasks.items[1];
    assert_int_equal(t->task_spec.run_policy.kind, AQ_RUN_POLICY_REPEAT);
    assert_int_equal(t->task_spec.run_policy.repeat.count, 3);
    assert_int_equal(t->task_spec.run_policy.repeat.interval_secs, 60);
    assert_int_equal(t->task_spec.constraints.concurrency_key_hold_policy,
                     AQ_HOLD_POLICY_RELEASE_ON_RETRY);
    assert_int_equal(t->task_spec.constraints.safety_level, AQ_SAFETY_LEVEL_IDEMPOTENT);
    assert_int_equal(t->task_spec.metadata.priority, INT32_MAX);
    assert_true(t->task_spec.parent_task_id.present);
    assert_int_equal(t->task_spec.payload.bytes.len, 0);
    assert_non_null(t->task_spec.payload.bytes.ptr);

    t = &s->tasks.items[2];
    assert_int_equal(t->task_spec.run_policy.kind, AQ_RUN_POLICY_CRON);
    assert_string_equal(t->task_spec.run_policy.cron.expression.ptr, "*/5 * * * *");
    assert_int_equal(t->task_spec.run_policy.cron.max_occurrences.value, 12);
    assert_int_equal(t->task_spec.constraints.max_attempts, UINT32_MAX);
    assert_true(t->task_spec.constraints.timeout_secs.value == UINT64_MAX);
    assert_int_equal(t->task_spec.metadata.priority, INT32_MIN);
    assert_int_equal(t->task_spec.metadata.description.value.len, 0);

    const aq_run *r = &s->runs.items[0];
    assert_int_equal(r->run_instance.state, AQ_RUN_STATE_RUNNING);
    assert_true(r->run_instance.current_attempt_id.present);
    assert_int_equal(r->state_history.count, 4);
    assert_false(r->state_history.items[0].from.present);
    assert_int_equal(r->state_history.items[3].from.value, AQ_RUN_STATE_LEASED);
    assert_non_null(r->lease);
    assert_string_equal(r->lease->owner.ptr, "worker-3");
    r = &s->runs.items[1];
    assert_null(r->lease);
    assert_int_equal(r->attempts.items[0].result.value, AQ_ATTEMPT_RESULT_FAILURE);
    assert_int_equal(r->attempts.items[1].output.value.len, 3);
    assert_int_equal(s->runs.items[2].run_instance.state, AQ_RUN_STATE_SUSPENDED);

    assert_false(s->engine.paused);
    assert_int_equal(s->engine.resumed_at.value, 1700000450);
    assert_int_equal(s->dependency_declarations.items[0].depends_on.count, 2);
    assert_int_equal(s->budgets.items[1].dimension, AQ_BUDGET_DIMENSION_COST_CENTS);
    assert_true(s->budgets.items[1].exhausted);
    assert_int_equal(s->subscriptions.items[0].filter.kind, AQ_EVENT_FILTER_TASK_COMPLETED);
    assert_int_equal(s->subscriptions.items[1].filter.state, AQ_RUN_STATE_SUSPENDED);
    assert_int_equal(s->subscriptions.items[2].filter.threshold_pct, 255);
    assert_string_equal(s->subscriptions.items[3].filter.key.ptr, "ops.alert");
    assert_int_equal(s->actors.items[1].capabilities.count, 2);
    assert_true(s->actors.items[1].heartbeat_interval_secs == UINT64_MAX);
    assert_int_equal(s->role_assignments.items[3].role.kind, AQ_ROLE_CUSTOM);
    assert_string_equal(s->role_assignments.items[3].role.custom.ptr, "release-manager");
    assert_int_equal(s->capability_grants.items[5].capability.kind, AQ_CAPABILITY_CUSTOM);
    assert_int_equal(s->capability_grants.items[4].capability.kind, AQ_CAPABILITY_CAN_CANCEL);
    assert_int_equal(s->ledger_entries.items[1].payload.len, 4);
    assert_null(s->unknown);
    aq_snapshot_free(s);
    free(json);
}

/* AQ_JSON_PRETTY is serde_json's PrettyFormatter layout (the expected files come from Python's
 * json.dumps(indent=2), an independent implementation of the same layout). */
static void test_json__pretty_matches_serde_layout_and_parses_back(void **state)
{
    (void)state;
    static const char *const names[][2] = {{"engine_v8.json", "engine_v8.pretty.json"},
                                           {"engine_v4.json", "engine_v4.pretty.json"}};
    for (size_t i = 0; i < 2; i++) {
        size_t len, plen;
        char *json = read_data(names[i][0], &len);
        char *pretty = read_data(names[i][1], &plen);
        aq_snapshot *s = decode_ok(json, len);
        aq_buffer buf;
        encode_ok(s, AQ_JSON_PRETTY, &buf);
        assert_same_text(names[i][1], buf.data, buf.len, pretty, plen);
        aq_snapshot *back = decode_ok((const char *)buf.data, buf.len);
        assert_same_snapshot(s, back);
        aq_snapshot_free(back);
        aq_buffer_free(&buf);
        aq_snapshot_free(s);
        free(json);
        free(pretty);
    }
}

/* ---- round trips ----------------------------------------------------------------------------- */

static void test_json__round_trip_every_schema_version(void **state)
{
    (void)state;
    for (uint32_t v = AQ_SCHEMA_MIN; v <= AQ_SCHEMA_MAX; v++) {
        for (uint64_t seed = 0; seed < 3; seed++) { /* seed % 3 picks the engine state */
            aq_snapshot *s = build_sample(v, 60, true, seed);
            round_trip(s, 0);
            round_trip(s, AQ_JSON_PRETTY);
            aq_snapshot_free(s);
        }
    }
}

static void test_json__round_trip_empty_and_large(void **state)
{
    (void)state;
    aq_snapshot *s = build_sample(8, 0, true, 1);
    round_trip(s, 0);
    aq_snapshot_free(s);
    s = build_sample(8, 3000, false, 7);
    round_trip(s, 0);
    aq_snapshot_free(s);
}

/* Compact and pretty output of the same snapshot are the same JSON value: decoding either and
 * encoding compact gives identical bytes. */
static void test_json__pretty_and_compact_agree(void **state)
{
    (void)state;
    aq_snapshot *s = build_sample(8, 50, true, 2);
    aq_buffer compact, pretty, again;
    encode_ok(s, 0, &compact);
    encode_ok(s, AQ_JSON_PRETTY, &pretty);
    assert_true(pretty.len > compact.len);
    aq_snapshot *back = decode_ok((const char *)pretty.data, pretty.len);
    encode_ok(back, 0, &again);
    assert_same_text("compact of pretty", again.data, again.len, compact.data, compact.len);
    aq_snapshot_free(back);
    aq_buffer_free(&again);
    aq_buffer_free(&pretty);
    aq_buffer_free(&compact);
    aq_snapshot_free(s);
}

static void test_json__u64_max_round_trip(void **state)
{
    (void)state;
    aq_snapshot *s = build_sample(8, 3, true, 1);
    s->timestamp = UINT64_MAX;
    s->metadata.wal_sequence = UINT64_MAX;
    s->tasks.items[0].created_at = UINT64_MAX;
    s->tasks.items[0].task_spec.run_policy.kind = AQ_RUN_POLICY_REPEAT;
    s->tasks.items[0].task_spec.run_policy.repeat.count = UINT32_MAX;
    s->tasks.items[0].task_spec.run_policy.repeat.interval_secs = UINT64_MAX;
    s->runs.items[0].run_instance.effective_priority = INT32_MIN;
    s->runs.items[1].run_instance.effective_priority = INT32_MAX;
    aq_buffer buf;
    encode_ok(s, 0, &buf);
    assert_true(has_text(&buf, "\"timestamp\":18446744073709551615,\"metadata\""));
    assert_true(has_text(&buf, "\"effective_priority\":-2147483648"));
    aq_buffer_free(&buf);
    round_trip(s, 0);
    aq_snapshot_free(s);

    expect_error(DOC_WITH(META, "[" TASK_WITH(SPEC, ",\"updated_at\":18446744073709551616") "]",
                          "[" RUN "]", ""),
                 AQ_EDECODE, AQ_ERR_OUT_OF_RANGE, "tasks[0].updated_at", "18446744073709551616");
    expect_error(DOC_WITH(META, "[" TASK_WITH(SPEC, ",\"updated_at\":99999999999999999999") "]",
                          "[" RUN "]", ""),
                 AQ_EDECODE, AQ_ERR_OUT_OF_RANGE, "tasks[0].updated_at", "found 9999");
}

/* Strings survive exactly, NULs, control characters and all, written as serde_json writes
 * them. */
static void test_json__string_escaping_round_trip(void **state)
{
    (void)state;
    aq_snapshot *s = build_sample(8, 2, true, 1);
    static const char text[] = "q\" b\\ \0 \x01\x08\t\n\x0b\x0c\r\x1f \x7f / \xc3\xa9 "
                               "\xf0\x9f\x98\x80";
    aq_error err;
    aq_opt_str *d = &s->tasks.items[0].task_spec.metadata.description;
    assert_int_equal(aq_snapshot_str(s, text, sizeof text - 1, &d->value, &err), AQ_OK);
    d->present = true;
    aq_buffer buf;
    encode_ok(s, 0, &buf);
    static const char want[] = "\"description\":\"q\\\" b\\\\ \\u0000 \\u0001\\b\\t\\n\\u000b\\f\\r"
                               "\\u001f \x7f / \xc3\xa9 \xf0\x9f\x98\x80\"";
    if (!has_text(&buf, want)) fail_msg("escaping differs from serde_json's");
    aq_snapshot *back = decode_ok((const char *)buf.data, buf.len);
    const aq_str *got = &back->tasks.items[0].task_spec.metadata.description.value;
    assert_int_equal(got->len, sizeof text - 1);
    assert_memory_equal(got->ptr, text, sizeof text);
    assert_same_snapshot(s, back);
    aq_snapshot_free(back);
    aq_buffer_free(&buf);
    aq_snapshot_free(s);

    /* Escapes serde_json reads but never writes: \/, \u for any character, surrogate pairs;
     * keys and enum names may be escaped too. */
    const char *json = DOC_WITH(
        META,
        "[" TASK_WITH(SPEC_WITH(PAYLOAD, "\"\\u004fnce\"", CONSTRAINTS,
                                "{\"tags\":[\"a\\/b\\u00e9\\ud83d\\ude00\\u0000\"],"
                                "\"priority\":0}"),
                      ",\"upd\\u0061ted_at\":7") "]",
        "[" RUN "]", "");
    s = decode_ok(json, strlen(json));
    assert_int_equal(s->tasks.items[0].task_spec.run_policy.kind, AQ_RUN_POLICY_ONCE);
    assert_int_equal(s->tasks.items[0].updated_at.value, 7);
    static const char tag[] = "a/b\xc3\xa9\xf0\x9f\x98\x80";
    assert_int_equal(s->tasks.items[0].task_spec.metadata.tags.items[0].len, sizeof tag);
    assert_memory_equal(s->tasks.items[0].task_spec.metadata.tags.items[0].ptr, tag, sizeof tag);
    aq_snapshot_free(s);
}

/* The top-level tokenizer finds where each list item ends by itself: escaped quotes, runs of
 * backslashes and brackets inside strings must not fool it at any offset from a 64-byte block
 * boundary. */
static void test_json__escapes_at_every_offset(void **state)
{
    (void)state;
    /* Each is valid string content: \" \\ \\\" \\\\ ]}[{ \"] \\\\\" and escaped brackets. */
    static const char *const tricky[] = {"\\\"", "\\\\", "\\\\\\\"", "\\\\\\\\", "]}[{",
                                         "\\\"]", "\\\\\\\\\\\"", "\\u005d\\u007d"};
    for (size_t t = 0; t < sizeof tricky / sizeof tricky[0]; t++) {
        for (int pad = 0; pad < 130; pad++) {
            char tag[512];
            int n = snprintf(tag, sizeof tag, "%*s%s%s", pad, "", tricky[t], tricky[t]);
            assert_true(n > 0 && (size_t)n < sizeof tag);
            const char *json = doc_with(
                DOC_WITH(META, "[" TASK_WITH(SPEC_WITH(PAYLOAD, "\"Once\"", CONSTRAINTS,
                                                       "{\"tags\":[\"%s\"],\"priority\":0}"),
                                             "") "," TASK "]",
                         "[" RUN "]", ""),
                tag);
            aq_snapshot *s = NULL;
            aq_error err;
            aq_status st = aq_snapshot_decode_json(json, strlen(json), NULL, &s, &err);
            if (st != AQ_OK) fail_msg("tag \"%s\": %s", tag, err.message);
            assert_int_equal(s->tasks.count, 2);
            aq_snapshot_free(s);
        }
    }
}

/* ---- serde's reading rules ------------------------------------------------------------------- */

static void test_json__defaulted_keys_missing_take_defaults(void **state)
{
    (void)state;
    /* DOC has no engine, no later sections, no canceled_at, parent_task_id, tenant_id, hold
     * policy, safety level, required_capabilities, last_state_change_at. */
    const char *json = doc_with("%s", DOC_WITH(META, "[" TASK "]",
                                               "[" RUN_WITH(RI_WITH("\"Running\"", ""),
                                                            HISTORY) "]",
                                               ""));
    aq_snapshot *s = decode_ok(json, strlen(json));
    assert_false(s->engine.paused);
    assert_false(s->engine.paused_at.present);
    assert_false(s->engine.resumed_at.present);
    assert_int_equal(s->dependency_declarations.count, 0);
    assert_int_equal(s->budgets.count, 0);
    assert_int_equal(s->subscriptions.count, 0);
    assert_int_equal(s->actors.count + s->tenants.count + s->role_assignments.count +
                         s->capability_grants.count + s->ledger_entries.count,
                     0);
    const aq_task *t = &s->tasks.items[0];
    assert_false(t->canceled_at.present);
    assert_false(t->task_spec.parent_task_id.present);
    assert_false(t->task_spec.tenant_id.present);
    assert_int_equal(t->task_spec.constraints.concurrency_key_hold_policy,
                     AQ_HOLD_POLICY_HOLD_DURING_RETRY);
    assert_int_equal(t->task_spec.constraints.safety_level, AQ_SAFETY_LEVEL_PURE);
    assert_false(t->task_spec.constraints.required_capabilities.present);
    assert_int_equal(s->runs.items[0].run_instance.last_state_change_at, 0);
    aq_snapshot_free(s);

    /* An attempt without output (v4 engines) is None. */
    json = doc_with("%s", DOC_WITH(META, "[" TASK "]",
                                   "[{\"run_instance\":" RI_WITH("\"Running\"", "")
                                   ",\"state_history\":[],\"attempts\":[{\"attempt_id\":" RUN_ID
                                   ",\"started_at\":1}]}]",
                                   ""));
    s = decode_ok(json, strlen(json));
    assert_false(s->runs.items[0].attempts.items[0].output.present);
    assert_false(s->runs.items[0].attempts.items[0].finished_at.present);
    aq_snapshot_free(s);

    /* Defaulted is not Option: null is still a type error. */
    expect_error(DOC_WITH(META, "[" TASK "]", "[" RUN "]", ",\"engine\":null"), AQ_EDECODE,
                 AQ_ERR_JSON_TYPE, "engine", "expected struct SnapshotEngineControl");
    expect_error(DOC_WITH(META, "[" TASK "]", "[" RUN "]", ",\"budgets\":null"), AQ_EDECODE,
                 AQ_ERR_JSON_TYPE, "budgets", "found null");
    expect_error(DOC_WITH(META, "[" TASK "]", "[" RUN "]", ",\"engine\":{}"), AQ_EDECODE,
                 AQ_ERR_MISSING_FIELD, "engine.paused", "missing field `paused`");
}

static void test_json__option_keys_missing_are_none(void **state)
{
    (void)state;
    /* No updated_at, content_type, current_attempt_id, lease, description, timeout_secs. */
    const char *json = doc_with(
        "%s", DOC_WITH(META,
                       "[" TASK_WITH(SPEC_WITH("{\"bytes\":[]}",
                                               "{\"Cron\":{\"expression\":\"x\"}}", CONSTRAINTS,
                                               TMETA),
                                     "") "]",
                       "[" RUN "]", ""));
    aq_snapshot *s = decode_ok(json, strlen(json));
    const aq_task *t = &s->tasks.items[0];
    assert_false(t->updated_at.present);
    assert_false(t->task_spec.payload.content_type.present);
    assert_false(t->task_spec.constraints.timeout_secs.present);
    assert_false(t->task_spec.constraints.concurrency_key.present);
    assert_false(t->task_spec.metadata.description.present);
    assert_false(t->task_spec.run_policy.cron.max_occurrences.present);
    assert_false(s->runs.items[0].run_instance.current_attempt_id.present);
    assert_null(s->runs.items[0].lease);
    aq_snapshot_free(s);
}

static void test_json__unknown_keys_skipped_at_every_level(void **state)
{
    (void)state;
    const char *json = doc_with(
        "{\"zzz\":{\"a\":[1,2.5e-3,{\"b\":null}],\"c\":\"\\u00e9\\n\"},"
        "\"version\":4,\"timestamp\":100,\"metadata\":{\"schema_version\":8,\"new\":true,"
        "\"wal_sequence\":1,\"task_count\":1,\"run_count\":1},"
        "\"tasks\":[{\"x\":[],\"task_spec\":{\"id\":" TASK_ID ",\"y\":{},"
        "\"payload\":{\"bytes\":[],\"q\":-1e-400},"
        "\"run_policy\":{\"Repeat\":{\"count\":1,\"jitter\":5,\"interval_secs\":2}},"
        "\"constraints\":{\"max_attempts\":1,\"priority_class\":\"gold\"},"
        "\"metadata\":{\"tags\":[],\"priority\":0,\"labels\":{\"k\":\"v\"}}},"
        "\"created_at\":10}],"
        "\"runs\":[],\"engine\":{\"paused\":true,\"reason\":\"maintenance\"},"
        "\"future_section\":[[[[]]]],\"budgets\":[]}");
    aq_snapshot *s = decode_ok(json, strlen(json));
    assert_int_equal(s->tasks.count, 1);
    assert_int_equal(s->tasks.items[0].task_spec.run_policy.repeat.interval_secs, 2);
    assert_true(s->engine.paused);
    aq_snapshot_free(s);

    /* serde_json skips numbers by their grammar only, and strings with any surrogate. */
    json = DOC_WITH(META, "[" TASK "]", "[" RUN "]",
                    ",\"x\":{\"y\":[1e400,-1e-400,123456789012345678901234567890],"
                    "\"\\ud800\":\"\\udc00\\ud800\"},\"z\":1e999");
    aq_snapshot_free(decode_ok(json, strlen(json)));
    /* Skipped values must still be JSON serde_json accepts; the path names the unknown key
     * (and the record it is in), the message where inside the value the problem is. */
    expect_error(DOC_WITH(META, "[" TASK "]", "[" RUN "]", ",\"x\":[1,tru]"), AQ_EDECODE,
                 AQ_ERR_JSON_SYNTAX, "x", "invalid literal at byte 6 of the skipped value");
    expect_error(DOC_WITH(META, "[" TASK "]", "[" RUN "]", ",\"x\":{\"y\":[1.]}"), AQ_EDECODE,
                 AQ_ERR_JSON_SYNTAX, "x", "invalid number");
    expect_error(DOC_WITH(META, "[" TASK "]", "[" RUN "]", ",\"x\":{\"y\":\"\\u12\"}"),
                 AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "x", "escape");
    expect_error(DOC_WITH(META, "[" TASK "]", "[" RUN "]", ",\"x\":[\"\\q\"]"), AQ_EDECODE,
                 AQ_ERR_JSON_SYNTAX, "x", "escape");
    expect_error(DOC_WITH(META, "[" TASK "]", "[" RUN "]", ",\"x\":01"), AQ_EDECODE,
                 AQ_ERR_JSON_SYNTAX, "x", "leading zero");
    expect_error(DOC_WITH(META, "[" TASK "]", "[" RUN "]", ",\"x\":[1,]"), AQ_EDECODE,
                 AQ_ERR_JSON_SYNTAX, "x", "expected a value");
    expect_error(DOC_WITH(META, "[" TASK "]", "[" RUN "]", ",\"x\":{\"a\" 1}"), AQ_EDECODE,
                 AQ_ERR_JSON_SYNTAX, "x", "expected ':'");
    expect_error(WITH_TASK(TASK_WITH(SPEC, ",\"x\":[[1]],\"y\":1x")), AQ_EDECODE,
                 AQ_ERR_JSON_SYNTAX, "tasks[0].y", "expected ',' or '}' after the value");
    /* (simdjson finds raw control characters first, in the whole record) */
    expect_error(WITH_TASK(TASK_WITH(SPEC, ",\"x\":[\"a\tb\"]")), AQ_EDECODE,
                 AQ_ERR_JSON_SYNTAX, "tasks[0]", "control character");
}

/* serde_json's from_slice looks at the UTF-8 of the strings it reads (keys of a record, string
 * values) and not at those it skips. */
static void test_json__utf8_only_where_read(void **state)
{
    (void)state;
    const char *json = WITH_TASK(TASK_WITH(SPEC, ",\"x\":[\"\xff\xfe\",{\"\xc3\":1}]"));
    aq_snapshot_free(decode_ok(json, strlen(json)));
    json = WITH_REST(",\"x\":\"\xed\xa0\x80\"");
    aq_snapshot_free(decode_ok(json, strlen(json)));
    /* Near the end of an unpadded text (the slice is copied first) as anywhere else. */
    json = DOC_WITH(META, "[" TASK "]", "[" RUN_WITH(RI_WITH("\"Scheduled\"", ",\"x\":\"\xff\""),
                                                      HISTORY) "]", "");
    aq_snapshot_free(decode_ok(json, strlen(json)));
    expect_error(WITH_SPEC(PAYLOAD, CONSTRAINTS, "{\"tags\":[\"ok\",\"\xff\"],\"priority\":0}"),
                 AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "tasks[0].task_spec.metadata.tags[1]",
                 "not valid UTF-8: byte 0xff at offset 0");
    expect_error(WITH_TASK(TASK_WITH(SPEC, ",\"\xff\":1,\"y\":\"\xff\"")), AQ_EDECODE,
                 AQ_ERR_JSON_SYNTAX, "tasks[0]", "not valid UTF-8");
}

/* serde_json skips a value without looking at its depth, and so does the reader, without
 * recursion: any depth, at the top level or inside a record, in memory of a bit per level. */
static void test_json__deep_nesting_in_unknown_values(void **state)
{
    (void)state;
    size_t depths[] = {126, 127, 128, 1000, 1000000};
    for (size_t d = 0; d < sizeof depths / sizeof depths[0]; d++) {
        size_t n = depths[d];
        char *json = malloc(2 * n + 1024);
        assert_non_null(json);
        for (int inside = 0; inside < 2; inside++) {
            /* At the top, or under runs[0].run_instance (the 124 levels). */
            const char *head = inside ? "{\"version\":4,\"timestamp\":100,\"metadata\":" META
                                        ",\"tasks\":[" TASK "],\"runs\":[{\"run_instance\":"
                                        "{\"x\":"
                                      : "{\"x\":";
            /* The rest of the object the value is in: without its opening brace. */
            const char *rest = inside ? RI_WITH("\"Scheduled\"", "") : DOC;
            char *p = json + sprintf(json, "%s", head);
            memset(p, '[', n);
            p += n;
            memset(p, ']', n);
            p += n;
            p += sprintf(p, ",%s%s", rest + 1,
                         inside ? ",\"state_history\":" HISTORY ",\"attempts\":[]}]}" : "");
            aq_snapshot *s = NULL;
            aq_error err;
            if (aq_snapshot_decode_json(json, (size_t)(p - json), NULL, &s, &err) != AQ_OK)
                fail_msg("depth %zu (%s): %s", n, inside ? "in a run" : "at the top",
                         err.message);
            assert_int_equal(s->runs.count, 1);
            aq_snapshot_free(s);
        }
        free(json);
    }
}

/* serde reads a struct (and a struct variant) written as an array of its values in declaration
 * order; missing trailing values take their serde default, when they all have one. */
static void test_json__struct_as_sequence(void **state)
{
    (void)state;
    const char *json = DOC_WITH("[8,1,1,1]",
                                "[[[" TASK_ID ",[[1,2,3],null],{\"Repeat\":[2,60]},[1,null,null],"
                                "[[],0,null]],10,null]]",
                                "[" RUN "]", "");
    aq_snapshot *s = decode_ok(json, strlen(json));
    assert_int_equal(s->metadata.schema_version, 8);
    assert_int_equal(s->metadata.run_count, 1);
    const aq_task *t = &s->tasks.items[0];
    assert_int_equal(t->task_spec.run_policy.kind, AQ_RUN_POLICY_REPEAT);
    assert_int_equal(t->task_spec.run_policy.repeat.count, 2);
    assert_int_equal(t->task_spec.run_policy.repeat.interval_secs, 60);
    assert_int_equal(t->task_spec.payload.bytes.len, 3);
    /* Defaulted: the constraints' hold policy and safety level, the task's canceled_at. */
    assert_int_equal(t->task_spec.constraints.safety_level, AQ_SAFETY_LEVEL_PURE);
    assert_false(t->canceled_at.present);
    aq_snapshot_free(s);

    /* The whole snapshot as an array; the defaulted sections may end it early. */
    json = "[4,100," META ",[" TASK "],[" RUN "],{\"paused\":false,\"paused_at\":null,"
           "\"resumed_at\":null}]";
    s = decode_ok(json, strlen(json));
    assert_int_equal(s->tasks.count, 1);
    assert_int_equal(s->budgets.count, 0);
    assert_non_null(s->budgets.items);
    aq_snapshot_free(s);

    /* An Option without a serde default must be there; so must everything else. */
    expect_error(WITH_TASK("[" SPEC "]"), AQ_EDECODE, AQ_ERR_MISSING_FIELD, "tasks[0]",
                 "invalid length 1, expected struct SnapshotTask with 4 elements (`created_at`");
    expect_error(WITH_TASK("[" SPEC ",10]"), AQ_EDECODE, AQ_ERR_MISSING_FIELD, "tasks[0]",
                 "(`updated_at` has no default)");
    expect_error(DOC_WITH("[8,1,1,1,5]", "[" TASK "]", "[" RUN "]", ""), AQ_EDECODE,
                 AQ_ERR_JSON_TYPE, "metadata", "expected struct SnapshotMetadata with 4 elements, "
                                               "found more");
    expect_error(DOC_WITH("[8,\"1\",1,1]", "[" TASK "]", "[" RUN "]", ""), AQ_EDECODE,
                 AQ_ERR_JSON_TYPE, "metadata.wal_sequence", "expected u64");
    expect_error("[4,100]", AQ_EDECODE, AQ_ERR_MISSING_FIELD, "",
                 "invalid length 2, expected struct Snapshot with 14 elements");
    expect_error("[]", AQ_EDECODE, AQ_ERR_MISSING_FIELD, "", "invalid length 0");
}

static void test_json__externally_tagged_forms(void **state)
{
    (void)state;
    /* A unit variant may also be written {"Name": null}. */
    const char *json = doc_with(
        "%s", DOC_WITH(META,
                       "[" TASK_WITH(SPEC_WITH(PAYLOAD, "{\"Once\":null}", CONSTRAINTS, TMETA),
                                     "") "]",
                       "[" RUN_WITH(RI_WITH("{\"Ready\":null}", ""), HISTORY) "]", ""));
    aq_snapshot *s = decode_ok(json, strlen(json));
    assert_int_equal(s->tasks.items[0].task_spec.run_policy.kind, AQ_RUN_POLICY_ONCE);
    assert_int_equal(s->runs.items[0].run_instance.state, AQ_RUN_STATE_READY);
    aq_snapshot_free(s);

#define WITH_POLICY(policy)                                                                     \
    DOC_WITH(META, "[" TASK_WITH(SPEC_WITH(PAYLOAD, policy, CONSTRAINTS, TMETA), "") "]",          \
             "[" RUN "]", "")
    expect_error(WITH_POLICY("{\"Weekly\":{\"day\":1}}"), AQ_EDECODE, AQ_ERR_BAD_ENUM,
                 "tasks[0].task_spec.run_policy", "unknown RunPolicy variant \"Weekly\"");
    expect_error(WITH_POLICY("\"Repeat\""), AQ_EDECODE, AQ_ERR_JSON_TYPE,
                 "tasks[0].task_spec.run_policy", "carries data");
    expect_error(WITH_POLICY("{}"), AQ_EDECODE, AQ_ERR_ONEOF_UNSET,
                 "tasks[0].task_spec.run_policy", "no variant of RunPolicy");
    expect_error(WITH_POLICY("{\"Once\":null,\"Repeat\":{}}"), AQ_EDECODE, AQ_ERR_JSON_TYPE,
                 "tasks[0].task_spec.run_policy", "second key");
    expect_error(WITH_POLICY("{\"Once\":{}}"), AQ_EDECODE, AQ_ERR_JSON_TYPE,
                 "tasks[0].task_spec.run_policy.Once", "null for the unit variant");
    expect_error(WITH_POLICY("{\"Repeat\":{\"count\":-1,\"interval_secs\":1}}"), AQ_EDECODE,
                 AQ_ERR_OUT_OF_RANGE, "tasks[0].task_spec.run_policy.Repeat.count", "found -1");
    expect_error(WITH_POLICY("{\"Repeat\":{\"count\":1}}"), AQ_EDECODE, AQ_ERR_MISSING_FIELD,
                 "tasks[0].task_spec.run_policy.Repeat.interval_secs",
                 "missing field `interval_secs`");
    expect_error(WITH_POLICY("3"), AQ_EDECODE, AQ_ERR_JSON_TYPE, "tasks[0].task_spec.run_policy",
                 "found the integer 3");
#undef WITH_POLICY
}

#define WITH_TENANT                                                                             \
    DOC_WITH(META, "[" TASK "]", "[" RUN "]",                                                   \
             ",\"tenants\":[{\"tenant_id\":%s,\"name\":\"t\",\"created_at\":1}]")

static void test_json__uuid_forms(void **state)
{
    (void)state;
    static const char *const good[] = {
        "\"0000000A-0000-4000-8000-000000000001\"",
        "\"0000000a000040008000000000000001\"",
        "\"{0000000a-0000-4000-8000-000000000001}\"",
        "\"urn:uuid:0000000a-0000-4000-8000-000000000001\"",
        "\"\\u0030000000a-0000-4000-8000-000000000001\"",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const char *json = doc_with(WITH_TENANT, good[i]);
        aq_snapshot *s = decode_ok(json, strlen(json));
        static const uint8_t want[16] = {0, 0, 0, 0x0a, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1};
        assert_memory_equal(s->tenants.items[0].tenant_id.bytes, want, 16);
        aq_snapshot_free(s);
    }
    static const char *const bad[][2] = {
        {"\"0000000a-0000-4000-8000-00000000001\"", "35 characters"},
        {"\"0000000a-0000-4000-8000-0000000000g1\"", "'g' at offset 34"},
        {"\"0000000a+0000-4000-8000-000000000001\"", "expected '-' at offset 8"},
        {"\"0000000a0000-4000-8000-0000000000001\"", "expected '-' at offset 8"},
        {"\"URN:uuid:0000000a-0000-4000-8000-000000000001\"", "45 characters"},
        {"\"{0000000a-0000-4000-8000-000000000001)\"", "38 characters"},
        {"\"\"", "0 characters"},
        {"\"0000000a00004000800000000000000z\"", "'z' at offset 31"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *json = doc_with(WITH_TENANT, bad[i][0]);
        expect_error(json, AQ_EDECODE, AQ_ERR_BAD_UUID, "tenants[0].tenant_id", bad[i][1]);
    }
    expect_error(DOC_WITH(META, "[" TASK "]", "[" RUN "]",
                          ",\"tenants\":[{\"tenant_id\":1,\"name\":\"t\",\"created_at\":1}]"),
                 AQ_EDECODE, AQ_ERR_JSON_TYPE, "tenants[0].tenant_id", "expected a UUID string");
}

/* ---- every decode error, with its path ------------------------------------------------------- */

#define THRESHOLD(pct)                                                                          \
    WITH_REST(",\"subscriptions\":[{\"subscription_id\":" RUN_ID ",\"task_id\":" TASK_ID        \
              ",\"filter\":{\"BudgetThreshold\":{\"task_id\":" TASK_ID                         \
              ",\"dimension\":\"Token\",\"threshold_pct\":" pct "}},\"created_at\":1}]")

static void test_json__missing_and_duplicate_keys(void **state)
{
    (void)state;
    expect_error(WITH_RUN("{\"run_instance\":{\"id\":" RUN_ID ",\"task_id\":" TASK_ID
                          ",\"attempt_count\":0,\"created_at\":10,\"scheduled_at\":10,"
                          "\"effective_priority\":0},\"state_history\":[],\"attempts\":[]}"),
                 AQ_EDECODE, AQ_ERR_MISSING_FIELD, "runs[0].run_instance.state",
                 "missing field `state`");
    expect_error(WITH_RUN(RUN_WITH(RI_WITH("\"Scheduled\"", ""),
                                   "[{\"from\":null,\"timestamp\":10}]")),
                 AQ_EDECODE, AQ_ERR_MISSING_FIELD, "runs[0].state_history[0].to",
                 "missing field `to`");
    expect_error("{\"version\":4,\"timestamp\":1,\"tasks\":[],\"runs\":[]}", AQ_EDECODE,
                 AQ_ERR_MISSING_FIELD, "metadata", "missing field `metadata`");
    expect_error(WITH_SPEC("{\"content_type\":null}", CONSTRAINTS, TMETA), AQ_EDECODE,
                 AQ_ERR_MISSING_FIELD, "tasks[0].task_spec.payload.bytes",
                 "missing field `bytes`");
    expect_error(WITH_TASK(TASK_WITH(SPEC, ",\"created_at\":11")), AQ_EDECODE,
                 AQ_ERR_DUPLICATE_FIELD, "tasks[0].created_at", "duplicate field `created_at`");
    expect_error("{\"version\":4,\"version\":4}", AQ_EDECODE, AQ_ERR_DUPLICATE_FIELD, "version",
                 "duplicate field `version`");
    /* Matched after unescaping, as serde does. */
    expect_error(WITH_TASK(TASK_WITH(SPEC, ",\"cre\\u0061ted_at\":11")), AQ_EDECODE,
                 AQ_ERR_DUPLICATE_FIELD, "tasks[0].created_at", NULL);
    /* Unknown keys may repeat: serde ignores them. */
    const char *json = WITH_REST(",\"x\":1,\"x\":2");
    aq_snapshot_free(decode_ok(json, strlen(json)));
}

static void test_json__wrong_json_types(void **state)
{
    (void)state;
    expect_error(WITH_TASK(TASK_WITH(SPEC, ",\"updated_at\":\"10\"")), AQ_EDECODE,
                 AQ_ERR_JSON_TYPE, "tasks[0].updated_at", "expected u64, found a string");
    expect_error(WITH_TASK("{\"task_spec\":" SPEC ",\"created_at\":null}"), AQ_EDECODE,
                 AQ_ERR_JSON_TYPE, "tasks[0].created_at", "found null");
    expect_error(WITH_REST(",\"engine\":{\"paused\":1}"), AQ_EDECODE, AQ_ERR_JSON_TYPE,
                 "engine.paused", "expected a boolean, found the integer 1");
    expect_error(DOC_WITH(META, "{}", "[]", ""), AQ_EDECODE, AQ_ERR_JSON_TYPE, "tasks",
                 "expected an array, found an object");
    expect_error(WITH_SPEC(PAYLOAD, CONSTRAINTS, "{\"tags\":[1],\"priority\":0}"), AQ_EDECODE,
                 AQ_ERR_JSON_TYPE, "tasks[0].task_spec.metadata.tags[0]", "expected a string");
    expect_error(WITH_SPEC("{\"bytes\":\"AQID\"}", CONSTRAINTS, TMETA), AQ_EDECODE,
                 AQ_ERR_JSON_TYPE, "tasks[0].task_spec.payload.bytes", "found a string");
    expect_error(WITH_TASK("true"), AQ_EDECODE, AQ_ERR_JSON_TYPE, "tasks[0]",
                 "expected struct SnapshotTask");
    expect_error("4", AQ_EDECODE, AQ_ERR_JSON_TYPE, "", "found the integer 4");
    expect_error("\"x\"", AQ_EDECODE, AQ_ERR_JSON_TYPE, "", "found a string");
    expect_error(WITH_REST(",\"engine\":{\"paused\":nul}"), AQ_EDECODE, AQ_ERR_JSON_SYNTAX,
                 "engine.paused", NULL);
}

static void test_json__integer_ranges(void **state)
{
    (void)state;
    expect_error(THRESHOLD("300"), AQ_EDECODE, AQ_ERR_OUT_OF_RANGE,
                 "subscriptions[0].filter.BudgetThreshold.threshold_pct",
                 "expected u8 (0..255), found 300");
    const char *json = THRESHOLD("255");
    aq_snapshot *s = decode_ok(json, strlen(json));
    assert_int_equal(s->subscriptions.items[0].filter.threshold_pct, 255);
    aq_snapshot_free(s);
    expect_error(WITH_SPEC("{\"bytes\":[0,255,256]}", CONSTRAINTS, TMETA), AQ_EDECODE,
                 AQ_ERR_OUT_OF_RANGE, "tasks[0].task_spec.payload.bytes[2]", "found 256");
    expect_error(WITH_SPEC("{\"bytes\":[-1]}", CONSTRAINTS, TMETA), AQ_EDECODE,
                 AQ_ERR_OUT_OF_RANGE, "tasks[0].task_spec.payload.bytes[0]", "found -1");
    expect_error(WITH_TASK("{\"task_spec\":" SPEC ",\"created_at\":-1}"), AQ_EDECODE,
                 AQ_ERR_OUT_OF_RANGE, "tasks[0].created_at",
                 "expected u64 (0..18446744073709551615), found -1");
    expect_error(WITH_SPEC(PAYLOAD, "{\"max_attempts\":4294967296}", TMETA), AQ_EDECODE,
                 AQ_ERR_OUT_OF_RANGE, "tasks[0].task_spec.constraints.max_attempts",
                 "expected u32 (0..4294967295), found 4294967296");
    expect_error(WITH_SPEC(PAYLOAD, CONSTRAINTS, "{\"tags\":[],\"priority\":2147483648}"),
                 AQ_EDECODE, AQ_ERR_OUT_OF_RANGE, "tasks[0].task_spec.metadata.priority",
                 "found 2147483648");
    expect_error(WITH_SPEC(PAYLOAD, CONSTRAINTS, "{\"tags\":[],\"priority\":-2147483649}"),
                 AQ_EDECODE, AQ_ERR_OUT_OF_RANGE, "tasks[0].task_spec.metadata.priority",
                 "found -2147483649");
    expect_error(WITH_SPEC(PAYLOAD, CONSTRAINTS,
                           "{\"tags\":[],\"priority\":-99999999999999999999999}"),
                 AQ_EDECODE, AQ_ERR_OUT_OF_RANGE, "tasks[0].task_spec.metadata.priority", NULL);
    /* Floats, exponents and -0 are floats to serde_json, whatever their value. */
    expect_error(WITH_TASK("{\"task_spec\":" SPEC ",\"created_at\":10.0}"), AQ_EDECODE,
                 AQ_ERR_JSON_TYPE, "tasks[0].created_at", "floating point number 10.0");
    expect_error(WITH_TASK("{\"task_spec\":" SPEC ",\"created_at\":1e3}"), AQ_EDECODE,
                 AQ_ERR_JSON_TYPE, "tasks[0].created_at", "floating point number 1e3");
    expect_error(WITH_TASK("{\"task_spec\":" SPEC ",\"created_at\":-0}"), AQ_EDECODE,
                 AQ_ERR_JSON_TYPE, "tasks[0].created_at", "-0");
    expect_error(WITH_SPEC(PAYLOAD, CONSTRAINTS, "{\"tags\":[],\"priority\":-0}"), AQ_EDECODE,
                 AQ_ERR_JSON_TYPE, "tasks[0].task_spec.metadata.priority", "-0");
    expect_error(WITH_SPEC(PAYLOAD, CONSTRAINTS, "{\"tags\":[],\"priority\":-1.5}"), AQ_EDECODE,
                 AQ_ERR_JSON_TYPE, "tasks[0].task_spec.metadata.priority", "floating point");
    /* Not numbers at all. */
    expect_error(WITH_TASK("{\"task_spec\":" SPEC ",\"created_at\":+1}"), AQ_EDECODE,
                 AQ_ERR_JSON_SYNTAX, "tasks[0].created_at", NULL);
    expect_error(WITH_TASK("{\"task_spec\":" SPEC ",\"created_at\":01}"), AQ_EDECODE,
                 AQ_ERR_JSON_SYNTAX, "tasks[0].created_at", "invalid number");
    expect_error(WITH_TASK("{\"task_spec\":" SPEC ",\"created_at\":1.}"), AQ_EDECODE,
                 AQ_ERR_JSON_SYNTAX, "tasks[0].created_at", "invalid number");
    expect_error(WITH_TASK("{\"task_spec\":" SPEC ",\"created_at\":0x10}"), AQ_EDECODE,
                 AQ_ERR_JSON_SYNTAX, "tasks[0].created_at", NULL);
}

static void test_json__unknown_variants(void **state)
{
    (void)state;
    expect_error(WITH_RUN(RUN_WITH(RI_WITH("\"Paused\"", ""), HISTORY)), AQ_EDECODE,
                 AQ_ERR_BAD_ENUM, "runs[0].run_instance.state",
                 "unknown RunState variant \"Paused\"");
    expect_error(WITH_RUN(RUN_WITH(RI_WITH("\"ready\"", ""), HISTORY)), AQ_EDECODE,
                 AQ_ERR_BAD_ENUM, "runs[0].run_instance.state", "\"ready\"");
    expect_error(WITH_SPEC(PAYLOAD, "{\"max_attempts\":1,\"safety_level\":\"Risky\"}", TMETA),
                 AQ_EDECODE, AQ_ERR_BAD_ENUM, "tasks[0].task_spec.constraints.safety_level",
                 "unknown SafetyLevel variant \"Risky\"");
    expect_error(WITH_REST(",\"subscriptions\":[{\"subscription_id\":" RUN_ID
                           ",\"task_id\":" TASK_ID
                           ",\"filter\":{\"Hourly\":{}},\"created_at\":1}]"),
                 AQ_EDECODE, AQ_ERR_BAD_ENUM, "subscriptions[0].filter",
                 "unknown EventFilter variant \"Hourly\"");
    expect_error(WITH_REST(",\"role_assignments\":[{\"actor_id\":" RUN_ID ",\"role\":\"Admin\","
                           "\"tenant_id\":" TASK_ID ",\"assigned_at\":1}]"),
                 AQ_EDECODE, AQ_ERR_BAD_ENUM, "role_assignments[0].role",
                 "unknown Role variant \"Admin\"");
    expect_error(WITH_REST(",\"capability_grants\":[{\"actor_id\":" RUN_ID
                           ",\"capability\":{\"Custom\":7},\"tenant_id\":" TASK_ID
                           ",\"granted_at\":1}]"),
                 AQ_EDECODE, AQ_ERR_JSON_TYPE, "capability_grants[0].capability.Custom",
                 "expected a string");
}

/* The path of a deep failure in a realistic document: runs[17].state_history[2].to. */
static void test_json__deep_path_in_sample(void **state)
{
    (void)state;
    aq_snapshot *s = build_sample(8, 40, true, 1);
    assert_true(s->runs.count > 17 && s->runs.items[17].state_history.count > 2);
    aq_buffer buf;
    encode_ok(s, 0, &buf);
    char *text = malloc(buf.len + 16);
    assert_non_null(text);
    memcpy(text, buf.data, buf.len);
    text[buf.len] = '\0';
    /* Find run 17, then its third history entry's "to". */
    char *p = strstr(text, "\"runs\":[");
    assert_non_null(p);
    for (int i = 0; i <= 17; i++) {
        p = strstr(p + 1, "{\"run_instance\":");
        assert_non_null(p);
    }
    for (int i = 0; i < 3; i++) {
        p = strstr(p + 1, "\"to\":\"");
        assert_non_null(p);
    }
    p += 6;
    char *end = strchr(p, '"');
    static char broken[1 << 20];
    assert_true(buf.len + 16 < sizeof broken);
    (void)snprintf(broken, sizeof broken, "%.*sPaused%s", (int)(p - text), text, end);
    expect_error(broken, AQ_EDECODE, AQ_ERR_BAD_ENUM, "runs[17].state_history[2].to",
                 "\"Paused\"");
    free(text);
    aq_buffer_free(&buf);
    aq_snapshot_free(s);
}

static void test_json__malformed_text(void **state)
{
    (void)state;
    /* Trailing content: only whitespace may follow the document. */
    expect_error(DOC "x", AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "", NULL);
    expect_error(DOC "}", AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "", "trailing characters");
    expect_error(DOC " {}", AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "", "trailing characters");
    expect_error(DOC ",", AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "", NULL);
    const char *json = " \n\t\r" DOC " \n\t\r";
    aq_snapshot_free(decode_ok(json, strlen(json)));
    /* Empty, blank, broken. */
    expect_error("", AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "", "empty");
    expect_error("  \n", AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "", NULL);
    expect_error("{\"version\":4,}", AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "", NULL);
    expect_error("{\"version\" 4}", AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "", NULL);
    expect_error("{\"version\":4 \"timestamp\":1}", AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "", NULL);
    /* Strings: escapes, control characters, UTF-8. */
    expect_error(WITH_SPEC(PAYLOAD, CONSTRAINTS, "{\"tags\":[\"a\\qb\"],\"priority\":0}"),
                 AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "tasks[0].task_spec.metadata.tags[0]",
                 "escape");
    expect_error(WITH_SPEC(PAYLOAD, CONSTRAINTS, "{\"tags\":[\"\\ud800\"],\"priority\":0}"),
                 AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "tasks[0].task_spec.metadata.tags[0]", NULL);
    expect_error(WITH_SPEC(PAYLOAD, CONSTRAINTS, "{\"tags\":[\"\\u12\"],\"priority\":0}"),
                 AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "tasks[0].task_spec.metadata.tags[0]", NULL);
    expect_error(WITH_SPEC(PAYLOAD, CONSTRAINTS, "{\"tags\":[\"a\tb\"],\"priority\":0}"),
                 AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "tasks[0]", "control character");
    /* The root object's own keys are checked by the top-level tokenizer. */
    expect_error("{\"ver\tsion\":4}", AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "", "control character");
    expect_error("{\"ver\xffsion\":4}", AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "", "UTF-8");
    expect_error("{\"v\\x\":4}", AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "", "escape");
    expect_error("{\"version\":4 x}", AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "", NULL);
    expect_error("{\"version\":,}", AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "version", "expected a value");
    expect_error("{\"tasks\":[" TASK ",]}", AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "tasks[1]", NULL);
    expect_error("{\"tasks\":[" TASK " " TASK "]}", AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "tasks",
                 "expected ',' or ']'");
    expect_error("{\"tasks\":[" TASK "}", AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "tasks", NULL);
    expect_error("{\"tasks\":[{\"task_spec\":{]}]}", AQ_EDECODE, AQ_ERR_JSON_SYNTAX,
                 "tasks[0].task_spec", NULL);
    static const char *const not_utf8[] = {"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x9c",
                                           "\xf4\x90\x80\x80"};
    for (size_t i = 0; i < sizeof not_utf8 / sizeof not_utf8[0]; i++) {
        json = doc_with(WITH_SPEC(PAYLOAD, CONSTRAINTS, "{\"tags\":[\"a%sb\"],\"priority\":0}"),
                        not_utf8[i]);
        expect_error(json, AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "tasks[0].task_spec.metadata.tags[0]",
                     "UTF-8");
    }
}

/* Every prefix of a document is refused with a decode error and nothing allocated. */
static void test_json__every_truncation_fails(void **state)
{
    (void)state;
    size_t len;
    char *json = read_data("engine_v8.json", &len);
    fail_alloc fa;
    aq_allocator al = fail_alloc_allocator(&fa);
    for (size_t n = 0; n < len; n++) {
        fail_alloc_reset(&fa, SIZE_MAX);
        aq_snapshot *s = (aq_snapshot *)(uintptr_t)1;
        aq_error err;
        aq_status st = aq_snapshot_decode_json(json, n, &al, &s, &err);
        if (st != AQ_EDECODE) fail_msg("prefix %zu: %s %s", n, aq_status_name(st), err.message);
        assert_null(s);
        assert_int_equal(fa.live_bytes, 0);
    }
    free(json);
}

/* The zero-copy entry point of the file layer: whatever the padding holds, the result is the
 * same; too little padding is refused. */
static void test_json__padded_entry_point(void **state)
{
    (void)state;
    size_t len;
    char *json = read_data("engine_v8.json", &len);
    aq_snapshot *want = decode_ok(json, len);
    static const char fills[] = {'}', ']', '"', ',', '\\', '{', ' ', 0};
    uint8_t *buf = malloc(len + AQ__JSON_PADDING);
    assert_non_null(buf);
    memcpy(buf, json, len);
    for (size_t i = 0; i < sizeof fills; i++) {
        memset(buf + len, fills[i], AQ__JSON_PADDING);
        aq_snapshot *s = NULL;
        aq_error err;
        aq_status st = aq__snapshot_decode_json_padded(buf, len, len + AQ__JSON_PADDING, NULL, &s,
                                                       &err);
        if (st != AQ_OK) fail_msg("padding '%c': %s", fills[i], err.message);
        assert_same_snapshot(want, s);
        aq_snapshot_free(s);
        /* A truncated document followed by a padding that closes it stays an error. */
        st = aq__snapshot_decode_json_padded(buf, len - 1, len - 1 + AQ__JSON_PADDING, NULL, &s,
                                             &err);
        assert_int_equal(st, AQ_EDECODE);
        assert_null(s);
    }
    aq_snapshot *s = (aq_snapshot *)(uintptr_t)1;
    aq_error err;
    assert_int_equal(aq__snapshot_decode_json_padded(buf, len, len + AQ__JSON_PADDING - 1, NULL,
                                                     &s, &err),
                     AQ_EINVAL);
    assert_null(s);
    assert_int_equal(err.kind, AQ_ERR_ARGUMENT);
    free(buf);

    /* The writer's counterpart leaves room for the envelope header in front. */
    aq_buffer plain, front;
    encode_ok(want, 0, &plain);
    assert_int_equal(aq__snapshot_encode_json_reserving(want, NULL, 0, 12, &front, &err), AQ_OK);
    assert_int_equal(front.len, plain.len + 12);
    assert_memory_equal(front.data + 12, plain.data, plain.len);
    aq_buffer_free(&front);
    aq_buffer_free(&plain);
    aq_snapshot_free(want);
    free(json);
}

/* metadata.task_count / run_count only pre-size the lists: wrong or absurd counts, or metadata
 * after the lists, change nothing. */
static void test_json__list_counts_are_only_hints(void **state)
{
    (void)state;
    aq_snapshot *s = build_sample(8, 40, true, 1);
    static const uint64_t counts[] = {0, 1, 39, 41, 1000, UINT64_MAX};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        s->metadata.task_count = counts[i];
        s->metadata.run_count = counts[i];
        round_trip(s, 0);
    }
    aq_snapshot_free(s);
    const char *json = "{\"tasks\":[" TASK "," TASK "],\"runs\":[],\"version\":4,"
                       "\"timestamp\":1,\"metadata\":" META "}";
    s = decode_ok(json, strlen(json));
    assert_int_equal(s->tasks.count, 2);
    aq_snapshot_free(s);
}

/* ---- writer refusals ------------------------------------------------------------------------- */

static void expect_encode_error(const aq_snapshot *s, aq_error_kind kind, const char *path,
                                const char *needle)
{
    aq_buffer buf;
    aq_error err;
    aq_status st = aq_snapshot_encode_json(s, NULL, 0, &buf, &err);
    if (st != AQ_EINVAL || err.kind != kind)
        fail_msg("expected AQ_EINVAL/%s, got %s/%s: %s", aq_error_kind_name(kind),
                 aq_status_name(st), aq_error_kind_name(err.kind), err.message);
    assert_null(buf.data);
    assert_int_equal(buf.len, 0);
    assert_string_equal(err.path, path);
    if (needle != NULL && strstr(err.message, needle) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.message, needle);
}

static void test_json__writer_refuses_content_newer_than_schema(void **state)
{
    (void)state;
    aq_snapshot *s = build_sample(4, 10, true, 1);
    aq_error err;
    s->budgets.items = aq_snapshot_alloc(s, 1, sizeof *s->budgets.items, &err);
    s->budgets.count = 1;
    s->budgets.items[0].dimension = AQ_BUDGET_DIMENSION_TOKEN;
    expect_encode_error(s, AQ_ERR_SCHEMA_FEATURE, "budgets", "added in v7");
    s->metadata.schema_version = 7;
    round_trip(s, 0);
    s->metadata.schema_version = 4;
    s->budgets.count = 0;

    s->tasks.items[1].task_spec.parent_task_id.present = true;
    expect_encode_error(s, AQ_ERR_SCHEMA_FEATURE, "tasks[1].task_spec.parent_task_id", "v5");
    s->tasks.items[1].task_spec.parent_task_id.present = false;

    s->tasks.items[2].task_spec.constraints.required_capabilities.present = true;
    expect_encode_error(s, AQ_ERR_SCHEMA_FEATURE,
                        "tasks[2].task_spec.constraints.required_capabilities", "v5");
    s->tasks.items[2].task_spec.constraints.required_capabilities.present = false;

    s->runs.items[4].attempts.items[0].output.present = true;
    expect_encode_error(s, AQ_ERR_SCHEMA_FEATURE, "runs[4].attempts[0].output", "v5");
    s->runs.items[4].attempts.items[0].output.present = false;

    s->metadata.schema_version = 5;
    s->dependency_declarations.items = aq_snapshot_alloc(s, 1, sizeof(aq_dependency), &err);
    s->dependency_declarations.count = 1;
    expect_encode_error(s, AQ_ERR_SCHEMA_FEATURE, "dependency_declarations", "v6");
    s->dependency_declarations.count = 0;

    s->metadata.schema_version = 7;
    s->tasks.items[0].task_spec.tenant_id.present = true;
    expect_encode_error(s, AQ_ERR_SCHEMA_FEATURE, "tasks[0].task_spec.tenant_id", "v8");
    s->tasks.items[0].task_spec.tenant_id.present = false;
    s->ledger_entries.items = aq_snapshot_alloc(s, 2, sizeof(aq_ledger_entry), &err);
    s->ledger_entries.count = 2;
    expect_encode_error(s, AQ_ERR_SCHEMA_FEATURE, "ledger_entries", "2 ledger_entries");
    s->ledger_entries.count = 0;

    /* Versions outside 4..8 get the keys of the nearest one; the number is kept as data. */
    aq_buffer buf;
    s->metadata.schema_version = 3;
    encode_ok(s, 0, &buf);
    assert_false(has_text(&buf, "parent_task_id"));
    assert_true(has_text(&buf, "\"schema_version\":3,"));
    aq_buffer_free(&buf);
    s->metadata.schema_version = 99;
    encode_ok(s, 0, &buf);
    assert_true(has_text(&buf, "\"ledger_entries\":[]}"));
    aq_buffer_free(&buf);
    aq_snapshot_free(s);
}

static void test_json__writer_refuses_invalid_values(void **state)
{
    (void)state;
    aq_snapshot *s = build_sample(8, 10, true, 1);
    s->runs.items[3].state_history.items[1].to = (aq_run_state)42;
    expect_encode_error(s, AQ_ERR_ENUM_INVALID, "runs[3].state_history[1].to", "42");
    s->runs.items[3].state_history.items[1].to = AQ_RUN_STATE_READY;

    aq_run_policy_kind kind = s->tasks.items[0].task_spec.run_policy.kind;
    s->tasks.items[0].task_spec.run_policy.kind = AQ_RUN_POLICY_UNSPECIFIED;
    expect_encode_error(s, AQ_ERR_ONEOF_UNSET, "tasks[0].task_spec.run_policy", NULL);
    s->tasks.items[0].task_spec.run_policy.kind = kind;

    s->tasks.items[1].task_spec.constraints.safety_level = AQ_SAFETY_LEVEL_UNSPECIFIED;
    expect_encode_error(s, AQ_ERR_ENUM_INVALID, "tasks[1].task_spec.constraints.safety_level",
                        "SafetyLevel");
    s->tasks.items[1].task_spec.constraints.safety_level = AQ_SAFETY_LEVEL_PURE;

    s->role_assignments.items[0].role.kind = (aq_role_kind)9;
    expect_encode_error(s, AQ_ERR_ENUM_INVALID, "role_assignments[0].role", "Role");
    s->role_assignments.items[0].role.kind = AQ_ROLE_OPERATOR;

    s->subscriptions.items[0].filter.kind = (aq_event_filter_kind)7;
    expect_encode_error(s, AQ_ERR_ONEOF_UNSET, "subscriptions[0].filter", NULL);
    s->subscriptions.items[0].filter.kind = AQ_EVENT_FILTER_TASK_COMPLETED;

    /* Text that is not UTF-8 would make the output invalid JSON. */
    aq_error err;
    aq_opt_str *d = &s->tasks.items[3].task_spec.metadata.description;
    assert_int_equal(aq_snapshot_str(s, "ok \xff", 4, &d->value, &err), AQ_OK);
    d->present = true;
    expect_encode_error(s, AQ_ERR_STRING_NOT_UTF8, "tasks[3].task_spec.metadata.description",
                        "offset 3");
    d->present = false;

    aq_buffer buf;
    assert_int_equal(aq_snapshot_encode_json(s, NULL, 0x2, &buf, &err), AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_ARGUMENT);
    assert_int_equal(aq_snapshot_encode_json(NULL, NULL, 0, &buf, &err), AQ_EINVAL);
    assert_int_equal(aq_snapshot_encode_json(s, NULL, 0, NULL, NULL), AQ_EINVAL);
    aq_snapshot *out = (aq_snapshot *)(uintptr_t)1;
    assert_int_equal(aq_snapshot_decode_json(NULL, 3, NULL, &out, &err), AQ_EINVAL);
    assert_int_equal(aq_snapshot_decode_json("{}", 2, NULL, NULL, NULL), AQ_EINVAL);
    aq_snapshot_free(s);
}

/* Kept protobuf unknown fields have no JSON form: they are left out, nothing else changes. */
static void test_json__unknown_protobuf_fields_are_dropped(void **state)
{
    (void)state;
    aq_snapshot *s = build_sample(8, 5, true, 1);
    aq_buffer plain, with;
    encode_ok(s, 0, &plain);
    static const uint8_t raw[] = {0xf8, 0x07, 0x01}; /* field 127, varint 1 */
    static const aq_unknown u = {{raw, sizeof raw}, NULL, 0};
    s->unknown = &u;
    s->tasks.items[0].unknown = &u;
    s->runs.items[0].run_instance.unknown = &u;
    encode_ok(s, 0, &with);
    assert_same_text("unknown dropped", with.data, with.len, plain.data, plain.len);
    aq_buffer_free(&with);
    aq_buffer_free(&plain);
    s->unknown = NULL;
    s->tasks.items[0].unknown = NULL;
    s->runs.items[0].run_instance.unknown = NULL;
    aq_snapshot_free(s);
}

/* ---- out of memory --------------------------------------------------------------------------- */

static void test_json__decode_out_of_memory(void **state)
{
    (void)state;
    size_t len;
    char *json = read_data("engine_v8.json", &len);
    fail_alloc fa;
    aq_allocator al = fail_alloc_allocator(&fa);
    size_t n = 0;
    for (;; n++) {
        fail_alloc_reset(&fa, n);
        aq_snapshot *s = (aq_snapshot *)(uintptr_t)1;
        aq_error err;
        aq_status st = aq_snapshot_decode_json(json, len, &al, &s, &err);
        if (!fa.failed) {
            assert_int_equal(st, AQ_OK);
            aq_snapshot_free(s);
            assert_int_equal(fa.live_bytes, 0);
            break;
        }
        if (st != AQ_ENOMEM) fail_msg("allocation %zu: %s %s", n, aq_status_name(st), err.message);
        assert_int_equal(err.kind, AQ_ERR_OUT_OF_MEMORY);
        assert_null(s);
        assert_int_equal(fa.live_bytes, 0);
    }
    assert_true(n >= 3); /* the arena and the scratch buffers */
    free(json);
}

static void test_json__encode_out_of_memory(void **state)
{
    (void)state;
    aq_snapshot *s = build_sample(8, 200, true, 3);
    fail_alloc fa;
    aq_allocator al = fail_alloc_allocator(&fa);
    for (uint32_t flags = 0; flags <= AQ_JSON_PRETTY; flags++) {
        for (size_t n = 0;; n++) {
            fail_alloc_reset(&fa, n);
            aq_buffer buf;
            aq_error err;
            aq_status st = aq_snapshot_encode_json(s, &al, flags, &buf, &err);
            if (!fa.failed) {
                assert_int_equal(st, AQ_OK);
                aq_buffer_free(&buf);
                assert_int_equal(fa.live_bytes, 0);
                break;
            }
            assert_int_equal(st, AQ_ENOMEM);
            assert_null(buf.data);
            assert_int_equal(fa.live_bytes, 0);
        }
    }
    aq_snapshot_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json__engine_documents_round_trip_byte_for_byte),
        cmocka_unit_test(test_json__engine_document_values),
        cmocka_unit_test(test_json__pretty_matches_serde_layout_and_parses_back),
        cmocka_unit_test(test_json__round_trip_every_schema_version),
        cmocka_unit_test(test_json__round_trip_empty_and_large),
        cmocka_unit_test(test_json__pretty_and_compact_agree),
        cmocka_unit_test(test_json__u64_max_round_trip),
        cmocka_unit_test(test_json__string_escaping_round_trip),
        cmocka_unit_test(test_json__escapes_at_every_offset),
        cmocka_unit_test(test_json__defaulted_keys_missing_take_defaults),
        cmocka_unit_test(test_json__option_keys_missing_are_none),
        cmocka_unit_test(test_json__unknown_keys_skipped_at_every_level),
        cmocka_unit_test(test_json__utf8_only_where_read),
        cmocka_unit_test(test_json__deep_nesting_in_unknown_values),
        cmocka_unit_test(test_json__struct_as_sequence),
        cmocka_unit_test(test_json__externally_tagged_forms),
        cmocka_unit_test(test_json__uuid_forms),
        cmocka_unit_test(test_json__missing_and_duplicate_keys),
        cmocka_unit_test(test_json__wrong_json_types),
        cmocka_unit_test(test_json__integer_ranges),
        cmocka_unit_test(test_json__unknown_variants),
        cmocka_unit_test(test_json__deep_path_in_sample),
        cmocka_unit_test(test_json__malformed_text),
        cmocka_unit_test(test_json__every_truncation_fails),
        cmocka_unit_test(test_json__padded_entry_point),
        cmocka_unit_test(test_json__list_counts_are_only_hints),
        cmocka_unit_test(test_json__writer_refuses_content_newer_than_schema),
        cmocka_unit_test(test_json__writer_refuses_invalid_values),
        cmocka_unit_test(test_json__unknown_protobuf_fields_are_dropped),
        cmocka_unit_test(test_json__decode_out_of_memory),
        cmocka_unit_test(test_json__encode_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
