/* ratchet gate: a change's gate status (exit 0 clear, 4 blocked, 5 pending;
 * --wait polls until it is decided), and gate results, approvals and
 * bypasses. */
#include "common.h"

#include <getopt.h>

#include "cli.h"
#include "duration.h"
#include "err.h"
#include "model.h"

enum gate_opt {
	OPT_PHASE = 256,
	OPT_WAIT,
	OPT_POLL,
	OPT_JSON,
	OPT_EVIDENCE,
	OPT_REASON,
	OPT_EXPIRES,
};

#define DEFAULT_POLL_S 10

static const struct model_names phase_names = {(const char *const[]){"pre", "post", "all"}, 3,
					       "pre, post, all"};

/* Two operands, CHANGE and GATE, after the options. */
static int change_and_gate(const char *cmd, int argc, char **argv, const char **change,
			   const char **gate)
{
	if (optind >= argc)
		return cli_usage(cmd, "missing CHANGE and GATE");
	if (optind + 1 >= argc)
		return cli_usage(cmd, "missing GATE");
	if (optind + 2 < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind + 2]);
	if (!argv[optind][0] || !argv[optind + 1][0])
		return cli_usage(cmd, "empty %s", argv[optind][0] ? "GATE" : "CHANGE");
	*change = argv[optind];
	*gate = argv[optind + 1];
	return 0;
}

/* A duration option's value in seconds (at least min). */
static int parse_duration_opt(const char *cmd, const char *opt, const char *text, int64_t min,
			      int64_t *seconds)
{
	struct err err;
	err_init(&err);
	if (duration_parse(text, seconds, &err) < 0)
		return cli_usage(cmd, "invalid value '%s' for %s: %s", text, opt, err.message);
	if (*seconds < min)
		return cli_usage(cmd, "invalid value '%s' for %s: must be longer than 0s", text,
				 opt);
	return 0;
}

/* gate status */

static char *render_state(const cJSON *gate)
{
	char *state = output_member(gate, "state");
	if (!cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(gate, "required")))
		return state;
	char *text = xasprintf("%s (optional)", cli_or_dash(state));
	free(state);
	return text;
}

static const struct output_column gate_columns[] = {
	{"GATE", "id", NULL},	       {"KIND", "kind", NULL},	   {"PHASE", "phase", NULL},
	{"STATE", NULL, render_state}, {"REASON", "reason", NULL},
};

static int exit_for_status(const cJSON *status_json)
{
	const char *status =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(status_json, "status"));
	if (status && strcmp(status, "clear") == 0)
		return CLI_EXIT_OK;
	if (status && strcmp(status, "blocked") == 0)
		return CLI_EXIT_BLOCKED;
	if (status && strcmp(status, "pending") == 0)
		return CLI_EXIT_PENDING;
	fprintf(stderr, "ratchet: the server answered no gate status (clear, blocked, pending)\n");
	return CLI_EXIT_FAIL;
}

static void print_status(const struct cli *cli, const struct client_resp *resp, const char *ref)
{
	const cJSON *gates = cJSON_GetObjectItemCaseSensitive(resp->json, "gates");
	if (cli->format == OUTPUT_JSON) {
		output_json_text(stdout, resp->body.data, resp->body.len);
		return;
	}
	if (cli->format == OUTPUT_CSV) {
		output_list(stdout, OUTPUT_CSV, gate_columns, ARRAY_SIZE(gate_columns), gates);
		return;
	}
	if (cJSON_GetArraySize(gates) > 0)
		output_list(stdout, OUTPUT_TABLE, gate_columns, ARRAY_SIZE(gate_columns), gates);
	else
		printf("no gates apply to change %s\n", ref);
	char *status = output_member(resp->json, "status");
	char *scope = output_member(resp->json, "scope");
	char *at = output_member(resp->json, "evaluated_at");
	char *verdict = output_member(resp->json, "verdict_id");
	printf("verdict: %s (%s gates of change %s at %s; verdict %s)\n", cli_or_dash(status),
	       cli_or_dash(scope), ref, cli_or_dash(at), cli_or_dash(verdict));
	free(status);
	free(scope);
	free(at);
	free(verdict);
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ns(int64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

struct status_opts {
	const char *phase;
	int64_t wait_s; /* -1: no --wait */
	int64_t poll_s;
};

static int status_options(int argc, char **argv, struct cli *cli, struct status_opts *o)
{
	static const struct option options[] = {
		{"phase", required_argument, NULL, OPT_PHASE},
		{"wait", required_argument, NULL, OPT_WAIT},
		{"poll", required_argument, NULL, OPT_POLL},
		{"json", no_argument, NULL, OPT_JSON},
		{NULL, 0, NULL, 0},
	};
	const char *cmd = "gate status";
	int c, rc = cli_getopt_start(cmd, argc, argv, options), poll_given = 0;
	*o = (struct status_opts){NULL, -1, DEFAULT_POLL_S};
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c == OPT_PHASE) {
			rc = cli_check_name(cmd, "--phase", optarg, &phase_names);
			o->phase = optarg;
		} else if (c == OPT_WAIT) {
			rc = parse_duration_opt(cmd, "--wait", optarg, 0, &o->wait_s);
		} else if (c == OPT_POLL) {
			rc = parse_duration_opt(cmd, "--poll", optarg, 1, &o->poll_s);
			poll_given = 1;
		} else if (c == OPT_JSON) {
			cli->format = OUTPUT_JSON;
		} else {
			rc = cli_bad_option(cmd, c, argv);
		}
	}
	if (!rc && poll_given && o->wait_s < 0)
		rc = cli_usage(cmd, "--poll needs --wait");
	return rc;
}

/* Sleeps until the next poll; 0 when the wait is over. */
static int next_poll(const char *ref, const struct status_opts *o, int64_t deadline)
{
	int64_t left = deadline - monotonic_ns();
	if (o->wait_s < 0 || left <= 0)
		return 0;
	int64_t pause = o->poll_s * 1000000000;
	if (pause > left)
		pause = left;
	fprintf(stderr, "ratchet: change %s is pending; checking again in %.1fs\n", ref,
		(double)pause / 1e9);
	sleep_ns(pause);
	return 1;
}

static int gate_status(struct cli *cli, int argc, char **argv)
{
	struct status_opts o;
	const char *ref = NULL;
	int rc = status_options(argc, argv, cli, &o);
	if (!rc)
		rc = cli_one_operand("gate status", "CHANGE", argc, argv, &ref);
	if (rc)
		return rc;
	struct buf path;
	buf_init(&path, 0);
	char *base = cli_ref_path("changes", ref, "/gates");
	buf_printf(&path, "%s", base);
	free(base);
	client_query_add(&path, "phase", o.phase);
	int64_t wait_ns = o.wait_s > INT64_MAX / 1000000000 ? INT64_MAX / 2 : o.wait_s * 1000000000;
	int64_t deadline = monotonic_ns() + (o.wait_s > 0 ? wait_ns : 0);
	struct client_resp resp;
	client_resp_init(&resp);
	for (;;) {
		client_resp_release(&resp);
		client_resp_init(&resp);
		rc = cli_call(cli, "GET", path.data, NULL, &resp);
		if (rc)
			break;
		rc = exit_for_status(resp.json);
		if (rc != CLI_EXIT_PENDING || !next_poll(ref, &o, deadline))
			break;
	}
	if (rc == CLI_EXIT_OK || rc == CLI_EXIT_BLOCKED || rc == CLI_EXIT_PENDING)
		print_status(cli, &resp, ref);
	client_resp_release(&resp);
	buf_release(&path);
	return rc;
}

/* gate pass, fail, approve, bypass */

static const struct output_column record_columns[] = {
	{"ID", "id", NULL},	    {"CHANGE_ID", "change_id", NULL},
	{"GATE", "gate", NULL},	    {"GATE_STATE", "gate_state", NULL},
	{"STATUS", "status", NULL},
};

/* POSTs body to /v1/changes/{ref}/gates/{gate}/{what} and prints
 * "gate GATE of change REF: DONE (record ID); gate now STATE, change STATUS". */
static int post_gate(struct cli *cli, const char *ref, const char *gate, const char *what,
		     const cJSON *body, const char *done)
{
	char *escaped = client_escape(gate, false);
	char *suffix = xasprintf("/gates/%s/%s", escaped, what);
	char *path = cli_ref_path("changes", ref, suffix);
	struct client_resp resp;
	client_resp_init(&resp);
	int rc = cli_call(cli, "POST", path, body, &resp);
	if (!rc) {
		char *full = output_member(resp.json, "gate");
		char *id = output_member(resp.json, "id");
		char *state = output_member(resp.json, "gate_state");
		char *status = output_member(resp.json, "status");
		char *summary = xasprintf("gate %s of change %s: %s (record %s); gate now %s, "
					  "change %s",
					  cli_or_dash(full), ref, done, cli_or_dash(id),
					  cli_or_dash(state), cli_or_dash(status));
		cli_print_one(cli, &resp, record_columns, ARRAY_SIZE(record_columns), summary);
		free(summary);
		free(full);
		free(id);
		free(state);
		free(status);
	}
	client_resp_release(&resp);
	free(path);
	free(suffix);
	free(escaped);
	return rc;
}

static int gate_result(struct cli *cli, int argc, char **argv, const char *result)
{
	static const struct option options[] = {
		{"evidence", required_argument, NULL, OPT_EVIDENCE},
		{NULL, 0, NULL, 0},
	};
	char cmd[16];
	snprintf(cmd, sizeof(cmd), "gate %s", argv[0]);
	const char *ref = NULL, *gate = NULL, *evidence = NULL;
	int c, rc = cli_getopt_start(cmd, argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c == OPT_EVIDENCE)
			evidence = optarg;
		else
			rc = cli_bad_option(cmd, c, argv);
	}
	if (!rc)
		rc = change_and_gate(cmd, argc, argv, &ref, &gate);
	if (rc)
		return rc;
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "result", result);
	if (evidence)
		cJSON_AddStringToObject(body, "evidence", evidence);
	char *done = xasprintf("result %s recorded", result);
	rc = post_gate(cli, ref, gate, "results", body, done);
	free(done);
	cJSON_Delete(body);
	return rc;
}

static int gate_pass(struct cli *cli, int argc, char **argv)
{
	return gate_result(cli, argc, argv, "pass");
}

static int gate_fail(struct cli *cli, int argc, char **argv)
{
	return gate_result(cli, argc, argv, "fail");
}

static int gate_approve(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {{NULL, 0, NULL, 0}};
	const char *ref = NULL, *gate = NULL;
	int c, rc = cli_getopt_start("gate approve", argc, argv, options);
	if (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		rc = cli_bad_option("gate approve", c, argv);
	if (!rc)
		rc = change_and_gate("gate approve", argc, argv, &ref, &gate);
	if (rc)
		return rc;
	cJSON *body = cJSON_CreateObject();
	rc = post_gate(cli, ref, gate, "approvals", body, "approved");
	cJSON_Delete(body);
	return rc;
}

static int gate_bypass(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"reason", required_argument, NULL, OPT_REASON},
		{"expires", required_argument, NULL, OPT_EXPIRES},
		{NULL, 0, NULL, 0},
	};
	const char *cmd = "gate bypass";
	const char *ref = NULL, *gate = NULL, *reason = NULL, *expires = NULL;
	int64_t seconds;
	int c, rc = cli_getopt_start(cmd, argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c == OPT_REASON) {
			reason = optarg;
		} else if (c == OPT_EXPIRES) {
			rc = parse_duration_opt(cmd, "--expires", optarg, 1, &seconds);
			expires = optarg;
		} else {
			rc = cli_bad_option(cmd, c, argv);
		}
	}
	if (!rc)
		rc = change_and_gate(cmd, argc, argv, &ref, &gate);
	if (!rc && !reason)
		rc = cli_usage(cmd, "missing --reason (a bypass always needs one)");
	if (rc)
		return rc;
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "reason", reason);
	if (expires)
		cJSON_AddStringToObject(body, "expires", expires);
	rc = post_gate(cli, ref, gate, "bypass", body, "bypassed");
	cJSON_Delete(body);
	return rc;
}

static const char usage_status[] =
	"usage: ratchet gate status CHANGE [--phase pre|post|all] [--wait DURATION]\n"
	"                           [--poll DURATION] [--json]\n\n"
	"Shows the gates of change CHANGE (ID or SERVICE:KEY) that its policies require\n"
	"(GET /v1/changes/{ref}/gates): each gate's kind, phase, state and reason, then the\n"
	"verdict, which the server stores (its id is printed; GET /v1/verdicts/{id}).\n\n"
	"  --phase P       pre (before it ships), post (after) or all; default pre while\n"
	"                  planned, all once effective\n"
	"  --wait D        poll until the verdict is clear or blocked, at most D (90s,\n"
	"                  30m, 2h); stops early on blocked\n"
	"  --poll D        time between polls with --wait (default 10s; more than 0s)\n"
	"  --json          print the API's JSON (same as -o json)\n\n"
	"Exits 0 clear, 4 blocked (a required gate failed, is overdue or inconclusive),\n"
	"5 pending (still pending when --wait ends, or without --wait).\n";

static const char usage_pass[] =
	"usage: ratchet gate pass CHANGE GATE [--evidence URL]\n\n"
	"Records a passing result of evaluation gate GATE of change CHANGE\n"
	"(POST /v1/changes/{ref}/gates/{gate}/results). GATE is the full id\n"
	"(POLICY.GATE) or a gate id that only one of the change's policies has.\n\n"
	"  --evidence URL  where the evaluation is\n";

static const char usage_fail[] =
	"usage: ratchet gate fail CHANGE GATE [--evidence URL]\n\n"
	"Records a failing result of evaluation gate GATE of change CHANGE\n"
	"(POST /v1/changes/{ref}/gates/{gate}/results). The latest result decides.\n\n"
	"  --evidence URL  where the evaluation is\n";

static const char usage_approve[] =
	"usage: ratchet gate approve CHANGE GATE\n\n"
	"Approves approval gate GATE of change CHANGE as this token\n"
	"(POST /v1/changes/{ref}/gates/{gate}/approvals). The token's role must be one the\n"
	"gate names (admin always may); the change's author and creator cannot approve it.\n";

static const char usage_bypass[] =
	"usage: ratchet gate bypass CHANGE GATE --reason TEXT [--expires DURATION]\n\n"
	"Bypasses gate GATE of change CHANGE (POST /v1/changes/{ref}/gates/{gate}/bypass).\n"
	"The gate's state at this moment is kept with the bypass and counts toward the\n"
	"gate bypass rate; after it expires the bypass is honoured nowhere.\n\n"
	"  --reason TEXT   why (required)\n"
	"  --expires D     how long it holds (default and maximum: the policy's\n"
	"                  bypass.max_expiry, 7d unless set)\n";

static const struct cli_verb gate_verbs[] = {
	{"status", gate_status, "a change's gates and verdict (exit 0 clear, 4 blocked, 5 pending)",
	 usage_status},
	{"pass", gate_pass, "record a passing evaluation result", usage_pass},
	{"fail", gate_fail, "record a failing evaluation result", usage_fail},
	{"approve", gate_approve, "approve an approval gate", usage_approve},
	{"bypass", gate_bypass, "bypass a gate, with a reason and an expiry", usage_bypass},
};

int cmd_gate(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, "gate",
			    "Shows a change's gate status and records gate results, approvals and "
			    "bypasses.",
			    gate_verbs, ARRAY_SIZE(gate_verbs), argc, argv);
}
