/* Bearer tokens: generation, hashing, and checking a request's token. */
#ifndef RATCHET_AUTH_H
#define RATCHET_AUTH_H

#include <stddef.h>

struct err;
struct req;

#define AUTH_TOKEN_LEN 46 /* "rt_" + 43 base64url characters */

/* A fresh random token ("rt_" + base64url of 32 random bytes) into out. */
int auth_token_generate(char out[AUTH_TOKEN_LEN + 1], struct err *err);
/* Checks "Authorization: Bearer <token>" and fills r->token; ERR_UNAUTHORIZED otherwise. */
int auth_check(struct req *r, struct err *err);

#endif
