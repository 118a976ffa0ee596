/* SPDX-License-Identifier: Apache-2.0 */
/* Cron expressions as the `cron` 0.12 crate parses them (cron.c). */
#ifndef AQSNAP_VALIDATE_CRON_H
#define AQSNAP_VALIDATE_CRON_H

#include <stdbool.h>
#include <stddef.h>

#include "internal.h"

/* Whether cron 0.12's Schedule::from_str takes expr[0..len); when not, why[0..why_len) says
 * why (NUL-terminated). */
bool aq__cron_valid(const char *expr, size_t len, char *why, size_t why_len);

#endif /* AQSNAP_VALIDATE_CRON_H */
