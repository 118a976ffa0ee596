/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A downstream C program built against an installed aqsnap (CMake package or pkg-config, shared
 * or static library). For each FILE it does what a user does first: load it (engine JSON or
 * protobuf, validated), then write it back in the same format; the image must equal the file
 * byte for byte, which needs every part of the library: the JSON reader (C++, simdjson), the
 * protobuf codec (protobuf-c), the envelope's CRC (zlib) and the serde-exact JSON writer.
 * The header and the library linked at run time must also be the same release.
 *
 *   consumer FILE...    one line per file on stdout; exit status 0 when every file passed
 */
#include <aqsnap.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The whole file, or NULL (message printed). */
static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *data = NULL;
    long size = -1;
    if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)size + 1)) != NULL &&
        fread(data, 1, (size_t)size, f) == (size_t)size) {
        fclose(f);
        *len = (size_t)size;
        return data;
    }
    fprintf(stderr, "consumer: %s: cannot read\n", path);
    free(data);
    if (f != NULL) fclose(f);
    return NULL;
}

static int check_file(const char *path)
{
    aq_snapshot *snap = NULL;
    aq_load_info info;
    aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
    aq_buffer image;
    aq_error err;
    unsigned char *data;
    size_t len = 0;
    int same;

    data = read_file(path, &len);
    if (data == NULL) return 1;
    if (aq_snapshot_load(path, NULL, &snap, &info, &err) != AQ_OK) {
        fprintf(stderr, "consumer: %s: load: %s\n", path, err.message);
        free(data);
        return 1;
    }
    wo.format = info.format;
    memset(&image, 0, sizeof image);
    if (aq_snapshot_write_buffer(snap, &wo, &image, &err) != AQ_OK) {
        fprintf(stderr, "consumer: %s: write: %s\n", path, err.message);
        aq_snapshot_free(snap);
        free(data);
        return 1;
    }
    same = image.len == len && memcmp(image.data, data, len) == 0;
    printf("consumer: %s: %s, schema %u, %lu tasks, %lu runs, written back %s\n", path,
           info.format == AQ_FORMAT_JSON ? "json" : "protobuf", snap->metadata.schema_version,
           (unsigned long)snap->tasks.count, (unsigned long)snap->runs.count,
           same ? "identically" : "DIFFERENTLY");
    aq_buffer_free(&image);
    aq_snapshot_free(snap);
    free(data);
    return same ? 0 : 1;
}

int main(int argc, char **argv)
{
    int failed = 0;
    int i;

    if (aq_version_number() != AQ_VERSION_NUMBER ||
        strcmp(aq_version_string(), AQ_VERSION_STRING) != 0) {
        fprintf(stderr, "consumer: header says %s, library says %s\n", AQ_VERSION_STRING,
                aq_version_string());
        return 1;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: consumer FILE...\n");
        return 2;
    }
    for (i = 1; i < argc; i++) failed |= check_file(argv[i]);
    return failed;
}
