/* SPDX-License-Identifier: Apache-2.0 */
/* The scratch directory of a group of file tests. */
#include "scratch_dir.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

char scratch_dir[64];

int scratch_dir_create(void **state)
{
    (void)state;
    strcpy(scratch_dir, "/tmp/aq-test-XXXXXX");
    return mkdtemp(scratch_dir) == NULL ? -1 : 0;
}

int scratch_dir_remove(void **state)
{
    (void)state;
    char cmd[128];
    (void)snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch_dir);
    return system(cmd) == 0 ? 0 : -1;
}

void scratch_path(char *out, size_t size, const char *name)
{
    int n = snprintf(out, size, "%s/%s", scratch_dir, name);
    assert_true(n > 0 && (size_t)n < size);
}
