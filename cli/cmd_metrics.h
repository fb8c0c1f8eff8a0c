/* What ratchet metrics, tempo, accumulation and the FIT pilot commands
 * (metrics --fit-pilot, import fit-pilot) share: the scope options, reading
 * figures out of the API's JSON, the window lines, and the pack's figures. */
#ifndef RATCHET_CMD_METRICS_H
#define RATCHET_CMD_METRICS_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "mem.h"

struct cli;
struct err;

/* Option ids of the options the metrics commands share: the scope (every
 * command) and the tempo options (metrics and tempo); a command's own options
 * follow MOPT_OWN. */
enum metrics_opt {
	MOPT_SERVICE = 256,
	MOPT_IMPACT,
	MOPT_IO_ONLY,
	MOPT_FROM,
	MOPT_TO,
	MOPT_POLICY,
	MOPT_SUSTAIN,
	MOPT_ROLLING,
	MOPT_OWN,
};

/* clang-format off */
#define CMD_METRICS_SCOPE_OPTIONS \
	{"service", required_argument, NULL, MOPT_SERVICE}, \
	{"impact", required_argument, NULL, MOPT_IMPACT}, \
	{"io-only", no_argument, NULL, MOPT_IO_ONLY}, \
	{"from", required_argument, NULL, MOPT_FROM}, \
	{"to", required_argument, NULL, MOPT_TO}
#define CMD_METRICS_TEMPO_OPTIONS \
	{"policy", required_argument, NULL, MOPT_POLICY}, \
	{"sustain", required_argument, NULL, MOPT_SUSTAIN}, \
	{"rolling", required_argument, NULL, MOPT_ROLLING}
/* clang-format on */

/* The help lines of the scope options. */
extern const char cmd_metrics_scope_help[];

/* A request being built from the shared options. */
struct metrics_query {
	struct buf path;			/* "/v1/...?service=..." */
	const char *policy, *sustain, *rolling; /* as given, or NULL */
	const char *from, *to;			/* as given (checked), or NULL */
	bool scoped;				/* a scope option was given */
};
/* path starts as base; release with cmd_metrics_query_release. */
void cmd_metrics_query_init(struct metrics_query *q, const char *base);
void cmd_metrics_query_release(struct metrics_query *q);

/* Handles option c when it is a shared option: checks arg (a usage error
 * names the option) and adds its query parameter. Returns 0 when handled,
 * CLI_EXIT_USAGE on a bad value, -1 when c is not a shared option. */
int cmd_metrics_option(const char *cmd, int c, const char *arg, struct metrics_query *q);

/* Checks that value, given to opt, is an RFC 3339 timestamp with an offset or
 * a date YYYY-MM-DD (midnight UTC). Returns 0 or CLI_EXIT_USAGE. */
int cmd_metrics_check_when(const char *cmd, const char *opt, const char *value);
/* The time of a value cmd_metrics_check_when accepted (microseconds). */
int64_t cmd_metrics_when(const char *value);

/* The most points --sustain may ask for (the server's limit). */
#define CMD_METRICS_SUSTAIN_MAX 10000

/* The member at a dotted path ("validation_lag.median.value"), or NULL. */
const cJSON *cmd_metrics_get(const cJSON *obj, const char *path);
/* Its number (NAN when null, missing or not a number) and string (NULL). */
double cmd_metrics_num(const cJSON *obj, const char *path);
const char *cmd_metrics_str(const cJSON *obj, const char *path);

/* Prints the "window:", "data:" and "scope:" lines of a metrics response. */
void cmd_metrics_print_window(FILE *out, const cJSON *resp);

/* Sends GET path and prints the answer: -o json unchanged, else print(resp).
 * Returns an exit code. */
int cmd_metrics_fetch(struct cli *cli, const char *path,
		      void (*print)(struct cli *cli, const cJSON *resp));

/* Figure rows (a JSON array the caller deletes) printed by
 * cmd_metrics_print_rows as the table FIGURE VALUE 95% CI N THRESHOLD STATUS
 * NOTE or as CSV figure,value,lower,upper,numerator,denominator,threshold,
 * status,reason. */
/* Appends the rows of every figure of a GET /v1/metrics response. */
void cmd_metrics_rows(cJSON *rows, const cJSON *metrics);
/* Appends the tempo rows of a tempo object (of /v1/metrics or /v1/tempo)
 * with its threshold ({value, policy} or null). */
void cmd_metrics_tempo_rows(cJSON *rows, const cJSON *tempo, const cJSON *threshold);
void cmd_metrics_print_rows(const struct cli *cli, const cJSON *rows);

/* Prints the sparkline of the ratios of a /v1/tempo response's series. */
void cmd_metrics_print_ratio_series(const cJSON *tempo_resp);

/* ---- the FIT pilot pack (cmd_fit_pilot.c) ------------------------------------ */

/* The pack's files as given on the command line. */
struct fit_files {
	const char *changes, *drills, *category_map; /* drills and category_map may be NULL */
};

/* Reads the pack's files and validates them with core's parser, offline.
 * Problems go to stderr as "ratchet: FILE:LINE: field: message" (exit 2); a
 * file that cannot be read exits 1. On success *body is the JSON of
 * POST /v1/import/fit-pilot for service (NULL: none added), which the caller
 * frees with cJSON_Delete. Returns an exit code. */
int cmd_fit_pilot_read(const struct fit_files *f, const char *service, cJSON **body);

/* Reports a failed import: the server's pack problems (details
 * "FILE:LINE: field: message" of f's files) as the local check prints them,
 * anything else as cli_report does. Returns the exit code (1, or 3 when the
 * server was unreachable). */
int cmd_fit_pilot_report(struct cli *cli, const struct err *err, const struct fit_files *f);

/* ratchet metrics --fit-pilot: the pack's figures beside ratchet's censored
 * ones, computed here without a server; asof NULL: the pack's latest time. */
int cmd_fit_pilot_offline(struct cli *cli, const struct fit_files *f, const char *asof);

/* Prints a "figures" object ({"pack": ..., "ratchet": ...}) side by side as
 * a table, or as figure,pack,ratchet,lower,upper,reason rows with -o csv. */
void cmd_fit_pilot_print_figures(const struct cli *cli, const cJSON *figures);

#endif
