# SPDX-License-Identifier: Apache-2.0
# ctest driver for install.files: `cmake --install` of the build tree into a scratch prefix
# installs exactly the documented set (README "Installing"), and each part works:
#   - the file list: headers, the shared library (real file, soname link, link-time link) and
#     the static one, the CMake package (both export sets), aqsnap.pc, the .proto files under
#     share/aqsnap/proto/ and the descriptor set, README, LICENSE, docs/*.md and the C examples
#     under share/doc/aqsnap/, and with the tool (AQ_BUILD_TOOLS) bin/aqsnap and aqsnap(1);
#     nothing missing, nothing else;
#   - the shared library's soname is libaqsnap.so.AQ_SOVERSION (docs/ABI.md);
#   - the installed .proto files compile with protoc into the installed descriptor set, byte for
#     byte, and pkg-config's protodir and descriptorset variables point at them;
#   - the installed tool runs without LD_LIBRARY_PATH and loads the installed library.
# Everything happens under AQ_WORK_DIR (install_common.cmake).
#
# Usage: cmake -DAQ_BUILD_DIR=<build> -DAQ_CONFIG=<config> -DAQ_WORK_DIR=<scratch dir>
#              -DAQ_SOURCE_DIR=<top> -DAQ_VERSION=<version> -DAQ_SOVERSION=<soversion>
#              -DAQ_BINDIR=.. -DAQ_LIBDIR=.. -DAQ_INCLUDEDIR=.. -DAQ_DATADIR=.. -DAQ_MANDIR=..
#              -DAQ_DOCDIR=.. (the CMAKE_INSTALL_<dir>s, relative) -DAQ_WITH_TOOL=<0|1>
#              -DAQ_DESCRIPTOR_SET=<ON|OFF> -DAQ_PROTOC=<protoc> -DAQ_READELF=<readelf>
#              -DAQ_PKG_CONFIG=<pkg-config> -P install_files.cmake
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS AQ_BUILD_DIR AQ_WORK_DIR AQ_SOURCE_DIR AQ_VERSION AQ_SOVERSION AQ_BINDIR
                     AQ_LIBDIR AQ_INCLUDEDIR AQ_DATADIR AQ_MANDIR AQ_DOCDIR AQ_WITH_TOOL
                     AQ_DESCRIPTOR_SET AQ_READELF AQ_PKG_CONFIG)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "install_files.cmake: ${var} is not set")
  endif()
endforeach()

include(${CMAKE_CURRENT_LIST_DIR}/install_common.cmake)

# same_path(<what> <got> <expected>): both name the same existing file or directory.
function(same_path what got expected)
  if(NOT EXISTS "${got}")
    fail("${what} is ${got}, which does not exist; expected ${expected}")
  endif()
  file(REAL_PATH "${got}" got_real)
  file(REAL_PATH "${expected}" expected_real)
  if(NOT got_real STREQUAL expected_real)
    fail("${what} is ${got_real}, expected ${expected_real}")
  endif()
endfunction()

unset(ENV{PKG_CONFIG_PATH})
set(ENV{PKG_CONFIG_LIBDIR} "${prefix}/${AQ_LIBDIR}/pkgconfig")
install_build_tree()

# ---- the file list ------------------------------------------------------------------------------
if(AQ_CONFIG)
  string(TOLOWER "${AQ_CONFIG}" config_suffix)
else()
  set(config_suffix noconfig)
endif()
set(lib "${AQ_LIBDIR}")
set(doc "${AQ_DOCDIR}")
set(expected
    "${lib}/libaqsnap.a" "${lib}/libaqsnap.so" "${lib}/libaqsnap.so.${AQ_SOVERSION}"
    "${lib}/libaqsnap.so.${AQ_VERSION}" "${lib}/pkgconfig/aqsnap.pc"
    "${doc}/README.md" "${doc}/LICENSE" "${doc}/examples/engine_snapshot.c"
    "${doc}/examples/engine_stream.c" "${doc}/examples/snapshot.bin")
foreach(file IN ITEMS aqsnapConfig aqsnapConfigVersion aqsnapTargets aqsnapStaticTargets
                      aqsnapTargets-${config_suffix} aqsnapStaticTargets-${config_suffix})
  list(APPEND expected "${lib}/cmake/aqsnap/${file}.cmake")
endforeach()
file(GLOB headers RELATIVE "${AQ_SOURCE_DIR}/include" "${AQ_SOURCE_DIR}/include/aqsnap.h"
     "${AQ_SOURCE_DIR}/include/aqsnap/*.h")
list(TRANSFORM headers PREPEND "${AQ_INCLUDEDIR}/")
file(GLOB_RECURSE protos RELATIVE "${AQ_SOURCE_DIR}/proto" "${AQ_SOURCE_DIR}/proto/*.proto")
list(TRANSFORM protos PREPEND "${AQ_DATADIR}/aqsnap/proto/")
file(GLOB docs RELATIVE "${AQ_SOURCE_DIR}" "${AQ_SOURCE_DIR}/docs/*.md")
list(TRANSFORM docs PREPEND "${doc}/")
list(APPEND expected ${headers} ${protos} ${docs})
if(AQ_DESCRIPTOR_SET)
  list(APPEND expected "${AQ_DATADIR}/aqsnap/aqsnap.binpb")
endif()
if(AQ_WITH_TOOL)
  list(APPEND expected "${AQ_BINDIR}/aqsnap" "${AQ_MANDIR}/man1/aqsnap.1")
endif()
file(GLOB_RECURSE installed LIST_DIRECTORIES false RELATIVE "${prefix}" "${prefix}/*")
set(missing ${expected})
list(REMOVE_ITEM missing ${installed})
set(extra ${installed})
list(REMOVE_ITEM extra ${expected})
if(missing OR extra)
  foreach(list IN ITEMS missing extra)
    if(NOT ${list})
      set(${list} "(none)")
    endif()
    list(JOIN ${list} "\n  " ${list})
  endforeach()
  fail("the installed files differ from the expected set.\nmissing:\n  ${missing}\n"
       "not expected:\n  ${extra}")
endif()
list(LENGTH installed n_installed)
message(STATUS "ok: the ${n_installed} files expected, and nothing else")

# ---- the soname follows the ABI policy ------------------------------------------------------
run(readelf "${AQ_READELF}" -d "${prefix}/${lib}/libaqsnap.so")
if(NOT run_output MATCHES "SONAME[^\n]*\\[libaqsnap[.]so[.]${AQ_SOVERSION}\\]")
  fail("${prefix}/${lib}/libaqsnap.so: soname is not libaqsnap.so.${AQ_SOVERSION}:\n${run_output}")
endif()

# ---- the schema: pkg-config's variables, and the descriptor set made from the installed files --
set(protodir "${prefix}/${AQ_DATADIR}/aqsnap/proto")
run("pkg-config --variable=protodir" "${AQ_PKG_CONFIG}" --variable=protodir aqsnap)
same_path("aqsnap.pc's protodir" "${run_output}" "${protodir}")
if(AQ_DESCRIPTOR_SET)
  set(descriptor_set "${prefix}/${AQ_DATADIR}/aqsnap/aqsnap.binpb")
  run("pkg-config --variable=descriptorset" "${AQ_PKG_CONFIG}" --variable=descriptorset aqsnap)
  same_path("aqsnap.pc's descriptorset" "${run_output}" "${descriptor_set}")
  if(NOT AQ_PROTOC OR NOT EXISTS "${AQ_PROTOC}")
    fail("protoc not found (got '${AQ_PROTOC}'): run scripts/deps.sh")
  endif()
  file(GLOB_RECURSE installed_protos RELATIVE "${protodir}" "${protodir}/*.proto")
  run("protoc on the installed schema" "${AQ_PROTOC}" -I "${protodir}" --include_imports
      "--descriptor_set_out=${work}/rebuilt.binpb" ${installed_protos})
  file(SHA256 "${work}/rebuilt.binpb" rebuilt_hash)
  file(SHA256 "${descriptor_set}" installed_hash)
  if(NOT rebuilt_hash STREQUAL installed_hash)
    fail("protoc -I ${protodir} ${installed_protos} does not give the installed descriptor set "
         "${descriptor_set}: the two are out of step")
  endif()
  message(STATUS "ok: the installed .proto files compile into the installed descriptor set")
endif()

# ---- the installed tool finds the installed library by itself ---------------------------------
if(AQ_WITH_TOOL)
  set(tool "${prefix}/${AQ_BINDIR}/aqsnap")
  run("installed tool" "${CMAKE_COMMAND}" -E env --unset=LD_LIBRARY_PATH "${tool}" inspect
      "${AQ_SOURCE_DIR}/compat/v8/ok_document.snap")
  if(NOT run_output MATCHES "validation: +ok")
    fail("${tool} inspect did not report a valid snapshot:\n${run_output}")
  endif()
  file(GET_RUNTIME_DEPENDENCIES EXECUTABLES "${tool}" RESOLVED_DEPENDENCIES_VAR resolved
       UNRESOLVED_DEPENDENCIES_VAR unresolved)
  list(FILTER resolved INCLUDE REGEX "libaqsnap[.]so")
  if(NOT resolved)
    fail("${tool} does not resolve libaqsnap.so by itself (unresolved: ${unresolved})")
  endif()
  same_path("the library ${tool} loads" "${resolved}" "${prefix}/${lib}/libaqsnap.so.${AQ_SOVERSION}")
  message(STATUS "ok: ${tool} runs and loads ${resolved}")
endif()

cleanup()
message(STATUS "ok: aqsnap ${AQ_VERSION} installs what it documents, and it works")
