/* ratchet backtest's table: the header lines (the stored backtest, window, scope, changes), the
 * missed outcomes first, the exposures in two tables (counts, risks, precision, recall, lead
 * times, labels; ratios with intervals and p-values), the hindsight row, and every null figure
 * with its reason, exposures with the same figures and reason on one line. */
#include "common.h"

#include <math.h>

#include "cli.h"
#include "cmd_backtest.h"

static const cJSON *get(const cJSON *o, const char *name)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
}

static double num(const cJSON *o, const char *name)
{
	return output_number_of(get(o, name));
}

static const char *str(const cJSON *o, const char *name)
{
	const cJSON *v = get(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* "1.5 [0.31, 7.2]" for figure name with _lower and _upper; "-" when null. */
static char *with_interval(const cJSON *x, const char *name)
{
	char v[OUTPUT_FIGURE_BUFSZ], lo[OUTPUT_FIGURE_BUFSZ], hi[OUTPUT_FIGURE_BUFSZ];
	char *lower = xasprintf("%s_lower", name), *upper = xasprintf("%s_upper", name);
	output_number(num(x, name), v);
	output_number(num(x, lower), lo);
	output_number(num(x, upper), hi);
	char *text = isnan(num(x, name)) ? xstrdup("-") : xasprintf("%s [%s, %s]", v, lo, hi);
	free(lower);
	free(upper);
	return text;
}

/* A p-value: three significant digits ("-" when null). */
static char *p_value(const cJSON *x, const char *name)
{
	double v = num(x, name);
	return isnan(v) ? xstrdup("-") : xasprintf("%.3g", v);
}

static char *percent(const cJSON *x, const char *name)
{
	char buf[OUTPUT_FIGURE_BUFSZ];
	return xstrdup(output_percent(num(x, name), buf));
}

static char *render_rr(const cJSON *x)
{
	return with_interval(x, "risk_ratio");
}
static char *render_or(const cJSON *x)
{
	return with_interval(x, "odds_ratio");
}
static char *render_mh(const cJSON *x)
{
	return with_interval(x, "mh_odds_ratio");
}
static char *render_fisher(const cJSON *x)
{
	return p_value(x, "fisher_p");
}
static char *render_holm(const cJSON *x)
{
	return p_value(x, "holm_p");
}
static char *render_risk_exposed(const cJSON *x)
{
	return percent(x, "risk_exposed");
}
static char *render_risk_unexposed(const cJSON *x)
{
	return percent(x, "risk_unexposed");
}
static char *render_precision(const cJSON *x)
{
	return percent(x, "precision");
}
static char *render_recall(const cJSON *x)
{
	return percent(x, "recall");
}
static char *render_lead(const cJSON *x)
{
	char buf[OUTPUT_FIGURE_BUFSZ];
	return xasprintf("%s (%.0f)", output_duration(num(x, "lead_time_median"), buf),
			 num(x, "lead_time_n"));
}
static char *render_labels(const cJSON *x)
{
	return xasprintf("%.0f / %.0f", num(x, "labels_before_outcome"),
			 num(x, "labels_after_outcome"));
}

static const struct output_column counts_columns[] = {
	{"EXPOSURE", "exposure", NULL},
	{"EXPOSED", "exposed", NULL},
	{"A", "a", NULL},
	{"B", "b", NULL},
	{"C", "c", NULL},
	{"D", "d", NULL},
	{"RISK_EXPOSED", NULL, render_risk_exposed},
	{"RISK_UNEXPOSED", NULL, render_risk_unexposed},
	{"PRECISION", NULL, render_precision},
	{"RECALL", NULL, render_recall},
	{"LEAD_TIME_MEDIAN", NULL, render_lead},
	{"LABELS_BEFORE/AFTER", NULL, render_labels},
};

static const struct output_column ratio_columns[] = {
	{"EXPOSURE", "exposure", NULL},
	{"RISK_RATIO [95% CI]", NULL, render_rr},
	{"ODDS_RATIO [95% CI]", NULL, render_or},
	{"FISHER_P", NULL, render_fisher},
	{"HOLM_P", NULL, render_holm},
	{"MH_ODDS_RATIO [95% CI]", NULL, render_mh},
};

static char *render_outcome(const cJSON *m)
{
	const char *key = str(m, "external_key");
	return key ? xasprintf("%.0f (%s)", num(m, "id"), key) : xasprintf("%.0f", num(m, "id"));
}

static char *render_occurred(const cJSON *m)
{
	const char *t = str(m, "occurred_at");
	return t ? xstrndup(t, 10) : NULL;
}

/* "api:a2 (explicit)" per unexposed change; "*" marks a change labelled after the outcome. */
static char *render_changes(const cJSON *m)
{
	struct buf b;
	buf_init(&b, 0);
	const cJSON *c;
	cJSON_ArrayForEach(c, get(m, "changes"))
	{
		buf_printf(&b, "%s%s:%s%s (", b.len ? ", " : "", cli_or_dash(str(c, "service")),
			   cli_or_dash(str(c, "key")),
			   cJSON_IsTrue(get(c, "labelled_after_outcome")) ? "*" : "");
		const cJSON *l;
		int first = 1;
		cJSON_ArrayForEach(l, get(c, "links"))
		{
			buf_printf(&b, "%s%s", first ? "" : ", ", cli_or_dash(str(l, "how")));
			first = 0;
		}
		buf_printf(&b, ")");
	}
	if (num(m, "exposed_changes") > 0)
		buf_printf(&b, "; and %.0f exposed", num(m, "exposed_changes"));
	return b.data ? b.data : xstrdup("");
}

static const struct output_column missed_columns[] = {
	{"OUTCOME", NULL, render_outcome}, {"KIND", "kind", NULL},
	{"SEVERITY", "severity", NULL},	   {"OCCURRED", NULL, render_occurred},
	{"TITLE", "title", NULL},	   {"UNEXPOSED_CHANGES (LINKS)", NULL, render_changes},
};

static void print_header(const cJSON *env, const cJSON *v)
{
	const cJSON *p = get(v, "parameters"), *k = get(v, "counts");
	char *impact = output_member(p, "impact"), *outcomes = output_member(p, "outcomes");
	char *line =
		xasprintf("%.0f, stored %s by %s; input %s", num(env, "id"),
			  cli_or_dash(str(env, "created_at")), cli_or_dash(str(env, "created_by")),
			  cli_or_dash(str(v, "input_hash")));
	output_field(stdout, "backtest", line);
	free(line);
	line = xasprintf("%s to %s, horizon %s, data end %s", cli_or_dash(str(p, "from")),
			 cli_or_dash(str(p, "to")), cli_or_dash(str(p, "horizon")),
			 cli_or_dash(str(p, "data_end")));
	output_field(stdout, "window", line);
	free(line);
	line = xasprintf("service %s, impact %s; outcomes %s; %s IOs; %s changes",
			 str(p, "service") ? str(p, "service") : "all", cli_or_dash(impact),
			 cli_or_dash(outcomes),
			 cJSON_IsTrue(get(p, "include_candidates")) ? "confirmed and candidate"
								    : "confirmed",
			 cli_or_dash(str(p, "population")));
	output_field(stdout, "scope", line);
	free(line);
	line = xasprintf("%.0f in scope, %.0f unreviewed (%.0f left out), %.0f censored (horizon "
			 "past the data); %.0f counted, %.0f with an outcome (%.0f outcomes)",
			 num(k, "changes_in_scope"), num(k, "unreviewed"),
			 num(k, "unreviewed_excluded"), num(k, "censored_excluded"),
			 num(k, "population"), num(k, "changes_with_outcome"), num(k, "outcomes"));
	output_field(stdout, "changes", line);
	free(line);
	free(impact);
	free(outcomes);
}

/* Appends "text" to the string member name of o (joined with ", "), creating it. */
static void append_to(cJSON *o, const char *name, const char *text)
{
	cJSON *g = cJSON_GetObjectItemCaseSensitive(o, name);
	if (!g) {
		cJSON_AddStringToObject(o, name, text);
		return;
	}
	char *joined = xasprintf("%s, %s", g->valuestring, text);
	cJSON_SetValuestring(g, joined);
	free(joined);
}

/* Every null figure with its reason, exposures with the same figures and reason on one line:
 * "  risk_ratio, odds_ratio of evaluation, alignment: no exposed changes". */
static void print_nulls(const cJSON *exposures, const cJSON *hindsight)
{
	cJSON *lines = cJSON_CreateObject(); /* "figures\x1freason" -> exposures */
	cJSON *all = cJSON_CreateArray();
	const cJSON *x, *r;
	cJSON_ArrayForEach(x, exposures)
	{
		cJSON_AddItemReferenceToArray(all, (cJSON *)x);
	}
	if (hindsight)
		cJSON_AddItemReferenceToArray(all, (cJSON *)hindsight);
	cJSON_ArrayForEach(x, all)
	{
		cJSON *by_reason = cJSON_CreateObject(); /* reason -> figures of x */
		cJSON_ArrayForEach(r, get(x, "null_reasons"))
		{
			if (cJSON_IsString(r))
				append_to(by_reason, r->valuestring, r->string);
		}
		cJSON_ArrayForEach(r, by_reason)
		{
			char *key = xasprintf("%s\x1f%s", r->valuestring, r->string);
			append_to(lines, key, cli_or_dash(str(x, "exposure")));
			free(key);
		}
		cJSON_Delete(by_reason);
	}
	if (lines->child)
		printf("\nnull figures:\n");
	cJSON_ArrayForEach(r, lines)
	{
		const char *sep = strchr(r->string, '\x1f');
		printf("  %.*s of %s: %s\n", (int)(sep - r->string), r->string, r->valuestring,
		       sep + 1);
	}
	cJSON_Delete(all);
	cJSON_Delete(lines);
}

void cmd_backtest_print_table(const cJSON *env)
{
	const cJSON *v = get(env, "result");
	print_header(env, v);
	const cJSON *missed = get(v, "missed_outcomes");
	printf("\nmissed outcomes (tied to changes without an IO made before them): %d\n",
	       cJSON_GetArraySize(missed));
	if (cJSON_GetArraySize(missed) > 0)
		output_list(stdout, OUTPUT_TABLE, missed_columns, ARRAY_SIZE(missed_columns),
			    missed);
	const cJSON *exposures = get(v, "exposures"), *h = get(v, "hindsight");
	cJSON *rows = cJSON_CreateArray();
	const cJSON *x;
	cJSON_ArrayForEach(x, exposures)
	{
		cJSON_AddItemReferenceToArray(rows, (cJSON *)x);
	}
	putchar('\n');
	output_list(stdout, OUTPUT_TABLE, counts_columns, ARRAY_SIZE(counts_columns), rows);
	putchar('\n');
	output_list(stdout, OUTPUT_TABLE, ratio_columns, ARRAY_SIZE(ratio_columns), rows);
	cJSON_Delete(rows);
	if (cJSON_IsObject(h)) {
		char rr[OUTPUT_FIGURE_BUFSZ];
		char *or_text = with_interval(h, "odds_ratio");
		printf("\nhindsight (labels made after the outcome counted as exposure; never the "
		       "headline): a %.0f, b %.0f, c %.0f, d %.0f, risk ratio %s, odds ratio %s\n",
		       num(h, "a"), num(h, "b"), num(h, "c"), num(h, "d"),
		       output_number(num(h, "risk_ratio"), rr), or_text);
		free(or_text);
	}
	print_nulls(exposures, cJSON_IsObject(h) ? h : NULL);
}
