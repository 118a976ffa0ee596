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

#include "convert.h"
#include "internal.h"
#include "wire.h"

#define SCRATCH_HINT ((size_t)64 << 10)
#define N_FIELDS 15 /* Snapshot field numbers are 1..14 */

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
} section;

static aq_status unpack_failed(const aq__dec *d, size_t len, aq_error *err)
{
    if (aq__arena_failed(d->scratch)) return aq__fail_oom(err);
    return aq__fail(err, AQ_EDECODE, AQ_ERR_PROTOBUF_MALFORMED,
                    "protobuf-c could not parse the %zu-byte message", len);
}

#define SECTION(NUM, LIST, PB, DESC, FROM_PB, TO_PB)                                            \
    static void *LIST##_alloc(aq__dec *d, aq_snapshot *s, size_t n)                             \
    {                                                                                           \
        if (n > SIZE_MAX / sizeof *s->LIST.items) return NULL;                                  \
        s->LIST.items = aq__arena_alloc_lazy(d->arena, n * sizeof *s->LIST.items);              \
        s->LIST.count = n;                                                                      \
        return s->LIST.items;                                                                   \
    }                                                                                           \
    static aq_status LIST##_decode(aq__dec *d, ProtobufCAllocator *pa, const uint8_t *data,     \
                                   size_t len, aq_snapshot *s, size_t i, aq_error *err)         \
    {                                                                                           \
        PB *m = (PB *)protobuf_c_message_unpack(&DESC, pa, len, data);                          \
        if (m == NULL) return unpack_failed(d, len, err);                                       \
        memset(&s->LIST.items[i], 0, sizeof s->LIST.items[i]);                                 \
        return FROM_PB(d, m, &s->LIST.items[i], err);                                           \
    }                                                                                           \
    static aq_status LIST##_encode(aq__enc *e, const aq_snapshot *s, aq__outbuf *o, aq_error *err) \
    {                                                                                           \
        for (size_t i = 0; i < s->LIST.count; i++) {                                            \
            PB *m;                                                                              \
            AQ__IN_INDEX(err, #LIST, i, TO_PB(e, &s->LIST.items[i], &m, err));                  \
            AQ__IN_INDEX(err, #LIST, i, out_message(o, NUM, &m->base, err));                    \
            aq__arena_reset(e->scratch);                                                        \
        }                                                                                       \
        return AQ_OK;                                                                           \
    }

#define D(name) actionqueue__snapshot__v1__##name##__descriptor
SECTION(4, tasks, pb_task, D(snapshot_task), aq__task_from_pb, aq__task_to_pb)
SECTION(5, runs, pb_run, D(snapshot_run), aq__run_from_pb, aq__run_to_pb)
SECTION(7, dependency_declarations, pb_dependency, D(snapshot_dependency_declaration),
        aq__dependency_from_pb, aq__dependency_to_pb)
SECTION(8, budgets, pb_budget, D(snapshot_budget), aq__budget_from_pb, aq__budget_to_pb)
SECTION(9, subscriptions, pb_subscription, D(snapshot_subscription), aq__subscription_from_pb,
        aq__subscription_to_pb)
SECTION(10, actors, pb_actor, D(snapshot_actor), aq__actor_from_pb, aq__actor_to_pb)
SECTION(11, tenants, pb_tenant, D(snapshot_tenant), aq__tenant_from_pb, aq__tenant_to_pb)
SECTION(12, role_assignments, pb_role_assignment, D(snapshot_role_assignment),
        aq__role_assignment_from_pb, aq__role_assignment_to_pb)
SECTION(13, capability_grants, pb_capability_grant, D(snapshot_capability_grant),
        aq__capability_grant_from_pb, aq__capability_grant_to_pb)
SECTION(14, ledger_entries, pb_ledger_entry, D(snapshot_ledger_entry), aq__ledger_entry_from_pb,
        aq__ledger_entry_to_pb)
#undef SECTION

#define ENTRY(NUM, LIST)                                                                        \
    [NUM] = {NUM, #LIST, sizeof *((aq_snapshot *)0)->LIST.items, LIST##_alloc, LIST##_decode,   \
             LIST##_encode}
static const section sections[N_FIELDS] = {
    ENTRY(4, tasks),
    ENTRY(5, runs),
    ENTRY(7, dependency_declarations),
    ENTRY(8, budgets),
    ENTRY(9, subscriptions),
    ENTRY(10, actors),
    ENTRY(11, tenants),
    ENTRY(12, role_assignments),
    ENTRY(13, capability_grants),
    ENTRY(14, ledger_entries),
};
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

/* The fields that are not record sections (version, timestamp, metadata, engine and unknown
 * ones), gathered into one message for protobuf-c. */
static aq_status decode_head(aq__dec *d, ProtobufCAllocator *pa, const uint8_t *rest,
                             size_t rest_len, aq_snapshot *s, aq_error *err)
{
    pb_snapshot *m = (pb_snapshot *)protobuf_c_message_unpack(&D(snapshot), pa, rest_len, rest);
    if (m == NULL) return unpack_failed(d, rest_len, err);
    AQ__REQ(m, version, s->version);
    AQ__REQ(m, timestamp, s->timestamp);
    if (m->metadata == NULL) return aq__missing(err, "metadata");
    AQ__IN(err, "metadata", aq__metadata_from_pb(d, m->metadata, &s->metadata, err));
    if (m->engine != NULL) AQ__IN(err, "engine", aq__engine_from_pb(d, m->engine, &s->engine, err));
    return aq__unknown_capture(d, &m->base, NULL, 0, &s->unknown, err);
}

/* Fields 1, 2, 3 and 6 go to protobuf-c together; check their wire types here so that an error
 * names the field rather than the gathered message. */
static aq_status check_head_field(const aq__wire_field *f, aq_error *err)
{
    static const struct {
        const char *name;
        uint8_t wire_type;
    } head[] = {[1] = {"version", AQ__WIRE_VARINT},
                [2] = {"timestamp", AQ__WIRE_VARINT},
                [3] = {"metadata", AQ__WIRE_LEN},
                [6] = {"engine", AQ__WIRE_LEN}};
    if (f->number >= sizeof head / sizeof head[0] || head[f->number].name == NULL) return AQ_OK;
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

/* ---- encoding --------------------------------------------------------------------------------- */

static aq_status encode_into(aq__enc *e, const aq_snapshot *s, aq__outbuf *o, aq_error *err)
{
    /* Fields 1-3 first, packed as protobuf-c packs a Snapshot holding only them. */
    pb_snapshot head = ACTIONQUEUE__SNAPSHOT__V1__SNAPSHOT__INIT;
    head.has_version = 1;
    head.version = s->version;
    head.has_timestamp = 1;
    head.timestamp = s->timestamp;
    AQ__IN(err, "metadata", aq__metadata_to_pb(e, &s->metadata, &head.metadata, err));
    size_t size = protobuf_c_message_get_packed_size(&head.base);
    AQ_TRY(aq__outbuf_reserve(o, size, err));
    o->len += protobuf_c_message_pack(&head.base, o->data + o->len);
    aq__arena_reset(e->scratch);

    AQ_TRY(sections[4].encode(e, s, o, err));
    AQ_TRY(sections[5].encode(e, s, o, err));
    pb_engine_control *engine;
    AQ__IN(err, "engine", aq__engine_to_pb(e, &s->engine, &engine, err));
    AQ_TRY(out_message(o, 6, &engine->base, err));
    aq__arena_reset(e->scratch);
    for (uint32_t n = 7; n < N_FIELDS; n++) AQ_TRY(sections[n].encode(e, s, o, err));

    if (s->unknown != NULL && s->unknown->fields.len > 0) {
        size_t n;
        AQ_TRY(aq__unknown_count(s->unknown, &n, err)); /* copied as is: check it first */
        AQ_TRY(aq__outbuf_reserve(o, s->unknown->fields.len, err));
        memcpy(o->data + o->len, s->unknown->fields.ptr, s->unknown->fields.len);
        o->len += s->unknown->fields.len;
    }
    return AQ_OK;
}

/* A first guess at the output size: growth by doubling handles the rest. */
static size_t size_guess(const aq_snapshot *s)
{
    size_t records = s->tasks.count + s->runs.count + s->dependency_declarations.count +
                     s->budgets.count + s->subscriptions.count + s->actors.count +
                     s->tenants.count + s->role_assignments.count + s->capability_grants.count +
                     s->ledger_entries.count;
    return records < (SIZE_MAX - 4096) / 512 ? 4096 + records * 512 : SIZE_MAX / 2;
}

aq_status aq__snapshot_encode_reserving(const aq_snapshot *s, const aq_allocator *alloc,
                                        size_t reserve, aq_buffer *out, aq_error *err)
{
    aq__outbuf o;
    aq__enc e = {aq__arena_create(alloc, SCRATCH_HINT)};
    if (e.scratch == NULL) return aq__fail_oom(err);
    aq_status st = aq__outbuf_start(&o, alloc, reserve, size_guess(s), err);
    if (st == AQ_OK) st = encode_into(&e, s, &o, err);
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
