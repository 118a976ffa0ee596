/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine's JSON payload writer: a native snapshot to exactly the bytes serde_json writes for
 * the engine's `Snapshot` (compact, or PrettyFormatter with two spaces).
 *
 * serde_json's rules, as this file reproduces them: struct fields in declaration order as
 * `"key":value`; `Option::None` as `null`; unit enum variants as their name in a string, data
 * variants externally tagged (`{"Repeat":{...}}`, `{"Custom":"ops"}`); `Vec<u8>` as an array of
 * numbers; integers in plain decimal; strings with `"` `\` and control characters escaped
 * (`\b \t \n \f \r` by name, the rest as `\u00XX` with lowercase hex), everything else raw.
 * Pretty output puts every member and list item on its own line, indented by two spaces per
 * level, `"key": value`, and writes empty lists as `[]`.
 *
 * Keys newer than metadata.schema_version are left out so that an older engine's document
 * writes back byte for byte; content that only such a key could carry is refused instead of
 * being dropped. The output grows by doubling through the caller's allocator.
 */
#include <string.h>

#include "aqsnap/json.h"
#include "aqsnap/version.h"
#include "internal.h"

/* ---- output buffer and layout ---------------------------------------------------------------- */

typedef struct jw {
    aq__outbuf out;
    aq_error *err;
    uint32_t schema; /* metadata.schema_version clamped to AQ_SCHEMA_MIN..AQ_SCHEMA_MAX */
    bool pretty;
    bool first;    /* nothing written yet inside the innermost open object or array */
    size_t indent; /* open objects and arrays */
} jw;

static inline aq_status reserve(jw *w, size_t more)
{
    return aq__outbuf_reserve(&w->out, more, w->err);
}

/* Callers have reserved the room. */
static inline void raw(jw *w, const char *s, size_t n)
{
    memcpy(w->out.data + w->out.len, s, n);
    w->out.len += n;
}

static inline void byte(jw *w, char c)
{
    w->out.data[w->out.len++] = (uint8_t)c;
}

/* A newline and the current indentation (pretty only); reserved by the caller. */
static void newline(jw *w)
{
    byte(w, '\n');
    memset(w->out.data + w->out.len, ' ', 2 * w->indent);
    w->out.len += 2 * w->indent;
}

/* Bytes that newline() may write. */
#define NEWLINE_ROOM(w) ((w)->pretty ? 1 + 2 * (w)->indent : 0)

static aq_status open_(jw *w, char c)
{
    AQ_TRY(reserve(w, 1));
    byte(w, c);
    w->first = true;
    w->indent++;
    return AQ_OK;
}

static aq_status close_(jw *w, char c)
{
    w->indent--;
    AQ_TRY(reserve(w, 1 + NEWLINE_ROOM(w)));
    if (w->pretty && !w->first) newline(w); /* `[]` stays on one line */
    byte(w, c);
    w->first = false;
    return AQ_OK;
}

/* `"name":` (compact) or `,\n  "name": ` (pretty); `quoted` is the key with its quotes. */
static aq_status key_(jw *w, const char *quoted, size_t n)
{
    AQ_TRY(reserve(w, n + 3 + NEWLINE_ROOM(w)));
    if (!w->first) byte(w, ',');
    if (w->pretty) newline(w);
    raw(w, quoted, n);
    byte(w, ':');
    if (w->pretty) byte(w, ' ');
    w->first = false;
    return AQ_OK;
}

/* Before each item of an array. */
static aq_status item(jw *w)
{
    AQ_TRY(reserve(w, 1 + NEWLINE_ROOM(w)));
    if (!w->first) byte(w, ',');
    if (w->pretty) newline(w);
    w->first = false;
    return AQ_OK;
}

/* ---- paths ----------------------------------------------------------------------------------- */

/* Run `expr`; on failure put `field` (or `field[index]`) in front of the path and return. */
#define IN(w, field, expr)                                                                      \
    do {                                                                                        \
        aq_status st_ = (expr);                                                                 \
        if (AQ__UNLIKELY(st_ != AQ_OK)) {                                                       \
            aq__error_prefix((w)->err, (field));                                                \
            return st_;                                                                         \
        }                                                                                       \
    } while (0)

#define IN_INDEX(w, field, index, expr)                                                         \
    do {                                                                                        \
        aq_status st_ = (expr);                                                                 \
        if (AQ__UNLIKELY(st_ != AQ_OK)) {                                                       \
            aq__error_prefix_index((w)->err, (field), (index));                                 \
            return st_;                                                                         \
        }                                                                                       \
    } while (0)

/* The key, then `expr` writing its value; failures inside the value are prefixed with the key. */
#define FIELD(w, name, expr)                                                                    \
    do {                                                                                        \
        AQ_TRY(key_((w), "\"" name "\"", sizeof(name) + 1));                                    \
        IN((w), name, (expr));                                                                  \
    } while (0)

/* A list member: `name: [ item, ... ]`, each item written by `fn(w, &items[i])`. */
#define LIST(w, name, list, fn)                                                                 \
    do {                                                                                        \
        AQ_TRY(key_((w), "\"" name "\"", sizeof(name) + 1));                                    \
        AQ_TRY(open_((w), '['));                                                                \
        for (size_t i_ = 0; i_ < (list).count; i_++) {                                          \
            AQ_TRY(item(w));                                                                    \
            IN_INDEX((w), name, i_, fn((w), &(list).items[i_]));                                \
        }                                                                                       \
        AQ_TRY(close_((w), ']'));                                                               \
    } while (0)

static aq_status refuse_feature(jw *w, const char *what, uint32_t since)
{
    return aq__fail(w->err, AQ_EINVAL, AQ_ERR_SCHEMA_FEATURE,
                    "%s is set, but schema_version %u has no key for it (added in v%u); "
                    "raise metadata.schema_version or clear it",
                    what, (unsigned)w->schema, (unsigned)since);
}

/* ---- scalar values --------------------------------------------------------------------------- */

static const char digit_pairs[] = "00010203040506070809"
                                  "10111213141516171819"
                                  "20212223242526272829"
                                  "30313233343536373839"
                                  "40414243444546474849"
                                  "50515253545556575859"
                                  "60616263646566676869"
                                  "70717273747576777879"
                                  "80818283848586878889"
                                  "90919293949596979899";

/* Decimal digits of v at out (room for 20); returns their count. */
static size_t format_u64(uint8_t *out, uint64_t v)
{
    uint8_t tmp[20];
    size_t i = sizeof tmp;
    while (v >= 100) {
        size_t r = (size_t)(v % 100);
        v /= 100;
        i -= 2;
        memcpy(tmp + i, digit_pairs + 2 * r, 2);
    }
    if (v >= 10) {
        i -= 2;
        memcpy(tmp + i, digit_pairs + 2 * v, 2);
    } else {
        tmp[--i] = (uint8_t)('0' + v);
    }
    memcpy(out, tmp + i, sizeof tmp - i);
    return sizeof tmp - i;
}

static aq_status w_u64(jw *w, uint64_t v)
{
    AQ_TRY(reserve(w, 20));
    w->out.len += format_u64(w->out.data + w->out.len, v);
    return AQ_OK;
}

static aq_status w_i32(jw *w, int32_t v)
{
    AQ_TRY(reserve(w, 11));
    uint64_t mag = (uint64_t)v;
    if (v < 0) {
        byte(w, '-');
        mag = (uint64_t)(-(int64_t)v);
    }
    w->out.len += format_u64(w->out.data + w->out.len, mag);
    return AQ_OK;
}

static aq_status w_bool(jw *w, bool v)
{
    AQ_TRY(reserve(w, 5));
    if (v)
        raw(w, "true", 4);
    else
        raw(w, "false", 5);
    return AQ_OK;
}

static aq_status w_null(jw *w)
{
    AQ_TRY(reserve(w, 4));
    raw(w, "null", 4);
    return AQ_OK;
}

static aq_status w_opt_u64(jw *w, const aq_opt_u64 *v)
{
    return v->present ? w_u64(w, v->value) : w_null(w);
}

static aq_status w_uuid(jw *w, const aq_uuid *id)
{
    static const char hex[] = "0123456789abcdef";
    AQ_TRY(reserve(w, 38));
    uint8_t *p = w->out.data + w->out.len;
    *p++ = '"';
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) *p++ = '-';
        *p++ = (uint8_t)hex[id->bytes[i] >> 4];
        *p++ = (uint8_t)hex[id->bytes[i] & 0x0f];
    }
    *p++ = '"';
    w->out.len += 38;
    return AQ_OK;
}

static aq_status w_opt_uuid(jw *w, const aq_opt_uuid *id)
{
    return id->present ? w_uuid(w, &id->value) : w_null(w);
}

/* serde_json's escape table: 0 = written as is, else the letter after the backslash ('u' for
 * \u00XX). */
static const char escape_of[256] = {
    ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
    [0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u', [0x05] = 'u',
    [0x06] = 'u', [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u', [0x0f] = 'u', [0x10] = 'u',
    [0x11] = 'u', [0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u', [0x16] = 'u',
    [0x17] = 'u', [0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u',
    [0x1d] = 'u', [0x1e] = 'u', [0x1f] = 'u', ['"'] = '"', ['\\'] = '\\',
};

static aq_status w_text(jw *w, const char *s, size_t n)
{
    /* Rust strings are UTF-8 by construction; anything else would make the document invalid
     * JSON, so it is refused rather than written or repaired. */
    size_t bad = n > 0 ? aq__utf8_invalid_at(s, n) : 0;
    if (AQ__UNLIKELY(bad != n))
        return aq__fail(w->err, AQ_EINVAL, AQ_ERR_STRING_NOT_UTF8,
                        "string of %zu bytes is not UTF-8 (byte 0x%02x at offset %zu), which "
                        "JSON text cannot carry",
                        n, (unsigned)(unsigned char)s[bad], bad);
    AQ_TRY(reserve(w, n + 2));
    byte(w, '"');
    size_t run = 0; /* start of the bytes not yet copied */
    for (size_t i = 0; i < n; i++) {
        char e = escape_of[(unsigned char)s[i]];
        if (AQ__LIKELY(e == 0)) continue;
        /* Room for the rest of the text, this escape and the closing quote. */
        AQ_TRY(reserve(w, (i - run) + 6 + (n - i) + 1));
        raw(w, s + run, i - run);
        byte(w, '\\');
        byte(w, e);
        if (e == 'u') {
            static const char hex[] = "0123456789abcdef";
            unsigned char c = (unsigned char)s[i];
            raw(w, "00", 2);
            byte(w, hex[c >> 4]);
            byte(w, hex[c & 0x0f]);
        }
        run = i + 1;
    }
    AQ_TRY(reserve(w, n - run + 1));
    raw(w, s + run, n - run);
    byte(w, '"');
    return AQ_OK;
}

static aq_status w_str(jw *w, const aq_str *s)
{
    return w_text(w, s->ptr, s->len);
}

static aq_status w_opt_str(jw *w, const aq_opt_str *s)
{
    return s->present ? w_str(w, &s->value) : w_null(w);
}

static aq_status w_bytes(jw *w, const aq_bytes *b)
{
    AQ_TRY(open_(w, '['));
    if (!w->pretty && b->len > 0) {
        /* The common case in one go: at most "255," per byte. */
        if (b->len > (SIZE_MAX - 8) / 4) return aq__fail_oom(w->err);
        AQ_TRY(reserve(w, 4 * b->len));
        uint8_t *p = w->out.data + w->out.len;
        for (size_t i = 0; i < b->len; i++) {
            unsigned v = b->ptr[i];
            if (i > 0) *p++ = ',';
            if (v >= 100) {
                *p++ = (uint8_t)('0' + v / 100);
                v %= 100;
                memcpy(p, digit_pairs + 2 * v, 2);
                p += 2;
            } else if (v >= 10) {
                memcpy(p, digit_pairs + 2 * v, 2);
                p += 2;
            } else {
                *p++ = (uint8_t)('0' + v);
            }
        }
        w->out.len = (size_t)(p - w->out.data);
        w->first = false;
    } else {
        for (size_t i = 0; i < b->len; i++) {
            AQ_TRY(item(w));
            AQ_TRY(w_u64(w, b->ptr[i]));
        }
    }
    return close_(w, ']');
}

static aq_status w_str_list(jw *w, const aq_str_list *l)
{
    AQ_TRY(open_(w, '['));
    for (size_t i = 0; i < l->count; i++) {
        AQ_TRY(item(w));
        IN_INDEX(w, "", i, w_str(w, &l->items[i]));
    }
    return close_(w, ']');
}

/* ---- enums ----------------------------------------------------------------------------------- */

static aq_status bad_enum(jw *w, const char *type, int value, int max)
{
    return aq__fail(w->err, AQ_EINVAL, AQ_ERR_ENUM_INVALID,
                    "%s holds %d, not a valid variant (1..%d)", type, value, max);
}

/* A unit variant: its name in a string. `name` is the model's static spelling. */
static aq_status w_name(jw *w, const char *name)
{
    size_t n = strlen(name);
    AQ_TRY(reserve(w, n + 2));
    byte(w, '"');
    raw(w, name, n);
    byte(w, '"');
    return AQ_OK;
}

static aq_status w_run_state(jw *w, aq_run_state s)
{
    if (AQ__UNLIKELY((int)s < 1 || (int)s > AQ_RUN_STATE_CANCELED))
        return bad_enum(w, "RunState", (int)s, AQ_RUN_STATE_CANCELED);
    return w_name(w, aq_run_state_name(s));
}

static aq_status w_dimension(jw *w, aq_budget_dimension d)
{
    if (AQ__UNLIKELY((int)d < 1 || (int)d > AQ_BUDGET_DIMENSION_TIME_SECS))
        return bad_enum(w, "BudgetDimension", (int)d, AQ_BUDGET_DIMENSION_TIME_SECS);
    return w_name(w, aq_budget_dimension_name(d));
}

/* `{"Variant":` opening an externally tagged data variant; close with close_(w, '}'). */
static aq_status open_variant(jw *w, const char *quoted, size_t n)
{
    AQ_TRY(open_(w, '{'));
    return key_(w, quoted, n);
}

#define OPEN_VARIANT(w, name) open_variant((w), "\"" name "\"", sizeof(name) + 1)

/* Role and Capability: unit variants, or {"Custom":"name"}. */
static aq_status w_named(jw *w, int kind, int custom_kind, const char *name, const aq_str *custom,
                         const char *type)
{
    if (kind == custom_kind) {
        AQ_TRY(OPEN_VARIANT(w, "Custom"));
        IN(w, "Custom", w_str(w, custom));
        return close_(w, '}');
    }
    if (AQ__UNLIKELY(kind < 1 || kind > custom_kind)) return bad_enum(w, type, kind, custom_kind);
    return w_name(w, name);
}

/* ---- tasks ----------------------------------------------------------------------------------- */

static aq_status w_payload(jw *w, const aq_task_payload *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "bytes", w_bytes(w, &x->bytes));
    FIELD(w, "content_type", w_opt_str(w, &x->content_type));
    return close_(w, '}');
}

static aq_status w_repeat(jw *w, const aq_run_policy *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "count", w_u64(w, x->repeat.count));
    FIELD(w, "interval_secs", w_u64(w, x->repeat.interval_secs));
    return close_(w, '}');
}

static aq_status w_cron(jw *w, const aq_run_policy *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "expression", w_str(w, &x->cron.expression));
    if (x->cron.max_occurrences.present)
        FIELD(w, "max_occurrences", w_u64(w, x->cron.max_occurrences.value));
    else
        FIELD(w, "max_occurrences", w_null(w));
    return close_(w, '}');
}

static aq_status w_run_policy(jw *w, const aq_run_policy *x)
{
    switch (x->kind) {
    case AQ_RUN_POLICY_ONCE:
        return w_name(w, "Once");
    case AQ_RUN_POLICY_REPEAT:
        AQ_TRY(OPEN_VARIANT(w, "Repeat"));
        IN(w, "Repeat", w_repeat(w, x));
        return close_(w, '}');
    case AQ_RUN_POLICY_CRON:
        AQ_TRY(OPEN_VARIANT(w, "Cron"));
        IN(w, "Cron", w_cron(w, x));
        return close_(w, '}');
    default:
        return aq__fail(w->err, AQ_EINVAL, AQ_ERR_ONEOF_UNSET,
                        "RunPolicy kind %d is not Once, Repeat or Cron", (int)x->kind);
    }
}

static aq_status w_constraints(jw *w, const aq_task_constraints *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "max_attempts", w_u64(w, x->max_attempts));
    FIELD(w, "timeout_secs", w_opt_u64(w, &x->timeout_secs));
    FIELD(w, "concurrency_key", w_opt_str(w, &x->concurrency_key));
    aq_hold_policy hold = x->concurrency_key_hold_policy;
    if (AQ__UNLIKELY((int)hold < 1 || (int)hold > AQ_HOLD_POLICY_RELEASE_ON_RETRY))
        IN(w, "concurrency_key_hold_policy",
           bad_enum(w, "ConcurrencyKeyHoldPolicy", (int)hold, AQ_HOLD_POLICY_RELEASE_ON_RETRY));
    FIELD(w, "concurrency_key_hold_policy", w_name(w, aq_hold_policy_name(hold)));
    aq_safety_level safety = x->safety_level;
    if (AQ__UNLIKELY((int)safety < 1 || (int)safety > AQ_SAFETY_LEVEL_TRANSACTIONAL))
        IN(w, "safety_level",
           bad_enum(w, "SafetyLevel", (int)safety, AQ_SAFETY_LEVEL_TRANSACTIONAL));
    FIELD(w, "safety_level", w_name(w, aq_safety_level_name(safety)));
    if (w->schema >= 5) {
        if (x->required_capabilities.present)
            FIELD(w, "required_capabilities", w_str_list(w, &x->required_capabilities.value));
        else
            FIELD(w, "required_capabilities", w_null(w));
    } else if (x->required_capabilities.present) {
        IN(w, "required_capabilities", refuse_feature(w, "required_capabilities", 5));
    }
    return close_(w, '}');
}

static aq_status w_task_metadata(jw *w, const aq_task_metadata *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "tags", w_str_list(w, &x->tags));
    FIELD(w, "priority", w_i32(w, x->priority));
    FIELD(w, "description", w_opt_str(w, &x->description));
    return close_(w, '}');
}

static aq_status w_task_spec(jw *w, const aq_task_spec *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "id", w_uuid(w, &x->id));
    FIELD(w, "payload", w_payload(w, &x->payload));
    FIELD(w, "run_policy", w_run_policy(w, &x->run_policy));
    FIELD(w, "constraints", w_constraints(w, &x->constraints));
    FIELD(w, "metadata", w_task_metadata(w, &x->metadata));
    if (w->schema >= 5)
        FIELD(w, "parent_task_id", w_opt_uuid(w, &x->parent_task_id));
    else if (x->parent_task_id.present)
        IN(w, "parent_task_id", refuse_feature(w, "parent_task_id", 5));
    if (w->schema >= 8)
        FIELD(w, "tenant_id", w_opt_uuid(w, &x->tenant_id));
    else if (x->tenant_id.present)
        IN(w, "tenant_id", refuse_feature(w, "tenant_id", 8));
    return close_(w, '}');
}

static aq_status w_task(jw *w, const aq_task *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "task_spec", w_task_spec(w, &x->task_spec));
    FIELD(w, "created_at", w_u64(w, x->created_at));
    FIELD(w, "updated_at", w_opt_u64(w, &x->updated_at));
    FIELD(w, "canceled_at", w_opt_u64(w, &x->canceled_at));
    return close_(w, '}');
}

/* ---- runs ------------------------------------------------------------------------------------ */

static aq_status w_run_instance(jw *w, const aq_run_instance *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "id", w_uuid(w, &x->id));
    FIELD(w, "task_id", w_uuid(w, &x->task_id));
    FIELD(w, "state", w_run_state(w, x->state));
    FIELD(w, "current_attempt_id", w_opt_uuid(w, &x->current_attempt_id));
    FIELD(w, "attempt_count", w_u64(w, x->attempt_count));
    FIELD(w, "created_at", w_u64(w, x->created_at));
    FIELD(w, "scheduled_at", w_u64(w, x->scheduled_at));
    FIELD(w, "effective_priority", w_i32(w, x->effective_priority));
    FIELD(w, "last_state_change_at", w_u64(w, x->last_state_change_at));
    return close_(w, '}');
}

static aq_status w_history_entry(jw *w, const aq_history_entry *x)
{
    AQ_TRY(open_(w, '{'));
    if (x->from.present)
        FIELD(w, "from", w_run_state(w, x->from.value));
    else
        FIELD(w, "from", w_null(w));
    FIELD(w, "to", w_run_state(w, x->to));
    FIELD(w, "timestamp", w_u64(w, x->timestamp));
    return close_(w, '}');
}

static aq_status w_attempt_result(jw *w, const aq_opt_attempt_result *r)
{
    if (!r->present) return w_null(w);
    if (AQ__UNLIKELY((int)r->value < 1 || (int)r->value > AQ_ATTEMPT_RESULT_SUSPENDED))
        return bad_enum(w, "AttemptResultKind", (int)r->value, AQ_ATTEMPT_RESULT_SUSPENDED);
    return w_name(w, aq_attempt_result_name(r->value));
}

static aq_status w_attempt(jw *w, const aq_attempt *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "attempt_id", w_uuid(w, &x->attempt_id));
    FIELD(w, "started_at", w_u64(w, x->started_at));
    FIELD(w, "finished_at", w_opt_u64(w, &x->finished_at));
    FIELD(w, "result", w_attempt_result(w, &x->result));
    FIELD(w, "error", w_opt_str(w, &x->error));
    if (w->schema >= 5) {
        if (x->output.present)
            FIELD(w, "output", w_bytes(w, &x->output.value));
        else
            FIELD(w, "output", w_null(w));
    } else if (x->output.present) {
        IN(w, "output", refuse_feature(w, "attempt output", 5));
    }
    return close_(w, '}');
}

static aq_status w_lease(jw *w, const aq_lease *x)
{
    if (x == NULL) return w_null(w);
    AQ_TRY(open_(w, '{'));
    FIELD(w, "owner", w_str(w, &x->owner));
    FIELD(w, "expiry", w_u64(w, x->expiry));
    FIELD(w, "acquired_at", w_u64(w, x->acquired_at));
    FIELD(w, "updated_at", w_u64(w, x->updated_at));
    return close_(w, '}');
}

static aq_status w_run(jw *w, const aq_run *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "run_instance", w_run_instance(w, &x->run_instance));
    LIST(w, "state_history", x->state_history, w_history_entry);
    LIST(w, "attempts", x->attempts, w_attempt);
    FIELD(w, "lease", w_lease(w, x->lease));
    return close_(w, '}');
}

/* ---- the other records ----------------------------------------------------------------------- */

static aq_status w_metadata(jw *w, const aq_metadata *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "schema_version", w_u64(w, x->schema_version));
    FIELD(w, "wal_sequence", w_u64(w, x->wal_sequence));
    FIELD(w, "task_count", w_u64(w, x->task_count));
    FIELD(w, "run_count", w_u64(w, x->run_count));
    return close_(w, '}');
}

static aq_status w_engine(jw *w, const aq_engine_control *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "paused", w_bool(w, x->paused));
    FIELD(w, "paused_at", w_opt_u64(w, &x->paused_at));
    FIELD(w, "resumed_at", w_opt_u64(w, &x->resumed_at));
    return close_(w, '}');
}

static aq_status w_uuid_item(jw *w, const aq_uuid *id)
{
    return w_uuid(w, id);
}

static aq_status w_dependency(jw *w, const aq_dependency *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "task_id", w_uuid(w, &x->task_id));
    LIST(w, "depends_on", x->depends_on, w_uuid_item);
    FIELD(w, "declared_at", w_u64(w, x->declared_at));
    return close_(w, '}');
}

static aq_status w_budget(jw *w, const aq_budget *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "task_id", w_uuid(w, &x->task_id));
    FIELD(w, "dimension", w_dimension(w, x->dimension));
    FIELD(w, "limit", w_u64(w, x->limit));
    FIELD(w, "consumed", w_u64(w, x->consumed));
    FIELD(w, "allocated_at", w_u64(w, x->allocated_at));
    FIELD(w, "exhausted", w_bool(w, x->exhausted));
    return close_(w, '}');
}

/* The body of an EventFilter variant: every variant is a struct variant. */
static aq_status w_filter_body(jw *w, const aq_event_filter *x)
{
    AQ_TRY(open_(w, '{'));
    if (x->kind == AQ_EVENT_FILTER_CUSTOM) {
        FIELD(w, "key", w_str(w, &x->key));
        return close_(w, '}');
    }
    FIELD(w, "task_id", w_uuid(w, &x->task_id));
    if (x->kind == AQ_EVENT_FILTER_RUN_STATE_CHANGED) FIELD(w, "state", w_run_state(w, x->state));
    if (x->kind == AQ_EVENT_FILTER_BUDGET_THRESHOLD) {
        FIELD(w, "dimension", w_dimension(w, x->dimension));
        FIELD(w, "threshold_pct", w_u64(w, x->threshold_pct));
    }
    return close_(w, '}');
}

static aq_status w_event_filter(jw *w, const aq_event_filter *x)
{
    const char *name;
    switch (x->kind) {
    case AQ_EVENT_FILTER_TASK_COMPLETED: name = "\"TaskCompleted\""; break;
    case AQ_EVENT_FILTER_RUN_STATE_CHANGED: name = "\"RunStateChanged\""; break;
    case AQ_EVENT_FILTER_BUDGET_THRESHOLD: name = "\"BudgetThreshold\""; break;
    case AQ_EVENT_FILTER_CUSTOM: name = "\"Custom\""; break;
    default:
        return aq__fail(w->err, AQ_EINVAL, AQ_ERR_ONEOF_UNSET,
                        "EventFilter kind %d is not TaskCompleted, RunStateChanged, "
                        "BudgetThreshold or Custom",
                        (int)x->kind);
    }
    AQ_TRY(open_variant(w, name, strlen(name)));
    IN(w, aq_event_filter_kind_name(x->kind), w_filter_body(w, x));
    return close_(w, '}');
}

static aq_status w_subscription(jw *w, const aq_subscription *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "subscription_id", w_uuid(w, &x->subscription_id));
    FIELD(w, "task_id", w_uuid(w, &x->task_id));
    FIELD(w, "filter", w_event_filter(w, &x->filter));
    FIELD(w, "created_at", w_u64(w, x->created_at));
    FIELD(w, "triggered_at", w_opt_u64(w, &x->triggered_at));
    FIELD(w, "canceled_at", w_opt_u64(w, &x->canceled_at));
    return close_(w, '}');
}

static aq_status w_actor(jw *w, const aq_actor *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "actor_id", w_uuid(w, &x->actor_id));
    FIELD(w, "identity", w_str(w, &x->identity));
    FIELD(w, "capabilities", w_str_list(w, &x->capabilities));
    FIELD(w, "department", w_opt_str(w, &x->department));
    FIELD(w, "heartbeat_interval_secs", w_u64(w, x->heartbeat_interval_secs));
    FIELD(w, "tenant_id", w_opt_uuid(w, &x->tenant_id));
    FIELD(w, "registered_at", w_u64(w, x->registered_at));
    FIELD(w, "last_heartbeat_at", w_opt_u64(w, &x->last_heartbeat_at));
    FIELD(w, "deregistered_at", w_opt_u64(w, &x->deregistered_at));
    return close_(w, '}');
}

static aq_status w_tenant(jw *w, const aq_tenant *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "tenant_id", w_uuid(w, &x->tenant_id));
    FIELD(w, "name", w_str(w, &x->name));
    FIELD(w, "created_at", w_u64(w, x->created_at));
    return close_(w, '}');
}

static aq_status w_role_assignment(jw *w, const aq_role_assignment *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "actor_id", w_uuid(w, &x->actor_id));
    FIELD(w, "role",
          w_named(w, (int)x->role.kind, AQ_ROLE_CUSTOM, aq_role_kind_name(x->role.kind),
                  &x->role.custom, "Role"));
    FIELD(w, "tenant_id", w_uuid(w, &x->tenant_id));
    FIELD(w, "assigned_at", w_u64(w, x->assigned_at));
    return close_(w, '}');
}

static aq_status w_capability_grant(jw *w, const aq_capability_grant *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "actor_id", w_uuid(w, &x->actor_id));
    FIELD(w, "capability",
          w_named(w, (int)x->capability.kind, AQ_CAPABILITY_CUSTOM,
                  aq_capability_kind_name(x->capability.kind), &x->capability.custom,
                  "Capability"));
    FIELD(w, "tenant_id", w_uuid(w, &x->tenant_id));
    FIELD(w, "granted_at", w_u64(w, x->granted_at));
    FIELD(w, "revoked_at", w_opt_u64(w, &x->revoked_at));
    return close_(w, '}');
}

static aq_status w_ledger_entry(jw *w, const aq_ledger_entry *x)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "entry_id", w_uuid(w, &x->entry_id));
    FIELD(w, "tenant_id", w_uuid(w, &x->tenant_id));
    FIELD(w, "ledger_key", w_str(w, &x->ledger_key));
    FIELD(w, "actor_id", w_opt_uuid(w, &x->actor_id));
    FIELD(w, "payload", w_bytes(w, &x->payload));
    FIELD(w, "timestamp", w_u64(w, x->timestamp));
    return close_(w, '}');
}

/* ---- the document ---------------------------------------------------------------------------- */

/* A section the schema version has no key for must be empty. */
static aq_status absent_section(jw *w, const char *name, size_t count, uint32_t since)
{
    if (AQ__LIKELY(count == 0)) return AQ_OK;
    (void)aq__fail(w->err, AQ_EINVAL, AQ_ERR_SCHEMA_FEATURE,
                   "the snapshot holds %zu %s, but schema_version %u has no key for them "
                   "(added in v%u); raise metadata.schema_version or clear them",
                   count, name, (unsigned)w->schema, (unsigned)since);
    aq__error_prefix(w->err, name);
    return AQ_EINVAL;
}

static aq_status w_snapshot(jw *w, const aq_snapshot *s)
{
    AQ_TRY(open_(w, '{'));
    FIELD(w, "version", w_u64(w, s->version));
    FIELD(w, "timestamp", w_u64(w, s->timestamp));
    FIELD(w, "metadata", w_metadata(w, &s->metadata));
    LIST(w, "tasks", s->tasks, w_task);
    LIST(w, "runs", s->runs, w_run);
    FIELD(w, "engine", w_engine(w, &s->engine));
    if (w->schema >= 6)
        LIST(w, "dependency_declarations", s->dependency_declarations, w_dependency);
    else
        AQ_TRY(absent_section(w, "dependency_declarations", s->dependency_declarations.count, 6));
    if (w->schema >= 7) {
        LIST(w, "budgets", s->budgets, w_budget);
        LIST(w, "subscriptions", s->subscriptions, w_subscription);
    } else {
        AQ_TRY(absent_section(w, "budgets", s->budgets.count, 7));
        AQ_TRY(absent_section(w, "subscriptions", s->subscriptions.count, 7));
    }
    if (w->schema >= 8) {
        LIST(w, "actors", s->actors, w_actor);
        LIST(w, "tenants", s->tenants, w_tenant);
        LIST(w, "role_assignments", s->role_assignments, w_role_assignment);
        LIST(w, "capability_grants", s->capability_grants, w_capability_grant);
        LIST(w, "ledger_entries", s->ledger_entries, w_ledger_entry);
    } else {
        AQ_TRY(absent_section(w, "actors", s->actors.count, 8));
        AQ_TRY(absent_section(w, "tenants", s->tenants.count, 8));
        AQ_TRY(absent_section(w, "role_assignments", s->role_assignments.count, 8));
        AQ_TRY(absent_section(w, "capability_grants", s->capability_grants.count, 8));
        AQ_TRY(absent_section(w, "ledger_entries", s->ledger_entries.count, 8));
    }
    return close_(w, '}');
}

/* A first guess at the output size from the record counts and payload sizes, so that a typical
 * snapshot needs no regrowth; doubling handles the rest. */
static size_t size_guess(const aq_snapshot *s, bool pretty)
{
    size_t bytes = 0;
    for (size_t i = 0; i < s->tasks.count; i++)
        bytes += s->tasks.items[i].task_spec.payload.bytes.len;
    size_t records = s->dependency_declarations.count + s->budgets.count +
                     s->subscriptions.count + s->actors.count + s->tenants.count +
                     s->role_assignments.count + s->capability_grants.count +
                     s->ledger_entries.count;
    /* ~700 bytes of keys and ids per task, ~800 per run with its history, ~250 per other
     * record, up to 4 per payload byte. */
    double guess = 4096.0 + 700.0 * (double)s->tasks.count + 800.0 * (double)s->runs.count +
                   250.0 * (double)records + 3.6 * (double)bytes;
    if (pretty) guess *= 3.0;
    return guess < (double)(SIZE_MAX / 4) ? (size_t)guess : SIZE_MAX / 4;
}

aq_status aq__snapshot_encode_json_reserving(const aq_snapshot *snap, const aq_allocator *alloc,
                                             uint32_t flags, size_t reserve_front, aq_buffer *out,
                                             aq_error *err)
{
    memset(out, 0, sizeof *out);
    if ((flags & ~AQ_JSON_PRETTY) != 0)
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "unknown flags 0x%x",
                        (unsigned)(flags & ~AQ_JSON_PRETTY));
    uint32_t schema = snap->metadata.schema_version;
    if (schema < AQ_SCHEMA_MIN) schema = AQ_SCHEMA_MIN;
    if (schema > AQ_SCHEMA_MAX) schema = AQ_SCHEMA_MAX;
    jw w = {{{0}, NULL, 0, 0, 0}, err, schema, (flags & AQ_JSON_PRETTY) != 0, true, 0};
    aq_status st = aq__outbuf_start(&w.out, alloc, reserve_front, size_guess(snap, w.pretty), err);
    if (st == AQ_OK) st = w_snapshot(&w, snap);
    if (st != AQ_OK) {
        aq__outbuf_free(&w.out);
        return aq__error_finish(err, st);
    }
    aq__outbuf_finish(&w.out, out);
    return AQ_OK;
}

aq_status aq_snapshot_encode_json(const aq_snapshot *snap, const aq_allocator *alloc,
                                  uint32_t flags, aq_buffer *out, aq_error *err)
{
    aq_error local;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (out == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "out is NULL");
    memset(out, 0, sizeof *out);
    if (snap == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "snapshot is NULL");
    return aq__snapshot_encode_json_reserving(snap, alloc, flags, 0, out, err);
}
