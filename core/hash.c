/* SHA-256 through OpenSSL's EVP interface (pure computation, no I/O). */
#include "common.h"

#include <openssl/evp.h>

#include "hash.h"

static void to_hex(const unsigned char md[32], char out[HASH_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[HASH_HEX_LEN] = '\0';
}

void hash_sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	if (EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32)
		abort(); /* fails only without memory */
	to_hex(md, out);
}

/* The context is OpenSSL's, behind our own name. */
struct hash_sha256 *hash_sha256_begin(void)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		abort(); /* fails only without memory */
	return (struct hash_sha256 *)ctx;
}

void hash_sha256_add(struct hash_sha256 *h, const void *data, size_t len)
{
	if (len && EVP_DigestUpdate((EVP_MD_CTX *)h, data, len) != 1)
		abort();
}

void hash_sha256_end(struct hash_sha256 *h, char out[HASH_HEX_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_MD_CTX *ctx = (EVP_MD_CTX *)h;
	if (EVP_DigestFinal_ex(ctx, md, &md_len) != 1 || md_len != 32)
		abort();
	EVP_MD_CTX_free(ctx);
	to_hex(md, out);
}
