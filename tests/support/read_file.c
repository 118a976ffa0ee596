/* SPDX-License-Identifier: Apache-2.0 */
/* A whole file read into memory for a cmocka test (read_file.h). */
#include "read_file.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) fail_msg("cannot open %s (is AQ_SOURCE_DIR set?)", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    uint8_t *p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    assert_int_equal(fclose(f), 0);
    p[n] = 0;
    *len = (size_t)n;
    return p;
}
