/* Audit entries and their chained hashes: SHA-256(prev_hash || JCS(entry)). */
#include "common.h"

#include "audit.h"
#include "err.h"
#include "hash.h"
#include "jcs.h"

static bool is_hash_hex(const char *s)
{
	if (!s || strlen(s) != HASH_HEX_LEN)
		return false;
	return strspn(s, "0123456789abcdef") == HASH_HEX_LEN;
}

int audit_entry_hash(const char *prev_hash_hex, const cJSON *entry, char out[65], struct err *err)
{
	if (!is_hash_hex(prev_hash_hex))
		return err_set(
			err, ERR_INVALID,
			"could not hash audit entry: prev_hash is not 64 lowercase hex digits");
	if (!cJSON_IsObject(entry))
		return err_set(err, ERR_INVALID, "could not hash audit entry: not an object");
	/* Hash a copy without the chain members rather than a filtered view: entries are small. */
	cJSON *hashed = cJSON_Duplicate(entry, true);
	if (!hashed)
		abort(); /* cJSON fails only on allocation */
	while (cJSON_GetObjectItemCaseSensitive(hashed, "prev_hash"))
		cJSON_DeleteItemFromObjectCaseSensitive(hashed, "prev_hash");
	while (cJSON_GetObjectItemCaseSensitive(hashed, "hash"))
		cJSON_DeleteItemFromObjectCaseSensitive(hashed, "hash");
	char *canonical = jcs_canonicalize(hashed, err);
	cJSON_Delete(hashed);
	if (!canonical)
		return -1;
	size_t canonical_len = strlen(canonical);
	char *input = xmalloc(HASH_HEX_LEN + canonical_len);
	memcpy(input, prev_hash_hex, HASH_HEX_LEN);
	memcpy(input + HASH_HEX_LEN, canonical, canonical_len);
	hash_sha256_hex(input, HASH_HEX_LEN + canonical_len, out);
	free(input);
	free(canonical);
	return 0;
}

static void add_string_or_null(cJSON *obj, const char *name, const char *s)
{
	cJSON_AddItemToObject(obj, name, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

cJSON *audit_entry_new(int64_t seq, const char *at, const char *actor, const char *action,
		       const char *object_type, const char *object_id, const cJSON *payload)
{
	cJSON *entry = cJSON_CreateObject();
	if (!entry)
		abort(); /* cJSON fails only on allocation */
	cJSON_AddNumberToObject(entry, "seq", (double)seq);
	add_string_or_null(entry, "at", at);
	add_string_or_null(entry, "actor", actor);
	add_string_or_null(entry, "action", action);
	add_string_or_null(entry, "object_type", object_type);
	add_string_or_null(entry, "object_id", object_id);
	cJSON_AddItemToObject(entry, "payload",
			      payload ? cJSON_Duplicate(payload, true) : cJSON_CreateNull());
	return entry;
}
