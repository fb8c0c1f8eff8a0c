/* Shared by the fuzz targets (tests/fuzz/fuzz_*.c): the libFuzzer entry points,
 * which replay.c also drives without libFuzzer, and small checking helpers. */
#ifndef RATCHET_FUZZ_H
#define RATCHET_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/* Called once before the first input; every target calls core_init() here. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
/* Runs one input; returns 0. A broken invariant aborts (FUZZ_CHECK). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated heap string (cut at its first NUL byte, as a C
 * string is); the caller frees it with free(). */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
	char *s = xmalloc(size + 1);
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* An invariant of the code under test: when it fails, say which and abort so
 * libFuzzer (or the sanitizers under replay) report the input as a crash. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__,  \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
