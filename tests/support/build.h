/* SPDX-License-Identifier: Apache-2.0 */
/* A sample snapshot for a cmocka test (sample.h), failing the test when it cannot be built. */
#ifndef AQ_TEST_BUILD_H
#define AQ_TEST_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aqsnap.h"

/* sample_build() of the defaults with these changed; free with aq_snapshot_free(). */
aq_snapshot *build_sample(uint32_t schema, size_t tasks, bool coverage, uint64_t seed);

#endif
