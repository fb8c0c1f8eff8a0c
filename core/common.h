/* Common includes for every ratchet translation unit: the standard headers,
 * the memory helpers, and banned.h last so unsafe libc calls fail to compile. */
#ifndef RATCHET_COMMON_H
#define RATCHET_COMMON_H

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mem.h"
#include "banned.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
