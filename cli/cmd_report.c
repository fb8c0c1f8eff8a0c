/* ratchet report pilot: the seed's pilot deliverable as one Markdown document — the register
 * summary of the window (GET /v1/summary), VL, RDPR, GBR and tempo (GET /v1/metrics), the shape
 * of IO accumulation (GET /v1/ios/accumulation) and a backtest of the IO labels against
 * outcomes, run and stored for the report (POST /v1/backtests) and rendered by core — closing
 * with every figure that has no value and why. -o json gives the four answers unchanged. */
#include "common.h"

#include <getopt.h>
#include <math.h>

#include "backtest.h"
#include "cli.h"
#include "cmd_backtest.h"
#include "cmd_metrics.h"
#include "err.h"
#include "model.h"

enum report_opt {
	OPT_FROM = 256,
	OPT_TO,
	OPT_SERVICE,
	OPT_POPULATION,
	OPT_HORIZON,
	OPT_INCLUDE_CANDIDATES,
};

/* The answers the report is made of (owned), and what it is about. */
struct pilot {
	char *from, *to; /* RFC 3339 */
	const char *service;
	cJSON *summary, *metrics, *accumulation, *backtest;
	struct buf md;
	struct buf nulls; /* "- ..." lines of the closing section */
};

static void pilot_release(struct pilot *p)
{
	free(p->from);
	free(p->to);
	cJSON_Delete(p->summary);
	cJSON_Delete(p->metrics);
	cJSON_Delete(p->accumulation);
	cJSON_Delete(p->backtest);
	buf_release(&p->md);
	buf_release(&p->nulls);
}

/* ---- Markdown helpers ---------------------------------------------------------------------- */

/* Text from records, escaped for a Markdown table cell; control characters become spaces. */
static void put_cell(struct buf *b, const char *s)
{
	if (!s || !*s) {
		buf_printf(b, "\xE2\x80\x94"); /* a null cell */
		return;
	}
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			buf_append(b, " ", 1);
		else if (strchr("\\`*_[]<>|#", c)) {
			buf_append(b, "\\", 1);
			buf_append(b, s, 1);
		} else
			buf_append(b, s, 1);
	}
}

/* One table row of n cells. */
static void put_row(struct buf *b, const char *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		buf_printf(b, "| ");
		put_cell(b, cells[i]);
		buf_printf(b, " ");
	}
	buf_printf(b, "|\n");
}

static void put_header(struct buf *b, const char *const *cells, size_t n)
{
	put_row(b, cells, n);
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "|---");
	buf_printf(b, "|\n");
}

static double num(const cJSON *o, const char *path)
{
	return cmd_metrics_num(o, path);
}

static const char *str(const cJSON *o, const char *path)
{
	return cmd_metrics_str(o, path);
}

/* A null figure for the closing section. */
static void add_null(struct pilot *p, const char *section, const char *figure, const char *why)
{
	buf_printf(&p->nulls, "- %s, ", section);
	put_cell(&p->nulls, figure);
	buf_printf(&p->nulls, ": ");
	put_cell(&p->nulls, why ? why : "no reason given");
	buf_printf(&p->nulls, "\n");
}

/* ---- the sections -------------------------------------------------------------------------- */

static void put_coverage(struct pilot *p, const char *what, const cJSON *c)
{
	char f[OUTPUT_FIGURE_BUFSZ], lo[OUTPUT_FIGURE_BUFSZ], hi[OUTPUT_FIGURE_BUFSZ];
	buf_printf(&p->md, "- %s: %.0f of %.0f reviewed", what, num(c, "reviewed"),
		   num(c, "changes"));
	if (isnan(num(c, "fraction"))) {
		buf_printf(&p->md, " (coverage null: %s)\n", cli_or_dash(str(c, "reason")));
		add_null(p, "register", what, str(c, "reason"));
		return;
	}
	buf_printf(&p->md, " (%s, Wilson 95%% CI %s\xE2\x80\x93%s)\n",
		   output_percent(num(c, "fraction"), f), output_percent(num(c, "lower"), lo),
		   output_percent(num(c, "upper"), hi));
}

static void put_counts_row(struct buf *b, const char *label, const cJSON *o,
			   const struct model_names *names)
{
	char cells[4][OUTPUT_FIGURE_BUFSZ];
	const char *row[5] = {label};
	for (int i = 0; i < names->count && i < 4; i++) {
		output_number(num(o, names->names[i]), cells[i]);
		row[i + 1] = cells[i];
	}
	put_row(b, row, (size_t)names->count + 1);
}

static void register_changes(struct pilot *p)
{
	const cJSON *s = p->summary;
	buf_printf(&p->md,
		   "\n## Register summary\n\n%.0f changes took effect in the window (current "
		   "effective_at and impact, after amendments).\n\n",
		   num(s, "changes.effective"));
	static const char *const head[] = {"changes", "low", "medium", "high"};
	put_header(&p->md, head, 4);
	put_counts_row(&p->md, "by impact", cmd_metrics_get(s, "changes.by_impact"), &impact_names);
	static const char *const head2[] = {"changes", "unreviewed", "no IO", "has an IO"};
	buf_printf(&p->md, "\n");
	put_header(&p->md, head2, 4);
	put_counts_row(&p->md, "by review", cmd_metrics_get(s, "changes.by_review"), &review_names);
	buf_printf(&p->md, "\nReview coverage (changes reviewed, no_io or has_io, of those "
			   "effective in the window):\n\n");
	put_coverage(p, "all changes", cmd_metrics_get(s, "review_coverage.all"));
	put_coverage(p, "high-impact changes", cmd_metrics_get(s, "review_coverage.high"));
}

static void register_ios(struct pilot *p)
{
	const cJSON *s = p->summary;
	buf_printf(&p->md, "\n### IOs by category\n\nIOs of the changes above; candidates were "
			   "made by import rules and await confirmation.\n\n");
	static const char *const head[] = {"category", "confirmed", "candidate", "retracted"};
	put_header(&p->md, head, 4);
	const cJSON *c;
	cJSON_ArrayForEach(c, cmd_metrics_get(s, "ios.by_category"))
	{
		char a[OUTPUT_FIGURE_BUFSZ], b[OUTPUT_FIGURE_BUFSZ], d[OUTPUT_FIGURE_BUFSZ];
		const char *row[4] = {str(c, "category"), output_number(num(c, "confirmed"), a),
				      output_number(num(c, "candidate"), b),
				      output_number(num(c, "retracted"), d)};
		put_row(&p->md, row, 4);
	}
	buf_printf(&p->md, "| all | %.0f | %.0f | %.0f |\n", num(s, "ios.confirmed"),
		   num(s, "ios.candidate"), num(s, "ios.retracted"));
	buf_printf(&p->md,
		   "\nIOs labelled after their change already had a linked outcome (hindsight "
		   "labels, kept apart by the backtest): %.0f.\n",
		   num(s, "ios.labelled_after_outcome"));
}

static void register_outcomes(struct pilot *p)
{
	const cJSON *s = p->summary;
	buf_printf(&p->md,
		   "\n### Outcomes\n\nIncidents, rollbacks and near misses of the scope that "
		   "occurred in the window: %.0f, of which %.0f are linked to a change.\n\n",
		   num(s, "outcomes.total"), num(s, "outcomes.linked"));
	static const char *const head[] = {"kind", "in the window", "linked to a change"};
	put_header(&p->md, head, 3);
	const cJSON *k;
	cJSON_ArrayForEach(k, cmd_metrics_get(s, "outcomes.by_kind"))
	{
		char a[OUTPUT_FIGURE_BUFSZ], b[OUTPUT_FIGURE_BUFSZ];
		const char *row[3] = {str(k, "kind"), output_number(num(k, "total"), a),
				      output_number(num(k, "linked"), b)};
		put_row(&p->md, row, 3);
	}
	buf_printf(&p->md, "\nTheir links by how they were made:");
	const cJSON *h;
	int first = 1;
	cJSON_ArrayForEach(h, cmd_metrics_get(s, "outcomes.links_by_how"))
	{
		buf_printf(&p->md, "%s %s %.0f", first ? "" : ",", h->string, output_number_of(h));
		first = 0;
	}
	buf_printf(&p->md, ".\n");
}

static void put_metric_rows(struct pilot *p, const cJSON *rows)
{
	static const char *const head[] = {"figure",	"value",  "95% CI", "n",
					   "threshold", "status", "note"};
	static const char *const fields[] = {"label",	       "value_text", "interval", "n",
					     "threshold_text", "status",     "note"};
	put_header(&p->md, head, 7);
	const cJSON *r;
	cJSON_ArrayForEach(r, rows)
	{
		const char *row[7];
		for (size_t i = 0; i < 7; i++)
			row[i] = str(r, fields[i]);
		if (row[1] && strcmp(row[1], "-") == 0)
			row[1] = NULL;
		put_row(&p->md, row, 7);
		if (cJSON_IsNull(cmd_metrics_get(r, "value")))
			add_null(p, "governance figures", str(r, "label"), str(r, "note"));
	}
}

/* Plain words on why the figures that need gates or drills are null. */
static void explain_gates_and_drills(struct pilot *p)
{
	const cJSON *m = p->metrics;
	if (num(m, "validation_lag.n") == 0 && num(m, "gbr.denominator") == 0)
		buf_printf(&p->md, "\nNo change in the window carries a required gate, so VL, GBR "
				   "and tempo have nothing to measure: history imported from git "
				   "or files records no gates. File changes through ratchet with "
				   "gate policies to get them.\n");
	if (num(m, "rdpr.drills") == 0)
		buf_printf(&p->md, "\nNo rollback drill of the scope was performed in the window, "
				   "so RDPR is null: record drills with 'ratchet drill add'.\n");
}

static void governance(struct pilot *p)
{
	const cJSON *m = p->metrics;
	buf_printf(&p->md, "\n## Governance figures: VL, RDPR, GBR and tempo\n\n");
	buf_printf(&p->md, "Over the same window and scope (GET /v1/metrics), against the "
			   "thresholds of the active policies; open evaluations are censored at "
			   "the window's end.\n\n");
	const char *refused = str(m, "error.message");
	if (refused) {
		buf_printf(&p->md, "The server computed no figures for this window: ");
		put_cell(&p->md, refused);
		buf_printf(&p->md, ".\n");
		add_null(p, "governance figures", "all", refused);
		return;
	}
	cJSON *rows = cJSON_CreateArray();
	cmd_metrics_rows(rows, m);
	put_metric_rows(p, rows);
	cJSON_Delete(rows);
	explain_gates_and_drills(p);
}

static void put_shape_row(struct pilot *p, const char *name, const cJSON *s)
{
	char ios[OUTPUT_FIGURE_BUFSZ], rate[OUTPUT_FIGURE_BUFSZ], growth[OUTPUT_FIGURE_BUFSZ];
	char doubling[OUTPUT_FIGURE_BUFSZ], disp[OUTPUT_FIGURE_BUFSZ];
	const char *row[7] = {name,
			      output_number(num(s, "ios"), ios),
			      str(s, "shape"),
			      output_number(num(s, "rate_per_day"), rate),
			      output_number(num(s, "growth_per_day2"), growth),
			      output_number(num(s, "doubling_days"), doubling),
			      output_number(num(s, "dispersion"), disp)};
	for (size_t i = 3; i < 7; i++)
		if (strcmp(row[i], "-") == 0)
			row[i] = NULL;
	put_row(&p->md, row, 7);
}

static void accumulation(struct pilot *p)
{
	const cJSON *a = p->accumulation;
	const char *refused = str(a, "error.message");
	if (refused) {
		buf_printf(&p->md, "\n## Accumulation shape\n\nNo shape for this window: ");
		put_cell(&p->md, refused);
		buf_printf(&p->md, ".\n");
		add_null(p, "accumulation", "shape", refused);
		return;
	}
	buf_printf(&p->md,
		   "\n## Accumulation shape\n\nConfirmed IOs of the scope dated by their "
		   "change's effective_at, counted per whole %s (GET /v1/ios/accumulation); a "
		   "Poisson regression classifies the shape.\n\n",
		   cli_or_dash(str(a, "bucket")));
	static const char *const head[] = {"category",	  "IOs",      "shape",	   "rate/day",
					   "growth/day²", "doubling", "dispersion"};
	put_header(&p->md, head, 7);
	put_shape_row(p, "all", cmd_metrics_get(a, "overall"));
	for (int i = 0; i < io_category_names.count; i++) {
		const char *name = io_category_names.names[i];
		const cJSON *s = cmd_metrics_get(cmd_metrics_get(a, "categories"), name);
		if (s)
			put_shape_row(p, name, s);
	}
	const char *shape = str(a, "overall.shape");
	if (shape && strcmp(shape, "insufficient_data") == 0)
		add_null(p, "accumulation", "shape (all IOs)",
			 "insufficient_data: fewer than 8 whole buckets or 10 IOs");
	const char *reason = str(a, "false_stability_reason");
	buf_printf(&p->md, "\nFalse stability: %s",
		   cJSON_IsTrue(cmd_metrics_get(a, "false_stability")) ? "**yes**" : "no");
	if (reason) {
		buf_printf(&p->md, " \xE2\x80\x94 ");
		put_cell(&p->md, reason);
	}
	buf_printf(&p->md, ".\n");
}

static int backtest(struct pilot *p, struct err *err)
{
	const cJSON *v = cmd_metrics_get(p->backtest, "result");
	char *text = backtest_to_markdown(v, 2, err);
	if (!text)
		return -1;
	buf_printf(&p->md, "\n%s", text);
	free(text);
	buf_printf(&p->md,
		   "\nStored as backtest %.0f (`ratchet backtest show %.0f`), input hash `%s`.\n",
		   num(p->backtest, "id"), num(p->backtest, "id"),
		   cli_or_dash(str(p->backtest, "input_hash")));
	/* The headline exposure's null figures here; the categories' are listed above. */
	const cJSON *any = cJSON_GetArrayItem(cmd_metrics_get(v, "exposures"), 0);
	const cJSON *r;
	cJSON_ArrayForEach(r, cmd_metrics_get(any, "null_reasons"))
	{
		if (cJSON_IsString(r))
			add_null(p, "backtest (any IO)", r->string, r->valuestring);
	}
	return 0;
}

static void closing(struct pilot *p)
{
	buf_printf(&p->md, "\n## Figures without a value\n\n");
	if (!p->nulls.len) {
		buf_printf(&p->md, "Every figure above has a value.\n");
		return;
	}
	buf_printf(&p->md, "A figure that cannot be computed is left empty, never shown as 0. "
			   "These are empty, and why (the backtest lists its per-category "
			   "figures under \"Figures not reported\"):\n\n");
	buf_append(&p->md, p->nulls.data, p->nulls.len);
}

static void render(struct pilot *p, struct err *err)
{
	buf_printf(&p->md, "# Pilot report: %s, %.10s to %.10s\n\n",
		   p->service ? p->service : "all services", p->from, p->to);
	buf_printf(&p->md, "Window [%s, %s) on effective_at; ", p->from, p->to);
	buf_printf(&p->md,
		   "scope: %s. Sections: the register summary, the governance figures, "
		   "the accumulation shape and the backtest of the IO labels against "
		   "outcomes, then every figure without a value.\n",
		   p->service ? p->service : "every service");
	register_changes(p);
	register_ios(p);
	register_outcomes(p);
	governance(p);
	accumulation(p);
	if (backtest(p, err) < 0)
		return;
	closing(p);
}

/* ---- fetching ---------------------------------------------------------------------------- */

/* GET base?from&to[&service] into *out (taken from resp). With tolerate, a request the server
 * refuses as invalid for this window (an accumulation over less than one whole bucket) is not a
 * failure: *out becomes {"error": {"code", "message"}} and the section says why it is empty. */
static int fetch(struct cli *cli, struct pilot *p, const char *base, bool tolerate, cJSON **out)
{
	struct buf path;
	buf_init(&path, 0);
	buf_printf(&path, "%s", base);
	client_query_add(&path, "from", p->from);
	client_query_add(&path, "to", p->to);
	client_query_add(&path, "service", p->service);
	struct client_resp resp;
	client_resp_init(&resp);
	struct err err;
	err_init(&err);
	int rc = cli_connect(cli);
	if (!rc && client_request(cli->client, "GET", path.data, NULL, &resp, &err) == 0) {
		*out = resp.json;
		resp.json = NULL;
	} else if (!rc && tolerate && err.code == ERR_INVALID) {
		*out = cJSON_CreateObject();
		cJSON *e = cJSON_AddObjectToObject(*out, "error");
		cJSON_AddStringToObject(e, "code", err_code_name(err.code));
		cJSON_AddStringToObject(e, "message", err.message);
	} else if (!rc) {
		rc = cli_report(cli, &err);
	}
	client_resp_release(&resp);
	buf_release(&path);
	return rc;
}

static int run_backtest(struct cli *cli, struct pilot *p, const cJSON *body)
{
	struct client_resp resp;
	client_resp_init(&resp);
	int rc = cli_call(cli, "POST", "/v1/backtests", body, &resp);
	if (!rc) {
		p->backtest = resp.json;
		resp.json = NULL;
	}
	client_resp_release(&resp);
	return rc;
}

static int print_json(const struct pilot *p)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemReferenceToObject(o, "summary", p->summary);
	cJSON_AddItemReferenceToObject(o, "metrics", p->metrics);
	cJSON_AddItemReferenceToObject(o, "accumulation", p->accumulation);
	cJSON_AddItemReferenceToObject(o, "backtest", p->backtest);
	output_json(stdout, o);
	cJSON_Delete(o);
	return CLI_EXIT_OK;
}

static const char usage_pilot[] =
	"usage: ratchet report pilot --from T --to T [--service S] [--population reviewed|all]\n"
	"                            [--horizon D] [--include-candidates] [-o md|json]\n\n"
	"The pilot report as one Markdown document: the register summary of the window\n"
	"(changes by impact and review, review coverage, IOs by category, outcomes and their\n"
	"links: GET /v1/summary), VL, RDPR, GBR and tempo against their thresholds (GET\n"
	"/v1/metrics), the shape of IO accumulation (GET /v1/ios/accumulation), and a backtest\n"
	"of the IO labels against outcomes (run and stored now: POST /v1/backtests, shown as\n"
	"'ratchet backtest -o md' shows it), closing with every figure that has no value and\n"
	"why. T is RFC 3339 with an offset or YYYY-MM-DD (midnight UTC); the window is\n"
	"[from, to) on effective_at.\n\n"
	"  --service S            one service (default all)\n"
	"  --population P         the backtest's changes: reviewed (default) or all\n"
	"  --horizon D            the backtest's horizon (default 30d)\n"
	"  --include-candidates   candidate IOs expose in the backtest too\n\n"
	"Output: Markdown (the default; -o md says so); -o json the four API answers as\n"
	"{\"summary\", \"metrics\", \"accumulation\", \"backtest\"}.\n";

/* Reads the options into p and the backtest's body. */
static int pilot_options(int argc, char **argv, struct pilot *p, cJSON *body)
{
	static const struct option options[] = {
		{"from", required_argument, NULL, OPT_FROM},
		{"to", required_argument, NULL, OPT_TO},
		{"service", required_argument, NULL, OPT_SERVICE},
		{"population", required_argument, NULL, OPT_POPULATION},
		{"horizon", required_argument, NULL, OPT_HORIZON},
		{"include-candidates", no_argument, NULL, OPT_INCLUDE_CANDIDATES},
		{NULL, 0, NULL, 0},
	};
	int c, rc = cli_getopt_start("report pilot", argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		switch (c) {
		case OPT_FROM:
			p->from = cmd_backtest_when(optarg);
			cJSON_AddStringToObject(body, "from", p->from);
			break;
		case OPT_TO:
			p->to = cmd_backtest_when(optarg);
			cJSON_AddStringToObject(body, "to", p->to);
			break;
		case OPT_SERVICE:
			p->service = optarg;
			cJSON_AddStringToObject(body, "service", optarg);
			break;
		case OPT_POPULATION:
			cJSON_AddStringToObject(body, "population", optarg);
			break;
		case OPT_HORIZON:
			cJSON_AddStringToObject(body, "horizon", optarg);
			break;
		case OPT_INCLUDE_CANDIDATES:
			cJSON_AddTrueToObject(body, "include_candidates");
			break;
		default:
			rc = cli_bad_option("report pilot", c, argv);
		}
	}
	if (!rc)
		rc = cli_no_operand("report pilot", argc, argv);
	return rc ? rc : cmd_backtest_check("report pilot", body);
}

static int report_pilot(struct cli *cli, int argc, char **argv)
{
	if (cli->format == OUTPUT_CSV)
		return cli_usage("report pilot", "-o csv does not fit a report: use md or json");
	struct pilot p = {0};
	buf_init(&p.md, 0);
	buf_init(&p.nulls, 0);
	cJSON *body = cJSON_CreateObject();
	int rc = pilot_options(argc, argv, &p, body);
	if (!rc)
		rc = fetch(cli, &p, "/v1/summary", false, &p.summary);
	if (!rc)
		rc = fetch(cli, &p, "/v1/metrics", true, &p.metrics);
	if (!rc)
		rc = fetch(cli, &p, "/v1/ios/accumulation", true, &p.accumulation);
	if (!rc)
		rc = run_backtest(cli, &p, body);
	if (!rc && cli->format == OUTPUT_JSON) {
		rc = print_json(&p);
	} else if (!rc) {
		struct err err;
		err_init(&err);
		render(&p, &err);
		if (err_is_set(&err))
			rc = cli_report(cli, &err);
		else
			fwrite(p.md.data, 1, p.md.len, stdout);
	}
	cJSON_Delete(body);
	pilot_release(&p);
	return rc;
}

int cmd_report(struct cli *cli, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
		{"pilot", report_pilot,
		 "the pilot report: register, governance figures, accumulation, backtest",
		 usage_pilot},
	};
	return cli_dispatch(cli, "report", "reports over the register, as Markdown", verbs,
			    ARRAY_SIZE(verbs), argc, argv);
}
