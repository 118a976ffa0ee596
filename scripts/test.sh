#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The whole test suite, as CI runs it (README "Quick start"). Installs what it needs first.
# Warnings are errors in every build here (AQ_WERROR, on in the presets of CMakePresets.json).
#   1. gcc RelWithDebInfo (preset dev): every ctest test (unit, compat, CLI, schema gate,
#      Python, the engine's model with serde_json, fuzz replay, install + consumers, headers,
#      exports and the symbol list, gen freshness, docs, licence headers), then the unit tests
#      under valgrind.
#   2. gcc Release, -O3 (preset ci-release): the build users get by default, every ctest test.
#   3. clang Debug, AddressSanitizer + UndefinedBehaviorSanitizer (preset ci-asan): every ctest
#      test again.
#   4. libFuzzer smoke run of each fuzz target (AQ_FUZZ_SECONDS each, default 20).
#   5. The benchmarks build, the engine peer (Rust, cargo) included; they are never run as tests.
#   6. The evolution drill (scripts/evolution-drill.sh): a new schema version's fields need
#      nothing but the .proto files and model.h.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/deps.sh"
jobs=$(nproc)

step() { printf '\n=== %s\n' "$*"; }

step "gcc RelWithDebInfo: build and ctest"
cmake --preset dev -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ -DAQ_VALGRIND=ON >/dev/null
cmake --build --preset dev -j "$jobs"
ctest --preset dev -j "$jobs" -LE valgrind
step "gcc: unit tests under valgrind memcheck"
ctest --preset dev -j "$jobs" -L valgrind

step "gcc Release: build and ctest"
cmake --preset ci-release >/dev/null
cmake --build --preset ci-release -j "$jobs"
ctest --preset ci-release -j "$jobs"

step "clang Debug with AddressSanitizer + UndefinedBehaviorSanitizer: build and ctest"
cmake --preset ci-asan >/dev/null
cmake --build --preset ci-asan -j "$jobs"
ctest --preset ci-asan -j "$jobs"

step "libFuzzer smoke"
"$root/scripts/fuzz.sh" "${AQ_FUZZ_SECONDS:-20}"

step "benchmarks build"
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DAQ_BUILD_BENCH=ON -DAQ_BUILD_TESTS=OFF \
  -DAQ_WERROR=ON >/dev/null
cmake --build build/bench -j "$jobs"

step "evolution drill"
"$root/scripts/evolution-drill.sh"

step "all green"
