/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine's JSON payload reader: serde_json text of the engine's `Snapshot` to a native
 * snapshot, with simdjson On-Demand. The only C++ in the library; its interface is C.
 *
 * Design:
 * - simdjson indexes a document up front, 4 bytes per JSON token: for a snapshot full of byte
 *   arrays that index is larger than the text, and a fresh index costs one page fault per 4 KiB
 *   (10 us each on some virtual machines, more than the parsing). So the root object and its
 *   lists are tokenized here, and simdjson parses one top-level value or list item (a task, a
 *   run, ...) at a time, with one parser whose small index stays hot. Finding where a value
 *   ends needs only strings and bracket nesting (64 bytes at a time, as simdjson's stage 1
 *   does); simdjson checks everything inside each slice, this file every byte between them.
 * - Inside a slice the On-Demand walk writes records straight into the snapshot's arena; no
 *   DOM is built. Strings without escapes (nearly all) are copied from the text into the arena
 *   once; escaped ones are unescaped by simdjson into a scratch buffer first. Byte arrays are
 *   read from their text directly when they are plain (digits, commas, whitespace), which is
 *   several times cheaper than a value per byte; anything else goes through simdjson.
 * - serde's rules are kept per object: keys are matched after unescaping, in any order (the
 *   declaration order is tried first, so a document written by the engine matches each key
 *   with one comparison); a bit per key catches duplicates and, at the end, missing required
 *   keys; unknown keys have their values checked as serde_json would (well-formed, numbers
 *   of any magnitude) and dropped, without recursion (json_skip.cc). Like serde, the reader
 *   looks at neither the depth nor the UTF-8 of a skipped value: a slice that simdjson refuses
 *   as not UTF-8 is parsed again from a copy with the bad bytes replaced, and only the strings
 *   that are read are checked against the original. A struct may also be written as an array
 *   of its values in declaration order (serde's sequence form).
 * - Integers go through simdjson's get_uint64/get_int64; only when those fail is the token
 *   looked at again to say why (a float, `-0`, out of the type's range, or not a number).
 * - Lists whose length is not known are gathered on a scratch stack (nested lists stack above
 *   their parent's) and copied into the arena at their exact size; the tasks and runs lists use
 *   metadata.task_count / run_count, when metadata came first and the counts are plausible, to
 *   fill the arena array in place.
 * - Paths cost nothing on success: the failing reader states the problem, and each level
 *   prepends its key or `[index]` while the failure unwinds (as the protobuf codec does).
 * - Memory: the snapshot's arena and the scratch buffers come from the caller's allocator;
 *   simdjson's parser allocates its index and string buffer (sized for the largest slice) with
 *   `new (std::nothrow)`, reported as AQ_ENOMEM. Under a load's memory budget (the allocator
 *   is aq__budget's) those buffers are charged to it by their size. No exception crosses the C
 *   interface: only the error-code API is used, and the entry points catch anything else.
 * - The text is never copied, except a slice with fewer than 64 bytes after it (the end of an
 *   unpadded text): simdjson reads up to 64 bytes past what it parses.
 * - Output memory comes from the snapshot's arena, which maps big blocks ahead of use for the
 *   same reason as the slicing: page faults, not parsing, dominated on the VM this was measured
 *   on (10k tasks, 23 MB: 190 MB/s with one whole-document index, about 350 MB/s now).
 */
#include "aqsnap/schema_facts.h"
#include "json_reader.hh"
#include "json_scan.hh"

namespace {

using namespace aq_json;

/* The unit enums of the schema: their variant names, in number order. */
#define UNIT_VARIANT(e, constant, number, json, since) UNIT(json),
#define DEFINE_UNIT_ENUM(e)                                                                      \
    const variant e##_variants[] = {AQ_ENUM_##e(UNIT_VARIANT)};                                  \
    const enum_type e##_enum{AQ_ENUM_##e##_RUST, e##_variants, AQ_ENUM_##e##_MAX};
DEFINE_UNIT_ENUM(run_state)
DEFINE_UNIT_ENUM(attempt_result)
DEFINE_UNIT_ENUM(budget_dimension)
DEFINE_UNIT_ENUM(safety_level)
DEFINE_UNIT_ENUM(hold_policy)
/* Role and Capability: the built-in names, then Custom(String). */
const variant role_variants[] = {AQ_ENUM_role_kind(UNIT_VARIANT) DATA("Custom")};
const enum_type role_enum{AQ_ENUM_role_kind_RUST, role_variants, AQ_ENUM_role_kind_MAX + 1};
const variant capability_variants[] = {AQ_ENUM_capability_kind(UNIT_VARIANT) DATA("Custom")};
const enum_type capability_enum{AQ_ENUM_capability_kind_RUST, capability_variants,
                                AQ_ENUM_capability_kind_MAX + 1};
#undef DEFINE_UNIT_ENUM

/* A record's keys in declaration order and the ones serde requires (neither Option nor
 * defaulted); walk_fields() tells the field by its index in the list. */
#define JSON_KEY(rec, pb, member, num, kind, type, presence, since, json, def) KEY(json),
#define JSON_REQUIRED(rec, pb, member, num, kind, type, presence, since, json, def)              \
    REQUIRED_##presence,
#define REQUIRED_REQ true
#define REQUIRED_OPT false
#define REQUIRED_DEF false
#define JSON_SEQ_REQUIRED(rec, pb, member, num, kind, type, presence, since, json, def)          \
    SEQ_REQUIRED_##presence(def),
#define SEQ_REQUIRED_REQ(def) true
#define SEQ_REQUIRED_OPT(def) (((def) & AQ_OPTION_DEFAULT) == 0)
#define SEQ_REQUIRED_DEF(def) false

template <size_t N>
constexpr uint32_t required_mask(const std::array<bool, N> &required)
{
    uint32_t mask = 0;
    for (size_t i = 0; i < N; i++)
        if (required[i]) mask |= 1u << i;
    return mask;
}

#define DEFINE_KEYS(rec, rust)                                                                   \
    static_assert(AQ_FIELDS_##rec##_COUNT <= 32, "walk_fields keeps one bit a key");             \
    constexpr std::array<key, AQ_FIELDS_##rec##_COUNT> rec##_keys{{AQ_FIELDS_##rec(JSON_KEY)}};   \
    constexpr std::array<bool, AQ_FIELDS_##rec##_COUNT> rec##_required{                          \
        {AQ_FIELDS_##rec(JSON_REQUIRED)}};                                                       \
    constexpr std::array<bool, AQ_FIELDS_##rec##_COUNT> rec##_seq_required{                      \
        {AQ_FIELDS_##rec(JSON_SEQ_REQUIRED)}};                                                   \
    const record rec##_rec{rust, rec##_keys.data(), rec##_keys.size(),                           \
                           required_mask(rec##_required), required_mask(rec##_seq_required)};
#define DEFINE_VARIANT_KEYS(variant, parent, rust) DEFINE_KEYS(variant, rust)

/* An Option: null, or the value read by `read_value(&out->value)`. */
template <typename O, typename F>
aq_status read_option(reader &r, od::value &v, O *out, F &&read_value)
{
    bool null = false;
    AQ_TRY(read_null(r, v, &null));
    out->present = !null;
    out->value = {};
    return null ? AQ_OK : read_value(&out->value);
}

/* Option<record>: a pointer, NULL for null. */
template <typename T, typename V, typename F>
aq_status read_record_ptr(reader &r, V &v, T **out, F &&read_record)
{
    bool null = false;
    AQ_TRY(read_null(r, v, &null));
    *out = nullptr;
    if (null) return AQ_OK;
    auto *x = static_cast<T *>(out_alloc(r, sizeof(T)));
    if (x == nullptr) return aq__fail_oom(r.err);
    *x = T();
    *out = x;
    return read_record(x);
}

/* One statement per field: `f` the value of the field's key, `out` the native record. */
#define READ_FIELD(rec, pb, member, num, kind, type, presence, since, json, def)                 \
    if (i == k++) return READ_##kind##_##presence(member, type);

#define READ_U32_REQ(member, type) read_u32(r, f, &out->member)
#define READ_U32_DEF READ_U32_REQ
#define READ_U32_OPT(member, type) read_opt_u32(r, f, &out->member)
#define READ_U64_REQ(member, type) read_u64(r, f, &out->member)
#define READ_U64_DEF READ_U64_REQ
#define READ_U64_OPT(member, type) read_opt_u64(r, f, &out->member)
#define READ_U8_REQ(member, type) read_u8(r, f, &out->member)
#define READ_U8_DEF READ_U8_REQ
#define READ_I32_REQ(member, type) read_i32(r, f, &out->member)
#define READ_I32_DEF READ_I32_REQ
#define READ_BOOL_REQ(member, type) read_bool(r, f, &out->member)
#define READ_BOOL_DEF READ_BOOL_REQ
#define READ_UUID_REQ(member, type) read_uuid(r, f, &out->member)
#define READ_UUID_OPT(member, type) read_opt_uuid(r, f, &out->member)
#define READ_STR_REQ(member, type) read_str(r, f, &out->member)
#define READ_STR_OPT(member, type) read_opt_str(r, f, &out->member)
#define READ_BYTES_REQ(member, type) read_bytes(r, f, &out->member)
#define READ_BYTES_OPT(member, type)                                                             \
    read_option(r, f, &out->member, [&](aq_bytes *b) { return read_bytes(r, f, b); })
#define READ_ENUM_REQ(member, type) read_unit_enum(r, f, type##_enum, &out->member)
#define READ_ENUM_DEF READ_ENUM_REQ
#define READ_ENUM_OPT(member, type)                                                              \
    read_option(r, f, &out->member, [&](aq_##type *e) { return read_unit_enum(r, f, type##_enum, e); })
#define READ_MSG_REQ(member, type) read_##type(r, f, &out->member)
#define READ_MSG_DEF READ_MSG_REQ
#define READ_MSG_OPT(member, type)                                                               \
    read_record_ptr(r, f, &out->member, [&](aq_##type *x) { return read_##type(r, f, x); })
#define READ_LIST_STR_REQ(member, type) read_str_list(r, f, &out->member)
#define READ_LIST_STR_DEF READ_LIST_STR_REQ
#define READ_LIST_UUID_REQ(member, type) read_uuid_list(r, f, &out->member)
#define READ_LIST_UUID_DEF READ_LIST_UUID_REQ
#define READ_LIST_MSG_REQ(member, type)                                                          \
    read_list(r, f, "an array of " AQ_RUST_##type, 0, &out->member.items, &out->member.count,    \
              [&](od::value &item, aq_##type *x) { return read_##type(r, item, x); })
#define READ_LIST_MSG_DEF READ_LIST_MSG_REQ
#define READ_STRLIST_OPT(member, type)                                                           \
    read_option(r, f, &out->member, [&](aq_str_list *l) { return read_str_list(r, f, l); })

/* serde's defaults of the defaulted fields that are not zero. */
#define READ_DEFAULT(rec, pb, member, num, kind, type, presence, since, json, def)               \
    DEFAULT_##presence(out->member, def)
#define DEFAULT_REQ(target, def)
#define DEFAULT_OPT(target, def)
#define DEFAULT_DEF(target, def) target = def;

#define DECLARE(rec, ...)                                                                        \
    template <typename V> aq_status read_##rec(reader &r, V &v, aq_##rec *out);
AQ_RECORDS(DECLARE)
AQ_UNIONS(DECLARE)
AQ_HANDWRITTEN(DECLARE)
#undef DECLARE

AQ_RECORDS(DEFINE_KEYS)
AQ_VARIANTS(DEFINE_VARIANT_KEYS)

#define DEFINE_READER(rec, rust)                                                                 \
    template <typename V>                                                                        \
    aq_status read_##rec(reader &r, V &v, aq_##rec *out)                                         \
    {                                                                                            \
        AQ_FIELDS_##rec(READ_DEFAULT)                                                            \
        return walk(r, v, rec##_rec, [&](int i, od::value &f) -> aq_status {                    \
            int k = 0;                                                                           \
            AQ_FIELDS_##rec(READ_FIELD)                                                          \
            return AQ_OK;                                                                        \
        });                                                                                      \
    }
AQ_RECORDS(DEFINE_READER)

/* A variant's fields, into its union's struct. */
#define DEFINE_VARIANT_READER(variant, parent, rust)                                             \
    aq_status read_##variant(reader &r, od::value &v, aq_##parent *out)                          \
    {                                                                                            \
        AQ_FIELDS_##variant(READ_DEFAULT)                                                        \
        (void)out;                                                                               \
        return walk(r, v, variant##_rec, [&](int i, od::value &f) -> aq_status {                 \
            int k = 0;                                                                           \
            (void)i, (void)k, (void)f;                                                           \
            AQ_FIELDS_##variant(READ_FIELD)                                                      \
            return AQ_OK;                                                                        \
        });                                                                                      \
    }
AQ_VARIANTS(DEFINE_VARIANT_READER)

/* Oneofs of variants: externally tagged, "Unit" or {"Variant": {fields}}. */
#define UNION_VARIANT(rec, oneof, case_, constant, pb_field, v, json)                            \
    variant{json, sizeof(json) - 1, AQ_FIELDS_##v##_COUNT == 0},
#define UNION_CASE(rec, oneof, case_, constant, pb_field, variant, json)                         \
    if (i == k++) {                                                                              \
        out->kind = constant;                                                                    \
        /* read_enum() hands a payload to the variants with fields, and only to them */          \
        return p == nullptr ? AQ_OK : read_##variant(r, *p, out);                                \
    }
#define DEFINE_UNION_READER(rec, oneof, rust)                                                    \
    const variant rec##_variants[] = {AQ_UNION_##rec(UNION_VARIANT)};                            \
    const enum_type rec##_enum{rust, rec##_variants,                                             \
                               sizeof rec##_variants / sizeof rec##_variants[0]};                \
    template <typename V>                                                                        \
    aq_status read_##rec(reader &r, V &v, aq_##rec *out)                                         \
    {                                                                                            \
        return read_enum(r, v, rec##_enum, [&](int i, od::value *p) -> aq_status {               \
            int k = 0;                                                                           \
            AQ_UNION_##rec(UNION_CASE)                                                           \
            return AQ_OK;                                                                        \
        });                                                                                      \
    }
AQ_UNIONS(DEFINE_UNION_READER)

/* Role and Capability: a built-in name, or {"Custom":"name"}. */
#define DEFINE_NAMED_READER(rec, oneof, rust)                                                    \
    template <typename V>                                                                        \
    aq_status read_##rec(reader &r, V &v, aq_##rec *out)                                         \
    {                                                                                            \
        return read_enum(r, v, rec##_enum, [&](int i, od::value *p) {                            \
            out->kind = static_cast<aq_##rec##_kind>(i + 1);                                     \
            return p == nullptr ? AQ_OK : read_str(r, *p, &out->custom);                         \
        });                                                                                      \
    }
AQ_HANDWRITTEN(DEFINE_NAMED_READER)

/* A count from metadata as an arena pre-size: trusted only while the array it implies stays
 * within twice the text, so that a lying count cannot make the reader allocate much. */
size_t plausible(const reader &r, uint64_t count, size_t item_size)
{
    size_t max = 2 * (size_t)(r.text_end - r.text) / item_size;
    return count <= max ? (size_t)count : 0;
}

/* After a top-level value: metadata's counts size the tasks and runs lists. */
template <typename T>
void after_top(reader &, const T *)
{
}

template <>
void after_top(reader &r, const aq_metadata *m)
{
    r.task_hint = plausible(r, m->task_count, sizeof(aq_task));
    r.run_hint = plausible(r, m->run_count, sizeof(aq_run));
}

template <typename T>
size_t list_hint(const reader &, const T *)
{
    return 0;
}

template <>
size_t list_hint(const reader &r, const aq_task_list *)
{
    return r.task_hint;
}

template <>
size_t list_hint(const reader &r, const aq_run_list *)
{
    return r.run_hint;
}

/* ---- the document ---------------------------------------------------------------------------- */

/*
 * simdjson indexes whatever it parses up front, 4 bytes per JSON token (more than the text itself
 * for a snapshot full of byte arrays), and a fresh index costs a page fault per 4 KiB, which on
 * some virtual machines dominates everything else. So the root object and its lists are
 * tokenized here, and simdjson parses one top-level value or list item at a time, reusing one
 * parser whose index stays small and hot. The top level needs no more than finding where each
 * value ends (strings and bracket nesting); simdjson checks everything inside the slices, and
 * this tokenizer checks every byte between them.
 */

DEFINE_KEYS(snapshot, "struct Snapshot")

/* The offset of `at` in the whole text (a window starts r.base bytes in). */
size_t text_offset(const reader &r, const uint8_t *at)
{
    return (size_t)(r.base + (uint64_t)(at - r.text));
}

aq_status text_fail(reader &r, const uint8_t *at, const char *what)
{
    if (at >= r.text_end)
        return fail(r, AQ_ERR_JSON_SYNTAX,
                    "the document is truncated: %s before the end of the text", what);
    char text[48];
    excerpt(text, sizeof text, at, (size_t)(r.text_end - at));
    return fail(r, AQ_ERR_JSON_SYNTAX, "%s at offset %zu, found `%s`", what,
                text_offset(r, at), text);
}

/* What simdjson 3.0's ondemand parser allocates for `capacity` bytes of text (parser::allocate
 * and set_capacity/set_max_depth): its string buffer, its structural index, the depth stacks. */
size_t parser_bytes(size_t capacity)
{
    auto round64 = [](size_t n) { return (n + 63) & ~(size_t)63; };
    return round64(5 * capacity / 3 + simdjson::SIMDJSON_PADDING) +
           sizeof(uint32_t) * (round64(capacity) + 9) + (MAX_DEPTH + 1) * 16;
}

/* parser.allocate(capacity) with its buffers charged to the load's budget: the new ones before
 * (simdjson allocates them while still holding the old ones), the old ones given back after. */
aq_status parser_allocate(reader &r, size_t capacity)
{
    size_t bytes = parser_bytes(capacity);
    if (!aq__budget_charge(r.budget, bytes)) return aq__fail_oom(r.err);
    error_code e = r.parser->allocate(capacity, MAX_DEPTH + 1);
    if (e != simdjson::SUCCESS) {
        aq__budget_release(r.budget, bytes);
        return sj_fail(r, e);
    }
    aq__budget_release(r.budget, r.parser_bytes);
    r.parser_bytes = bytes;
    return AQ_OK;
}

/* Parse [b, e) with simdjson and hand the document to f. A slice with fewer than 64 readable
 * bytes after it (the end of an unpadded text) is copied with padding first. */
/* The slice [b, b + n) into r.tail, padded. */
aq_status padded_copy(reader &r, const uint8_t *b, size_t n)
{
    r.tail.len = 0;
    AQ_TRY(reserve(r, r.tail, n + simdjson::SIMDJSON_PADDING));
    memcpy(r.tail.data, b, n);
    memset(r.tail.data + n, ' ', simdjson::SIMDJSON_PADDING);
    return AQ_OK;
}

/* A slice that simdjson refuses as not UTF-8: parse a copy whose bad bytes (>= 0x80 all) are
 * '?' instead, so that what serde skips unchecked is skipped, and have every string that is
 * read checked against the original (reader::repaired). */
aq_status repair_utf8(reader &r, const uint8_t *original, size_t n, od::document &doc)
{
    AQ_TRY(padded_copy(r, original, n));
    uint8_t *c = r.tail.data;
    for (size_t at = 0; at < n;) {
        at += aq__utf8_invalid_at(reinterpret_cast<const char *>(c + at), n - at);
        if (at < n) c[at++] = '?';
    }
    r.repaired = c;
    r.original = original;
    error_code err = r.parser->iterate(c, n, n + simdjson::SIMDJSON_PADDING).get(doc);
    return err == simdjson::SUCCESS ? AQ_OK : sj_fail(r, err);
}

template <typename F>
aq_status in_slice(reader &r, const uint8_t *b, const uint8_t *e, F &&f)
{
    size_t n = (size_t)(e - b);
    const uint8_t *original = b;
    if ((size_t)(r.readable_end - e) < simdjson::SIMDJSON_PADDING) {
        AQ_TRY(padded_copy(r, b, n));
        b = r.tail.data;
    }
    if (n > r.parser->capacity()) {
        /* Grow geometrically: a few slices of rising size must not reallocate each time. */
        size_t cap = r.parser->capacity() * 2;
        if (cap < n) cap = n;
        if (cap > MAX_TEXT) cap = MAX_TEXT;
        AQ_TRY(parser_allocate(r, cap));
    }
    od::document doc;
    error_code err = r.parser->iterate(b, n, n + simdjson::SIMDJSON_PADDING).get(doc);
    if (err == simdjson::UTF8_ERROR) {
        AQ_TRY(repair_utf8(r, original, n, doc));
        b = r.tail.data;
    } else if (err != simdjson::SUCCESS) {
        return sj_fail(r, err);
    }
    r.end = b + n;
    aq_status st = f(doc);
    r.repaired = r.original = nullptr;
    AQ_TRY(st);
    /* A scalar slice is one token by construction (and may be left unconsumed); a container
     * slice was one value, and simdjson must agree that nothing follows it. */
    if (*b != '{' && *b != '[') return AQ_OK;
    const char *rest;
    err = doc.current_location().get(rest);
    if (err == simdjson::OUT_OF_BOUNDS) return AQ_OK;
    if (err != simdjson::SUCCESS) return sj_fail(r, err);
    return fail(r, AQ_ERR_JSON_SYNTAX, "unexpected content after a value");
}

/* ---- where the text is: whole in memory, or a window over a file -------------------------------- */

/*
 * The top level is read through an input that says whether more text can come: the whole text
 * in memory (a load) never can, so its checks compile to those of a plain pointer walk; a
 * window over a file (a streaming read) fetches more, keeping the unread text from the current
 * position, whenever a token it needs whole runs to the window's end. Only the position passed
 * to fetch() survives a fetch: every caller holds no other pointer into the text across one.
 */
struct whole_text {
    static constexpr bool ordered = false; /* serde takes keys in any order */
    bool can_fetch() const { return false; }
    aq_status fetch(reader &, const uint8_t **) { return AQ_OK; }
};

/* *p at the next byte that is not whitespace (or the end of the text). */
template <typename In>
aq_status space(reader &r, In &in, const uint8_t **p)
{
    for (;;) {
        *p = skip_space(*p, r.text_end);
        if (*p < r.text_end || !in.can_fetch()) return AQ_OK;
        AQ_TRY(in.fetch(r, p));
    }
}

/* The value at *p whole in the text: *e just past it (nullptr: the text ends inside it). A
 * value running to the window's end may go on (a number), so more is fetched first. */
template <typename In>
aq_status whole_value(reader &r, In &in, const uint8_t **p, const uint8_t **e)
{
    for (;;) {
        *e = value_end(*p, r.text_end);
        if ((*e != nullptr && *e < r.text_end) || !in.can_fetch()) return AQ_OK;
        AQ_TRY(in.fetch(r, p));
    }
}

/* The value at *p (not whitespace) as one slice for f; *p moves past it. */
template <typename In, typename F>
aq_status slice_value(reader &r, In &in, const uint8_t **p, F &&f)
{
    const uint8_t *e;
    AQ_TRY(whole_value(r, in, p, &e));
    if (e == nullptr) return text_fail(r, r.text_end, "a value does not end");
    if (e == *p) return text_fail(r, *p, "expected a value");
    const uint8_t *b = *p;
    *p = e;
    return in_slice(r, b, e, f);
}

/* What a list of the top level does with its items: gathers them into the snapshot (a load:
 * list_builder), or hands each to the caller as it is read (stream_items below). */

/* A list at the top level: its items are sliced one by one, each read by
 * read_item(document, T *) into items.slot(). *p moves past the list. */
template <typename T, typename In, typename Items, typename F>
aq_status top_list(reader &r, In &in, const uint8_t **p, Items &items, F &&read_item)
{
    if (**p != '[')
        return slice_value(r, in, p, [&](od::document &doc) {
            return type_fail(r, doc, simdjson::INCORRECT_TYPE, "an array");
        });
    r.depth = 2; /* the root object and this list */
    AQ_TRY(items.start());
    const uint8_t *q = *p + 1;
    AQ_TRY(space(r, in, &q));
    if (q < r.text_end && *q == ']') {
        *p = q + 1;
        return AQ_OK;
    }
    for (;;) {
        if (q >= r.text_end) return text_fail(r, q, "a list does not end");
        aq_status st = slice_value(r, in, &q, [&](od::document &doc) {
            r.depth = 2;
            return read_item(doc, items.slot());
        });
        if (AQ__UNLIKELY(st != AQ_OK)) {
            aq__error_prefix_index(r.err, "", items.n);
            return st;
        }
        AQ_TRY(items.add());
        AQ_TRY(space(r, in, &q));
        if (q < r.text_end && *q == ',') {
            q++;
            AQ_TRY(space(r, in, &q));
            continue;
        }
        if (q < r.text_end && *q == ']') break;
        return text_fail(r, q, "expected ',' or ']' in a list");
    }
    *p = q + 1;
    return AQ_OK;
}

/* A key of the root object (p at its opening quote): checked as simdjson checks strings, and
 * unescaped when it has escapes. *after is just past the closing quote. */
aq_status top_key(reader &r, const uint8_t *p, text_view *out, const uint8_t **after)
{
    const uint8_t *b = p + 1;
    const uint8_t *e = string_end(b, r.text_end);
    if (e == nullptr) return text_fail(r, r.text_end, "a key string is not closed");
    size_t n = (size_t)(e - 1 - b);
    bool escaped = false;
    for (size_t i = 0; i < n; i++) {
        if (b[i] < 0x20)
            return fail(r, AQ_ERR_JSON_SYNTAX,
                        "a key string holds a control character (U+0000..U+001F) that is not "
                        "escaped, at offset %zu",
                        text_offset(r, b + i));
        escaped |= b[i] == '\\';
    }
    size_t bad = aq__utf8_invalid_at(reinterpret_cast<const char *>(b), n);
    if (bad != n)
        return fail(r, AQ_ERR_JSON_SYNTAX, "the text is not valid UTF-8 at offset %zu",
                    text_offset(r, b + bad));
    *after = e;
    if (!escaped) {
        *out = {b, n};
        return AQ_OK;
    }
    /* simdjson unescapes with reads past the string: work on a padded copy. */
    r.tail.len = 0;
    AQ_TRY(reserve(r, r.tail, n + 1 + simdjson::SIMDJSON_PADDING));
    memcpy(r.tail.data, b, n + 1);
    memset(r.tail.data + n + 1, ' ', simdjson::SIMDJSON_PADDING);
    r.end = r.tail.data + n + 1;
    return string_text(r, r.tail.data, out);
}

/* The key at *p (its opening quote), whole in the text. */
template <typename In>
aq_status whole_key(reader &r, In &in, const uint8_t **p, text_view *k, const uint8_t **after)
{
    while (in.can_fetch() && string_end(*p + 1, r.text_end) == nullptr) AQ_TRY(in.fetch(r, p));
    return top_key(r, *p, k, after);
}

/* The snapshot's fields: lists item by item (through lists.read), everything else as one
 * slice into s. */
#define TOP_FIELD(rec, pb, member, num, kind, type, presence, since, json, def)                  \
    if (i == k++) return TOP_##kind##_##presence(member, num, type);
#define TOP_VALUE(member, read) slice_value(r, in, p, [&](od::document &doc) {                   \
        aq_status st_ = read;                                                                    \
        if (st_ == AQ_OK) after_top(r, &s->member);                                              \
        return st_;                                                                              \
    })
#define TOP_U32_REQ(member, num, type) TOP_VALUE(member, read_u32(r, doc, &s->member))
#define TOP_U32_DEF TOP_U32_REQ
#define TOP_U64_REQ(member, num, type) TOP_VALUE(member, read_u64(r, doc, &s->member))
#define TOP_U64_DEF TOP_U64_REQ
#define TOP_MSG_REQ(member, num, type) TOP_VALUE(member, read_##type(r, doc, &s->member))
#define TOP_MSG_DEF TOP_MSG_REQ
#define TOP_MSG_OPT(member, num, type)                                                           \
    TOP_VALUE(member, read_record_ptr(r, doc, &s->member,                                        \
                                      [&](aq_##type *x) { return read_##type(r, doc, x); }))
#define TOP_LIST_MSG_REQ(member, num, type)                                                      \
    lists.read(r, in, p, num, &s->member,                                                        \
               [&](od::document &doc, aq_##type *x) { return read_##type(r, doc, x); })
#define TOP_LIST_MSG_DEF TOP_LIST_MSG_REQ

template <typename In, typename Lists>
aq_status top_member(reader &r, In &in, Lists &lists, int i, const uint8_t **p, aq_snapshot *s)
{
    r.depth = 1; /* inside the root object */
    int k = 0;
    AQ_FIELDS_snapshot(TOP_FIELD)
    return AQ_OK;
}

/* A value of the root object that nobody reads: checked as serde checks it, on the text. */
template <typename In>
aq_status skip_top(reader &r, In &in, const uint8_t **p)
{
    const uint8_t *e;
    AQ_TRY(whole_value(r, in, p, &e));
    if (e == nullptr) return text_fail(r, r.text_end, "a value does not end");
    if (e == *p) return text_fail(r, *p, "expected a value");
    const uint8_t *after = *p;
    AQ_TRY(ignore_value(r, *p, e, &after));
    if (after != e) return text_fail(r, after, "expected ',' or '}' after a value");
    *p = e;
    return AQ_OK;
}

/* The first required field among those `seen` lacks, failed, or AQ_OK. */
aq_status missing(reader &r, uint32_t required, uint32_t seen)
{
    uint32_t lack = required & ~seen;
    if (AQ__LIKELY(lack == 0)) return AQ_OK;
    const char *name = snapshot_rec.keys[__builtin_ctz(lack)].name;
    (void)fail(r, AQ_ERR_MISSING_FIELD, "missing field `%s`", name);
    aq__error_prefix(r.err, name);
    return AQ_EDECODE;
}

/* A streaming read at field i: the required fields before it must have come. */
aq_status missing_before(reader &r, int i, uint32_t seen)
{
    uint32_t lack = snapshot_rec.required & ((1u << i) - 1u) & ~seen;
    if (AQ__LIKELY(lack == 0)) return AQ_OK;
    const char *name = snapshot_rec.keys[__builtin_ctz(lack)].name;
    (void)fail(r, AQ_ERR_MISSING_FIELD,
               "missing field `%s` before `%s` (a streaming read needs the fields in the "
               "engine's order; aq_snapshot_load reads this document)",
               name, snapshot_rec.keys[i].name);
    aq__error_prefix(r.err, name);
    return AQ_EDECODE;
}

/* The root as an object, *p at its '{'; *p moves past it. A streaming input takes the fields
 * in their declaration order only, since it hands them out as they come: the required ones
 * before a field must be there when it comes. */
template <typename In, typename Lists>
aq_status root_object(reader &r, In &in, Lists &lists, const uint8_t **pp, aq_snapshot *s)
{
    const record &rec = snapshot_rec;
    const uint8_t *p = *pp + 1;
    uint32_t seen = 0;
    size_t next = 0;
    AQ_TRY(space(r, in, &p));
    if (p < r.text_end && *p == '}') {
        p++;
    } else {
        for (;;) {
            if (p >= r.text_end || *p != '"') return text_fail(r, p, "expected a key string");
            text_view k;
            AQ_TRY(whole_key(r, in, &p, &k, &p));
            int i = find_key(rec, k, next);
            char name[48];
            if (i < 0) excerpt(name, sizeof name, k.p, k.n); /* k does not survive a fetch */
            AQ_TRY(space(r, in, &p));
            if (p >= r.text_end || *p != ':') return text_fail(r, p, "expected ':' after a key");
            p++;
            AQ_TRY(space(r, in, &p));
            if (p >= r.text_end) return text_fail(r, p, "expected a value");
            if (i < 0) {
                IN(r, name, skip_top(r, in, &p));
            } else {
                uint32_t bit = 1u << i;
                if (AQ__UNLIKELY(seen & bit)) {
                    (void)fail(r, AQ_ERR_DUPLICATE_FIELD, "duplicate field `%s`", rec.keys[i].name);
                    aq__error_prefix(r.err, rec.keys[i].name);
                    return AQ_EDECODE;
                }
                if constexpr (In::ordered)
                    if ((size_t)i < next) return in.out_of_order(r, i, next - 1);
                if constexpr (In::ordered) AQ_TRY(missing_before(r, i, seen));
                seen |= bit;
                next = (size_t)i + 1;
                IN(r, rec.keys[i].name, top_member(r, in, lists, i, &p, s));
            }
            AQ_TRY(space(r, in, &p));
            if (p < r.text_end && *p == ',') {
                p++;
                AQ_TRY(space(r, in, &p));
                continue;
            }
            if (p < r.text_end && *p == '}') {
                p++;
                break;
            }
            return text_fail(r, p, "expected ',' or '}' in the root object");
        }
    }
    AQ_TRY(missing(r, rec.required, seen));
    *pp = p;
    return AQ_OK;
}

/* The root as serde's sequence form of a struct, *p at its '[': the fields in declaration
 * order, each read as the object's member would be. */
template <typename In, typename Lists>
aq_status root_array(reader &r, In &in, Lists &lists, const uint8_t **pp, aq_snapshot *s)
{
    const record &rec = snapshot_rec;
    const uint8_t *p = *pp + 1;
    size_t n = 0;
    AQ_TRY(space(r, in, &p));
    if (p < r.text_end && *p == ']') {
        p++;
    } else {
        for (;;) {
            if (p >= r.text_end) return text_fail(r, p, "expected a value");
            if (n == rec.n)
                return fail(r, AQ_ERR_JSON_TYPE, "expected %s with %zu elements, found more",
                            rec.expected, rec.n);
            IN(r, rec.keys[n].name, top_member(r, in, lists, (int)n, &p, s));
            n++;
            AQ_TRY(space(r, in, &p));
            if (p < r.text_end && *p == ',') {
                p++;
                AQ_TRY(space(r, in, &p));
                continue;
            }
            if (p < r.text_end && *p == ']') {
                p++;
                break;
            }
            return text_fail(r, p, "expected ',' or ']' in the root array");
        }
    }
    AQ_TRY(sequence_end(r, rec, n));
    *pp = p;
    return AQ_OK;
}

template <typename In, typename Lists>
aq_status read_root(reader &r, In &in, Lists &lists, aq_snapshot *s)
{
    const uint8_t *p = r.text;
    AQ_TRY(space(r, in, &p));
    if (p >= r.text_end) return fail(r, AQ_ERR_JSON_SYNTAX, "the text holds no JSON value");
    if (*p == '{') {
        AQ_TRY(root_object(r, in, lists, &p, s));
    } else if (*p == '[') {
        AQ_TRY(root_array(r, in, lists, &p, s));
    } else {
        return slice_value(r, in, &p, [&](od::document &doc) {
            return type_fail(r, doc, simdjson::INCORRECT_TYPE,
                             "struct Snapshot (a JSON object)");
        });
    }
    /* serde_json allows only whitespace after the document. */
    AQ_TRY(space(r, in, &p));
    if (p < r.text_end) return text_fail(r, p, "trailing characters after the JSON document");
    return AQ_OK;
}

/* ---- a load: the whole document into a snapshot ---------------------------------------------- */

/* The lists go into the snapshot; metadata's counts size the tasks and runs lists. */
struct whole_lists {
    template <typename In, typename L, typename F>
    aq_status read(reader &r, In &in, const uint8_t **p, uint32_t, L *list, F &&read_item)
    {
        using T = std::remove_pointer_t<decltype(list->items)>;
        list_builder<T> items(r, list_hint(r, list));
        AQ_TRY(top_list<T>(r, in, p, items, read_item));
        return items.finish(&list->items, &list->count);
    }
};

/* Defaulted lists that are absent still get a valid (empty) pointer, as decoded ones do. */
template <typename T>
aq_status empty_list(reader &r, T **items)
{
    if (*items != nullptr) return AQ_OK;
    *items = static_cast<T *>(out_alloc(r, 0));
    return *items != nullptr ? AQ_OK : aq__fail_oom(r.err);
}

aq_status read_document(reader &r, aq_snapshot *s)
{
    whole_text in;
    whole_lists lists;
    AQ_TRY(read_root(r, in, lists, s));
#define EMPTY_LIST(rec, pb, member, num, kind, type, presence, since, json, def)                 \
    AQ_TRY(empty_list(r, &s->member.items));
    AQ_SECTIONS(EMPTY_LIST)
#undef EMPTY_LIST
    return AQ_OK;
}

/* f(r) with a reader over [data, data + len) (readable to data + readable) and a parser sized
 * for a text of text_len bytes. */
template <typename F>
aq_status with_reader(const uint8_t *data, size_t len, size_t readable, uint64_t text_len,
                      const aq_allocator *alloc, aq_arena *arena, aq_error *err, F &&f)
{
    aq_status st;
    reader r{nullptr, arena,      err,      aq__allocator_or_default(alloc),
             data,    data + len, data + readable, data + len,
             0,       buffer{}, buffer{}, buffer{},
             0,       0,          aq__budget_of(alloc), 0,
             nullptr, nullptr};
    {
        od::parser parser;
        r.parser = &parser;
        /* Sized for a typical record; grows to the largest slice. Unescaping keys needs it too. */
        st = parser_allocate(r, text_len < 65536 ? (size_t)text_len : 65536);
        if (st == AQ_OK) st = f(r);
    }
    aq__budget_release(r.budget, r.parser_bytes); /* the parser is gone */
    release(r, r.unescaped);
    release(r, r.stack);
    release(r, r.tail);
    return st;
}

aq_status decode(const uint8_t *data, size_t len, size_t readable, const aq_allocator *alloc,
                 aq_snapshot *s, aq_error *err)
{
    return with_reader(data, len, readable, len, alloc, s->arena, err,
                       [&](reader &r) { return read_document(r, s); });
}

/* ---- a streaming read: the document through a window, each record handed out ----------------- */

/* The window: the text from the current position on, fetched from the caller in pieces; it
 * grows to the largest value that has to be whole in it (a record, or a skipped value). */
struct window_text {
    static constexpr bool ordered = true;
    const aq__json_stream *js;
    aq_allocator al;
    uint8_t *buf = nullptr;
    size_t cap = 0;    /* text bytes it holds; SIMDJSON_PADDING more are allocated */
    uint64_t left = 0; /* text not fetched yet */

    bool can_fetch() const { return left > 0; }

    aq_status fetch(reader &r, const uint8_t **p)
    {
        /* Callers fetch at the end of the text or inside it, never past it. */
        const uint8_t *from = *p < r.text_end ? *p : r.text_end;
        size_t keep = (size_t)(r.text_end - from);
        if (keep == cap) { /* the value fills the window: twice the room */
            size_t grown = cap * 2;
            if (grown - keep > left) grown = keep + (size_t)left;
            uint8_t *g = static_cast<uint8_t *>(al.alloc(al.ctx, grown + simdjson::SIMDJSON_PADDING));
            if (g == nullptr) return aq__fail_oom(r.err);
            if (keep > 0) memcpy(g, from, keep);
            al.free(al.ctx, buf, cap + simdjson::SIMDJSON_PADDING);
            buf = g;
            cap = grown;
        } else if (keep > 0) {
            memmove(buf, from, keep);
        }
        r.base += (uint64_t)(from - r.text);
        size_t want = cap - keep < left ? cap - keep : (size_t)left;
        AQ_TRY(js->read(js->ctx, buf + keep, want));
        left -= want;
        r.text = buf;
        r.text_end = buf + keep + want;
        r.readable_end = buf + cap + simdjson::SIMDJSON_PADDING;
        *p = buf;
        return AQ_OK;
    }

    aq_status out_of_order(reader &r, int i, size_t last)
    {
        const char *name = snapshot_rec.keys[i].name;
        (void)fail(r, AQ_ERR_STREAM_ORDER,
                   "field `%s` comes after `%s`: a streaming read needs the fields in the "
                   "engine's order (aq_snapshot_load reads this document)",
                   name, snapshot_rec.keys[last].name);
        aq__error_prefix(r.err, name);
        return AQ_EDECODE;
    }
};

/* A top-level list's items, each handed to the caller and its memory reused for the next. */
template <typename T>
struct stream_items {
    const aq__json_stream *js;
    uint32_t number;
    aq_arena *arena;
    size_t n = 0;
    T tmp{};

    aq_status start() { return AQ_OK; }

    T *slot()
    {
        tmp = T();
        return &tmp;
    }

    aq_status add()
    {
        aq_status st = js->item(js->ctx, number, n, &tmp);
        aq__arena_reset(arena);
        n++;
        return st;
    }
};

/* Lists go to the caller, who learns when one starts. */
struct stream_lists {
    const aq__json_stream *js;
    aq_arena *arena; /* the items' strings and lists */

    template <typename In, typename L, typename F>
    aq_status read(reader &r, In &in, const uint8_t **p, uint32_t number, L *, F &&read_item)
    {
        AQ_TRY(js->list(js->ctx, number));
        using T = std::remove_pointer_t<decltype(L::items)>;
        stream_items<T> items{js, number, arena};
        aq_arena *head = r.arena;
        r.arena = arena;
        aq_status st = top_list<T>(r, in, p, items, read_item);
        r.arena = head;
        return st;
    }
};

aq_status read_stream(const aq__json_stream *js, const aq_allocator *alloc, aq_arena *items,
                      aq_error *err)
{
    window_text in{js, aq__allocator_or_default(alloc)};
    in.left = js->len;
    in.cap = js->len < ((size_t)256 << 10) ? (size_t)js->len + 1 : (size_t)256 << 10;
    in.buf = static_cast<uint8_t *>(in.al.alloc(in.al.ctx, in.cap + simdjson::SIMDJSON_PADDING));
    if (in.buf == nullptr) return aq__fail_oom(err);
    stream_lists lists{js, items};
    aq_status st = with_reader(in.buf, 0, in.cap + simdjson::SIMDJSON_PADDING, js->len, alloc,
                               js->head->arena, err,
                               [&](reader &r) { return read_root(r, in, lists, js->head); });
    in.al.free(in.al.ctx, in.buf, in.cap + simdjson::SIMDJSON_PADDING);
    return st;
}

} // namespace

/* ---- C interface ----------------------------------------------------------------------------- */

/* Both entry points: `readable` bytes at data may be read (len plus any padding). */
static aq_status decode_json(const uint8_t *data, size_t len, size_t readable,
                             const aq_allocator *alloc, aq_snapshot **out, aq_error *err)
{
    *out = nullptr;
    if (len > MAX_TEXT)
        return aq__fail(err, AQ_ELIMIT, AQ_ERR_PAYLOAD_TOO_LARGE,
                        "JSON text of %zu bytes is over simdjson's limit of %zu", len, MAX_TEXT);
    if (len == 0)
        return aq__fail(err, AQ_EDECODE, AQ_ERR_JSON_SYNTAX,
                        "the text is empty: expected a JSON object");

    /* Native records take about half the space of their JSON text. */
    aq_snapshot *s;
    AQ_TRY(aq__snapshot_create(alloc, len / 2, &s, err));
    aq_status st;
    try {
        st = decode(data, len, readable, alloc, s, err);
    } catch (const std::bad_alloc &) {
        st = aq__fail_oom(err);
    } catch (...) {
        st = aq__fail(err, AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "internal error in the JSON reader");
    }
    if (st != AQ_OK) {
        aq_snapshot_free(s);
        return aq__error_finish(err, st);
    }
    *out = s;
    return AQ_OK;
}

aq_status aq__json_read_stream(const aq__json_stream *js, const aq_allocator *alloc,
                               aq_error *err)
{
    if (js->len > MAX_TEXT)
        return aq__fail(err, AQ_ELIMIT, AQ_ERR_PAYLOAD_TOO_LARGE,
                        "JSON text of %llu bytes is over simdjson's limit of %zu",
                        (unsigned long long)js->len, MAX_TEXT);
    aq_arena *items = aq__arena_create(alloc, (size_t)16 << 10);
    if (items == nullptr) return aq__fail_oom(err);
    aq_status st;
    try {
        st = read_stream(js, alloc, items, err);
    } catch (const std::bad_alloc &) {
        st = aq__fail_oom(err);
    } catch (...) {
        st = aq__fail(err, AQ_EDECODE, AQ_ERR_JSON_SYNTAX, "internal error in the JSON reader");
    }
    aq__arena_destroy(items);
    return aq__error_finish(err, st);
}

aq_status aq__snapshot_decode_json_padded(const uint8_t *data, size_t len, size_t capacity,
                                          const aq_allocator *alloc, aq_snapshot **out,
                                          aq_error *err)
{
    *out = nullptr;
    if ((data == nullptr && len > 0) || capacity < len || capacity - len < AQ__JSON_PADDING)
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT,
                        "JSON text of %zu bytes needs %zu bytes of padding, buffer holds %zu",
                        len, AQ__JSON_PADDING, capacity);
    return decode_json(data, len, capacity, alloc, out, err);
}

aq_status aq_snapshot_decode_json(const void *data, size_t len, const aq_allocator *alloc,
                                  aq_snapshot **out, aq_error *err)
{
    aq_error local;
    err = AQ__ERR_OR_LOCAL(err, &local);
    aq__error_clear(err);
    if (out == nullptr || (data == nullptr && len > 0))
        return aq__fail(err, AQ_EINVAL, AQ_ERR_ARGUMENT,
                        "out is NULL, or data is NULL with len %zu", len);
    /* No padding is assumed: only a slice within 64 bytes of the end gets copied. */
    return decode_json(static_cast<const uint8_t *>(data), len, len, alloc, out, err);
}
