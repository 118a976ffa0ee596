# SPDX-License-Identifier: Apache-2.0
cmake_minimum_required(VERSION 3.25)
# compat.sha256sums: every fixture file is listed in compat/SHA256SUMS, unchanged, and nothing
# unlisted hides in compat/ (fixtures are immutable: a new behaviour is a new file).
#   -DAQ_COMPAT=<compat dir>
execute_process(COMMAND sha256sum --check --strict --quiet SHA256SUMS
                WORKING_DIRECTORY "${AQ_COMPAT}" RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compat fixtures changed (they must never change):\n${out}${err}")
endif()
file(STRINGS "${AQ_COMPAT}/SHA256SUMS" lines)
set(listed "")
foreach(line IN LISTS lines)
  string(REGEX REPLACE "^[0-9a-f]+  \\./" "" name "${line}")
  list(APPEND listed "${name}")
endforeach()
file(GLOB_RECURSE present RELATIVE "${AQ_COMPAT}" "${AQ_COMPAT}/*")
foreach(name IN LISTS present)
  if(NOT name IN_LIST listed AND NOT name STREQUAL "SHA256SUMS" AND NOT name STREQUAL "README.md")
    message(FATAL_ERROR "compat/${name} is not in compat/SHA256SUMS: add new fixtures there")
  endif()
endforeach()
