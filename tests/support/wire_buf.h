/* SPDX-License-Identifier: Apache-2.0 */
/* Protobuf wire bytes written and walked by hand, for tests that need payloads our encoder would
 * never produce (unknown fields, hostile lengths) or that cut our encodings into records: an
 * oracle independent of src/wire.h. */
#ifndef AQ_TEST_WIRE_BUF_H
#define AQ_TEST_WIRE_BUF_H

#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer; zero-initialise it, free(p) when done. */
typedef struct bytes_buf {
    uint8_t *p;
    size_t len, cap;
} bytes_buf;

/* Append n bytes (aborts when memory runs out: test code). */
void buf_put(bytes_buf *b, const void *data, size_t n);
/* Append v as a base-128 varint. */
void buf_put_varint(bytes_buf *b, uint64_t v);

/* One field of a message: [start, end) in the bytes; for a LEN field, `body` is where the value
 * starts (after its length prefix), else `end`. */
typedef struct wire_field {
    uint32_t number;
    size_t start, body, end;
} wire_field;

/* Cut `p[0..len)` into its fields, at most `max` of them, into `out`: their count, or SIZE_MAX
 * when the bytes are not a whole sequence of well-formed fields or there are more than `max`. */
size_t wire_fields(const uint8_t *p, size_t len, wire_field *out, size_t max);

#endif
