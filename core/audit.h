/* The audit chain's entries: building an entry and hashing it onto the chain
 * (DESIGN.md "Audit log"). */
#ifndef RATCHET_AUDIT_H
#define RATCHET_AUDIT_H

#include <stdint.h>

#include <cjson/cJSON.h>

struct err;

/* The prev_hash of the first entry. */
#define AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* The entry's hash into out (64 lowercase hex digits + NUL): SHA-256 of the 64
 * characters of prev_hash_hex followed by the RFC 8785 canonical JSON of entry
 * with its top-level "prev_hash" and "hash" members left out (so a sealed
 * entry as served can be hashed as is). entry must be an object; prev_hash_hex
 * must be 64 lowercase hex digits. Returns 0, or -1 with ERR_INVALID (bad
 * prev_hash_hex, entry not an object, or an entry JCS refuses). */
int audit_entry_hash(const char *prev_hash_hex, const cJSON *entry, char out[65], struct err *err);

/* A new entry object {"seq","at","actor","action","object_type","object_id",
 * "payload"} in that order: seq a number (exact up to 2^53), the strings
 * copied (NULL becomes null), payload deep-copied (NULL becomes null). The
 * caller frees it with cJSON_Delete(). */
cJSON *audit_entry_new(int64_t seq, const char *at, const char *actor, const char *action,
		       const char *object_type, const char *object_id, const cJSON *payload);

#endif
