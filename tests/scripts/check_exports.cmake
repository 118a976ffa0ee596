# ctest driver for exports.only_aq: the shared library exports only the public API, i.e. every
# defined dynamic symbol starts with "aq_" and is not an "aq__" internal (STYLE.md section 5).
# protobuf-c's runtime, the generated actionqueue__* descriptors and our internals stay hidden.
#
# Usage: cmake -DAQ_NM=<nm> -DAQ_LIBRARY=<libaqsnap.so> -P check_exports.cmake
cmake_minimum_required(VERSION 3.25)

if(NOT AQ_NM OR NOT EXISTS "${AQ_NM}")
  message(FATAL_ERROR "nm not found (got '${AQ_NM}'): install binutils and re-run cmake")
endif()
if(NOT AQ_LIBRARY OR NOT EXISTS "${AQ_LIBRARY}")
  message(FATAL_ERROR "shared library '${AQ_LIBRARY}' not found: build the project first")
endif()

execute_process(COMMAND "${AQ_NM}" -D --defined-only "${AQ_LIBRARY}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${AQ_NM} -D --defined-only ${AQ_LIBRARY} failed (${rc}):\n${err}")
endif()

# Lines are "<address> <type> <name>[@<version>]".
string(REPLACE "\n" ";" lines "${out}")
set(bad "")
set(good "")
foreach(line IN LISTS lines)
  if(line MATCHES "^[0-9A-Fa-f]* *([A-Za-z?]) +([^ @]+)")
    set(type "${CMAKE_MATCH_1}")
    set(name "${CMAKE_MATCH_2}")
    if(name MATCHES "^aq_[A-Za-z0-9]")
      list(APPEND good "${name}")
    else()
      list(APPEND bad "${type} ${name}")
    endif()
  elseif(NOT line STREQUAL "")
    list(APPEND bad "unparsed nm line: ${line}")
  endif()
endforeach()

list(LENGTH good n_good)
if(bad)
  list(JOIN bad "\n  " bad_text)
  message(FATAL_ERROR "FAILED: ${AQ_LIBRARY} exports symbols outside the public aq_* API "
                      "(mark internals static or leave them without AQ_API; the library is built "
                      "with hidden visibility):\n  ${bad_text}")
endif()
# Guard against vacuous success (nm printing nothing, a stripped or wrong file).
if(NOT "aq_version_number" IN_LIST good)
  message(FATAL_ERROR "FAILED: aq_version_number is not exported by ${AQ_LIBRARY} "
                      "(${n_good} aq_* symbols found)")
endif()
message(STATUS "ok: ${AQ_LIBRARY} exports ${n_good} symbols, all aq_*")
