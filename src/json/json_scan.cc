/* SPDX-License-Identifier: Apache-2.0 */
/* The JSON reader's byte scanner (json_scan.hh). */
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "json_scan.hh"

namespace aq_json {

#if defined(__SSE2__)
#define AQ__SIMD_FIND 1 /* search 16 bytes at a time (SSE2 is baseline on x86-64) */
#endif

/* The next '"' or '\\' in [p, end), or end. */
static const uint8_t *find_quote_or_backslash(const uint8_t *p, const uint8_t *end)
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

static block_masks classify_block(const uint8_t *b)
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
static uint64_t escaped_chars(uint64_t backslash, uint64_t *carry)
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
static uint64_t prefix_xor(uint64_t x)
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
        while (p < end && !json_space(*p) && *p != ',' && *p != ':' && *p != '"' &&
               (*p | 0x20) != '{' && (*p | 0x20) != '}')
            p++;
        return p;
    }
    return container_end(p, end);
}

} // namespace aq_json
