/* ratchet incident: record, list and show outcomes (incidents, rollbacks, near misses), link
 * one to the change that caused it, and the explicit link-window step. */
#include "common.h"

#include <getopt.h>

#include "backtest.h"
#include "cli.h"
#include "duration.h"
#include "err.h"
#include "model.h"
#include "rtime.h"

enum incident_opt {
	OPT_KIND = 256,
	OPT_SEVERITY,
	OPT_SERVICE,
	OPT_EXTERNAL_KEY,
	OPT_TITLE,
	OPT_OCCURRED_AT,
	OPT_DETECTED_AT,
	OPT_RESOLVED_AT,
	OPT_CHANGE,
	OPT_HORIZON,
	OPT_KINDS,
};

static const struct output_column incident_columns[] = {
	{"ID", "id", NULL},
	{"SERVICE", "service", NULL},
	{"KIND", "kind", NULL},
	{"SEVERITY", "severity", NULL},
	{"KEY", "external_key", NULL},
	{"OCCURRED_AT", "occurred_at", NULL},
	{"SOURCE", "source", NULL},
	{"TITLE", "title", NULL},
};

static const struct output_column link_columns[] = {
	{"ID", "id", NULL},
	{"INCIDENT", "incident_id", NULL},
	{"CHANGE", "change", NULL},
	{"HOW", "how", NULL},
	{"RULE", "rule", NULL},
	{"RULE_VERSION", "rule_version", NULL},
	{"CREATED_AT", "created_at", NULL},
	{"CREATED_BY", "created_by", NULL},
};

/* "incident ID SERVICE:KEY KIND (SEVERITY): TITLE" followed by note (may be NULL). */
static void print_incident(const struct cli *cli, const struct client_resp *resp, const char *note)
{
	const cJSON *inc = resp->json;
	char *id = output_member(inc, "id");
	char *service = output_member(inc, "service");
	char *key = output_member(inc, "external_key");
	char *kind = output_member(inc, "kind");
	char *severity = output_member(inc, "severity");
	char *title = output_member(inc, "title");
	char *summary = xasprintf("incident %s %s%s%s %s (%s): %s%s", cli_or_dash(id),
				  cli_or_dash(service), key ? ":" : "", key ? key : "",
				  cli_or_dash(kind), severity ? severity : "no severity",
				  cli_or_dash(title), note ? note : "");
	cli_print_one(cli, resp, incident_columns, ARRAY_SIZE(incident_columns), summary);
	free(summary);
	free(id);
	free(service);
	free(key);
	free(kind);
	free(severity);
	free(title);
}

static void set_string(cJSON *body, const char *field, const char *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(body, field);
	cJSON_AddStringToObject(body, field, value);
}

/* incident add */

static int add_time(const char *opt, const char *field, const char *arg, cJSON *body)
{
	if (cli_check_time("incident add", opt, arg))
		return CLI_EXIT_USAGE;
	set_string(body, field, arg);
	return 0;
}

static int add_option(cJSON *body, int c, const char *arg, char **argv)
{
	const char *cmd = "incident add";
	switch (c) {
	case OPT_KIND:
		if (cli_check_name(cmd, "--kind", arg, &backtest_kind_names))
			return CLI_EXIT_USAGE;
		set_string(body, "kind", arg);
		return 0;
	case OPT_SEVERITY:
		if (cli_check_name(cmd, "--severity", arg, &backtest_severity_names))
			return CLI_EXIT_USAGE;
		set_string(body, "severity", arg);
		return 0;
	case OPT_SERVICE:
		set_string(body, "service", arg);
		return 0;
	case OPT_EXTERNAL_KEY:
		set_string(body, "external_key", arg);
		return 0;
	case OPT_TITLE:
		set_string(body, "title", arg);
		return 0;
	case OPT_OCCURRED_AT:
		return add_time("--occurred-at", "occurred_at", arg, body);
	case OPT_DETECTED_AT:
		return add_time("--detected-at", "detected_at", arg, body);
	case OPT_RESOLVED_AT:
		return add_time("--resolved-at", "resolved_at", arg, body);
	default:
		return cli_bad_option(cmd, c, argv);
	}
}

static int require(const cJSON *body, const char *field, const char *opt)
{
	if (cJSON_HasObjectItem(body, field))
		return 0;
	return cli_usage("incident add", "missing %s", opt);
}

static int incident_add(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"kind", required_argument, NULL, OPT_KIND},
		{"severity", required_argument, NULL, OPT_SEVERITY},
		{"service", required_argument, NULL, OPT_SERVICE},
		{"key", required_argument, NULL, OPT_EXTERNAL_KEY},
		{"title", required_argument, NULL, OPT_TITLE},
		{"occurred-at", required_argument, NULL, OPT_OCCURRED_AT},
		{"detected-at", required_argument, NULL, OPT_DETECTED_AT},
		{"resolved-at", required_argument, NULL, OPT_RESOLVED_AT},
		{NULL, 0, NULL, 0},
	};
	cJSON *body = cJSON_CreateObject();
	int c, rc = cli_getopt_start("incident add", argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		rc = add_option(body, c, optarg, argv);
	if (!rc)
		rc = cli_no_operand("incident add", argc, argv);
	if (!rc)
		rc = require(body, "kind", "--kind");
	if (!rc)
		rc = require(body, "service", "--service");
	if (!rc)
		rc = require(body, "title", "--title");
	if (!rc)
		rc = require(body, "occurred_at", "--occurred-at");
	struct client_resp resp;
	client_resp_init(&resp);
	if (!rc)
		rc = cli_call(cli, "POST", "/v1/incidents", body, &resp);
	if (!rc)
		print_incident(cli, &resp, NULL);
	client_resp_release(&resp);
	cJSON_Delete(body);
	return rc;
}

/* incident ls */

static int incident_ls(struct cli *cli, int argc, char **argv)
{
	static const struct cli_ls_filter filters[] = {
		{"service", "service", NULL, false},
		{"kind", "kind", &backtest_kind_names, false},
		{"since", "since", NULL, true},
		{"until", "until", NULL, true},
	};
	static const struct cli_ls ls = {"incident ls", "/v1/incidents", filters,
					 ARRAY_SIZE(filters)};
	return cli_ls_run(cli, &ls, argc, argv, incident_columns, ARRAY_SIZE(incident_columns));
}

/* incident show */

static void show_fields(const cJSON *inc)
{
	static const char *const fields[] = {
		"id",		"service", "kind",	  "severity",
		"external_key", "title",   "occurred_at", "detected_at",
		"resolved_at",	"source",  "created_at",  "created_by",
	};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		char *value = output_member(inc, fields[i]);
		output_field(stdout, fields[i], value);
		free(value);
	}
	const cJSON *links = cJSON_GetObjectItemCaseSensitive(inc, "links");
	if (cJSON_GetArraySize(links) == 0) {
		output_field(stdout, "links", "none");
		return;
	}
	fputc('\n', stdout);
	output_list(stdout, OUTPUT_TABLE, link_columns, ARRAY_SIZE(link_columns), links);
}

/* Parses a verb that takes only the operand REF. */
static int only_ref(const char *cmd, int argc, char **argv, const char **ref)
{
	static const struct option options[] = {{NULL, 0, NULL, 0}};
	int c, rc = cli_getopt_start(cmd, argc, argv, options);
	if (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		rc = cli_bad_option(cmd, c, argv);
	if (!rc)
		rc = cli_one_operand(cmd, "REF", argc, argv, ref);
	return rc;
}

static int incident_show(struct cli *cli, int argc, char **argv)
{
	const char *ref = NULL;
	int rc = only_ref("incident show", argc, argv, &ref);
	if (rc)
		return rc;
	struct client_resp resp;
	client_resp_init(&resp);
	char *path = cli_ref_path("incidents", ref, "");
	rc = cli_call(cli, "GET", path, NULL, &resp);
	free(path);
	if (!rc && cli->format == OUTPUT_TABLE)
		show_fields(resp.json);
	else if (!rc)
		cli_print_one(cli, &resp, incident_columns, ARRAY_SIZE(incident_columns), NULL);
	client_resp_release(&resp);
	return rc;
}

/* incident link */

static int incident_link(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"change", required_argument, NULL, OPT_CHANGE},
		{NULL, 0, NULL, 0},
	};
	const char *cmd = "incident link", *ref = NULL, *change = NULL;
	int c, rc = cli_getopt_start(cmd, argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c == OPT_CHANGE)
			change = optarg;
		else
			rc = cli_bad_option(cmd, c, argv);
	}
	if (!rc)
		rc = cli_one_operand(cmd, "REF", argc, argv, &ref);
	if (!rc && !change)
		rc = cli_usage(cmd, "missing --change");
	if (rc)
		return rc;
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "change", change);
	cJSON_AddStringToObject(body, "how", "explicit");
	struct client_resp resp;
	client_resp_init(&resp);
	char *path = cli_ref_path("incidents", ref, "/links");
	rc = cli_call(cli, "POST", path, body, &resp);
	free(path);
	if (!rc) {
		const cJSON *link = cJSON_GetObjectItemCaseSensitive(resp.json, "link");
		char *link_id = output_member(link, "id");
		char *linked = output_member(link, "change");
		char *note = xasprintf("\nlinked to change %s (link %s, explicit)",
				       cli_or_dash(linked), cli_or_dash(link_id));
		print_incident(cli, &resp, note);
		free(note);
		free(link_id);
		free(linked);
	}
	client_resp_release(&resp);
	cJSON_Delete(body);
	return rc;
}

/* incident link-window */

/* --kinds a,b: each must be a kind; the list goes to the body as an array. */
static int add_kinds(const char *cmd, const char *arg, cJSON *body)
{
	cJSON *arr = cJSON_CreateArray();
	const char *p = arg;
	for (;;) {
		size_t len = strcspn(p, ",");
		char *name = xstrndup(p, len);
		int bad = cli_check_name(cmd, "--kinds", name, &backtest_kind_names);
		if (!bad)
			cJSON_AddItemToArray(arr, cJSON_CreateString(name));
		free(name);
		if (bad) {
			cJSON_Delete(arr);
			return CLI_EXIT_USAGE;
		}
		if (!p[len])
			break;
		p += len + 1;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(body, "kinds");
	cJSON_AddItemToObject(body, "kinds", arr);
	return 0;
}

static int window_option(const char *cmd, cJSON *body, int c, const char *arg, char **argv)
{
	int64_t seconds;
	struct err err;
	err_init(&err);
	switch (c) {
	case OPT_HORIZON:
		if (duration_parse(arg, &seconds, &err) < 0)
			return cli_usage(cmd, "invalid value '%s' for --horizon: %s", arg,
					 err.message);
		set_string(body, "horizon", arg);
		return 0;
	case OPT_SERVICE:
		set_string(body, "service", arg);
		return 0;
	case OPT_KINDS:
		return add_kinds(cmd, arg, body);
	default:
		return cli_bad_option(cmd, c, argv);
	}
}

static void print_window(const struct cli *cli, const struct client_resp *resp)
{
	const cJSON *o = resp->json;
	const cJSON *links = cJSON_GetObjectItemCaseSensitive(o, "links");
	if (cli->format == OUTPUT_JSON) {
		output_json_text(stdout, resp->body.data, resp->body.len);
		return;
	}
	if (cli->format == OUTPUT_CSV) {
		output_list(stdout, OUTPUT_CSV, link_columns, ARRAY_SIZE(link_columns), links);
		return;
	}
	char *unlinked = output_member(o, "outcomes_unlinked");
	char *linked = output_member(o, "outcomes_linked");
	char *without = output_member(o, "outcomes_without_change");
	char *made = output_member(o, "links_made");
	char *horizon = output_member(o, "horizon");
	printf("%s outcome(s) without a link: %s linked by %s window link(s) (horizon %s), "
	       "%s with no change of their service in the horizon\n",
	       cli_or_dash(unlinked), cli_or_dash(linked), cli_or_dash(made), cli_or_dash(horizon),
	       cli_or_dash(without));
	if (cJSON_GetArraySize(links) > 0) {
		fputc('\n', stdout);
		output_list(stdout, OUTPUT_TABLE, link_columns, ARRAY_SIZE(link_columns), links);
	}
	free(unlinked);
	free(linked);
	free(without);
	free(made);
	free(horizon);
}

static int incident_link_window(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"horizon", required_argument, NULL, OPT_HORIZON},
		{"service", required_argument, NULL, OPT_SERVICE},
		{"kinds", required_argument, NULL, OPT_KINDS},
		{NULL, 0, NULL, 0},
	};
	const char *cmd = "incident link-window";
	cJSON *body = cJSON_CreateObject();
	int c, rc = cli_getopt_start(cmd, argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		rc = window_option(cmd, body, c, optarg, argv);
	if (!rc)
		rc = cli_no_operand(cmd, argc, argv);
	if (!rc && !cJSON_HasObjectItem(body, "horizon"))
		rc = cli_usage(cmd, "missing --horizon");
	struct client_resp resp;
	client_resp_init(&resp);
	if (!rc)
		rc = cli_call(cli, "POST", "/v1/incidents/link-window", body, &resp);
	if (!rc)
		print_window(cli, &resp);
	client_resp_release(&resp);
	cJSON_Delete(body);
	return rc;
}

static const char usage_add[] =
	"usage: ratchet incident add --kind incident|rollback|near_miss --service S\n"
	"                            --title TEXT --occurred-at TS [--severity sev1..sev4]\n"
	"                            [--key EXTERNAL_KEY] [--detected-at TS]\n"
	"                            [--resolved-at TS]\n\n"
	"Records an outcome (POST /v1/incidents): an incident, a rollback or a near miss.\n"
	"Backtests count outcomes against the changes they are linked to.\n\n"
	"  --kind K          incident, rollback or near_miss\n"
	"  --service S       the service it happened to\n"
	"  --title TEXT      what happened\n"
	"  --occurred-at TS  when it began (RFC 3339 with offset)\n"
	"  --severity SEV    sev1 (worst) to sev4; absent: none\n"
	"  --key KEY         its key elsewhere (\"#1234\", a pager id), unique per service;\n"
	"                    'incident show SERVICE:KEY' finds it\n"
	"  --detected-at TS  when it was noticed (not before --occurred-at)\n"
	"  --resolved-at TS  when it ended (not before --occurred-at)\n";

static const char usage_ls[] =
	"usage: ratchet incident ls [--service S] [--kind K] [--since TS] [--until TS]\n"
	"                           [--limit N] [--cursor C] [--all]\n\n"
	"Lists outcomes by ID (GET /v1/incidents), one page unless --all.\n\n"
	"  --service S     only this service\n"
	"  --kind K        only incident, rollback or near_miss\n"
	"  --since TS      occurred at or after TS (RFC 3339)\n"
	"  --until TS      occurred before TS (RFC 3339)\n"
	"  --limit N       page size, 1 to 1000 (server default 100)\n"
	"  --cursor C      start at this cursor (printed on stderr when more pages follow)\n"
	"  --all           follow the cursor and print every page\n";

static const char usage_show[] =
	"usage: ratchet incident show REF\n\n"
	"Shows one outcome and its links to changes (GET /v1/incidents/{id}): how each link\n"
	"was made, by which rule and version, by whom and when. REF is an ID or\n"
	"SERVICE:EXTERNAL_KEY.\n";

static const char usage_link[] =
	"usage: ratchet incident link REF --change CHANGE\n\n"
	"Links the outcome REF (ID or SERVICE:EXTERNAL_KEY) to the change that caused it\n"
	"(POST /v1/incidents/{id}/links, how explicit). CHANGE is an ID or SERVICE:KEY, of\n"
	"any service. A link is made once and never moved: linking the same pair again\n"
	"is refused.\n";

static const char usage_link_window[] =
	"usage: ratchet incident link-window --horizon D [--service S]\n"
	"                                    [--kinds incident,rollback,near_miss]\n\n"
	"The explicit, recorded window step (POST /v1/incidents/link-window): every\n"
	"outcome with no link at all is linked to every change of its service that took\n"
	"effect within the horizon before it (effective_at in [occurred_at - D,\n"
	"occurred_at]), how window, rule link-window. Outcomes that already have a link\n"
	"are left alone, so running it again makes no new links for them.\n\n"
	"  --horizon D     how far back (durations: 14d, 72h, 2w), at most 3650d\n"
	"  --service S     only this service's outcomes\n"
	"  --kinds LIST    only these kinds (comma-separated; default all three)\n";

static const struct cli_verb incident_verbs[] = {
	{"add", incident_add, "record an incident, rollback or near miss", usage_add},
	{"ls", incident_ls, "list outcomes", usage_ls},
	{"show", incident_show, "show one outcome and its links", usage_show},
	{"link", incident_link, "link an outcome to the change that caused it", usage_link},
	{"link-window", incident_link_window,
	 "link unlinked outcomes to the changes of their service within a horizon",
	 usage_link_window},
};

int cmd_incident(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, "incident",
			    "Records, lists and shows outcomes (incidents, rollbacks, near misses) "
			    "and their links to changes.",
			    incident_verbs, ARRAY_SIZE(incident_verbs), argc, argv);
}
