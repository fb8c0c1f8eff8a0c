/* Strict JSON input (UTF-8 checked, byte offsets in errors, duplicate keys
 * refused) and typed field readers that report every problem by field name. */
#ifndef RATCHET_JSON_H
#define RATCHET_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct err;
struct model_names;

/* The byte offset of the first invalid UTF-8 sequence (overlongs, surrogates,
 * code points past U+10FFFF and NUL bytes are invalid), or -1 when valid. */
long json_utf8_invalid_at(const char *s, size_t len);

/* Objects and arrays may nest this deep, no deeper. */
#define JSON_MAX_DEPTH 32

/* Numbers may be this large in magnitude, no larger: cJSON prints a double with
 * 15 significant digits when they read back nearly equal, and above this that
 * can round past the largest double, so the value would read back as infinity
 * (which cJSON prints as null). */
#define JSON_NUMBER_MAX 1e308

/* Parses len bytes into *out (caller frees with cJSON_Delete). Rejects invalid
 * UTF-8, malformed JSON, trailing bytes, and duplicate object keys; errors are
 * ERR_INVALID with a detail on field "body" whose column is the byte offset + 1.
 * JSON nested deeper than JSON_MAX_DEPTH is refused, and so is a number of
 * magnitude above JSON_NUMBER_MAX (1e999 too; detail on its member's name, or
 * "body"). An empty body is an error. */
int json_parse(const char *s, size_t len, cJSON **out, struct err *err);

/* Fails with a detail per member of obj not named in allowed (NULL-terminated). */
int json_check_fields(const cJSON *obj, const char *const *allowed, struct err *err);

/* Typed readers. Each returns 0 when the field is absent and not required
 * (leaving *out untouched), 1 when it was read, -1 (with a detail on the
 * field) when it is missing but required, null, or of the wrong type/shape.
 * Strings borrow from obj. */
int json_get_string(const cJSON *obj, const char *name, bool required, size_t max_len,
		    const char **out, struct err *err);
int json_get_enum(const cJSON *obj, const char *name, bool required,
		  const struct model_names *names, int *out, struct err *err);
int json_get_time(const cJSON *obj, const char *name, bool required, int64_t *out, struct err *err);
/* Array of strings, each at most max_len bytes; *out borrows obj's array. */
int json_get_string_array(const cJSON *obj, const char *name, size_t max_items, size_t max_len,
			  const cJSON **out, struct err *err);
/* A JSON object; *out borrows it. */
int json_get_object(const cJSON *obj, const char *name, const cJSON **out, struct err *err);

/* Output helpers: a timestamp (RTIME_NONE → null) or a nullable string. */
void json_add_time(cJSON *obj, const char *name, int64_t usec);
void json_add_str(cJSON *obj, const char *name, const char *s);
/* Prints compactly; the caller frees with free(). */
char *json_print(const cJSON *item);

#endif
