/* Protobuf wire bytes written by hand, for tests that need payloads our encoder would never
 * produce (unknown fields, hostile lengths): an oracle independent of src/wire.h. */
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

#endif
