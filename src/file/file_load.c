/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading snapshot files: open without blocking and refuse what is not a regular file, tell an
 * envelope from a bare JSON document and check sizes before any allocation (envelope.c), CRC,
 * decode by format, validation. Everything a load allocates is charged to its memory budget
 * (aq__budget). Every failure frees what was allocated and leaves *out NULL.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#include "aqsnap/file.h"
#include "aqsnap/json.h"
#include "aqsnap/snapshot.h"
#include "aqsnap/validate.h"
#include "internal.h"

/* Streams are read into a buffer that starts at this size and doubles. */
#define STREAM_FIRST ((size_t)64 << 10)

static aq_status no_snapshot(aq_error *err, const char *what)
{
    return aq__fail(err, AQ_NO_SNAPSHOT, AQ_ERR_NO_SNAPSHOT, "no snapshot: %s", what);
}

static aq_status not_a_file(aq_error *err, mode_t mode)
{
    return aq__fail(err, AQ_EINVAL, AQ_ERR_NOT_A_FILE, "the path is %s, not a snapshot file",
                    aq__file_type(mode));
}

static aq_status options(const aq_load_options *in, aq_load_options *o, aq_error *err)
{
    static const aq_load_options defaults = AQ_LOAD_OPTIONS_INIT;
    *o = defaults;
    if (in != NULL && in->version == 1) /* ends before max_memory: read only what it has */
        memcpy(o, in, offsetof(aq_load_options, max_memory));
    else if (in != NULL && in->version == AQ_LOAD_OPTIONS_VERSION)
        *o = *in;
    else if (in != NULL)
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT,
                        "aq_load_options.version is %u, this library knows 1 and %u", in->version,
                        AQ_LOAD_OPTIONS_VERSION);
    o->max_payload = aq__payload_cap(o->max_payload);
    return AQ_OK;
}

/* The start of every public load: *out NULL, the arguments (`args_ok`, else `bad_args` says
 * what is wrong) and the options checked, *info cleared. */
static aq_status start(bool args_ok, const char *bad_args, const aq_load_options *opts,
                       aq_load_options *o, aq_snapshot **out, aq_load_info *info, aq_error *err)
{
    aq__error_clear(err);
    if (out != NULL) *out = NULL;
    memset(info, 0, sizeof *info);
    if (!args_ok) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "%s", bad_args);
    return options(opts, o, err);
}

/* The budget of a load whose payload is `payload` bytes in `format`. */
static uint64_t memory_limit(const aq_load_options *o, aq_format format, uint64_t payload)
{
    if (o->max_memory != 0) return o->max_memory;
    uint64_t per_byte = format == AQ_FORMAT_JSON ? AQ_DEFAULT_MEMORY_PER_BYTE_JSON
                                                 : AQ_DEFAULT_MEMORY_PER_BYTE_PROTOBUF;
    return per_byte * payload + AQ_DEFAULT_MEMORY_BASE;
}

/* A refusal of the budget surfaces as AQ_ENOMEM from wherever it happened: name the limit. */
static aq_status limited(aq_status st, const aq__budget *b, aq_error *err)
{
    return st == AQ_ENOMEM && b->refused != 0 ? aq__budget_fail(b, err) : st;
}

/* CRC check, then decode by format. `p[len..capacity)` is readable padding. `owned`: the
 * payload is the loader's own buffer, which decoding may consume (codec.c) when it came from
 * malloc: memory from a caller's allocator goes back to it as it was (a recycling allocator
 * wants it warm). The snapshot is built through the budget and leaves with the caller's
 * allocator. */
static aq_status decode(const uint8_t *p, size_t len, size_t capacity, bool owned,
                        const aq_load_options *o, aq__budget *b, aq_load_info *info,
                        aq_snapshot **out, aq_error *err)
{
    uint32_t crc = aq__crc32(p, len);
    if (info->framed && crc != info->crc32)
        return aq__fail(err, AQ_ECRC, AQ_ERR_CRC_MISMATCH,
                        "CRC-32 mismatch: expected 0x%08x, actual 0x%08x", info->crc32, crc);
    info->crc32 = crc;
    aq_allocator al = aq__budget_allocator(b);
    aq_status st;
    if (info->format == AQ_FORMAT_PROTOBUF && owned && o->allocator == NULL)
        st = aq__snapshot_decode_consuming((uint8_t *)(uintptr_t)p, len, &al, out, err);
    else if (info->format == AQ_FORMAT_PROTOBUF)
        st = aq_snapshot_decode(p, len, &al, out, err);
    else if (capacity - len >= AQ__JSON_PADDING)
        st = aq__snapshot_decode_json_padded(p, len, capacity, &al, out, err);
    else
        st = aq_snapshot_decode_json(p, len, &al, out, err);
    if (st == AQ_OK) aq__arena_set_allocator((*out)->arena, b->inner);
    return st;
}

/* Validate a decoded snapshot (unless the options say not to); it is freed if it fails. */
static aq_status validate(aq_snapshot **s, const aq_load_options *o, aq__budget *b,
                          aq_error *err)
{
    if (o->flags & AQ_LOAD_NO_VALIDATE) return AQ_OK;
    aq_allocator al = aq__budget_allocator(b);
    aq_status st = aq_snapshot_validate(*s, &al, err);
    if (st != AQ_OK) {
        aq_snapshot_free(*s);
        *s = NULL;
    }
    return st;
}

/* ---- from a file --------------------------------------------------------------------------- */

aq_status aq__file_open_read(const char *path, int *fd, aq_error *err)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer (fstat refuses it next). */
    *fd = aq__sys.openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);
    if (*fd >= 0) return AQ_OK;
    int e = errno;
    struct stat st;
    if (e == ENOENT) return no_snapshot(err, "the file does not exist");
    /* A socket cannot be opened at all. */
    if (e == ENXIO && aq__sys.fstatat(AT_FDCWD, path, &st, 0) == 0 && !S_ISREG(st.st_mode))
        return not_a_file(err, st.st_mode);
    return aq__fail_sys(err, e, "open", NULL);
}

aq_status aq__file_size(int fd, uint64_t *size, aq_error *err)
{
    struct stat st;
    if (aq__sys.fstat(fd, &st) != 0) return aq__fail_sys(err, errno, "fstat", NULL);
    if (!S_ISREG(st.st_mode)) return not_a_file(err, st.st_mode);
    if (st.st_size == 0) return no_snapshot(err, "the file is empty");
    *size = (uint64_t)st.st_size;
    return AQ_OK;
}

aq_status aq__file_read_full(int fd, uint8_t *buf, size_t n, size_t *got, aq_error *err)
{
    *got = 0;
    while (*got < n) {
        long r = aq__sys.read(fd, buf + *got, n - *got);
        if (r < 0) {
            if (errno == EINTR) continue;
            return aq__fail_sys(err, errno, "read", NULL);
        }
        if (r == 0) break;
        *got += (size_t)r;
    }
    return AQ_OK;
}

/* Read the `len`-byte payload (plus padding room): `first_len` bytes of it were read already, at
 * `first`. The size checks passed: the file held exactly this when it was opened. */
static aq_status load_payload(int fd, const aq_load_options *o, aq__budget *b,
                              const uint8_t *first, size_t first_len, size_t len,
                              aq_load_info *info, aq_snapshot **out, aq_error *err)
{
    size_t capacity = len + AQ__JSON_PADDING;
    /* Without a caller's allocator a big buffer is a mapping of its own, mapped in one call
     * before read() fills it. A heap block would come back from an earlier load with the pages
     * that decoding discarded (codec.c) still split into 4 KiB page tables, faulting one page at
     * a time: 15,000 faults, half the time of a 100k-task load, in a process that loads again. */
    bool mapped = o->allocator == NULL && capacity >= AQ__PAGES_BIG;
    aq_allocator al = aq__budget_allocator(b);
    uint8_t *buf = NULL;
    if (!mapped)
        buf = al.alloc(al.ctx, capacity);
    else if (aq__budget_charge(b, capacity) && (buf = aq__pages_map(capacity)) == NULL)
        aq__budget_release(b, capacity);
    if (buf == NULL) return aq__fail_oom(err);
    if (!mapped && capacity >= AQ__PAGES_BIG) {
        aq__pages_prefer_huge(buf, capacity);
        aq__pages_populate(buf, capacity);
    }
    if (first_len > 0) memcpy(buf, first, first_len);
    memset(buf + len, 0, capacity - len);
    size_t got;
    aq_status st = aq__file_read_full(fd, buf + first_len, len - first_len, &got, err);
    if (st == AQ_OK && first_len + got < len)
        st = aq__fail(err, AQ_ETRUNCATED, AQ_ERR_TRUNCATED_PAYLOAD,
                      "the file shrank while being read: data ends at byte %zu of %zu",
                      (info->framed ? AQ_ENVELOPE_SIZE : 0) + first_len + got,
                      (info->framed ? AQ_ENVELOPE_SIZE : 0) + len);
    uint8_t extra;
    /* Bytes after the payload are read by nobody; without them, the payload is the file's end. */
    if (st == AQ_OK && info->trailing == 0) st = aq__file_read_full(fd, &extra, 1, &got, err);
    if (st == AQ_OK && info->trailing == 0 && got > 0)
        st = aq__fail(err, AQ_EDECODE, AQ_ERR_TRAILING_DATA,
                      "the file grew while being read: more than the %zu bytes it had", len);
    if (st == AQ_OK) st = decode(buf, len, capacity, true, o, b, info, out, err);
    /* Before validating: the payload is not needed any more. */
    if (mapped) {
        aq__pages_unmap(buf, capacity);
        aq__budget_release(b, capacity);
    } else {
        al.free(al.ctx, buf, capacity);
    }
    return st == AQ_OK ? validate(out, o, b, err) : st;
}

static aq_status load_fd(int fd, const aq_load_options *o, aq_load_info *info, aq_snapshot **out,
                         aq_error *err)
{
    uint64_t size;
    AQ_TRY(aq__file_size(fd, &size, err));

    uint8_t head[AQ_ENVELOPE_SIZE];
    size_t got;
    AQ_TRY(aq__file_read_full(fd, head, sizeof head, &got, err));
    if (got == 0) return no_snapshot(err, "the file is empty");
    AQ_TRY(aq__envelope_read(head, got, size, o->max_payload, info, err));
    /* A bare document's payload starts with the bytes just read. */
    size_t first = info->framed ? 0 : got;
    aq__budget b;
    aq__budget_init(&b, o->allocator, memory_limit(o, info->format, info->payload_len));
    aq_status s = load_payload(fd, o, &b, head, first, info->payload_len, info, out, err);
    return limited(s, &b, err);
}

aq_status aq_snapshot_load(const char *path, const aq_load_options *opts, aq_snapshot **out,
                           aq_load_info *info, aq_error *err)
{
    aq_error local;
    aq_load_info local_info;
    aq_load_options o;
    err = AQ__ERR_OR_LOCAL(err, &local);
    info = info != NULL ? info : &local_info;
    AQ_TRY(start(path != NULL && out != NULL, "path or out is NULL", opts, &o, out, info, err));

    int fd;
    AQ_TRY(aq__file_open_read(path, &fd, err));
    aq_status st = load_fd(fd, &o, info, out, err);
    (void)aq__sys.close(fd); /* read-only: nothing to lose */
    return st;
}

/* ---- from memory ---------------------------------------------------------------------------- */

/* The image p[0..len) (p[len..capacity) readable) of a buffer or a stream. */
static aq_status load_image(const uint8_t *p, size_t len, size_t capacity, bool owned,
                            const aq_load_options *o, aq__budget *b, aq_load_info *info,
                            aq_snapshot **out, aq_error *err)
{
    size_t head = len < AQ_ENVELOPE_SIZE ? len : AQ_ENVELOPE_SIZE;
    AQ_TRY(aq__envelope_read(p, head, len, o->max_payload, info, err));
    size_t at = info->framed ? AQ_ENVELOPE_SIZE : 0;
    b->limit = memory_limit(o, info->format, info->payload_len);
    AQ_TRY(decode(p + at, info->payload_len, capacity - at, owned, o, b, info, out, err));
    return AQ_OK;
}

aq_status aq_snapshot_load_buffer(const void *data, size_t len, const aq_load_options *opts,
                                  aq_snapshot **out, aq_load_info *info, aq_error *err)
{
    aq_error local;
    aq_load_info local_info;
    aq_load_options o;
    err = AQ__ERR_OR_LOCAL(err, &local);
    info = info != NULL ? info : &local_info;
    AQ_TRY(start(out != NULL && (data != NULL || len == 0), "out is NULL, or data is NULL", opts,
                 &o, out, info, err));
    if (len == 0) return no_snapshot(err, "the image is empty");

    aq__budget b;
    aq__budget_init(&b, o.allocator, 0);
    aq_status st = load_image(data, len, len, false, &o, &b, info, out, err);
    if (st == AQ_OK) st = validate(out, &o, &b, err);
    return limited(st, &b, err);
}

/* ---- from a stream -------------------------------------------------------------------------- */

/* Make room for more bytes after the first `len` of *buf, doubling up to `most`. */
static bool grow(aq_allocator al, uint8_t **buf, size_t len, size_t *cap, size_t most)
{
    size_t want = *cap == 0 ? STREAM_FIRST : *cap < most / 2 ? 2 * *cap : most;
    if (want > most) want = most; /* a first buffer bigger than the whole stream may be */
    uint8_t *p = al.alloc(al.ctx, want);
    if (p == NULL) return false;
    if (len > 0) memcpy(p, *buf, len);
    if (*buf != NULL) al.free(al.ctx, *buf, *cap);
    *buf = p;
    *cap = want;
    return true;
}

/* After the image a header announced: count the bytes the stream still holds, which nobody
 * reads, up to the payload cap (a stream that goes on past it is refused). */
static aq_status count_trailing(FILE *f, const aq_load_options *o, uint64_t *trailing,
                                aq_error *err)
{
    uint8_t chunk[4096];
    for (;;) {
        size_t n = fread(chunk, 1, sizeof chunk, f);
        *trailing += n;
        if (*trailing > o->max_payload)
            return aq__fail(err, AQ_ELIMIT, AQ_ERR_TRAILING_DATA,
                            "the stream goes on for more than %llu bytes after the payload the "
                            "header announces",
                            (unsigned long long)o->max_payload);
        if (n == sizeof chunk) continue;
        if (ferror(f)) return aq__fail_sys(err, errno != 0 ? errno : EIO, "read", NULL);
        return AQ_OK;
    }
}

/* Read the whole stream into *buf (*len bytes, AQ__JSON_PADDING more readable), never more
 * than a snapshot may take: the payload cap, or the image a known header announces (and
 * *trailing: the bytes after that image, counted and dropped). */
static aq_status read_stream(FILE *f, const aq_load_options *o, aq_allocator al, uint8_t **buf,
                             size_t *len, size_t *cap, uint64_t *trailing, aq_error *err)
{
    uint64_t most = o->max_payload + AQ_ENVELOPE_SIZE;
    uint64_t announced = 0;
    bool header_seen = false;
    for (;;) {
        if (!header_seen && *len >= AQ_ENVELOPE_SIZE) {
            header_seen = true;
            AQ_TRY(aq__envelope_peek(*buf, o->max_payload, &announced, err));
            most = announced != 0 ? announced : o->max_payload; /* else a bare document */
        }
        if (*len > most) {
            if (announced != 0) {
                *trailing = *len - most;
                *len = (size_t)most;
                return count_trailing(f, o, trailing, err);
            }
            return aq__fail(err, AQ_ELIMIT, AQ_ERR_PAYLOAD_TOO_LARGE,
                            "the JSON document goes on past the limit of %llu bytes",
                            (unsigned long long)most);
        }
        /* One byte past `most` tells a stream that goes on. */
        if (*cap - *len <= AQ__JSON_PADDING &&
            !grow(al, buf, *len, cap, (size_t)most + 1 + AQ__JSON_PADDING))
            return aq__fail_oom(err);
        size_t room = *cap - AQ__JSON_PADDING - *len;
        size_t n = fread(*buf + *len, 1, room, f);
        *len += n;
        if (n == room) continue;
        if (ferror(f)) return aq__fail_sys(err, errno != 0 ? errno : EIO, "read", NULL);
        return AQ_OK; /* end of the stream */
    }
}

aq_status aq_snapshot_load_stream(FILE *stream, const aq_load_options *opts, aq_snapshot **out,
                                  aq_load_info *info, aq_error *err)
{
    aq_error local;
    aq_load_info local_info;
    aq_load_options o;
    err = AQ__ERR_OR_LOCAL(err, &local);
    info = info != NULL ? info : &local_info;
    AQ_TRY(start(stream != NULL && out != NULL, "stream or out is NULL", opts, &o, out, info, err));

    /* The payload's size and format are not known while reading: the limit for the largest
     * one allowed holds until they are (load_image sets the real one). */
    aq__budget b;
    aq__budget_init(&b, o.allocator, memory_limit(&o, AQ_FORMAT_PROTOBUF, o.max_payload));
    aq_allocator al = aq__budget_allocator(&b);
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    errno = 0;
    uint64_t trailing = 0;
    aq_status st = read_stream(stream, &o, al, &buf, &len, &cap, &trailing, err);
    if (st == AQ_OK && len == 0) st = no_snapshot(err, "the stream is empty");
    if (st == AQ_OK) st = load_image(buf, len, cap, true, &o, &b, info, out, err);
    info->trailing += trailing; /* those read past the buffer's end */
    if (buf != NULL) al.free(al.ctx, buf, cap);
    if (st == AQ_OK) st = validate(out, &o, &b, err);
    return limited(st, &b, err);
}
