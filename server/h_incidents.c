/* /v1/incidents: record, list and show outcomes (incidents, rollbacks, near misses), link
 * one to a change by hand, and the explicit link-window step. */
#include "common.h"

#include "config.h"
#include "err.h"
#include "handlers.h"
#include "incident.h"
#include "json.h"
#include "rtime.h"

/* The incident with its links as JSON; *out is the caller's. */
static int incident_json(int64_t id, cJSON **out, struct err *err)
{
	struct incident inc;
	struct incident_link *links = NULL;
	size_t n = 0;
	incident_init(&inc);
	*out = NULL;
	if (store_incident_get(id, &inc, err) < 0 ||
	    store_incident_links(id, &links, &n, err) < 0) {
		incident_release(&inc);
		return -1;
	}
	*out = incident_to_json(&inc, links, n, 1);
	store_incident_links_free(links, n);
	incident_release(&inc);
	return 0;
}

int h_incidents_create(struct req *r, struct resp *out, struct err *err)
{
	struct incident inc;
	int rc = -1;
	cJSON *obj;
	incident_init(&inc);
	if (incident_from_json(r->json, r->now, r->config->max_skew, &inc, err) < 0)
		goto out;
	inc.created_by = xstrdup(r->token.name);
	if (store_incident_insert(&inc, err) < 0 || incident_json(inc.id, &obj, err) < 0)
		goto out;
	resp_json(out, 201, obj);
	rc = 0;
out:
	incident_release(&inc);
	return rc;
}

static const char *const list_params[] = {"service", "kind",  "since", "until",
					  "cursor",  "limit", NULL};

int h_incidents_list(struct req *r, struct resp *out, struct err *err)
{
	struct incident_filter f = {0};
	query_check(r, list_params, err);
	query_paging(r, &f.limit, &f.after_id, err);
	query_time(r, "since", &f.since, err);
	query_time(r, "until", &f.until, err);
	query_enum(r, "kind", &backtest_kind_names, &f.kind, err);
	f.service = req_query(r, "service");
	if (err_is_set(err))
		return -1;
	struct incident *items;
	size_t n;
	int64_t next;
	if (store_incident_list(&f, &items, &n, &next, err) < 0)
		return -1;
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, incident_to_json(&items[i], NULL, 0, 0));
	store_incidents_free(items, n);
	resp_page(out, arr, next);
	return 0;
}

int h_incidents_get(struct req *r, struct resp *out, struct err *err)
{
	int64_t id;
	cJSON *obj;
	if (store_incident_resolve(r->params[0], &id, err) < 0 || incident_json(id, &obj, err) < 0)
		return -1;
	resp_json(out, 200, obj);
	return 0;
}

/* The body's change reference: one that does not exist is a detail on "change". */
static int link_change(const char *ref, int64_t *id, struct err *err)
{
	struct err rerr;
	err_init(&rerr);
	if (store_change_resolve(ref, id, &rerr) == 0)
		return 0;
	if (rerr.code != ERR_NOT_FOUND)
		return err_set(err, rerr.code, "%s", rerr.message);
	return err_detail(err, "change", 0, 0, "%s", rerr.message);
}

int h_incidents_link(struct req *r, struct resp *out, struct err *err)
{
	const char *change = NULL;
	struct incident_link l;
	cJSON *obj;
	int rc = -1;
	incident_link_init(&l);
	if (incident_link_from_json(r->json, &change, err) < 0 ||
	    store_incident_resolve(r->params[0], &l.incident_id, err) < 0 ||
	    link_change(change, &l.change_id, err) < 0)
		goto out;
	l.how = BACKTEST_EXPLICIT;
	l.created_by = xstrdup(r->token.name);
	if (store_incident_link_insert(&l, err) < 0 || incident_json(l.incident_id, &obj, err) < 0)
		goto out;
	cJSON_AddItemToObject(obj, "link", incident_link_to_json(&l));
	resp_json(out, 201, obj);
	rc = 0;
out:
	incident_link_release(&l);
	return rc;
}

static cJSON *window_kinds_json(unsigned kinds)
{
	cJSON *arr = cJSON_CreateArray();
	for (int k = 0; k < BACKTEST_KIND_COUNT; k++)
		if (kinds & (1u << k))
			cJSON_AddItemToArray(
				arr, cJSON_CreateString(model_name(&backtest_kind_names, k)));
	return arr;
}

/* How many distinct incidents the links (sorted by incident) name. */
static size_t distinct_incidents(const struct incident_link *links, size_t n)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += i == 0 || links[i].incident_id != links[i - 1].incident_id;
	return count;
}

int h_incidents_link_window(struct req *r, struct resp *out, struct err *err)
{
	struct incident_window w;
	struct incident_link *made = NULL;
	size_t unlinked = 0, n_made = 0;
	if (incident_window_from_json(r->json, &w, err) < 0 ||
	    store_incident_link_window(&w, r->token.name, &unlinked, &made, &n_made, err) < 0)
		return -1;
	size_t linked = distinct_incidents(made, n_made);
	cJSON *o = cJSON_CreateObject();
	json_add_str(o, "horizon", w.horizon_text);
	json_add_str(o, "service", w.service);
	cJSON_AddItemToObject(o, "kinds", window_kinds_json(w.kinds));
	cJSON_AddNumberToObject(o, "outcomes_unlinked", (double)unlinked);
	cJSON_AddNumberToObject(o, "outcomes_linked", (double)linked);
	cJSON_AddNumberToObject(o, "outcomes_without_change", (double)(unlinked - linked));
	cJSON_AddNumberToObject(o, "links_made", (double)n_made);
	cJSON *arr = cJSON_AddArrayToObject(o, "links");
	for (size_t i = 0; i < n_made; i++)
		cJSON_AddItemToArray(arr, incident_link_to_json(&made[i]));
	store_incident_links_free(made, n_made);
	resp_json(out, 200, o);
	return 0;
}
