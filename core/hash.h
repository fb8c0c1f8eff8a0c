/* SHA-256 as lowercase hex. */
#ifndef RATCHET_HASH_H
#define RATCHET_HASH_H

#include <stddef.h>

#define HASH_HEX_LEN 64

/* SHA-256 of data as 64 lowercase hex digits + NUL into out. */
void hash_sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1]);

/* SHA-256 of data given in pieces: hash_sha256_begin (never NULL; aborts without memory),
 * hash_sha256_add for each piece in order, hash_sha256_end for the hex digest, which frees the
 * context. */
struct hash_sha256;
struct hash_sha256 *hash_sha256_begin(void);
void hash_sha256_add(struct hash_sha256 *h, const void *data, size_t len);
void hash_sha256_end(struct hash_sha256 *h, char out[HASH_HEX_LEN + 1]);

#endif
