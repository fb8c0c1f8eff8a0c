/* Strict JSON parsing over cJSON and typed field readers with per-field errors. */
#include "common.h"

#include <math.h>

#include "err.h"
#include "json.h"
#include "model.h"
#include "rtime.h"

static int utf8_seq_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];
	if (c == 0)
		return -1;
	if (c < 0x80)
		return 1;
	int n;
	uint32_t cp;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return -1;
	}
	if ((size_t)n > left)
		return -1;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	return n;
}

long json_utf8_invalid_at(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < len) {
		int n = utf8_seq_len(p + i, len - i);
		if (n < 0)
			return (long)i;
		i += (size_t)n;
	}
	return -1;
}

static int body_error(struct err *err, size_t offset, const char *what)
{
	err_set(err, ERR_INVALID, "%s at byte %zu", what, offset);
	return err_detail(err, "body", 0, (int)offset + 1, "%s at byte %zu", what, offset);
}

/* Depth-first search for an object with two members of the same name. */
static const char *find_duplicate_key(const cJSON *item)
{
	for (const cJSON *c = item->child; c; c = c->next) {
		if (cJSON_IsObject(item))
			for (const cJSON *d = c->next; d; d = d->next)
				if (c->string && d->string && strcmp(c->string, d->string) == 0)
					return c->string;
		const char *dup = find_duplicate_key(c);
		if (dup)
			return dup;
	}
	return NULL;
}

/* Depth-first search for a number of magnitude above JSON_NUMBER_MAX (or not
 * finite: cJSON reads 1e999 as infinity). */
static const cJSON *find_out_of_range_number(const cJSON *item)
{
	if (cJSON_IsNumber(item) && !(fabs(item->valuedouble) <= JSON_NUMBER_MAX))
		return item;
	for (const cJSON *c = item->child; c; c = c->next) {
		const cJSON *bad = find_out_of_range_number(c);
		if (bad)
			return bad;
	}
	return NULL;
}

/* The offset of a \u0000 escape inside a string (cJSON would cut the string
 * there), or -1. */
static long escaped_nul_at(const char *s, size_t len)
{
	int in_string = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"') {
			in_string = !in_string;
		} else if (in_string && s[i] == '\\' && i + 1 < len) {
			if (s[i + 1] == 'u' && i + 5 < len && strncmp(s + i + 2, "0000", 4) == 0)
				return (long)i;
			i++;
		}
	}
	return -1;
}

/* The offset of a control character JSON never allows (below 0x20 other than
 * tab, LF and CR; cJSON would skip it as whitespace), or -1. */
static long control_char_at(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 && !memchr("\t\n\r", s[i], 3))
			return (long)i;
	return -1;
}

/* The offset of the bracket that opens nesting level JSON_MAX_DEPTH + 1, or -1. */
static long too_deep_at(const char *s, size_t len)
{
	int in_string = 0, depth = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > JSON_MAX_DEPTH)
				return (long)i;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return -1;
}

int json_parse(const char *s, size_t len, cJSON **out, struct err *err)
{
	*out = NULL;
	size_t start = 0;
	while (start < len && memchr(" \t\r\n", s[start], 4))
		start++;
	if (start == len)
		return body_error(err, len, "empty body");
	long bad = json_utf8_invalid_at(s, len);
	if (bad >= 0)
		return body_error(err, (size_t)bad, "invalid UTF-8");
	long ctl = control_char_at(s, len);
	if (ctl >= 0)
		return body_error(err, (size_t)ctl, "malformed JSON: control character");
	long deep = too_deep_at(s, len);
	if (deep >= 0)
		return body_error(err, (size_t)deep, "JSON nested deeper than 32 levels");
	long nul = escaped_nul_at(s, len);
	if (nul >= 0)
		return body_error(err, (size_t)nul, "\\u0000 is not allowed in strings");
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(s, len, &end, false);
	if (!root) {
		size_t off = end && end >= s ? (size_t)(end - s) : 0;
		return body_error(err, off > len ? len : off, "malformed JSON");
	}
	size_t off = (size_t)(end - s);
	while (off < len && memchr(" \t\r\n", s[off], 4))
		off++;
	if (off < len) {
		cJSON_Delete(root);
		return body_error(err, off, "trailing data after JSON value");
	}
	const char *dup = find_duplicate_key(root);
	if (dup) {
		err_set(err, ERR_INVALID, "duplicate key \"%s\"", dup);
		err_detail(err, dup, 0, 0, "duplicate key");
		cJSON_Delete(root);
		return -1;
	}
	const cJSON *big = find_out_of_range_number(root);
	if (big) {
		err_set(err, ERR_INVALID, "number out of range (magnitude above 1e308)");
		err_detail(err, big->string ? big->string : "body", 0, 0,
			   "number out of range (magnitude above 1e308)");
		cJSON_Delete(root);
		return -1;
	}
	*out = root;
	return 0;
}

int json_check_fields(const cJSON *obj, const char *const *allowed, struct err *err)
{
	int rc = 0;
	for (const cJSON *c = obj->child; c; c = c->next) {
		int known = 0;
		for (size_t i = 0; allowed[i]; i++)
			if (strcmp(allowed[i], c->string) == 0)
				known = 1;
		if (!known)
			rc = err_detail(err, c->string, 0, 0, "unknown field");
	}
	return rc;
}

/* Common presence check: 1 present, 0 absent (fine), -1 missing/null error. */
static int field_present(const cJSON *obj, const char *name, bool required, const cJSON **item,
			 struct err *err)
{
	*item = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!*item || cJSON_IsNull(*item)) {
		if (required)
			return err_detail(err, name, 0, 0, "is required");
		return 0;
	}
	return 1;
}

static int has_control_chars(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t' && *s != '\r')
			return 1;
	return 0;
}

int json_get_string(const cJSON *obj, const char *name, bool required, size_t max_len,
		    const char **out, struct err *err)
{
	const cJSON *item;
	int rc = field_present(obj, name, required, &item, err);
	if (rc <= 0)
		return rc;
	if (!cJSON_IsString(item))
		return err_detail(err, name, 0, 0, "must be a string");
	const char *s = item->valuestring;
	if (required && s[strspn(s, " \t\r\n")] == '\0')
		return err_detail(err, name, 0, 0, "must not be empty");
	if (strlen(s) > max_len)
		return err_detail(err, name, 0, 0, "is longer than %zu bytes", max_len);
	if (has_control_chars(s))
		return err_detail(err, name, 0, 0, "contains control characters");
	*out = s;
	return 1;
}

int json_get_enum(const cJSON *obj, const char *name, bool required,
		  const struct model_names *names, int *out, struct err *err)
{
	const cJSON *item;
	int rc = field_present(obj, name, required, &item, err);
	if (rc <= 0)
		return rc;
	if (!cJSON_IsString(item))
		return err_detail(err, name, 0, 0, "must be a string, one of: %s", names->list);
	int v = model_lookup(names, item->valuestring);
	if (v < 0)
		return err_detail(err, name, 0, 0, "unknown value \"%.64s\"; expected one of: %s",
				  item->valuestring, names->list);
	*out = v;
	return 1;
}

int json_get_time(const cJSON *obj, const char *name, bool required, int64_t *out, struct err *err)
{
	const cJSON *item;
	int rc = field_present(obj, name, required, &item, err);
	if (rc <= 0)
		return rc;
	if (!cJSON_IsString(item))
		return err_detail(err, name, 0, 0, "must be an RFC 3339 timestamp string");
	struct err terr;
	err_init(&terr);
	if (rtime_parse(item->valuestring, out, &terr) < 0)
		return err_detail(err, name, 0, 0, "%s", terr.message);
	return 1;
}

int json_get_string_array(const cJSON *obj, const char *name, size_t max_items, size_t max_len,
			  const cJSON **out, struct err *err)
{
	const cJSON *item;
	int rc = field_present(obj, name, false, &item, err);
	if (rc <= 0)
		return rc;
	if (!cJSON_IsArray(item))
		return err_detail(err, name, 0, 0, "must be an array of strings");
	size_t n = 0;
	for (const cJSON *c = item->child; c; c = c->next, n++) {
		if (!cJSON_IsString(c) || c->valuestring[0] == '\0')
			return err_detail(err, name, 0, 0, "item %zu must be a non-empty string",
					  n);
		if (strlen(c->valuestring) > max_len || has_control_chars(c->valuestring))
			return err_detail(err, name, 0, 0,
					  "item %zu is longer than %zu bytes or has control "
					  "characters",
					  n, max_len);
	}
	if (n > max_items)
		return err_detail(err, name, 0, 0, "has more than %zu items", max_items);
	*out = item;
	return 1;
}

int json_get_object(const cJSON *obj, const char *name, const cJSON **out, struct err *err)
{
	const cJSON *item;
	int rc = field_present(obj, name, false, &item, err);
	if (rc <= 0)
		return rc;
	if (!cJSON_IsObject(item))
		return err_detail(err, name, 0, 0, "must be an object");
	*out = item;
	return 1;
}

void json_add_time(cJSON *obj, const char *name, int64_t usec)
{
	if (usec == RTIME_NONE) {
		cJSON_AddNullToObject(obj, name);
		return;
	}
	char buf[RTIME_BUFSZ];
	cJSON_AddStringToObject(obj, name, rtime_format(usec, buf));
}

void json_add_str(cJSON *obj, const char *name, const char *s)
{
	if (s)
		cJSON_AddStringToObject(obj, name, s);
	else
		cJSON_AddNullToObject(obj, name);
}

char *json_print(const cJSON *item)
{
	char *s = cJSON_PrintUnformatted(item);
	if (!s)
		abort(); /* cJSON fails only on allocation */
	return s;
}
