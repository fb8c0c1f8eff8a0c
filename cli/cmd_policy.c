/* ratchet policy: lint gate policy files offline (the server's own loader),
 * apply them (PUT /v1/policies/{name}), list, show and retire them, and the
 * local policy files shared with `policy diff` (cmd_policy_diff.c). */
#include "common.h"

#include <getopt.h>

#include "cmd_policy.h"
#include "err.h"
#include "json.h"
#include "policy.h"

enum policy_opt {
	OPT_VERSION = 256,
	OPT_REASON,
};

/* Policy names as the server accepts them (policy.h). */
#define POLICY_NAME_RULE "[a-z0-9][a-z0-9_-]{0,62}"

static bool valid_policy_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > POLICY_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			  (i > 0 && (c == '_' || c == '-'));
		if (!ok)
			return false;
	}
	return true;
}

int cmd_policy_check_name(const char *cmd, const char *name)
{
	if (!valid_policy_name(name))
		return cli_usage(cmd, "invalid policy name '%s': want " POLICY_NAME_RULE, name);
	return 0;
}

void cmd_policy_file_init(struct policy_file *f, const char *path)
{
	memset(f, 0, sizeof(*f));
	f->path = path;
	policy_init(&f->policy);
	err_init(&f->err);
}

void cmd_policy_file_release(struct policy_file *f)
{
	free(f->text);
	policy_release(&f->policy);
	memset(f, 0, sizeof(*f));
}

/* Reads at most POLICY_TEXT_MAX bytes; a problem is recorded on f->err. */
static int read_text(struct policy_file *f)
{
	FILE *fp = fopen(f->path, "rb");
	if (!fp)
		return err_detail(&f->err, "", 1, 1, "cannot read: %s", strerror(errno));
	struct buf b;
	buf_init(&b, POLICY_TEXT_MAX);
	char chunk[8192];
	size_t got;
	int rc = 0;
	while (rc == 0 && (got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		rc = buf_append(&b, chunk, got);
	if (rc < 0)
		err_detail(&f->err, "", 1, 1, "larger than %d bytes", POLICY_TEXT_MAX);
	else if (ferror(fp))
		rc = err_detail(&f->err, "", 1, 1, "cannot read: %s", strerror(errno));
	fclose(fp);
	f->len = b.len;
	buf_append(&b, "", 0);
	f->text = b.data ? b.data : xstrdup("");
	return rc;
}

/* Reads and parses f; every problem ends up on f->err. Returns 0 when clean. */
int cmd_policy_file_lint(struct policy_file *f)
{
	if (read_text(f) < 0)
		return -1;
	if (memchr(f->text, '\0', f->len)) {
		/* the server stores text: a NUL byte can never be applied */
		int line = 1;
		for (const char *p = f->text; *p; p++)
			line += *p == '\n';
		return err_detail(&f->err, "", line, 1, "contains a NUL byte");
	}
	if (policy_parse(f->path, f->text, f->len, &f->policy, &f->err) < 0) {
		policy_init(&f->policy);
		if (f->err.n_details == 0)
			err_detail(&f->err, "", 1, 1, "%s", f->err.message);
		return -1;
	}
	f->parsed = true;
	return 0;
}

/* Prints FILE:LINE:COLUMN: message for each problem of f. */
void cmd_policy_print_problems(FILE *out, const struct policy_file *f)
{
	for (int i = 0; i < f->err.n_details && i < ERR_MAX_DETAILS; i++) {
		const struct err_detail *d = &f->err.details[i];
		fprintf(out, "%s:%d:%d: %s\n", f->path, d->line > 0 ? d->line : 1,
			d->column > 0 ? d->column : 1, d->message);
	}
}

static int count_problems(const struct policy_file *f)
{
	return f->err.n_details > ERR_MAX_DETAILS ? ERR_MAX_DETAILS : f->err.n_details;
}

/* The files named after the options (at least one). */
static int file_operands(const char *cmd, int argc, char **argv)
{
	if (optind >= argc)
		return cli_usage(cmd, "missing FILE");
	for (int i = optind; i < argc; i++)
		if (!*argv[i])
			return cli_usage(cmd, "empty FILE");
	return 0;
}

/* Accepts no options: only operands (and --help, handled by the dispatcher). */
static int no_options(const char *cmd, int argc, char **argv)
{
	static const struct option options[] = {{NULL, 0, NULL, 0}};
	int c;
	if (cli_getopt_start(cmd, argc, argv, options))
		return CLI_EXIT_USAGE;
	if ((c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		return cli_bad_option(cmd, c, argv);
	return 0;
}

/* policy lint */

static cJSON *lint_json(const struct policy_file *f)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "file", f->path);
	json_add_str(o, "policy", f->parsed ? f->policy.name : NULL);
	if (f->parsed)
		cJSON_AddNumberToObject(o, "gates", (double)f->policy.n_gates);
	else
		cJSON_AddNullToObject(o, "gates");
	cJSON *problems = cJSON_AddArrayToObject(o, "problems");
	for (int i = 0; i < count_problems(f); i++) {
		const struct err_detail *d = &f->err.details[i];
		cJSON *p = cJSON_CreateObject();
		cJSON_AddNumberToObject(p, "line", d->line > 0 ? d->line : 1);
		cJSON_AddNumberToObject(p, "column", d->column > 0 ? d->column : 1);
		cJSON_AddStringToObject(p, "field", d->field);
		cJSON_AddStringToObject(p, "message", d->message);
		cJSON_AddItemToArray(problems, p);
	}
	return o;
}

static int policy_lint(struct cli *cli, int argc, char **argv)
{
	const char *cmd = "policy lint";
	int rc = no_options(cmd, argc, argv);
	if (!rc)
		rc = file_operands(cmd, argc, argv);
	if (rc)
		return rc;
	int problems = 0, bad_files = 0;
	cJSON *all = cJSON_CreateArray();
	for (int i = optind; i < argc; i++) {
		struct policy_file f;
		cmd_policy_file_init(&f, argv[i]);
		if (cmd_policy_file_lint(&f) < 0) {
			problems += count_problems(&f);
			bad_files++;
		}
		if (cli->format == OUTPUT_JSON)
			cJSON_AddItemToArray(all, lint_json(&f));
		else if (!f.parsed)
			cmd_policy_print_problems(stdout, &f);
		else
			printf("%s: ok (policy %s, %zu gate%s)\n", f.path, f.policy.name,
			       f.policy.n_gates, f.policy.n_gates == 1 ? "" : "s");
		cmd_policy_file_release(&f);
	}
	if (cli->format == OUTPUT_JSON)
		output_json(stdout, all);
	cJSON_Delete(all);
	if (!problems)
		return CLI_EXIT_OK;
	fprintf(stderr, "ratchet: %d problem%s in %d file%s\n", problems, problems == 1 ? "" : "s",
		bad_files, bad_files == 1 ? "" : "s");
	return CLI_EXIT_FAIL;
}

/* policy apply */

static const struct output_column write_columns[] = {
	{"NAME", "name", NULL},
	{"VERSION", "version", NULL},
	{"CREATED", "created", NULL},
	{"RETIRED", "retired", NULL},
	{"SHA256", "sha256", NULL},
	{"WEAKENINGS", "weakenings", NULL},
	{"WEAKENING_CHANGE", "weakening_change", NULL},
};

/* Prints a write's answer: what happened, each weakening, the governance change. */
static void print_write(const struct cli *cli, const struct client_resp *resp, const char *what)
{
	char *name = output_member(resp->json, "name");
	char *version = output_member(resp->json, "version");
	char *summary = xasprintf("policy %s %s %s", cli_or_dash(name), what, cli_or_dash(version));
	cli_print_one(cli, resp, write_columns, ARRAY_SIZE(write_columns), summary);
	if (cli->format == OUTPUT_TABLE) {
		const cJSON *line;
		cJSON_ArrayForEach(line, cJSON_GetObjectItemCaseSensitive(resp->json, "weakenings"))
		{
			char *text = output_value(line);
			output_field(stdout, "  weaker", text);
			free(text);
		}
		char *change = output_member(resp->json, "weakening_change");
		if (change && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
				      resp->json, "weakenings")) > 0)
			printf("  recorded as an evaluation IO of change %s\n", change);
		free(change);
	}
	free(summary);
	free(version);
	free(name);
}

/* Lints every file and refuses a policy named in two of them. */
static int lint_for_apply(struct policy_file *files, int n)
{
	int problems = 0;
	for (int i = 0; i < n; i++) {
		if (cmd_policy_file_lint(&files[i]) < 0) {
			cmd_policy_print_problems(stderr, &files[i]);
			problems += count_problems(&files[i]);
		}
	}
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++)
			if (files[i].parsed && files[j].parsed &&
			    strcmp(files[i].policy.name, files[j].policy.name) == 0) {
				fprintf(stderr, "%s:1:1: policy \"%s\" is also in %s\n",
					files[i].path, files[i].policy.name, files[j].path);
				problems++;
			}
	if (problems)
		fprintf(stderr, "ratchet: %d problem%s; nothing applied\n", problems,
			problems == 1 ? "" : "s");
	return problems ? CLI_EXIT_FAIL : 0;
}

static int apply_one(struct cli *cli, const struct policy_file *f)
{
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "yaml", f->text);
	char *path = cli_ref_path("policies", f->policy.name, "");
	struct client_resp resp;
	client_resp_init(&resp);
	int rc = cli_call(cli, "PUT", path, body, &resp);
	if (!rc) {
		bool created = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(resp.json, "created"));
		print_write(cli, &resp, created ? "created version" : "unchanged at version");
	}
	client_resp_release(&resp);
	free(path);
	cJSON_Delete(body);
	return rc;
}

static int policy_apply(struct cli *cli, int argc, char **argv)
{
	const char *cmd = "policy apply";
	int rc = no_options(cmd, argc, argv);
	if (!rc)
		rc = file_operands(cmd, argc, argv);
	if (rc)
		return rc;
	int n = argc - optind;
	struct policy_file *files = xcalloc((size_t)n, sizeof(*files));
	for (int i = 0; i < n; i++)
		cmd_policy_file_init(&files[i], argv[optind + i]);
	rc = lint_for_apply(files, n);
	for (int i = 0; !rc && i < n; i++)
		rc = apply_one(cli, &files[i]);
	for (int i = 0; i < n; i++)
		cmd_policy_file_release(&files[i]);
	free(files);
	return rc;
}

/* policy ls */

static const struct output_column policy_columns[] = {
	{"NAME", "name", NULL},
	{"VERSION", "version", NULL},
	{"GATES", "gates", NULL},
	{"RETIRED", "retired", NULL},
	{"CREATED_AT", "created_at", NULL},
	{"CREATED_BY", "created_by", NULL},
	{"WEAKENING_CHANGE", "weakening_change", NULL},
	{"SHA256", "sha256", NULL},
};

static int policy_ls(struct cli *cli, int argc, char **argv)
{
	int rc = no_options("policy ls", argc, argv);
	if (!rc)
		rc = cli_no_operand("policy ls", argc, argv);
	if (rc)
		return rc;
	return cli_list(cli, "/v1/policies", NULL, true, policy_columns,
			ARRAY_SIZE(policy_columns));
}

/* Fetches one stored version (0: the latest). The caller releases resp. */
int cmd_policy_get_version(struct cli *cli, const char *name, long version,
			   struct client_resp *resp)
{
	char *path = cli_ref_path("policies", name, "");
	if (version > 0) {
		char *with = xasprintf("%s?version=%ld", path, version);
		free(path);
		path = with;
	}
	int rc = cli_call(cli, "GET", path, NULL, resp);
	free(path);
	return rc;
}

/* policy show */

static void show_version(const cJSON *v)
{
	static const char *const fields[] = {
		"name",	      "version",    "sha256", "retired",	  "reason",
		"created_at", "created_by", "gates",  "weakening_change",
	};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		char *value = output_member(v, fields[i]);
		output_field(stdout, fields[i], value);
		free(value);
	}
	const char *parse_error =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "parse_error"));
	if (parse_error)
		output_field(stdout, "parse_error", parse_error);
	const char *yaml = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "yaml"));
	if (yaml && *yaml) {
		size_t len = strlen(yaml);
		printf("\n%s%s", yaml, yaml[len - 1] == '\n' ? "" : "\n");
	}
}

static int policy_show(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"version", required_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	const char *cmd = "policy show", *name = NULL;
	long version = 0;
	int c;
	if (cli_getopt_start(cmd, argc, argv, options))
		return CLI_EXIT_USAGE;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c != OPT_VERSION)
			return cli_bad_option(cmd, c, argv);
		if (cli_parse_long(cmd, "--version", optarg, 1, INT_MAX, &version))
			return CLI_EXIT_USAGE;
	}
	int rc = cli_one_operand(cmd, "NAME", argc, argv, &name);
	if (!rc)
		rc = cmd_policy_check_name(cmd, name);
	if (rc)
		return rc;
	struct client_resp resp;
	client_resp_init(&resp);
	rc = cmd_policy_get_version(cli, name, version, &resp);
	if (!rc && cli->format == OUTPUT_TABLE)
		show_version(resp.json);
	else if (!rc)
		cli_print_one(cli, &resp, policy_columns, ARRAY_SIZE(policy_columns), NULL);
	client_resp_release(&resp);
	return rc;
}

/* policy retire */

static int policy_retire(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"reason", required_argument, NULL, OPT_REASON},
		{NULL, 0, NULL, 0},
	};
	const char *cmd = "policy retire", *name = NULL, *reason = NULL;
	int c;
	if (cli_getopt_start(cmd, argc, argv, options))
		return CLI_EXIT_USAGE;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c != OPT_REASON)
			return cli_bad_option(cmd, c, argv);
		reason = optarg;
	}
	int rc = cli_one_operand(cmd, "NAME", argc, argv, &name);
	if (!rc)
		rc = cmd_policy_check_name(cmd, name);
	if (!rc && (!reason || !*reason))
		rc = cli_usage(cmd, "missing --reason");
	if (rc)
		return rc;
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "reason", reason);
	char *path = cli_ref_path("policies", name, "/retire");
	struct client_resp resp;
	client_resp_init(&resp);
	rc = cli_call(cli, "POST", path, body, &resp);
	if (!rc)
		print_write(cli, &resp, "retired in version");
	client_resp_release(&resp);
	free(path);
	cJSON_Delete(body);
	return rc;
}

static const char usage_lint[] =
	"usage: ratchet policy lint FILE...\n\n"
	"Checks gate policy files offline (no server, no token) with the server's own\n"
	"strict loader. Prints FILE: ok (policy NAME, N gates) for a clean file, else\n"
	"FILE:LINE:COLUMN: message for every problem, and exits 1 when there is any.\n"
	"-o json prints [{\"file\", \"policy\", \"gates\", \"problems\": [{\"line\", \"column\",\n"
	"\"field\", \"message\"}]}].\n";

static const char usage_apply[] =
	"usage: ratchet policy apply FILE...\n\n"
	"Publishes each file as the next version of the policy it names\n"
	"(PUT /v1/policies/{name}; admin or release-manager). Every file is linted first;\n"
	"any problem (printed FILE:LINE:COLUMN: message on stderr) applies nothing.\n"
	"Identical text makes no new version. A version weaker than the one before is\n"
	"listed line by line and recorded as a confirmed evaluation IO of the change\n"
	"governance:policy:NAME:VERSION.\n";

static const char usage_ls[] = "usage: ratchet policy ls\n\n"
			       "Lists the latest version of every policy (GET /v1/policies),\n"
			       "retired ones included.\n";

static const char usage_show[] =
	"usage: ratchet policy show NAME [--version N]\n\n"
	"Shows one version of a policy (GET /v1/policies/{name}[?version=N]) and its YAML;\n"
	"-o json adds the parsed policy.\n\n"
	"  --version N     this version (default: the latest)\n";

static const char usage_retire[] =
	"usage: ratchet policy retire NAME --reason TEXT\n\n"
	"Retires a policy (POST /v1/policies/{name}/retire; admin or release-manager): a\n"
	"new version with the same text, marked retired, whose gates no longer apply.\n"
	"It drops every gate, so it is recorded as a weakening (an evaluation IO of the\n"
	"change governance:policy:NAME:VERSION). Retiring a retired policy is refused.\n\n"
	"  --reason TEXT   why (required)\n";

static const struct cli_verb policy_verbs[] = {
	{"lint", policy_lint, "check policy files offline", usage_lint},
	{"apply", policy_apply, "publish policy files as new versions", usage_apply},
	{"ls", policy_ls, "list policies", usage_ls},
	{"show", policy_show, "show a version of a policy and its YAML", usage_show},
	{"diff", cmd_policy_diff, "diff two versions, or a version and a file",
	 cmd_policy_diff_usage},
	{"retire", policy_retire, "retire a policy", usage_retire},
};

int cmd_policy(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, "policy",
			    "Lints, applies, lists, shows, diffs and retires gate policies.",
			    policy_verbs, ARRAY_SIZE(policy_verbs), argc, argv);
}
