/* The figure rows of ratchet metrics and ratchet tempo: each figure of the
 * API's JSON as one row with its table texts (durations for people,
 * percentages, intervals, counts, the threshold and its policy, a note) and
 * its CSV values (seconds and fractions as the API gives them). */
#include "common.h"

#include <math.h>

#include "cli.h"
#include "cmd_metrics.h"

/* How a figure's numbers read in the table. */
enum fig_kind { FIG_DURATION, FIG_FRACTION, FIG_NUMBER, FIG_PER_WEEK, FIG_PER_DAY, FIG_TEXT };

/* Text of a number of kind (for the table). */
static void kind_text(enum fig_kind kind, double v, char out[OUTPUT_FIGURE_BUFSZ])
{
	char num[OUTPUT_FIGURE_BUFSZ];
	switch (kind) {
	case FIG_DURATION:
		output_duration(v, out);
		return;
	case FIG_FRACTION:
		output_percent(v, out);
		return;
	case FIG_PER_WEEK:
	case FIG_PER_DAY:
		output_number(v, num);
		if (isnan(v))
			snprintf(out, OUTPUT_FIGURE_BUFSZ, "-");
		else
			snprintf(out, OUTPUT_FIGURE_BUFSZ, "%.40s/%s", num,
				 kind == FIG_PER_WEEK ? "week" : "day");
		return;
	case FIG_NUMBER:
	case FIG_TEXT:
		output_number(v, out);
		return;
	}
}

/* A row: the table's fields (label, value_text, interval, n, threshold_text,
 * status, note) and the CSV's (figure, value, lower, upper, numerator,
 * denominator, threshold, status, reason). */
static cJSON *add_row(cJSON *rows, const char *id, const char *label, enum fig_kind kind,
		      const cJSON *value)
{
	cJSON *row = cJSON_CreateObject();
	cJSON_AddStringToObject(row, "figure", id);
	cJSON_AddStringToObject(row, "label", label);
	cJSON *copy = value ? cJSON_Duplicate(value, true) : cJSON_CreateNull();
	cJSON_AddItemToObject(row, "value", copy);
	char text[OUTPUT_FIGURE_BUFSZ];
	if (cJSON_IsString(value))
		cJSON_AddStringToObject(row, "value_text", value->valuestring);
	else if (cJSON_IsBool(value))
		cJSON_AddStringToObject(row, "value_text", cJSON_IsTrue(value) ? "yes" : "no");
	else {
		kind_text(kind, output_number_of(value), text);
		cJSON_AddStringToObject(row, "value_text", text);
	}
	cJSON_AddItemToArray(rows, row);
	return row;
}

static void add_number(cJSON *row, const char *field, double v)
{
	if (isnan(v))
		cJSON_AddNullToObject(row, field);
	else
		cJSON_AddNumberToObject(row, field, v);
}

/* The 95% interval of a {value, lower, upper} object. */
static void row_interval(cJSON *row, enum fig_kind kind, const cJSON *obj)
{
	double lo = cmd_metrics_num(obj, "lower"), hi = cmd_metrics_num(obj, "upper");
	add_number(row, "lower", lo);
	add_number(row, "upper", hi);
	if (isnan(lo) && isnan(hi))
		return;
	char a[OUTPUT_FIGURE_BUFSZ], b[OUTPUT_FIGURE_BUFSZ];
	kind_text(kind, lo, a);
	kind_text(kind, hi, b);
	char *text = xasprintf("[%s, %s]", a, b);
	cJSON_AddStringToObject(row, "interval", text);
	free(text);
}

/* numerator/denominator (the CSV's columns) and the table's n text. */
static void row_counts(cJSON *row, double numerator, double denominator)
{
	add_number(row, "numerator", numerator);
	add_number(row, "denominator", denominator);
	char a[OUTPUT_FIGURE_BUFSZ], b[OUTPUT_FIGURE_BUFSZ];
	output_number(numerator, a);
	output_number(denominator, b);
	char *text = isnan(denominator) ? xstrdup(a) : xasprintf("%s/%s", a, b);
	cJSON_AddStringToObject(row, "n", text);
	free(text);
}

/* The threshold {value, policy} (or null) of the row's figure. */
static void row_threshold(cJSON *row, enum fig_kind kind, const cJSON *threshold)
{
	double v = cmd_metrics_num(threshold, "value");
	add_number(row, "threshold", v);
	if (isnan(v))
		return;
	char text[OUTPUT_FIGURE_BUFSZ];
	kind_text(kind, v, text);
	const char *policy = cmd_metrics_str(threshold, "policy");
	char *cell = policy ? xasprintf("%s (%s)", text, policy) : xstrdup(text);
	cJSON_AddStringToObject(row, "threshold_text", cell);
	free(cell);
}

/* status and reason. The note is the reason when the value is null (why it
 * is), else note, else the reason (e.g. why there is no status). */
static void row_status(cJSON *row, const char *status, const char *reason, const char *note)
{
	if (status && strcmp(status, "null") != 0)
		cJSON_AddStringToObject(row, "status", status);
	if (reason)
		cJSON_AddStringToObject(row, "reason", reason);
	bool null_value = cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(row, "value"));
	if (reason && (null_value || !note || !*note))
		cJSON_AddStringToObject(row, "note", reason);
	else if (note && *note)
		cJSON_AddStringToObject(row, "note", note);
}

/* ---- the figures of GET /v1/metrics ------------------------------------------------ */

static void vl_rows(cJSON *rows, const cJSON *m)
{
	const cJSON *vl = cmd_metrics_get(m, "validation_lag");
	const cJSON *thr = cmd_metrics_get(m, "thresholds.validation_lag");
	double n = cmd_metrics_num(vl, "n"), closed = cmd_metrics_num(vl, "closed");
	const char *reason = cmd_metrics_str(vl, "reason");
	char *note = xasprintf("KM, open censored: %g closed, %g open; %g ungated left out; "
			       "%g closed before effective",
			       closed, cmd_metrics_num(vl, "open"), cmd_metrics_num(vl, "ungated"),
			       cmd_metrics_num(vl, "closed_before_effective"));
	cJSON *row = add_row(rows, "validation_lag_median", "VL median", FIG_DURATION,
			     cmd_metrics_get(vl, "median.value"));
	row_interval(row, FIG_DURATION, cmd_metrics_get(vl, "median"));
	row_counts(row, closed, n);
	row_threshold(row, FIG_DURATION, thr);
	row_status(row, cmd_metrics_str(vl, "status"), reason, note);
	free(note);

	row = add_row(rows, "validation_lag_p90", "VL p90", FIG_DURATION,
		      cmd_metrics_get(vl, "p90.value"));
	row_interval(row, FIG_DURATION, cmd_metrics_get(vl, "p90"));
	row_counts(row, closed, n);
	bool median_null = isnan(cmd_metrics_num(vl, "median.value"));
	bool p90_null = isnan(cmd_metrics_num(vl, "p90.value"));
	const char *p90_reason = "fewer than 90% of the evaluations closed";
	row_status(row, NULL, p90_null ? (median_null && reason ? reason : p90_reason) : NULL,
		   NULL);

	row = add_row(rows, "validation_lag_rmean", "VL restricted mean", FIG_DURATION,
		      cmd_metrics_get(vl, "rmean.value"));
	row_counts(row, closed, n);
	char se[OUTPUT_FIGURE_BUFSZ], tau[OUTPUT_FIGURE_BUFSZ];
	output_duration(cmd_metrics_num(vl, "rmean.std_err"), se);
	output_duration(cmd_metrics_num(vl, "rmean.tau"), tau);
	note = xasprintf("up to %s (the longest follow-up), standard error %s", tau, se);
	const char *rmean_reason = cmd_metrics_str(vl, "rmean.reason");
	row_status(row, NULL,
		   isnan(cmd_metrics_num(vl, "rmean.value"))
			   ? (rmean_reason ? rmean_reason : reason)
			   : NULL,
		   note);
	free(note);

	row = add_row(rows, "validation_lag_closed_median", "VL median, closed only", FIG_DURATION,
		      cmd_metrics_get(vl, "closed_median"));
	row_counts(row, closed, NAN);
	bool none_closed = isnan(cmd_metrics_num(vl, "closed_median"));
	row_status(row, NULL, none_closed ? "no closed evaluation" : NULL,
		   "type 7 over closed changes only: biased low while any is open");

	row = add_row(rows, "validation_lag_oldest_open", "oldest open evaluation", FIG_DURATION,
		      cmd_metrics_get(vl, "oldest_open_age"));
	row_counts(row, cmd_metrics_num(vl, "open"), NAN);
	row_status(row, NULL, isnan(cmd_metrics_num(vl, "oldest_open_age")) ? "none open" : NULL,
		   NULL);
}

/* "1 RTO missed, 1 aborted" from the reasons object. */
static char *rdpr_reasons(const cJSON *rdpr)
{
	static const struct {
		const char *field, *text;
	} names[] = {{"rto_missed", "RTO missed"},
		     {"rpo_missed", "RPO missed"},
		     {"aborted", "aborted"},
		     {"failed", "failed"},
		     {"unmeasured", "unmeasured"}};
	struct buf b;
	buf_init(&b, 0);
	buf_append(&b, "", 0);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		double n = cmd_metrics_num(cmd_metrics_get(rdpr, "reasons"), names[i].field);
		if (n > 0)
			buf_printf(&b, "%s%g %s", b.len ? ", " : "failed: ", n, names[i].text);
	}
	return b.data;
}

static void rdpr_rows(cJSON *rows, const cJSON *m)
{
	const cJSON *rdpr = cmd_metrics_get(m, "rdpr");
	cJSON *row = add_row(rows, "rdpr", "RDPR", FIG_FRACTION, cmd_metrics_get(rdpr, "value"));
	row_interval(row, FIG_FRACTION, rdpr);
	row_counts(row, cmd_metrics_num(rdpr, "passed"), cmd_metrics_num(rdpr, "drills"));
	row_threshold(row, FIG_FRACTION, cmd_metrics_get(m, "thresholds.rdpr"));
	char *reasons = rdpr_reasons(rdpr);
	row_status(row, cmd_metrics_str(rdpr, "status"), cmd_metrics_str(rdpr, "reason"), reasons);
	free(reasons);
}

static void gbr_rows(cJSON *rows, const cJSON *m)
{
	const cJSON *gbr = cmd_metrics_get(m, "gbr");
	cJSON *row = add_row(rows, "gbr", "GBR", FIG_FRACTION, cmd_metrics_get(gbr, "value"));
	row_counts(row, cmd_metrics_num(gbr, "numerator"), cmd_metrics_num(gbr, "denominator"));
	row_threshold(row, FIG_FRACTION, cmd_metrics_get(m, "thresholds.gbr"));
	const char *reason = cmd_metrics_str(gbr, "reason");
	char *note = xasprintf("bypassed/required gates of %g high-impact changes; %g shipped "
			       "while blocked",
			       cmd_metrics_num(gbr, "changes"),
			       cmd_metrics_num(gbr, "shipped_while_blocked"));
	row_status(row, cmd_metrics_str(gbr, "status"), reason, note);
	free(note);

	row = add_row(rows, "gbr_per_week", "GBR per week", FIG_PER_WEEK,
		      cmd_metrics_get(gbr, "per_week"));
	row_counts(row, cmd_metrics_num(gbr, "numerator"), NAN);
	row_status(row, NULL, NULL, "bypasses per week of the window");

	const cJSON *per_io = cmd_metrics_get(gbr, "per_io_change");
	row = add_row(rows, "gbr_per_io_change", "GBR per IO change", FIG_FRACTION,
		      cmd_metrics_get(per_io, "value"));
	row_counts(row, cmd_metrics_num(per_io, "numerator"),
		   cmd_metrics_num(per_io, "denominator"));
	reason = cmd_metrics_str(per_io, "reason");
	row_status(row, NULL, reason, "IO changes with a bypass / IO changes");
}

/* The tempo rows; t is a tempo object (of /v1/metrics or /v1/tempo). */
void cmd_metrics_tempo_rows(cJSON *rows, const cJSON *t, const cJSON *threshold)
{
	double k = cmd_metrics_num(t, "tau_u.changes");
	cJSON *row = add_row(rows, "tau_u", "tau_u (update cycle)", FIG_DURATION,
			     cmd_metrics_get(t, "tau_u.mean"));
	row_counts(row, k, NAN);
	row_status(row, NULL, isnan(k) || k < 2 ? "fewer than 2 gated changes" : NULL,
		   "mean interval between the gated changes");
	row = add_row(rows, "tau_u_median", "tau_u median", FIG_DURATION,
		      cmd_metrics_get(t, "tau_u.median"));
	row_counts(row, k, NAN);
	row_status(row, NULL, isnan(k) || k < 2 ? "fewer than 2 gated changes" : NULL, NULL);
	double k_all = cmd_metrics_num(t, "tau_u_all.changes");
	row = add_row(rows, "tau_u_all", "tau_u, all changes", FIG_DURATION,
		      cmd_metrics_get(t, "tau_u_all.mean"));
	row_counts(row, k_all, NAN);
	row_status(row, NULL, isnan(k_all) || k_all < 2 ? "fewer than 2 changes" : NULL,
		   "gated or not: shown beside tau_u");
	row = add_row(rows, "tau_g", "tau_g (governance cycle)", FIG_DURATION,
		      cmd_metrics_get(t, "tau_g.rmean"));
	const char *tau_g_reason = cmd_metrics_str(t, "tau_g.reason");
	row_status(row, NULL,
		   isnan(cmd_metrics_num(t, "tau_g.rmean"))
			   ? (tau_g_reason ? tau_g_reason : "no VL restricted mean")
			   : NULL,
		   "VL restricted mean");
	row = add_row(rows, "tau_g_median", "tau_g median", FIG_DURATION,
		      cmd_metrics_get(t, "tau_g.median"));
	row_status(row, NULL, isnan(cmd_metrics_num(t, "tau_g.median")) ? "no VL KM median" : NULL,
		   "VL KM median");

	const char *reason = cmd_metrics_str(t, "reason");
	row = add_row(rows, "tempo_ratio", "tempo ratio", FIG_NUMBER, cmd_metrics_get(t, "ratio"));
	row_threshold(row, FIG_NUMBER, threshold);
	row_status(row, cmd_metrics_str(t, "status"), reason, "tau_g / tau_u");
	row = add_row(rows, "little_l", "Little's L", FIG_NUMBER, cmd_metrics_get(t, "little_l"));
	char diff[OUTPUT_FIGURE_BUFSZ];
	double rel_diff = cmd_metrics_num(t, "rel_diff");
	output_percent(rel_diff, diff);
	char *note = xasprintf("changes live and not evaluated, time-averaged%s%s",
			       isnan(rel_diff) ? "" : "; differs from the ratio by ",
			       isnan(rel_diff) ? "" : diff);
	row_status(row, NULL, NULL, note);
	free(note);
	row = add_row(rows, "tempo_rel_diff", "ratio vs L", FIG_FRACTION,
		      cmd_metrics_get(t, "rel_diff"));
	row_status(row, NULL, isnan(rel_diff) ? "the ratio or L is null" : NULL,
		   "|ratio - L| / max(ratio, L)");

	const cJSON *sustained = cmd_metrics_get(t, "sustained");
	row = add_row(rows, "tempo_sustained", "ratio above threshold, sustained", FIG_TEXT,
		      cmd_metrics_get(sustained, "value"));
	row_counts(row, cmd_metrics_num(sustained, "w"), NAN);
	reason = cmd_metrics_str(sustained, "reason");
	row_status(row, NULL, reason, "over the last w points of the series");
}

static void tail_rows(cJSON *rows, const cJSON *m)
{
	const cJSON *acc = cmd_metrics_get(m, "accumulation");
	cJSON *row = add_row(rows, "accumulation_shape", "IO accumulation", FIG_TEXT,
			     cmd_metrics_get(acc, "shape"));
	row_counts(row, cmd_metrics_num(acc, "ios"), NAN);
	const char *bucket = cmd_metrics_str(acc, "bucket");
	char *note = bucket ? xasprintf("%s buckets; see 'ratchet accumulation'", bucket) : NULL;
	row_status(row, NULL, NULL, note);
	free(note);
	row = add_row(rows, "accumulation_rate_per_day", "IO rate", FIG_PER_DAY,
		      cmd_metrics_get(acc, "rate_per_day"));
	row_status(row, NULL, NULL, NULL);
	row = add_row(rows, "false_stability", "false stability", FIG_TEXT,
		      cmd_metrics_get(m, "false_stability"));
	row_status(row, NULL, cmd_metrics_str(m, "false_stability_reason"), NULL);
}

void cmd_metrics_rows(cJSON *rows, const cJSON *m)
{
	vl_rows(rows, m);
	rdpr_rows(rows, m);
	gbr_rows(rows, m);
	cmd_metrics_tempo_rows(rows, cmd_metrics_get(m, "tempo"),
			       cmd_metrics_get(m, "thresholds.tempo_ratio"));
	tail_rows(rows, m);
}

static const struct output_column metric_table[] = {
	{"FIGURE", "label", NULL},
	{"VALUE", "value_text", NULL},
	{"95% CI", "interval", NULL},
	{"N", "n", NULL},
	{"THRESHOLD", "threshold_text", NULL},
	{"STATUS", "status", NULL},
	{"NOTE", "note", NULL},
};
#define METRIC_STATUS_COLUMN 5

static const struct output_column metric_csv[] = {
	{"figure", "figure", NULL},	  {"value", "value", NULL},
	{"lower", "lower", NULL},	  {"upper", "upper", NULL},
	{"numerator", "numerator", NULL}, {"denominator", "denominator", NULL},
	{"threshold", "threshold", NULL}, {"status", "status", NULL},
	{"reason", "reason", NULL},
};

void cmd_metrics_print_rows(const struct cli *cli, const cJSON *rows)
{
	if (cli->format == OUTPUT_CSV)
		output_list(stdout, OUTPUT_CSV, metric_csv, ARRAY_SIZE(metric_csv), rows);
	else
		output_list_status(stdout, OUTPUT_TABLE, metric_table, ARRAY_SIZE(metric_table),
				   rows, METRIC_STATUS_COLUMN);
}
