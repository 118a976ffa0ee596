/* SPDX-License-Identifier: Apache-2.0 */
/* Role and Capability: a oneof of a built-in enum (native kinds 1..N, the enum's numbers) or a
 * custom name (native kind N + 1, the engine's `Custom(String)`). Their shape is not a list of
 * fields, so they are converted here by hand; the enums' facts come from the schema. */
#include "convert.h"

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
    aq_status aq__##rec##_from_pb(aq__dec *d, pb_##rec *m, aq_##rec *out, aq_error *err)         \
    {                                                                                             \
        int kind;                                                                                 \
        int which = (int)m->oneof##_case;                                                         \
        AQ_TRY(named_from_pb(d, which, which == 1 ? (int)m->builtin : 0,                          \
                             which == 2 ? m->custom : NULL, AQ_ENUM_##rec##_kind_MAX, rust,      \
                             &kind, &out->custom, err));                                          \
        out->kind = (aq_##rec##_kind)kind;                                                        \
        return aq__unknown_capture(d, &m->base, NULL, 0, &out->unknown, err);                     \
    }                                                                                             \
    aq_status aq__##rec##_to_pb(aq__enc *e, const aq_##rec *x, pb_##rec **out, aq_error *err)    \
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
