/* Deploy events: generic JSON and GitHub deployment_status payloads read into
 * one event, and its JSON. */
#include "common.h"

#include "change.h"
#include "deploy_event.h"
#include "err.h"
#include "json.h"
#include "rtime.h"

#define DEPLOY_TEXT_MAX 200

void deploy_event_init(struct deploy_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->at = RTIME_NONE;
	ev->impact = IMPACT_MEDIUM;
}

void deploy_event_release(struct deploy_event *ev)
{
	free(ev->service);
	free(ev->key);
	free(ev->commit);
	free(ev->environment);
	free(ev->status);
	free(ev->title);
	deploy_event_init(ev);
}

bool deploy_event_is_github(const cJSON *body)
{
	return cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(body, "deployment_status")) &&
	       cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(body, "deployment"));
}

bool deploy_event_succeeded(const struct deploy_event *ev)
{
	return ev->status && strcmp(ev->status, "success") == 0;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* A full commit hash (40 or 64 hex digits), lowercased into a new string; NULL if not. */
static char *commit_hash(const char *s)
{
	size_t n = strlen(s);
	if (n != 40 && n != 64)
		return NULL;
	char *out = xstrdup(s);
	for (size_t i = 0; i < n; i++) {
		char c = out[i];
		if (c >= 'A' && c <= 'F')
			out[i] = (char)(c - 'A' + 'a');
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			free(out);
			return NULL;
		}
	}
	return out;
}

static void set_commit(struct deploy_event *ev, const char *field, const char *commit,
		       struct err *err)
{
	ev->commit = commit_hash(commit);
	if (!ev->commit) {
		err_detail(err, field, 0, 0, "must be a full commit hash (40 or 64 hex digits)");
		return;
	}
	ev->key = xstrdup(ev->commit);
}

static void check_service(struct deploy_event *ev, const char *field, struct err *err)
{
	if (ev->service && !model_valid_service(ev->service))
		err_detail(err, field, 0, 0,
			   "must match [a-z0-9][a-z0-9._-]{0,62} (lowercase, no spaces)");
}

static void check_at(const struct deploy_event *ev, const char *field, int64_t now,
		     int64_t max_skew, struct err *err)
{
	if (ev->at != RTIME_NONE && ev->at > now + max_skew)
		err_detail(err, field, 0, 0, "lies in the future beyond the allowed clock skew");
}

static const char *const generic_fields[] = {
	"service", "key",    "commit", "environment",	    "status",
	"at",	   "impact", "title",  "refuse_if_blocked", NULL,
};

static void generic_names(const cJSON *body, struct deploy_event *ev, struct err *err)
{
	const char *service = NULL, *key = NULL, *commit = NULL;
	json_get_string(body, "service", true, 63, &service, err);
	ev->service = dup_or_null(service);
	check_service(ev, "service", err);
	json_get_string(body, "key", false, 200, &key, err);
	json_get_string(body, "commit", false, 64, &commit, err);
	if (key && commit)
		err_detail(err, "commit", 0, 0, "give key or commit, not both");
	else if (key && !model_valid_key(key))
		err_detail(err, "key", 0, 0,
			   "must be 1 to 200 printable characters without spaces");
	else if (key)
		ev->key = xstrdup(key);
	else if (commit)
		set_commit(ev, "commit", commit, err);
	else if (!cJSON_GetObjectItemCaseSensitive(body, "key") &&
		 !cJSON_GetObjectItemCaseSensitive(body, "commit"))
		err_detail(err, "key", 0, 0, "is required (or commit)");
}

static void generic_query(const struct deploy_event_query *q, struct err *err)
{
	const char *names[3] = {"service", "impact", "refuse_if_blocked"};
	const char *values[3] = {q->service, q->impact, q->refuse_if_blocked};
	for (int i = 0; i < 3; i++)
		if (values[i])
			err_detail(err, names[i], 0, 0,
				   "is a query parameter only for GitHub deployment_status "
				   "payloads; give it in the body of a generic event");
}

static void read_generic(const cJSON *body, const struct deploy_event_query *q, int64_t now,
			 int64_t max_skew, struct deploy_event *ev, struct err *err)
{
	ev->format = DEPLOY_EVENT_GENERIC;
	json_check_fields(body, generic_fields, err);
	generic_query(q, err);
	generic_names(body, ev, err);
	const char *env = NULL, *status = NULL, *title = NULL;
	json_get_string(body, "environment", false, DEPLOY_TEXT_MAX, &env, err);
	json_get_string(body, "status", true, DEPLOY_TEXT_MAX, &status, err);
	if (json_get_string(body, "title", false, CHANGE_TITLE_MAX, &title, err) == 1 &&
	    title[strspn(title, " \t\r\n")] == '\0') {
		err_detail(err, "title", 0, 0, "must not be empty (leave it out instead)");
		title = NULL;
	}
	ev->environment = dup_or_null(env);
	ev->status = dup_or_null(status);
	ev->title = dup_or_null(title);
	int impact = IMPACT_MEDIUM;
	if (json_get_enum(body, "impact", false, &impact_names, &impact, err) == 1)
		ev->impact_given = true;
	ev->impact = (enum impact)impact;
	if (json_get_time(body, "at", false, &ev->at, err) == 0)
		ev->at = now;
	check_at(ev, "at", now, max_skew, err);
	const cJSON *refuse = cJSON_GetObjectItemCaseSensitive(body, "refuse_if_blocked");
	if (refuse && !cJSON_IsBool(refuse))
		err_detail(err, "refuse_if_blocked", 0, 0, "must be true or false");
	ev->refuse_if_blocked = cJSON_IsTrue(refuse);
}

/* A string member of a GitHub object, reported by its path (e.g. "deployment.sha"). */
static const char *github_string(const cJSON *obj, const char *parent, const char *name,
				 bool required, struct err *err)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
	char path[96];
	snprintf(path, sizeof(path), "%s.%s", parent, name);
	if (!item || cJSON_IsNull(item)) {
		if (required)
			err_detail(err, path, 0, 0, "is required");
		return NULL;
	}
	if (!cJSON_IsString(item) || !item->valuestring[0]) {
		err_detail(err, path, 0, 0, "must be a non-empty string");
		return NULL;
	}
	return item->valuestring;
}

static void github_service(const cJSON *body, const struct deploy_event_query *q,
			   struct deploy_event *ev, struct err *err)
{
	if (q->service) {
		ev->service = xstrdup(q->service);
		check_service(ev, "service", err);
		return;
	}
	const cJSON *repo = cJSON_GetObjectItemCaseSensitive(body, "repository");
	const char *name =
		cJSON_IsObject(repo) ? github_string(repo, "repository", "name", false, err) : NULL;
	if (!name) {
		err_detail(err, "service", 0, 0,
			   "is required: give ?service= or a payload with repository.name");
		return;
	}
	ev->service = xstrdup(name);
	for (char *p = ev->service; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	check_service(ev, "repository.name", err);
}

static void github_query(const struct deploy_event_query *q, struct deploy_event *ev,
			 struct err *err)
{
	if (q->impact) {
		int impact = model_lookup(&impact_names, q->impact);
		if (impact < 0)
			err_detail(err, "impact", 0, 0,
				   "unknown value \"%.64s\"; expected one of: %s", q->impact,
				   impact_names.list);
		else {
			ev->impact = (enum impact)impact;
			ev->impact_given = true;
		}
	}
	if (q->refuse_if_blocked) {
		if (strcmp(q->refuse_if_blocked, "true") == 0)
			ev->refuse_if_blocked = true;
		else if (strcmp(q->refuse_if_blocked, "false") != 0)
			err_detail(err, "refuse_if_blocked", 0, 0, "must be true or false");
	}
}

static void github_time(const cJSON *status, int64_t now, int64_t max_skew, struct deploy_event *ev,
			struct err *err)
{
	const char *field = "deployment_status.updated_at";
	const char *at = github_string(status, "deployment_status", "updated_at", false, err);
	if (!at) {
		field = "deployment_status.created_at";
		at = github_string(status, "deployment_status", "created_at", false, err);
	}
	if (!at) {
		err_detail(err, "deployment_status.updated_at", 0, 0,
			   "is required (or deployment_status.created_at)");
		return;
	}
	struct err terr;
	err_init(&terr);
	if (rtime_parse(at, &ev->at, &terr) < 0) {
		err_detail(err, field, 0, 0, "%s", terr.message);
		return;
	}
	check_at(ev, field, now, max_skew, err);
}

static void read_github(const cJSON *body, const struct deploy_event_query *q, int64_t now,
			int64_t max_skew, struct deploy_event *ev, struct err *err)
{
	ev->format = DEPLOY_EVENT_GITHUB;
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(body, "deployment_status");
	const cJSON *deployment = cJSON_GetObjectItemCaseSensitive(body, "deployment");
	github_service(body, q, ev, err);
	github_query(q, ev, err);
	const char *state = github_string(status, "deployment_status", "state", true, err);
	const char *sha = github_string(deployment, "deployment", "sha", true, err);
	const char *env = github_string(deployment, "deployment", "environment", false, err);
	if (!env)
		env = github_string(status, "deployment_status", "environment", false, err);
	if (state && strlen(state) > DEPLOY_TEXT_MAX)
		err_detail(err, "deployment_status.state", 0, 0, "is longer than %d bytes",
			   DEPLOY_TEXT_MAX);
	else
		ev->status = dup_or_null(state);
	if (env && strlen(env) > DEPLOY_TEXT_MAX)
		err_detail(err, "deployment.environment", 0, 0, "is longer than %d bytes",
			   DEPLOY_TEXT_MAX);
	else
		ev->environment = dup_or_null(env);
	if (sha)
		set_commit(ev, "deployment.sha", sha, err);
	github_time(status, now, max_skew, ev, err);
}

int deploy_event_from_json(const cJSON *body, const struct deploy_event_query *q, int64_t now,
			   int64_t max_skew, struct deploy_event *ev, struct err *err)
{
	if (!cJSON_IsObject(body)) {
		err_set(err, ERR_INVALID, "body must be a JSON object");
		return err_detail(err, "body", 0, 0, "must be a JSON object");
	}
	if (deploy_event_is_github(body))
		read_github(body, q, now, max_skew, ev, err);
	else
		read_generic(body, q, now, max_skew, ev, err);
	return err_is_set(err) ? -1 : 0;
}

cJSON *deploy_event_to_json(const struct deploy_event *ev)
{
	cJSON *o = cJSON_CreateObject();
	json_add_str(o, "format", ev->format == DEPLOY_EVENT_GITHUB ? "github" : "generic");
	json_add_str(o, "service", ev->service);
	json_add_str(o, "key", ev->key);
	json_add_str(o, "commit", ev->commit);
	json_add_str(o, "environment", ev->environment);
	json_add_str(o, "status", ev->status);
	json_add_time(o, "at", ev->at);
	return o;
}
