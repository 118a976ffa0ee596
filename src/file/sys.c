/* SPDX-License-Identifier: Apache-2.0 */
/* The system-call table behind the file layer (see internal.h), and the names of file types. */
#define _DEFAULT_SOURCE 1 /* flock is BSD, not POSIX */
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static int sys_openat(int dir, const char *path, int flags, unsigned mode)
{
    return openat(dir, path, flags, (mode_t)mode);
}

static long sys_read(int fd, void *buf, size_t n)
{
    return (long)read(fd, buf, n);
}

static long sys_write(int fd, const void *buf, size_t n)
{
    return (long)write(fd, buf, n);
}

static int sys_try_lock(int fd)
{
    return flock(fd, LOCK_EX | LOCK_NB);
}

static int sys_dup(int fd)
{
    return fcntl(fd, F_DUPFD_CLOEXEC, 0);
}

static int sys_fchmod(int fd, unsigned mode)
{
    return fchmod(fd, (mode_t)mode);
}

static int sys_fchown(int fd, unsigned uid, unsigned gid)
{
    return fchown(fd, (uid_t)uid, (gid_t)gid);
}

static long sys_pwrite(int fd, const void *buf, size_t n, uint64_t offset)
{
    return (long)pwrite(fd, buf, n, (off_t)offset);
}

#define AQ__SYS_REAL                                                                            \
    {sys_openat, sys_read, sys_write, fsync,   close,   renameat,   unlinkat,                   \
     fstat,      fstatat,  sys_try_lock, sys_dup, sys_fchmod, sys_fchown, sys_pwrite}

const aq__sys_table aq__sys_default = AQ__SYS_REAL;

aq__sys_table aq__sys = AQ__SYS_REAL;

const char *aq__file_type(unsigned mode)
{
    return S_ISDIR(mode)    ? "a directory"
           : S_ISFIFO(mode) ? "a FIFO (named pipe)"
           : S_ISCHR(mode)  ? "a character device"
           : S_ISBLK(mode)  ? "a block device"
           : S_ISSOCK(mode) ? "a socket"
           : S_ISLNK(mode)  ? "a symbolic link"
                            : "not a regular file";
}
