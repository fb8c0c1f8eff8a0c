/* ratchet drill: record, list and show rollback drills (the evidence drill
 * gates and RDPR read). */
#include "common.h"

#include <getopt.h>

#include "cli.h"
#include "duration.h"
#include "err.h"
#include "model.h"
#include "rtime.h"

enum drill_opt {
	OPT_SERVICE = 256,
	OPT_CHANGE,
	OPT_PERFORMED_AT,
	OPT_RTO_TARGET,
	OPT_RPO_TARGET,
	OPT_RTO_ACTUAL,
	OPT_RPO_ACTUAL,
	OPT_OUTCOME,
	OPT_NOTES,
};

static const struct model_names outcome_names = {
	(const char *const[]){"restored", "failed", "aborted"}, 3, "restored, failed, aborted"};

/* "actual / target", "- / target" when unmeasured. */
static char *render_pair(const cJSON *drill, const char *actual, const char *target)
{
	char *a = output_member(drill, actual);
	char *t = output_member(drill, target);
	char *text = xasprintf("%s / %s", cli_or_dash(a), cli_or_dash(t));
	free(a);
	free(t);
	return text;
}

static char *render_rto(const cJSON *drill)
{
	return render_pair(drill, "rto_actual", "rto_target");
}

static char *render_rpo(const cJSON *drill)
{
	return render_pair(drill, "rpo_actual", "rpo_target");
}

static const struct output_column drill_columns[] = {
	{"ID", "id", NULL},
	{"SERVICE", "service", NULL},
	{"PERFORMED_AT", "performed_at", NULL},
	{"OUTCOME", "outcome", NULL},
	{"RTO", NULL, render_rto},
	{"RPO", NULL, render_rpo},
	{"PASSED", "passed", NULL},
	{"REASON", "reason", NULL},
};

static void print_drill(const struct cli *cli, const struct client_resp *resp)
{
	const cJSON *d = resp->json;
	char *id = output_member(d, "id");
	char *service = output_member(d, "service");
	char *outcome = output_member(d, "outcome");
	char *reason = output_member(d, "reason");
	bool passed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "passed"));
	char *summary =
		xasprintf("drill %s of %s: %s, %s%s%s%s", cli_or_dash(id), cli_or_dash(service),
			  cli_or_dash(outcome), passed ? "passed" : "not passed",
			  reason ? " (" : "", reason ? reason : "", reason ? ")" : "");
	cli_print_one(cli, resp, drill_columns, ARRAY_SIZE(drill_columns), summary);
	free(summary);
	free(id);
	free(service);
	free(outcome);
	free(reason);
}

/* drill add */

static int add_duration(const char *opt, const char *field, const char *text, cJSON *body)
{
	int64_t seconds;
	struct err err;
	err_init(&err);
	if (duration_parse(text, &seconds, &err) < 0)
		return cli_usage("drill add", "invalid value '%s' for %s: %s", text, opt,
				 err.message);
	cJSON_AddStringToObject(body, field, text);
	return 0;
}

static int add_option(cJSON *body, int c, const char *arg, char **argv)
{
	const char *cmd = "drill add";
	switch (c) {
	case OPT_SERVICE:
		cJSON_AddStringToObject(body, "service", arg);
		return 0;
	case OPT_CHANGE:
		cJSON_AddStringToObject(body, "change", arg);
		return 0;
	case OPT_PERFORMED_AT:
		if (cli_check_time(cmd, "--performed-at", arg))
			return CLI_EXIT_USAGE;
		cJSON_AddStringToObject(body, "performed_at", arg);
		return 0;
	case OPT_RTO_TARGET:
		return add_duration("--rto-target", "rto_target", arg, body);
	case OPT_RPO_TARGET:
		return add_duration("--rpo-target", "rpo_target", arg, body);
	case OPT_RTO_ACTUAL:
		return add_duration("--rto-actual", "rto_actual", arg, body);
	case OPT_RPO_ACTUAL:
		return add_duration("--rpo-actual", "rpo_actual", arg, body);
	case OPT_OUTCOME:
		if (cli_check_name(cmd, "--outcome", arg, &outcome_names))
			return CLI_EXIT_USAGE;
		cJSON_AddStringToObject(body, "outcome", arg);
		return 0;
	case OPT_NOTES:
		cJSON_AddStringToObject(body, "notes", arg);
		return 0;
	default:
		return cli_bad_option(cmd, c, argv);
	}
}

static int require(const cJSON *body, const char *field, const char *opt)
{
	if (cJSON_HasObjectItem(body, field))
		return 0;
	return cli_usage("drill add", "missing %s", opt);
}

static int drill_add(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"service", required_argument, NULL, OPT_SERVICE},
		{"change", required_argument, NULL, OPT_CHANGE},
		{"performed-at", required_argument, NULL, OPT_PERFORMED_AT},
		{"rto-target", required_argument, NULL, OPT_RTO_TARGET},
		{"rpo-target", required_argument, NULL, OPT_RPO_TARGET},
		{"rto-actual", required_argument, NULL, OPT_RTO_ACTUAL},
		{"rpo-actual", required_argument, NULL, OPT_RPO_ACTUAL},
		{"outcome", required_argument, NULL, OPT_OUTCOME},
		{"notes", required_argument, NULL, OPT_NOTES},
		{NULL, 0, NULL, 0},
	};
	cJSON *body = cJSON_CreateObject();
	int c, rc = cli_getopt_start("drill add", argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		rc = add_option(body, c, optarg, argv);
	if (!rc)
		rc = cli_no_operand("drill add", argc, argv);
	if (!rc)
		rc = require(body, "service", "--service");
	if (!rc)
		rc = require(body, "rto_target", "--rto-target");
	if (!rc)
		rc = require(body, "rpo_target", "--rpo-target");
	if (!rc)
		rc = require(body, "outcome", "--outcome");
	if (!rc && !cJSON_HasObjectItem(body, "performed_at")) {
		char now[RTIME_BUFSZ];
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		rtime_format((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000, now);
		cJSON_AddStringToObject(body, "performed_at", now);
	}
	struct client_resp resp;
	client_resp_init(&resp);
	if (!rc)
		rc = cli_call(cli, "POST", "/v1/drills", body, &resp);
	if (!rc)
		print_drill(cli, &resp);
	client_resp_release(&resp);
	cJSON_Delete(body);
	return rc;
}

/* drill ls */

static int drill_ls(struct cli *cli, int argc, char **argv)
{
	static const struct cli_ls_filter filters[] = {
		{"service", "service", NULL, false},
		{"since", "since", NULL, true},
		{"until", "until", NULL, true},
	};
	static const struct cli_ls ls = {"drill ls", "/v1/drills", filters, ARRAY_SIZE(filters)};
	return cli_ls_run(cli, &ls, argc, argv, drill_columns, ARRAY_SIZE(drill_columns));
}

/* drill show */

static void show_fields(const cJSON *drill)
{
	static const char *const fields[] = {
		"id",	      "service",    "change_id",   "performed_at", "outcome",
		"rto_target", "rto_actual", "rpo_target",  "rpo_actual",   "passed",
		"reason",     "notes",	    "recorded_at", "recorded_by",
	};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		char *value = output_member(drill, fields[i]);
		output_field(stdout, fields[i], value);
		free(value);
	}
}

static int drill_show(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {{NULL, 0, NULL, 0}};
	const char *id = NULL;
	int c, rc = cli_getopt_start("drill show", argc, argv, options);
	if (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		rc = cli_bad_option("drill show", c, argv);
	if (!rc)
		rc = cli_one_operand("drill show", "ID", argc, argv, &id);
	if (!rc)
		rc = cli_check_id("drill show", id);
	if (rc)
		return rc;
	struct client_resp resp;
	client_resp_init(&resp);
	char *path = cli_ref_path("drills", id, "");
	rc = cli_call(cli, "GET", path, NULL, &resp);
	free(path);
	if (!rc && cli->format == OUTPUT_TABLE)
		show_fields(resp.json);
	else if (!rc)
		cli_print_one(cli, &resp, drill_columns, ARRAY_SIZE(drill_columns), NULL);
	client_resp_release(&resp);
	return rc;
}

static const char usage_add[] =
	"usage: ratchet drill add --service S [--change REF] [--performed-at TS]\n"
	"                         --rto-target D --rpo-target D [--rto-actual D]\n"
	"                         [--rpo-actual D] --outcome restored|failed|aborted\n"
	"                         [--notes TEXT]\n\n"
	"Records a rollback drill (POST /v1/drills). A drill passes when it restored\n"
	"service with both actuals measured and within their targets; an aborted or\n"
	"unmeasured drill is a failed drill. Drill gates of the service's changes read it.\n\n"
	"  --service S        the service drilled\n"
	"  --change REF       the change it was drilled for (ID or SERVICE:KEY, same service)\n"
	"  --performed-at TS  when (RFC 3339 with offset; default now)\n"
	"  --rto-target D     recovery time objective (durations: 90s, 15m, 1h, 2d)\n"
	"  --rpo-target D     recovery point objective\n"
	"  --rto-actual D     measured recovery time (absent: unmeasured)\n"
	"  --rpo-actual D     measured data loss window (absent: unmeasured)\n"
	"  --outcome O        restored, failed or aborted\n"
	"  --notes TEXT       free text\n";

static const char usage_ls[] =
	"usage: ratchet drill ls [--service S] [--since TS] [--until TS] [--limit N]\n"
	"                        [--cursor C] [--all]\n\n"
	"Lists drills by ID (GET /v1/drills), one page unless --all.\n\n"
	"  --service S     only this service\n"
	"  --since TS      performed at or after TS (RFC 3339)\n"
	"  --until TS      performed before TS (RFC 3339)\n"
	"  --limit N       page size, 1 to 1000 (server default 100)\n"
	"  --cursor C      start at this cursor (printed on stderr when more pages follow)\n"
	"  --all           follow the cursor and print every page\n";

static const char usage_show[] = "usage: ratchet drill show ID\n\n"
				 "Shows one drill (GET /v1/drills/{id}), whether it passed and why "
				 "not.\n";

static const struct cli_verb drill_verbs[] = {
	{"add", drill_add, "record a rollback drill", usage_add},
	{"ls", drill_ls, "list drills", usage_ls},
	{"show", drill_show, "show one drill", usage_show},
};

int cmd_drill(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, "drill", "Records, lists and shows rollback drills.", drill_verbs,
			    ARRAY_SIZE(drill_verbs), argc, argv);
}
