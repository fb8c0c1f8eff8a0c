/* ratchet token: create, list and revoke API tokens (admin only on the
 * server). The plain token is printed once, by `token create`. */
#include "common.h"

#include <getopt.h>

#include "cli.h"
#include "model.h"

enum token_opt {
	OPT_NAME = 256,
	OPT_ROLE,
	OPT_EXPIRES_AT,
};

static const struct output_column token_columns[] = {
	{"NAME", "name", NULL},
	{"ROLE", "role", NULL},
	{"CREATED_AT", "created_at", NULL},
	{"CREATED_BY", "created_by", NULL},
	{"EXPIRES_AT", "expires_at", NULL},
	{"REVOKED_AT", "revoked_at", NULL},
	{"LAST_USED_AT", "last_used_at", NULL},
};

/* token create's CSV row carries the token: it is never shown again. */
static const struct output_column created_columns[] = {
	{"NAME", "name", NULL},
	{"ROLE", "role", NULL},
	{"TOKEN", "token", NULL},
	{"CREATED_AT", "created_at", NULL},
	{"CREATED_BY", "created_by", NULL},
	{"EXPIRES_AT", "expires_at", NULL},
};

/* Token names as the server accepts them: the service-name rule. */
#define TOKEN_NAME_RULE "[a-z0-9][a-z0-9._-]{0,62}"

/* token create */

static int create_body(int argc, char **argv, cJSON *body)
{
	static const struct option options[] = {
		{"name", required_argument, NULL, OPT_NAME},
		{"role", required_argument, NULL, OPT_ROLE},
		{"expires-at", required_argument, NULL, OPT_EXPIRES_AT},
		{NULL, 0, NULL, 0},
	};
	static const char *const fields[] = {
		[OPT_NAME - OPT_NAME] = "name",
		[OPT_ROLE - OPT_NAME] = "role",
		[OPT_EXPIRES_AT - OPT_NAME] = "expires_at",
	};
	const char *cmd = "token create";
	int c;
	if (cli_getopt_start(cmd, argc, argv, options))
		return CLI_EXIT_USAGE;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c < OPT_NAME || c > OPT_EXPIRES_AT)
			return cli_bad_option(cmd, c, argv);
		if (c == OPT_ROLE && cli_check_name(cmd, "--role", optarg, &role_names))
			return CLI_EXIT_USAGE;
		if (!*optarg)
			return cli_usage(cmd, "empty value for --%s", options[c - OPT_NAME].name);
		if (c == OPT_NAME && !model_valid_service(optarg))
			return cli_usage(cmd,
					 "invalid value '%s' for --name: want " TOKEN_NAME_RULE,
					 optarg);
		if (c == OPT_EXPIRES_AT && cli_check_time(cmd, "--expires-at", optarg))
			return CLI_EXIT_USAGE;
		cJSON_DeleteItemFromObjectCaseSensitive(body, fields[c - OPT_NAME]);
		cJSON_AddStringToObject(body, fields[c - OPT_NAME], optarg);
	}
	int rc = cli_no_operand(cmd, argc, argv);
	if (!rc && !cJSON_HasObjectItem(body, "name"))
		rc = cli_usage(cmd, "missing --name");
	if (!rc && !cJSON_HasObjectItem(body, "role"))
		rc = cli_usage(cmd, "missing --role");
	return rc;
}

/* Table mode prints the token alone, so `T=$(ratchet token create ...)` works.
 * An answer without the token is a replay of the request's Idempotency-Key
 * (the server keeps no secret to replay): the token exists but nobody has
 * its secret, so nothing is printed and the way out is named. */
static int print_created(const struct cli *cli, const struct client_resp *resp,
			 const char *asked_name)
{
	const char *token =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(resp->json, "token"));
	const char *name =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(resp->json, "name"));
	if (!name || !model_valid_service(name))
		name = asked_name;
	if (!token || !*token) {
		fprintf(stderr,
			"ratchet: token \"%s\" was created, but its secret was shown only in the "
			"first answer, which was lost; revoke it ('ratchet token revoke %s') and "
			"create another\n",
			name, name);
		return CLI_EXIT_FAIL;
	}
	cli_print_one(cli, resp, created_columns, ARRAY_SIZE(created_columns), token);
	fprintf(stderr, "ratchet: token \"%s\" is shown only this once; store it now\n", name);
	return CLI_EXIT_OK;
}

static int token_create(struct cli *cli, int argc, char **argv)
{
	cJSON *body = cJSON_CreateObject();
	int rc = create_body(argc, argv, body);
	struct client_resp resp;
	client_resp_init(&resp);
	if (!rc)
		rc = cli_call(cli, "POST", "/v1/tokens", body, &resp);
	if (!rc)
		rc = print_created(
			cli, &resp,
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "name")));
	client_resp_release(&resp);
	cJSON_Delete(body);
	return rc;
}

/* token ls */

static int token_ls(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {{NULL, 0, NULL, 0}};
	int c;
	if (cli_getopt_start("token ls", argc, argv, options))
		return CLI_EXIT_USAGE;
	if ((c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		return cli_bad_option("token ls", c, argv);
	int rc = cli_no_operand("token ls", argc, argv);
	if (rc)
		return rc;
	return cli_list(cli, "/v1/tokens", NULL, true, token_columns, ARRAY_SIZE(token_columns));
}

/* token revoke */

static int token_revoke(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {{NULL, 0, NULL, 0}};
	const char *name = NULL;
	int c;
	if (cli_getopt_start("token revoke", argc, argv, options))
		return CLI_EXIT_USAGE;
	if ((c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		return cli_bad_option("token revoke", c, argv);
	int rc = cli_one_operand("token revoke", "NAME", argc, argv, &name);
	if (!rc && !model_valid_service(name))
		rc = cli_usage("token revoke", "invalid token name '%s': want " TOKEN_NAME_RULE,
			       name);
	if (rc)
		return rc;
	struct client_resp resp;
	client_resp_init(&resp);
	char *path = cli_ref_path("tokens", name, "");
	rc = cli_call(cli, "DELETE", path, NULL, &resp);
	if (!rc) {
		char *revoked_at = output_member(resp.json, "revoked_at");
		char *summary = xasprintf("token %s revoked at %s", name, cli_or_dash(revoked_at));
		cli_print_one(cli, &resp, token_columns, ARRAY_SIZE(token_columns), summary);
		free(summary);
		free(revoked_at);
	}
	free(path);
	client_resp_release(&resp);
	return rc;
}

static const char usage_create[] =
	"usage: ratchet token create --name N --role R [--expires-at TS]\n\n"
	"Creates an API token (POST /v1/tokens; admin only) and prints it: alone on\n"
	"stdout in table mode, in the record with -o json. It is shown only this once;\n"
	"the server keeps only its SHA-256, so a replay of the same --idempotency-key\n"
	"answers without it: that exits 1, and the token is to be revoked.\n\n"
	"  --name N          [a-z0-9][a-z0-9._-]{0,62}, unique\n"
	"  --role R          admin, release-manager, engineer, pipeline or auditor\n"
	"  --expires-at TS   when it stops working (RFC 3339, in the future;\n"
	"                    default: never)\n";

static const char usage_ls[] =
	"usage: ratchet token ls\n\n"
	"Lists API tokens (GET /v1/tokens; admin only): name, role, who created them\n"
	"and when, expiry, revocation and last use. Never the tokens themselves.\n";

static const char usage_revoke[] =
	"usage: ratchet token revoke NAME\n\n"
	"Revokes a token (DELETE /v1/tokens/{name}; admin only); from then on it gets\n"
	"401. The record stays, with revoked_at set.\n";

static const struct cli_verb token_verbs[] = {
	{"create", token_create, "create a token and print it once", usage_create},
	{"ls", token_ls, "list tokens", usage_ls},
	{"revoke", token_revoke, "revoke a token", usage_revoke},
};

int cmd_token(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, "token", "Creates, lists and revokes API tokens (admin only).",
			    token_verbs, ARRAY_SIZE(token_verbs), argc, argv);
}
