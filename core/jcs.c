/* RFC 8785 canonical JSON: sorted members (UTF-16 order), minimal string
 * escapes, and numbers printed as ECMAScript prints them. */
#include "common.h"

#include <math.h>

#include "err.h"
#include "jcs.h"
#include "json.h"

#define JCS_ERR "could not canonicalize JSON: "

/* Reads UTF-16 code units out of a valid UTF-8 string, splitting supplementary
 * code points into surrogate pairs. */
struct utf16_reader {
	const unsigned char *p;
	unsigned pending_low; /* the low surrogate still to return, or 0 */
};

/* The next code unit, or -1 at the end of the string. */
static long utf16_next(struct utf16_reader *r)
{
	if (r->pending_low) {
		long unit = r->pending_low;
		r->pending_low = 0;
		return unit;
	}
	unsigned char lead = r->p[0];
	if (lead == 0)
		return -1;
	int len = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
	uint32_t cp = len == 1 ? lead : lead & (0x7fu >> len);
	for (int i = 1; i < len; i++)
		cp = (cp << 6) | (r->p[i] & 0x3fu);
	r->p += len;
	if (cp < 0x10000)
		return (long)cp;
	cp -= 0x10000;
	r->pending_low = 0xdc00 + (cp & 0x3ff);
	return (long)(0xd800 + (cp >> 10));
}

/* qsort comparator over cJSON member pointers: names as UTF-16 code units. */
static int member_name_cmp(const void *a, const void *b)
{
	struct utf16_reader ra = {(const unsigned char *)(*(const cJSON *const *)a)->string, 0};
	struct utf16_reader rb = {(const unsigned char *)(*(const cJSON *const *)b)->string, 0};
	for (;;) {
		long ua = utf16_next(&ra);
		long ub = utf16_next(&rb);
		if (ua != ub)
			return ua < ub ? -1 : 1; /* -1 at the end: a prefix sorts first */
		if (ua < 0)
			return 0;
	}
}

static bool utf8_valid(const char *s)
{
	return json_utf8_invalid_at(s, strlen(s)) < 0;
}

static int put_string(struct buf *out, const char *s, const char *what, struct err *err)
{
	if (!s || !utf8_valid(s))
		return err_set(err, ERR_INVALID, JCS_ERR "%s is not valid UTF-8", what);
	buf_append(out, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		const char *esc = NULL;
		switch (*p) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\t':
			esc = "\\t";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\r':
			esc = "\\r";
			break;
		default:
			break;
		}
		if (esc)
			buf_append(out, esc, strlen(esc));
		else if (*p < 0x20)
			buf_printf(out, "\\u%04x", *p);
		else
			buf_append(out, p, 1);
	}
	buf_append(out, "\"", 1);
	return 0;
}

/* True when the decimal s × 10^scale reads back (strtod, round to nearest) as x. */
static bool reads_back_as(uint64_t s, int scale, double x)
{
	char text[48];
	snprintf(text, sizeof(text), "%" PRIu64 "e%d", s, scale);
	return strtod(text, NULL) == x;
}

/* The shortest digit string (no trailing zeros) that reads back as x > 0, and
 * its decimal point position n: x = 0.digits × 10^n. Among candidates of the
 * same length the closest to x wins: "%.*e" rounds correctly, so its result
 * is the closest; only when it fails to read back (x a power of two, whose
 * rounding interval is narrower below) can the neighbour on the other side
 * of x still read back. */
static void shortest_digits(double x, char digits[24], int *point)
{
	uint64_t pow10_k = 1; /* 10^(k-1) */
	for (int k = 1;; k++, pow10_k *= 10) {
		char sci[48];
		snprintf(sci, sizeof(sci), "%.*e", k - 1, x);
		char *exp_at = strchr(sci, 'e');
		uint64_t s = 0;
		for (const char *p = sci; p < exp_at; p++)
			if (*p != '.')
				s = s * 10 + (uint64_t)(*p - '0');
		int scale = (int)strtol(exp_at + 1, NULL, 10) - (k - 1);
		/* Below 10^(k-1) the next k-digit number down has a finer scale. */
		uint64_t below = s == pow10_k ? pow10_k * 10 - 1 : s - 1;
		int below_scale = s == pow10_k ? scale - 1 : scale;
		if (k < 17 && !reads_back_as(s, scale, x)) {
			if (reads_back_as(s + 1, scale, x)) {
				s++;
			} else if (reads_back_as(below, below_scale, x)) {
				s = below;
				scale = below_scale;
			} else {
				continue;
			}
		}
		/* 17 significant digits always read back. */
		while (s % 10 == 0) {
			s /= 10;
			scale++;
		}
		int len = snprintf(digits, 24, "%" PRIu64, s);
		*point = scale + len;
		return;
	}
}

static void put_zeros(struct buf *out, int count)
{
	for (int i = 0; i < count; i++)
		buf_append(out, "0", 1);
}

/* ECMAScript Number::toString (ECMA-262 §6.1.6.1.20) for finite x. */
static void put_number(struct buf *out, double x)
{
	if (x == 0) {
		buf_append(out, "0", 1); /* also -0 */
		return;
	}
	if (x < 0) {
		buf_append(out, "-", 1);
		x = -x;
	}
	char digits[24];
	int n;
	shortest_digits(x, digits, &n);
	int k = (int)strlen(digits);
	if (k <= n && n <= 21) {
		buf_append(out, digits, (size_t)k);
		put_zeros(out, n - k);
	} else if (0 < n && n <= 21) {
		buf_append(out, digits, (size_t)n);
		buf_append(out, ".", 1);
		buf_append(out, digits + n, (size_t)(k - n));
	} else if (-6 < n && n <= 0) {
		buf_append(out, "0.", 2);
		put_zeros(out, -n);
		buf_append(out, digits, (size_t)k);
	} else {
		buf_append(out, digits, 1);
		if (k > 1) {
			buf_append(out, ".", 1);
			buf_append(out, digits + 1, (size_t)(k - 1));
		}
		buf_printf(out, "e%c%d", n - 1 < 0 ? '-' : '+', abs(n - 1));
	}
}

static int put_value(struct buf *out, const cJSON *v, struct err *err);

static int put_array(struct buf *out, const cJSON *array, struct err *err)
{
	buf_append(out, "[", 1);
	for (const cJSON *item = array->child; item; item = item->next) {
		if (item != array->child)
			buf_append(out, ",", 1);
		if (put_value(out, item, err) != 0)
			return -1;
	}
	buf_append(out, "]", 1);
	return 0;
}

static int put_object(struct buf *out, const cJSON *object, struct err *err)
{
	size_t count = 0;
	for (const cJSON *m = object->child; m; m = m->next)
		count++;
	const cJSON **members = xcalloc(count ? count : 1, sizeof(*members));
	int rc = -1;
	size_t i = 0;
	for (const cJSON *m = object->child; m; m = m->next) {
		if (!m->string || !utf8_valid(m->string)) {
			err_set(err, ERR_INVALID, JCS_ERR "member name is not valid UTF-8");
			goto out;
		}
		members[i++] = m;
	}
	xqsort(members, count, sizeof(*members), member_name_cmp);
	buf_append(out, "{", 1);
	for (i = 0; i < count; i++) {
		/* Sorting puts equal names side by side. */
		if (i > 0 && strcmp(members[i - 1]->string, members[i]->string) == 0) {
			err_set(err, ERR_INVALID, JCS_ERR "duplicate member name \"%s\"",
				members[i]->string);
			goto out;
		}
		if (i > 0)
			buf_append(out, ",", 1);
		put_string(out, members[i]->string, "member name", err);
		buf_append(out, ":", 1);
		if (put_value(out, members[i], err) != 0)
			goto out;
	}
	buf_append(out, "}", 1);
	rc = 0;
out:
	free(members);
	return rc;
}

static int put_value(struct buf *out, const cJSON *v, struct err *err)
{
	if (cJSON_IsNull(v)) {
		buf_append(out, "null", 4);
	} else if (cJSON_IsTrue(v)) {
		buf_append(out, "true", 4);
	} else if (cJSON_IsFalse(v)) {
		buf_append(out, "false", 5);
	} else if (cJSON_IsNumber(v)) {
		if (!isfinite(v->valuedouble))
			return err_set(err, ERR_INVALID, JCS_ERR "number is not finite");
		put_number(out, v->valuedouble);
	} else if (cJSON_IsString(v)) {
		return put_string(out, v->valuestring, "string", err);
	} else if (cJSON_IsArray(v)) {
		return put_array(out, v, err);
	} else if (cJSON_IsObject(v)) {
		return put_object(out, v, err);
	} else {
		return err_set(err, ERR_INVALID, JCS_ERR "not a JSON value");
	}
	return 0;
}

char *jcs_canonicalize(const cJSON *v, struct err *err)
{
	if (!v) {
		err_set(err, ERR_INVALID, JCS_ERR "no value");
		return NULL;
	}
	struct buf out;
	buf_init(&out, 0); /* no cap: appends cannot fail */
	if (put_value(&out, v, err) != 0) {
		buf_release(&out);
		return NULL;
	}
	return out.data;
}
