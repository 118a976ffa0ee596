/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The streaming paths (aqsnap/stream.h) as the benchmarks drive them: a reader whose callback
 * touches every item, and a writer fed a snapshot's records one by one. Shared by aq_bench
 * (bench_shim.c) and rss_probe. See bench_shim.h.
 */
#include <stddef.h>
#include <string.h>

#include "aqsnap.h"
#include "bench_shim.h"

static int fail_aq(const char *what, aq_status st, const aq_error *err)
{
    return aq_bench_fail("%s: %s: %s", what, aq_status_name(st), err->message);
}

/* Cheap work per item, so that the read cannot skip a record: its first byte is read and the
 * lists are counted (budgets per dimension: the validator keeps one id map each). */
static aq_status tally_item(void *ctx, const aq_item *item, aq_error *err)
{
    (void)err;
    aq_bench_tally *t = ctx;
    t->fold = t->fold * 31u + *(const unsigned char *)item->value;
    t->items[item->field]++;
    if (item->field == AQ_FIELD_BUDGETS) {
        aq_budget_dimension d = ((const aq_budget *)item->value)->dimension;
        if (d >= 1 && d <= 3) t->budgets[d - 1]++;
    }
    return AQ_OK;
}

int aq_bench_stream_read(const char *path, aq_bench_tally *tally)
{
    memset(tally, 0, sizeof *tally);
    aq_read_options o = AQ_READ_OPTIONS_INIT;
    o.max_payload = UINT32_MAX; /* the 1M-task payload is over the default cap, as for loads */
    aq_error err;
    aq_status st = aq_snapshot_read(path, &o, tally_item, tally, &err);
    return st == AQ_OK ? 0 : fail_aq("aq_snapshot_read", st, &err);
}

/* The snapshot's lists, in field order. */
typedef struct list_ref {
    aq_field field;
    size_t items, count, size; /* offsets in aq_snapshot, record size */
} list_ref;

#define LIST(f, m)                                                                              \
    {f, offsetof(aq_snapshot, m.items), offsetof(aq_snapshot, m.count),                         \
     sizeof *((aq_snapshot *)0)->m.items}
static const list_ref lists[] = {
    LIST(AQ_FIELD_TASKS, tasks),
    LIST(AQ_FIELD_RUNS, runs),
    LIST(AQ_FIELD_DEPENDENCY_DECLARATIONS, dependency_declarations),
    LIST(AQ_FIELD_BUDGETS, budgets),
    LIST(AQ_FIELD_SUBSCRIPTIONS, subscriptions),
    LIST(AQ_FIELD_ACTORS, actors),
    LIST(AQ_FIELD_TENANTS, tenants),
    LIST(AQ_FIELD_ROLE_ASSIGNMENTS, role_assignments),
    LIST(AQ_FIELD_CAPABILITY_GRANTS, capability_grants),
    LIST(AQ_FIELD_LEDGER_ENTRIES, ledger_entries),
};
#undef LIST

static aq_status add_list(aq_writer *w, const aq_snapshot *s, const list_ref *l, aq_error *err)
{
    const unsigned char *items;
    size_t count;
    memcpy(&items, (const char *)s + l->items, sizeof items);
    memcpy(&count, (const char *)s + l->count, sizeof count);
    aq_status st = AQ_OK;
    for (size_t i = 0; st == AQ_OK && i < count; i++)
        st = aq_writer_add(w, l->field, items + i * l->size, err);
    return st;
}

int aq_bench_stream_write(const char *path, const aq_snapshot *s)
{
    aq_write_options o = AQ_WRITE_OPTIONS_INIT;
    o.flags = AQ_WRITE_NO_SYNC; /* as ours/write_nosync: the disk is not what is measured */
    o.max_payload = UINT32_MAX;
    aq_error err;
    aq_writer *w;
    aq_status st = aq_writer_open(path, &o, &w, &err);
    if (st != AQ_OK) return fail_aq("aq_writer_open", st, &err);
    st = aq_writer_add(w, AQ_FIELD_VERSION, &s->version, &err);
    if (st == AQ_OK) st = aq_writer_add(w, AQ_FIELD_TIMESTAMP, &s->timestamp, &err);
    if (st == AQ_OK) st = aq_writer_add(w, AQ_FIELD_METADATA, &s->metadata, &err);
    for (size_t i = 0; st == AQ_OK && i < sizeof lists / sizeof lists[0]; i++) {
        if (lists[i].field == AQ_FIELD_DEPENDENCY_DECLARATIONS)
            st = aq_writer_add(w, AQ_FIELD_ENGINE, &s->engine, &err);
        if (st == AQ_OK) st = add_list(w, s, &lists[i], &err);
    }
    if (st != AQ_OK) {
        aq_writer_abort(w);
        return fail_aq("aq_writer_add", st, &err);
    }
    st = aq_writer_commit(w, &err);
    return st == AQ_OK ? 0 : fail_aq("aq_writer_commit", st, &err);
}
