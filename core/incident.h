/* Outcomes (incidents, rollbacks, near misses) and their links to changes: the
 * records, validation of a new incident, a link request and a link-window
 * request from JSON, and the JSON codecs. Pure; no I/O. The kind, severity and
 * how names are core/backtest.h's tables. */
#ifndef RATCHET_INCIDENT_H
#define RATCHET_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "backtest.h"

struct err;

struct incident {
	int64_t id;
	enum backtest_kind kind;
	int severity; /* 1..4 (sev1 the worst); 0 when none */
	char *service;
	char *external_key; /* e.g. "#1234" or a pager id; may be NULL */
	char *title;
	int64_t occurred_at;
	int64_t detected_at; /* RTIME_NONE when absent */
	int64_t resolved_at; /* RTIME_NONE when absent */
	char *source;	     /* manual | import | rule:<name>@<version> */
	int64_t created_at;
	char *created_by;
};

struct incident_link {
	int64_t id;
	int64_t incident_id;
	int64_t change_id;
	char *change_service; /* of the change, for display ("service:key") */
	char *change_key;
	enum backtest_how how;
	char *rule;	  /* the rule or step that made it; NULL when made by hand */
	int rule_version; /* 0 when none */
	char *params;	  /* JSON object text; NULL means {} */
	int64_t created_at;
	char *created_by;
};

#define INCIDENT_TITLE_MAX 500
#define INCIDENT_KEY_MAX 200

void incident_init(struct incident *inc);
void incident_release(struct incident *inc);
void incident_link_init(struct incident_link *l);
void incident_link_release(struct incident_link *l);

/* Validates a POST /v1/incidents body ({kind, severity?, service,
 * external_key?, title, occurred_at, detected_at?, resolved_at?, source?})
 * and fills inc (owned copies); id and created_* are left for the store.
 * Every problem is a detail named by its field: times without an offset,
 * an unknown kind or severity, and what incident_check refuses. now and
 * max_skew are microseconds. */
int incident_from_json(const cJSON *body, int64_t now, int64_t max_skew, struct incident *inc,
		       struct err *err);

/* The rules an incident from any source obeys (POST /v1/incidents and the
 * flat-file import): a valid service, a title of 1..500 bytes, an external key
 * of 1..200 printable bytes without spaces (or none), a source of manual,
 * import or rule:<name>@<version>; occurred_at, detected_at and resolved_at
 * no later than now + max_skew; detected_at and resolved_at not before
 * occurred_at. Adds a detail per problem, named by the field; -1 when any. */
int incident_check(const struct incident *inc, int64_t now, int64_t max_skew, struct err *err);

/* The incident as API JSON; with links set (links may be NULL when n_links
 * is 0) a "links" array follows. The caller frees with cJSON_Delete. */
cJSON *incident_to_json(const struct incident *inc, const struct incident_link *links,
			size_t n_links, int with_links);

/* A link as API JSON: {id, incident_id, change_id, change ("service:key"),
 * how, rule, rule_version, params, created_at, created_by}. Caller frees. */
cJSON *incident_link_to_json(const struct incident_link *l);

/* Validates a POST /v1/incidents/{id}/links body {change, how?}: how may
 * only be "explicit" (the default; the other ways are made by imports and
 * link-window). *change borrows from body. */
int incident_link_from_json(const cJSON *body, const char **change, struct err *err);

/* A POST /v1/incidents/link-window request. */
struct incident_window {
	int64_t horizon;	  /* seconds, 1 .. BACKTEST_MAX_HORIZON */
	const char *horizon_text; /* as given ("14d"); borrowed from the body */
	const char *service;	  /* NULL: every service; borrowed */
	unsigned kinds;		  /* bits (1u << enum backtest_kind); all when not given */
};
/* Validates {horizon, service?, kinds?} into w. */
int incident_window_from_json(const cJSON *body, struct incident_window *w, struct err *err);

#endif
