/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json_verdicts DOCS: the C side of engine.same_verdicts_as_serde. DOCS holds JSON documents, each
 * after its length (u32 little-endian); one line per document says whether
 * aq_snapshot_decode_json() takes it: `OK`, or `ERR <error kind> <message>`. Decoding only, as
 * serde_json's from_slice: the engine validates separately.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "aqsnap.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: json_verdicts DOCS\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 1;
    }
    unsigned char len[4];
    int rc = 0;
    while (rc == 0 && fread(len, 1, sizeof len, f) == sizeof len) {
        size_t n = (size_t)len[0] | (size_t)len[1] << 8 | (size_t)len[2] << 16 | (size_t)len[3] << 24;
        char *doc = malloc(n > 0 ? n : 1);
        if (doc == NULL || fread(doc, 1, n, f) != n) {
            fprintf(stderr, "json_verdicts: %s: truncated document list\n", argv[1]);
            rc = 1;
        } else {
            aq_snapshot *s = NULL;
            aq_error err;
            if (aq_snapshot_decode_json(doc, n, NULL, &s, &err) == AQ_OK)
                printf("OK\n");
            else
                printf("ERR %s %s\n", aq_error_kind_name(err.kind), err.message);
            aq_snapshot_free(s);
        }
        free(doc);
    }
    fclose(f);
    return rc;
}
