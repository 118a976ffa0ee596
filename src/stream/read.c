/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Streaming reads (aqsnap/stream.h): the payload goes through a window that holds the field
 * being decoded and what was read after it; the window grows to the largest field and no
 * further. Records are decoded one at a time into an arena that is reset after each has been
 * handed out; the fields that are not lists are gathered (a few dozen bytes) and decoded
 * together when the first field after them arrives, as aq_snapshot_decode() decodes them.
 * The CRC-32 is computed over the bytes as they are read.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "aqsnap/file.h"
#include "aqsnap/snapshot.h"
#include "aqsnap/stream.h"
#include "internal.h"
#include "model/fields.h"
#include "protobuf/pb_fields.h"
#include "validate/validator.h"

/* The window's first size, and the size of the pieces a CRC-only pass reads. */
#define WINDOW_FIRST ((size_t)256 << 10)
/* Enough bytes to hold a field's tag and length varints. */
#define FIELD_HEAD_MAX 20

typedef struct reader {
    int fd;
    aq_allocator al;
    aq_error *err;
    aq_read_options o;
    uint8_t *win;
    size_t cap;
    size_t at, end;       /* unread bytes: win[at..end) */
    uint64_t payload_len; /* bytes in all */
    uint64_t limit;       /* read no further than this (a segment's end, or payload_len) */
    uint64_t fetched;     /* read from the file so far */
    uint64_t consumed;    /* payload offset of win[at] */
    uint32_t crc;
    uint32_t crc_expected;
    bool has_crc;      /* an envelope's; a bare JSON document has none */
    uint64_t trailing; /* bytes after the payload (JSON), ignored as the engine ignores them */
} reader;

/* ---- the window ------------------------------------------------------------------------------- */

static aq_status shrank(reader *r)
{
    return aq__fail(r->err, AQ_ETRUNCATED, AQ_ERR_TRUNCATED_PAYLOAD,
                    "the file shrank while being read: data ends at byte %llu of %llu",
                    (unsigned long long)(AQ_ENVELOPE_SIZE + r->fetched),
                    (unsigned long long)(AQ_ENVELOPE_SIZE + r->payload_len));
}

/* At least `need` unread bytes in the window (need <= what the payload has left). */
static aq_status fill(reader *r, size_t need)
{
    if (r->end - r->at >= need) return AQ_OK;
    if (need > r->cap - r->at) {
        size_t unread = r->end - r->at;
        if (need > r->cap) {
            size_t cap = r->cap * 2 > need ? r->cap * 2 : need;
            uint8_t *w = r->al.alloc(r->al.ctx, cap);
            if (w == NULL) return aq__fail_oom(r->err);
            memcpy(w, r->win + r->at, unread);
            r->al.free(r->al.ctx, r->win, r->cap);
            r->win = w;
            r->cap = cap;
        } else {
            memmove(r->win, r->win + r->at, unread);
        }
        r->at = 0;
        r->end = unread;
    }
    while (r->end - r->at < need) {
        uint64_t left = r->limit - r->fetched;
        size_t room = r->cap - r->end;
        size_t n = left < room ? (size_t)left : room;
        size_t got;
        AQ_TRY(aq__file_read_full(r->fd, r->win + r->end, n, &got, r->err));
        if (got == 0) return shrank(r);
        r->crc = aq__crc32_update(r->crc, r->win + r->end, got);
        r->end += got;
        r->fetched += got;
    }
    return AQ_OK;
}

static void consume(reader *r, size_t n)
{
    r->at += n;
    r->consumed += n;
}

/* Go to payload offset `at` and read no further than `end`. */
static aq_status seek_to(reader *r, uint64_t at, uint64_t end)
{
    off_t to = (off_t)(AQ_ENVELOPE_SIZE + at);
    if (lseek(r->fd, to, SEEK_SET) != to) {
        return aq__fail_sys(r->err, errno, "lseek", NULL);
    }
    r->fetched = r->consumed = at;
    r->at = r->end = 0;
    r->limit = end;
    return AQ_OK;
}

/* Read what is left of the payload for its CRC only; then no more bytes may follow (but the
 * trailing bytes the file had from the start). */
static aq_status drain(reader *r)
{
    r->at = r->end = 0;
    while (r->fetched < r->payload_len) {
        uint64_t left = r->payload_len - r->fetched;
        size_t n = left < r->cap ? (size_t)left : r->cap;
        size_t got;
        AQ_TRY(aq__file_read_full(r->fd, r->win, n, &got, r->err));
        if (got < n) return shrank(r);
        r->crc = aq__crc32_update(r->crc, r->win, got);
        r->fetched += got;
    }
    if (r->trailing > 0) return AQ_OK;
    uint8_t extra;
    size_t got;
    AQ_TRY(aq__file_read_full(r->fd, &extra, 1, &got, r->err));
    if (got > 0)
        return aq__fail(r->err, AQ_EDECODE, AQ_ERR_TRAILING_DATA,
                        "the file grew while being read: more than the %llu bytes it had",
                        (unsigned long long)(AQ_ENVELOPE_SIZE + r->payload_len));
    return AQ_OK;
}

static aq_status crc_mismatch(reader *r, const char *after)
{
    return aq__fail(r->err, AQ_ECRC, AQ_ERR_CRC_MISMATCH,
                    "CRC-32 mismatch: expected 0x%08x, actual 0x%08x%s", r->crc_expected, r->crc,
                    after);
}

/* The next top-level field, whole in the window: f's offsets relative to win + at. */
static aq_status next_field(reader *r, aq__wire_field *f)
{
    uint64_t left = r->limit - r->consumed;
    AQ_TRY(fill(r, left < FIELD_HEAD_MAX ? (size_t)left : FIELD_HEAD_MAX));
    const uint8_t *p = r->win + r->at;
    size_t avail = r->end - r->at, pos = 0;
    uint64_t key, len;
    size_t need = avail;
    if (aq__wire_varint(p, avail, &pos, &key) == 0 && (key & 7) == 2 &&
        aq__wire_varint(p, avail, &pos, &len) == 0) {
        if (len > left - pos) /* runs past the payload */
            return aq__fail(r->err, AQ_EDECODE, AQ_ERR_PROTOBUF_MALFORMED,
                            "malformed protobuf field at payload offset %llu",
                            (unsigned long long)r->consumed);
        need = pos + (size_t)len;
        AQ_TRY(fill(r, need));
        p = r->win + r->at;
    }
    if (aq__wire_next(p, need, 0, f) != 0)
        return aq__fail(r->err, AQ_EDECODE, AQ_ERR_PROTOBUF_MALFORMED,
                        "malformed protobuf field at payload offset %llu",
                        (unsigned long long)r->consumed);
    aq__wire_field at_offset = *f;
    at_offset.start = (size_t)r->consumed;
    return aq__pb_check_field(&at_offset, r->err);
}

/* ---- handing out -------------------------------------------------------------------------------- */

typedef struct stream {
    reader r;
    aq_item_fn fn;
    void *ctx;
    aq__validator *v; /* NULL: not validating */
    aq_snapshot *head;
    aq__outbuf head_bytes; /* the wire bytes of the fields that are not lists */
    aq__dec dec;           /* the current record and its scratch */
    uint32_t last;         /* the highest known field number met */
    size_t index;          /* records of that field so far */
    uint32_t given;        /* the fields that are not lists, numbered below this, are out */
    bool stopped_by_validation, stopped_by_callback;
    bool any_known;     /* a known field was met */
    bool need_segments; /* the first known field is not version, timestamp or metadata */
    bool crc_checked;   /* by a pass before any item */
    bool json;          /* engine JSON, read by json_read.cc */
    bool sink_failed;   /* JSON: a callback below failed, with sink_err */
    aq_error sink_err;
} stream;

/* A run of consecutive top-level fields with one number, for files whose fields are not in
 * number order. */
typedef struct segment {
    uint64_t start, end;
    uint32_t number;
} segment;

/* Runs a file out of order may have: past this, it is refused (a whole load reads it). */
#define SEGMENTS_MAX 4096

static aq_status give(stream *s, aq_field field, size_t index, const void *value)
{
    if (s->v != NULL) {
        AQ_TRY(aq__validator_field(s->v, field, index, value));
        if (aq__validator_stopped(s->v)) {
            s->stopped_by_validation = true;
            return AQ_EINVALID;
        }
    }
    const aq__field_info *f = aq__field_info_of(field);
    aq_item item = {field, f->name, index, value};
    aq_status st = s->fn(s->ctx, &item, s->r.err);
    if (st == AQ_OK) return AQ_OK;
    s->stopped_by_callback = true;
    if (s->r.err->status != AQ_OK) return st;
    if (f->item_size != 0)
        return aq__fail(s->r.err, st, AQ_ERR_STOPPED, "the callback stopped the read at %s[%zu]",
                        item.name, index);
    return aq__fail(s->r.err, st, AQ_ERR_STOPPED, "the callback stopped the read at %s",
                    item.name);
}

static aq_status decode_head(stream *s)
{
    if (s->json) return AQ_OK; /* the JSON reader reads them into s->head as they come */
    aq_status st = aq__pb_decode_head(&s->dec, s->head_bytes.data, s->head_bytes.len, s->head,
                                      s->r.err);
    return aq__error_finish(s->r.err, st);
}

/* Before list field `next` (or the end): hand out the fields that are not lists, numbered below
 * it, that have not been (decoded together, as their required ones need each other): as
 * aq_snapshot_decode() gives them (their defaults when the file has none), an absent optional
 * message not at all. */
static aq_status advance(stream *s, uint32_t next)
{
    bool decoded = false;
    for (; s->given < next && s->given <= AQ_FIELD_MAX; s->given++) {
        const aq__field_info *f = aq__field_info_of(s->given);
        if (f == NULL || f->item_size != 0) continue;
        if (!decoded) AQ_TRY(decode_head(s));
        decoded = true;
        const void *value = aq__field_value(s->head, f);
        if (value != NULL) AQ_TRY(give(s, (aq_field)s->given, 0, value));
    }
    return AQ_OK;
}

static const char *name_of(uint32_t number)
{
    return aq__field_info_of(number)->name;
}

static aq_status out_of_order(stream *s, const aq__wire_field *f)
{
    const char *name = name_of(f->number);
    if (f->number == s->last)
        return aq__fail(s->r.err, AQ_EDECODE, AQ_ERR_STREAM_ORDER,
                        "field %u (%s) at payload offset %llu appears a second time: a streaming "
                        "read cannot merge it (aq_snapshot_load reads this file)",
                        f->number, name, (unsigned long long)s->r.consumed);
    return aq__fail(s->r.err, AQ_EDECODE, AQ_ERR_STREAM_ORDER,
                    "field %u (%s) at payload offset %llu comes after field %u (%s): a streaming "
                    "read needs fields in number order (aq_snapshot_load reads this file)",
                    f->number, name, (unsigned long long)s->r.consumed, s->last,
                    name_of(s->last));
}

static aq_status one_field(stream *s, const aq__wire_field *f)
{
    const uint8_t *p = s->r.win + s->r.at;
    const aq__field_info *info = aq__field_info_of(f->number);
    if (info == NULL) return AQ_OK; /* unknown: skipped */
    size_t item_size = info->item_size;
    if (!s->any_known) {
        s->any_known = true;
        if (f->number > AQ_FIELD_METADATA) { /* lists first: see read_by_segments */
            s->need_segments = true;
            return AQ_OK;
        }
    }
    if (f->number < s->last || (f->number == s->last && item_size == 0))
        return out_of_order(s, f);
    if (f->number != s->last) s->index = 0;
    s->last = f->number;
    if (item_size == 0) { /* version, timestamp, metadata, engine: out before the next list */
        size_t n = f->end - f->start;
        AQ_TRY(aq__outbuf_reserve(&s->head_bytes, n, s->r.err));
        memcpy(s->head_bytes.data + s->head_bytes.len, p + f->start, n);
        s->head_bytes.len += n;
        return AQ_OK;
    }

    AQ_TRY(advance(s, f->number));
    void *item = aq__arena_alloc(s->dec.arena, item_size);
    if (item == NULL) return aq__fail_oom(s->r.err);
    aq_status st = aq__pb_decode_record(&s->dec, f->number, p + f->value, f->value_len,
                                        s->index, item, s->r.err);
    if (st != AQ_OK) (void)aq__error_finish(s->r.err, st);
    if (st == AQ_OK) st = give(s, (aq_field)f->number, s->index, item);
    aq__arena_reset(s->dec.arena);
    s->index++;
    return st;
}

/* The fields from here to r->limit (stopping at once when segments turn out to be needed). */
static aq_status read_range(stream *s)
{
    reader *r = &s->r;
    while (r->consumed < r->limit && !s->need_segments) {
        aq__wire_field f;
        AQ_TRY(next_field(r, &f));
        AQ_TRY(one_field(s, &f));
        if (!s->need_segments) consume(r, f.end);
    }
    return AQ_OK;
}

static aq_status too_disordered(reader *r)
{
    return aq__fail(r->err, AQ_EDECODE, AQ_ERR_STREAM_ORDER,
                    "the file's fields are out of number order in more than %d places: a "
                    "streaming read refuses it (aq_snapshot_load reads this file)",
                    SEGMENTS_MAX);
}

/* A file whose first fields are lists (legal protobuf; some writers put the lists first): a
 * first pass finds where each field's runs are and checks the CRC, then the runs are read
 * field by field. Memory: one segment per run, at most SEGMENTS_MAX. */
static aq_status read_by_segments(stream *s)
{
    reader *r = &s->r;
    s->need_segments = false;
    s->any_known = true;
    r->crc = 0;
    AQ_TRY(seek_to(r, 0, r->payload_len));
    segment *segs = NULL;
    size_t n = 0, cap = 0;
    aq_status st = AQ_OK;
    while (st == AQ_OK && r->consumed < r->payload_len) {
        aq__wire_field f;
        st = next_field(r, &f);
        if (st != AQ_OK) break;
        if (aq__field_info_of(f.number) != NULL) {
            if (n > 0 && segs[n - 1].number == f.number && segs[n - 1].end == r->consumed) {
                segs[n - 1].end = r->consumed + f.end;
            } else if (n == SEGMENTS_MAX) {
                st = too_disordered(r);
            } else {
                if (n == cap) {
                    size_t grown = cap == 0 ? 16 : 2 * cap;
                    segment *g = r->al.alloc(r->al.ctx, grown * sizeof *g);
                    if (g == NULL) {
                        st = aq__fail_oom(r->err);
                        break;
                    }
                    if (n > 0) memcpy(g, segs, n * sizeof *g);
                    if (segs != NULL) r->al.free(r->al.ctx, segs, cap * sizeof *segs);
                    segs = g;
                    cap = grown;
                }
                segs[n++] = (segment){r->consumed, r->consumed + f.end, f.number};
            }
        }
        consume(r, f.end);
    }
    if (st == AQ_OK) st = drain(r);
    if (st == AQ_OK && r->crc != r->crc_expected)
        st = crc_mismatch(r, " (checked before any item: the fields are not in number order, "
                             "so the file is read twice)");
    s->crc_checked = true;
    for (uint32_t number = 1; st == AQ_OK && number <= AQ_FIELD_MAX; number++)
        for (size_t i = 0; st == AQ_OK && i < n; i++)
            if (segs[i].number == number) {
                st = seek_to(r, segs[i].start, segs[i].end);
                if (st == AQ_OK) st = read_range(s);
            }
    if (segs != NULL) r->al.free(r->al.ctx, segs, cap * sizeof *segs);
    return st;
}

/* ---- engine JSON: json_read.cc reads the text through its window, fetched here ---------------- */

/* A failure of ours under the JSON reader, kept apart from the paths it prefixes. */
static aq_status sink_result(stream *s, aq_status st)
{
    if (st != AQ_OK && !s->sink_failed) {
        s->sink_failed = true;
        s->sink_err = *s->r.err;
    }
    return st;
}

static aq_status json_fetch(void *ctx, uint8_t *buf, size_t n)
{
    stream *s = ctx;
    reader *r = &s->r;
    size_t got;
    aq_status st = aq__file_read_full(r->fd, buf, n, &got, r->err);
    if (st == AQ_OK && got < n) st = shrank(r);
    if (st == AQ_OK) {
        if (r->has_crc) r->crc = aq__crc32_update(r->crc, buf, n);
        r->fetched += n;
        r->consumed += n;
    }
    return sink_result(s, st);
}

static aq_status json_list(void *ctx, uint32_t number)
{
    stream *s = ctx;
    return sink_result(s, advance(s, number));
}

static aq_status json_item(void *ctx, uint32_t number, size_t index, const void *value)
{
    stream *s = ctx;
    return sink_result(s, give(s, (aq_field)number, index, value));
}

static aq_status read_json(stream *s)
{
    aq__json_stream js = {json_fetch, json_list, json_item, s, s->head, s->r.payload_len};
    aq_status st = aq__json_read_stream(&js, s->r.o.allocator, s->r.err);
    if (s->sink_failed) *s->r.err = s->sink_err;
    return st;
}

static aq_status read_fields(stream *s)
{
    if (s->json) {
        AQ_TRY(read_json(s));
        return advance(s, AQ_FIELD_MAX + 1);
    }
    AQ_TRY(read_range(s));
    if (s->need_segments) AQ_TRY(read_by_segments(s));
    return advance(s, AQ_FIELD_MAX + 1);
}

/* The whole payload once for its CRC, then back to its start. */
static aq_status crc_first(reader *r)
{
    AQ_TRY(drain(r));
    if (r->crc != r->crc_expected) return crc_mismatch(r, " (checked before any item)");
    r->crc = 0;
    return seek_to(r, 0, r->payload_len);
}

/* aq_read_options.on_violation when the caller gives none: the first violation stops. */
static bool stop_at_first(void *ctx, const aq_error *violation)
{
    (void)ctx;
    (void)violation;
    return false;
}

static aq_status run(stream *s)
{
    reader *r = &s->r;
    if ((r->o.flags & AQ_READ_CRC_FIRST) && r->has_crc) AQ_TRY(crc_first(r));
    aq_status st = read_fields(s);
    if (st != AQ_OK && (s->stopped_by_callback || st == AQ_EIO || st == AQ_ENOMEM ||
                        st == AQ_ETRUNCATED))
        return st;
    if (s->crc_checked) {
        if (st != AQ_OK && !s->stopped_by_validation) return st;
        return s->v == NULL ? AQ_OK : aq__validator_finish(s->v, s->head, NULL);
    }
    /* Whatever else happened, the CRC says whether the file is what was written. */
    aq_error first = *r->err;
    aq_status drained = drain(r);
    if (drained != AQ_OK) return drained;
    if (r->has_crc && r->crc != r->crc_expected)
        return crc_mismatch(r, st == AQ_OK ? " (at the end: every item was handed out)"
                                           : " (the damage may be what stopped the read)");
    *r->err = first;
    if (st != AQ_OK && !s->stopped_by_validation) return st;
    if (s->v == NULL) return AQ_OK;
    return aq__validator_finish(s->v, s->head, NULL);
}

aq_status aq_snapshot_read(const char *path, const aq_read_options *opts, aq_item_fn fn,
                           void *ctx, aq_error *err)
{
    aq_error local;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (path == NULL || fn == NULL)
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "path or fn is NULL");
    static const aq_read_options defaults = AQ_READ_OPTIONS_INIT;
    if (opts != NULL && opts->version != AQ_READ_OPTIONS_VERSION)
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT,
                        "aq_read_options.version is %u, this library knows %u", opts->version,
                        AQ_READ_OPTIONS_VERSION);
    stream s;
    memset(&s, 0, sizeof s);
    s.fn = fn;
    s.ctx = ctx;
    reader *r = &s.r;
    r->o = opts != NULL ? *opts : defaults;
    r->o.max_payload = aq__payload_cap(r->o.max_payload);
    r->al = aq__allocator_or_default(r->o.allocator);
    r->err = err;
    AQ_TRY(aq__file_open_read(path, &r->fd, err));

    uint64_t size;
    uint8_t hdr[AQ_ENVELOPE_SIZE];
    size_t got = 0;
    aq_load_info info;
    aq_status st = aq__file_size(r->fd, &size, err);
    if (st == AQ_OK) st = aq__file_read_full(r->fd, hdr, sizeof hdr, &got, err);
    if (st == AQ_OK) st = aq__envelope_read(hdr, got, size, r->o.max_payload, &info, err);
    /* A bare JSON document is the whole file: back to its start. */
    if (st == AQ_OK && !info.framed && lseek(r->fd, 0, SEEK_SET) != 0)
        st = aq__fail_sys(err, errno, "lseek", NULL);
    /* Bytes after the payload: the engine ignores them in its JSON files, and so does a
     * streaming read; protobuf files (never the engine's) have none. */
    if (st == AQ_OK && info.trailing > 0 && info.format == AQ_FORMAT_PROTOBUF)
        st = aq__trailing(err, info.payload_len, info.trailing);
    if (st == AQ_OK) {
        s.json = info.format == AQ_FORMAT_JSON;
        r->payload_len = r->limit = info.payload_len;
        r->crc_expected = info.crc32;
        r->has_crc = info.framed;
        r->trailing = info.trailing;
        r->cap = info.payload_len < WINDOW_FIRST ? (size_t)info.payload_len + 1 : WINDOW_FIRST;
        r->win = r->al.alloc(r->al.ctx, r->cap);
        s.dec.arena = aq__arena_create(r->o.allocator, 16 << 10);
        s.dec.scratch = aq__arena_create(r->o.allocator, 16 << 10);
        if (r->win == NULL || s.dec.arena == NULL || s.dec.scratch == NULL) st = aq__fail_oom(err);
    }
    if (st == AQ_OK) st = aq__snapshot_create(r->o.allocator, 1024, &s.head, err);
    if (st == AQ_OK) st = aq__outbuf_start(&s.head_bytes, r->o.allocator, 0, 256, err);
    if (st == AQ_OK && !(r->o.flags & AQ_LOAD_NO_VALIDATE))
        st = aq__validator_create(r->o.allocator,
                                  r->o.on_violation ? r->o.on_violation : stop_at_first,
                                  r->o.violation_ctx, err, &s.v);
    if (st == AQ_OK) st = run(&s);

    aq__validator_destroy(s.v);
    aq__outbuf_free(&s.head_bytes);
    aq_snapshot_free(s.head);
    if (s.dec.arena != NULL) aq__arena_destroy(s.dec.arena);
    if (s.dec.scratch != NULL) aq__arena_destroy(s.dec.scratch);
    if (r->win != NULL) r->al.free(r->al.ctx, r->win, r->cap);
    (void)aq__sys.close(r->fd);
    return st;
}
