/* ratchet tempo: the tempo figures of a scope (GET /v1/tempo) — tau_u, tau_g,
 * their ratio beside Little's L measured directly, the threshold's status and
 * whether a breach is sustained — and the rolling ratio series. */
#include "common.h"

#include <getopt.h>

#include "cli.h"
#include "cmd_metrics.h"

static const struct output_column series_columns[] = {
	{"at", "at", NULL},	  {"tau_u", "tau_u", NULL},	  {"tau_g", "tau_g", NULL},
	{"ratio", "ratio", NULL}, {"little_l", "little_l", NULL},
};

static void print_tempo(struct cli *cli, const cJSON *t)
{
	if (cli->format == OUTPUT_CSV) {
		output_list(stdout, OUTPUT_CSV, series_columns, ARRAY_SIZE(series_columns),
			    cmd_metrics_get(t, "series"));
		return;
	}
	cmd_metrics_print_window(stdout, t);
	putchar('\n');
	cJSON *rows = cJSON_CreateArray();
	cmd_metrics_tempo_rows(rows, t, cmd_metrics_get(t, "threshold"));
	cmd_metrics_print_rows(cli, rows);
	cJSON_Delete(rows);
	putchar('\n');
	cmd_metrics_print_ratio_series(t);
}

static const char usage_tempo[] =
	"usage: ratchet tempo [--service S] [--impact I] [--io-only] [--from T] [--to T]\n"
	"                     [--policy P] [--sustain W] [--rolling D]\n\n"
	"Prints the tempo of a scope over a window (GET /v1/tempo): tau_u, the mean\n"
	"interval between consecutive gated changes (median and the figure over all\n"
	"changes beside it); tau_g, the restricted mean validation lag (KM median\n"
	"beside it); the tempo ratio tau_g / tau_u (above 1: evaluations close slower\n"
	"than changes arrive) with its threshold and status; Little's L, the\n"
	"time-average number of gated changes live and not yet evaluated, which by\n"
	"Little's law equals the ratio (their relative difference is shown); whether\n"
	"the ratio has stayed above the threshold over the last W points; and a\n"
	"sparkline of the rolling ratio series (a point per instant a gated change\n"
	"took effect; past 200 instants, 200 evenly sampled). The restricted mean\n"
	"stops at the longest follow-up observed; with no evaluation closed there is\n"
	"none, and no ratio.\n\n"
	"Output: the table; -o json the API's JSON unchanged; -o csv the series rows\n"
	"at,tau_u,tau_g,ratio,little_l (seconds).\n\n"
	"%s"
	"  --policy P      the threshold of this active policy only (default: the\n"
	"                  strictest of all active policies)\n"
	"  --sustain W     points of the series (the last W instants, none sampled out)\n"
	"                  that must all lie above the threshold (default 10, at most\n"
	"                  10000)\n"
	"  --rolling D     span of the rolling series (default 7d)\n";

int cmd_tempo(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		CMD_METRICS_SCOPE_OPTIONS,
		CMD_METRICS_TEMPO_OPTIONS,
		{NULL, 0, NULL, 0},
	};
	if (cli_wants_help(argc, argv)) {
		printf(usage_tempo, cmd_metrics_scope_help);
		return CLI_EXIT_OK;
	}
	struct metrics_query q;
	cmd_metrics_query_init(&q, "/v1/tempo");
	int c, rc = cli_getopt_start("tempo", argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		rc = cmd_metrics_option("tempo", c, optarg, &q);
		if (rc < 0)
			rc = cli_bad_option("tempo", c, argv);
	}
	if (!rc)
		rc = cli_no_operand("tempo", argc, argv);
	if (!rc)
		rc = cmd_metrics_fetch(cli, q.path.data, print_tempo);
	cmd_metrics_query_release(&q);
	return rc;
}
