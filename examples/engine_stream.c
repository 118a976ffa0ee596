/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How a C engine persists and restores its own state one record at a time (aqsnap/stream.h),
 * without building an aq_snapshot: memory beside the engine's state stays bounded by the
 * largest record and the validation's id sets, however many jobs there are.
 *
 *   engine_stream [--jobs N] PATH
 *
 * Persist: aq_writer_open, one aq_writer_add per field or record, aq_writer_commit. Restore:
 * aq_snapshot_read with a callback that copies what the engine keeps into fresh structures.
 * Then the restored state is compared with the original.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aqsnap.h"

/* ---- the engine's own state, as some engine might keep it ---------------------------------- */

enum job_state { JOB_READY, JOB_RUNNING, JOB_DONE };

struct job {
    aq_uuid id; /* its task's id; its run's and attempt's ids are derived from it */
    uint64_t created_at;
    int32_t priority;
    enum job_state state;
    char *worker; /* who runs it (the run's lease), NULL unless running */
    uint8_t *payload;
    size_t payload_len;
};

struct engine {
    uint64_t clock;        /* when the state was taken: the snapshot's timestamp */
    uint64_t wal_sequence; /* the last write-ahead-log entry the state includes */
    struct job *jobs;
    size_t count, cap;
};

#define JOBS_DEFAULT 3
#define JOBS_MAX 10000000 /* a bound on the toy's own memory (two copies of the state) */

static void engine_free(struct engine *e)
{
    for (size_t i = 0; i < e->count; i++) {
        free(e->jobs[i].worker);
        free(e->jobs[i].payload);
    }
    free(e->jobs);
    *e = (struct engine){0};
}

/* A new job at the end, zeroed; NULL when out of memory. */
static struct job *engine_push(struct engine *e)
{
    if (e->count == e->cap) {
        size_t cap = e->cap ? 2 * e->cap : 64;
        struct job *jobs = realloc(e->jobs, cap * sizeof *jobs);
        if (jobs == NULL) return NULL;
        e->jobs = jobs;
        e->cap = cap;
    }
    struct job *j = &e->jobs[e->count++];
    *j = (struct job){0};
    return j;
}

static char *copy(const void *data, size_t len)
{
    char *p = malloc(len + 1);
    if (p == NULL) return NULL;
    if (len > 0) memcpy(p, data, len); /* empty bytes may come with a NULL pointer */
    p[len] = '\0';
    return p;
}

/* Job i's id: 0000000a-0000-4000-8000-<i + 1 in 12 hex digits>. */
static aq_uuid job_id(size_t i)
{
    aq_uuid id = {{0, 0, 0, 0x0a, 0, 0, 0x40, 0, 0x80}};
    uint64_t serial = (uint64_t)i + 1;
    for (int k = 15; k >= 10; k--, serial >>= 8) id.bytes[k] = (uint8_t)(serial & 0xff);
    return id;
}

/* Some state to persist: every third job ready, running or done. */
static int engine_fill(struct engine *e, size_t n)
{
    e->clock = 1700000000 + n + 10;
    e->wal_sequence = 42 + 3 * (uint64_t)n;
    for (size_t i = 0; i < n; i++) {
        struct job *j = engine_push(e);
        if (j == NULL) return -1;
        char text[64];
        int len = snprintf(text, sizeof text, "{\"op\":\"resize\",\"job\":%zu}", i);
        j->id = job_id(i);
        j->created_at = 1700000000 + i;
        j->priority = (int32_t)(i % 5);
        j->state = (enum job_state)(i % 3);
        j->payload = (uint8_t *)copy(text, (size_t)len);
        j->payload_len = (size_t)len;
        if (j->payload == NULL) return -1;
        if (j->state == JOB_RUNNING) {
            len = snprintf(text, sizeof text, "worker-%zu", i % 4);
            if ((j->worker = copy(text, (size_t)len)) == NULL) return -1;
        }
    }
    return 0;
}

/* ---- persist --------------------------------------------------------------------------------- */

/* A job's run: Scheduled -> Ready (-> Leased -> Running (-> Completed)), one second apart. */
static const aq_run_state run_path[] = {AQ_RUN_STATE_SCHEDULED, AQ_RUN_STATE_READY,
                                        AQ_RUN_STATE_LEASED, AQ_RUN_STATE_RUNNING,
                                        AQ_RUN_STATE_COMPLETED};
static const size_t run_steps[] = {[JOB_READY] = 2, [JOB_RUNNING] = 4, [JOB_DONE] = 5};

/* One aq_run (with its history, attempt and lease) describing job j; the memory is the
 * caller's and is overwritten for every job. */
static void fill_run(const struct job *j, aq_run *run, aq_history_entry history[5],
                     aq_attempt *attempt, aq_lease *lease)
{
    size_t steps = run_steps[j->state];
    uint64_t t0 = j->created_at;
    *run = (aq_run){0};
    aq_run_instance *ri = &run->run_instance;
    ri->task_id = j->id;
    ri->id = j->id;
    ri->id.bytes[3] = 0x0b;
    ri->state = run_path[steps - 1];
    ri->created_at = ri->scheduled_at = t0;
    ri->last_state_change_at = t0 + steps - 1;
    ri->effective_priority = j->priority;
    for (size_t k = 0; k < steps; k++)
        history[k] = (aq_history_entry){.from = {k > 0, k > 0 ? run_path[k - 1] : run_path[0]},
                                        .to = run_path[k],
                                        .timestamp = t0 + k};
    run->state_history = (aq_history_list){history, steps};
    if (j->state == JOB_READY) return; /* no attempt yet */

    *attempt = (aq_attempt){.attempt_id = ri->id, .started_at = t0 + 3};
    attempt->attempt_id.bytes[3] = 0x0c;
    run->attempts = (aq_attempt_list){attempt, 1};
    ri->attempt_count = 1;
    if (j->state == JOB_DONE) {
        attempt->finished_at = (aq_opt_u64){true, t0 + 4};
        attempt->result = (aq_opt_attempt_result){true, AQ_ATTEMPT_RESULT_SUCCESS};
        return;
    }
    ri->current_attempt_id = (aq_opt_uuid){true, attempt->attempt_id}; /* Running: open */
    *lease = (aq_lease){.owner = {j->worker, strlen(j->worker)},
                        .acquired_at = t0 + 2,
                        .updated_at = t0 + 3,
                        .expiry = t0 + 300};
    run->lease = lease;
}

/* The fields in the order of the file: timestamp, metadata, every task, every run. The
 * writer validates each record as it is added and the counts at the commit. */
static aq_status persist(const struct engine *e, const char *path, aq_error *err)
{
    aq_writer *w;
    aq_status st = aq_writer_open(path, NULL, &w, err);
    if (st != AQ_OK) return st;
    aq_metadata meta = {.schema_version = AQ_SCHEMA_MAX,
                        .wal_sequence = e->wal_sequence,
                        .task_count = e->count,
                        .run_count = e->count};
    st = aq_writer_add(w, AQ_FIELD_TIMESTAMP, &e->clock, err);
    if (st == AQ_OK) st = aq_writer_add(w, AQ_FIELD_METADATA, &meta, err);

    /* One aq_task and one aq_run serve every job: aq_writer_add encodes a record before it
     * returns, so the next job may overwrite it. What every task shares is set once. */
    aq_task task = {0};
    task.task_spec.run_policy.kind = AQ_RUN_POLICY_ONCE;
    task.task_spec.constraints.max_attempts = 3;
    task.task_spec.constraints.concurrency_key_hold_policy = AQ_HOLD_POLICY_HOLD_DURING_RETRY;
    task.task_spec.constraints.safety_level = AQ_SAFETY_LEVEL_IDEMPOTENT;
    for (size_t i = 0; st == AQ_OK && i < e->count; i++) {
        const struct job *j = &e->jobs[i];
        task.task_spec.id = j->id;
        task.task_spec.payload.bytes = (aq_bytes){j->payload, j->payload_len};
        task.task_spec.metadata.priority = j->priority;
        task.created_at = j->created_at;
        st = aq_writer_add(w, AQ_FIELD_TASKS, &task, err);
    }
    aq_run run;
    aq_history_entry history[5];
    aq_attempt attempt;
    aq_lease lease;
    for (size_t i = 0; st == AQ_OK && i < e->count; i++) {
        fill_run(&e->jobs[i], &run, history, &attempt, &lease);
        st = aq_writer_add(w, AQ_FIELD_RUNS, &run, err);
    }
    if (st != AQ_OK) {
        aq_writer_abort(w); /* the temporary file goes, PATH is untouched */
        return st;
    }
    return aq_writer_commit(w, err); /* the envelope, fsync, rename: PATH is replaced whole */
}

/* ---- restore --------------------------------------------------------------------------------- */

/* Stop the read with a reason of the engine's own (the callback fills err itself). */
static aq_status refuse(const aq_item *item, const char *why, aq_error *err)
{
    err->status = AQ_EINVALID;
    err->kind = AQ_ERR_STOPPED;
    err->sys_errno = 0;
    snprintf(err->path, sizeof err->path, "%s[%zu]", item->name, item->index);
    snprintf(err->message, sizeof err->message, "%s[%zu]: %s", item->name, item->index, why);
    return AQ_EINVALID;
}

static aq_status out_of_memory(aq_error *err)
{
    *err = (aq_error){.status = AQ_ENOMEM, .kind = AQ_ERR_OUT_OF_MEMORY};
    snprintf(err->message, sizeof err->message, "out of memory restoring the engine");
    return AQ_ENOMEM;
}

/* The engine being restored, and its runs so far. */
struct restoring {
    struct engine *e;
    size_t runs;
};

/* Runs in the engine's terms: the job of run i is job i, as persist() writes them. */
static aq_status restore_run(struct restoring *r, const aq_item *item, aq_error *err)
{
    struct engine *e = r->e;
    const aq_run *run = item->value;
    if (item->index >= e->count ||
        memcmp(&run->run_instance.task_id, &e->jobs[item->index].id, sizeof(aq_uuid)) != 0)
        return refuse(item, "not the run of the job at its index: not this engine's file", err);
    struct job *j = &e->jobs[item->index];
    switch (run->run_instance.state) {
    case AQ_RUN_STATE_READY: j->state = JOB_READY; break;
    case AQ_RUN_STATE_RUNNING: j->state = JOB_RUNNING; break;
    case AQ_RUN_STATE_COMPLETED: j->state = JOB_DONE; break;
    default: return refuse(item, "a run state this engine never writes", err);
    }
    if (j->state == JOB_RUNNING) {
        if (run->lease == NULL) return refuse(item, "a running job without a lease", err);
        j->worker = copy(run->lease->owner.ptr, run->lease->owner.len);
        if (j->worker == NULL) return out_of_memory(err);
    }
    r->runs++;
    return AQ_OK;
}

/* Called for every field and record of the file, in its order. */
static aq_status restore_item(void *ctx, const aq_item *item, aq_error *err)
{
    struct restoring *r = ctx;
    struct engine *e = r->e;
    switch (item->field) {
    case AQ_FIELD_TIMESTAMP: e->clock = *(const uint64_t *)item->value; return AQ_OK;
    case AQ_FIELD_METADATA:
        e->wal_sequence = ((const aq_metadata *)item->value)->wal_sequence;
        return AQ_OK;
    case AQ_FIELD_TASKS: {
        const aq_task *t = item->value;
        struct job *j = engine_push(e);
        if (j == NULL) return out_of_memory(err);
        j->id = t->task_spec.id;
        j->created_at = t->created_at;
        j->priority = t->task_spec.metadata.priority;
        /* The item is valid only during the callback: keep copies, not pointers. */
        const aq_bytes *p = &t->task_spec.payload.bytes;
        j->payload = (uint8_t *)copy(p->ptr, p->len);
        j->payload_len = p->len;
        return j->payload != NULL ? AQ_OK : out_of_memory(err);
    }
    case AQ_FIELD_RUNS: return restore_run(r, item, err);
    case AQ_FIELD_VERSION:
    case AQ_FIELD_ENGINE: return AQ_OK; /* always handed out; this engine is never paused */
    default: return refuse(item, "a record this engine does not keep", err);
    }
}

/* Every item is validated before the callback sees it, but the CRC covers the whole payload
 * and is checked at the end: until aq_snapshot_read returns AQ_OK, what the callback built is
 * provisional. */
static aq_status restore(const char *path, struct engine *e, aq_error *err)
{
    struct restoring r = {e, 0};
    aq_status st = aq_snapshot_read(path, NULL, restore_item, &r, err);
    if (st == AQ_OK && r.runs != e->count) {
        *err = (aq_error){.status = AQ_EINVALID, .kind = AQ_ERR_RUN_COUNT_MISMATCH};
        snprintf(err->message, sizeof err->message,
                 "%zu tasks but %zu runs: not this engine's file (one run a job)", e->count,
                 r.runs);
        st = AQ_EINVALID;
    }
    if (st != AQ_OK) engine_free(e); /* provisional state: thrown away, never half used */
    return st;
}

/* ---- the program ----------------------------------------------------------------------------- */

static int same_job(const struct job *a, const struct job *b)
{
    return memcmp(&a->id, &b->id, sizeof a->id) == 0 && a->created_at == b->created_at &&
           a->priority == b->priority && a->state == b->state &&
           (a->worker == NULL) == (b->worker == NULL) &&
           (a->worker == NULL || strcmp(a->worker, b->worker) == 0) &&
           a->payload_len == b->payload_len &&
           memcmp(a->payload, b->payload, a->payload_len) == 0;
}

/* -1 when the engines are the same, else the index of the first job that differs (their
 * count when only the clock, the WAL sequence or the number of jobs does). */
static long long first_difference(const struct engine *a, const struct engine *b)
{
    size_t n = a->count < b->count ? a->count : b->count;
    for (size_t i = 0; i < n; i++)
        if (!same_job(&a->jobs[i], &b->jobs[i])) return (long long)i;
    if (a->count != b->count || a->clock != b->clock || a->wal_sequence != b->wal_sequence)
        return (long long)n;
    return -1;
}

static const char usage[] =
    "usage: engine_stream [--jobs N] PATH\n"
    "\n"
    "Persist a toy engine's N jobs (default 3; at most 10000000) to PATH one record at a time\n"
    "with the streaming writer, restore them into fresh structures with the streaming reader,\n"
    "and check that the restored state is the original. A PATH starting with '-' is written\n"
    "./-name.\n";

static int usage_error(const char *problem, const char *arg)
{
    fprintf(stderr, "engine_stream: %s '%s'\n%s", problem, arg, usage);
    return 2;
}

static int fail(const char *what, const char *path, const aq_error *err)
{
    fprintf(stderr, "engine_stream: %s %s: %s (%s)\n", what, path, err->message,
            aq_error_kind_name(err->kind));
    return 1;
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    size_t n = JOBS_DEFAULT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return fflush(stdout) == 0 ? 0 : 1;
        } else if (strcmp(a, "--jobs") == 0) {
            if (++i == argc) return usage_error("missing the value of", a);
            char *end;
            errno = 0;
            unsigned long long v = strtoull(argv[i], &end, 10);
            if (argv[i][0] < '0' || argv[i][0] > '9' || *end != '\0' || errno != 0 ||
                v > JOBS_MAX)
                return usage_error("--jobs takes a number of jobs up to 10000000, not",
                                   argv[i]);
            n = (size_t)v;
        } else if (a[0] == '-' || path != NULL) {
            return usage_error("unexpected argument", a); /* never the file to overwrite */
        } else {
            path = a;
        }
    }
    if (path == NULL) {
        fprintf(stderr, "engine_stream: no PATH to write\n%s", usage);
        return 2;
    }

    struct engine state = {0}, back = {0};
    aq_error err;
    if (engine_fill(&state, n) != 0) {
        engine_free(&state);
        fprintf(stderr, "engine_stream: out of memory\n");
        return 1;
    }
    if (persist(&state, path, &err) != AQ_OK) {
        engine_free(&state);
        return fail("persist", path, &err);
    }
    printf("%s: persisted %zu jobs as %zu tasks and %zu runs\n", path, n, n, n);

    if (restore(path, &back, &err) != AQ_OK) {
        engine_free(&state);
        return fail("restore", path, &err);
    }
    size_t by_state[3] = {0};
    for (size_t i = 0; i < back.count; i++) by_state[back.jobs[i].state]++;
    long long diff = first_difference(&state, &back);
    if (diff >= 0)
        fprintf(stderr, "engine_stream: %s: the restored state differs from the original at "
                        "job %lld\n", path, diff);
    else
        printf("%s: restored %zu jobs (%zu ready, %zu running, %zu done), wal_sequence %llu: "
               "the state persisted\n",
               path, back.count, by_state[JOB_READY], by_state[JOB_RUNNING], by_state[JOB_DONE],
               (unsigned long long)back.wal_sequence);
    engine_free(&state);
    engine_free(&back);
    return diff >= 0;
}
