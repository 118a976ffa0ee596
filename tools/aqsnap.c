/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aqsnap: inspect, validate, convert and dump ActionQueue snapshot files.
 * Uses the public API only. Errors go to stderr as "aqsnap: <file>: <problem>".
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aqsnap.h"

/* A macro's value as text, and the schema versions this build reads. */
#define TEXT_(x) #x
#define TEXT(x) TEXT_(x)
#define SCHEMA_RANGE TEXT(AQ_SCHEMA_MIN) ".." TEXT(AQ_SCHEMA_MAX)

/* Exit codes (also in the usage text and README). */
enum {
    EXIT_OK = 0,
    EXIT_BAD_SNAPSHOT = 1, /* missing, unreadable, corrupt or invalid snapshot */
    EXIT_USAGE = 2,
    EXIT_WRITE = 3, /* the output could not be written */
    EXIT_NOMEM = 4,
    EXIT_ENGINE = 5 /* validate --engine: valid, but the engine would not load the file as it is */
};

static const char usage_main[] =
    "usage: aqsnap <command> [options] FILE...\n"
    "\n"
    "Commands:\n"
    "  inspect [--json] FILE         envelope, schema version, counts, runs per state\n"
    "  validate [--strict] [--engine] [--json] [--stream] FILE\n"
    "                                check every engine invariant, print every violation\n"
    "                                and warning, and whether engine " AQ_ENGINE_RELEASE " loads the file\n"
    "  convert [--to FORMAT] [--pretty] [--stream] IN OUT\n"
    "                                rewrite IN as OUT (protobuf or json), atomically\n"
    "  dump [--pretty] FILE          the snapshot as engine-shaped JSON on stdout\n"
    "  migrate [--schema-version N] IN OUT\n"
    "                                rewrite IN as an engine JSON snapshot of schema version\n"
    "                                N (default " TEXT(AQ_ENGINE_SCHEMA) ", what engine " AQ_ENGINE_RELEASE " loads)\n"
    "  help, --help, -h              this text\n"
    "  version, --version, -V        the tool's version and the schema versions it reads\n"
    "\n"
    "FILE is a snapshot file (engine JSON or protobuf, in the 12-byte envelope) or a bare\n"
    "engine JSON document; '-' reads it from standard input. 'aqsnap <command> --help'\n"
    "describes a command.\n"
    "\n"
    "Every command that reads a snapshot takes --max-memory SIZE: the most memory the load may\n"
    "hold (bytes, or with K, M or G for KiB, MiB, GiB; default: the library's, a multiple of\n"
    "the payload size).\n"
    "\n"
    "Exit status: 0 success; 1 the snapshot is missing, unreadable, corrupt or invalid;\n"
    "2 usage error; 3 the output could not be written; 4 out of memory (or over --max-memory);\n"
    "5 (validate --engine) valid, but engine " AQ_ENGINE_RELEASE " would not load the file as it is.\n";

static const char usage_inspect[] =
    "usage: aqsnap inspect [--json] [--max-memory SIZE] FILE\n"
    "\n"
    "Print the file's format, envelope version, payload size and CRC-32, schema version,\n"
    "wal_sequence, timestamp, engine pause state, the number of records in each section, the\n"
    "runs in each state, and whether the snapshot passes validation. The file is read even\n"
    "when it breaks validation rules.\n"
    "\n"
    "  --json    print the same facts as one JSON object\n";

static const char usage_validate[] =
    "usage: aqsnap validate [--strict] [--engine] [--json] [--stream] [--max-memory SIZE] FILE\n"
    "\n"
    "Load FILE and check every rule of the engine's snapshot invariants. Exit 0 when it passes;\n"
    "otherwise exit 1 after printing every violation found, one a line, to stdout. Warnings\n"
    "(what the engine loads although aqsnap knows it is wrong: an empty Custom role or\n"
    "capability name, bytes after the payload) are printed as 'warning: ' lines and do not\n"
    "fail the check. A file that passes gets two verdicts: 'FILE: valid' (aqsnap loads it),\n"
    "then whether engine " AQ_ENGINE_RELEASE " (engine JSON in an envelope, schema version 8, no Cron\n"
    "policy) loads the file as it is, and if not why: 'FILE: engine " AQ_ENGINE_RELEASE " loads it' or\n"
    "'FILE: engine " AQ_ENGINE_RELEASE " does not load it: REASON'.\n"
    "\n"
    "  --strict  warnings are violations\n"
    "  --engine  exit 5 when the file is valid but the engine would not load it as it is\n"
    "  --json    print both verdicts as one JSON object instead (violations and warnings\n"
    "            counted, the first violation's message)\n"
    "  --stream  read FILE one record at a time instead of loading it whole: memory stays at\n"
    "            the largest record plus the ids, whatever the snapshot's size. The same rules\n"
    "            and output; the CRC is known at the end, so a damaged file may print\n"
    "            violations before its CRC mismatch. Not '-'; not with --strict, --engine\n"
    "            or --json (warnings and the engine's verdict are not reported this way).\n";

static const char usage_convert[] =
    "usage: aqsnap convert [--to protobuf|json] [--pretty] [--stream] [--max-memory SIZE]\n"
    "                      IN OUT\n"
    "\n"
    "Load IN (validated), write it to OUT in the chosen format (default: the other one) through\n"
    "a temporary file, fsync and rename, so OUT is either its old self or the whole new file.\n"
    "Protobuf fields unknown to this version survive protobuf->protobuf; JSON cannot carry them.\n"
    "\n"
    "  --to FORMAT   protobuf or json\n"
    "  --pretty      JSON only: indented instead of the engine's compact layout\n"
    "  --stream      copy one record at a time (memory stays at the largest record plus the\n"
    "                ids, whatever the snapshot's size); the same checks and output. Not\n"
    "                '-'; needs --to (IN's format is known only once it is read). Unknown\n"
    "                top-level fields are not copied.\n";

static const char usage_dump[] =
    "usage: aqsnap dump [--pretty] [--max-memory SIZE] FILE\n"
    "\n"
    "Write the whole snapshot to stdout as engine-shaped JSON (the engine's compact layout, or\n"
    "indented with --pretty). The file is read even when it breaks validation rules.\n";

static const char usage_migrate[] =
    "usage: aqsnap migrate [--schema-version N] [--max-memory SIZE] IN OUT\n"
    "\n"
    "Load IN (validated; engine JSON or protobuf, schema version " SCHEMA_RANGE ") and write it to OUT as an\n"
    "engine JSON snapshot (envelope version 4) of schema version N, with every key of that\n"
    "version and the serde default of every one IN did not have, as the engine writes them;\n"
    "through a temporary file, fsync and rename, like convert. Refused, naming the record, when\n"
    "IN holds something N cannot (going to an older version).\n"
    "\n"
    "  --schema-version N   " SCHEMA_RANGE "; default " TEXT(AQ_ENGINE_SCHEMA) ", the only one engine " AQ_ENGINE_RELEASE " loads\n";

static const char *prog_file; /* for error messages */

/* Out of memory, or over the memory limit of a load (--max-memory). */
static bool no_memory(aq_status st, const aq_error *err)
{
    return st == AQ_ENOMEM || (st == AQ_ELIMIT && err->kind == AQ_ERR_MEMORY_LIMIT);
}

static int fail(aq_status st, const aq_error *err)
{
    fprintf(stderr, "aqsnap: %s: %s\n", prog_file, err->message);
    return no_memory(st, err) ? EXIT_NOMEM : EXIT_BAD_SNAPSHOT;
}

/* Everything printed to stdout must have reached it (a full disk or a closed pipe is an error). */
static int flushed(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "aqsnap: stdout: write failed\n");
        return EXIT_WRITE;
    }
    return rc;
}

static int usage_error(const char *usage, const char *problem)
{
    if (problem != NULL) fprintf(stderr, "aqsnap: %s\n", problem);
    fputs(usage, stderr);
    return EXIT_USAGE;
}

/* Parse the options of a subcommand; returns -1 to continue, or an exit code. */
typedef struct opts {
    bool json;
    bool pretty;
    bool has_to;
    aq_format to;
    uint64_t max_memory; /* 0: the library's default */
    bool stream;
    bool strict;
    bool engine;
    uint32_t schema_version; /* migrate's; 0: not given */
} opts;

/* A size for --max-memory: bytes, or a number with K, M or G (binary multiples). 0 when the
 * text is not one (or is 0). */
static uint64_t parse_size(const char *text)
{
    uint64_t n = 0;
    const char *p = text;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (n > (UINT64_MAX - 9) / 10) return 0;
        n = n * 10 + (uint64_t)(*p - '0');
    }
    if (p == text) return 0;
    unsigned shift = 0;
    if (*p == 'K') shift = 10;
    if (*p == 'M') shift = 20;
    if (*p == 'G') shift = 30;
    if (shift != 0) p++;
    if (*p != '\0' || n > UINT64_MAX >> shift) return 0;
    return n << shift;
}

static int parse(int argc, char **argv, const char *usage, const char *allowed, opts *o,
                 int nfiles)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},   {"pretty", no_argument, NULL, 'p'},
        {"to", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'},
        {"max-memory", required_argument, NULL, 'm'}, {"stream", no_argument, NULL, 's'},
        {"strict", no_argument, NULL, 'S'},           {"engine", no_argument, NULL, 'e'},
        {"schema-version", required_argument, NULL, 'v'}, {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    optind = 1;
    opterr = 0;
    int c, li = -1;
    /* No '+': options may also follow the files ("convert IN OUT --to json"). The leading ':'
     * reports a missing value apart. */
    while ((c = getopt_long(argc, argv, ":h", longopts, &li)) != -1) {
        if (c == 'h') {
            fputs(usage, stdout);
            return flushed(EXIT_OK);
        }
        /* An option of this command without its value; given to another command, it is
         * foreign. */
        if (c == ':') {
            if (strchr(allowed, optopt) != NULL)
                return usage_error(usage, optopt == 't'   ? "option '--to' needs a value: protobuf or json"
                                          : optopt == 'v' ? "option '--schema-version' needs a value: " SCHEMA_RANGE
                                                          : "option '--max-memory' needs a value: a size");
            c = optopt;
        }
        if (c == '?' || strchr(allowed, c) == NULL) {
            /* An option no command knows (or misused): the token as typed. One that another
             * command takes: its name, not the value that may have followed it. */
            char msg[128];
            if (c != '?' && li >= 0)
                (void)snprintf(msg, sizeof msg, "unknown option '--%s'", longopts[li].name);
            else
                (void)snprintf(msg, sizeof msg, "unknown option '%s'", argv[optind - 1]);
            return usage_error(usage, msg);
        }
        li = -1;
        if (c == 'j') o->json = true;
        if (c == 'p') o->pretty = true;
        if (c == 's') o->stream = true;
        if (c == 'S') o->strict = true;
        if (c == 'e') o->engine = true;
        if (c == 'v') {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end != '\0' || v < AQ_SCHEMA_MIN ||
                v > AQ_SCHEMA_MAX)
                return usage_error(usage, "--schema-version takes a schema version, " SCHEMA_RANGE);
            o->schema_version = (uint32_t)v;
        }
        if (c == 't') {
            o->has_to = true;
            if (strcmp(optarg, "protobuf") == 0)
                o->to = AQ_FORMAT_PROTOBUF;
            else if (strcmp(optarg, "json") == 0)
                o->to = AQ_FORMAT_JSON;
            else
                return usage_error(usage, "--to takes protobuf or json");
        }
        if (c == 'm' && (o->max_memory = parse_size(optarg)) == 0)
            return usage_error(usage, "--max-memory takes a size: bytes, or a number with K, M "
                                      "or G (KiB, MiB, GiB)");
    }
    if (argc - optind != nfiles)
        return usage_error(usage, nfiles == 1 ? "expected one FILE" : "expected IN and OUT");
    return -1;
}

/* Load with or without validation, from standard input for "-". */
static aq_status load(const char *path, const opts *o, bool validate, aq_snapshot **snap,
                      aq_load_info *info, aq_error *err)
{
    aq_load_options lo = AQ_LOAD_OPTIONS_INIT;
    if (!validate) lo.flags |= AQ_LOAD_NO_VALIDATE;
    lo.max_memory = o->max_memory;
    if (strcmp(path, "-") == 0) return aq_snapshot_load_stream(stdin, &lo, snap, info, err);
    return aq_snapshot_load(path, &lo, snap, info, err);
}

/* ---- inspect --------------------------------------------------------------------------------- */

static bool count_violation(void *ctx, const aq_error *violation)
{
    (void)ctx;
    (void)violation;
    return true;
}

static void iso8601(uint64_t secs, char out[32])
{
    time_t t = (time_t)secs;
    struct tm tm;
    if (secs > (uint64_t)253402300799u || gmtime_r(&t, &tm) == NULL ||
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        (void)snprintf(out, 32, "out of range");
}

typedef struct facts {
    const char *file;
    aq_load_info info;
    size_t runs_by_state[AQ_RUN_STATE_COUNT];
    size_t violations;
    aq_error first;
    aq_check_result check;
} facts;

static void print_text(const aq_snapshot *s, const facts *f)
{
    char when[32];
    printf("file:              %s\n", f->file);
    if (f->info.framed && f->info.format == AQ_FORMAT_JSON)
        printf("format:            json (envelope version %u)\n", f->info.frame_version);
    else if (f->info.framed)
        printf("format:            protobuf (envelope version 0x%08x, \"AQP1\")\n",
               f->info.frame_version);
    else
        printf("format:            json (bare document, no envelope)\n");
    printf("payload:           %u bytes, CRC-32 0x%08x\n", f->info.payload_len, f->info.crc32);
    if (f->info.trailing > 0)
        printf("trailing bytes:    %llu after the payload (ignored, as the engine ignores them)\n",
               (unsigned long long)f->info.trailing);
    printf("schema version:    %u\n", s->metadata.schema_version);
    printf("wal_sequence:      %llu\n", (unsigned long long)s->metadata.wal_sequence);
    iso8601(s->timestamp, when);
    printf("timestamp:         %llu (%s)\n", (unsigned long long)s->timestamp, when);
    if (s->engine.paused)
        printf("engine:            paused (since %llu)\n",
               (unsigned long long)s->engine.paused_at.value);
    else
        printf("engine:            running\n");
    printf("tasks:             %zu\n", s->tasks.count);
    printf("runs:              %zu\n", s->runs.count);
    for (int st = 1; st < AQ_RUN_STATE_COUNT; st++)
        printf("  %-16s %zu\n", aq_run_state_name((aq_run_state)st), f->runs_by_state[st]);
    printf("dependency decls:  %zu\n", s->dependency_declarations.count);
    printf("budgets:           %zu\n", s->budgets.count);
    printf("subscriptions:     %zu\n", s->subscriptions.count);
    printf("actors:            %zu\n", s->actors.count);
    printf("tenants:           %zu\n", s->tenants.count);
    printf("role assignments:  %zu\n", s->role_assignments.count);
    printf("capability grants: %zu\n", s->capability_grants.count);
    printf("ledger entries:    %zu\n", s->ledger_entries.count);
    if (f->violations == 0)
        printf("validation:        ok\n");
    else
        printf("validation:        %zu violation%s, first: %s\n", f->violations,
               f->violations == 1 ? "" : "s", f->first.message);
    if (f->check.engine == AQ_ENGINE_LOADS)
        printf("engine " AQ_ENGINE_RELEASE ":      loads it as it is\n");
    else
        printf("engine " AQ_ENGINE_RELEASE ":      does not load it as it is: %s\n",
               f->check.engine_reason);
}

/* Length of the UTF-8 sequence at s if it is valid (> 0); else minus the length of its maximal
 * valid prefix, which Unicode recommends replacing by one U+FFFD. `s` is NUL-terminated, and NUL
 * ends every sequence. */
static int utf8_sequence(const unsigned char *s)
{
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    int n;
    if (s[0] < 0x80) return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) n = 2;
    else if (s[0] == 0xE0) n = 3, lo = 0xA0; /* no overlong forms */
    else if (s[0] == 0xED) n = 3, hi = 0x9F; /* no surrogates */
    else if (s[0] >= 0xE1 && s[0] <= 0xEF) n = 3;
    else if (s[0] == 0xF0) n = 4, lo = 0x90;
    else if (s[0] == 0xF4) n = 4, hi = 0x8F; /* nothing above U+10FFFF */
    else if (s[0] >= 0xF1 && s[0] <= 0xF3) n = 4;
    else return -1;
    for (int i = 1; i < n; i++, lo = 0x80, hi = 0xBF)
        if (s[i] < lo || s[i] > hi) return -i;
    return n;
}

/* A JSON string for the few free-text values inspect prints (file name, first violation). A file
 * name may be any bytes: invalid UTF-8 becomes U+FFFD, so the output stays valid JSON. */
static void json_string(const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    putchar('"');
    while (*s) {
        int n = utf8_sequence(s);
        if (n < 0) {
            fputs("\\ufffd", stdout);
            s += -n;
        } else if (*s == '"' || *s == '\\') {
            printf("\\%c", *s++);
        } else if (*s < 0x20) {
            printf("\\u%04x", *s++);
        } else {
            fwrite(s, 1, (size_t)n, stdout);
            s += n;
        }
    }
    putchar('"');
}

/* The engine's verdict as JSON members (after others). */
static void print_engine_json(const aq_check_result *r)
{
    printf(",\"engine_release\":\"" AQ_ENGINE_RELEASE "\",\"engine_loads\":%s",
           r->engine == AQ_ENGINE_LOADS ? "true" : "false");
    if (r->engine != AQ_ENGINE_LOADS) {
        printf(",\"engine_reason\":");
        json_string(r->engine_reason);
    }
}

static void print_json(const aq_snapshot *s, const facts *f)
{
    printf("{\"file\":");
    json_string(f->file);
    printf(",\"format\":\"%s\",\"framed\":%s,\"envelope_version\":%u,\"payload_bytes\":%u,"
           "\"crc32\":\"0x%08x\",\"trailing_bytes\":%llu,\"schema_version\":%u,"
           "\"wal_sequence\":%llu,\"timestamp\":%llu,\"paused\":%s,",
           f->info.format == AQ_FORMAT_JSON ? "json" : "protobuf",
           f->info.framed ? "true" : "false", f->info.frame_version, f->info.payload_len,
           f->info.crc32, (unsigned long long)f->info.trailing, s->metadata.schema_version,
           (unsigned long long)s->metadata.wal_sequence, (unsigned long long)s->timestamp,
           s->engine.paused ? "true" : "false");
    printf("\"counts\":{\"tasks\":%zu,\"runs\":%zu,\"dependency_declarations\":%zu,"
           "\"budgets\":%zu,\"subscriptions\":%zu,\"actors\":%zu,\"tenants\":%zu,"
           "\"role_assignments\":%zu,\"capability_grants\":%zu,\"ledger_entries\":%zu},",
           s->tasks.count, s->runs.count, s->dependency_declarations.count, s->budgets.count,
           s->subscriptions.count, s->actors.count, s->tenants.count, s->role_assignments.count,
           s->capability_grants.count, s->ledger_entries.count);
    printf("\"runs_by_state\":{");
    for (int st = 1; st < AQ_RUN_STATE_COUNT; st++)
        printf("%s\"%s\":%zu", st > 1 ? "," : "", aq_run_state_name((aq_run_state)st),
               f->runs_by_state[st]);
    printf("},\"valid\":%s,\"violations\":%zu", f->violations ? "false" : "true", f->violations);
    if (f->violations) {
        printf(",\"first_violation\":");
        json_string(f->first.message);
    }
    print_engine_json(&f->check);
    printf("}\n");
}

static int cmd_inspect(int argc, char **argv)
{
    opts o;
    int rc = parse(argc, argv, usage_inspect, "jmh", &o, 1);
    if (rc >= 0) return rc;
    facts f = {0};
    f.file = prog_file = argv[optind];
    aq_snapshot *s;
    aq_error err;
    aq_status st = load(f.file, &o, false, &s, &f.info, &err);
    if (st != AQ_OK) return fail(st, &err);
    for (size_t i = 0; i < s->runs.count; i++) {
        unsigned state = (unsigned)s->runs.items[i].run_instance.state;
        if (state < AQ_RUN_STATE_COUNT) f.runs_by_state[state]++;
    }
    aq_check_options co = AQ_CHECK_OPTIONS_INIT;
    co.on_violation = count_violation;
    co.file = &f.info;
    st = aq_snapshot_check_with(s, &co, &f.check, &err);
    f.violations = f.check.violations;
    if (st == AQ_EINVALID || st == AQ_EVERSION) {
        f.first = err;
    } else if (st != AQ_OK) {
        aq_snapshot_free(s);
        return fail(st, &err);
    }
    if (o.json)
        print_json(s, &f);
    else
        print_text(s, &f);
    aq_snapshot_free(s);
    return flushed(EXIT_OK);
}

/* ---- validate -------------------------------------------------------------------------------- */

static bool print_violation(void *ctx, const aq_error *violation)
{
    (void)ctx;
    printf("%s: %s\n", aq_error_kind_name(violation->kind), violation->message);
    return true;
}

static bool print_warning(void *ctx, const aq_error *warning)
{
    (void)ctx;
    printf("warning: %s: %s\n", aq_error_kind_name(warning->kind), warning->message);
    return true;
}

static aq_status ignore_item(void *ctx, const aq_item *item, aq_error *err)
{
    (void)ctx, (void)item, (void)err;
    return AQ_OK;
}

/* validate --json: both verdicts; the exit status as without --json. */
static int print_verdicts_json(const aq_check_result *r, const aq_error *first, bool engine_exit)
{
    printf("{\"file\":");
    json_string(prog_file);
    printf(",\"valid\":%s,\"violations\":%zu,\"warnings\":%zu", first ? "false" : "true",
           r->violations, r->warnings);
    if (first != NULL) {
        printf(",\"first_violation\":");
        json_string(first->message);
    }
    print_engine_json(r);
    printf("}\n");
    if (first != NULL) return flushed(EXIT_BAD_SNAPSHOT);
    return flushed(engine_exit && r->engine != AQ_ENGINE_LOADS ? EXIT_ENGINE : EXIT_OK);
}

/* Each violation printed and counted. */
static bool print_and_count(void *ctx, const aq_error *violation)
{
    ++*(size_t *)ctx;
    return print_violation(NULL, violation);
}

static int cmd_validate(int argc, char **argv)
{
    opts o;
    int rc = parse(argc, argv, usage_validate, "msSejh", &o, 1);
    if (rc >= 0) return rc;
    if (o.stream && (o.strict || o.engine || o.json))
        return usage_error(usage_validate, o.strict ? "--strict does not go with --stream"
                                                    : "--stream gives no engine verdict: "
                                                      "not with --engine or --json");
    prog_file = argv[optind];
    aq_error err;
    size_t n = 0, warnings = 0;
    aq_check_result r;
    aq_status st;
    if (o.stream) {
        aq_read_options ro = AQ_READ_OPTIONS_INIT;
        ro.on_violation = print_and_count;
        ro.violation_ctx = &n;
        st = aq_snapshot_read(prog_file, &ro, ignore_item, NULL, &err);
        if (st == AQ_ECRC && n > 0) {
            rc = fail(st, &err);
            fprintf(stderr, "aqsnap: %s: the violations above may come from this damage\n",
                    prog_file);
            return rc;
        }
    } else {
        aq_snapshot *s;
        aq_load_info info;
        st = load(prog_file, &o, false, &s, &info, &err);
        if (st != AQ_OK) return fail(st, &err);
        aq_check_options co = AQ_CHECK_OPTIONS_INIT;
        co.flags = o.strict ? AQ_CHECK_STRICT : 0;
        co.on_violation = o.json ? count_violation : print_violation;
        co.on_warning = o.json ? count_violation : print_warning;
        co.file = &info;
        st = aq_snapshot_check_with(s, &co, &r, &err);
        n = r.violations;
        warnings = r.warnings;
        aq_snapshot_free(s);
        if (o.json && (st == AQ_OK || st == AQ_EINVALID || st == AQ_EVERSION))
            return print_verdicts_json(&r, st == AQ_OK ? NULL : &err, o.engine);
    }
    if (st == AQ_OK) {
        if (warnings > 0)
            printf("%s: valid, %zu warning%s\n", prog_file, warnings, warnings == 1 ? "" : "s");
        else
            printf("%s: valid\n", prog_file);
        if (o.stream) return flushed(EXIT_OK);
        if (r.engine == AQ_ENGINE_LOADS)
            printf("%s: engine " AQ_ENGINE_RELEASE " loads it\n", prog_file);
        else
            printf("%s: engine " AQ_ENGINE_RELEASE " does not load it: %s\n", prog_file,
                   r.engine_reason);
        return flushed(o.engine && r.engine != AQ_ENGINE_LOADS ? EXIT_ENGINE : EXIT_OK);
    }
    if (st == AQ_EINVALID || st == AQ_EVERSION) {
        fprintf(stderr, "aqsnap: %s: %zu violation%s\n", prog_file, n, n == 1 ? "" : "s");
        return flushed(EXIT_BAD_SNAPSHOT);
    }
    return fail(st, &err);
}

/* ---- convert --------------------------------------------------------------------------------- */

/* A streaming copy: each record read goes to the writer. */
typedef struct copy {
    aq_writer *w;
    bool writer_failed;
} copy;

static aq_status copy_item(void *ctx, const aq_item *item, aq_error *err)
{
    copy *c = ctx;
    aq_status st = aq_writer_add(c->w, item->field, item->value, err);
    c->writer_failed = st != AQ_OK;
    return st;
}

/* Content the target format cannot carry is about IN; anything else is about OUT. */
static int write_failed(const char *in, const char *out, aq_format format, aq_status st,
                        const aq_error *err)
{
    if (err->status == AQ_EINVAL && err->kind != AQ_ERR_NOT_A_FILE)
        fprintf(stderr, "aqsnap: %s: cannot be written as %s: %s\n", in,
                format == AQ_FORMAT_JSON ? "JSON" : "protobuf", err->message);
    else
        fprintf(stderr, "aqsnap: %s: %s\n", out, err->message);
    return st == AQ_ENOMEM ? EXIT_NOMEM : EXIT_WRITE;
}

/* The reader validates every record before handing it out, and the whole file before the
 * commit: the writer need not check again. */
static int convert_streaming(const char *in, const char *out, aq_write_options *wo)
{
    aq_error err;
    wo->flags |= AQ_WRITE_NO_VALIDATE;
    copy c = {NULL, false};
    aq_status st = aq_writer_open(out, wo, &c.w, &err);
    if (st != AQ_OK) return write_failed(in, out, wo->format, st, &err);
    st = aq_snapshot_read(in, NULL, copy_item, &c, &err);
    if (st != AQ_OK) {
        aq_writer_abort(c.w);
        return c.writer_failed ? write_failed(in, out, wo->format, st, &err) : fail(st, &err);
    }
    st = aq_writer_commit(c.w, &err);
    return st == AQ_OK ? EXIT_OK : write_failed(in, out, wo->format, st, &err);
}

static int cmd_convert(int argc, char **argv)
{
    opts o;
    int rc = parse(argc, argv, usage_convert, "tpmsh", &o, 2);
    if (rc >= 0) return rc;
    const char *in = argv[optind], *out = argv[optind + 1];
    if (o.pretty && o.has_to && o.to != AQ_FORMAT_JSON)
        return usage_error(usage_convert, "--pretty applies to --to json only");
    prog_file = in;
    if (o.stream) {
        if (!o.has_to) return usage_error(usage_convert, "--stream needs --to protobuf or json");
        aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
        wo.format = o.to;
        if (o.pretty) wo.flags |= AQ_WRITE_JSON_PRETTY;
        return convert_streaming(in, out, &wo);
    }
    aq_snapshot *s;
    aq_load_info info;
    aq_error err;
    aq_status st = load(in, &o, true, &s, &info, &err);
    if (st != AQ_OK) return fail(st, &err);
    aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
    wo.format = o.has_to ? o.to
                : info.format == AQ_FORMAT_JSON ? AQ_FORMAT_PROTOBUF
                                                : AQ_FORMAT_JSON;
    if (o.pretty) {
        if (wo.format != AQ_FORMAT_JSON) { /* the default target of a JSON input */
            aq_snapshot_free(s);
            return usage_error(usage_convert, "--pretty applies to --to json only");
        }
        wo.flags |= AQ_WRITE_JSON_PRETTY;
    }
    st = aq_snapshot_write(out, s, &wo, &err);
    aq_snapshot_free(s);
    return st == AQ_OK ? EXIT_OK : write_failed(in, out, wo.format, st, &err);
}

/* ---- migrate --------------------------------------------------------------------------------- */

static int cmd_migrate(int argc, char **argv)
{
    opts o;
    int rc = parse(argc, argv, usage_migrate, "vmh", &o, 2);
    if (rc >= 0) return rc;
    const char *in = argv[optind], *out = argv[optind + 1];
    uint32_t version = o.schema_version != 0 ? o.schema_version : AQ_ENGINE_SCHEMA;
    prog_file = in;
    aq_snapshot *s;
    aq_error err;
    aq_status st = load(in, &o, true, &s, NULL, &err);
    if (st != AQ_OK) return fail(st, &err);
    st = aq_snapshot_migrate(s, version, &err);
    if (st != AQ_OK) {
        fprintf(stderr, "aqsnap: %s: cannot be migrated to schema version %u: %s\n", in,
                (unsigned)version, err.message);
        aq_snapshot_free(s);
        return st == AQ_ENOMEM ? EXIT_NOMEM : EXIT_BAD_SNAPSHOT;
    }
    aq_write_options wo = AQ_WRITE_OPTIONS_INIT;
    wo.format = AQ_FORMAT_JSON;
    st = aq_snapshot_write(out, s, &wo, &err);
    aq_snapshot_free(s);
    if (st != AQ_OK) {
        fprintf(stderr, "aqsnap: %s: %s\n", out, err.message);
        return st == AQ_ENOMEM ? EXIT_NOMEM : EXIT_WRITE;
    }
    return EXIT_OK;
}

/* ---- dump ------------------------------------------------------------------------------------ */

static int cmd_dump(int argc, char **argv)
{
    opts o;
    int rc = parse(argc, argv, usage_dump, "pmh", &o, 1);
    if (rc >= 0) return rc;
    prog_file = argv[optind];
    aq_snapshot *s;
    aq_error err;
    aq_status st = load(prog_file, &o, false, &s, NULL, &err);
    if (st != AQ_OK) return fail(st, &err);
    aq_buffer json;
    st = aq_snapshot_encode_json(s, NULL, o.pretty ? AQ_JSON_PRETTY : 0, &json, &err);
    aq_snapshot_free(s);
    if (st != AQ_OK) return fail(st, &err);
    bool ok = fwrite(json.data, 1, json.len, stdout) == json.len && fputc('\n', stdout) != EOF &&
              fflush(stdout) == 0;
    aq_buffer_free(&json);
    if (!ok) {
        fprintf(stderr, "aqsnap: stdout: write failed\n");
        return EXIT_WRITE;
    }
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) return usage_error(usage_main, "missing command");
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage_main, stdout);
        return flushed(EXIT_OK);
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0 || strcmp(cmd, "version") == 0) {
        printf("aqsnap %s (schema versions %d..%d)\n", aq_version_string(), AQ_SCHEMA_MIN,
               AQ_SCHEMA_MAX);
        return flushed(EXIT_OK);
    }
    /* Subcommands see argv starting at their own name, as getopt expects. */
    if (strcmp(cmd, "inspect") == 0) return cmd_inspect(argc - 1, argv + 1);
    if (strcmp(cmd, "validate") == 0) return cmd_validate(argc - 1, argv + 1);
    if (strcmp(cmd, "convert") == 0) return cmd_convert(argc - 1, argv + 1);
    if (strcmp(cmd, "dump") == 0) return cmd_dump(argc - 1, argv + 1);
    if (strcmp(cmd, "migrate") == 0) return cmd_migrate(argc - 1, argv + 1);
    char msg[96];
    (void)snprintf(msg, sizeof msg, "unknown command '%s'", cmd);
    return usage_error(usage_main, msg);
}
