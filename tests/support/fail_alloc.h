/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An aq_allocator that counts live bytes and can fail the Nth allocation, for out-of-memory
 * tests (SQLite-style: fail allocation N for N = 0, 1, ... until the operation succeeds; every
 * failure must report AQ_ENOMEM and leave zero live bytes).
 */
#ifndef AQ_TEST_FAIL_ALLOC_H
#define AQ_TEST_FAIL_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

#include "aqsnap/alloc.h"

typedef struct fail_alloc {
    size_t fail_at;     /* index of the allocation to fail; SIZE_MAX: never */
    size_t calls;       /* allocations attempted so far */
    size_t live_bytes;  /* allocated and not yet freed */
    size_t live_blocks;
    size_t peak_bytes;
    bool failed;        /* the planned failure happened */
} fail_alloc;

/* Reset counters and plan a failure at allocation `fail_at` (SIZE_MAX for none). */
void fail_alloc_reset(fail_alloc *fa, size_t fail_at);

/* The allocator backed by `fa` (which must outlive every allocation). */
aq_allocator fail_alloc_allocator(fail_alloc *fa);

#endif
