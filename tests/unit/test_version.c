/* SPDX-License-Identifier: Apache-2.0 */
/* Version: the header macros, the library actually linked and the CMake project agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "aqsnap/version.h"

/* tests/CMakeLists.txt passes project(aqsnap VERSION ...) in, so a bump of one side only fails. */
#if !defined(AQ_TEST_PROJECT_VERSION) || !defined(AQ_TEST_PROJECT_VERSION_MAJOR) ||                \
    !defined(AQ_TEST_PROJECT_VERSION_MINOR) || !defined(AQ_TEST_PROJECT_VERSION_PATCH)
#error "build through tests/CMakeLists.txt: it defines AQ_TEST_PROJECT_VERSION{,_MAJOR,_MINOR,_PATCH}"
#endif

/* A header/library mismatch is what aq_version_number() exists to detect (protobuf-c t/version). */
static void test_version__matches_header(void **state)
{
    (void)state;
    assert_int_equal(aq_version_number(), AQ_VERSION_NUMBER);
    assert_non_null(aq_version_string());
    assert_string_equal(aq_version_string(), AQ_VERSION_STRING);
}

/* AQ_VERSION_NUMBER = MAJOR*10000 + MINOR*100 + PATCH is only unambiguous with MINOR, PATCH < 100,
 * and the string must spell the same three numbers. */
static void test_version__parts_are_consistent(void **state)
{
    (void)state;
    char text[32];
    assert_in_range(AQ_VERSION_MAJOR, 0, 99);
    assert_in_range(AQ_VERSION_MINOR, 0, 99);
    assert_in_range(AQ_VERSION_PATCH, 0, 99);
    assert_int_equal(AQ_VERSION_NUMBER,
                     AQ_VERSION_MAJOR * 10000 + AQ_VERSION_MINOR * 100 + AQ_VERSION_PATCH);
    snprintf(text, sizeof text, "%d.%d.%d", AQ_VERSION_MAJOR, AQ_VERSION_MINOR, AQ_VERSION_PATCH);
    assert_string_equal(text, AQ_VERSION_STRING);
}

/* The header is hand-maintained; CMake's project() version names the package and the SONAME. */
static void test_version__matches_cmake_project(void **state)
{
    (void)state;
    assert_string_equal(AQ_VERSION_STRING, AQ_TEST_PROJECT_VERSION);
    assert_int_equal(AQ_VERSION_MAJOR, AQ_TEST_PROJECT_VERSION_MAJOR);
    assert_int_equal(AQ_VERSION_MINOR, AQ_TEST_PROJECT_VERSION_MINOR);
    assert_int_equal(AQ_VERSION_PATCH, AQ_TEST_PROJECT_VERSION_PATCH);
}

/* The schema range is separate from the library version (STYLE.md section 5). */
static void test_version__schema_range(void **state)
{
    (void)state;
    assert_true(AQ_SCHEMA_MIN >= 1);
    assert_true(AQ_SCHEMA_MIN <= AQ_SCHEMA_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version__matches_header),
        cmocka_unit_test(test_version__parts_are_consistent),
        cmocka_unit_test(test_version__matches_cmake_project),
        cmocka_unit_test(test_version__schema_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
