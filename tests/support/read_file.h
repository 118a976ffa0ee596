/* SPDX-License-Identifier: Apache-2.0 */
/* A whole file read into memory for a cmocka test, which fails when it cannot be read. */
#ifndef AQ_TEST_READ_FILE_H
#define AQ_TEST_READ_FILE_H

#include <stddef.h>
#include <stdint.h>

/* The file's bytes in a malloc'ed buffer (free()), followed by a NUL that *len does not count. */
uint8_t *read_file(const char *path, size_t *len);

#endif
