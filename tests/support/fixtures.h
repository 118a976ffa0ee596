/* SPDX-License-Identifier: Apache-2.0 */
/* Every snapshot file under compat/ (every version, both formats, the future one). */
#ifndef AQ_TEST_FIXTURES_H
#define AQ_TEST_FIXTURES_H

#include <stddef.h>

/* fn(path, ctx) for each compat/ fixture file (*.snap) of $AQ_SOURCE_DIR; returns how many. */
size_t for_each_fixture(void (*fn)(const char *path, void *ctx), void *ctx);

#endif
