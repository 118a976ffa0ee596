/* SPDX-License-Identifier: Apache-2.0 */
/* Error recording and the static names of statuses and error kinds. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

void aq__error_clear(aq_error *err)
{
    err->status = AQ_OK;
    err->kind = AQ_ERR_NONE;
    err->sys_errno = 0;
    err->path[0] = '\0';
    err->message[0] = '\0';
}

aq_status aq__vfail(aq_error *err, aq_status status, aq_error_kind kind, const char *fmt,
                    va_list ap)
{
    err->status = status;
    err->kind = kind;
    err->sys_errno = 0;
    err->path[0] = '\0';
    /* Truncation is acceptable: the message is for people and stays NUL-terminated. */
    (void)vsnprintf(err->message, sizeof err->message, fmt, ap);
    return status;
}

aq_status aq__fail(aq_error *err, aq_status status, aq_error_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)aq__vfail(err, status, kind, fmt, ap);
    va_end(ap);
    return status;
}

aq_status aq__fail_sys(aq_error *err, int errnum, const char *call, const char *name)
{
    if (name != NULL)
        (void)aq__fail(err, AQ_EIO, AQ_ERR_SYSCALL, "%s %s: %s", call, name, strerror(errnum));
    else
        (void)aq__fail(err, AQ_EIO, AQ_ERR_SYSCALL, "%s failed: %s", call, strerror(errnum));
    err->sys_errno = errnum;
    return AQ_EIO;
}

aq_status aq__fail_oom(aq_error *err)
{
    return aq__fail(err, AQ_ENOMEM, AQ_ERR_OUT_OF_MEMORY, "out of memory");
}

/* Prepend `seg` (and a '.' when a path already follows and does not start with '[') to the
 * path. A path that no longer fits keeps its innermost part and starts with "...". */
static void prefix(aq_error *err, const char *seg, size_t seg_len)
{
    size_t old = strlen(err->path);
    bool dot = old > 0 && err->path[0] != '[';
    size_t add = seg_len + (dot ? 1 : 0);
    size_t cap = sizeof err->path - 1;

    if (add + old > cap) {
        /* Keep the innermost segments: they name the failing field. */
        if (old + 3 > cap) return;
        memmove(err->path + 3, err->path, old + 1);
        memcpy(err->path, "...", 3);
        return;
    }
    memmove(err->path + add, err->path, old + 1);
    memcpy(err->path, seg, seg_len);
    if (dot) err->path[seg_len] = '.';
}

void aq__error_prefix(aq_error *err, const char *field)
{
    prefix(err, field, strlen(field));
}

void aq__error_prefix_index(aq_error *err, const char *field, size_t index)
{
    char seg[96];
    int n = snprintf(seg, sizeof seg, "%s[%zu]", field, index);
    if (n > 0 && (size_t)n < sizeof seg) prefix(err, seg, (size_t)n);
}

aq_status aq__error_finish(aq_error *err, aq_status st)
{
    if (st != AQ_OK && err->path[0] != '\0') {
        char msg[sizeof err->message];
        /* Truncation is fine here: the message is for people and stays NUL-terminated. */
        if (snprintf(msg, sizeof msg, "%s: %s", err->path, err->message) > 0)
            memcpy(err->message, msg, sizeof msg);
    }
    return st;
}

const char *aq_status_name(aq_status status)
{
    switch (status) {
    case AQ_OK: return "AQ_OK";
    case AQ_NO_SNAPSHOT: return "AQ_NO_SNAPSHOT";
    case AQ_EINVAL: return "AQ_EINVAL";
    case AQ_ENOMEM: return "AQ_ENOMEM";
    case AQ_EIO: return "AQ_EIO";
    case AQ_ETRUNCATED: return "AQ_ETRUNCATED";
    case AQ_EVERSION: return "AQ_EVERSION";
    case AQ_ECRC: return "AQ_ECRC";
    case AQ_ELIMIT: return "AQ_ELIMIT";
    case AQ_EDECODE: return "AQ_EDECODE";
    case AQ_EINVALID: return "AQ_EINVALID";
    }
    return "AQ_?";
}

const char *aq_error_kind_name(aq_error_kind kind)
{
    switch (kind) {
#define K(name)                                                                                 \
    case name: return #name;
    K(AQ_ERR_NONE)
    K(AQ_ERR_ARGUMENT)
    K(AQ_ERR_OUT_OF_MEMORY)
    K(AQ_ERR_SYSCALL)
    K(AQ_ERR_MEMORY_LIMIT)
    K(AQ_ERR_STOPPED)
    K(AQ_ERR_NO_SNAPSHOT)
    K(AQ_ERR_TRUNCATED_HEADER)
    K(AQ_ERR_TRUNCATED_PAYLOAD)
    K(AQ_ERR_FRAME_VERSION)
    K(AQ_ERR_CRC_MISMATCH)
    K(AQ_ERR_PAYLOAD_TOO_LARGE)
    K(AQ_ERR_TRAILING_DATA)
    K(AQ_ERR_NOT_A_FILE)
    K(AQ_ERR_NOT_A_SNAPSHOT)
    K(AQ_ERR_WRITER_BUSY)
    K(AQ_ERR_PROTOBUF_MALFORMED)
    K(AQ_ERR_MISSING_FIELD)
    K(AQ_ERR_BAD_UUID)
    K(AQ_ERR_BAD_ENUM)
    K(AQ_ERR_ONEOF_UNSET)
    K(AQ_ERR_OUT_OF_RANGE)
    K(AQ_ERR_JSON_SYNTAX)
    K(AQ_ERR_JSON_TYPE)
    K(AQ_ERR_DUPLICATE_FIELD)
    K(AQ_ERR_SCHEMA_VERSION)
    K(AQ_ERR_TOO_DEEP)
    K(AQ_ERR_STREAM_ORDER)
    K(AQ_ERR_SCHEMA_FEATURE)
    K(AQ_ERR_TASK_COUNT_MISMATCH)
    K(AQ_ERR_RUN_COUNT_MISMATCH)
    K(AQ_ERR_TASK_DUPLICATE_ID)
    K(AQ_ERR_TASK_CANCELED_BEFORE_CREATED)
    K(AQ_ERR_RUN_DUPLICATE_ID)
    K(AQ_ERR_RUN_UNKNOWN_TASK)
    K(AQ_ERR_ENGINE_PAUSED_WITHOUT_PAUSED_AT)
    K(AQ_ERR_ENGINE_PAUSED_WITH_RESUMED_AT)
    K(AQ_ERR_ENGINE_RESUMED_WITHOUT_PAUSED_AT)
    K(AQ_ERR_ENGINE_RESUME_MISSING)
    K(AQ_ERR_ENGINE_RESUMED_BEFORE_PAUSED)
    K(AQ_ERR_DEPENDENCY_DUPLICATE)
    K(AQ_ERR_DEPENDENCY_UNKNOWN_TASK)
    K(AQ_ERR_DEPENDENCY_UNKNOWN_PREREQUISITE)
    K(AQ_ERR_BUDGET_DUPLICATE)
    K(AQ_ERR_BUDGET_UNKNOWN_TASK)
    K(AQ_ERR_SUBSCRIPTION_DUPLICATE_ID)
    K(AQ_ERR_SUBSCRIPTION_UNKNOWN_TASK)
    K(AQ_ERR_TASK_NIL_ID)
    K(AQ_ERR_TASK_MAX_ATTEMPTS_ZERO)
    K(AQ_ERR_TASK_TIMEOUT_ZERO)
    K(AQ_ERR_TASK_CONCURRENCY_KEY_EMPTY)
    K(AQ_ERR_TASK_CAPABILITIES_EMPTY)
    K(AQ_ERR_TASK_CAPABILITY_ENTRY_EMPTY)
    K(AQ_ERR_TASK_REPEAT_COUNT_ZERO)
    K(AQ_ERR_TASK_REPEAT_INTERVAL_ZERO)
    K(AQ_ERR_TASK_CRON_MAX_OCCURRENCES_ZERO)
    K(AQ_ERR_RUN_NIL_ID)
    K(AQ_ERR_RUN_NIL_TASK_ID)
    K(AQ_ERR_RUN_READY_AFTER_CREATION)
    K(AQ_ERR_RUN_ACTIVE_ATTEMPT_NOT_RUNNING)
    K(AQ_ERR_RUN_ACTIVE_ATTEMPT_WITHOUT_COUNT)
    K(AQ_ERR_RUN_HISTORY_EMPTY)
    K(AQ_ERR_RUN_HISTORY_START_FROM)
    K(AQ_ERR_RUN_HISTORY_START_STATE)
    K(AQ_ERR_RUN_HISTORY_START_TIME)
    K(AQ_ERR_RUN_HISTORY_DISCONTINUOUS)
    K(AQ_ERR_RUN_HISTORY_ILLEGAL_TRANSITION)
    K(AQ_ERR_RUN_HISTORY_STATE_MISMATCH)
    K(AQ_ERR_RUN_ATTEMPT_COUNT_MISMATCH)
    K(AQ_ERR_RUN_ACTIVE_ATTEMPT_MISSING)
    K(AQ_ERR_RUN_ACTIVE_ATTEMPT_REPEATED)
    K(AQ_ERR_RUN_ACTIVE_ATTEMPT_FINISHED)
    K(AQ_ERR_RUN_LEASE_IN_STATE)
    K(AQ_ERR_ENUM_INVALID)
    K(AQ_ERR_STRING_NOT_UTF8)
    K(AQ_ERR_CUSTOM_NAME_EMPTY)
    K(AQ_ERR_STRING_HAS_NUL)
#undef K
    }
    return "AQ_ERR_?";
}
