/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: protobuf payload bytes -> aq_snapshot_decode. Never a crash or a leak; a decoded
 * snapshot always encodes again. */
#include <stddef.h>
#include <stdint.h>

#include "aqsnap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aq_snapshot *snap = NULL;
    aq_error err;
    if (aq_snapshot_decode(data, size, NULL, &snap, &err) == AQ_OK) {
        aq_buffer buf;
        aq_status st = aq_snapshot_encode(snap, NULL, &buf, &err);
        /* Decoded enums are valid and decoded strings have no NUL: encoding cannot fail. */
        if (st != AQ_OK) __builtin_trap();
        aq_buffer_free(&buf);
        aq_snapshot_free(snap);
    }
    return 0;
}
