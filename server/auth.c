/* Bearer tokens: random generation, SHA-256 hashing, and request authentication. */
#include "common.h"

#include <openssl/rand.h>

#include "auth.h"
#include "err.h"
#include "hash.h"
#include "req.h"

int auth_token_generate(char out[AUTH_TOKEN_LEN + 1], struct err *err)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char raw[33];
	if (RAND_bytes(raw, 32) != 1)
		return err_set(err, ERR_INTERNAL, "could not get random bytes for a token");
	raw[32] = 0;
	memcpy(out, "rt_", 3);
	size_t o = 3;
	for (size_t i = 0; i < 33; i += 3) {
		uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
		for (int k = 3; k >= 0 && o < AUTH_TOKEN_LEN; k--)
			out[o++] = b64[(v >> (6 * k)) & 0x3f];
	}
	out[AUTH_TOKEN_LEN] = '\0';
	return 0;
}

int auth_check(struct req *r, struct err *err)
{
	const char *h = r->authorization;
	if (!h || !*h)
		return err_set(err, ERR_UNAUTHORIZED,
			       "missing token: send \"Authorization: Bearer <token>\"");
	if (strncasecmp(h, "Bearer ", 7) != 0)
		return err_set(err, ERR_UNAUTHORIZED,
			       "malformed Authorization header: expected \"Bearer <token>\"");
	const char *token = h + 7;
	while (*token == ' ')
		token++;
	size_t len = strlen(token);
	if (len == 0 || len > 512)
		return err_set(err, ERR_UNAUTHORIZED, "invalid, expired or revoked token");
	char hash[65];
	hash_sha256_hex(token, len, hash);
	if (store_token_lookup(hash, &r->token, err) < 0)
		return -1;
	return store_token_touch(r->token.id, err);
}
