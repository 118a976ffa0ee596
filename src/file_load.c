/*
 * Loading snapshot files: open, envelope, size checks before any allocation, CRC, decode by
 * format, validation. Every failure frees what was allocated and leaves *out NULL.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "aqsnap/file.h"
#include "aqsnap/json.h"
#include "aqsnap/snapshot.h"
#include "aqsnap/validate.h"
#include "internal.h"

static aq_status sys_fail(aq_error *err, const char *call, const char *path, int errnum)
{
    (void)aq__fail(err, AQ_EIO, AQ_ERR_SYSCALL, "%s %s: %s", call, path, strerror(errnum));
    err->sys_errno = errnum;
    return AQ_EIO;
}

static aq_status no_snapshot(aq_error *err, const char *what)
{
    return aq__fail(err, AQ_NO_SNAPSHOT, AQ_ERR_NO_SNAPSHOT, "no snapshot: %s", what);
}

static aq_status options(const aq_load_options *in, aq_load_options *o, aq_error *err)
{
    static const aq_load_options defaults = AQ_LOAD_OPTIONS_INIT;
    *o = in != NULL ? *in : defaults;
    if (o->version != AQ_LOAD_OPTIONS_VERSION)
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT,
                        "aq_load_options.version is %u, this library knows %u", o->version,
                        AQ_LOAD_OPTIONS_VERSION);
    if (o->max_payload == 0) o->max_payload = AQ_DEFAULT_MAX_PAYLOAD;
    return AQ_OK;
}

static aq_status truncated_payload(aq_error *err, size_t have, uint32_t want)
{
    return aq__fail(err, AQ_ETRUNCATED, AQ_ERR_TRUNCATED_PAYLOAD,
                    "truncated snapshot: data ends at byte %zu, the header announces a %u-byte "
                    "payload (%llu bytes in all)",
                    AQ_ENVELOPE_SIZE + have, want,
                    (unsigned long long)want + AQ_ENVELOPE_SIZE);
}

static aq_status trailing(aq_error *err, uint32_t len, unsigned long long extra)
{
    return aq__fail(err, AQ_EDECODE, AQ_ERR_TRAILING_DATA,
                    "%llu unexpected bytes after the %u-byte payload", extra, len);
}

/* CRC check, then decode by format. `p[len..capacity)` is readable padding. `owned`: the
 * payload is the loader's own buffer, which decoding may consume (codec.c) when it came from
 * malloc: memory from a caller's allocator goes back to it as it was (a recycling allocator
 * wants it warm). */
static aq_status decode(const uint8_t *p, size_t len, size_t capacity, bool owned,
                        const aq_load_options *o, aq_load_info *info, aq_snapshot **out,
                        aq_error *err)
{
    uint32_t crc = aq__crc32(p, len);
    if (info->framed && crc != info->crc32)
        return aq__fail(err, AQ_ECRC, AQ_ERR_CRC_MISMATCH,
                        "CRC-32 mismatch: expected 0x%08x, actual 0x%08x", info->crc32, crc);
    info->crc32 = crc;
    if (info->format == AQ_FORMAT_PROTOBUF && owned && o->allocator == NULL)
        return aq__snapshot_decode_consuming((uint8_t *)(uintptr_t)p, len, o->allocator, out, err);
    if (info->format == AQ_FORMAT_PROTOBUF)
        return aq_snapshot_decode(p, len, o->allocator, out, err);
    if (capacity - len >= AQ__JSON_PADDING)
        return aq__snapshot_decode_json_padded(p, len, capacity, o->allocator, out, err);
    return aq_snapshot_decode_json(p, len, o->allocator, out, err);
}

/* Validate a decoded snapshot (unless the options say not to); it is freed if it fails. */
static aq_status validate(aq_snapshot **s, const aq_load_options *o, aq_error *err)
{
    if (o->flags & AQ_LOAD_NO_VALIDATE) return AQ_OK;
    aq_status st = aq_snapshot_validate(*s, o->allocator, err);
    if (st != AQ_OK) {
        aq_snapshot_free(*s);
        *s = NULL;
    }
    return st;
}

/* ---- from a file --------------------------------------------------------------------------- */

/* Read up to n bytes (fewer only at end of file). */
static aq_status read_full(int fd, uint8_t *buf, size_t n, size_t *got, const char *path,
                           aq_error *err)
{
    *got = 0;
    while (*got < n) {
        long r = aq__sys.read(fd, buf + *got, n - *got);
        if (r < 0) {
            if (errno == EINTR) continue;
            return sys_fail(err, "read", path, errno);
        }
        if (r == 0) break;
        *got += (size_t)r;
    }
    return AQ_OK;
}

/* Read `len` payload bytes (plus padding room) after the header; size was checked. */
static aq_status load_payload(int fd, const char *path, const aq_load_options *o, aq_allocator al,
                              const uint8_t *first, size_t first_len, size_t len,
                              aq_load_info *info, aq_snapshot **out, aq_error *err)
{
    size_t capacity = len + AQ__JSON_PADDING;
    /* Without a caller's allocator a big buffer is a mapping of its own, mapped in one call
     * before read() fills it. A heap block would come back from an earlier load with the pages
     * that decoding discarded (codec.c) still split into 4 KiB page tables, faulting one page at
     * a time: 15,000 faults, half the time of a 100k-task load, in a process that loads again. */
    bool mapped = o->allocator == NULL && capacity >= AQ__PAGES_BIG;
    uint8_t *buf = mapped ? aq__pages_map(capacity) : al.alloc(al.ctx, capacity);
    if (buf == NULL) return aq__fail_oom(err);
    if (!mapped && capacity >= AQ__PAGES_BIG) {
        aq__pages_prefer_huge(buf, capacity);
        aq__pages_populate(buf, capacity);
    }
    if (first_len > 0) memcpy(buf, first, first_len);
    memset(buf + len, 0, capacity - len);
    size_t got;
    aq_status st = read_full(fd, buf + first_len, len - first_len, &got, path, err);
    if (st == AQ_OK && first_len + got < len) {
        st = info->framed ? truncated_payload(err, first_len + got, (uint32_t)len)
                          : aq__fail(err, AQ_ETRUNCATED, AQ_ERR_TRUNCATED_PAYLOAD,
                                     "file shrank while being read");
    }
    uint8_t extra;
    if (st == AQ_OK && info->framed) {
        st = read_full(fd, &extra, 1, &got, path, err);
        if (st == AQ_OK && got > 0) st = trailing(err, info->payload_len, 1);
    }
    if (st == AQ_OK) st = decode(buf, len, capacity, true, o, info, out, err);
    /* Before validating: the payload is not needed any more. */
    if (mapped)
        aq__pages_unmap(buf, capacity);
    else
        al.free(al.ctx, buf, capacity);
    return st == AQ_OK ? validate(out, o, err) : st;
}

static aq_status load_fd(int fd, const char *path, const aq_load_options *o, aq_load_info *info,
                         aq_snapshot **out, aq_error *err)
{
    struct stat st;
    if (aq__sys.fstat(fd, &st) != 0) return sys_fail(err, "fstat", path, errno);
    bool regular = S_ISREG(st.st_mode);
    if (regular && st.st_size == 0) return no_snapshot(err, "the file is empty");
    aq_allocator al = aq__allocator_or_default(o->allocator);

    uint8_t hdr[AQ_ENVELOPE_SIZE];
    size_t got;
    AQ_TRY(read_full(fd, hdr, sizeof hdr, &got, path, err));
    if (got == 0) return no_snapshot(err, "the file is empty");

    if (hdr[0] == '{') { /* a bare engine JSON document */
        if (!regular)
            return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT,
                            "a bare JSON snapshot must be a regular file");
        if ((unsigned long long)st.st_size > o->max_payload)
            return aq__fail(err, AQ_ELIMIT, AQ_ERR_PAYLOAD_TOO_LARGE,
                            "JSON document of %lld bytes exceeds the limit of %llu bytes",
                            (long long)st.st_size, (unsigned long long)o->max_payload);
        memset(info, 0, sizeof *info);
        info->format = AQ_FORMAT_JSON;
        info->payload_len = (uint32_t)st.st_size;
        return load_payload(fd, path, o, al, hdr, got, (size_t)st.st_size, info, out, err);
    }

    if (got < sizeof hdr)
        return aq__fail(err, AQ_ETRUNCATED, AQ_ERR_TRUNCATED_HEADER,
                        "truncated snapshot: data ends at byte %zu, inside the 12-byte header", got);
    AQ_TRY(aq__envelope_open(hdr, o->max_payload, info, err));
    /* A regular file's size tells truncation and trailing bytes before anything is allocated. */
    if (regular) {
        unsigned long long want = (unsigned long long)info->payload_len + AQ_ENVELOPE_SIZE;
        unsigned long long size = (unsigned long long)st.st_size;
        if (size < want) return truncated_payload(err, (size_t)(size - AQ_ENVELOPE_SIZE), info->payload_len);
        if (size > want) return trailing(err, info->payload_len, size - want);
    }
    return load_payload(fd, path, o, al, NULL, 0, info->payload_len, info, out, err);
}

aq_status aq_snapshot_load(const char *path, const aq_load_options *opts, aq_snapshot **out,
                           aq_load_info *info, aq_error *err)
{
    aq_error local;
    aq_load_info local_info;
    aq_load_options o;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (out != NULL) *out = NULL;
    if (path == NULL || out == NULL)
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "path or out is NULL");
    AQ_TRY(options(opts, &o, err));
    if (info == NULL) info = &local_info;
    memset(info, 0, sizeof *info);

    int fd = aq__sys.openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0) {
        if (errno == ENOENT) return no_snapshot(err, "the file does not exist");
        return sys_fail(err, "open", path, errno);
    }
    aq_status st = load_fd(fd, path, &o, info, out, err);
    (void)aq__sys.close(fd); /* read-only: nothing to lose */
    return st;
}

/* ---- from memory ---------------------------------------------------------------------------- */

aq_status aq_snapshot_load_buffer(const void *data, size_t len, const aq_load_options *opts,
                                  aq_snapshot **out, aq_load_info *info, aq_error *err)
{
    aq_error local;
    aq_load_info local_info;
    aq_load_options o;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (out != NULL) *out = NULL;
    if (out == NULL || (data == NULL && len > 0))
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "out is NULL, or data is NULL");
    AQ_TRY(options(opts, &o, err));
    if (info == NULL) info = &local_info;
    memset(info, 0, sizeof *info);
    const uint8_t *p = data;

    if (len == 0) return no_snapshot(err, "the image is empty");
    if (p[0] == '{') {
        if (len > o.max_payload)
            return aq__fail(err, AQ_ELIMIT, AQ_ERR_PAYLOAD_TOO_LARGE,
                            "JSON document of %zu bytes exceeds the limit of %llu bytes", len,
                            (unsigned long long)o.max_payload);
        info->format = AQ_FORMAT_JSON;
        info->payload_len = (uint32_t)len;
        AQ_TRY(decode(p, len, len, false, &o, info, out, err));
        return validate(out, &o, err);
    }
    if (len < AQ_ENVELOPE_SIZE)
        return aq__fail(err, AQ_ETRUNCATED, AQ_ERR_TRUNCATED_HEADER,
                        "truncated snapshot: data ends at byte %zu, inside the 12-byte header", len);
    AQ_TRY(aq__envelope_open(p, o.max_payload, info, err));
    size_t have = len - AQ_ENVELOPE_SIZE;
    if (have < info->payload_len) return truncated_payload(err, have, info->payload_len);
    if (have > info->payload_len) return trailing(err, info->payload_len, have - info->payload_len);
    AQ_TRY(decode(p + AQ_ENVELOPE_SIZE, have, have, false, &o, info, out, err));
    return validate(out, &o, err);
}
