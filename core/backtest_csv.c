/* CSV of a backtest object's exposures (RFC 4180): one row per exposure, hindsight last. */
#include "common.h"

#include <math.h>

#include "backtest_int.h"
#include "err.h"

static const char *const columns[] = {
	"exposure",
	"exposed",
	"unexposed",
	"a",
	"b",
	"c",
	"d",
	"risk_exposed",
	"risk_unexposed",
	"risk_ratio",
	"risk_ratio_lower",
	"risk_ratio_upper",
	"risk_ratio_log_se",
	"odds_ratio",
	"odds_ratio_lower",
	"odds_ratio_upper",
	"odds_ratio_log_se",
	"haldane_corrected",
	"fisher_p",
	"holm_p",
	"mh_odds_ratio",
	"mh_odds_ratio_lower",
	"mh_odds_ratio_upper",
	"mh_odds_ratio_log_se",
	"mh_strata_used",
	"mh_strata_empty",
	"precision",
	"precision_lower",
	"precision_upper",
	"recall",
	"recall_lower",
	"recall_upper",
	"lead_time_n",
	"lead_time_median",
	"lead_time_min",
	"lead_time_max",
	"labels_before_outcome",
	"labels_after_outcome",
	"changes_labelled_only_after_outcome",
};

static void put_field(struct buf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		buf_printf(b, "%s", s);
		return;
	}
	buf_append(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"')
			buf_append(b, "\"", 1);
		buf_append(b, s, 1);
	}
	buf_append(b, "\"", 1);
}

/* The shortest %g form (15 to 17 digits) that reads back as v. */
static void put_number(struct buf *b, double v)
{
	char text[32];
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(text, sizeof(text), "%.*g", digits, v);
		if (strtod(text, NULL) == v)
			break;
	}
	buf_printf(b, "%s", text);
}

static void put_value(struct buf *b, const cJSON *v)
{
	if (cJSON_IsNumber(v) && isfinite(v->valuedouble))
		put_number(b, v->valuedouble);
	else if (cJSON_IsString(v))
		put_field(b, v->valuestring);
	else if (cJSON_IsBool(v))
		buf_printf(b, "%s", cJSON_IsTrue(v) ? "true" : "false");
}

static void row(struct buf *b, const cJSON *x)
{
	for (size_t i = 0; i < ARRAY_SIZE(columns); i++) {
		put_value(b, cJSON_GetObjectItemCaseSensitive(x, columns[i]));
		buf_append(b, ",", 1);
	}
	struct buf reasons;
	buf_init(&reasons, 0);
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(x, "null_reasons");
	for (const cJSON *c = cJSON_IsObject(r) ? r->child : NULL; c; c = c->next)
		if (cJSON_IsString(c))
			buf_printf(&reasons, "%s%s: %s", reasons.len ? "; " : "", c->string,
				   c->valuestring);
	put_field(b, reasons.data ? reasons.data : "");
	buf_release(&reasons);
	buf_append(b, "\r\n", 2);
}

char *backtest_to_csv(const cJSON *v, struct err *err)
{
	const cJSON *exposures = cJSON_GetObjectItemCaseSensitive(v, "exposures");
	if (!cJSON_IsObject(v) || !cJSON_IsArray(exposures)) {
		err_set(err, ERR_INVALID, "not a backtest object (no \"exposures\")");
		return NULL;
	}
	struct buf b;
	buf_init(&b, 0);
	for (size_t i = 0; i < ARRAY_SIZE(columns); i++)
		buf_printf(&b, "%s,", columns[i]);
	buf_printf(&b, "null_reasons\r\n");
	for (const cJSON *x = exposures->child; x; x = x->next)
		row(&b, x);
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(v, "hindsight");
	if (cJSON_IsObject(h))
		row(&b, h);
	return b.data;
}
