/* Changes and their amendments: the record, validation of a new change from
 * JSON, and the JSON codec. Pure; no I/O. */
#ifndef RATCHET_CHANGE_H
#define RATCHET_CHANGE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "model.h"

struct err;
struct io;

struct strlist {
	char **items;
	size_t n;
};

struct amendment {
	int64_t id;
	int64_t effective_at; /* RTIME_NONE when this amendment leaves it */
	int impact;	      /* -1 when this amendment leaves it */
	char *reason;
	int64_t created_at;
	char *created_by;
};

struct change {
	int64_t id;
	char *key;
	char *title;
	char *service;
	enum impact impact;
	enum change_state state;
	int64_t planned_for;  /* RTIME_NONE when absent */
	int64_t effective_at; /* RTIME_NONE while planned */
	char *author;	      /* may be NULL */
	struct strlist links;
	struct strlist refs;
	char *boundary;	      /* JSON object text; NULL means {} */
	struct strlist paths; /* touched paths (a git import's numstat); may be empty */
	enum review_state review;
	char *shipped_while_blocked; /* JSON text or NULL */
	int64_t created_at;
	char *created_by;
	struct amendment *amendments;
	size_t n_amendments;
};

/* Limits on the free-text fields. */
#define CHANGE_TITLE_MAX 500
#define CHANGE_AUTHOR_MAX 200
#define CHANGE_LINKS_MAX 50
#define CHANGE_LINK_MAX 2000
#define CHANGE_REASON_MAX 2000

void change_init(struct change *c);
void change_release(struct change *c);
void strlist_release(struct strlist *l);
void strlist_push(struct strlist *l, const char *s);

/* Validates a POST /v1/changes body and fills c (owned copies). now and
 * max_skew are microseconds: effective_at may not lie more than max_skew after
 * now; planned_for may be in the future. Every problem is a detail on err.
 * On success c->state and c->effective_at are decided; id and created_* are
 * left for the store. */
int change_from_json(const cJSON *body, int64_t now, int64_t max_skew, struct change *c,
		     struct err *err);

/* The values in force after the latest amendment. */
int64_t change_current_effective_at(const struct change *c);
enum impact change_current_impact(const struct change *c);

/* The change as API JSON; ios (may be NULL) and gates are added only when
 * with_detail is set. Caller frees with cJSON_Delete. */
cJSON *change_to_json(const struct change *c, const struct io *ios, size_t n_ios, int with_detail);

/* An amendment request: {effective_at?, impact?, reason}. */
struct amendment_input {
	int64_t effective_at; /* RTIME_NONE when absent */
	int impact;	      /* -1 when absent */
	const char *reason;   /* borrowed from the body */
};
int amendment_from_json(const cJSON *body, int64_t now, int64_t max_skew,
			struct amendment_input *in, struct err *err);

#endif
