/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Schema version migration (aq_snapshot_migrate): the native model already holds every serde
 * default, so moving to a version is setting it, once nothing in the snapshot is newer than the
 * target. Validation's feature rules (one place for what each version added) say what is.
 */
#include <inttypes.h>

#include "aqsnap/schema_version.h"
#include "aqsnap/validate.h"
#include "internal.h"

/* The first schema-feature violation, where the check stops. */
typedef struct newer {
    bool found;
    aq_error first;
} newer;

static bool on_violation(void *ctx, const aq_error *v)
{
    newer *n = ctx;
    if (v->kind != AQ_ERR_SCHEMA_FEATURE) return true;
    n->found = true;
    n->first = *v;
    return false;
}

aq_status aq_snapshot_migrate(aq_snapshot *snap, uint32_t schema_version, aq_error *err)
{
    aq_error local;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (snap == NULL) return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT, "snapshot is NULL");
    if (schema_version < AQ_SCHEMA_MIN || schema_version > AQ_SCHEMA_MAX)
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT,
                        "schema version %" PRIu32 " is outside %d..%d", schema_version,
                        AQ_SCHEMA_MIN, AQ_SCHEMA_MAX);
    uint32_t was = snap->metadata.schema_version;
    snap->metadata.schema_version = schema_version;
    newer n = {false, {0}};
    aq_check_options o = AQ_CHECK_OPTIONS_INIT;
    o.on_violation = on_violation;
    o.ctx = &n;
    aq_check_result r;
    aq_status st = aq_snapshot_check_with(snap, &o, &r, err);
    if (n.found) {
        *err = n.first;
        st = AQ_EINVALID;
    } else if (st == AQ_EINVALID || st == AQ_EVERSION) {
        aq__error_clear(err); /* other rules are validation's business */
        st = AQ_OK;
    }
    if (st != AQ_OK) snap->metadata.schema_version = was;
    return st;
}
