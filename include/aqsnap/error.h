/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file aqsnap/error.h
 * Status codes and the caller-owned error value every fallible function fills.
 *
 * A function returns a coarse ::aq_status for control flow and, when given a non-NULL
 * ::aq_error, records the exact ::aq_error_kind, the field path and a message naming the values
 * involved. The library never prints and keeps no global or thread-local error state.
 */
#ifndef AQSNAP_ERROR_H
#define AQSNAP_ERROR_H

#include "aqsnap/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Coarse outcome of a call. Values are pinned: new ones are only ever appended. */
typedef enum aq_status {
    AQ_OK = 0,
    AQ_NO_SNAPSHOT = 1, /**< missing or empty snapshot file: an expected outcome, not damage */
    AQ_EINVAL = 2,      /**< a caller passed an invalid argument */
    AQ_ENOMEM = 3,      /**< an allocation failed; nothing was leaked */
    AQ_EIO = 4,         /**< a system call failed; aq_error.sys_errno holds errno */
    AQ_ETRUNCATED = 5,  /**< the data ends inside the header or the payload */
    AQ_EVERSION = 6,    /**< unsupported envelope frame version or schema version */
    AQ_ECRC = 7,        /**< payload CRC-32 does not match the header */
    AQ_ELIMIT = 8,      /**< a configured size limit was exceeded */
    AQ_EDECODE = 9,     /**< the payload is not a well-formed snapshot */
    AQ_EINVALID = 10    /**< the snapshot breaks an engine invariant (validation rule) */
} aq_status;

/** Exact cause of a failure: one kind per check. Values are pinned: append only. */
typedef enum aq_error_kind {
    AQ_ERR_NONE = 0,

    /* Generic */
    AQ_ERR_ARGUMENT = 1,      /**< NULL or out-of-range argument */
    AQ_ERR_OUT_OF_MEMORY = 2, /**< allocator returned NULL */
    AQ_ERR_SYSCALL = 3,       /**< open/read/write/fsync/rename/...: sys_errno says why */
    AQ_ERR_MEMORY_LIMIT = 4,  /**< a load needed more than aq_load_options.max_memory */
    AQ_ERR_STOPPED = 5,       /**< a streaming read's callback stopped it (stream.h) */

    /* Envelope and file */
    AQ_ERR_NO_SNAPSHOT = 10,       /**< file missing or empty */
    AQ_ERR_TRUNCATED_HEADER = 11,  /**< fewer than 12 bytes */
    AQ_ERR_TRUNCATED_PAYLOAD = 12, /**< fewer payload bytes than the header announces */
    AQ_ERR_FRAME_VERSION = 13,     /**< envelope version word is neither JSON (4) nor protobuf */
    AQ_ERR_CRC_MISMATCH = 14,      /**< CRC-32 in header differs from the payload's */
    AQ_ERR_PAYLOAD_TOO_LARGE = 15, /**< announced payload length over the configured cap */
    AQ_ERR_TRAILING_DATA = 16,     /**< bytes after the payload: a warning (the engine ignores
                                        them), or a file that grew while it was read */
    AQ_ERR_NOT_A_FILE = 17,        /**< a directory, FIFO, device or socket, not a regular file */
    AQ_ERR_NOT_A_SNAPSHOT = 18,    /**< neither an envelope nor a JSON document */
    AQ_ERR_WRITER_BUSY = 19,       /**< another writer holds the path (its temp file is locked) */

    /* Payload decoding (protobuf and JSON) */
    AQ_ERR_PROTOBUF_MALFORMED = 20, /**< the protobuf wire data does not parse */
    AQ_ERR_MISSING_FIELD = 21,      /**< a field the engine requires is absent */
    AQ_ERR_BAD_UUID = 22,           /**< an id is not 16 bytes / not a hyphenated UUID string */
    AQ_ERR_BAD_ENUM = 23,           /**< enum value unspecified or unknown */
    AQ_ERR_ONEOF_UNSET = 24,        /**< no variant of a data-carrying enum is set */
    AQ_ERR_OUT_OF_RANGE = 25,       /**< number outside its type (u8 of 300, negative u64...) */
    AQ_ERR_JSON_SYNTAX = 26,        /**< not well-formed JSON (or not UTF-8) */
    AQ_ERR_JSON_TYPE = 27,          /**< JSON value of the wrong type */
    AQ_ERR_DUPLICATE_FIELD = 28,    /**< the same key twice in one JSON object */
    AQ_ERR_SCHEMA_VERSION = 29,     /**< metadata.schema_version outside AQ_SCHEMA_MIN..MAX */
    AQ_ERR_TOO_DEEP = 30,           /**< nesting beyond what the format allows */
    AQ_ERR_STREAM_ORDER = 31,       /**< fields out of the order a streaming read needs */

    /* Validation: document level (docs/VALIDATION.md describes every validation kind) */
    AQ_ERR_SCHEMA_FEATURE = 40,          /**< content newer than metadata.schema_version */
    AQ_ERR_TASK_COUNT_MISMATCH = 41,     /**< metadata.task_count != number of tasks */
    AQ_ERR_RUN_COUNT_MISMATCH = 42,      /**< metadata.run_count != number of runs */
    AQ_ERR_TASK_DUPLICATE_ID = 43,       /**< two tasks share an id */
    AQ_ERR_TASK_CANCELED_BEFORE_CREATED = 44, /**< canceled_at < created_at */
    AQ_ERR_RUN_DUPLICATE_ID = 45,        /**< two runs share an id */
    AQ_ERR_RUN_UNKNOWN_TASK = 46,        /**< a run's task_id names no task */
    AQ_ERR_ENGINE_PAUSED_WITHOUT_PAUSED_AT = 47, /**< paused but paused_at unset */
    AQ_ERR_ENGINE_PAUSED_WITH_RESUMED_AT = 48,   /**< paused but resumed_at set */
    AQ_ERR_ENGINE_RESUMED_WITHOUT_PAUSED_AT = 49, /**< resumed_at set but paused_at unset */
    AQ_ERR_ENGINE_RESUME_MISSING = 50,   /**< not paused, paused_at set, resumed_at unset */
    AQ_ERR_ENGINE_RESUMED_BEFORE_PAUSED = 51, /**< resumed_at < paused_at */
    AQ_ERR_DEPENDENCY_DUPLICATE = 52,    /**< two declarations for one task */
    AQ_ERR_DEPENDENCY_UNKNOWN_TASK = 53, /**< declaration for a task that does not exist */
    AQ_ERR_DEPENDENCY_UNKNOWN_PREREQUISITE = 54, /**< depends_on names no task */
    AQ_ERR_BUDGET_DUPLICATE = 55,        /**< two budgets for one (task, dimension) */
    AQ_ERR_BUDGET_UNKNOWN_TASK = 56,     /**< budget for a task that does not exist */
    AQ_ERR_SUBSCRIPTION_DUPLICATE_ID = 57, /**< two subscriptions share an id */
    AQ_ERR_SUBSCRIPTION_UNKNOWN_TASK = 58, /**< subscription for a task that does not exist */

    /* Validation: per task spec */
    AQ_ERR_TASK_NIL_ID = 60,                  /**< task id is the nil UUID */
    AQ_ERR_TASK_MAX_ATTEMPTS_ZERO = 61,       /**< constraints.max_attempts == 0 */
    AQ_ERR_TASK_TIMEOUT_ZERO = 62,            /**< constraints.timeout_secs == Some(0) */
    AQ_ERR_TASK_CONCURRENCY_KEY_EMPTY = 63,   /**< constraints.concurrency_key == Some("") */
    AQ_ERR_TASK_CAPABILITIES_EMPTY = 64,      /**< required_capabilities == Some([]) */
    AQ_ERR_TASK_CAPABILITY_ENTRY_EMPTY = 65,  /**< required_capabilities holds "" */
    AQ_ERR_TASK_REPEAT_COUNT_ZERO = 66,       /**< Repeat { count: 0 } */
    AQ_ERR_TASK_REPEAT_INTERVAL_ZERO = 67,    /**< Repeat { interval_secs: 0 } */
    AQ_ERR_TASK_CRON_MAX_OCCURRENCES_ZERO = 68, /**< Cron { max_occurrences: Some(0) } */

    /* Validation: per run */
    AQ_ERR_RUN_NIL_ID = 70,                   /**< run id is the nil UUID */
    AQ_ERR_RUN_NIL_TASK_ID = 71,              /**< run task_id is the nil UUID */
    AQ_ERR_RUN_READY_AFTER_CREATION = 72,     /**< Ready with scheduled_at > created_at */
    AQ_ERR_RUN_ACTIVE_ATTEMPT_NOT_RUNNING = 73, /**< current_attempt_id outside Running */
    AQ_ERR_RUN_ACTIVE_ATTEMPT_WITHOUT_COUNT = 74, /**< current_attempt_id with attempt_count 0 */
    AQ_ERR_RUN_HISTORY_EMPTY = 75,            /**< state_history has no entries */
    AQ_ERR_RUN_HISTORY_START_FROM = 76,       /**< first entry has a `from` state */
    AQ_ERR_RUN_HISTORY_START_STATE = 77,      /**< first entry's `to` is not Scheduled */
    AQ_ERR_RUN_HISTORY_START_TIME = 78,       /**< first entry's timestamp != created_at */
    AQ_ERR_RUN_HISTORY_DISCONTINUOUS = 79,    /**< entry's `from` != previous entry's `to` */
    AQ_ERR_RUN_HISTORY_ILLEGAL_TRANSITION = 80, /**< from -> to is not a legal transition */
    AQ_ERR_RUN_HISTORY_STATE_MISMATCH = 81,   /**< last `to` != the run's state */
    AQ_ERR_RUN_ATTEMPT_COUNT_MISMATCH = 82,   /**< attempts has != attempt_count entries */
    AQ_ERR_RUN_ACTIVE_ATTEMPT_MISSING = 83,   /**< current_attempt_id not in attempts */
    AQ_ERR_RUN_ACTIVE_ATTEMPT_REPEATED = 84,  /**< current_attempt_id in attempts twice or more */
    AQ_ERR_RUN_ACTIVE_ATTEMPT_FINISHED = 85,  /**< the active attempt has finished_at set */
    AQ_ERR_RUN_LEASE_IN_STATE = 86,           /**< lease outside Ready, Leased, Running */

    /* Validation: values any record may carry */
    AQ_ERR_ENUM_INVALID = 90,        /**< a native enum holds no valid variant */
    AQ_ERR_STRING_NOT_UTF8 = 91,     /**< a string is not valid UTF-8 (Rust Strings always are) */
    AQ_ERR_CUSTOM_NAME_EMPTY = 92,   /**< Role::Custom("") or Capability::Custom(""): a warning */
    AQ_ERR_STRING_HAS_NUL = 93       /**< protobuf-c strings end at NUL: cannot be encoded */
} aq_error_kind;

/** Sizes of the fixed buffers in ::aq_error: fixed so that even OOM can be reported. */
#define AQ_ERROR_PATH_MAX 128
#define AQ_ERROR_MESSAGE_MAX 320

/**
 * What went wrong, filled by the first failure of a call (later ones never overwrite it).
 * Caller-owned; needs no initialisation and no cleanup.
 */
typedef struct aq_error {
    aq_status status;   /**< same as the function's return value */
    aq_error_kind kind; /**< exact check that failed */
    int sys_errno;      /**< errno of the failed system call for AQ_ERR_SYSCALL, else 0 */
    /** Field path such as "runs[3].run_instance.state", or "" when not about a field. */
    char path[AQ_ERROR_PATH_MAX];
    /** Human-readable sentence naming the values involved; NUL-terminated, never empty. */
    char message[AQ_ERROR_MESSAGE_MAX];
} aq_error;

/** Static name of a status, such as "AQ_ECRC"; "AQ_?" for values outside the enum. */
AQ_API const char *aq_status_name(aq_status status);

/** Static name of an error kind, such as "AQ_ERR_CRC_MISMATCH"; "AQ_ERR_?" when unknown. */
AQ_API const char *aq_error_kind_name(aq_error_kind kind);

#ifdef __cplusplus
}
#endif

#endif /* AQSNAP_ERROR_H */
