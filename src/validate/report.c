/* SPDX-License-Identifier: Apache-2.0 */
/* Validation's reports: each violation (or warning) a complete aq_error, with the path of the
 * record being checked and the field's place in it, handed to the caller's callback. */
#include <stdarg.h>
#include <stdio.h>

#include "checker.h"

static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...) AQ__PRINTF(4, 5);

static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    if (*len >= cap) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    /* A path too long for the buffer keeps its start (truncated); it is for people. */
    if (n > 0) *len += (size_t)n;
}

static void set_path(const checker *c, at where, aq_error *v)
{
    char *p = v->path;
    size_t cap = sizeof v->path, len = 0;
    const char *dot = "";
    if (c->section != NULL) {
        append(p, cap, &len, "%s[%zu]", c->section, c->index);
        dot = ".";
    }
    if (where.list != NULL) {
        append(p, cap, &len, "%s%s[%zu]", dot, where.list, where.k);
        dot = ".";
    }
    if (where.leaf != NULL) append(p, cap, &len, "%s%s", dot, where.leaf);
}

static void vreport(checker *c, aq_status status, aq_error_kind kind, at where, const char *fmt,
                    va_list ap) AQ__PRINTF(5, 0);

static void vreport(checker *c, aq_status status, aq_error_kind kind, at where, const char *fmt,
                    va_list ap)
{
    if (c->stop) return;
    aq_error v;
    (void)aq__vfail(&v, status, kind, fmt, ap);
    set_path(c, where, &v);
    (void)aq__error_finish(&v, status);
    if (c->count++ == 0) *c->err = v;
    if (c->fn != NULL && !c->fn(c->ctx, &v)) c->stop = true;
}

void aq__check_report_status(checker *c, aq_status status, aq_error_kind kind, at where,
                             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, status, kind, where, fmt, ap);
    va_end(ap);
}

void aq__check_report(checker *c, aq_error_kind kind, at where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, AQ_EINVALID, kind, where, fmt, ap);
    va_end(ap);
}

void aq__check_warn(checker *c, aq_error_kind kind, at where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (c->strict) {
        if (!c->stop) c->strict_warnings++;
        vreport(c, AQ_EINVALID, kind, where, fmt, ap);
    } else if (!c->stop) {
        aq_error w;
        (void)aq__vfail(&w, AQ_EINVALID, kind, fmt, ap);
        set_path(c, where, &w);
        (void)aq__error_finish(&w, AQ_EINVALID);
        c->warnings++;
        if (c->warn_fn != NULL && !c->warn_fn(c->warn_ctx, &w)) c->stop = true;
    }
    va_end(ap);
}

void aq__check_malformed(checker *c, at where, const char *what, size_t len)
{
    if (c->stop) return;
    (void)aq__fail(c->err, AQ_EINVAL, AQ_ERR_ARGUMENT, "%s has length %zu but a NULL pointer",
                   what, len);
    set_path(c, where, c->err);
    (void)aq__error_finish(c->err, AQ_EINVAL);
    c->fatal = AQ_EINVAL;
    c->stop = true;
}

