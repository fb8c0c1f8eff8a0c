/* Unit tests for core/metrics_report.c and metrics_json.c: the GET
 * /v1/metrics, /v1/tempo and /v1/ios/accumulation objects built from one
 * hand-built input — exact figures, statuses against thresholds, the impact
 * filter (which GBR ignores), data coverage, nulls with reasons, and false
 * stability. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "err.h"
#include "metrics.h"
#include "rtime.h"
#include "test_util.h"

#define USEC INT64_C(1000000)
#define HOUR (3600 * USEC)
#define DAY (86400 * USEC)
/* 2026-06-01T00:00:00Z */
#define FROM (INT64_C(1780272000) * USEC)
#define OPEN RTIME_NONE

#define S(lit) ((char *)(lit))

struct fixture {
	struct metric_change changes[4];
	struct drill drills[3];
	struct metrics_io ios[512];
	struct policy_version pv[1];
	struct metrics_thresholds th;
	struct metrics_input in;
};

static struct metric_change change(int64_t eff, enum impact impact, int gated, int64_t closed,
				   int required, int bypassed, int has_io)
{
	struct metric_change c;
	memset(&c, 0, sizeof(c));
	c.id = eff / USEC % 100000;
	c.effective_at = eff;
	c.impact = impact;
	c.gated = gated;
	c.closed_at = closed;
	c.n_required = required;
	c.n_bypassed = bypassed;
	c.first_bypass_at = bypassed ? eff : RTIME_NONE;
	c.has_io = has_io;
	return c;
}

static struct drill drill(int64_t id, int64_t at)
{
	struct drill d;
	drill_init(&d);
	d.id = id;
	d.service = S("api");
	d.performed_at = at;
	d.rto_target = 3600;
	d.rpo_target = 900;
	d.rto_actual = 600;
	d.rpo_actual = 60;
	d.outcome = DRILL_RESTORED;
	return d;
}

/* Four changes, three drills, three IOs and one of a planned change; policy
 * "rel" with validation_lag 6h, rdpr 80%, gbr 50%, tempo_ratio 1. */
static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->changes[0] = change(FROM + HOUR, IMPACT_HIGH, 1, FROM + 3 * HOUR, 2, 0, 1);
	f->changes[1] = change(FROM + DAY, IMPACT_HIGH, 1, FROM + DAY + 6 * HOUR, 2, 1, 0);
	f->changes[2] = change(FROM + 2 * DAY, IMPACT_LOW, 1, OPEN, 1, 0, 1);
	f->changes[3] = change(FROM + 3 * DAY, IMPACT_HIGH, 0, OPEN, 1, 1, 1);
	f->changes[3].shipped_while_blocked = 1;
	f->drills[0] = drill(1, FROM + 2 * DAY);
	f->drills[1] = drill(2, FROM + 5 * DAY);
	f->drills[2] = drill(3, FROM - DAY);
	f->ios[0] = (struct metrics_io){FROM + HOUR, IO_CAT_DATA};
	f->ios[1] = (struct metrics_io){FROM + 2 * DAY, IO_CAT_EVALUATION};
	f->ios[2] = (struct metrics_io){FROM + 3 * DAY, IO_CAT_DATA};
	f->ios[3] = (struct metrics_io){RTIME_NONE, IO_CAT_DATA};
	struct policy_version *pv = &f->pv[0];
	pv->policy.name = S("rel");
	pv->version = 1;
	pv->policy.thresholds = (struct policy_thresholds){
		.has_validation_lag = 1,
		.validation_lag = 6 * 3600,
		.has_rdpr = 1,
		.rdpr = 0.8,
		.has_gbr = 1,
		.gbr = 0.5,
		.has_tempo_ratio = 1,
		.tempo_ratio = 1.0,
	};
	metrics_thresholds(f->pv, 1, NULL, &f->th);
	struct metrics_input *in = &f->in;
	in->window = (struct metrics_window){FROM, FROM + 14 * DAY, FROM + 14 * DAY};
	in->window_default = 1;
	in->impact = -1;
	in->thresholds = &f->th;
	in->changes = f->changes;
	in->n_changes = 4;
	in->drills = f->drills;
	in->n_drills = 3;
	in->ios = f->ios;
	in->n_ios = 4;
	in->bucket = BUCKET_DAY;
}

/* The member at a dotted path ("validation_lag.median.value"); fails when absent. */
static const cJSON *at(const cJSON *root, const char *path)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", path);
	const cJSON *o = root;
	for (char *save = NULL, *part = strtok_r(buf, ".", &save); part;
	     part = strtok_r(NULL, ".", &save)) {
		o = cJSON_GetObjectItemCaseSensitive(o, part);
		if (!o) {
			print_error("no member %s\n", path);
			fail();
		}
	}
	return o;
}

static void assert_num(const cJSON *root, const char *path, double want, double rtol)
{
	const cJSON *o = at(root, path);
	if (!cJSON_IsNumber(o) || !test_close(o->valuedouble, want, rtol, 0)) {
		char *s = cJSON_PrintUnformatted(o);
		print_error("%s is %s, want %.17g\n", path, s, want);
		free(s);
		fail();
	}
}

static void assert_str(const cJSON *root, const char *path, const char *want)
{
	const cJSON *o = at(root, path);
	if (!want) {
		if (!cJSON_IsNull(o)) {
			print_error("%s is not null\n", path);
			fail();
		}
		return;
	}
	if (!cJSON_IsString(o) || strcmp(o->valuestring, want) != 0) {
		char *s = cJSON_PrintUnformatted(o);
		print_error("%s is %s, want \"%s\"\n", path, s, want);
		free(s);
		fail();
	}
}

static void assert_null_member(const cJSON *root, const char *path)
{
	assert_true(cJSON_IsNull(at(root, path)));
}

static void test_the_metrics_object_has_every_figure_exact(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	cJSON *j = metrics_report_to_json(&f.in);
	assert_str(j, "window.from", "2026-06-01T00:00:00.000000Z");
	assert_str(j, "window.asof", "2026-06-15T00:00:00.000000Z");
	assert_true(cJSON_IsTrue(at(j, "window.default")));
	assert_null_member(j, "scope.service");
	assert_null_member(j, "scope.impact");
	assert_true(cJSON_IsFalse(at(j, "scope.io_only")));
	assert_str(j, "data.first", "2026-06-01T01:00:00.000000Z");
	assert_str(j, "data.last", "2026-06-04T00:00:00.000000Z");
	assert_true(cJSON_IsFalse(at(j, "data.empty")));
	assert_num(j, "thresholds.window", 2592000, 0);
	assert_num(j, "thresholds.validation_lag.value", 21600, 0);
	assert_str(j, "thresholds.validation_lag.policy", "rel");
	assert_num(j, "thresholds.gbr.value", 0.5, 0);
	/* VL: lags 2h, 6h and one censored at 12d; S = 2/3, 1/3; the restricted mean up
	 * to the longest follow-up, 12d: 2h + 4h * 2/3 + 282h / 3 */
	assert_num(j, "validation_lag.n", 3, 0);
	assert_num(j, "validation_lag.closed", 2, 0);
	assert_num(j, "validation_lag.open", 1, 0);
	assert_num(j, "validation_lag.ungated", 1, 0);
	assert_num(j, "validation_lag.closed_before_effective", 0, 0);
	assert_num(j, "validation_lag.median.value", 21600, 1e-12);
	assert_null_member(j, "validation_lag.p90.value");
	assert_num(j, "validation_lag.rmean.value", 355200, 1e-12);
	assert_num(j, "validation_lag.rmean.tau", 12 * 86400, 0);
	assert_null_member(j, "validation_lag.rmean.reason");
	assert_num(j, "validation_lag.closed_median", 14400, 0);
	assert_num(j, "validation_lag.oldest_open_age", 12 * 86400, 0);
	/* exactly the threshold: warn */
	assert_str(j, "validation_lag.status", "warn");
	assert_null_member(j, "validation_lag.reason");
	/* RDPR: two drills in the window, both passed */
	assert_num(j, "rdpr.value", 1, 0);
	assert_num(j, "rdpr.passed", 2, 0);
	assert_num(j, "rdpr.drills", 2, 0);
	assert_num(j, "rdpr.reasons.rto_missed", 0, 0);
	assert_int_equal(cJSON_GetArraySize(at(j, "rdpr.list")), 2);
	const cJSON *d0 = cJSON_GetArrayItem(at(j, "rdpr.list"), 0);
	assert_num(d0, "id", 1, 0);
	assert_str(d0, "service", "api");
	assert_str(d0, "performed_at", "2026-06-03T00:00:00.000000Z");
	assert_true(cJSON_IsTrue(at(d0, "passed")));
	assert_null_member(d0, "reason");
	assert_str(j, "rdpr.status", "ok");
	/* GBR: 2 of 5 required gates of the high-impact changes, IO changes 1 of 3 */
	assert_num(j, "gbr.value", 0.4, 0);
	assert_num(j, "gbr.numerator", 2, 0);
	assert_num(j, "gbr.denominator", 5, 0);
	assert_num(j, "gbr.changes", 3, 0);
	assert_num(j, "gbr.shipped_while_blocked", 1, 0);
	assert_num(j, "gbr.per_week", 1, 0);
	assert_num(j, "gbr.per_io_change.value", 1.0 / 3.0, 0);
	assert_num(j, "gbr.per_io_change.numerator", 1, 0);
	assert_num(j, "gbr.per_io_change.denominator", 3, 0);
	assert_int_equal(cJSON_GetArraySize(at(j, "gbr.weekly")), 2);
	const cJSON *w0 = cJSON_GetArrayItem(at(j, "gbr.weekly"), 0);
	assert_num(w0, "numerator", 2, 0);
	assert_num(w0, "denominator", 5, 0);
	assert_str(w0, "end", "2026-06-08T00:00:00.000000Z");
	assert_null_member(cJSON_GetArrayItem(at(j, "gbr.weekly"), 1), "value");
	assert_str(j, "gbr.status", "warn");
	/* tempo: gated at 1h, 24h, 48h: tau_u 23.5h; L = (2h + 6h + 288h) / 336h */
	assert_num(j, "tempo.threshold.value", 1, 0);
	assert_num(j, "tempo.tau_u.mean", 84600, 0);
	assert_num(j, "tempo.tau_u.changes", 3, 0);
	assert_num(j, "tempo.tau_u_all.changes", 4, 0);
	assert_num(j, "tempo.tau_g.rmean", 355200, 1e-12);
	assert_num(j, "tempo.tau_g.median", 21600, 1e-12);
	assert_num(j, "tempo.tau_g.tau", 12 * 86400, 0);
	assert_null_member(j, "tempo.tau_g.reason");
	assert_num(j, "tempo.ratio", 355200.0 / 84600.0, 1e-12);
	assert_num(j, "tempo.little_l", 37.0 / 42.0, 1e-12);
	assert_str(j, "tempo.status", "breach");
	assert_num(j, "tempo.sustained.w", 10, 0);
	assert_null_member(j, "tempo.sustained.value");
	assert_false(cJSON_HasObjectItem(at(j, "tempo"), "series"));
	/* accumulation: 3 IOs over 14 day buckets */
	assert_str(j, "accumulation.shape", "insufficient_data");
	assert_num(j, "accumulation.ios", 3, 0);
	assert_num(j, "accumulation.rate_per_day", 3.0 / 14.0, 1e-15);
	assert_str(j, "accumulation.bucket", "day");
	assert_true(cJSON_IsFalse(at(j, "false_stability")));
	assert_str(j, "false_stability_reason", "too little data to classify IO accumulation");
	cJSON_Delete(j);
}

static void test_the_impact_filter_narrows_vl_and_tempo_but_not_gbr(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	f.in.impact = IMPACT_HIGH;
	f.in.service = "api";
	f.in.io_only = 1;
	cJSON *j = metrics_report_to_json(&f.in);
	assert_str(j, "scope.service", "api");
	assert_str(j, "scope.impact", "high");
	assert_true(cJSON_IsTrue(at(j, "scope.io_only")));
	assert_num(j, "validation_lag.n", 2, 0);
	assert_num(j, "validation_lag.ungated", 1, 0);
	assert_num(j, "tempo.tau_u.changes", 2, 0);
	assert_num(j, "gbr.denominator", 5, 0);
	assert_num(j, "gbr.per_io_change.denominator", 3, 0);
	assert_str(j, "data.last", "2026-06-04T00:00:00.000000Z");
	cJSON_Delete(j);
	/* low impact: one change in scope, GBR still over the high-impact ones */
	f.in.impact = IMPACT_LOW;
	j = metrics_report_to_json(&f.in);
	assert_num(j, "validation_lag.n", 1, 0);
	assert_num(j, "gbr.value", 0.4, 0);
	assert_str(j, "data.first", "2026-06-03T00:00:00.000000Z");
	cJSON_Delete(j);
}

static void test_no_data_gives_nulls_with_reasons_and_an_empty_data_note(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	f.in.n_changes = 0;
	f.in.n_drills = 0;
	f.in.n_ios = 0;
	f.in.thresholds = &(struct metrics_thresholds){.t = {.has_window = 1, .window = 86400}};
	cJSON *j = metrics_report_to_json(&f.in);
	assert_null_member(j, "data.first");
	assert_null_member(j, "data.last");
	assert_true(cJSON_IsTrue(at(j, "data.empty")));
	assert_str(j, "data.note", "no data in the window");
	assert_null_member(j, "thresholds.validation_lag");
	assert_null_member(j, "thresholds.tempo_ratio");
	assert_num(j, "thresholds.window", 86400, 0);
	assert_num(j, "validation_lag.n", 0, 0);
	assert_null_member(j, "validation_lag.median.value");
	assert_null_member(j, "validation_lag.rmean.value");
	assert_null_member(j, "validation_lag.status");
	assert_str(j, "validation_lag.reason", "no gated changes effective in the window");
	assert_null_member(j, "rdpr.value");
	assert_str(j, "rdpr.reason", "no drills in the window");
	assert_int_equal(cJSON_GetArraySize(at(j, "rdpr.list")), 0);
	assert_null_member(j, "gbr.value");
	assert_str(j, "gbr.reason", "no required gates on high-impact changes in the window");
	assert_null_member(j, "gbr.per_io_change.value");
	assert_str(j, "gbr.per_io_change.reason", "no changes with an IO in the window");
	assert_null_member(j, "tempo.threshold");
	assert_null_member(j, "tempo.ratio");
	assert_str(j, "tempo.reason", "fewer than 2 gated changes effective in the window");
	assert_str(j, "tempo.sustained.reason", "no tempo_ratio threshold");
	cJSON_Delete(j);
	/* a value without a threshold: status null, the reason says so */
	fixture_init(&f);
	f.in.thresholds = &(struct metrics_thresholds){.t = {.has_window = 1, .window = 86400}};
	j = metrics_report_to_json(&f.in);
	assert_null_member(j, "gbr.status");
	assert_str(j, "gbr.reason", "no gbr threshold in the active policies");
	assert_str(j, "validation_lag.reason",
		   "no validation_lag threshold in the active policies");
	cJSON_Delete(j);
}

static void test_a_window_without_a_whole_day_still_answers_metrics(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	f.in.window.asof = FROM + 12 * HOUR;
	cJSON *j = metrics_report_to_json(&f.in);
	assert_str(j, "accumulation.shape", "insufficient_data");
	assert_null_member(j, "accumulation.rate_per_day");
	assert_str(j, "accumulation.reason", "the window holds no whole day");
	cJSON_Delete(j);
}

static void test_the_tempo_object_has_the_series_and_sustained(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	f.in.sustain = 2;
	cJSON *j = metrics_tempo_report_to_json(&f.in);
	assert_num(j, "threshold.value", 1, 0);
	assert_str(j, "threshold.policy", "rel");
	assert_num(j, "tau_u.mean", 84600, 0);
	assert_num(j, "tau_u.median", 84600, 0);
	assert_num(j, "tau_u_all.mean", 71 * 3600 / 3.0, 1e-15);
	assert_str(j, "data.first", "2026-06-01T01:00:00.000000Z");
	const cJSON *series = at(j, "series");
	assert_int_equal(cJSON_GetArraySize(series), 3);
	const cJSON *p1 = cJSON_GetArrayItem(series, 1);
	assert_str(p1, "at", "2026-06-02T00:00:00.000000Z");
	assert_null_member(p1, "ratio");
	assert_num(p1, "tau_g", 7200, 0);
	const cJSON *p2 = cJSON_GetArrayItem(series, 2);
	/* over [-5d, 48h): lags 2h and 6h, tau_u 23h, rmean 2h + 4h / 2 */
	assert_num(p2, "tau_u", 23 * 3600, 0);
	assert_num(p2, "tau_g", 14400, 1e-12);
	assert_num(p2, "ratio", 4.0 / 23.0, 1e-12);
	/* one of the last 2 points is at or below 1 */
	assert_true(cJSON_IsFalse(at(j, "sustained.value")));
	assert_num(j, "sustained.w", 2, 0);
	assert_null_member(j, "sustained.reason");
	assert_false(cJSON_HasObjectItem(j, "thresholds"));
	cJSON_Delete(j);
}

static void test_the_accumulation_object_has_overall_and_six_categories(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	struct err err;
	err_init(&err);
	cJSON *j = metrics_accumulation_report_to_json(&f.in, &err);
	assert_non_null(j);
	assert_str(j, "by", "effective");
	assert_str(j, "bucket", "day");
	assert_num(j, "bucket_seconds", 86400, 0);
	assert_str(j, "data.first", "2026-06-01T01:00:00.000000Z");
	assert_str(j, "data.last", "2026-06-04T00:00:00.000000Z");
	assert_int_equal(cJSON_GetArraySize(at(j, "overall.counts")), 14);
	assert_int_equal(cJSON_GetArraySize(at(j, "overall.starts")), 14);
	assert_int_equal(cJSON_GetArraySize(at(j, "overall.fitted")), 14);
	const cJSON *start1 = cJSON_GetArrayItem(at(j, "overall.starts"), 1);
	assert_string_equal(start1->valuestring, "2026-06-02T00:00:00.000000Z");
	assert_num(cJSON_GetArrayItem(at(j, "overall.counts"), 0), "", 1, 0);
	assert_num(j, "overall.ios", 3, 0);
	assert_num(j, "overall.partial", 0, 0);
	assert_num(j, "overall.planned", 1, 0);
	assert_str(j, "overall.shape", "insufficient_data");
	assert_str(j, "overall.model", "constant");
	assert_str(j, "overall.status", "ok");
	assert_num(j, "overall.rate_per_day", 3.0 / 14.0, 1e-15);
	assert_null_member(j, "overall.growth_per_day2");
	assert_null_member(j, "overall.doubling_days");
	assert_null_member(j, "overall.delta_aicc.linear_rate");
	assert_null_member(j, "overall.lr_p.log_linear");
	assert_true(cJSON_IsFalse(at(j, "overall.overdispersed")));
	/* the mean rate is the fitted value when there is too little to classify */
	assert_num(cJSON_GetArrayItem(at(j, "overall.fitted"), 5), "", 3.0 / 14.0, 1e-15);
	const cJSON *cats = at(j, "categories");
	assert_int_equal(cJSON_GetArraySize(cats), 6);
	static const char *const names[] = {"data",	  "evaluation",	  "alignment",
					    "deployment", "supply_chain", "optionality"};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		assert_non_null(cJSON_GetObjectItemCaseSensitive(cats, names[i]));
	assert_num(cats, "data.ios", 2, 0);
	assert_num(cats, "data.planned", 1, 0);
	assert_num(cats, "evaluation.ios", 1, 0);
	assert_num(cats, "evaluation.planned", 0, 0);
	assert_num(cats, "optionality.ios", 0, 0);
	assert_num(cats, "optionality.rate_per_day", 0, 0);
	assert_num(cJSON_GetArrayItem(at(cats, "data.counts"), 3), "", 1, 0);
	assert_true(cJSON_IsFalse(at(j, "false_stability")));
	cJSON_Delete(j);
	/* by recorded, weekly */
	f.in.by_recorded = 1;
	f.in.bucket = BUCKET_WEEK;
	j = metrics_accumulation_report_to_json(&f.in, &err);
	assert_str(j, "by", "recorded");
	assert_str(j, "bucket", "week");
	assert_num(j, "bucket_seconds", 604800, 0);
	assert_int_equal(cJSON_GetArraySize(at(j, "overall.counts")), 2);
	assert_num(cJSON_GetArrayItem(at(j, "overall.counts"), 0), "", 3, 0);
	assert_num(cJSON_GetArrayItem(at(j, "overall.counts"), 1), "", 0, 0);
	cJSON_Delete(j);
}

static void test_an_accumulation_window_without_a_whole_bucket_is_a_400(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	f.in.window.asof = FROM + 6 * DAY;
	f.in.bucket = BUCKET_WEEK;
	struct err err;
	err_init(&err);
	assert_null(metrics_accumulation_report_to_json(&f.in, &err));
	assert_err(&err, ERR_INVALID, "the window holds no whole week");
	assert_int_equal(err.n_details, 1);
	assert_string_equal(err.details[0].field, "bucket");
	assert_string_equal(err.details[0].message,
			    "the window holds no whole week: use a longer window or a shorter "
			    "bucket");
}

static void test_an_accumulation_of_more_than_5000_buckets_is_a_400_naming_bucket(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	/* 5000 whole days: fine; 5001: too many */
	f.in.window = (struct metrics_window){FROM - 4986 * DAY, FROM + 14 * DAY, FROM + 14 * DAY};
	struct err err;
	err_init(&err);
	cJSON *j = metrics_accumulation_report_to_json(&f.in, &err);
	assert_non_null(j);
	assert_int_equal(cJSON_GetArraySize(at(j, "overall.counts")), 5000);
	cJSON_Delete(j);
	f.in.window.from -= DAY;
	assert_null(metrics_accumulation_report_to_json(&f.in, &err));
	assert_err(&err, ERR_INVALID,
		   "the window holds 5001 whole days, more than 5000: use bucket=week or a "
		   "window of at most 5000 days");
	assert_int_equal(err.n_details, 1);
	assert_string_equal(err.details[0].field, "bucket");
	assert_string_equal(
		err.details[0].message,
		"at most 5000 buckets: use bucket=week or a window of at most 5000 days");
	/* weeks: from year 1 */
	f.in.window.from = RTIME_MIN;
	f.in.bucket = BUCKET_WEEK;
	err_init(&err);
	assert_null(metrics_accumulation_report_to_json(&f.in, &err));
	assert_string_equal(err.details[0].field, "bucket");
	assert_string_equal(err.details[0].message,
			    "at most 5000 buckets: use a window of at most 5000 weeks (a later "
			    "from or an earlier to)");
	/* /v1/metrics's summary says why instead */
	j = metrics_report_to_json(&f.in);
	assert_str(j, "accumulation.shape", "insufficient_data");
	assert_str(j, "accumulation.reason",
		   "the window holds 105683 whole weeks, more than 5000: use a window of at most "
		   "5000 weeks (a later from or an earlier to)");
	cJSON_Delete(j);
}

static void test_nothing_closed_leaves_tau_g_and_the_ratio_null_with_the_reason(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	for (size_t i = 0; i < 4; i++)
		f.changes[i].closed_at = OPEN;
	static const char why[] =
		"no evaluation closed: a restricted mean would restate the follow-up time";
	cJSON *j = metrics_report_to_json(&f.in);
	assert_null_member(j, "validation_lag.rmean.value");
	assert_num(j, "validation_lag.rmean.tau", 335 * 3600, 0);
	assert_str(j, "validation_lag.rmean.reason", why);
	assert_null_member(j, "tempo.tau_g.rmean");
	assert_str(j, "tempo.tau_g.reason", why);
	assert_null_member(j, "tempo.ratio");
	assert_str(j, "tempo.reason", why);
	/* L stays: 3 gated changes open from 1h, 24h, 48h to 14d */
	assert_num(j, "tempo.little_l", (335.0 + 312 + 288) / 336, 1e-12);
	cJSON_Delete(j);
	/* the series' points too */
	j = metrics_tempo_report_to_json(&f.in);
	const cJSON *p;
	cJSON_ArrayForEach(p, at(j, "series"))
	{
		assert_null_member(p, "tau_g");
		assert_null_member(p, "ratio");
	}
	cJSON_Delete(j);
}

/* IOs a day doubling every 2 days (2^(t/2)) over 14 days, with every status inside its
 * threshold: the seed's false stability. */
static void test_growing_accumulation_inside_every_threshold_is_false_stability(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	size_t n = 0;
	for (int day = 0; day < 14; day++) {
		int count = (int)floor(pow(2, day / 2.0) + 0.5);
		for (int k = 0; k < count && n < ARRAY_SIZE(f.ios); k++)
			f.ios[n++] = (struct metrics_io){FROM + day * DAY + k * HOUR, IO_CAT_DATA};
	}
	f.in.ios = f.ios;
	f.in.n_ios = n;
	cJSON *j = metrics_report_to_json(&f.in);
	assert_str(j, "accumulation.shape", "exponential");
	assert_str(j, "validation_lag.status", "warn");
	assert_str(j, "rdpr.status", "ok");
	assert_str(j, "gbr.status", "warn");
	assert_true(cJSON_IsTrue(at(j, "false_stability")));
	assert_str(j, "false_stability_reason",
		   "IO accumulation is exponential while VL, RDPR and GBR are inside their "
		   "thresholds");
	cJSON_Delete(j);
	struct err err;
	err_init(&err);
	j = metrics_accumulation_report_to_json(&f.in, &err);
	assert_str(j, "overall.shape", "exponential");
	assert_str(j, "overall.model", "log_linear");
	assert_true(cJSON_IsTrue(at(j, "false_stability")));
	cJSON_Delete(j);
	/* one status in breach: no warning */
	f.th.t.gbr = 0.3;
	j = metrics_report_to_json(&f.in);
	assert_str(j, "gbr.status", "breach");
	assert_true(cJSON_IsFalse(at(j, "false_stability")));
	assert_null_member(j, "false_stability_reason");
	cJSON_Delete(j);
	/* one status missing: no warning, and why */
	f.th.t.has_gbr = 0;
	j = metrics_report_to_json(&f.in);
	assert_true(cJSON_IsFalse(at(j, "false_stability")));
	assert_str(j, "false_stability_reason", "VL, RDPR or GBR has no status to compare");
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_metrics_object_has_every_figure_exact),
		cmocka_unit_test(test_the_impact_filter_narrows_vl_and_tempo_but_not_gbr),
		cmocka_unit_test(test_no_data_gives_nulls_with_reasons_and_an_empty_data_note),
		cmocka_unit_test(test_a_window_without_a_whole_day_still_answers_metrics),
		cmocka_unit_test(test_the_tempo_object_has_the_series_and_sustained),
		cmocka_unit_test(test_the_accumulation_object_has_overall_and_six_categories),
		cmocka_unit_test(test_an_accumulation_window_without_a_whole_bucket_is_a_400),
		cmocka_unit_test(
			test_an_accumulation_of_more_than_5000_buckets_is_a_400_naming_bucket),
		cmocka_unit_test(
			test_nothing_closed_leaves_tau_g_and_the_ratio_null_with_the_reason),
		cmocka_unit_test(
			test_growing_accumulation_inside_every_threshold_is_false_stability),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
