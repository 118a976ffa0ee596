/* The engine's snapshot envelope: u32 LE frame version, u32 LE payload length, u32 LE CRC-32. */
#include <limits.h>
#include <zlib.h>

#include "aqsnap/file.h"
#include "internal.h"

uint32_t aq__crc32(const uint8_t *data, size_t len)
{
    /* zlib takes uInt lengths: feed anything larger in pieces. */
    uLong crc = crc32(0L, Z_NULL, 0);
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

void aq__envelope_seal(uint8_t *hdr, uint32_t frame_version, size_t len)
{
    put_u32le(hdr, frame_version);
    put_u32le(hdr + 4, (uint32_t)len);
    put_u32le(hdr + 8, aq__crc32(hdr + 12, len));
}

uint64_t aq__payload_cap(uint64_t max_payload)
{
    if (max_payload == 0) return AQ_DEFAULT_MAX_PAYLOAD;
    return max_payload < UINT32_MAX ? max_payload : UINT32_MAX;
}

static uint32_t get_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

aq_status aq__envelope_open(const uint8_t *hdr, uint64_t max_payload, aq_load_info *info,
                            aq_error *err)
{
    uint32_t version = get_u32le(hdr);
    uint32_t len = get_u32le(hdr + 4);
    if (version != AQ_FRAME_JSON && version != AQ_FRAME_PROTOBUF)
        return aq__fail(err, AQ_EVERSION, AQ_ERR_FRAME_VERSION,
                        "incompatible version: expected %u (JSON) or 0x%08x (protobuf), found %u "
                        "(0x%08x)",
                        AQ_FRAME_JSON, AQ_FRAME_PROTOBUF, version, version);
    if (len > max_payload)
        return aq__fail(err, AQ_ELIMIT, AQ_ERR_PAYLOAD_TOO_LARGE,
                        "payload length %u exceeds the limit of %llu bytes", len,
                        (unsigned long long)max_payload);
    info->format = version == AQ_FRAME_JSON ? AQ_FORMAT_JSON : AQ_FORMAT_PROTOBUF;
    info->framed = true;
    info->frame_version = version;
    info->payload_len = len;
    info->crc32 = get_u32le(hdr + 8);
    return AQ_OK;
}
