/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's snapshot envelope: u32 LE frame version, u32 LE payload length, u32 LE CRC-32. */
#include <limits.h>
#include <string.h>
#include <zlib.h>

#include "aqsnap/file.h"
#include "internal.h"

uint32_t aq__crc32(const uint8_t *data, size_t len)
{
    return aq__crc32_update(0, data, len);
}

uint32_t aq__crc32_update(uint32_t crc_so_far, const uint8_t *data, size_t len)
{
    /* zlib takes uInt lengths: feed anything larger in pieces. */
    uLong crc = crc_so_far;
    while (len > 0) {
        uInt n = len > UINT_MAX ? UINT_MAX : (uInt)len;
        crc = crc32(crc, data, n);
        data += n;
        len -= n;
    }
    return (uint32_t)crc;
}

static void put_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

void aq__envelope_header(uint8_t *hdr, uint32_t frame_version, size_t len, uint32_t crc)
{
    put_u32le(hdr, frame_version);
    put_u32le(hdr + 4, (uint32_t)len);
    put_u32le(hdr + 8, crc);
}

void aq__envelope_seal(uint8_t *hdr, uint32_t frame_version, size_t len)
{
    aq__envelope_header(hdr, frame_version, len, aq__crc32(hdr + 12, len));
}

static uint32_t get_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t aq__payload_cap(uint64_t max_payload)
{
    if (max_payload == 0) return AQ_DEFAULT_MAX_PAYLOAD;
    return max_payload < UINT32_MAX ? max_payload : UINT32_MAX;
}

/* The engine's frame versions are small numbers: a word up to this is taken for an envelope of
 * a version this library does not know, rather than for something else. */
#define SMALL_VERSION_MAX 0xFFFFu

static bool json_start(uint8_t c)
{
    return c == '{' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static aq_status not_a_snapshot(const uint8_t *p, aq_error *err)
{
    char text[5];
    for (int i = 0; i < 4; i++) text[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
    text[4] = '\0';
    uint32_t word = get_u32le(p);
    return aq__fail(err, AQ_EDECODE, AQ_ERR_NOT_A_SNAPSHOT,
                    "not a snapshot file (neither an envelope nor JSON): it starts with \"%s\", "
                    "found %u (0x%08x) where the frame version goes",
                    text, word, word);
}

aq_status aq__envelope_read(const uint8_t *p, size_t n, uint64_t size, uint64_t max_payload,
                            aq_load_info *info, aq_error *err)
{
    memset(info, 0, sizeof *info);
    uint32_t version = n >= 4 ? get_u32le(p) : 0;
    bool known = n >= 4 && (version == AQ_FRAME_JSON || version == AQ_FRAME_PROTOBUF);
    /* Fewer than 4 bytes cannot show a version: a cut envelope unless they start like JSON. */
    bool framed = n < 4 ? !json_start(p[0]) : known || version <= SMALL_VERSION_MAX;
    if (!framed && json_start(p[0])) {
        if (size > max_payload)
            return aq__fail(err, AQ_ELIMIT, AQ_ERR_PAYLOAD_TOO_LARGE,
                            "JSON document of %llu bytes exceeds the limit of %llu bytes",
                            (unsigned long long)size, (unsigned long long)max_payload);
        info->format = AQ_FORMAT_JSON;
        info->payload_len = (uint32_t)size;
        return AQ_OK;
    }
    /* A length word that announces exactly the bytes that follow is an envelope too. */
    if (!framed && n >= AQ_ENVELOPE_SIZE && get_u32le(p + 4) == size - AQ_ENVELOPE_SIZE)
        framed = true;
    if (!framed) return not_a_snapshot(p, err);
    if (n < AQ_ENVELOPE_SIZE)
        return aq__fail(err, AQ_ETRUNCATED, AQ_ERR_TRUNCATED_HEADER,
                        "truncated snapshot: data ends at byte %zu, inside the 12-byte header", n);
    if (!known)
        return aq__fail(err, AQ_EVERSION, AQ_ERR_FRAME_VERSION,
                        "incompatible version: expected %u (JSON) or 0x%08x (protobuf), found %u "
                        "(0x%08x)",
                        AQ_FRAME_JSON, AQ_FRAME_PROTOBUF, version, version);
    uint32_t len = get_u32le(p + 4);
    if (len > max_payload)
        return aq__fail(err, AQ_ELIMIT, AQ_ERR_PAYLOAD_TOO_LARGE,
                        "payload length %u exceeds the limit of %llu bytes", len,
                        (unsigned long long)max_payload);
    uint64_t want = (uint64_t)len + AQ_ENVELOPE_SIZE;
    if (size < want)
        return aq__fail(err, AQ_ETRUNCATED, AQ_ERR_TRUNCATED_PAYLOAD,
                        "truncated snapshot: data ends at byte %llu, the header announces a "
                        "%u-byte payload (%llu bytes in all)",
                        (unsigned long long)size, len, (unsigned long long)want);
    info->trailing = size - want; /* ignored, as the engine ignores it */
    info->format = version == AQ_FRAME_JSON ? AQ_FORMAT_JSON : AQ_FORMAT_PROTOBUF;
    info->framed = true;
    info->frame_version = version;
    info->payload_len = len;
    info->crc32 = get_u32le(p + 8);
    return AQ_OK;
}

aq_status aq__envelope_peek(const uint8_t *hdr, uint64_t max_payload, uint64_t *image_size,
                            aq_error *err)
{
    aq_load_info info;
    uint32_t version = get_u32le(hdr);
    *image_size = 0;
    if (version == AQ_FRAME_JSON || version == AQ_FRAME_PROTOBUF) {
        *image_size = (uint64_t)get_u32le(hdr + 4) + AQ_ENVELOPE_SIZE;
        return aq__envelope_read(hdr, AQ_ENVELOPE_SIZE, *image_size, max_payload, &info, err);
    }
    if (json_start(hdr[0])) return AQ_OK;
    /* Whatever its size, nothing else loads: say why now. */
    return aq__envelope_read(hdr, AQ_ENVELOPE_SIZE, UINT64_MAX, max_payload, &info, err);
}

aq_status aq__trailing(aq_error *err, uint32_t len, uint64_t extra)
{
    return aq__fail(err, AQ_EDECODE, AQ_ERR_TRAILING_DATA,
                    "%llu unexpected bytes after the %u-byte payload", (unsigned long long)extra,
                    len);
}
