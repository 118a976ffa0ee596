/* SPDX-License-Identifier: Apache-2.0 */
/* Every field of the schema set (see fill.h): the field lists expanded, one statement a field. */
#include "fill.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "aqsnap/schema_facts.h"

#define MAX_KEYS 512

typedef struct fill {
    aq_snapshot *s;
    uint64_t seed;
    long change;
    long next; /* number of the next (record type, field) pair met for the first time */
    const char *changed;
    const char *seen[MAX_KEYS];
    size_t n_seen;
    aq_status st;
} fill;

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static uint64_t hash(const char *key)
{
    uint64_t h = 1469598103934665603ull;
    for (; *key; key++) h = (h ^ (uint8_t)*key) * 1099511628211ull;
    return h;
}

/* The value for field `key` (and item `i` of a list field): from the seed, plus one when this
 * is the pair to change, met for the first time. */
static uint64_t value(fill *f, const char *key, size_t i)
{
    uint64_t v = mix(f->seed ^ hash(key) ^ mix(i + 1));
    bool first = true;
    for (size_t k = 0; k < f->n_seen && first; k++) first = strcmp(f->seen[k], key) != 0;
    if (first && f->n_seen < MAX_KEYS) {
        f->seen[f->n_seen++] = key;
        if (f->next++ == f->change && i == 0) {
            f->changed = key;
            return v + 1;
        }
    }
    return v;
}

/* v in 1..max, so that v and v + 1 (the changed value) give different results. */
static uint64_t in_range(uint64_t v, uint64_t max)
{
    return max == UINT64_MAX ? (v == 0 ? 1 : v) : 1 + v % max;
}

static void *alloc(fill *f, size_t count, size_t size)
{
    aq_error err;
    void *p = aq_snapshot_alloc(f->s, count, size, &err);
    if (p == NULL) f->st = AQ_ENOMEM;
    return p;
}

static aq_uuid uuid_of(uint64_t v)
{
    aq_uuid id;
    uint64_t w = mix(v);
    memcpy(id.bytes, &v, 8);
    memcpy(id.bytes + 8, &w, 8);
    return id;
}

static aq_str str_of(fill *f, uint64_t v)
{
    char text[24];
    int n = snprintf(text, sizeof text, "f%016llx", (unsigned long long)v);
    aq_str out = {"", 0};
    aq_error err;
    if (aq_snapshot_str(f->s, text, (size_t)n, &out, &err) != AQ_OK) f->st = AQ_ENOMEM;
    return out;
}

static aq_bytes bytes_of(fill *f, uint64_t v)
{
    aq_bytes out = {NULL, 0};
    aq_error err;
    if (aq_snapshot_bytes(f->s, &v, 3, &out, &err) != AQ_OK) f->st = AQ_ENOMEM;
    return out;
}

/* ---- one statement per field: `x` the record, `f` the filler --------------------------------- */

#define KEY(rec, member) #rec "." #member

#define FILL(rec, pb, member, num, kind, type, presence, since, json, def)                       \
    FILL_##kind(KEY(rec, member), x->member, presence, type);

/* Option or not: `present` says which, the value is set the same way. */
#define FILL_SET(target, presence, expr) FILL_SET_##presence(target, expr)
#define FILL_SET_REQ(target, expr) target = (expr)
#define FILL_SET_DEF(target, expr) target = (expr)
#define FILL_SET_OPT(target, expr) (target).present = true, (target).value = (expr)

#define FILL_U32(key, target, presence, type)                                                   \
    FILL_SET(target, presence, (uint32_t)in_range(value(f, key, 0), UINT32_MAX))
#define FILL_U64(key, target, presence, type)                                                   \
    FILL_SET(target, presence, in_range(value(f, key, 0), UINT64_MAX))
#define FILL_U8(key, target, presence, type)                                                    \
    FILL_SET(target, presence, (uint8_t)in_range(value(f, key, 0), UINT8_MAX))
#define FILL_I32(key, target, presence, type)                                                   \
    FILL_SET(target, presence, (int32_t)(uint32_t)in_range(value(f, key, 0), UINT32_MAX))
#define FILL_BOOL(key, target, presence, type) FILL_SET(target, presence, value(f, key, 0) % 2 == 0)
#define FILL_ENUM(key, target, presence, type)                                                  \
    FILL_SET(target, presence, (aq_##type)in_range(value(f, key, 0), AQ_ENUM_##type##_MAX))
#define FILL_UUID(key, target, presence, type) FILL_SET(target, presence, uuid_of(value(f, key, 0)))
#define FILL_STR(key, target, presence, type) FILL_SET(target, presence, str_of(f, value(f, key, 0)))
#define FILL_BYTES(key, target, presence, type)                                                 \
    FILL_SET(target, presence, bytes_of(f, value(f, key, 0)))

#define FILL_MSG(key, target, presence, type) FILL_MSG_##presence(target, type)
#define FILL_MSG_REQ(target, type) fill_##type(f, &(target))
#define FILL_MSG_DEF FILL_MSG_REQ
#define FILL_MSG_OPT(target, type)                                                              \
    if ((target) == NULL) (target) = alloc(f, 1, sizeof *(target));                             \
    if ((target) != NULL) fill_##type(f, (target))

#define FILL_LIST_MSG(key, target, presence, type)                                              \
    if ((target).count == 0) {                                                                  \
        (target).items = alloc(f, 1, sizeof *(target).items);                                   \
        (target).count = (target).items != NULL;                                                \
    }                                                                                           \
    for (size_t i_ = 0; i_ < (target).count; i_++) fill_##type(f, &(target).items[i_])

#define FILL_LIST(key, target, make)                                                            \
    (target).items = alloc(f, 2, sizeof *(target).items);                                       \
    (target).count = (target).items != NULL ? 2 : 0;                                            \
    for (size_t i_ = 0; i_ < (target).count; i_++) (target).items[i_] = make(f, value(f, key, i_))
#define FILL_LIST_STR(key, target, presence, type) FILL_LIST(key, target, str_of)
#define FILL_LIST_UUID(key, target, presence, type) FILL_LIST(key, target, uuid_in)
#define FILL_STRLIST(key, target, presence, type)                                               \
    (target).present = true;                                                                    \
    FILL_LIST(key, (target).value, str_of)

static aq_uuid uuid_in(fill *f, uint64_t v)
{
    (void)f;
    return uuid_of(v);
}

/* ---- records, oneofs, Role and Capability ----------------------------------------------------- */

#define DECLARE(rec, ...) static void fill_##rec(fill *f, aq_##rec *x);
AQ_RECORDS(DECLARE)
AQ_UNIONS(DECLARE)
AQ_HANDWRITTEN(DECLARE)
#undef DECLARE

#define DEFINE_RECORD(rec, rust)                                                                \
    static void fill_##rec(fill *f, aq_##rec *x)                                                \
    {                                                                                           \
        AQ_FIELDS_##rec(FILL)                                                                   \
    }
AQ_RECORDS(DEFINE_RECORD)
#undef DEFINE_RECORD

/* A oneof keeps its variant (or gets the first); that variant's fields are filled. */
#define FILL_VARIANT(rec, oneof, case_, constant, pb_field, variant, json)                      \
    case constant:                                                                              \
        AQ_FIELDS_##variant(FILL) break;
#define FIRST_VARIANT(rec, oneof, case_, constant, pb_field, variant, json) +(case_ == 1) * constant
#define DEFINE_UNION(rec, oneof, rust)                                                          \
    static void fill_##rec(fill *f, aq_##rec *x)                                                \
    {                                                                                           \
        switch (x->kind) {                                                                      \
            AQ_UNION_##rec(FILL_VARIANT)                                                        \
        default:                                                                                \
            x->kind = (aq_##rec##_kind)(0 AQ_UNION_##rec(FIRST_VARIANT));                       \
            fill_##rec(f, x);                                                                   \
            break;                                                                              \
        }                                                                                       \
    }
AQ_UNIONS(DEFINE_UNION)
#undef DEFINE_UNION

#define DEFINE_NAMED(rec, oneof, rust)                                                          \
    static void fill_##rec(fill *f, aq_##rec *x)                                                \
    {                                                                                           \
        if ((int)x->kind < 1 || (int)x->kind > AQ_ENUM_##rec##_kind_MAX + 1)                   \
            x->kind = (aq_##rec##_kind)1;                                                       \
        if ((int)x->kind == AQ_ENUM_##rec##_kind_MAX + 1)                                       \
            x->custom = str_of(f, value(f, #rec ".custom", 0));                                 \
    }
AQ_HANDWRITTEN(DEFINE_NAMED)
#undef DEFINE_NAMED

aq_status fill_every_field(aq_snapshot *s, uint64_t seed, long change, const char **changed)
{
    fill ff = {s, seed, change, 0, NULL, {NULL}, 0, AQ_OK}, *f = &ff;
    aq_snapshot *x = s;
    AQ_FIELDS_snapshot(FILL)
    if (changed != NULL) *changed = ff.changed;
    return ff.st;
}
