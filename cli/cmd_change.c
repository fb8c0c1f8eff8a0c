/* ratchet change: show, list, mark effective, amend and review changes, and
 * the change table shared by them (`change new` lives in cmd_change_new.c). */
#include "common.h"

#include <getopt.h>

#include "cmd_change.h"
#include "model.h"

enum change_opt {
	OPT_SERVICE = 256,
	OPT_IMPACT,
	OPT_STATE,
	OPT_REVIEW,
	OPT_CATEGORY,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_LIMIT,
	OPT_CURSOR,
	OPT_ALL,
	OPT_AT,
	OPT_EFFECTIVE_AT,
	OPT_REASON,
	OPT_NO_IO,
	OPT_REFUSE_IF_BLOCKED,
};

/* A value in force after the latest amendment: current.NAME, else NAME. */
static char *current_member(const cJSON *change, const char *name)
{
	const cJSON *current = cJSON_GetObjectItemCaseSensitive(change, "current");
	const cJSON *value = cJSON_GetObjectItemCaseSensitive(current, name);
	return output_value(value ? value : cJSON_GetObjectItemCaseSensitive(change, name));
}

static char *render_impact(const cJSON *change)
{
	return current_member(change, "impact");
}

static char *render_effective_at(const cJSON *change)
{
	return current_member(change, "effective_at");
}

const struct output_column cmd_change_columns[] = {
	{"ID", "id", NULL},
	{"SERVICE", "service", NULL},
	{"KEY", "key", NULL},
	{"IMPACT", NULL, render_impact},
	{"STATE", "state", NULL},
	{"REVIEW", "review", NULL},
	{"EFFECTIVE_AT", NULL, render_effective_at},
	{"TITLE", "title", NULL},
};
const size_t cmd_change_n_columns = ARRAY_SIZE(cmd_change_columns);

int cmd_change_print(struct cli *cli, const struct client_resp *resp, const char *note)
{
	const cJSON *change = resp->json;
	char *id = output_member(change, "id");
	char *service = output_member(change, "service");
	char *key = output_member(change, "key");
	char *state = output_member(change, "state");
	char *impact = render_impact(change);
	char *summary = xasprintf("change %s %s:%s %s (%s)%s", cli_or_dash(id),
				  cli_or_dash(service), cli_or_dash(key), cli_or_dash(state),
				  cli_or_dash(impact), note ? note : "");
	cli_print_one(cli, resp, cmd_change_columns, cmd_change_n_columns, summary);
	free(summary);
	free(id);
	free(service);
	free(key);
	free(state);
	free(impact);
	return CLI_EXIT_OK;
}

/* POSTs body to /v1/changes/{ref}SUFFIX; the caller releases resp. */
static int post_change(struct cli *cli, const char *ref, const char *suffix, const cJSON *body,
		       struct client_resp *resp)
{
	char *path = cli_ref_path("changes", ref, suffix);
	int rc = cli_call(cli, "POST", path, body, resp);
	free(path);
	return rc;
}

/* change show */

static void show_fields(const cJSON *change)
{
	static const char *const fields[] = {
		"id",	    "service",	   "key",	   "title",	 "impact", "state",
		"review",   "planned_for", "effective_at", "author",	 "links",  "refs",
		"boundary", "paths",	   "created_at",   "created_by",
	};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		char *value = output_member(change, fields[i]);
		output_field(stdout, fields[i], value);
		free(value);
	}
	const cJSON *blocked = cJSON_GetObjectItemCaseSensitive(change, "shipped_while_blocked");
	if (blocked && !cJSON_IsNull(blocked)) {
		char *value = output_value(blocked);
		output_field(stdout, "shipped_while_blocked", value);
		free(value);
	}
}

static void show_amendment(const cJSON *amendment)
{
	char *effective_at = output_member(amendment, "effective_at");
	char *impact = output_member(amendment, "impact");
	char *reason = output_member(amendment, "reason");
	char *by = output_member(amendment, "created_by");
	char *at = output_member(amendment, "created_at");
	char *line = xasprintf("effective_at %s, impact %s, by %s at %s: %s",
			       cli_or_dash(effective_at), cli_or_dash(impact), cli_or_dash(by),
			       cli_or_dash(at), cli_or_dash(reason));
	output_field(stdout, "amendment", line);
	free(line);
	free(effective_at);
	free(impact);
	free(reason);
	free(by);
	free(at);
}

static void show_amendments(const cJSON *change)
{
	const cJSON *amendments = cJSON_GetObjectItemCaseSensitive(change, "amendments");
	if (cJSON_GetArraySize(amendments) == 0)
		return;
	const cJSON *amendment;
	cJSON_ArrayForEach(amendment, amendments)
	{
		show_amendment(amendment);
	}
	char *impact = render_impact(change);
	char *effective_at = render_effective_at(change);
	char *line = xasprintf("effective_at %s, impact %s", cli_or_dash(effective_at),
			       cli_or_dash(impact));
	output_field(stdout, "current", line);
	free(line);
	free(impact);
	free(effective_at);
}

static void show_gates(const cJSON *change)
{
	const cJSON *gate;
	cJSON_ArrayForEach(gate, cJSON_GetObjectItemCaseSensitive(change, "gates"))
	{
		char *value = output_value(gate);
		output_field(stdout, "gate", value);
		free(value);
	}
}

static void show_ios(const cJSON *change)
{
	const cJSON *ios = cJSON_GetObjectItemCaseSensitive(change, "ios");
	if (cJSON_GetArraySize(ios) == 0) {
		output_field(stdout, "ios", "none");
		return;
	}
	fputc('\n', stdout);
	output_list(stdout, OUTPUT_TABLE, cmd_io_columns, cmd_io_n_columns, ios);
}

static int change_show(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {{NULL, 0, NULL, 0}};
	const char *ref = NULL;
	int c;
	if (cli_getopt_start("change show", argc, argv, options))
		return CLI_EXIT_USAGE;
	if ((c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		return cli_bad_option("change show", c, argv);
	int rc = cli_one_operand("change show", "REF", argc, argv, &ref);
	if (rc)
		return rc;
	struct client_resp resp;
	client_resp_init(&resp);
	char *path = cli_ref_path("changes", ref, "");
	rc = cli_call(cli, "GET", path, NULL, &resp);
	free(path);
	if (!rc && cli->format == OUTPUT_TABLE) {
		show_fields(resp.json);
		show_amendments(resp.json);
		show_gates(resp.json);
		show_ios(resp.json);
	} else if (!rc) {
		cli_print_one(cli, &resp, cmd_change_columns, cmd_change_n_columns, NULL);
	}
	client_resp_release(&resp);
	return rc;
}

/* change ls */

static int change_ls(struct cli *cli, int argc, char **argv)
{
	static const struct cli_ls_filter filters[] = {
		{"service", "service", NULL, false},
		{"impact", "impact", &impact_names, false},
		{"state", "state", &change_state_names, false},
		{"review", "review", &review_names, false},
		{"category", "category", &io_category_names, false},
		{"since", "since", NULL, true},
		{"until", "until", NULL, true},
	};
	static const struct cli_ls ls = {"change ls", "/v1/changes", filters, ARRAY_SIZE(filters)};
	return cli_ls_run(cli, &ls, argc, argv, cmd_change_columns, cmd_change_n_columns);
}

/* change effective */

bool cmd_change_shipped_while_blocked(const cJSON *change)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(change, "shipped_while_blocked");
	return v && !cJSON_IsNull(v) && !cJSON_IsFalse(v);
}

static int change_effective(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"at", required_argument, NULL, OPT_AT},
		{"refuse-if-blocked", no_argument, NULL, OPT_REFUSE_IF_BLOCKED},
		{NULL, 0, NULL, 0},
	};
	const char *ref = NULL, *at = NULL;
	bool refuse = false;
	int c;
	if (cli_getopt_start("change effective", argc, argv, options))
		return CLI_EXIT_USAGE;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c == OPT_REFUSE_IF_BLOCKED) {
			refuse = true;
			continue;
		}
		if (c != OPT_AT)
			return cli_bad_option("change effective", c, argv);
		if (cli_check_time("change effective", "--at", optarg))
			return CLI_EXIT_USAGE;
		at = optarg;
	}
	int rc = cli_one_operand("change effective", "REF", argc, argv, &ref);
	if (rc)
		return rc;
	cJSON *body = cJSON_CreateObject();
	if (at)
		cJSON_AddStringToObject(body, "effective_at", at);
	if (refuse)
		cJSON_AddTrueToObject(body, "refuse_if_blocked");
	struct client_resp resp;
	client_resp_init(&resp);
	rc = post_change(cli, ref, "/effective", body, &resp);
	if (!rc)
		rc = cmd_change_print(cli, &resp, NULL);
	if (!rc && cmd_change_shipped_while_blocked(resp.json)) {
		fprintf(stderr, "ratchet: change %s shipped while blocked\n", ref);
		rc = CLI_EXIT_BLOCKED;
	}
	client_resp_release(&resp);
	cJSON_Delete(body);
	return rc;
}

/* change amend */

static int amend_body(int argc, char **argv, cJSON *body)
{
	static const struct option options[] = {
		{"effective-at", required_argument, NULL, OPT_EFFECTIVE_AT},
		{"impact", required_argument, NULL, OPT_IMPACT},
		{"reason", required_argument, NULL, OPT_REASON},
		{NULL, 0, NULL, 0},
	};
	const char *cmd = "change amend";
	int c;
	if (cli_getopt_start(cmd, argc, argv, options))
		return CLI_EXIT_USAGE;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c == OPT_EFFECTIVE_AT) {
			if (cli_check_time(cmd, "--effective-at", optarg))
				return CLI_EXIT_USAGE;
			cJSON_AddStringToObject(body, "effective_at", optarg);
		} else if (c == OPT_IMPACT) {
			if (cli_check_name(cmd, "--impact", optarg, &impact_names))
				return CLI_EXIT_USAGE;
			cJSON_AddStringToObject(body, "impact", optarg);
		} else if (c == OPT_REASON) {
			cJSON_AddStringToObject(body, "reason", optarg);
		} else {
			return cli_bad_option(cmd, c, argv);
		}
	}
	if (!cJSON_HasObjectItem(body, "reason"))
		return cli_usage(cmd, "missing --reason");
	if (!cJSON_HasObjectItem(body, "effective_at") && !cJSON_HasObjectItem(body, "impact"))
		return cli_usage(cmd, "nothing to amend: give --effective-at, --impact or both");
	return 0;
}

static int change_amend(struct cli *cli, int argc, char **argv)
{
	cJSON *body = cJSON_CreateObject();
	const char *ref = NULL;
	int rc = amend_body(argc, argv, body);
	if (!rc)
		rc = cli_one_operand("change amend", "REF", argc, argv, &ref);
	struct client_resp resp;
	client_resp_init(&resp);
	if (!rc)
		rc = post_change(cli, ref, "/amend", body, &resp);
	if (!rc)
		rc = cmd_change_print(cli, &resp, NULL);
	client_resp_release(&resp);
	cJSON_Delete(body);
	return rc;
}

/* change review */

static int change_review(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"no-io", no_argument, NULL, OPT_NO_IO},
		{NULL, 0, NULL, 0},
	};
	const char *ref = NULL;
	bool no_io = false;
	int c;
	if (cli_getopt_start("change review", argc, argv, options))
		return CLI_EXIT_USAGE;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c != OPT_NO_IO)
			return cli_bad_option("change review", c, argv);
		no_io = true;
	}
	int rc = cli_one_operand("change review", "REF", argc, argv, &ref);
	if (rc)
		return rc;
	if (!no_io)
		return cli_usage("change review",
				 "missing --no-io (the only review recorded here)");
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "review", "no_io");
	struct client_resp resp;
	client_resp_init(&resp);
	rc = post_change(cli, ref, "/review", body, &resp);
	if (!rc)
		rc = cmd_change_print(cli, &resp, ", reviewed: no IO");
	client_resp_release(&resp);
	cJSON_Delete(body);
	return rc;
}

static const char usage_show[] =
	"usage: ratchet change show REF\n\n"
	"Shows one change (GET /v1/changes/{ref}) with its amendments, gates and IOs.\n"
	"REF is the change's numeric ID or SERVICE:KEY.\n";

static const char usage_ls[] =
	"usage: ratchet change ls [--service S] [--impact I] [--state S] [--review R]\n"
	"                         [--category C] [--since TS] [--until TS] [--limit N]\n"
	"                         [--cursor C] [--all]\n\n"
	"Lists changes by ID (GET /v1/changes), one page unless --all.\n\n"
	"  --service S     only this service\n"
	"  --impact I      low, medium or high\n"
	"  --state S       planned or effective\n"
	"  --review R      unreviewed, no_io or has_io\n"
	"  --category C    only changes with an IO of this category (data, evaluation,\n"
	"                  alignment, deployment, supply_chain, optionality)\n"
	"  --since TS      effective at or after TS (RFC 3339)\n"
	"  --until TS      effective before TS (RFC 3339)\n"
	"  --limit N       page size, 1 to 1000 (server default 100)\n"
	"  --cursor C      start at this cursor (printed on stderr when more pages follow)\n"
	"  --all           follow the cursor and print every page\n";

static const char usage_effective[] =
	"usage: ratchet change effective REF [--at TS] [--refuse-if-blocked]\n\n"
	"Marks a planned change effective (POST /v1/changes/{ref}/effective). Its pre gates\n"
	"are evaluated first; when they are not clear the change is recorded as shipped\n"
	"while blocked, with a snapshot of those gates.\n\n"
	"  --at TS               when it took effect (RFC 3339 with offset; default now)\n"
	"  --refuse-if-blocked   refuse instead (exit 1, the change stays planned) when a\n"
	"                        pre gate is not clear\n\n"
	"Exits 4 when the change shipped while a gate blocked it.\n";

static const char usage_amend[] =
	"usage: ratchet change amend REF [--effective-at TS] [--impact I] --reason TEXT\n\n"
	"Amends a change's effective time or impact (POST /v1/changes/{ref}/amend); the\n"
	"original values stay on record. At least one of --effective-at and --impact.\n\n"
	"  --effective-at TS   corrected effective time (RFC 3339 with offset)\n"
	"  --impact I          low, medium or high\n"
	"  --reason TEXT       why (required)\n";

static const char usage_review[] = "usage: ratchet change review REF --no-io\n\n"
				   "Records that the change was reviewed and carries no IO\n"
				   "(POST /v1/changes/{ref}/review).\n";

static const struct cli_verb change_verbs[] = {
	{"new", cmd_change_new, "file a change (by hand or from a git commit)",
	 cmd_change_new_usage},
	{"show", change_show, "show one change with its IOs", usage_show},
	{"ls", change_ls, "list changes", usage_ls},
	{"effective", change_effective, "mark a planned change effective", usage_effective},
	{"amend", change_amend, "amend a change's effective time or impact", usage_amend},
	{"review", change_review, "record that a change carries no IO", usage_review},
};

int cmd_change(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, "change", "Files, shows, lists, amends and reviews changes.",
			    change_verbs, ARRAY_SIZE(change_verbs), argc, argv);
}
