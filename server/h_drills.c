/* /v1/drills: record, list and show rollback drills. Drill gates read them. */
#include "common.h"

#include "config.h"
#include "err.h"
#include "gate.h"
#include "handlers.h"
#include "rtime.h"

/* Resolves the drill's change reference; it must belong to the drill's service. */
static int drill_change(const char *ref, struct drill *d, struct err *err)
{
	struct err rerr;
	err_init(&rerr);
	if (store_change_resolve(ref, &d->change_id, &rerr) < 0) {
		if (rerr.code != ERR_NOT_FOUND)
			return err_set(err, rerr.code, "%s", rerr.message);
		return err_detail(err, "change", 0, 0, "%s", rerr.message);
	}
	struct change c;
	change_init(&c);
	int rc = store_change_get(d->change_id, &c, err);
	if (rc == 0 && strcmp(c.service, d->service) != 0)
		rc = err_detail(err, "change", 0, 0,
				"change %s:%s belongs to service \"%s\", not the drill's \"%s\"",
				c.service, c.key, c.service, d->service);
	change_release(&c);
	return rc;
}

int h_drills_create(struct req *r, struct resp *out, struct err *err)
{
	struct drill d;
	const char *change_ref = NULL;
	int rc = -1;
	drill_init(&d);
	if (drill_from_json(r->json, r->now, r->config->max_skew, &d, &change_ref, err) < 0)
		goto out;
	if (change_ref && drill_change(change_ref, &d, err) < 0)
		goto out;
	d.recorded_at = r->now;
	free(d.recorded_by);
	d.recorded_by = xstrdup(r->token.name);
	if (store_drill_insert(&d, err) < 0)
		goto out;
	resp_json(out, 201, drill_to_json(&d));
	rc = 0;
out:
	drill_release(&d);
	return rc;
}

static const char *const list_params[] = {"service", "since", "until", "cursor", "limit", NULL};

int h_drills_list(struct req *r, struct resp *out, struct err *err)
{
	struct drill_filter f = {0};
	query_check(r, list_params, err);
	query_paging(r, &f.limit, &f.after_id, err);
	query_time(r, "since", &f.since, err);
	query_time(r, "until", &f.until, err);
	f.service = req_query(r, "service");
	if (err_is_set(err))
		return -1;
	struct drill *items;
	size_t n;
	int64_t next;
	if (store_drill_list(&f, &items, &n, &next, err) < 0)
		return -1;
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, drill_to_json(&items[i]));
	store_drills_free(items, n);
	resp_page(out, arr, next);
	return 0;
}

int h_drills_get(struct req *r, struct resp *out, struct err *err)
{
	const char *s = r->params[0];
	char *end = NULL;
	errno = 0;
	long long id = strtoll(s, &end, 10);
	if (errno || *end || id <= 0 || s[0] < '0' || s[0] > '9')
		return err_set(err, ERR_NOT_FOUND, "no drill \"%.64s\"", s);
	struct drill d;
	drill_init(&d);
	if (store_drill_get((int64_t)id, &d, err) < 0) {
		drill_release(&d);
		return -1;
	}
	resp_json(out, 200, drill_to_json(&d));
	drill_release(&d);
	return 0;
}
