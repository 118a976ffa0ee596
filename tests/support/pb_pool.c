/* SPDX-License-Identifier: Apache-2.0 */
/* protobuf-c messages in a pool, for tests that edit them (pb_pool.h). */
#include "pb_pool.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>

#include <cmocka.h>

#include "actionqueue/snapshot/v1/snapshot.pb-c.h"

void *pool_alloc(void *pool, size_t size)
{
    pool_hdr **head = pool;
    pool_hdr *h = malloc(sizeof *h + size);
    if (h == NULL) return NULL;
    h->next = *head;
    *head = h;
    return h + 1;
}

void *pool_must(pool_hdr **pool, size_t size)
{
    void *p = pool_alloc(pool, size);
    if (p == NULL) {
        print_error("out of memory\n");
        abort(); /* also tells the compiler that p is not NULL below */
    }
    return p;
}

static void pool_free_one(void *pool, void *ptr)
{
    (void)pool; /* released with the pool */
    (void)ptr;
}

void pool_release(pool_hdr **pool)
{
    while (*pool != NULL) {
        pool_hdr *next = (*pool)->next;
        free(*pool);
        *pool = next;
    }
}

ProtobufCMessage *unpack_pooled(pool_hdr **pool, const uint8_t *data, size_t len)
{
    ProtobufCAllocator a = {pool_alloc, pool_free_one, pool};
    return protobuf_c_message_unpack(&actionqueue__snapshot__v1__snapshot__descriptor, &a, len,
                                     data);
}

uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *p = malloc(*len > 0 ? *len : 1);
    assert_non_null(p);
    assert_int_equal(protobuf_c_message_pack(m, p), *len);
    return p;
}
