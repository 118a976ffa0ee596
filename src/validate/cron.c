/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cron expressions as the `cron` 0.12 crate parses them (`Schedule::from_str`, which the
 * engine's CronPolicy::new calls): its nom grammar, tried alternative by alternative the way nom
 * tries them, then its checks of every value, so that an expression is judged as an engine built
 * with the `workflow` feature judges it. docs/VALIDATION.md has the grammar.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cron.h"

/* A field of the expression: its range of values, and its names when it has any. */
typedef struct unit {
    const char *name;
    unsigned min, max;
    const char *const *names; /* by value: names[v] lists the spellings of v, '|'-separated */
    bool any;                 /* `?` stands for every value (days of month, days of week) */
} unit;

static const char *const month_names[13] = {
    NULL,           "jan|january", "feb|february", "mar|march",     "apr|april",
    "may",          "jun|june",    "jul|july",     "aug|august",    "sep|september",
    "oct|october",  "nov|november", "dec|december"};
static const char *const weekday_names[8] = {
    NULL,          "sun|sunday", "mon|monday",          "tue|tues|tuesday", "wed|wednesday",
    "thu|thurs|thursday", "fri|friday", "sat|saturday"};

/* Seconds first; the years are optional. */
static const unit units[7] = {
    {"seconds", 0, 59, NULL, false},           {"minutes", 0, 59, NULL, false},
    {"hours", 0, 23, NULL, false},             {"days of month", 1, 31, NULL, true},
    {"months", 1, 12, month_names, false},     {"days of week", 1, 7, weekday_names, true},
    {"years", 1970, 2100, NULL, false},
};

typedef struct parser {
    const char *p, *end;
    char *why; /* the first problem found, for the message */
    size_t why_len;
} parser;

static bool refuse(parser *ps, const char *fmt, ...) AQ__PRINTF(2, 3);

static bool refuse(parser *ps, const char *fmt, ...)
{
    if (ps->why[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(ps->why, ps->why_len, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* nom's multispace0. */
static void skip_space(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static bool tag(parser *ps, char c)
{
    if (ps->p >= ps->end || *ps->p != c) return false;
    ps->p++;
    return true;
}

/* delimited(multispace0, digit1, multispace0) read as a u32 (a larger number fails). */
static bool ordinal(parser *ps, unsigned *out)
{
    const char *start = ps->p;
    skip_space(ps);
    const char *digits = ps->p;
    unsigned long long v = 0;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9' && v <= 0xFFFFFFFFull)
        v = v * 10 + (unsigned)(*ps->p++ - '0');
    if (ps->p == digits || v > 0xFFFFFFFFull) {
        ps->p = start;
        return false;
    }
    skip_space(ps);
    *out = (unsigned)v;
    return true;
}

/* delimited(multispace0, alpha1, multispace0): the letters (ASCII) as they stand. */
typedef struct word {
    const char *p;
    size_t n;
} word;

static bool name(parser *ps, word *out)
{
    const char *start = ps->p;
    skip_space(ps);
    out->p = ps->p;
    while (ps->p < ps->end && (((unsigned char)*ps->p | 0x20) >= 'a') &&
           (((unsigned char)*ps->p | 0x20) <= 'z'))
        ps->p++;
    out->n = (size_t)(ps->p - out->p);
    if (out->n == 0) {
        ps->p = start;
        return false;
    }
    skip_space(ps);
    return true;
}

/* ---- values: what TimeUnitField::from_field checks ------------------------------------------- */

static bool in_range(parser *ps, const unit *u, unsigned v)
{
    if (v >= u->min && v <= u->max) return true;
    return refuse(ps, "%s must be %u..%u, found %u", u->name, u->min, u->max, v);
}

/* The value a name stands for, case-insensitively (to_lowercase on ASCII letters). */
static bool named(parser *ps, const unit *u, word w, unsigned *out)
{
    if (u->names == NULL)
        return refuse(ps, "the %s field takes no names, found '%.*s'", u->name, (int)w.n, w.p);
    for (unsigned v = u->min; v <= u->max; v++) {
        for (const char *s = u->names[v]; *s != '\0';) {
            size_t n = strcspn(s, "|");
            bool same = n == w.n;
            for (size_t i = 0; same && i < n; i++) same = s[i] == (w.p[i] | 0x20);
            if (same) {
                *out = v;
                return true;
            }
            s += n + (s[n] == '|');
        }
    }
    return refuse(ps, "'%.*s' is not one of the %s", (int)w.n, w.p, u->name);
}

static bool range_ok(parser *ps, const unit *u, unsigned a, unsigned b)
{
    if (!in_range(ps, u, a) || !in_range(ps, u, b)) return false;
    if (a <= b) return true;
    return refuse(ps, "%s range %u-%u ends before it starts", u->name, a, b);
}

/* ---- the grammar ----------------------------------------------------------------------------- */

/* What one specifier was, for the value checks. */
typedef enum { ALL, POINT, RANGE, NAMED_RANGE } shape;

typedef struct spec {
    shape shape;
    unsigned a, b;
    word wa, wb;
} spec;

/* specifier(_with_any): alt((any?, all, range, point, named_range)), nothing consumed on failure. */
static bool specifier(parser *ps, const unit *u, spec *s)
{
    const char *start = ps->p;
    if ((u->any && tag(ps, '?')) || tag(ps, '*')) {
        s->shape = ALL;
        return true;
    }
    if (ordinal(ps, &s->a)) {
        const char *after = ps->p;
        if (tag(ps, '-') && ordinal(ps, &s->b)) {
            s->shape = RANGE;
            return true;
        }
        ps->p = after;
        s->shape = POINT;
        return true;
    }
    if (name(ps, &s->wa) && tag(ps, '-') && name(ps, &s->wb)) {
        s->shape = NAMED_RANGE;
        return true;
    }
    ps->p = start;
    return false;
}

/* The values of a specifier (alone, or at the start of a period). */
static bool spec_ok(parser *ps, const unit *u, const spec *s)
{
    unsigned a, b;
    switch (s->shape) {
    case ALL: return true;
    case POINT: return in_range(ps, u, s->a);
    case RANGE: return range_ok(ps, u, s->a, s->b);
    case NAMED_RANGE: return named(ps, u, s->wa, &a) && named(ps, u, s->wb, &b) && range_ok(ps, u, a, b);
    }
    return false;
}

/* root_specifier(_with_any): alt((period, specifier, named_point)), then its values. Returns
 * false without consuming when nothing parses (*parsed false), or when the values are wrong. */
static bool root_specifier(parser *ps, const unit *u, bool *parsed)
{
    const char *start = ps->p;
    spec s;
    unsigned step;
    *parsed = true;
    if (specifier(ps, u, &s)) {
        const char *after = ps->p;
        if (tag(ps, '/') && ordinal(ps, &step)) {
            if (step == 0) return refuse(ps, "%s step is 0", u->name);
            return spec_ok(ps, u, &s);
        }
        ps->p = after;
        return spec_ok(ps, u, &s);
    }
    word w;
    unsigned v;
    if (name(ps, &w)) return named(ps, u, w, &v);
    ps->p = start;
    *parsed = false;
    return false;
}

/* A field: delimited(multispace0, separated_list1(",", root_specifier), multispace0). A list
 * ends before a ',' that no specifier follows, as nom's separated_list1 does. */
static bool field(parser *ps, const unit *u, bool *parsed)
{
    skip_space(ps);
    if (!root_specifier(ps, u, parsed)) return false;
    for (;;) {
        const char *before = ps->p;
        bool more;
        if (!tag(ps, ',')) break;
        if (!root_specifier(ps, u, &more)) {
            if (more) return false;
            ps->p = before;
            break;
        }
    }
    skip_space(ps);
    return true;
}

static bool shorthand(parser *ps)
{
    static const char *const words[] = {"@yearly", "@monthly", "@weekly", "@daily", "@hourly"};
    skip_space(ps);
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t n = strlen(words[i]);
        if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, words[i], n) == 0) {
            ps->p += n;
            skip_space(ps);
            return ps->p == ps->end;
        }
    }
    return false;
}

bool aq__cron_valid(const char *expr, size_t len, char *why, size_t why_len)
{
    parser ps = {expr, expr + len, why, why_len};
    why[0] = '\0';
    if (shorthand(&ps)) return true;
    ps.p = expr;
    for (size_t f = 0; f < 6; f++) {
        bool parsed;
        if (!field(&ps, &units[f], &parsed)) {
            if (parsed) return false;
            if (ps.p == ps.end)
                return refuse(&ps, "%zu field%s; cron expressions have 6 or 7, seconds first", f,
                              f == 1 ? "" : "s");
            return refuse(&ps, "the %s field does not parse at offset %zu", units[f].name,
                          (size_t)(ps.p - expr));
        }
    }
    if (ps.p < ps.end) {
        bool parsed;
        /* opt(years): a years field that is wrong is no years field, and the end must follow. */
        const char *before = ps.p;
        if (!field(&ps, &units[6], &parsed)) ps.p = before;
    }
    if (ps.p < ps.end)
        return refuse(&ps, "unexpected text at offset %zu (seconds first, 6 or 7 fields)",
                      (size_t)(ps.p - expr));
    return true;
}
