/* SPDX-License-Identifier: Apache-2.0 */
/* Snapshot lifecycle: creation inside an arena, arena-backed building helpers, release. */
#include <stddef.h>
#include <string.h>

#include "aqsnap/snapshot.h"
#include "internal.h"

aq_status aq__snapshot_create(const aq_allocator *alloc, size_t hint, aq_snapshot **out,
                              aq_error *err)
{
    aq_arena *arena = aq__arena_create(alloc, hint);
    if (arena == NULL) return aq__fail_oom(err);
    aq_snapshot *snap = aq__arena_alloc_zero(arena, sizeof *snap, _Alignof(max_align_t));
    if (snap == NULL) {
        aq__arena_destroy(arena);
        return aq__fail_oom(err);
    }
    snap->version = 4;
    snap->metadata.schema_version = 8;
    snap->arena = arena;
    *out = snap;
    return AQ_OK;
}

aq_status aq_snapshot_new(const aq_allocator *alloc, aq_snapshot **out, aq_error *err)
{
    aq_error local;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (out == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "out is NULL");
    *out = NULL;
    return aq__snapshot_create(alloc, 0, out, err);
}

void aq_snapshot_free(aq_snapshot *snap)
{
    if (snap != NULL && snap->arena != NULL) aq__arena_destroy(snap->arena);
}

void *aq_snapshot_alloc(aq_snapshot *snap, size_t count, size_t size, aq_error *err)
{
    aq_error local;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (snap == NULL || snap->arena == NULL) {
        (void)aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT,
                       "snapshot is NULL or was not created by the library");
        return NULL;
    }
    if (size != 0 && count > SIZE_MAX / size) {
        (void)aq__fail(err, AQ_ENOMEM, AQ_ERR_OUT_OF_MEMORY,
                       "allocation of %zu objects of %zu bytes overflows", count, size);
        return NULL;
    }
    void *p = aq__arena_alloc_zero(snap->arena, count * size, _Alignof(max_align_t));
    if (p == NULL) (void)aq__fail_oom(err);
    return p;
}

/* Shared by aq_snapshot_str and aq_snapshot_bytes: copy and NUL-terminate. */
static const void *copy_in(aq_snapshot *snap, const void *data, size_t len, aq_error *err)
{
    aq__error_clear(err);
    if (snap == NULL || snap->arena == NULL) {
        (void)aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT,
                       "snapshot is NULL or was not created by the library");
        return NULL;
    }
    if (data == NULL && len > 0) {
        (void)aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "data is NULL but len is %zu", len);
        return NULL;
    }
    if (len == SIZE_MAX) {
        (void)aq__fail_oom(err);
        return NULL;
    }
    char *p = aq__arena_alloc_bytes(snap->arena, len + 1);
    if (p == NULL) {
        (void)aq__fail_oom(err);
        return NULL;
    }
    if (len > 0) memcpy(p, data, len);
    p[len] = '\0';
    return p;
}

aq_status aq_snapshot_str(aq_snapshot *snap, const char *text, size_t len, aq_str *out,
                          aq_error *err)
{
    aq_error local;
    err = AQ__ERR_OR_LOCAL(err, &local);
    if (out == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "out is NULL");
    const char *p = copy_in(snap, text, len, err);
    if (p == NULL) return err->status;
    out->ptr = p;
    out->len = len;
    return AQ_OK;
}

aq_status aq_snapshot_bytes(aq_snapshot *snap, const void *data, size_t len, aq_bytes *out,
                            aq_error *err)
{
    aq_error local;
    err = AQ__ERR_OR_LOCAL(err, &local);
    if (out == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "out is NULL");
    const uint8_t *p = copy_in(snap, data, len, err);
    if (p == NULL) return err->status;
    out->ptr = p;
    out->len = len;
    return AQ_OK;
}

size_t aq_snapshot_memory(const aq_snapshot *snap)
{
    return snap != NULL && snap->arena != NULL ? aq__arena_used(snap->arena) : 0;
}
