/* SPDX-License-Identifier: Apache-2.0 */
/* Hash index of records by aq_uuid (see uuid_set.h): open addressing, linear probing. */
#include <string.h>

#include "uuid_set.h"

#define MIN_SLOTS ((size_t)16)

/* Murmur3's 64-bit finalizer: every input bit affects every output bit. */
static uint64_t fmix64(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

uint64_t aq__uuid_hash(const aq_uuid *id)
{
    uint64_t hi, lo;
    memcpy(&hi, id->bytes, 8);
    memcpy(&lo, id->bytes + 8, 8);
    /* Mix one half before combining so that (a, b) and (b, a) differ. */
    return fmix64(lo ^ fmix64(hi + UINT64_C(0x9e3779b97f4a7c15)));
}

aq_status aq__uuid_set_init(aq__uuid_set *set, const aq_allocator *alloc, const aq_uuid *first,
                            size_t stride, size_t max_records, aq_error *err)
{
    memset(set, 0, sizeof *set);
    set->alloc = aq__allocator_or_default(alloc);
    set->first = (const unsigned char *)first;
    set->stride = stride;
    if (max_records == 0) return AQ_OK;
    /* Slots hold a 32-bit index + 1; and the table must stay at most half full. */
    if (max_records >= UINT32_MAX || max_records > SIZE_MAX / 4 / sizeof *set->slots)
        return aq__fail(err, AQ_ENOMEM, AQ_ERR_OUT_OF_MEMORY,
                        "cannot index %zu records for validation", max_records);
    size_t n = MIN_SLOTS;
    while (n < 2 * max_records) n *= 2;
    aq__uuid_slot *slots = set->alloc.alloc(set->alloc.ctx, n * sizeof *slots);
    if (slots == NULL) return aq__fail_oom(err);
    /* Lookups land anywhere in the table: with 4 KiB pages a big one misses the TLB on nearly
     * every lookup, which made validation 16x slower at 10x the records. */
    if (n * sizeof *slots >= AQ__PAGES_BIG) {
        aq__pages_prefer_huge(slots, n * sizeof *slots);
        aq__pages_populate(slots, n * sizeof *slots);
    }
    memset(slots, 0, n * sizeof *slots);
    set->slots = slots;
    set->mask = n - 1;
    return AQ_OK;
}

void aq__uuid_set_fini(aq__uuid_set *set)
{
    if (set->slots != NULL)
        set->alloc.free(set->alloc.ctx, set->slots, (set->mask + 1) * sizeof *set->slots);
    set->slots = NULL;
    set->mask = 0;
}

static const aq_uuid *key_of(const aq__uuid_set *set, size_t record)
{
    return (const aq_uuid *)(set->first + record * set->stride);
}

aq__uuid_set_iter aq__uuid_set_lookup(const aq__uuid_set *set, const aq_uuid *key)
{
    uint64_t h = aq__uuid_hash(key);
    aq__uuid_set_iter it = {set, key, (uint32_t)(h >> 32), (size_t)h & set->mask};
    return it;
}

size_t aq__uuid_set_next(aq__uuid_set_iter *it)
{
    const aq__uuid_set *set = it->set;
    if (set->slots == NULL) return AQ__UUID_SET_NONE;
    for (;;) {
        const aq__uuid_slot *s = &set->slots[it->slot];
        if (s->meta == 0) return AQ__UUID_SET_NONE; /* the slot stays current for a put */
        it->slot = (it->slot + 1) & set->mask;
        /* The tag (high hash bits) settles most mismatches before the key is compared. */
        if ((uint32_t)(s->meta >> 32) != it->tag) continue;
        if (memcmp(s->key.bytes, it->key->bytes, sizeof it->key->bytes) == 0)
            return (size_t)(uint32_t)s->meta - 1;
    }
}

void aq__uuid_set_put(aq__uuid_set *set, const aq__uuid_set_iter *it, size_t record)
{
    aq__uuid_slot *s = &set->slots[it->slot];
    s->meta = (uint64_t)it->tag << 32 | (uint64_t)(record + 1);
    s->key = *key_of(set, record);
}

void aq__uuid_set_prefetch(const aq__uuid_set *set, const aq_uuid *key)
{
#if defined(__GNUC__)
    if (set->slots != NULL) __builtin_prefetch(&set->slots[(size_t)aq__uuid_hash(key) & set->mask]);
#else
    (void)set;
    (void)key;
#endif
}

size_t aq__uuid_set_find(const aq__uuid_set *set, const aq_uuid *key)
{
    aq__uuid_set_iter it = aq__uuid_set_lookup(set, key);
    return aq__uuid_set_next(&it);
}

size_t aq__uuid_set_add_unique(aq__uuid_set *set, size_t record)
{
    aq__uuid_set_iter it = aq__uuid_set_lookup(set, key_of(set, record));
    size_t found = aq__uuid_set_next(&it);
    if (found == AQ__UUID_SET_NONE) aq__uuid_set_put(set, &it, record);
    return found;
}
