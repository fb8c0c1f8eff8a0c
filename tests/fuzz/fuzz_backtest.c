/* Fuzzes the body of POST /v1/backtests (backtest_params_from_json) and what follows it: the
 * parameters are accepted only when backtest_params_check passes, round-trip through
 * backtest_params_to_json unchanged, and run on a small fixed register whose result renders as
 * JSON, Markdown and CSV; a refusal is ERR_INVALID with a message. The body is read as the
 * server reads it (json_parse). */
#include "common.h"

#include "backtest.h"
#include "core.h"
#include "err.h"
#include "fuzz.h"
#include "json.h"

#define T0 (INT64_C(1782864000) * 1000000) /* 2026-07-01T00:00:00Z */
#define DAY (INT64_C(86400) * 1000000)
#define NOW (T0 + 400 * DAY)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	core_init();
	return 0;
}

/* Two strata, every cell, a label after its outcome, a candidate, an outcome without severity. */
static void run_register(const struct backtest_params *p)
{
	static const struct backtest_io ios[4] = {
		{11, IO_CAT_DATA, IO_CONFIRMED, T0, false, false},
		{12, IO_CAT_DEPLOYMENT, IO_CONFIRMED, T0 + 3 * DAY, false, true},
		{13, IO_CAT_SUPPLY_CHAIN, IO_CANDIDATE, T0, false, false},
		{14, IO_CAT_EVALUATION, IO_CONFIRMED, T0, true, false},
	};
	static const struct backtest_change changes[5] = {
		{1, "api", "a1", IMPACT_HIGH, T0 + DAY, REVIEW_HAS_IO, &ios[0], 1},
		{2, "api", "a2", IMPACT_LOW, T0 + DAY, REVIEW_HAS_IO, &ios[1], 1},
		{3, "api", "a3", IMPACT_LOW, T0 + 2 * DAY, REVIEW_NO_IO, &ios[2], 2},
		{4, "web", "w1", IMPACT_MEDIUM, T0 + 5 * DAY, REVIEW_UNREVIEWED, NULL, 0},
		{5, "web", "w2", IMPACT_HIGH, T0 + 300 * DAY, REVIEW_NO_IO, NULL, 0},
	};
	static const struct backtest_link links[4] = {
		{1, BACKTEST_EXPLICIT, NULL, NULL},
		{2, BACKTEST_REVERT, "git", "1"},
		{3, BACKTEST_FOLLOW_UP, "git", "1"},
		{4, BACKTEST_WINDOW, "link-window", "1"},
	};
	static const struct backtest_outcome outcomes[3] = {
		{21, BACKTEST_INCIDENT, 1, T0 + 2 * DAY, "down", "#1", &links[0], 2},
		{22, BACKTEST_ROLLBACK, 0, T0 + 3 * DAY, "revert", NULL, &links[2], 1},
		{23, BACKTEST_NEAR_MISS, 4, T0 + 6 * DAY, "close", "#3", &links[3], 1},
	};
	struct backtest_input in = {changes, 5, outcomes, 3};
	struct backtest_result r;
	struct err err;
	err_init(&err);
	FUZZ_CHECK(backtest_run(&in, p, &r, &err) == 0);
	cJSON *j = backtest_to_json(&r);
	char *md = backtest_to_markdown(j, 2, &err);
	char *csv = backtest_to_csv(j, &err);
	FUZZ_CHECK(md && csv);
	free(md);
	free(csv);
	cJSON_Delete(j);
	backtest_result_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *body = NULL;
	struct backtest_params p;
	struct err err;
	err_init(&err);
	if (json_parse((const char *)data, size, &body, &err) < 0)
		return 0;
	err_init(&err);
	if (backtest_params_from_json(body, NOW, &p, &err) < 0) {
		FUZZ_CHECK(err.code == ERR_INVALID && err.message[0]);
		cJSON_Delete(body);
		return 0;
	}
	struct err check;
	err_init(&check);
	FUZZ_CHECK(backtest_params_check(&p, &check) == 0);
	cJSON *out = backtest_params_to_json(&p);
	struct backtest_params q;
	FUZZ_CHECK(backtest_params_from_json(out, NOW, &q, &err) == 0);
	cJSON *again = backtest_params_to_json(&q);
	char *a = json_print(out), *b = json_print(again);
	FUZZ_CHECK(strcmp(a, b) == 0);
	free(a);
	free(b);
	cJSON_Delete(again);
	run_register(&p);
	cJSON_Delete(out);
	cJSON_Delete(body);
	return 0;
}
