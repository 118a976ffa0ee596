/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A hash index of records by the aq_uuid each of them holds, for validation (unique ids, "the
 * task exists" lookups) in linear time.
 *
 * A slot holds a record's index and a copy of its key, so a lookup touches the table only: with
 * a million records the records themselves are far out of cache, and reading one per lookup
 * doubled the misses. Keys are read from the records (the aq_uuid at `first + i * stride`)
 * only when records are added, in order. Open addressing with linear probing, at most half
 * full, sized once for a known number of records and never grown; records are never removed.
 * Several records may share a key (a multiset): lookups visit them in insertion order, so the
 * first match is the record added first.
 */
#ifndef AQSNAP_UUID_SET_H
#define AQSNAP_UUID_SET_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* "No record": what lookups return when nothing (more) matches. */
#define AQ__UUID_SET_NONE SIZE_MAX

/* meta 0: empty; else hash tag << 32 | (record index + 1). */
typedef struct aq__uuid_slot {
    uint64_t meta;
    aq_uuid key;
} aq__uuid_slot;

typedef struct aq__uuid_set {
    aq_allocator alloc;
    aq__uuid_slot *slots;
    size_t mask;                /* slot count - 1 (a power of two); 0 when there is no table */
    const unsigned char *first; /* key of record i: the aq_uuid at first + i * stride */
    size_t stride;
} aq__uuid_set;

/* A lookup in progress: the key and the next slot to look at. */
typedef struct aq__uuid_set_iter {
    const aq__uuid_set *set;
    const aq_uuid *key;
    uint32_t tag;
    size_t slot;
} aq__uuid_set_iter;

/* An empty set for up to `max_records` records whose keys are at `first`, `stride` bytes
 * apart (`first` may be NULL when max_records is 0: nothing is allocated then). AQ_ENOMEM when
 * the allocator fails or max_records cannot be indexed (UINT32_MAX or more). */
aq_status aq__uuid_set_init(aq__uuid_set *set, const aq_allocator *alloc, const aq_uuid *first,
                            size_t stride, size_t max_records, aq_error *err);
/* Release the table. Safe on a set zeroed with {0} or already released. */
void aq__uuid_set_fini(aq__uuid_set *set);

/* The 64-bit hash of an id. Both halves go through a full mixer: ids are often sequential in
 * either half ("0000000a-0000-0000-0000-000000000001"), which plain truncation would cluster. */
uint64_t aq__uuid_hash(const aq_uuid *id);

/* Start a lookup of `key`; aq__uuid_set_next() then yields the matching records. */
aq__uuid_set_iter aq__uuid_set_lookup(const aq__uuid_set *set, const aq_uuid *key);
/* The next record (in insertion order) whose key equals the lookup's, or AQ__UUID_SET_NONE.
 * After NONE the iterator rests on the free slot where aq__uuid_set_put() adds a record. */
size_t aq__uuid_set_next(aq__uuid_set_iter *it);
/* Add `record` (whose key must equal the lookup's) after aq__uuid_set_next() returned NONE.
 * At most max_records records may be added in all. */
void aq__uuid_set_put(aq__uuid_set *set, const aq__uuid_set_iter *it, size_t record);

/* Hint that `key` will be looked up soon: starts loading its slot. A big table misses the
 * cache on nearly every lookup, so callers walking records ask a few records ahead. */
void aq__uuid_set_prefetch(const aq__uuid_set *set, const aq_uuid *key);

/* The first record added with this key, or AQ__UUID_SET_NONE. */
size_t aq__uuid_set_find(const aq__uuid_set *set, const aq_uuid *key);
/* Add `record` unless a record with the same key is there already: returns that record's
 * index, or AQ__UUID_SET_NONE when `record` was added. */
size_t aq__uuid_set_add_unique(aq__uuid_set *set, size_t record);

#endif /* AQSNAP_UUID_SET_H */
