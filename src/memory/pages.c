/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Page hints for big buffers. First touches of fresh memory fault one 4 KiB page at a time, and
 * on virtual machines a fault can cost more than decoding what the page holds (measured here:
 * ~10 us, so a 100k-task snapshot spent 3/4 of its decode in faults). Large arena blocks and
 * output buffers therefore ask the kernel for transparent huge pages and map their next few MiB
 * in one madvise call as they fill. Both are hints: a kernel that refuses is simply not asked
 * again, and the memory works the same.
 */
#define _DEFAULT_SOURCE 1 /* madvise and its Linux advice values are beyond POSIX */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

#if defined(__linux__)
#include <sys/mman.h>
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
#endif

#define PAGE ((uintptr_t)4096)
#define HUGE_PAGE ((uintptr_t)2 << 20)

#if defined(__linux__)
/* Cleared the first time the kernel says it does not know the advice. */
static _Atomic int populate_works = 1;
static _Atomic int huge_works = 1;

static void advise(uintptr_t b, uintptr_t e, int advice, _Atomic int *works)
{
    if (e <= b || !*works) return;
    int saved = errno;
    if (madvise((void *)b, e - b, advice) != 0 && errno == EINVAL) *works = 0;
    errno = saved;
}
#endif

void aq__pages_prefer_huge(void *p, size_t n)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    /* Only whole huge pages inside the range: the advice applies to the pages it covers. */
    uintptr_t b = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    uintptr_t e = ((uintptr_t)p + n) & ~(HUGE_PAGE - 1);
    advise(b, e, MADV_HUGEPAGE, &huge_works);
#else
    (void)p;
    (void)n;
#endif
}

void aq__pages_discard(void *p, size_t n)
{
#if defined(__linux__)
    /* Only pages wholly inside the range: the bytes around it may belong to someone else. */
    uintptr_t b = ((uintptr_t)p + PAGE - 1) & ~(PAGE - 1);
    uintptr_t e = ((uintptr_t)p + n) & ~(PAGE - 1);
    static _Atomic int discard_works = 1;
    advise(b, e, MADV_DONTNEED, &discard_works);
#else
    (void)p;
    (void)n;
#endif
}

void aq__pages_populate(void *p, size_t n)
{
#if defined(__linux__)
    /* Whole pages touched by the range: mapping a page writes nothing to it. */
    uintptr_t b = (uintptr_t)p & ~(PAGE - 1);
    uintptr_t e = ((uintptr_t)p + n + PAGE - 1) & ~(PAGE - 1);
    advise(b, e, MADV_POPULATE_WRITE, &populate_works);
#else
    (void)p;
    (void)n;
#endif
}

void *aq__pages_map(size_t n)
{
#if defined(__linux__)
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    aq__pages_prefer_huge(p, n);
    aq__pages_populate(p, n);
    return p;
#else
    return malloc(n);
#endif
}

void aq__pages_unmap(void *p, size_t n)
{
#if defined(__linux__)
    if (p != NULL) (void)munmap(p, n);
#else
    (void)n;
    free(p);
#endif
}
