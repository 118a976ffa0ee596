/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file aqsnap/version.h
 * Library version and the range of ActionQueue snapshot schema versions it reads.
 */
#ifndef AQSNAP_VERSION_H
#define AQSNAP_VERSION_H

#include "aqsnap/export.h"
#include "aqsnap/schema_version.h" /* AQ_SCHEMA_MIN, AQ_SCHEMA_MAX */

#ifdef __cplusplus
extern "C" {
#endif

#define AQ_VERSION_MAJOR 0
#define AQ_VERSION_MINOR 2
#define AQ_VERSION_PATCH 0
#define AQ_VERSION_STRING "0.2.0"
/** MAJOR*10000 + MINOR*100 + PATCH, for compile-time comparisons. */
#define AQ_VERSION_NUMBER (AQ_VERSION_MAJOR * 10000 + AQ_VERSION_MINOR * 100 + AQ_VERSION_PATCH)

/** The library's version as AQ_VERSION_NUMBER, from the library actually linked. Thread-safe. */
AQ_API unsigned aq_version_number(void);

/** The library's version as a static string such as "0.1.0". Thread-safe. */
AQ_API const char *aq_version_string(void);

#ifdef __cplusplus
}
#endif

#endif /* AQSNAP_VERSION_H */
