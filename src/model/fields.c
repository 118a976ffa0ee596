/* SPDX-License-Identifier: Apache-2.0 */
/* The snapshot's top-level fields by number: see fields.h. */
#include <string.h>

#include "aqsnap/schema_facts.h"
#include "aqsnap/snapshot_fields.h"
#include "model/fields.h"

/* A list's record size; any other kind of top-level field has none. A kind missing here is a
 * compile error: the streaming API would need to learn it. */
#define ITEM_SIZE_U32(member) 0
#define ITEM_SIZE_U64(member) 0
#define ITEM_SIZE_MSG(member) 0
#define ITEM_SIZE_LIST_MSG(member) sizeof *((aq_snapshot *)0)->member.items
#define COUNT_U32(member) 0
#define COUNT_U64(member) 0
#define COUNT_MSG(member) 0
#define COUNT_LIST_MSG(member) offsetof(aq_snapshot, member.count)
/* Only an optional message is held by pointer. */
#define POINTER_REQ(kind) false
#define POINTER_DEF(kind) false
#define POINTER_OPT(kind) POINTER_OPT_##kind
#define POINTER_OPT_MSG true

#define INFO(rec, pb, member, num, kind, type, presence, since, json, def)                       \
    [num] = {#member, offsetof(aq_snapshot, member), sizeof((aq_snapshot *)0)->member,            \
             ITEM_SIZE_##kind(member), COUNT_##kind(member), POINTER_##presence(kind)},
static const aq__field_info fields[AQ_FIELD_MAX + 1] = {AQ_FIELDS_snapshot(INFO)};
#undef INFO

const aq__field_info *aq__field_info_of(uint32_t number)
{
    return number <= AQ_FIELD_MAX && fields[number].name != NULL ? &fields[number] : NULL;
}

const void *aq__field_value(const aq_snapshot *s, const aq__field_info *f)
{
    const char *member = (const char *)s + f->offset;
    if (!f->pointer) return member;
    const void *value;
    memcpy(&value, member, sizeof value);
    return value;
}

void aq__field_list(const aq_snapshot *s, const aq__field_info *f, const unsigned char **items,
                    size_t *count)
{
    memcpy(items, (const char *)s + f->offset, sizeof *items); /* items is a list's first member */
    memcpy(count, (const char *)s + f->count, sizeof *count);
}

void aq__field_set(aq_snapshot *s, const aq__field_info *f, const void *value)
{
    char *member = (char *)s + f->offset;
    if (f->pointer)
        memcpy(member, &value, sizeof value);
    else
        memcpy(member, value, f->size);
}
