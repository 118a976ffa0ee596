/* SPDX-License-Identifier: Apache-2.0 */
/* Replacing a file atomically: see replace.h, and file.h for the protocol's promises. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file/replace.h"

/* Attempts at taking the temporary name when other writers keep reclaiming it in between. */
#define TAKE_ATTEMPTS 8
/* A long target's temporary name: its first bytes, '.', 16 hex digits of a hash, ".tmp". */
#define HASH_SUFFIX_LEN 21

/* ---- the target and its temporary name -------------------------------------------------------- */


/* FNV-1a: a long target's temporary name keeps the name's identity in 16 hex digits. */
static uint64_t name_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s != '\0'; s++) h = (h ^ (uint8_t)*s) * 0x100000001b3u;
    return h;
}

/* `<base>.tmp`, or when that is over the file system's NAME_MAX, the start of base (not cut
 * inside a UTF-8 sequence), a hash of all of it and ".tmp". */
static void temp_name(aq__replacement *t)
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
static aq_status open_target(const char *path, aq_allocator al, aq__replacement *t, aq_error *err)
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
    if (t->dir < 0) return aq__fail_sys(err, errno, "open directory", t->dir_name);
    temp_name(t);

    if (aq__sys.fstatat(t->dir, t->base, &t->old, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return AQ_OK;
        return aq__fail_sys(err, errno, "stat", t->base);
    }
    t->replaces = S_ISREG(t->old.st_mode);
    if (!t->replaces && !S_ISLNK(t->old.st_mode))
        return aq__fail(err, AQ_EINVAL, AQ_ERR_NOT_A_FILE,
                        "the path is %s, not a snapshot file: it is not replaced",
                        aq__file_type(t->old.st_mode));
    return AQ_OK;
}

static void close_target(aq__replacement *t)
{
    if (t->dir >= 0) (void)aq__sys.close(t->dir);
    if (t->dir_name != NULL) t->al.free(t->al.ctx, t->dir_name, t->dir_size);
}

static aq_status busy(const aq__replacement *t, aq_error *err)
{
    (void)aq__fail(err, AQ_EIO, AQ_ERR_WRITER_BUSY,
                   "another writer holds the path: its temporary file %s is locked", t->tmp);
    err->sys_errno = EWOULDBLOCK;
    return AQ_EIO;
}

/* Whether the temporary name still refers to the file open at fd (no one reclaimed it). */
static bool still_named(const aq__replacement *t, int fd)
{
    struct stat mine, named;
    return aq__sys.fstat(fd, &mine) == 0 &&
           aq__sys.fstatat(t->dir, t->tmp, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
           mine.st_dev == named.st_dev && mine.st_ino == named.st_ino;
}

/* The name is taken: remove it if it is an unlocked leftover of a crashed writer (AQ_OK: try
 * to create again), else say why not. */
static aq_status reclaim(const aq__replacement *t, aq_error *err)
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
    if (fd < 0) return aq__fail_sys(err, errno, "open leftover", t->tmp);
    aq_status st = AQ_OK;
    struct stat s;
    if (aq__sys.fstat(fd, &s) != 0) {
        st = aq__fail_sys(err, errno, "fstat", t->tmp);
    } else if (!S_ISREG(s.st_mode)) {
        st = aq__fail(err, AQ_EIO, AQ_ERR_SYSCALL,
                      "the temporary file name %s is %s, not a leftover of a writer: it is left "
                      "alone (remove it)",
                      t->tmp, aq__file_type(s.st_mode));
        err->sys_errno = EEXIST;
    } else if (aq__sys.try_lock(fd) != 0) {
        st = errno == EWOULDBLOCK ? busy(t, err) : aq__fail_sys(err, errno, "flock", t->tmp);
    } else if (still_named(t, fd) && aq__sys.unlinkat(t->dir, t->tmp, 0) != 0 && errno != ENOENT) {
        /* Locked and still under the name: a crashed writer's. Otherwise someone else's now. */
        st = aq__fail_sys(err, errno, "unlink leftover", t->tmp);
    }
    (void)aq__sys.close(fd);
    return st;
}

/* Create the temporary file and lock it: *fd is then the only file under its name, ours. A
 * replacement starts private (0600): no one may open it before it has the replaced file's mode,
 * and then no one who could not read that file. A new file gets 0666 & ~umask at once. */
static aq_status take_temp(const aq__replacement *t, int *fd, aq_error *err)
{
    for (int attempt = 0; attempt < TAKE_ATTEMPTS; attempt++) {
        *fd = aq__sys.openat(t->dir, t->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                             t->replaces ? 0600 : 0666);
        if (*fd < 0 && errno == EEXIST) {
            AQ_TRY(reclaim(t, err));
            continue;
        }
        if (*fd < 0) return aq__fail_sys(err, errno, "create", t->tmp);
        bool locked = aq__sys.try_lock(*fd) == 0;
        int e = errno;
        if (locked && still_named(t, *fd)) return AQ_OK;
        if (!locked && e != EWOULDBLOCK) {
            /* Locks do not work here, so the protocol cannot run. No one can have written into
             * our fresh file: it goes. */
            if (still_named(t, *fd)) (void)aq__sys.unlinkat(t->dir, t->tmp, 0);
            (void)aq__sys.close(*fd);
            *fd = -1;
            return aq__fail_sys(err, e, "flock", t->tmp);
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

/* n bytes at `offset`, or appended when offset is APPEND. */
#define APPEND UINT64_MAX
static aq_status write_all(const aq__replacement *t, const uint8_t *p, size_t n, uint64_t offset,
                           aq_error *err)
{
    while (n > 0) {
        long w = offset == APPEND ? aq__sys.write(t->fd, p, n)
                                  : aq__sys.pwrite(t->fd, p, n, offset);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return aq__fail_sys(err, errno, "write", t->tmp);
        if (w == 0) return aq__fail_sys(err, EIO, "write", t->tmp); /* no progress, no errno */
        p += w;
        n -= (size_t)w;
        if (offset != APPEND) offset += (uint64_t)w;
    }
    return AQ_OK;
}

/* The replaced file's owner and group where this process may set them, then its permission
 * bits (chown may clear set-id bits, so it goes first). */
static aq_status keep_mode(const aq__replacement *t, int fd, aq_error *err)
{
    if (!t->replaces) return AQ_OK;
    struct stat now;
    if (aq__sys.fstat(fd, &now) != 0) return aq__fail_sys(err, errno, "fstat", t->tmp);
    if (now.st_uid != t->old.st_uid || now.st_gid != t->old.st_gid) {
        int r = aq__sys.fchown(fd, t->old.st_uid, t->old.st_gid);
        if (r != 0 && errno == EPERM) r = aq__sys.fchown(fd, (unsigned)-1, t->old.st_gid);
        if (r != 0 && errno != EPERM) return aq__fail_sys(err, errno, "fchown", t->tmp);
    }
    if (aq__sys.fchmod(fd, t->old.st_mode & 0777) != 0)
        return aq__fail_sys(err, errno, "fchmod", t->tmp);
    return AQ_OK;
}

/* Make the filled temporary file durable and rename it over the target. On failure the
 * temporary file is gone (we hold its lock) and the target was never touched. */
static aq_status rename_over(aq__replacement *t, aq_error *err)
{
    int fd = t->fd;
    t->fd = -1;
    aq_status st = keep_mode(t, fd, err);
    if (st == AQ_OK && t->sync && aq__sys.fsync(fd) != 0)
        st = aq__fail_sys(err, errno, "fsync", t->tmp);
    /* close() reports delayed write errors on some file systems, so it comes before the rename;
     * the lock belongs to the open file, which a duplicate keeps open until the rename is done. */
    int lock = st == AQ_OK ? aq__sys.dup(fd) : -1;
    if (st == AQ_OK && lock < 0) st = aq__fail_sys(err, errno, "dup", t->tmp);
    if (st != AQ_OK) {
        (void)aq__sys.unlinkat(t->dir, t->tmp, 0); /* the lock is still ours, through fd */
        (void)aq__sys.close(fd);
        return st;
    }
    if (aq__sys.close(fd) != 0) st = aq__fail_sys(err, errno, "close", t->tmp);
    if (st == AQ_OK && aq__sys.renameat(t->dir, t->tmp, t->dir, t->base) != 0) {
        st = aq__fail_sys(err, errno, "rename", t->tmp);
        size_t used = strlen(err->message);
        (void)snprintf(err->message + used, sizeof err->message - used, " (to %s)", t->base);
    }
    if (st != AQ_OK) (void)aq__sys.unlinkat(t->dir, t->tmp, 0);
    (void)aq__sys.close(lock); /* the file is renamed or removed: nothing to lose */
    return st;
}

/* fsync the directory, so that the rename survives a crash. */
static aq_status sync_dir(const aq__replacement *t, aq_error *err)
{
    if (aq__sys.fsync(t->dir) == 0) return AQ_OK;
    (void)aq__fail_sys(err, errno, "fsync directory", t->dir_name);
    /* The new snapshot is in place; only its durability is in doubt. */
    size_t used = strlen(err->message);
    (void)snprintf(err->message + used, sizeof err->message - used,
                   " (the snapshot was renamed into place but may not survive a crash)");
    return AQ_EIO;
}


/* ---- the interface ---------------------------------------------------------------------------- */

aq_status aq__replace_begin(const char *path, aq_allocator al, bool sync, aq__replacement *t,
                            aq_error *err)
{
    aq_status st = open_target(path, al, t, err);
    t->sync = sync;
    t->fd = -1;
    if (st == AQ_OK) st = take_temp(t, &t->fd, err);
    if (st != AQ_OK) close_target(t);
    return st;
}

aq_status aq__replace_write(aq__replacement *t, const void *p, size_t n, aq_error *err)
{
    return write_all(t, p, n, APPEND, err);
}

aq_status aq__replace_write_at(aq__replacement *t, uint64_t offset, const void *p, size_t n,
                               aq_error *err)
{
    return write_all(t, p, n, offset, err);
}

aq_status aq__replace_commit(aq__replacement *t, aq_error *err)
{
    aq_status st = rename_over(t, err);
    if (st == AQ_OK && t->sync) st = sync_dir(t, err);
    close_target(t);
    return st;
}

void aq__replace_abort(aq__replacement *t)
{
    if (t->fd >= 0) {
        (void)aq__sys.unlinkat(t->dir, t->tmp, 0); /* ours: we hold its lock */
        (void)aq__sys.close(t->fd);
        t->fd = -1;
    }
    close_target(t);
}
