/* SPDX-License-Identifier: Apache-2.0 */
/* Conversion of the value types every record uses: ids, strings, byte arrays, enums, lists. */
#include "convert.h"
#include "wire.h"

aq_status aq__missing(aq_error *err, const char *field)
{
    (void)aq__fail(err, AQ_EDECODE, AQ_ERR_MISSING_FIELD, "required field is missing");
    aq__error_prefix(err, field);
    return AQ_EDECODE;
}

/* ---- decoding ------------------------------------------------------------------------------- */

aq_status aq__uuid_from_pb(protobuf_c_boolean has, const ProtobufCBinaryData *b,
                           const char *field, aq_uuid *out, aq_error *err)
{
    if (AQ__UNLIKELY(!has)) return aq__missing(err, field);
    if (AQ__UNLIKELY(b->len != sizeof out->bytes)) {
        (void)aq__fail(err, AQ_EDECODE, AQ_ERR_BAD_UUID, "id has %zu bytes, expected 16",
                       b->len);
        aq__error_prefix(err, field);
        return AQ_EDECODE;
    }
    memcpy(out->bytes, b->data, sizeof out->bytes);
    return AQ_OK;
}

aq_status aq__opt_uuid_from_pb(protobuf_c_boolean has, const ProtobufCBinaryData *b,
                               const char *field, aq_opt_uuid *out, aq_error *err)
{
    out->present = has != 0;
    if (!has) return AQ_OK;
    return aq__uuid_from_pb(has, b, field, &out->value, err);
}

/* Copy a string protobuf-c unpacked; `field` names it if it must be refused. */
static aq_status copy_str(aq__dec *d, const char *s, const char *field, aq_str *out,
                          aq_error *err)
{
    size_t len = strlen(s);
    size_t wire_len = aq__pb_block_size(s) - 1;
    if (AQ__UNLIKELY(wire_len != len)) {
        /* The wire string goes on past a NUL: refuse it rather than cut it short (and protobuf-c
         * could not write it back either). */
        (void)aq__fail(err, AQ_EDECODE, AQ_ERR_STRING_HAS_NUL,
                       "string of %zu bytes has a NUL byte at offset %zu, which protobuf-c "
                       "cannot carry",
                       wire_len, len);
        aq__error_prefix(err, field);
        return AQ_EDECODE;
    }
    char *p = aq__arena_alloc_bytes(d->arena, len + 1);
    if (AQ__UNLIKELY(p == NULL)) return aq__fail_oom(err);
    memcpy(p, s, len + 1);
    out->ptr = p;
    out->len = len;
    return AQ_OK;
}

aq_status aq__str_from_pb(aq__dec *d, const char *s, const char *field, aq_str *out,
                          aq_error *err)
{
    if (AQ__UNLIKELY(s == NULL)) return aq__missing(err, field);
    return copy_str(d, s, field, out, err);
}

aq_status aq__opt_str_from_pb(aq__dec *d, const char *s, const char *field, aq_opt_str *out,
                              aq_error *err)
{
    out->present = s != NULL;
    if (s == NULL) return AQ_OK;
    return copy_str(d, s, field, &out->value, err);
}

aq_status aq__bytes_from_pb(aq__dec *d, const ProtobufCBinaryData *b, aq_bytes *out,
                            aq_error *err)
{
    /* A NUL after the bytes too, so that text payloads can be printed as they are. */
    uint8_t *p = aq__arena_alloc_bytes(d->arena, b->len + 1);
    if (AQ__UNLIKELY(p == NULL)) return aq__fail_oom(err);
    if (b->len > 0) memcpy(p, b->data, b->len);
    p[b->len] = 0;
    out->ptr = p;
    out->len = b->len;
    return AQ_OK;
}

aq_status aq__str_list_from_pb(aq__dec *d, size_t n, char *const *items, const char *field,
                               aq_str_list *out, aq_error *err)
{
    out->items = aq__dec_array(d, n, sizeof *out->items);
    if (AQ__UNLIKELY(out->items == NULL)) return aq__fail_oom(err);
    out->count = n;
    for (size_t i = 0; i < n; i++)
        AQ__IN_INDEX(err, field, i, copy_str(d, items[i], "", &out->items[i], err));
    return AQ_OK;
}

aq_status aq__uuid_list_from_pb(aq__dec *d, size_t n, const ProtobufCBinaryData *items,
                                const char *field, aq_uuid_list *out, aq_error *err)
{
    out->items = aq__dec_array(d, n, sizeof *out->items);
    if (AQ__UNLIKELY(out->items == NULL)) return aq__fail_oom(err);
    out->count = n;
    for (size_t i = 0; i < n; i++)
        AQ__IN_INDEX(err, field, i, aq__uuid_from_pb(1, &items[i], "", &out->items[i], err));
    return AQ_OK;
}

aq_status aq__u8_from_pb(uint32_t v, const char *field, uint8_t *out, aq_error *err)
{
    if (AQ__UNLIKELY(v > UINT8_MAX)) {
        (void)aq__fail(err, AQ_EDECODE, AQ_ERR_OUT_OF_RANGE,
                       "%s %u does not fit the engine's u8 (0..255)", field, v);
        aq__error_prefix(err, field);
        return AQ_EDECODE;
    }
    *out = (uint8_t)v;
    return AQ_OK;
}

aq_status aq__enum_from_pb(protobuf_c_boolean has, int value, int max, const char *field,
                           const char *type, int *out, aq_error *err)
{
    if (AQ__UNLIKELY(!has)) return aq__missing(err, field);
    if (AQ__UNLIKELY(value <= 0 || value > max)) {
        if (value == 0)
            (void)aq__fail(err, AQ_EDECODE, AQ_ERR_BAD_ENUM, "%s is UNSPECIFIED (0)", type);
        else
            (void)aq__fail(err, AQ_EDECODE, AQ_ERR_BAD_ENUM,
                           "%s value %d is not known to this version (1..%d)", type, value,
                           max);
        aq__error_prefix(err, field);
        return AQ_EDECODE;
    }
    *out = value;
    return AQ_OK;
}

aq_status aq__enum_demote_unknown(aq__dec *d, ProtobufCMessage *msg, uint32_t field_number,
                                  protobuf_c_boolean *has, int value, int max, aq_error *err)
{
    if (!*has || (value >= 0 && value <= max)) return AQ_OK; /* absent, known or UNSPECIFIED */
    uint8_t *data = aq__arena_alloc(d->scratch, 10);
    ProtobufCMessageUnknownField *fields =
        aq__arena_alloc(d->scratch, (msg->n_unknown_fields + 1) * sizeof *fields);
    if (data == NULL || fields == NULL) return aq__fail_oom(err);
    if (msg->n_unknown_fields > 0)
        memcpy(fields, msg->unknown_fields, msg->n_unknown_fields * sizeof *fields);
    /* int32 enums travel as sign-extended 64-bit varints. */
    size_t n = aq__wire_put_varint(data, (uint64_t)(int64_t)value);
    fields[msg->n_unknown_fields].tag = field_number;
    fields[msg->n_unknown_fields].wire_type = PROTOBUF_C_WIRE_TYPE_VARINT;
    fields[msg->n_unknown_fields].len = n;
    fields[msg->n_unknown_fields].data = data;
    msg->unknown_fields = fields;
    msg->n_unknown_fields++;
    *has = 0;
    return AQ_OK;
}

void aq__enum_reconcile_kept(ProtobufCMessage *msg, uint32_t field_number,
                             protobuf_c_boolean *has, bool is_default)
{
    size_t kept = 0;
    for (size_t i = 0; i < msg->n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *f = &msg->unknown_fields[i];
        bool ours = f->tag == field_number && f->wire_type == PROTOBUF_C_WIRE_TYPE_VARINT;
        if (ours && is_default) {
            *has = 0; /* the kept value alone goes out, as it came in */
            return;
        }
        if (!ours) msg->unknown_fields[kept++] = *f; /* the caller chose: the kept value goes */
    }
    msg->n_unknown_fields = (unsigned)kept;
}

void *aq__dec_array(aq__dec *d, size_t count, size_t size)
{
    if (AQ__UNLIKELY(size != 0 && count > SIZE_MAX / size)) return NULL;
    return aq__arena_alloc_zero(d->arena, count * size, 8);
}

/* ---- encoding ------------------------------------------------------------------------------- */

void *aq__pb_new(aq__enc *e, size_t size, const void *init)
{
    void *p = aq__arena_alloc(e->scratch, size);
    if (p != NULL) memcpy(p, init, size);
    return p;
}

aq_status aq__str_to_pb(const aq_str *s, const char *field, char **out, aq_error *err)
{
    if (s->len == 0) {
        *out = (char *)(uintptr_t) "";
        return AQ_OK;
    }
    const char *nul = memchr(s->ptr, 0, s->len);
    if (AQ__UNLIKELY(nul != NULL)) {
        (void)aq__fail(err, AQ_EINVAL, AQ_ERR_STRING_HAS_NUL,
                       "string has a NUL byte at offset %zu, which protobuf-c cannot carry",
                       (size_t)(nul - s->ptr));
        aq__error_prefix(err, field);
        return AQ_EINVAL;
    }
    *out = (char *)(uintptr_t)s->ptr; /* protobuf-c only reads it */
    return AQ_OK;
}

aq_status aq__str_list_to_pb(aq__enc *e, const aq_str_list *l, const char *field, size_t *n,
                             char ***out, aq_error *err)
{
    *n = l->count;
    if (l->count == 0) return AQ_OK;
    if (l->count > SIZE_MAX / sizeof **out) return aq__fail_oom(err);
    char **items = aq__arena_alloc(e->scratch, l->count * sizeof *items);
    if (items == NULL) return aq__fail_oom(err);
    for (size_t i = 0; i < l->count; i++)
        AQ__IN_INDEX(err, field, i, aq__str_to_pb(&l->items[i], "", &items[i], err));
    *out = items;
    return AQ_OK;
}

aq_status aq__uuid_list_to_pb(aq__enc *e, const aq_uuid_list *l, size_t *n,
                              ProtobufCBinaryData **out, aq_error *err)
{
    *n = l->count;
    if (l->count == 0) return AQ_OK;
    if (l->count > SIZE_MAX / sizeof **out) return aq__fail_oom(err);
    ProtobufCBinaryData *items = aq__arena_alloc(e->scratch, l->count * sizeof *items);
    if (items == NULL) return aq__fail_oom(err);
    for (size_t i = 0; i < l->count; i++) {
        protobuf_c_boolean has;
        aq__uuid_to_pb(&l->items[i], &has, &items[i]);
    }
    *out = items;
    return AQ_OK;
}

aq_status aq__enum_to_pb(int value, int max, const char *field, const char *type,
                         aq_error *err)
{
    if (AQ__LIKELY(value >= 1 && value <= max)) return AQ_OK;
    (void)aq__fail(err, AQ_EINVAL, AQ_ERR_ENUM_INVALID, "%s holds %d, not a valid variant (1..%d)",
                   type, value, max);
    aq__error_prefix(err, field);
    return AQ_EINVAL;
}
