/* Incidents (outcomes) and their links to changes in PostgreSQL: insert, resolve, get and
 * list incidents; insert and read links; and the link-window step as one set-based
 * statement. Links are made once (UNIQUE (incident_id, change_id)) and never moved. */
#include "common.h"

#include "err.h"
#include "incident.h"
#include "rtime.h"
#include "store_int.h"

/* Serializes link-window runs, so two at once cannot both see an outcome unlinked. */
#define LINK_WINDOW_LOCK "727277"

#define INCIDENT_COLUMNS                                                                           \
	"id, kind, severity, service, external_key, title, " US("occurred_at") ", " US(            \
		"detected_at") ", " US("resolved_at") ", source, " US("created_at") ", created_by"

/* A link's columns from l (an incident_links row) and c (its change). */
#define LINK_COLUMNS                                                                               \
	"l.id, l.incident_id, l.change_id, c.service, c.key, l.how, l.rule, l.rule_version,"       \
	" l.params::text, " US("l.created_at") ", l.created_by"

static void incident_from_row(const PGresult *res, int row, struct incident *inc)
{
	incident_init(inc);
	inc->id = store_get_i64(res, row, 0);
	int kind = model_lookup(&backtest_kind_names, PQgetvalue(res, row, 1));
	inc->kind = kind < 0 ? BACKTEST_INCIDENT : (enum backtest_kind)kind;
	int sev = PQgetisnull(res, row, 2)
			  ? -1
			  : model_lookup(&backtest_severity_names, PQgetvalue(res, row, 2));
	inc->severity = sev < 0 ? 0 : sev + 1;
	inc->service = store_get_strdup(res, row, 3);
	inc->external_key = store_get_strdup(res, row, 4);
	inc->title = store_get_strdup(res, row, 5);
	inc->occurred_at = store_get_time(res, row, 6);
	inc->detected_at = store_get_time(res, row, 7);
	inc->resolved_at = store_get_time(res, row, 8);
	inc->source = store_get_strdup(res, row, 9);
	inc->created_at = store_get_time(res, row, 10);
	inc->created_by = store_get_strdup(res, row, 11);
}

/* Reads a link from res's columns first..first+10 (LINK_COLUMNS' order). */
static void link_from_row(const PGresult *res, int row, int first, struct incident_link *l)
{
	incident_link_init(l);
	l->id = store_get_i64(res, row, first);
	l->incident_id = store_get_i64(res, row, first + 1);
	l->change_id = store_get_i64(res, row, first + 2);
	l->change_service = store_get_strdup(res, row, first + 3);
	l->change_key = store_get_strdup(res, row, first + 4);
	int how = model_lookup(&backtest_how_names, PQgetvalue(res, row, first + 5));
	l->how = how < 0 ? BACKTEST_EXPLICIT : (enum backtest_how)how;
	l->rule = store_get_strdup(res, row, first + 6);
	l->rule_version =
		PQgetisnull(res, row, first + 7) ? 0 : (int)store_get_i64(res, row, first + 7);
	l->params = store_get_strdup(res, row, first + 8);
	l->created_at = store_get_time(res, row, first + 9);
	l->created_by = store_get_strdup(res, row, first + 10);
}

void store_incidents_free(struct incident *inc, size_t n)
{
	for (size_t i = 0; inc && i < n; i++)
		incident_release(&inc[i]);
	free(inc);
}

void store_incident_links_free(struct incident_link *l, size_t n)
{
	for (size_t i = 0; l && i < n; i++)
		incident_link_release(&l[i]);
	free(l);
}

int store_incident_insert(struct incident *inc, struct err *err)
{
	char oa[RTIME_BUFSZ], da[RTIME_BUFSZ], ra[RTIME_BUFSZ];
	const char *params[10] = {
		model_name(&backtest_kind_names, (int)inc->kind),
		inc->severity >= 1 && inc->severity <= 4
			? model_name(&backtest_severity_names, inc->severity - 1)
			: NULL,
		inc->service,
		inc->external_key,
		inc->title,
		store_time_param(inc->occurred_at, oa),
		store_time_param(inc->detected_at, da),
		store_time_param(inc->resolved_at, ra),
		inc->source ? inc->source : "manual",
		inc->created_by,
	};
	PGresult *res = store_exec(
		"INSERT INTO incidents (kind, severity, service, external_key, title, occurred_at,"
		" detected_at, resolved_at, source, created_by)"
		" VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz, $8::timestamptz,"
		" $9, $10) RETURNING id, " US("created_at"),
		10, params, err);
	if (!res) {
		if (err->code == ERR_CONFLICT) {
			snprintf(err->message, sizeof(err->message),
				 "incident \"%s:%s\" already exists", inc->service,
				 inc->external_key ? inc->external_key : "");
			err_detail(err, "external_key", 0, 0, "already used in service \"%s\"",
				   inc->service);
		}
		return -1;
	}
	inc->id = store_get_i64(res, 0, 0);
	inc->created_at = store_get_time(res, 0, 1);
	PQclear(res);
	return 0;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int store_incident_resolve(const char *ref, int64_t *id, struct err *err)
{
	PGresult *res;
	if (all_digits(ref)) {
		if (strlen(ref) > 18)
			return err_set(err, ERR_NOT_FOUND, "no incident \"%.64s\"", ref);
		const char *params[1] = {ref};
		res = store_exec("SELECT id FROM incidents WHERE id = $1::bigint", 1, params, err);
	} else {
		const char *colon = strchr(ref, ':');
		if (!colon)
			return err_set(err, ERR_NOT_FOUND,
				       "no incident \"%.64s\" (name an incident as ID or "
				       "service:external_key)",
				       ref);
		char *service = xstrndup(ref, (size_t)(colon - ref));
		const char *params[2] = {service, colon + 1};
		res = store_exec(
			"SELECT id FROM incidents WHERE service = $1 AND external_key = $2", 2,
			params, err);
		free(service);
	}
	if (!res)
		return -1;
	int found = PQntuples(res) == 1;
	if (found)
		*id = store_get_i64(res, 0, 0);
	PQclear(res);
	if (!found)
		return err_set(err, ERR_NOT_FOUND, "no incident \"%.200s\"", ref);
	return 0;
}

int store_incident_get(int64_t id, struct incident *inc, struct err *err)
{
	char idbuf[24];
	const char *params[1] = {store_i64_param(id, idbuf)};
	PGresult *res = store_exec("SELECT " INCIDENT_COLUMNS " FROM incidents WHERE id = $1", 1,
				   params, err);
	if (!res)
		return -1;
	int found = PQntuples(res) == 1;
	if (found)
		incident_from_row(res, 0, inc);
	PQclear(res);
	if (!found)
		return err_set(err, ERR_NOT_FOUND, "no incident %" PRId64, id);
	return 0;
}

int store_incident_list(const struct incident_filter *f, struct incident **out, size_t *n,
			int64_t *next, struct err *err)
{
	char since[RTIME_BUFSZ], until[RTIME_BUFSZ], after[24], limit[24];
	const char *params[6] = {
		f->service,
		f->kind,
		store_time_param(f->since, since),
		store_time_param(f->until, until),
		store_i64_param(f->after_id, after),
		store_i64_param(f->limit + 1, limit),
	};
	PGresult *res = store_exec("SELECT " INCIDENT_COLUMNS " FROM incidents"
				   " WHERE ($1::text IS NULL OR service = $1)"
				   " AND ($2::text IS NULL OR kind = $2)"
				   " AND ($3::timestamptz IS NULL OR occurred_at >= $3)"
				   " AND ($4::timestamptz IS NULL OR occurred_at < $4)"
				   " AND id > $5::bigint ORDER BY id LIMIT $6::int",
				   6, params, err);
	if (!res)
		return -1;
	int rows = PQntuples(res);
	size_t count = rows > f->limit ? (size_t)f->limit : (size_t)rows;
	*out = xcalloc(count ? count : 1, sizeof(**out));
	for (size_t i = 0; i < count; i++)
		incident_from_row(res, (int)i, &(*out)[i]);
	*n = count;
	*next = rows > f->limit && count ? (*out)[count - 1].id : 0;
	PQclear(res);
	return 0;
}

/* Fills *out with rows [0, count) of res, the link starting at column first. */
static void links_from_result(const PGresult *res, int first, size_t count,
			      struct incident_link **out)
{
	*out = xcalloc(count ? count : 1, sizeof(**out));
	for (size_t i = 0; i < count; i++)
		link_from_row(res, (int)i, first, &(*out)[i]);
}

int store_incident_links(int64_t incident_id, struct incident_link **out, size_t *n,
			 struct err *err)
{
	char idbuf[24];
	const char *params[1] = {store_i64_param(incident_id, idbuf)};
	PGresult *res = store_exec("SELECT " LINK_COLUMNS " FROM incident_links l"
				   " JOIN changes c ON c.id = l.change_id"
				   " WHERE l.incident_id = $1 ORDER BY l.id",
				   1, params, err);
	if (!res)
		return -1;
	*n = (size_t)PQntuples(res);
	links_from_result(res, 0, *n, out);
	PQclear(res);
	return 0;
}

int store_incident_link_insert(struct incident_link *l, struct err *err)
{
	char iid[24], cid[24], ver[24];
	const char *params[7] = {
		store_i64_param(l->incident_id, iid),
		store_i64_param(l->change_id, cid),
		model_name(&backtest_how_names, (int)l->how),
		l->rule,
		l->rule_version > 0 ? store_i64_param(l->rule_version, ver) : NULL,
		l->params ? l->params : "{}",
		l->created_by,
	};
	PGresult *res = store_exec(
		"WITH l AS (INSERT INTO incident_links (incident_id, change_id, how, rule,"
		" rule_version, params, created_by)"
		" VALUES ($1::bigint, $2::bigint, $3, $4, $5::int, $6::jsonb, $7)"
		" ON CONFLICT (incident_id, change_id) DO NOTHING RETURNING *)"
		" SELECT " LINK_COLUMNS " FROM l JOIN changes c ON c.id = l.change_id",
		7, params, err);
	if (!res)
		return -1;
	int inserted = PQntuples(res) == 1;
	if (inserted) {
		struct incident_link made;
		link_from_row(res, 0, 0, &made);
		incident_link_release(l);
		*l = made;
	}
	PQclear(res);
	if (inserted)
		return 0;
	/* Name the link that is there: a follow_up made by an import does not count as an
	 * outcome by default, and the person linking by hand needs to know that. */
	res = store_exec("SELECT how, coalesce(rule, '') FROM incident_links"
			 " WHERE incident_id = $1::bigint AND change_id = $2::bigint",
			 2, params, err);
	if (!res)
		return -1;
	char existing[128] = "";
	if (PQntuples(res) == 1)
		snprintf(existing, sizeof(existing), " (how %s%s%s)", PQgetvalue(res, 0, 0),
			 *PQgetvalue(res, 0, 1) ? ", rule " : "", PQgetvalue(res, 0, 1));
	PQclear(res);
	return err_set(err, ERR_CONFLICT,
		       "incident %" PRId64 " is already linked to change %" PRId64
		       "%s; links are made once and never moved",
		       l->incident_id, l->change_id, existing);
}

/* The kinds of a mask as a PostgreSQL text[] literal ("{incident,rollback}"). The names
 * are core's fixed spellings, so they need no quoting. Caller frees. */
static char *kinds_array(unsigned kinds)
{
	struct buf b;
	buf_init(&b, 0);
	buf_append(&b, "{", 1);
	for (int k = 0, n = 0; k < BACKTEST_KIND_COUNT; k++)
		if (kinds & (1u << k))
			buf_printf(&b, "%s%s", n++ ? "," : "", model_name(&backtest_kind_names, k));
	buf_append(&b, "}", 1);
	return b.data;
}

static int link_window_lock(struct err *err)
{
	PGresult *res =
		store_exec("SELECT pg_advisory_xact_lock(" LINK_WINDOW_LOCK ")", 0, NULL, err);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

/* One statement: the unlinked outcomes of the scope, the current effective_at of the
 * effective changes of their services, the window links inserted, and the count of the
 * outcomes beside the links made (one row with null link columns when none was made). */
#define LINK_WINDOW_SQL                                                                            \
	"WITH outcomes AS (SELECT i.id, i.service, i.occurred_at FROM incidents i"                 \
	"  WHERE ($1::text IS NULL OR i.service = $1) AND i.kind = ANY ($2::text[])"               \
	"  AND NOT EXISTS (SELECT 1 FROM incident_links x WHERE x.incident_id = i.id)),"           \
	" cur AS (SELECT c.id, c.service,"                                                         \
	"  coalesce((SELECT a.effective_at FROM change_amendments a WHERE a.change_id = c.id"      \
	"   AND a.effective_at IS NOT NULL ORDER BY a.id DESC LIMIT 1), c.effective_at) AS eff"    \
	"  FROM changes c WHERE c.state = 'effective'"                                             \
	"  AND c.service IN (SELECT service FROM outcomes)),"                                      \
	" made AS (INSERT INTO incident_links (incident_id, change_id, how, rule, rule_version,"   \
	"  params, created_by)"                                                                    \
	"  SELECT o.id, c.id, 'window', 'link-window', 1, jsonb_build_object('horizon', "          \
	"$3::text),"                                                                               \
	"  $5 FROM outcomes o JOIN cur c ON c.service = o.service"                                 \
	"  AND c.eff <= o.occurred_at AND c.eff >= o.occurred_at - $4::bigint * interval '1 "      \
	"second'"                                                                                  \
	"  ORDER BY o.id, c.id"                                                                    \
	"  ON CONFLICT (incident_id, change_id) DO NOTHING RETURNING *)"                           \
	" SELECT n.outcomes, " LINK_COLUMNS " FROM (SELECT count(*) AS outcomes FROM outcomes) n"  \
	" LEFT JOIN (made l JOIN changes c ON c.id = l.change_id) ON true"                         \
	" ORDER BY l.incident_id, l.change_id"

int store_incident_link_window(const struct incident_window *w, const char *actor, size_t *unlinked,
			       struct incident_link **made, size_t *n_made, struct err *err)
{
	*unlinked = 0;
	*made = NULL;
	*n_made = 0;
	if (link_window_lock(err) < 0)
		return -1;
	char horizon[24];
	char *kinds = kinds_array(w->kinds);
	const char *params[5] = {
		w->service, kinds, w->horizon_text, store_i64_param(w->horizon, horizon), actor,
	};
	PGresult *res = store_exec(LINK_WINDOW_SQL, 5, params, err);
	free(kinds);
	if (!res)
		return -1;
	int rows = PQntuples(res);
	*unlinked = rows ? (size_t)store_get_i64(res, 0, 0) : 0;
	size_t count = rows == 1 && PQgetisnull(res, 0, 1) ? 0 : (size_t)rows;
	links_from_result(res, 1, count, made);
	*n_made = count;
	PQclear(res);
	return 0;
}
