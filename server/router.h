/* The route table and the dispatcher: matching (404/405), authentication, body
 * limits, JSON parsing and idempotency are done here once for every route. */
#ifndef RATCHET_ROUTER_H
#define RATCHET_ROUTER_H

#include "req.h"

typedef int (*handler_fn)(struct req *r, struct resp *out, struct err *err);

enum route_flags {
	ROUTE_PUBLIC = (1 << 0),     /* no token needed */
	ROUTE_JSON = (1 << 1),	     /* body is a JSON object */
	ROUTE_EMPTY_BODY = (1 << 2), /* an empty body counts as {} */
};

/* Role bits (index = enum role); enforced from the access-control issue on. */
#define ROLES_ALL 0x1f

struct route {
	const char *method;
	const char *pattern; /* segments; "{}" captures one */
	handler_fn fn;
	unsigned flags;
	unsigned roles;
};

extern const struct route router_routes[];
extern const size_t router_n_routes;

/* Runs one request to completion; out is always filled. */
void router_dispatch(struct req *r, struct resp *out);

#endif
