/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing snapshot files. The whole file image (envelope + payload) is encoded into one buffer
 * with room left for the header, so nothing is copied; then <path>.tmp is written, fsynced and
 * renamed over <path>, and the directory is fsynced so that the rename itself is durable.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "aqsnap/file.h"
#include "aqsnap/json.h"
#include "aqsnap/validate.h"
#include "internal.h"

static aq_status options(const aq_write_options *in, aq_write_options *o, aq_error *err)
{
    static const aq_write_options defaults = AQ_WRITE_OPTIONS_INIT;
    *o = in != NULL ? *in : defaults;
    if (o->version != AQ_WRITE_OPTIONS_VERSION)
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT,
                        "aq_write_options.version is %u, this library knows %u", o->version,
                        AQ_WRITE_OPTIONS_VERSION);
    if (o->format != AQ_FORMAT_PROTOBUF && o->format != AQ_FORMAT_JSON)
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "unknown format %d", (int)o->format);
    return AQ_OK;
}

/* Validate, encode with room for the header, seal the envelope. */
static aq_status image(const aq_snapshot *snap, const aq_write_options *o, aq_buffer *img,
                       aq_error *err)
{
    if (!(o->flags & AQ_WRITE_NO_VALIDATE)) AQ_TRY(aq_snapshot_validate(snap, o->allocator, err));
    if (o->format == AQ_FORMAT_PROTOBUF) {
        AQ_TRY(aq__snapshot_encode_reserving(snap, o->allocator, AQ_ENVELOPE_SIZE, img, err));
    } else {
        uint32_t json = (o->flags & AQ_WRITE_JSON_PRETTY) ? AQ_JSON_PRETTY : 0;
        AQ_TRY(aq__snapshot_encode_json_reserving(snap, o->allocator, json, AQ_ENVELOPE_SIZE, img,
                                                  err));
    }
    size_t len = img->len - AQ_ENVELOPE_SIZE;
    if (len > UINT32_MAX) {
        aq_buffer_free(img);
        return aq__fail(err, AQ_ELIMIT, AQ_ERR_PAYLOAD_TOO_LARGE,
                        "payload of %zu bytes does not fit the envelope's u32 length", len);
    }
    aq__envelope_seal(img->data,
                      o->format == AQ_FORMAT_PROTOBUF ? AQ_FRAME_PROTOBUF : AQ_FRAME_JSON, len);
    return AQ_OK;
}

static aq_status sys_fail(aq_error *err, const char *call, const char *path, int errnum)
{
    (void)aq__fail(err, AQ_EIO, AQ_ERR_SYSCALL, "%s %s: %s", call, path, strerror(errnum));
    err->sys_errno = errnum;
    return AQ_EIO;
}

static aq_status write_all(int fd, const uint8_t *p, size_t n, const char *path, aq_error *err)
{
    while (n > 0) {
        long w = aq__sys.write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return sys_fail(err, "write", path, errno);
        if (w == 0) return sys_fail(err, "write", path, EIO); /* no progress, no errno */
        p += w;
        n -= (size_t)w;
    }
    return AQ_OK;
}

/* fsync the directory holding `path`, so that a rename into it survives a crash. */
static aq_status sync_dir(const char *path, aq_allocator al, aq_error *err)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash == NULL ? 1 : slash == path ? 1 : (size_t)(slash - path);
    char *dir = al.alloc(al.ctx, n + 1);
    if (dir == NULL) return aq__fail_oom(err);
    if (slash == NULL)
        dir[0] = '.';
    else
        memcpy(dir, path, n);
    dir[n] = '\0';
    aq_status st = AQ_OK;
    int fd = aq__sys.open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) {
        st = sys_fail(err, "open directory", dir, errno);
    } else {
        if (aq__sys.fsync(fd) != 0) st = sys_fail(err, "fsync directory", dir, errno);
        (void)aq__sys.close(fd);
    }
    if (st != AQ_OK) {
        /* The new snapshot is in place; only its durability is in doubt. */
        size_t used = strlen(err->message);
        (void)snprintf(err->message + used, sizeof err->message - used,
                       " (the snapshot was renamed into place but may not survive a crash)");
    }
    al.free(al.ctx, dir, n + 1);
    return st;
}

/* Everything up to and including the rename; on failure the temp file is gone. */
static aq_status replace(const char *path, const char *tmp, const aq_buffer *img, bool sync,
                         aq_error *err)
{
    int fd = aq__sys.open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return sys_fail(err, "open", tmp, errno);
    aq_status st = write_all(fd, img->data, img->len, tmp, err);
    if (st == AQ_OK && sync && aq__sys.fsync(fd) != 0) st = sys_fail(err, "fsync", tmp, errno);
    if (aq__sys.close(fd) != 0 && st == AQ_OK) st = sys_fail(err, "close", tmp, errno);
    if (st == AQ_OK && aq__sys.rename(tmp, path) != 0) {
        int e = errno;
        st = sys_fail(err, "rename", tmp, e);
        size_t used = strlen(err->message);
        (void)snprintf(err->message + used, sizeof err->message - used, " (to %s)", path);
    }
    if (st != AQ_OK) (void)aq__sys.unlink(tmp); /* the previous snapshot was never touched */
    return st;
}

aq_status aq_snapshot_write(const char *path, const aq_snapshot *snap,
                            const aq_write_options *opts, aq_error *err)
{
    aq_error local;
    aq_write_options o;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (path == NULL || snap == NULL || path[0] == '\0')
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "path or snapshot is NULL or empty");
    AQ_TRY(options(opts, &o, err));
    aq_allocator al = aq__allocator_or_default(o.allocator);

    size_t n = strlen(path);
    char *tmp = al.alloc(al.ctx, n + 5);
    if (tmp == NULL) return aq__fail_oom(err);
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp", 5);

    aq_buffer img = {0};
    bool sync = !(o.flags & AQ_WRITE_NO_SYNC);
    aq_status st = image(snap, &o, &img, err);
    if (st == AQ_OK) st = replace(path, tmp, &img, sync, err);
    if (st == AQ_OK && sync) st = sync_dir(path, al, err);
    aq_buffer_free(&img);
    al.free(al.ctx, tmp, n + 5);
    return st;
}

aq_status aq_snapshot_write_buffer(const aq_snapshot *snap, const aq_write_options *opts,
                                   aq_buffer *out, aq_error *err)
{
    aq_error local;
    aq_write_options o;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (out == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "out is NULL");
    memset(out, 0, sizeof *out);
    if (snap == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "snapshot is NULL");
    AQ_TRY(options(opts, &o, err));
    return image(snap, &o, out, err);
}

aq_status aq_snapshot_write_stream(FILE *stream, const aq_snapshot *snap,
                                   const aq_write_options *opts, aq_error *err)
{
    aq_error local;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (stream == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "stream is NULL");
    aq_buffer img;
    AQ_TRY(aq_snapshot_write_buffer(snap, opts, &img, err));
    aq_status st = AQ_OK;
    errno = 0;
    if (fwrite(img.data, 1, img.len, stream) != img.len || fflush(stream) != 0)
        st = sys_fail(err, "write", "stream", errno ? errno : EIO);
    aq_buffer_free(&img);
    return st;
}
