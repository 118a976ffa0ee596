# SPDX-License-Identifier: Apache-2.0
# What `cmake --install` puts beside the headers and libraries (src/CMakeLists.txt) and the tool
# (tools/CMakeLists.txt): the schema and its descriptor set, the CMake package, the pkg-config
# file, the man page, and the documentation with the C examples.
set(AQ_CMAKE_PACKAGE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/aqsnap)

# ---- the schema, for programs in any language: share/aqsnap/proto/ (an import root for protoc)
# and share/aqsnap/aqsnap.binpb, its FileDescriptorSet with every import ---------------------------
option(AQ_DESCRIPTOR_SET "Build and install the schema's descriptor set (needs protoc)" ON)
set(AQ_INSTALL_PROTODIR ${CMAKE_INSTALL_DATADIR}/aqsnap/proto)
set(AQ_INSTALL_DESCRIPTOR_SET ${CMAKE_INSTALL_DATADIR}/aqsnap/aqsnap.binpb)
file(GLOB_RECURSE AQ_PROTO_FILES CONFIGURE_DEPENDS RELATIVE ${PROJECT_SOURCE_DIR}/proto
     ${PROJECT_SOURCE_DIR}/proto/*.proto)
foreach(proto IN LISTS AQ_PROTO_FILES)
  get_filename_component(proto_dir ${proto} DIRECTORY)
  install(FILES ${PROJECT_SOURCE_DIR}/proto/${proto} DESTINATION ${AQ_INSTALL_PROTODIR}/${proto_dir})
endforeach()
if(AQ_DESCRIPTOR_SET)
  find_program(AQ_PROTOC protoc DOC "protoc, for the descriptor set and the cross-language tests")
  if(NOT AQ_PROTOC)
    message(FATAL_ERROR "aqsnap: protoc not found: install it (Debian: protobuf-compiler, or run "
                        "scripts/deps.sh), or configure with -DAQ_DESCRIPTOR_SET=OFF to install the "
                        "schema without its descriptor set")
  endif()
  list(TRANSFORM AQ_PROTO_FILES PREPEND ${PROJECT_SOURCE_DIR}/proto/ OUTPUT_VARIABLE proto_paths)
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/aqsnap.binpb
    COMMAND ${AQ_PROTOC} --include_imports --descriptor_set_out=${PROJECT_BINARY_DIR}/aqsnap.binpb
            -I ${PROJECT_SOURCE_DIR}/proto ${AQ_PROTO_FILES}
    DEPENDS ${proto_paths}
    COMMENT "Descriptor set of the schema (aqsnap.binpb)" VERBATIM)
  add_custom_target(aq_descriptor_set ALL DEPENDS ${PROJECT_BINARY_DIR}/aqsnap.binpb)
  install(FILES ${PROJECT_BINARY_DIR}/aqsnap.binpb
          DESTINATION ${CMAKE_INSTALL_DATADIR}/aqsnap)
endif()

# ---- CMake package: aqsnapConfig.cmake loads the shared target, and the static one when its
# dependencies are found -------------------------------------------------------------------------
install(EXPORT aqsnapTargets NAMESPACE aqsnap:: DESTINATION ${AQ_CMAKE_PACKAGE_DIR})
install(EXPORT aqsnapStaticTargets NAMESPACE aqsnap:: DESTINATION ${AQ_CMAKE_PACKAGE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/aqsnapConfig.cmake.in
  ${PROJECT_BINARY_DIR}/aqsnapConfig.cmake
  INSTALL_DESTINATION ${AQ_CMAKE_PACKAGE_DIR}
  PATH_VARS AQ_INSTALL_PROTODIR AQ_INSTALL_DESCRIPTOR_SET)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/aqsnapConfigVersion.cmake
  COMPATIBILITY ${AQ_PACKAGE_COMPATIBILITY})
install(FILES ${PROJECT_BINARY_DIR}/aqsnapConfig.cmake ${PROJECT_BINARY_DIR}/aqsnapConfigVersion.cmake
  DESTINATION ${AQ_CMAKE_PACKAGE_DIR})

# ---- aqsnap.pc ----------------------------------------------------------------------------------
# It finds its prefix from its own location (pkg-config's ${pcfiledir}), as the CMake package
# does, so that `cmake --install <build> --prefix <elsewhere>` installs a working file.
file(RELATIVE_PATH AQ_PC_PREFIX_FROM_PCFILEDIR ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig
     ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" AQ_PC_PREFIX_FROM_PCFILEDIR "${AQ_PC_PREFIX_FROM_PCFILEDIR}")
foreach(dir IN ITEMS LIBDIR INCLUDEDIR DATADIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(AQ_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(AQ_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
set(AQ_PC_DESCRIPTOR_SET "")
if(AQ_DESCRIPTOR_SET)
  set(AQ_PC_DESCRIPTOR_SET "descriptorset=\${datadir}/aqsnap/aqsnap.binpb")
endif()
list(TRANSFORM AQ_CXX_RUNTIME PREPEND "-l" OUTPUT_VARIABLE AQ_PC_CXX_RUNTIME)
list(JOIN AQ_PC_CXX_RUNTIME " " AQ_PC_CXX_RUNTIME)
configure_file(${PROJECT_SOURCE_DIR}/cmake/aqsnap.pc.in ${PROJECT_BINARY_DIR}/aqsnap.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/aqsnap.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# ---- man page, documentation, licence and the C examples: share/man, share/doc/aqsnap ----------
if(AQ_BUILD_TOOLS)
  install(FILES ${PROJECT_SOURCE_DIR}/docs/aqsnap.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()
file(GLOB AQ_DOCS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${AQ_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)
install(FILES ${PROJECT_SOURCE_DIR}/examples/engine_snapshot.c
              ${PROJECT_SOURCE_DIR}/examples/engine_stream.c
              ${PROJECT_SOURCE_DIR}/examples/snapshot.bin
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
