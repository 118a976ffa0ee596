/* SPDX-License-Identifier: Apache-2.0 */
/* Runtime view of the version macros, so that callers can detect a header/library mismatch. */
#include "aqsnap/version.h"

unsigned aq_version_number(void)
{
    return AQ_VERSION_NUMBER;
}

const char *aq_version_string(void)
{
    return AQ_VERSION_STRING;
}
