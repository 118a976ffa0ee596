/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file aqsnap/json.h
 * The ActionQueue engine's own JSON snapshot payload (what `serde_json` writes for the engine's
 * `Snapshot`, inside the envelope of its `snapshot.bin`) to and from native snapshots.
 *
 * Reading follows the engine's serde rules (checked against serde_json 1.0.87): keys in any
 * order, matched after unescaping; unknown keys skipped at every level, their values checked as
 * serde_json skips them (well-formed; numbers by their grammar only, so 1e400 passes; any
 * `\u` escape; no raw control character in a string; neither their UTF-8 nor their depth, which
 * serde does not look at: they are skipped in one loop, a bit of memory per level, never
 * recursion); the strings that are read (keys of records, string values) must be UTF-8; a
 * struct may also be written as an array of its values in declaration order
 * (`{"Repeat":[2,60]}`, a whole record or the snapshot itself as `[...]`), missing trailing
 * values taking their serde default; a key twice in one object is an error; an absent `Option` key is None; an
 * absent defaulted key (`#[serde(default)]`) takes its default (empty list, None, false, 0,
 * HoldDuringRetry, Pure, engine not paused); any other absent key is an error. Integers must be
 * integer literals within their Rust type (no fraction, exponent or `-0`, which serde_json reads
 * as floats); byte arrays are arrays of integers 0..255; ids are UUID strings in any form the
 * `uuid` crate parses (hyphenated, 32 hex digits, `{braced}`, `urn:uuid:`; hex in either case);
 * enums are variant-name strings, data-carrying variants externally tagged
 * (`{"Repeat":{"count":3,"interval_secs":60}}`, `{"Custom":"ops"}`), and a unit variant is also
 * accepted as `{"Ready":null}`. Nothing but whitespace may follow the document.
 *
 * So the reader takes exactly the documents serde_json takes (tests/engine proves it on edge
 * cases and random mutations).
 *
 * Writing produces exactly the bytes serde_json writes: keys in declaration order, `null` for
 * None, UUIDs lowercase hyphenated, serde_json's string escaping. Keys are written per
 * `metadata.schema_version`, so that a document of an older engine reads and writes back
 * byte for byte (see aq_snapshot_encode_json()).
 *
 * Both directions check the shape only; the engine's invariants are aq_snapshot_validate()'s.
 * Thread safety: calls share no state; a snapshot may be encoded from several threads at once.
 */
#ifndef AQSNAP_JSON_H
#define AQSNAP_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "aqsnap/alloc.h"
#include "aqsnap/codec.h"
#include "aqsnap/error.h"
#include "aqsnap/export.h"
#include "aqsnap/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/** aq_snapshot_encode_json() flag: `serde_json::to_string_pretty` layout (two-space indent,
 * `"key": value`, one list item per line), for people. The default is compact, as the engine
 * writes. */
#define AQ_JSON_PRETTY 0x1u

/**
 * Parse the engine's JSON snapshot payload into a new native snapshot.
 *
 * The text is parsed in place, one top-level value or list item (a task, a run, ...) at a time,
 * by simdjson On-Demand. simdjson reads up to 64 bytes past what it parses, and this function
 * cannot know whether the caller's buffer has them, so the one slice that ends within 64 bytes of
 * the end of the text (typically the last list item) is first copied into a padded buffer from
 * `alloc`; nothing else is copied. simdjson's own working memory (an index of about 4 bytes per
 * JSON token and a string buffer, both sized for the largest slice and reused) comes from C++
 * `operator new`, not from `alloc`; its failure is reported as AQ_ENOMEM like any other. Peak
 * memory is about the text plus the native snapshot.
 *
 * Every error names the JSON path of the offending value with the engine's key names
 * (`runs[17].state_history[2].to`, `tasks[0].task_spec.run_policy.Repeat.count`) in
 * `err->path`, and the message starts with that path and names the values involved.
 *
 * @param data  the JSON text; may be NULL when len is 0. Not retained.
 * @param len   its length in bytes (at most 4 GiB - 1, simdjson's limit).
 * @param alloc allocator for the snapshot's arena and the padded copy; NULL means malloc/free.
 * @param out   receives the snapshot (free with aq_snapshot_free()); NULL on failure.
 * @param err   optional error details.
 * @return AQ_OK;
 *         AQ_EINVAL (out is NULL, or data is NULL with len > 0);
 *         AQ_ENOMEM;
 *         AQ_ELIMIT (kind AQ_ERR_PAYLOAD_TOO_LARGE: text over simdjson's 4 GiB limit);
 *         AQ_EDECODE with kind AQ_ERR_JSON_SYNTAX (not well-formed JSON, not UTF-8, or content
 *         after the document), AQ_ERR_JSON_TYPE (a value of the wrong JSON type, including a
 *         float for an integer), AQ_ERR_MISSING_FIELD, AQ_ERR_DUPLICATE_FIELD,
 *         AQ_ERR_OUT_OF_RANGE (an integer outside its Rust type: u8 300, u64 -1, u32 2^32),
 *         AQ_ERR_BAD_UUID, AQ_ERR_BAD_ENUM (unknown variant), AQ_ERR_ONEOF_UNSET (an
 *         externally tagged enum written as `{}`) or AQ_ERR_TOO_DEEP (values that are read
 *         nesting over 127 levels, serde_json's limit; the engine's records nest far less).
 *         Integers outside their type are AQ_ERR_OUT_OF_RANGE even where serde_json, having read
 *         them as floats, calls them a type error (u64::MAX + 1).
 */
AQ_API AQ_NODISCARD aq_status aq_snapshot_decode_json(const void *data, size_t len,
                                                      const aq_allocator *alloc,
                                                      aq_snapshot **out, aq_error *err);

/**
 * Serialize a snapshot as the engine's JSON payload: the bytes `serde_json::to_vec` (or, with
 * AQ_JSON_PRETTY, `serde_json::to_vec_pretty`) writes for the engine's `Snapshot`, with no
 * trailing newline.
 *
 * Keys follow `metadata.schema_version`: `parent_task_id`, the attempt `output` and
 * `required_capabilities` appear from v5, `dependency_declarations` from v6, `budgets` and
 * `subscriptions` from v7, `actors`, `tenants`, `role_assignments`, `capability_grants`,
 * `ledger_entries` and `tenant_id` of a task spec from v8 (versions below 4 are written as v4,
 * above 8 as v8). Content that its schema version has no key for (say a v4 snapshot with
 * budgets, or with a parent_task_id set) is refused rather than dropped.
 *
 * Kept protobuf unknown fields (the `unknown` members, from a newer protobuf schema) have no
 * JSON form and are not written. Strings are written as they are (escaped as serde_json
 * escapes), except that text which is not UTF-8 is refused, since it would make the output
 * invalid JSON. The snapshot is not validated here (aq_snapshot_validate() does that).
 *
 * @param snap  any snapshot, arena-owned or caller-built; not modified.
 * @param alloc allocator for the output; NULL means malloc/free.
 * @param flags 0 (compact) or AQ_JSON_PRETTY; other bits are refused.
 * @param out   receives the text; caller releases it with aq_buffer_free(). Empty on failure.
 * @param err   optional error details.
 * @return AQ_OK;
 *         AQ_EINVAL: a NULL argument or unknown flag (kind AQ_ERR_ARGUMENT); or, with the field
 *         path, kind AQ_ERR_SCHEMA_FEATURE (content newer than the schema version),
 *         AQ_ERR_ENUM_INVALID (an enum holds no valid variant), AQ_ERR_ONEOF_UNSET (a RunPolicy
 *         or EventFilter kind that is no variant) or AQ_ERR_STRING_NOT_UTF8;
 *         AQ_ENOMEM (nothing is leaked).
 */
AQ_API AQ_NODISCARD aq_status aq_snapshot_encode_json(const aq_snapshot *snap,
                                                      const aq_allocator *alloc, uint32_t flags,
                                                      aq_buffer *out, aq_error *err);

#ifdef __cplusplus
}
#endif

#endif /* AQSNAP_JSON_H */
