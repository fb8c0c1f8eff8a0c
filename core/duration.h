/* Durations with mandatory units: "90s", "15m", "72h", "30d", "2w", and
 * concatenations of those ("1h30m"). Bare numbers are errors. */
#ifndef RATCHET_DURATION_H
#define RATCHET_DURATION_H

#include <stdint.h>

struct err;

#define DURATION_BUFSZ 32

/* Parses into whole seconds. Each component is a decimal integer followed by
 * one of s, m, h, d, w; components must appear in decreasing unit order, each
 * unit at most once (w d h m s); no sign, no spaces, no fractions, not empty.
 * Overflow past INT64_MAX seconds is an error. "0s" is valid (zero).
 * On error: ERR_INVALID, a message naming the problem, returns -1. */
int duration_parse(const char *s, int64_t *seconds, struct err *err);

/* Formats the shortest exact form using the largest units first:
 * 90 -> "1m30s", 3600 -> "1h", 0 -> "0s", 1209600 -> "2w". Negative values get a
 * leading '-'. out must hold DURATION_BUFSZ bytes. Returns out. */
char *duration_format(int64_t seconds, char *out);

#endif
