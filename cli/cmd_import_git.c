/* ratchet import git --repo DIR | --log FILE: git history into the register
 * (POST /v1/import/git). --repo runs DESIGN.md's git log command; --log reads
 * a file of its output. Both are checked here first with core's parser (bad
 * records as FILE:LINE: message, exit 2, nothing sent), and --rules with
 * core's rules loader (FILE:LINE:COLUMN: message, exit 2). The log goes as
 * the raw body (text/plain), or with --rules in a JSON envelope
 * {"log_base64", "rules_yaml", "rules_file"}. The request carries the
 * client's own Idempotency-Key (a retry of this run gets the first answer);
 * running the import again is a new request, whose answer reports the
 * changes already stored as duplicates. Prints what was written and the
 * hashes reported. */
#include "common.h"

#include <getopt.h>

#include "cmd_import.h"
#include "cmd_metrics.h"
#include "err.h"
#include "git.h"
#include "gitlog.h"
#include "import_rules.h"
#include "model.h"
#include "rtime.h"

/* Largest log read or collected from git: the server's limit (--max-import,
 * 256 MiB by default) decides below it. */
#define GIT_LOG_MAX ((size_t)1 << 30)
/* Problems printed locally before "and N more". */
#define PRINT_MAX 1000
#define CMD "import git"

enum git_opt {
	OPT_REPO = 256,
	OPT_LOG,
	OPT_RULES,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_SERVICE,
	OPT_DRY_RUN,
	OPT_SKIP_BAD,
};

struct git_args {
	const char *repo, *log, *rules, *since, *until, *service;
	int64_t since_at, until_at;
	bool dry_run, skip_bad;
};

struct text {
	char *data;
	size_t len;
};

/* Writes text to stderr with control characters replaced. */
static void put_clean(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		fputc(*p < ' ' || *p == 0x7f ? '?' : *p, stderr);
}

static void print_problem(const char *text)
{
	fputs("ratchet: ", stderr);
	put_clean(text);
	fputc('\n', stderr);
}

/* Reads path whole, at most max bytes. Returns an exit code. */
static int read_whole(const char *path, size_t max, struct text *t)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "ratchet: cannot read \"%s\": %s\n", path, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	struct buf b;
	buf_init(&b, max);
	char chunk[65536];
	size_t got;
	int too_large = 0;
	while (!too_large && (got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		too_large = buf_append(&b, chunk, got) < 0;
	int failed = ferror(fp), saved = errno;
	fclose(fp);
	if (too_large || failed) {
		if (too_large)
			fprintf(stderr, "ratchet: \"%s\" is larger than %zu bytes\n", path, max);
		else
			fprintf(stderr, "ratchet: cannot read \"%s\": %s\n", path, strerror(saved));
		buf_release(&b);
		return CLI_EXIT_FAIL;
	}
	t->len = b.len;
	t->data = b.data ? b.data : xstrdup("");
	return 0;
}

/* ---- arguments -------------------------------------------------------------------------- */

/* An RFC 3339 time, or a date YYYY-MM-DD (midnight UTC), as the server takes,
 * into *usec. */
static int check_when(const char *opt, const char *value, int64_t *usec)
{
	bool date = strlen(value) == 10 && value[4] == '-' && value[7] == '-';
	for (size_t i = 0; date && i < 10; i++)
		if (i != 4 && i != 7 && (value[i] < '0' || value[i] > '9'))
			date = false;
	char midnight[32];
	snprintf(midnight, sizeof(midnight), "%sT00:00:00Z", value);
	int rc = cli_check_time(CMD, opt, date ? midnight : value);
	struct err err;
	err_init(&err);
	if (rc == 0)
		rtime_parse(date ? midnight : value, usec, &err);
	return rc;
}

static int git_option(struct git_args *a, int c, const char *arg, char **argv)
{
	switch (c) {
	case OPT_REPO:
		a->repo = arg;
		return *arg ? 0 : cli_usage(CMD, "empty directory for --repo");
	case OPT_LOG:
		a->log = arg;
		return *arg ? 0 : cli_usage(CMD, "empty file name for --log");
	case OPT_RULES:
		a->rules = arg;
		return *arg ? 0 : cli_usage(CMD, "empty file name for --rules");
	case OPT_SINCE:
		a->since = arg;
		return check_when("--since", arg, &a->since_at);
	case OPT_UNTIL:
		a->until = arg;
		return check_when("--until", arg, &a->until_at);
	case OPT_SERVICE:
		a->service = arg;
		if (!model_valid_service(arg))
			return cli_usage(CMD,
					 "invalid value '%s' for --service: want "
					 "[a-z0-9][a-z0-9._-]{0,62}",
					 arg);
		return 0;
	case OPT_DRY_RUN:
		a->dry_run = true;
		return 0;
	case OPT_SKIP_BAD:
		a->skip_bad = true;
		return 0;
	default:
		return cli_bad_option(CMD, c, argv);
	}
}

static int parse_args(struct git_args *a, int argc, char **argv)
{
	static const struct option options[] = {
		{"repo", required_argument, NULL, OPT_REPO},
		{"log", required_argument, NULL, OPT_LOG},
		{"rules", required_argument, NULL, OPT_RULES},
		{"since", required_argument, NULL, OPT_SINCE},
		{"until", required_argument, NULL, OPT_UNTIL},
		{"service", required_argument, NULL, OPT_SERVICE},
		{"dry-run", no_argument, NULL, OPT_DRY_RUN},
		{"skip-bad", no_argument, NULL, OPT_SKIP_BAD},
		{NULL, 0, NULL, 0},
	};
	int c, rc = cli_getopt_start(CMD, argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		rc = git_option(a, c, optarg, argv);
	if (!rc)
		rc = cli_no_operand(CMD, argc, argv);
	if (rc)
		return rc;
	if (!a->repo == !a->log)
		return cli_usage(CMD, "give exactly one of --repo DIR and --log FILE");
	if (!a->service)
		return cli_usage(CMD, "missing --service");
	if (a->since && a->until && a->since_at >= a->until_at)
		return cli_usage(CMD, "--until must come after --since");
	return 0;
}

/* ---- the local checks ------------------------------------------------------------------- */

/* The rules file as the server will load it. Returns an exit code. */
static int lint_rules(const char *file, const struct text *t)
{
	struct import_rules rules;
	struct err err;
	err_init(&err);
	if (import_rules_parse(file, t->data, t->len, &rules, &err) == 0) {
		import_rules_release(&rules);
		return 0;
	}
	for (int i = 0; i < err.n_details && i < ERR_MAX_DETAILS; i++) {
		const struct err_detail *d = &err.details[i];
		char *text = xasprintf("%s:%d:%d: %s", file, d->line > 0 ? d->line : 1,
				       d->column > 0 ? d->column : 1, d->message);
		print_problem(text);
		free(text);
	}
	if (err.n_details == 0)
		print_problem(err.message);
	return CLI_EXIT_USAGE;
}

/* The log as the server will parse it: bad records stop here unless
 * --skip-bad. Returns an exit code. */
static int check_log(const char *file, const struct text *t, bool skip_bad)
{
	struct gitlog log;
	struct err err;
	err_init(&err);
	int rc = 0;
	if (gitlog_parse(file, t->data, t->len, &log, &err) < 0 && (log.too_large || !skip_bad)) {
		if (log.too_large || log.n_problems == 0)
			print_problem(err.message);
		for (size_t i = 0; !log.too_large && i < log.n_problems && i < PRINT_MAX; i++) {
			char *text = xasprintf("%s:%d: %s", file, log.problems[i].line,
					       log.problems[i].message);
			print_problem(text);
			free(text);
		}
		if (!log.too_large && log.n_bad > log.n_problems)
			fprintf(stderr, "ratchet: and %zu more bad records\n",
				log.n_bad - log.n_problems);
		rc = CLI_EXIT_USAGE;
	} else if (log.n_commits == 0 && log.n_bad == 0) {
		fprintf(stderr, "ratchet: %s: no commits\n", file);
		rc = CLI_EXIT_USAGE;
	}
	gitlog_release(&log);
	return rc;
}

/* ---- the request ------------------------------------------------------------------------ */

/* The name problems carry: the path as given, or its last part if long. */
static const char *sent_name(const char *path)
{
	if (strlen(path) <= 200)
		return path;
	const char *slash = strrchr(path, '/');
	return slash && strlen(slash + 1) <= 200 && slash[1] ? slash + 1 : "git.log";
}

static char *request_path(const struct git_args *a, const char *file)
{
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "/v1/import/git");
	client_query_add(&b, "service", a->service);
	client_query_add(&b, "file", file);
	client_query_add(&b, "since", a->since);
	client_query_add(&b, "until", a->until);
	if (a->dry_run)
		client_query_add(&b, "dry_run", "true");
	if (a->skip_bad)
		client_query_add(&b, "skip_bad", "true");
	return b.data;
}

static char *base64(const char *data, size_t len)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc((len + 2) / 3 * 4 + 1), *o = out;
	const unsigned char *p = (const unsigned char *)data;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		*o++ = abc[v >> 18 & 63];
		*o++ = abc[v >> 12 & 63];
		*o++ = i + 1 < len ? abc[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? abc[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* {"log_base64", "rules_yaml", "rules_file"}. The caller frees. */
static char *envelope(const struct text *log, const struct text *rules, const char *rules_file)
{
	cJSON *o = cJSON_CreateObject();
	char *b64 = base64(log->data, log->len);
	cJSON_AddStringToObject(o, "rules_yaml", rules->data);
	cJSON_AddStringToObject(o, "rules_file", sent_name(rules_file));
	cJSON_AddItemToObject(o, "log_base64", cJSON_CreateStringReference(b64));
	char *text = cJSON_PrintUnformatted(o);
	if (!text)
		abort(); /* cJSON prints NULL only when out of memory */
	cJSON_Delete(o);
	free(b64);
	char *copy = xstrdup(text);
	cJSON_free(text);
	return copy;
}

/* ---- the answer ------------------------------------------------------------------------- */

static char *render_commit(const cJSON *item)
{
	const char *c = cmd_metrics_str(item, "commit");
	return c ? xstrndup(c, 12) : NULL;
}

static const struct output_column report_columns[] = {
	{"STATUS", "status", NULL}, {"COMMIT", NULL, render_commit}, {"LINE", "line", NULL},
	{"HOW", "how", NULL},	    {"WRITTEN", "written", NULL},    {"RESOLVED", "resolved", NULL},
	{"RULE", "rule", NULL},
};

static const struct output_column problem_columns[] = {
	{"LINE", "line", NULL},
	{"MESSAGE", "message", NULL},
};

static double num(const cJSON *resp, const char *path)
{
	return cmd_metrics_num(resp, path);
}

/* "name n, name n" of the non-zero members of obj ("" when none is). */
static char *counts_text(const cJSON *obj)
{
	struct buf b;
	buf_init(&b, 0);
	buf_append(&b, "", 0);
	const cJSON *item;
	cJSON_ArrayForEach(item, obj)
	{
		if (!cJSON_IsNumber(item) || item->valuedouble == 0)
			continue;
		buf_printf(&b, "%s%s %.0f", b.len ? ", " : "", item->string, item->valuedouble);
	}
	return b.data;
}

static void print_summary(const cJSON *resp)
{
	bool dry = cJSON_IsTrue(cmd_metrics_get(resp, "dry_run"));
	printf("%s git history into service %s from %s (rules %s version %.0f, source %s)\n",
	       dry ? "dry run (nothing written) of importing" : "imported",
	       cli_or_dash(cmd_metrics_str(resp, "service")),
	       cli_or_dash(cmd_metrics_str(resp, "file")),
	       cli_or_dash(cmd_metrics_str(resp, "rules.name")), num(resp, "rules.version"),
	       cli_or_dash(cmd_metrics_str(resp, "rules.source")));
	printf("commits: %.0f imported of %.0f records (%.0f outside --since/--until, %.0f bad "
	       "records skipped); invalid UTF-8 replaced: %.0f\n",
	       num(resp, "commits"), num(resp, "records"), num(resp, "outside_range"),
	       num(resp, "bad_records.count"), num(resp, "replaced"));
	printf("changes: %.0f inserted, %.0f duplicate%s (already stored)\n",
	       num(resp, "changes.inserted"), num(resp, "changes.duplicates"),
	       num(resp, "changes.duplicates") == 1 ? "" : "s");
	printf("impact: high %.0f, medium %.0f, low %.0f\n", num(resp, "impact.high"),
	       num(resp, "impact.medium"), num(resp, "impact.low"));
	char *cats = counts_text(cmd_metrics_get(resp, "candidate_ios.by_category"));
	printf("candidate IOs: %.0f inserted%s%s%s, %.0f labelled after an outcome\n",
	       num(resp, "candidate_ios.inserted"), *cats ? " (" : "", cats, *cats ? ")" : "",
	       num(resp, "candidate_ios.labelled_after_outcome"));
	free(cats);
	printf("outcomes: %.0f found, %.0f inserted, %.0f already stored (rollback %.0f, incident "
	       "%.0f)\n",
	       num(resp, "outcomes.found"), num(resp, "outcomes.inserted"),
	       num(resp, "outcomes.existing"), num(resp, "outcomes.rollback"),
	       num(resp, "outcomes.incident"));
	static const char *const hows[] = {"revert", "regression", "follow_up"};
	printf("links (found/made/already stored):");
	for (size_t i = 0; i < ARRAY_SIZE(hows); i++) {
		char path[64];
		snprintf(path, sizeof(path), "links.%s", hows[i]);
		const cJSON *l = cmd_metrics_get(resp, path);
		printf("%s %s %.0f/%.0f/%.0f", i ? ";" : "", hows[i], num(l, "found"),
		       num(l, "made"), num(l, "existing"));
	}
	printf("\nrefs: %.0f (incidents keyed by one linked now: %.0f)\n", num(resp, "refs"),
	       num(resp, "ref_links"));
	printf("hashes reported: short %.0f (linked), ambiguous %.0f, unknown %.0f (not linked)\n",
	       num(resp, "reported.short"), num(resp, "reported.ambiguous"),
	       num(resp, "reported.unknown"));
}

static void print_answer(const struct cli *cli, const cJSON *resp)
{
	const cJSON *reports = cmd_metrics_get(resp, "reports");
	const cJSON *problems = cmd_metrics_get(resp, "bad_records.problems");
	if (cli->format != OUTPUT_TABLE) {
		output_list(stdout, OUTPUT_CSV, report_columns, ARRAY_SIZE(report_columns),
			    reports);
		return;
	}
	print_summary(resp);
	if (cJSON_GetArraySize(problems) > 0) {
		printf("\nbad records skipped:\n");
		output_list(stdout, OUTPUT_TABLE, problem_columns, ARRAY_SIZE(problem_columns),
			    problems);
	}
	if (cJSON_GetArraySize(reports) > 0) {
		putchar('\n');
		output_list(stdout, OUTPUT_TABLE, report_columns, ARRAY_SIZE(report_columns),
			    reports);
	}
}

/* Whether every detail is a problem of the log ("FILE:..."). */
static bool log_problems(const struct err *err, const char *file)
{
	size_t len = strlen(file);
	for (int i = 0; i < err->n_details && i < ERR_MAX_DETAILS; i++)
		if (strncmp(err->details[i].message, file, len) != 0 ||
		    err->details[i].message[len] != ':')
			return false;
	return err->n_details > 0;
}

static int report_server(struct cli *cli, const struct err *err, const char *file)
{
	if (err->code != ERR_INVALID || !log_problems(err, file))
		return cli_report(cli, err);
	for (int i = 0; i < err->n_details && i < ERR_MAX_DETAILS; i++)
		print_problem(err->details[i].message);
	return CLI_EXIT_FAIL;
}

static int send_import(struct cli *cli, const struct git_args *a, const char *file,
		       const struct text *log, const struct text *rules)
{
	char *path = request_path(a, file);
	char *body = a->rules ? envelope(log, rules, a->rules) : NULL;
	struct client_resp resp;
	client_resp_init(&resp);
	int rc = cli_connect(cli);
	struct err err;
	err_init(&err);
	if (!rc && client_request_raw(cli->client, path, body ? "application/json" : "text/plain",
				      body ? body : log->data, body ? strlen(body) : log->len,
				      &resp, &err) < 0)
		rc = report_server(cli, &err, file);
	if (!rc && cli->format == OUTPUT_JSON)
		output_json_text(stdout, resp.body.data, resp.body.len);
	else if (!rc)
		print_answer(cli, resp.json);
	client_resp_release(&resp);
	free(body);
	free(path);
	return rc;
}

int cmd_import_git(struct cli *cli, int argc, char **argv)
{
	struct git_args a;
	memset(&a, 0, sizeof(a));
	struct text log = {NULL, 0}, rules = {NULL, 0};
	int rc = parse_args(&a, argc, argv);
	const char *file = a.log ? sent_name(a.log) : "git log";
	if (!rc && a.rules)
		rc = read_whole(a.rules, IMPORT_RULES_TEXT_MAX + 1, &rules);
	if (!rc && a.rules)
		rc = lint_rules(a.rules, &rules);
	if (!rc && a.log) {
		rc = read_whole(a.log, GIT_LOG_MAX, &log);
	} else if (!rc) {
		struct buf out;
		struct err err;
		err_init(&err);
		if (git_log_read(a.repo, GIT_LOG_MAX, &out, &err) < 0) {
			print_problem(err.message);
			rc = CLI_EXIT_FAIL;
		} else {
			log.len = out.len;
			log.data = out.data ? out.data : xstrdup("");
		}
	}
	if (!rc)
		rc = check_log(file, &log, a.skip_bad);
	if (!rc)
		rc = send_import(cli, &a, file, &log, &rules);
	free(log.data);
	free(rules.data);
	return rc;
}

const char cmd_import_usage_git[] =
	"usage: ratchet import git (--repo DIR | --log FILE) --service NAME [--rules F.yaml]\n"
	"                          [--since T] [--until T] [--dry-run] [--skip-bad]\n\n"
	"Imports git history (POST /v1/import/git) into service NAME. --repo runs\n"
	"  git -C DIR log --first-parent --no-color \\\n"
	"      --format=%x1e%H%x1f%P%x1f%an%x1f%aI%x1f%cI%x1f%B%x1f --numstat\n"
	"and --log reads a file of exactly that output. Each commit becomes an effective\n"
	"change (key = full hash, title = subject, effective_at = committer date,\n"
	"author, touched paths, refs \"#N\" from Fixes #N / Closes #N), imported as\n"
	"history (no ship check). The import rules (the server's policies/import/git.yaml\n"
	"unless --rules) set each change's impact and its candidate IOs (status\n"
	"candidate, source rule:NAME@VERSION), and read links from the messages:\n"
	"reverts become rollbacks and Fixes:/Regression lines incidents, each linked to\n"
	"the change it names (how revert|regression, with the rules' name and version);\n"
	"follow-ups are links between changes, no outcome. Abbreviated hashes are\n"
	"linked and reported; ambiguous and unknown ones are reported, not linked.\n"
	"Changes already stored are duplicates, never written twice; links already\n"
	"stored stay as they are. Everything is written in one transaction.\n\n"
	"The log is checked here first (bad records as FILE:LINE: message, exit 2,\n"
	"nothing sent), and so are the rules (FILE:LINE:COLUMN: message, exit 2).\n"
	"Prints changes inserted and duplicate, impacts, candidate IOs per category,\n"
	"outcomes and links by how, refs, and the reported hashes; -o json the API's\n"
	"JSON unchanged; -o csv the reported hashes.\n\n"
	"  --repo DIR       a git repository: its first-parent history from HEAD\n"
	"  --log FILE       a file of the git log output above\n"
	"  --service NAME   the service the history belongs to (required)\n"
	"  --rules F.yaml   import rules sent with the log (stored as a version of\n"
	"                   their name unless that text is stored; raise version on\n"
	"                   every edit)\n"
	"  --since T        only commits whose committer date is at or after T\n"
	"  --until T        only commits whose committer date is before T\n"
	"                   (T: RFC 3339, or a date YYYY-MM-DD meaning midnight UTC)\n"
	"  --dry-run        say what the import would do; write nothing\n"
	"  --skip-bad       import the good records of a log with bad ones (listed)\n";
