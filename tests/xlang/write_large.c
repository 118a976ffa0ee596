/* SPDX-License-Identifier: Apache-2.0 */
/*
 * write_large FILE: the large generated snapshot of the xlang.* tests, written by the library
 * as a protobuf snapshot file: the sample builder's schema-8 snapshot of 5,000 tasks cycling
 * through every variant (tests/support/sample.h), payloads of 0..256 bytes (about 2 MB), and an
 * engine never paused (seed % 3 == 0): the one case the compat/ fixtures lack.
 * Exit 0 on success, 1 on failure (with the error), 2 on a usage error.
 */
#include <stdio.h>

#include "aqsnap.h"
#include "sample.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: write_large FILE\n");
        return 2;
    }
    sample_options opt = sample_defaults();
    opt.seed = 15;
    opt.tasks = 5000;
    opt.payload_min = 0;
    opt.payload_max = 256;
    aq_snapshot *snap = NULL;
    aq_error err;
    aq_status st = sample_build(&opt, NULL, &snap, &err);
    if (st == AQ_OK) {
        aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
        wo.format = AQ_FORMAT_PROTOBUF;
        wo.flags = AQ_WRITE_NO_SYNC; /* a scratch file under the build tree */
        st = aq_snapshot_write(argv[1], snap, &wo, &err);
    }
    aq_snapshot_free(snap);
    if (st != AQ_OK) {
        fprintf(stderr, "write_large: %s: %s\n", argv[1], err.message);
        return 1;
    }
    return 0;
}
