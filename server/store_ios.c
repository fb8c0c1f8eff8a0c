/* Irreversible operations in PostgreSQL. */
#include "common.h"

#include "err.h"
#include "rtime.h"
#include "store_int.h"

#define IO_COLUMNS                                                                                 \
	"i.id, i.change_id, c.service, c.key, i.category, i.description, i.status, i.source, "     \
	"i.evidence, i.undo, " US("i.reversible_until") ", i.reversal_cost, " US(                  \
		"i.recorded_at") ", i.recorded_by, " US("i.retracted_at") ", i.retracted_by, "     \
									  "i.retracted_reason, "   \
									  "i.labelled_after_"      \
									  "outcome"

static void io_from_row(const PGresult *res, int row, struct io *io)
{
	io_init(io);
	io->id = store_get_i64(res, row, 0);
	io->change_id = store_get_i64(res, row, 1);
	io->service = store_get_strdup(res, row, 2);
	io->change_key = store_get_strdup(res, row, 3);
	io->category = (enum io_category)model_lookup(&io_category_names, PQgetvalue(res, row, 4));
	io->description = store_get_strdup(res, row, 5);
	io->status = (enum io_status)model_lookup(&io_status_names, PQgetvalue(res, row, 6));
	io->source = store_get_strdup(res, row, 7);
	io->evidence = store_get_strdup(res, row, 8);
	io->undo = store_get_strdup(res, row, 9);
	io->reversible_until = store_get_time(res, row, 10);
	io->reversal_cost = store_get_strdup(res, row, 11);
	io->recorded_at = store_get_time(res, row, 12);
	io->recorded_by = store_get_strdup(res, row, 13);
	io->retracted_at = store_get_time(res, row, 14);
	io->retracted_by = store_get_strdup(res, row, 15);
	io->retracted_reason = store_get_strdup(res, row, 16);
	io->labelled_after_outcome = strcmp(PQgetvalue(res, row, 17), "t") == 0;
}

/* A confirmed IO makes its change has_io (a one-way step). */
static int mark_has_io(int64_t change_id, struct err *err)
{
	char idbuf[24];
	const char *params[1] = {store_i64_param(change_id, idbuf)};
	PGresult *res = store_exec("UPDATE changes SET review = 'has_io'"
				   " WHERE id = $1 AND review <> 'has_io'",
				   1, params, err);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

int store_io_insert(struct io *io, const char *actor, struct err *err)
{
	char cid[24], ru[RTIME_BUFSZ];
	const char *params[10] = {
		store_i64_param(io->change_id, cid),
		model_name(&io_category_names, (int)io->category),
		io->description,
		model_name(&io_status_names, (int)io->status),
		io->source,
		io->evidence,
		io->undo,
		store_time_param(io->reversible_until, ru),
		io->reversal_cost,
		actor,
	};
	/* labelled_after_outcome: the change already has an incident link now. */
	PGresult *res = store_exec(
		"INSERT INTO ios (change_id, category, description, status, source, evidence, undo,"
		" reversible_until, reversal_cost, recorded_by, labelled_after_outcome)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz, $9, $10,"
		" EXISTS (SELECT 1 FROM incident_links l WHERE l.change_id = $1::bigint))"
		" RETURNING id, labelled_after_outcome",
		10, params, err);
	if (!res)
		return -1;
	io->id = store_get_i64(res, 0, 0);
	io->labelled_after_outcome = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	PQclear(res);
	if (io->status == IO_CONFIRMED)
		return mark_has_io(io->change_id, err);
	return 0;
}

int store_io_get(int64_t id, struct io *io, struct err *err)
{
	char idbuf[24];
	const char *params[1] = {store_i64_param(id, idbuf)};
	PGresult *res = store_exec("SELECT " IO_COLUMNS " FROM ios i JOIN changes c"
				   " ON c.id = i.change_id WHERE i.id = $1",
				   1, params, err);
	if (!res)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return err_set(err, ERR_NOT_FOUND, "no IO %" PRId64, id);
	}
	io_from_row(res, 0, io);
	PQclear(res);
	return 0;
}

int store_io_list(const struct io_filter *f, struct io **out, size_t *n, int64_t *next,
		  struct err *err)
{
	char since[RTIME_BUFSZ], until[RTIME_BUFSZ], after[24], limit[24], cid[24];
	const char *params[8] = {
		f->service,
		f->category,
		f->status,
		f->change_id ? store_i64_param(f->change_id, cid) : NULL,
		store_time_param(f->since, since),
		store_time_param(f->until, until),
		store_i64_param(f->after_id, after),
		store_i64_param(f->limit + 1, limit),
	};
	PGresult *res = store_exec(
		"SELECT " IO_COLUMNS " FROM ios i JOIN changes c ON c.id = i.change_id"
		" WHERE ($1::text IS NULL OR c.service = $1)"
		" AND ($2::text IS NULL OR i.category = $2)"
		" AND ($3::text IS NULL OR ($3 = 'retracted' AND i.retracted_at IS NOT NULL)"
		"      OR (i.status = $3 AND i.retracted_at IS NULL))"
		" AND ($4::bigint IS NULL OR i.change_id = $4)"
		" AND ($5::timestamptz IS NULL OR i.recorded_at >= $5)"
		" AND ($6::timestamptz IS NULL OR i.recorded_at < $6)"
		" AND i.id > $7::bigint ORDER BY i.id LIMIT $8::int",
		8, params, err);
	if (!res)
		return -1;
	int rows = PQntuples(res);
	size_t count = rows > f->limit ? (size_t)f->limit : (size_t)rows;
	*out = xcalloc(count ? count : 1, sizeof(**out));
	for (size_t i = 0; i < count; i++)
		io_from_row(res, (int)i, &(*out)[i]);
	*n = count;
	*next = rows > f->limit && count ? (*out)[count - 1].id : 0;
	PQclear(res);
	return 0;
}

int store_io_confirm(int64_t id, struct err *err)
{
	char idbuf[24];
	const char *params[1] = {store_i64_param(id, idbuf)};
	PGresult *res = store_exec("UPDATE ios SET status = 'confirmed' WHERE id = $1"
				   " AND status = 'candidate' AND retracted_at IS NULL"
				   " RETURNING change_id",
				   1, params, err);
	if (!res)
		return -1;
	int updated = PQntuples(res) == 1;
	int64_t change_id = updated ? store_get_i64(res, 0, 0) : 0;
	PQclear(res);
	if (!updated)
		return err_set(err, ERR_CONFLICT,
			       "IO %" PRId64 " is not a candidate (already confirmed or retracted)",
			       id);
	return mark_has_io(change_id, err);
}

int store_io_retract(int64_t id, const char *actor, const char *reason, struct err *err)
{
	char idbuf[24];
	const char *params[3] = {store_i64_param(id, idbuf), actor, reason};
	PGresult *res = store_exec("UPDATE ios SET retracted_at = now(), retracted_by = $2,"
				   " retracted_reason = $3 WHERE id = $1 AND retracted_at IS NULL",
				   3, params, err);
	if (!res)
		return -1;
	int updated = strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	if (!updated)
		return err_set(err, ERR_CONFLICT, "IO %" PRId64 " is already retracted", id);
	return 0;
}
