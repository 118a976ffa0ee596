/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Values nobody reads (under keys a record does not know), checked exactly as serde_json's
 * IgnoredAny checks them (`Deserializer::ignore_value` in serde_json 1.0.87), on the raw text:
 * well-formed structure, literals and numbers by their grammar (any magnitude: 1e400 passes),
 * strings with valid escapes (any `\u`, lone surrogates too) and no raw control character, and
 * nothing else: neither UTF-8 nor depth, which serde does not look at either. Like serde, one
 * loop and a stack of the open containers (one bit each), so that no input reaches the C stack.
 */
#include "json_reader.hh"
#include "json_scan.hh"

namespace aq_json {

namespace {

/* Where the walk is, and how far it may read: bytes at or past `end` read as end of text. */
struct cursor {
    const uint8_t *p, *start, *end;

    int peek() const { return p < end ? *p : -1; }
    int skip_space()
    {
        while (p < end && json_space(*p)) p++;
        return peek();
    }
};

aq_status bad(reader &r, const cursor &c, const char *what)
{
    return fail(r, AQ_ERR_JSON_SYNTAX, "%s at byte %zu of the skipped value", what,
                (size_t)(c.p - c.start));
}

bool digit(int ch)
{
    return ch >= '0' && ch <= '9';
}

/* serde_json's ignore_integer, ignore_decimal and ignore_exponent. */
aq_status number(reader &r, cursor &c)
{
    if (c.peek() == '-') c.p++;
    if (c.peek() == '0') {
        c.p++;
        if (digit(c.peek())) return bad(r, c, "invalid number (a leading zero)");
    } else if (digit(c.peek())) {
        while (digit(c.peek())) c.p++;
    } else {
        return bad(r, c, "invalid number");
    }
    if (c.peek() == '.') {
        c.p++;
        if (!digit(c.peek())) return bad(r, c, "invalid number (no digit after '.')");
        while (digit(c.peek())) c.p++;
    }
    if (c.peek() == 'e' || c.peek() == 'E') {
        c.p++;
        if (c.peek() == '+' || c.peek() == '-') c.p++;
        if (!digit(c.peek())) return bad(r, c, "invalid number (no digit in the exponent)");
        while (digit(c.peek())) c.p++;
    }
    return AQ_OK;
}

bool hex_digit(int ch)
{
    return digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* serde_json's ignore_str: c.p just past the opening quote. */
aq_status string(reader &r, cursor &c)
{
    for (;;) {
        int ch = c.peek();
        if (ch < 0) return bad(r, c, "a string is not closed");
        c.p++;
        if (ch == '"') return AQ_OK;
        if (ch < 0x20) {
            c.p--;
            return bad(r, c, "a control character (U+0000..U+001F) in a string");
        }
        if (ch != '\\') continue;
        ch = c.peek();
        if (ch == 'u') {
            c.p++;
            for (int k = 0; k < 4; k++, c.p++)
                if (!hex_digit(c.peek())) return bad(r, c, "invalid \\u escape");
        } else if (ch == '"' || ch == '\\' || ch == '/' || ch == 'b' || ch == 'f' || ch == 'n' ||
                   ch == 'r' || ch == 't') {
            c.p++;
        } else {
            return bad(r, c, "invalid escape in a string");
        }
    }
}

aq_status literal(reader &r, cursor &c, const char *word)
{
    for (const char *w = word; *w != '\0'; w++, c.p++)
        if (c.peek() != (uint8_t)*w) return bad(r, c, "invalid literal");
    return AQ_OK;
}

/* The open containers, innermost last: a bit each, set for an object. */
struct frames {
    reader &r;
    size_t base, depth = 0;

    explicit frames(reader &rd) : r(rd), base(rd.stack.len) {}
    ~frames() { r.stack.len = base; }

    aq_status push(bool object)
    {
        size_t byte = depth / 8;
        if (base + byte >= r.stack.len) {
            AQ_TRY(reserve(r, r.stack, base + byte + 1));
            r.stack.data[base + byte] = 0;
            r.stack.len = base + byte + 1;
        }
        uint8_t bit = (uint8_t)(1u << (depth % 8));
        if (object)
            r.stack.data[base + byte] |= bit;
        else
            r.stack.data[base + byte] &= (uint8_t)~bit;
        depth++;
        return AQ_OK;
    }
    bool top_is_object() const
    {
        size_t d = depth - 1;
        return (r.stack.data[base + d / 8] >> (d % 8)) & 1;
    }
};

} // namespace

/* An object member's key and colon, c.p at where the key should start. */
static aq_status member_key(reader &r, cursor &c)
{
    if (c.skip_space() != '"') return bad(r, c, "expected a key string");
    c.p++;
    AQ_TRY(string(r, c));
    if (c.skip_space() != ':') return bad(r, c, "expected ':' after a key");
    c.p++;
    return AQ_OK;
}

aq_status ignore_value(reader &r, const uint8_t *raw, const uint8_t *end, const uint8_t **after)
{
    cursor c{raw, raw, end};
    frames open(r);
    for (;;) {
        /* A value; a container that is not empty goes on with its first member. */
        int ch = c.skip_space();
        switch (ch) {
        case 'n': AQ_TRY(literal(r, c, "null")); break;
        case 't': AQ_TRY(literal(r, c, "true")); break;
        case 'f': AQ_TRY(literal(r, c, "false")); break;
        case '"':
            c.p++;
            AQ_TRY(string(r, c));
            break;
        case '[':
        case '{':
            c.p++;
            if (c.skip_space() == (ch == '{' ? '}' : ']')) {
                c.p++;
                break;
            }
            AQ_TRY(open.push(ch == '{'));
            if (ch == '{') AQ_TRY(member_key(r, c));
            continue;
        default:
            if (ch != '-' && !digit(ch))
                return bad(r, c, ch < 0 ? "the text ends where a value should be"
                                        : "expected a value");
            AQ_TRY(number(r, c));
        }
        /* The value is complete: a comma goes on with the next member, brackets close. */
        for (;;) {
            if (open.depth == 0) {
                *after = c.p;
                return AQ_OK;
            }
            bool object = open.top_is_object();
            ch = c.skip_space();
            if (ch == ',') {
                c.p++;
                if (object) AQ_TRY(member_key(r, c));
                break;
            }
            if (ch != (object ? '}' : ']'))
                return bad(r, c, object ? "expected ',' or '}'" : "expected ',' or ']'");
            c.p++;
            open.depth--;
        }
    }
}

} // namespace aq_json
