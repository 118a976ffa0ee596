/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The few protobuf wire-format primitives the codec needs around protobuf-c: walking the
 * top-level fields of a Snapshot (so that each record is unpacked on its own) and splitting kept
 * unknown-field bytes back into fields. Message contents are always parsed by protobuf-c.
 */
#ifndef AQSNAP_WIRE_H
#define AQSNAP_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum {
    AQ__WIRE_VARINT = 0,
    AQ__WIRE_I64 = 1,
    AQ__WIRE_LEN = 2,
    AQ__WIRE_I32 = 5
};

/* One field as it appears on the wire. */
typedef struct aq__wire_field {
    uint32_t number;
    uint8_t wire_type;
    size_t start;      /* offset of the tag */
    size_t body;       /* offset just past the tag */
    size_t value;      /* offset of the value (after a LEN field's length prefix) */
    size_t value_len;  /* bytes of the value (a LEN field's content) */
    size_t end;        /* offset just past the field */
} aq__wire_field;

/* Read a varint at *pos; 0 on success, -1 when truncated or longer than 10 bytes. */
static inline int aq__wire_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 70; shift += 7) {
        if (*pos >= len) return -1;
        uint8_t b = p[(*pos)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

/* Parse the field starting at `pos`. 0 on success; -1 when malformed (bad tag, field number 0,
 * group or reserved wire types, value running past `len`). */
static inline int aq__wire_next(const uint8_t *p, size_t len, size_t pos, aq__wire_field *f)
{
    uint64_t key, n;
    f->start = pos;
    if (aq__wire_varint(p, len, &pos, &key) != 0) return -1;
    if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff) return -1;
    f->number = (uint32_t)(key >> 3);
    f->wire_type = (uint8_t)(key & 7);
    f->body = pos;
    switch (f->wire_type) {
    case AQ__WIRE_VARINT:
        f->value = pos;
        if (aq__wire_varint(p, len, &pos, &n) != 0) return -1;
        break;
    case AQ__WIRE_I64:
        f->value = pos;
        if (len - pos < 8) return -1;
        pos += 8;
        break;
    case AQ__WIRE_I32:
        f->value = pos;
        if (len - pos < 4) return -1;
        pos += 4;
        break;
    case AQ__WIRE_LEN:
        if (aq__wire_varint(p, len, &pos, &n) != 0) return -1;
        if (n > len - pos) return -1;
        f->value = pos;
        pos += (size_t)n;
        break;
    default: /* groups (3, 4) are not protobuf-c's and 6, 7 do not exist */
        return -1;
    }
    f->value_len = pos - f->value;
    f->end = pos;
    return 0;
}

/* Bytes a varint of `v` takes. */
static inline size_t aq__wire_varint_size(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

/* Write a varint; returns the bytes written. */
static inline size_t aq__wire_put_varint(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

#endif /* AQSNAP_WIRE_H */
