/* SPDX-License-Identifier: Apache-2.0 */
/* The system-call table behind the file layer (see internal.h). */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static int sys_open(const char *path, int flags, unsigned mode)
{
    return open(path, flags, (mode_t)mode);
}

static long sys_read(int fd, void *buf, size_t n)
{
    return (long)read(fd, buf, n);
}

static long sys_write(int fd, const void *buf, size_t n)
{
    return (long)write(fd, buf, n);
}

const aq__sys_table aq__sys_default = {sys_open, sys_read, sys_write, fsync,
                                       close,    rename,   unlink,    fstat};

aq__sys_table aq__sys = {sys_open, sys_read, sys_write, fsync, close, rename, unlink, fstat};
