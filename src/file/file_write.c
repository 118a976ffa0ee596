/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing snapshot files. The whole file image (envelope + payload) is encoded into one buffer
 * with room left for the header, so nothing is copied, and replaces the target atomically
 * (replace.h).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "aqsnap/file.h"
#include "aqsnap/json.h"
#include "aqsnap/validate.h"
#include "file/replace.h"
#include "internal.h"

aq_status aq__write_options(const aq_write_options *in, aq_write_options *o, aq_error *err)
{
    static const aq_write_options defaults = AQ_WRITE_OPTIONS_INIT;
    *o = defaults;
    if (in != NULL && in->version == 1) /* ends before max_payload: read only what it has */
        memcpy(o, in, offsetof(aq_write_options, max_payload));
    else if (in != NULL && in->version == AQ_WRITE_OPTIONS_VERSION)
        *o = *in;
    else if (in != NULL)
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT,
                        "aq_write_options.version is %u, this library knows 1 and %u",
                        in->version, AQ_WRITE_OPTIONS_VERSION);
    if (o->format != AQ_FORMAT_PROTOBUF && o->format != AQ_FORMAT_JSON)
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "unknown format %d", (int)o->format);
    o->max_payload = aq__payload_cap(o->max_payload);
    return AQ_OK;
}

/* Validate, encode with room for the header, refuse what a loader could not read back, seal
 * the envelope. */
static aq_status image(const aq_snapshot *snap, const aq_write_options *o, aq_buffer *img,
                       aq_error *err)
{
    if (!(o->flags & AQ_WRITE_NO_VALIDATE)) AQ_TRY(aq_snapshot_validate(snap, o->allocator, err));
    if (o->format == AQ_FORMAT_PROTOBUF) {
        AQ_TRY(aq__snapshot_encode_reserving(snap, o->allocator, AQ_ENVELOPE_SIZE, img, err));
    } else {
        uint32_t json = (o->flags & AQ_WRITE_JSON_PRETTY) ? AQ_JSON_PRETTY : 0;
        AQ_TRY(aq__snapshot_encode_json_reserving(snap, o->allocator, json, AQ_ENVELOPE_SIZE, img,
                                                  err));
    }
    size_t len = img->len - AQ_ENVELOPE_SIZE;
    if (len > o->max_payload) {
        aq_buffer_free(img);
        return aq__fail(err, AQ_ELIMIT, AQ_ERR_PAYLOAD_TOO_LARGE,
                        "payload of %zu bytes exceeds the limit of %llu bytes (max_payload: a "
                        "loader with the same cap could not read it back)",
                        len, (unsigned long long)o->max_payload);
    }
    aq__envelope_seal(img->data,
                      o->format == AQ_FORMAT_PROTOBUF ? AQ_FRAME_PROTOBUF : AQ_FRAME_JSON, len);
    return AQ_OK;
}

aq_status aq_snapshot_write(const char *path, const aq_snapshot *snap,
                            const aq_write_options *opts, aq_error *err)
{
    aq_error local;
    aq_write_options o;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (path == NULL || snap == NULL || path[0] == '\0')
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "path or snapshot is NULL or empty");
    AQ_TRY(aq__write_options(opts, &o, err));

    aq_buffer img = {0};
    AQ_TRY(image(snap, &o, &img, err)); /* nothing touched the disk yet */
    aq__replacement t;
    aq_status st = aq__replace_begin(path, aq__allocator_or_default(o.allocator),
                                     !(o.flags & AQ_WRITE_NO_SYNC), &t, err);
    if (st == AQ_OK) {
        st = aq__replace_write(&t, img.data, img.len, err);
        if (st == AQ_OK) st = aq__replace_commit(&t, err);
        else aq__replace_abort(&t);
    }
    aq_buffer_free(&img);
    return st;
}

aq_status aq_snapshot_write_buffer(const aq_snapshot *snap, const aq_write_options *opts,
                                   aq_buffer *out, aq_error *err)
{
    aq_error local;
    aq_write_options o;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (out == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "out is NULL");
    memset(out, 0, sizeof *out);
    if (snap == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "snapshot is NULL");
    AQ_TRY(aq__write_options(opts, &o, err));
    return image(snap, &o, out, err);
}

aq_status aq_snapshot_write_stream(FILE *stream, const aq_snapshot *snap,
                                   const aq_write_options *opts, aq_error *err)
{
    aq_error local;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (stream == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "stream is NULL");
    aq_buffer img;
    AQ_TRY(aq_snapshot_write_buffer(snap, opts, &img, err));
    aq_status st = AQ_OK;
    errno = 0;
    if (fwrite(img.data, 1, img.len, stream) != img.len || fflush(stream) != 0)
        st = aq__fail_sys(err, errno ? errno : EIO, "write", "stream");
    aq_buffer_free(&img);
    return st;
}
