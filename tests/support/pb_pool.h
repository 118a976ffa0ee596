/* SPDX-License-Identifier: Apache-2.0 */
/*
 * protobuf-c messages for tests that edit them: unpacked into a pool that is released at once (so
 * that edits, which point fields at static or pooled memory, never need freeing message by
 * message), and packed again.
 */
#ifndef AQ_TEST_PB_POOL_H
#define AQ_TEST_PB_POOL_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

typedef union pool_hdr {
    union pool_hdr *next;
    max_align_t align;
} pool_hdr;

/* `size` bytes from the pool at *pool (a ProtobufCAllocator's alloc); NULL when out of memory. */
void *pool_alloc(void *pool, size_t size);
/* The same for the test's own additions to a message tree: out of memory aborts the test. */
void *pool_must(pool_hdr **pool, size_t size);
/* Free everything the pool holds. */
void pool_release(pool_hdr **pool);

/* A Snapshot message unpacked into the pool; NULL when protobuf-c refuses the bytes. */
ProtobufCMessage *unpack_pooled(pool_hdr **pool, const uint8_t *data, size_t len);
/* The message packed into a malloc'ed buffer of *len bytes (the test fails if it cannot be). */
uint8_t *pack(const ProtobufCMessage *m, size_t *len);

#endif
