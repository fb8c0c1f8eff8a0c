/* /v1/backtests: run a backtest of the IO register against outcomes (core/backtest.h) over the
 * rows as they stand, store it with its parameters, input hash and result, and return stored
 * backtests exactly as they were stored. The result object is never rebuilt: POST and GET put
 * the stored text itself under "result". */
#include "common.h"

#include "backtest.h"
#include "err.h"
#include "handlers.h"
#include "json.h"

/* {"id", "created_at", "created_by", "input_hash", "result": <result_json, byte for byte>}.
 * The caller frees. */
static char *envelope(int64_t id, int64_t created_at, const char *created_by,
		      const char *input_hash, const char *result_json)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)id);
	json_add_time(o, "created_at", created_at);
	json_add_str(o, "created_by", created_by);
	json_add_str(o, "input_hash", input_hash);
	char *head = json_print(o);
	cJSON_Delete(o);
	head[strlen(head) - 1] = '\0'; /* drop the closing brace */
	char *text = xasprintf("%s,\"result\":%s}", head, result_json);
	free(head);
	return text;
}

static void respond(struct resp *out, int status, char *body)
{
	free(out->body);
	out->status = status;
	out->body = body;
	out->content_type = "application/json";
}

/* Runs the backtest of p over rows; on success *result_json is the result's JSON text (the
 * caller frees) and hash its input hash. */
static int run(const struct backtest_params *p, const struct store_backtest_rows *rows,
	       char **result_json, char hash[HASH_HEX_LEN + 1], struct err *err)
{
	struct backtest_input in = {rows->changes, rows->n_changes, rows->outcomes,
				    rows->n_outcomes};
	struct backtest_result res;
	struct err run_err;
	err_init(&run_err);
	/* The parameters were checked already: a refusal here is about stored rows. */
	if (backtest_run(&in, p, &res, &run_err) < 0) {
		backtest_result_release(&res);
		return err_set(err, ERR_INTERNAL, "backtest refused the stored rows: %s",
			       run_err.message);
	}
	cJSON *j = backtest_to_json(&res);
	*result_json = json_print(j);
	cJSON_Delete(j);
	memcpy(hash, res.input_hash, HASH_HEX_LEN + 1);
	backtest_result_release(&res);
	return 0;
}

int h_backtests_create(struct req *r, struct resp *out, struct err *err)
{
	struct backtest_params p;
	if (backtest_params_from_json(r->json, r->now, &p, err) < 0)
		return -1;
	struct store_backtest_rows rows;
	if (store_backtest_rows(&p, &rows, err) < 0)
		return -1;
	char *result_json = NULL, *params_json = NULL, hash[HASH_HEX_LEN + 1];
	int64_t id = 0;
	int rc = run(&p, &rows, &result_json, hash, err);
	store_backtest_rows_release(&rows);
	if (rc < 0)
		return -1;
	cJSON *params = backtest_params_to_json(&p);
	params_json = json_print(params);
	cJSON_Delete(params);
	rc = store_backtest_insert(params_json, hash, result_json, r->token.name, r->now, &id, err);
	if (rc == 0)
		respond(out, 201, envelope(id, r->now, r->token.name, hash, result_json));
	free(params_json);
	free(result_json);
	return rc;
}

static const char *const list_params[] = {"cursor", "limit", NULL};

/* A list item: the backtest's id, when and by whom, its input hash, parameters and counts. */
static cJSON *list_item(const struct backtest_record *b)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)b->id);
	json_add_time(o, "created_at", b->created_at);
	json_add_str(o, "created_by", b->created_by);
	json_add_str(o, "input_hash", b->input_hash);
	cJSON *params = b->parameters ? cJSON_Parse(b->parameters) : NULL;
	cJSON *counts = b->counts ? cJSON_Parse(b->counts) : NULL;
	cJSON_AddItemToObject(o, "parameters", params ? params : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "counts", counts ? counts : cJSON_CreateNull());
	return o;
}

int h_backtests_list(struct req *r, struct resp *out, struct err *err)
{
	int limit;
	int64_t after = 0;
	query_check(r, list_params, err);
	query_paging(r, &limit, &after, err);
	if (err_is_set(err))
		return -1;
	struct backtest_record *items;
	size_t n;
	int64_t next;
	if (store_backtest_list(after, limit, &items, &n, &next, err) < 0)
		return -1;
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(arr, list_item(&items[i]));
		backtest_record_release(&items[i]);
	}
	free(items);
	resp_page(out, arr, next);
	return 0;
}

int h_backtests_get(struct req *r, struct resp *out, struct err *err)
{
	const char *s = r->params[0];
	char *end = NULL;
	errno = 0;
	long long id = strtoll(s, &end, 10);
	if (errno || *end || id <= 0 || s[0] < '0' || s[0] > '9')
		return err_set(err, ERR_NOT_FOUND, "no backtest \"%.64s\"", s);
	struct backtest_record b;
	if (store_backtest_get((int64_t)id, &b, err) < 0)
		return -1;
	respond(out, 200, envelope(b.id, b.created_at, b.created_by, b.input_hash, b.result));
	backtest_record_release(&b);
	return 0;
}
