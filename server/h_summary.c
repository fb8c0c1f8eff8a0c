/* GET /v1/summary: the register summary of a window, the first section of the pilot report —
 * changes effective in it (current values) by impact and review, review coverage (overall and
 * of high-impact changes, with Wilson 95% intervals), their IOs by category and status, and
 * the outcomes that occurred in it with their links. */
#include "common.h"

#include <math.h>

#include "backtest.h"
#include "err.h"
#include "handlers.h"
#include "json.h"
#include "rtime.h"
#include "stats/wilson.h"

static void add_count(cJSON *o, const char *name, size_t n)
{
	cJSON_AddNumberToObject(o, name, (double)n);
}

static void add_number(cJSON *o, const char *name, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, name, v);
	else
		cJSON_AddNullToObject(o, name);
}

/* {"reviewed", "changes", "fraction", "lower", "upper", "reason"}: reviewed of n, Wilson 95%. */
static cJSON *coverage(size_t reviewed, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	struct stats_wilson w;
	stats_wilson(reviewed, n, 0.95, &w);
	add_count(o, "reviewed", reviewed);
	add_count(o, "changes", n);
	add_number(o, "fraction", w.proportion);
	add_number(o, "lower", w.lower);
	add_number(o, "upper", w.upper);
	json_add_str(o, "reason", n ? NULL : "no changes effective in the window");
	return o;
}

static cJSON *changes_json(const struct store_summary *s, cJSON *root)
{
	cJSON *o = cJSON_AddObjectToObject(root, "changes");
	size_t total = 0, by_review[REVIEW_COUNT] = {0};
	cJSON *impact = cJSON_CreateObject();
	for (int i = 0; i < IMPACT_COUNT; i++) {
		size_t n = 0;
		for (int v = 0; v < REVIEW_COUNT; v++) {
			n += s->changes[i][v];
			by_review[v] += s->changes[i][v];
		}
		add_count(impact, model_name(&impact_names, i), n);
		total += n;
	}
	add_count(o, "effective", total);
	cJSON_AddItemToObject(o, "by_impact", impact);
	cJSON *review = cJSON_AddObjectToObject(o, "by_review");
	for (int v = 0; v < REVIEW_COUNT; v++)
		add_count(review, model_name(&review_names, v), by_review[v]);
	cJSON *cov = cJSON_AddObjectToObject(root, "review_coverage");
	cJSON_AddItemToObject(cov, "all", coverage(total - by_review[REVIEW_UNREVIEWED], total));
	const size_t *high = s->changes[IMPACT_HIGH];
	size_t n_high = high[REVIEW_UNREVIEWED] + high[REVIEW_NO_IO] + high[REVIEW_HAS_IO];
	cJSON_AddItemToObject(cov, "high", coverage(n_high - high[REVIEW_UNREVIEWED], n_high));
	return o;
}

static void ios_json(const struct store_summary *s, cJSON *root)
{
	static const char *const status[3] = {"confirmed", "candidate", "retracted"};
	cJSON *o = cJSON_AddObjectToObject(root, "ios");
	size_t totals[3] = {0};
	cJSON *cats = cJSON_CreateArray();
	for (int c = 0; c < IO_CAT_COUNT; c++) {
		cJSON *row = cJSON_CreateObject();
		json_add_str(row, "category", model_name(&io_category_names, c));
		for (int k = 0; k < 3; k++) {
			add_count(row, status[k], s->ios[c][k]);
			totals[k] += s->ios[c][k];
		}
		cJSON_AddItemToArray(cats, row);
	}
	for (int k = 0; k < 3; k++)
		add_count(o, status[k], totals[k]);
	add_count(o, "labelled_after_outcome", s->ios_labelled_after_outcome);
	cJSON_AddItemToObject(o, "by_category", cats);
}

static void outcomes_json(const struct store_summary *s, cJSON *root)
{
	cJSON *o = cJSON_AddObjectToObject(root, "outcomes");
	size_t linked = 0, unlinked = 0;
	cJSON *kinds = cJSON_CreateArray();
	for (int k = 0; k < BACKTEST_KIND_COUNT; k++) {
		cJSON *row = cJSON_CreateObject();
		json_add_str(row, "kind", model_name(&backtest_kind_names, k));
		add_count(row, "total", s->outcomes[k][0] + s->outcomes[k][1]);
		add_count(row, "linked", s->outcomes[k][1]);
		cJSON_AddItemToArray(kinds, row);
		unlinked += s->outcomes[k][0];
		linked += s->outcomes[k][1];
	}
	add_count(o, "total", linked + unlinked);
	add_count(o, "linked", linked);
	add_count(o, "unlinked", unlinked);
	cJSON_AddItemToObject(o, "by_kind", kinds);
	cJSON *how = cJSON_AddObjectToObject(o, "links_by_how");
	for (int h = 0; h < BACKTEST_HOW_COUNT; h++)
		add_count(how, model_name(&backtest_how_names, h), s->links[h]);
}

static const char *const summary_params[] = {"service", "from", "to", NULL};

int h_summary_get(struct req *r, struct resp *out, struct err *err)
{
	int64_t from = RTIME_NONE, to = RTIME_NONE;
	const char *service = req_query(r, "service");
	query_check(r, summary_params, err);
	if (service && !model_valid_service(service))
		err_detail(err, "service", 0, 0,
			   "must match [a-z0-9][a-z0-9._-]{0,62} (lowercase, no spaces)");
	query_time_or_date(r, "from", &from, err);
	query_time_or_date(r, "to", &to, err);
	if (!err_is_set(err) && from == RTIME_NONE)
		err_detail(err, "from", 0, 0, "is required");
	if (!err_is_set(err) && to == RTIME_NONE)
		err_detail(err, "to", 0, 0, "is required");
	if (!err_is_set(err) && from >= to)
		err_detail(err, "to", 0, 0, "must be after from");
	if (err_is_set(err))
		return -1;
	struct store_summary s;
	if (store_summary(service, from, to, &s, err) < 0)
		return -1;
	cJSON *root = cJSON_CreateObject();
	cJSON *window = cJSON_AddObjectToObject(root, "window");
	json_add_time(window, "from", from);
	json_add_time(window, "to", to);
	cJSON *scope = cJSON_AddObjectToObject(root, "scope");
	json_add_str(scope, "service", service);
	changes_json(&s, root);
	ios_json(&s, root);
	outcomes_json(&s, root);
	resp_json(out, 200, root);
	return 0;
}
