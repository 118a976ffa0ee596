# SPDX-License-Identifier: Apache-2.0
# ctest driver for build.multi_config: with a multi-config generator (Ninja Multi-Config), which
# sets no CMAKE_BUILD_TYPE, the hardening flags of cmake/AqWarnings.cmake still reach the
# optimised configurations and only them. Configures the project into a scratch directory and
# reads each configuration's compile command for src/model/version.c (nothing is built).
#
# Usage: cmake -DAQ_SOURCE_DIR=<top> -DAQ_WORK_DIR=<scratch dir> -DAQ_NINJA=<ninja>
#              -DAQ_C_COMPILER=<cc> -DAQ_CXX_COMPILER=<c++> -P multi_config.cmake
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS AQ_SOURCE_DIR AQ_WORK_DIR AQ_C_COMPILER AQ_CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "multi_config.cmake: ${var} is not set")
  endif()
endforeach()
if(NOT AQ_NINJA OR NOT EXISTS "${AQ_NINJA}")
  message(FATAL_ERROR "ninja not found (got '${AQ_NINJA}'): run scripts/deps.sh (ninja-build)")
endif()

file(REMOVE_RECURSE "${AQ_WORK_DIR}")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -S "${AQ_SOURCE_DIR}" -B "${AQ_WORK_DIR}" -G "Ninja Multi-Config"
          "-DCMAKE_MAKE_PROGRAM=${AQ_NINJA}" "-DCMAKE_C_COMPILER=${AQ_C_COMPILER}"
          "-DCMAKE_CXX_COMPILER=${AQ_CXX_COMPILER}" -DAQ_BUILD_TESTS=OFF -DAQ_BUILD_TOOLS=OFF
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "FAILED: configuring with Ninja Multi-Config (exit ${rc}):\n${out}")
endif()

set(hardening -fstack-protector-strong -D_FORTIFY_SOURCE=2)
set(problems "")
foreach(config IN ITEMS Debug Release RelWithDebInfo)
  set(object "src/CMakeFiles/aqsnap_objects.dir/${config}/model/version.c.o")
  execute_process(COMMAND "${AQ_NINJA}" -C "${AQ_WORK_DIR}" -f "build-${config}.ninja"
                          -t commands "${object}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE commands ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT commands MATCHES "version[.]c\n?$")
    message(FATAL_ERROR "FAILED: no compile command for ${object} in build-${config}.ninja "
                        "(exit ${rc}):\n${commands}${err}")
  endif()
  string(REGEX MATCH "[^\n]*version[.]c\n?$" command "${commands}")
  separate_arguments(args UNIX_COMMAND "${command}")
  foreach(flag IN LISTS hardening)
    if(config STREQUAL "Debug" AND flag IN_LIST args)
      string(APPEND problems "  ${config} has ${flag}\n")
    elseif(NOT config STREQUAL "Debug" AND NOT flag IN_LIST args)
      string(APPEND problems "  ${config} lacks ${flag}\n")
    endif()
  endforeach()
endforeach()

file(REMOVE_RECURSE "${AQ_WORK_DIR}")
if(problems)
  message(FATAL_ERROR "FAILED: hardening flags per configuration (Ninja Multi-Config):\n"
                      "${problems}")
endif()
message(STATUS "ok: Ninja Multi-Config: Release and RelWithDebInfo are hardened "
               "(${hardening}), Debug is not")
