/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshot files against a hostile user and careless operators (issue 11): links planted at the
 * temporary name, writers that crash or run at the same time, modes, symbolic links, names of
 * every legal length, FIFOs, devices and sockets, streams, text files, the payload cap.
 */
#define _DEFAULT_SOURCE 1 /* flock(2) is BSD, not POSIX */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <valgrind/valgrind.h>

#include "aqsnap.h"
#include "build.h"
#include "compare.h"
#include "fail_alloc.h"
#include "internal.h"
#include "sample.h"
#include "scratch_dir.h"

/* ---- helpers ------------------------------------------------------------------------------- */

/* A fresh directory (scratch_dir/name) for one test, the target OUT in it, OUT's temporary
 * name, and the path of another file there (`other`, or the directory itself). */
typedef struct place {
    char dir[128];
    char out[160];
    char tmp[160];
    char other[160];
} place;

static void join(char *out, size_t size, const char *d, const char *name)
{
    int n = snprintf(out, size, "%s/%s", d, name);
    assert_true(n > 0 && (size_t)n < size);
}

static place fresh_place(const char *name, const char *other)
{
    place p;
    scratch_path(p.dir, sizeof p.dir, name);
    assert_int_equal(mkdir(p.dir, 0777), 0);
    join(p.out, sizeof p.out, p.dir, "OUT");
    join(p.tmp, sizeof p.tmp, p.dir, "OUT.tmp");
    join(p.other, sizeof p.other, p.dir, other != NULL ? other : ".");
    return p;
}

static aq_snapshot *sample(size_t tasks, uint64_t seed)
{
    return build_sample(AQ_SCHEMA_MAX, tasks, true, seed);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static bool has_text(const char *path, const char *text)
{
    char buf[256] = {0};
    FILE *f = fopen(path, "rb");
    if (f == NULL) return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return n == strlen(text) && memcmp(buf, text, n) == 0;
}

/* The names in directory d, sorted, joined by '/' (for comparing what a write left behind). */
static const char *listing(const char *d)
{
    static char out[4096];
    char cmd[256];
    (void)snprintf(cmd, sizeof cmd, "ls -A '%s' | tr '\\n' '/'", d);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    pclose(p);
    return out;
}

/* `path` holds exactly snapshot `want` (loads, and equal field by field). */
static bool holds(const char *path, const aq_snapshot *want)
{
    aq_snapshot *got = NULL;
    aq_error err;
    if (aq_snapshot_load(path, NULL, &got, NULL, &err) != AQ_OK) return false;
    char where[256];
    bool same = snapshot_equal(want, got, where, sizeof where);
    aq_snapshot_free(got);
    return same;
}

static mode_t mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode;
}

/* ---- the temporary name: planted links and other files --------------------------------------- */

/* A symbolic link planted at the temporary name is never followed: the write fails naming it,
 * its target keeps its bytes, and the link is left alone. */
static void test_file_hostile__planted_symlink_is_not_followed(void **state)
{
    (void)state;
    place p = fresh_place("symlink", "victim");
    write_text(p.other, "secret");
    assert_int_equal(chmod(p.other, 0600), 0);
    assert_int_equal(symlink("victim", p.tmp), 0);
    aq_snapshot *s = sample(5, 1);
    aq_error err;
    assert_int_equal(aq_snapshot_write(p.out, s, NULL, &err), AQ_EIO);
    assert_int_equal(err.kind, AQ_ERR_SYSCALL);
    assert_int_equal(err.sys_errno, ELOOP);
    assert_non_null(strstr(err.message, "OUT.tmp is a symbolic link"));
    assert_true(has_text(p.other, "secret"));
    assert_int_equal(mode_of(p.other) & 0777, 0600);
    assert_true(S_ISLNK(mode_of(p.tmp)));
    assert_string_equal(listing(p.dir), "OUT.tmp/victim/");
    aq_snapshot_free(s);
}

/* A hard link planted at the temporary name looks like a crashed writer's leftover (an unlocked
 * regular file): only that name goes; the file it links to is never opened for writing. */
static void test_file_hostile__planted_hard_link_is_not_written(void **state)
{
    (void)state;
    place p = fresh_place("hardlink", "victim");
    write_text(p.other, "secret");
    assert_int_equal(link(p.other, p.tmp), 0);
    aq_snapshot *s = sample(5, 1);
    aq_error err;
    assert_int_equal(aq_snapshot_write(p.out, s, NULL, &err), AQ_OK);
    assert_true(has_text(p.other, "secret"));
    struct stat st;
    assert_int_equal(stat(p.other, &st), 0);
    assert_int_equal(st.st_nlink, 1);
    assert_true(holds(p.out, s));
    assert_string_equal(listing(p.dir), "OUT/victim/");
    aq_snapshot_free(s);
}

/* A directory or FIFO at the temporary name is no leftover: left alone, the write fails at once
 * (opening the FIFO does not wait for a writer). */
static void test_file_hostile__other_files_at_the_temporary_name(void **state)
{
    (void)state;
    place p = fresh_place("others", NULL);
    aq_snapshot *s = sample(5, 1);
    aq_error err;
    assert_int_equal(mkfifo(p.tmp, 0600), 0);
    alarm(20); /* a hang fails the test instead of stalling the suite */
    assert_int_equal(aq_snapshot_write(p.out, s, NULL, &err), AQ_EIO);
    alarm(0);
    assert_non_null(strstr(err.message, "OUT.tmp is a FIFO"));
    assert_true(S_ISFIFO(mode_of(p.tmp)));
    assert_int_equal(unlink(p.tmp), 0);
    assert_int_equal(mkdir(p.tmp, 0700), 0);
    assert_int_equal(aq_snapshot_write(p.out, s, NULL, &err), AQ_EIO);
    assert_non_null(strstr(err.message, "OUT.tmp is a directory"));
    assert_string_equal(listing(p.dir), "OUT.tmp/");
    aq_snapshot_free(s);
}

/* ---- writers that hold the path, crash or race ------------------------------------------------ */

/* While another process holds the lock of the temporary file, a write fails with its own kind
 * and touches nothing; once it is released, the leftover is reclaimed. */
static void test_file_hostile__locked_temporary_means_busy(void **state)
{
    (void)state;
    place p = fresh_place("busy", NULL);
    aq_snapshot *old_snap = sample(5, 1), *new_snap = sample(6, 2);
    aq_error err;
    assert_int_equal(aq_snapshot_write(p.out, old_snap, NULL, &err), AQ_OK);
    write_text(p.tmp, "another writer's half-written file");
    int fd = open(p.tmp, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(flock(fd, LOCK_EX), 0);
    assert_int_equal(aq_snapshot_write(p.out, new_snap, NULL, &err), AQ_EIO);
    assert_int_equal(err.kind, AQ_ERR_WRITER_BUSY);
    assert_int_equal(err.sys_errno, EWOULDBLOCK);
    assert_non_null(strstr(err.message, "another writer holds the path"));
    assert_true(has_text(p.tmp, "another writer's half-written file"));
    assert_true(holds(p.out, old_snap));
    close(fd); /* the other writer is gone */
    assert_int_equal(aq_snapshot_write(p.out, new_snap, NULL, &err), AQ_OK);
    assert_true(holds(p.out, new_snap));
    assert_string_equal(listing(p.dir), "OUT/");
    aq_snapshot_free(old_snap);
    aq_snapshot_free(new_snap);
}

/* A writer that stops inside write(), after half of the file, says so on this pipe and waits
 * to be killed: a crash at a known point. */
static int stopped_pipe = -1;

static long stopping_write(int fd, const void *buf, size_t n)
{
    (void)aq__sys_default.write(fd, buf, n / 2);
    if (write(stopped_pipe, "!", 1) != 1) _exit(1);
    for (;;) pause();
}

/* A writer that died half-way leaves its temporary file; the next write reclaims it and lands
 * a whole file, and nothing is left over. */
static void test_file_hostile__crashed_writer_leftover_is_reclaimed(void **state)
{
    (void)state;
    place p = fresh_place("crashed", NULL);
    aq_snapshot *a = sample(200, 1), *b = sample(300, 2);
    aq_error err;
    assert_int_equal(aq_snapshot_write(p.out, a, NULL, &err), AQ_OK);
    int stopped[2];
    assert_int_equal(pipe(stopped), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        stopped_pipe = stopped[1];
        aq__sys.write = stopping_write;
        _exit(aq_snapshot_write(p.out, b, NULL, NULL) == AQ_OK ? 0 : 1);
    }
    char c;
    assert_int_equal(read(stopped[0], &c, 1), 1);
    close(stopped[0]);
    close(stopped[1]);
    kill(pid, SIGKILL);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_string_equal(listing(p.dir), "OUT/OUT.tmp/"); /* the leftover */
    assert_true(holds(p.out, a));
    assert_int_equal(aq_snapshot_write(p.out, b, NULL, &err), AQ_OK);
    assert_true(holds(p.out, b));
    assert_string_equal(listing(p.dir), "OUT/");
    aq_snapshot_free(a);
    aq_snapshot_free(b);
}

enum { WRITERS = 3 };

/* Writer k's outcome of one round, as its exit status. */
enum { LANDED = 0, BUSY = 10, OTHER = 20 };

/* Several processes write different snapshots (one as JSON, the others as protobuf) to one path
 * at the same moment, round after round. Every round: the file is exactly one writer's whole
 * snapshot, that writer reported success, and it landed last among those that did; every other
 * writer either reported success (renamed before it) or failed with AQ_ERR_WRITER_BUSY; no
 * temporary file is left. */
static void test_file_hostile__concurrent_writers_never_mix(void **state)
{
    (void)state;
    place p = fresh_place("concurrent", NULL);
    aq_snapshot *snaps[WRITERS];
    for (int k = 0; k < WRITERS; k++) snaps[k] = sample(40 + (size_t)k * 30, (uint64_t)k + 1);
    aq_snapshot *old_snap = sample(3, 99);
    int landed_total = 0, busy_total = 0;
    const int rounds = RUNNING_ON_VALGRIND ? 20 : 200; /* each process under valgrind is slow */
    for (int round = 0; round < rounds; round++) {
        aq_error err;
        assert_int_equal(aq_snapshot_write(p.out, old_snap, NULL, &err), AQ_OK);
        int go[2];
        assert_int_equal(pipe(go), 0);
        pid_t pids[WRITERS];
        for (int k = 0; k < WRITERS; k++) {
            pids[k] = fork();
            assert_true(pids[k] >= 0);
            if (pids[k] == 0) {
                close(go[1]);
                char c;
                if (read(go[0], &c, 1) != 0) _exit(OTHER); /* all start when the pipe closes */
                close(go[0]);
                aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
                wo.format = k == 0 ? AQ_FORMAT_JSON : AQ_FORMAT_PROTOBUF;
                aq_status st = aq_snapshot_write(p.out, snaps[k], &wo, &err);
                int rc = st == AQ_OK                                         ? LANDED
                         : st == AQ_EIO && err.kind == AQ_ERR_WRITER_BUSY ? BUSY
                                                                           : OTHER;
                if (rc == OTHER) fprintf(stderr, "writer %d: %s\n", k, err.message);
                /* What the child inherited goes too (valgrind checks each process's leaks). */
                for (int j = 0; j < WRITERS; j++) aq_snapshot_free(snaps[j]);
                aq_snapshot_free(old_snap);
                _exit(rc);
            }
        }
        close(go[0]);
        close(go[1]);
        int landed = 0;
        for (int k = 0; k < WRITERS; k++) {
            int status;
            assert_int_equal(waitpid(pids[k], &status, 0), pids[k]);
            assert_true(WIFEXITED(status));
            int rc = WEXITSTATUS(status);
            if (rc != LANDED && rc != BUSY) fail_msg("round %d: writer %d exited %d", round, k, rc);
            landed |= rc == LANDED ? 1 << k : 0;
            landed_total += rc == LANDED;
            busy_total += rc == BUSY;
        }
        int found = -1;
        for (int k = 0; k < WRITERS && found < 0; k++)
            if (holds(p.out, snaps[k])) found = k;
        if (found < 0 && !(landed == 0 && holds(p.out, old_snap)))
            fail_msg("round %d: the file is no writer's whole snapshot", round);
        if (found >= 0 && !(landed & 1 << found))
            fail_msg("round %d: writer %d's file is there but it did not report success", round,
                     found);
        if (strcmp(listing(p.dir), "OUT/") != 0)
            fail_msg("round %d: left behind: %s", round, listing(p.dir));
    }
    printf("  %d writers x %d rounds: %d writes landed, %d refused as busy\n", WRITERS, rounds,
           landed_total, busy_total);
    assert_true(landed_total >= rounds); /* at least one writer lands each round */
    for (int k = 0; k < WRITERS; k++) aq_snapshot_free(snaps[k]);
    aq_snapshot_free(old_snap);
}

/* ---- modes, owners and symbolic links ------------------------------------------------------- */

/* The mode of the temporary file when the writer gives it the replaced file's mode. */
static mode_t mode_before_fchmod;

static int recording_fchmod(int fd, unsigned mode)
{
    struct stat st;
    mode_before_fchmod = fstat(fd, &st) == 0 ? st.st_mode & 07777 : 07777;
    return aq__sys_default.fchmod(fd, mode);
}

/* A replaced file keeps its permission bits (also read-only ones); a new file gets
 * 0666 & ~umask. Until the replacement has its mode, no one else may open it. */
static void test_file_hostile__modes(void **state)
{
    (void)state;
    place p = fresh_place("modes", NULL);
    aq_snapshot *s = sample(5, 1);
    aq_error err;
    mode_t saved = umask(027);
    assert_int_equal(aq_snapshot_write(p.out, s, NULL, &err), AQ_OK);
    assert_int_equal(mode_of(p.out) & 07777, 0640);
    umask(saved);
    static const mode_t kept[] = {0600, 0444, 0640, 0604, 0755};
    aq__sys.fchmod = recording_fchmod;
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        assert_int_equal(chmod(p.out, kept[i]), 0);
        mode_before_fchmod = 07777;
        assert_int_equal(aq_snapshot_write(p.out, s, NULL, &err), AQ_OK);
        assert_int_equal(mode_before_fchmod & 077, 0);
        assert_int_equal(mode_of(p.out) & 07777, kept[i]);
        assert_true(holds(p.out, s));
    }
    aq__sys = aq__sys_default;
    aq_snapshot_free(s);
}

/* The owner and group of a replaced file are kept where the process may set them (as root:
 * always), else the new file is the caller's (EPERM is no failure). */
static void test_file_hostile__owner_and_group(void **state)
{
    (void)state;
    place p = fresh_place("owner", NULL);
    aq_snapshot *s = sample(5, 1);
    aq_error err;
    assert_int_equal(aq_snapshot_write(p.out, s, NULL, &err), AQ_OK);
    struct stat st;
    if (geteuid() == 0) {
        assert_int_equal(chown(p.out, 4321, 8765), 0);
        assert_int_equal(chmod(p.out, 0640), 0);
        assert_int_equal(aq_snapshot_write(p.out, s, NULL, &err), AQ_OK);
        assert_int_equal(stat(p.out, &st), 0);
        assert_int_equal(st.st_uid, 4321);
        assert_int_equal(st.st_gid, 8765);
        assert_int_equal(st.st_mode & 07777, 0640);
    } else {
        assert_int_equal(aq_snapshot_write(p.out, s, NULL, &err), AQ_OK);
        assert_int_equal(stat(p.out, &st), 0);
        assert_int_equal(st.st_uid, geteuid());
    }
    aq_snapshot_free(s);
}

/* When the path is a symbolic link, the link is replaced by the new file (with a new file's
 * mode) and its target keeps its bytes. */
static void test_file_hostile__symlink_target_is_replaced_not_followed(void **state)
{
    (void)state;
    place p = fresh_place("link", "elsewhere");
    write_text(p.other, "the link's target");
    assert_int_equal(chmod(p.other, 0600), 0);
    assert_int_equal(symlink("elsewhere", p.out), 0);
    aq_snapshot *s = sample(5, 1);
    aq_error err;
    mode_t saved = umask(022);
    assert_int_equal(aq_snapshot_write(p.out, s, NULL, &err), AQ_OK);
    umask(saved);
    assert_true(S_ISREG(mode_of(p.out)));
    assert_int_equal(mode_of(p.out) & 07777, 0644);
    assert_true(holds(p.out, s));
    assert_true(has_text(p.other, "the link's target"));
    assert_string_equal(listing(p.dir), "OUT/elsewhere/");
    aq_snapshot_free(s);
}

/* A directory or FIFO at the path is not replaced (a device neither: root must not replace
 * /dev/null by a snapshot). */
static void test_file_hostile__path_that_is_not_a_file(void **state)
{
    (void)state;
    place p = fresh_place("notfile", NULL);
    char path[160];
    aq_snapshot *s = sample(5, 1);
    aq_error err;
    join(path, sizeof path, p.dir, "adir");
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(aq_snapshot_write(path, s, NULL, &err), AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_NOT_A_FILE);
    assert_non_null(strstr(err.message, "is a directory"));
    join(path, sizeof path, p.dir, "afifo");
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(aq_snapshot_write(path, s, NULL, &err), AQ_EINVAL);
    assert_non_null(strstr(err.message, "is a FIFO"));
    assert_string_equal(listing(p.dir), "adir/afifo/");
    (void)snprintf(path, sizeof path, "%s/", p.dir);
    assert_int_equal(aq_snapshot_write(path, s, NULL, &err), AQ_EINVAL);
    assert_non_null(strstr(err.message, "ends in '/'"));
    aq_snapshot_free(s);
}

/* ---- names of every legal length ------------------------------------------------------------ */

/* The temporary name the writer uses for `path`: its rename is made to fail and reports it. */
static char seen_from[512];

static int recording_renameat(int fd, const char *from, int td, const char *to)
{
    (void)fd;
    (void)td;
    (void)to;
    (void)snprintf(seen_from, sizeof seen_from, "%s", from);
    return errno = EXDEV, -1;
}

static const char *temp_name_of(const char *path, const aq_snapshot *s)
{
    aq__sys.renameat = recording_renameat;
    aq_error err;
    assert_int_equal(aq_snapshot_write(path, s, NULL, &err), AQ_EIO);
    aq__sys = aq__sys_default;
    return seen_from;
}

/* Names of 250 to 255 bytes (NAME_MAX) write and load; a name whose `.tmp` would be over
 * NAME_MAX gets a shorter temporary name in the same directory that still tells the target
 * apart (hash), never cut inside a UTF-8 character. */
static void test_file_hostile__long_names(void **state)
{
    (void)state;
    place p = fresh_place("long", NULL);
    aq_snapshot *s = sample(5, 1);
    for (size_t n = 250; n <= 255; n++) {
        char name[256], path[512];
        memset(name, 'n', n);
        name[n] = '\0';
        join(path, sizeof path, p.dir, name);
        aq_error err;
        assert_int_equal(aq_snapshot_write(path, s, NULL, &err), AQ_OK);
        assert_true(holds(path, s));
        const char *tmp = temp_name_of(path, s);
        assert_true(strlen(tmp) <= 255);
        if (n + 4 <= 255) {
            assert_int_equal(strncmp(tmp, name, n), 0);
            assert_string_equal(tmp + n, ".tmp");
        } else {
            assert_int_equal(strncmp(tmp, name, 200), 0);
            assert_int_equal(strcmp(tmp + strlen(tmp) - 4, ".tmp"), 0);
        }
        assert_int_equal(unlink(path), 0);
    }
    assert_string_equal(listing(p.dir), "");

    /* Two long names that differ only at their end get different temporary names. */
    char a[256], b[256], pa[512], pb[512], ta[256];
    memset(a, 'x', 255);
    a[255] = '\0';
    memcpy(b, a, sizeof b);
    b[254] = 'y';
    join(pa, sizeof pa, p.dir, a);
    join(pb, sizeof pb, p.dir, b);
    (void)snprintf(ta, sizeof ta, "%s", temp_name_of(pa, s));
    assert_string_not_equal(ta, temp_name_of(pb, s));

    /* A 2-byte UTF-8 character across the cut: the temporary name keeps it whole or not at all. */
    char u[256], pu[512];
    memset(u, 'u', 255);
    for (size_t i = 1; i + 1 < 255; i += 2) {
        u[i] = (char)0xc3;
        u[i + 1] = (char)0xa9; /* é */
    }
    u[255] = '\0';
    join(pu, sizeof pu, p.dir, u);
    const char *tu = temp_name_of(pu, s);
    assert_int_equal(aq__utf8_invalid_at(tu, strlen(tu)), strlen(tu));
    aq_snapshot_free(s);
}

/* ---- the payload cap of writes ----------------------------------------------------------------- */

/* A payload over max_payload is refused before anything touches the disk (here the directory
 * does not even exist), naming both sizes; a version-1 options struct gets the default cap. */
static void test_file_hostile__write_refuses_what_cannot_be_read_back(void **state)
{
    (void)state;
    aq_snapshot *s = sample(40, 1);
    aq_buffer img;
    aq_error err;
    assert_int_equal(aq_snapshot_write_buffer(s, NULL, &img, &err), AQ_OK);
    size_t payload = img.len - AQ_ENVELOPE_SIZE;
    aq_buffer_free(&img);
    char path[160];
    scratch_path(path, sizeof path, "no/such/dir/OUT");
    aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
    wo.max_payload = payload - 1;
    assert_int_equal(aq_snapshot_write(path, s, &wo, &err), AQ_ELIMIT);
    assert_int_equal(err.kind, AQ_ERR_PAYLOAD_TOO_LARGE);
    char sizes[64];
    (void)snprintf(sizes, sizeof sizes, "payload of %zu bytes exceeds the limit of %zu", payload,
                   payload - 1);
    assert_non_null(strstr(err.message, sizes));
    assert_int_equal(aq_snapshot_write_buffer(s, &wo, &img, &err), AQ_ELIMIT);
    assert_null(img.data);
    /* Exactly at the cap it is written, and the loader with the same cap reads it back. */
    wo.max_payload = payload;
    assert_int_equal(aq_snapshot_write_buffer(s, &wo, &img, &err), AQ_OK);
    aq_load_options lo = AQ_LOAD_OPTIONS_INIT;
    lo.max_payload = payload;
    aq_snapshot *back;
    assert_int_equal(aq_snapshot_load_buffer(img.data, img.len, &lo, &back, NULL, &err), AQ_OK);
    aq_snapshot_free(back);
    aq_buffer_free(&img);

    typedef struct v1 {
        uint32_t version;
        const aq_allocator *allocator;
        aq_format format;
        uint32_t flags;
    } v1;
    assert_int_equal(sizeof(v1), offsetof(aq_write_options, max_payload));
    v1 *old = malloc(sizeof *old); /* its own size: a read past it is caught */
    assert_non_null(old);
    *old = (v1){1, NULL, AQ_FORMAT_JSON, 0};
    assert_int_equal(aq_snapshot_write_buffer(s, (const aq_write_options *)old, &img, &err),
                     AQ_OK);
    assert_int_equal(img.data[0], AQ_FRAME_JSON);
    aq_buffer_free(&img);
    free(old);
    aq_snapshot_free(s);
}

/* ---- loading what is not a regular file ------------------------------------------------------ */

static void expect_not_a_file(const char *path, const char *what)
{
    aq_snapshot *s = (aq_snapshot *)1;
    aq_error err;
    alarm(20); /* a hang fails the test instead of stalling the suite */
    aq_status st = aq_snapshot_load(path, NULL, &s, NULL, &err);
    alarm(0);
    assert_int_equal(st, AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_NOT_A_FILE);
    assert_null(s);
    if (strstr(err.message, what) == NULL) fail_msg("%s: %s", path, err.message);
    assert_null(strstr(err.message, path));
}

/* FIFOs (no writer: opening one must not wait), devices and sockets are refused with their own
 * kind, at once. */
static void test_file_hostile__load_refuses_fifos_devices_sockets(void **state)
{
    (void)state;
    place p = fresh_place("special", NULL);
    char path[160];
    join(path, sizeof path, p.dir, "fifo");
    assert_int_equal(mkfifo(path, 0600), 0);
    expect_not_a_file(path, "is a FIFO");
    expect_not_a_file("/dev/null", "is a character device");
    join(path, sizeof path, p.dir, "sock");
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_un sa = {0};
    sa.sun_family = AF_UNIX;
    assert_true(strlen(path) < sizeof sa.sun_path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    expect_not_a_file(path, "is a socket");
    close(fd);
}

/* ---- what a file holds ----------------------------------------------------------------------- */

static aq_status load_path(const char *path, aq_error *err)
{
    aq_snapshot *s = NULL;
    aq_status st = aq_snapshot_load(path, NULL, &s, NULL, err);
    aq_snapshot_free(s);
    return st;
}

/* A text file is "not a snapshot file", with the bytes it starts with; an envelope of a version
 * this library does not know is still an incompatible version. */
static void test_file_hostile__text_is_not_a_snapshot(void **state)
{
    (void)state;
    char path[160];
    scratch_path(path, sizeof path, "hello.txt");
    write_text(path, "hello, world\n");
    aq_error err;
    assert_int_equal(load_path(path, &err), AQ_EDECODE);
    assert_int_equal(err.kind, AQ_ERR_NOT_A_SNAPSHOT);
    assert_non_null(strstr(err.message, "not a snapshot file (neither an envelope nor JSON)"));
    assert_non_null(strstr(err.message, "found 1819043176 (0x6c6c6568)"));
    write_text(path, "hi!\n"); /* too short for a header, and not JSON */
    assert_int_equal(load_path(path, &err), AQ_EDECODE);
    assert_int_equal(err.kind, AQ_ERR_NOT_A_SNAPSHOT);

    /* Version words this library does not know: small ones, and any that frame their length. */
    uint8_t hdr[16] = {5, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' '};
    write_bytes(path, hdr, sizeof hdr);
    assert_int_equal(load_path(path, &err), AQ_EVERSION);
    assert_int_equal(err.kind, AQ_ERR_FRAME_VERSION);
    hdr[4] = 99; /* a length that does not match: still a small version */
    write_bytes(path, hdr, sizeof hdr);
    assert_int_equal(load_path(path, &err), AQ_EVERSION);
    memcpy(hdr, "AQP2", 4);
    hdr[4] = 4;
    write_bytes(path, hdr, sizeof hdr);
    assert_int_equal(load_path(path, &err), AQ_EVERSION);
    assert_non_null(strstr(err.message, "found 844124481 (0x32505141)"));
    hdr[4] = 5; /* a big word, a length that does not frame: no snapshot */
    write_bytes(path, hdr, sizeof hdr);
    assert_int_equal(load_path(path, &err), AQ_EDECODE);
    assert_int_equal(err.kind, AQ_ERR_NOT_A_SNAPSHOT);
}

/* A bare JSON document may start with whitespace or blank lines (a pretty dump saved to a file):
 * from a file, from memory and from a stream. */
static void test_file_hostile__json_after_whitespace(void **state)
{
    (void)state;
    aq_snapshot *s = sample(5, 3);
    aq_buffer json;
    aq_error err;
    assert_int_equal(aq_snapshot_encode_json(s, NULL, AQ_JSON_PRETTY, &json, &err), AQ_OK);
    static const char *const leads[] = {"  ", "\n", "\n\n", "\r\n\t \r\n", "            \n    "};
    char path[160];
    scratch_path(path, sizeof path, "lead.json");
    for (size_t i = 0; i < sizeof leads / sizeof leads[0]; i++) {
        size_t n = strlen(leads[i]);
        uint8_t *doc = malloc(n + json.len);
        assert_non_null(doc);
        memcpy(doc, leads[i], n);
        memcpy(doc + n, json.data, json.len);
        write_bytes(path, doc, n + json.len);
        aq_load_info info;
        aq_snapshot *back = NULL;
        assert_int_equal(aq_snapshot_load(path, NULL, &back, &info, &err), AQ_OK);
        assert_false(info.framed);
        assert_int_equal(info.payload_len, n + json.len);
        char where[256];
        assert_true(snapshot_equal(s, back, where, sizeof where));
        aq_snapshot_free(back);
        assert_int_equal(aq_snapshot_load_buffer(doc, n + json.len, NULL, &back, NULL, &err),
                         AQ_OK);
        aq_snapshot_free(back);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        assert_int_equal(aq_snapshot_load_stream(f, NULL, &back, NULL, &err), AQ_OK);
        fclose(f);
        aq_snapshot_free(back);
        free(doc);
    }
    /* "  {}" is read as JSON: its error is about the document, not an envelope. */
    write_text(path, "  {}");
    assert_int_equal(load_path(path, &err), AQ_EDECODE);
    assert_int_equal(err.kind, AQ_ERR_MISSING_FIELD);
    aq_buffer_free(&json);
    aq_snapshot_free(s);
}

/* ---- streams --------------------------------------------------------------------------------- */

/* Bytes a thread feeds into a pipe while the test reads it (a thread, not a child process: the
 * test's memory stays its own). */
typedef struct feeder {
    const uint8_t *data;
    size_t len;
    int fd;
} feeder;

static void *feed(void *arg)
{
    feeder *f = arg;
    const uint8_t *p = f->data;
    size_t left = f->len;
    while (left > 0) {
        ssize_t w = write(f->fd, p, left);
        if (w <= 0) break; /* the reader stopped early: EPIPE */
        p += w;
        left -= (size_t)w;
    }
    close(f->fd);
    return NULL;
}

static aq_status load_piped_info(const void *data, size_t len, const aq_load_options *lo,
                                 aq_snapshot **out, aq_load_info *info, aq_error *err)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    feeder f = {data, len, fds[1]};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, feed, &f), 0);
    FILE *in = fdopen(fds[0], "rb");
    assert_non_null(in);
    aq_status st = aq_snapshot_load_stream(in, lo, out, info, err);
    fclose(in); /* a feeder still blocked on a full pipe gets EPIPE and ends */
    assert_int_equal(pthread_join(t, NULL), 0);
    return st;
}

static aq_status load_piped(const void *data, size_t len, const aq_load_options *lo,
                            aq_snapshot **out, aq_error *err)
{
    return load_piped_info(data, len, lo, out, NULL, err);
}

/* A pipe holding a snapshot loads; an empty one is no snapshot; trailing bytes are counted and
 * dropped (refused past the cap) and a document over the cap is refused; a header announcing a big payload costs memory only as bytes come. */
static void test_file_hostile__streams(void **state)
{
    (void)state;
    aq_snapshot *s = sample(300, 4);
    aq_buffer img;
    aq_error err;
    assert_int_equal(aq_snapshot_write_buffer(s, NULL, &img, &err), AQ_OK);
    aq_snapshot *back = NULL;
    assert_int_equal(load_piped(img.data, img.len, NULL, &back, &err), AQ_OK);
    char where[256];
    assert_true(snapshot_equal(s, back, where, sizeof where));
    aq_snapshot_free(back);
    assert_int_equal(load_piped("", 0, NULL, &back, &err), AQ_NO_SNAPSHOT);

    uint8_t *longer = malloc(img.len + 1);
    assert_non_null(longer);
    memcpy(longer, img.data, img.len);
    longer[img.len] = 0;
    aq_load_info info;
    assert_int_equal(load_piped_info(longer, img.len + 1, NULL, &back, &info, &err), AQ_OK);
    assert_int_equal(info.trailing, 1);
    aq_snapshot_free(back);
    free(longer);
    /* Bytes after the image are counted, not kept: past the payload cap, the stream is refused. */
    aq_load_options cap = AQ_LOAD_OPTIONS_INIT;
    cap.max_payload = img.len; /* the payload and a little more */
    size_t more = 2 * img.len;
    longer = calloc(1, img.len + more);
    assert_non_null(longer);
    memcpy(longer, img.data, img.len);
    assert_int_equal(load_piped(longer, img.len + more, &cap, &back, &err), AQ_ELIMIT);
    assert_int_equal(err.kind, AQ_ERR_TRAILING_DATA);
    assert_non_null(strstr(err.message, "goes on for more than"));
    assert_int_equal(load_piped_info(longer, img.len + img.len / 2, &cap, &back, &info, &err),
                     AQ_OK);
    assert_int_equal(info.trailing, img.len / 2);
    aq_snapshot_free(back);
    free(longer);

    aq_buffer json;
    assert_int_equal(aq_snapshot_encode_json(s, NULL, 0, &json, &err), AQ_OK);
    aq_load_options lo = AQ_LOAD_OPTIONS_INIT;
    lo.max_payload = json.len - 1;
    assert_int_equal(load_piped(json.data, json.len, &lo, &back, &err), AQ_ELIMIT);
    assert_int_equal(err.kind, AQ_ERR_PAYLOAD_TOO_LARGE);
    lo.max_payload = json.len;
    assert_int_equal(load_piped(json.data, json.len, &lo, &back, &err), AQ_OK);
    aq_snapshot_free(back);

    /* 200 MiB announced, 1 MiB sent: the memory follows the bytes, not the header. */
    size_t sent = (size_t)1 << 20;
    uint8_t *cut = calloc(1, sent);
    assert_non_null(cut);
    memcpy(cut, img.data, AQ_ENVELOPE_SIZE);
    uint32_t announced = 200u << 20;
    for (int i = 0; i < 4; i++) cut[4 + i] = (uint8_t)(announced >> (8 * i));
    fail_alloc fa;
    fail_alloc_reset(&fa, SIZE_MAX);
    aq_allocator al = fail_alloc_allocator(&fa);
    lo = (aq_load_options)AQ_LOAD_OPTIONS_INIT;
    lo.allocator = &al;
    assert_int_equal(load_piped(cut, sent, &lo, &back, &err), AQ_ETRUNCATED);
    assert_int_equal(err.kind, AQ_ERR_TRUNCATED_PAYLOAD);
    printf("  200 MiB announced, 1 MiB sent: %zu bytes at the peak\n", fa.peak_bytes);
    /* The buffer doubles: the old one and the new one at the last step. */
    assert_true(fa.peak_bytes <= 3 * (sent + AQ__JSON_PADDING));
    assert_int_equal(fa.live_bytes, 0);
    free(cut);
    aq_buffer_free(&json);
    aq_buffer_free(&img);
    aq_snapshot_free(s);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_hostile__planted_symlink_is_not_followed),
        cmocka_unit_test(test_file_hostile__planted_hard_link_is_not_written),
        cmocka_unit_test(test_file_hostile__other_files_at_the_temporary_name),
        cmocka_unit_test(test_file_hostile__locked_temporary_means_busy),
        cmocka_unit_test(test_file_hostile__crashed_writer_leftover_is_reclaimed),
        cmocka_unit_test(test_file_hostile__concurrent_writers_never_mix),
        cmocka_unit_test(test_file_hostile__modes),
        cmocka_unit_test(test_file_hostile__owner_and_group),
        cmocka_unit_test(test_file_hostile__symlink_target_is_replaced_not_followed),
        cmocka_unit_test(test_file_hostile__path_that_is_not_a_file),
        cmocka_unit_test(test_file_hostile__long_names),
        cmocka_unit_test(test_file_hostile__write_refuses_what_cannot_be_read_back),
        cmocka_unit_test(test_file_hostile__load_refuses_fifos_devices_sockets),
        cmocka_unit_test(test_file_hostile__text_is_not_a_snapshot),
        cmocka_unit_test(test_file_hostile__json_after_whitespace),
        cmocka_unit_test(test_file_hostile__streams),
    };
    return cmocka_run_group_tests(tests, scratch_dir_create, scratch_dir_remove);
}
