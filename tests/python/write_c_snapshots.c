/* SPDX-License-Identifier: Apache-2.0 */
/*
 * write_c_snapshots OUTDIR: the C side of python.reads_c and python.example_reader.
 *
 * Writes protobuf snapshot files (AQP1 envelope) made by the sample builder with aq_snapshot_write:
 *   c_v<N>_s<seed>.aqp   schema N = 4..8, seeds 0..2 (engine never paused, paused, paused and
 *                        resumed), coverage on: every enum and oneof variant, every Option set
 *                        and unset, only the features of schema N;
 *   c_v8_large.aqp       500 tasks drawn at random (no coverage cycling), schema 8;
 *   c_filled.aqp         the coverage sample with every field the schema has set
 *                        (fill_every_field: not a valid snapshot, written without validation), so
 *                        that readers meet every field even when the sample builder knows less.
 * and next to each X.aqp, X.json: the same in-memory snapshot written as the engine writes it
 * (envelope version 4, JSON payload), which goes through the JSON writer only, never through the
 * protobuf codec: the reference a reader of X.aqp is checked against.
 * Prints the path of each X.aqp, one a line. Exit 0 on success, 1 on any failure (with the error).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "aqsnap.h"
#include "fill.h"
#include "sample.h"

/* Write `snap` to DIR/BASE.EXT in `format`; 0 on success. */
static int write_as(const char *dir, const char *base, const char *ext, aq_format format,
                    const aq_snapshot *snap, uint32_t flags, char path[static 4096])
{
    if (snprintf(path, 4096, "%s/%s.%s", dir, base, ext) >= 4096) {
        fprintf(stderr, "write_c_snapshots: path too long\n");
        return 1;
    }
    aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
    wo.format = format;
    wo.flags = AQ_WRITE_NO_SYNC | flags; /* NO_SYNC: scratch files under the build tree */
    aq_error err;
    if (aq_snapshot_write(path, snap, &wo, &err) != AQ_OK) {
        fprintf(stderr, "write_c_snapshots: %s: %s\n", path, err.message);
        return 1;
    }
    return 0;
}

/* The sample `opt` describes, with every field filled when `filled`. */
static int write_one(const char *dir, const char *base, const sample_options *opt, bool filled)
{
    aq_snapshot *snap = NULL;
    aq_error err;
    if (sample_build(opt, NULL, &snap, &err) != AQ_OK) {
        fprintf(stderr, "write_c_snapshots: sample_build(%s): %s\n", base, err.message);
        return 1;
    }
    uint32_t flags = 0;
    if (filled) {
        if (fill_every_field(snap, opt->seed, -1, NULL) != AQ_OK) {
            fprintf(stderr, "write_c_snapshots: fill_every_field(%s): out of memory\n", base);
            aq_snapshot_free(snap);
            return 1;
        }
        snap->metadata.schema_version = AQ_SCHEMA_MAX;
        flags = AQ_WRITE_NO_VALIDATE;
    }
    char json[4096], aqp[4096];
    int rc = write_as(dir, base, "json", AQ_FORMAT_JSON, snap, flags, json);
    if (rc == 0) rc = write_as(dir, base, "aqp", AQ_FORMAT_PROTOBUF, snap, flags, aqp);
    aq_snapshot_free(snap);
    if (rc == 0) printf("%s\n", aqp);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: write_c_snapshots OUTDIR\n");
        return 2;
    }
    const char *dir = argv[1];
    int rc = 0;
    for (uint32_t v = AQ_SCHEMA_MIN; v <= AQ_SCHEMA_MAX; v++) {
        for (uint64_t seed = 0; seed < 3; seed++) {
            sample_options o = sample_defaults();
            o.schema_version = v;
            o.seed = seed;
            o.payload_min = 0;
            o.payload_max = 64;
            char name[64];
            (void)snprintf(name, sizeof name, "c_v%u_s%u", (unsigned)v, (unsigned)seed);
            rc |= write_one(dir, name, &o, false);
        }
    }
    sample_options big = sample_defaults();
    big.seed = 11;
    big.tasks = 500;
    big.coverage = false;
    rc |= write_one(dir, "c_v8_large", &big, false);
    sample_options every = sample_defaults();
    rc |= write_one(dir, "c_filled", &every, true);
    return rc;
}
