/* What the `ratchet change` verbs share: the change table's columns, the
 * single-change printer, and `change new` (in cmd_change_new.c). */
#ifndef RATCHET_CMD_CHANGE_H
#define RATCHET_CMD_CHANGE_H

#include "cli.h"

extern const struct output_column cmd_change_columns[];
extern const size_t cmd_change_n_columns;

/* Prints the change in resp: JSON unchanged, a CSV row, or in table mode
 * "change ID SERVICE:KEY STATE (IMPACT)" followed by note (may be NULL).
 * Returns CLI_EXIT_OK. */
int cmd_change_print(struct cli *cli, const struct client_resp *resp, const char *note);

/* Whether a change (API JSON) was recorded as shipped while blocked. */
bool cmd_change_shipped_while_blocked(const cJSON *change);

int cmd_change_new(struct cli *cli, int argc, char **argv);
extern const char cmd_change_new_usage[];

#endif
