# AQ_SANITIZER=address,undefined instruments every target of the build, tests included.
if(AQ_SANITIZER)
  add_compile_options(-fsanitize=${AQ_SANITIZER} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${AQ_SANITIZER})
endif()
