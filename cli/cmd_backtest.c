/* ratchet backtest: backtest the IO register against outcomes on the server (POST
 * /v1/backtests, which stores the run), show a stored backtest (exactly as stored) and list
 * them. The request is checked here with core's own reader of it first, so a bad window,
 * horizon or list is a usage error naming the option. Output: a readable summary (the missed
 * outcomes first), the API's JSON, core's CSV of the exposures, or core's Markdown report. */
#include "common.h"

#include <getopt.h>
#include <time.h>

#include "backtest.h"
#include "cli.h"
#include "cmd_backtest.h"
#include "err.h"
#include "rtime.h"

enum backtest_opt {
	OPT_FROM = 256,
	OPT_TO,
	OPT_QUARTER,
	OPT_HORIZON,
	OPT_OUTCOMES,
	OPT_IMPACT,
	OPT_SERVICE,
	OPT_INCLUDE_CANDIDATES,
	OPT_POPULATION,
	OPT_DATA_END,
	OPT_FOLLOW_UP,
};

/* ---- the request ------------------------------------------------------------------------- */

/* The option that sets a request member, for messages. */
static const char *option_of(const char *field)
{
	static const char *const map[][2] = {
		{"from", "--from"},
		{"to", "--to"},
		{"quarter", "--quarter"},
		{"horizon", "--horizon"},
		{"data_end", "--data-end"},
		{"outcomes", "--outcomes"},
		{"impact", "--impact"},
		{"service", "--service"},
		{"population", "--population"},
		{"include_candidates", "--include-candidates"},
		{"follow_up_is_outcome", "--follow-up-is-outcome"},
	};
	for (size_t i = 0; field && i < ARRAY_SIZE(map); i++)
		if (strcmp(field, map[i][0]) == 0)
			return map[i][1];
	return field ? field : "request";
}

int cmd_backtest_check(const char *cmd, const cJSON *body)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	struct backtest_params p;
	struct err err;
	err_init(&err);
	if (backtest_params_from_json(body, now, &p, &err) == 0)
		return 0;
	if (err.n_details == 0)
		return cli_usage(cmd, "%s", err.message);
	for (int i = 0; i < err.n_details; i++)
		fprintf(stderr, "ratchet: %s: %s: %s\n", cmd, option_of(err.details[i].field),
			err.details[i].message);
	fprintf(stderr, "ratchet: see 'ratchet %s --help'\n", cmd);
	return CLI_EXIT_USAGE;
}

char *cmd_backtest_when(const char *value)
{
	if (strlen(value) == 10 && value[4] == '-' && value[7] == '-')
		return xasprintf("%sT00:00:00Z", value);
	return xstrdup(value);
}

/* "a,b,c" as a JSON array of strings (empty items kept, so the check names them). */
static cJSON *list_of(const char *text)
{
	cJSON *a = cJSON_CreateArray();
	const char *p = text;
	for (;;) {
		size_t len = strcspn(p, ",");
		char *item = xstrndup(p, len);
		cJSON_AddItemToArray(a, cJSON_CreateString(item));
		free(item);
		if (!p[len])
			break;
		p += len + 1;
	}
	return a;
}

/* Adds option c's value to body; a repeated option is refused by getopt's start. */
static void add_option(cJSON *body, int c, const char *arg)
{
	char *when;
	switch (c) {
	case OPT_FROM:
	case OPT_TO:
	case OPT_DATA_END:
		when = cmd_backtest_when(arg);
		cJSON_AddStringToObject(body,
					c == OPT_FROM ? "from"
					: c == OPT_TO ? "to"
						      : "data_end",
					when);
		free(when);
		return;
	case OPT_QUARTER:
		cJSON_AddStringToObject(body, "quarter", arg);
		return;
	case OPT_HORIZON:
		cJSON_AddStringToObject(body, "horizon", arg);
		return;
	case OPT_OUTCOMES:
		cJSON_AddItemToObject(body, "outcomes", list_of(arg));
		return;
	case OPT_IMPACT:
		cJSON_AddItemToObject(body, "impact", list_of(arg));
		return;
	case OPT_SERVICE:
		cJSON_AddStringToObject(body, "service", arg);
		return;
	case OPT_INCLUDE_CANDIDATES:
		cJSON_AddTrueToObject(body, "include_candidates");
		return;
	case OPT_POPULATION:
		cJSON_AddStringToObject(body, "population", arg);
		return;
	case OPT_FOLLOW_UP:
		cJSON_AddTrueToObject(body, "follow_up_is_outcome");
		return;
	default:
		return;
	}
}

/* ---- reading the answer ---------------------------------------------------------------- */

static const cJSON *get(const cJSON *o, const char *name)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
}

static const char *str(const cJSON *o, const char *name)
{
	const cJSON *v = get(o, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- output ------------------------------------------------------------------------------ */

/* Prints a backtest answer ({id, created_at, created_by, input_hash, result}) in cli's format. */
static int print_backtest(const struct cli *cli, const struct client_resp *resp)
{
	if (cli->format == OUTPUT_JSON) {
		output_json_text(stdout, resp->body.data, resp->body.len);
		return CLI_EXIT_OK;
	}
	const cJSON *v = get(resp->json, "result");
	struct err err;
	err_init(&err);
	char *text = NULL;
	if (cli->format == OUTPUT_TABLE) {
		cmd_backtest_print_table(resp->json);
		return CLI_EXIT_OK;
	}
	text = cli->format == OUTPUT_CSV ? backtest_to_csv(v, &err)
					 : backtest_to_markdown(v, 1, &err);
	if (!text)
		return cli_report(cli, &err);
	fputs(text, stdout);
	if (cli->format == OUTPUT_MD)
		printf("\nStored as backtest %.0f by %s at %s.\n",
		       output_number_of(get(resp->json, "id")),
		       cli_or_dash(str(resp->json, "created_by")),
		       cli_or_dash(str(resp->json, "created_at")));
	free(text);
	return CLI_EXIT_OK;
}

/* ---- commands ---------------------------------------------------------------------------- */

static const char usage_run[] =
	"usage: ratchet backtest (--from T --to T | --quarter YYYYQn) [--horizon D]\n"
	"                        [--outcomes K[,K]] [--impact I[,I]] [--service S]\n"
	"                        [--include-candidates] [--population reviewed|all]\n"
	"                        [--data-end T] [--follow-up-is-outcome]\n"
	"                        [-o table|json|csv|md]\n"
	"       ratchet backtest show ID [-o table|json|csv|md]\n"
	"       ratchet backtest ls [--limit N] [--cursor C] [--all]\n\n"
	"Backtests the IO register against outcomes on the server (POST /v1/backtests), which\n"
	"stores the run with its parameters, a hash of the rows it read and its result:\n"
	"changes effective in the window (reviewed ones; --population all adds unreviewed\n"
	"ones, reported as such), exposed when they carry a confirmed IO made before the\n"
	"outcome (and each category), with an outcome when a stored link ties them to an\n"
	"incident, rollback or near miss within the horizon; changes whose horizon runs past\n"
	"the end of the data are left out and counted. Per exposure: the 2x2 table, risks,\n"
	"risk and odds ratios with 95% intervals, Fisher's exact p (Holm-adjusted across\n"
	"categories), the Mantel-Haenszel odds ratio by impact, precision, recall and lead\n"
	"times. The outcomes the register missed come first; labels made after the outcome\n"
	"are kept apart. Re-running on the same rows gives the same numbers and input hash.\n\n"
	"  --from T, --to T       the window on effective_at, [from, to): RFC 3339 with an\n"
	"                         offset, or YYYY-MM-DD (midnight UTC)\n"
	"  --quarter YYYYQn       a calendar quarter instead (2026Q3)\n"
	"  --horizon D            how long after a change an outcome counts (default 30d)\n"
	"  --outcomes K[,K]       incident, rollback, near_miss (default all three)\n"
	"  --impact I[,I]         low, medium, high (default all)\n"
	"  --service S            one service (default all)\n"
	"  --include-candidates   candidate IOs (made by import rules) expose too\n"
	"  --population P         reviewed (default) or all\n"
	"  --data-end T           the end of the data (default now): later IOs and outcomes\n"
	"                         are outside it; give it to re-run a backtest exactly\n"
	"  --follow-up-is-outcome follow_up links count as outcome links\n\n"
	"Output: a summary (table); -o json the API's answer {id, created_at, created_by,\n"
	"input_hash, result} unchanged; -o csv one row per exposure (and hindsight) with\n"
	"every figure and the reasons for the null ones; -o md the Markdown report.\n"
	"Bad parameters are usage errors (exit 2) naming the option.\n";

static const char usage_show[] =
	"usage: ratchet backtest show ID [-o table|json|csv|md]\n\n"
	"Prints a stored backtest exactly as it was stored (GET /v1/backtests/ID), in the\n"
	"formats of 'ratchet backtest'.\n";

static const char usage_ls[] =
	"usage: ratchet backtest ls [--limit N] [--cursor C] [--all]\n\n"
	"Lists stored backtests (GET /v1/backtests): id, when and by whom, the window,\n"
	"horizon, scope, population, outcomes counted and the input hash.\n";

static int backtest_run_cmd(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"from", required_argument, NULL, OPT_FROM},
		{"to", required_argument, NULL, OPT_TO},
		{"quarter", required_argument, NULL, OPT_QUARTER},
		{"horizon", required_argument, NULL, OPT_HORIZON},
		{"outcomes", required_argument, NULL, OPT_OUTCOMES},
		{"impact", required_argument, NULL, OPT_IMPACT},
		{"service", required_argument, NULL, OPT_SERVICE},
		{"include-candidates", no_argument, NULL, OPT_INCLUDE_CANDIDATES},
		{"population", required_argument, NULL, OPT_POPULATION},
		{"data-end", required_argument, NULL, OPT_DATA_END},
		{"follow-up-is-outcome", no_argument, NULL, OPT_FOLLOW_UP},
		{NULL, 0, NULL, 0},
	};
	cJSON *body = cJSON_CreateObject();
	int c, rc = cli_getopt_start("backtest", argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c < OPT_FROM)
			rc = cli_bad_option("backtest", c, argv);
		else
			add_option(body, c, optarg);
	}
	if (!rc)
		rc = cli_no_operand("backtest", argc, argv);
	if (!rc)
		rc = cmd_backtest_check("backtest", body);
	struct client_resp resp;
	client_resp_init(&resp);
	if (!rc)
		rc = cli_call(cli, "POST", "/v1/backtests", body, &resp);
	if (!rc)
		rc = print_backtest(cli, &resp);
	client_resp_release(&resp);
	cJSON_Delete(body);
	return rc;
}

static int backtest_show(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {{NULL, 0, NULL, 0}};
	const char *id = NULL;
	int c, rc = cli_getopt_start("backtest show", argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		rc = cli_bad_option("backtest show", c, argv);
	if (!rc)
		rc = cli_one_operand("backtest show", "ID", argc, argv, &id);
	if (!rc)
		rc = cli_check_id("backtest show", id);
	struct client_resp resp;
	client_resp_init(&resp);
	char *path = rc ? NULL : cli_ref_path("backtests", id, "");
	if (!rc)
		rc = cli_call(cli, "GET", path, NULL, &resp);
	if (!rc)
		rc = print_backtest(cli, &resp);
	free(path);
	client_resp_release(&resp);
	return rc;
}

static char *render_window(const cJSON *item)
{
	const cJSON *p = get(item, "parameters");
	const char *from = str(p, "from"), *to = str(p, "to");
	return from && to ? xasprintf("%.10s..%.10s", from, to) : NULL;
}
static char *render_param(const cJSON *item, const char *name)
{
	return output_member(get(item, "parameters"), name);
}
static char *render_horizon(const cJSON *item)
{
	return render_param(item, "horizon");
}
static char *render_service(const cJSON *item)
{
	char *s = render_param(item, "service");
	return s ? s : xstrdup("all");
}
static char *render_population(const cJSON *item)
{
	return render_param(item, "population");
}
static char *render_counted(const cJSON *item)
{
	return output_member(get(item, "counts"), "population");
}
static char *render_outcomes(const cJSON *item)
{
	return output_member(get(item, "counts"), "outcomes");
}

static const struct output_column ls_columns[] = {
	{"ID", "id", NULL},
	{"CREATED_AT", "created_at", NULL},
	{"CREATED_BY", "created_by", NULL},
	{"WINDOW", NULL, render_window},
	{"HORIZON", NULL, render_horizon},
	{"SERVICE", NULL, render_service},
	{"POPULATION", NULL, render_population},
	{"CHANGES", NULL, render_counted},
	{"OUTCOMES", NULL, render_outcomes},
	{"INPUT_HASH", "input_hash", NULL},
};

static int backtest_ls(struct cli *cli, int argc, char **argv)
{
	if (cli->format == OUTPUT_MD)
		return cli_usage("backtest ls", "-o md is for a backtest, not the list");
	static const struct cli_ls ls = {"backtest ls", "/v1/backtests", NULL, 0};
	return cli_ls_run(cli, &ls, argc, argv, ls_columns, ARRAY_SIZE(ls_columns));
}

int cmd_backtest(struct cli *cli, int argc, char **argv)
{
	static const struct cli_verb verbs[] = {
		{"show", backtest_show, "show a stored backtest exactly as stored", usage_show},
		{"ls", backtest_ls, "list stored backtests", usage_ls},
	};
	/* Without a verb (options first) it runs a backtest. */
	if (argc < 2 || argv[1][0] == '-') {
		if (cli_wants_help(argc, argv)) {
			fputs(usage_run, stdout);
			return CLI_EXIT_OK;
		}
		return backtest_run_cmd(cli, argc, argv);
	}
	return cli_dispatch(cli, "backtest", "backtest the IO register against outcomes", verbs,
			    ARRAY_SIZE(verbs), argc, argv);
}
