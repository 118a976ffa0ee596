/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A hash map from aq_uuid to the index of the first record that held it, for validation's
 * cross-record rules (unique ids, "the task exists") in linear time.
 *
 * A slot holds a copy of the key and the record's index, so a lookup touches the table only
 * (with a million records the records are far out of cache) and the records may be gone by the
 * time of the lookup, as in a streaming read. Open addressing with linear probing, a power of
 * two of 24-byte slots at most half full: 48 to 96 bytes per id. The table grows by doubling as
 * records are added; a caller that knows the number of records sizes it once up front.
 */
#ifndef AQSNAP_UUID_SET_H
#define AQSNAP_UUID_SET_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* "No record": what lookups return when nothing matches. */
#define AQ__UUID_SET_NONE SIZE_MAX

/* meta 0: empty; else hash tag << 32 | (record index + 1). */
typedef struct aq__uuid_slot {
    uint64_t meta;
    aq_uuid key;
} aq__uuid_slot;

typedef struct aq__uuid_set {
    aq_allocator alloc;
    aq__uuid_slot *slots;
    size_t mask;  /* slot count - 1 (a power of two); 0 when there is no table */
    size_t count; /* keys held */
} aq__uuid_set;

/* An empty set that uses `alloc` (NULL: malloc/free). Allocates nothing. */
void aq__uuid_set_init(aq__uuid_set *set, const aq_allocator *alloc);

/* Room for `n` keys in all without growing. AQ_ENOMEM when the allocator fails or n cannot be
 * indexed (UINT32_MAX or more). */
aq_status aq__uuid_set_reserve(aq__uuid_set *set, size_t n, aq_error *err);

/* Release the table. Safe on a set zeroed with {0} or already released. */
void aq__uuid_set_fini(aq__uuid_set *set);

/* The 64-bit hash of an id. Both halves go through a full mixer: ids are often sequential in
 * either half ("0000000a-0000-0000-0000-000000000001"), which plain truncation would cluster. */
uint64_t aq__uuid_hash(const aq_uuid *id);

/* Hint that `key` will be looked up soon: starts loading its slot. A big table misses the
 * cache on nearly every lookup, so callers walking records ask a few records ahead. */
void aq__uuid_set_prefetch(const aq__uuid_set *set, const aq_uuid *key);

/* The index of the record that added `key`, or AQ__UUID_SET_NONE. */
size_t aq__uuid_set_find(const aq__uuid_set *set, const aq_uuid *key);

/* Add `key` for `record` unless it is there already: returns the index of the record that
 * added it, or AQ__UUID_SET_NONE when `record` did. Needs room (aq__uuid_set_reserve). */
size_t aq__uuid_set_add_unique(aq__uuid_set *set, const aq_uuid *key, size_t record);

#endif /* AQSNAP_UUID_SET_H */
