/* What ratchet backtest shares with ratchet report and its table: the local check of a backtest
 * request, dates, and the table. */
#ifndef RATCHET_CMD_BACKTEST_H
#define RATCHET_CMD_BACKTEST_H

#include <cjson/cJSON.h>

/* Checks body (a POST /v1/backtests request) with core's own reading of it
 * (backtest_params_from_json), so that what the server would refuse is a usage error here:
 * each problem printed as "ratchet: CMD: --option: message". Returns 0 or CLI_EXIT_USAGE. */
int cmd_backtest_check(const char *cmd, const cJSON *body);

/* Converts a --from/--to value to RFC 3339: a date YYYY-MM-DD becomes its midnight UTC, anything
 * else is returned as given (checked later). The caller frees. */
char *cmd_backtest_when(const char *value);

/* Prints a backtest answer ({id, created_at, created_by, input_hash, result}) as the table of
 * 'ratchet backtest' (cmd_backtest_table.c). */
void cmd_backtest_print_table(const cJSON *answer);

#endif
