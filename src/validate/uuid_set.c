/* SPDX-License-Identifier: Apache-2.0 */
/* Hash map of aq_uuid to record index (see uuid_set.h): open addressing, linear probing. */
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

void aq__uuid_set_init(aq__uuid_set *set, const aq_allocator *alloc)
{
    memset(set, 0, sizeof *set);
    set->alloc = aq__allocator_or_default(alloc);
}

void aq__uuid_set_fini(aq__uuid_set *set)
{
    if (set->slots != NULL)
        set->alloc.free(set->alloc.ctx, set->slots, (set->mask + 1) * sizeof *set->slots);
    set->slots = NULL;
    set->mask = 0;
    set->count = 0;
}

/* The free slot where `key` goes, or the slot holding it. */
static aq__uuid_slot *slot_of(const aq__uuid_set *set, const aq_uuid *key, uint32_t *tag)
{
    uint64_t h = aq__uuid_hash(key);
    *tag = (uint32_t)(h >> 32);
    for (size_t i = (size_t)h & set->mask;; i = (i + 1) & set->mask) {
        aq__uuid_slot *s = &set->slots[i];
        if (s->meta == 0) return s;
        /* The tag (high hash bits) settles most mismatches before the key is compared. */
        if ((uint32_t)(s->meta >> 32) == *tag &&
            memcmp(s->key.bytes, key->bytes, sizeof key->bytes) == 0)
            return s;
    }
}

aq_status aq__uuid_set_reserve(aq__uuid_set *set, size_t n, aq_error *err)
{
    if (set->slots != NULL && n <= (set->mask + 1) / 2) return AQ_OK;
    /* Slots hold a 32-bit index + 1; and the table must stay at most half full. */
    if (n >= UINT32_MAX || n > SIZE_MAX / 4 / sizeof *set->slots)
        return aq__fail(err, AQ_ENOMEM, AQ_ERR_OUT_OF_MEMORY,
                        "cannot index %zu records for validation", n);
    size_t slots_n = MIN_SLOTS;
    while (slots_n < 2 * n) slots_n *= 2;
    size_t bytes = slots_n * sizeof(aq__uuid_slot);
    aq__uuid_slot *slots = set->alloc.alloc(set->alloc.ctx, bytes);
    if (slots == NULL) return aq__fail_oom(err);
    /* Lookups land anywhere in the table: with 4 KiB pages a big one misses the TLB on nearly
     * every lookup, which made validation 16x slower at 10x the records. */
    if (bytes >= AQ__PAGES_BIG) {
        aq__pages_prefer_huge(slots, bytes);
        aq__pages_populate(slots, bytes);
    }
    memset(slots, 0, bytes);
    aq__uuid_set old = *set;
    set->slots = slots;
    set->mask = slots_n - 1;
    for (size_t i = 0; old.slots != NULL && i <= old.mask; i++) {
        if (old.slots[i].meta == 0) continue;
        uint32_t tag;
        *slot_of(set, &old.slots[i].key, &tag) = old.slots[i];
    }
    if (old.slots != NULL) old.alloc.free(old.alloc.ctx, old.slots, (old.mask + 1) * sizeof *old.slots);
    return AQ_OK;
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
    if (set->slots == NULL) return AQ__UUID_SET_NONE;
    uint32_t tag;
    const aq__uuid_slot *s = slot_of(set, key, &tag);
    return s->meta == 0 ? AQ__UUID_SET_NONE : (size_t)(uint32_t)s->meta - 1;
}

size_t aq__uuid_set_add_unique(aq__uuid_set *set, const aq_uuid *key, size_t record)
{
    uint32_t tag;
    aq__uuid_slot *s = slot_of(set, key, &tag);
    if (s->meta != 0) return (size_t)(uint32_t)s->meta - 1;
    s->meta = (uint64_t)tag << 32 | (uint64_t)(record + 1);
    s->key = *key;
    set->count++;
    return AQ__UUID_SET_NONE;
}
