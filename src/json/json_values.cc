/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON reader's value readers and errors (json_reader.hh). */
#include "json_reader.hh"
#include "json_scan.hh"

namespace aq_json {

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
/* A string of a repaired slice (reader::repaired) is read only if its original bytes are UTF-8. */
static aq_status original_utf8(reader &r, const uint8_t *raw, size_t n)
{
    if (AQ__LIKELY(r.repaired == nullptr)) return AQ_OK;
    const char *text = reinterpret_cast<const char *>(r.original + (raw - r.repaired));
    size_t bad = aq__utf8_invalid_at(text, n);
    if (bad == n) return AQ_OK;
    return fail(r, AQ_ERR_JSON_SYNTAX, "a string is not valid UTF-8: byte 0x%02x at offset %zu",
                (unsigned)(uint8_t)text[bad], bad);
}

aq_status string_text(reader &r, const uint8_t *raw, text_view *out)
{
    size_t i = scan_plain(r, raw);
    if (AQ__LIKELY(raw + i < r.end && raw[i] == '"')) {
        *out = {raw, i};
        return original_utf8(r, raw, i);
    }
    /* Escapes: find the closing quote as stage 1 did, then let simdjson unescape. */
    const uint8_t *q = raw + i;
    while (q < r.end && *q != '"') q += *q == '\\' ? 2 : 1;
    if (q >= r.end) return fail(r, AQ_ERR_JSON_SYNTAX, "a string is not closed");
    size_t raw_len = (size_t)(q - raw);
    AQ_TRY(original_utf8(r, raw, raw_len));
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

aq_status range_fail(reader &r, const char *type, const char *range, uint64_t found)
{
    return fail(r, AQ_ERR_OUT_OF_RANGE, "expected %s (%s), found %llu", type, range,
                (unsigned long long)found);
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

aq_status skip_unknown(reader &r, od::value &v, text_view k)
{
    /* The key may live in r.unescaped: keep a copy for the path. */
    char name[48];
    excerpt(name, sizeof name, k.p, k.n);
    const uint8_t *raw = reinterpret_cast<const uint8_t *>(v.raw_json_token().data());
    const uint8_t *after = raw;
    IN(r, name, ignore_value(r, raw, r.end, &after));
    /* simdjson steps over the value; a scalar must end where serde's would. */
    const uint8_t *q = skip_space(after, r.end);
    if (q < r.end && *q != ',' && *q != '}') {
        char text[48];
        excerpt(text, sizeof text, q, (size_t)(r.end - q));
        (void)fail(r, AQ_ERR_JSON_SYNTAX, "expected ',' or '}' after the value, found `%s`", text);
        aq__error_prefix(r.err, name);
        return AQ_EDECODE;
    }
    return AQ_OK;
}

aq_status push(reader &r, const void *item, size_t size)
{
    AQ_TRY(reserve(r, r.stack, r.stack.len + size));
    memcpy(r.stack.data + r.stack.len, item, size);
    r.stack.len += size;
    return AQ_OK;
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

} // namespace aq_json
