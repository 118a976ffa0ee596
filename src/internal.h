/*
 * Declarations shared by the library's source files (and white-box tests). Never installed.
 * Names are aq__<module>_<name>: internal, never exported (the build hides them).
 */
#ifndef AQSNAP_INTERNAL_H
#define AQSNAP_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aqsnap/alloc.h"
#include "aqsnap/codec.h"
#include "aqsnap/error.h"
#include "aqsnap/model.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define AQ__PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define AQ__LIKELY(x) __builtin_expect(!!(x), 1)
#define AQ__UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define AQ__PRINTF(fmt, args)
#define AQ__LIKELY(x) (x)
#define AQ__UNLIKELY(x) (x)
#endif

/* ---- errors (error.c) ------------------------------------------------------------------- */

/* Record a failure in err (never NULL inside the library) and return its status. */
aq_status aq__fail(aq_error *err, aq_status status, aq_error_kind kind, const char *fmt, ...)
    AQ__PRINTF(4, 5);
aq_status aq__vfail(aq_error *err, aq_status status, aq_error_kind kind, const char *fmt,
                    va_list ap) AQ__PRINTF(4, 0);
aq_status aq__fail_oom(aq_error *err);

/* Paths are built while a failure unwinds, so the success path pays nothing: the innermost
 * converter names its field, each caller prepends its own segment. */
void aq__error_prefix(aq_error *err, const char *field);
void aq__error_prefix_index(aq_error *err, const char *field, size_t index);

/* At the end of a public call: put the path in front of the message ("runs[3].run_instance.
 * state: ...") so that the message reads on its own. Returns st. */
aq_status aq__error_finish(aq_error *err, aq_status st);

/* Public entry points accept err == NULL; internals always get a real one. */
#define AQ__ERR_OR_LOCAL(err, local) ((err) != NULL ? (err) : (local))

/* Reset err to "success" at the start of a public call. */
void aq__error_clear(aq_error *err);

#define AQ_TRY(expr)                                                                            \
    do {                                                                                        \
        aq_status aq__st = (expr);                                                              \
        if (AQ__UNLIKELY(aq__st != AQ_OK)) return aq__st;                                       \
    } while (0)

/* ---- allocation (alloc.c) ---------------------------------------------------------------- */

/* The allocator to use: `a` itself, or malloc/free when `a` is NULL. */
aq_allocator aq__allocator_or_default(const aq_allocator *a);

/* ---- arena (arena.c) ----------------------------------------------------------------------- */

/* Bump allocator over blocks from an aq_allocator. The aq_arena struct lives in its first
 * block, so creating one is a single allocation. Not thread-safe. */
aq_arena *aq__arena_create(const aq_allocator *alloc, size_t first_block_hint);
void aq__arena_destroy(aq_arena *arena);
/* 8-byte aligned, uninitialised; NULL when the allocator fails or size overflows. */
void *aq__arena_alloc(aq_arena *arena, size_t size);
/* Aligned for any type (alignof(max_align_t)), zeroed. */
void *aq__arena_alloc_zero(aq_arena *arena, size_t size, size_t align);
/* Forget everything allocated, keep one block big enough for what was used (scratch reuse). */
void aq__arena_reset(aq_arena *arena);
/* Bytes obtained from the allocator, block headers included. */
size_t aq__arena_footprint(const aq_arena *arena);
/* True when the last allocation failed for lack of memory (protobuf-c reports only NULL). */
bool aq__arena_failed(const aq_arena *arena);

/* ---- unknown fields (unknown.c) ---------------------------------------------------------- */

/* Raw bytes of a message's unknown fields plus, for nested messages that have no native
 * struct of their own (oneof variants, StringList), theirs, keyed by field number. */
typedef struct aq__unknown_child {
    uint32_t field_number;
    const aq_unknown *unknown;
} aq__unknown_child;

struct aq_unknown {
    aq_bytes fields;
    const aq__unknown_child *children;
    size_t child_count;
};

/* ---- UTF-8 (utf8.c) ------------------------------------------------------------------------- */

/* Offset of the first byte that breaks UTF-8 validity, or len when the text is valid. */
size_t aq__utf8_invalid_at(const char *text, size_t len);

/* ---- codec (codec.c) ----------------------------------------------------------------------- */

/* aq_snapshot_encode() leaving `reserve` bytes free in front of the message (for an envelope
 * header), so that writers need no second copy. */
aq_status aq__snapshot_encode_reserving(const aq_snapshot *snap, const aq_allocator *alloc,
                                        size_t reserve, aq_buffer *out, aq_error *err);

/* ---- snapshot lifecycle (snapshot.c) ------------------------------------------------------ */

/* A new empty snapshot inside a fresh arena sized for about `hint` bytes of records. */
aq_status aq__snapshot_create(const aq_allocator *alloc, size_t hint, aq_snapshot **out,
                              aq_error *err);

#ifdef __cplusplus
}
#endif

#endif /* AQSNAP_INTERNAL_H */
