/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine's JSON payload reader: serde_json text of the engine's `Snapshot` to a native
 * snapshot, with simdjson On-Demand. The only C++ in the library; its interface is C.
 *
 * Design:
 * - simdjson indexes a document up front, 4 bytes per JSON token: for a snapshot full of byte
 *   arrays that index is larger than the text, and a fresh index costs one page fault per 4 KiB
 *   (10 us each on some virtual machines, more than the parsing). So the root object and its
 *   lists are tokenized here, and simdjson parses one top-level value or list item (a task, a
 *   run, ...) at a time, with one parser whose small index stays hot. Finding where a value
 *   ends needs only strings and bracket nesting (64 bytes at a time, as simdjson's stage 1
 *   does); simdjson checks everything inside each slice, this file every byte between them.
 * - Inside a slice the On-Demand walk writes records straight into the snapshot's arena; no
 *   DOM is built. Strings without escapes (nearly all) are copied from the text into the arena
 *   once; escaped ones are unescaped by simdjson into a scratch buffer first. Byte arrays are
 *   read from their text directly when they are plain (digits, commas, whitespace), which is
 *   several times cheaper than a value per byte; anything else goes through simdjson.
 * - serde's rules are kept per object: keys are matched after unescaping, in any order (the
 *   declaration order is tried first, so a document written by the engine matches each key
 *   with one comparison); a bit per key catches duplicates and, at the end, missing required
 *   keys; unknown keys have their values checked as serde_json would (well-formed, numbers
 *   of any magnitude) and dropped. Nesting is bounded everywhere, also inside skipped values,
 *   where serde_json has no bound (README "Known limits"): skipping recurses.
 * - Integers go through simdjson's get_uint64/get_int64; only when those fail is the token
 *   looked at again to say why (a float, `-0`, out of the type's range, or not a number).
 * - Lists whose length is not known are gathered on a scratch stack (nested lists stack above
 *   their parent's) and copied into the arena at their exact size; the tasks and runs lists use
 *   metadata.task_count / run_count, when metadata came first and the counts are plausible, to
 *   fill the arena array in place.
 * - Paths cost nothing on success: the failing reader states the problem, and each level
 *   prepends its key or `[index]` while the failure unwinds (as the protobuf codec does).
 * - Memory: the snapshot's arena and the scratch buffers come from the caller's allocator;
 *   simdjson's parser allocates its index and string buffer (sized for the largest slice) with
 *   `new (std::nothrow)`, reported as AQ_ENOMEM. Under a load's memory budget (the allocator
 *   is aq__budget's) those buffers are charged to it by their size. No exception crosses the C
 *   interface: only the error-code API is used, and the entry points catch anything else.
 * - The text is never copied, except a slice with fewer than 64 bytes after it (the end of an
 *   unpadded text): simdjson reads up to 64 bytes past what it parses.
 * - Output memory comes from the snapshot's arena, which maps big blocks ahead of use for the
 *   same reason as the slicing: page faults, not parsing, dominated on the VM this was measured
 *   on (10k tasks, 23 MB: 190 MB/s with one whole-document index, about 350 MB/s now).
 */
#include <array>
#include <climits>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <simdjson.h>

#include "aqsnap/json.h"
#include "aqsnap/schema_facts.h"
#include "aqsnap/snapshot.h"
#include "internal.h"

static_assert(AQ__JSON_PADDING == simdjson::SIMDJSON_PADDING, "padding contract of internal.h");

namespace {

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

aq_status fail(reader &r, aq_error_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)aq__vfail(r.err, AQ_EDECODE, kind, fmt, ap);
    va_end(ap);
    return AQ_EDECODE;
}

aq_status too_deep(reader &r)
{
    return fail(r, AQ_ERR_TOO_DEEP,
                "nesting deeper than %d levels (serde_json's limit for the values it reads)",
                MAX_DEPTH);
}

/* A simdjson error on the way through the document. */
aq_status sj_fail(reader &r, error_code e)
{
    switch (e) {
    case simdjson::MEMALLOC:
        return aq__fail_oom(r.err);
    case simdjson::DEPTH_ERROR:
        return too_deep(r);
    case simdjson::CAPACITY:
        return aq__fail(r.err, AQ_ELIMIT, AQ_ERR_PAYLOAD_TOO_LARGE,
                        "JSON text of %zu bytes is over simdjson's limit of %zu",
                        (size_t)(r.text_end - r.text), MAX_TEXT);
    case simdjson::UTF8_ERROR:
        return fail(r, AQ_ERR_JSON_SYNTAX, "the text is not valid UTF-8");
    case simdjson::UNESCAPED_CHARS:
        return fail(r, AQ_ERR_JSON_SYNTAX,
                    "a string holds a control character (U+0000..U+001F) that is not escaped");
    case simdjson::UNCLOSED_STRING:
        return fail(r, AQ_ERR_JSON_SYNTAX, "a string is not closed before the end of the text");
    case simdjson::EMPTY:
        return fail(r, AQ_ERR_JSON_SYNTAX, "the text holds no JSON value");
    case simdjson::STRING_ERROR:
        return fail(r, AQ_ERR_JSON_SYNTAX, "invalid escape sequence in a string");
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
        return fail(r, AQ_ERR_JSON_SYNTAX,
                    "the document is truncated, unbalanced or followed by other content");
    default:
        return fail(r, AQ_ERR_JSON_SYNTAX, "malformed JSON (%s)", simdjson::error_message(e));
    }
}

/* Grow `b` to hold `need` bytes, keeping its content. */
aq_status reserve(reader &r, buffer &b, size_t need)
{
    if (AQ__LIKELY(need <= b.cap)) return AQ_OK;
    if (need > SIZE_MAX / 2) return aq__fail_oom(r.err);
    size_t cap = b.cap ? b.cap : 1024;
    while (cap < need) cap *= 2;
    auto *p = static_cast<uint8_t *>(r.alloc.alloc(r.alloc.ctx, cap));
    if (p == nullptr) return aq__fail_oom(r.err);
    if (b.len > 0) memcpy(p, b.data, b.len);
    if (b.data != nullptr) r.alloc.free(r.alloc.ctx, b.data, b.cap);
    b.data = p;
    b.cap = cap;
    return AQ_OK;
}

void release(reader &r, buffer &b)
{
    if (b.data != nullptr) r.alloc.free(r.alloc.ctx, b.data, b.cap);
    b = buffer{};
}

/* ---- output memory --------------------------------------------------------------------------- */

/* Memory for records, strings and lists, 8-byte aligned, from the snapshot's arena (non-NULL
 * for 0 bytes, NULL only when out of memory). */
void *out_alloc(reader &r, size_t size)
{
    return aq__arena_alloc(r.arena, size);
}

/* ---- describing values in messages ----------------------------------------------------------- */

bool json_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Copy up to 40 bytes of `text` for a message: printable ASCII and UTF-8 as is, the rest '?'. */
void excerpt(char *out, size_t size, const uint8_t *text, size_t n)
{
    size_t max = size - 4;
    size_t k = 0;
    for (size_t i = 0; i < n && k < max; i++)
        out[k++] = text[i] < 0x20 || text[i] == 0x7f ? '?' : (char)text[i];
    if (n > max) {
        /* Do not cut a UTF-8 sequence in half. */
        while (k > 0 && ((uint8_t)out[k - 1] & 0xC0) == 0x80) k--;
        if (k > 0 && (uint8_t)out[k - 1] >= 0xC0) k--;
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

std::string_view trim(std::string_view t)
{
    while (!t.empty() && json_space((uint8_t)t.back())) t.remove_suffix(1);
    return t;
}

/* The token at `v` without its trailing whitespace. */
std::string_view token(od::value &v)
{
    return trim(v.raw_json_token());
}

std::string_view token(od::document &d)
{
    std::string_view t;
    if (d.raw_json_token().get(t) != simdjson::SUCCESS) return {};
    return trim(t);
}

/* JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? covering all of `t`. */
enum class num { integer, fraction, bad };

num classify_number(std::string_view t)
{
    size_t i = 0, n = t.size();
    auto digit = [&](size_t k) { return k < n && t[k] >= '0' && t[k] <= '9'; };
    if (i < n && t[i] == '-') i++;
    if (!digit(i)) return num::bad;
    if (t[i] == '0') {
        i++;
    } else {
        while (digit(i)) i++;
    }
    bool fraction = false;
    if (i < n && t[i] == '.') {
        i++;
        if (!digit(i)) return num::bad;
        while (digit(i)) i++;
        fraction = true;
    }
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        i++;
        if (i < n && (t[i] == '+' || t[i] == '-')) i++;
        if (!digit(i)) return num::bad;
        while (digit(i)) i++;
        fraction = true;
    }
    if (i != n) return num::bad;
    return fraction ? num::fraction : num::integer;
}

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
size_t scan_plain(const reader &r, const uint8_t *raw)
{
    size_t i = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    constexpr uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    while (raw + i < r.end) {
        uint64_t w;
        memcpy(&w, raw + i, 8);
        uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
        uint64_t hit = ((q - ones) & ~q & highs) | ((b - ones) & ~b & highs);
        if (hit != 0) return i + (size_t)(__builtin_ctzll(hit) >> 3);
        i += 8;
    }
#endif
    while (raw + i < r.end && raw[i] != '"' && raw[i] != '\\') i++;
    return i;
}

/* The text of the string whose content starts at `raw` (just after its opening quote), inside
 * the slice simdjson is on: in place when it has no escapes, else unescaped into r.unescaped. */
aq_status string_text(reader &r, const uint8_t *raw, text_view *out)
{
    size_t i = scan_plain(r, raw);
    if (AQ__LIKELY(raw + i < r.end && raw[i] == '"')) {
        *out = {raw, i};
        return AQ_OK;
    }
    /* Escapes: find the closing quote as stage 1 did, then let simdjson unescape. */
    const uint8_t *q = raw + i;
    while (q < r.end && *q != '"') q += *q == '\\' ? 2 : 1;
    if (q >= r.end) return fail(r, AQ_ERR_JSON_SYNTAX, "a string is not closed");
    size_t raw_len = (size_t)(q - raw);
    r.unescaped.len = 0;
    AQ_TRY(reserve(r, r.unescaped, raw_len + UNESCAPE_SLACK));
    uint8_t *dst = r.unescaped.data;
    std::string_view s;
    if (r.parser->unescape(od::raw_json_string(raw), dst).get(s) != simdjson::SUCCESS) {
        char text[48];
        excerpt(text, sizeof text, raw, raw_len);
        return fail(r, AQ_ERR_JSON_SYNTAX, "invalid escape sequence in the string \"%s\"", text);
    }
    *out = {r.unescaped.data, s.size()};
    return AQ_OK;
}

template <typename V>
aq_status value_text(reader &r, V &v, const char *expected, text_view *out)
{
    od::raw_json_string raw;
    error_code e = v.get_raw_json_string().get(raw);
    if (AQ__UNLIKELY(e != simdjson::SUCCESS)) return type_fail(r, v, e, expected);
    return string_text(r, reinterpret_cast<const uint8_t *>(raw.raw()), out);
}

aq_status copy_text(reader &r, text_view t, aq_str *out)
{
    auto *p = static_cast<char *>(out_alloc(r, t.n + 1));
    if (AQ__UNLIKELY(p == nullptr)) return aq__fail_oom(r.err);
    if (t.n > 0) memcpy(p, t.p, t.n);
    p[t.n] = '\0';
    *out = {p, t.n};
    return AQ_OK;
}

/* ---- scalars --------------------------------------------------------------------------------- */

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

aq_status range_fail(reader &r, const char *type, const char *range, uint64_t found)
{
    return fail(r, AQ_ERR_OUT_OF_RANGE, "expected %s (%s), found %llu", type, range,
                (unsigned long long)found);
}

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

aq_status read_u8(reader &r, od::value &v, uint8_t *out)
{
    uint64_t x = 0;
    error_code e = v.get_uint64().get(x);
    if (AQ__UNLIKELY(e != simdjson::SUCCESS)) return int_fail(r, v, e, "u8", "0..255");
    if (AQ__UNLIKELY(x > UINT8_MAX)) return range_fail(r, "u8", "0..255", x);
    *out = (uint8_t)x;
    return AQ_OK;
}

aq_status read_i32(reader &r, od::value &v, int32_t *out)
{
    const char *start = v.raw_json_token().data();
    int64_t x = 0;
    error_code e = v.get_int64().get(x);
    if (AQ__UNLIKELY(e != simdjson::SUCCESS))
        return int_fail(r, v, e, "i32", "-2147483648..2147483647");
    if (AQ__UNLIKELY(x < INT32_MIN || x > INT32_MAX))
        return fail(r, AQ_ERR_OUT_OF_RANGE, "expected i32 (-2147483648..2147483647), found %lld",
                    (long long)x);
    if (AQ__UNLIKELY(x == 0 && *start == '-'))
        return fail(r, AQ_ERR_JSON_TYPE,
                    "expected i32, found -0, which serde_json reads as the float -0.0");
    *out = (int32_t)x;
    return AQ_OK;
}

aq_status read_bool(reader &r, od::value &v, bool *out)
{
    error_code e = v.get_bool().get(*out);
    if (AQ__UNLIKELY(e != simdjson::SUCCESS)) return type_fail(r, v, e, "a boolean");
    return AQ_OK;
}

/* An Option: true (and the value consumed) when it is null. */
template <typename V>
aq_status read_null(reader &r, V &v, bool *is_null)
{
    error_code e = v.is_null().get(*is_null);
    if (AQ__UNLIKELY(e != simdjson::SUCCESS)) return type_fail(r, v, e, "null or a value");
    return AQ_OK;
}

aq_status read_opt_u64(reader &r, od::value &v, aq_opt_u64 *out)
{
    bool null = false;
    AQ_TRY(read_null(r, v, &null));
    out->present = !null;
    out->value = 0;
    return null ? AQ_OK : read_u64(r, v, &out->value);
}

aq_status read_opt_u32(reader &r, od::value &v, aq_opt_u32 *out)
{
    bool null = false;
    AQ_TRY(read_null(r, v, &null));
    out->present = !null;
    out->value = 0;
    return null ? AQ_OK : read_u32(r, v, &out->value);
}

aq_status read_str(reader &r, od::value &v, aq_str *out)
{
    text_view t;
    AQ_TRY(value_text(r, v, "a string", &t));
    return copy_text(r, t, out);
}

aq_status read_opt_str(reader &r, od::value &v, aq_opt_str *out)
{
    bool null = false;
    AQ_TRY(read_null(r, v, &null));
    out->present = !null;
    out->value = {};
    return null ? AQ_OK : read_str(r, v, &out->value);
}

/* ---- UUIDs (what the uuid crate's parse_str accepts) ----------------------------------------- */

struct hex_table {
    int8_t v[256];
    constexpr hex_table() : v()
    {
        for (int i = 0; i < 256; i++) v[i] = -1;
        for (int i = 0; i < 10; i++) v['0' + i] = (int8_t)i;
        for (int i = 0; i < 6; i++) {
            v['a' + i] = (int8_t)(10 + i);
            v['A' + i] = (int8_t)(10 + i);
        }
    }
};
constexpr hex_table hex{};

/* 32 hex digits at the given offsets of s; false at the first bad one (its offset in *bad). */
bool hex_bytes(const uint8_t *s, const uint8_t (&at)[16], aq_uuid *out, size_t *bad)
{
    int acc = 0;
    for (size_t i = 0; i < 16; i++) {
        int hi = hex.v[s[at[i]]], lo = hex.v[s[at[i] + 1]];
        acc |= hi | lo;
        out->bytes[i] = (uint8_t)(((hi & 0x0f) << 4) | (lo & 0x0f));
    }
    if (AQ__LIKELY(acc >= 0)) return true;
    for (size_t i = 0; i < 16; i++) {
        for (size_t k = 0; k < 2; k++) {
            if (hex.v[s[at[i] + k]] < 0) {
                *bad = at[i] + k;
                return false;
            }
        }
    }
    return false;
}

aq_status uuid_fail(reader &r, text_view t, const char *why)
{
    char text[48];
    excerpt(text, sizeof text, t.p, t.n);
    return fail(r, AQ_ERR_BAD_UUID, "invalid UUID \"%s\": %s", text, why);
}

aq_status bad_hex(reader &r, text_view t, size_t at)
{
    uint8_t c = t.p[at];
    char why[64];
    (void)snprintf(why, sizeof why, "'%c' at offset %zu is not a hex digit",
                   c >= 0x20 && c < 0x7f ? (char)c : '?', at);
    return uuid_fail(r, t, why);
}

aq_status parse_uuid(reader &r, text_view t, aq_uuid *out)
{
    static constexpr uint8_t hyphenated[16] = {0,  2,  4,  6,  9,  11, 14, 16,
                                               19, 21, 24, 26, 28, 30, 32, 34};
    static constexpr uint8_t simple[16] = {0,  2,  4,  6,  8,  10, 12, 14,
                                           16, 18, 20, 22, 24, 26, 28, 30};
    const uint8_t *s = t.p;
    size_t bad = 0;
    size_t skip; /* the hyphenated form starts here */
    if (AQ__LIKELY(t.n == 36)) {
        skip = 0;
    } else if (t.n == 32) {
        return hex_bytes(s, simple, out, &bad) ? AQ_OK : bad_hex(r, t, bad);
    } else if (t.n == 38 && s[0] == '{' && s[37] == '}') {
        skip = 1;
    } else if (t.n == 45 && memcmp(s, "urn:uuid:", 9) == 0) {
        skip = 9;
    } else {
        char why[128];
        (void)snprintf(why, sizeof why,
                       "%zu characters; expected 36 (hyphenated), 32 (hex digits only), "
                       "38 ({braced}) or 45 (urn:uuid:)",
                       t.n);
        return uuid_fail(r, t, why);
    }
    const uint8_t *h = s + skip;
    bool ok = hex_bytes(h, hyphenated, out, &bad);
    static constexpr size_t dashes[4] = {8, 13, 18, 23};
    for (size_t dash : dashes) {
        if (AQ__UNLIKELY(h[dash] != '-') && (ok || dash < bad)) {
            char why[64];
            (void)snprintf(why, sizeof why, "expected '-' at offset %zu", skip + dash);
            return uuid_fail(r, t, why);
        }
    }
    return ok ? AQ_OK : bad_hex(r, t, skip + bad);
}

aq_status read_uuid(reader &r, od::value &v, aq_uuid *out)
{
    text_view t;
    AQ_TRY(value_text(r, v, "a UUID string", &t));
    return parse_uuid(r, t, out);
}

aq_status read_opt_uuid(reader &r, od::value &v, aq_opt_uuid *out)
{
    bool null = false;
    AQ_TRY(read_null(r, v, &null));
    out->present = !null;
    out->value = {};
    return null ? AQ_OK : read_uuid(r, v, &out->value);
}

/* ---- skipping unknown values ----------------------------------------------------------------- */

aq_status skip_unknown(reader &r, od::value &v, text_view k);

/* A string nobody reads, checked as serde_json's ignore_str checks it: known escapes, four hex
 * digits after \u, but (unlike strings it reads) any surrogate. Control characters and UTF-8
 * are stage 1's. */
aq_status skip_string(reader &r, const uint8_t *raw)
{
    for (const uint8_t *p = raw;;) {
        p += scan_plain(r, p);
        if (p >= r.end) return fail(r, AQ_ERR_JSON_SYNTAX, "a string is not closed");
        if (*p == '"') return AQ_OK;
        uint8_t c = p[1];
        if (c == 'u') {
            for (size_t k = 2; k < 6; k++)
                if (hex.v[p[k]] < 0) return fail(r, AQ_ERR_JSON_SYNTAX, "invalid \\u escape");
            p += 6;
        } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' ||
                   c == 'r' || c == 't') {
            p += 2;
        } else {
            return fail(r, AQ_ERR_JSON_SYNTAX, "invalid escape sequence in a string");
        }
    }
}

/* Check a value nobody reads as serde_json's IgnoredAny would, and move past it. */
template <typename V>
aq_status skip_value(reader &r, V &v)
{
    od::json_type type;
    error_code e = v.type().get(type);
    if (e != simdjson::SUCCESS) return sj_fail(r, e);
    switch (type) {
    case od::json_type::object: {
        od::object obj;
        if ((e = v.get_object().get(obj)) != simdjson::SUCCESS) return sj_fail(r, e);
        if (++r.depth > MAX_DEPTH) return too_deep(r);
        for (auto res : obj) {
            od::field f;
            if ((e = std::move(res).get(f)) != simdjson::SUCCESS) return sj_fail(r, e);
            const uint8_t *key = reinterpret_cast<const uint8_t *>(f.key().raw());
            AQ_TRY(skip_string(r, key));
            /* The path shows the key as written. */
            AQ_TRY(skip_unknown(r, f.value(), {key, scan_plain(r, key)}));
        }
        r.depth--;
        return AQ_OK;
    }
    case od::json_type::array: {
        od::array arr;
        if ((e = v.get_array().get(arr)) != simdjson::SUCCESS) return sj_fail(r, e);
        if (++r.depth > MAX_DEPTH) return too_deep(r);
        size_t i = 0;
        for (auto res : arr) {
            od::value item;
            if ((e = res.get(item)) != simdjson::SUCCESS) return sj_fail(r, e);
            aq_status st = skip_value(r, item);
            if (st != AQ_OK) {
                aq__error_prefix_index(r.err, "", i);
                return st;
            }
            i++;
        }
        r.depth--;
        return AQ_OK;
    }
    case od::json_type::string: {
        od::raw_json_string raw;
        if ((e = v.get_raw_json_string().get(raw)) != simdjson::SUCCESS) return sj_fail(r, e);
        return skip_string(r, reinterpret_cast<const uint8_t *>(raw.raw()));
    }
    case od::json_type::number: {
        /* serde_json checks the grammar of a number it skips, not its magnitude (1e400 is
         * fine). Left unconsumed, simdjson steps over it. */
        std::string_view t = token(v);
        if (classify_number(t) != num::bad) return AQ_OK;
        char text[48];
        excerpt(text, sizeof text, reinterpret_cast<const uint8_t *>(t.data()), t.size());
        return fail(r, AQ_ERR_JSON_SYNTAX, "invalid number `%s`", text);
    }
    case od::json_type::boolean: {
        bool b = false;
        if ((e = v.get_bool().get(b)) != simdjson::SUCCESS) return type_fail(r, v, e, "a value");
        return AQ_OK;
    }
    case od::json_type::null: {
        bool null = false;
        if ((e = v.is_null().get(null)) != simdjson::SUCCESS || !null)
            return type_fail(r, v, simdjson::INCORRECT_TYPE, "a value");
        return AQ_OK;
    }
    }
    return fail(r, AQ_ERR_JSON_SYNTAX, "invalid JSON value");
}

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
};

int find_key(const record &rec, text_view k, size_t next)
{
    /* Documents written by serde come in declaration order: try the next key first. */
    if (AQ__LIKELY(next < rec.n && rec.keys[next].len == k.n &&
                   memcmp(rec.keys[next].name, k.p, k.n) == 0))
        return (int)next;
    for (size_t i = 0; i < rec.n; i++)
        if (rec.keys[i].len == k.n && memcmp(rec.keys[i].name, k.p, k.n) == 0) return (int)i;
    return -1;
}

aq_status skip_unknown(reader &r, od::value &v, text_view k)
{
    /* The key may live in r.unescaped, which skipping reuses: keep a copy for the path. */
    char name[48];
    excerpt(name, sizeof name, k.p, k.n);
    IN(r, name, skip_value(r, v));
    return AQ_OK;
}

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

template <typename V, typename F>
aq_status walk(reader &r, V &v, const record &rec, F &&on_field)
{
    od::object obj;
    error_code e = v.get_object().get(obj);
    if (AQ__UNLIKELY(e != simdjson::SUCCESS)) return type_fail(r, v, e, rec.expected);
    return walk_fields(r, obj, rec, on_field);
}

/* ---- lists ----------------------------------------------------------------------------------- */

aq_status push(reader &r, const void *item, size_t size)
{
    AQ_TRY(reserve(r, r.stack, r.stack.len + size));
    memcpy(r.stack.data + r.stack.len, item, size);
    r.stack.len += size;
    return AQ_OK;
}

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
aq_status bytes_done(reader &r, size_t base, size_t n, aq_bytes *out)
{
    auto *p = static_cast<uint8_t *>(out_alloc(r, n + 1));
    if (p == nullptr) return aq__fail_oom(r.err);
    if (n > 0) memcpy(p, r.stack.data + base, n);
    p[n] = 0;
    r.stack.len = base;
    *out = {p, n};
    return AQ_OK;
}

/* A byte array's text read directly, the common case: '[', numbers 0..255 (no leading zeros)
 * separated by commas, ']', whitespace anywhere between. Per item this is several times
 * cheaper than simdjson's value API. `out` has room for one byte per two characters up to
 * `end` (64 readable bytes follow `end`: digits are peeked unchecked). Returns true with the
 * count in *n, or false when the text is anything else, for the general path to judge. The
 * array itself is left for simdjson to skip. */
bool bytes_from_text(const uint8_t *p, const uint8_t *end, uint8_t *out, size_t *n)
{
    uint8_t *first = out;
    p++; /* '[' */
    while (p < end && json_space(*p)) p++;
    if (p < end && *p == ']') {
        *n = 0;
        return true;
    }
    while (p < end) {
        unsigned d0 = (unsigned)(p[0] - '0'), d1 = (unsigned)(p[1] - '0');
        if (d0 > 9) return false;
        unsigned v;
        if (d1 > 9) {
            v = d0;
            p += 1;
        } else {
            unsigned d2 = (unsigned)(p[2] - '0');
            if (d0 == 0) return false; /* a leading zero */
            if (d2 > 9) {
                v = d0 * 10 + d1;
                p += 2;
            } else {
                v = d0 * 100 + d1 * 10 + d2;
                if (v > 255 || (unsigned)(p[3] - '0') <= 9) return false; /* 256.., 1000.. */
                p += 3;
            }
        }
        *out++ = (uint8_t)v;
        if (p < end && *p == ',') {
            p++;
            while (p < end && json_space(*p)) p++;
            continue;
        }
        while (p < end && json_space(*p)) p++;
        if (p < end && *p == ']') {
            *n = (size_t)(out - first);
            return true;
        }
        if (p < end && *p == ',') {
            p++;
            while (p < end && json_space(*p)) p++;
            continue;
        }
        return false;
    }
    return false;
}

/* Vec<u8>: an array of integers 0..255, kept NUL-terminated like every byte array. */
aq_status read_bytes(reader &r, od::value &v, aq_bytes *out)
{
    size_t base = r.stack.len;
    size_t n = 0;
    const uint8_t *raw = reinterpret_cast<const uint8_t *>(v.raw_json_token().data());
    if (*raw == '[') {
        if (AQ__UNLIKELY(r.depth + 1 > MAX_DEPTH)) return too_deep(r);
        size_t bound = (size_t)(r.end - raw) / 2 + 2; /* the bytes and their NUL */
        AQ_TRY(reserve(r, r.stack, base + bound));
        if (bytes_from_text(raw, r.end, r.stack.data + base, &n)) {
            r.stack.len = base + n;
            return bytes_done(r, base, n, out);
        }
    }
    od::array arr;
    error_code e = v.get_array().get(arr);
    if (AQ__UNLIKELY(e != simdjson::SUCCESS)) return type_fail(r, v, e, "an array of bytes");
    if (AQ__UNLIKELY(++r.depth > MAX_DEPTH)) return too_deep(r);
    for (auto res : arr) {
        od::value item;
        if (AQ__UNLIKELY((e = res.get(item)) != simdjson::SUCCESS)) return sj_fail(r, e);
        uint8_t b = 0;
        aq_status st = read_u8(r, item, &b);
        if (AQ__UNLIKELY(st != AQ_OK)) {
            aq__error_prefix_index(r.err, "", n);
            return st;
        }
        if (AQ__UNLIKELY(r.stack.len == r.stack.cap)) AQ_TRY(reserve(r, r.stack, r.stack.len + 1));
        r.stack.data[r.stack.len++] = b;
        n++;
    }
    r.depth--;
    return bytes_done(r, base, n, out);
}

aq_status read_str_list(reader &r, od::value &v, aq_str_list *out)
{
    return read_list(r, v, "an array of strings", 0, &out->items, &out->count,
                     [&](od::value &item, aq_str *s) { return read_str(r, item, s); });
}

aq_status read_uuid_list(reader &r, od::value &v, aq_uuid_list *out)
{
    return read_list(r, v, "an array of UUID strings", 0, &out->items, &out->count,
                     [&](od::value &item, aq_uuid *id) { return read_uuid(r, item, id); });
}

/* ---- enums ----------------------------------------------------------------------------------- */

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

int find_variant(const enum_type &t, text_view k)
{
    for (size_t i = 0; i < t.n; i++)
        if (t.variants[i].len == k.n && memcmp(t.variants[i].name, k.p, k.n) == 0) return (int)i;
    return -1;
}

aq_status unknown_variant(reader &r, const enum_type &t, text_view k)
{
    char text[48];
    excerpt(text, sizeof text, k.p, k.n);
    char names[160];
    size_t at = 0;
    for (size_t i = 0; i < t.n && at < sizeof names; i++) {
        int w = snprintf(names + at, sizeof names - at, "%s%s", i ? ", " : "", t.variants[i].name);
        if (w < 0) break;
        at += (size_t)w;
    }
    return fail(r, AQ_ERR_BAD_ENUM, "unknown %s variant \"%s\" (expected %s)", t.name, text,
                names);
}

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

/* The unit enums of the schema: their variant names, in number order. */
#define UNIT_VARIANT(e, constant, number, json, since) UNIT(json),
#define DEFINE_UNIT_ENUM(e)                                                                      \
    const variant e##_variants[] = {AQ_ENUM_##e(UNIT_VARIANT)};                                  \
    const enum_type e##_enum{AQ_ENUM_##e##_RUST, e##_variants, AQ_ENUM_##e##_MAX};
DEFINE_UNIT_ENUM(run_state)
DEFINE_UNIT_ENUM(attempt_result)
DEFINE_UNIT_ENUM(budget_dimension)
DEFINE_UNIT_ENUM(safety_level)
DEFINE_UNIT_ENUM(hold_policy)
/* Role and Capability: the built-in names, then Custom(String). */
const variant role_variants[] = {AQ_ENUM_role_kind(UNIT_VARIANT) DATA("Custom")};
const enum_type role_enum{AQ_ENUM_role_kind_RUST, role_variants, AQ_ENUM_role_kind_MAX + 1};
const variant capability_variants[] = {AQ_ENUM_capability_kind(UNIT_VARIANT) DATA("Custom")};
const enum_type capability_enum{AQ_ENUM_capability_kind_RUST, capability_variants,
                                AQ_ENUM_capability_kind_MAX + 1};
#undef DEFINE_UNIT_ENUM

/* A record's keys in declaration order and the ones serde requires (neither Option nor
 * defaulted); walk_fields() tells the field by its index in the list. */
#define JSON_KEY(rec, pb, member, num, kind, type, presence, since, json, def) KEY(json),
#define JSON_REQUIRED(rec, pb, member, num, kind, type, presence, since, json, def)              \
    std::strcmp(#presence, "REQ") == 0,

template <size_t N>
constexpr uint32_t required_mask(const std::array<bool, N> &required)
{
    uint32_t mask = 0;
    for (size_t i = 0; i < N; i++)
        if (required[i]) mask |= 1u << i;
    return mask;
}

#define DEFINE_KEYS(rec, rust)                                                                   \
    static_assert(AQ_FIELDS_##rec##_COUNT <= 32, "walk_fields keeps one bit a key");             \
    constexpr std::array<key, AQ_FIELDS_##rec##_COUNT> rec##_keys{{AQ_FIELDS_##rec(JSON_KEY)}};   \
    constexpr std::array<bool, AQ_FIELDS_##rec##_COUNT> rec##_required{                          \
        {AQ_FIELDS_##rec(JSON_REQUIRED)}};                                                       \
    const record rec##_rec{rust, rec##_keys.data(), rec##_keys.size(),                           \
                           required_mask(rec##_required)};
#define DEFINE_VARIANT_KEYS(variant, parent, rust) DEFINE_KEYS(variant, rust)

/* An Option: null, or the value read by `read_value(&out->value)`. */
template <typename O, typename F>
aq_status read_option(reader &r, od::value &v, O *out, F &&read_value)
{
    bool null = false;
    AQ_TRY(read_null(r, v, &null));
    out->present = !null;
    out->value = {};
    return null ? AQ_OK : read_value(&out->value);
}

/* Option<record>: a pointer, NULL for null. */
template <typename T, typename V, typename F>
aq_status read_record_ptr(reader &r, V &v, T **out, F &&read_record)
{
    bool null = false;
    AQ_TRY(read_null(r, v, &null));
    *out = nullptr;
    if (null) return AQ_OK;
    auto *x = static_cast<T *>(out_alloc(r, sizeof(T)));
    if (x == nullptr) return aq__fail_oom(r.err);
    *x = T();
    *out = x;
    return read_record(x);
}

/* One statement per field: `f` the value of the field's key, `out` the native record. */
#define READ_FIELD(rec, pb, member, num, kind, type, presence, since, json, def)                 \
    if (i == k++) return READ_##kind##_##presence(member, type);

#define READ_U32_REQ(member, type) read_u32(r, f, &out->member)
#define READ_U32_DEF READ_U32_REQ
#define READ_U32_OPT(member, type) read_opt_u32(r, f, &out->member)
#define READ_U64_REQ(member, type) read_u64(r, f, &out->member)
#define READ_U64_DEF READ_U64_REQ
#define READ_U64_OPT(member, type) read_opt_u64(r, f, &out->member)
#define READ_U8_REQ(member, type) read_u8(r, f, &out->member)
#define READ_U8_DEF READ_U8_REQ
#define READ_I32_REQ(member, type) read_i32(r, f, &out->member)
#define READ_I32_DEF READ_I32_REQ
#define READ_BOOL_REQ(member, type) read_bool(r, f, &out->member)
#define READ_BOOL_DEF READ_BOOL_REQ
#define READ_UUID_REQ(member, type) read_uuid(r, f, &out->member)
#define READ_UUID_OPT(member, type) read_opt_uuid(r, f, &out->member)
#define READ_STR_REQ(member, type) read_str(r, f, &out->member)
#define READ_STR_OPT(member, type) read_opt_str(r, f, &out->member)
#define READ_BYTES_REQ(member, type) read_bytes(r, f, &out->member)
#define READ_BYTES_OPT(member, type)                                                             \
    read_option(r, f, &out->member, [&](aq_bytes *b) { return read_bytes(r, f, b); })
#define READ_ENUM_REQ(member, type) read_unit_enum(r, f, type##_enum, &out->member)
#define READ_ENUM_DEF READ_ENUM_REQ
#define READ_ENUM_OPT(member, type)                                                              \
    read_option(r, f, &out->member, [&](aq_##type *e) { return read_unit_enum(r, f, type##_enum, e); })
#define READ_MSG_REQ(member, type) read_##type(r, f, &out->member)
#define READ_MSG_DEF READ_MSG_REQ
#define READ_MSG_OPT(member, type)                                                               \
    read_record_ptr(r, f, &out->member, [&](aq_##type *x) { return read_##type(r, f, x); })
#define READ_LIST_STR_REQ(member, type) read_str_list(r, f, &out->member)
#define READ_LIST_STR_DEF READ_LIST_STR_REQ
#define READ_LIST_UUID_REQ(member, type) read_uuid_list(r, f, &out->member)
#define READ_LIST_UUID_DEF READ_LIST_UUID_REQ
#define READ_LIST_MSG_REQ(member, type)                                                          \
    read_list(r, f, "an array of " AQ_RUST_##type, 0, &out->member.items, &out->member.count,    \
              [&](od::value &item, aq_##type *x) { return read_##type(r, item, x); })
#define READ_LIST_MSG_DEF READ_LIST_MSG_REQ
#define READ_STRLIST_OPT(member, type)                                                           \
    read_option(r, f, &out->member, [&](aq_str_list *l) { return read_str_list(r, f, l); })

/* serde's defaults of the defaulted fields that are not zero. */
#define READ_DEFAULT(rec, pb, member, num, kind, type, presence, since, json, def)               \
    DEFAULT_##presence(out->member, def)
#define DEFAULT_REQ(target, def)
#define DEFAULT_OPT(target, def)
#define DEFAULT_DEF(target, def) target = def;

#define DECLARE(rec, ...)                                                                        \
    template <typename V> aq_status read_##rec(reader &r, V &v, aq_##rec *out);
AQ_RECORDS(DECLARE)
AQ_UNIONS(DECLARE)
AQ_HANDWRITTEN(DECLARE)
#undef DECLARE

AQ_RECORDS(DEFINE_KEYS)
AQ_VARIANTS(DEFINE_VARIANT_KEYS)

#define DEFINE_READER(rec, rust)                                                                 \
    template <typename V>                                                                        \
    aq_status read_##rec(reader &r, V &v, aq_##rec *out)                                         \
    {                                                                                            \
        AQ_FIELDS_##rec(READ_DEFAULT)                                                            \
        return walk(r, v, rec##_rec, [&](int i, od::value &f) -> aq_status {                    \
            int k = 0;                                                                           \
            AQ_FIELDS_##rec(READ_FIELD)                                                          \
            return AQ_OK;                                                                        \
        });                                                                                      \
    }
AQ_RECORDS(DEFINE_READER)

/* A variant's fields, into its union's struct. */
#define DEFINE_VARIANT_READER(variant, parent, rust)                                             \
    aq_status read_##variant(reader &r, od::value &v, aq_##parent *out)                          \
    {                                                                                            \
        AQ_FIELDS_##variant(READ_DEFAULT)                                                        \
        (void)out;                                                                               \
        return walk(r, v, variant##_rec, [&](int i, od::value &f) -> aq_status {                 \
            int k = 0;                                                                           \
            (void)i, (void)k, (void)f;                                                           \
            AQ_FIELDS_##variant(READ_FIELD)                                                      \
            return AQ_OK;                                                                        \
        });                                                                                      \
    }
AQ_VARIANTS(DEFINE_VARIANT_READER)

/* Oneofs of variants: externally tagged, "Unit" or {"Variant": {fields}}. */
#define UNION_VARIANT(rec, oneof, case_, constant, pb_field, v, json)                            \
    variant{json, sizeof(json) - 1, AQ_FIELDS_##v##_COUNT == 0},
#define UNION_CASE(rec, oneof, case_, constant, pb_field, variant, json)                         \
    if (i == k++) {                                                                              \
        out->kind = constant;                                                                    \
        /* read_enum() hands a payload to the variants with fields, and only to them */          \
        return p == nullptr ? AQ_OK : read_##variant(r, *p, out);                                \
    }
#define DEFINE_UNION_READER(rec, oneof, rust)                                                    \
    const variant rec##_variants[] = {AQ_UNION_##rec(UNION_VARIANT)};                            \
    const enum_type rec##_enum{rust, rec##_variants,                                             \
                               sizeof rec##_variants / sizeof rec##_variants[0]};                \
    template <typename V>                                                                        \
    aq_status read_##rec(reader &r, V &v, aq_##rec *out)                                         \
    {                                                                                            \
        return read_enum(r, v, rec##_enum, [&](int i, od::value *p) -> aq_status {               \
            int k = 0;                                                                           \
            AQ_UNION_##rec(UNION_CASE)                                                           \
            return AQ_OK;                                                                        \
        });                                                                                      \
    }
AQ_UNIONS(DEFINE_UNION_READER)

/* Role and Capability: a built-in name, or {"Custom":"name"}. */
#define DEFINE_NAMED_READER(rec, oneof, rust)                                                    \
    template <typename V>                                                                        \
    aq_status read_##rec(reader &r, V &v, aq_##rec *out)                                         \
    {                                                                                            \
        return read_enum(r, v, rec##_enum, [&](int i, od::value *p) {                            \
            out->kind = static_cast<aq_##rec##_kind>(i + 1);                                     \
            return p == nullptr ? AQ_OK : read_str(r, *p, &out->custom);                         \
        });                                                                                      \
    }
AQ_HANDWRITTEN(DEFINE_NAMED_READER)

/* A count from metadata as an arena pre-size: trusted only while the array it implies stays
 * within twice the text, so that a lying count cannot make the reader allocate much. */
size_t plausible(const reader &r, uint64_t count, size_t item_size)
{
    size_t max = 2 * (size_t)(r.text_end - r.text) / item_size;
    return count <= max ? (size_t)count : 0;
}

/* After a top-level value: metadata's counts size the tasks and runs lists. */
template <typename T>
void after_top(reader &, const T *)
{
}

template <>
void after_top(reader &r, const aq_metadata *m)
{
    r.task_hint = plausible(r, m->task_count, sizeof(aq_task));
    r.run_hint = plausible(r, m->run_count, sizeof(aq_run));
}

template <typename T>
size_t list_hint(const reader &, const T *)
{
    return 0;
}

template <>
size_t list_hint(const reader &r, const aq_task_list *)
{
    return r.task_hint;
}

template <>
size_t list_hint(const reader &r, const aq_run_list *)
{
    return r.run_hint;
}

/* ---- the document ---------------------------------------------------------------------------- */

/*
 * simdjson indexes whatever it parses up front, 4 bytes per JSON token (more than the text itself
 * for a snapshot full of byte arrays), and a fresh index costs a page fault per 4 KiB, which on
 * some virtual machines dominates everything else. So the root object and its lists are
 * tokenized here, and simdjson parses one top-level value or list item at a time, reusing one
 * parser whose index stays small and hot. The top level needs no more than finding where each
 * value ends (strings and bracket nesting); simdjson checks everything inside the slices, and
 * this tokenizer checks every byte between them.
 */

DEFINE_KEYS(snapshot, "struct Snapshot")

bool is_space(uint8_t c)
{
    return json_space(c);
}

const uint8_t *skip_space(const uint8_t *p, const uint8_t *end)
{
    while (p < end && is_space(*p)) p++;
    return p;
}

#if defined(__SSE2__)
#define AQ__SIMD_FIND 1 /* search 16 bytes at a time (SSE2 is baseline on x86-64) */
#endif

/* The next '"' or '\\' in [p, end), or end. */
const uint8_t *find_quote_or_backslash(const uint8_t *p, const uint8_t *end)
{
#ifdef AQ__SIMD_FIND
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p));
        int m = _mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
        if (m != 0) return p + __builtin_ctz((unsigned)m);
        p += 16;
    }
#endif
    while (p < end && *p != '"' && *p != '\\') p++;
    return p;
}

/* Bit masks of one 64-byte block: quotes, backslashes, '[' or '{', ']' or '}'. */
struct block_masks {
    uint64_t quote, backslash, open, close;
};

block_masks classify_block(const uint8_t *b)
{
    block_masks m{0, 0, 0, 0};
#ifdef AQ__SIMD_FIND
    /* '[' and ']' differ from '{' and '}' only in bit 5 (0x20), which no other byte pairs with. */
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                  bit5 = _mm_set1_epi8(0x20), open = _mm_set1_epi8('{'),
                  close = _mm_set1_epi8('}');
    for (unsigned k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i *>(b + 16 * k));
        __m128i folded = _mm_or_si128(v, bit5);
        unsigned shift = 16 * k;
        m.quote |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote)) << shift;
        m.backslash |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, backslash))
                       << shift;
        m.open |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(folded, open)) << shift;
        m.close |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(folded, close)) << shift;
    }
#else
    for (unsigned i = 0; i < 64; i++) {
        uint64_t bit = (uint64_t)1 << i;
        if (b[i] == '"') m.quote |= bit;
        if (b[i] == '\\') m.backslash |= bit;
        if ((b[i] | 0x20) == '{') m.open |= bit;
        if ((b[i] | 0x20) == '}') m.close |= bit;
    }
#endif
    return m;
}

/* The characters escaped by a backslash (the one after each odd-length run of backslashes),
 * carrying across blocks; simdjson's branchless method. */
uint64_t escaped_chars(uint64_t backslash, uint64_t *carry)
{
    backslash &= ~*carry;
    uint64_t follows_escape = backslash << 1 | *carry;
    const uint64_t even_bits = 0x5555555555555555u;
    uint64_t odd_starts = backslash & ~even_bits & ~follows_escape;
    uint64_t even_sequences;
    *carry = __builtin_add_overflow(odd_starts, backslash, &even_sequences) ? 1 : 0;
    uint64_t invert = even_sequences << 1;
    return (even_bits ^ invert) & follows_escape;
}

/* Bit i set when an odd number of bits are set at or below i. */
uint64_t prefix_xor(uint64_t x)
{
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

/* Just past the object or array starting at p, or nullptr when the text ends first: 64 bytes
 * at a time, brackets inside strings masked out as simdjson's stage 1 masks them. */
const uint8_t *container_end(const uint8_t *p, const uint8_t *end)
{
    uint64_t escape_carry = 0, string_carry = 0;
    size_t depth = 0;
    uint8_t last[64];
    for (const uint8_t *b = p; b < end; b += 64) {
        const uint8_t *block = b;
        if (end - b < 64) { /* never read past the text: pad the last block with spaces */
            size_t n = (size_t)(end - b);
            memcpy(last, b, n);
            memset(last + n, ' ', sizeof last - n);
            block = last;
        }
        block_masks m = classify_block(block);
        uint64_t quote = m.quote & ~escaped_chars(m.backslash, &escape_carry);
        uint64_t in_string = prefix_xor(quote) ^ string_carry;
        string_carry = (uint64_t)((int64_t)in_string >> 63);
        for (uint64_t s = (m.open | m.close) & ~in_string; s != 0; s &= s - 1) {
            unsigned i = (unsigned)__builtin_ctzll(s);
            if ((m.open >> i) & 1) {
                depth++;
            } else if (--depth == 0) {
                return b + i + 1;
            }
        }
    }
    return nullptr;
}

/* Just past the string whose content starts at p, or nullptr when the text ends first. */
const uint8_t *string_end(const uint8_t *p, const uint8_t *end)
{
    for (;;) {
        p = find_quote_or_backslash(p, end);
        if (p >= end) return nullptr;
        if (*p == '"') return p + 1;
        p += 2; /* an escape: the next byte cannot end the string */
    }
}

/* Just past the JSON value starting at p (not whitespace), nullptr when the text ends inside it,
 * p itself when no value starts there. Only strings and nesting are followed. */
const uint8_t *value_end(const uint8_t *p, const uint8_t *end)
{
    if (*p == '"') return string_end(p + 1, end);
    if (*p != '[' && *p != '{') {
        /* A scalar (or garbage) runs to the next structural character or whitespace. */
        while (p < end && !is_space(*p) && *p != ',' && *p != ':' && *p != '"' &&
               (*p | 0x20) != '{' && (*p | 0x20) != '}')
            p++;
        return p;
    }
    return container_end(p, end);
}

aq_status text_fail(reader &r, const uint8_t *at, const char *what)
{
    if (at >= r.text_end)
        return fail(r, AQ_ERR_JSON_SYNTAX,
                    "the document is truncated: %s before the end of the text", what);
    char text[48];
    excerpt(text, sizeof text, at, (size_t)(r.text_end - at));
    return fail(r, AQ_ERR_JSON_SYNTAX, "%s at offset %zu, found `%s`", what,
                (size_t)(at - r.text), text);
}

/* What simdjson 3.0's ondemand parser allocates for `capacity` bytes of text (parser::allocate
 * and set_capacity/set_max_depth): its string buffer, its structural index, the depth stacks. */
size_t parser_bytes(size_t capacity)
{
    auto round64 = [](size_t n) { return (n + 63) & ~(size_t)63; };
    return round64(5 * capacity / 3 + simdjson::SIMDJSON_PADDING) +
           sizeof(uint32_t) * (round64(capacity) + 9) + (MAX_DEPTH + 1) * 16;
}

/* parser.allocate(capacity) with its buffers charged to the load's budget: the new ones before
 * (simdjson allocates them while still holding the old ones), the old ones given back after. */
aq_status parser_allocate(reader &r, size_t capacity)
{
    size_t bytes = parser_bytes(capacity);
    if (!aq__budget_charge(r.budget, bytes)) return aq__fail_oom(r.err);
    error_code e = r.parser->allocate(capacity, MAX_DEPTH + 1);
    if (e != simdjson::SUCCESS) {
        aq__budget_release(r.budget, bytes);
        return sj_fail(r, e);
    }
    aq__budget_release(r.budget, r.parser_bytes);
    r.parser_bytes = bytes;
    return AQ_OK;
}

/* Parse [b, e) with simdjson and hand the document to f. A slice with fewer than 64 readable
 * bytes after it (the end of an unpadded text) is copied with padding first. */
template <typename F>
aq_status in_slice(reader &r, const uint8_t *b, const uint8_t *e, F &&f)
{
    size_t n = (size_t)(e - b);
    if ((size_t)(r.readable_end - e) < simdjson::SIMDJSON_PADDING) {
        r.tail.len = 0;
        AQ_TRY(reserve(r, r.tail, n + simdjson::SIMDJSON_PADDING));
        memcpy(r.tail.data, b, n);
        memset(r.tail.data + n, ' ', simdjson::SIMDJSON_PADDING);
        b = r.tail.data;
    }
    if (n > r.parser->capacity()) {
        /* Grow geometrically: a few slices of rising size must not reallocate each time. */
        size_t cap = r.parser->capacity() * 2;
        if (cap < n) cap = n;
        if (cap > MAX_TEXT) cap = MAX_TEXT;
        AQ_TRY(parser_allocate(r, cap));
    }
    od::document doc;
    error_code err = r.parser->iterate(b, n, n + simdjson::SIMDJSON_PADDING).get(doc);
    if (err != simdjson::SUCCESS) return sj_fail(r, err);
    r.end = b + n;
    AQ_TRY(f(doc));
    /* A scalar slice is one token by construction (and may be left unconsumed); a container
     * slice was one value, and simdjson must agree that nothing follows it. */
    if (*b != '{' && *b != '[') return AQ_OK;
    const char *rest;
    err = doc.current_location().get(rest);
    if (err == simdjson::OUT_OF_BOUNDS) return AQ_OK;
    if (err != simdjson::SUCCESS) return sj_fail(r, err);
    return fail(r, AQ_ERR_JSON_SYNTAX, "unexpected content after a value");
}

/* The value at *p (not whitespace) as one slice for f; *p moves past it. */
template <typename F>
aq_status slice_value(reader &r, const uint8_t **p, F &&f)
{
    const uint8_t *e = value_end(*p, r.text_end);
    if (e == nullptr) return text_fail(r, r.text_end, "a value does not end");
    if (e == *p) return text_fail(r, *p, "expected a value");
    const uint8_t *b = *p;
    *p = e;
    return in_slice(r, b, e, f);
}

/* A list at the top level: its items are sliced one by one, each read by
 * read_item(document, T *). *p moves past the list. */
template <typename T, typename F>
aq_status top_list(reader &r, const uint8_t **p, size_t hint, T **items, size_t *count,
                   F &&read_item)
{
    if (**p != '[')
        return slice_value(r, p, [&](od::document &doc) {
            return type_fail(r, doc, simdjson::INCORRECT_TYPE, "an array");
        });
    r.depth = 2; /* the root object and this list */
    list_builder<T> list(r, hint);
    AQ_TRY(list.start());
    const uint8_t *q = skip_space(*p + 1, r.text_end);
    if (q < r.text_end && *q == ']') {
        *p = q + 1;
        return list.finish(items, count);
    }
    for (;;) {
        if (q >= r.text_end) return text_fail(r, q, "a list does not end");
        aq_status st = slice_value(r, &q, [&](od::document &doc) {
            r.depth = 2;
            return read_item(doc, list.slot());
        });
        if (AQ__UNLIKELY(st != AQ_OK)) {
            aq__error_prefix_index(r.err, "", list.n);
            return st;
        }
        AQ_TRY(list.add());
        q = skip_space(q, r.text_end);
        if (q < r.text_end && *q == ',') {
            q = skip_space(q + 1, r.text_end);
            continue;
        }
        if (q < r.text_end && *q == ']') break;
        return text_fail(r, q, "expected ',' or ']' in a list");
    }
    *p = q + 1;
    return list.finish(items, count);
}

/* A key of the root object (p at its opening quote): checked as simdjson checks strings, and
 * unescaped when it has escapes. *after is just past the closing quote. */
aq_status top_key(reader &r, const uint8_t *p, text_view *out, const uint8_t **after)
{
    const uint8_t *b = p + 1;
    const uint8_t *e = string_end(b, r.text_end);
    if (e == nullptr) return text_fail(r, r.text_end, "a key string is not closed");
    size_t n = (size_t)(e - 1 - b);
    bool escaped = false;
    for (size_t i = 0; i < n; i++) {
        if (b[i] < 0x20)
            return fail(r, AQ_ERR_JSON_SYNTAX,
                        "a key string holds a control character (U+0000..U+001F) that is not "
                        "escaped, at offset %zu",
                        (size_t)(b + i - r.text));
        escaped |= b[i] == '\\';
    }
    size_t bad = aq__utf8_invalid_at(reinterpret_cast<const char *>(b), n);
    if (bad != n)
        return fail(r, AQ_ERR_JSON_SYNTAX, "the text is not valid UTF-8 at offset %zu",
                    (size_t)(b + bad - r.text));
    *after = e;
    if (!escaped) {
        *out = {b, n};
        return AQ_OK;
    }
    /* simdjson unescapes with reads past the string: work on a padded copy. */
    r.tail.len = 0;
    AQ_TRY(reserve(r, r.tail, n + 1 + simdjson::SIMDJSON_PADDING));
    memcpy(r.tail.data, b, n + 1);
    memset(r.tail.data + n + 1, ' ', simdjson::SIMDJSON_PADDING);
    r.end = r.tail.data + n + 1;
    return string_text(r, r.tail.data, out);
}

/* A top-level member read by simdjson from its own slice. */
#define SLICE(expr) slice_value(r, p, [&](od::document &doc) { return (expr); })

/* The snapshot's fields: lists item by item, everything else as one slice. */
#define TOP_FIELD(rec, pb, member, num, kind, type, presence, since, json, def)                  \
    if (i == k++) return TOP_##kind##_##presence(member, type);
#define TOP_VALUE(member, read) slice_value(r, p, [&](od::document &doc) {                       \
        aq_status st_ = read;                                                                    \
        if (st_ == AQ_OK) after_top(r, &s->member);                                              \
        return st_;                                                                              \
    })
#define TOP_U32_REQ(member, type) TOP_VALUE(member, read_u32(r, doc, &s->member))
#define TOP_U32_DEF TOP_U32_REQ
#define TOP_U64_REQ(member, type) TOP_VALUE(member, read_u64(r, doc, &s->member))
#define TOP_U64_DEF TOP_U64_REQ
#define TOP_MSG_REQ(member, type) TOP_VALUE(member, read_##type(r, doc, &s->member))
#define TOP_MSG_DEF TOP_MSG_REQ
#define TOP_MSG_OPT(member, type)                                                                \
    TOP_VALUE(member, read_record_ptr(r, doc, &s->member,                                        \
                                      [&](aq_##type *x) { return read_##type(r, doc, x); }))
#define TOP_LIST_MSG_REQ(member, type)                                                           \
    top_list(r, p, list_hint(r, &s->member), &s->member.items, &s->member.count,                 \
             [&](od::document &doc, aq_##type *x) { return read_##type(r, doc, x); })
#define TOP_LIST_MSG_DEF TOP_LIST_MSG_REQ

aq_status top_member(reader &r, int i, const uint8_t **p, aq_snapshot *s)
{
    r.depth = 1; /* inside the root object */
    int k = 0;
    AQ_FIELDS_snapshot(TOP_FIELD)
    return AQ_OK;
}

/* Defaulted lists that are absent still get a valid (empty) pointer, as decoded ones do. */
template <typename T>
aq_status empty_list(reader &r, T **items)
{
    if (*items != nullptr) return AQ_OK;
    *items = static_cast<T *>(out_alloc(r, 0));
    return *items != nullptr ? AQ_OK : aq__fail_oom(r.err);
}

aq_status read_document(reader &r, aq_snapshot *s)
{
    const uint8_t *p = skip_space(r.text, r.text_end);
    if (p >= r.text_end) return fail(r, AQ_ERR_JSON_SYNTAX, "the text holds no JSON value");
    if (*p != '{') {
        return slice_value(r, &p, [&](od::document &doc) {
            return type_fail(r, doc, simdjson::INCORRECT_TYPE,
                             "struct Snapshot (a JSON object)");
        });
    }
    const record &rec = snapshot_rec;
    uint32_t seen = 0;
    size_t next = 0;
    p = skip_space(p + 1, r.text_end);
    if (p < r.text_end && *p == '}') {
        p++;
    } else {
        for (;;) {
            if (p >= r.text_end || *p != '"') return text_fail(r, p, "expected a key string");
            text_view k;
            AQ_TRY(top_key(r, p, &k, &p));
            p = skip_space(p, r.text_end);
            if (p >= r.text_end || *p != ':') return text_fail(r, p, "expected ':' after a key");
            p = skip_space(p + 1, r.text_end);
            if (p >= r.text_end) return text_fail(r, p, "expected a value");
            int i = find_key(rec, k, next);
            if (i < 0) {
                char name[48];
                excerpt(name, sizeof name, k.p, k.n);
                r.depth = 1;
                IN(r, name, slice_value(r, &p, [&](od::document &doc) {
                       return skip_value(r, doc);
                   }));
            } else {
                uint32_t bit = 1u << i;
                if (AQ__UNLIKELY(seen & bit)) {
                    (void)fail(r, AQ_ERR_DUPLICATE_FIELD, "duplicate field `%s`", rec.keys[i].name);
                    aq__error_prefix(r.err, rec.keys[i].name);
                    return AQ_EDECODE;
                }
                seen |= bit;
                next = (size_t)i + 1;
                IN(r, rec.keys[i].name, top_member(r, i, &p, s));
            }
            p = skip_space(p, r.text_end);
            if (p < r.text_end && *p == ',') {
                p = skip_space(p + 1, r.text_end);
                continue;
            }
            if (p < r.text_end && *p == '}') {
                p++;
                break;
            }
            return text_fail(r, p, "expected ',' or '}' in the root object");
        }
    }
    uint32_t missing = rec.required & ~seen;
    if (AQ__UNLIKELY(missing != 0)) {
        const char *name = rec.keys[__builtin_ctz(missing)].name;
        (void)fail(r, AQ_ERR_MISSING_FIELD, "missing field `%s`", name);
        aq__error_prefix(r.err, name);
        return AQ_EDECODE;
    }
    /* serde_json allows only whitespace after the document. */
    p = skip_space(p, r.text_end);
    if (p < r.text_end) return text_fail(r, p, "trailing characters after the JSON document");
#define EMPTY_LIST(rec, pb, member, num, kind, type, presence, since, json, def)                 \
    AQ_TRY(empty_list(r, &s->member.items));
    AQ_SECTIONS(EMPTY_LIST)
#undef EMPTY_LIST
    return AQ_OK;
}
#undef SLICE

aq_status decode(const uint8_t *data, size_t len, size_t readable, const aq_allocator *alloc,
                 aq_snapshot *s, aq_error *err)
{
    aq_status st;
    reader r{nullptr, s->arena, err,      aq__allocator_or_default(alloc),
             data,    data + len, data + readable, data + len,
             0,       buffer{}, buffer{}, buffer{},
             0,       0,          aq__budget_of(alloc), 0};
    {
        od::parser parser;
        r.parser = &parser;
        /* Sized for a typical record; grows to the largest slice. Unescaping keys needs it too. */
        st = parser_allocate(r, len < 65536 ? len : 65536);
        if (st == AQ_OK) st = read_document(r, s);
    }
    aq__budget_release(r.budget, r.parser_bytes); /* the parser is gone */
    release(r, r.unescaped);
    release(r, r.stack);
    release(r, r.tail);
    return st;
}

} // namespace

/* ---- C interface ----------------------------------------------------------------------------- */

/* Both entry points: `readable` bytes at data may be read (len plus any padding). */
static aq_status decode_json(const uint8_t *data, size_t len, size_t readable,
                             const aq_allocator *alloc, aq_snapshot **out, aq_error *err)
{
    *out = nullptr;
    if (len > MAX_TEXT)
        return aq__fail(err, AQ_ELIMIT, AQ_ERR_PAYLOAD_TOO_LARGE,
                        "JSON text of %zu bytes is over simdjson's limit of %zu", len, MAX_TEXT);
    if (len == 0)
        return aq__fail(err, AQ_EDECODE, AQ_ERR_JSON_SYNTAX,
                        "the text is empty: expected a JSON object");

    /* Native records take about half the space of their JSON text. */
    aq_snapshot *s;
    AQ_TRY(aq__snapshot_create(alloc, len / 2, &s, err));
    aq_status st;
    try {
        st = decode(data, len, readable, alloc, s, err);
    } catch (const std::bad_alloc &) {
        st = aq__fail_oom(err);
    } catch (...) {
        st = aq__fail(err, AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "internal error in the JSON reader");
    }
    if (st != AQ_OK) {
        aq_snapshot_free(s);
        return aq__error_finish(err, st);
    }
    *out = s;
    return AQ_OK;
}

aq_status aq__snapshot_decode_json_padded(const uint8_t *data, size_t len, size_t capacity,
                                          const aq_allocator *alloc, aq_snapshot **out,
                                          aq_error *err)
{
    *out = nullptr;
    if ((data == nullptr && len > 0) || capacity < len || capacity - len < AQ__JSON_PADDING)
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT,
                        "JSON text of %zu bytes needs %zu bytes of padding, buffer holds %zu",
                        len, AQ__JSON_PADDING, capacity);
    return decode_json(data, len, capacity, alloc, out, err);
}

aq_status aq_snapshot_decode_json(const void *data, size_t len, const aq_allocator *alloc,
                                  aq_snapshot **out, aq_error *err)
{
    aq_error local;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (out == nullptr || (data == nullptr && len > 0))
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT,
                        "out is NULL, or data is NULL with len %zu", len);
    /* No padding is assumed: only a slice within 64 bytes of the end gets copied. */
    return decode_json(static_cast<const uint8_t *>(data), len, len, alloc, out, err);
}
