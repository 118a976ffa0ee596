/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshot files: envelope checks on every prefix and every header bit flip, the payload cap,
 * durable writes under injected system-call failures and a killed writer, allocation failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "aqsnap.h"
#include "read_file.h"
#include "build.h"
#include "compare.h"
#include "fail_alloc.h"
#include "internal.h"
#include "protobuf/wire.h"
#include "sample.h"
#include "scratch_dir.h"
#include "stream_write.h"

/* ---- helpers ------------------------------------------------------------------------------- */

static aq_snapshot *sample(size_t tasks, uint64_t seed)
{
    return build_sample(AQ_SCHEMA_MAX, tasks, true, seed);
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len > 0) assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* A small valid file image to cut and flip. */
static aq_buffer small_image(aq_format format)
{
    aq_snapshot *s = sample(4, 1);
    aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
    wo.format = format;
    aq_buffer img;
    aq_error err;
    assert_int_equal(aq_snapshot_write_buffer(s, &wo, &img, &err), AQ_OK);
    aq_snapshot_free(s);
    return img;
}

/* ---- loading ------------------------------------------------------------------------------- */

/* Write a snapshot of `tasks` tasks in both formats and load it back equal; its payload is at
 * least `min_payload` bytes. */
static void write_then_load(size_t tasks, uint32_t min_payload)
{
    aq_format formats[] = {AQ_FORMAT_PROTOBUF, AQ_FORMAT_JSON};
    for (size_t f = 0; f < 2; f++) {
        char path[128];
        scratch_path(path, sizeof path, "roundtrip.bin");
        aq_snapshot *s = sample(tasks, 3);
        aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
        wo.format = formats[f];
        aq_error err;
        assert_int_equal(aq_snapshot_write(path, s, &wo, &err), AQ_OK);
        aq_snapshot *back = NULL;
        aq_load_info info;
        assert_int_equal(aq_snapshot_load(path, NULL, &back, &info, &err), AQ_OK);
        assert_int_equal(info.format, formats[f]);
        assert_true(info.framed);
        assert_true(info.payload_len >= min_payload);
        assert_int_equal(info.frame_version,
                         formats[f] == AQ_FORMAT_JSON ? AQ_FRAME_JSON : AQ_FRAME_PROTOBUF);
        char where[256];
        if (!snapshot_equal(s, back, where, sizeof where)) fail_msg("differs at %s", where);
        assert_false(exists(strcat(path, ".tmp")));
        aq_snapshot_free(back);
        aq_snapshot_free(s);
    }
}

static void test_file__write_then_load_both_formats(void **state)
{
    (void)state;
    write_then_load(40, 0);
}

/* Payloads of 1 MiB and more are read into a mapping of their own (file_load.c); twice, so the
 * second load follows a released one. */
static void test_file__big_files_load_through_their_own_mapping(void **state)
{
    (void)state;
    write_then_load(3000, 1u << 20);
    write_then_load(3000, 1u << 20);
}

static void test_file__missing_and_empty_are_no_snapshot(void **state)
{
    (void)state;
    char path[128];
    aq_snapshot *s = (aq_snapshot *)1;
    aq_error err;
    scratch_path(path, sizeof path, "absent.bin");
    assert_int_equal(aq_snapshot_load(path, NULL, &s, NULL, &err), AQ_NO_SNAPSHOT);
    assert_int_equal(err.kind, AQ_ERR_NO_SNAPSHOT);
    assert_null(s);
    scratch_path(path, sizeof path, "empty.bin");
    write_bytes(path, "", 0);
    assert_int_equal(aq_snapshot_load(path, NULL, &s, NULL, &err), AQ_NO_SNAPSHOT);
    assert_int_equal(aq_snapshot_load_buffer("", 0, NULL, &s, NULL, &err), AQ_NO_SNAPSHOT);
}

/* A directory is not a snapshot file: its own kind, and a message that reads well after the
 * path a tool prints in front of it (it does not repeat the path). */
static void test_file__directory_is_not_a_file(void **state)
{
    (void)state;
    aq_snapshot *s = (aq_snapshot *)1;
    aq_error err;
    assert_int_equal(aq_snapshot_load(scratch_dir, NULL, &s, NULL, &err), AQ_EINVAL);
    assert_int_equal(err.kind, AQ_ERR_NOT_A_FILE);
    assert_null(s);
    assert_non_null(strstr(err.message, "is a directory"));
    assert_null(strstr(err.message, scratch_dir));
}

/* Every prefix of a file, as a real file: exact status and the offset where data ends. */
static void test_file__every_prefix_of_a_file(void **state)
{
    (void)state;
    aq_buffer img = small_image(AQ_FORMAT_PROTOBUF);
    char path[128];
    scratch_path(path, sizeof path, "prefix.bin");
    for (size_t n = 0; n <= img.len; n++) {
        write_bytes(path, img.data, n);
        aq_snapshot *s = (aq_snapshot *)1;
        aq_error err;
        aq_status st = aq_snapshot_load(path, NULL, &s, NULL, &err);
        char at[48];
        (void)snprintf(at, sizeof at, "ends at byte %zu", n);
        if (n == 0) {
            assert_int_equal(st, AQ_NO_SNAPSHOT);
        } else if (n < AQ_ENVELOPE_SIZE) {
            assert_int_equal(st, AQ_ETRUNCATED);
            assert_int_equal(err.kind, AQ_ERR_TRUNCATED_HEADER);
            assert_non_null(strstr(err.message, at));
        } else if (n < img.len) {
            assert_int_equal(st, AQ_ETRUNCATED);
            assert_int_equal(err.kind, AQ_ERR_TRUNCATED_PAYLOAD);
            assert_non_null(strstr(err.message, at));
        } else {
            assert_int_equal(st, AQ_OK);
            aq_snapshot_free(s);
            continue;
        }
        assert_null(s);
        /* The same image from memory gives the same answer. */
        aq_error err2;
        assert_int_equal(aq_snapshot_load_buffer(img.data, n, NULL, &s, NULL, &err2), st);
        assert_int_equal(err2.kind, err.kind);
    }
    aq_buffer_free(&img);
}

static uint32_t u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Every single-bit flip of the header gives the error of the word it lands in. */
static void test_file__every_header_bit_flip(void **state)
{
    (void)state;
    aq_format formats[] = {AQ_FORMAT_PROTOBUF, AQ_FORMAT_JSON};
    for (size_t f = 0; f < 2; f++) {
        aq_buffer img = small_image(formats[f]);
        uint32_t len = u32le(img.data + 4);
        for (size_t bit = 0; bit < AQ_ENVELOPE_SIZE * 8; bit++) {
            img.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            aq_snapshot *s = (aq_snapshot *)1;
            aq_error err;
            aq_status st = aq_snapshot_load_buffer(img.data, img.len, NULL, &s, NULL, &err);
            char found[32];
            if (bit < 32) {
                assert_int_equal(st, AQ_EVERSION);
                assert_int_equal(err.kind, AQ_ERR_FRAME_VERSION);
                (void)snprintf(found, sizeof found, "found %u", u32le(img.data));
                assert_non_null(strstr(err.message, found));
            } else if (bit < 64) {
                uint32_t flipped = u32le(img.data + 4);
                if (flipped > AQ_DEFAULT_MAX_PAYLOAD) {
                    assert_int_equal(st, AQ_ELIMIT);
                    assert_int_equal(err.kind, AQ_ERR_PAYLOAD_TOO_LARGE);
                } else if (flipped > len) {
                    assert_int_equal(st, AQ_ETRUNCATED);
                    assert_int_equal(err.kind, AQ_ERR_TRUNCATED_PAYLOAD);
                } else {
                    /* A shorter payload, then bytes nobody reads: the CRC was the whole one's. */
                    assert_int_equal(st, AQ_ECRC);
                    assert_int_equal(err.kind, AQ_ERR_CRC_MISMATCH);
                }
            } else {
                assert_int_equal(st, AQ_ECRC);
                assert_int_equal(err.kind, AQ_ERR_CRC_MISMATCH);
                (void)snprintf(found, sizeof found, "expected 0x%08x", u32le(img.data + 8));
                assert_non_null(strstr(err.message, found));
            }
            assert_null(s);
            img.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        /* Any single-bit flip in the payload is a CRC mismatch (CRC-32 catches them all). */
        for (size_t bit = AQ_ENVELOPE_SIZE * 8; bit < img.len * 8; bit += 7) {
            img.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            aq_snapshot *s;
            aq_error err;
            assert_int_equal(aq_snapshot_load_buffer(img.data, img.len, NULL, &s, NULL, &err),
                             AQ_ECRC);
            img.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        }
        aq_buffer_free(&img);
    }
}

/* Bytes after the payload the header announces: the engine reads the header and the payload
 * and stops, so they load, from a file or an image, and the load says how many there were. */
static void test_file__trailing_bytes_are_ignored(void **state)
{
    (void)state;
    aq_format formats[] = {AQ_FORMAT_PROTOBUF, AQ_FORMAT_JSON};
    for (size_t f = 0; f < 2; f++) {
        aq_buffer img = small_image(formats[f]);
        uint8_t *longer = malloc(img.len + 3);
        assert_non_null(longer);
        memcpy(longer, img.data, img.len);
        memcpy(longer + img.len, "{x}", 3);
        char path[128];
        scratch_path(path, sizeof path, "trailing.bin");
        write_bytes(path, longer, img.len + 3);
        aq_snapshot *s, *t;
        aq_error err;
        aq_load_info info;
        assert_int_equal(aq_snapshot_load(path, NULL, &s, &info, &err), AQ_OK);
        assert_int_equal(info.trailing, 3);
        assert_int_equal(info.payload_len, img.len - AQ_ENVELOPE_SIZE);
        assert_int_equal(aq_snapshot_load_buffer(longer, img.len + 3, NULL, &t, &info, &err),
                         AQ_OK);
        assert_int_equal(info.trailing, 3);
        char where[256];
        assert_true(snapshot_equal(s, t, where, sizeof where));
        aq_snapshot_free(t);
        assert_int_equal(aq_snapshot_load_buffer(img.data, img.len, NULL, &t, &info, &err), AQ_OK);
        assert_int_equal(info.trailing, 0);
        aq_snapshot_free(t);
        aq_snapshot_free(s);
        free(longer);
        aq_buffer_free(&img);
    }
}

/* An announced payload over the cap is refused before anything is allocated. */
static void test_file__payload_cap_before_allocation(void **state)
{
    (void)state;
    uint8_t hdr[AQ_ENVELOPE_SIZE] = {0x41, 0x51, 0x50, 0x31, 0, 0, 0, 0x12 /* 300 MiB */};
    char path[128];
    scratch_path(path, sizeof path, "huge.bin");
    write_bytes(path, hdr, sizeof hdr);
    fail_alloc fa;
    fail_alloc_reset(&fa, SIZE_MAX);
    aq_allocator al = fail_alloc_allocator(&fa);
    aq_load_options lo = AQ_LOAD_OPTIONS_INIT;
    lo.allocator = &al;
    aq_snapshot *s;
    aq_error err;
    assert_int_equal(aq_snapshot_load(path, &lo, &s, NULL, &err), AQ_ELIMIT);
    assert_int_equal(err.kind, AQ_ERR_PAYLOAD_TOO_LARGE);
    assert_non_null(strstr(err.message, "301989888"));
    assert_non_null(strstr(err.message, "268435456"));
    assert_int_equal(fa.calls, 0);

    /* A configured cap applies the same way. */
    aq_buffer img = small_image(AQ_FORMAT_PROTOBUF);
    lo.max_payload = u32le(img.data + 4) - 1;
    assert_int_equal(aq_snapshot_load_buffer(img.data, img.len, &lo, &s, NULL, &err), AQ_ELIMIT);
    lo.max_payload = u32le(img.data + 4);
    assert_int_equal(aq_snapshot_load_buffer(img.data, img.len, &lo, &s, NULL, &err), AQ_OK);
    aq_snapshot_free(s);
    aq_buffer_free(&img);
}

static void test_file__random_garbage_never_crashes(void **state)
{
    (void)state;
    uint64_t x = 42;
    uint8_t buf[512];
    for (int round = 0; round < 3000; round++) {
        size_t n = (size_t)(x % sizeof buf);
        for (size_t i = 0; i < n; i++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            buf[i] = (uint8_t)(x >> 56);
        }
        /* Half of the inputs get a plausible header so the payload decoders are reached. */
        if (round % 2 && n >= AQ_ENVELOPE_SIZE) {
            uint32_t frame = round % 4 == 1 ? AQ_FRAME_PROTOBUF : AQ_FRAME_JSON;
            aq__envelope_seal(buf, frame, n - AQ_ENVELOPE_SIZE);
        }
        aq_snapshot *s = (aq_snapshot *)1;
        aq_error err;
        aq_status st = aq_snapshot_load_buffer(buf, n, NULL, &s, NULL, &err);
        if (st == AQ_OK)
            aq_snapshot_free(s);
        else
            assert_null(s);
        assert_true(strlen(err.message) > 0 || st == AQ_OK);
    }
}

static void test_file__bare_json_document(void **state)
{
    (void)state;
    aq_snapshot *s = sample(5, 2);
    aq_buffer json;
    aq_error err;
    assert_int_equal(aq_snapshot_encode_json(s, NULL, 0, &json, &err), AQ_OK);
    char path[128];
    scratch_path(path, sizeof path, "bare.json");
    write_bytes(path, json.data, json.len);
    aq_snapshot *back;
    aq_load_info info;
    assert_int_equal(aq_snapshot_load(path, NULL, &back, &info, &err), AQ_OK);
    assert_false(info.framed);
    assert_int_equal(info.format, AQ_FORMAT_JSON);
    char where[256];
    assert_true(snapshot_equal(s, back, where, sizeof where));
    aq_snapshot_free(back);
    aq_buffer_free(&json);
    aq_snapshot_free(s);
}

static void test_file__validation_on_load_and_opt_out(void **state)
{
    (void)state;
    aq_snapshot *s = sample(10, 1);
    s->metadata.task_count++; /* breaks exactly one rule */
    aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
    aq_buffer img;
    aq_error err;
    assert_int_equal(aq_snapshot_write_buffer(s, &wo, &img, &err), AQ_EINVALID);
    assert_int_equal(err.kind, AQ_ERR_TASK_COUNT_MISMATCH);
    wo.flags = AQ_WRITE_NO_VALIDATE;
    assert_int_equal(aq_snapshot_write_buffer(s, &wo, &img, &err), AQ_OK);
    aq_snapshot *back = (aq_snapshot *)1;
    assert_int_equal(aq_snapshot_load_buffer(img.data, img.len, NULL, &back, NULL, &err),
                     AQ_EINVALID);
    assert_int_equal(err.kind, AQ_ERR_TASK_COUNT_MISMATCH);
    assert_null(back);
    aq_load_options lo = AQ_LOAD_OPTIONS_INIT;
    lo.flags = AQ_LOAD_NO_VALIDATE;
    assert_int_equal(aq_snapshot_load_buffer(img.data, img.len, &lo, &back, NULL, &err), AQ_OK);
    aq_snapshot_free(back);
    aq_buffer_free(&img);
    aq_snapshot_free(s);
}

/* ---- writing under failure ----------------------------------------------------------------- */

/* A call to break, how, and what the error message must then say. */
typedef struct fault_case {
    const char *call;  /* a member of aq__sys_table: "openat", "write", "fsync", ... */
    int nth;           /* fail the nth such call (0 = first) */
    int errnum;
    bool short_write;  /* write: write half, then fail */
    const char *says;
} fault_case;

/* The call being broken (none while call is NULL), and how many of its kind ran. */
static struct {
    fault_case c;
    int seen;
} fault;

static bool hit(const char *call)
{
    return fault.c.call != NULL && strcmp(fault.c.call, call) == 0 && fault.seen++ == fault.c.nth;
}

static void break_call(fault_case c)
{
    fault.c = c;
    fault.seen = 0;
}

/* The broken call made the operation fail as AQ_EIO with its errno, saying what it must. */
static void expect_broken(const fault_case *c, aq_status st, const aq_error *err)
{
    if (st != AQ_EIO || err->sys_errno != c->errnum || strstr(err->message, c->says) == NULL)
        fail_msg("%s #%d: %s, errno %d: %s", c->call, c->nth, aq_status_name(st), err->sys_errno,
                 err->message);
    assert_int_equal(err->kind, AQ_ERR_SYSCALL);
}

#define FAIL_IF_HIT(name) if (hit(name)) return errno = fault.c.errnum, -1

static int f_openat(int d, const char *path, int flags, unsigned mode)
{
    FAIL_IF_HIT("openat");
    return aq__sys_default.openat(d, path, flags, mode);
}

static long f_read(int fd, void *buf, size_t n)
{
    FAIL_IF_HIT("read");
    return aq__sys_default.read(fd, buf, n);
}

static long f_write(int fd, const void *buf, size_t n)
{
    if (fault.c.call != NULL && strcmp(fault.c.call, "write") == 0 && fault.c.short_write &&
        fault.seen == fault.c.nth && n > 1) {
        fault.c.short_write = false; /* half now, the failure on the next call */
        return aq__sys_default.write(fd, buf, n / 2);
    }
    FAIL_IF_HIT("write");
    return aq__sys_default.write(fd, buf, n);
}

static int f_fsync(int fd)
{
    FAIL_IF_HIT("fsync");
    return aq__sys_default.fsync(fd);
}

static int f_close(int fd)
{
    int r = aq__sys_default.close(fd); /* really close: no leaked descriptors */
    FAIL_IF_HIT("close");
    return r;
}

static int f_renameat(int fd, const char *from, int td, const char *to)
{
    FAIL_IF_HIT("renameat");
    return aq__sys_default.renameat(fd, from, td, to);
}

static int f_unlinkat(int d, const char *path, int flags)
{
    FAIL_IF_HIT("unlinkat");
    return aq__sys_default.unlinkat(d, path, flags);
}

static int f_fstat(int fd, struct stat *st)
{
    FAIL_IF_HIT("fstat");
    return aq__sys_default.fstat(fd, st);
}

static int f_fstatat(int d, const char *path, struct stat *st, int flags)
{
    FAIL_IF_HIT("fstatat");
    return aq__sys_default.fstatat(d, path, st, flags);
}

static int f_try_lock(int fd)
{
    FAIL_IF_HIT("try_lock");
    return aq__sys_default.try_lock(fd);
}

static int f_dup(int fd)
{
    FAIL_IF_HIT("dup");
    return aq__sys_default.dup(fd);
}

static int f_fchmod(int fd, unsigned mode)
{
    FAIL_IF_HIT("fchmod");
    return aq__sys_default.fchmod(fd, mode);
}

static int f_fchown(int fd, unsigned uid, unsigned gid)
{
    FAIL_IF_HIT("fchown");
    return aq__sys_default.fchown(fd, uid, gid);
}

static long f_pwrite(int fd, const void *buf, size_t n, uint64_t offset)
{
    FAIL_IF_HIT("pwrite");
    return aq__sys_default.pwrite(fd, buf, n, offset);
}

static const aq__sys_table faulty = {f_openat,  f_read,   f_write,    f_fsync,  f_close,
                                     f_renameat, f_unlinkat, f_fstat, f_fstatat, f_try_lock,
                                     f_dup,     f_fchmod, f_fchown, f_pwrite};

/* True when directory `d` holds exactly one entry, `name` (no temporary file left). */
static bool only_entry(const char *d, const char *name)
{
    char cmd[512];
    (void)snprintf(cmd, sizeof cmd, "test \"$(ls -A '%s')\" = '%s'", d, name);
    return system(cmd) == 0;
}

/* Every call of the write path failing in turn, for aq_snapshot_write and the streaming writer:
 * AQ_EIO naming the call, no temporary file, the old snapshot byte for byte. */
static void test_file__failed_writes_leave_old_snapshot_intact(void **state)
{
    (void)state;
    char sub[128], path[160];
    scratch_path(sub, sizeof sub, "faults");
    assert_int_equal(mkdir(sub, 0777), 0);
    (void)snprintf(path, sizeof path, "%s/durable.bin", sub);
    aq_snapshot *old_snap = sample(20, 1), *new_snap = sample(30, 2);
    aq_error err;
    assert_int_equal(aq_snapshot_write(path, old_snap, NULL, &err), AQ_OK);
    size_t old_len;
    uint8_t *old_bytes = read_file(path, &old_len);

    static const fault_case cases[] = {
        {"openat", 0, EACCES, false, "open directory"},
        {"fstatat", 0, EACCES, false, "stat durable.bin"},
        {"openat", 1, EACCES, false, "create durable.bin.tmp"},
        {"try_lock", 0, ENOLCK, false, "flock durable.bin.tmp"},
        {"fstat", 1, EIO, false, "fstat durable.bin.tmp"},
        {"fchmod", 0, EROFS, false, "fchmod durable.bin.tmp"},
        {"write", 0, ENOSPC, false, "write durable.bin.tmp"},
        {"write", 0, ENOSPC, true, "write durable.bin.tmp"},
        {"write", 0, EIO, false, "write durable.bin.tmp"},
        {"fsync", 0, EIO, false, "fsync durable.bin.tmp"},
        {"dup", 0, EMFILE, false, "dup durable.bin.tmp"},
        {"close", 0, EIO, false, "close durable.bin.tmp"},
        {"renameat", 0, EXDEV, false, "rename durable.bin.tmp"},
    };
    /* The streaming writer makes the same calls, and fills in the header with pwrite. */
    static const fault_case header = {"pwrite", 0, EIO, false, "write durable.bin.tmp"};
    size_t n_cases = sizeof cases / sizeof cases[0];
    aq__sys = faulty;
    for (size_t i = 0; i < 2 * n_cases + 1; i++) {
        const fault_case *c = i < 2 * n_cases ? &cases[i % n_cases] : &header;
        break_call(*c);
        if (i < n_cases)
            expect_broken(c, aq_snapshot_write(path, new_snap, NULL, &err), &err);
        else
            expect_broken(c, stream_write(path, new_snap, NULL, &err), &err);
        assert_null(strstr(err.message, path)); /* the caller's path is not repeated */
        assert_true(only_entry(sub, "durable.bin"));
        size_t now_len;
        uint8_t *now = read_file(path, &now_len);
        assert_int_equal(now_len, old_len);
        assert_memory_equal(now, old_bytes, old_len);
        free(now);
    }
    /* Only the directory fsync fails: the new snapshot is in place, and the error says so. */
    break_call((fault_case){"fsync", 1, EIO, false, NULL});
    assert_int_equal(aq_snapshot_write(path, new_snap, NULL, &err), AQ_EIO);
    assert_non_null(strstr(err.message, "fsync directory"));
    assert_non_null(strstr(err.message, "renamed into place"));
    assert_true(only_entry(sub, "durable.bin"));
    aq__sys = aq__sys_default;
    fault.c.call = NULL;

    aq_snapshot *back;
    assert_int_equal(aq_snapshot_load(path, NULL, &back, NULL, &err), AQ_OK);
    assert_int_equal(back->tasks.count, 30);
    aq_snapshot_free(back);
    free(old_bytes);
    aq_snapshot_free(old_snap);
    aq_snapshot_free(new_snap);
}

/* The calls of the other paths through a write: a crashed writer's leftover being reclaimed,
 * and a replaced file whose owner differs (root only: others cannot chown it away). */
static void test_file__failed_reclaims_and_owner_changes(void **state)
{
    (void)state;
    char sub[128], path[160], tmp[170];
    scratch_path(sub, sizeof sub, "reclaims");
    assert_int_equal(mkdir(sub, 0777), 0);
    (void)snprintf(path, sizeof path, "%s/snap.bin", sub);
    (void)snprintf(tmp, sizeof tmp, "%s.tmp", path);
    aq_snapshot *s = sample(10, 1);
    aq_error err;
    static const fault_case cases[] = {
        {"openat", 2, EACCES, false, "open leftover snap.bin.tmp"},
        {"fstat", 0, EIO, false, "fstat snap.bin.tmp"},
        {"try_lock", 0, ENOLCK, false, "flock snap.bin.tmp"},
        {"unlinkat", 0, EACCES, false, "unlink leftover snap.bin.tmp"},
    };
    aq__sys = faulty;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_bytes(tmp, "left over", 9); /* an unlocked leftover */
        break_call(cases[i]);
        expect_broken(&cases[i], aq_snapshot_write(path, s, NULL, &err), &err);
        assert_false(exists(path));
        assert_true(only_entry(sub, "snap.bin.tmp")); /* left alone */
    }
    fault.c.call = NULL;
    assert_int_equal(aq_snapshot_write(path, s, NULL, &err), AQ_OK); /* reclaimed */
    assert_true(only_entry(sub, "snap.bin"));

    if (geteuid() == 0) {
        assert_int_equal(chown(path, 4321, 8765), 0);
        break_call((fault_case){"fchown", 0, EIO, false, NULL});
        assert_int_equal(aq_snapshot_write(path, s, NULL, &err), AQ_EIO);
        assert_non_null(strstr(err.message, "fchown snap.bin.tmp"));
        assert_true(only_entry(sub, "snap.bin"));
        /* EPERM (a caller that may not give the file away) is no failure. */
        break_call((fault_case){"fchown", 0, EPERM, false, NULL});
        assert_int_equal(aq_snapshot_write(path, s, NULL, &err), AQ_OK);
        assert_true(only_entry(sub, "snap.bin"));
    }
    aq__sys = aq__sys_default;
    fault.c.call = NULL;
    aq_snapshot_free(s);
}

/* The loader's calls failing: AQ_EIO naming the call, never the caller's path; *out NULL. */
static void test_file__failed_loads(void **state)
{
    (void)state;
    char path[128];
    scratch_path(path, sizeof path, "loadme.bin");
    aq_snapshot *s = sample(10, 1);
    aq_error err;
    assert_int_equal(aq_snapshot_write(path, s, NULL, &err), AQ_OK);
    static const fault_case cases[] = {
        {"openat", 0, EACCES, false, "open failed: Permission denied"},
        {"fstat", 0, EIO, false, "fstat failed"},
        {"read", 0, EIO, false, "read failed: Input/output error"},
        {"read", 1, EIO, false, "read failed"},
    };
    aq__sys = faulty;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        break_call(cases[i]);
        aq_snapshot *got = (aq_snapshot *)1;
        expect_broken(&cases[i], aq_snapshot_load(path, NULL, &got, NULL, &err), &err);
        assert_null(got);
        assert_null(strstr(err.message, path));
    }
    aq__sys = aq__sys_default;
    fault.c.call = NULL;
    aq_snapshot_free(s);
}

static void test_file__real_io_failures(void **state)
{
    (void)state;
    aq_snapshot *s = sample(5, 1);
    aq_error err;
    /* A directory that does not exist. */
    char path[128];
    scratch_path(path, sizeof path, "no/such/dir/snap.bin");
    assert_int_equal(aq_snapshot_write(path, s, NULL, &err), AQ_EIO);
    assert_int_equal(err.sys_errno, ENOENT);
    /* A full device, through the stream writer. */
    FILE *full = fopen("/dev/full", "wb");
    if (full != NULL) {
        assert_int_equal(aq_snapshot_write_stream(full, s, NULL, &err), AQ_EIO);
        assert_int_equal(err.sys_errno, ENOSPC);
        fclose(full);
    }
    aq_snapshot_free(s);
}

/* A writer killed at any moment leaves the old or the new snapshot, never a mix. */
static void test_file__killed_writer_leaves_old_or_new(void **state)
{
    (void)state;
    char sub[128], path[160];
    scratch_path(sub, sizeof sub, "killed");
    assert_int_equal(mkdir(sub, 0777), 0);
    (void)snprintf(path, sizeof path, "%s/killed.bin", sub);
    aq_snapshot *a = sample(3000, 1), *b = sample(3000, 2);
    aq_error err;
    assert_int_equal(aq_snapshot_write(path, a, NULL, &err), AQ_OK);
    int saw_a = 0, saw_b = 0;
    for (int round = 0; round < 24; round++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            for (;;) {
                if (aq_snapshot_write(path, b, NULL, NULL) != AQ_OK ||
                    aq_snapshot_write(path, a, NULL, NULL) != AQ_OK)
                    _exit(1);
            }
        }
        struct timespec delay = {0, 1000000L * (1 + round * 3)};
        nanosleep(&delay, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        aq_snapshot *got;
        assert_int_equal(aq_snapshot_load(path, NULL, &got, NULL, &err), AQ_OK);
        char where[256];
        if (snapshot_equal(got, a, where, sizeof where))
            saw_a++;
        else if (snapshot_equal(got, b, where, sizeof where))
            saw_b++;
        else
            fail_msg("round %d: neither the old nor the new snapshot", round);
        aq_snapshot_free(got);
        /* Whatever the killed writer left (its locked temporary file is unlocked now) neither
         * blocks nor spoils the next write, which leaves nothing behind. */
        if (round % 4 == 3) {
            assert_int_equal(aq_snapshot_write(path, a, NULL, &err), AQ_OK);
            assert_true(only_entry(sub, "killed.bin"));
        }
    }
    assert_int_equal(saw_a + saw_b, 24);
    aq_snapshot_free(a);
    aq_snapshot_free(b);
}

/* ---- allocation failure --------------------------------------------------------------------- */

static void test_file__allocation_failure_at_every_point(void **state)
{
    (void)state;
    char path[128];
    scratch_path(path, sizeof path, "oom.bin");
    aq_snapshot *s = sample(12, 1);
    aq_format formats[] = {AQ_FORMAT_PROTOBUF, AQ_FORMAT_JSON};
    for (size_t f = 0; f < 2; f++) {
        aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
        wo.format = formats[f];
        aq_error err;
        fail_alloc fa;
        aq_allocator al = fail_alloc_allocator(&fa);
        wo.allocator = &al;
        /* Writes: each failure is ENOMEM, leaves nothing allocated and no temp file. */
        for (size_t n = 0;; n++) {
            fail_alloc_reset(&fa, n);
            aq_status st = aq_snapshot_write(path, s, &wo, &err);
            assert_int_equal(fa.live_bytes, 0);
            if (!fa.failed) {
                assert_int_equal(st, AQ_OK);
                break;
            }
            assert_int_equal(st, AQ_ENOMEM);
            assert_int_equal(err.kind, AQ_ERR_OUT_OF_MEMORY);
        }
        /* Loads: each failure is ENOMEM with *out NULL and zero live bytes. */
        aq_load_options lo = AQ_LOAD_OPTIONS_INIT;
        lo.allocator = &al;
        size_t points = 0;
        for (size_t n = 0;; n++) {
            fail_alloc_reset(&fa, n);
            aq_snapshot *got = (aq_snapshot *)1;
            aq_status st = aq_snapshot_load(path, &lo, &got, NULL, &err);
            if (!fa.failed) {
                assert_int_equal(st, AQ_OK);
                aq_snapshot_free(got);
                assert_int_equal(fa.live_bytes, 0);
                break;
            }
            points++;
            assert_int_equal(st, AQ_ENOMEM);
            assert_null(got);
            assert_int_equal(fa.live_bytes, 0);
        }
        assert_true(points > 3);
    }
    aq_snapshot_free(s);
}

/* A load's verdicts in their order: a record that does not decode wins over a violation
 * before it, a CRC mismatch over both. */
static void test_file__verdicts_in_order(void **state)
{
    (void)state;
    aq_snapshot *s = sample(30, 4);
    s->tasks.items[1].task_spec.constraints.max_attempts = 0; /* a violation early on */
    aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
    wo.flags = AQ_WRITE_NO_VALIDATE;
    aq_buffer img;
    aq_error err;
    assert_int_equal(aq_snapshot_write_buffer(s, &wo, &img, &err), AQ_OK);
    aq_snapshot_free(s);
    assert_int_equal(aq_snapshot_load_buffer(img.data, img.len, NULL, &s, NULL, &err),
                     AQ_EINVALID);
    assert_string_equal(err.path, "tasks[1].task_spec.constraints.max_attempts");

    /* The last record's first field gets a wire type its message does not allow. */
    uint8_t *p = img.data + AQ_ENVELOPE_SIZE;
    size_t len = img.len - AQ_ENVELOPE_SIZE, last = 0;
    aq__wire_field f = {0};
    for (size_t at = 0; at < len; at = f.end) {
        assert_int_equal(aq__wire_next(p, len, at, &f), 0);
        if (f.number == AQ_FIELD_RUNS) last = f.value;
    }
    assert_true(last > 0);
    p[last] = (uint8_t)((p[last] & ~7u) | 5u); /* LEN -> fixed32 */
    aq__envelope_seal(img.data, AQ_FRAME_PROTOBUF, len);
    aq_load_options lo = AQ_LOAD_OPTIONS_INIT;
    lo.flags = AQ_LOAD_NO_VALIDATE;
    aq_error decoding;
    assert_int_equal(aq_snapshot_load_buffer(img.data, img.len, &lo, &s, NULL, &decoding),
                     AQ_EDECODE);
    assert_int_equal(aq_snapshot_load_buffer(img.data, img.len, NULL, &s, NULL, &err),
                     AQ_EDECODE);
    assert_string_equal(err.message, decoding.message);

    img.data[8] ^= 1; /* the stored CRC */
    assert_int_equal(aq_snapshot_load_buffer(img.data, img.len, NULL, &s, NULL, &err), AQ_ECRC);
    aq_buffer_free(&img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file__write_then_load_both_formats),
        cmocka_unit_test(test_file__big_files_load_through_their_own_mapping),
        cmocka_unit_test(test_file__missing_and_empty_are_no_snapshot),
        cmocka_unit_test(test_file__directory_is_not_a_file),
        cmocka_unit_test(test_file__every_prefix_of_a_file),
        cmocka_unit_test(test_file__every_header_bit_flip),
        cmocka_unit_test(test_file__trailing_bytes_are_ignored),
        cmocka_unit_test(test_file__payload_cap_before_allocation),
        cmocka_unit_test(test_file__random_garbage_never_crashes),
        cmocka_unit_test(test_file__bare_json_document),
        cmocka_unit_test(test_file__validation_on_load_and_opt_out),
        cmocka_unit_test(test_file__failed_writes_leave_old_snapshot_intact),
        cmocka_unit_test(test_file__failed_reclaims_and_owner_changes),
        cmocka_unit_test(test_file__failed_loads),
        cmocka_unit_test(test_file__verdicts_in_order),
        cmocka_unit_test(test_file__real_io_failures),
        cmocka_unit_test(test_file__killed_writer_leaves_old_or_new),
        cmocka_unit_test(test_file__allocation_failure_at_every_point),
    };
    return cmocka_run_group_tests(tests, scratch_dir_create, scratch_dir_remove);
}
