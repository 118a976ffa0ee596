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
#include "aqsnap/schema_facts.h"
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

/* A list the schema version has no key for must be empty. */
static aq_status refuse_list(jw *w, const char *name, size_t count, uint32_t since)
{
    (void)aq__fail(w->err, AQ_EINVAL, AQ_ERR_SCHEMA_FEATURE,
                   "the snapshot holds %zu %s, but schema_version %u has no key for them "
                   "(added in v%u); raise metadata.schema_version or clear them",
                   count, name, (unsigned)w->schema, (unsigned)since);
    aq__error_prefix(w->err, name);
    return AQ_EINVAL;
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

/* A unit variant: its name in a string. */
static aq_status w_name(jw *w, const char *name, size_t n)
{
    AQ_TRY(reserve(w, n + 2));
    byte(w, '"');
    raw(w, name, n);
    byte(w, '"');
    return AQ_OK;
}

/* One writer per unit enum of the schema: the variant's name, or a refusal out of range. */
#define NAME_OF(e, constant, number, json, since) [number] = {json, sizeof(json) - 1},
#define DEFINE_ENUM_WRITER(e)                                                                     \
    static aq_status w_enum_##e(jw *w, int v)                                                     \
    {                                                                                             \
        static const struct {                                                                     \
            const char *s;                                                                        \
            size_t n;                                                                             \
        } names[] = {{NULL, 0}, AQ_ENUM_##e(NAME_OF)};                                            \
        if (AQ__UNLIKELY(v < 1 || v > AQ_ENUM_##e##_MAX))                                         \
            return bad_enum(w, AQ_ENUM_##e##_RUST, v, AQ_ENUM_##e##_MAX);                         \
        return w_name(w, names[v].s, names[v].n);                                                 \
    }
DEFINE_ENUM_WRITER(run_state)
DEFINE_ENUM_WRITER(attempt_result)
DEFINE_ENUM_WRITER(budget_dimension)
DEFINE_ENUM_WRITER(safety_level)
DEFINE_ENUM_WRITER(hold_policy)
DEFINE_ENUM_WRITER(role_kind)
DEFINE_ENUM_WRITER(capability_kind)
#undef DEFINE_ENUM_WRITER

/* `{"Variant":` opening an externally tagged data variant; close with close_(w, '}'). */
static aq_status open_variant(jw *w, const char *quoted, size_t n)
{
    AQ_TRY(open_(w, '{'));
    return key_(w, quoted, n);
}

/* ---- one statement per field of a record (gen/aqsnap/schema_facts.h), `x` the record ------- */

/* Fields newer than the document's schema version have no key: they are left out, and content
 * that only such a key could carry is refused rather than dropped. */
#define W_FIELD(rec, pb, member, num, kind, type, presence, since, json, def)                    \
    if (OMITTED_##presence(kind, member, def)) {                                                  \
        /* skip_serializing_if = "Option::is_none": no key */                                     \
    } else if ((since) <= AQ_SCHEMA_MIN || w->schema >= (since)) {                                \
        W_##kind##_##presence(json, member, type);                                                \
    } else if (SET_##kind##_##presence(member, def)) {                                            \
        REFUSE_##kind(member, json, since);                                                       \
    }

#define W_U32_REQ(json, member, type) FIELD(w, json, w_u64(w, x->member))
#define W_U32_DEF W_U32_REQ
#define W_U64_REQ W_U32_REQ
#define W_U64_DEF W_U32_REQ
#define W_U8_REQ W_U32_REQ
#define W_U8_DEF W_U32_REQ
#define W_I32_REQ(json, member, type) FIELD(w, json, w_i32(w, x->member))
#define W_I32_DEF W_I32_REQ
#define W_BOOL_REQ(json, member, type) FIELD(w, json, w_bool(w, x->member))
#define W_BOOL_DEF W_BOOL_REQ
#define W_UUID_REQ(json, member, type) FIELD(w, json, w_uuid(w, &x->member))
#define W_STR_REQ(json, member, type) FIELD(w, json, w_str(w, &x->member))
#define W_BYTES_REQ(json, member, type) FIELD(w, json, w_bytes(w, &x->member))
#define W_ENUM_REQ(json, member, type) FIELD(w, json, w_enum_##type(w, (int)x->member))
#define W_ENUM_DEF W_ENUM_REQ
#define W_MSG_REQ(json, member, type) FIELD(w, json, w_##type(w, &x->member))
#define W_MSG_DEF W_MSG_REQ
#define W_LIST_STR_REQ(json, member, type) FIELD(w, json, w_str_list(w, &x->member))
#define W_LIST_STR_DEF W_LIST_STR_REQ
#define W_LIST_UUID_REQ(json, member, type) LIST(w, json, x->member, w_uuid)
#define W_LIST_UUID_DEF W_LIST_UUID_REQ
#define W_LIST_MSG_REQ(json, member, type) LIST(w, json, x->member, w_##type)
#define W_LIST_MSG_DEF W_LIST_MSG_REQ
/* Option: null, or the value as above. */
#define W_OPT(json, member, value) FIELD(w, json, x->member.present ? (value) : w_null(w))
#define W_U32_OPT(json, member, type) W_OPT(json, member, w_u64(w, x->member.value))
#define W_U64_OPT W_U32_OPT
#define W_UUID_OPT(json, member, type) W_OPT(json, member, w_uuid(w, &x->member.value))
#define W_STR_OPT(json, member, type) W_OPT(json, member, w_str(w, &x->member.value))
#define W_BYTES_OPT(json, member, type) W_OPT(json, member, w_bytes(w, &x->member.value))
#define W_ENUM_OPT(json, member, type) W_OPT(json, member, w_enum_##type(w, (int)x->member.value))
#define W_STRLIST_OPT(json, member, type) W_OPT(json, member, w_str_list(w, &x->member.value))
#define W_MSG_OPT(json, member, type)                                                             \
    FIELD(w, json, x->member != NULL ? w_##type(w, x->member) : w_null(w))

/* An Option whose None serde does not write (schema_facts.h, AQ_OPTION_OMIT_NONE). */
#define OMITTED_OPT(kind, member, def) (((def) & AQ_OPTION_OMIT_NONE) && !SET_##kind##_OPT(member, def))
#define OMITTED_REQ(kind, member, def) 0
#define OMITTED_DEF(kind, member, def) 0

/* Whether a field holds anything that only its key could carry. */
#define SET_OPT(member) x->member.present
#define SET_U32_OPT(member, def) SET_OPT(member)
#define SET_U64_OPT(member, def) SET_OPT(member)
#define SET_UUID_OPT(member, def) SET_OPT(member)
#define SET_STR_OPT(member, def) SET_OPT(member)
#define SET_BYTES_OPT(member, def) SET_OPT(member)
#define SET_ENUM_OPT(member, def) SET_OPT(member)
#define SET_STRLIST_OPT(member, def) SET_OPT(member)
#define SET_MSG_OPT(member, def) (x->member != NULL)
#define SET_SCALAR_DEF(member, def) (x->member != (def))
#define SET_U32_DEF SET_SCALAR_DEF
#define SET_U64_DEF SET_SCALAR_DEF
#define SET_U8_DEF SET_SCALAR_DEF
#define SET_I32_DEF SET_SCALAR_DEF
#define SET_BOOL_DEF SET_SCALAR_DEF
#define SET_ENUM_DEF SET_SCALAR_DEF
/* A defaulted record is as old as the oldest schema version (schema_facts.py checks it). */
#define SET_MSG_DEF(member, def) 0
#define SET_LIST_DEF(member, def) (x->member.count > 0)
#define SET_LIST_STR_DEF SET_LIST_DEF
#define SET_LIST_UUID_DEF SET_LIST_DEF
#define SET_LIST_MSG_DEF SET_LIST_DEF
/* Required fields exist in every schema version (schema_facts.py checks it). */
#define SET_REQ(member, def) 0
#define SET_U32_REQ SET_REQ
#define SET_U64_REQ SET_REQ
#define SET_U8_REQ SET_REQ
#define SET_I32_REQ SET_REQ
#define SET_BOOL_REQ SET_REQ
#define SET_UUID_REQ SET_REQ
#define SET_STR_REQ SET_REQ
#define SET_BYTES_REQ SET_REQ
#define SET_ENUM_REQ SET_REQ
#define SET_MSG_REQ SET_REQ
#define SET_LIST_STR_REQ SET_REQ
#define SET_LIST_UUID_REQ SET_REQ
#define SET_LIST_MSG_REQ SET_REQ

#define REFUSE_VALUE(member, json, since) IN(w, json, refuse_feature(w, json, since))
#define REFUSE_U32 REFUSE_VALUE
#define REFUSE_U64 REFUSE_VALUE
#define REFUSE_U8 REFUSE_VALUE
#define REFUSE_I32 REFUSE_VALUE
#define REFUSE_BOOL REFUSE_VALUE
#define REFUSE_UUID REFUSE_VALUE
#define REFUSE_STR REFUSE_VALUE
#define REFUSE_BYTES REFUSE_VALUE
#define REFUSE_ENUM REFUSE_VALUE
#define REFUSE_MSG REFUSE_VALUE
#define REFUSE_STRLIST REFUSE_VALUE
#define REFUSE_LIST(member, json, since) AQ_TRY(refuse_list(w, json, x->member.count, since))
#define REFUSE_LIST_STR REFUSE_LIST
#define REFUSE_LIST_UUID REFUSE_LIST
#define REFUSE_LIST_MSG REFUSE_LIST

#define RECORD_BODY(rec)                                                                          \
    AQ_TRY(open_(w, '{'));                                                                        \
    AQ_FIELDS_##rec(W_FIELD)                                                                      \
    return close_(w, '}');

/* ---- records, oneof variants and oneofs ------------------------------------------------------ */

#define DECLARE(rec, ...) static aq_status w_##rec(jw *w, const aq_##rec *x);
AQ_RECORDS(DECLARE)
AQ_UNIONS(DECLARE)
AQ_HANDWRITTEN(DECLARE)
#undef DECLARE

#define DEFINE_RECORD(rec, rust)                                                                  \
    static aq_status w_##rec(jw *w, const aq_##rec *x)                                            \
    {                                                                                             \
        RECORD_BODY(rec)                                                                          \
    }
AQ_RECORDS(DEFINE_RECORD)
#undef DEFINE_RECORD

/* A variant's fields live in its union's struct. */
#define DEFINE_VARIANT(variant, parent, rust)                                                     \
    static aq_status w_##variant(jw *w, const aq_##parent *x)                                     \
    {                                                                                             \
        (void)x;                                                                                  \
        RECORD_BODY(variant)                                                                      \
    }
AQ_VARIANTS(DEFINE_VARIANT)
#undef DEFINE_VARIANT

/* serde's external tagging: a variant without fields is its name, the others
 * {"Name": {fields}}. */
#define WRITE_VARIANT(rec, oneof, case_, constant, pb_field, variant, json)                       \
    case constant:                                                                                \
        if (AQ_FIELDS_##variant##_COUNT == 0) return w_name(w, json, sizeof(json) - 1);           \
        AQ_TRY(open_variant(w, "\"" json "\"", sizeof(json) + 1));                                \
        IN(w, json, w_##variant(w, x));                                                           \
        return close_(w, '}');

#define DEFINE_UNION(rec, oneof, rust)                                                            \
    static aq_status w_##rec(jw *w, const aq_##rec *x)                                            \
    {                                                                                             \
        switch (x->kind) {                                                                        \
            AQ_UNION_##rec(WRITE_VARIANT)                                                         \
        default:                                                                                  \
            return aq__fail(w->err, AQ_EINVAL, AQ_ERR_ONEOF_UNSET, "%s kind %d is not %s", rust,  \
                            (int)x->kind, AQ_UNION_##rec##_NAMES);                                \
        }                                                                                         \
    }
AQ_UNIONS(DEFINE_UNION)
#undef DEFINE_UNION

/* Role and Capability: a built-in unit variant, or {"Custom":"name"}. */
#define DEFINE_NAMED(rec, oneof, rust)                                                            \
    static aq_status w_##rec(jw *w, const aq_##rec *x)                                            \
    {                                                                                             \
        int kind = (int)x->kind;                                                                  \
        if (kind != AQ_ENUM_##rec##_kind_MAX + 1) return w_enum_##rec##_kind(w, kind);            \
        AQ_TRY(open_variant(w, "\"Custom\"", sizeof "\"Custom\"" - 1));                           \
        IN(w, "Custom", w_str(w, &x->custom));                                                    \
        return close_(w, '}');                                                                    \
    }
AQ_HANDWRITTEN(DEFINE_NAMED)
#undef DEFINE_NAMED

/* ---- the document ---------------------------------------------------------------------------- */

static aq_status w_snapshot(jw *w, const aq_snapshot *x)
{
    RECORD_BODY(snapshot)
}

/* ---- the document one field at a time (the streaming writer) ---------------------------------- */

static uint32_t clamp_schema(uint32_t schema)
{
    return schema < AQ_SCHEMA_MIN ? AQ_SCHEMA_MIN : schema > AQ_SCHEMA_MAX ? AQ_SCHEMA_MAX : schema;
}

struct aq__json_doc {
    jw w;
    aq_allocator al;
};

aq_status aq__json_doc_create(const aq_allocator *alloc, uint32_t flags, aq_error *err,
                              aq__json_doc **out)
{
    *out = NULL;
    if ((flags & ~AQ_JSON_PRETTY) != 0)
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "unknown flags 0x%x",
                        (unsigned)(flags & ~AQ_JSON_PRETTY));
    aq_allocator al = aq__allocator_or_default(alloc);
    aq__json_doc *d = al.alloc(al.ctx, sizeof *d);
    if (d == NULL) return aq__fail_oom(err);
    memset(d, 0, sizeof *d);
    d->al = al;
    d->w = (jw){{{0}, NULL, 0, 0, 0}, err, AQ_SCHEMA_MAX, (flags & AQ_JSON_PRETTY) != 0, true, 0};
    aq_status st = aq__outbuf_start(&d->w.out, alloc, 0, (size_t)64 << 10, err);
    if (st == AQ_OK) st = open_(&d->w, '{');
    if (st != AQ_OK) {
        aq__json_doc_destroy(d);
        return st;
    }
    *out = d;
    return AQ_OK;
}

#define W_ONE_FIELD(rec, pb, member, num, kind, type, presence, since, json, def)                \
    case num: W_FIELD(rec, pb, member, num, kind, type, presence, since, json, def) return AQ_OK;

aq_status aq__json_doc_field(aq__json_doc *d, const aq_snapshot *x, uint32_t number)
{
    jw *w = &d->w;
    w->schema = clamp_schema(x->metadata.schema_version);
    switch (number) {
        AQ_FIELDS_snapshot(W_ONE_FIELD)
    default:
        return aq__fail(w->err, AQ_EINVAL, AQ_ERR_ARGUMENT, "the snapshot has no field %u", number);
    }
}
#undef W_ONE_FIELD

#define W_ITEM(rec, pb, member, num, kind, type, presence, since, json, def)                     \
    case num:                                                                                   \
        if (index == 0) {                                                                       \
            if ((since) > AQ_SCHEMA_MIN && w->schema < (since))                                 \
                return refuse_list(w, json, 1, since);                                          \
            AQ_TRY(key_(w, "\"" json "\"", sizeof(json) + 1));                                   \
            AQ_TRY(open_(w, '['));                                                              \
        }                                                                                       \
        AQ_TRY(item(w));                                                                        \
        IN_INDEX(w, json, index, w_##type(w, (const aq_##type *)value));                        \
        return AQ_OK;

aq_status aq__json_doc_item(aq__json_doc *d, uint32_t number, size_t index, const void *value)
{
    jw *w = &d->w;
    switch (number) {
        AQ_SECTIONS(W_ITEM)
    default:
        return aq__fail(w->err, AQ_EINVAL, AQ_ERR_ARGUMENT, "field %u is not a list", number);
    }
}
#undef W_ITEM

aq_status aq__json_doc_end_list(aq__json_doc *d)
{
    return close_(&d->w, ']');
}

aq_status aq__json_doc_finish(aq__json_doc *d)
{
    return close_(&d->w, '}');
}

aq__outbuf *aq__json_doc_out(aq__json_doc *d)
{
    return &d->w.out;
}

void aq__json_doc_destroy(aq__json_doc *d)
{
    if (d == NULL) return;
    aq__outbuf_free(&d->w.out);
    d->al.free(d->al.ctx, d, sizeof *d);
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
    jw w = {{{0}, NULL, 0, 0, 0}, err, clamp_schema(snap->metadata.schema_version), (flags & AQ_JSON_PRETTY) != 0, true, 0};
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
