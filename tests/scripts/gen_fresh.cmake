# SPDX-License-Identifier: Apache-2.0
# ctest driver for gen.fresh: gen/ is exactly what protoc-c makes of proto/ (STYLE.md section 8).
# Runs scripts/regen.sh --check, which regenerates into a temporary directory and fails on any
# byte difference, missing or extra file; it never modifies the tree.
#
# Usage: cmake -DAQ_PROTOC_C=<protoc-c or *-NOTFOUND> -DAQ_SOURCE_DIR=<top> -P gen_fresh.cmake
cmake_minimum_required(VERSION 3.25)

if(NOT AQ_PROTOC_C OR NOT EXISTS "${AQ_PROTOC_C}")
  message(FATAL_ERROR "FAILED: protoc-c was not found when cmake ran (got '${AQ_PROTOC_C}'), so "
                      "gen/ cannot be checked against proto/. Install it (Debian/Ubuntu: "
                      "apt-get install protobuf-c-compiler) and re-run cmake, or pass "
                      "-DAQ_PROTOC_C=/path/to/protoc-c.")
endif()

# regen.sh calls plain `protoc-c`: make it the one cmake found.
get_filename_component(protoc_dir "${AQ_PROTOC_C}" DIRECTORY)
set(ENV{PATH} "${protoc_dir}:$ENV{PATH}")
execute_process(COMMAND sh "${AQ_SOURCE_DIR}/scripts/regen.sh" --check
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "FAILED: gen/ is stale or was edited by hand (scripts/regen.sh --check "
                      "exited with ${rc}). Fix the cause in proto/, then run scripts/regen.sh and "
                      "commit gen/.")
endif()
