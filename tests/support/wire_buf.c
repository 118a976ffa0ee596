/* SPDX-License-Identifier: Apache-2.0 */
#include "wire_buf.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void buf_put(bytes_buf *b, const void *data, size_t n)
{
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n) cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (p == NULL) abort();
        b->p = p;
        b->cap = cap;
    }
    if (n > 0) memcpy(b->p + b->len, data, n);
    b->len += n;
}

void buf_put_varint(bytes_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    buf_put(b, tmp, n);
}

/* The varint at p[*pos], moving *pos past it; false when it is cut short or too long. */
static bool read_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; shift < 64 && *pos < len; shift += 7) {
        uint8_t b = p[(*pos)++];
        *v |= (uint64_t)(b & 0x7f) << shift;
        if ((b & 0x80) == 0) return true;
    }
    return false;
}

size_t wire_fields(const uint8_t *p, size_t len, wire_field *out, size_t max)
{
    size_t n = 0;
    for (size_t pos = 0; pos < len; n++) {
        uint64_t key, v;
        if (n == max) return SIZE_MAX;
        out[n].start = pos;
        if (!read_varint(p, len, &pos, &key)) return SIZE_MAX;
        out[n].number = (uint32_t)(key >> 3);
        switch (key & 7) {
        case 0:
            if (!read_varint(p, len, &pos, &v)) return SIZE_MAX;
            break;
        case 1: pos += 8; break;
        case 5: pos += 4; break;
        case 2:
            if (!read_varint(p, len, &pos, &v) || v > len - pos) return SIZE_MAX;
            out[n].body = pos;
            pos += (size_t)v;
            break;
        default: return SIZE_MAX;
        }
        if (pos > len) return SIZE_MAX;
        if ((key & 7) != 2) out[n].body = pos;
        out[n].end = pos;
    }
    return n;
}
