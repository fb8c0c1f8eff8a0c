/* Durations with mandatory units ("90s", "1h30m", "2w") <-> whole seconds. */
#include "common.h"
#include "duration.h"
#include "err.h"

/* Longest part of the input quoted in a message; the rest is elided. */
#define DURATION_QUOTE_MAX 64

/* Largest unit first: parse requires this order, format emits it. */
static const struct {
	char unit;
	int64_t seconds;
} duration_units[] = {
	{'w', 604800}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1},
};

/* Index into duration_units, or -1 for an unknown unit. */
static int unit_index(char c)
{
	for (size_t i = 0; i < ARRAY_SIZE(duration_units); i++)
		if (duration_units[i].unit == c)
			return (int)i;
	return -1;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Sets ERR_INVALID as 'invalid duration "<s>": <problem>'. */
static int __attribute__((format(printf, 3, 4)))
bad_duration(struct err *err, const char *s, const char *fmt, ...)
{
	char problem[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	const char *ellipsis = strlen(s) > DURATION_QUOTE_MAX ? "..." : "";
	return err_set(err, ERR_INVALID, "invalid duration \"%.*s%s\": %s", DURATION_QUOTE_MAX, s,
		       ellipsis, problem);
}

/* Explains a character where a component's number should start. */
static int bad_component_start(const char *s, char c, struct err *err)
{
	if (c == '-' || c == '+')
		return bad_duration(err, s, "a sign is not allowed");
	if (is_space(c))
		return bad_duration(err, s, "spaces are not allowed");
	if (c == '.')
		return bad_duration(err, s, "fractions are not allowed; use a smaller unit");
	if (unit_index(c) >= 0)
		return bad_duration(err, s, "expected a number before unit '%c'", c);
	return bad_duration(err, s, "expected a number, found '%c'", c);
}

/* Reads the decimal integer at *p (at least one digit). */
static int read_count(const char *s, const char **p, int64_t *count, struct err *err)
{
	int64_t n = 0;
	while (**p >= '0' && **p <= '9') {
		int digit = **p - '0';
		if (n > (INT64_MAX - digit) / 10)
			return bad_duration(err, s, "too large");
		n = n * 10 + digit;
		(*p)++;
	}
	*count = n;
	return 0;
}

/* Checks the unit after a number; prev is the index of the previous unit or -1. */
static int read_unit(const char *s, const char **p, int prev, int *unit_at, struct err *err)
{
	char c = **p;
	if (c == '\0')
		return bad_duration(err, s, "a number needs a unit (s, m, h, d or w)");
	if (c == '.')
		return bad_duration(err, s, "fractions are not allowed; use a smaller unit");
	if (is_space(c))
		return bad_duration(err, s, "spaces are not allowed");
	int i = unit_index(c);
	if (i < 0)
		return bad_duration(err, s, "unknown unit '%c' (use s, m, h, d or w)", c);
	if (i == prev)
		return bad_duration(err, s, "unit '%c' appears more than once", c);
	if (i < prev)
		return bad_duration(
			err, s,
			"unit '%c' after '%c'; units go from largest to smallest (w d h m s)", c,
			duration_units[prev].unit);
	(*p)++;
	*unit_at = i;
	return 0;
}

int duration_parse(const char *s, int64_t *seconds, struct err *err)
{
	if (!s || !*s)
		return err_set(err, ERR_INVALID, "invalid duration \"\": empty");
	const char *p = s;
	int prev = -1;
	int64_t total = 0;
	while (*p) {
		if (*p < '0' || *p > '9')
			return bad_component_start(s, *p, err);
		int64_t count = 0;
		int unit_at = 0;
		if (read_count(s, &p, &count, err) < 0 || read_unit(s, &p, prev, &unit_at, err) < 0)
			return -1;
		int64_t unit = duration_units[unit_at].seconds;
		if (count > (INT64_MAX - total) / unit)
			return bad_duration(err, s, "too large");
		total += count * unit;
		prev = unit_at;
	}
	*seconds = total;
	return 0;
}

char *duration_format(int64_t seconds, char *out)
{
	char *p = out;
	size_t left = DURATION_BUFSZ;
	/* Work on the magnitude as unsigned so INT64_MIN does not overflow. */
	uint64_t rest = seconds < 0 ? (uint64_t)(-(seconds + 1)) + 1 : (uint64_t)seconds;
	if (seconds < 0) {
		*p++ = '-';
		left--;
	}
	if (rest == 0) {
		snprintf(p, left, "0s");
		return out;
	}
	*p = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(duration_units) && rest; i++) {
		uint64_t unit = (uint64_t)duration_units[i].seconds;
		if (rest < unit)
			continue;
		/* cppcheck-suppress zerodivcond ; unit is never 0: rest >= unit > 0 */
		int n = snprintf(p, left, "%" PRIu64 "%c", rest / unit, duration_units[i].unit);
		rest %= unit;
		p += n;
		left -= (size_t)n;
	}
	return out;
}
