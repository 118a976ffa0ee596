/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whether engine AQ_ENGINE_RELEASE would load a file as it is: what its loader checks that
 * aqsnap, which reads more, does not (aqsnap/validate.h, aq_snapshot_check_with()).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "aqsnap/file.h"
#include "aqsnap/snapshot.h"
#include "cron.h"
#include "engine.h"

static void refused(aq_check_result *r, aq_engine_verdict v, const char *fmt, ...) AQ__PRINTF(3, 4);

static void refused(aq_check_result *r, aq_engine_verdict v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(r->engine_reason, sizeof r->engine_reason, fmt, ap);
    va_end(ap);
    r->engine = v;
}

/* The first task with a Cron policy: no default build loads it, and a `workflow` build only
 * with an expression that cron 0.12 parses. */
static void cron(const aq_snapshot *s, aq_check_result *r)
{
    for (size_t i = 0; i < s->tasks.count; i++) {
        const aq_task_spec *t = &s->tasks.items[i].task_spec;
        if (t->run_policy.kind != AQ_RUN_POLICY_CRON) continue;
        char id[AQ_UUID_TEXT_LEN + 1], why[160];
        aq_uuid_format(&t->id, id);
        const aq_str *e = &t->run_policy.cron.expression;
        int n = e->len > 48 ? 48 : (int)e->len;
        if (e->ptr != NULL && aq__cron_valid(e->ptr, e->len, why, sizeof why))
            refused(r, AQ_ENGINE_CRON,
                    "tasks[%zu] (task %s) has a Cron policy: only engine builds with the "
                    "`workflow` feature load it",
                    i, id);
        else
            refused(r, AQ_ENGINE_CRON,
                    "tasks[%zu] (task %s) has a Cron policy, which no engine build loads: "
                    "default builds refuse Cron, and `workflow` builds refuse \"%.*s\" (%s)",
                    i, id, n, e->ptr != NULL ? e->ptr : "", why);
        return;
    }
}

void aq__engine_verdict(const aq_snapshot *s, const aq_load_info *file, size_t violations,
                        aq_check_result *r)
{
    r->engine = AQ_ENGINE_LOADS;
    r->engine_reason[0] = '\0';
    uint32_t version = s->metadata.schema_version;
    if (file != NULL && file->format == AQ_FORMAT_PROTOBUF)
        refused(r, AQ_ENGINE_PROTOBUF,
                "protobuf file: the engine reads engine JSON only; convert it to JSON first "
                "(`aqsnap convert --to json`)");
    else if (file != NULL && !file->framed)
        refused(r, AQ_ENGINE_NO_ENVELOPE,
                "no envelope: the engine reads a snapshot.bin file (a 12-byte header of frame "
                "version %u before the JSON); `aqsnap convert --to json` writes one",
                AQ_FRAME_JSON);
    else if (version != AQ_ENGINE_SCHEMA)
        refused(r, AQ_ENGINE_SCHEMA_VERSION,
                "schema version %" PRIu32 ": the engine loads only %u; run `aqsnap migrate`",
                version, (unsigned)AQ_ENGINE_SCHEMA);
    else if (violations > 0)
        refused(r, AQ_ENGINE_INVALID, "%zu violation%s of the rules the engine checks",
                violations, violations == 1 ? "" : "s");
    else
        cron(s, r);
}
