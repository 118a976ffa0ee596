/* SPDX-License-Identifier: Apache-2.0 */
/* The encoders' growable output buffer (see internal.h): doubling growth through the caller's
 * allocator, big buffers mapped a few MiB ahead of the writer (pages.c). */
#include <string.h>

#include "internal.h"

aq_status aq__outbuf_start(aq__outbuf *o, const aq_allocator *alloc, size_t reserve,
                           size_t guess, aq_error *err)
{
    memset(o, 0, sizeof *o);
    o->alloc = aq__allocator_or_default(alloc);
    if (reserve > SIZE_MAX / 4 || guess > SIZE_MAX / 4) return aq__fail_oom(err);
    size_t cap = reserve + guess;
    o->data = o->alloc.alloc(o->alloc.ctx, cap);
    if (o->data == NULL) return aq__fail_oom(err);
    o->cap = cap;
    o->len = reserve;
    if (cap >= AQ__PAGES_BIG) aq__pages_prefer_huge(o->data, cap);
    return aq__outbuf_grow(o, 0, err); /* maps the first stretch */
}

aq_status aq__outbuf_grow(aq__outbuf *o, size_t more, aq_error *err)
{
    if (more > SIZE_MAX / 2 - o->len) return aq__fail_oom(err);
    if (o->cap - o->len < more) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap - o->len < more) cap *= 2;
        uint8_t *p = o->alloc.alloc(o->alloc.ctx, cap);
        if (p == NULL) return aq__fail_oom(err);
        if (o->len > 0) memcpy(p, o->data, o->len);
        if (o->data != NULL) o->alloc.free(o->alloc.ctx, o->data, o->cap);
        o->data = p;
        o->cap = cap;
        o->ready = o->len;
        if (cap >= AQ__PAGES_BIG) aq__pages_prefer_huge(p, cap);
    }
    if (o->cap < AQ__PAGES_BIG) {
        o->ready = o->cap;
        return AQ_OK;
    }
    size_t want = o->len + more + AQ__PAGES_AHEAD;
    size_t ready = want < o->cap ? want : o->cap;
    aq__pages_populate(o->data + o->ready, ready - o->ready);
    o->ready = ready;
    return AQ_OK;
}

void aq__outbuf_finish(aq__outbuf *o, aq_buffer *out)
{
    out->data = o->data;
    out->len = o->len;
    out->cap = o->cap;
    out->allocator = o->alloc;
    memset(o, 0, sizeof *o);
}

void aq__outbuf_free(aq__outbuf *o)
{
    if (o->data != NULL) o->alloc.free(o->alloc.ctx, o->data, o->cap);
    memset(o, 0, sizeof *o);
}
