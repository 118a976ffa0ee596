/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON reader's state and its value readers: errors with their paths, strings, integers,
 * UUIDs, byte arrays, lists, objects walked key by key with serde's rules, externally tagged
 * enums, and skipping what serde skips. The templates are here; the rest is json_values.cc.
 * json_read.cc expands the schema's records over them (see its comment for the design).
 */
#ifndef AQSNAP_JSON_READER_HH
#define AQSNAP_JSON_READER_HH

#include <array>
#include <climits>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <string_view>

#include <simdjson.h>

#include "aqsnap/json.h"
#include "aqsnap/snapshot.h"
#include "internal.h"

static_assert(AQ__JSON_PADDING == simdjson::SIMDJSON_PADDING, "padding contract of internal.h");

namespace aq_json {

namespace od = simdjson::ondemand;
using simdjson::error_code;

/* serde_json refuses nesting past 128 levels in the values it reads (remaining_depth reaches 0
 * on the 128th). */
constexpr int MAX_DEPTH = 127;
/* simdjson indexes positions as 32-bit offsets. */
constexpr size_t MAX_TEXT = 0xFFFFFFFFu;
/* Room simdjson's string unescaping may write past the unescaped text (one SIMD block). */
constexpr size_t UNESCAPE_SLACK = 2 * simdjson::SIMDJSON_PADDING;

/* ---- reader state ---------------------------------------------------------------------------- */

struct buffer {
    uint8_t *data = nullptr;
    size_t len = 0;
    size_t cap = 0;
};

struct reader {
    od::parser *parser;
    aq_arena *arena;
    aq_error *err;
    aq_allocator alloc;
    const uint8_t *text;         /* the whole document */
    const uint8_t *text_end;
    const uint8_t *readable_end; /* text_end, or further when the caller padded the text */
    const uint8_t *end;          /* end of the slice simdjson is on; 64 readable bytes follow */
    int depth;                   /* objects and arrays open around the current value */
    buffer unescaped;            /* unescaped strings, valid until the next unescape */
    buffer stack;                /* list items being gathered */
    buffer tail;                 /* a padded copy of a slice too close to the end of the text */
    size_t task_hint;            /* metadata.task_count when plausible, else 0 */
    size_t run_hint;
    aq__budget *budget;          /* the load's, or NULL */
    size_t parser_bytes;         /* charged to it for the parser's buffers */
    /* A slice that is not UTF-8 is parsed from a copy with its bad bytes replaced (in_slice),
     * since only the strings that are read must be UTF-8 (serde skips the others unchecked):
     * `repaired` is the copy and `original` the text it stands for, else both are NULL. */
    const uint8_t *repaired;
    const uint8_t *original;
    uint64_t base = 0; /* where text starts in the whole text (a streaming read's window) */
};

/* Run `expr`; on failure put `seg` in front of the path and return. */
#define IN(r, seg, expr)                                                                        \
    do {                                                                                        \
        aq_status st_ = (expr);                                                                 \
        if (AQ__UNLIKELY(st_ != AQ_OK)) {                                                       \
            aq__error_prefix((r).err, (seg));                                                   \
            return st_;                                                                         \
        }                                                                                       \
    } while (0)

aq_status fail(reader &r, aq_error_kind kind, const char *fmt, ...) AQ__PRINTF(3, 4);

aq_status fail(reader &r, aq_error_kind kind, const char *fmt, ...);

aq_status too_deep(reader &r);

/* A simdjson error on the way through the document. */
aq_status sj_fail(reader &r, error_code e);

/* Grow `b` to hold `need` bytes, keeping its content. */
aq_status reserve(reader &r, buffer &b, size_t need);

void release(reader &r, buffer &b);

/* Memory for records, strings and lists, 8-byte aligned, from the snapshot's arena (non-NULL
 * for 0 bytes, NULL only when out of memory). */
void *out_alloc(reader &r, size_t size);

/* Copy up to 40 bytes of `text` for a message: printable ASCII and UTF-8 as is, the rest '?'. */
void excerpt(char *out, size_t size, const uint8_t *text, size_t n);

std::string_view trim(std::string_view t);

/* The token at `v` without its trailing whitespace. */
std::string_view token(od::value &v);

std::string_view token(od::document &d);

/* JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? covering all of `t`. */
enum class num { integer, fraction, bad };

num classify_number(std::string_view t);

/* The wrong JSON type where `expected` was wanted, or a malformed token. */
template <typename V>
aq_status type_fail(reader &r, V &v, error_code e, const char *expected)
{
    if (e != simdjson::INCORRECT_TYPE && e != simdjson::NUMBER_ERROR) return sj_fail(r, e);
    std::string_view t = token(v);
    char text[48];
    excerpt(text, sizeof text, reinterpret_cast<const uint8_t *>(t.data()), t.size());
    const char *found = nullptr;
    switch (t.empty() ? '\0' : t[0]) {
    case '{': found = "an object"; break;
    case '[': found = "an array"; break;
    case '"': found = "a string"; break;
    case 't':
        if (t == "true") found = "the boolean true";
        break;
    case 'f':
        if (t == "false") found = "the boolean false";
        break;
    case 'n':
        if (t == "null") found = "null";
        break;
    default:
        switch (classify_number(t)) {
        case num::integer: found = "the integer"; break;
        case num::fraction: found = "the floating point number"; break;
        case num::bad: break;
        }
    }
    if (found == nullptr) return fail(r, AQ_ERR_JSON_SYNTAX, "invalid JSON value `%s`", text);
    if (t[0] == '"' || t[0] == '{' || t[0] == '[' || t[0] == 'n')
        return fail(r, AQ_ERR_JSON_TYPE, "expected %s, found %s", expected, found);
    return fail(r, AQ_ERR_JSON_TYPE, "expected %s, found %s %s", expected, found, text);
}

/* ---- strings --------------------------------------------------------------------------------- */

struct text_view {
    const uint8_t *p;
    size_t n;
};

/* Offset of the first '"' or '\\' at or after raw (the text and its padding are readable). */
size_t scan_plain(const reader &r, const uint8_t *raw);

/* The text of the string whose content starts at `raw` (just after its opening quote), inside
 * the slice simdjson is on: in place when it has no escapes, else unescaped into r.unescaped. */
aq_status string_text(reader &r, const uint8_t *raw, text_view *out);

template <typename V>
aq_status value_text(reader &r, V &v, const char *expected, text_view *out)
{
    od::raw_json_string raw;
    error_code e = v.get_raw_json_string().get(raw);
    if (AQ__UNLIKELY(e != simdjson::SUCCESS)) return type_fail(r, v, e, expected);
    return string_text(r, reinterpret_cast<const uint8_t *>(raw.raw()), out);
}

aq_status copy_text(reader &r, text_view t, aq_str *out);

/* Why an integer field's value was refused: not a number, a float, or out of range. */
template <typename V>
aq_status int_fail(reader &r, V &v, error_code e, const char *type, const char *range)
{
    std::string_view t = token(v);
    if (t.empty() || (t[0] != '-' && (t[0] < '0' || t[0] > '9')))
        return type_fail(r, v, e, type);
    char text[48];
    excerpt(text, sizeof text, reinterpret_cast<const uint8_t *>(t.data()), t.size());
    switch (classify_number(t)) {
    case num::bad:
        return fail(r, AQ_ERR_JSON_SYNTAX, "invalid number `%s`", text);
    case num::fraction:
        return fail(r, AQ_ERR_JSON_TYPE, "expected %s, found the floating point number %s", type,
                    text);
    case num::integer:
        break;
    }
    if (t == "-0")
        return fail(r, AQ_ERR_JSON_TYPE,
                    "expected %s, found -0, which serde_json reads as the float -0.0", type);
    return fail(r, AQ_ERR_OUT_OF_RANGE, "expected %s (%s), found %s", type, range, text);
}

aq_status range_fail(reader &r, const char *type, const char *range, uint64_t found);

template <typename V>
aq_status read_u64(reader &r, V &v, uint64_t *out)
{
    error_code e = v.get_uint64().get(*out);
    if (AQ__UNLIKELY(e != simdjson::SUCCESS))
        return int_fail(r, v, e, "u64", "0..18446744073709551615");
    return AQ_OK;
}

template <typename V>
aq_status read_u32(reader &r, V &v, uint32_t *out)
{
    uint64_t x = 0;
    error_code e = v.get_uint64().get(x);
    if (AQ__UNLIKELY(e != simdjson::SUCCESS)) return int_fail(r, v, e, "u32", "0..4294967295");
    if (AQ__UNLIKELY(x > UINT32_MAX)) return range_fail(r, "u32", "0..4294967295", x);
    *out = (uint32_t)x;
    return AQ_OK;
}

aq_status read_u8(reader &r, od::value &v, uint8_t *out);

aq_status read_i32(reader &r, od::value &v, int32_t *out);

aq_status read_bool(reader &r, od::value &v, bool *out);

/* An Option: true (and the value consumed) when it is null. */
template <typename V>
aq_status read_null(reader &r, V &v, bool *is_null)
{
    error_code e = v.is_null().get(*is_null);
    if (AQ__UNLIKELY(e != simdjson::SUCCESS)) return type_fail(r, v, e, "null or a value");
    return AQ_OK;
}

aq_status read_opt_u64(reader &r, od::value &v, aq_opt_u64 *out);

aq_status read_opt_u32(reader &r, od::value &v, aq_opt_u32 *out);

aq_status read_str(reader &r, od::value &v, aq_str *out);

aq_status read_opt_str(reader &r, od::value &v, aq_opt_str *out);

/* 32 hex digits at the given offsets of s; false at the first bad one (its offset in *bad). */
bool hex_bytes(const uint8_t *s, const uint8_t (&at)[16], aq_uuid *out, size_t *bad);

aq_status uuid_fail(reader &r, text_view t, const char *why);

aq_status bad_hex(reader &r, text_view t, size_t at);

aq_status parse_uuid(reader &r, text_view t, aq_uuid *out);

aq_status read_uuid(reader &r, od::value &v, aq_uuid *out);

aq_status read_opt_uuid(reader &r, od::value &v, aq_opt_uuid *out);

/* Check the value at `raw` (its first byte; the text may be read up to `end`) as serde_json
 * checks a value it skips, and set *after just past it (json_skip.cc). Paths are the caller's. */
aq_status ignore_value(reader &r, const uint8_t *raw, const uint8_t *end, const uint8_t **after);

/* The value of an unknown key `k` of an object, checked and left for simdjson to step over. */
aq_status skip_unknown(reader &r, od::value &v, text_view k);

/* ---- objects --------------------------------------------------------------------------------- */

struct key {
    const char *name;
    size_t len;
};
#define KEY(s) key{s, sizeof(s) - 1}

/* An object's known keys in declaration order, which of them are required, and its Rust name. */
struct record {
    const char *expected; /* "struct TaskSpec" */
    const key *keys;
    size_t n;
    uint32_t required; /* bit i: keys[i] must be present */
    /* Bit i: keys[i] has no serde default, so a struct written as a sequence (serde's other
     * form of a struct: the values in declaration order) must reach its element. */
    uint32_t seq_required;
};

/* A struct read as a sequence that ended after n values: the first field it lacks that has no
 * default, failed as serde fails it; AQ_OK when the rest have defaults. */
inline aq_status sequence_end(reader &r, const record &rec, size_t n)
{
    uint32_t missing = rec.seq_required & ~(uint32_t)((n < 32 ? 1u << n : 0u) - 1u);
    if (n >= rec.n || missing == 0) return AQ_OK;
    int i = __builtin_ctz(missing);
    return fail(r, AQ_ERR_MISSING_FIELD,
                "invalid length %d, expected %s with %zu elements (`%s` has no default)", i,
                rec.expected, rec.n, rec.keys[i].name);
}

inline int find_key(const record &rec, text_view k, size_t next)
{
    /* Documents written by serde come in declaration order: try the next key first. */
    if (AQ__LIKELY(next < rec.n && rec.keys[next].len == k.n &&
                   memcmp(rec.keys[next].name, k.p, k.n) == 0))
        return (int)next;
    for (size_t i = 0; i < rec.n; i++)
        if (rec.keys[i].len == k.n && memcmp(rec.keys[i].name, k.p, k.n) == 0) return (int)i;
    return -1;
}

aq_status skip_unknown(reader &r, od::value &v, text_view k);

/* Walk the fields of `obj`: each known one goes to on_field(index, value); unknown ones are
 * checked and skipped. Paths get the key's name prepended here. */
template <typename F>
aq_status walk_fields(reader &r, od::object &obj, const record &rec, F &&on_field)
{
    if (AQ__UNLIKELY(++r.depth > MAX_DEPTH)) return too_deep(r);
    uint32_t seen = 0;
    size_t next = 0;
    for (auto res : obj) {
        od::field f;
        error_code e = std::move(res).get(f);
        if (AQ__UNLIKELY(e != simdjson::SUCCESS)) return sj_fail(r, e);
        text_view k;
        AQ_TRY(string_text(r, reinterpret_cast<const uint8_t *>(f.key().raw()), &k));
        int i = find_key(rec, k, next);
        if (i < 0) {
            AQ_TRY(skip_unknown(r, f.value(), k));
            continue;
        }
        uint32_t bit = 1u << i;
        if (AQ__UNLIKELY(seen & bit)) {
            (void)fail(r, AQ_ERR_DUPLICATE_FIELD, "duplicate field `%s`", rec.keys[i].name);
            aq__error_prefix(r.err, rec.keys[i].name);
            return AQ_EDECODE;
        }
        seen |= bit;
        next = (size_t)i + 1;
        IN(r, rec.keys[i].name, on_field(i, f.value()));
    }
    r.depth--;
    uint32_t missing = rec.required & ~seen;
    if (AQ__UNLIKELY(missing != 0)) {
        const char *name = rec.keys[__builtin_ctz(missing)].name;
        (void)fail(r, AQ_ERR_MISSING_FIELD, "missing field `%s`", name);
        aq__error_prefix(r.err, name);
        return AQ_EDECODE;
    }
    return AQ_OK;
}

/* A struct written as a JSON array, as serde reads one: the values of its fields in
 * declaration order; missing trailing ones take their serde default, if all have one. */
template <typename F>
aq_status walk_seq(reader &r, od::array &arr, const record &rec, F &&on_field)
{
    if (AQ__UNLIKELY(++r.depth > MAX_DEPTH)) return too_deep(r);
    size_t n = 0;
    for (auto res : arr) {
        od::value item;
        error_code e = res.get(item);
        if (AQ__UNLIKELY(e != simdjson::SUCCESS)) return sj_fail(r, e);
        if (n == rec.n)
            return fail(r, AQ_ERR_JSON_TYPE, "expected %s with %zu elements, found more",
                        rec.expected, rec.n);
        IN(r, rec.keys[n].name, on_field((int)n, item));
        n++;
    }
    r.depth--;
    return sequence_end(r, rec, n);
}

template <typename V, typename F>
aq_status walk(reader &r, V &v, const record &rec, F &&on_field)
{
    od::object obj;
    error_code e = v.get_object().get(obj);
    if (AQ__LIKELY(e == simdjson::SUCCESS)) return walk_fields(r, obj, rec, on_field);
    od::array arr;
    if (e == simdjson::INCORRECT_TYPE && v.get_array().get(arr) == simdjson::SUCCESS)
        return walk_seq(r, arr, rec, on_field);
    return type_fail(r, v, e, rec.expected);
}

/* ---- lists ----------------------------------------------------------------------------------- */

aq_status push(reader &r, const void *item, size_t size);

/* Gathers the items of a list of T. With a hint the items go straight into an arena array of
 * that size; otherwise, or past it, they gather on the scratch stack (nested lists stack above
 * their parent's) and are copied into the arena at their exact count. */
template <typename T>
struct list_builder {
    reader &r;
    size_t hint;
    T *direct = nullptr;
    size_t base = 0;
    size_t n = 0;
    T tmp{};

    list_builder(reader &rd, size_t h) : r(rd), hint(h), base(rd.stack.len) {}

    aq_status start()
    {
        if (hint == 0) return AQ_OK;
        /* Each item is zeroed when its turn comes, while its cache lines are being filled. */
        direct = static_cast<T *>(out_alloc(r, hint * sizeof(T)));
        return direct != nullptr ? AQ_OK : aq__fail_oom(r.err);
    }

    /* Where the next item goes, zeroed. */
    T *slot()
    {
        T *p = n < hint ? &direct[n] : &tmp;
        *p = T();
        return p;
    }

    /* The item at slot() is complete. */
    aq_status add()
    {
        if (n >= hint) {
            if (n == hint && hint > 0) AQ_TRY(push(r, direct, hint * sizeof(T))); /* hint too low */
            AQ_TRY(push(r, &tmp, sizeof tmp));
        }
        n++;
        return AQ_OK;
    }

    aq_status finish(T **items, size_t *count)
    {
        if (n <= hint && direct != nullptr) {
            *items = direct;
            *count = n;
            return AQ_OK;
        }
        /* Zero-size lists still get a valid pointer, as the protobuf codec gives them. */
        auto *p = static_cast<T *>(out_alloc(r, n * sizeof(T)));
        if (p == nullptr) return aq__fail_oom(r.err);
        if (n > 0) memcpy(static_cast<void *>(p), r.stack.data + base, n * sizeof(T));
        r.stack.len = base;
        *items = p;
        *count = n;
        return AQ_OK;
    }
};

/* A JSON array of T, each item read by read_item(value, T *) into a zeroed T. */
template <typename T, typename F>
aq_status read_list(reader &r, od::value &v, const char *expected, size_t hint, T **items,
                    size_t *count, F &&read_item)
{
    od::array arr;
    error_code e = v.get_array().get(arr);
    if (AQ__UNLIKELY(e != simdjson::SUCCESS)) return type_fail(r, v, e, expected);
    if (AQ__UNLIKELY(++r.depth > MAX_DEPTH)) return too_deep(r);
    list_builder<T> list(r, hint);
    AQ_TRY(list.start());
    for (auto res : arr) {
        od::value item;
        if (AQ__UNLIKELY((e = res.get(item)) != simdjson::SUCCESS)) return sj_fail(r, e);
        aq_status st = read_item(item, list.slot());
        if (AQ__UNLIKELY(st != AQ_OK)) {
            aq__error_prefix_index(r.err, "", list.n);
            return st;
        }
        AQ_TRY(list.add());
    }
    r.depth--;
    return list.finish(items, count);
}

/* The n bytes gathered on r.stack from base, into the arena. */
aq_status bytes_done(reader &r, size_t base, size_t n, aq_bytes *out);

/* A byte array's text read directly, the common case: '[', numbers 0..255 (no leading zeros)
 * separated by commas, ']', whitespace anywhere between. Per item this is several times
 * cheaper than simdjson's value API. `out` has room for one byte per two characters up to
 * `end` (64 readable bytes follow `end`: digits are peeked unchecked). Returns true with the
 * count in *n, or false when the text is anything else, for the general path to judge. The
 * array itself is left for simdjson to skip. */
bool bytes_from_text(const uint8_t *p, const uint8_t *end, uint8_t *out, size_t *n);

/* Vec<u8>: an array of integers 0..255, kept NUL-terminated like every byte array. */
aq_status read_bytes(reader &r, od::value &v, aq_bytes *out);

aq_status read_str_list(reader &r, od::value &v, aq_str_list *out);

aq_status read_uuid_list(reader &r, od::value &v, aq_uuid_list *out);

struct variant {
    const char *name;
    size_t len;
    bool unit; /* else a data variant: {"Name": payload} */
};
#define UNIT(s) variant{s, sizeof(s) - 1, true}
#define DATA(s) variant{s, sizeof(s) - 1, false}

struct enum_type {
    const char *name; /* "RunState" */
    const variant *variants;
    size_t n;
};

inline int find_variant(const enum_type &t, text_view k)
{
    for (size_t i = 0; i < t.n; i++)
        if (t.variants[i].len == k.n && memcmp(t.variants[i].name, k.p, k.n) == 0) return (int)i;
    return -1;
}

aq_status unknown_variant(reader &r, const enum_type &t, text_view k);

/* An externally tagged enum: "Unit", {"Unit": null} or {"Data": payload}. Calls
 * on_variant(index, payload) with payload NULL for a unit variant; the path gets the variant's
 * name for failures inside a payload. */
template <typename F>
aq_status read_enum(reader &r, od::value &v, const enum_type &t, F &&on_variant)
{
    od::raw_json_string raw;
    error_code e = v.get_raw_json_string().get(raw);
    if (AQ__LIKELY(e == simdjson::SUCCESS)) {
        text_view k;
        AQ_TRY(string_text(r, reinterpret_cast<const uint8_t *>(raw.raw()), &k));
        int i = find_variant(t, k);
        if (AQ__UNLIKELY(i < 0)) return unknown_variant(r, t, k);
        if (AQ__UNLIKELY(!t.variants[i].unit))
            return fail(r, AQ_ERR_JSON_TYPE,
                        "%s::%s carries data: expected {\"%s\": ...}, found the string \"%s\"",
                        t.name, t.variants[i].name, t.variants[i].name, t.variants[i].name);
        return on_variant(i, static_cast<od::value *>(nullptr));
    }
    od::object obj;
    if (v.get_object().get(obj) != simdjson::SUCCESS) {
        char expected[64];
        (void)snprintf(expected, sizeof expected, "%s (a variant name or a one-key object)",
                       t.name);
        return type_fail(r, v, e, expected);
    }
    if (AQ__UNLIKELY(++r.depth > MAX_DEPTH)) return too_deep(r);
    int found = -1;
    for (auto res : obj) {
        od::field f;
        if ((e = std::move(res).get(f)) != simdjson::SUCCESS) return sj_fail(r, e);
        text_view k;
        AQ_TRY(string_text(r, reinterpret_cast<const uint8_t *>(f.key().raw()), &k));
        if (AQ__UNLIKELY(found >= 0)) {
            char text[48];
            excerpt(text, sizeof text, k.p, k.n);
            return fail(r, AQ_ERR_JSON_TYPE,
                        "expected one variant of %s, found a second key \"%s\" after \"%s\"",
                        t.name, text, t.variants[found].name);
        }
        found = find_variant(t, k);
        if (AQ__UNLIKELY(found < 0)) return unknown_variant(r, t, k);
        const variant &var = t.variants[found];
        if (var.unit) {
            bool null = false;
            e = f.value().is_null().get(null);
            if (e != simdjson::SUCCESS || !null) {
                char expected[96];
                (void)snprintf(expected, sizeof expected, "null for the unit variant %s::%s",
                               t.name, var.name);
                IN(r, var.name, type_fail(r, f.value(), simdjson::INCORRECT_TYPE, expected));
            }
            AQ_TRY(on_variant(found, static_cast<od::value *>(nullptr)));
        } else {
            IN(r, var.name, on_variant(found, &f.value()));
        }
    }
    r.depth--;
    if (AQ__UNLIKELY(found < 0))
        return fail(r, AQ_ERR_ONEOF_UNSET, "no variant of %s is set ({} is empty)", t.name);
    return AQ_OK;
}

/* A unit-only enum into its native value (variant index + 1, as the model numbers them). */
template <typename E>
aq_status read_unit_enum(reader &r, od::value &v, const enum_type &t, E *out)
{
    return read_enum(r, v, t, [&](int i, od::value *) {
        *out = static_cast<E>(i + 1);
        return AQ_OK;
    });
}

/* ---- the schema's records: one reader each, expanded from its field list -------------------- */

} // namespace aq_json

#endif /* AQSNAP_JSON_READER_HH */
