/* The route table and the dispatcher: matching (404/405), authentication, body
 * limits, JSON parsing and idempotency are done here once for every route. */
#ifndef RATCHET_ROUTER_H
#define RATCHET_ROUTER_H

#include "model.h"
#include "req.h"

typedef int (*handler_fn)(struct req *r, struct resp *out, struct err *err);

enum route_flags {
	ROUTE_PUBLIC = (1 << 0),     /* no token needed */
	ROUTE_JSON = (1 << 1),	     /* body is a JSON object */
	ROUTE_EMPTY_BODY = (1 << 2), /* an empty body counts as {} */
	ROUTE_SECRET = (1 << 3),     /* the response's "token" is shown once, never stored */
	ROUTE_IMPORT = (1 << 4),     /* body limit --max-import instead of --max-body */
	ROUTE_METRICS = (1 << 5),    /* no token needed when --metrics-public is set */
};

/* Role bits (bit = enum role). */
#define R_ADMIN (1u << ROLE_ADMIN)
#define R_RM (1u << ROLE_RELEASE_MANAGER)
#define R_ENG (1u << ROLE_ENGINEER)
#define R_PIPE (1u << ROLE_PIPELINE)
#define R_AUD (1u << ROLE_AUDITOR)
#define ROLES_ALL (R_ADMIN | R_RM | R_ENG | R_PIPE | R_AUD)

struct route {
	const char *method;
	const char *pattern; /* segments; "{}" captures one */
	handler_fn fn;
	unsigned flags;
	unsigned roles;	    /* who may call it (ignored for ROUTE_PUBLIC) */
	const char *action; /* audit action of a write, e.g. "change.create"; NULL for reads */
};

extern const struct route router_routes[];
extern const size_t router_n_routes;

/* The route for method and path, capturing its {} segments into r (when r is
 * not NULL). NULL when none: ERR_NOT_FOUND, or ERR_METHOD with the allowed
 * methods in allow. No database access. */
const struct route *router_match(const char *method, const char *path, struct req *r,
				 char allow[64], struct err *err);

/* The body limit of a request: --max-import for an import route, else --max-body. */
struct server_config;
size_t router_body_limit(const char *method, const char *path, const struct server_config *cfg);

/* Runs one request to completion; out is always filled (r->route is the
 * matched route, or NULL). */
void router_dispatch(struct req *r, struct resp *out);

#endif
