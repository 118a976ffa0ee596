/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file aqsnap.h
 * Umbrella header: everything a program needs to build, encode, decode, validate, load and
 * write ActionQueue snapshots. The file format and the model are described in docs/FORMAT.md,
 * the validation rules in docs/VALIDATION.md, the version rules in docs/ABI.md.
 */
#ifndef AQSNAP_H
#define AQSNAP_H

#include "aqsnap/alloc.h"
#include "aqsnap/codec.h"
#include "aqsnap/error.h"
#include "aqsnap/export.h"
#include "aqsnap/file.h"
#include "aqsnap/json.h"
#include "aqsnap/model.h"
#include "aqsnap/snapshot.h"
#include "aqsnap/snapshot_fields.h"
#include "aqsnap/stream.h"
#include "aqsnap/validate.h"
#include "aqsnap/version.h"

#endif /* AQSNAP_H */
