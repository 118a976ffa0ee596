/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Deterministic, realistic sample snapshots for tests and benchmarks.
 *
 * A sample passes every validation rule of SNAPSHOT-SPEC section 8 by construction: run
 * histories are walks of the legal transition table, attempts follow Leased->Running steps,
 * leases only appear in Ready/Leased/Running, ids are unique and non-nil, every reference
 * points at an existing task. With `coverage` set, records cycle through every enum variant,
 * every oneof variant and every Option both present and absent, so even a small sample
 * exercises every field of the model. Only features of `schema_version` appear (a v4 sample
 * has no parent_task_id, attempt output, required_capabilities, dependencies, budgets,
 * subscriptions, Suspended state, actors, tenants, roles, grants or ledger entries).
 */
#ifndef AQ_TEST_SAMPLE_H
#define AQ_TEST_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aqsnap.h"

typedef struct sample_options {
    uint64_t seed;           /* same seed, same snapshot */
    size_t tasks;            /* runs are ~1.05 per task */
    uint32_t schema_version; /* AQ_SCHEMA_MIN..AQ_SCHEMA_MAX */
    bool coverage;           /* cycle through every variant (see above) */
    size_t payload_min;      /* task payload bytes, uniformly in [min, max] */
    size_t payload_max;
} sample_options;

/* 40 tasks, schema 8, full coverage, payloads of 16..512 bytes. */
sample_options sample_defaults(void);

/* Build a sample snapshot owned by an arena from `alloc` (NULL = malloc). */
aq_status sample_build(const sample_options *opt, const aq_allocator *alloc, aq_snapshot **out,
                       aq_error *err);

#endif
