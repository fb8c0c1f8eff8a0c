/* ratchet io: record, list, confirm and retract irreversible operations
 * (IOs), and the IO table that `change show` reuses. */
#include "common.h"

#include <getopt.h>

#include "cli.h"
#include "model.h"

enum io_opt {
	OPT_SERVICE = 256,
	OPT_CATEGORY,
	OPT_STATUS,
	OPT_CHANGE,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_LIMIT,
	OPT_CURSOR,
	OPT_ALL,
	OPT_DESCRIPTION,
	OPT_UNDO,
	OPT_EVIDENCE,
	OPT_REVERSIBLE_UNTIL,
	OPT_REVERSAL_COST,
	OPT_CANDIDATE,
	OPT_REASON,
};

static bool is_retracted(const cJSON *io)
{
	const cJSON *retracted = cJSON_GetObjectItemCaseSensitive(io, "retracted");
	return retracted && !cJSON_IsNull(retracted);
}

static char *render_change(const cJSON *io)
{
	char *service = output_member(io, "service");
	char *key = output_member(io, "change_key");
	char *text = xasprintf("%s:%s", cli_or_dash(service), cli_or_dash(key));
	free(service);
	free(key);
	return text;
}

static char *render_status(const cJSON *io)
{
	return is_retracted(io) ? xstrdup("RETRACTED") : output_member(io, "status");
}

const struct output_column cmd_io_columns[] = {
	{"ID", "id", NULL},
	{"CHANGE", NULL, render_change},
	{"CATEGORY", "category", NULL},
	{"STATUS", NULL, render_status},
	{"RECORDED_AT", "recorded_at", NULL},
	{"DESCRIPTION", "description", NULL},
};
const size_t cmd_io_n_columns = ARRAY_SIZE(cmd_io_columns);

/* Prints the IO in resp: "io ID on SERVICE:KEY: CATEGORY (STATUS)" in table mode. */
static int print_io(struct cli *cli, const struct client_resp *resp)
{
	const cJSON *io = resp->json;
	char *id = output_member(io, "id");
	char *change = render_change(io);
	char *category = output_member(io, "category");
	char *status = is_retracted(io) ? xstrdup("retracted") : output_member(io, "status");
	char *summary = xasprintf("io %s on %s: %s (%s)", cli_or_dash(id), change,
				  cli_or_dash(category), cli_or_dash(status));
	cli_print_one(cli, resp, cmd_io_columns, cmd_io_n_columns, summary);
	free(summary);
	free(id);
	free(change);
	free(category);
	free(status);
	return CLI_EXIT_OK;
}

static int post_and_print(struct cli *cli, const char *path, const cJSON *body)
{
	struct client_resp resp;
	client_resp_init(&resp);
	int rc = cli_call(cli, "POST", path, body, &resp);
	if (!rc)
		rc = print_io(cli, &resp);
	client_resp_release(&resp);
	return rc;
}

/* io add */

static int add_option(cJSON *body, int c, const char *arg, char **argv)
{
	static const char *const fields[] = {
		[OPT_DESCRIPTION - OPT_DESCRIPTION] = "description",
		[OPT_UNDO - OPT_DESCRIPTION] = "undo",
		[OPT_EVIDENCE - OPT_DESCRIPTION] = "evidence",
		[OPT_REVERSIBLE_UNTIL - OPT_DESCRIPTION] = "reversible_until",
		[OPT_REVERSAL_COST - OPT_DESCRIPTION] = "reversal_cost",
	};
	if (c == OPT_CATEGORY) {
		if (cli_check_name("io add", "--category", arg, &io_category_names))
			return CLI_EXIT_USAGE;
		cJSON_DeleteItemFromObjectCaseSensitive(body, "category");
		cJSON_AddStringToObject(body, "category", arg);
	} else if (c == OPT_CANDIDATE) {
		cJSON_DeleteItemFromObjectCaseSensitive(body, "status");
		cJSON_AddStringToObject(body, "status", "candidate");
	} else if (c == OPT_REVERSIBLE_UNTIL &&
		   cli_check_time("io add", "--reversible-until", arg)) {
		return CLI_EXIT_USAGE;
	} else if (c >= OPT_DESCRIPTION && c <= OPT_REVERSAL_COST) {
		const char *field = fields[c - OPT_DESCRIPTION];
		cJSON_DeleteItemFromObjectCaseSensitive(body, field);
		cJSON_AddStringToObject(body, field, arg);
	} else {
		return cli_bad_option("io add", c, argv);
	}
	return 0;
}

static int io_add(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"category", required_argument, NULL, OPT_CATEGORY},
		{"description", required_argument, NULL, OPT_DESCRIPTION},
		{"undo", required_argument, NULL, OPT_UNDO},
		{"evidence", required_argument, NULL, OPT_EVIDENCE},
		{"reversible-until", required_argument, NULL, OPT_REVERSIBLE_UNTIL},
		{"reversal-cost", required_argument, NULL, OPT_REVERSAL_COST},
		{"candidate", no_argument, NULL, OPT_CANDIDATE},
		{NULL, 0, NULL, 0},
	};
	cJSON *body = cJSON_CreateObject();
	const char *ref = NULL;
	int c, rc = cli_getopt_start("io add", argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		rc = add_option(body, c, optarg, argv);
	if (!rc)
		rc = cli_one_operand("io add", "REF", argc, argv, &ref);
	if (!rc && !cJSON_HasObjectItem(body, "category"))
		rc = cli_usage("io add", "missing --category");
	if (!rc && !cJSON_HasObjectItem(body, "description"))
		rc = cli_usage("io add", "missing --description");
	if (!rc) {
		char *path = cli_ref_path("changes", ref, "/ios");
		rc = post_and_print(cli, path, body);
		free(path);
	}
	cJSON_Delete(body);
	return rc;
}

/* io ls */

static const struct model_names io_list_status_names = {
	(const char *const[]){"confirmed", "candidate", "retracted"}, 3,
	"confirmed, candidate, retracted"};

static int io_ls(struct cli *cli, int argc, char **argv)
{
	static const struct cli_ls_filter filters[] = {
		{"service", "service", NULL, false},
		{"category", "category", &io_category_names, false},
		{"status", "status", &io_list_status_names, false},
		{"change", "change", NULL, false},
		{"since", "since", NULL, true},
		{"until", "until", NULL, true},
	};
	static const struct cli_ls ls = {"io ls", "/v1/ios", filters, ARRAY_SIZE(filters)};
	return cli_ls_run(cli, &ls, argc, argv, cmd_io_columns, cmd_io_n_columns);
}

/* io confirm, io retract */

static int io_confirm(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {{NULL, 0, NULL, 0}};
	const char *id = NULL;
	int c;
	if (cli_getopt_start("io confirm", argc, argv, options))
		return CLI_EXIT_USAGE;
	if ((c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		return cli_bad_option("io confirm", c, argv);
	int rc = cli_one_operand("io confirm", "ID", argc, argv, &id);
	if (!rc)
		rc = cli_check_id("io confirm", id);
	if (rc)
		return rc;
	cJSON *body = cJSON_CreateObject();
	char *path = cli_ref_path("ios", id, "/confirm");
	rc = post_and_print(cli, path, body);
	free(path);
	cJSON_Delete(body);
	return rc;
}

static int io_retract(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"reason", required_argument, NULL, OPT_REASON},
		{NULL, 0, NULL, 0},
	};
	const char *id = NULL, *reason = NULL;
	int c;
	if (cli_getopt_start("io retract", argc, argv, options))
		return CLI_EXIT_USAGE;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c != OPT_REASON)
			return cli_bad_option("io retract", c, argv);
		reason = optarg;
	}
	int rc = cli_one_operand("io retract", "ID", argc, argv, &id);
	if (!rc)
		rc = cli_check_id("io retract", id);
	if (!rc && (!reason || !*reason))
		rc = cli_usage("io retract", "missing --reason");
	if (rc)
		return rc;
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "reason", reason);
	char *path = cli_ref_path("ios", id, "/retract");
	rc = post_and_print(cli, path, body);
	free(path);
	cJSON_Delete(body);
	return rc;
}

static const char usage_add[] =
	"usage: ratchet io add REF --category C --description D [--undo U] [--evidence E]\n"
	"                      [--reversible-until TS] [--reversal-cost X] [--candidate]\n\n"
	"Records an irreversible operation carried by change REF (ID or SERVICE:KEY)\n"
	"(POST /v1/changes/{ref}/ios). A confirmed IO marks the change reviewed has_io.\n\n"
	"  --category C           data, evaluation, alignment, deployment, supply_chain\n"
	"                         or optionality\n"
	"  --description D        what becomes irreversible\n"
	"  --undo U               how it could still be undone, if at all\n"
	"  --evidence E           where the evidence is (a URL, a document)\n"
	"  --reversible-until TS  until when it can be undone (RFC 3339; may be future)\n"
	"  --reversal-cost X      what undoing it would cost\n"
	"  --candidate            record it as a candidate to confirm later\n";

static const char usage_ls[] =
	"usage: ratchet io ls [--service S] [--category C] [--status S] [--change REF]\n"
	"                     [--since TS] [--until TS] [--limit N] [--cursor C] [--all]\n\n"
	"Lists IOs by ID (GET /v1/ios), one page unless --all.\n\n"
	"  --service S     only this service\n"
	"  --category C    data, evaluation, alignment, deployment, supply_chain, optionality\n"
	"  --status S      confirmed, candidate or retracted\n"
	"  --change REF    only this change (ID or SERVICE:KEY)\n"
	"  --since TS      recorded at or after TS (RFC 3339)\n"
	"  --until TS      recorded before TS (RFC 3339)\n"
	"  --limit N       page size, 1 to 1000 (server default 100)\n"
	"  --cursor C      start at this cursor (printed on stderr when more pages follow)\n"
	"  --all           follow the cursor and print every page\n";

static const char usage_confirm[] = "usage: ratchet io confirm ID\n\n"
				    "Confirms a candidate IO (POST /v1/ios/{id}/confirm).\n";

static const char usage_retract[] =
	"usage: ratchet io retract ID --reason TEXT\n\n"
	"Retracts an IO recorded in error (POST /v1/ios/{id}/retract); it stays on record\n"
	"as retracted.\n\n"
	"  --reason TEXT   why (required)\n";

static const struct cli_verb io_verbs[] = {
	{"add", io_add, "record an IO against a change", usage_add},
	{"ls", io_ls, "list IOs", usage_ls},
	{"confirm", io_confirm, "confirm a candidate IO", usage_confirm},
	{"retract", io_retract, "retract an IO recorded in error", usage_retract},
};

int cmd_io(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, "io",
			    "Records, lists, confirms and retracts irreversible operations.",
			    io_verbs, ARRAY_SIZE(io_verbs), argc, argv);
}
