/* Stored backtests, each with its parameters, input hash and result exactly as computed, and
 * the register summary of a window (GET /v1/summary) in one statement. */
#include "common.h"

#include "backtest.h"
#include "err.h"
#include "rtime.h"
#include "store_int.h"
#include "store_scope.h"

/* ---- stored backtests ---- */

void backtest_record_release(struct backtest_record *b)
{
	free(b->created_by);
	free(b->input_hash);
	free(b->result);
	free(b->parameters);
	free(b->counts);
	memset(b, 0, sizeof(*b));
}

int store_backtest_insert(const char *params_json, const char *input_hash, const char *result_json,
			  const char *actor, int64_t at, int64_t *id, struct err *err)
{
	char at_text[RTIME_BUFSZ];
	const char *params[5] = {params_json, input_hash, result_json, actor,
				 store_time_param(at, at_text)};
	PGresult *res = store_exec("INSERT INTO backtests (params, input_hash, result, created_by,"
				   " created_at) VALUES ($1::jsonb, $2, $3::json, $4, $5)"
				   " RETURNING id",
				   5, params, err);
	if (!res)
		return -1;
	*id = store_get_i64(res, 0, 0);
	PQclear(res);
	return 0;
}

int store_backtest_get(int64_t id, struct backtest_record *b, struct err *err)
{
	char idbuf[24];
	const char *params[1] = {store_i64_param(id, idbuf)};
	PGresult *res = store_exec("SELECT id, " US("created_at") ", created_by, input_hash,"
								  " result::text FROM backtests"
								  " WHERE id = $1",
				   1, params, err);
	if (!res)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return err_set(err, ERR_NOT_FOUND, "no backtest %" PRId64, id);
	}
	memset(b, 0, sizeof(*b));
	b->id = store_get_i64(res, 0, 0);
	b->created_at = store_get_time(res, 0, 1);
	b->created_by = store_get_strdup(res, 0, 2);
	b->input_hash = store_get_strdup(res, 0, 3);
	b->result = store_get_strdup(res, 0, 4);
	PQclear(res);
	return 0;
}

int store_backtest_list(int64_t after_id, int limit, struct backtest_record **out, size_t *n,
			int64_t *next, struct err *err)
{
	char after[24], lim[24];
	const char *params[2] = {store_i64_param(after_id, after), store_i64_param(limit + 1, lim)};
	PGresult *res = store_exec(
		"SELECT id, " US("created_at") ", created_by, input_hash,"
					       " (result -> 'parameters')::text,"
					       " (result -> 'counts')::text FROM backtests"
					       " WHERE id > $1::bigint ORDER BY id LIMIT $2::int",
		2, params, err);
	if (!res)
		return -1;
	int rows = PQntuples(res);
	size_t count = rows > limit ? (size_t)limit : (size_t)rows;
	*out = xcalloc(count ? count : 1, sizeof(**out));
	for (size_t i = 0; i < count; i++) {
		struct backtest_record *b = &(*out)[i];
		int r = (int)i;
		b->id = store_get_i64(res, r, 0);
		b->created_at = store_get_time(res, r, 1);
		b->created_by = store_get_strdup(res, r, 2);
		b->input_hash = store_get_strdup(res, r, 3);
		b->parameters = store_get_strdup(res, r, 4);
		b->counts = store_get_strdup(res, r, 5);
	}
	*n = count;
	*next = rows > limit && count ? (*out)[count - 1].id : 0;
	PQclear(res);
	return 0;
}

/* ---- the register summary ---- */

/* CURRENT_CTE (every impact in $4); then per group a row (what, a, b, count): what "change"
 * (impact, review), "io" (category, confirmed | candidate | retracted), "after" (IOs labelled after
 * an outcome), "outcome" (kind, linked t/f) and "link" (how). */
static const char summary_sql[] = CURRENT_CTE
	","
	" scope_ios AS (SELECT i.* FROM ios i JOIN scope s ON s.id = i.change_id),"
	" outcomes AS (SELECT o.id, o.kind FROM incidents o"
	"  WHERE ($1::text IS NULL OR o.service = $1)"
	"  AND o.occurred_at >= $2::timestamptz AND o.occurred_at < $3::timestamptz)"
	" SELECT 'change', impact, review, count(*) FROM scope GROUP BY impact, review"
	" UNION ALL SELECT 'io', category,"
	"  CASE WHEN retracted_at IS NOT NULL THEN 'retracted' ELSE status END, count(*)"
	"  FROM scope_ios GROUP BY 2, 3"
	" UNION ALL SELECT 'after', NULL, NULL, count(*) FROM scope_ios"
	"  WHERE labelled_after_outcome"
	" UNION ALL SELECT 'outcome', o.kind,"
	"  (EXISTS (SELECT 1 FROM incident_links l WHERE l.incident_id = o.id))::text, count(*)"
	"  FROM outcomes o GROUP BY 2, 3"
	" UNION ALL SELECT 'link', l.how, NULL, count(*) FROM incident_links l"
	"  JOIN outcomes o ON o.id = l.incident_id GROUP BY 2";

_Static_assert(sizeof(((struct store_summary *)0)->outcomes) / sizeof(size_t[2]) ==
		       BACKTEST_KIND_COUNT,
	       "store_summary.outcomes is by enum backtest_kind");
_Static_assert(sizeof(((struct store_summary *)0)->links) / sizeof(size_t) == BACKTEST_HOW_COUNT,
	       "store_summary.links is by enum backtest_how");

/* Adds one row of summary_sql to s; false when a value is unknown. */
static bool summary_row(const PGresult *res, int r, struct store_summary *s)
{
	const char *what = PQgetvalue(res, r, 0), *a = PQgetvalue(res, r, 1);
	const char *b = PQgetvalue(res, r, 2);
	size_t n = (size_t)store_get_i64(res, r, 3);
	if (strcmp(what, "change") == 0) {
		int i = model_lookup(&impact_names, a), v = model_lookup(&review_names, b);
		if (i < 0 || v < 0)
			return false;
		s->changes[i][v] += n;
	} else if (strcmp(what, "io") == 0) {
		int c = model_lookup(&io_category_names, a);
		int st = strcmp(b, "retracted") == 0 ? 2 : model_lookup(&io_status_names, b);
		if (c < 0 || st < 0)
			return false;
		s->ios[c][st] += n;
	} else if (strcmp(what, "after") == 0) {
		s->ios_labelled_after_outcome = n;
	} else if (strcmp(what, "outcome") == 0) {
		int k = model_lookup(&backtest_kind_names, a);
		if (k < 0)
			return false;
		s->outcomes[k][strcmp(b, "true") == 0] += n;
	} else {
		int h = model_lookup(&backtest_how_names, a);
		if (h < 0)
			return false;
		s->links[h] += n;
	}
	return true;
}

int store_summary(const char *service, int64_t from, int64_t to, struct store_summary *out,
		  struct err *err)
{
	char from_text[RTIME_BUFSZ], to_text[RTIME_BUFSZ];
	const char *params[4] = {service, store_time_param(from, from_text),
				 store_time_param(to, to_text), "{low,medium,high}"};
	memset(out, 0, sizeof(*out));
	PGresult *res = store_exec(summary_sql, 4, params, err);
	if (!res)
		return -1;
	for (int r = 0; r < PQntuples(res); r++)
		if (!summary_row(res, r, out)) {
			err_set(err, ERR_INTERNAL, "summary: unexpected row %s %s %s",
				PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
				PQgetvalue(res, r, 2));
			PQclear(res);
			return -1;
		}
	PQclear(res);
	return 0;
}
