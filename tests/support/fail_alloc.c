/* SPDX-License-Identifier: Apache-2.0 */
/* Counting, failure-injecting allocator for the out-of-memory tests. */
#include "fail_alloc.h"

#include <stdint.h>
#include <stdlib.h>

static void *fa_alloc(void *ctx, size_t size)
{
    fail_alloc *fa = ctx;
    if (fa->calls++ == fa->fail_at) {
        fa->failed = true;
        return NULL;
    }
    void *p = malloc(size);
    if (p == NULL) return NULL;
    fa->live_bytes += size;
    fa->live_blocks++;
    if (fa->live_bytes > fa->peak_bytes) fa->peak_bytes = fa->live_bytes;
    return p;
}

static void fa_free(void *ctx, void *ptr, size_t size)
{
    fail_alloc *fa = ctx;
    fa->live_bytes -= size;
    fa->live_blocks--;
    free(ptr);
}

void fail_alloc_reset(fail_alloc *fa, size_t fail_at)
{
    fa->fail_at = fail_at;
    fa->calls = 0;
    fa->live_bytes = 0;
    fa->live_blocks = 0;
    fa->peak_bytes = 0;
    fa->failed = false;
}

aq_allocator fail_alloc_allocator(fail_alloc *fa)
{
    aq_allocator a = {fa_alloc, fa_free, fa};
    return a;
}
