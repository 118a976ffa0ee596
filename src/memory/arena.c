/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bump arena: every record, string and array of a snapshot, and the scratch memory of the
 * codec, comes from one of these. Freeing is all at once.
 *
 * Blocks form a chain in allocation order. aq__arena_reset() rewinds to the first block and
 * later allocations walk the existing chain before asking the allocator for more, so a scratch
 * arena reset once per record settles at the size of the largest record and stays in cache.
 *
 * Big blocks (a decoded snapshot's) prefer huge pages and are mapped a few MiB ahead of the bump
 * pointer (pages.c): `end` is the mapped frontier, `limit` the block's end, and only crossing
 * the frontier leaves the inline path. A lazy allocation moves the frontier past itself without
 * mapping anything: its user maps it as it fills it.
 */
#include <string.h>

#include "internal.h"

#ifdef AQ__ASAN
#include <sanitizer/asan_interface.h>
/* Unused block space is poisoned and every allocation is followed by a poisoned redzone, so an
 * overrun inside the arena is reported instead of silently hitting the next object. */
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#define REDZONE 16u
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#define REDZONE 0u
#endif

#define MIN_BLOCK ((size_t)4096)
#define MAX_GROWTH ((size_t)64 << 20) /* past this, blocks stop doubling */

typedef struct block {
    struct block *next;
    size_t size; /* bytes obtained from the allocator, this header included */
} block;

struct aq_arena {
    aq_allocator alloc;
    block *first;
    block *last;
    block *current; /* the block `cur` points into */
    uint8_t *cur;
    uint8_t *end;   /* allocations stay below this: `limit`, or the mapped part of a big block */
    uint8_t *limit; /* end of the current block */
    size_t footprint;
    size_t used; /* bytes handed out, alignment padding included */
    bool failed;
};

#define HEADER_SIZE ((sizeof(block) + 15u) & ~(size_t)15u)

/* void *: the start is 16-byte aligned (HEADER_SIZE is), so any object may live there. */
static void *block_start(block *b)
{
    return (uint8_t *)b + HEADER_SIZE;
}

static uint8_t *block_end(block *b)
{
    return (uint8_t *)b + b->size;
}

static block *block_new(aq_arena *a, size_t size)
{
    block *b = a->alloc.alloc(a->alloc.ctx, size);
    if (b == NULL) return NULL;
    b->next = NULL;
    b->size = size;
    POISON(block_start(b), size - HEADER_SIZE);
    if (size >= AQ__PAGES_BIG) aq__pages_prefer_huge(b, size);
    return b;
}

/* Make `cur` the start of usable memory in b (from `from`) up to its end. */
static void enter(aq_arena *a, block *b, uint8_t *from)
{
    a->current = b;
    a->cur = from;
    a->limit = block_end(b);
    /* A big block is mapped as it fills (map_ahead), a small one faults as usual. */
    a->end = b->size >= AQ__PAGES_BIG ? from : a->limit;
}

/* Map the next stretch of a big block: at least `need` bytes past cur, or up to its end. */
static void map_ahead(aq_arena *a, size_t need)
{
    uint8_t *want = (size_t)(a->limit - a->cur) > need + AQ__PAGES_AHEAD
                        ? a->cur + need + AQ__PAGES_AHEAD
                        : a->limit;
    aq__pages_populate(a->end, (size_t)(want - a->end));
    a->end = want;
}

aq_arena *aq__arena_create(const aq_allocator *alloc, size_t first_block_hint)
{
    aq_allocator al = aq__allocator_or_default(alloc);
    size_t self = (sizeof(aq_arena) + 15u) & ~(size_t)15u;
    size_t size = first_block_hint;
    if (size < MIN_BLOCK) size = MIN_BLOCK;
    if (size > SIZE_MAX - HEADER_SIZE - self) return NULL;
    size += HEADER_SIZE + self;

    block *b = al.alloc(al.ctx, size);
    if (b == NULL) return NULL;
    b->next = NULL;
    b->size = size;
    aq_arena *a = (aq_arena *)block_start(b);
    a->alloc = al;
    a->first = a->last = b;
    a->footprint = size;
    a->used = 0;
    a->failed = false;
    if (size >= AQ__PAGES_BIG) aq__pages_prefer_huge(b, size);
    enter(a, b, (uint8_t *)block_start(b) + self);
    POISON(a->cur, (size_t)(a->limit - a->cur));
    return a;
}

void aq__arena_destroy(aq_arena *a)
{
    if (a == NULL) return;
    aq_allocator al = a->alloc;
    block *b = a->first->next;
    while (b != NULL) {
        block *next = b->next;
        UNPOISON(b, b->size);
        al.free(al.ctx, b, b->size);
        b = next;
    }
    block *first = a->first;
    UNPOISON(first, first->size);
    al.free(al.ctx, first, first->size); /* the arena itself lives here: free it last */
}

/* Move to a block with room for `need` bytes: the next one in the chain when it is big enough,
 * else a new one at the tail. */
static bool advance(aq_arena *a, size_t need)
{
    for (block *b = a->current->next; b != NULL; b = b->next) {
        if ((size_t)(block_end(b) - (uint8_t *)block_start(b)) >= need) {
            enter(a, b, block_start(b));
            return true;
        }
    }
    size_t grow = a->footprint < MAX_GROWTH ? a->footprint : MAX_GROWTH;
    if (need > SIZE_MAX - HEADER_SIZE) return false;
    size_t size = need + HEADER_SIZE;
    if (size < grow) size = grow;
    block *b = block_new(a, size);
    if (b == NULL) return false;
    a->last->next = b;
    a->last = b;
    a->footprint += size;
    enter(a, b, block_start(b));
    return true;
}

static void *bump(aq_arena *a, size_t size, size_t align, bool lazy)
{
    uintptr_t p = ((uintptr_t)a->cur + (align - 1)) & ~(uintptr_t)(align - 1);
    size_t pad = (size_t)(p - (uintptr_t)a->cur);
    if (AQ__UNLIKELY(size > SIZE_MAX - REDZONE - pad - align)) {
        a->failed = true;
        return NULL;
    }
    if (AQ__UNLIKELY((size_t)(a->end - a->cur) < pad + size + REDZONE)) {
        if ((size_t)(a->limit - a->cur) < pad + size + REDZONE) {
            if (!advance(a, size + REDZONE + align)) {
                a->failed = true;
                return NULL;
            }
            p = ((uintptr_t)a->cur + (align - 1)) & ~(uintptr_t)(align - 1);
            pad = (size_t)(p - (uintptr_t)a->cur);
        }
        /* The block has room; a big one may still need its next stretch mapped. Either way
         * `end` must end up past this allocation, or the fast path's unsigned check breaks. */
        size_t need = pad + size + REDZONE;
        if ((size_t)(a->end - a->cur) < need) {
            if (lazy)
                a->end = a->cur + need; /* its user maps it as it fills it */
            else
                map_ahead(a, need);
        }
    }
    a->cur += pad + size + REDZONE;
    a->used += pad + size;
    UNPOISON((void *)p, size);
    return (void *)p;
}

void *aq__arena_alloc(aq_arena *a, size_t size)
{
    return bump(a, size, 8, false);
}

void *aq__arena_alloc_lazy(aq_arena *a, size_t size)
{
    return bump(a, size, 8, true);
}

void *aq__arena_alloc_bytes(aq_arena *a, size_t size)
{
    return bump(a, size, 1, false);
}

void *aq__arena_alloc_zero(aq_arena *a, size_t size, size_t align)
{
    void *p = bump(a, size, align, false);
    if (p != NULL) memset(p, 0, size);
    return p;
}

void aq__arena_reset(aq_arena *a)
{
    size_t self = (sizeof(aq_arena) + 15u) & ~(size_t)15u;
    enter(a, a->first, (uint8_t *)block_start(a->first) + self);
    a->used = 0;
    a->failed = false;
    for (block *b = a->first; b != NULL; b = b->next) {
        uint8_t *start = b == a->first ? a->cur : (uint8_t *)block_start(b);
        POISON(start, (size_t)(block_end(b) - start));
    }
}

size_t aq__arena_footprint(const aq_arena *a)
{
    return a->footprint;
}

size_t aq__arena_used(const aq_arena *a)
{
    return a->used;
}

bool aq__arena_failed(const aq_arena *a)
{
    return a->failed;
}

void aq__arena_set_allocator(aq_arena *a, aq_allocator alloc)
{
    a->alloc = alloc;
}
