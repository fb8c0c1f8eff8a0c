/* Shared by the files of `ratchet policy` (cmd_policy.c, cmd_policy_diff.c):
 * policy files read and linted locally, name checks and version fetches. */
#ifndef RATCHET_CMD_POLICY_H
#define RATCHET_CMD_POLICY_H

#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "err.h"
#include "policy.h"

/* A policy file: its text, the parsed policy (when clean) and its problems. */
struct policy_file {
	const char *path;
	char *text;
	size_t len;
	struct policy policy;
	bool parsed;
	struct err err; /* the problems, as details with line and column */
};

void cmd_policy_file_init(struct policy_file *f, const char *path);
void cmd_policy_file_release(struct policy_file *f);
/* Reads f->path (at most POLICY_TEXT_MAX bytes) and parses it; every problem
 * ends up on f->err as a detail with line and column. Returns 0 when clean. */
int cmd_policy_file_lint(struct policy_file *f);
/* Prints FILE:LINE:COLUMN: message for each problem of f. */
void cmd_policy_print_problems(FILE *out, const struct policy_file *f);
/* A usage error unless name is a policy name. Returns 0 or CLI_EXIT_USAGE. */
int cmd_policy_check_name(const char *cmd, const char *name);
/* GETs one stored version (0: the latest); the caller releases resp. */
int cmd_policy_get_version(struct cli *cli, const char *name, long version,
			   struct client_resp *resp);

/* policy diff */
int cmd_policy_diff(struct cli *cli, int argc, char **argv);
extern const char cmd_policy_diff_usage[];

#endif
