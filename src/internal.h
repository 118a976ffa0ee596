/* SPDX-License-Identifier: Apache-2.0 */
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

/* AQ__ASAN: built with AddressSanitizer (gcc says so one way, clang another). */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AQ__ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(AQ__ASAN)
#define AQ__ASAN 1
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
/* A system call's failure: AQ_EIO / AQ_ERR_SYSCALL, "<call> <name>: <strerror>" (name NULL:
 * "<call> failed: <strerror>"), with sys_errno. */
aq_status aq__fail_sys(aq_error *err, int errnum, const char *call, const char *name);

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

/* A load's memory budget: an allocator over `inner` that counts live bytes and refuses (returns
 * NULL) any request that would take them over `limit`, remembering the first refusal so that the
 * failure is reported as AQ_ERR_MEMORY_LIMIT rather than as the system running out. Memory that
 * bypasses allocators (the loader's own mapping, simdjson's parser buffers) is charged to it
 * explicitly. Not thread-safe, like the rest of a load. */
typedef struct aq__budget {
    aq_allocator inner;
    uint64_t limit;
    uint64_t live;
    uint64_t peak;
    uint64_t refused;      /* size of the first refused request; 0 while none was */
    uint64_t refused_live; /* live bytes when it was refused */
} aq__budget;

void aq__budget_init(aq__budget *b, const aq_allocator *inner, uint64_t limit);
/* Allocations through this are charged; its frees give the bytes back. */
aq_allocator aq__budget_allocator(aq__budget *b);
/* The budget behind an allocator made by aq__budget_allocator(), else NULL (a->ctx is only
 * trusted when a->alloc is the budget's own function). Lets the decoders find the budget
 * without a parameter of its own. */
aq__budget *aq__budget_of(const aq_allocator *a);
/* Charge n bytes taken outside the allocator; false (and a recorded refusal) when over the
 * limit. A NULL budget accepts everything. */
bool aq__budget_charge(aq__budget *b, size_t n);
void aq__budget_release(aq__budget *b, size_t n);
/* The AQ_ELIMIT / AQ_ERR_MEMORY_LIMIT failure of a budget that refused a request. */
aq_status aq__budget_fail(const aq__budget *b, aq_error *err);

/* ---- page hints (pages.c) -------------------------------------------------------------------- */

/* Below this, buffers are left to ordinary page faults. */
#define AQ__PAGES_BIG ((size_t)1 << 20)
/* How far ahead big buffers are mapped as they fill. */
#define AQ__PAGES_AHEAD ((size_t)1 << 20)

/* Ask for transparent huge pages for [p, p + n) (the whole 2 MiB pages inside it). */
void aq__pages_prefer_huge(void *p, size_t n);
/* Map the pages of [p, p + n) now, in one call, instead of one fault per page later. */
void aq__pages_populate(void *p, size_t n);
/* Give the whole pages inside [p, p + n) back to the kernel: their content is no longer needed
 * (they read as zeros if touched again). Only for memory the library owns. */
void aq__pages_discard(void *p, size_t n);
/* A buffer of n bytes (n >= AQ__PAGES_BIG) that is a private mapping of its own: fresh pages every
 * time, huge where the kernel allows, mapped in one call. NULL when the system refuses. Released
 * with aq__pages_unmap(p, n). Where there is no mmap it is malloc. */
void *aq__pages_map(size_t n);
void aq__pages_unmap(void *p, size_t n);

/* ---- growable output buffer (outbuf.c) -------------------------------------------------------- */

/* Bytes being produced (encoders). `ready` is how far the buffer is usable without a call: the
 * capacity, or for a big buffer the part mapped so far, so the inline fast path stays one
 * comparison and the slow path maps the next stretch (or grows by doubling). */
typedef struct aq__outbuf {
    aq_allocator alloc;
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t ready;
} aq__outbuf;

aq_status aq__outbuf_grow(aq__outbuf *o, size_t more, aq_error *err);
/* An empty buffer with room for about `guess` bytes (only its start is mapped yet) and
 * `reserve` bytes set aside in front (left uninitialised, for an envelope header). */
aq_status aq__outbuf_start(aq__outbuf *o, const aq_allocator *alloc, size_t reserve,
                           size_t guess, aq_error *err);

static inline aq_status aq__outbuf_reserve(aq__outbuf *o, size_t more, aq_error *err)
{
    if (AQ__LIKELY(o->ready - o->len >= more)) return AQ_OK;
    return aq__outbuf_grow(o, more, err);
}

/* Hand the bytes over as an aq_buffer (the outbuf is left empty), or free them. */
void aq__outbuf_finish(aq__outbuf *o, aq_buffer *out);
void aq__outbuf_free(aq__outbuf *o);

/* ---- arena (arena.c) ----------------------------------------------------------------------- */

/* Bump allocator over blocks from an aq_allocator. The aq_arena struct lives in its first
 * block, so creating one is a single allocation. Not thread-safe. */
aq_arena *aq__arena_create(const aq_allocator *alloc, size_t first_block_hint);
void aq__arena_destroy(aq_arena *arena);
/* 8-byte aligned, uninitialised; NULL when the allocator fails or size overflows. */
void *aq__arena_alloc(aq_arena *arena, size_t size);
/* The same, but never mapped ahead: for a big list sized from untrusted counts, whose pages its
 * user maps (aq__pages_populate) as records fill it, so that nothing is touched for records that
 * never decode. */
void *aq__arena_alloc_lazy(aq_arena *arena, size_t size);
/* Unaligned, for text and bytes: no padding between strings. */
void *aq__arena_alloc_bytes(aq_arena *arena, size_t size);
/* Aligned for any type (alignof(max_align_t)), zeroed. */
void *aq__arena_alloc_zero(aq_arena *arena, size_t size, size_t align);
/* Forget everything allocated, keep one block big enough for what was used (scratch reuse). */
void aq__arena_reset(aq_arena *arena);
/* Bytes obtained from the allocator, block headers included. */
size_t aq__arena_footprint(const aq_arena *arena);
/* Bytes handed out since creation or the last reset (what the records occupy). */
size_t aq__arena_used(const aq_arena *arena);
/* True when the last allocation failed for lack of memory (protobuf-c reports only NULL). */
bool aq__arena_failed(const aq_arena *arena);
/* Change the allocator that later blocks come from and that frees every block: a load builds
 * the snapshot through its budget (aq__budget) and hands it over with the caller's allocator,
 * which the budget wraps. */
void aq__arena_set_allocator(aq_arena *arena, aq_allocator alloc);

/* ---- unknown fields (protobuf/pb_unknown.c) ---------------------------------------------------------- */

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

/* aq_snapshot_decode() of a buffer the caller owns and no longer needs: pages already decoded are
 * given back to the kernel along the way (its content is garbage afterwards). err not NULL. */
aq_status aq__snapshot_decode_consuming(uint8_t *data, size_t len, const aq_allocator *alloc,
                                        aq_snapshot **out, aq_error *err);
/* aq_snapshot_encode() leaving `reserve` bytes free in front of the message (for an envelope
 * header), so that writers need no second copy. */
aq_status aq__snapshot_encode_reserving(const aq_snapshot *snap, const aq_allocator *alloc,
                                        size_t reserve, aq_buffer *out, aq_error *err);

/* ---- envelope (envelope.c) --------------------------------------------------------------- */

/* CRC-32 (zlib) of any length. */
uint32_t aq__crc32(const uint8_t *data, size_t len);
/* The CRC-32 of what `crc` covered followed by data[0..len) (crc 0: of nothing yet). */
uint32_t aq__crc32_update(uint32_t crc, const uint8_t *data, size_t len);
/* Write the 12-byte header for `len` payload bytes that follow it at hdr + 12. */
void aq__envelope_seal(uint8_t *hdr, uint32_t frame_version, size_t len);
/* The 12-byte header of a payload of `len` bytes whose CRC-32 is `crc`. */
void aq__envelope_header(uint8_t *hdr, uint32_t frame_version, size_t len, uint32_t crc);
/* The largest payload for a max_payload option: 0 means AQ_DEFAULT_MAX_PAYLOAD, and nothing is
 * over what the envelope's u32 length holds. */
uint64_t aq__payload_cap(uint64_t max_payload);
/* What a snapshot image of `size` bytes is, from its first n = min(size, 12) bytes (n >= 1), with
 * every size check that needs no payload byte (the rule is in file.h; max_payload as returned by
 * aq__payload_cap): an envelope (info->framed,
 * the payload follows the 12 bytes, then info->trailing bytes nobody reads) or a bare JSON
 * document (the payload is the whole image). Fills info (crc32 as the header states it). */
struct aq_load_info;
aq_status aq__envelope_read(const uint8_t *p, size_t n, uint64_t size, uint64_t max_payload,
                            struct aq_load_info *info, aq_error *err);
/* For a stream, whose size is known only at its end: from its first 12 bytes, the image size
 * (header included) a known header announces, or 0 for a bare JSON document; any other start
 * cannot load, and fails here as aq__envelope_read() would fail it. */
aq_status aq__envelope_peek(const uint8_t *hdr, uint64_t max_payload, uint64_t *image_size,
                            aq_error *err);
/* The AQ_ERR_TRAILING_DATA problem: `extra` bytes after a `len`-byte payload. */
aq_status aq__trailing(aq_error *err, uint32_t len, uint64_t extra);

/* ---- writing files (file_write.c) ------------------------------------------------------------- */

struct aq_write_options;
/* The caller's write options (NULL, version 1 or 2) with every default filled in and checked. */
aq_status aq__write_options(const struct aq_write_options *in, struct aq_write_options *o,
                            aq_error *err);

/* ---- opening and reading files (file_load.c) ------------------------------------------------ */

/* Open `path` for reading without blocking (a FIFO), AQ_NO_SNAPSHOT when it does not exist. */
aq_status aq__file_open_read(const char *path, int *fd, aq_error *err);
/* The size of the open file: AQ_EINVAL / AQ_ERR_NOT_A_FILE unless it is a regular file,
 * AQ_NO_SNAPSHOT when it is empty. */
aq_status aq__file_size(int fd, uint64_t *size, aq_error *err);
/* Read up to n bytes (fewer only at end of file). */
aq_status aq__file_read_full(int fd, uint8_t *buf, size_t n, size_t *got, aq_error *err);

/* ---- system calls (sys.c) -------------------------------------------------------------------- */

/* Every system call the file layer makes goes through this table, so that tests can make any of
 * them fail (SQLite's aSyscall idea). Production code never changes it. Paths are relative to a
 * directory descriptor (AT_FDCWD for the caller's paths) so the writer works inside the target's
 * directory only. */
struct stat;
typedef struct aq__sys_table {
    int (*openat)(int dir, const char *path, int flags, unsigned mode);
    long (*read)(int fd, void *buf, size_t n);
    long (*write)(int fd, const void *buf, size_t n);
    int (*fsync)(int fd);
    int (*close)(int fd);
    int (*renameat)(int from_dir, const char *from, int to_dir, const char *to);
    int (*unlinkat)(int dir, const char *path, int flags);
    int (*fstat)(int fd, struct stat *st);
    int (*fstatat)(int dir, const char *path, struct stat *st, int flags);
    /* flock(fd, LOCK_EX | LOCK_NB): an exclusive advisory lock, without waiting. */
    int (*try_lock)(int fd);
    /* fcntl(fd, F_DUPFD_CLOEXEC, 0). */
    int (*dup)(int fd);
    int (*fchmod)(int fd, unsigned mode);
    int (*fchown)(int fd, unsigned uid, unsigned gid);
    long (*pwrite)(int fd, const void *buf, size_t n, uint64_t offset);
} aq__sys_table;

extern aq__sys_table aq__sys;
/* What a file that is not a regular one is, from its st_mode: "a directory", "a FIFO (named
 * pipe)", ... for messages. */
const char *aq__file_type(unsigned mode);
/* The real calls, to restore the table after a test. */
extern const aq__sys_table aq__sys_default;

/* ---- snapshot lifecycle (snapshot.c) ------------------------------------------------------ */

/* A new empty snapshot inside a fresh arena sized for about `hint` bytes of records. */
aq_status aq__snapshot_create(const aq_allocator *alloc, size_t hint, aq_snapshot **out,
                              aq_error *err);

/* ---- engine JSON (json_read.cc, json_write.c) ------------------------------------------- */

/* Bytes of readable padding simdjson needs after the JSON text (SIMDJSON_PADDING). */
#define AQ__JSON_PADDING ((size_t)64)

/* Decode JSON at data[0..len) where data[len..capacity) is readable padding (capacity - len >=
 * AQ__JSON_PADDING; its content does not matter), so no copy is needed. err must not be NULL;
 * on failure the message starts with the path (aq__error_finish is applied). */
aq_status aq__snapshot_decode_json_padded(const uint8_t *data, size_t len, size_t capacity,
                                          const aq_allocator *alloc, aq_snapshot **out,
                                          aq_error *err);

/* aq_snapshot_encode_json() with `reserve` free bytes in front of the JSON (room for the 12-byte
 * envelope header): out->data[0..reserve) is uninitialised, the JSON follows, out->len counts
 * both. err must not be NULL. */
aq_status aq__snapshot_encode_json_reserving(const aq_snapshot *snap, const aq_allocator *alloc,
                                             uint32_t flags, size_t reserve, aq_buffer *out,
                                             aq_error *err);

/* An engine JSON document read a top-level field at a time (json_read.cc), for the streaming
 * reader: the fields that are not lists are read into `head` (in its arena), each record of a
 * list is handed to item(), valid during the call. The fields must come in declaration order
 * (else AQ_EDECODE / AQ_ERR_STREAM_ORDER). A failure of a callback is returned as it is; the
 * caller keeps its error apart, since the reader prefixes paths to err while unwinding. */
typedef struct aq__json_stream {
    /* The next n bytes of the text into buf (all of them, or a failure). */
    aq_status (*read)(void *ctx, uint8_t *buf, size_t n);
    /* List field `number` begins: the fields before it that are not lists are in head. */
    aq_status (*list)(void *ctx, uint32_t number);
    aq_status (*item)(void *ctx, uint32_t number, size_t index, const void *value);
    void *ctx;
    aq_snapshot *head;
    uint64_t len; /* the text's size */
} aq__json_stream;
aq_status aq__json_read_stream(const aq__json_stream *js, const aq_allocator *alloc,
                               aq_error *err);

/* An engine JSON document written a top-level field at a time, in field order, byte for byte as
 * the whole-snapshot writer writes it (json_write.c): the bytes collect in aq__json_doc_out(),
 * which the caller may empty (len = 0) between calls. err must outlive the document. */
typedef struct aq__json_doc aq__json_doc;
aq_status aq__json_doc_create(const aq_allocator *alloc, uint32_t flags, aq_error *err,
                              aq__json_doc **out);
/* Field `number` of x (a list: all of x's records, usually none), as the whole writer writes
 * it; x->metadata.schema_version decides which keys exist. */
aq_status aq__json_doc_field(aq__json_doc *d, const aq_snapshot *x, uint32_t number);
/* Record `index` of list field `number` (its key and '[' come with index 0); then
 * aq__json_doc_end_list() after the last. The schema version is the last field's. */
aq_status aq__json_doc_item(aq__json_doc *d, uint32_t number, size_t index, const void *value);
aq_status aq__json_doc_end_list(aq__json_doc *d);
aq_status aq__json_doc_finish(aq__json_doc *d);
aq__outbuf *aq__json_doc_out(aq__json_doc *d);
void aq__json_doc_destroy(aq__json_doc *d);

#ifdef __cplusplus
}
#endif

#endif /* AQSNAP_INTERNAL_H */
