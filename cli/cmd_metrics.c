/* ratchet metrics: the register's governance figures (GET /v1/metrics) — VL
 * censored, RDPR, GBR, tempo and L, IO accumulation, false stability — as one
 * row per figure with the window it covers, and sparklines of GBR per week
 * and of the tempo ratio; with --fit-pilot, a FIT pilot pack's figures
 * offline (cmd_fit_pilot.c). Also what the metrics commands share; the rows
 * themselves are built in cmd_metrics_rows.c. */
#include "common.h"

#include <getopt.h>
#include <math.h>

#include "cli.h"
#include "cmd_metrics.h"
#include "duration.h"
#include "err.h"
#include "metrics.h"
#include "model.h"
#include "rtime.h"

/* ---- shared by metrics, tempo and accumulation ---------------------------------- */

const char cmd_metrics_scope_help[] =
	"  --service S     one service (default: all)\n"
	"  --impact I      low, medium or high (default: all)\n"
	"  --io-only       only changes with a confirmed, non-retracted IO\n"
	"  --from T        window start: RFC 3339 or YYYY-MM-DD (midnight UTC)\n"
	"  --to T          window end, excluded (default: now; without --from the\n"
	"                  thresholds' window ending now)\n";

int cmd_metrics_check_when(const char *cmd, const char *opt, const char *value)
{
	/* YYYY-MM-DD: checked as that day's midnight */
	if (strlen(value) == 10 && value[4] == '-' && value[7] == '-') {
		char *stamp = xasprintf("%sT00:00:00Z", value);
		int64_t usec;
		struct err err;
		err_init(&err);
		int bad = rtime_parse(stamp, &usec, &err) < 0;
		free(stamp);
		if (bad)
			return cli_usage(cmd, "%s: %s", opt, err.message);
		return 0;
	}
	return cli_check_time(cmd, opt, value);
}

int64_t cmd_metrics_when(const char *value)
{
	char *stamp = strlen(value) == 10 ? xasprintf("%sT00:00:00Z", value) : xstrdup(value);
	int64_t usec = RTIME_NONE;
	struct err err;
	err_init(&err);
	if (rtime_parse(stamp, &usec, &err) < 0)
		usec = RTIME_NONE;
	free(stamp);
	return usec;
}

void cmd_metrics_query_init(struct metrics_query *q, const char *base)
{
	memset(q, 0, sizeof(*q));
	buf_init(&q->path, 0);
	buf_printf(&q->path, "%s", base);
}

void cmd_metrics_query_release(struct metrics_query *q)
{
	buf_release(&q->path);
}

static int scope_option(const char *cmd, int c, const char *arg, struct metrics_query *q)
{
	struct buf *path = &q->path;
	switch (c) {
	case MOPT_SERVICE:
		if (!*arg)
			return cli_usage(cmd, "empty value for --service");
		client_query_add(path, "service", arg);
		return 0;
	case MOPT_IMPACT:
		if (cli_check_name(cmd, "--impact", arg, &impact_names))
			return CLI_EXIT_USAGE;
		client_query_add(path, "impact", arg);
		return 0;
	case MOPT_IO_ONLY:
		client_query_add(path, "io_only", "true");
		return 0;
	case MOPT_FROM:
		if (cmd_metrics_check_when(cmd, "--from", arg))
			return CLI_EXIT_USAGE;
		q->from = arg;
		client_query_add(path, "from", arg);
		return 0;
	case MOPT_TO:
		if (cmd_metrics_check_when(cmd, "--to", arg))
			return CLI_EXIT_USAGE;
		q->to = arg;
		client_query_add(path, "to", arg);
		return 0;
	default:
		return -1;
	}
}

static int tempo_option(const char *cmd, int c, const char *arg, struct metrics_query *q)
{
	long n;
	int64_t seconds;
	struct err err;
	err_init(&err);
	switch (c) {
	case MOPT_POLICY:
		if (!*arg)
			return cli_usage(cmd, "empty value for --policy");
		q->policy = arg;
		client_query_add(&q->path, "policy", arg);
		return 0;
	case MOPT_SUSTAIN:
		if (cli_parse_long(cmd, "--sustain", arg, 1, CMD_METRICS_SUSTAIN_MAX, &n))
			return CLI_EXIT_USAGE;
		q->sustain = arg;
		client_query_add(&q->path, "sustain", arg);
		return 0;
	case MOPT_ROLLING:
		if (duration_parse(arg, &seconds, &err) < 0 || seconds <= 0)
			return cli_usage(cmd, "invalid value '%s' for --rolling: %s", arg,
					 err.message[0] ? err.message : "want a positive duration");
		q->rolling = arg;
		client_query_add(&q->path, "rolling", arg);
		return 0;
	default:
		return -1;
	}
}

int cmd_metrics_option(const char *cmd, int c, const char *arg, struct metrics_query *q)
{
	int rc = scope_option(cmd, c, arg, q);
	if (rc >= 0) {
		q->scoped = true;
		return rc;
	}
	return tempo_option(cmd, c, arg, q);
}

const cJSON *cmd_metrics_get(const cJSON *obj, const char *path)
{
	const char *p = path;
	while (obj && *p) {
		size_t len = strcspn(p, ".");
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)(len < sizeof(name) ? len : 0), p);
		obj = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;
		p += len + (p[len] == '.');
	}
	return obj;
}

double cmd_metrics_num(const cJSON *obj, const char *path)
{
	return output_number_of(cmd_metrics_get(obj, path));
}

const char *cmd_metrics_str(const cJSON *obj, const char *path)
{
	return cJSON_GetStringValue(cmd_metrics_get(obj, path));
}

static const char *or_all(const char *s)
{
	return s ? s : "all";
}

void cmd_metrics_print_window(FILE *out, const cJSON *resp)
{
	const cJSON *dflt = cmd_metrics_get(resp, "window.default");
	const char *from = cmd_metrics_str(resp, "window.from"),
		   *to = cmd_metrics_str(resp, "window.to");
	const char *asof = cmd_metrics_str(resp, "window.asof");
	fprintf(out, "window: %s to %s", cli_or_dash(from), cli_or_dash(to));
	if (asof && to && strcmp(asof, to) != 0)
		fprintf(out, ", as of %s", asof);
	fprintf(out, "%s\n", cJSON_IsTrue(dflt) ? " (the thresholds' window, ending now)" : "");
	if (cJSON_IsTrue(cmd_metrics_get(resp, "data.empty"))) {
		const char *note = cmd_metrics_str(resp, "data.note");
		fprintf(out, "data:   %s\n", note ? note : "no data in the window");
	} else {
		fprintf(out, "data:   %s to %s\n", cli_or_dash(cmd_metrics_str(resp, "data.first")),
			cli_or_dash(cmd_metrics_str(resp, "data.last")));
	}
	fprintf(out, "scope:  service %s, impact %s%s\n",
		or_all(cmd_metrics_str(resp, "scope.service")),
		or_all(cmd_metrics_str(resp, "scope.impact")),
		cJSON_IsTrue(cmd_metrics_get(resp, "scope.io_only")) ? ", IO changes only" : "");
}

int cmd_metrics_fetch(struct cli *cli, const char *path,
		      void (*print)(struct cli *cli, const cJSON *resp))
{
	struct client_resp resp;
	client_resp_init(&resp);
	int rc = cli_call(cli, "GET", path, NULL, &resp);
	if (!rc && !cJSON_IsObject(resp.json)) {
		fprintf(stderr, "ratchet: the reply to GET %s is not an object\n", path);
		rc = CLI_EXIT_FAIL;
	}
	if (!rc && cli->format == OUTPUT_JSON)
		output_json_text(stdout, resp.body.data, resp.body.len);
	else if (!rc)
		print(cli, resp.json);
	client_resp_release(&resp);
	return rc;
}

/* ---- sparklines ----------------------------------------------------------------- */

/* Prints "LABEL  ▁▃█  NOTE" of the numbers at field of the items of series. */
static void print_spark(const char *label, const cJSON *series, const char *field, const char *note)
{
	size_t n = (size_t)cJSON_GetArraySize(series);
	double *values = xcalloc(n ? n : 1, sizeof(*values));
	size_t i = 0;
	const cJSON *item;
	cJSON_ArrayForEach(item, series)
	{
		values[i++] = cmd_metrics_num(item, field);
	}
	char *line = output_sparkline(values, n);
	if (n)
		printf("%-20s %s  %s\n", label, line, note);
	else
		printf("%-20s -  (no points)\n", label);
	free(line);
	free(values);
}

/* The GBR weekly sparkline, with the range of its values. */
static void print_gbr_weekly(const cJSON *m)
{
	const cJSON *weekly = cmd_metrics_get(m, "gbr.weekly");
	size_t n = (size_t)cJSON_GetArraySize(weekly);
	char *note = xasprintf("%zu week%s from the window's start; blank: no required gates", n,
			       n == 1 ? "" : "s");
	print_spark("GBR per week", weekly, "value", note);
	free(note);
}

void cmd_metrics_print_ratio_series(const cJSON *tempo_resp)
{
	const cJSON *series = cmd_metrics_get(tempo_resp, "series");
	size_t n = (size_t)cJSON_GetArraySize(series);
	double lo = INFINITY, hi = -INFINITY;
	const cJSON *item;
	cJSON_ArrayForEach(item, series)
	{
		double v = cmd_metrics_num(item, "ratio");
		if (!isnan(v)) {
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
	}
	char a[OUTPUT_FIGURE_BUFSZ], b[OUTPUT_FIGURE_BUFSZ];
	output_number(isfinite(lo) ? lo : NAN, a);
	output_number(isfinite(hi) ? hi : NAN, b);
	char *note = xasprintf("%zu point%s (gated changes' instants, at most %d evenly "
			       "sampled), rolling; from %s to %s",
			       n, n == 1 ? "" : "s", METRICS_SERIES_MAX, a, b);
	print_spark("tempo ratio series", series, "ratio", note);
	free(note);
}

/* ---- ratchet metrics ------------------------------------------------------------- */

enum metrics_own_opt {
	OPT_FIT_PILOT = MOPT_OWN,
	OPT_CHANGES,
	OPT_DRILLS,
	OPT_CATEGORY_MAP,
	OPT_ASOF,
};

struct metrics_args {
	struct metrics_query q; /* GET /v1/metrics?... */
	bool fit_pilot;
	struct fit_files files;
	const char *asof;
};

static int own_option(struct metrics_args *a, int c, const char *arg, char **argv)
{
	switch (c) {
	case OPT_FIT_PILOT:
		a->fit_pilot = true;
		return 0;
	case OPT_CHANGES:
		a->files.changes = arg;
		return 0;
	case OPT_DRILLS:
		a->files.drills = arg;
		return 0;
	case OPT_CATEGORY_MAP:
		a->files.category_map = arg;
		return 0;
	case OPT_ASOF:
		if (cmd_metrics_check_when("metrics", "--asof", arg))
			return CLI_EXIT_USAGE;
		a->asof = arg;
		return 0;
	default:
		return cli_bad_option("metrics", c, argv);
	}
}

/* --fit-pilot takes the pack's options and no other; the others need a server. */
static int check_mode(const struct metrics_args *a)
{
	const char *cmd = "metrics";
	bool pack = a->files.changes || a->files.drills || a->files.category_map || a->asof;
	if (!a->fit_pilot && pack)
		return cli_usage(cmd, "--changes, --drills, --category-map and --asof go with "
				      "--fit-pilot");
	if (!a->fit_pilot)
		return 0;
	if (a->q.scoped || a->q.policy || a->q.sustain || a->q.rolling)
		return cli_usage(cmd, "--fit-pilot reads a pack offline: it takes --changes, "
				      "--drills, --category-map and --asof only");
	if (!a->files.changes)
		return cli_usage(cmd, "--fit-pilot needs --changes FILE");
	if (!*a->files.changes || (a->files.drills && !*a->files.drills) ||
	    (a->files.category_map && !*a->files.category_map))
		return cli_usage(cmd, "empty file name");
	return 0;
}

static int parse_metrics(struct metrics_args *a, int argc, char **argv)
{
	static const struct option options[] = {
		CMD_METRICS_SCOPE_OPTIONS,
		CMD_METRICS_TEMPO_OPTIONS,
		{"fit-pilot", no_argument, NULL, OPT_FIT_PILOT},
		{"changes", required_argument, NULL, OPT_CHANGES},
		{"drills", required_argument, NULL, OPT_DRILLS},
		{"category-map", required_argument, NULL, OPT_CATEGORY_MAP},
		{"asof", required_argument, NULL, OPT_ASOF},
		{NULL, 0, NULL, 0},
	};
	int c, rc = cli_getopt_start("metrics", argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		rc = cmd_metrics_option("metrics", c, optarg, &a->q);
		if (rc < 0)
			rc = own_option(a, c, optarg, argv);
	}
	if (!rc)
		rc = cli_no_operand("metrics", argc, argv);
	if (!rc)
		rc = check_mode(a);
	return rc;
}

static void print_metrics(const struct cli *cli, const cJSON *m)
{
	cJSON *rows = cJSON_CreateArray();
	cmd_metrics_rows(rows, m);
	if (cli->format == OUTPUT_TABLE) {
		cmd_metrics_print_window(stdout, m);
		putchar('\n');
	}
	cmd_metrics_print_rows(cli, rows);
	cJSON_Delete(rows);
	if (cli->format != OUTPUT_TABLE)
		return;
	putchar('\n');
	print_gbr_weekly(m);
}

/* GET /v1/tempo over the window and scope m was computed for, with the same
 * tempo options: the ratio series, which /v1/metrics leaves out. */
static int print_tempo_series(struct cli *cli, const struct metrics_args *a, const cJSON *m)
{
	struct buf path;
	buf_init(&path, 0);
	buf_printf(&path, "/v1/tempo");
	client_query_add(&path, "service", cmd_metrics_str(m, "scope.service"));
	client_query_add(&path, "impact", cmd_metrics_str(m, "scope.impact"));
	if (cJSON_IsTrue(cmd_metrics_get(m, "scope.io_only")))
		client_query_add(&path, "io_only", "true");
	client_query_add(&path, "from", cmd_metrics_str(m, "window.from"));
	client_query_add(&path, "to", cmd_metrics_str(m, "window.to"));
	client_query_add(&path, "policy", a->q.policy);
	client_query_add(&path, "sustain", a->q.sustain);
	client_query_add(&path, "rolling", a->q.rolling);
	struct client_resp resp;
	client_resp_init(&resp);
	int rc = cli_call(cli, "GET", path.data, NULL, &resp);
	if (!rc)
		cmd_metrics_print_ratio_series(resp.json);
	client_resp_release(&resp);
	buf_release(&path);
	return rc;
}

static int run_metrics(struct cli *cli, const struct metrics_args *a)
{
	struct client_resp resp;
	client_resp_init(&resp);
	int rc = cli_call(cli, "GET", a->q.path.data, NULL, &resp);
	if (!rc && !cJSON_IsObject(resp.json)) {
		fprintf(stderr, "ratchet: the reply to GET %s is not an object\n", a->q.path.data);
		rc = CLI_EXIT_FAIL;
	}
	if (!rc && cli->format == OUTPUT_JSON)
		output_json_text(stdout, resp.body.data, resp.body.len);
	else if (!rc)
		print_metrics(cli, resp.json);
	if (!rc && cli->format == OUTPUT_TABLE)
		rc = print_tempo_series(cli, a, resp.json);
	client_resp_release(&resp);
	return rc;
}

static const char usage_metrics[] =
	"usage: ratchet metrics [--service S] [--impact I] [--io-only] [--from T] [--to T]\n"
	"                       [--policy P] [--sustain W] [--rolling D]\n"
	"       ratchet metrics --fit-pilot --changes FILE [--drills FILE]\n"
	"                       [--category-map FILE] [--asof T]\n\n"
	"Prints the register's governance figures (GET /v1/metrics) over a window: VL\n"
	"(validation lag; open evaluations right-censored, Kaplan-Meier), RDPR (drills\n"
	"passed, Wilson 95%%), GBR (bypassed / required gates of high-impact changes; per\n"
	"week, per IO change), tempo (tau_u, tau_g, their ratio and Little's L), the IO\n"
	"accumulation shape and false stability; each with its threshold and status\n"
	"(ok, warn, breach; coloured on a terminal unless NO_COLOR is set). A figure\n"
	"that cannot be computed is '-' with the reason. Sparklines follow: GBR per\n"
	"week and the rolling tempo ratio.\n\n"
	"Output: the table; -o json the API's JSON unchanged; -o csv one row per figure:\n"
	"figure,value,lower,upper,numerator,denominator,threshold,status,reason\n"
	"(durations in seconds, fractions as fractions).\n\n"
	"%s"
	"  --policy P      thresholds of this active policy only (default: the strictest\n"
	"                  of all active policies, the longest window; 30d when none)\n"
	"  --sustain W     points of the tempo ratio series that must all lie above the\n"
	"                  threshold for it to count as sustained (default 10, at most\n"
	"                  10000)\n"
	"  --rolling D     span of the rolling tempo series (default 7d)\n\n"
	"With --fit-pilot, offline (no server, no token): reads a FIT pilot pack (CSV\n"
	"files as 'ratchet import fit-pilot' takes them), validates it (problems as\n"
	"FILE:LINE: field: message, exit 2) and prints the pack's own figures beside\n"
	"ratchet's censored ones, and how many IO changes lack a closure. -o json is\n"
	"the 'figures' object the import returns.\n\n"
	"  --changes FILE       the pack's changes.csv\n"
	"  --drills FILE        the pack's drills.csv (default: none; RDPR is then null)\n"
	"  --category-map FILE  YAML mapping of the pack's category names to ratchet's\n"
	"  --asof T             censor open evaluations at T (default: the pack's latest\n"
	"                       timestamp)\n";

int cmd_metrics(struct cli *cli, int argc, char **argv)
{
	if (cli_wants_help(argc, argv)) {
		printf(usage_metrics, cmd_metrics_scope_help);
		return CLI_EXIT_OK;
	}
	struct metrics_args a;
	memset(&a, 0, sizeof(a));
	cmd_metrics_query_init(&a.q, "/v1/metrics");
	int rc = parse_metrics(&a, argc, argv);
	if (!rc && a.fit_pilot)
		rc = cmd_fit_pilot_offline(cli, &a.files, a.asof);
	else if (!rc)
		rc = run_metrics(cli, &a);
	cmd_metrics_query_release(&a.q);
	return rc;
}
