/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file aqsnap/export.h
 * Symbol visibility and attribute macros shared by every public header.
 */
#ifndef AQSNAP_EXPORT_H
#define AQSNAP_EXPORT_H

/* The library is built with hidden visibility; only AQ_API declarations are exported. */
#if defined(__GNUC__) || defined(__clang__)
#define AQ_API __attribute__((visibility("default")))
#define AQ_NODISCARD __attribute__((warn_unused_result))
#else
#define AQ_API
#define AQ_NODISCARD
#endif

#endif /* AQSNAP_EXPORT_H */
