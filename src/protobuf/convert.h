/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The conversion layer between native records (aqsnap/model.h) and the protobuf-c messages
 * generated from proto/. Generated types never leave src/.
 *
 * Decoding (`*_from_pb`) reads a message unpacked into scratch memory and writes a native record
 * whose strings, byte arrays and lists are copied into the snapshot's arena. It rejects what the
 * native model cannot hold: a required field absent, an id that is not 16 bytes, an enum value
 * that is unspecified or unknown, a oneof with no variant set.
 *
 * Encoding (`*_to_pb`) builds messages in scratch memory that point at the native data (no
 * copies) and rejects what protobuf cannot carry: enums out of range, unset oneofs, strings with
 * NUL bytes.
 *
 * On failure the innermost function names its field; each caller prepends its own segment, so
 * the path costs nothing unless something fails.
 */
#ifndef AQSNAP_CONVERT_H
#define AQSNAP_CONVERT_H

#include <stdint.h>
#include <string.h>

#include "actionqueue/snapshot/v1/core.pb-c.h"
#include "actionqueue/snapshot/v1/snapshot.pb-c.h"
#include "aqsnap/schema_facts.h"
#include "internal.h"

/* ---- short names for the generated types: pb_<record> ------------------------------------ */

#define AQ__PB_TYPEDEF(rec) typedef AQ_PB_##rec pb_##rec;
#define AQ__PB_TYPEDEF_OF(rec, ...) AQ__PB_TYPEDEF(rec)
AQ_ROOT(AQ__PB_TYPEDEF_OF)
AQ_RECORDS(AQ__PB_TYPEDEF_OF)
AQ_UNIONS(AQ__PB_TYPEDEF_OF)
AQ_VARIANTS(AQ__PB_TYPEDEF_OF)
AQ_HANDWRITTEN(AQ__PB_TYPEDEF_OF)
AQ_WRAPPERS(AQ__PB_TYPEDEF)
#undef AQ__PB_TYPEDEF_OF
#undef AQ__PB_TYPEDEF

/* ---- protobuf-c's allocations ---------------------------------------------------------------- */

/* protobuf-c hands strings over as bare `char *`, which loses the length of a string holding a
 * NUL byte. The codec's protobuf-c allocator therefore puts each block's size in front of it;
 * this reads it back. Only for pointers protobuf-c allocated while unpacking through the codec. */
static inline size_t aq__pb_block_size(const void *p)
{
    size_t size;
    memcpy(&size, (const unsigned char *)p - sizeof size, sizeof size);
    return size;
}

/* ---- contexts ------------------------------------------------------------------------------- */

typedef struct aq__dec {
    aq_arena *arena;   /* the snapshot's: native records, strings, lists, unknown fields */
    aq_arena *scratch; /* protobuf-c's unpacked messages; reset after each record */
} aq__dec;

typedef struct aq__enc {
    aq_arena *scratch; /* messages built for one record at a time */
} aq__enc;

/* ---- error helpers -------------------------------------------------------------------------- */

aq_status aq__missing(aq_error *err, const char *field);

/* Run `expr`; on failure prepend `field` (or `field[index]`) to the path and return. */
#define AQ__IN(err, field, expr)                                                                \
    do {                                                                                        \
        aq_status aq__st = (expr);                                                              \
        if (AQ__UNLIKELY(aq__st != AQ_OK)) {                                                    \
            aq__error_prefix((err), (field));                                                   \
            return aq__st;                                                                      \
        }                                                                                       \
    } while (0)

#define AQ__IN_INDEX(err, field, index, expr)                                                   \
    do {                                                                                        \
        aq_status aq__st = (expr);                                                              \
        if (AQ__UNLIKELY(aq__st != AQ_OK)) {                                                    \
            aq__error_prefix_index((err), (field), (index));                                    \
            return aq__st;                                                                      \
        }                                                                                       \
    } while (0)

/* ---- decoding helpers ----------------------------------------------------------------------- */

/* A required scalar: `dst = msg->field`, or a missing-field error. */
#define AQ__REQ(msg, field, dst)                                                                \
    do {                                                                                        \
        if (AQ__UNLIKELY(!(msg)->has_##field)) return aq__missing(err, #field);                 \
        (dst) = (msg)->field;                                                                   \
    } while (0)

/* An Option<scalar>. */
#define AQ__OPT(msg, field, dst)                                                                \
    do {                                                                                        \
        (dst).present = (msg)->has_##field != 0;                                                \
        (dst).value = (msg)->has_##field ? (msg)->field : 0;                                    \
    } while (0)

aq_status aq__uuid_from_pb(protobuf_c_boolean has, const ProtobufCBinaryData *b,
                           const char *field, aq_uuid *out, aq_error *err);
aq_status aq__opt_uuid_from_pb(protobuf_c_boolean has, const ProtobufCBinaryData *b,
                               const char *field, aq_opt_uuid *out, aq_error *err);
/* Required string (protobuf-c: NULL when absent). */
aq_status aq__str_from_pb(aq__dec *d, const char *s, const char *field, aq_str *out,
                          aq_error *err);
aq_status aq__opt_str_from_pb(aq__dec *d, const char *s, const char *field, aq_opt_str *out,
                              aq_error *err);
aq_status aq__bytes_from_pb(aq__dec *d, const ProtobufCBinaryData *b, aq_bytes *out,
                            aq_error *err);
aq_status aq__str_list_from_pb(aq__dec *d, size_t n, char *const *items, const char *field,
                               aq_str_list *out, aq_error *err);
aq_status aq__uuid_list_from_pb(aq__dec *d, size_t n, const ProtobufCBinaryData *items,
                                const char *field, aq_uuid_list *out, aq_error *err);
/* A uint32 that is a u8 in the engine. */
aq_status aq__u8_from_pb(uint32_t v, const char *field, uint8_t *out, aq_error *err);
/* An enum value in 1..max; `present == false` is a missing-field error. */
aq_status aq__enum_from_pb(protobuf_c_boolean has, int value, int max, const char *field,
                           const char *type, int *out, aq_error *err);
/* For defaulted enums: a value this version does not know moves to the message's unknown
 * fields (as proto2 does in C++ and Python) so that it survives a rewrite, and the field reads
 * as absent. */
aq_status aq__enum_demote_unknown(aq__dec *d, ProtobufCMessage *msg, uint32_t field_number,
                                  protobuf_c_boolean *has, int value, int max, aq_error *err);
/* Encoding side of aq__enum_demote_unknown: when the message's kept unknown fields hold a value
 * for `field_number`, the native field still at its default means "unchanged since loaded", so
 * only the kept value is written; any other native value is the caller's choice and replaces
 * it. Call after aq__unknown_attach. */
void aq__enum_reconcile_kept(ProtobufCMessage *msg, uint32_t field_number,
                             protobuf_c_boolean *has, bool is_default);
/* `count` zeroed native records in the snapshot arena; NULL only when out of memory. */
void *aq__dec_array(aq__dec *d, size_t count, size_t size);

/* Capture the message's unknown fields (and those of the listed child messages) for `out`. */
typedef struct aq__pb_child {
    uint32_t field_number;
    const ProtobufCMessage *msg; /* may be NULL */
} aq__pb_child;

aq_status aq__unknown_capture(aq__dec *d, const ProtobufCMessage *msg,
                              const aq__pb_child *children, size_t n_children,
                              const aq_unknown **out, aq_error *err);

/* ---- encoding helpers ----------------------------------------------------------------------- */

/* A new message of type T in scratch memory, initialised with INIT; returns NULL on OOM. */
#define AQ__PB_NEW(e, T, INIT) aq__pb_new((e), sizeof(T), &(T)INIT)
void *aq__pb_new(aq__enc *e, size_t size, const void *init);

static inline void aq__uuid_to_pb(const aq_uuid *id, protobuf_c_boolean *has,
                                  ProtobufCBinaryData *out)
{
    *has = 1;
    out->len = sizeof id->bytes;
    out->data = (uint8_t *)(uintptr_t)id->bytes; /* protobuf-c only reads it */
}

static inline void aq__opt_uuid_to_pb(const aq_opt_uuid *id, protobuf_c_boolean *has,
                                      ProtobufCBinaryData *out)
{
    if (id->present) aq__uuid_to_pb(&id->value, has, out);
}

static inline void aq__bytes_to_pb(const aq_bytes *b, protobuf_c_boolean *has,
                                   ProtobufCBinaryData *out)
{
    *has = 1;
    out->len = b->len;
    out->data = (uint8_t *)(uintptr_t)b->ptr;
}

/* A string for protobuf-c, which ends strings at the first NUL: refuse embedded NULs. */
aq_status aq__str_to_pb(const aq_str *s, const char *field, char **out, aq_error *err);
aq_status aq__str_list_to_pb(aq__enc *e, const aq_str_list *l, const char *field, size_t *n,
                             char ***out, aq_error *err);
aq_status aq__uuid_list_to_pb(aq__enc *e, const aq_uuid_list *l, size_t *n,
                              ProtobufCBinaryData **out, aq_error *err);
/* Check an enum value lies in 1..max before it goes on the wire. */
aq_status aq__enum_to_pb(int value, int max, const char *field, const char *type,
                         aq_error *err);
/* Count the fields of kept unknown bytes, refusing bytes that are not well-formed fields. */
aq_status aq__unknown_count(const aq_unknown *u, size_t *n, aq_error *err);
/* Re-attach kept unknown fields (and those of child messages) to a message being encoded. */
aq_status aq__unknown_attach(aq__enc *e, ProtobufCMessage *msg, const aq_unknown *u,
                             aq_error *err);

/* ---- record converters -------------------------------------------------------------------- */

/* aq__<record>_from_pb / _to_pb for the records of the snapshot's lists (pb_records.c). */
#define AQ__DECLARE_CONVERTERS(rec)                                                             \
    aq_status aq__##rec##_from_pb(aq__dec *d, pb_##rec *m, aq_##rec *out, aq_error *err);      \
    aq_status aq__##rec##_to_pb(aq__enc *e, const aq_##rec *x, pb_##rec **out, aq_error *err);
#define AQ__DECLARE_SECTION(root, pb, member, num, kind, type, ...) AQ__DECLARE_CONVERTERS(type)
AQ_SECTIONS(AQ__DECLARE_SECTION)
#undef AQ__DECLARE_SECTION
#undef AQ__DECLARE_CONVERTERS

/* The snapshot's fields other than its record lists, which the codec converts one by one.
 * head_to_pb fills a message the caller initialised. */
aq_status aq__snapshot_head_from_pb(aq__dec *d, pb_snapshot *m, aq_snapshot *out, aq_error *err);
aq_status aq__snapshot_head_to_pb(aq__enc *e, const aq_snapshot *x, pb_snapshot *m,
                                  aq_error *err);

#endif /* AQSNAP_CONVERT_H */
