/* /v1/changes: file, list, show, mark effective, amend and review changes. */
#include "common.h"

#include "config.h"
#include "err.h"
#include "gates.h"
#include "handlers.h"
#include "json.h"
#include "rtime.h"

/* Loads every IO of a change (all pages). */
static int load_ios(int64_t change_id, struct io **ios, size_t *n, struct err *err)
{
	struct io_filter f = {.change_id = change_id, .since = RTIME_NONE, .until = RTIME_NONE};
	*ios = NULL;
	*n = 0;
	for (;;) {
		struct io *page;
		size_t count;
		int64_t next;
		f.limit = 1000;
		if (store_io_list(&f, &page, &count, &next, err) < 0)
			return -1;
		*ios = xrealloc(*ios, (*n + count + 1) * sizeof(**ios));
		memcpy(*ios + *n, page, count * sizeof(*page));
		*n += count;
		free(page);
		if (!next)
			return 0;
		f.after_id = next;
	}
}

static void free_ios(struct io *ios, size_t n)
{
	for (size_t i = 0; i < n; i++)
		io_release(&ios[i]);
	free(ios);
}

int h_changes_json(int64_t id, int64_t now, cJSON **out, struct err *err)
{
	struct change c;
	change_init(&c);
	struct io *ios = NULL;
	size_t n_ios = 0;
	cJSON *gates = NULL;
	int rc = -1;
	*out = NULL;
	if (store_change_get(id, &c, err) < 0 || load_ios(id, &ios, &n_ios, err) < 0 ||
	    gates_change_json(id, now, &gates, err) < 0)
		goto out;
	*out = change_to_json(&c, ios, n_ios, 1);
	cJSON_ReplaceItemInObjectCaseSensitive(*out, "gates", gates);
	rc = 0;
out:
	free_ios(ios, n_ios);
	change_release(&c);
	return rc;
}

/* Responds with one change, its IOs and its gates evaluated at now. */
static int respond_change(int64_t id, int64_t now, int status, struct resp *out, struct err *err)
{
	cJSON *obj;
	if (h_changes_json(id, now, &obj, err) < 0)
		return -1;
	resp_json(out, status, obj);
	return 0;
}

int h_changes_create(struct req *r, struct resp *out, struct err *err)
{
	struct change c;
	change_init(&c);
	int rc = -1;
	const cJSON *refuse = cJSON_GetObjectItemCaseSensitive(r->json, "refuse_if_blocked");
	if (refuse && !cJSON_IsBool(refuse))
		err_detail(err, "refuse_if_blocked", 0, 0, "must be true or false");
	if (change_from_json(r->json, r->now, r->config->max_skew, &c, err) < 0 || err_is_set(err))
		goto out;
	if (store_change_insert(&c, r->token.name, err) < 0)
		goto out;
	/* Filed already effective: it shipped, so its pre gates are checked as for
	 * `effective` (refused, or recorded as shipped while blocked). */
	if (c.state == CHANGE_EFFECTIVE) {
		int flags = SHIP_FILED_EFFECTIVE | (cJSON_IsTrue(refuse) ? SHIP_REFUSE : 0);
		if (gates_ship(c.id, c.effective_at, r->now, flags, NULL, err) < 0)
			goto out;
	} else if (cJSON_IsTrue(refuse)) {
		err_detail(err, "refuse_if_blocked", 0, 0,
			   "applies only to a change filed effective");
		goto out;
	}
	rc = respond_change(c.id, r->now, 201, out, err);
out:
	change_release(&c);
	return rc;
}

static const char *const list_params[] = {"service", "impact", "state",	 "review", "category",
					  "since",   "until",  "cursor", "limit",  NULL};

int h_changes_list(struct req *r, struct resp *out, struct err *err)
{
	struct change_filter f = {0};
	query_check(r, list_params, err);
	query_paging(r, &f.limit, &f.after_id, err);
	query_time(r, "since", &f.since, err);
	query_time(r, "until", &f.until, err);
	query_enum(r, "impact", &impact_names, &f.impact, err);
	query_enum(r, "state", &change_state_names, &f.state, err);
	query_enum(r, "review", &review_names, &f.review, err);
	query_enum(r, "category", &io_category_names, &f.category, err);
	f.service = req_query(r, "service");
	if (err_is_set(err))
		return -1;
	struct change *items;
	size_t n;
	int64_t next;
	if (store_change_list(&f, &items, &n, &next, err) < 0)
		return -1;
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(arr, change_to_json(&items[i], NULL, 0, 0));
		change_release(&items[i]);
	}
	free(items);
	resp_page(out, arr, next);
	return 0;
}

int h_changes_get(struct req *r, struct resp *out, struct err *err)
{
	int64_t id;
	if (store_change_resolve(r->params[0], &id, err) < 0)
		return -1;
	return respond_change(id, r->now, 200, out, err);
}

static const char *const effective_fields[] = {"effective_at", "refuse_if_blocked", NULL};

int h_changes_effective(struct req *r, struct resp *out, struct err *err)
{
	int64_t id, at = r->now;
	const cJSON *refuse = cJSON_GetObjectItemCaseSensitive(r->json, "refuse_if_blocked");
	json_check_fields(r->json, effective_fields, err);
	if (refuse && !cJSON_IsBool(refuse))
		err_detail(err, "refuse_if_blocked", 0, 0, "must be true or false");
	if (json_get_time(r->json, "effective_at", false, &at, err) == 1 &&
	    at > r->now + r->config->max_skew)
		err_detail(err, "effective_at", 0, 0,
			   "lies in the future beyond the allowed clock skew");
	if (err_is_set(err))
		return -1;
	if (store_change_resolve(r->params[0], &id, err) < 0)
		return -1;
	/* The pre gates as planned, now: refused, or shipped while blocked. */
	if (gates_ship(id, at, r->now, cJSON_IsTrue(refuse) ? SHIP_REFUSE : 0, NULL, err) < 0)
		return -1;
	return respond_change(id, r->now, 200, out, err);
}

int h_changes_amend(struct req *r, struct resp *out, struct err *err)
{
	struct amendment_input in;
	int64_t id;
	if (amendment_from_json(r->json, r->now, r->config->max_skew, &in, err) < 0)
		return -1;
	if (store_change_resolve(r->params[0], &id, err) < 0)
		return -1;
	if (store_change_amend(id, in.effective_at, in.impact, in.reason, r->token.name, err) < 0)
		return -1;
	return respond_change(id, r->now, 201, out, err);
}

static const char *const review_fields[] = {"review", NULL};

int h_changes_review(struct req *r, struct resp *out, struct err *err)
{
	int64_t id;
	int review = -1;
	json_check_fields(r->json, review_fields, err);
	if (json_get_enum(r->json, "review", true, &review_names, &review, err) == 1 &&
	    review != REVIEW_NO_IO)
		err_detail(err, "review", 0, 0,
			   "only \"no_io\" is filed by hand; has_io follows from a confirmed IO");
	if (err_is_set(err))
		return -1;
	if (store_change_resolve(r->params[0], &id, err) < 0)
		return -1;
	if (store_change_review_no_io(id, err) < 0)
		return -1;
	return respond_change(id, r->now, 200, out, err);
}
