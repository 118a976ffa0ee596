# SPDX-License-Identifier: Apache-2.0
# Stand-in for a schema.* or python.* test whose tool was not found when CMake configured the
# build: the test fails (never skips) and says how to fix it.
# Usage: cmake "-DAQ_MISSING=<what is missing>" -P missing_tool.cmake
message(FATAL_ERROR "${AQ_MISSING}: run scripts/deps.sh (as root), then re-run cmake so that "
                    "it finds the tool.")
