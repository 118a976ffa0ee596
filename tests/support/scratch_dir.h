/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A scratch directory for a group of file tests: made under /tmp by the group's setup, removed
 * with everything in it by its teardown (cmocka group fixtures).
 */
#ifndef AQ_TEST_SCRATCH_DIR_H
#define AQ_TEST_SCRATCH_DIR_H

#include <stddef.h>

/* The directory's path while the group runs. */
extern char scratch_dir[64];

int scratch_dir_create(void **state);
int scratch_dir_remove(void **state);

/* scratch_dir/name into out (the test fails if it does not fit). */
void scratch_path(char *out, size_t size, const char *name);

#endif
