/* Shared state and helpers of the ratchet CLI: global options, exit codes,
 * usage errors, verb dispatch, the one path to the server, and listings. */
#ifndef RATCHET_CLI_H
#define RATCHET_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "client.h"
#include "output.h"

struct err;
struct model_names;
struct option;

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,	  /* the operation failed or the server refused it */
	CLI_EXIT_USAGE = 2,	  /* bad command line */
	CLI_EXIT_UNREACHABLE = 3, /* transport failure */
	CLI_EXIT_BLOCKED = 4,	  /* blocked, or a change shipped while blocked */
	CLI_EXIT_PENDING = 5,	  /* gate status: still pending */
};

/* Defaults and accepted ranges of the connection settings. */
#define CLI_DEFAULT_URL "http://127.0.0.1:8080"
#define CLI_DEFAULT_RETRIES 4
#define CLI_MAX_RETRIES 100
#define CLI_DEFAULT_RETRY_DELAY_MS 200
#define CLI_MAX_RETRY_DELAY_MS 600000
#define CLI_DEFAULT_TIMEOUT_S 30
#define CLI_MAX_TIMEOUT_S 86400

struct cli {
	/* global options as given on the command line; NULL or -1 when absent */
	const char *url;
	const char *token;
	const char *idempotency_key;
	const char *cacert; /* a PEM CA bundle for https */
	long retries;
	long retry_delay_ms;
	long timeout_s;
	enum output_format format;
	bool has_token;	       /* a token was resolved (flag, env or config) */
	struct client *client; /* made by cli_connect; freed by cli_release */
};

/* A command handler: argv[0] is the command's own name; returns an exit code. */
typedef int (*cli_fn)(struct cli *cli, int argc, char **argv);

struct cli_verb {
	const char *name;
	cli_fn fn;
	const char *summary;
	const char *usage; /* the --help text */
};

void cli_init(struct cli *cli);
void cli_release(struct cli *cli);

/* Prints "ratchet: CMD: MESSAGE; see 'ratchet CMD --help'" (without CMD when
 * cmd is NULL) and returns CLI_EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports getopt_long's '?' or ':' result for cmd; returns CLI_EXIT_USAGE. */
int cli_bad_option(const char *cmd, int opt, char **argv);
/* Whether argv[1..] asks for help (--help or -h before any "--"). */
bool cli_wants_help(int argc, char **argv);
/* Checks that exactly one operand (named what, e.g. "REF") follows the
 * options and stores it; else a usage error. Returns 0 or CLI_EXIT_USAGE. */
int cli_one_operand(const char *cmd, const char *what, int argc, char **argv, const char **out);
/* Fails with a usage error unless no operand follows the options. */
int cli_no_operand(const char *cmd, int argc, char **argv);
/* Parses a decimal integer in [min, max] given to option opt (a usage error
 * otherwise). Returns 0 or CLI_EXIT_USAGE. */
int cli_parse_long(const char *cmd, const char *opt, const char *text, long min, long max,
		   long *out);
/* Checks value against a model name table. */
int cli_check_name(const char *cmd, const char *opt, const char *value,
		   const struct model_names *names);
/* Checks that id is a positive decimal record id. */
int cli_check_id(const char *cmd, const char *id);
/* Checks that value, given to option opt, is an RFC 3339 timestamp with an
 * offset (rtime_parse); else a usage error that names opt and repeats
 * rtime_parse's message. Returns 0 or CLI_EXIT_USAGE. */
int cli_check_time(const char *cmd, const char *opt, const char *value);
/* Whether s is valid UTF-8 (json_utf8_invalid_at). */
bool cli_is_utf8(const char *s);
/* Starts a verb's getopt_long loop over argv (argv[0] the verb): resets
 * getopt and checks that every argument is valid UTF-8 before anything is
 * parsed or sent. A bad argument is a usage error naming the long option of
 * options it belongs to (as getopt_long would assign it), else its position
 * after the verb. An option taking a value given more than once is a usage
 * error ("--role given more than once"). Returns 0 or CLI_EXIT_USAGE. */
int cli_getopt_start(const char *cmd, int argc, char **argv, const struct option *options);
/* As cli_getopt_start, but the options named in repeatable (long names
 * without "--", a NULL-terminated list) may be given any number of times. */
int cli_getopt_start_repeatable(const char *cmd, int argc, char **argv,
				const struct option *options, const char *const *repeatable);

/* Runs the verb named argv[1] of noun; handles --help, a missing verb and an
 * unknown verb. */
int cli_dispatch(struct cli *cli, const char *noun, const char *summary,
		 const struct cli_verb *verbs, size_t n_verbs, int argc, char **argv);

/* Resolves url, token, CA file and retry settings (flag, environment, config
 * file, default) and creates the client once. A CA file that cannot be read
 * or holds no PEM certificate is a usage error. Returns 0 or an exit code
 * (printed). */
int cli_connect(struct cli *cli);
/* Prints err ("ratchet: message" and one line per detail) and returns the
 * exit code: CLI_EXIT_UNREACHABLE for transport failures, else CLI_EXIT_FAIL. */
int cli_report(const struct cli *cli, const struct err *err);
/* Connects if needed and sends one request; on failure prints the error and
 * returns its exit code, else 0 with resp filled (the caller releases it). */
int cli_call(struct cli *cli, const char *method, const char *path, const cJSON *body,
	     struct client_resp *resp);

/* "/v1/PREFIX/<ref escaped>SUFFIX"; ':' stays raw. The caller frees. */
char *cli_ref_path(const char *prefix, const char *ref, const char *suffix);

/* Fetches a listing (path may carry a query): one page from cursor (may be
 * NULL), or with all every page. Prints the items in cli's format; JSON is
 * the API's page unchanged, or {"items":[...],"next_cursor":null} with all. */
int cli_list(struct cli *cli, const char *path, const char *cursor, bool all,
	     const struct output_column *cols, size_t n_cols);

/* A list command's filter option: --OPTION VALUE becomes the query parameter
 * PARAM; the value is checked against names (when set) or as a timestamp. */
struct cli_ls_filter {
	const char *option;
	const char *param;
	const struct model_names *names;
	bool is_time;
};
struct cli_ls {
	const char *cmd;  /* "change ls" */
	const char *path; /* "/v1/changes" */
	const struct cli_ls_filter *filters;
	size_t n_filters;
};
/* Parses a list command's filters and the common --limit --cursor --all
 * (usage errors exit 2; --cursor and --all exclude each other), then lists. */
int cli_ls_run(struct cli *cli, const struct cli_ls *ls, int argc, char **argv,
	       const struct output_column *cols, size_t n_cols);

/* Prints a single API object: its JSON unchanged, a CSV row with cols, or
 * summary (a line the caller built) in table mode. */
void cli_print_one(const struct cli *cli, const struct client_resp *resp,
		   const struct output_column *cols, size_t n_cols, const char *summary);

/* "-" for NULL, so optional values can go to printf. */
const char *cli_or_dash(const char *s);

/* The nouns and commands. */
int cmd_accumulation(struct cli *cli, int argc, char **argv);
int cmd_audit(struct cli *cli, int argc, char **argv);
int cmd_backtest(struct cli *cli, int argc, char **argv);
int cmd_change(struct cli *cli, int argc, char **argv);
int cmd_drill(struct cli *cli, int argc, char **argv);
int cmd_gate(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_incident(struct cli *cli, int argc, char **argv);
int cmd_io(struct cli *cli, int argc, char **argv);
int cmd_login(struct cli *cli, int argc, char **argv);
int cmd_metrics(struct cli *cli, int argc, char **argv);
int cmd_policy(struct cli *cli, int argc, char **argv);
int cmd_report(struct cli *cli, int argc, char **argv);
int cmd_review(struct cli *cli, int argc, char **argv);
int cmd_stats(struct cli *cli, int argc, char **argv);
int cmd_tempo(struct cli *cli, int argc, char **argv);
int cmd_token(struct cli *cli, int argc, char **argv);
int cmd_version(struct cli *cli, int argc, char **argv);

/* The IO table's columns, shared by `io ls` and `change show`. */
extern const struct output_column cmd_io_columns[];
extern const size_t cmd_io_n_columns;

#endif
