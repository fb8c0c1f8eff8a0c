/* The Markdown report of a backtest object (as stored or fetched): missed outcomes first, then
 * the population, the headline table and the rest, every null figure with its reason. */
#include "common.h"

#include <math.h>

#include "backtest_int.h"
#include "err.h"
#include "rtime.h"

#define DASH "\xE2\x80\x94" /* U+2014, a null cell */
#define NDASH "\xE2\x80\x93"

struct md {
	struct buf b;
	int level; /* heading level of the title */
};

static const cJSON *member(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

static double number(const cJSON *o, const char *name)
{
	const cJSON *v = member(o, name);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *string(const cJSON *o, const char *name)
{
	const cJSON *v = member(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A count as an integer ("?" when missing). */
static void put_count(struct md *m, const cJSON *o, const char *name)
{
	double v = number(o, name);
	if (isfinite(v))
		buf_printf(&m->b, "%.0f", v);
	else
		buf_printf(&m->b, "?");
}

/* Record text escaped for Markdown (tables included); control characters become spaces. */
static void put_text(struct md *m, const char *s)
{
	if (!s) {
		buf_printf(&m->b, DASH);
		return;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			buf_append(&m->b, " ", 1);
		else if (strchr("\\`*_[]<>|#", c)) {
			buf_append(&m->b, "\\", 1);
			buf_append(&m->b, s, 1);
		} else
			buf_append(&m->b, s, 1);
	}
}

static void heading(struct md *m, int depth, const char *title)
{
	int n = m->level + depth;
	buf_printf(&m->b, "\n%.*s %s\n\n", n > 6 ? 6 : n, "######", title);
}

/* The date part of an RFC 3339 string (the whole string when it has no 'T'). */
static void put_date(struct md *m, const char *t)
{
	if (!t) {
		buf_printf(&m->b, DASH);
		return;
	}
	const char *T = strchr(t, 'T');
	buf_printf(&m->b, "%.*s", T ? (int)(T - t) : (int)strlen(t), t);
}

static void put_ratio(struct md *m, const cJSON *x, const char *name)
{
	char key[48];
	double v = number(x, name);
	if (!isfinite(v)) {
		buf_printf(&m->b, DASH);
		return;
	}
	snprintf(key, sizeof(key), "%s_lower", name);
	double lo = number(x, key);
	snprintf(key, sizeof(key), "%s_upper", name);
	double hi = number(x, key);
	buf_printf(&m->b, "%.3g (%.3g" NDASH "%.3g)", v, lo, hi);
}

static void put_percent(struct md *m, double v)
{
	if (isfinite(v))
		buf_printf(&m->b, "%.1f%%", 100 * v);
	else
		buf_printf(&m->b, DASH);
}

static void put_proportion(struct md *m, const cJSON *x, const char *name)
{
	char key[48];
	double v = number(x, name);
	if (!isfinite(v)) {
		buf_printf(&m->b, DASH);
		return;
	}
	put_percent(m, v);
	snprintf(key, sizeof(key), "%s_lower", name);
	buf_printf(&m->b, " (");
	put_percent(m, number(x, key));
	snprintf(key, sizeof(key), "%s_upper", name);
	buf_printf(&m->b, NDASH);
	put_percent(m, number(x, key));
	buf_printf(&m->b, ")");
}

static void put_p(struct md *m, double p)
{
	if (isfinite(p))
		buf_printf(&m->b, "%.3g", p);
	else
		buf_printf(&m->b, DASH);
}

/* A duration in seconds in the largest fitting unit, one decimal. */
static void put_duration(struct md *m, double s)
{
	if (!isfinite(s))
		buf_printf(&m->b, DASH);
	else if (fabs(s) >= 86400)
		buf_printf(&m->b, "%.1f d", s / 86400);
	else if (fabs(s) >= 3600)
		buf_printf(&m->b, "%.1f h", s / 3600);
	else if (fabs(s) >= 60)
		buf_printf(&m->b, "%.1f min", s / 60);
	else
		buf_printf(&m->b, "%.0f s", s);
}

static void put_list(struct md *m, const cJSON *a)
{
	int i = 0;
	for (const cJSON *c = cJSON_IsArray(a) ? a->child : NULL; c; c = c->next)
		if (cJSON_IsString(c))
			buf_printf(&m->b, "%s%s", i++ ? ", " : "", c->valuestring);
	if (i == 0)
		buf_printf(&m->b, "none");
}

static void parameters(struct md *m, const cJSON *v)
{
	const cJSON *p = member(v, "parameters");
	const char *pop = string(p, "population");
	buf_printf(&m->b, "Changes effective from ");
	put_date(m, string(p, "from"));
	buf_printf(&m->b, " to ");
	put_date(m, string(p, "to"));
	buf_printf(&m->b, " (exclusive), each followed for %s; data up to %s.\n\n",
		   string(p, "horizon") ? string(p, "horizon") : "?",
		   string(p, "data_end") ? string(p, "data_end") : "?");
	buf_printf(&m->b, "- outcomes: ");
	put_list(m, member(p, "outcomes"));
	buf_printf(&m->b, "%s\n- impact: ",
		   cJSON_IsTrue(member(p, "follow_up_is_outcome"))
			   ? " (follow_up links count)"
			   : " (follow_up links do not count)");
	put_list(m, member(p, "impact"));
	buf_printf(&m->b, "\n- service: ");
	put_text(m, string(p, "service") ? string(p, "service") : "all");
	buf_printf(&m->b, "\n- exposure: confirmed IOs%s\n",
		   cJSON_IsTrue(member(p, "include_candidates")) ? " and candidates"
								 : " (candidates excluded)");
	buf_printf(&m->b, "- population: %s\n",
		   pop && strcmp(pop, "all") == 0
			   ? "all changes, unreviewed ones included (reported as such)"
			   : "reviewed changes (no_io or has_io)");
	buf_printf(&m->b, "- input hash: `%s`\n",
		   string(v, "input_hash") ? string(v, "input_hash") : "?");
}

static void missed_change(struct md *m, const cJSON *oc, const cJSON *ch)
{
	buf_printf(&m->b, "| ");
	put_count(m, oc, "id");
	if (string(oc, "external_key")) {
		buf_printf(&m->b, " (");
		put_text(m, string(oc, "external_key"));
		buf_printf(&m->b, ")");
	}
	buf_printf(&m->b, " | %s | %s | ", string(oc, "kind") ? string(oc, "kind") : "?",
		   string(oc, "severity") ? string(oc, "severity") : DASH);
	put_date(m, string(oc, "occurred_at"));
	buf_printf(&m->b, " | ");
	put_text(m, string(oc, "title"));
	buf_printf(&m->b, " | ");
	put_text(m, string(ch, "service"));
	buf_printf(&m->b, ":");
	put_text(m, string(ch, "key"));
	buf_printf(&m->b, " (id ");
	put_count(m, ch, "id");
	buf_printf(&m->b, ") | %s | ", string(ch, "impact") ? string(ch, "impact") : "?");
	int i = 0;
	const cJSON *links = member(ch, "links");
	for (const cJSON *l = cJSON_IsArray(links) ? links->child : NULL; l; l = l->next) {
		buf_printf(&m->b, "%s%s", i++ ? ", " : "",
			   string(l, "how") ? string(l, "how") : "?");
		if (string(l, "rule")) {
			buf_printf(&m->b, " (");
			put_text(m, string(l, "rule"));
			if (string(l, "rule_version")) {
				buf_printf(&m->b, " v");
				put_text(m, string(l, "rule_version"));
			}
			buf_printf(&m->b, ")");
		}
	}
	buf_printf(&m->b, " | %s |\n",
		   cJSON_IsTrue(member(ch, "labelled_after_outcome")) ? "yes, after" : "no");
}

static void missed(struct md *m, const cJSON *v)
{
	const cJSON *list = member(v, "missed_outcomes");
	int n = cJSON_GetArraySize(list);
	heading(m, 1, "Outcomes the register missed");
	if (n == 0) {
		double outcomes = number(member(v, "counts"), "outcomes");
		buf_printf(&m->b, "%s\n",
			   isfinite(outcomes) && outcomes > 0
				   ? "None: every counted outcome was tied only to "
				     "changes with an IO labelled before it."
				   : "None: no outcome was counted.");
		return;
	}
	buf_printf(&m->b,
		   "%d outcome%s tied to changes without an IO labelled before the outcome "
		   "(most severe first):\n\n",
		   n, n == 1 ? " was" : "s were");
	buf_printf(&m->b, "| outcome | kind | severity | occurred | title | change | impact | link "
			  "| IO label |\n|---|---|---|---|---|---|---|---|---|\n");
	for (const cJSON *oc = list->child; oc; oc = oc->next) {
		const cJSON *changes = member(oc, "changes");
		for (const cJSON *ch = cJSON_IsArray(changes) ? changes->child : NULL; ch;
		     ch = ch->next)
			missed_change(m, oc, ch);
	}
	buf_printf(&m->b, "\n\"IO label: yes, after\" means the change was labelled only once the "
			  "outcome was known; such labels do not count as exposure.\n");
}

static void count_row(struct md *m, const char *what, const cJSON *k, const char *name)
{
	buf_printf(&m->b, "| %s | ", what);
	put_count(m, k, name);
	buf_printf(&m->b, " |\n");
}

static void population(struct md *m, const cJSON *v)
{
	const cJSON *k = member(v, "counts"), *ign = member(k, "links_ignored");
	const cJSON *by = member(k, "outcomes_by_kind");
	const char *pop = string(member(v, "parameters"), "population");
	bool all = pop && strcmp(pop, "all") == 0;
	heading(m, 1, "Population");
	buf_printf(&m->b, "| changes | count |\n|---|---|\n");
	count_row(m, "effective in the window (service and impact filters)", k, "changes_in_scope");
	count_row(m, all ? "unreviewed, included (population all)" : "unreviewed, excluded", k,
		  all ? "population_unreviewed" : "unreviewed_excluded");
	count_row(m, "horizon past the end of the data, excluded", k, "censored_excluded");
	count_row(m, "population", k, "population");
	count_row(m, "with an outcome", k, "changes_with_outcome");
	buf_printf(&m->b, "\nOutcomes counted: ");
	put_count(m, k, "outcomes");
	buf_printf(&m->b, " (incident ");
	put_count(m, by, "incident");
	buf_printf(&m->b, ", rollback ");
	put_count(m, by, "rollback");
	buf_printf(&m->b, ", near miss ");
	put_count(m, by, "near_miss");
	buf_printf(&m->b, ") over ");
	put_count(m, k, "links_counted");
	buf_printf(&m->b, " stored links. Links not counted: ");
	put_count(m, ign, "other_kind");
	buf_printf(&m->b, " of other kinds, ");
	put_count(m, ign, "follow_up");
	buf_printf(&m->b, " follow_up, ");
	put_count(m, ign, "outside_horizon");
	buf_printf(&m->b, " outside the horizon. IOs that expose nothing: ");
	put_count(m, k, "ios_retracted");
	buf_printf(&m->b, " retracted, ");
	put_count(m, k, "ios_candidates_excluded");
	buf_printf(&m->b, " candidates excluded.\n");
}

static void put_exposure_name(struct md *m, const cJSON *x)
{
	const char *name = string(x, "exposure");
	buf_printf(&m->b, "%s", !name ? "?" : strcmp(name, "any") == 0 ? "any IO" : name);
}

static void headline_row(struct md *m, const cJSON *x)
{
	buf_printf(&m->b, "| ");
	put_exposure_name(m, x);
	buf_printf(&m->b, " | ");
	put_count(m, x, "a");
	buf_printf(&m->b, " / ");
	put_count(m, x, "exposed");
	buf_printf(&m->b, " | ");
	put_count(m, x, "c");
	buf_printf(&m->b, " / ");
	put_count(m, x, "unexposed");
	buf_printf(&m->b, " | ");
	put_percent(m, number(x, "risk_exposed"));
	buf_printf(&m->b, " | ");
	put_percent(m, number(x, "risk_unexposed"));
	buf_printf(&m->b, " | ");
	put_ratio(m, x, "risk_ratio");
	buf_printf(&m->b, " | ");
	put_ratio(m, x, "odds_ratio");
	buf_printf(&m->b, "%s | ", cJSON_IsTrue(member(x, "haldane_corrected")) ? " \\*" : "");
	put_p(m, number(x, "fisher_p"));
	buf_printf(&m->b, " | ");
	put_p(m, number(x, "holm_p"));
	buf_printf(&m->b, " |\n");
}

static void headline(struct md *m, const cJSON *exposures)
{
	heading(m, 1, "Headline: IO labels against outcomes");
	buf_printf(&m->b,
		   "Per exposure, changes with an outcome within the horizon of all changes "
		   "exposed and unexposed; risk and odds ratios with 95%% intervals; Fisher's "
		   "exact two-sided p, Holm-adjusted across the six categories.\n\n");
	buf_printf(&m->b,
		   "| exposure | exposed: outcome / all | unexposed: outcome / all | risk "
		   "exposed | risk unexposed | RR (95%% CI) | OR (95%% CI) | Fisher p | Holm "
		   "p |\n|---|---|---|---|---|---|---|---|---|\n");
	for (const cJSON *x = exposures->child; x; x = x->next)
		headline_row(m, x);
	buf_printf(&m->b, "\n\\* a cell was 0: the ratios add 0.5 to every cell "
			  "(Haldane" NDASH "Anscombe).\n");
}

static void put_stratum(struct md *m, const cJSON *s)
{
	put_count(m, s, "a");
	buf_printf(&m->b, "/");
	put_count(m, s, "b");
	buf_printf(&m->b, "/");
	put_count(m, s, "c");
	buf_printf(&m->b, "/");
	put_count(m, s, "d");
}

static void mantel_haenszel(struct md *m, const cJSON *exposures)
{
	const cJSON *strata = member(exposures->child, "strata");
	heading(m, 1, "Mantel" NDASH "Haenszel odds ratio by impact");
	buf_printf(&m->b, "Strata as a/b/c/d: exposed with and without an outcome, unexposed with "
			  "and without.\n\n| exposure | MH OR (95%% CI) |");
	for (const cJSON *s = cJSON_IsArray(strata) ? strata->child : NULL; s; s = s->next)
		buf_printf(&m->b, " %s |", string(s, "impact") ? string(s, "impact") : "?");
	buf_printf(&m->b, "\n|---|---|");
	for (int i = 0; i < cJSON_GetArraySize(strata); i++)
		buf_printf(&m->b, "---|");
	buf_printf(&m->b, "\n");
	for (const cJSON *x = exposures->child; x; x = x->next) {
		buf_printf(&m->b, "| ");
		put_exposure_name(m, x);
		buf_printf(&m->b, " | ");
		put_ratio(m, x, "mh_odds_ratio");
		buf_printf(&m->b, " |");
		const cJSON *xs = member(x, "strata");
		for (const cJSON *s = cJSON_IsArray(xs) ? xs->child : NULL; s; s = s->next) {
			buf_printf(&m->b, " ");
			put_stratum(m, s);
			buf_printf(&m->b, " |");
		}
		buf_printf(&m->b, "\n");
	}
}

static void precision_recall(struct md *m, const cJSON *exposures)
{
	heading(m, 1, "Precision and recall of the IO flag");
	buf_printf(&m->b,
		   "Precision: exposed changes with an outcome of all exposed; recall: of all "
		   "changes with an outcome, the exposed ones (Wilson 95%%).\n\n"
		   "| exposure | precision (95%% CI) | recall (95%% CI) |\n|---|---|---|\n");
	for (const cJSON *x = exposures->child; x; x = x->next) {
		buf_printf(&m->b, "| ");
		put_exposure_name(m, x);
		buf_printf(&m->b, " | ");
		put_proportion(m, x, "precision");
		buf_printf(&m->b, " | ");
		put_proportion(m, x, "recall");
		buf_printf(&m->b, " |\n");
	}
}

static void leads_and_labels(struct md *m, const cJSON *exposures)
{
	heading(m, 1, "Lead times");
	buf_printf(&m->b,
		   "From a change's earliest label made before the outcome to the outcome, per "
		   "outcome and exposed change (median type 7).\n\n"
		   "| exposure | n | median | min | max |\n|---|---|---|---|---|\n");
	for (const cJSON *x = exposures->child; x; x = x->next) {
		buf_printf(&m->b, "| ");
		put_exposure_name(m, x);
		buf_printf(&m->b, " | ");
		put_count(m, x, "lead_time_n");
		buf_printf(&m->b, " | ");
		put_duration(m, number(x, "lead_time_median"));
		buf_printf(&m->b, " | ");
		put_duration(m, number(x, "lead_time_min"));
		buf_printf(&m->b, " | ");
		put_duration(m, number(x, "lead_time_max"));
		buf_printf(&m->b, " |\n");
	}
	heading(m, 1, "Labels made before and after the outcome");
	buf_printf(&m->b,
		   "A label made after its change's outcome (flagged when recorded, or recorded "
		   "at or after the outcome) is kept apart: it does not count as exposure.\n\n"
		   "| exposure | labels before | labels after | changes labelled only after "
		   "|\n|---|---|---|---|\n");
	for (const cJSON *x = exposures->child; x; x = x->next) {
		buf_printf(&m->b, "| ");
		put_exposure_name(m, x);
		buf_printf(&m->b, " | ");
		put_count(m, x, "labels_before_outcome");
		buf_printf(&m->b, " | ");
		put_count(m, x, "labels_after_outcome");
		buf_printf(&m->b, " | ");
		put_count(m, x, "changes_labelled_only_after_outcome");
		buf_printf(&m->b, " |\n");
	}
}

static void hindsight(struct md *m, const cJSON *h)
{
	heading(m, 1, "Hindsight comparison");
	buf_printf(&m->b,
		   "For comparison only, counting labels made after the outcome as exposure "
		   "(never the headline):\n\n| exposure | exposed: outcome / all | unexposed: "
		   "outcome / all | risk exposed | risk unexposed | RR (95%% CI) | OR (95%% CI) "
		   "| Fisher p | Holm p |\n|---|---|---|---|---|---|---|---|---|\n");
	headline_row(m, h);
}

static void null_reasons(struct md *m, const cJSON *x, int *n)
{
	const cJSON *r = member(x, "null_reasons");
	for (const cJSON *a = cJSON_IsObject(r) ? r->child : NULL; a; a = a->next) {
		bool first = true;
		for (const cJSON *b = r->child; b != a; b = b->next)
			if (cJSON_IsString(b) && cJSON_IsString(a) &&
			    strcmp(b->valuestring, a->valuestring) == 0)
				first = false;
		if (!first || !cJSON_IsString(a))
			continue;
		buf_printf(&m->b, "- ");
		put_exposure_name(m, x);
		buf_printf(&m->b, ": ");
		int k = 0;
		for (const cJSON *b = a; b; b = b->next)
			if (cJSON_IsString(b) && strcmp(b->valuestring, a->valuestring) == 0)
				buf_printf(&m->b, "%s%s", k++ ? ", " : "", b->string);
		buf_printf(&m->b, " " DASH " %s\n", a->valuestring);
		(*n)++;
	}
}

static void nulls(struct md *m, const cJSON *exposures, const cJSON *h)
{
	int n = 0;
	heading(m, 1, "Figures not reported");
	for (const cJSON *x = exposures->child; x; x = x->next)
		null_reasons(m, x, &n);
	if (h)
		null_reasons(m, h, &n);
	if (n == 0)
		buf_printf(&m->b, "None: every figure was computed.\n");
}

static int check_shape(const cJSON *v, struct err *err)
{
	const char *format = cJSON_IsObject(v) ? string(v, "format") : NULL;
	if (!format || strncmp(format, "ratchet-backtest/", 17) != 0)
		return err_set(err, ERR_INVALID, "not a backtest object (no \"format\")");
	if (!cJSON_IsObject(member(v, "parameters")) || !cJSON_IsObject(member(v, "counts")) ||
	    !cJSON_IsArray(member(v, "missed_outcomes")) ||
	    !cJSON_IsArray(member(v, "exposures")) || !member(v, "exposures")->child)
		return err_set(err, ERR_INVALID,
			       "backtest object lacks parameters, counts, "
			       "missed_outcomes or exposures");
	return 0;
}

char *backtest_to_markdown(const cJSON *v, int heading_level, struct err *err)
{
	if (check_shape(v, err) < 0)
		return NULL;
	struct md m = {.level = heading_level < 1 ? 1 : heading_level};
	buf_init(&m.b, 0);
	const cJSON *exposures = member(v, "exposures");
	const cJSON *h = member(v, "hindsight");
	buf_printf(&m.b, "%.*s Backtest of the IO register against outcomes\n\n",
		   m.level > 6 ? 6 : m.level, "######");
	parameters(&m, v);
	missed(&m, v);
	population(&m, v);
	headline(&m, exposures);
	precision_recall(&m, exposures);
	mantel_haenszel(&m, exposures);
	leads_and_labels(&m, exposures);
	if (cJSON_IsObject(h))
		hindsight(&m, h);
	nulls(&m, exposures, cJSON_IsObject(h) ? h : NULL);
	return m.b.data;
}
