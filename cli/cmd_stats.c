/* ratchet stats NAME FILE.csv --x COL [--y COL] [options]: the statistics of
 * core/stats over columns of a CSV file, offline (no server), so that any
 * figure can be reproduced by hand. This file parses the command line and
 * builds the result; cmd_stats_io.c reads the file and prints the result,
 * cmd_stats_run.c holds the statistics. */
#include "common.h"

#include <getopt.h>
#include <math.h>

#include "cli.h"
#include "cmd_stats.h"

#define STATS_DEFAULT_CONFIDENCE 0.95
#define STATS_DEFAULT_SEED 1
#define STATS_DEFAULT_BOOT 1000
#define STATS_MAX_BOOT 10000000L
#define STATS_MAX_SIZE 1000000000L

enum stats_opt_id {
	OPT_X = 256,
	OPT_Y,
	OPT_STRATA,
	OPT_EXACT,
	OPT_SUCCESSES,
	OPT_TRIALS,
	OPT_CONFIDENCE,
	OPT_HORIZON,
	OPT_QUANTILE,
	OPT_PENALTY,
	OPT_MIN_SIZE,
	OPT_COST,
	OPT_SEED,
	OPT_BOOT,
	OPT_BLOCK,
	OPT_THRESHOLD,
	OPT_DIRECTION,
};

static const struct option stats_options[] = {
	{"x", required_argument, NULL, OPT_X},
	{"y", required_argument, NULL, OPT_Y},
	{"strata", required_argument, NULL, OPT_STRATA},
	{"exact", no_argument, NULL, OPT_EXACT},
	{"successes", required_argument, NULL, OPT_SUCCESSES},
	{"trials", required_argument, NULL, OPT_TRIALS},
	{"confidence", required_argument, NULL, OPT_CONFIDENCE},
	{"horizon", required_argument, NULL, OPT_HORIZON},
	{"quantile", required_argument, NULL, OPT_QUANTILE},
	{"penalty", required_argument, NULL, OPT_PENALTY},
	{"min-size", required_argument, NULL, OPT_MIN_SIZE},
	{"cost", required_argument, NULL, OPT_COST},
	{"seed", required_argument, NULL, OPT_SEED},
	{"boot", required_argument, NULL, OPT_BOOT},
	{"block", required_argument, NULL, OPT_BLOCK},
	{"threshold", required_argument, NULL, OPT_THRESHOLD},
	{"direction", required_argument, NULL, OPT_DIRECTION},
	{NULL, 0, NULL, 0},
};

/* The SOPT_* flag of each option (0: every statistic takes it). */
static const unsigned option_flags[] = {
	[OPT_X - OPT_X] = 0,
	[OPT_Y - OPT_X] = SOPT_Y,
	[OPT_STRATA - OPT_X] = SOPT_STRATA,
	[OPT_EXACT - OPT_X] = SOPT_EXACT,
	[OPT_SUCCESSES - OPT_X] = SOPT_COUNTS,
	[OPT_TRIALS - OPT_X] = SOPT_COUNTS,
	[OPT_CONFIDENCE - OPT_X] = SOPT_CONFIDENCE,
	[OPT_HORIZON - OPT_X] = SOPT_HORIZON,
	[OPT_QUANTILE - OPT_X] = SOPT_QUANTILE,
	[OPT_PENALTY - OPT_X] = SOPT_PELT,
	[OPT_MIN_SIZE - OPT_X] = SOPT_PELT,
	[OPT_COST - OPT_X] = SOPT_PELT,
	[OPT_SEED - OPT_X] = SOPT_RESAMPLE,
	[OPT_BOOT - OPT_X] = SOPT_RESAMPLE,
	[OPT_BLOCK - OPT_X] = SOPT_BLOCK,
	[OPT_THRESHOLD - OPT_X] = SOPT_THRESHOLD,
	[OPT_DIRECTION - OPT_X] = SOPT_THRESHOLD,
};

static const char stats_common_help[] =
	"\n"
	"The file is CSV (RFC 4180, LF or CRLF) with a header row; columns are named by\n"
	"their header; FILE - reads standard input. Empty cells and NaN are missing:\n"
	"rows without a value the statistic needs are skipped and counted in n_missing.\n"
	"A cell that is not a number fails with FILE:LINE:COLUMN (exit 1); an unknown\n"
	"column is a usage error (exit 2).\n"
	"\n"
	"Output (-o): field: value lines (table, the default; lists as tables after\n"
	"them), one JSON object (json: statistic, status, reason, n, n_missing, the\n"
	"estimates and the input: file, columns, options) or field,value rows (csv). A\n"
	"status other than ok (too_few, zero_variance, undefined, no_convergence) is an\n"
	"answer: it is printed with its reason, the numbers are null, and the exit\n"
	"status is 0; invalid_input (data outside the statistic's domain) exits 1. An\n"
	"infinite number (t when rho is +-1) is null as well.\n";

/* Global defaults of the statistics' options. */
static void args_init(struct stats_args *a, const char *cmd)
{
	memset(a, 0, sizeof(*a));
	a->cmd = cmd;
	a->confidence = STATS_DEFAULT_CONFIDENCE;
	a->pelt.cost = STATS_PELT_MEANVAR;
	a->pelt.penalty = STATS_PELT_MBIC;
	a->pelt.min_size = 2;
	a->seed = STATS_DEFAULT_SEED;
	a->boot = STATS_DEFAULT_BOOT;
	a->direction = STATS_CROSSING_BOTH;
}

static void print_names(FILE *out)
{
	fputs("usage: ratchet stats NAME FILE.csv --x COL [--y COL] [<options>] "
	      "[-o table|json|csv]\n\n"
	      "Computes a statistic over columns of a CSV file, offline (no server, no token),\n"
	      "so that any figure ratchet reports can be reproduced by hand.\n\n"
	      "statistics:\n",
	      out);
	for (size_t i = 0; i < cmd_stats_n_defs; i++)
		fprintf(out, "  %-17s%s\n", cmd_stats_defs[i].name, cmd_stats_defs[i].summary);
	fputs(stats_common_help, out);
	fputs("\nsee 'ratchet stats NAME --help' for a statistic's columns, options and fields\n",
	      out);
}

/* A finite number given to opt; else a usage error. */
static int parse_number(const char *cmd, const char *opt, const char *text, double *out)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(text, &end);
	if (!*text || end == text || *end != '\0' || errno == ERANGE || !isfinite(v))
		return cli_usage(cmd, "invalid value '%s' for %s: want a finite number", text, opt);
	*out = v;
	return 0;
}

static int parse_fraction(const char *cmd, const char *opt, const char *text, bool closed,
			  double *out)
{
	if (parse_number(cmd, opt, text, out))
		return CLI_EXIT_USAGE;
	bool ok = closed ? *out >= 0 && *out <= 1 : *out > 0 && *out < 1;
	if (!ok)
		return cli_usage(cmd, "invalid value '%s' for %s: want a number %s", text, opt,
				 closed ? "from 0 to 1" : "between 0 and 1 (exclusive)");
	return 0;
}

static int parse_size(const char *cmd, const char *opt, const char *text, long min, long max,
		      size_t *out)
{
	long v;
	if (cli_parse_long(cmd, opt, text, min, max, &v))
		return CLI_EXIT_USAGE;
	*out = (size_t)v;
	return 0;
}

static int parse_penalty(struct stats_args *a, const char *text)
{
	if (strcmp(text, "mbic") == 0) {
		a->pelt.penalty = STATS_PELT_MBIC;
		return 0;
	}
	if (strcmp(text, "bic") == 0) {
		a->pelt.penalty = STATS_PELT_BIC;
		return 0;
	}
	char *end = NULL;
	errno = 0;
	double v = strtod(text, &end);
	if (!*text || *end != '\0' || errno == ERANGE || !isfinite(v) || v < 0)
		return cli_usage(a->cmd,
				 "invalid value '%s' for --penalty: want bic, mbic or a number "
				 ">= 0",
				 text);
	a->pelt.penalty = STATS_PELT_MANUAL;
	a->pelt.penalty_value = v;
	return 0;
}

static int parse_cost(struct stats_args *a, const char *text)
{
	if (strcmp(text, "meanvar") == 0)
		a->pelt.cost = STATS_PELT_MEANVAR;
	else if (strcmp(text, "mean") == 0)
		a->pelt.cost = STATS_PELT_MEAN;
	else
		return cli_usage(a->cmd, "invalid value '%s' for --cost: want meanvar or mean",
				 text);
	return 0;
}

static int parse_direction(struct stats_args *a, const char *text)
{
	if (strcmp(text, "up") == 0)
		a->direction = STATS_CROSSING_UP;
	else if (strcmp(text, "down") == 0)
		a->direction = STATS_CROSSING_DOWN;
	else if (strcmp(text, "both") == 0)
		a->direction = STATS_CROSSING_BOTH;
	else
		return cli_usage(a->cmd,
				 "invalid value '%s' for --direction: want up, down or both", text);
	return 0;
}

static int parse_count(struct stats_args *a, const char *opt, const char *text, uint64_t *out)
{
	long v;
	if (cli_parse_long(a->cmd, opt, text, 0, LONG_MAX, &v))
		return CLI_EXIT_USAGE;
	*out = (uint64_t)v;
	return 0;
}

static int parse_seed(struct stats_args *a, const char *text)
{
	long v;
	if (cli_parse_long(a->cmd, "--seed", text, 0, (long)UINT32_MAX, &v))
		return CLI_EXIT_USAGE;
	a->seed = (uint32_t)v;
	return 0;
}

static int set_column(struct stats_args *a, const char *opt, const char *text, const char **out)
{
	if (!*text)
		return cli_usage(a->cmd, "empty value for %s", opt);
	*out = text;
	return 0;
}

/* Applies option c with value text (NULL for --exact). */
static int set_option(struct stats_args *a, int c, const char *text)
{
	const char *cmd = a->cmd;
	switch (c) {
	case OPT_X:
		return set_column(a, "--x", text, &a->x);
	case OPT_Y:
		return set_column(a, "--y", text, &a->y);
	case OPT_STRATA:
		return set_column(a, "--strata", text, &a->strata);
	case OPT_EXACT:
		a->exact = true;
		return 0;
	case OPT_SUCCESSES:
		a->has_successes = true;
		return parse_count(a, "--successes", text, &a->successes);
	case OPT_TRIALS:
		a->has_trials = true;
		return parse_count(a, "--trials", text, &a->trials);
	case OPT_CONFIDENCE:
		return parse_fraction(cmd, "--confidence", text, false, &a->confidence);
	case OPT_HORIZON:
		a->has_horizon = true;
		if (parse_number(cmd, "--horizon", text, &a->horizon))
			return CLI_EXIT_USAGE;
		return a->horizon < 0 ? cli_usage(cmd,
						  "invalid value '%s' for --horizon: want a "
						  "number >= 0",
						  text)
				      : 0;
	case OPT_QUANTILE:
		a->has_quantile = true;
		return parse_fraction(cmd, "--quantile", text, true, &a->quantile);
	case OPT_PENALTY:
		return parse_penalty(a, text);
	case OPT_MIN_SIZE:
		return parse_size(cmd, "--min-size", text, 1, STATS_MAX_SIZE, &a->pelt.min_size);
	case OPT_COST:
		return parse_cost(a, text);
	case OPT_SEED:
		return parse_seed(a, text);
	case OPT_BOOT:
		return parse_size(cmd, "--boot", text, 1, STATS_MAX_BOOT, &a->boot);
	case OPT_BLOCK:
		return parse_size(cmd, "--block", text, 1, STATS_MAX_SIZE, &a->block);
	case OPT_THRESHOLD:
		return parse_number(cmd, "--threshold", text, &a->threshold);
	case OPT_DIRECTION:
		return parse_direction(a, text);
	}
	return 0;
}

/* wilson takes either FILE --x COL or --successes K --trials N. */
static int check_wilson_counts(const struct stats_args *a, bool *counts)
{
	*counts = a->has_successes || a->has_trials;
	if (!*counts)
		return 0;
	if (!a->has_successes || !a->has_trials)
		return cli_usage(a->cmd, "--successes and --trials go together");
	if (a->x)
		return cli_usage(a->cmd, "--x and --successes/--trials exclude each other");
	if (a->successes > a->trials)
		return cli_usage(a->cmd, "--successes (%" PRIu64 ") exceeds --trials (%" PRIu64 ")",
				 a->successes, a->trials);
	return 0;
}

/* The operand and the required options, once getopt is done. */
static int check_args(const struct stats_def *def, struct stats_args *a, int argc, char **argv)
{
	bool counts = false;
	if (check_wilson_counts(a, &counts))
		return CLI_EXIT_USAGE;
	if (counts)
		return cli_no_operand(a->cmd, argc, argv);
	if (cli_one_operand(a->cmd, "FILE", argc, argv, &a->file))
		return CLI_EXIT_USAGE;
	if (!a->x)
		return cli_usage(a->cmd, "missing --x");
	if ((def->needs & SOPT_Y) && !a->y)
		return cli_usage(a->cmd, "missing --y");
	if ((def->needs & SOPT_STRATA) && !a->strata)
		return cli_usage(a->cmd, "missing --strata");
	if ((def->options & SOPT_THRESHOLD) && !(a->given & SOPT_THRESHOLD))
		return cli_usage(a->cmd, "missing --threshold");
	return 0;
}

static int parse_args(const struct stats_def *def, struct stats_args *a, int argc, char **argv)
{
	int c;
	if (cli_getopt_start(a->cmd, argc, argv, stats_options))
		return CLI_EXIT_USAGE;
	while ((c = getopt_long(argc, argv, ":", stats_options, NULL)) != -1) {
		if (c < OPT_X || c > OPT_DIRECTION)
			return cli_bad_option(a->cmd, c, argv);
		unsigned flag = option_flags[c - OPT_X];
		if (flag && !(def->options & flag))
			return cli_usage(a->cmd, "--%s does not apply to %s",
					 stats_options[c - OPT_X].name, def->name);
		if (c == OPT_THRESHOLD)
			a->given |= SOPT_THRESHOLD;
		if (set_option(a, c, optarg))
			return CLI_EXIT_USAGE;
	}
	return check_args(def, a, argc, argv);
}

/* Result helpers (cmd_stats.h). */

void cmd_stats_set(struct stats_result *res, enum stats_status status, size_t n, size_t n_missing)
{
	res->status = status;
	res->n = n;
	res->n_missing = n_missing;
}

void cmd_stats_add_number(cJSON *obj, const char *name, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(obj, name, v);
	else
		cJSON_AddNullToObject(obj, name);
}

void cmd_stats_add_count(cJSON *obj, const char *name, uint64_t v)
{
	char text[32];
	snprintf(text, sizeof(text), "%" PRIu64, v);
	cJSON_AddRawToObject(obj, name, text);
}

void cmd_stats_add_signed(cJSON *obj, const char *name, int64_t v)
{
	char text[32];
	snprintf(text, sizeof(text), "%" PRId64, v);
	cJSON_AddRawToObject(obj, name, text);
}

void cmd_stats_add_status(cJSON *obj, const char *name, enum stats_status status)
{
	cJSON_AddStringToObject(obj, name, stats_status_name(status));
}

/* The reason shown with a status other than ok. */
static const char *status_reason(const struct stats_def *def, const struct stats_result *res)
{
	if (res->reason)
		return res->reason;
	switch (res->status) {
	case STATS_OK:
		return NULL;
	case STATS_TOO_FEW:
		return def->too_few ? def->too_few : "too few usable rows";
	case STATS_ZERO_VARIANCE:
		return def->constant ? def->constant : "a column is constant";
	case STATS_UNDEFINED:
		return "the statistic is undefined for these data";
	case STATS_NO_CONVERGENCE:
		return "the fit did not converge";
	case STATS_INVALID_INPUT:
		return "the data are outside the statistic's domain";
	}
	return NULL;
}

static cJSON *column_json(const char *name, size_t missing)
{
	cJSON *col = cJSON_CreateObject();
	cJSON_AddStringToObject(col, "name", name);
	cmd_stats_add_count(col, "missing", missing);
	return col;
}

static void add_penalty(cJSON *options, const struct stats_pelt_opts *pelt)
{
	if (pelt->penalty == STATS_PELT_MANUAL)
		cmd_stats_add_number(options, "penalty", pelt->penalty_value);
	else
		cJSON_AddStringToObject(options, "penalty", stats_pelt_penalty_name(pelt->penalty));
	cmd_stats_add_count(options, "min_size", pelt->min_size);
	cJSON_AddStringToObject(options, "cost", stats_pelt_cost_name(pelt->cost));
}

static const char *direction_name(enum stats_crossing_direction d)
{
	return d == STATS_CROSSING_UP ? "up" : d == STATS_CROSSING_DOWN ? "down" : "both";
}

/* The options in force for def (defaults included). */
static cJSON *options_json(const struct stats_def *def, const struct stats_args *a)
{
	cJSON *o = cJSON_CreateObject();
	if (def->options & SOPT_EXACT)
		cJSON_AddBoolToObject(o, "exact", a->exact);
	if ((def->options & SOPT_COUNTS) && a->has_successes) {
		cmd_stats_add_count(o, "successes", a->successes);
		cmd_stats_add_count(o, "trials", a->trials);
	}
	if (def->options & SOPT_CONFIDENCE)
		cmd_stats_add_number(o, "confidence", a->confidence);
	if (def->options & SOPT_HORIZON)
		cmd_stats_add_number(o, "horizon", a->has_horizon ? a->horizon : NAN);
	if (def->options & SOPT_QUANTILE)
		cmd_stats_add_number(o, "quantile", a->has_quantile ? a->quantile : NAN);
	if (def->options & SOPT_PELT)
		add_penalty(o, &a->pelt);
	if (def->options & SOPT_RESAMPLE) {
		cmd_stats_add_count(o, "seed", a->seed);
		cmd_stats_add_count(o, "boot", a->boot);
	}
	if (def->options & SOPT_BLOCK) {
		if (a->block)
			cmd_stats_add_count(o, "block", a->block);
		else
			cJSON_AddStringToObject(o, "block", "auto");
	}
	if (def->options & SOPT_THRESHOLD) {
		cmd_stats_add_number(o, "threshold", a->threshold);
		cJSON_AddStringToObject(o, "direction", direction_name(a->direction));
	}
	return o;
}

/* The input's description: file, rows, columns (with their missing cells), options. */
static cJSON *input_json(const struct stats_def *def, const struct stats_args *a,
			 const struct stats_data *d)
{
	cJSON *in = cJSON_CreateObject();
	if (a->file) {
		cJSON_AddStringToObject(in, "file", a->file);
		cmd_stats_add_count(in, "rows", d->rows);
		cJSON *cols = cJSON_AddObjectToObject(in, "columns");
		cJSON_AddItemToObject(cols, "x", column_json(a->x, d->missing_x));
		if (a->y)
			cJSON_AddItemToObject(cols, "y", column_json(a->y, d->missing_y));
		if (a->strata)
			cJSON_AddItemToObject(cols, "strata",
					      column_json(a->strata, d->missing_strata));
	} else {
		cJSON_AddNullToObject(in, "file");
	}
	cJSON_AddItemToObject(in, "options", options_json(def, a));
	return in;
}

/* The whole answer: statistic, status, reason, n, n_missing, the fields, input. */
static cJSON *result_json(const struct stats_def *def, const struct stats_args *a,
			  const struct stats_data *d, struct stats_result *res)
{
	cJSON *out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, "statistic", def->name);
	cmd_stats_add_status(out, "status", res->status);
	const char *reason = status_reason(def, res);
	if (reason)
		cJSON_AddStringToObject(out, "reason", reason);
	else
		cJSON_AddNullToObject(out, "reason");
	cmd_stats_add_count(out, "n", res->n);
	cmd_stats_add_count(out, "n_missing", res->n_missing);
	cJSON *item;
	while ((item = res->fields->child) != NULL)
		cJSON_AddItemToObject(out, item->string,
				      cJSON_DetachItemViaPointer(res->fields, item));
	cJSON_AddItemToObject(out, "input", input_json(def, a, d));
	return out;
}

static int run_stat(struct cli *cli, const struct stats_def *def, struct stats_args *a)
{
	struct stats_data data;
	cmd_stats_data_init(&data);
	struct stats_result res = {.fields = cJSON_CreateObject()};
	int rc = a->file ? cmd_stats_read(def, a, &data) : 0;
	if (!rc)
		rc = def->run(a, &data, &res);
	if (!rc) {
		cJSON *out = result_json(def, a, &data, &res);
		cmd_stats_print(stdout, cli->format, out);
		cJSON_Delete(out);
		if (res.status == STATS_INVALID_INPUT) {
			fprintf(stderr, "ratchet: %s: invalid input: %s\n", a->cmd,
				status_reason(def, &res));
			rc = CLI_EXIT_FAIL;
		}
	}
	cJSON_Delete(res.fields);
	cmd_stats_data_release(&data);
	return rc;
}

static const struct stats_def *find_def(const char *name)
{
	for (size_t i = 0; i < cmd_stats_n_defs; i++)
		if (strcmp(cmd_stats_defs[i].name, name) == 0)
			return &cmd_stats_defs[i];
	return NULL;
}

int cmd_stats(struct cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		print_names(stderr);
		return CLI_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
		print_names(stdout);
		return CLI_EXIT_OK;
	}
	const struct stats_def *def = find_def(name);
	if (!def) {
		if (!cli_is_utf8(name))
			return cli_usage("stats", "the statistic's name is not valid UTF-8");
		fprintf(stderr, "ratchet: '%s' is not a statistic; see 'ratchet stats --help'\n",
			name);
		return CLI_EXIT_USAGE;
	}
	if (cli_wants_help(argc - 1, argv + 1)) {
		fputs(def->usage, stdout);
		fputs(stats_common_help, stdout);
		return CLI_EXIT_OK;
	}
	char cmd[64];
	snprintf(cmd, sizeof(cmd), "stats %s", def->name);
	struct stats_args args;
	args_init(&args, cmd);
	int rc = parse_args(def, &args, argc - 1, argv + 1);
	if (rc)
		return rc;
	return run_stat(cli, def, &args);
}
