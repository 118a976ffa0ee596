# SPDX-License-Identifier: Apache-2.0
# AQ_SANITIZER=address,undefined instruments every target of the build, tests included.
# AQ_FUZZ=ON (clang) adds libFuzzer's coverage instrumentation to every target too, so that the
# fuzz targets in tests/fuzz/ see the library's branches, not just their own.
if(AQ_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
if(AQ_SANITIZER)
  add_compile_options(-fsanitize=${AQ_SANITIZER} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  # clang's vptr/function checks in the library's C++ (the JSON reader) need the C++ UBSan
  # runtime, which C programs linked by the C driver (the tool, the tests) do not bring.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fno-sanitize=vptr,function>)
  endif()
  add_link_options(-fsanitize=${AQ_SANITIZER})
endif()
