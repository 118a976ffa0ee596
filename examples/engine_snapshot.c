/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How a C engine persists and restores its state with aqsnap: build a snapshot from the
 * engine's own records, write it durably, load it back (checked and validated), read it.
 *
 *   engine_snapshot [PATH]      (default: ./engine-snapshot.bin)
 */
#include <stdio.h>
#include <string.h>

#include "aqsnap.h"

/* The engine's own state, as some engine might keep it. */
struct job {
    const char *id; /* hyphenated UUID */
    const char *payload;
    int done;
};

static const struct job jobs[] = {
    {"0000000a-0000-4000-8000-000000000001", "{\"op\":\"resize\",\"w\":640}", 1},
    {"0000000a-0000-4000-8000-000000000002", "{\"op\":\"notify\"}", 0},
};
#define N_JOBS (sizeof jobs / sizeof jobs[0])

static int report(const char *what, const aq_error *err)
{
    fprintf(stderr, "engine_snapshot: %s: %s (%s)\n", what, err->message,
            aq_error_kind_name(err->kind));
    return 1;
}

/* One run per job: Scheduled -> Ready -> Leased -> Running (-> Completed when done). */
static aq_status add_run(aq_snapshot *snap, size_t i, aq_run *run, aq_error *err)
{
    static const aq_run_state path[] = {AQ_RUN_STATE_SCHEDULED, AQ_RUN_STATE_READY,
                                        AQ_RUN_STATE_LEASED, AQ_RUN_STATE_RUNNING,
                                        AQ_RUN_STATE_COMPLETED};
    size_t steps = jobs[i].done ? 5 : 4;
    uint64_t t0 = 1700000000 + 100 * i;
    aq_run_instance *ri = &run->run_instance;
    ri->id = snap->tasks.items[i].task_spec.id;
    ri->id.bytes[0] = 0x0b; /* run ids: the task id with another first byte */
    ri->task_id = snap->tasks.items[i].task_spec.id;
    ri->created_at = ri->scheduled_at = t0;
    ri->attempt_count = 1;

    run->state_history.items = aq_snapshot_alloc(snap, steps, sizeof(aq_history_entry), err);
    run->attempts.items = aq_snapshot_alloc(snap, 1, sizeof(aq_attempt), err);
    if (run->state_history.items == NULL || run->attempts.items == NULL) return err->status;
    run->state_history.count = steps;
    run->attempts.count = 1;
    for (size_t k = 0; k < steps; k++) {
        aq_history_entry *h = &run->state_history.items[k];
        h->from.present = k > 0;
        h->from.value = k > 0 ? path[k - 1] : AQ_RUN_STATE_UNSPECIFIED;
        h->to = path[k];
        h->timestamp = t0 + k;
    }
    ri->state = path[steps - 1];
    ri->last_state_change_at = t0 + steps - 1;

    aq_attempt *a = &run->attempts.items[0];
    a->attempt_id = ri->id;
    a->attempt_id.bytes[0] = 0x0c;
    a->started_at = t0 + 3;
    if (jobs[i].done) {
        a->finished_at.present = a->result.present = true;
        a->finished_at.value = t0 + 4;
        a->result.value = AQ_ATTEMPT_RESULT_SUCCESS;
    } else {
        ri->current_attempt_id.present = true; /* Running: the open attempt is the active one */
        ri->current_attempt_id.value = a->attempt_id;
    }
    return AQ_OK;
}

static aq_status build(aq_snapshot *snap, aq_error *err)
{
    snap->timestamp = 1700000500;
    snap->metadata.wal_sequence = 42;
    snap->tasks.items = aq_snapshot_alloc(snap, N_JOBS, sizeof(aq_task), err);
    snap->runs.items = aq_snapshot_alloc(snap, N_JOBS, sizeof(aq_run), err);
    if (snap->tasks.items == NULL || snap->runs.items == NULL) return err->status;
    snap->tasks.count = snap->runs.count = N_JOBS;
    snap->metadata.task_count = snap->metadata.run_count = N_JOBS;

    for (size_t i = 0; i < N_JOBS; i++) {
        aq_task *t = &snap->tasks.items[i];
        aq_status st = aq_uuid_parse(jobs[i].id, strlen(jobs[i].id), &t->task_spec.id, err);
        if (st == AQ_OK)
            st = aq_snapshot_bytes(snap, jobs[i].payload, strlen(jobs[i].payload),
                                   &t->task_spec.payload.bytes, err);
        if (st != AQ_OK) return st;
        t->created_at = 1700000000 + 100 * i;
        t->task_spec.run_policy.kind = AQ_RUN_POLICY_ONCE;
        t->task_spec.constraints.max_attempts = 3;
        t->task_spec.constraints.concurrency_key_hold_policy = AQ_HOLD_POLICY_HOLD_DURING_RETRY;
        t->task_spec.constraints.safety_level = AQ_SAFETY_LEVEL_IDEMPOTENT;
        if ((st = add_run(snap, i, &snap->runs.items[i], err)) != AQ_OK) return st;
    }
    return AQ_OK;
}

static const char usage[] =
    "usage: engine_snapshot [PATH]\n"
    "\n"
    "Build a small snapshot from an engine's own records, write it durably to PATH (default:\n"
    "engine-snapshot.bin; a name starting with '-' is written ./-name), load it back and print\n"
    "its runs.\n";

int main(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return fflush(stdout) == 0 ? 0 : 1;
    }
    /* An option is never taken for the file to overwrite. */
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        fprintf(stderr, "engine_snapshot: unexpected argument '%s'\n%s", argv[argc > 2 ? 2 : 1],
                usage);
        return 2;
    }
    const char *path = argc > 1 ? argv[1] : "engine-snapshot.bin";
    aq_error err;

    /* Persist: the snapshot owns everything it holds; one aq_snapshot_free() releases it. */
    aq_snapshot *snap = NULL;
    if (aq_snapshot_new(NULL, &snap, &err) != AQ_OK) return report("new", &err);
    if (build(snap, &err) != AQ_OK || aq_snapshot_write(path, snap, NULL, &err) != AQ_OK) {
        aq_snapshot_free(snap);
        return report("write", &err);
    }
    aq_snapshot_free(snap);

    /* Restore: envelope, CRC, decode and every engine invariant are checked. */
    aq_snapshot *back = NULL;
    aq_load_info info;
    aq_status st = aq_snapshot_load(path, NULL, &back, &info, &err);
    if (st == AQ_NO_SNAPSHOT) {
        printf("no snapshot yet: start from an empty state\n");
        return 0;
    }
    if (st != AQ_OK) return report("load", &err);
    printf("%s: %u-byte %s payload, schema v%u, wal_sequence %llu\n", path, info.payload_len,
           info.format == AQ_FORMAT_PROTOBUF ? "protobuf" : "JSON", back->metadata.schema_version,
           (unsigned long long)back->metadata.wal_sequence);
    for (size_t i = 0; i < back->runs.count; i++) {
        const aq_run *r = &back->runs.items[i];
        char id[AQ_UUID_TEXT_LEN + 1];
        aq_uuid_format(&r->run_instance.task_id, id);
        printf("  task %s: run %s after %zu transitions\n", id,
               aq_run_state_name(r->run_instance.state), r->state_history.count - 1);
    }
    aq_snapshot_free(back);
    return 0;
}
