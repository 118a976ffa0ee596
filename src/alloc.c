/* SPDX-License-Identifier: Apache-2.0 */
/* The default allocator: the C library's malloc and free. */
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
