/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The protobuf codec one top-level field at a time (codec.c), for the streaming reader and
 * writer: the record lists' items one by one from and into the caller's memory, the other
 * fields together.
 */
#ifndef AQSNAP_PROTOBUF_PB_FIELDS_H
#define AQSNAP_PROTOBUF_PB_FIELDS_H

#include "convert.h"
#include "internal.h"
#include "wire.h"

/* The wire-type check of a top-level field (unknown numbers pass). */
aq_status aq__pb_check_field(const aq__wire_field *f, aq_error *err);

/* Decode one record of list field `number` from its message bytes into `item` (the field's
 * native type, aq__pb_record_size bytes), its strings and lists in d->arena. Failures are
 * prefixed with `<list>[index]`. d->scratch is reset. */
aq_status aq__pb_decode_record(aq__dec *d, uint32_t number, const uint8_t *data, size_t len,
                               size_t index, void *item, aq_error *err);

/* Decode the top-level fields that are not lists (their wire bytes gathered in data[0..len))
 * into s, as aq_snapshot_decode does. d->scratch is reset. */
aq_status aq__pb_decode_head(aq__dec *d, const uint8_t *data, size_t len, aq_snapshot *s,
                             aq_error *err);

/* Append record `item` (the native type of list field `number`, `index` in its list) as
 * aq_snapshot_encode packs it: tag, length, message. Failures are prefixed with `<list>[index]`. */
aq_status aq__pb_encode_record(aq__enc *e, uint32_t number, const void *item, size_t index,
                               aq__outbuf *o, aq_error *err);

/* Append field `number` of s, which is not a list, as aq_snapshot_encode packs it. */
aq_status aq__pb_encode_head_field(aq__enc *e, const aq_snapshot *s, uint32_t number,
                                   aq__outbuf *o, aq_error *err);

#endif /* AQSNAP_PROTOBUF_PB_FIELDS_H */
