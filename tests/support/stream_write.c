/* SPDX-License-Identifier: Apache-2.0 */
/* A whole snapshot through the streaming writer: see stream_write.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stream_write.h"

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

/* The largest record: a buffer the feeder reuses for every record. */
#define RECORD_MAX 1024

/* Every record of list l through one reused buffer, scribbled over after each add: the writer
 * must not keep the caller's memory. */
static aq_status add_list(aq_writer *w, const aq_snapshot *s, const list_ref *l, aq_error *err)
{
    const unsigned char *items;
    size_t count;
    memcpy(&items, (const char *)s + l->items, sizeof items);
    memcpy(&count, (const char *)s + l->count, sizeof count);
    assert_true(l->size <= RECORD_MAX);
    _Alignas(max_align_t) unsigned char record[RECORD_MAX];
    for (size_t i = 0; i < count; i++) {
        memcpy(record, items + i * l->size, l->size);
        aq_status st = aq_writer_add(w, l->field, record, err);
        memset(record, 0xA5, l->size);
        if (st != AQ_OK) return st;
    }
    return AQ_OK;
}

aq_status stream_write(const char *path, const aq_snapshot *s, const aq_write_options *o,
                              aq_error *err)
{
    aq_writer *w;
    aq_status st = aq_writer_open(path, o, &w, err);
    if (st != AQ_OK) return st;
    if (st == AQ_OK) st = aq_writer_add(w, AQ_FIELD_VERSION, &s->version, err);
    if (st == AQ_OK) st = aq_writer_add(w, AQ_FIELD_TIMESTAMP, &s->timestamp, err);
    if (st == AQ_OK) st = aq_writer_add(w, AQ_FIELD_METADATA, &s->metadata, err);
    for (size_t i = 0; st == AQ_OK && i < sizeof lists / sizeof lists[0]; i++) {
        if (lists[i].field == AQ_FIELD_DEPENDENCY_DECLARATIONS)
            st = aq_writer_add(w, AQ_FIELD_ENGINE, &s->engine, err);
        if (st == AQ_OK) st = add_list(w, s, &lists[i], err);
    }
    if (st != AQ_OK) {
        aq_writer_abort(w);
        return st;
    }
    return aq_writer_commit(w, err);
}
