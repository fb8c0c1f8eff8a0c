/* The libmicrohttpd adapter: turns connections into struct req, runs the
 * router, and writes struct resp back; plus the access log. */
#ifndef RATCHET_HTTP_H
#define RATCHET_HTTP_H

struct err;
struct server_config;
struct http_server;

/* Starts listening on cfg->listen with cfg->threads workers; writes the bound
 * address to cfg->port_file when set. Caller frees with http_stop(). */
struct http_server *http_start(const struct server_config *cfg, struct err *err);
void http_stop(struct http_server *s);

#endif
