/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streaming writes (aqsnap/stream.h): each field is encoded as it is added, by the same
 * per-record encoders the whole-snapshot writers use, into an output buffer that goes to the
 * temporary file (file/replace.h) whenever it holds FLUSH_AT bytes; the CRC-32 and length are
 * computed on the way and the envelope header, written as zeros first, is filled in at the
 * commit. A field that was never added is written from a new snapshot's values, as the whole
 * writers would write it.
 */
#include <string.h>

#include "aqsnap/json.h"
#include "aqsnap/snapshot.h"
#include "aqsnap/stream.h"
#include "file/replace.h"
#include "internal.h"
#include "model/fields.h"
#include "protobuf/pb_fields.h"
#include "validate/validator.h"

/* Output collected before it goes to the file. */
#define FLUSH_AT ((size_t)1 << 20)

struct aq_writer {
    aq_write_options o;
    aq_allocator al;
    aq__replacement file;
    aq_error err;         /* the first failure, returned again by later calls */
    aq__outbuf pb;        /* protobuf output */
    aq__enc enc;          /* protobuf: one record's messages */
    aq__json_doc *json;   /* JSON output, or NULL */
    aq__validator *v;     /* NULL: not validating */
    aq_snapshot *fresh;   /* a new snapshot: the values of fields never added */
    uint32_t schema;      /* metadata.schema_version, as added or fresh */
    uint32_t next;        /* fields numbered below this are written */
    uint32_t list;        /* the list being written (0: none) */
    size_t index;         /* its records so far */
    uint64_t payload_len; /* flushed so far */
    uint32_t crc;
};

static aq__outbuf *out_of(aq_writer *w)
{
    return w->json != NULL ? aq__json_doc_out(w->json) : &w->pb;
}

/* Refuse a payload over the cap as soon as it is; send what the output holds to the file once
 * it is FLUSH_AT bytes (or at the end). */
static aq_status flush(aq_writer *w, bool all)
{
    aq__outbuf *o = out_of(w);
    if (w->payload_len + o->len > w->o.max_payload)
        return aq__fail(&w->err, AQ_ELIMIT, AQ_ERR_PAYLOAD_TOO_LARGE,
                        "payload of more than %llu bytes exceeds the limit of %llu bytes "
                        "(max_payload: a loader with the same cap could not read it back)",
                        (unsigned long long)(w->payload_len + o->len),
                        (unsigned long long)w->o.max_payload);
    if (o->len == 0 || (!all && o->len < FLUSH_AT)) return AQ_OK;
    AQ_TRY(aq__replace_write(&w->file, o->data, o->len, &w->err));
    w->crc = aq__crc32_update(w->crc, o->data, o->len);
    w->payload_len += o->len;
    o->len = 0;
    return AQ_OK;
}

/* A new snapshot with field f set to `value` and the schema version the document has. */
static aq_snapshot with_value(const aq_writer *w, const aq__field_info *f, const void *value)
{
    aq_snapshot s = *w->fresh;
    s.metadata.schema_version = w->schema;
    if (value != NULL) aq__field_set(&s, f, value);
    return s;
}

/* Field `number`, not a list, from `value` (NULL: a new snapshot's). */
static aq_status put_value(aq_writer *w, uint32_t number, const aq__field_info *f,
                           const void *value)
{
    if (number == AQ_FIELD_METADATA && value != NULL)
        w->schema = ((const aq_metadata *)value)->schema_version;
    aq_snapshot s = with_value(w, f, value);
    if (w->v != NULL) {
        const void *checked = aq__field_value(&s, f);
        if (checked != NULL) AQ_TRY(aq__validator_field(w->v, (aq_field)number, 0, checked));
        AQ_TRY(aq__validator_head(w->v, &s));
        if (aq__validator_stopped(w->v)) return w->err.status;
    }
    if (w->json != NULL) return aq__error_finish(&w->err, aq__json_doc_field(w->json, &s, number));
    return aq__pb_encode_head_field(&w->enc, &s, number, &w->pb, &w->err);
}

/* Write everything numbered below `number` that is not yet: close the open list, give the
 * fields never added their new-snapshot values (an empty list has no bytes in protobuf, and
 * its key and [] in JSON). */
static aq_status advance(aq_writer *w, uint32_t number)
{
    if (w->list != 0 && w->list < number) {
        if (w->json != NULL) AQ_TRY(aq__error_finish(&w->err, aq__json_doc_end_list(w->json)));
        w->list = 0;
    }
    for (; w->next < number && w->next <= AQ_FIELD_MAX; w->next++) {
        const aq__field_info *f = aq__field_info_of(w->next);
        if (f == NULL) continue;
        if (f->item_size == 0) {
            AQ_TRY(put_value(w, w->next, f, NULL));
        } else if (w->json != NULL) {
            aq_snapshot s = with_value(w, f, NULL);
            AQ_TRY(aq__error_finish(&w->err, aq__json_doc_field(w->json, &s, w->next)));
        }
    }
    return AQ_OK;
}

static aq_status add_record(aq_writer *w, uint32_t number, const void *value)
{
    if (w->v != NULL) {
        AQ_TRY(aq__validator_field(w->v, (aq_field)number, w->index, value));
        if (aq__validator_stopped(w->v)) return w->err.status;
    }
    if (w->json != NULL)
        return aq__error_finish(&w->err, aq__json_doc_item(w->json, number, w->index, value));
    return aq__pb_encode_record(&w->enc, number, value, w->index, &w->pb, &w->err);
}

static aq_status add(aq_writer *w, aq_field field, const void *value)
{
    uint32_t number = (uint32_t)field;
    const aq__field_info *f = aq__field_info_of(number);
    if (f == NULL)
        return aq__fail(&w->err, AQ_EINVAL, AQ_ERR_ARGUMENT, "the snapshot has no field %u",
                        number);
    if (value == NULL)
        return aq__fail(&w->err, AQ_EINVAL, AQ_ERR_ARGUMENT, "the value of %s is NULL", f->name);
    bool more_of_list = f->item_size != 0 && w->list == number;
    if (number < w->next && !more_of_list) {
        if (number == w->list || (f->item_size == 0 && number == w->next - 1))
            return aq__fail(&w->err, AQ_EINVAL, AQ_ERR_STREAM_ORDER,
                            "%s was added already: fields that are not lists come once",
                            f->name);
        return aq__fail(&w->err, AQ_EINVAL, AQ_ERR_STREAM_ORDER,
                        "%s (field %u) comes after field %u (%s): fields go in number order",
                        f->name, number, w->next - 1, aq__field_info_of(w->next - 1)->name);
    }
    if (!more_of_list) {
        AQ_TRY(advance(w, number));
        w->next = number + 1;
        w->index = 0;
        if (f->item_size != 0) w->list = number;
    }
    AQ_TRY(f->item_size != 0 ? add_record(w, number, value) : put_value(w, number, f, value));
    w->index++;
    return flush(w, false);
}

/* Every failure is kept in w->err and returned again by later calls. */
static aq_status failed(const aq_writer *w, aq_error *err)
{
    *err = w->err;
    return w->err.status;
}

static bool stop_at_first(void *ctx, const aq_error *violation)
{
    (void)ctx;
    (void)violation;
    return false;
}

static void destroy(aq_writer *w)
{
    aq__validator_destroy(w->v);
    aq__json_doc_destroy(w->json);
    aq__outbuf_free(&w->pb);
    if (w->enc.scratch != NULL) aq__arena_destroy(w->enc.scratch);
    aq_snapshot_free(w->fresh);
    w->al.free(w->al.ctx, w, sizeof *w);
}

aq_status aq_writer_open(const char *path, const aq_write_options *opts, aq_writer **out,
                         aq_error *err)
{
    aq_error local;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (out == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "out is NULL");
    *out = NULL;
    if (path == NULL || path[0] == '\0')
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "path is NULL or empty");
    aq_write_options o;
    AQ_TRY(aq__write_options(opts, &o, err));
    aq_allocator al = aq__allocator_or_default(o.allocator);
    aq_writer *w = al.alloc(al.ctx, sizeof *w);
    if (w == NULL) return aq__fail_oom(err);
    memset(w, 0, sizeof *w);
    w->o = o;
    w->al = al;
    w->next = 1;
    aq__error_clear(&w->err);

    aq_status st = aq__snapshot_create(o.allocator, 0, &w->fresh, &w->err);
    if (st == AQ_OK) w->schema = w->fresh->metadata.schema_version;
    if (st == AQ_OK && o.format == AQ_FORMAT_JSON)
        st = aq__json_doc_create(o.allocator, (o.flags & AQ_WRITE_JSON_PRETTY) ? AQ_JSON_PRETTY : 0,
                                 &w->err, &w->json);
    if (st == AQ_OK && o.format == AQ_FORMAT_PROTOBUF) {
        st = aq__outbuf_start(&w->pb, o.allocator, 0, FLUSH_AT + ((size_t)64 << 10), &w->err);
        w->enc.scratch = aq__arena_create(o.allocator, (size_t)64 << 10);
        if (st == AQ_OK && w->enc.scratch == NULL) st = aq__fail_oom(&w->err);
    }
    if (st == AQ_OK && !(o.flags & AQ_WRITE_NO_VALIDATE))
        st = aq__validator_create(o.allocator, stop_at_first, NULL, &w->err, &w->v);
    if (st != AQ_OK) {
        *err = w->err;
        destroy(w);
        return st;
    }
    st = aq__replace_begin(path, al, !(o.flags & AQ_WRITE_NO_SYNC), &w->file, err);
    static const uint8_t no_header_yet[AQ_ENVELOPE_SIZE];
    if (st == AQ_OK) {
        st = aq__replace_write(&w->file, no_header_yet, sizeof no_header_yet, err);
        if (st != AQ_OK) aq__replace_abort(&w->file);
    }
    if (st != AQ_OK) {
        destroy(w);
        return st;
    }
    *out = w;
    return AQ_OK;
}

aq_status aq_writer_add(aq_writer *w, aq_field field, const void *value, aq_error *err)
{
    aq_error local;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (w == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "the writer is NULL");
    if (w->err.status == AQ_OK) (void)add(w, field, value);
    return failed(w, err);
}

static aq_status finish(aq_writer *w)
{
    AQ_TRY(advance(w, AQ_FIELD_MAX + 1));
    if (w->json != NULL) AQ_TRY(aq__error_finish(&w->err, aq__json_doc_finish(w->json)));
    if (w->v != NULL) AQ_TRY(aq__validator_finish(w->v, NULL, NULL));
    AQ_TRY(flush(w, true));
    uint8_t header[AQ_ENVELOPE_SIZE];
    aq__envelope_header(header, w->json != NULL ? AQ_FRAME_JSON : AQ_FRAME_PROTOBUF,
                        (size_t)w->payload_len, w->crc);
    return aq__replace_write_at(&w->file, 0, header, sizeof header, &w->err);
}

aq_status aq_writer_commit(aq_writer *w, aq_error *err)
{
    aq_error local;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (w == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "the writer is NULL");
    aq_status st = w->err.status;
    if (st == AQ_OK) st = finish(w);
    if (st == AQ_OK) {
        st = aq__replace_commit(&w->file, err);
    } else {
        aq__replace_abort(&w->file);
        *err = w->err;
    }
    destroy(w);
    return st;
}

void aq_writer_abort(aq_writer *w)
{
    if (w == NULL) return;
    aq__replace_abort(&w->file);
    destroy(w);
}
