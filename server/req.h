/* The request and response seen by the router and handlers: no libmicrohttpd
 * types, so routing and handlers can be driven without sockets. */
#ifndef RATCHET_REQ_H
#define RATCHET_REQ_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "store.h"

struct err;

#define REQ_MAX_PARAMS 4
#define REQ_MAX_QUERY 32

struct server_config;
struct route;

struct req {
	const char *method;
	const char *path;	      /* raw (percent-encoded) path, no query */
	char *params[REQ_MAX_PARAMS]; /* decoded {id} captures */
	int n_params;
	struct {
		char *name;
		char *value;
	} query[REQ_MAX_QUERY];
	int n_query;
	char bad_query[64];	 /* the first query parameter that could not be decoded, or "" */
	char repeated_query[64]; /* the first query parameter given twice, or "" */
	const char *authorization;
	const char *idempotency_key;
	const char *content_type; /* the Content-Type header, or NULL */
	int idempotency_keys;	  /* how many Idempotency-Key headers came (more than 1: a 400) */
	const char *body;
	size_t body_len;
	int body_too_large;
	int headers_too_large;
	cJSON *json; /* the parsed body of routes that take JSON */
	struct auth_token token;
	int64_t now; /* request time, microseconds */
	const struct server_config *config;
	const struct route *route; /* the matched route (set by the dispatcher), or NULL */
	char request_id[20];
};

struct resp {
	int status;
	char *body; /* owned */
	const char *content_type;
	char allow[64];
};

/* A query parameter's decoded value, or NULL. */
const char *req_query(const struct req *r, const char *name);
/* Takes ownership of obj: prints it as the body with the given status. */
void resp_json(struct resp *out, int status, cJSON *obj);
/* The JSON error body for err (status from err's code). */
void resp_error(struct resp *out, const struct err *err);
void req_release(struct req *r);
void resp_release(struct resp *out);

/* Percent-decodes s ('+' stays '+'); NULL when an escape is malformed, decodes to
 * NUL, or the result is not valid UTF-8. */
char *req_decode(const char *s, size_t len);

#endif
