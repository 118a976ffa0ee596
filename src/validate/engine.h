/* SPDX-License-Identifier: Apache-2.0 */
/* The engine's verdict on a file (engine.c). */
#ifndef AQSNAP_VALIDATE_ENGINE_H
#define AQSNAP_VALIDATE_ENGINE_H

#include "aqsnap/validate.h"
#include "internal.h"

/* Fill r->engine and r->engine_reason for snapshot `s` from `file` (NULL: judged as the
 * engine JSON file it would be written as), which has `violations` violations. */
void aq__engine_verdict(const aq_snapshot *s, const struct aq_load_info *file, size_t violations,
                        aq_check_result *r);

#endif /* AQSNAP_VALIDATE_ENGINE_H */
