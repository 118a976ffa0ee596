/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file aqsnap/alloc.h
 * Pluggable memory allocation. Every byte the library allocates goes through an ::aq_allocator
 * chosen per call (NULL means the C library's malloc and free); there is no global hook. Two
 * exceptions: with a NULL allocator, the loader reads a payload of 1 MiB or more into an anonymous
 * mapping of its own (released before it returns; see aq_load_options), and the engine-JSON
 * reader's parser buffers come from C++ operator new.
 */
#ifndef AQSNAP_ALLOC_H
#define AQSNAP_ALLOC_H

#include <stddef.h>

#include "aqsnap/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A memory allocator.
 *
 * `alloc` returns memory aligned for any object type (like malloc) or NULL on failure; the
 * library turns NULL into AQ_ENOMEM and releases what it had. `free` receives the size that was
 * requested for the block (never NULL pointers). The allocator must outlive every object
 * allocated through it. The library calls it from the calling thread only.
 */
typedef struct aq_allocator {
    void *(*alloc)(void *ctx, size_t size);
    void (*free)(void *ctx, void *ptr, size_t size);
    void *ctx;
} aq_allocator;

#ifdef __cplusplus
}
#endif

#endif /* AQSNAP_ALLOC_H */
