/* What a backtest reads: the changes in scope with their current effective_at and impact
 * (latest amendment), their IOs and the outcomes linked to them, all in one statement (one
 * snapshot, so the input hash names rows that existed together) that returns them column by
 * column as binary arrays, decoded here into core's row structs. */
#include "common.h"

#include "backtest.h"
#include "err.h"
#include "rtime.h"
#include "store_int.h"
#include "store_scope.h"

/* The rows of a backtest, in one statement (one snapshot) and one result row of arrays, column
 * by column, in binary: a million changes travel as a few arrays instead of a million rows of
 * fields. CURRENT_CTE is narrowed to the impacts $4 (text[]); $5 is data_end. Within one
 * aggregate the arrays follow the same row order. */
static const char rows_sql[] = CURRENT_CTE
	","
	" io AS MATERIALIZED (SELECT i.change_id, i.id, i.category, i.status, i.recorded_at,"
	"  i.retracted_at IS NOT NULL AS retracted, i.labelled_after_outcome AS after"
	"  FROM ios i JOIN scope s ON s.id = i.change_id),"
	" lk AS MATERIALIZED (SELECT l.incident_id, l.change_id, l.how, l.rule,"
	"  l.rule_version::text AS rule_version, o.kind, o.severity, o.title, o.external_key,"
	"  o.occurred_at FROM incident_links l JOIN scope s ON s.id = l.change_id"
	"  JOIN incidents o ON o.id = l.incident_id WHERE o.occurred_at < $5::timestamptz)"
	" SELECT c.*, i.*, l.* FROM"
	" (SELECT array_agg(id), array_agg(CASE WHEN $1::text IS NULL THEN service END),"
	"  array_agg(key), array_agg(impact),"
	"  array_agg(review), array_agg(eff) FROM scope) c,"
	" (SELECT array_agg(change_id), array_agg(id), array_agg(category), array_agg(status),"
	"  array_agg(recorded_at), array_agg(retracted), array_agg(after) FROM io) i,"
	" (SELECT array_agg(incident_id), array_agg(change_id), array_agg(how), array_agg(rule),"
	"  array_agg(rule_version), array_agg(kind), array_agg(severity), array_agg(title),"
	"  array_agg(external_key), array_agg(occurred_at) FROM lk) l";

enum {
	C_ID,
	C_SERVICE,
	C_KEY,
	C_IMPACT,
	C_REVIEW,
	C_EFF,
	I_CHANGE,
	I_ID,
	I_CATEGORY,
	I_STATUS,
	I_RECORDED,
	I_RETRACTED,
	I_AFTER,
	L_INCIDENT,
	L_CHANGE,
	L_HOW,
	L_RULE,
	L_VERSION,
	L_KIND,
	L_SEVERITY,
	L_TITLE,
	L_KEY,
	L_AT,
	N_COLUMNS
};

/* Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's binary timestamp epoch. */
#define PG_EPOCH_USEC INT64_C(946684800000000)

/* A one-dimensional array in PostgreSQL's binary form (array_send): its elements one by one. */
struct pg_array {
	const unsigned char *p, *end;
	size_t n; /* elements; 0 for a null array (array_agg over no rows) */
};

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Opens column col of res's one row as an array; false when malformed. */
static bool array_open(const PGresult *res, int col, struct pg_array *a)
{
	memset(a, 0, sizeof(*a));
	if (PQgetisnull(res, 0, col))
		return true;
	a->p = (const unsigned char *)PQgetvalue(res, 0, col);
	a->end = a->p + PQgetlength(res, 0, col);
	if (a->end - a->p < 12)
		return false;
	uint32_t ndim = be32(a->p);
	if (ndim == 0) {
		a->p = a->end;
		return true;
	}
	if (ndim != 1 || a->end - a->p < 20)
		return false;
	a->n = be32(a->p + 12);
	a->p += 20;
	return true;
}

/* The next element: its bytes and length (-1 for null); false past the end or malformed. */
static bool array_next(struct pg_array *a, const unsigned char **v, int32_t *len)
{
	if (a->end - a->p < 4)
		return false;
	*len = (int32_t)be32(a->p);
	a->p += 4;
	*v = a->p;
	if (*len < 0)
		return true;
	if (a->end - a->p < *len)
		return false;
	a->p += *len;
	return true;
}

/* Decoding the arrays into rows: strings into one arena, errors as ERR_INTERNAL. */
struct decoder {
	const PGresult *res;
	struct pg_array col[N_COLUMNS];
	char *text; /* the arena */
	size_t used;
	struct err *err;
	bool bad;
};

static void bad(struct decoder *d, const char *what)
{
	if (!d->bad)
		err_set(d->err, ERR_INTERNAL, "backtest rows: %s", what);
	d->bad = true;
}

static const unsigned char *next(struct decoder *d, int col, int32_t *len)
{
	const unsigned char *v = NULL;
	if (!array_next(&d->col[col], &v, len)) {
		bad(d, "a malformed array");
		*len = -1;
	}
	return v;
}

static int64_t next_i64(struct decoder *d, int col)
{
	int32_t len;
	const unsigned char *v = next(d, col, &len);
	if (len != 8) {
		bad(d, "an integer or time of the wrong size");
		return 0;
	}
	return be64(v);
}

static int64_t next_time(struct decoder *d, int col)
{
	return next_i64(d, col) + PG_EPOCH_USEC;
}

static bool next_bool(struct decoder *d, int col)
{
	int32_t len;
	const unsigned char *v = next(d, col, &len);
	return len == 1 && v[0] != 0;
}

/* A string copied into the arena, or NULL for a null element. */
static const char *next_text(struct decoder *d, int col)
{
	int32_t len;
	const unsigned char *v = next(d, col, &len);
	if (len < 0)
		return NULL;
	char *s = d->text + d->used;
	memcpy(s, v, (size_t)len);
	s[len] = '\0';
	d->used += (size_t)len + 1;
	return s;
}

/* An enum's name (not kept) looked up in names; -1 (and an error) when unknown or null. */
static int next_name(struct decoder *d, int col, const struct model_names *names)
{
	int32_t len;
	const unsigned char *v = next(d, col, &len);
	char name[32];
	if (len < 0 || len >= (int32_t)sizeof(name)) {
		bad(d, "an unexpected name");
		return -1;
	}
	memcpy(name, v, (size_t)len);
	name[len] = '\0';
	int x = model_lookup(names, name);
	if (x < 0)
		bad(d, "an unexpected name");
	return x;
}

static int cmp_change(const void *x, const void *y)
{
	int64_t a = ((const struct backtest_change *)x)->id;
	int64_t b = ((const struct backtest_change *)y)->id;
	return (a > b) - (a < b);
}

/* An IO with the change it belongs to, for grouping. */
struct io_item {
	int64_t change_id;
	struct backtest_io io;
};

static int cmp_io_item(const void *x, const void *y)
{
	const struct io_item *a = x, *b = y;
	if (a->change_id != b->change_id)
		return a->change_id < b->change_id ? -1 : 1;
	return (a->io.id > b->io.id) - (a->io.id < b->io.id);
}

/* A link with its outcome's fields, for grouping. */
struct link_item {
	int64_t incident_id;
	struct backtest_link link;
	struct backtest_outcome outcome; /* id, kind, severity, title, external_key, occurred_at */
};

static int cmp_link_item(const void *x, const void *y)
{
	const struct link_item *a = x, *b = y;
	if (a->incident_id != b->incident_id)
		return a->incident_id < b->incident_id ? -1 : 1;
	return (a->link.change_id > b->link.change_id) - (a->link.change_id < b->link.change_id);
}

/* With a service asked for, the arrays leave the service out (a million copies of one name):
 * every change gets service. */
static void decode_changes(struct decoder *d, const char *service, struct store_backtest_rows *rows)
{
	size_t n = d->col[C_ID].n;
	rows->changes = xcalloc(n ? n : 1, sizeof(*rows->changes));
	for (size_t i = 0; i < n && !d->bad; i++) {
		struct backtest_change *c = &rows->changes[rows->n_changes++];
		c->id = next_i64(d, C_ID);
		c->service = next_text(d, C_SERVICE);
		if (!c->service)
			c->service = service;
		c->key = next_text(d, C_KEY);
		c->impact = (enum impact)next_name(d, C_IMPACT, &impact_names);
		c->review = (enum review_state)next_name(d, C_REVIEW, &review_names);
		c->effective_at = next_time(d, C_EFF);
	}
	xqsort(rows->changes, rows->n_changes, sizeof(*rows->changes), cmp_change);
}

/* The IOs, sorted by change and id, handed to their changes (both sorted by id). */
static void decode_ios(struct decoder *d, struct store_backtest_rows *rows)
{
	size_t n = d->col[I_ID].n;
	struct io_item *items = xcalloc(n ? n : 1, sizeof(*items));
	for (size_t i = 0; i < n && !d->bad; i++) {
		struct io_item *it = &items[i];
		it->change_id = next_i64(d, I_CHANGE);
		it->io.id = next_i64(d, I_ID);
		it->io.category = (enum io_category)next_name(d, I_CATEGORY, &io_category_names);
		it->io.status = (enum io_status)next_name(d, I_STATUS, &io_status_names);
		it->io.recorded_at = next_time(d, I_RECORDED);
		it->io.retracted = next_bool(d, I_RETRACTED);
		it->io.labelled_after_outcome = next_bool(d, I_AFTER);
	}
	xqsort(items, n, sizeof(*items), cmp_io_item);
	rows->ios = xcalloc(n ? n : 1, sizeof(*rows->ios));
	size_t j = 0;
	for (size_t i = 0; i < rows->n_changes; i++) {
		struct backtest_change *c = &rows->changes[i];
		c->ios = &rows->ios[rows->n_ios];
		while (j < n && items[j].change_id < c->id)
			j++; /* not in scope: cannot happen (joined to it) */
		for (; j < n && items[j].change_id == c->id; j++) {
			rows->ios[rows->n_ios++] = items[j].io;
			c->n_ios++;
		}
	}
	free(items);
}

/* The links, sorted by outcome and change, grouped into outcomes. */
static void decode_outcomes(struct decoder *d, struct store_backtest_rows *rows)
{
	size_t n = d->col[L_INCIDENT].n;
	struct link_item *items = xcalloc(n ? n : 1, sizeof(*items));
	for (size_t i = 0; i < n && !d->bad; i++) {
		struct link_item *it = &items[i];
		it->incident_id = next_i64(d, L_INCIDENT);
		it->link.change_id = next_i64(d, L_CHANGE);
		it->link.how = (enum backtest_how)next_name(d, L_HOW, &backtest_how_names);
		it->link.rule = next_text(d, L_RULE);
		it->link.rule_version = next_text(d, L_VERSION);
		it->outcome.id = it->incident_id;
		it->outcome.kind = (enum backtest_kind)next_name(d, L_KIND, &backtest_kind_names);
		int32_t len;
		const unsigned char *sev = next(d, L_SEVERITY, &len);
		it->outcome.severity =
			len == 4 && memcmp(sev, "sev", 3) == 0 && sev[3] >= '1' && sev[3] <= '4'
				? sev[3] - '0'
				: 0;
		it->outcome.title = next_text(d, L_TITLE);
		it->outcome.external_key = next_text(d, L_KEY);
		it->outcome.occurred_at = next_time(d, L_AT);
	}
	xqsort(items, n, sizeof(*items), cmp_link_item);
	rows->links = xcalloc(n ? n : 1, sizeof(*rows->links));
	rows->outcomes = xcalloc(n ? n : 1, sizeof(*rows->outcomes));
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || items[i].incident_id != items[i - 1].incident_id) {
			struct backtest_outcome *o = &rows->outcomes[rows->n_outcomes++];
			*o = items[i].outcome;
			o->links = &rows->links[rows->n_links];
		}
		rows->links[rows->n_links++] = items[i].link;
		rows->outcomes[rows->n_outcomes - 1].n_links++;
	}
	free(items);
}

/* Opens every column and sizes the arena: every text element and its NUL. */
static bool decoder_open(struct decoder *d, const PGresult *res, struct err *err)
{
	static const int text_cols[] = {C_SERVICE, C_KEY, L_RULE, L_VERSION, L_TITLE, L_KEY};
	memset(d, 0, sizeof(*d));
	d->res = res;
	d->err = err;
	if (PQntuples(res) != 1 || PQnfields(res) != N_COLUMNS) {
		bad(d, "not one row of arrays");
		return false;
	}
	for (int c = 0; c < N_COLUMNS; c++)
		if (!array_open(res, c, &d->col[c])) {
			bad(d, "a malformed array");
			return false;
		}
	size_t size = 1;
	for (size_t k = 0; k < ARRAY_SIZE(text_cols); k++)
		size += (size_t)PQgetlength(res, 0, text_cols[k]) + d->col[text_cols[k]].n;
	d->text = xmalloc(size);
	return true;
}

/* The impacts of p as a PostgreSQL array literal ("{low,high}"). */
static void impact_array(const struct backtest_params *p, char out[64])
{
	size_t len = 0;
	out[len++] = '{';
	for (int i = 0; i < IMPACT_COUNT; i++)
		if (p->impacts & (1u << i))
			len += (size_t)snprintf(out + len, 64 - len, "%s%s", len > 1 ? "," : "",
						model_name(&impact_names, i));
	snprintf(out + len, 64 - len, "}");
}

/* Runs rows_sql with binary results (store_exec's are text). */
static PGresult *exec_binary(const char *const *params, struct err *err)
{
	PGconn *conn = store_conn(err);
	if (!conn)
		return NULL;
	PGresult *res = PQexecParams(conn, rows_sql, 5, NULL, params, NULL, NULL, 1);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	store_result_error(conn, res, err);
	PQclear(res);
	return NULL;
}

int store_backtest_rows(const struct backtest_params *p, struct store_backtest_rows *rows,
			struct err *err)
{
	char from[RTIME_BUFSZ], to[RTIME_BUFSZ], data_end[RTIME_BUFSZ], impacts[64];
	memset(rows, 0, sizeof(*rows));
	impact_array(p, impacts);
	const char *params[5] = {p->service, store_time_param(p->from, from),
				 store_time_param(p->to, to), impacts,
				 store_time_param(p->data_end, data_end)};
	PGresult *res = exec_binary(params, err);
	if (!res)
		return -1;
	struct decoder d;
	if (decoder_open(&d, res, err)) {
		rows->text = d.text;
		decode_changes(&d, p->service, rows);
		decode_ios(&d, rows);
		decode_outcomes(&d, rows);
	}
	PQclear(res);
	if (d.bad) {
		rows->text = d.text;
		store_backtest_rows_release(rows);
		return -1;
	}
	return 0;
}

void store_backtest_rows_release(struct store_backtest_rows *rows)
{
	free(rows->changes);
	free(rows->ios);
	free(rows->outcomes);
	free(rows->links);
	free(rows->text);
	memset(rows, 0, sizeof(*rows));
}
