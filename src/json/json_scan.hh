/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON reader's byte scanner: where a JSON value ends, following only strings and bracket
 * nesting (64 bytes at a time, as simdjson's stage 1 does), and JSON's whitespace. It never
 * interprets a value: simdjson parses and checks each value the scanner delimits
 * (json_read.cc), so that simdjson's index stays the size of one record.
 */
#ifndef AQSNAP_JSON_SCAN_HH
#define AQSNAP_JSON_SCAN_HH

#include <cstdint>

namespace aq_json {

/* JSON's whitespace. */
inline bool json_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The first byte at or after p that is not whitespace, or end. */
inline const uint8_t *skip_space(const uint8_t *p, const uint8_t *end)
{
    while (p < end && json_space(*p)) p++;
    return p;
}

/* Just past the object or array starting at p, or nullptr when the text ends first: 64 bytes
 * at a time, brackets inside strings masked out as simdjson's stage 1 masks them. */
const uint8_t *container_end(const uint8_t *p, const uint8_t *end);

/* Just past the string whose content starts at p, or nullptr when the text ends first. */
const uint8_t *string_end(const uint8_t *p, const uint8_t *end);

/* Just past the JSON value starting at p (not whitespace), nullptr when the text ends inside it,
 * p itself when no value starts there. Only strings and nesting are followed. */
const uint8_t *value_end(const uint8_t *p, const uint8_t *end);

} // namespace aq_json

#endif /* AQSNAP_JSON_SCAN_HH */
