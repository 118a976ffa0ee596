# SPDX-License-Identifier: Apache-2.0
# Warnings for our own targets. Generated code (gen/) gets its own, narrower set below.
set(AQ_WARNINGS_COMMON
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wcast-qual -Wcast-align
    -Wundef -Wwrite-strings -Wformat=2 -Wnull-dereference -Wvla)
set(AQ_WARNINGS_C_ONLY
    -Wstrict-prototypes -Wmissing-prototypes -Werror=implicit-function-declaration)

# Our code is ISO C11 plus POSIX.1-2008 (O_CLOEXEC, fsync, gmtime_r...), asked for explicitly
# since CMAKE_C_EXTENSIONS is off.
function(aq_apply_warnings target)
  target_compile_definitions(${target} PRIVATE $<$<COMPILE_LANGUAGE:C>:_POSIX_C_SOURCE=200809L>)
  target_compile_options(${target} PRIVATE ${AQ_WARNINGS_COMMON}
                         $<$<COMPILE_LANGUAGE:C>:${AQ_WARNINGS_C_ONLY}>)
  if(AQ_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  # Hardening for optimised configurations, chosen per configuration at build time (a
  # multi-config generator such as Ninja Multi-Config sets no CMAKE_BUILD_TYPE).
  set(optimised "$<CONFIG:Release,RelWithDebInfo,MinSizeRel>")
  target_compile_options(${target} PRIVATE $<${optimised}:-fstack-protector-strong>)
  target_compile_definitions(${target} PRIVATE $<${optimised}:_FORTIFY_SOURCE=2>)
endfunction()

# protoc-c output is never edited, so its warnings are addressed in proto/ or not at all.
# -Wno-pedantic: it uses anonymous unions for oneofs (C11, fine) and casts that pedantic dislikes.
set(AQ_GEN_WARNINGS -Wall -Wextra -Wno-unused-parameter -Wno-pedantic)
