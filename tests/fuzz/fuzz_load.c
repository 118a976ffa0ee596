/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: a whole file image (envelope + JSON or protobuf payload, or bare JSON) ->
 * aq_snapshot_load_buffer with validation. Never a crash or a leak. */
#include <stddef.h>
#include <stdint.h>

#include "aqsnap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aq_snapshot *snap = NULL;
    aq_error err;
    if (aq_snapshot_load_buffer(data, size, NULL, &snap, NULL, &err) == AQ_OK)
        aq_snapshot_free(snap);
    return 0;
}
