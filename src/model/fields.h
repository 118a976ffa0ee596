/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The snapshot's top-level fields by number (aqsnap/snapshot_fields.h), as the streaming reader
 * and writer and validation reach them in an aq_snapshot: name, place and shape, expanded from
 * the schema's field list.
 */
#ifndef AQSNAP_MODEL_FIELDS_H
#define AQSNAP_MODEL_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aqsnap/model.h"

typedef struct aq__field_info {
    const char *name; /* the member's name, as in paths: "tasks" */
    size_t offset;    /* of the member in aq_snapshot */
    size_t size;      /* of the member (for a list, its aq_*_list) */
    size_t item_size; /* a list's record size; 0 for the other fields */
    size_t count;     /* a list's count: its offset in aq_snapshot */
    bool pointer;     /* the member points to its value, NULL when absent */
} aq__field_info;

/* Field `number`, or NULL when the schema has none. */
const aq__field_info *aq__field_info_of(uint32_t number);

/* The value of a field that is not a list, as the streaming API hands it out: the member, or
 * what it points to (NULL when absent). */
const void *aq__field_value(const aq_snapshot *s, const aq__field_info *f);

/* The records of list f of s. */
void aq__field_list(const aq_snapshot *s, const aq__field_info *f, const unsigned char **items,
                    size_t *count);

/* Set field f of s from such a value (not copied: s points into it). */
void aq__field_set(aq_snapshot *s, const aq__field_info *f, const void *value);

#endif /* AQSNAP_MODEL_FIELDS_H */
