/*
 * A downstream program built against an installed aqsnap (CMake package or pkg-config): the
 * headers and libraries are usable from outside the source tree, and the library linked at run
 * time is the one the headers describe. Prints one line; exit status 0 on success.
 */
#include <aqsnap.h>

#include <stdio.h>
#include <string.h>

static int fail(const char *what, const aq_error *err)
{
    if (err != NULL) {
        fprintf(stderr, "consumer: %s: %s (%s) %s\n", what, aq_status_name(err->status),
                aq_error_kind_name(err->kind), err->message);
    } else {
        fprintf(stderr, "consumer: %s\n", what);
    }
    return 1;
}

int main(void)
{
    const unsigned long long timestamp = 1700000000ULL;
    const unsigned long long wal_sequence = 42ULL;
    aq_snapshot *snap = NULL;
    aq_snapshot *back = NULL;
    aq_buffer buf;
    aq_error err;
    int ok;

    /* Header and library must be the same release. */
    if (aq_version_number() != AQ_VERSION_NUMBER) {
        fprintf(stderr, "consumer: header says %d, library says %u\n", AQ_VERSION_NUMBER,
                aq_version_number());
        return 1;
    }
    if (strcmp(aq_version_string(), AQ_VERSION_STRING) != 0) {
        return fail("aq_version_string() differs from AQ_VERSION_STRING", NULL);
    }

    if (aq_snapshot_new(NULL, &snap, &err) != AQ_OK) {
        return fail("aq_snapshot_new", &err);
    }
    snap->timestamp = timestamp;
    snap->metadata.wal_sequence = wal_sequence;

    memset(&buf, 0, sizeof buf);
    if (aq_snapshot_encode(snap, NULL, &buf, &err) != AQ_OK) {
        aq_snapshot_free(snap);
        return fail("aq_snapshot_encode", &err);
    }
    aq_snapshot_free(snap);

    if (aq_snapshot_decode(buf.data, buf.len, NULL, &back, &err) != AQ_OK) {
        aq_buffer_free(&buf);
        return fail("aq_snapshot_decode", &err);
    }
    ok = back->timestamp == timestamp && back->metadata.wal_sequence == wal_sequence;
    printf("consumer: aqsnap %s, %lu encoded bytes, timestamp %llu, wal_sequence %llu: %s\n",
           aq_version_string(), (unsigned long)buf.len, (unsigned long long)back->timestamp,
           (unsigned long long)back->metadata.wal_sequence, ok ? "ok" : "MISMATCH");
    aq_snapshot_free(back);
    aq_buffer_free(&buf);
    return ok ? 0 : 1;
}
