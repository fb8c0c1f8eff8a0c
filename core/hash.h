/* SHA-256 as lowercase hex. */
#ifndef RATCHET_HASH_H
#define RATCHET_HASH_H

#include <stddef.h>

#define HASH_HEX_LEN 64

/* SHA-256 of data as 64 lowercase hex digits + NUL into out. */
void hash_sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1]);

#endif
