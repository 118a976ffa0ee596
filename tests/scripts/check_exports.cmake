# SPDX-License-Identifier: Apache-2.0
# ctest driver for the exports.* tests, on the dynamic symbols the shared library defines:
#   exports.only_aq      every one starts with "aq_" and is not an "aq__" internal (STYLE.md
#                        section 5): protobuf-c's runtime, the generated actionqueue__*
#                        descriptors and our internals stay hidden.
#   exports.symbol_list  they are exactly the committed list AQ_SYMBOL_LIST (its ABI, see
#                        docs/ABI.md): a symbol that disappeared breaks every program using it;
#                        a new one must be added to the list on purpose.
#
# Usage: cmake -DAQ_NM=<nm> -DAQ_LIBRARY=<libaqsnap.so> [-DAQ_SYMBOL_LIST=<aqsnap.symbols>]
#              -P check_exports.cmake
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
# Guard against vacuous success (nm printing nothing, a stripped or wrong file).
if(NOT "aq_version_number" IN_LIST good)
  message(FATAL_ERROR "FAILED: aq_version_number is not exported by ${AQ_LIBRARY} "
                      "(${n_good} aq_* symbols found)")
endif()

if(NOT DEFINED AQ_SYMBOL_LIST)
  if(bad)
    list(JOIN bad "\n  " bad_text)
    message(FATAL_ERROR "FAILED: ${AQ_LIBRARY} exports symbols outside the public aq_* API "
                        "(mark internals static or leave them without AQ_API; the library is "
                        "built with hidden visibility):\n  ${bad_text}")
  endif()
  message(STATUS "ok: ${AQ_LIBRARY} exports ${n_good} symbols, all aq_*")
  return()
endif()

# ---- exports.symbol_list ----------------------------------------------------------------------
if(NOT EXISTS "${AQ_SYMBOL_LIST}")
  message(FATAL_ERROR "symbol list '${AQ_SYMBOL_LIST}' not found")
endif()
file(STRINGS "${AQ_SYMBOL_LIST}" listed REGEX "^[^#]")
set(exported "${good}")
foreach(entry IN LISTS bad)  # every defined symbol counts here, aq_* or not
  string(REGEX REPLACE "^. " "" entry "${entry}")
  list(APPEND exported "${entry}")
endforeach()
set(gone "${listed}")
list(REMOVE_ITEM gone ${exported})
set(added "${exported}")
list(REMOVE_ITEM added ${listed})
set(problems "")
if(gone)
  list(JOIN gone "\n  " text)
  string(APPEND problems "${AQ_LIBRARY} no longer exports these symbols of ${AQ_SYMBOL_LIST}; "
         "every program that calls one of them breaks (docs/ABI.md says when that is allowed; "
         "then remove them from the list in the same commit):\n  ${text}\n")
endif()
if(added)
  list(SORT added)
  list(JOIN added "\n" text)
  string(APPEND problems "${AQ_LIBRARY} exports symbols ${AQ_SYMBOL_LIST} does not list. If "
         "they are new public API, add these lines to the list (it is sorted); if not, keep them "
         "out of the public headers' AQ_API:\n${text}\n")
endif()
if(problems)
  message(FATAL_ERROR "FAILED: the exported symbols differ from the committed list.\n${problems}")
endif()
list(LENGTH listed n_listed)
message(STATUS "ok: ${AQ_LIBRARY} exports exactly the ${n_listed} symbols of ${AQ_SYMBOL_LIST}")
