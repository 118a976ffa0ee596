# SPDX-License-Identifier: Apache-2.0
# What the install.* ctest drivers share (install_files.cmake, install_consumer.cmake): a scratch
# directory AQ_WORK_DIR with the prefix under it, failing with cleanup, running a step, and the
# `cmake --install` of the build tree into the prefix. AQ_KEEP_TEST_TMP in the environment keeps
# the scratch directory.
#
# Expects AQ_WORK_DIR, AQ_BUILD_DIR and (possibly empty) AQ_CONFIG; sets `work` and `prefix`.
set(work "${AQ_WORK_DIR}")
set(prefix "${work}/prefix")

macro(cleanup)
  if(DEFINED ENV{AQ_KEEP_TEST_TMP})
    message(STATUS "AQ_KEEP_TEST_TMP is set: keeping ${work}")
  else()
    file(REMOVE_RECURSE "${work}")
  endif()
endmacro()

function(fail)
  cleanup()
  string(JOIN "" text ${ARGN})
  message(FATAL_ERROR "FAILED: ${text}")
endfunction()

# run(<step> <command...>): run a command, echo its output, fail naming the step; the output is
# left in run_output.
function(run step)
  list(JOIN ARGN " " cmd_text)
  message(STATUS "[${step}] ${cmd_text}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    fail("${step} failed (exit ${rc})\ncommand: ${cmd_text}\n${out}")
  endif()
  string(STRIP "${out}" out)
  if(out AND NOT step MATCHES "^(install|configure|build)")
    message(STATUS "${out}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

# A fresh scratch directory with the build tree installed in it.
macro(install_build_tree)
  file(REMOVE_RECURSE "${work}")
  file(MAKE_DIRECTORY "${work}")
  set(config_args "")
  if(AQ_CONFIG)
    set(config_args --config "${AQ_CONFIG}")
  endif()
  run(install "${CMAKE_COMMAND}" --install "${AQ_BUILD_DIR}" --prefix "${prefix}" ${config_args})
endmacro()
