/* ratchet import changes|ios|incidents|drills FILE: a flat file (CSV with a
 * header, or JSONL) validated here first with core's parser (problems as
 * FILE:LINE: field: message, exit 2, nothing sent), then POSTed as it is to
 * /v1/import/KIND with its map, zone and options in the query and an
 * Idempotency-Key derived from the request, so a retry or a rerun gets the
 * first answer. Prints what was inserted, the duplicates and skipped rows. */
#include "common.h"

#include <getopt.h>

#include "cmd_import.h"
#include "cmd_metrics.h"
#include "err.h"
#include "flat_import.h"
#include "hash.h"
#include "model.h"

/* Largest file read: the server's limit (--max-import, 256 MiB by default)
 * decides below it. */
#define FLAT_FILE_MAX ((size_t)1 << 30)
/* Problems printed locally before "and N more". */
#define PRINT_MAX 1000
/* The prefix of derived Idempotency-Keys: it + the SHA-256 of the request. */
#define KEY_PREFIX "import-"

enum flat_opt { OPT_MAP = 256, OPT_SKIP_BAD, OPT_TZ, OPT_SERVICE, OPT_FORMAT };

struct flat_args {
	const char *cmd; /* "import changes" */
	enum flat_kind kind;
	const char *file, *map_file, *tz, *service;
	int format; /* -1: from the file name */
	bool skip_bad;
	char tz_suffix[8];
};

struct flat_text {
	char *data;
	size_t len;
};

/* Writes text to stderr with control characters replaced (it quotes the file). */
static void put_clean(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		fputc(*p < ' ' || *p == 0x7f ? '?' : *p, stderr);
}

/* Reads path whole, at most max bytes. Returns an exit code. */
static int read_whole(const char *path, size_t max, struct flat_text *t)
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

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);
	return n >= k && strcasecmp(s + n - k, tail) == 0;
}

/* ---- arguments ------------------------------------------------------------------------ */

static int flat_option(struct flat_args *a, int c, const char *arg, char **argv)
{
	struct err err;
	err_init(&err);
	switch (c) {
	case OPT_MAP:
		a->map_file = arg;
		return *arg ? 0 : cli_usage(a->cmd, "empty file name for --map");
	case OPT_SKIP_BAD:
		a->skip_bad = true;
		return 0;
	case OPT_TZ:
		a->tz = arg;
		if (flat_tz_parse(arg, a->tz_suffix, &err) < 0)
			return cli_usage(a->cmd, "invalid value for --tz: %s", err.message);
		return 0;
	case OPT_SERVICE:
		a->service = arg;
		if (!model_valid_service(arg))
			return cli_usage(a->cmd,
					 "invalid value '%s' for --service: want "
					 "[a-z0-9][a-z0-9._-]{0,62}",
					 arg);
		return 0;
	case OPT_FORMAT:
		a->format = model_lookup(&flat_format_names, arg);
		if (a->format < 0)
			return cli_usage(a->cmd, "invalid value '%s' for --format: want %s", arg,
					 flat_format_names.list);
		return 0;
	default:
		return cli_bad_option(a->cmd, c, argv);
	}
}

static int parse_args(struct flat_args *a, int argc, char **argv)
{
	static const struct option options[] = {
		{"map", required_argument, NULL, OPT_MAP},
		{"skip-bad", no_argument, NULL, OPT_SKIP_BAD},
		{"tz", required_argument, NULL, OPT_TZ},
		{"service", required_argument, NULL, OPT_SERVICE},
		{"format", required_argument, NULL, OPT_FORMAT},
		{NULL, 0, NULL, 0},
	};
	int c, rc = cli_getopt_start(a->cmd, argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		rc = flat_option(a, c, optarg, argv);
	if (!rc)
		rc = cli_one_operand(a->cmd, "FILE", argc, argv, &a->file);
	if (rc || a->format >= 0)
		return rc;
	if (ends_with(a->file, ".csv"))
		a->format = FLAT_CSV;
	else if (ends_with(a->file, ".jsonl") || ends_with(a->file, ".ndjson"))
		a->format = FLAT_JSONL;
	else
		return cli_usage(a->cmd,
				 "cannot tell the format of '%s': name it .csv or .jsonl, or give "
				 "--format csv|jsonl",
				 a->file);
	return 0;
}

/* ---- the local check ------------------------------------------------------------------- */

/* The map's problems: "FILE:L:C: message" each. Returns CLI_EXIT_USAGE. */
static int report_map(const char *file, const struct err *err)
{
	for (int i = 0; i < err->n_details && i < ERR_MAX_DETAILS; i++) {
		const struct err_detail *d = &err->details[i];
		fprintf(stderr, "ratchet: %s:%d:%d: ", file, d->line > 0 ? d->line : 1,
			d->column > 0 ? d->column : 1);
		put_clean(d->message);
		fputc('\n', stderr);
	}
	if (err->n_details == 0) {
		fputs("ratchet: ", stderr);
		put_clean(err->message);
		fputc('\n', stderr);
	}
	return CLI_EXIT_USAGE;
}

static void report_problems(const struct flat_result *res, const char *file)
{
	for (size_t i = 0; i < res->n_problems && i < PRINT_MAX; i++) {
		char *text = flat_problem_text(file, &res->problems[i]);
		fputs("ratchet: ", stderr);
		put_clean(text);
		fputc('\n', stderr);
		free(text);
	}
	size_t shown = res->n_problems < PRINT_MAX ? res->n_problems : PRINT_MAX;
	if (res->n_problems_total > shown)
		fprintf(stderr, "ratchet: and %zu more problems\n", res->n_problems_total - shown);
}

/* Parses the map and the file as the server will; an exit code. */
static int check_locally(const struct flat_args *a, const struct flat_text *file,
			 const struct flat_text *map_text)
{
	struct flat_map map = {0};
	struct err err;
	err_init(&err);
	if (a->map_file &&
	    flat_map_parse(a->map_file, map_text->data, map_text->len, a->kind, &map, &err) < 0)
		return report_map(a->map_file, &err);
	struct flat_options o;
	flat_options_init(&o, a->kind);
	o.format = (enum flat_format)a->format;
	o.file = a->file;
	o.map = a->map_file ? &map : NULL;
	o.tz = a->tz ? a->tz_suffix : NULL;
	o.service = a->service;
	struct flat_result res;
	err_init(&err);
	int rc = 0;
	flat_import_parse(&o, file->data, file->len, &res, &err);
	/* with --skip-bad the server lists the bad rows in its answer */
	if (res.fatal || (res.n_problems_total && !a->skip_bad)) {
		report_problems(&res, a->file);
		rc = CLI_EXIT_USAGE;
	}
	flat_result_release(&res);
	flat_map_release(&map);
	return rc;
}

/* ---- the request ------------------------------------------------------------------------ */

/* The name problems carry: the path as given, or its last part if long. */
static const char *sent_name(const char *path)
{
	if (strlen(path) <= 200)
		return path;
	const char *slash = strrchr(path, '/');
	return slash && strlen(slash + 1) <= 200 && slash[1] ? slash + 1 : "import";
}

static char *request_path(const struct flat_args *a, const struct flat_text *map_text)
{
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "/v1/import/%s", model_name(&flat_kind_names, (int)a->kind));
	client_query_add(&b, "file", sent_name(a->file));
	client_query_add(&b, "format", model_name(&flat_format_names, a->format));
	if (a->skip_bad)
		client_query_add(&b, "skip_bad", "true");
	client_query_add(&b, "tz", a->tz);
	client_query_add(&b, "service", a->service);
	if (a->map_file) {
		client_query_add(&b, "map", map_text->data);
		client_query_add(&b, "map_file", sent_name(a->map_file));
	}
	return b.data;
}

/* The key a rerun of the same import sends again: the hash of the path with
 * its query and of the body. The caller frees. */
static char *derived_key(const char *path, const struct flat_text *file)
{
	struct buf b;
	buf_init(&b, 0);
	buf_append(&b, path, strlen(path));
	buf_append(&b, "\n", 1);
	buf_append(&b, file->data, file->len);
	char hex[HASH_HEX_LEN + 1];
	hash_sha256_hex(b.data, b.len, hex);
	buf_release(&b);
	return xasprintf(KEY_PREFIX "%s", hex);
}

/* Whether every detail is a problem of the file ("FILE:..."). */
static bool file_problems(const struct err *err, const char *file)
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
	if (err->code != ERR_INVALID || !file_problems(err, file))
		return cli_report(cli, err);
	for (int i = 0; i < err->n_details && i < ERR_MAX_DETAILS; i++) {
		fputs("ratchet: ", stderr);
		put_clean(err->details[i].message);
		fputc('\n', stderr);
	}
	const char *more = strstr(err->message, " (and ");
	if (more && err->n_details >= ERR_MAX_DETAILS) {
		fputs("ratchet: the server listed the first problems", stderr);
		put_clean(more);
		fputc('\n', stderr);
	}
	return CLI_EXIT_FAIL;
}

/* ---- the answer ---------------------------------------------------------------------- */

static const struct output_column line_columns[] = {
	{"STATUS", "status", NULL}, {"LINE", "line", NULL},	  {"KEY", "key", NULL},
	{"FIELD", "field", NULL},   {"MESSAGE", "message", NULL},
};

/* The duplicates and skipped problems as one list of rows. */
static cJSON *answer_lines(const cJSON *resp)
{
	cJSON *items = cJSON_CreateArray();
	const cJSON *d;
	cJSON_ArrayForEach(d, cmd_metrics_get(resp, "duplicates.items"))
	{
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "status", "duplicate");
		cJSON_AddItemToObject(o, "line", cJSON_Duplicate(cmd_metrics_get(d, "line"), 1));
		cJSON_AddItemToObject(o, "key", cJSON_Duplicate(cmd_metrics_get(d, "key"), 1));
		cJSON_AddNullToObject(o, "field");
		cJSON_AddItemToObject(o, "message",
				      cJSON_Duplicate(cmd_metrics_get(d, "reason"), 1));
		cJSON_AddItemToArray(items, o);
	}
	cJSON_ArrayForEach(d, cmd_metrics_get(resp, "skipped.problems"))
	{
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "status", "skipped");
		cJSON_AddItemToObject(o, "line", cJSON_Duplicate(cmd_metrics_get(d, "line"), 1));
		cJSON_AddNullToObject(o, "key");
		cJSON_AddItemToObject(o, "field", cJSON_Duplicate(cmd_metrics_get(d, "field"), 1));
		cJSON_AddItemToObject(o, "message",
				      cJSON_Duplicate(cmd_metrics_get(d, "message"), 1));
		cJSON_AddItemToArray(items, o);
	}
	return items;
}

static void print_answer(const struct cli *cli, const struct flat_args *a, const cJSON *resp)
{
	cJSON *items = answer_lines(resp);
	if (cli->format == OUTPUT_TABLE) {
		printf("imported %s from %s: %.0f rows, %.0f inserted, %.0f duplicate%s, %.0f "
		       "skipped\n",
		       model_name(&flat_kind_names, (int)a->kind), cmd_metrics_str(resp, "file"),
		       cmd_metrics_num(resp, "rows"), cmd_metrics_num(resp, "inserted"),
		       cmd_metrics_num(resp, "duplicates.count"),
		       cmd_metrics_num(resp, "duplicates.count") == 1 ? "" : "s",
		       cmd_metrics_num(resp, "skipped.rows"));
		if (a->kind == FLAT_INCIDENTS)
			printf("links to changes whose refs name the incident (follow_up): %.0f\n",
			       cmd_metrics_num(resp, "links"));
		if (a->kind == FLAT_IOS)
			printf("IOs labelled after their change's outcome: %.0f\n",
			       cmd_metrics_num(resp, "labelled_after_outcome"));
		if (cJSON_GetArraySize(items) > 0) {
			putchar('\n');
			output_list(stdout, OUTPUT_TABLE, line_columns, ARRAY_SIZE(line_columns),
				    items);
		}
	} else {
		output_list(stdout, OUTPUT_CSV, line_columns, ARRAY_SIZE(line_columns), items);
	}
	cJSON_Delete(items);
}

static int send_import(struct cli *cli, const struct flat_args *a, const struct flat_text *file,
		       const struct flat_text *map_text)
{
	char *path = request_path(a, map_text);
	char *key = NULL;
	if (!cli->idempotency_key)
		cli->idempotency_key = key = derived_key(path, file);
	struct client_resp resp;
	client_resp_init(&resp);
	int rc = cli_connect(cli);
	struct err err;
	err_init(&err);
	const char *type = a->format == FLAT_JSONL ? "application/x-ndjson" : "text/csv";
	if (!rc &&
	    client_request_raw(cli->client, path, type, file->data, file->len, &resp, &err) < 0)
		rc = report_server(cli, &err, sent_name(a->file));
	if (!rc && cli->format == OUTPUT_JSON)
		output_json_text(stdout, resp.body.data, resp.body.len);
	else if (!rc)
		print_answer(cli, a, resp.json);
	client_resp_release(&resp);
	if (key && cli->idempotency_key == key)
		cli->idempotency_key = NULL;
	free(key);
	free(path);
	return rc;
}

int cmd_import_flat(struct cli *cli, int argc, char **argv)
{
	struct flat_args a;
	memset(&a, 0, sizeof(a));
	a.kind = (enum flat_kind)model_lookup(&flat_kind_names, argv[0]);
	a.format = -1;
	char cmd[32];
	snprintf(cmd, sizeof(cmd), "import %s", argv[0]);
	a.cmd = cmd;
	struct flat_text file = {NULL, 0}, map_text = {NULL, 0};
	int rc = parse_args(&a, argc, argv);
	if (!rc)
		rc = read_whole(a.file, FLAT_FILE_MAX, &file);
	if (!rc && a.map_file)
		rc = read_whole(a.map_file, FLAT_MAP_TEXT_MAX + 1, &map_text);
	if (!rc)
		rc = check_locally(&a, &file, &map_text);
	if (!rc)
		rc = send_import(cli, &a, &file, &map_text);
	free(file.data);
	free(map_text.data);
	return rc;
}

/* ---- help ------------------------------------------------------------------------------- */

#define COMMON_HELP                                                                                \
	"Every row is validated here first (problems as FILE:LINE: field: message,\n"              \
	"all of them, exit 2, nothing sent), then the file is POSTed as it is to\n"                \
	"/v1/import/KIND, which validates again against what is stored and writes all\n"           \
	"or nothing. Rows already stored (the same identity) or repeated in the file\n"            \
	"are reported as duplicates, not inserted; a second row of one identity with\n"            \
	"other values is a problem. The Idempotency-Key is derived from the request\n"             \
	"(unless --idempotency-key is given), so rerunning the same import gets the\n"             \
	"first answer back. README \"Imports\" has the formats and examples.\n\n"                  \
	"  --map F.yaml     rename columns: a YAML mapping 'Source name: field' (null\n"           \
	"                   drops a column); strict, errors as F.yaml:LINE:COLUMN\n"               \
	"  --skip-bad       write the good rows and list the bad ones (a broken header\n"          \
	"                   or CSV syntax still stops the import)\n"                               \
	"  --tz ZONE        read times without an offset in ZONE: UTC, Z or +hh:mm\n"              \
	"                   (named zones are not supported); without it they are errors\n"         \
	"  --service S      the service of rows that name none\n"                                  \
	"  --format F       csv or jsonl (default: from FILE's name, .csv or .jsonl)\n\n"          \
	"Prints the counts and a line per duplicate or skipped row; -o json the API's\n"           \
	"JSON unchanged; -o csv those lines.\n"

const char cmd_import_usage_changes[] =
	"usage: ratchet import changes FILE [--map F.yaml] [--skip-bad] [--tz ZONE]\n"
	"                              [--service S] [--format csv|jsonl]\n\n"
	"Imports changes (POST /v1/import/changes) as history: no ship check. Fields as\n"
	"POST /v1/changes: key (or external_key, the same), title, service, impact,\n"
	"state, planned_for, effective_at (required with state effective), author,\n"
	"links and refs (in CSV: separated by spaces), boundary (in CSV: a JSON\n"
	"object). A change is a duplicate when service:key is stored.\n\n" COMMON_HELP;

const char cmd_import_usage_ios[] =
	"usage: ratchet import ios FILE [--map F.yaml] [--skip-bad] [--tz ZONE]\n"
	"                          [--service S] [--format csv|jsonl]\n\n"
	"Imports IOs (POST /v1/import/ios). Fields: change (an id, service:key, or a\n"
	"key of --service), category, description, status (confirmed or candidate),\n"
	"source (import, the default, or rule:<name>@<version>), evidence, undo,\n"
	"reversible_until, reversal_cost. Each IO records whether its change already\n"
	"had a linked outcome (labelled_after_outcome). An IO is a duplicate when its\n"
	"change has a non-retracted IO of the same category and description.\n\n" COMMON_HELP;

const char cmd_import_usage_incidents[] =
	"usage: ratchet import incidents FILE [--map F.yaml] [--skip-bad] [--tz ZONE]\n"
	"                                [--service S] [--format csv|jsonl]\n\n"
	"Imports outcomes (POST /v1/import/incidents). Fields: kind (incident,\n"
	"rollback, near_miss), severity (sev1..sev4), service, external_key (such as\n"
	"#1234), title, occurred_at, detected_at, resolved_at, source (import, the\n"
	"default, or rule:<name>@<version>). An incident with an external key is\n"
	"linked (how follow_up, rule import-refs) to the changes of its service whose\n"
	"refs name that key (\"Fixes #1234\"). A duplicate: service:external_key "
	"stored.\n\n" COMMON_HELP;

const char cmd_import_usage_drills[] =
	"usage: ratchet import drills FILE [--map F.yaml] [--skip-bad] [--tz ZONE]\n"
	"                             [--service S] [--format csv|jsonl]\n\n"
	"Imports rollback drills (POST /v1/import/drills). Fields as POST /v1/drills:\n"
	"service, change (an id, service:key, or a key of the drill's service),\n"
	"performed_at, rto_target, rpo_target, rto_actual, rpo_actual (durations such\n"
	"as 15m), outcome (restored, failed, aborted), notes; and external_key. A\n"
	"duplicate: service:external_key stored.\n\n" COMMON_HELP;
