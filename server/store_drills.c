/* Rollback drills in PostgreSQL: insert, get, list, and the drills of one
 * service that drill gates are evaluated against. */
#include "common.h"

#include "err.h"
#include "gate.h"
#include "rtime.h"
#include "store_int.h"

#define DRILL_COLUMNS                                                                              \
	"id, service, change_id, " US("performed_at") ", rto_target_s, rpo_target_s, "             \
						      "rto_actual_s, rpo_actual_s, outcome, "      \
						      "notes, " US("recorded_at") ", recorded_by"

static int64_t seconds_or_unmeasured(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? -1 : store_get_i64(res, row, col);
}

static void drill_from_row(const PGresult *res, int row, struct drill *d)
{
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

/* Fills *out with every row of res (the caller frees with store_drills_free). */
static void drills_from_result(const PGresult *res, size_t count, struct drill **out)
{
	*out = xcalloc(count ? count : 1, sizeof(**out));
	for (size_t i = 0; i < count; i++)
		drill_from_row(res, (int)i, &(*out)[i]);
}

void store_drills_free(struct drill *d, size_t n)
{
	for (size_t i = 0; d && i < n; i++)
		drill_release(&d[i]);
	free(d);
}

int store_drill_insert(struct drill *d, struct err *err)
{
	char cid[24], pa[RTIME_BUFSZ], ra[RTIME_BUFSZ], rto_t[24], rpo_t[24], rto_a[24], rpo_a[24];
	const char *params[11] = {
		d->service,
		d->change_id ? store_i64_param(d->change_id, cid) : NULL,
		store_time_param(d->performed_at, pa),
		store_i64_param(d->rto_target, rto_t),
		store_i64_param(d->rpo_target, rpo_t),
		d->rto_actual >= 0 ? store_i64_param(d->rto_actual, rto_a) : NULL,
		d->rpo_actual >= 0 ? store_i64_param(d->rpo_actual, rpo_a) : NULL,
		model_name(&drill_outcome_names, (int)d->outcome),
		d->notes,
		store_time_param(d->recorded_at, ra),
		d->recorded_by,
	};
	PGresult *res = store_exec(
		"INSERT INTO drills (service, change_id, performed_at, rto_target_s, rpo_target_s,"
		" rto_actual_s, rpo_actual_s, outcome, notes, recorded_at, recorded_by)"
		" VALUES ($1, $2::bigint, $3::timestamptz, $4, $5, $6::bigint, $7::bigint, $8, $9,"
		" $10::timestamptz, $11) RETURNING id",
		11, params, err);
	if (!res)
		return -1;
	d->id = store_get_i64(res, 0, 0);
	PQclear(res);
	return 0;
}

int store_drill_get(int64_t id, struct drill *d, struct err *err)
{
	char idbuf[24];
	const char *params[1] = {store_i64_param(id, idbuf)};
	PGresult *res =
		store_exec("SELECT " DRILL_COLUMNS " FROM drills WHERE id = $1", 1, params, err);
	if (!res)
		return -1;
	int found = PQntuples(res) == 1;
	if (found)
		drill_from_row(res, 0, d);
	PQclear(res);
	if (!found)
		return err_set(err, ERR_NOT_FOUND, "no drill %" PRId64, id);
	return 0;
}

int store_drill_list(const struct drill_filter *f, struct drill **out, size_t *n, int64_t *next,
		     struct err *err)
{
	char since[RTIME_BUFSZ], until[RTIME_BUFSZ], after[24], limit[24];
	const char *params[5] = {
		f->service,
		store_time_param(f->since, since),
		store_time_param(f->until, until),
		store_i64_param(f->after_id, after),
		store_i64_param(f->limit + 1, limit),
	};
	PGresult *res = store_exec("SELECT " DRILL_COLUMNS " FROM drills"
				   " WHERE ($1::text IS NULL OR service = $1)"
				   " AND ($2::timestamptz IS NULL OR performed_at >= $2)"
				   " AND ($3::timestamptz IS NULL OR performed_at < $3)"
				   " AND id > $4::bigint ORDER BY id LIMIT $5::int",
				   5, params, err);
	if (!res)
		return -1;
	int rows = PQntuples(res);
	size_t count = rows > f->limit ? (size_t)f->limit : (size_t)rows;
	drills_from_result(res, count, out);
	*n = count;
	*next = rows > f->limit && count ? (*out)[count - 1].id : 0;
	PQclear(res);
	return 0;
}

int store_drills_of_service(const char *service, int64_t until, struct drill **out, size_t *n,
			    struct err *err)
{
	char at[RTIME_BUFSZ];
	const char *params[2] = {service, store_time_param(until, at)};
	PGresult *res = store_exec("SELECT " DRILL_COLUMNS " FROM drills"
				   " WHERE service = $1 AND performed_at <= $2::timestamptz"
				   " ORDER BY id",
				   2, params, err);
	if (!res)
		return -1;
	*n = (size_t)PQntuples(res);
	drills_from_result(res, *n, out);
	PQclear(res);
	return 0;
}
