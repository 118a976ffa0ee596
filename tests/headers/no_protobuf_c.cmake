# SPDX-License-Identifier: Apache-2.0
# ctest driver for headers.no_protobuf_c: the public headers never include protobuf-c, directly
# or through another header (STYLE.md section 6: generated types never leave src/).
#
# Two checks, over the headers present at test time:
# 1. grep: no #include line names protobuf-c, a protoc-c output (*.pb-c.h) or gen/'s
#    actionqueue/ tree;
# 2. preprocessor: `cc -M -MG` on each header lists every file it pulls in, system headers
#    included: none may be protobuf-c's or generated, and none may come from the source tree
#    outside include/ (src/, gen/), which is not installed.
#
# Usage: cmake -DAQ_INCLUDE_DIR=<include/> -DAQ_SOURCE_DIR=<top> -DAQ_COMPILER=<cc>
#              -P no_protobuf_c.cmake
cmake_minimum_required(VERSION 3.25)

if(NOT AQ_INCLUDE_DIR OR NOT IS_DIRECTORY "${AQ_INCLUDE_DIR}")
  message(FATAL_ERROR "no_protobuf_c.cmake: AQ_INCLUDE_DIR is not a directory: '${AQ_INCLUDE_DIR}'")
endif()

set(forbidden "protobuf-c|[.]pb-c[.]h|actionqueue/")
file(GLOB headers "${AQ_INCLUDE_DIR}/aqsnap.h" "${AQ_INCLUDE_DIR}/aqsnap/*.h")
if(NOT headers)
  message(FATAL_ERROR "no public headers found under ${AQ_INCLUDE_DIR}")
endif()

set(problems "")
foreach(h IN LISTS headers)
  file(RELATIVE_PATH rel "${AQ_INCLUDE_DIR}" "${h}")
  file(STRINGS "${h}" lines)
  set(n 0)
  foreach(line IN LISTS lines)
    math(EXPR n "${n} + 1")
    if(line MATCHES "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]*)[>\"]")
      if(CMAKE_MATCH_1 MATCHES "${forbidden}")
        string(APPEND problems "  include/${rel}:${n}: ${line}\n")
      endif()
    endif()
  endforeach()

  if(AQ_COMPILER)
    execute_process(COMMAND "${AQ_COMPILER}" -std=c11 "-I${AQ_INCLUDE_DIR}" -M -MG -x c "${h}"
                    RESULT_VARIABLE rc OUTPUT_VARIABLE deps ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      string(APPEND problems "  include/${rel}: the preprocessor failed:\n${err}\n")
    else()
      # Make-style rule "x.o: a.h b.h \\\n c.h": every file the header pulls in.
      string(REGEX REPLACE "\\\\\n" " " deps "${deps}")
      string(REGEX REPLACE "^[^:]*:" "" deps "${deps}")
      string(REGEX MATCHALL "[^ \t\n]+" deps "${deps}")
      foreach(d IN LISTS deps)
        cmake_path(NORMAL_PATH d)  # "include/aqsnap/../../src/x.h" is not a public header
        string(FIND "${d}" "${AQ_INCLUDE_DIR}/" in_include)
        if(in_include EQUAL 0)
          continue()  # our own public headers
        endif()
        set(in_source -1)
        if(AQ_SOURCE_DIR)
          string(FIND "${d}" "${AQ_SOURCE_DIR}/" in_source)
        endif()
        if(d MATCHES "protobuf-c|[.]pb-c[.]h$" OR in_source EQUAL 0)
          string(APPEND problems "  include/${rel} pulls in ${d}\n")
        endif()
      endforeach()
    endif()
  endif()
endforeach()

if(problems)
  message(FATAL_ERROR "FAILED: public headers must not include protobuf-c, generated code or "
                      "anything outside include/ (keep ProtobufC types in src/):\n${problems}")
endif()
list(LENGTH headers n_headers)
message(STATUS "ok: none of the ${n_headers} public headers includes protobuf-c or gen/")
