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
#include "model.h"

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

/* -o csv: start,all,<six categories> per bucket. */
static void print_csv(const cJSON *a)
{
	struct output_column cols[8];
	const char *headers[8] = {"start", "all"};
	for (int i = 0; i < io_category_names.count && i < 6; i++)
		headers[i + 2] = io_category_names.names[i];
	for (size_t j = 0; j < ARRAY_SIZE(cols); j++)
		cols[j] = (struct output_column){headers[j], headers[j], NULL};
	const cJSON *starts = cmd_metrics_get(a, "overall.starts");
	cJSON *rows = cJSON_CreateArray();
	int n = cJSON_GetArraySize(starts);
	for (int i = 0; i < n; i++) {
		cJSON *row = cJSON_CreateObject();
		cJSON_AddItemToObject(row, "start",
				      cJSON_Duplicate(cJSON_GetArrayItem(starts, i), true));
		const cJSON *counts = cmd_metrics_get(a, "overall.counts");
		cJSON_AddItemToObject(row, "all",
				      cJSON_Duplicate(cJSON_GetArrayItem(counts, i), true));
		for (size_t j = 2; j < ARRAY_SIZE(cols); j++) {
			const cJSON *cat = cJSON_GetObjectItemCaseSensitive(
				cmd_metrics_get(a, "categories"), headers[j]);
			const cJSON *v = cJSON_GetArrayItem(cmd_metrics_get(cat, "counts"), i);
			if (v)
				cJSON_AddItemToObject(row, headers[j], cJSON_Duplicate(v, true));
		}
		cJSON_AddItemToArray(rows, row);
	}
	output_list(stdout, OUTPUT_CSV, cols, ARRAY_SIZE(cols), rows);
	cJSON_Delete(rows);
}

static void print_accumulation(struct cli *cli, const cJSON *a)
{
	if (cli->format == OUTPUT_CSV)
		print_csv(a);
	else
		print_table(a);
}

static int own_option(struct buf *path, int c, const char *arg, char **argv)
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
		client_query_add(path, "bucket", arg);
		return 0;
	case OPT_INCLUDE_CANDIDATES:
		client_query_add(path, "include_candidates", "true");
		return 0;
	default:
		return cli_bad_option(cmd, c, argv);
	}
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
	"  --bucket B      day or week (default: day for windows up to 90 days)\n"
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
	cmd_metrics_query_init(&q, "/v1/ios/accumulation");
	int c, rc = cli_getopt_start("accumulation", argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		rc = cmd_metrics_option("accumulation", c, optarg, &q);
		if (rc < 0)
			rc = own_option(&q.path, c, optarg, argv);
	}
	if (!rc)
		rc = cli_no_operand("accumulation", argc, argv);
	if (!rc)
		rc = cmd_metrics_fetch(cli, q.path.data, print_accumulation);
	cmd_metrics_query_release(&q);
	return rc;
}
