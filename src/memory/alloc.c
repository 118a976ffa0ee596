/* SPDX-License-Identifier: Apache-2.0 */
/* The default allocator (the C library's malloc and free) and the counting budget of a load. */
#include <stdlib.h>

#include "internal.h"

static void *libc_alloc(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}

static void libc_free(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    (void)size;
    free(ptr);
}

aq_allocator aq__allocator_or_default(const aq_allocator *a)
{
    if (a != NULL) return *a;
    aq_allocator libc = {libc_alloc, libc_free, NULL};
    return libc;
}

/* ---- budget ----------------------------------------------------------------------------------- */

void aq__budget_init(aq__budget *b, const aq_allocator *inner, uint64_t limit)
{
    b->inner = aq__allocator_or_default(inner);
    b->limit = limit;
    b->live = 0;
    b->peak = 0;
    b->refused = 0;
    b->refused_live = 0;
}

bool aq__budget_charge(aq__budget *b, size_t n)
{
    if (b == NULL) return true;
    if (n > b->limit || b->live > b->limit - n) {
        if (b->refused == 0) {
            b->refused = n > 0 ? n : 1;
            b->refused_live = b->live;
        }
        return false;
    }
    b->live += n;
    if (b->live > b->peak) b->peak = b->live;
    return true;
}

void aq__budget_release(aq__budget *b, size_t n)
{
    if (b != NULL) b->live -= n;
}

static void *budget_alloc(void *ctx, size_t size)
{
    aq__budget *b = ctx;
    if (!aq__budget_charge(b, size)) return NULL;
    void *p = b->inner.alloc(b->inner.ctx, size);
    if (p == NULL) aq__budget_release(b, size);
    return p;
}

static void budget_free(void *ctx, void *ptr, size_t size)
{
    aq__budget *b = ctx;
    aq__budget_release(b, size);
    b->inner.free(b->inner.ctx, ptr, size);
}

aq_allocator aq__budget_allocator(aq__budget *b)
{
    aq_allocator a = {budget_alloc, budget_free, b};
    return a;
}

aq__budget *aq__budget_of(const aq_allocator *a)
{
    return a != NULL && a->alloc == budget_alloc ? a->ctx : NULL;
}

aq_status aq__budget_fail(const aq__budget *b, aq_error *err)
{
    return aq__fail(err, AQ_ELIMIT, AQ_ERR_MEMORY_LIMIT,
                    "memory limit of %llu bytes reached: the load held %llu bytes and asked for "
                    "%llu more (aq_load_options.max_memory)",
                    (unsigned long long)b->limit, (unsigned long long)b->refused_live,
                    (unsigned long long)b->refused);
}
