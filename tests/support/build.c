/* SPDX-License-Identifier: Apache-2.0 */
/* A sample snapshot for a cmocka test (build.h). */
#include "build.h"

#include <setjmp.h>
#include <stdarg.h>

#include <cmocka.h>

#include "sample.h"

aq_snapshot *build_sample(uint32_t schema, size_t tasks, bool coverage, uint64_t seed)
{
    sample_options o = sample_defaults();
    o.schema_version = schema;
    o.tasks = tasks;
    o.coverage = coverage;
    o.seed = seed;
    aq_snapshot *s = NULL;
    aq_error err;
    if (sample_build(&o, NULL, &s, &err) != AQ_OK) fail_msg("sample_build: %s", err.message);
    return s;
}
