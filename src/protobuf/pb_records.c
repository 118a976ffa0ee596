/* SPDX-License-Identifier: Apache-2.0 */
/*
 * protobuf-c messages <-> native records, for every record, oneof variant and list wrapper the
 * schema describes. Each converter is the expansion of its record's field list
 * (gen/aqsnap/schema_facts.h): one statement per field, chosen by the field's kind and
 * presence, so that a field added to the .proto is converted with no code written here.
 *
 * Decoding rejects what the native model cannot hold (a required field absent, an id that is
 * not 16 bytes, an enum value unspecified or unknown, a oneof with no variant, a u8 over 255);
 * a defaulted field that is absent gets its default, and an unknown value of a defaulted enum
 * moves to the record's unknown fields (see convert.h). Encoding refuses what protobuf cannot
 * carry (enums out of range, an unset oneof, strings holding NUL). Paths: decode errors name
 * protobuf fields, encode errors native members, each level prepending its segment.
 */
#include "convert.h"

/* ---- decoding: one statement per field, `m` the message, `out` the native record ------------ */

#define FROM_PB(rec, pb, member, num, kind, type, presence, since, json, def)                    \
    FROM_PB_##kind##_##presence(pb, member, num, type, def)

#define FROM_PB_SCALAR_REQ(pb, member) AQ__REQ(m, pb, out->member);
#define FROM_PB_SCALAR_OPT(pb, member) AQ__OPT(m, pb, out->member);
#define FROM_PB_SCALAR_DEF(pb, member, def) out->member = m->has_##pb ? m->pb : (def);

#define FROM_PB_U32_REQ(pb, member, num, type, def) FROM_PB_SCALAR_REQ(pb, member)
#define FROM_PB_U32_OPT(pb, member, num, type, def) FROM_PB_SCALAR_OPT(pb, member)
#define FROM_PB_U32_DEF(pb, member, num, type, def) FROM_PB_SCALAR_DEF(pb, member, def)
#define FROM_PB_U64_REQ(pb, member, num, type, def) FROM_PB_SCALAR_REQ(pb, member)
#define FROM_PB_U64_OPT(pb, member, num, type, def) FROM_PB_SCALAR_OPT(pb, member)
#define FROM_PB_U64_DEF(pb, member, num, type, def) FROM_PB_SCALAR_DEF(pb, member, def)
#define FROM_PB_I32_REQ(pb, member, num, type, def) FROM_PB_SCALAR_REQ(pb, member)
#define FROM_PB_I32_DEF(pb, member, num, type, def) FROM_PB_SCALAR_DEF(pb, member, def)
#define FROM_PB_BOOL_REQ(pb, member, num, type, def) FROM_PB_SCALAR_REQ(pb, member)
#define FROM_PB_BOOL_DEF(pb, member, num, type, def) FROM_PB_SCALAR_DEF(pb, member, def)

#define FROM_PB_U8_REQ(pb, member, num, type, def)                                                \
    if (AQ__UNLIKELY(!m->has_##pb)) return aq__missing(err, #pb);                                 \
    AQ_TRY(aq__u8_from_pb(m->pb, #pb, &out->member, err));
#define FROM_PB_U8_DEF(pb, member, num, type, def)                                                \
    if (m->has_##pb) AQ_TRY(aq__u8_from_pb(m->pb, #pb, &out->member, err));                       \
    else out->member = (def);

#define FROM_PB_UUID_REQ(pb, member, num, type, def)                                              \
    AQ_TRY(aq__uuid_from_pb(m->has_##pb, &m->pb, #pb, &out->member, err));
#define FROM_PB_UUID_OPT(pb, member, num, type, def)                                              \
    AQ_TRY(aq__opt_uuid_from_pb(m->has_##pb, &m->pb, #pb, &out->member, err));

#define FROM_PB_STR_REQ(pb, member, num, type, def)                                               \
    AQ_TRY(aq__str_from_pb(d, m->pb, #pb, &out->member, err));
#define FROM_PB_STR_OPT(pb, member, num, type, def)                                               \
    AQ_TRY(aq__opt_str_from_pb(d, m->pb, #pb, &out->member, err));

#define FROM_PB_BYTES_REQ(pb, member, num, type, def)                                             \
    if (AQ__UNLIKELY(!m->has_##pb)) return aq__missing(err, #pb);                                 \
    AQ_TRY(aq__bytes_from_pb(d, &m->pb, &out->member, err));
#define FROM_PB_BYTES_OPT(pb, member, num, type, def)                                             \
    out->member.present = m->has_##pb != 0;                                                       \
    if (m->has_##pb) AQ_TRY(aq__bytes_from_pb(d, &m->pb, &out->member.value, err));

#define FROM_PB_ENUM_REQ(pb, member, num, type, def)                                              \
    {                                                                                             \
        int v_;                                                                                   \
        AQ_TRY(aq__enum_from_pb(m->has_##pb, (int)m->pb, AQ_ENUM_##type##_MAX, #pb,               \
                                AQ_ENUM_##type##_RUST, &v_, err));                                \
        out->member = (aq_##type)v_;                                                              \
    }
#define FROM_PB_ENUM_OPT(pb, member, num, type, def)                                              \
    out->member.present = m->has_##pb != 0;                                                       \
    if (m->has_##pb) {                                                                            \
        int v_;                                                                                   \
        AQ_TRY(aq__enum_from_pb(1, (int)m->pb, AQ_ENUM_##type##_MAX, #pb, AQ_ENUM_##type##_RUST,  \
                                &v_, err));                                                       \
        out->member.value = (aq_##type)v_;                                                        \
    }
/* Absent means the default; a value this version does not know is kept (convert.h). */
#define FROM_PB_ENUM_DEF(pb, member, num, type, def)                                              \
    {                                                                                             \
        int v_ = (def);                                                                           \
        AQ_TRY(aq__enum_demote_unknown(d, &m->base, num, &m->has_##pb, (int)m->pb,                \
                                       AQ_ENUM_##type##_MAX, err));                               \
        if (m->has_##pb)                                                                          \
            AQ_TRY(aq__enum_from_pb(1, (int)m->pb, AQ_ENUM_##type##_MAX, #pb,                     \
                                    AQ_ENUM_##type##_RUST, &v_, err));                            \
        out->member = (aq_##type)v_;                                                              \
    }

#define FROM_PB_MSG_REQ(pb, member, num, type, def)                                               \
    if (AQ__UNLIKELY(m->pb == NULL)) return aq__missing(err, #pb);                                \
    AQ__IN(err, #pb, type##_from_pb(d, m->pb, &out->member, err));
#define FROM_PB_MSG_DEF(pb, member, num, type, def)                                               \
    if (m->pb != NULL) AQ__IN(err, #pb, type##_from_pb(d, m->pb, &out->member, err));
/* Option<record>: a pointer, NULL when absent. */
#define FROM_PB_MSG_OPT(pb, member, num, type, def)                                               \
    out->member = NULL;                                                                           \
    if (m->pb != NULL) {                                                                          \
        out->member = aq__dec_array(d, 1, sizeof *out->member);                                   \
        if (AQ__UNLIKELY(out->member == NULL)) return aq__fail_oom(err);                          \
        AQ__IN(err, #pb, type##_from_pb(d, m->pb, out->member, err));                       \
    }

#define FROM_PB_LIST_MSG(pb, member, type)                                                        \
    out->member.items = aq__dec_array(d, m->n_##pb, sizeof *out->member.items);                   \
    if (AQ__UNLIKELY(out->member.items == NULL)) return aq__fail_oom(err);                        \
    out->member.count = m->n_##pb;                                                                \
    for (size_t i_ = 0; i_ < m->n_##pb; i_++)                                                     \
        AQ__IN_INDEX(err, #pb, i_,                                                                \
                     type##_from_pb(d, m->pb[i_], &out->member.items[i_], err));
#define FROM_PB_LIST_MSG_REQ(pb, member, num, type, def) FROM_PB_LIST_MSG(pb, member, type)
#define FROM_PB_LIST_MSG_DEF(pb, member, num, type, def) FROM_PB_LIST_MSG(pb, member, type)

#define FROM_PB_LIST_STR_REQ(pb, member, num, type, def)                                          \
    AQ_TRY(aq__str_list_from_pb(d, m->n_##pb, m->pb, #pb, &out->member, err));
#define FROM_PB_LIST_STR_DEF FROM_PB_LIST_STR_REQ

#define FROM_PB_LIST_UUID_REQ(pb, member, num, type, def)                                         \
    AQ_TRY(aq__uuid_list_from_pb(d, m->n_##pb, m->pb, #pb, &out->member, err));
#define FROM_PB_LIST_UUID_DEF FROM_PB_LIST_UUID_REQ

/* Option<Vec<String>> through its wrapper message, whose unknown fields the record keeps. */
#define FROM_PB_STRLIST_OPT(pb, member, num, type, def)                                           \
    out->member.present = m->pb != NULL;                                                          \
    if (m->pb != NULL)                                                                            \
        AQ_TRY(aq__str_list_from_pb(d, m->pb->n_values, m->pb->values, #pb, &out->member.value,  \
                                    err));                                                        \
    children[n_children++] = (aq__pb_child){num, m->pb != NULL ? &m->pb->base : NULL};

/* How many wrapper children a record has (their unknown fields are kept with it). */
#define WRAPS(rec, pb, member, num, kind, type, presence, since, json, def) +WRAPS_##kind
#define WRAPS_U32 0
#define WRAPS_U64 0
#define WRAPS_I32 0
#define WRAPS_BOOL 0
#define WRAPS_U8 0
#define WRAPS_UUID 0
#define WRAPS_STR 0
#define WRAPS_BYTES 0
#define WRAPS_ENUM 0
#define WRAPS_MSG 0
#define WRAPS_LIST_MSG 0
#define WRAPS_LIST_STR 0
#define WRAPS_LIST_UUID 0
#define WRAPS_STRLIST 1

/* ---- encoding: one statement per field, `x` the native record, `m` the new message --------- */

#define TO_PB(rec, pb, member, num, kind, type, presence, since, json, def)                      \
    TO_PB_##kind##_##presence(pb, member, type)

#define TO_PB_SCALAR(pb, member)                                                                  \
    m->has_##pb = 1;                                                                              \
    m->pb = x->member;
#define TO_PB_SCALAR_OPT(pb, member)                                                              \
    m->has_##pb = x->member.present;                                                              \
    m->pb = x->member.value;

#define TO_PB_U32_REQ(pb, member, type) TO_PB_SCALAR(pb, member)
#define TO_PB_U32_DEF(pb, member, type) TO_PB_SCALAR(pb, member)
#define TO_PB_U32_OPT(pb, member, type) TO_PB_SCALAR_OPT(pb, member)
#define TO_PB_U64_REQ(pb, member, type) TO_PB_SCALAR(pb, member)
#define TO_PB_U64_DEF(pb, member, type) TO_PB_SCALAR(pb, member)
#define TO_PB_U64_OPT(pb, member, type) TO_PB_SCALAR_OPT(pb, member)
#define TO_PB_I32_REQ(pb, member, type) TO_PB_SCALAR(pb, member)
#define TO_PB_I32_DEF(pb, member, type) TO_PB_SCALAR(pb, member)
#define TO_PB_BOOL_REQ(pb, member, type) TO_PB_SCALAR(pb, member)
#define TO_PB_BOOL_DEF(pb, member, type) TO_PB_SCALAR(pb, member)
#define TO_PB_U8_REQ(pb, member, type) TO_PB_SCALAR(pb, member)
#define TO_PB_U8_DEF(pb, member, type) TO_PB_SCALAR(pb, member)

#define TO_PB_UUID_REQ(pb, member, type) aq__uuid_to_pb(&x->member, &m->has_##pb, &m->pb);
#define TO_PB_UUID_OPT(pb, member, type) aq__opt_uuid_to_pb(&x->member, &m->has_##pb, &m->pb);

#define TO_PB_STR_REQ(pb, member, type) AQ_TRY(aq__str_to_pb(&x->member, #member, &m->pb, err));
#define TO_PB_STR_OPT(pb, member, type)                                                           \
    if (x->member.present) AQ_TRY(aq__str_to_pb(&x->member.value, #member, &m->pb, err));

#define TO_PB_BYTES_REQ(pb, member, type) aq__bytes_to_pb(&x->member, &m->has_##pb, &m->pb);
#define TO_PB_BYTES_OPT(pb, member, type)                                                         \
    if (x->member.present) aq__bytes_to_pb(&x->member.value, &m->has_##pb, &m->pb);

#define TO_PB_ENUM(pb, member, value, type)                                                       \
    AQ_TRY(aq__enum_to_pb((int)(value), AQ_ENUM_##type##_MAX, #member, AQ_ENUM_##type##_RUST,     \
                          err));                                                                  \
    m->has_##pb = 1;                                                                              \
    m->pb = (AQ_ENUM_##type##_PB)(value);
#define TO_PB_ENUM_REQ(pb, member, type) TO_PB_ENUM(pb, member, x->member, type)
#define TO_PB_ENUM_DEF(pb, member, type) TO_PB_ENUM(pb, member, x->member, type)
#define TO_PB_ENUM_OPT(pb, member, type)                                                          \
    if (x->member.present) {                                                                      \
        TO_PB_ENUM(pb, member, x->member.value, type)                                             \
    }

#define TO_PB_MSG_REQ(pb, member, type)                                                           \
    AQ__IN(err, #member, type##_to_pb(e, &x->member, &m->pb, err));
#define TO_PB_MSG_DEF TO_PB_MSG_REQ
#define TO_PB_MSG_OPT(pb, member, type)                                                           \
    if (x->member != NULL) AQ__IN(err, #member, type##_to_pb(e, x->member, &m->pb, err));

#define TO_PB_LIST_MSG(pb, member, type)                                                          \
    if (x->member.count > 0) {                                                                    \
        size_t n_ = x->member.count;                                                              \
        if (n_ > SIZE_MAX / sizeof *m->pb) return aq__fail_oom(err);                              \
        m->pb = aq__arena_alloc(e->scratch, n_ * sizeof *m->pb);                                  \
        if (AQ__UNLIKELY(m->pb == NULL)) return aq__fail_oom(err);                                \
        for (size_t i_ = 0; i_ < n_; i_++)                                                        \
            AQ__IN_INDEX(err, #member, i_,                                                        \
                         type##_to_pb(e, &x->member.items[i_], &m->pb[i_], err));           \
        m->n_##pb = n_;                                                                           \
    }
#define TO_PB_LIST_MSG_REQ TO_PB_LIST_MSG
#define TO_PB_LIST_MSG_DEF TO_PB_LIST_MSG

#define TO_PB_LIST_STR_REQ(pb, member, type)                                                      \
    AQ_TRY(aq__str_list_to_pb(e, &x->member, #member, &m->n_##pb, &m->pb, err));
#define TO_PB_LIST_STR_DEF TO_PB_LIST_STR_REQ

#define TO_PB_LIST_UUID_REQ(pb, member, type)                                                     \
    AQ_TRY(aq__uuid_list_to_pb(e, &x->member, &m->n_##pb, &m->pb, err));
#define TO_PB_LIST_UUID_DEF TO_PB_LIST_UUID_REQ

#define TO_PB_STRLIST_OPT(pb, member, type)                                                       \
    if (x->member.present) {                                                                      \
        m->pb = AQ__PB_NEW(e, pb_##type, AQ_PB_INIT_##type);                                      \
        if (AQ__UNLIKELY(m->pb == NULL)) return aq__fail_oom(err);                                \
        AQ_TRY(aq__str_list_to_pb(e, &x->member.value, #member, &m->pb->n_values,               \
                                  &m->pb->values, err));                                          \
    }

/* After the kept unknown fields are attached: a defaulted enum's kept unknown value (see
 * aq__enum_reconcile_kept). */
#define RECONCILE(rec, pb, member, num, kind, type, presence, since, json, def)                  \
    RECONCILE_##presence##_##kind(pb, member, num, def)
#define RECONCILE_DEF_ENUM(pb, member, num, def)                                                  \
    aq__enum_reconcile_kept(&m->base, num, &m->has_##pb, x->member == (def));
#define RECONCILE_REQ_U32(...)
#define RECONCILE_REQ_U64(...)
#define RECONCILE_REQ_I32(...)
#define RECONCILE_REQ_BOOL(...)
#define RECONCILE_REQ_U8(...)
#define RECONCILE_REQ_UUID(...)
#define RECONCILE_REQ_STR(...)
#define RECONCILE_REQ_BYTES(...)
#define RECONCILE_REQ_ENUM(...)
#define RECONCILE_REQ_MSG(...)
#define RECONCILE_REQ_LIST_MSG(...)
#define RECONCILE_REQ_LIST_STR(...)
#define RECONCILE_REQ_LIST_UUID(...)
#define RECONCILE_OPT_U32(...)
#define RECONCILE_OPT_U64(...)
#define RECONCILE_OPT_UUID(...)
#define RECONCILE_OPT_STR(...)
#define RECONCILE_OPT_BYTES(...)
#define RECONCILE_OPT_ENUM(...)
#define RECONCILE_OPT_MSG(...)
#define RECONCILE_OPT_STRLIST(...)
#define RECONCILE_DEF_U32(...)
#define RECONCILE_DEF_U64(...)
#define RECONCILE_DEF_I32(...)
#define RECONCILE_DEF_BOOL(...)
#define RECONCILE_DEF_U8(...)
#define RECONCILE_DEF_MSG(...)
#define RECONCILE_DEF_LIST_MSG(...)
#define RECONCILE_DEF_LIST_STR(...)
#define RECONCILE_DEF_LIST_UUID(...)

/* ---- records ---------------------------------------------------------------------------------- */

/* Every converter is static, so that the compiler can inline a record's converter into its
 * parent's; the codec reaches the ones it needs through the exports at the end. */
#define DECLARE(rec, ...)                                                                         \
    static aq_status rec##_from_pb(aq__dec *d, pb_##rec *m, aq_##rec *out, aq_error *err);       \
    static aq_status rec##_to_pb(aq__enc *e, const aq_##rec *x, pb_##rec **out, aq_error *err);
AQ_RECORDS(DECLARE)
AQ_UNIONS(DECLARE)
AQ_HANDWRITTEN(DECLARE)
#undef DECLARE

#define DEFINE_RECORD(rec, rust)                                                                  \
    static aq_status rec##_from_pb(aq__dec *d, pb_##rec *m, aq_##rec *out, aq_error *err)        \
    {                                                                                             \
        aq__pb_child children[1 AQ_FIELDS_##rec(WRAPS)] = {{0, NULL}};                                        \
        size_t n_children = 0;                                                                    \
        AQ_FIELDS_##rec(FROM_PB)                                                                  \
        return aq__unknown_capture(d, &m->base, children, n_children, &out->unknown, err);       \
    }                                                                                             \
    static aq_status rec##_to_pb(aq__enc *e, const aq_##rec *x, pb_##rec **out, aq_error *err)   \
    {                                                                                             \
        pb_##rec *m = AQ__PB_NEW(e, pb_##rec, AQ_PB_INIT_##rec);                                  \
        if (AQ__UNLIKELY(m == NULL)) return aq__fail_oom(err);                                    \
        AQ_FIELDS_##rec(TO_PB)                                                                    \
        AQ_TRY(aq__unknown_attach(e, &m->base, x->unknown, err));                                 \
        AQ_FIELDS_##rec(RECONCILE)                                                                \
        *out = m;                                                                                 \
        return AQ_OK;                                                                             \
    }
AQ_RECORDS(DEFINE_RECORD)

/* The snapshot's own fields besides its record lists (the codec handles those). */
aq_status aq__snapshot_head_from_pb(aq__dec *d, pb_snapshot *m, aq_snapshot *out, aq_error *err)
{
    aq__pb_child children[1 AQ_HEAD(WRAPS)] = {{0, NULL}};
    size_t n_children = 0;
    AQ_HEAD(FROM_PB)
    return aq__unknown_capture(d, &m->base, children, n_children, &out->unknown, err);
}

aq_status aq__snapshot_head_to_pb(aq__enc *e, const aq_snapshot *x, pb_snapshot *m,
                                  aq_error *err)
{
    AQ_HEAD(TO_PB)
    AQ_HEAD(RECONCILE)
    return AQ_OK;
}

/* ---- oneofs of variant messages -------------------------------------------------------------- */

/* A variant's fields live in the union's native struct; its unknown fields are kept by the
 * union, as those of a child message. */
#define DEFINE_VARIANT(variant, parent, rust)                                                      \
    static aq_status variant##_from_pb(aq__dec *d, pb_##variant *m, aq_##parent *out,            \
                                       aq_error *err)                                             \
    {                                                                                             \
        (void)d, (void)m, (void)out, (void)err;                                                   \
        AQ_FIELDS_##variant(FROM_PB)                                                              \
        return AQ_OK;                                                                             \
    }                                                                                             \
    static aq_status variant##_to_pb(aq__enc *e, const aq_##parent *x, pb_##variant **out,       \
                                     aq_error *err)                                               \
    {                                                                                             \
        pb_##variant *m = AQ__PB_NEW(e, pb_##variant, AQ_PB_INIT_##variant);                      \
        if (AQ__UNLIKELY(m == NULL)) return aq__fail_oom(err);                                    \
        (void)x;                                                                                  \
        AQ_FIELDS_##variant(TO_PB)                                                                \
        *out = m;                                                                                 \
        return AQ_OK;                                                                             \
    }
AQ_VARIANTS(DEFINE_VARIANT)

#define UNION_FROM_PB_CASE(rec, oneof, case_, constant, pb_field, variant, json)                  \
    case case_:                                                                                   \
        out->kind = constant;                                                                     \
        AQ__IN(err, #pb_field, variant##_from_pb(d, m->pb_field, out, err));                      \
        variant_msg = &m->pb_field->base;                                                         \
        break;

#define UNION_TO_PB_CASE(rec, oneof, case_, constant, pb_field, variant, json)                    \
    case constant:                                                                                \
        m->oneof##_case = (case_);                                                                \
        AQ_TRY(variant##_to_pb(e, x, &m->pb_field, err));                                         \
        break;

#define DEFINE_UNION(rec, oneof, rust)                                                            \
    static aq_status rec##_from_pb(aq__dec *d, pb_##rec *m, aq_##rec *out, aq_error *err)        \
    {                                                                                             \
        const ProtobufCMessage *variant_msg;                                                      \
        switch ((int)m->oneof##_case) {                                                           \
            AQ_UNION_##rec(UNION_FROM_PB_CASE)                                                    \
        default:                                                                                  \
            return aq__fail(err, AQ_EDECODE, AQ_ERR_ONEOF_UNSET, "no variant of %s is set (%s)",  \
                            rust, AQ_UNION_##rec##_NAMES);                                        \
        }                                                                                         \
        aq__pb_child child = {(uint32_t)m->oneof##_case, variant_msg};                            \
        return aq__unknown_capture(d, &m->base, &child, 1, &out->unknown, err);                   \
    }                                                                                             \
    static aq_status rec##_to_pb(aq__enc *e, const aq_##rec *x, pb_##rec **out, aq_error *err)   \
    {                                                                                             \
        pb_##rec *m = AQ__PB_NEW(e, pb_##rec, AQ_PB_INIT_##rec);                                  \
        if (AQ__UNLIKELY(m == NULL)) return aq__fail_oom(err);                                    \
        switch ((int)x->kind) {                                                                   \
            AQ_UNION_##rec(UNION_TO_PB_CASE)                                                      \
        default:                                                                                  \
            return aq__fail(err, AQ_EINVAL, AQ_ERR_ONEOF_UNSET, "%s kind %d is not %s", rust,     \
                            (int)x->kind, AQ_UNION_##rec##_NAMES);                                \
        }                                                                                         \
        AQ_TRY(aq__unknown_attach(e, &m->base, x->unknown, err));                                 \
        *out = m;                                                                                 \
        return AQ_OK;                                                                             \
    }
AQ_UNIONS(DEFINE_UNION)

/* ---- Role and Capability, by hand --------------------------------------------------------------- */

/* A oneof of a built-in enum (native kinds 1..N, the enum's numbers) or a custom name (native
 * kind N + 1, the engine's `Custom(String)`): not a list of fields, so converted here by hand;
 * the enums' facts still come from the schema. */

/* Decoding: `which` is the oneof case (1 builtin, 2 custom). */
static aq_status named_from_pb(aq__dec *d, int which, int builtin, const char *custom,
                               int builtin_max, const char *type, int *kind_out,
                               aq_str *custom_out, aq_error *err)
{
    switch (which) {
    case 1:
        return aq__enum_from_pb(1, builtin, builtin_max, "builtin", type, kind_out, err);
    case 2:
        *kind_out = builtin_max + 1;
        return aq__str_from_pb(d, custom, "custom", custom_out, err);
    default:
        return aq__fail(err, AQ_EDECODE, AQ_ERR_ONEOF_UNSET,
                        "no variant of %s is set (builtin or custom)", type);
    }
}

#define DEFINE_NAMED(rec, oneof, rust)                                                            \
    static aq_status rec##_from_pb(aq__dec *d, pb_##rec *m, aq_##rec *out, aq_error *err)        \
    {                                                                                             \
        int kind;                                                                                 \
        int which = (int)m->oneof##_case;                                                         \
        AQ_TRY(named_from_pb(d, which, which == 1 ? (int)m->builtin : 0,                          \
                             which == 2 ? m->custom : NULL, AQ_ENUM_##rec##_kind_MAX, rust,      \
                             &kind, &out->custom, err));                                          \
        out->kind = (aq_##rec##_kind)kind;                                                        \
        return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);                     \
    }                                                                                             \
    static aq_status rec##_to_pb(aq__enc *e, const aq_##rec *x, pb_##rec **out, aq_error *err)   \
    {                                                                                             \
        pb_##rec *m = AQ__PB_NEW(e, pb_##rec, AQ_PB_INIT_##rec);                                  \
        if (AQ__UNLIKELY(m == NULL)) return aq__fail_oom(err);                                    \
        int kind = (int)x->kind;                                                                  \
        AQ_TRY(aq__enum_to_pb(kind, AQ_ENUM_##rec##_kind_MAX + 1, "", rust, err));                \
        if (kind == AQ_ENUM_##rec##_kind_MAX + 1) {                                               \
            m->oneof##_case = 2;                                                                  \
            AQ_TRY(aq__str_to_pb(&x->custom, "custom", &m->custom, err));                         \
        } else {                                                                                  \
            m->oneof##_case = 1;                                                                  \
            m->builtin = (AQ_ENUM_##rec##_kind_PB)kind;                                           \
        }                                                                                         \
        AQ_TRY(aq__unknown_attach(e, &m->base, x->unknown, err));                                 \
        *out = m;                                                                                 \
        return AQ_OK;                                                                             \
    }
AQ_HANDWRITTEN(DEFINE_NAMED)

/* ---- what the codec calls ----------------------------------------------------------------------- */

#define EXPORT_SECTION(root, pb, member, num, kind, type, presence, since, json, def)             \
    aq_status aq__##type##_from_pb(aq__dec *d, pb_##type *m, aq_##type *out, aq_error *err)      \
    {                                                                                             \
        return type##_from_pb(d, m, out, err);                                                    \
    }                                                                                             \
    aq_status aq__##type##_to_pb(aq__enc *e, const aq_##type *x, pb_##type **out, aq_error *err) \
    {                                                                                             \
        return type##_to_pb(e, x, out, err);                                                      \
    }
AQ_SECTIONS(EXPORT_SECTION)
