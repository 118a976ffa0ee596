# SPDX-License-Identifier: Apache-2.0
cmake_minimum_required(VERSION 3.25)
# One compat fixture (ctest compat.<dir>.<case>), run with the fixture's directory layout:
#   -DAQ_TOOL=<aqsnap> -DAQ_COMPAT=<compat dir> -DAQ_FIXTURE=<path relative to compat, no .snap>
# ok_*:  `aqsnap validate` exits 0 and `aqsnap dump --pretty` prints exactly <case>.dump;
#        for engine JSON fixtures also: JSON -> protobuf -> JSON gives back the identical file.
# bad_*: `aqsnap validate` prints exactly <case>.err ("exit N", stdout, stderr).
set(snap "${AQ_FIXTURE}.snap")
get_filename_component(case "${AQ_FIXTURE}" NAME)

function(must_equal what expected_file actual)
  get_filename_component(expected_file "${expected_file}" ABSOLUTE BASE_DIR "${AQ_COMPAT}")
  file(READ "${expected_file}" expected)
  if(NOT actual STREQUAL expected)
    file(WRITE "${AQ_WORK}/actual" "${actual}")
    execute_process(COMMAND diff -u "${expected_file}" "${AQ_WORK}/actual"
                    OUTPUT_VARIABLE d)
    string(SUBSTRING "${d}" 0 4000 d)
    message(FATAL_ERROR "${what} differs from ${expected_file}:\n${d}")
  endif()
endfunction()

file(MAKE_DIRECTORY "${AQ_WORK}")
execute_process(COMMAND "${AQ_TOOL}" validate "${snap}" WORKING_DIRECTORY "${AQ_COMPAT}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE errout)

if(case MATCHES "^bad_")
  must_equal("aqsnap validate ${snap}" "${AQ_FIXTURE}.err" "exit ${rc}\n${out}${errout}")
  return()
endif()

if(NOT rc EQUAL 0)
  message(FATAL_ERROR "aqsnap validate ${snap} exited ${rc}:\n${out}${errout}")
endif()
execute_process(COMMAND "${AQ_TOOL}" dump --pretty "${snap}" WORKING_DIRECTORY "${AQ_COMPAT}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE dump ERROR_VARIABLE errout)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "aqsnap dump ${snap} exited ${rc}: ${errout}")
endif()
# Goldens written before the writer followed serde's skip_serializing_if show an absent Cron
# max_occurrences as `"max_occurrences": null` (compat/README.md): the dump now omits the key.
file(READ "${AQ_COMPAT}/${AQ_FIXTURE}.dump" golden)
string(REGEX REPLACE ",\n *\"max_occurrences\": null" "" golden "${golden}")
file(WRITE "${AQ_WORK}/golden.dump" "${golden}")
must_equal("aqsnap dump --pretty ${snap}" "${AQ_WORK}/golden.dump" "${dump}")

if(AQ_FIXTURE MATCHES "^engine-json/")
  execute_process(COMMAND "${AQ_TOOL}" convert --to protobuf "${AQ_COMPAT}/${snap}" "${AQ_WORK}/pb.snap"
                  RESULT_VARIABLE rc1 ERROR_VARIABLE e1)
  execute_process(COMMAND "${AQ_TOOL}" convert --to json "${AQ_WORK}/pb.snap" "${AQ_WORK}/json.snap"
                  RESULT_VARIABLE rc2 ERROR_VARIABLE e2)
  if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0)
    message(FATAL_ERROR "convert failed: ${e1}${e2}")
  endif()
  execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${AQ_COMPAT}/${snap}" "${AQ_WORK}/json.snap"
                  RESULT_VARIABLE same)
  if(NOT same EQUAL 0)
    message(FATAL_ERROR "${snap}: JSON -> protobuf -> JSON is not the identical file")
  endif()
endif()
file(REMOVE_RECURSE "${AQ_WORK}")
