/* Deploy events (POST /v1/events/deploy): a generic JSON event or a GitHub
 * deployment_status webhook payload, read into one normalised event that
 * names a change by service and key. Pure; no I/O. */
#ifndef RATCHET_DEPLOY_EVENT_H
#define RATCHET_DEPLOY_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "model.h"

struct err;

enum deploy_event_format { DEPLOY_EVENT_GENERIC, DEPLOY_EVENT_GITHUB };

struct deploy_event {
	enum deploy_event_format format;
	char *service;
	char *key;	   /* the change's key: "key", or the commit hash (lowercased) */
	char *commit;	   /* the commit hash (lowercased), or NULL when named by key */
	char *environment; /* may be NULL */
	char *status;	   /* as sent ("success", "failure", "in_progress", ...) */
	int64_t at;	   /* when it was deployed, microseconds */
	char *title;	   /* for a change filed from the event; NULL: "deploy <key>" */
	enum impact impact;
	bool impact_given;
	bool refuse_if_blocked;
};

/* What the request's query string adds: a GitHub payload cannot carry these, so
 * they come as ?service= &impact= &refuse_if_blocked=; NULL when absent. */
struct deploy_event_query {
	const char *service;
	const char *impact;
	const char *refuse_if_blocked;
};

void deploy_event_init(struct deploy_event *ev);
void deploy_event_release(struct deploy_event *ev);

/* Whether body is a GitHub deployment_status payload: it has both a
 * "deployment_status" and a "deployment" object. */
bool deploy_event_is_github(const cJSON *body);

/* Reads body (either format) and q into ev (owned copies).
 * Generic: {service, key | commit, environment?, status, at?, impact?,
 * title?, refuse_if_blocked?}: exactly one of key and commit; at defaults to
 * now; the query's service, impact and refuse_if_blocked are refused (they go
 * in the body). GitHub: status = deployment_status.state, commit =
 * deployment.sha, environment = deployment.environment (or
 * deployment_status.environment), at = deployment_status.updated_at or
 * created_at, service = q->service or repository.name lowercased, impact and
 * refuse_if_blocked from q; other members are ignored. A commit is a full
 * hash (40 or 64 hex digits); at may not lie beyond now + max_skew; impact
 * defaults to medium. Every problem is a detail named by its field (GitHub
 * fields by their path, "deployment.sha"). */
int deploy_event_from_json(const cJSON *body, const struct deploy_event_query *q, int64_t now,
			   int64_t max_skew, struct deploy_event *ev, struct err *err);

/* Whether the event marks its change effective (status "success"). */
bool deploy_event_succeeded(const struct deploy_event *ev);

/* The event as JSON: {format, service, key, commit, environment, status, at}.
 * The caller frees with cJSON_Delete. */
cJSON *deploy_event_to_json(const struct deploy_event *ev);

#endif
