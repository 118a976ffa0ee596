# SPDX-License-Identifier: Apache-2.0
# schema.gate_bites: proof that the schema gate (buf lint + buf breaking against
# proto/baseline.binpb) is neither blind nor trigger-happy.
#
# Each case copies proto/ into a scratch directory, applies one textual mutation (which must
# match exactly once, so a schema edit that makes the mutation miss fails here instead of
# silently testing nothing), runs buf, and checks the verdict and that the message names what
# changed:
#   control      unmodified copy                       lint ok, breaking ok
#   renumber     RunInstance.state 3 -> 10             breaking FAILS naming state, RunInstance
#   enum_delete  RUN_STATE_SUSPENDED (6) deleted       breaking FAILS naming value 6, RunState
#   retype       SnapshotBudget.limit uint64 -> int64  breaking FAILS naming limit, both types
#   rename       RunInstance.attempt_count -> attempts breaking FAILS naming both names
#   additive     new optional field, enum value, message
#                and Snapshot section at new numbers   lint ok, breaking ok
#   lint_bites   a new field named deadlineAt          lint FAILS naming it
#
# Usage: cmake -DAQ_BUF=<buf> -DAQ_SOURCE_DIR=<repo> -DAQ_WORK_DIR=<scratch> -P gate_bites.cmake
foreach(v AQ_BUF AQ_SOURCE_DIR AQ_WORK_DIR)
  if(NOT DEFINED ${v} OR "${${v}}" STREQUAL "")
    message(FATAL_ERROR "gate_bites: -D${v}=... is required")
  endif()
endforeach()

set(baseline "${AQ_SOURCE_DIR}/proto/baseline.binpb")
if(NOT EXISTS "${baseline}")
  message(FATAL_ERROR "gate_bites: ${baseline} is missing (see tests/schema/README.md)")
endif()
set(core "actionqueue/snapshot/v1/core.proto")
set(snap "actionqueue/snapshot/v1/snapshot.proto")
set(failures 0)

file(REMOVE_RECURSE "${AQ_WORK_DIR}")
file(MAKE_DIRECTORY "${AQ_WORK_DIR}")

# fresh_copy(<case>): AQ_WORK_DIR/<case>/proto = the repository's proto/ (schema and buf.yaml).
function(fresh_copy name)
  set(dir "${AQ_WORK_DIR}/${name}")
  file(MAKE_DIRECTORY "${dir}/proto")
  file(COPY "${AQ_SOURCE_DIR}/proto/buf.yaml" "${AQ_SOURCE_DIR}/proto/actionqueue"
       DESTINATION "${dir}/proto")
endfunction()

# mutate(<case> <file> <old> <new>): replace the one occurrence of <old> in <file>.
function(mutate name rel old new)
  set(path "${AQ_WORK_DIR}/${name}/proto/${rel}")
  file(READ "${path}" text)
  string(FIND "${text}" "${old}" first)
  string(FIND "${text}" "${old}" last REVERSE)
  if(first EQUAL -1 OR NOT first EQUAL last)
    message(FATAL_ERROR "gate_bites[${name}]: '${old}' must occur exactly once in ${rel}; "
                        "the schema changed, update this case to mutate it again")
  endif()
  string(REPLACE "${old}" "${new}" text "${text}")
  file(WRITE "${path}" "${text}")
endfunction()

# run_buf(<case> <lint|breaking> <pass|fail> [regex...]): run buf on the case's copy and check
# the exit status; on an expected failure every regex must match buf's output.
function(run_buf name what expect)
  set(dir "${AQ_WORK_DIR}/${name}/proto")
  if(what STREQUAL "lint")
    set(cmd "${AQ_BUF}" lint "${dir}")
  else()
    set(cmd "${AQ_BUF}" breaking "${dir}" --against "${baseline}")
  endif()
  execute_process(COMMAND ${cmd} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(STRIP "${out}" out)
  set(bad "")
  if(expect STREQUAL "pass" AND NOT rc EQUAL 0)
    set(bad "expected buf ${what} to PASS, it exited ${rc}")
  elseif(expect STREQUAL "fail")
    # buf exits 100 for "found problems"; anything else (1: bad input, crash) is not a verdict.
    if(rc EQUAL 0)
      set(bad "expected buf ${what} to FAIL, it passed: the gate is blind to this change")
    elseif(NOT rc EQUAL 100)
      set(bad "expected buf ${what} to report problems (exit 100), it exited ${rc}")
    else()
      foreach(re IN LISTS ARGN)
        if(NOT out MATCHES "${re}")
          set(bad "buf ${what} failed, but its message does not match '${re}'")
          break()
        endif()
      endforeach()
    endif()
  endif()
  if(bad STREQUAL "")
    message(STATUS "ok    ${name}: buf ${what} ${expect}ed as expected")
    if(NOT out STREQUAL "")
      message(STATUS "      ${out}")
    endif()
  else()
    message(STATUS "FAIL  ${name}: ${bad}\n      buf said: ${out}")
    math(EXPR n "${failures} + 1")
    set(failures ${n} PARENT_SCOPE)
  endif()
endfunction()

# ---- control: the copy itself passes (so every failure below is the mutation's doing) -------
fresh_copy(control)
run_buf(control lint pass)
run_buf(control breaking pass)

# ---- breaking changes the gate must catch -----------------------------------------------------
fresh_copy(renumber)
mutate(renumber "${core}" "optional RunState state = 3;" "optional RunState state = 10;")
run_buf(renumber breaking fail "field \"3\" with name \"state\" on message \"RunInstance\"")

fresh_copy(enum_delete)
mutate(enum_delete "${core}" "  RUN_STATE_SUSPENDED = 6; // aqsnap: since=7\n" "")
run_buf(enum_delete breaking fail "enum value \"6\" on enum \"RunState\" was deleted")

fresh_copy(retype)
mutate(retype "${snap}" "optional uint64 limit = 3;" "optional int64 limit = 3;")
run_buf(retype breaking fail
        "\"limit\" on message \"SnapshotBudget\" changed type from \"uint64\" to \"int64\"")

fresh_copy(rename)
mutate(rename "${core}" "optional uint32 attempt_count = 5;" "optional uint32 attempts = 5;")
run_buf(rename breaking fail
        "on message \"RunInstance\" changed name from \"attempt_count\" to \"attempts\"")

# ---- additive changes the gate must let through -----------------------------------------------
# Anchors: lines after which the additive and lint cases insert theirs.
set(last_run_field "  optional uint64 last_state_change_at = 9; // aqsnap: default\n")
set(last_dimension "  BUDGET_DIMENSION_TIME_SECS = 3;\n")
set(last_section "  repeated SnapshotLedgerEntry ledger_entries = 14; // aqsnap: default since=8\n")

fresh_copy(additive)
mutate(additive "${core}" "${last_run_field}"
       "${last_run_field}  optional uint64 deadline_at = 10;\n")
mutate(additive "${core}" "${last_dimension}"
       "${last_dimension}  BUDGET_DIMENSION_GPU_SECS = 4;\n")
mutate(additive "${snap}" "${last_section}"
       "${last_section}  repeated SnapshotQuota quotas = 15;\n")
file(APPEND "${AQ_WORK_DIR}/additive/proto/${snap}" "\nmessage SnapshotQuota {\n"
     "  optional bytes tenant_id = 1;\n  optional uint64 limit = 2;\n}\n")
run_buf(additive lint pass)
run_buf(additive breaking pass)

# ---- lint must bite too -----------------------------------------------------------------------
fresh_copy(lint_bites)
mutate(lint_bites "${core}" "${last_run_field}"
       "${last_run_field}  optional uint64 deadlineAt = 10;\n")
run_buf(lint_bites lint fail "Field name \"deadlineAt\" should be lower_snake_case")

# The scratch copies go, whatever the verdict, unless AQ_KEEP_TMP is set in the environment.
if(DEFINED ENV{AQ_KEEP_TMP})
  message(STATUS "(AQ_KEEP_TMP: kept ${AQ_WORK_DIR})")
else()
  file(REMOVE_RECURSE "${AQ_WORK_DIR}")
endif()
if(failures GREATER 0)
  message(FATAL_ERROR "gate_bites: ${failures} case(s) failed")
endif()
message(STATUS "gate_bites: every case behaved")
