# SPDX-License-Identifier: Apache-2.0
# ctest driver for install.consumer: install the build tree into a scratch prefix, then build
# tests/consumer (pure C) against it the four ways a downstream project would, and run each on an
# engine JSON file and a protobuf file (it loads them and writes them back byte for byte):
#   cmake shared       find_package(aqsnap) + aqsnap::aqsnap, with the static library's
#                      dependencies hidden (CMAKE_DISABLE_FIND_PACKAGE_PkgConfig/ZLIB/simdjson,
#                      as on a machine without their development packages)
#   cmake static       find_package(aqsnap COMPONENTS static) + aqsnap::aqsnap_static
#   pkg-config shared  cc $(pkg-config --cflags --libs aqsnap), with PKG_CONFIG_LIBDIR holding
#                      only aqsnap.pc (no other .pc file is reachable)
#   pkg-config static  the archive + $(pkg-config --static --libs aqsnap)
# A shared consumer must depend on libaqsnap.so alone (none of protobuf-c, zlib, simdjson,
# libstdc++ among its own DT_NEEDED entries) and load the installed copy; a static one must not
# load libaqsnap.so. `pkg-config --cflags` must give nothing but -I. The CMake package must
# refuse a request for an older minor version while the major version is 0 (docs/ABI.md), and
# give the installed schema (aqsnap_PROTO_DIR, aqsnap_DESCRIPTOR_SET). install.files checks what
# was installed.
# Everything happens under AQ_WORK_DIR (inside the build tree), removed at the end, also on
# failure unless AQ_KEEP_TEST_TMP is set in the environment. Only the build tree, the source
# tree's fixtures and the system (/usr: compiler, protobuf-c, zlib, pkg-config) are used.
#
# Usage: cmake -DAQ_BUILD_DIR=<build> -DAQ_CONFIG=<config> -DAQ_WORK_DIR=<scratch dir>
#              -DAQ_SOURCE_DIR=<top> -DAQ_CONSUMER_DIR=<tests/consumer>
#              -DAQ_LIBDIR=<CMAKE_INSTALL_LIBDIR> -DAQ_INCLUDEDIR=<CMAKE_INSTALL_INCLUDEDIR>
#              -DAQ_VERSION=<PROJECT_VERSION> -DAQ_GENERATOR=<generator> -DAQ_C_COMPILER=<cc>
#              -DAQ_SOVERSION=<soversion> -DAQ_PKG_CONFIG=<pkg-config> -DAQ_READELF=<readelf>
#              -DAQ_DESCRIPTOR_SET=<ON|OFF>
#              [-DAQ_SANITIZER=address,undefined] -P install_consumer.cmake
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS AQ_BUILD_DIR AQ_WORK_DIR AQ_SOURCE_DIR AQ_CONSUMER_DIR AQ_LIBDIR AQ_INCLUDEDIR
                     AQ_VERSION AQ_SOVERSION AQ_GENERATOR AQ_C_COMPILER AQ_READELF)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "install_consumer.cmake: ${var} is not set")
  endif()
endforeach()

include(${CMAKE_CURRENT_LIST_DIR}/install_common.cmake)
set(libdir "${prefix}/${AQ_LIBDIR}")

# The executable links libaqsnap.so dynamically (expected TRUE) or not at all (FALSE).
function(check_links_shared exe expected)
  file(GET_RUNTIME_DEPENDENCIES EXECUTABLES "${exe}" DIRECTORIES "${libdir}"
       RESOLVED_DEPENDENCIES_VAR resolved UNRESOLVED_DEPENDENCIES_VAR unresolved)
  set(found "")
  foreach(dep IN LISTS resolved unresolved)
    if(dep MATCHES "libaqsnap[.]so")
      list(APPEND found "${dep}")
    endif()
  endforeach()
  if(expected AND NOT found)
    fail("${exe} does not load libaqsnap.so at run time")
  elseif(NOT expected AND found)
    fail("${exe} should be linked statically but loads ${found}")
  endif()
  if(expected)
    file(REAL_PATH "${found}" found_real)
    file(REAL_PATH "${libdir}" libdir_real)
    string(FIND "${found_real}" "${libdir_real}/" at)
    if(NOT at EQUAL 0)
      fail("${exe} loads ${found_real}, not the library installed in ${libdir_real}")
    endif()
  endif()
endfunction()

# A shared consumer's own DT_NEEDED entries: libaqsnap.so, and none of the library's private
# dependencies (their presence would mean the consumer was linked against their dev packages).
function(check_direct_deps exe)
  execute_process(COMMAND "${AQ_READELF}" -d "${exe}" RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    fail("${AQ_READELF} -d ${exe} failed (exit ${rc}):\n${out}")
  endif()
  string(REGEX MATCHALL "NEEDED[^\n]*\\[[^]]*\\]" needed "${out}")
  list(TRANSFORM needed REPLACE ".*\\[(.*)\\]" "\\1")
  set(private "")
  foreach(lib IN LISTS needed)
    if(lib MATCHES "^lib(protobuf-c|z|simdjson|stdc[+][+])[.]so")
      list(APPEND private "${lib}")
    endif()
  endforeach()
  if(private)
    fail("${exe} depends directly on ${private} (DT_NEEDED: ${needed}): a consumer of the shared "
         "library must need libaqsnap.so only")
  endif()
  if(NOT "libaqsnap.so.${AQ_SOVERSION}" IN_LIST needed)
    fail("${exe}: no libaqsnap.so.${AQ_SOVERSION} among its DT_NEEDED entries (${needed})")
  endif()
endfunction()

# run_consumer(<step> <exe> [env...]): the consumer on the fixtures; one line per file, each
# written back identically.
set(fixtures "${AQ_SOURCE_DIR}/compat/engine-json/v8/ok_document.snap"
             "${AQ_SOURCE_DIR}/compat/v8/ok_document.snap")
function(run_consumer step exe)
  run("${step}" "${CMAKE_COMMAND}" -E env ${ARGN} "${exe}" ${fixtures})
  foreach(format IN ITEMS json protobuf)
    if(NOT run_output MATCHES ": ${format}, schema 8, [0-9]+ tasks, [0-9]+ runs, written back identically")
      fail("${step}: no '${format} ... written back identically' line in:\n${run_output}")
    endif()
  endforeach()
endfunction()

set(san_flags "")
if(AQ_SANITIZER)
  set(san_flags "-fsanitize=${AQ_SANITIZER}")
endif()

# Keep the environment from steering find_package or the compiler elsewhere.
unset(ENV{CMAKE_PREFIX_PATH})
unset(ENV{aqsnap_DIR})
unset(ENV{aqsnap_ROOT})
unset(ENV{PKG_CONFIG_PATH})
unset(ENV{PKG_CONFIG_LIBDIR})

# ---- 1. install -------------------------------------------------------------------------------
install_build_tree()
foreach(f IN ITEMS "${prefix}/${AQ_INCLUDEDIR}/aqsnap.h" "${libdir}/cmake/aqsnap/aqsnapConfig.cmake"
                   "${libdir}/pkgconfig/aqsnap.pc")
  if(NOT EXISTS "${f}")
    fail("cmake --install did not install ${f}")
  endif()
endforeach()

# ---- 2. CMake package: shared and static --------------------------------------------------------
set(build_type "${AQ_CONFIG}")
if(NOT build_type)
  set(build_type Release)
endif()
set(ld_path "${libdir}")
if(DEFINED ENV{LD_LIBRARY_PATH} AND NOT "$ENV{LD_LIBRARY_PATH}" STREQUAL "")
  string(APPEND ld_path ":$ENV{LD_LIBRARY_PATH}")
endif()

foreach(variant IN ITEMS shared static)
  set(bin "${work}/cmake-${variant}")
  if(variant STREQUAL "shared")
    set(target aqsnap::aqsnap)
    set(variant_args -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON -DCMAKE_DISABLE_FIND_PACKAGE_ZLIB=ON
                     -DCMAKE_DISABLE_FIND_PACKAGE_simdjson=ON -DAQ_CONSUMER_NO_STATIC_DEPS=ON)
  else()
    set(target aqsnap::aqsnap_static)
    set(variant_args "")
  endif()
  run("configure consumer (${target})" "${CMAKE_COMMAND}" -S "${AQ_CONSUMER_DIR}" -B "${bin}"
      -G "${AQ_GENERATOR}" "-DCMAKE_C_COMPILER=${AQ_C_COMPILER}" "-DCMAKE_BUILD_TYPE=${build_type}"
      "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
      -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF "-DCMAKE_C_FLAGS=${san_flags}"
      "-DCMAKE_EXE_LINKER_FLAGS=${san_flags}" "-DAQ_CONSUMER_TARGET=${target}"
      "-DAQ_CONSUMER_VERSION=${AQ_VERSION}"
      "-DAQ_CONSUMER_EXPECT_DIR=${libdir}/cmake/aqsnap"
      "-DAQ_CONSUMER_EXPECT_DESCRIPTOR_SET=${AQ_DESCRIPTOR_SET}" ${variant_args})
  run("build consumer (${target})" "${CMAKE_COMMAND}" --build "${bin}" --config "${build_type}")
  set(exe "${bin}/consumer")
  if(NOT EXISTS "${exe}")
    set(exe "${bin}/${build_type}/consumer")  # multi-config generators
  endif()
  if(variant STREQUAL "shared")
    check_links_shared("${exe}" TRUE)
    check_direct_deps("${exe}")
    run_consumer("run consumer (${target})" "${exe}" "LD_LIBRARY_PATH=${ld_path}")
  else()
    check_links_shared("${exe}" FALSE)
    run_consumer("run consumer (${target})" "${exe}")
  endif()
endforeach()

# While the major version is 0, each minor release has its own ABI: a request for the previous
# minor version must be refused (SameMinorVersion), not met by this one.
if(AQ_VERSION MATCHES "^0[.]([0-9]+)[.]" AND CMAKE_MATCH_1 GREATER 0)
  math(EXPR older_minor "${CMAKE_MATCH_1} - 1")
  set(older "0.${older_minor}")
  set(bin "${work}/cmake-older")
  execute_process(COMMAND "${CMAKE_COMMAND}" -S "${AQ_CONSUMER_DIR}" -B "${bin}"
                          -G "${AQ_GENERATOR}" "-DCMAKE_C_COMPILER=${AQ_C_COMPILER}"
                          "-DCMAKE_PREFIX_PATH=${prefix}" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
                          -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
                          "-DAQ_CONSUMER_VERSION=${older}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(rc EQUAL 0 OR NOT out MATCHES "compatible[ \n]+with requested version")
    fail("find_package(aqsnap ${older}) accepted aqsnap ${AQ_VERSION} (exit ${rc}): a 0.x "
         "release must only satisfy requests for its own minor version\n${out}")
  endif()
  message(STATUS "[find_package(aqsnap ${older})] refused, as it must be")
endif()

# ---- 3. pkg-config ------------------------------------------------------------------------------
if(NOT AQ_PKG_CONFIG OR NOT EXISTS "${AQ_PKG_CONFIG}")
  fail("pkg-config not found (got '${AQ_PKG_CONFIG}'): cannot check the installed aqsnap.pc")
endif()
# Only aqsnap.pc is reachable: a shared consumer must not need any other package's .pc file.
set(ENV{PKG_CONFIG_LIBDIR} "${libdir}/pkgconfig")
run("pkg-config --modversion" "${AQ_PKG_CONFIG}" --modversion aqsnap)
if(NOT run_output STREQUAL AQ_VERSION)
  fail("pkg-config says aqsnap ${run_output}, the project is ${AQ_VERSION}")
endif()
# The .pc must describe where it was installed, not the configure-time CMAKE_INSTALL_PREFIX.
foreach(dir_var IN ITEMS includedir libdir)
  run("pkg-config --variable=${dir_var}" "${AQ_PKG_CONFIG}" --variable=${dir_var} aqsnap)
  if(dir_var STREQUAL "includedir")
    set(expected "${prefix}/${AQ_INCLUDEDIR}")
  else()
    set(expected "${libdir}")
  endif()
  if(NOT IS_DIRECTORY "${run_output}")
    fail("aqsnap.pc: ${dir_var}=${run_output} does not exist; expected ${expected} "
         "(the .pc file is not relocatable: cmake --install --prefix moved the package)")
  endif()
  file(REAL_PATH "${run_output}" got)
  file(REAL_PATH "${expected}" expected)
  if(NOT got STREQUAL expected)
    fail("aqsnap.pc: ${dir_var}=${got}, expected ${expected}")
  endif()
endforeach()

run("pkg-config --cflags" "${AQ_PKG_CONFIG}" --cflags aqsnap)
separate_arguments(pc_cflags UNIX_COMMAND "${run_output}")
foreach(flag IN LISTS pc_cflags)
  if(NOT flag MATCHES "^-I")
    fail("pkg-config --cflags aqsnap gives '${flag}': only -I belongs there (a dependency's "
         "flags must not reach consumers)")
  endif()
endforeach()
run("pkg-config --libs" "${AQ_PKG_CONFIG}" --libs aqsnap)
separate_arguments(pc_libs UNIX_COMMAND "${run_output}")
run("pkg-config --static --libs" "${AQ_PKG_CONFIG}" --static --libs aqsnap)
separate_arguments(pc_static_libs UNIX_COMMAND "${run_output}")

set(strict -std=c99 -Wall -Wextra -pedantic -Werror)
set(exe "${work}/pkgconfig-shared")
run("pkg-config build (shared)" "${AQ_C_COMPILER}" ${strict} ${san_flags} ${pc_cflags}
    "${AQ_CONSUMER_DIR}/consumer.c" ${pc_libs} -o "${exe}")
check_links_shared("${exe}" TRUE)
check_direct_deps("${exe}")
run_consumer("pkg-config run (shared)" "${exe}" "LD_LIBRARY_PATH=${ld_path}")

# Static: the archive itself, then what --static adds (Libs.private: protobuf-c, zlib, simdjson
# and the C++ runtime, for a program linked by the C driver).
set(exe "${work}/pkgconfig-static")
run("pkg-config build (static archive)" "${AQ_C_COMPILER}" ${strict} ${san_flags} ${pc_cflags}
    "${AQ_CONSUMER_DIR}/consumer.c" "${libdir}/libaqsnap.a" -Wl,--as-needed ${pc_static_libs}
    -o "${exe}")
check_links_shared("${exe}" FALSE)
run_consumer("pkg-config run (static archive)" "${exe}")

cleanup()
message(STATUS "ok: installed aqsnap ${AQ_VERSION} works through find_package (shared, static) "
               "and pkg-config (shared, static)")
