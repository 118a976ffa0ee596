/* SPDX-License-Identifier: Apache-2.0 */
/* UUIDs in the engine's text form: lowercase, hyphenated 8-4-4-4-12. */
#include <string.h>

#include "aqsnap/snapshot.h"
#include "internal.h"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool is_hyphen_pos(size_t i)
{
    return i == 8 || i == 13 || i == 18 || i == 23;
}

aq_status aq_uuid_parse(const char *text, size_t len, aq_uuid *out, aq_error *err)
{
    aq_error local;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (out == NULL || (text == NULL && len > 0))
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "text or out is NULL");
    if (len != AQ_UUID_TEXT_LEN)
        return aq__fail(err, AQ_EDECODE, AQ_ERR_BAD_UUID,
                        "UUID text has %zu characters, expected %d", len, AQ_UUID_TEXT_LEN);
    size_t nibble = 0;
    for (size_t i = 0; i < len; i++) {
        if (is_hyphen_pos(i)) {
            if (text[i] != '-')
                return aq__fail(err, AQ_EDECODE, AQ_ERR_BAD_UUID,
                                "UUID text has '%c' at offset %zu where '-' belongs",
                                (unsigned char)text[i] >= 0x20 ? text[i] : '?', i);
            continue;
        }
        int v = hex_value(text[i]);
        if (v < 0)
            return aq__fail(err, AQ_EDECODE, AQ_ERR_BAD_UUID,
                            "UUID text has a non-hex character at offset %zu", i);
        if (nibble % 2 == 0)
            out->bytes[nibble / 2] = (uint8_t)(v << 4);
        else
            out->bytes[nibble / 2] |= (uint8_t)v;
        nibble++;
    }
    return AQ_OK;
}

void aq_uuid_format(const aq_uuid *id, char out[AQ_UUID_TEXT_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = digits[id->bytes[i] >> 4];
        out[o++] = digits[id->bytes[i] & 0x0f];
    }
    out[o] = '\0';
}

bool aq_uuid_is_nil(const aq_uuid *id)
{
    static const aq_uuid nil;
    return memcmp(id->bytes, nil.bytes, sizeof nil.bytes) == 0;
}
