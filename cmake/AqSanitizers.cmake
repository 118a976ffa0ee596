# AQ_SANITIZER=address,undefined instruments every target of the build, tests included.
# AQ_FUZZ=ON (clang) adds libFuzzer's coverage instrumentation to every target too, so that the
# fuzz targets in tests/fuzz/ see the library's branches, not just their own.
if(AQ_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
if(AQ_SANITIZER)
  add_compile_options(-fsanitize=${AQ_SANITIZER} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${AQ_SANITIZER})
endif()
