/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unknown fields: protobuf fields a newer schema added, kept so that load-then-write loses
 * nothing. protobuf-c collects them per message; we keep their exact wire bytes with the native
 * record and hand them back to protobuf-c when the record is encoded again, where it writes them
 * after the known fields.
 */
#include "convert.h"
#include "wire.h"

static size_t packed_size(const ProtobufCMessage *msg)
{
    size_t size = 0;
    for (size_t i = 0; i < msg->n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *f = &msg->unknown_fields[i];
        size += aq__wire_varint_size((uint64_t)f->tag << 3 | f->wire_type) + f->len;
    }
    return size;
}

/* Field numbers protobuf allows; protobuf-c 1.4.1 lets 0 and larger ones through. */
#define MAX_FIELD_NUMBER 536870911u

static aq_status capture_one(aq__dec *d, const ProtobufCMessage *msg, aq_unknown *u,
                             aq_error *err)
{
    for (size_t i = 0; i < msg->n_unknown_fields; i++) {
        uint32_t tag = msg->unknown_fields[i].tag;
        if (tag == 0 || tag > MAX_FIELD_NUMBER)
            return aq__fail(err, AQ_EDECODE, AQ_ERR_PROTOBUF_MALFORMED,
                            "field number %u is outside protobuf's 1..%u", tag,
                            MAX_FIELD_NUMBER);
    }
    size_t size = packed_size(msg);
    uint8_t *p = aq__arena_alloc_bytes(d->arena, size + 1);
    if (p == NULL) return aq__fail_oom(err);
    size_t at = 0;
    for (size_t i = 0; i < msg->n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *f = &msg->unknown_fields[i];
        at += aq__wire_put_varint(p + at, (uint64_t)f->tag << 3 | f->wire_type);
        memcpy(p + at, f->data, f->len);
        at += f->len;
    }
    u->fields.ptr = p;
    u->fields.len = size;
    u->children = NULL;
    u->child_count = 0;
    return AQ_OK;
}

aq_status aq__unknown_capture(aq__dec *d, const ProtobufCMessage *msg,
                              const aq__pb_child *children, size_t n_children,
                              const aq_unknown **out, aq_error *err)
{
    size_t with = 0;
    for (size_t i = 0; i < n_children; i++)
        if (children[i].msg != NULL && children[i].msg->n_unknown_fields > 0) with++;
    *out = NULL;
    if (AQ__LIKELY(msg->n_unknown_fields == 0 && with == 0)) return AQ_OK;

    aq_unknown *u = aq__arena_alloc(d->arena, sizeof *u);
    if (u == NULL) return aq__fail_oom(err);
    AQ_TRY(capture_one(d, msg, u, err));
    if (with > 0) {
        aq__unknown_child *kids = aq__arena_alloc(d->arena, with * sizeof *kids);
        aq_unknown *kid_u = aq__arena_alloc(d->arena, with * sizeof *kid_u);
        if (kids == NULL || kid_u == NULL) return aq__fail_oom(err);
        size_t k = 0;
        for (size_t i = 0; i < n_children; i++) {
            if (children[i].msg == NULL || children[i].msg->n_unknown_fields == 0) continue;
            AQ_TRY(capture_one(d, children[i].msg, &kid_u[k], err));
            kids[k].field_number = children[i].field_number;
            kids[k].unknown = &kid_u[k];
            k++;
        }
        u->children = kids;
        u->child_count = with;
    }
    *out = u;
    return AQ_OK;
}

static aq_status corrupt(aq_error *err)
{
    return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT,
                    "kept unknown fields are corrupt (an aq_unknown not made by this library)");
}

/* The message-typed child at `number`, or NULL when it is not set (e.g. another oneof variant
 * was chosen since: its unknown fields go with it). */
static ProtobufCMessage *child_message(ProtobufCMessage *msg, uint32_t number)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(msg->descriptor, (unsigned)number);
    if (f == NULL || f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED)
        return NULL;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        const uint32_t *which = (const uint32_t *)(const void *)((const char *)msg +
                                                                 f->quantifier_offset);
        if (*which != number) return NULL;
    }
    return *(ProtobufCMessage **)(void *)((char *)msg + f->offset);
}

aq_status aq__unknown_count(const aq_unknown *u, size_t *n, aq_error *err)
{
    aq__wire_field f = {0};
    *n = 0;
    for (size_t at = 0; at < u->fields.len; at = f.end, (*n)++)
        if (aq__wire_next(u->fields.ptr, u->fields.len, at, &f) != 0) return corrupt(err);
    return AQ_OK;
}

aq_status aq__unknown_attach(aq__enc *e, ProtobufCMessage *msg, const aq_unknown *u,
                             aq_error *err)
{
    if (AQ__LIKELY(u == NULL)) return AQ_OK;
    const uint8_t *p = u->fields.ptr;
    size_t len = u->fields.len;
    size_t n;
    aq__wire_field f = {0};
    AQ_TRY(aq__unknown_count(u, &n, err));
    if (n > 0) {
        ProtobufCMessageUnknownField *uf = aq__arena_alloc(e->scratch, n * sizeof *uf);
        if (uf == NULL) return aq__fail_oom(err);
        size_t i = 0;
        for (size_t at = 0; at < len; at = f.end, i++) {
            (void)aq__wire_next(p, len, at, &f);
            uf[i].tag = f.number;
            uf[i].wire_type = (ProtobufCWireType)f.wire_type;
            uf[i].len = f.end - f.body; /* protobuf-c keeps a LEN field's prefix in data */
            uf[i].data = (uint8_t *)(uintptr_t)(p + f.body);
        }
        msg->n_unknown_fields = (unsigned)n;
        msg->unknown_fields = uf;
    }
    for (size_t i = 0; i < u->child_count; i++) {
        ProtobufCMessage *child = child_message(msg, u->children[i].field_number);
        if (child != NULL) AQ_TRY(aq__unknown_attach(e, child, u->children[i].unknown, err));
    }
    return AQ_OK;
}
