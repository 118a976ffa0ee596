#!/bin/sh
# The whole test suite, as CI runs it (README "Quick start"). Installs what it needs first.
#   1. gcc, RelWithDebInfo: every ctest test (unit, compat, CLI, schema gate, Python, the
#      engine's model with serde_json, fuzz replay, install + consumer, headers, exports, gen
#      freshness), then the unit tests under valgrind.
#   2. clang, Debug, AddressSanitizer + UndefinedBehaviorSanitizer: every ctest test again.
#   3. libFuzzer smoke run of each fuzz target (AQ_FUZZ_SECONDS each, default 20).
#   4. The benchmarks build (they are never run as tests).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/deps.sh"
jobs=$(nproc)

step() { printf '\n=== %s\n' "$*"; }

step "gcc RelWithDebInfo: build and ctest"
cmake -S . -B build/gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc \
  -DCMAKE_CXX_COMPILER=g++ -DAQ_VALGRIND=ON >/dev/null
cmake --build build/gcc -j "$jobs"
ctest --test-dir build/gcc -j "$jobs" --output-on-failure -LE valgrind
step "gcc: unit tests under valgrind memcheck"
ctest --test-dir build/gcc -j "$jobs" --output-on-failure -L valgrind

step "clang Debug with AddressSanitizer + UndefinedBehaviorSanitizer: build and ctest"
cmake -S . -B build/clang-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DAQ_SANITIZER=address,undefined >/dev/null
cmake --build build/clang-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/clang-asan -j "$jobs" --output-on-failure

step "libFuzzer smoke"
"$root/scripts/fuzz.sh" "${AQ_FUZZ_SECONDS:-20}"

step "benchmarks build"
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DAQ_BUILD_BENCH=ON -DAQ_BUILD_TESTS=OFF >/dev/null
cmake --build build/bench -j "$jobs"

step "all green"
