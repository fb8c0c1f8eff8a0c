/* POST /v1/events/deploy: a successful deployment marks its change effective, or files it
 * effective when the register does not know it, through the same shipping check as
 * `change effective` and a change filed effective (gates_ship). A replay of an effective
 * change writes nothing; a deployment that did not succeed is ignored (202). */
#include "common.h"

#include "config.h"
#include "deploy_event.h"
#include "err.h"
#include "gates.h"
#include "handlers.h"
#include "json.h"
#include "rtime.h"

static const char *const event_params[] = {"service", "impact", "refuse_if_blocked", "environment",
					   NULL};

/* The response: the change (when there is one) with what the event did. */
static void respond(struct resp *out, int status, cJSON *change, const struct deploy_event *ev,
		    const char *ignored_reason, bool filed, bool already_effective)
{
	cJSON *o = change ? change : cJSON_CreateObject();
	cJSON_AddItemToObject(o, "deploy_event", deploy_event_to_json(ev));
	cJSON_AddBoolToObject(o, "ignored", ignored_reason != NULL);
	if (ignored_reason) {
		cJSON_AddStringToObject(o, "reason", ignored_reason);
		json_add_str(o, "service", ev->service); /* the audit entry's object */
	}
	cJSON_AddBoolToObject(o, "filed", filed);
	cJSON_AddBoolToObject(o, "already_effective", already_effective);
	resp_json(out, status, o);
}

/* Why the event does not mark a change effective, or NULL when it does. Caller frees. */
static char *ignored_reason(const struct req *r, const struct deploy_event *ev)
{
	const char *want = req_query(r, "environment");
	if (!deploy_event_succeeded(ev))
		return xasprintf("status \"%s\" does not mark a change effective (only success)",
				 ev->status);
	if (want && (!ev->environment || strcmp(ev->environment, want) != 0))
		return xasprintf("environment \"%s\" is not \"%s\"",
				 ev->environment ? ev->environment : "(none)", want);
	return NULL;
}

/* Files the unknown change effective at ev->at, as POST /v1/changes would. */
static int file_change(const struct req *r, const struct deploy_event *ev, int64_t *id,
		       struct err *err)
{
	struct change c;
	change_init(&c);
	char at[RTIME_BUFSZ];
	char *title = ev->title ? NULL : xasprintf("deploy %s", ev->key);
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "key", ev->key);
	cJSON_AddStringToObject(body, "title", ev->title ? ev->title : title);
	cJSON_AddStringToObject(body, "service", ev->service);
	cJSON_AddStringToObject(body, "impact", model_name(&impact_names, (int)ev->impact));
	cJSON_AddStringToObject(body, "effective_at", rtime_format(ev->at, at));
	int rc = change_from_json(body, r->now, r->config->max_skew, &c, err);
	if (rc == 0)
		rc = store_change_insert(&c, r->token.name, err);
	*id = c.id;
	cJSON_Delete(body);
	free(title);
	change_release(&c);
	return rc;
}

/* The change the event names: *id, or 0 when the register does not know it. */
static int find_change(const struct deploy_event *ev, int64_t *id, struct err *err)
{
	struct err rerr;
	err_init(&rerr);
	char *ref = xasprintf("%s:%s", ev->service, ev->key);
	int rc = store_change_resolve(ref, id, &rerr);
	free(ref);
	if (rc == 0)
		return 0;
	if (rerr.code != ERR_NOT_FOUND)
		return err_set(err, rerr.code, "%s", rerr.message);
	*id = 0;
	return 0;
}

/* Ships the event's change: a known planned one is marked effective, an unknown one
 * filed effective; an effective one is left alone (*already_effective). */
static int ship(const struct req *r, const struct deploy_event *ev, int64_t *id, bool *filed,
		bool *already_effective, struct err *err)
{
	int flags = ev->refuse_if_blocked ? SHIP_REFUSE : 0;
	*filed = *already_effective = false;
	if (find_change(ev, id, err) < 0)
		return -1;
	if (*id == 0) {
		*filed = true;
		if (file_change(r, ev, id, err) < 0)
			return -1;
		return gates_ship(*id, ev->at, r->now, flags | SHIP_FILED_EFFECTIVE, NULL, err);
	}
	struct change c;
	change_init(&c);
	int rc = store_change_get(*id, &c, err);
	*already_effective = rc == 0 && c.state == CHANGE_EFFECTIVE;
	change_release(&c);
	if (rc < 0 || *already_effective)
		return rc;
	return gates_ship(*id, ev->at, r->now, flags, NULL, err);
}

int h_events_deploy(struct req *r, struct resp *out, struct err *err)
{
	struct deploy_event ev;
	struct deploy_event_query q = {
		.service = req_query(r, "service"),
		.impact = req_query(r, "impact"),
		.refuse_if_blocked = req_query(r, "refuse_if_blocked"),
	};
	int64_t id = 0;
	bool filed, already;
	cJSON *change = NULL;
	char *reason = NULL;
	int rc = -1;
	deploy_event_init(&ev);
	query_check(r, event_params, err);
	if (deploy_event_from_json(r->json, &q, r->now, r->config->max_skew, &ev, err) < 0 ||
	    err_is_set(err))
		goto out;
	reason = ignored_reason(r, &ev);
	if (reason) {
		respond(out, 202, NULL, &ev, reason, false, false);
		rc = 0;
		goto out;
	}
	if (ship(r, &ev, &id, &filed, &already, err) < 0 ||
	    h_changes_json(id, r->now, &change, err) < 0)
		goto out;
	respond(out, filed ? 201 : 200, change, &ev, NULL, filed, already);
	rc = 0;
out:
	free(reason);
	deploy_event_release(&ev);
	return rc;
}
