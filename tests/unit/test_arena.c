/* SPDX-License-Identifier: Apache-2.0 */
/* The bump arena: alignment, growth, reset reuse, failure reporting, accounting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fail_alloc.h"
#include "internal.h"

static void test_arena__aligns_and_grows(void **state)
{
    (void)state;
    fail_alloc fa;
    fail_alloc_reset(&fa, SIZE_MAX);
    aq_allocator al = fail_alloc_allocator(&fa);
    aq_arena *a = aq__arena_create(&al, 0);
    assert_non_null(a);
    size_t before = aq__arena_footprint(a), asked = 0;
    for (size_t i = 1; i < 2000; i++) {
        uint8_t *p = aq__arena_alloc(a, i % 37 + 1);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 8, 0);
        memset(p, 0xab, i % 37 + 1);
        asked += i % 37 + 1;
    }
    /* In use: what was asked plus at most 7 bytes of alignment padding each. */
    assert_true(aq__arena_used(a) >= asked && aq__arena_used(a) <= asked + 7 * 1999);
    void *big = aq__arena_alloc_zero(a, 1 << 20, 16); /* larger than any block so far */
    assert_non_null(big);
    assert_int_equal((uintptr_t)big % 16, 0);
    assert_true(aq__arena_footprint(a) > before + (1 << 20));
    assert_int_equal(fa.live_bytes, aq__arena_footprint(a));
    aq__arena_destroy(a);
    assert_int_equal(fa.live_bytes, 0);
    assert_int_equal(fa.live_blocks, 0);
}

static void test_arena__reset_reuses_blocks(void **state)
{
    (void)state;
    fail_alloc fa;
    fail_alloc_reset(&fa, SIZE_MAX);
    aq_allocator al = fail_alloc_allocator(&fa);
    aq_arena *a = aq__arena_create(&al, 0);
    assert_non_null(a);
    for (int i = 0; i < 100; i++) assert_non_null(aq__arena_alloc(a, 4000));
    size_t settled = aq__arena_footprint(a);
    size_t calls = fa.calls;
    for (int round = 0; round < 10; round++) {
        aq__arena_reset(a);
        for (int i = 0; i < 100; i++) assert_non_null(aq__arena_alloc(a, 4000));
    }
    /* The same work after a reset walks the existing chain: no new blocks. */
    assert_int_equal(fa.calls, calls);
    assert_int_equal(aq__arena_footprint(a), settled);
    aq__arena_destroy(a);
    assert_int_equal(fa.live_bytes, 0);
}

static void test_arena__reports_allocator_failure(void **state)
{
    (void)state;
    fail_alloc fa;
    fail_alloc_reset(&fa, 1); /* the first block succeeds, the second fails */
    aq_allocator al = fail_alloc_allocator(&fa);
    aq_arena *a = aq__arena_create(&al, 0);
    assert_non_null(a);
    assert_false(aq__arena_failed(a));
    assert_null(aq__arena_alloc(a, 1 << 20));
    assert_true(aq__arena_failed(a));
    aq__arena_reset(a);
    assert_false(aq__arena_failed(a));
    assert_null(aq__arena_alloc(a, SIZE_MAX - 8)); /* overflow is a failure, not a wrap */
    aq__arena_destroy(a);
    assert_int_equal(fa.live_bytes, 0);

    fail_alloc_reset(&fa, 0);
    assert_null(aq__arena_create(&al, 0));
    assert_int_equal(fa.live_bytes, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena__aligns_and_grows),
        cmocka_unit_test(test_arena__reset_reuses_blocks),
        cmocka_unit_test(test_arena__reports_allocator_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
