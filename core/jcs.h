/* RFC 8785 JSON Canonicalization Scheme (JCS): one byte string per JSON value,
 * the input of the audit chain's hashes. */
#ifndef RATCHET_JCS_H
#define RATCHET_JCS_H

#include <cjson/cJSON.h>

struct err;

/* The RFC 8785 canonical form of v: no whitespace; object members sorted by
 * their names as UTF-16 code unit sequences; strings as raw UTF-8 with only
 * '"', '\\' and U+0000..U+001F escaped; numbers (cJSON's valuedouble) as
 * ECMAScript's Number.prototype.toString prints them; arrays in order.
 * Returns a NUL-terminated string the caller frees with free(), or NULL with
 * ERR_INVALID for a non-finite number, a string or member name that is not
 * valid UTF-8, a duplicate member name, or a raw/invalid cJSON item. */
char *jcs_canonicalize(const cJSON *v, struct err *err);

#endif
