/* What the governance metrics read, in a few batched queries: the effective
 * changes of a scope with their current effective_at and impact (latest
 * amendment), IO presence and categories, and every gate record of all of them
 * at once; the drills of a scope; IO dates for accumulation; services; planned
 * changes. */
#include "common.h"

#include "err.h"
#include "gate.h"
#include "rtime.h"
#include "store_int.h"

/* Every change of the scope's service ($1) with its current values; the
 * impact ($2, on the current impact) and io_only ($3) filters applied. */
#define SCOPE_CTE                                                                                  \
	"WITH cur AS (SELECT c.id, c.service, c.state, c.author, c.created_by,"                    \
	" c.shipped_while_blocked,"                                                                \
	" coalesce((SELECT a.effective_at FROM change_amendments a WHERE a.change_id = c.id"       \
	"  AND a.effective_at IS NOT NULL ORDER BY a.id DESC LIMIT 1), c.effective_at) AS eff,"    \
	" coalesce((SELECT a.impact FROM change_amendments a WHERE a.change_id = c.id"             \
	"  AND a.impact IS NOT NULL ORDER BY a.id DESC LIMIT 1), c.impact) AS impact,"             \
	" EXISTS (SELECT 1 FROM ios i WHERE i.change_id = c.id AND i.status = 'confirmed'"         \
	"  AND i.retracted_at IS NULL) AS has_io"                                                  \
	" FROM changes c WHERE ($1::text IS NULL OR c.service = $1)),"                             \
	" scope AS (SELECT * FROM cur WHERE ($2::text IS NULL OR impact = $2)"                     \
	"  AND (NOT $3::boolean OR has_io)) "

/* The same scope for store_metrics_changes, bounded: only changes whose own
 * effective_at lies in [$5 (NULL: any), $4), or that have an amendment of
 * effective_at (their current one may lie anywhere), are looked at; the range
 * is read through the effective_at index. */
#define BOUNDED_SCOPE_CTE                                                                          \
	"WITH cand AS (SELECT c.id FROM changes c WHERE c.effective_at < $4::timestamptz"          \
	"  AND ($5::timestamptz IS NULL OR c.effective_at >= $5::timestamptz)"                     \
	"  AND ($1::text IS NULL OR c.service = $1)"                                               \
	" UNION SELECT a.change_id FROM change_amendments a WHERE a.effective_at IS NOT NULL),"    \
	" cur AS (SELECT c.id, c.service, c.state, c.author, c.created_by,"                        \
	" c.shipped_while_blocked,"                                                                \
	" coalesce((SELECT a.effective_at FROM change_amendments a WHERE a.change_id = c.id"       \
	"  AND a.effective_at IS NOT NULL ORDER BY a.id DESC LIMIT 1), c.effective_at) AS eff,"    \
	" coalesce((SELECT a.impact FROM change_amendments a WHERE a.change_id = c.id"             \
	"  AND a.impact IS NOT NULL ORDER BY a.id DESC LIMIT 1), c.impact) AS impact,"             \
	" EXISTS (SELECT 1 FROM ios i WHERE i.change_id = c.id AND i.status = 'confirmed'"         \
	"  AND i.retracted_at IS NULL) AS has_io"                                                  \
	" FROM changes c JOIN cand ON cand.id = c.id WHERE ($1::text IS NULL OR c.service = $1))," \
	" scope AS (SELECT * FROM cur WHERE ($2::text IS NULL OR impact = $2)"                     \
	"  AND (NOT $3::boolean OR has_io)) "

void store_metrics_changes_free(struct metrics_change_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		free(rows[i].service);
		free(rows[i].author);
		free(rows[i].created_by);
		free(rows[i].shipped_while_blocked);
		gate_record_set_release(&rows[i].records);
	}
	free(rows);
}

static unsigned categories_from(const char *list)
{
	unsigned mask = 0;
	while (list && *list) {
		size_t len = strcspn(list, ",");
		for (int c = 0; c < IO_CAT_COUNT; c++) {
			const char *name = model_name(&io_category_names, c);
			if (strlen(name) == len && strncmp(name, list, len) == 0)
				mask |= 1u << c;
		}
		list += len + (list[len] == ',');
	}
	return mask;
}

static void change_row_from(const PGresult *res, int row, struct metrics_change_row *c)
{
	memset(c, 0, sizeof(*c));
	c->id = store_get_i64(res, row, 0);
	c->service = store_get_strdup(res, row, 1);
	c->effective_at = store_get_time(res, row, 2);
	int impact = model_lookup(&impact_names, PQgetvalue(res, row, 3));
	c->impact = impact < 0 ? IMPACT_HIGH : (enum impact)impact;
	c->has_io = strcmp(PQgetvalue(res, row, 4), "t") == 0;
	c->categories = categories_from(PQgetvalue(res, row, 5));
	c->shipped_while_blocked = store_get_strdup(res, row, 6);
	c->author = store_get_strdup(res, row, 7);
	c->created_by = store_get_strdup(res, row, 8);
}

/* The ids of rows[0..n) as a PostgreSQL array literal. Caller frees. */
static char *id_array(const struct metrics_change_row *rows, size_t n)
{
	struct buf b;
	buf_init(&b, 0);
	buf_append(&b, "{", 1);
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%" PRId64, i ? "," : "", rows[i].id);
	buf_append(&b, "}", 1);
	return b.data;
}

/* The row of rows[0..n) (sorted by id) with this id, or NULL. */
static struct metrics_change_row *row_by_id(struct metrics_change_row *rows, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (rows[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && rows[lo].id == id ? &rows[lo] : NULL;
}

/* Gives every row its results (one query for all of them). */
static int load_results(struct metrics_change_row *rows, size_t n, const char *ids, struct err *err)
{
	const char *params[1] = {ids};
	PGresult *res = store_exec("SELECT change_id, id, gate, result, evidence, " US(
					   "recorded_at") ", recorded_by FROM gate_results"
							  " WHERE change_id = ANY($1::bigint[])"
							  " ORDER BY change_id, id",
				   1, params, err);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		struct metrics_change_row *c = row_by_id(rows, n, store_get_i64(res, i, 0));
		if (!c)
			continue;
		struct gate_record_set *s = &c->records;
		s->results = xrealloc(s->results, (s->n_results + 1) * sizeof(*s->results));
		struct gate_result *g = &s->results[s->n_results++];
		g->id = store_get_i64(res, i, 1);
		g->gate = store_get_strdup(res, i, 2);
		g->pass = strcmp(PQgetvalue(res, i, 3), "pass") == 0;
		g->evidence = store_get_strdup(res, i, 4);
		g->recorded_at = store_get_time(res, i, 5);
		g->recorded_by = store_get_strdup(res, i, 6);
	}
	PQclear(res);
	return 0;
}

static int load_approvals(struct metrics_change_row *rows, size_t n, const char *ids,
			  struct err *err)
{
	const char *params[1] = {ids};
	PGresult *res = store_exec("SELECT change_id, id, gate, approver, role, " US(
					   "approved_at") " FROM gate_approvals"
							  " WHERE change_id = ANY($1::bigint[])"
							  " ORDER BY change_id, id",
				   1, params, err);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		struct metrics_change_row *c = row_by_id(rows, n, store_get_i64(res, i, 0));
		if (!c)
			continue;
		struct gate_record_set *s = &c->records;
		s->approvals = xrealloc(s->approvals, (s->n_approvals + 1) * sizeof(*s->approvals));
		struct gate_approval *a = &s->approvals[s->n_approvals++];
		a->id = store_get_i64(res, i, 1);
		a->gate = store_get_strdup(res, i, 2);
		a->approver = store_get_strdup(res, i, 3);
		a->role = store_get_strdup(res, i, 4);
		a->approved_at = store_get_time(res, i, 5);
	}
	PQclear(res);
	return 0;
}

static int load_bypasses(struct metrics_change_row *rows, size_t n, const char *ids,
			 struct err *err)
{
	const char *params[1] = {ids};
	PGresult *res = store_exec(
		"SELECT change_id, id, gate, reason, bypassed_by, role, " US("at") ", " US(
			"expires_at") ", state_at_bypass FROM gate_bypasses"
				      " WHERE change_id = ANY($1::bigint[]) ORDER BY change_id, id",
		1, params, err);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		struct metrics_change_row *c = row_by_id(rows, n, store_get_i64(res, i, 0));
		if (!c)
			continue;
		struct gate_record_set *s = &c->records;
		s->bypasses = xrealloc(s->bypasses, (s->n_bypasses + 1) * sizeof(*s->bypasses));
		struct gate_bypass *b = &s->bypasses[s->n_bypasses++];
		b->id = store_get_i64(res, i, 1);
		b->gate = store_get_strdup(res, i, 2);
		b->reason = store_get_strdup(res, i, 3);
		b->by = store_get_strdup(res, i, 4);
		b->role = store_get_strdup(res, i, 5);
		b->at = store_get_time(res, i, 6);
		b->expires_at = store_get_time(res, i, 7);
		int state = model_lookup(&gate_state_names, PQgetvalue(res, i, 8));
		b->state_at_bypass = state < 0 ? GATE_INCONCLUSIVE : (enum gate_state)state;
	}
	PQclear(res);
	return 0;
}

int store_metrics_changes(const struct metrics_scope *s, struct metrics_change_row **out, size_t *n,
			  struct err *err)
{
	char until[RTIME_BUFSZ], since[RTIME_BUFSZ];
	const char *params[5] = {s->service, s->impact, s->io_only ? "true" : "false",
				 store_time_param(s->until, until),
				 store_time_param(s->since, since)};
	*out = NULL;
	*n = 0;
	PGresult *res = store_exec(BOUNDED_SCOPE_CTE "SELECT s.id, s.service, " US(
					   "s.eff") ", s.impact, s.has_io,"
						    " (SELECT string_agg(DISTINCT i.category, ',') "
						    "FROM ios i WHERE i.change_id = s.id"
						    "  AND i.retracted_at IS NULL),"
						    " s.shipped_while_blocked::text, s.author, "
						    "s.created_by FROM scope s"
						    " WHERE s.state = 'effective' AND s.eff < "
						    "$4::timestamptz AND ($5::timestamptz IS NULL"
						    " OR s.eff >= $5::timestamptz) ORDER BY s.id",
				   5, params, err);
	if (!res)
		return -1;
	size_t count = (size_t)PQntuples(res);
	struct metrics_change_row *rows = xcalloc(count ? count : 1, sizeof(*rows));
	for (size_t i = 0; i < count; i++)
		change_row_from(res, (int)i, &rows[i]);
	PQclear(res);
	char *ids = id_array(rows, count);
	int rc = 0;
	if (count &&
	    (load_results(rows, count, ids, err) < 0 || load_approvals(rows, count, ids, err) < 0 ||
	     load_bypasses(rows, count, ids, err) < 0))
		rc = -1;
	free(ids);
	if (rc < 0) {
		store_metrics_changes_free(rows, count);
		return -1;
	}
	*out = rows;
	*n = count;
	return 0;
}

#define DRILL_COLUMNS                                                                              \
	"id, service, change_id, " US("performed_at") ", rto_target_s, rpo_target_s, "             \
						      "rto_actual_s, rpo_actual_s, outcome, "      \
						      "notes, " US("recorded_at") ", recorded_by"

static int64_t seconds_or_unmeasured(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? -1 : store_get_i64(res, row, col);
}

int store_metrics_drills(const char *service, int64_t until, struct drill **out, size_t *n,
			 struct err *err)
{
	char at[RTIME_BUFSZ];
	const char *params[2] = {service, store_time_param(until, at)};
	PGresult *res =
		store_exec("SELECT " DRILL_COLUMNS " FROM drills"
			   " WHERE ($1::text IS NULL OR service = $1)"
			   " AND performed_at < $2::timestamptz ORDER BY service COLLATE \"C\", id",
			   2, params, err);
	if (!res)
		return -1;
	*n = (size_t)PQntuples(res);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++) {
		struct drill *d = &(*out)[i];
		int row = (int)i;
		drill_init(d);
		d->id = store_get_i64(res, row, 0);
		d->service = store_get_strdup(res, row, 1);
		d->change_id = PQgetisnull(res, row, 2) ? 0 : store_get_i64(res, row, 2);
		d->performed_at = store_get_time(res, row, 3);
		d->rto_target = store_get_i64(res, row, 4);
		d->rpo_target = store_get_i64(res, row, 5);
		d->rto_actual = seconds_or_unmeasured(res, row, 6);
		d->rpo_actual = seconds_or_unmeasured(res, row, 7);
		int outcome = model_lookup(&drill_outcome_names, PQgetvalue(res, row, 8));
		d->outcome = outcome < 0 ? DRILL_FAILED : (enum drill_outcome)outcome;
		d->notes = store_get_strdup(res, row, 9);
		d->recorded_at = store_get_time(res, row, 10);
		d->recorded_by = store_get_strdup(res, row, 11);
	}
	PQclear(res);
	return 0;
}

void store_metrics_ios_free(struct metrics_io_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
		free(rows[i].service);
	free(rows);
}

int store_metrics_ios(const struct metrics_scope *s, const struct metrics_io_query *q,
		      struct metrics_io_row **out, size_t *n, struct err *err)
{
	char from[RTIME_BUFSZ], until[RTIME_BUFSZ];
	const char *params[7] = {
		s->service,
		s->impact,
		s->io_only ? "true" : "false",
		store_time_param(q->from, from),
		store_time_param(q->until, until),
		q->by_recorded ? "true" : "false",
		q->include_candidates ? "true" : "false",
	};
	/* An IO's date: its change's current effective_at, or its recorded_at; an IO of
	 * a planned change has no effective date (null) and is listed when recorded in
	 * the window. */
	PGresult *res = store_exec(
		SCOPE_CTE
		", dated AS (SELECT s.service, i.category,"
		" CASE WHEN $6::boolean THEN i.recorded_at ELSE s.eff END AS at,"
		" i.recorded_at FROM ios i JOIN scope s ON s.id = i.change_id"
		" WHERE i.retracted_at IS NULL"
		" AND (i.status = 'confirmed' OR ($7::boolean AND i.status = 'candidate')))"
		" SELECT service, category, " US(
			"at") " FROM dated"
			      " WHERE (at >= $4::timestamptz AND at < $5::timestamptz)"
			      " OR (at IS NULL AND recorded_at >= $4::timestamptz"
			      "  AND recorded_at < $5::timestamptz)"
			      " ORDER BY at NULLS LAST, service, category",
		7, params, err);
	if (!res)
		return -1;
	*n = (size_t)PQntuples(res);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++) {
		struct metrics_io_row *r = &(*out)[i];
		r->service = store_get_strdup(res, (int)i, 0);
		int cat = model_lookup(&io_category_names, PQgetvalue(res, (int)i, 1));
		r->category = cat < 0 ? IO_CAT_DATA : cat;
		r->at = store_get_time(res, (int)i, 2);
	}
	PQclear(res);
	return 0;
}

int store_metrics_services(struct strlist *out, struct err *err)
{
	PGresult *res =
		store_exec("SELECT DISTINCT service FROM changes ORDER BY service", 0, NULL, err);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
		strlist_push(out, PQgetvalue(res, i, 0));
	PQclear(res);
	return 0;
}

int store_metrics_planned(const char *service, const char *const *names, size_t n_names,
			  size_t *counts, struct err *err)
{
	const char *params[1] = {service};
	PGresult *res = store_exec("SELECT service, count(*) FROM changes WHERE state = 'planned'"
				   " AND ($1::text IS NULL OR service = $1) GROUP BY service",
				   1, params, err);
	if (!res)
		return -1;
	memset(counts, 0, n_names * sizeof(*counts));
	for (int i = 0; i < PQntuples(res); i++)
		for (size_t k = 0; k < n_names; k++)
			if (strcmp(names[k], PQgetvalue(res, i, 0)) == 0)
				counts[k] = (size_t)store_get_i64(res, i, 1);
	PQclear(res);
	return 0;
}
