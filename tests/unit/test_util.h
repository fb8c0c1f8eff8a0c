/* Helpers shared by the unit tests: tolerance comparison of doubles (cmocka's
 * float assertion truncates to float) and checks of struct err contents.
 * Include after <cmocka.h> (which needs stdarg.h, stddef.h, stdint.h, setjmp.h). */
#ifndef RATCHET_TEST_UTIL_H
#define RATCHET_TEST_UTIL_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

/* True when |a - b| <= atol + rtol * |b|; NaN equals only NaN, infinities only themselves. */
static inline int test_close(double a, double b, double rtol, double atol)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	if (isinf(a) || isinf(b))
		return a == b;
	return fabs(a - b) <= atol + rtol * fabs(b);
}

static inline void test_assert_close(double a, double b, double rtol, double atol, const char *file,
				     int line)
{
	if (!test_close(a, b, rtol, atol)) {
		print_error("%.17g is not close to %.17g (rtol %g, atol %g)\n", a, b, rtol, atol);
		_fail(file, line);
	}
}

/* Fails unless a and b agree within atol + rtol * |b|. */
#define assert_close(a, b, rtol, atol)                                                             \
	test_assert_close((a), (b), (rtol), (atol), __FILE__, __LINE__)

static inline void test_assert_err(const struct err *err, enum err_code code, const char *needle,
				   const char *file, int line)
{
	if (err->code != code) {
		print_error("error code %d, expected %d (message \"%s\")\n", (int)err->code,
			    (int)code, err->message);
		_fail(file, line);
	}
	if (needle && !strstr(err->message, needle)) {
		print_error("error message \"%s\" does not contain \"%s\"\n", err->message, needle);
		_fail(file, line);
	}
}

/* Fails unless err has the code and its message contains needle (NULL: any message). */
#define assert_err(err, code, needle) test_assert_err((err), (code), (needle), __FILE__, __LINE__)

#endif
