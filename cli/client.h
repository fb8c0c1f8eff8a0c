/* The CLI's HTTP client: one reused libcurl handle, bearer auth, an
 * Idempotency-Key per command reused across retries, retries with exponential
 * backoff on connection errors and 503, and size-capped response bodies. */
#ifndef RATCHET_CLIENT_H
#define RATCHET_CLIENT_H

#include <stdbool.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "mem.h"

struct err;

/* Largest response body the client accepts. */
#define CLIENT_MAX_RESPONSE (64u * 1024u * 1024u)
/* Longest Idempotency-Key the API accepts. */
#define CLIENT_IDEMPOTENCY_KEY_MAX 200

struct client_opts {
	const char *url;	     /* base URL, e.g. "http://127.0.0.1:8080" */
	const char *token;	     /* may be NULL: no Authorization header */
	const char *idempotency_key; /* NULL: a fresh random key */
	long retries;		     /* retries after the first attempt */
	long retry_delay_ms;	     /* first backoff; doubles each retry */
	long timeout_s;		     /* per attempt */
	const char *cacert;	     /* NULL: the system's CA store; else a PEM file */
};

struct client {
	CURL *curl;
	struct curl_slist *get_hdrs;
	struct curl_slist *post_hdrs;
	struct curl_slist *delete_hdrs;
	char *base_url; /* without a trailing '/' */
	char *cacert;	/* NULL: the system's CA store */
	char *token;	/* NULL: no Authorization header */
	long retries;
	long retry_delay_ms;
	long timeout_s;
	bool unreachable; /* the last failure was a transport failure */
	char idempotency_key[CLIENT_IDEMPOTENCY_KEY_MAX + 1];
	char errbuf[CURL_ERROR_SIZE];
};

/* A response: the HTTP status, the raw body and, for 2xx, the parsed JSON. */
struct client_resp {
	long status;
	struct buf body;
	cJSON *json; /* owned; NULL unless the request succeeded */
};

/* Creates the client (and libcurl's global state). https certificates are
 * always verified (against opts->cacert when given). Fails when no random
 * idempotency key can be made or libcurl cannot start. Free with client_free. */
struct client *client_new(const struct client_opts *opts, struct err *err);
/* Frees the client and libcurl's global state; accepts NULL. */
void client_free(struct client *c);

void client_resp_init(struct client_resp *r);
void client_resp_release(struct client_resp *r);

/* Sends one request, method "GET", "POST", "PUT" or "DELETE", to base URL + path
 * (path starts with '/', already encoded). body is sent as JSON on POST and PUT
 * ("{}" when NULL); POST, PUT and DELETE carry the client's Idempotency-Key, GET none;
 * DELETE sends no body. Returns 0 on a
 * 2xx with resp->json an object or array. Returns -1 otherwise with err set:
 * for an API error its code, message and details; for a transport failure
 * ERR_UNAVAILABLE "cannot reach URL: ..." and c->unreachable set. */
int client_request(struct client *c, const char *method, const char *path, const cJSON *body,
		   struct client_resp *resp, struct err *err);

/* POSTs data[0..len) as the body, as is, with the given Content-Type (a flat
 * file to /v1/import/...), with the client's Idempotency-Key and retries;
 * otherwise as client_request. */
int client_request_raw(struct client *c, const char *path, const char *content_type,
		       const char *data, size_t len, struct client_resp *resp, struct err *err);

/* Percent-encodes s for one path segment or query value: unreserved
 * characters stay, so does ':' when keep_colon. The caller frees the result. */
char *client_escape(const char *s, bool keep_colon);

/* Appends "?name=value" to a path, or "&name=value" once it has a query
 * (value escaped); does nothing when value is NULL. */
void client_query_add(struct buf *path, const char *name, const char *value);

/* Whether s may be sent as an Idempotency-Key: 1..200 visible ASCII bytes. */
bool client_valid_idempotency_key(const char *s);

#endif
