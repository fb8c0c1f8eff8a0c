/* ratchet import: bulk imports into the register, one verb per format. Here
 * the FIT pilot pack (POST /v1/import/fit-pilot): validated here first with
 * core's parser, sent with an Idempotency-Key derived from its contents, and
 * answered with inserted and duplicate counts and the pack's figures beside
 * ratchet's. The flat files (changes, ios, incidents, drills) are
 * cmd_import_flat.c's, git history cmd_import_git.c's. */
#include "common.h"

#include <getopt.h>

#include "cli.h"
#include "cmd_import.h"
#include "cmd_metrics.h"
#include "err.h"
#include "hash.h"
#include "model.h"

enum import_opt {
	OPT_SERVICE = 256,
	OPT_CHANGES,
	OPT_DRILLS,
	OPT_CATEGORY_MAP,
};

/* The prefix of derived Idempotency-Keys: the key is it + SHA-256 of the body. */
#define FIT_KEY_PREFIX "fit-pilot-"

/* Keys listed by name before "and N more". */
#define LIST_MAX 20

/* "a, b, c" of the array at path (strings or numbers), the first LIST_MAX
 * and "and N more"; NULL if none. */
static char *duplicates_text(const cJSON *resp, const char *path)
{
	const cJSON *list = cmd_metrics_get(resp, path);
	int n = cJSON_GetArraySize(list);
	if (n == 0)
		return NULL;
	struct buf b;
	buf_init(&b, 0);
	buf_append(&b, "", 0);
	const cJSON *item;
	int shown = 0;
	cJSON_ArrayForEach(item, list)
	{
		if (shown++ == LIST_MAX)
			break;
		char *text = output_value(item);
		buf_printf(&b, "%s%s", b.len ? ", " : "", cli_or_dash(text));
		free(text);
	}
	if (n > LIST_MAX)
		buf_printf(&b, " and %d more", n - LIST_MAX);
	return b.data;
}

/* The pack rows that differ from the stored changes, one line each. */
static void print_conflicts(const cJSON *conflicts)
{
	int n = cJSON_GetArraySize(conflicts);
	if (n == 0)
		return;
	printf("conflicts: %d (the pack differs from what is stored; not applied)\n", n);
	const cJSON *c;
	cJSON_ArrayForEach(c, conflicts)
	{
		char *stored = output_value(cmd_metrics_get(c, "stored"));
		char *pack = output_value(cmd_metrics_get(c, "pack"));
		printf("  %s %s: stored %s, pack %s\n", cli_or_dash(cmd_metrics_str(c, "key")),
		       cli_or_dash(cmd_metrics_str(c, "field")), cli_or_dash(stored),
		       cli_or_dash(pack));
		free(stored);
		free(pack);
	}
}

/* A warning on stderr when other active policies gate the imported changes. */
static void warn_other_policies(const cJSON *policies)
{
	if (cJSON_GetArraySize(policies) == 0)
		return;
	struct buf b;
	buf_init(&b, 0);
	const cJSON *p;
	cJSON_ArrayForEach(p, policies)
	{
		char version[OUTPUT_FIGURE_BUFSZ], n[OUTPUT_FIGURE_BUFSZ];
		output_number(cmd_metrics_num(p, "version"), version);
		output_number(cmd_metrics_num(p, "changes"), n);
		buf_printf(&b, "%s%s version %s (%s change%s)", b.len ? ", " : "",
			   cli_or_dash(cmd_metrics_str(p, "name")), version, n,
			   strcmp(n, "1") == 0 ? "" : "s");
	}
	fprintf(stderr,
		"ratchet: warning: other active policies also gate these changes, so the "
		"register's figures for them differ from the pack's: %s\n",
		b.data);
	buf_release(&b);
}

static void print_counts(const char *what, const cJSON *resp, const char *prefix)
{
	char inserted_path[64], dup_path[64];
	snprintf(inserted_path, sizeof(inserted_path), "%s.inserted", prefix);
	snprintf(dup_path, sizeof(dup_path), "%s.duplicates", prefix);
	char n[OUTPUT_FIGURE_BUFSZ];
	output_number(cmd_metrics_num(resp, inserted_path), n);
	int dups = cJSON_GetArraySize(cmd_metrics_get(resp, dup_path));
	char *list = duplicates_text(resp, dup_path);
	printf("%s: %s inserted, %d duplicate%s%s%s%s\n", what, n, dups, dups == 1 ? "" : "s",
	       list ? " (already stored: " : "", list ? list : "", list ? ")" : "");
	free(list);
}

static void print_import(const struct cli *cli, const cJSON *resp)
{
	if (cli->format == OUTPUT_TABLE) {
		char version[OUTPUT_FIGURE_BUFSZ], ios[OUTPUT_FIGURE_BUFSZ];
		output_number(cmd_metrics_num(resp, "policy.version"), version);
		output_number(cmd_metrics_num(resp, "ios"), ios);
		printf("FIT pilot pack imported into service %s (policy %s version %s)\n",
		       cli_or_dash(cmd_metrics_str(resp, "service")),
		       cli_or_dash(cmd_metrics_str(resp, "policy.name")), version);
		print_counts("changes", resp, "changes");
		char *closures = duplicates_text(resp, "changes.closures_recorded");
		if (closures)
			printf("closures recorded on stored changes: %d (%s)\n",
			       cJSON_GetArraySize(
				       cmd_metrics_get(resp, "changes.closures_recorded")),
			       closures);
		free(closures);
		printf("IOs: %s\n", ios);
		print_counts("drills", resp, "drills");
		print_conflicts(cmd_metrics_get(resp, "conflicts"));
		putchar('\n');
	} else if (cJSON_GetArraySize(cmd_metrics_get(resp, "conflicts")) > 0) {
		fprintf(stderr,
			"ratchet: warning: %d conflicts between the pack and what is stored, not "
			"applied (see the table or -o json)\n",
			cJSON_GetArraySize(cmd_metrics_get(resp, "conflicts")));
	}
	warn_other_policies(cmd_metrics_get(resp, "other_policies"));
	cmd_fit_pilot_print_figures(cli, cmd_metrics_get(resp, "figures"));
}

/* The key a retry of the same import sends again: it names the body's hash,
 * so the server answers a repeat with the first answer instead of a second
 * import. The caller frees. */
static char *derived_key(const cJSON *body)
{
	char *text = cJSON_PrintUnformatted(body);
	if (!text)
		abort(); /* cJSON prints NULL only when out of memory */
	char hex[HASH_HEX_LEN + 1];
	hash_sha256_hex(text, strlen(text), hex);
	cJSON_free(text);
	return xasprintf(FIT_KEY_PREFIX "%s", hex);
}

/* POSTs the pack; the server's problems with it are printed as the local
 * check prints its own. Returns an exit code. */
static int post_import(struct cli *cli, const struct fit_files *f, const cJSON *body,
		       struct client_resp *resp)
{
	int rc = cli_connect(cli);
	if (rc)
		return rc;
	struct err err;
	err_init(&err);
	if (client_request(cli->client, "POST", "/v1/import/fit-pilot", body, resp, &err) == 0)
		return 0;
	return cmd_fit_pilot_report(cli, &err, f);
}

static int send_import(struct cli *cli, const struct fit_files *f, const cJSON *body)
{
	char *key = NULL;
	if (!cli->idempotency_key)
		cli->idempotency_key = key = derived_key(body);
	struct client_resp resp;
	client_resp_init(&resp);
	int rc = post_import(cli, f, body, &resp);
	if (!rc && cli->format == OUTPUT_JSON)
		output_json_text(stdout, resp.body.data, resp.body.len);
	else if (!rc)
		print_import(cli, resp.json);
	client_resp_release(&resp);
	if (key && cli->idempotency_key == key)
		cli->idempotency_key = NULL;
	free(key);
	return rc;
}

static int fit_option(struct fit_files *f, const char **service, int c, const char *arg,
		      char **argv)
{
	const char *cmd = "import fit-pilot";
	switch (c) {
	case OPT_SERVICE:
		if (!model_valid_service(arg))
			return cli_usage(cmd,
					 "invalid value '%s' for --service: want "
					 "[a-z0-9][a-z0-9._-]{0,62}",
					 arg);
		*service = arg;
		return 0;
	case OPT_CHANGES:
		f->changes = arg;
		return 0;
	case OPT_DRILLS:
		f->drills = arg;
		return 0;
	case OPT_CATEGORY_MAP:
		f->category_map = arg;
		return 0;
	default:
		return cli_bad_option(cmd, c, argv);
	}
}

static int check_fit_args(const struct fit_files *f, const char *service)
{
	const char *cmd = "import fit-pilot";
	if (!f->changes)
		return cli_usage(cmd, "missing --changes");
	if (!service)
		return cli_usage(cmd, "missing --service");
	if (!*f->changes || (f->drills && !*f->drills) || (f->category_map && !*f->category_map))
		return cli_usage(cmd, "empty file name");
	return 0;
}

static int import_fit_pilot(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"service", required_argument, NULL, OPT_SERVICE},
		{"changes", required_argument, NULL, OPT_CHANGES},
		{"drills", required_argument, NULL, OPT_DRILLS},
		{"category-map", required_argument, NULL, OPT_CATEGORY_MAP},
		{NULL, 0, NULL, 0},
	};
	struct fit_files f = {NULL, NULL, NULL};
	const char *service = NULL;
	int c, rc = cli_getopt_start("import fit-pilot", argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		rc = fit_option(&f, &service, c, optarg, argv);
	if (!rc)
		rc = cli_no_operand("import fit-pilot", argc, argv);
	if (!rc)
		rc = check_fit_args(&f, service);
	cJSON *body = NULL;
	if (!rc)
		rc = cmd_fit_pilot_read(&f, service, &body);
	if (!rc)
		rc = send_import(cli, &f, body);
	cJSON_Delete(body);
	return rc;
}

static const char usage_fit_pilot[] =
	"usage: ratchet import fit-pilot --service S --changes FILE [--drills FILE]\n"
	"                                [--category-map FILE]\n\n"
	"Imports a FIT pilot pack (POST /v1/import/fit-pilot) into service S: each\n"
	"change becomes an effective change (key = change_id; high impact with a\n"
	"confirmed IO when is_io=1, else medium and reviewed no_io) gated by the post\n"
	"evaluation gate 'closure' of the policy 'fit-pilot' (a new policy version\n"
	"lists S when needed); closure_ts_utc becomes a pass of that gate, bypass=1 a\n"
	"bypass of it at effective_at; each drill becomes a drill of S (success=1:\n"
	"restored within its targets; 0: failed). The files are validated here first\n"
	"(problems as FILE:LINE: field: message, exit 2, nothing sent); the server\n"
	"validates again and writes everything or nothing. Changes and drills already\n"
	"stored for S are duplicates, not inserted: a closure the register lacks is\n"
	"recorded (new information), any other difference (effective time, is_io,\n"
	"category, bypass, closure) is printed as a conflict and not applied. Only an\n"
	"admin or a release manager may import (it versions the policy); the service\n"
	"'governance' is reserved. Imported changes are history: nothing checks\n"
	"whether they shipped while blocked. When other active policies (e.g.\n"
	"high-impact) also gate them, a warning says so: the register's figures then\n"
	"differ from the pack's.\n\n"
	"The Idempotency-Key is derived from the contents (unless --idempotency-key is\n"
	"given), so running the same import again with the same token gets the first\n"
	"answer back instead of importing twice.\n\n"
	"Prints inserted and duplicate counts, then the pack's own figures beside\n"
	"ratchet's censored ones computed from the pack (as 'ratchet metrics\n"
	"--fit-pilot'; not the register's figures: see 'ratchet metrics --service S');\n"
	"-o json the API's JSON unchanged; -o csv the figures as in metrics --fit-pilot.\n\n"
	"  --service S          the service the pack describes (required)\n"
	"  --changes FILE       changes.csv: change_id,effective_ts_utc,closure_ts_utc,\n"
	"                       is_io,io_category,bypass,notes\n"
	"  --drills FILE        drills.csv: drill_id,change_id,date_utc,rto_minutes,\n"
	"                       rpo_minutes,success,notes\n"
	"  --category-map FILE  YAML mapping of the pack's category names outside the\n"
	"                       six to ratchet's (self_eval_gating: evaluation)\n";

static const struct cli_verb import_verbs[] = {
	{"changes", cmd_import_flat, "import changes from a CSV or JSONL file",
	 cmd_import_usage_changes},
	{"ios", cmd_import_flat, "import IOs from a CSV or JSONL file", cmd_import_usage_ios},
	{"incidents", cmd_import_flat, "import incidents, rollbacks, near misses (CSV or JSONL)",
	 cmd_import_usage_incidents},
	{"drills", cmd_import_flat, "import rollback drills from a CSV or JSONL file",
	 cmd_import_usage_drills},
	{"fit-pilot", import_fit_pilot, "import a FIT pilot pack (changes.csv, drills.csv)",
	 usage_fit_pilot},
	{"git", cmd_import_git, "import git history (a repository or a git log file)",
	 cmd_import_usage_git},
};

int cmd_import(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, "import", "Imports records into the register in bulk.",
			    import_verbs, ARRAY_SIZE(import_verbs), argc, argv);
}
