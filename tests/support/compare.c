/* SPDX-License-Identifier: Apache-2.0 */
/* Field-by-field snapshot equality with the path of the first difference (see compare.h). */
#include "compare.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "aqsnap/schema_facts.h"
#include "internal.h"

typedef struct cmp {
    char *where;
    size_t size;
} cmp;

#define PATH_MAX_LEN 256

static bool differ(cmp *c, const char *path, const char *fmt, ...) AQ__PRINTF(3, 4);

static bool differ(cmp *c, const char *path, const char *fmt, ...)
{
    char detail[160];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (c->size > 0 && snprintf(c->where, c->size, "%s: %s", path, detail) < 0) c->where[0] = '\0';
    return false;
}

static void sub(char out[PATH_MAX_LEN], const char *path, const char *field)
{
    /* A path too long for the buffer is cut short: it is only for the failure message. */
    if (snprintf(out, PATH_MAX_LEN, "%s%s%s", path, *path ? "." : "", field) < 0) out[0] = '\0';
}

static void sub_index(char out[PATH_MAX_LEN], const char *path, const char *field, size_t i)
{
    if (snprintf(out, PATH_MAX_LEN, "%s%s%s[%zu]", path, *path ? "." : "", field, i) < 0)
        out[0] = '\0';
}

/* Each macro compares a->f with b->f inside a function with `c`, `path`, `a`, `b` in scope. */
#define U(f)                                                                                    \
    do {                                                                                        \
        if ((uint64_t)a->f != (uint64_t)b->f) {                                                 \
            char p_[PATH_MAX_LEN];                                                              \
            sub(p_, path, #f);                                                                  \
            return differ(c, p_, "%" PRIu64 " != %" PRIu64, (uint64_t)a->f, (uint64_t)b->f);    \
        }                                                                                       \
    } while (0)
#define I(f)                                                                                    \
    do {                                                                                        \
        if ((int64_t)a->f != (int64_t)b->f) {                                                   \
            char p_[PATH_MAX_LEN];                                                              \
            sub(p_, path, #f);                                                                  \
            return differ(c, p_, "%" PRId64 " != %" PRId64, (int64_t)a->f, (int64_t)b->f);      \
        }                                                                                       \
    } while (0)
#define CALL(fn, f)                                                                             \
    do {                                                                                        \
        char p_[PATH_MAX_LEN];                                                                  \
        sub(p_, path, #f);                                                                      \
        if (!fn(c, p_, &a->f, &b->f)) return false;                                             \
    } while (0)
#define OPT(fn, f)                                                                              \
    do {                                                                                        \
        char p_[PATH_MAX_LEN];                                                                  \
        sub(p_, path, #f);                                                                      \
        if (a->f.present != b->f.present)                                                       \
            return differ(c, p_, "present %d != %d", a->f.present, b->f.present);               \
        if (a->f.present && !fn(c, p_, &a->f.value, &b->f.value)) return false;                 \
    } while (0)
#define LIST(fn, f)                                                                             \
    do {                                                                                        \
        char p_[PATH_MAX_LEN];                                                                  \
        sub(p_, path, #f);                                                                      \
        if (a->f.count != b->f.count)                                                           \
            return differ(c, p_, "count %zu != %zu", a->f.count, b->f.count);                   \
        for (size_t i_ = 0; i_ < a->f.count; i_++) {                                            \
            sub_index(p_, path, #f, i_);                                                        \
            if (!fn(c, p_, &a->f.items[i_], &b->f.items[i_])) return false;                     \
        }                                                                                       \
    } while (0)
#define UNKNOWN() CALL(eq_unknown_ptr, unknown)

static bool eq_u64(cmp *c, const char *path, const uint64_t *a, const uint64_t *b)
{
    return *a == *b || differ(c, path, "%" PRIu64 " != %" PRIu64, *a, *b);
}

static bool eq_u32(cmp *c, const char *path, const uint32_t *a, const uint32_t *b)
{
    return *a == *b || differ(c, path, "%" PRIu32 " != %" PRIu32, *a, *b);
}

static bool eq_uuid(cmp *c, const char *path, const aq_uuid *a, const aq_uuid *b)
{
    if (memcmp(a->bytes, b->bytes, sizeof a->bytes) == 0) return true;
    char x[AQ_UUID_TEXT_LEN + 1], y[AQ_UUID_TEXT_LEN + 1];
    aq_uuid_format(a, x);
    aq_uuid_format(b, y);
    return differ(c, path, "%s != %s", x, y);
}

static bool eq_raw(cmp *c, const char *path, const void *pa, size_t la, const void *pb,
                   size_t lb)
{
    if (la != lb) return differ(c, path, "length %zu != %zu", la, lb);
    if (la == 0) return true;
    const uint8_t *x = pa, *y = pb;
    for (size_t i = 0; i < la; i++)
        if (x[i] != y[i]) return differ(c, path, "byte %zu: 0x%02x != 0x%02x", i, x[i], y[i]);
    return true;
}

static bool eq_str(cmp *c, const char *path, const aq_str *a, const aq_str *b)
{
    if (a->len > 0 && a->ptr[a->len] != '\0') return differ(c, path, "left not NUL-terminated");
    if (b->len > 0 && b->ptr[b->len] != '\0') return differ(c, path, "right not NUL-terminated");
    return eq_raw(c, path, a->ptr, a->len, b->ptr, b->len);
}

static bool eq_bytes(cmp *c, const char *path, const aq_bytes *a, const aq_bytes *b)
{
    return eq_raw(c, path, a->ptr, a->len, b->ptr, b->len);
}

static bool eq_unknown(cmp *c, const char *path, const aq_unknown *a, const aq_unknown *b);

static bool eq_unknown_ptr(cmp *c, const char *path, const aq_unknown *const *pa,
                           const aq_unknown *const *pb)
{
    const aq_unknown *a = *pa, *b = *pb;
    if (a == NULL || b == NULL) {
        if (a == b) return true;
        return differ(c, path, "kept unknown fields on one side only");
    }
    return eq_unknown(c, path, a, b);
}

static bool eq_unknown(cmp *c, const char *path, const aq_unknown *a, const aq_unknown *b)
{
    if (!eq_bytes(c, path, &a->fields, &b->fields)) return false;
    if (a->child_count != b->child_count)
        return differ(c, path, "unknown children %zu != %zu", a->child_count, b->child_count);
    for (size_t i = 0; i < a->child_count; i++) {
        if (a->children[i].field_number != b->children[i].field_number)
            return differ(c, path, "unknown child field %u != %u", a->children[i].field_number,
                          b->children[i].field_number);
        if (!eq_unknown_ptr(c, path, &a->children[i].unknown, &b->children[i].unknown))
            return false;
    }
    return true;
}

static bool eq_str_list(cmp *c, const char *path, const aq_str_list *a, const aq_str_list *b)
{
    if (a->count != b->count) return differ(c, path, "count %zu != %zu", a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        char p[PATH_MAX_LEN];
        if (snprintf(p, sizeof p, "%s[%zu]", path, i) < 0) p[0] = '\0';
        if (!eq_str(c, p, &a->items[i], &b->items[i])) return false;
    }
    return true;
}

/* ---- records: one comparison per field of the schema's lists (gen/aqsnap/schema_facts.h) --- */

#define EQ_FIELD(rec, pb, member, num, kind, type, presence, since, json, def)                   \
    EQ_##kind##_##presence(member, type)

#define EQ_U32_REQ(member, type) U(member);
#define EQ_U32_DEF EQ_U32_REQ
#define EQ_U64_REQ EQ_U32_REQ
#define EQ_U64_DEF EQ_U32_REQ
#define EQ_U8_REQ EQ_U32_REQ
#define EQ_U8_DEF EQ_U32_REQ
#define EQ_BOOL_REQ EQ_U32_REQ
#define EQ_BOOL_DEF EQ_U32_REQ
#define EQ_I32_REQ(member, type) I(member);
#define EQ_I32_DEF EQ_I32_REQ
#define EQ_ENUM_REQ EQ_I32_REQ
#define EQ_ENUM_DEF EQ_I32_REQ
#define EQ_U32_OPT(member, type) OPT(eq_u32, member);
#define EQ_U64_OPT(member, type) OPT(eq_u64, member);
#define EQ_UUID_REQ(member, type) CALL(eq_uuid, member);
#define EQ_UUID_OPT(member, type) OPT(eq_uuid, member);
#define EQ_STR_REQ(member, type) CALL(eq_str, member);
#define EQ_STR_OPT(member, type) OPT(eq_str, member);
#define EQ_BYTES_REQ(member, type) CALL(eq_bytes, member);
#define EQ_BYTES_OPT(member, type) OPT(eq_bytes, member);
#define EQ_ENUM_OPT(member, type)                                                                \
    I(member.present);                                                                           \
    if (a->member.present) I(member.value);
#define EQ_MSG_REQ(member, type) CALL(eq_##type, member);
#define EQ_MSG_DEF EQ_MSG_REQ
#define EQ_MSG_OPT(member, type)                                                                 \
    {                                                                                            \
        char p_[PATH_MAX_LEN];                                                                   \
        sub(p_, path, #member);                                                                  \
        if ((a->member == NULL) != (b->member == NULL))                                          \
            return differ(c, p_, "present %d != %d", a->member != NULL, b->member != NULL);      \
        if (a->member != NULL && !eq_##type(c, p_, a->member, b->member)) return false;          \
    }
#define EQ_LIST_MSG_REQ(member, type) LIST(eq_##type, member);
#define EQ_LIST_MSG_DEF EQ_LIST_MSG_REQ
#define EQ_LIST_UUID_REQ(member, type) LIST(eq_uuid, member);
#define EQ_LIST_UUID_DEF EQ_LIST_UUID_REQ
#define EQ_LIST_STR_REQ(member, type) CALL(eq_str_list, member);
#define EQ_LIST_STR_DEF EQ_LIST_STR_REQ
#define EQ_STRLIST_OPT(member, type) OPT(eq_str_list, member);

#define DECLARE(rec, ...)                                                                        \
    static bool eq_##rec(cmp *c, const char *path, const aq_##rec *a, const aq_##rec *b);
AQ_RECORDS(DECLARE)
AQ_UNIONS(DECLARE)
AQ_HANDWRITTEN(DECLARE)
#undef DECLARE

#define DEFINE_RECORD(rec, rust)                                                                 \
    static bool eq_##rec(cmp *c, const char *path, const aq_##rec *a, const aq_##rec *b)         \
    {                                                                                            \
        AQ_FIELDS_##rec(EQ_FIELD)                                                                \
        UNKNOWN();                                                                               \
        return true;                                                                             \
    }
AQ_RECORDS(DEFINE_RECORD)
#undef DEFINE_RECORD

/* A oneof: the kind, then the chosen variant's fields (which live in the union's struct). */
#define EQ_VARIANT(rec, oneof, case_, constant, pb_field, variant, json)                         \
    case constant:                                                                               \
        AQ_FIELDS_##variant(EQ_FIELD) break;
#define DEFINE_UNION(rec, oneof, rust)                                                           \
    static bool eq_##rec(cmp *c, const char *path, const aq_##rec *a, const aq_##rec *b)         \
    {                                                                                            \
        I(kind);                                                                                 \
        switch (a->kind) {                                                                       \
            AQ_UNION_##rec(EQ_VARIANT)                                                           \
        default:                                                                                 \
            break;                                                                               \
        }                                                                                        \
        UNKNOWN();                                                                               \
        return true;                                                                             \
    }
AQ_UNIONS(DEFINE_UNION)
#undef DEFINE_UNION

/* Role and Capability: the kind, and the name of a Custom one. */
#define DEFINE_NAMED(rec, oneof, rust)                                                           \
    static bool eq_##rec(cmp *c, const char *path, const aq_##rec *a, const aq_##rec *b)         \
    {                                                                                            \
        I(kind);                                                                                 \
        if ((int)a->kind == AQ_ENUM_##rec##_kind_MAX + 1) CALL(eq_str, custom);                   \
        UNKNOWN();                                                                               \
        return true;                                                                             \
    }
AQ_HANDWRITTEN(DEFINE_NAMED)
#undef DEFINE_NAMED

bool snapshot_equal(const aq_snapshot *a, const aq_snapshot *b, char *where, size_t where_size)
{
    cmp cc = {where, where_size}, *c = &cc;
    const char *path = "";
    if (where_size > 0) where[0] = '\0';
    AQ_FIELDS_snapshot(EQ_FIELD)
    UNKNOWN();
    return true;
}

/* ---- forgetting kept unknown fields ------------------------------------------------------- */

#define STRIP_FIELD(rec, pb, member, num, kind, type, presence, since, json, def)                \
    STRIP_##kind##_##presence(member, type)
#define STRIP_MSG_REQ(member, type) strip_##type(&x->member);
#define STRIP_MSG_DEF STRIP_MSG_REQ
#define STRIP_MSG_OPT(member, type)                                                              \
    if (x->member != NULL) strip_##type(x->member);
#define STRIP_LIST_MSG_REQ(member, type)                                                         \
    for (size_t i_ = 0; i_ < x->member.count; i_++) strip_##type(&x->member.items[i_]);
#define STRIP_LIST_MSG_DEF STRIP_LIST_MSG_REQ
#define STRIP_NOTHING(member, type)
#define STRIP_U32_REQ STRIP_NOTHING
#define STRIP_U32_DEF STRIP_NOTHING
#define STRIP_U32_OPT STRIP_NOTHING
#define STRIP_U64_REQ STRIP_NOTHING
#define STRIP_U64_DEF STRIP_NOTHING
#define STRIP_U64_OPT STRIP_NOTHING
#define STRIP_U8_REQ STRIP_NOTHING
#define STRIP_U8_DEF STRIP_NOTHING
#define STRIP_I32_REQ STRIP_NOTHING
#define STRIP_I32_DEF STRIP_NOTHING
#define STRIP_BOOL_REQ STRIP_NOTHING
#define STRIP_BOOL_DEF STRIP_NOTHING
#define STRIP_UUID_REQ STRIP_NOTHING
#define STRIP_UUID_OPT STRIP_NOTHING
#define STRIP_STR_REQ STRIP_NOTHING
#define STRIP_STR_OPT STRIP_NOTHING
#define STRIP_BYTES_REQ STRIP_NOTHING
#define STRIP_BYTES_OPT STRIP_NOTHING
#define STRIP_ENUM_REQ STRIP_NOTHING
#define STRIP_ENUM_DEF STRIP_NOTHING
#define STRIP_ENUM_OPT STRIP_NOTHING
#define STRIP_LIST_STR_REQ STRIP_NOTHING
#define STRIP_LIST_STR_DEF STRIP_NOTHING
#define STRIP_LIST_UUID_REQ STRIP_NOTHING
#define STRIP_LIST_UUID_DEF STRIP_NOTHING
#define STRIP_STRLIST_OPT STRIP_NOTHING

#define DECLARE(rec, ...) static void strip_##rec(aq_##rec *x);
AQ_RECORDS(DECLARE)
#undef DECLARE
/* Unions and Role/Capability keep unknown fields of their own only. */
#define DEFINE_LEAF(rec, ...)                                                                    \
    static void strip_##rec(aq_##rec *x)                                                         \
    {                                                                                            \
        x->unknown = NULL;                                                                       \
    }
AQ_UNIONS(DEFINE_LEAF)
AQ_HANDWRITTEN(DEFINE_LEAF)
#undef DEFINE_LEAF
#define DEFINE_RECORD(rec, rust)                                                                 \
    static void strip_##rec(aq_##rec *x)                                                         \
    {                                                                                            \
        AQ_FIELDS_##rec(STRIP_FIELD) x->unknown = NULL;                                          \
    }
AQ_RECORDS(DEFINE_RECORD)
#undef DEFINE_RECORD

void snapshot_strip_unknown(aq_snapshot *x)
{
    AQ_FIELDS_snapshot(STRIP_FIELD)
    x->unknown = NULL;
}
