/* The storage interface of ratchetd. Everything SQL lives behind it (store_*.c);
 * callers see domain structs only. Each worker thread has its own connection. */
#ifndef RATCHET_STORE_H
#define RATCHET_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "change.h"
#include "io.h"

struct err;

/* Sets the conninfo every thread connects with; call once before serving. */
void store_configure(const char *conninfo);
/* Closes this thread's connection (also done automatically at thread exit). */
void store_disconnect(void);

/* Transactions on this thread's connection. */
int store_begin(struct err *err);
int store_commit(struct err *err);
void store_rollback(void);

/* SELECT 1: 0 when the database answers, else ERR_UNAVAILABLE. */
int store_ping(struct err *err);

/* Migrations, embedded from schema/ at build time. */
struct migration {
	int version;
	const char *name;
	const char *sql;
};
extern const struct migration store_migrations[];
extern const size_t store_n_migrations;

/* Applies pending migrations, one transaction each; *applied counts them and
 * *version is the schema version afterwards. */
int store_migrate(int *applied, int *version, struct err *err);
/* The applied schema version (0 if none) and whether the connected role owns
 * the tables (then the database does not enforce the one-way rules). */
int store_schema_state(int *version, int *is_owner, struct err *err);

/* API tokens. */
struct auth_token {
	int64_t id;
	char name[128];
	char role[32];
};
int store_token_create(const char *name, const char *role, const char *sha256_hex, struct err *err);
/* Finds a valid (unexpired, unrevoked) token by its hash; ERR_UNAUTHORIZED if none. */
int store_token_lookup(const char *sha256_hex, struct auth_token *out, struct err *err);

/* Idempotency keys, inside the write's transaction. Returns 1 when the key was
 * claimed now (go on with the write), 0 when a response is stored (*status,
 * *body (caller frees) and *request_sha256 (caller frees) filled). */
int store_idem_claim(int64_t token_id, const char *method, const char *path, const char *key,
		     const char *request_sha256, int *status, char **body,
		     char **request_sha256_out, struct err *err);
int store_idem_finish(int64_t token_id, const char *method, const char *path, const char *key,
		      int status, const char *body, struct err *err);

/* Changes. */
struct change_filter {
	const char *service;
	const char *impact;
	const char *state;
	const char *review;
	const char *category;
	int64_t since; /* RTIME_NONE when absent; on effective_at */
	int64_t until;
	int64_t after_id; /* cursor */
	int limit;
};
int store_change_insert(struct change *c, const char *actor, struct err *err);
/* "123" or "service:key" → id; ERR_NOT_FOUND when no such change. */
int store_change_resolve(const char *ref, int64_t *id, struct err *err);
int store_change_get(int64_t id, struct change *c, struct err *err);
/* Fills *out (caller releases each and frees the array); *next is the cursor
 * id or 0 at the end. */
int store_change_list(const struct change_filter *f, struct change **out, size_t *n, int64_t *next,
		      struct err *err);
int store_change_set_effective(int64_t id, int64_t effective_at, struct err *err);
int store_change_amend(int64_t id, int64_t effective_at, int impact, const char *reason,
		       const char *actor, struct err *err);
int store_change_review_no_io(int64_t id, struct err *err);

/* IOs. */
struct io_filter {
	const char *service;
	const char *category;
	const char *status; /* confirmed | candidate | retracted */
	int64_t change_id;  /* 0 when absent */
	int64_t since;	    /* on recorded_at */
	int64_t until;
	int64_t after_id;
	int limit;
};
int store_io_insert(struct io *io, const char *actor, struct err *err);
int store_io_get(int64_t id, struct io *io, struct err *err);
int store_io_list(const struct io_filter *f, struct io **out, size_t *n, int64_t *next,
		  struct err *err);
int store_io_confirm(int64_t id, struct err *err);
int store_io_retract(int64_t id, const char *actor, const char *reason, struct err *err);

#endif
