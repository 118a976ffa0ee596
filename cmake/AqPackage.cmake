# What `cmake --install` puts beside the headers and libraries (src/CMakeLists.txt) and the tool
# (tools/CMakeLists.txt): the CMake package and the pkg-config file.
set(AQ_CMAKE_PACKAGE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/aqsnap)

# ---- CMake package: aqsnapConfig.cmake loads the shared target, and the static one when its
# dependencies are found -------------------------------------------------------------------------
install(EXPORT aqsnapTargets NAMESPACE aqsnap:: DESTINATION ${AQ_CMAKE_PACKAGE_DIR})
install(EXPORT aqsnapStaticTargets NAMESPACE aqsnap:: DESTINATION ${AQ_CMAKE_PACKAGE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/aqsnapConfig.cmake.in
  ${PROJECT_BINARY_DIR}/aqsnapConfig.cmake
  INSTALL_DESTINATION ${AQ_CMAKE_PACKAGE_DIR})
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
foreach(dir IN ITEMS LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(AQ_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(AQ_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
list(TRANSFORM AQ_CXX_RUNTIME PREPEND "-l" OUTPUT_VARIABLE AQ_PC_CXX_RUNTIME)
list(JOIN AQ_PC_CXX_RUNTIME " " AQ_PC_CXX_RUNTIME)
configure_file(${PROJECT_SOURCE_DIR}/cmake/aqsnap.pc.in ${PROJECT_BINARY_DIR}/aqsnap.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/aqsnap.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
