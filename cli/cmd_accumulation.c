/* ratchet accumulation: the shape of IO counts over a window (GET
 * /v1/ios/accumulation), overall and per category — linear, accelerating,
 * exponential, decelerating or insufficient_data, from Poisson regression on
 * whole buckets — with rates, a sparkline of the counts and the false
 * stability warning. */
#include "common.h"

#include <getopt.h>
#include <math.h>

#include "cli.h"
#include "cmd_metrics.h"
#include "err.h"
#include "metrics.h"
#include "model.h"
#include "rtime.h"

enum accumulation_opt {
	OPT_BY = MOPT_OWN,
	OPT_BUCKET,
	OPT_INCLUDE_CANDIDATES,
};

static const struct model_names by_names = {(const char *const[]){"effective", "recorded"}, 2,
					    "effective, recorded"};
static const struct model_names bucket_names = {(const char *const[]){"day", "week"}, 2,
						"day, week"};

/* One table row of a shape object (overall or a category). */
static cJSON *shape_row(const char *name, const cJSON *s)
{
	cJSON *row = cJSON_CreateObject();
	char text[OUTPUT_FIGURE_BUFSZ];
	cJSON_AddStringToObject(row, "category", name);
	cJSON_AddStringToObject(row, "ios", output_number(cmd_metrics_num(s, "ios"), text));
	const char *shape = cmd_metrics_str(s, "shape");
	cJSON_AddStringToObject(row, "shape", cli_or_dash(shape));
	cJSON_AddStringToObject(row, "rate",
				output_number(cmd_metrics_num(s, "rate_per_day"), text));
	cJSON_AddStringToObject(row, "growth",
				output_number(cmd_metrics_num(s, "growth_per_day2"), text));
	double doubling = cmd_metrics_num(s, "doubling_days");
	output_number(doubling, text);
	char *days = isnan(doubling) ? xstrdup("-") : xasprintf("%sd", text);
	cJSON_AddStringToObject(row, "doubling", days);
	free(days);
	output_number(cmd_metrics_num(s, "dispersion"), text);
	char *dispersion = cJSON_IsTrue(cmd_metrics_get(s, "overdispersed"))
				   ? xasprintf("%s (over)", text)
				   : xstrdup(text);
	cJSON_AddStringToObject(row, "dispersion", dispersion);
	free(dispersion);
	const cJSON *counts = cmd_metrics_get(s, "counts");
	size_t n = (size_t)cJSON_GetArraySize(counts);
	double *values = xcalloc(n ? n : 1, sizeof(*values));
	size_t i = 0;
	const cJSON *c;
	cJSON_ArrayForEach(c, counts)
	{
		values[i++] = output_number_of(c);
	}
	char *spark = output_sparkline(values, n);
	cJSON_AddStringToObject(row, "counts", spark);
	free(spark);
	free(values);
	return row;
}

static const struct output_column shape_columns[] = {
	{"CATEGORY", "category", NULL},	    {"IOS", "ios", NULL},
	{"SHAPE", "shape", NULL},	    {"RATE/DAY", "rate", NULL},
	{"GROWTH/DAY2", "growth", NULL},    {"DOUBLING", "doubling", NULL},
	{"DISPERSION", "dispersion", NULL}, {"COUNTS", "counts", NULL},
};

static void print_buckets_line(const cJSON *a)
{
	const cJSON *overall = cmd_metrics_get(a, "overall");
	const char *by = cmd_metrics_str(a, "by");
	bool recorded = by && strcmp(by, "recorded") == 0;
	double n = (double)cJSON_GetArraySize(cmd_metrics_get(overall, "counts"));
	printf("IOs dated by %s; %g whole %s buckets",
	       recorded ? "recorded_at" : "their change's effective_at", n,
	       cli_or_dash(cmd_metrics_str(a, "bucket")));
	double partial = cmd_metrics_num(overall, "partial");
	double planned = cmd_metrics_num(overall, "planned");
	if (partial > 0)
		printf("; %g IO%s in the trailing partial bucket left out", partial,
		       partial == 1 ? "" : "s");
	if (planned > 0)
		printf("; %g IO%s of planned changes left out", planned, planned == 1 ? "" : "s");
	printf("\n");
}

static void print_table(const cJSON *a)
{
	cmd_metrics_print_window(stdout, a);
	print_buckets_line(a);
	putchar('\n');
	cJSON *rows = cJSON_CreateArray();
	cJSON_AddItemToArray(rows, shape_row("all", cmd_metrics_get(a, "overall")));
	const cJSON *categories = cmd_metrics_get(a, "categories");
	for (int i = 0; i < io_category_names.count; i++) {
		const char *name = io_category_names.names[i];
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(categories, name);
		if (s)
			cJSON_AddItemToArray(rows, shape_row(name, s));
	}
	output_list(stdout, OUTPUT_TABLE, shape_columns, ARRAY_SIZE(shape_columns), rows);
	cJSON_Delete(rows);
	const char *reason = cmd_metrics_str(a, "false_stability_reason");
	printf("\nfalse stability: %s%s%s\n",
	       cJSON_IsTrue(cmd_metrics_get(a, "false_stability")) ? "YES" : "no",
	       reason ? " - " : "", reason ? reason : "");
}

/* The first element of an array (NULL when none); walk on with ->next. Walking
 * the arrays side by side keeps the rows linear: cJSON_GetArrayItem(a, i)
 * walks from the start each time. */
static const cJSON *first_item(const cJSON *array)
{
	return cJSON_IsArray(array) ? array->child : NULL;
}

/* -o csv: start,all,<six categories> per bucket. */
static void print_csv(const cJSON *a)
{
	enum { N_COLS = 8 };
	struct output_column cols[N_COLS];
	const char *headers[N_COLS] = {"start", "all"};
	for (int i = 0; i < io_category_names.count && i < 6; i++)
		headers[i + 2] = io_category_names.names[i];
	for (size_t j = 0; j < N_COLS; j++)
		cols[j] = (struct output_column){headers[j], headers[j], NULL};
	/* one cursor per column: the starts, then the counts of all and of each category */
	const cJSON *cursor[N_COLS];
	cursor[0] = first_item(cmd_metrics_get(a, "overall.starts"));
	cursor[1] = first_item(cmd_metrics_get(a, "overall.counts"));
	const cJSON *categories = cmd_metrics_get(a, "categories");
	for (size_t j = 2; j < N_COLS; j++)
		cursor[j] = first_item(cmd_metrics_get(
			cJSON_GetObjectItemCaseSensitive(categories, headers[j]), "counts"));
	cJSON *rows = cJSON_CreateArray();
	for (; cursor[0]; cursor[0] = cursor[0]->next) {
		cJSON *row = cJSON_CreateObject();
		cJSON_AddItemToObject(row, "start", cJSON_Duplicate(cursor[0], true));
		for (size_t j = 1; j < N_COLS; j++) {
			if (!cursor[j])
				continue;
			cJSON_AddItemToObject(row, headers[j], cJSON_Duplicate(cursor[j], true));
			cursor[j] = cursor[j]->next;
		}
		cJSON_AddItemToArray(rows, row);
	}
	output_list(stdout, OUTPUT_CSV, cols, N_COLS, rows);
	cJSON_Delete(rows);
}

static void print_accumulation(struct cli *cli, const cJSON *a)
{
	if (cli->format == OUTPUT_CSV)
		print_csv(a);
	else
		print_table(a);
}

static int own_option(struct buf *path, const char **bucket, int c, const char *arg, char **argv)
{
	const char *cmd = "accumulation";
	switch (c) {
	case OPT_BY:
		if (cli_check_name(cmd, "--by", arg, &by_names))
			return CLI_EXIT_USAGE;
		client_query_add(path, "by", arg);
		return 0;
	case OPT_BUCKET:
		if (cli_check_name(cmd, "--bucket", arg, &bucket_names))
			return CLI_EXIT_USAGE;
		*bucket = arg;
		client_query_add(path, "bucket", arg);
		return 0;
	case OPT_INCLUDE_CANDIDATES:
		client_query_add(path, "include_candidates", "true");
		return 0;
	default:
		return cli_bad_option(cmd, c, argv);
	}
}

/* With --from, the server's bucket limit checked here first (to: --to or
 * now; the bucket: --bucket or the server's default for the window). */
static int check_buckets(const struct metrics_query *q, const char *bucket)
{
	if (!q->from)
		return 0;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	struct metrics_window w = {cmd_metrics_when(q->from), q->to ? cmd_metrics_when(q->to) : now,
				   0};
	w.asof = w.to < now ? w.to : now;
	enum metrics_bucket b =
		bucket ? (enum metrics_bucket)model_lookup(&metrics_bucket_names, bucket)
		       : metrics_bucket_default(&w);
	struct err err;
	err_init(&err);
	if (w.from >= w.to || metrics_buckets_check(&w, b, &err) == 0)
		return 0; /* the server names an empty window itself */
	return cli_usage("accumulation", "the window from %s holds more than %d whole %ss: %s",
			 q->from, METRICS_MAX_BUCKETS, model_name(&metrics_bucket_names, (int)b),
			 b == BUCKET_DAY ? "use --bucket week or a later --from"
					 : "use a later --from or an earlier --to");
}

static const char usage_accumulation[] =
	"usage: ratchet accumulation [--service S] [--impact I] [--io-only] [--from T]\n"
	"                            [--to T] [--by effective|recorded] [--bucket day|week]\n"
	"                            [--include-candidates]\n\n"
	"Prints how IOs accumulate over a window (GET /v1/ios/accumulation), overall and\n"
	"per category: IO counts in whole buckets from the window's start (a trailing\n"
	"partial bucket is left out and counted), and their shape from Poisson\n"
	"regression: linear (constant rate), accelerating (the rate grows linearly),\n"
	"exponential (the log-rate grows linearly), decelerating, or insufficient_data\n"
	"(fewer than 8 buckets or 10 IOs). The constant rate stands unless another\n"
	"model wins by more than 2 in AICc and a likelihood-ratio p < 0.05. Shown\n"
	"with the rate per day, its growth per day, the doubling time (exponential),\n"
	"the dispersion (over: > 1.5) and a sparkline of the counts. 'false\n"
	"stability' is the warning that IOs accelerate while VL, RDPR and GBR are all\n"
	"inside their thresholds.\n\n"
	"Output: the table; -o json the API's JSON unchanged; -o csv one row per bucket:\n"
	"start,all,data,evaluation,alignment,deployment,supply_chain,optionality.\n\n"
	"%s"
	"  --by B          date each IO by its change's effective_at (effective, the\n"
	"                  default; IOs of planned changes are left out and counted) or\n"
	"                  by when it was recorded (recorded)\n"
	"  --bucket B      day or week (default: day for windows up to 90 days); at\n"
	"                  most 5000 buckets: a longer window needs week\n"
	"  --include-candidates  count candidate IOs too (default: confirmed only)\n";

int cmd_accumulation(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		CMD_METRICS_SCOPE_OPTIONS,
		{"by", required_argument, NULL, OPT_BY},
		{"bucket", required_argument, NULL, OPT_BUCKET},
		{"include-candidates", no_argument, NULL, OPT_INCLUDE_CANDIDATES},
		{NULL, 0, NULL, 0},
	};
	if (cli_wants_help(argc, argv)) {
		printf(usage_accumulation, cmd_metrics_scope_help);
		return CLI_EXIT_OK;
	}
	struct metrics_query q;
	const char *bucket = NULL;
	cmd_metrics_query_init(&q, "/v1/ios/accumulation");
	int c, rc = cli_getopt_start("accumulation", argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		rc = cmd_metrics_option("accumulation", c, optarg, &q);
		if (rc < 0)
			rc = own_option(&q.path, &bucket, c, optarg, argv);
	}
	if (!rc)
		rc = cli_no_operand("accumulation", argc, argv);
	if (!rc)
		rc = check_buckets(&q, bucket);
	if (!rc)
		rc = cmd_metrics_fetch(cli, q.path.data, print_accumulation);
	cmd_metrics_query_release(&q);
	return rc;
}
