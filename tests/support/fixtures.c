/* SPDX-License-Identifier: Apache-2.0 */
#include "fixtures.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static const char *const dirs[] = {"v4", "v5", "v6", "v7", "v8", "future",
                                   "engine-json/v4", "engine-json/v5", "engine-json/v6",
                                   "engine-json/v7", "engine-json/v8"};

size_t for_each_fixture(void (*fn)(const char *path, void *ctx), void *ctx)
{
    const char *src = getenv("AQ_SOURCE_DIR");
    assert_non_null(src);
    size_t files = 0;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        char dir[512];
        (void)snprintf(dir, sizeof dir, "%s/compat/%s", src, dirs[i]);
        DIR *d = opendir(dir);
        assert_non_null(d);
        for (struct dirent *e; (e = readdir(d)) != NULL;) {
            size_t n = strlen(e->d_name);
            if (n < 5 || strcmp(e->d_name + n - 5, ".snap") != 0) continue;
            char path[1024];
            if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
                fail_msg("path too long: %s/%s", dir, e->d_name);
            fn(path, ctx);
            files++;
        }
        closedir(d);
    }
    return files;
}
