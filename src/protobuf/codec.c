/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The protobuf codec: native snapshot <-> serialized actionqueue.snapshot.v1.Snapshot.
 *
 * Records are converted one at a time. Decoding walks the top-level fields of the Snapshot
 * message, has protobuf-c unpack each record (a task, a run, ...) into a scratch arena, converts
 * it into the snapshot's arena and resets the scratch. Encoding builds one record's protobuf-c
 * message at a time in scratch memory and packs it straight into the output. Memory therefore
 * stays at the payload plus the native snapshot, never a second full message tree, and the
 * scratch memory stays hot in cache. The bytes produced are exactly those protobuf-c would pack
 * for the whole message (a test checks this): fields in number order, unknown fields last.
 */
#include "aqsnap/codec.h"
#include "aqsnap/snapshot.h"
#include "aqsnap/snapshot_fields.h"

#include "convert.h"
#include "pb_fields.h"
#include "internal.h"
#include "wire.h"

#define SCRATCH_HINT ((size_t)64 << 10)
#define N_FIELDS (AQ_FIELD_MAX + 1)

/* ---- output ----------------------------------------------------------------------------------- */

/* Append field `number` holding `msg` (tag, length, packed message). */
static aq_status out_message(aq__outbuf *o, uint32_t number, const ProtobufCMessage *msg,
                             aq_error *err)
{
    size_t size = protobuf_c_message_get_packed_size(msg);
    AQ_TRY(aq__outbuf_reserve(o, 1 + 10 + size, err));
    o->data[o->len++] = (uint8_t)(number << 3 | AQ__WIRE_LEN); /* every number is < 16 */
    o->len += aq__wire_put_varint(o->data + o->len, size);
    o->len += protobuf_c_message_pack(msg, o->data + o->len);
    return AQ_OK;
}

/* ---- the repeated record sections ------------------------------------------------------------ */

typedef struct section {
    uint32_t number;
    const char *name;
    size_t item_size;
    /* Allocate the native list for `n` records (neither zeroed nor mapped: see fill_to). */
    void *(*alloc)(aq__dec *d, aq_snapshot *s, size_t n);
    /* Unpack and convert record `i` from its message bytes. */
    aq_status (*decode)(aq__dec *d, ProtobufCAllocator *pa, const uint8_t *data, size_t len,
                        aq_snapshot *s, size_t i, aq_error *err);
    /* Convert and pack every record of the section. */
    aq_status (*encode)(aq__enc *e, const aq_snapshot *s, aq__outbuf *o, aq_error *err);
    /* Convert and pack one record, `i` in its list. */
    aq_status (*encode_one)(aq__enc *e, const void *item, size_t i, aq__outbuf *o, aq_error *err);
} section;

static aq_status unpack_failed(const aq__dec *d, size_t len, aq_error *err)
{
    if (aq__arena_failed(d->scratch)) return aq__fail_oom(err);
    return aq__fail(err, AQ_EDECODE, AQ_ERR_PROTOBUF_MALFORMED,
                    "protobuf-c could not parse the %zu-byte message", len);
}

/* Each list of records in the schema gets its three functions here. */
#define SECTION(rec, pb, member, num, kind, type, presence, since, json, def)                    \
    static void *member##_alloc(aq__dec *d, aq_snapshot *s, size_t n)                           \
    {                                                                                           \
        if (n > SIZE_MAX / sizeof *s->member.items) return NULL;                                \
        s->member.items = aq__arena_alloc_lazy(d->arena, n * sizeof *s->member.items);          \
        s->member.count = n;                                                                    \
        return s->member.items;                                                                 \
    }                                                                                           \
    static aq_status member##_decode(aq__dec *d, ProtobufCAllocator *pa, const uint8_t *data,   \
                                     size_t len, aq_snapshot *s, size_t i, aq_error *err)       \
    {                                                                                           \
        pb_##type *m = (pb_##type *)protobuf_c_message_unpack(&AQ_PB_DESC_##type, pa, len, data); \
        if (m == NULL) return unpack_failed(d, len, err);                                       \
        memset(&s->member.items[i], 0, sizeof s->member.items[i]);                             \
        return aq__##type##_from_pb(d, m, &s->member.items[i], err);                            \
    }                                                                                           \
    static inline aq_status member##_encode_one(aq__enc *e, const void *item, size_t i,          \
                                                aq__outbuf *o, aq_error *err)                   \
    {                                                                                           \
        pb_##type *m;                                                                           \
        AQ__IN_INDEX(err, #member, i, aq__##type##_to_pb(e, item, &m, err));                    \
        AQ__IN_INDEX(err, #member, i, out_message(o, num, &m->base, err));                      \
        aq__arena_reset(e->scratch);                                                            \
        return AQ_OK;                                                                           \
    }                                                                                           \
    static aq_status member##_encode(aq__enc *e, const aq_snapshot *s, aq__outbuf *o,           \
                                     aq_error *err)                                             \
    {                                                                                           \
        for (size_t i = 0; i < s->member.count; i++)                                            \
            AQ_TRY(member##_encode_one(e, &s->member.items[i], i, o, err));                     \
        return AQ_OK;                                                                           \
    }
AQ_SECTIONS(SECTION)
#undef SECTION

#define ENTRY(rec, pb, member, num, kind, type, presence, since, json, def)                      \
    [num] = {num, #member, sizeof *((aq_snapshot *)0)->member.items, member##_alloc,            \
             member##_decode, member##_encode, member##_encode_one},
static const section sections[N_FIELDS] = {AQ_SECTIONS(ENTRY)};
#undef ENTRY

static const section *section_of(uint32_t number)
{
    return number < N_FIELDS && sections[number].name != NULL ? &sections[number] : NULL;
}

/* ---- decoding --------------------------------------------------------------------------------- */

/* Each block starts with its size (see aq__pb_block_size); sizeof(size_t) keeps alignment. */
static void *pb_alloc(void *ctx, size_t size)
{
    if (size > SIZE_MAX - sizeof size) return NULL;
    unsigned char *p = aq__arena_alloc(ctx, size + sizeof size);
    if (p == NULL) return NULL;
    memcpy(p, &size, sizeof size);
    return p + sizeof size;
}

static void pb_free(void *ctx, void *ptr)
{
    (void)ctx; /* the arena frees everything at once */
    (void)ptr;
}

static aq_status malformed_at(aq_error *err, size_t offset)
{
    return aq__fail(err, AQ_EDECODE, AQ_ERR_PROTOBUF_MALFORMED,
                    "malformed protobuf field at payload offset %zu", offset);
}

/* The fields that are not record lists (version, timestamp, metadata, engine and unknown
 * ones), gathered into one message for protobuf-c. */
static aq_status decode_head(aq__dec *d, ProtobufCAllocator *pa, const uint8_t *rest,
                             size_t rest_len, aq_snapshot *s, aq_error *err)
{
    pb_snapshot *m =
        (pb_snapshot *)protobuf_c_message_unpack(&AQ_PB_DESC_snapshot, pa, rest_len, rest);
    if (m == NULL) return unpack_failed(d, rest_len, err);
    return aq__snapshot_head_from_pb(d, m, s, err);
}

/* The wire type each kind of field travels as. */
#define WIRE_U32 AQ__WIRE_VARINT
#define WIRE_U64 AQ__WIRE_VARINT
#define WIRE_I32 AQ__WIRE_VARINT
#define WIRE_BOOL AQ__WIRE_VARINT
#define WIRE_U8 AQ__WIRE_VARINT
#define WIRE_ENUM AQ__WIRE_VARINT
#define WIRE_UUID AQ__WIRE_LEN
#define WIRE_STR AQ__WIRE_LEN
#define WIRE_BYTES AQ__WIRE_LEN
#define WIRE_MSG AQ__WIRE_LEN
#define WIRE_STRLIST AQ__WIRE_LEN
#define WIRE_LIST_STR AQ__WIRE_LEN
#define WIRE_LIST_UUID AQ__WIRE_LEN

/* The head fields go to protobuf-c together; check their wire types here so that an error
 * names the field rather than the gathered message. */
static aq_status check_head_field(const aq__wire_field *f, aq_error *err)
{
#define HEAD_FIELD(rec, pb, member, num, kind, type, presence, since, json, def)                 \
    [num] = {#pb, WIRE_##kind},
    static const struct {
        const char *name;
        uint8_t wire_type;
    } head[N_FIELDS] = {AQ_HEAD(HEAD_FIELD)};
#undef HEAD_FIELD
    if (f->number >= N_FIELDS || head[f->number].name == NULL) return AQ_OK;
    if (f->wire_type == head[f->number].wire_type) return AQ_OK;
    return aq__fail(err, AQ_EDECODE, AQ_ERR_PROTOBUF_MALFORMED,
                    "field %u (%s) at payload offset %zu has wire type %u, expected %u",
                    f->number, head[f->number].name, f->start, f->wire_type,
                    head[f->number].wire_type);
}

/* A record list sized from pass 1's count is filled one record at a time; a big one is mapped
 * AQ__PAGES_AHEAD at a time as records reach it (one call instead of a fault per page), never
 * before: a payload announcing millions of records that do not decode touches nothing. */
typedef struct fill {
    uint8_t *items;
    uint8_t *ready; /* mapped below this */
    uint8_t *end;
} fill;

static void fill_to(fill *f, const uint8_t *upto)
{
    if (AQ__LIKELY(upto <= f->ready)) return;
    size_t n = (size_t)(f->end - f->ready) < AQ__PAGES_AHEAD ? (size_t)(f->end - f->ready)
                                                             : AQ__PAGES_AHEAD;
    if ((size_t)(upto - f->ready) > n) n = (size_t)(upto - f->ready);
    aq__pages_populate(f->ready, n);
    f->ready += n;
}

/* a + b, or SIZE_MAX (a size no allocator gives). */
static size_t sat_add(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* What pass 1 finds: the records of each section and the bytes of the other fields. */
typedef struct layout {
    size_t counts[N_FIELDS];
    size_t rest_len;
} layout;

/* Pass 1: check the top-level framing, count the records of each section and measure the rest,
 * so that the arena and every list are sized before anything is decoded. */
static aq_status measure(const uint8_t *p, size_t len, layout *l, aq_error *err)
{
    aq__wire_field f;
    for (size_t at = 0; at < len; at = f.end) {
        if (aq__wire_next(p, len, at, &f) != 0) return malformed_at(err, at);
        const section *sec = section_of(f.number);
        if (sec == NULL) {
            AQ_TRY(check_head_field(&f, err));
            l->rest_len += f.end - f.start;
        } else if (f.wire_type != AQ__WIRE_LEN) {
            return aq__fail(err, AQ_EDECODE, AQ_ERR_PROTOBUF_MALFORMED,
                            "field %u (%s) at payload offset %zu has wire type %u, expected 2",
                            f.number, sec->name, at, f.wire_type);
        } else {
            l->counts[f.number]++;
        }
    }
    return AQ_OK;
}

/* `consume`: the caller owns `p` and needs none of it afterwards, so pages already decoded go
 * back to the kernel as pass 2 moves on (the payload and the snapshot are never both whole). */
static aq_status decode_into(aq__dec *d, const uint8_t *p, size_t len, bool consume,
                             const layout *l, aq_snapshot *s, aq_allocator al, aq_error *err)
{
    fill lists[N_FIELDS] = {{NULL, NULL, NULL}};
    for (uint32_t n = 0; n < N_FIELDS; n++) {
        if (sections[n].name == NULL) continue;
        uint8_t *items = sections[n].alloc(d, s, l->counts[n]);
        if (items == NULL) return aq__fail_oom(err);
        /* Small lists fault in a few pages as usual. */
        size_t bytes = l->counts[n] * sections[n].item_size;
        lists[n] = (fill){items, bytes >= AQ__PAGES_BIG ? items : items + bytes, items + bytes};
    }

    /* Pass 2: convert each record as protobuf-c unpacks it; gather the rest. */
    uint8_t *rest = l->rest_len > 0 ? al.alloc(al.ctx, l->rest_len) : NULL;
    if (l->rest_len > 0 && rest == NULL) return aq__fail_oom(err);
    ProtobufCAllocator pa = {pb_alloc, pb_free, d->scratch};
    size_t index[N_FIELDS] = {0};
    size_t rest_at = 0, released = 0;
    aq_status st = AQ_OK;
    aq__wire_field f;
    for (size_t at = 0; at < len && st == AQ_OK; at = f.end) {
        if (consume && at - released >= AQ__PAGES_AHEAD) {
            aq__pages_discard((void *)(uintptr_t)(p + released), at - released);
            released = at;
        }
        (void)aq__wire_next(p, len, at, &f); /* checked in pass 1 */
        const section *sec = section_of(f.number);
        if (sec == NULL) {
            memcpy(rest + rest_at, p + f.start, f.end - f.start);
            rest_at += f.end - f.start;
            continue;
        }
        size_t i = index[f.number]++;
        fill_to(&lists[f.number], lists[f.number].items + (i + 1) * sec->item_size);
        st = sec->decode(d, &pa, p + f.value, f.value_len, s, i, err);
        if (st != AQ_OK) aq__error_prefix_index(err, sec->name, i);
        aq__arena_reset(d->scratch);
    }
    if (st == AQ_OK) st = decode_head(d, &pa, rest, l->rest_len, s, err);
    if (rest != NULL) al.free(al.ctx, rest, l->rest_len);
    return st;
}

static aq_status decode(const uint8_t *data, size_t len, bool consume, const aq_allocator *alloc,
                        aq_snapshot **out, aq_error *err)
{
    layout l = {{0}, 0};
    AQ_TRY(aq__error_finish(err, measure(data, len, &l, err)));
    /* The first arena block holds the lists at their exact size and what the records hold
     * besides (strings, bytes, nested lists: 1 to 1.5 times their wire form). Only what is used
     * gets mapped, but a load's budget counts all of it. */
    size_t hint = sat_add(len, len / 2);
    for (uint32_t n = 0; n < N_FIELDS; n++)
        if (sections[n].name != NULL)
            hint = sat_add(hint, l.counts[n] > SIZE_MAX / sections[n].item_size
                                     ? SIZE_MAX
                                     : l.counts[n] * sections[n].item_size);
    aq_snapshot *s;
    AQ_TRY(aq__snapshot_create(alloc, hint, &s, err));
    aq__dec d = {s->arena, aq__arena_create(alloc, SCRATCH_HINT)};
    if (d.scratch == NULL) {
        aq_snapshot_free(s);
        return aq__fail_oom(err);
    }
    aq_status st =
        decode_into(&d, data, len, consume, &l, s, aq__allocator_or_default(alloc), err);
    aq__arena_destroy(d.scratch);
    if (st != AQ_OK) {
        aq_snapshot_free(s);
        return aq__error_finish(err, st);
    }
    *out = s;
    return AQ_OK;
}

aq_status aq__snapshot_decode_consuming(uint8_t *data, size_t len, const aq_allocator *alloc,
                                        aq_snapshot **out, aq_error *err)
{
    *out = NULL;
    return decode(data, len, true, alloc, out, err);
}

aq_status aq_snapshot_decode(const void *data, size_t len, const aq_allocator *alloc,
                             aq_snapshot **out, aq_error *err)
{
    aq_error local;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (out != NULL) *out = NULL;
    if (out == NULL || (data == NULL && len > 0))
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "out is NULL, or data is NULL with len %zu",
                        len);
    return decode(data, len, false, alloc, out, err);
}

/* ---- one field at a time (the streaming reader, src/stream/read.c) ---------------------------- */

aq_status aq__pb_check_field(const aq__wire_field *f, aq_error *err)
{
    const section *sec = section_of(f->number);
    if (sec == NULL) return check_head_field(f, err);
    if (f->wire_type == AQ__WIRE_LEN) return AQ_OK;
    return aq__fail(err, AQ_EDECODE, AQ_ERR_PROTOBUF_MALFORMED,
                    "field %u (%s) at payload offset %zu has wire type %u, expected 2", f->number,
                    sec->name, f->start, f->wire_type);
}

aq_status aq__pb_decode_record(aq__dec *d, uint32_t number, const uint8_t *data, size_t len,
                               size_t index, void *item, aq_error *err)
{
    const section *sec = section_of(number);
    ProtobufCAllocator pa = {pb_alloc, pb_free, d->scratch};
    /* The section's decoder writes items[index] of its list: point the list at `item`. */
    aq_snapshot one;
    memset(&one, 0, sizeof one);
    aq_status st = AQ_OK;
#define ONE(rec, pb, member, num, kind, type, presence, since, json, def)                            case num:                                                                                           one.member.items = item;                                                                        one.member.count = 1;                                                                           break;
    switch (number) {
        AQ_SECTIONS(ONE)
    default:
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "field %u is not a list", number);
    }
#undef ONE
    st = sec->decode(d, &pa, data, len, &one, 0, err);
    if (st != AQ_OK) aq__error_prefix_index(err, sec->name, index);
    aq__arena_reset(d->scratch);
    return st;
}

aq_status aq__pb_decode_head(aq__dec *d, const uint8_t *data, size_t len, aq_snapshot *s,
                             aq_error *err)
{
    ProtobufCAllocator pa = {pb_alloc, pb_free, d->scratch};
    aq_status st = decode_head(d, &pa, data, len, s, err);
    aq__arena_reset(d->scratch);
    return st;
}

/* ---- encoding --------------------------------------------------------------------------------- */

static aq_status pack_head(aq__enc *e, const aq_snapshot *s, aq_allocator al, aq_buffer *out,
                           aq_error *err);

/* Copy the packed head fields at head[*at..) whose numbers are below `before`. */
static aq_status head_until(const aq_buffer *head, size_t *at, uint32_t before, aq__outbuf *o,
                            aq_error *err)
{
    size_t end = *at;
    aq__wire_field f;
    while (end < head->len && aq__wire_next(head->data, head->len, end, &f) == 0 &&
           f.number < before)
        end = f.end;
    AQ_TRY(aq__outbuf_reserve(o, end - *at, err));
    memcpy(o->data + o->len, head->data + *at, end - *at);
    o->len += end - *at;
    *at = end;
    return AQ_OK;
}

/* Every field in number order, as protobuf-c packs a whole Snapshot: the head fields (packed
 * once, by the caller) between the record lists, then the kept unknown fields. */
static aq_status encode_into(aq__enc *e, const aq_snapshot *s, const aq_buffer *head,
                             aq__outbuf *o, aq_error *err)
{
    size_t at = 0;
    for (uint32_t n = 0; n < N_FIELDS; n++) {
        if (sections[n].name == NULL) continue;
        AQ_TRY(head_until(head, &at, n, o, err));
        AQ_TRY(sections[n].encode(e, s, o, err));
    }
    AQ_TRY(head_until(head, &at, UINT32_MAX, o, err));
    if (s->unknown != NULL && s->unknown->fields.len > 0) {
        size_t n;
        AQ_TRY(aq__unknown_count(s->unknown, &n, err)); /* copied as is: check it first */
        AQ_TRY(aq__outbuf_reserve(o, s->unknown->fields.len, err));
        memcpy(o->data + o->len, s->unknown->fields.ptr, s->unknown->fields.len);
        o->len += s->unknown->fields.len;
    }
    return AQ_OK;
}

/* The snapshot's head fields, packed into a buffer of their own. */
static aq_status pack_head(aq__enc *e, const aq_snapshot *s, aq_allocator al, aq_buffer *out,
                           aq_error *err)
{
    pb_snapshot head = AQ_PB_INIT_snapshot;
    AQ_TRY(aq__snapshot_head_to_pb(e, s, &head, err));
    size_t size = protobuf_c_message_get_packed_size(&head.base);
    out->data = al.alloc(al.ctx, size > 0 ? size : 1);
    if (out->data == NULL) return aq__fail_oom(err);
    out->allocator = al;
    out->cap = size > 0 ? size : 1;
    out->len = protobuf_c_message_pack(&head.base, out->data);
    aq__arena_reset(e->scratch);
    return AQ_OK;
}

/* A first guess at the output size: growth by doubling handles the rest. */
static size_t size_guess(const aq_snapshot *s)
{
#define COUNT(rec, pb, member, num, kind, type, presence, since, json, def) +s->member.count
    size_t records = 0 AQ_SECTIONS(COUNT);
#undef COUNT
    return records < (SIZE_MAX - 4096) / 512 ? 4096 + records * 512 : SIZE_MAX / 2;
}

aq_status aq__pb_encode_record(aq__enc *e, uint32_t number, const void *item, size_t index,
                                aq__outbuf *o, aq_error *err)
{
    const section *sec = section_of(number);
    if (sec == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "field %u is not a list", number);
    return aq__error_finish(err, sec->encode_one(e, item, index, o, err));
}

aq_status aq__pb_encode_head_field(aq__enc *e, const aq_snapshot *s, uint32_t number,
                                   aq__outbuf *o, aq_error *err)
{
    aq_buffer head = {0};
    AQ_TRY(pack_head(e, s, o->alloc, &head, err));
    aq_status st = AQ_OK;
    aq__wire_field f;
    for (size_t at = 0; st == AQ_OK && at < head.len && aq__wire_next(head.data, head.len, at, &f) == 0;
         at = f.end) {
        if (f.number != number) continue;
        st = aq__outbuf_reserve(o, f.end - f.start, err);
        if (st == AQ_OK) memcpy(o->data + o->len, head.data + f.start, f.end - f.start);
        if (st == AQ_OK) o->len += f.end - f.start;
    }
    aq_buffer_free(&head);
    return aq__error_finish(err, st);
}

aq_status aq__snapshot_encode_reserving(const aq_snapshot *s, const aq_allocator *alloc,
                                        size_t reserve, aq_buffer *out, aq_error *err)
{
    aq__outbuf o = {0};
    aq__enc e = {aq__arena_create(alloc, SCRATCH_HINT)};
    if (e.scratch == NULL) return aq__fail_oom(err);
    aq_buffer head = {0};
    aq_status st = pack_head(&e, s, aq__allocator_or_default(alloc), &head, err);
    if (st == AQ_OK) st = aq__outbuf_start(&o, alloc, reserve, size_guess(s), err);
    if (st == AQ_OK) st = encode_into(&e, s, &head, &o, err);
    aq_buffer_free(&head);
    aq__arena_destroy(e.scratch);
    if (st != AQ_OK) {
        aq__outbuf_free(&o);
        return aq__error_finish(err, st);
    }
    aq__outbuf_finish(&o, out);
    return AQ_OK;
}

aq_status aq_snapshot_encode(const aq_snapshot *snap, const aq_allocator *alloc, aq_buffer *out,
                             aq_error *err)
{
    aq_error local;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (out == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "out is NULL");
    memset(out, 0, sizeof *out);
    if (snap == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "snapshot is NULL");
    return aq__snapshot_encode_reserving(snap, alloc, 0, out, err);
}

void aq_buffer_free(aq_buffer *buf)
{
    if (buf == NULL || buf->data == NULL) return;
    buf->allocator.free(buf->allocator.ctx, buf->data, buf->cap);
    memset(buf, 0, sizeof *buf);
}
