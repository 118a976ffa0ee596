#include "wire_buf.h"

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
