/* Outcomes and their links: validation of new incidents, link and link-window
 * requests, and the JSON codecs. */
#include "common.h"

#include "duration.h"
#include "err.h"
#include "incident.h"
#include "json.h"
#include "rtime.h"

void incident_init(struct incident *inc)
{
	memset(inc, 0, sizeof(*inc));
	inc->occurred_at = RTIME_NONE;
	inc->detected_at = RTIME_NONE;
	inc->resolved_at = RTIME_NONE;
	inc->created_at = RTIME_NONE;
}

void incident_release(struct incident *inc)
{
	free(inc->service);
	free(inc->external_key);
	free(inc->title);
	free(inc->source);
	free(inc->created_by);
	incident_init(inc);
}

void incident_link_init(struct incident_link *l)
{
	memset(l, 0, sizeof(*l));
	l->created_at = RTIME_NONE;
}

void incident_link_release(struct incident_link *l)
{
	free(l->change_service);
	free(l->change_key);
	free(l->rule);
	free(l->params);
	free(l->created_by);
	incident_link_init(l);
}

static const char *const incident_fields[] = {
	"kind",	       "severity",    "service",     "external_key", "title",
	"occurred_at", "detected_at", "resolved_at", "source",	     NULL,
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* severity: "sev1".."sev4", or null / absent for none. */
static void read_severity(const cJSON *body, struct incident *inc, struct err *err)
{
	int sev = -1;
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(body, "severity");
	if (!item || cJSON_IsNull(item))
		return;
	if (json_get_enum(body, "severity", false, &backtest_severity_names, &sev, err) == 1)
		inc->severity = sev + 1;
}

static void read_strings(const cJSON *body, struct incident *inc, struct err *err)
{
	const char *service = NULL, *key = NULL, *title = NULL, *source = NULL;
	json_get_string(body, "service", true, 63, &service, err);
	json_get_string(body, "external_key", false, INCIDENT_KEY_MAX, &key, err);
	json_get_string(body, "title", true, INCIDENT_TITLE_MAX, &title, err);
	json_get_string(body, "source", false, 200, &source, err);
	inc->service = dup_or_null(service);
	inc->external_key = dup_or_null(key);
	inc->title = dup_or_null(title);
	inc->source = xstrdup(source ? source : "manual");
}

int incident_from_json(const cJSON *body, int64_t now, int64_t max_skew, struct incident *inc,
		       struct err *err)
{
	if (!cJSON_IsObject(body)) {
		err_set(err, ERR_INVALID, "body must be a JSON object");
		return err_detail(err, "body", 0, 0, "must be a JSON object");
	}
	json_check_fields(body, incident_fields, err);
	int kind = 0;
	json_get_enum(body, "kind", true, &backtest_kind_names, &kind, err);
	inc->kind = (enum backtest_kind)kind;
	read_severity(body, inc, err);
	read_strings(body, inc, err);
	json_get_time(body, "occurred_at", true, &inc->occurred_at, err);
	json_get_time(body, "detected_at", false, &inc->detected_at, err);
	json_get_time(body, "resolved_at", false, &inc->resolved_at, err);
	/* The rules apply to the fields that were read (a missing one has its detail). */
	incident_check(inc, now, max_skew, err);
	return err_is_set(err) ? -1 : 0;
}

static int check_time(const char *field, int64_t t, int64_t occurred, int64_t now, int64_t max_skew,
		      struct err *err)
{
	if (t == RTIME_NONE)
		return 0;
	if (t > now + max_skew)
		return err_detail(err, field, 0, 0,
				  "lies in the future beyond the allowed clock skew");
	if (occurred != RTIME_NONE && t < occurred)
		return err_detail(err, field, 0, 0, "is before occurred_at");
	return 0;
}

int incident_check(const struct incident *inc, int64_t now, int64_t max_skew, struct err *err)
{
	int bad = 0;
	if (inc->service && !model_valid_service(inc->service))
		bad = err_detail(err, "service", 0, 0,
				 "must match [a-z0-9][a-z0-9._-]{0,62} (lowercase, no spaces)");
	if (inc->external_key && !model_valid_key(inc->external_key))
		bad = err_detail(err, "external_key", 0, 0,
				 "must be 1 to 200 printable characters without spaces");
	if (inc->title && (inc->title[strspn(inc->title, " \t\r\n")] == '\0' ||
			   strlen(inc->title) > INCIDENT_TITLE_MAX))
		bad = err_detail(err, "title", 0, 0, "must be 1 to %d bytes, not only spaces",
				 INCIDENT_TITLE_MAX);
	if (inc->source && !model_valid_source(inc->source))
		bad = err_detail(err, "source", 0, 0,
				 "must be \"manual\", \"import\" or \"rule:<name>@<version>\"");
	if (inc->severity < 0 || inc->severity > 4)
		bad = err_detail(err, "severity", 0, 0, "unknown severity; expected one of: %s",
				 backtest_severity_names.list);
	if (inc->occurred_at != RTIME_NONE && inc->occurred_at > now + max_skew)
		bad = err_detail(err, "occurred_at", 0, 0,
				 "lies in the future beyond the allowed clock skew");
	if (check_time("detected_at", inc->detected_at, inc->occurred_at, now, max_skew, err) < 0)
		bad = -1;
	if (check_time("resolved_at", inc->resolved_at, inc->occurred_at, now, max_skew, err) < 0)
		bad = -1;
	return bad;
}

cJSON *incident_link_to_json(const struct incident_link *l)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)l->id);
	cJSON_AddNumberToObject(o, "incident_id", (double)l->incident_id);
	cJSON_AddNumberToObject(o, "change_id", (double)l->change_id);
	if (l->change_service && l->change_key) {
		char *ref = xasprintf("%s:%s", l->change_service, l->change_key);
		json_add_str(o, "change", ref);
		free(ref);
	} else {
		cJSON_AddNullToObject(o, "change");
	}
	json_add_str(o, "how", model_name(&backtest_how_names, (int)l->how));
	json_add_str(o, "rule", l->rule);
	if (l->rule_version > 0)
		cJSON_AddNumberToObject(o, "rule_version", l->rule_version);
	else
		cJSON_AddNullToObject(o, "rule_version");
	cJSON *params = l->params ? cJSON_Parse(l->params) : NULL;
	cJSON_AddItemToObject(o, "params", params ? params : cJSON_CreateObject());
	json_add_time(o, "created_at", l->created_at);
	json_add_str(o, "created_by", l->created_by);
	return o;
}

cJSON *incident_to_json(const struct incident *inc, const struct incident_link *links,
			size_t n_links, int with_links)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)inc->id);
	json_add_str(o, "kind", model_name(&backtest_kind_names, (int)inc->kind));
	json_add_str(o, "severity",
		     inc->severity >= 1 && inc->severity <= 4
			     ? model_name(&backtest_severity_names, inc->severity - 1)
			     : NULL);
	json_add_str(o, "service", inc->service);
	json_add_str(o, "external_key", inc->external_key);
	json_add_str(o, "title", inc->title);
	json_add_time(o, "occurred_at", inc->occurred_at);
	json_add_time(o, "detected_at", inc->detected_at);
	json_add_time(o, "resolved_at", inc->resolved_at);
	json_add_str(o, "source", inc->source);
	json_add_time(o, "created_at", inc->created_at);
	json_add_str(o, "created_by", inc->created_by);
	if (with_links) {
		cJSON *arr = cJSON_AddArrayToObject(o, "links");
		for (size_t i = 0; i < n_links; i++)
			cJSON_AddItemToArray(arr, incident_link_to_json(&links[i]));
	}
	return o;
}

static int require_object(const cJSON *body, struct err *err)
{
	if (cJSON_IsObject(body))
		return 0;
	err_set(err, ERR_INVALID, "body must be a JSON object");
	return err_detail(err, "body", 0, 0, "must be a JSON object");
}

static const char *const link_fields[] = {"change", "how", NULL};

int incident_link_from_json(const cJSON *body, const char **change, struct err *err)
{
	*change = NULL;
	if (require_object(body, err) < 0)
		return -1;
	json_check_fields(body, link_fields, err);
	json_get_string(body, "change", true, 300, change, err);
	int how = BACKTEST_EXPLICIT;
	if (json_get_enum(body, "how", false, &backtest_how_names, &how, err) == 1 &&
	    how != BACKTEST_EXPLICIT)
		err_detail(err, "how", 0, 0,
			   "only \"explicit\" is linked by hand; %s links are made by imports "
			   "and link-window",
			   model_name(&backtest_how_names, how));
	return err_is_set(err) ? -1 : 0;
}

static const char *const window_fields[] = {"horizon", "service", "kinds", NULL};

static void read_kinds(const cJSON *body, unsigned *kinds, struct err *err)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(body, "kinds");
	*kinds = (1u << BACKTEST_KIND_COUNT) - 1;
	if (!arr || cJSON_IsNull(arr))
		return;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0) {
		err_detail(err, "kinds", 0, 0, "must be a non-empty array of: %s",
			   backtest_kind_names.list);
		return;
	}
	*kinds = 0;
	const cJSON *item;
	cJSON_ArrayForEach(item, arr)
	{
		int k = cJSON_IsString(item) ? model_lookup(&backtest_kind_names, item->valuestring)
					     : -1;
		if (k < 0) {
			err_detail(err, "kinds", 0, 0, "unknown kind %s; expected one of: %s",
				   cJSON_IsString(item) ? item->valuestring : "(not a string)",
				   backtest_kind_names.list);
			return;
		}
		*kinds |= 1u << k;
	}
}

int incident_window_from_json(const cJSON *body, struct incident_window *w, struct err *err)
{
	memset(w, 0, sizeof(*w));
	if (require_object(body, err) < 0)
		return -1;
	json_check_fields(body, window_fields, err);
	if (json_get_string(body, "horizon", true, DURATION_BUFSZ, &w->horizon_text, err) == 1) {
		struct err derr;
		err_init(&derr);
		if (duration_parse(w->horizon_text, &w->horizon, &derr) < 0)
			err_detail(err, "horizon", 0, 0, "%s", derr.message);
		else if (w->horizon <= 0 || w->horizon > BACKTEST_MAX_HORIZON)
			err_detail(err, "horizon", 0, 0, "must be more than 0s and at most 3650d");
	}
	if (json_get_string(body, "service", false, 63, &w->service, err) == 1 &&
	    !model_valid_service(w->service))
		err_detail(err, "service", 0, 0,
			   "must match [a-z0-9][a-z0-9._-]{0,62} (lowercase, no spaces)");
	read_kinds(body, &w->kinds, err);
	return err_is_set(err) ? -1 : 0;
}
