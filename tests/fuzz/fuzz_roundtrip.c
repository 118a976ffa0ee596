/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: whatever decodes (protobuf or engine JSON) must survive protobuf encode ->
 * decode -> encode with identical bytes, and a JSON rewrite must decode again. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "aqsnap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const aq_snapshot *snap)
{
    aq_buffer a, b, json;
    aq_snapshot *again = NULL;
    aq_error err;
    if (aq_snapshot_encode(snap, NULL, &a, &err) != AQ_OK) {
        /* Only a NUL inside a string (from JSON's \u0000) is refused by protobuf-c. */
        if (err.kind != AQ_ERR_STRING_HAS_NUL) __builtin_trap();
        return;
    }
    if (aq_snapshot_decode(a.data, a.len, NULL, &again, &err) != AQ_OK) __builtin_trap();
    if (aq_snapshot_encode(again, NULL, &b, &err) != AQ_OK) __builtin_trap();
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) __builtin_trap();
    if (aq_snapshot_encode_json(again, NULL, 0, &json, &err) == AQ_OK) {
        aq_snapshot *from_json = NULL;
        if (aq_snapshot_decode_json(json.data, json.len, NULL, &from_json, &err) != AQ_OK)
            __builtin_trap();
        aq_snapshot_free(from_json);
        aq_buffer_free(&json);
    }
    aq_snapshot_free(again);
    aq_buffer_free(&a);
    aq_buffer_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aq_snapshot *snap = NULL;
    aq_error err;
    aq_status st = size > 0 && data[0] == '{'
                       ? aq_snapshot_decode_json(data, size, NULL, &snap, &err)
                       : aq_snapshot_decode(data, size, NULL, &snap, &err);
    if (st == AQ_OK) {
        check(snap);
        aq_snapshot_free(snap);
    }
    return 0;
}
