/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing snapshot files. The whole file image (envelope + payload) is encoded into one buffer
 * with room left for the header, so nothing is copied. It is written to a temporary file in the
 * target's directory, taken with the lock protocol of file.h, fsynced and renamed over the
 * target; then the directory is fsynced so that the rename itself is durable. Every file
 * operation is relative to the directory, opened once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aqsnap/file.h"
#include "aqsnap/json.h"
#include "aqsnap/validate.h"
#include "internal.h"

/* Attempts at taking the temporary name when other writers keep reclaiming it in between. */
#define TAKE_ATTEMPTS 8
/* A long target's temporary name: its first bytes, '.', 16 hex digits of a hash, ".tmp". */
#define HASH_SUFFIX_LEN 21

static aq_status options(const aq_write_options *in, aq_write_options *o, aq_error *err)
{
    static const aq_write_options defaults = AQ_WRITE_OPTIONS_INIT;
    *o = defaults;
    if (in != NULL && in->version == 1) /* ends before max_payload: read only what it has */
        memcpy(o, in, offsetof(aq_write_options, max_payload));
    else if (in != NULL && in->version == AQ_WRITE_OPTIONS_VERSION)
        *o = *in;
    else if (in != NULL)
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT,
                        "aq_write_options.version is %u, this library knows 1 and %u",
                        in->version, AQ_WRITE_OPTIONS_VERSION);
    if (o->format != AQ_FORMAT_PROTOBUF && o->format != AQ_FORMAT_JSON)
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "unknown format %d", (int)o->format);
    o->max_payload = aq__payload_cap(o->max_payload);
    return AQ_OK;
}

/* Validate, encode with room for the header, refuse what a loader could not read back, seal
 * the envelope. */
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
    if (len > o->max_payload) {
        aq_buffer_free(img);
        return aq__fail(err, AQ_ELIMIT, AQ_ERR_PAYLOAD_TOO_LARGE,
                        "payload of %zu bytes exceeds the limit of %llu bytes (max_payload: a "
                        "loader with the same cap could not read it back)",
                        len, (unsigned long long)o->max_payload);
    }
    aq__envelope_seal(img->data,
                      o->format == AQ_FORMAT_PROTOBUF ? AQ_FRAME_PROTOBUF : AQ_FRAME_JSON, len);
    return AQ_OK;
}

static aq_status sys_fail(aq_error *err, const char *call, const char *name, int errnum)
{
    (void)aq__fail(err, AQ_EIO, AQ_ERR_SYSCALL, "%s %s: %s", call, name, strerror(errnum));
    err->sys_errno = errnum;
    return AQ_EIO;
}

/* ---- the target and its temporary name -------------------------------------------------------- */

typedef struct target {
    aq_allocator al;
    char *dir_name;   /* for opening and messages */
    size_t dir_size;  /* its allocation */
    int dir;          /* the directory, open */
    const char *base; /* the target's name in it */
    char tmp[NAME_MAX + 1];
    bool replaces;    /* a regular file is there: keep its mode and owner */
    struct stat old;
} target;

/* FNV-1a: a long target's temporary name keeps the name's identity in 16 hex digits. */
static uint64_t name_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s != '\0'; s++) h = (h ^ (uint8_t)*s) * 0x100000001b3u;
    return h;
}

/* `<base>.tmp`, or when that is over the file system's NAME_MAX, the start of base (not cut
 * inside a UTF-8 sequence), a hash of all of it and ".tmp". */
static void temp_name(target *t)
{
    long name_max = fpathconf(t->dir, _PC_NAME_MAX);
    size_t max = name_max > 0 && name_max <= NAME_MAX ? (size_t)name_max : NAME_MAX;
    size_t n = strlen(t->base);
    if (n + 4 <= max) {
        memcpy(t->tmp, t->base, n);
        memcpy(t->tmp + n, ".tmp", 5);
        return;
    }
    size_t keep = max - HASH_SUFFIX_LEN;
    while (keep > 0 && ((uint8_t)t->base[keep] & 0xC0) == 0x80) keep--;
    memcpy(t->tmp, t->base, keep);
    (void)snprintf(t->tmp + keep, sizeof t->tmp - keep, ".%016llx.tmp",
                   (unsigned long long)name_hash(t->base));
}

/* Open the target's directory, name the temporary file, look at what the target is now. */
static aq_status open_target(const char *path, aq_allocator al, target *t, aq_error *err)
{
    memset(t, 0, sizeof *t);
    t->al = al;
    t->dir = -1;
    const char *slash = strrchr(path, '/');
    t->base = slash == NULL ? path : slash + 1;
    if (t->base[0] == '\0')
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "the path ends in '/': it names no file");
    size_t n = slash == NULL ? 1 : slash == path ? 1 : (size_t)(slash - path);
    t->dir_name = al.alloc(al.ctx, n + 1);
    if (t->dir_name == NULL) return aq__fail_oom(err);
    t->dir_size = n + 1;
    memcpy(t->dir_name, slash == NULL ? "." : path, n);
    t->dir_name[n] = '\0';
    t->dir = aq__sys.openat(AT_FDCWD, t->dir_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (t->dir < 0) return sys_fail(err, "open directory", t->dir_name, errno);
    temp_name(t);

    if (aq__sys.fstatat(t->dir, t->base, &t->old, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return AQ_OK;
        return sys_fail(err, "stat", t->base, errno);
    }
    t->replaces = S_ISREG(t->old.st_mode);
    if (!t->replaces && !S_ISLNK(t->old.st_mode))
        return aq__fail(err, AQ_EINVAL, AQ_ERR_NOT_A_FILE,
                        "the path is %s, not a snapshot file: it is not replaced",
                        aq__file_type(t->old.st_mode));
    return AQ_OK;
}

static void close_target(target *t)
{
    if (t->dir >= 0) (void)aq__sys.close(t->dir);
    if (t->dir_name != NULL) t->al.free(t->al.ctx, t->dir_name, t->dir_size);
}

static aq_status busy(const target *t, aq_error *err)
{
    (void)aq__fail(err, AQ_EIO, AQ_ERR_WRITER_BUSY,
                   "another writer holds the path: its temporary file %s is locked", t->tmp);
    err->sys_errno = EWOULDBLOCK;
    return AQ_EIO;
}

/* Whether the temporary name still refers to the file open at fd (no one reclaimed it). */
static bool still_named(const target *t, int fd)
{
    struct stat mine, named;
    return aq__sys.fstat(fd, &mine) == 0 &&
           aq__sys.fstatat(t->dir, t->tmp, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
           mine.st_dev == named.st_dev && mine.st_ino == named.st_ino;
}

/* The name is taken: remove it if it is an unlocked leftover of a crashed writer (AQ_OK: try
 * to create again), else say why not. */
static aq_status reclaim(const target *t, aq_error *err)
{
    int fd = aq__sys.openat(t->dir, t->tmp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
                            0);
    if (fd < 0 && errno == ENOENT) return AQ_OK; /* gone meanwhile */
    if (fd < 0 && errno == ELOOP) {
        (void)aq__fail(err, AQ_EIO, AQ_ERR_SYSCALL,
                       "the temporary file name %s is a symbolic link, not a leftover of a "
                       "writer: it is left alone (remove it)",
                       t->tmp);
        err->sys_errno = ELOOP;
        return AQ_EIO;
    }
    if (fd < 0) return sys_fail(err, "open leftover", t->tmp, errno);
    aq_status st = AQ_OK;
    struct stat s;
    if (aq__sys.fstat(fd, &s) != 0) {
        st = sys_fail(err, "fstat", t->tmp, errno);
    } else if (!S_ISREG(s.st_mode)) {
        st = aq__fail(err, AQ_EIO, AQ_ERR_SYSCALL,
                      "the temporary file name %s is %s, not a leftover of a writer: it is left "
                      "alone (remove it)",
                      t->tmp, aq__file_type(s.st_mode));
        err->sys_errno = EEXIST;
    } else if (aq__sys.try_lock(fd) != 0) {
        st = errno == EWOULDBLOCK ? busy(t, err) : sys_fail(err, "flock", t->tmp, errno);
    } else if (still_named(t, fd) && aq__sys.unlinkat(t->dir, t->tmp, 0) != 0 && errno != ENOENT) {
        /* Locked and still under the name: a crashed writer's. Otherwise someone else's now. */
        st = sys_fail(err, "unlink leftover", t->tmp, errno);
    }
    (void)aq__sys.close(fd);
    return st;
}

/* Create the temporary file and lock it: *fd is then the only file under its name, ours. A
 * replacement starts private (0600): no one may open it before it has the replaced file's mode,
 * and then no one who could not read that file. A new file gets 0666 & ~umask at once. */
static aq_status take_temp(const target *t, int *fd, aq_error *err)
{
    for (int attempt = 0; attempt < TAKE_ATTEMPTS; attempt++) {
        *fd = aq__sys.openat(t->dir, t->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                             t->replaces ? 0600 : 0666);
        if (*fd < 0 && errno == EEXIST) {
            AQ_TRY(reclaim(t, err));
            continue;
        }
        if (*fd < 0) return sys_fail(err, "create", t->tmp, errno);
        bool locked = aq__sys.try_lock(*fd) == 0;
        int e = errno;
        if (locked && still_named(t, *fd)) return AQ_OK;
        if (!locked && e != EWOULDBLOCK) {
            /* Locks do not work here, so the protocol cannot run. No one can have written into
             * our fresh file: it goes. */
            if (still_named(t, *fd)) (void)aq__sys.unlinkat(t->dir, t->tmp, 0);
            (void)aq__sys.close(*fd);
            *fd = -1;
            return sys_fail(err, "flock", t->tmp, e);
        }
        (void)aq__sys.close(*fd);
        *fd = -1;
        /* Unlocked: another writer took our fresh file for a leftover and holds its lock (it
         * removes the name; never do that without the lock). Locked but renamed: it did. */
        if (!locked) return busy(t, err);
    }
    return busy(t, err);
}

/* ---- writing ----------------------------------------------------------------------------------- */

static aq_status write_all(int fd, const uint8_t *p, size_t n, const char *name, aq_error *err)
{
    while (n > 0) {
        long w = aq__sys.write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return sys_fail(err, "write", name, errno);
        if (w == 0) return sys_fail(err, "write", name, EIO); /* no progress, no errno */
        p += w;
        n -= (size_t)w;
    }
    return AQ_OK;
}

/* The replaced file's owner and group where this process may set them, then its permission
 * bits (chown may clear set-id bits, so it goes first). */
static aq_status keep_mode(const target *t, int fd, aq_error *err)
{
    if (!t->replaces) return AQ_OK;
    struct stat now;
    if (aq__sys.fstat(fd, &now) != 0) return sys_fail(err, "fstat", t->tmp, errno);
    if (now.st_uid != t->old.st_uid || now.st_gid != t->old.st_gid) {
        int r = aq__sys.fchown(fd, t->old.st_uid, t->old.st_gid);
        if (r != 0 && errno == EPERM) r = aq__sys.fchown(fd, (unsigned)-1, t->old.st_gid);
        if (r != 0 && errno != EPERM) return sys_fail(err, "fchown", t->tmp, errno);
    }
    if (aq__sys.fchmod(fd, t->old.st_mode & 0777) != 0)
        return sys_fail(err, "fchmod", t->tmp, errno);
    return AQ_OK;
}

/* Fill the locked temporary file and rename it over the target. On failure the temporary file
 * is gone (we hold its lock) and the target was never touched. */
static aq_status replace(const target *t, int fd, const aq_buffer *img, bool sync,
                         aq_error *err)
{
    aq_status st = keep_mode(t, fd, err);
    if (st == AQ_OK) st = write_all(fd, img->data, img->len, t->tmp, err);
    if (st == AQ_OK && sync && aq__sys.fsync(fd) != 0) st = sys_fail(err, "fsync", t->tmp, errno);
    /* close() reports delayed write errors on some file systems, so it comes before the rename;
     * the lock belongs to the open file, which a duplicate keeps open until the rename is done. */
    int lock = st == AQ_OK ? aq__sys.dup(fd) : -1;
    if (st == AQ_OK && lock < 0) st = sys_fail(err, "dup", t->tmp, errno);
    if (st != AQ_OK) {
        (void)aq__sys.unlinkat(t->dir, t->tmp, 0); /* the lock is still ours, through fd */
        (void)aq__sys.close(fd);
        return st;
    }
    if (aq__sys.close(fd) != 0) st = sys_fail(err, "close", t->tmp, errno);
    if (st == AQ_OK && aq__sys.renameat(t->dir, t->tmp, t->dir, t->base) != 0) {
        st = sys_fail(err, "rename", t->tmp, errno);
        size_t used = strlen(err->message);
        (void)snprintf(err->message + used, sizeof err->message - used, " (to %s)", t->base);
    }
    if (st != AQ_OK) (void)aq__sys.unlinkat(t->dir, t->tmp, 0);
    (void)aq__sys.close(lock); /* the file is renamed or removed: nothing to lose */
    return st;
}

/* fsync the directory, so that the rename survives a crash. */
static aq_status sync_dir(const target *t, aq_error *err)
{
    if (aq__sys.fsync(t->dir) == 0) return AQ_OK;
    (void)sys_fail(err, "fsync directory", t->dir_name, errno);
    /* The new snapshot is in place; only its durability is in doubt. */
    size_t used = strlen(err->message);
    (void)snprintf(err->message + used, sizeof err->message - used,
                   " (the snapshot was renamed into place but may not survive a crash)");
    return AQ_EIO;
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

    aq_buffer img = {0};
    AQ_TRY(image(snap, &o, &img, err)); /* nothing touched the disk yet */
    bool sync = !(o.flags & AQ_WRITE_NO_SYNC);
    target t;
    int fd = -1;
    aq_status st = open_target(path, aq__allocator_or_default(o.allocator), &t, err);
    if (st == AQ_OK) st = take_temp(&t, &fd, err);
    if (st == AQ_OK) st = replace(&t, fd, &img, sync, err);
    if (st == AQ_OK && sync) st = sync_dir(&t, err);
    close_target(&t);
    aq_buffer_free(&img);
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
