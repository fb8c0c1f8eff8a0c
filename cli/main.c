/* ratchet, the command-line client of ratchetd: the command table, global
 * options (accepted anywhere on the line), help, and the exit status, where a
 * failed write to stdout is a failure. */
#include "common.h"

#include "cli.h"
#include "core.h"
#include "version.h"

struct command {
	const char *name;
	cli_fn fn;
	const char *summary;
};

static int cmd_help(struct cli *cli, int argc, char **argv);

static const struct command commands[] = {
	{"change", cmd_change, "file, show, list, amend and review changes"},
	{"io", cmd_io, "record, list, confirm and retract irreversible operations (IOs)"},
	{"gate", cmd_gate, "a change's gate status; record gate results, approvals and bypasses"},
	{"drill", cmd_drill, "record, list and show rollback drills"},
	{"incident", cmd_incident,
	 "record, list and show incidents, rollbacks and near misses; link them to changes"},
	{"review", cmd_review,
	 "the review queue: label high-impact changes without their outcomes"},
	{"policy", cmd_policy, "lint (offline), apply, list, show, diff and retire gate policies"},
	{"token", cmd_token, "create, list and revoke API tokens (admin)"},
	{"audit", cmd_audit, "verify, checkpoint and list the hash-chained audit log"},
	{"metrics", cmd_metrics,
	 "VL, RDPR, GBR, tempo and L against thresholds; a FIT pilot pack offline"},
	{"tempo", cmd_tempo, "tau_u, tau_g, the tempo ratio and Little's L, with the series"},
	{"accumulation", cmd_accumulation,
	 "the shape of IO accumulation, overall and per category"},
	{"import", cmd_import, "import records in bulk (a FIT pilot pack)"},
	{"backtest", cmd_backtest, "backtest the IO labels against outcomes; stored backtests"},
	{"report", cmd_report, "the pilot report: register, metrics, accumulation, backtest (md)"},
	{"stats", cmd_stats, "statistics over columns of a CSV file, offline (no server)"},
	{"login", cmd_login, "check a server URL and token and save them in the config file"},
	{"version", cmd_version, "print the client's and the server's versions"},
	{"help", cmd_help, "show help for ratchet or one of its commands"},
};

static void print_usage(FILE *out)
{
	fputs("usage: ratchet [<global options>] <command> [<verb>] [<options>]\n\n"
	      "Records changes and the irreversible operations (IOs) they carry, on ratchetd.\n\n"
	      "commands:\n",
	      out);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-14s%s\n", commands[i].name, commands[i].summary);
	fputs("\nglobal options (accepted anywhere on the line):\n"
	      "  --url URL             server; default: env RATCHET_URL, the config file,\n"
	      "                        then " CLI_DEFAULT_URL "\n"
	      "  --token T             API token; default: env RATCHET_TOKEN, the config file\n"
	      "  -o table|json|csv     output format (default table; json is the API's JSON;\n"
	      "                        md, Markdown, for backtest and report)\n"
	      "  --retries N           retries on connection errors and HTTP 503\n"
	      "                        (default 4, env RATCHET_RETRIES)\n"
	      "  --retry-delay MS      first backoff in milliseconds, doubling each retry\n"
	      "                        (default 200, env RATCHET_RETRY_DELAY_MS)\n"
	      "  --timeout SECONDS     per request (default 30, env RATCHET_TIMEOUT)\n"
	      "  --idempotency-key K   key sent with writes (default: a fresh random key per\n"
	      "                        command, reused by its retries)\n"
	      "  --cacert FILE         trust this PEM CA bundle for https URLs (default: env\n"
	      "                        RATCHET_CACERT, the config file, else the system's);\n"
	      "                        certificates are always verified\n\n"
	      "Each global option may be given once.\n\n"
	      "config file: $XDG_CONFIG_HOME/ratchet/config or ~/.config/ratchet/config\n"
	      "(lines url=..., token=... and cacert=..., mode 0600; written by 'ratchet login')\n\n"
	      "exit codes: 0 ok, 1 failed or refused by the server, 2 usage error,\n"
	      "3 server unreachable, 4 blocked (gate status) or shipped while blocked (change\n"
	      "effective), 5 still pending (gate status)\n\n"
	      "see 'ratchet <command> --help' for a command's verbs and options\n",
	      out);
}

enum global_id {
	GLOBAL_URL,
	GLOBAL_TOKEN,
	GLOBAL_OUTPUT,
	GLOBAL_RETRIES,
	GLOBAL_RETRY_DELAY,
	GLOBAL_TIMEOUT,
	GLOBAL_IDEMPOTENCY_KEY,
	GLOBAL_CACERT,
};

static const struct global_option {
	const char *name;
	enum global_id id;
} global_options[] = {
	{"--url", GLOBAL_URL},	       {"--token", GLOBAL_TOKEN},
	{"--output", GLOBAL_OUTPUT},   {"-o", GLOBAL_OUTPUT},
	{"--retries", GLOBAL_RETRIES}, {"--retry-delay", GLOBAL_RETRY_DELAY},
	{"--timeout", GLOBAL_TIMEOUT}, {"--idempotency-key", GLOBAL_IDEMPOTENCY_KEY},
	{"--cacert", GLOBAL_CACERT},
};

static int set_output(struct cli *cli, const char *name, const char *value)
{
	if (output_format_parse(value, &cli->format) < 0)
		return cli_usage(NULL, "invalid value '%s' for %s: want table, json, csv or md",
				 value, name);
	return 0;
}

/* Applies one global option; given has bit (1 << id) set for those seen, since
 * a second value would silently win over the first. */
static int set_global(struct cli *cli, unsigned *given, enum global_id id, const char *name,
		      const char *value)
{
	if (*given & (1u << id))
		return cli_usage(NULL, "%s given more than once", name);
	*given |= 1u << id;
	if (!cli_is_utf8(value))
		return cli_usage(NULL, "%s is not valid UTF-8", name);
	switch (id) {
	case GLOBAL_URL:
		cli->url = value;
		return 0;
	case GLOBAL_TOKEN:
		cli->token = value;
		return 0;
	case GLOBAL_OUTPUT:
		return set_output(cli, name, value);
	case GLOBAL_RETRIES:
		return cli_parse_long(NULL, name, value, 0, CLI_MAX_RETRIES, &cli->retries);
	case GLOBAL_RETRY_DELAY:
		return cli_parse_long(NULL, name, value, 0, CLI_MAX_RETRY_DELAY_MS,
				      &cli->retry_delay_ms);
	case GLOBAL_TIMEOUT:
		return cli_parse_long(NULL, name, value, 1, CLI_MAX_TIMEOUT_S, &cli->timeout_s);
	case GLOBAL_IDEMPOTENCY_KEY:
		if (!client_valid_idempotency_key(value))
			return cli_usage(NULL,
					 "invalid value for %s: want 1 to %d visible ASCII "
					 "characters",
					 name, CLIENT_IDEMPOTENCY_KEY_MAX);
		cli->idempotency_key = value;
		return 0;
	case GLOBAL_CACERT:
		if (!*value)
			return cli_usage(NULL, "empty value for %s", name);
		cli->cacert = value;
		return 0;
	}
	return 0;
}

/* "-ojson" is -o json only for a real format, so that a value such as
 * "--reason -overdue" is left to the verb. */
static bool attached_output(const char *arg)
{
	enum output_format format;
	return strncmp(arg, "-o", 2) == 0 && output_format_parse(arg + 2, &format) == 0;
}

/* Applies the global option at argv[i], if it is one. Returns how many
 * arguments it used (0: not a global option), or -1 after a usage error. */
static int take_global(struct cli *cli, unsigned *given, int argc, char **argv, int i)
{
	const char *arg = argv[i];
	if (attached_output(arg))
		return set_global(cli, given, GLOBAL_OUTPUT, "-o", arg + 2) ? -1 : 1;
	for (size_t k = 0; k < ARRAY_SIZE(global_options); k++) {
		const struct global_option *g = &global_options[k];
		size_t len = strlen(g->name);
		if (strncmp(arg, g->name, len) != 0)
			continue;
		if (arg[len] == '=')
			return set_global(cli, given, g->id, g->name, arg + len + 1) ? -1 : 1;
		if (arg[len] != '\0')
			continue;
		if (i + 1 >= argc) {
			cli_usage(NULL, "option '%s' needs a value", g->name);
			return -1;
		}
		return set_global(cli, given, g->id, g->name, argv[i + 1]) ? -1 : 2;
	}
	return 0;
}

/* Moves global options out of argv; the rest (command first) goes to *rest. */
static int parse_globals(struct cli *cli, int argc, char **argv, char **rest, int *n_rest)
{
	unsigned given = 0;
	int n = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				rest[n++] = argv[i++];
			break;
		}
		int used = take_global(cli, &given, argc, argv, i);
		if (used < 0)
			return CLI_EXIT_USAGE;
		if (used == 0)
			rest[n++] = argv[i];
		else
			i += used - 1;
	}
	rest[n] = NULL;
	*n_rest = n;
	return 0;
}

static int run(struct cli *cli, int argc, char **argv)
{
	if (argc == 0 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
		print_usage(stdout);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(commands[i].name, argv[0]) != 0)
			continue;
		/* Markdown is a document format: only the commands that write documents take it. */
		if (cli->format == OUTPUT_MD && strcmp(argv[0], "backtest") != 0 &&
		    strcmp(argv[0], "report") != 0 && strcmp(argv[0], "help") != 0)
			return cli_usage(argv[0], "-o md is for backtest and report only");
		return commands[i].fn(cli, argc, argv);
	}
	if (!cli_is_utf8(argv[0]))
		return cli_usage(NULL, "the command is not valid UTF-8");
	if (argv[0][0] == '-' && argv[0][1] != '\0')
		return cli_usage(NULL, "unknown option '%s'", argv[0]);
	fprintf(stderr, "ratchet: '%s' is not a command; see 'ratchet --help'\n", argv[0]);
	return CLI_EXIT_USAGE;
}

/* ratchet help [<command> [<verb>]]: the same text as --help. */
static int cmd_help(struct cli *cli, int argc, char **argv)
{
	if (argc < 2) {
		print_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (argc > 3)
		return cli_usage("help", "unexpected argument '%s'", argv[3]);
	char *args[4] = {argv[1], NULL, NULL, NULL};
	int n = 1;
	if (argc == 3)
		args[n++] = argv[2];
	args[n++] = (char *)"--help";
	return run(cli, n, args);
}

/* Flushes stdout; a write error (full disk, closed pipe) turns success into 1. */
static int finish_output(int rc)
{
	errno = 0;
	bool failed = fflush(stdout) != 0;
	int saved = errno;
	failed = ferror(stdout) || failed;
	if (fclose(stdout) != 0 && !failed) {
		failed = true;
		saved = errno;
	}
	if (!failed)
		return rc;
	fprintf(stderr, "ratchet: could not write to standard output%s%s\n", saved ? ": " : "",
		saved ? strerror(saved) : "");
	return rc ? rc : CLI_EXIT_FAIL;
}

int main(int argc, char **argv)
{
	core_init();
	struct cli cli;
	cli_init(&cli);
	char **rest = xcalloc((size_t)argc + 1, sizeof(*rest));
	int n_rest = 0;
	int rc = parse_globals(&cli, argc, argv, rest, &n_rest);
	if (rc == 0)
		rc = run(&cli, n_rest, rest);
	cli_release(&cli);
	free(rest);
	return finish_output(rc);
}
