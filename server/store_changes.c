/* Changes and their amendments in PostgreSQL. */
#include "common.h"

#include "err.h"
#include "json.h"
#include "rtime.h"
#include "store_int.h"

#define CHANGE_COLUMNS                                                                             \
	"c.id, c.service, c.key, c.title, c.impact, c.state, " US("c.planned_for") ", " US(        \
		"c.effective_at") ", c.author, array_to_json(c.links)::text, "                     \
				  "array_to_json(c.refs)::text, c.boundary::text, c.review, "      \
				  "c.shipped_while_blocked::text, " US(                            \
					  "c.created_at") ", "                                     \
							  "c.created_by, "                         \
							  "array_to_json(c.paths)::text"

/* Parses a JSON array of strings that PostgreSQL produced. */
static void strlist_from_json_text(struct strlist *l, const char *text)
{
	cJSON *arr = cJSON_Parse(text);
	for (const cJSON *c = arr ? arr->child : NULL; c; c = c->next)
		if (cJSON_IsString(c))
			strlist_push(l, c->valuestring);
	cJSON_Delete(arr);
}

static void change_from_row(const PGresult *res, int row, struct change *c)
{
	change_init(c);
	c->id = store_get_i64(res, row, 0);
	c->service = store_get_strdup(res, row, 1);
	c->key = store_get_strdup(res, row, 2);
	c->title = store_get_strdup(res, row, 3);
	c->impact = (enum impact)model_lookup(&impact_names, PQgetvalue(res, row, 4));
	c->state = (enum change_state)model_lookup(&change_state_names, PQgetvalue(res, row, 5));
	c->planned_for = store_get_time(res, row, 6);
	c->effective_at = store_get_time(res, row, 7);
	c->author = store_get_strdup(res, row, 8);
	strlist_from_json_text(&c->links, PQgetvalue(res, row, 9));
	strlist_from_json_text(&c->refs, PQgetvalue(res, row, 10));
	c->boundary = store_get_strdup(res, row, 11);
	c->review = (enum review_state)model_lookup(&review_names, PQgetvalue(res, row, 12));
	c->shipped_while_blocked = store_get_strdup(res, row, 13);
	c->created_at = store_get_time(res, row, 14);
	c->created_by = store_get_strdup(res, row, 15);
	strlist_from_json_text(&c->paths, PQgetvalue(res, row, 16));
}

static char *strlist_to_json_text(const struct strlist *l)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < l->n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(l->items[i]));
	char *s = json_print(arr);
	cJSON_Delete(arr);
	return s;
}

int store_change_insert(struct change *c, const char *actor, struct err *err)
{
	char pf[RTIME_BUFSZ], ea[RTIME_BUFSZ];
	char *links = strlist_to_json_text(&c->links);
	char *refs = strlist_to_json_text(&c->refs);
	const char *params[12] = {
		c->service,
		c->key,
		c->title,
		model_name(&impact_names, (int)c->impact),
		model_name(&change_state_names, (int)c->state),
		store_time_param(c->planned_for, pf),
		store_time_param(c->effective_at, ea),
		c->author,
		links,
		refs,
		c->boundary ? c->boundary : "{}",
		actor,
	};
	PGresult *res =
		store_exec("INSERT INTO changes (service, key, title, impact, state, planned_for, "
			   "effective_at,"
			   " author, links, refs, boundary, created_by)"
			   " VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz, $8,"
			   " ARRAY(SELECT json_array_elements_text($9::json)),"
			   " ARRAY(SELECT json_array_elements_text($10::json)), $11::jsonb, $12)"
			   " RETURNING id",
			   12, params, err);
	free(links);
	free(refs);
	if (!res) {
		if (err->code == ERR_CONFLICT) {
			snprintf(err->message, sizeof(err->message),
				 "change \"%s:%s\" already exists", c->service, c->key);
			err_detail(err, "key", 0, 0, "already used in service \"%s\"", c->service);
		}
		return -1;
	}
	c->id = store_get_i64(res, 0, 0);
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

int store_change_resolve(const char *ref, int64_t *id, struct err *err)
{
	PGresult *res;
	if (all_digits(ref)) {
		if (strlen(ref) > 18)
			return err_set(err, ERR_NOT_FOUND, "no change \"%s\"", ref);
		const char *params[1] = {ref};
		res = store_exec("SELECT id FROM changes WHERE id = $1::bigint", 1, params, err);
	} else {
		const char *colon = strchr(ref, ':');
		if (!colon)
			return err_set(err, ERR_NOT_FOUND,
				       "no change \"%s\" (name a change as ID or service:key)",
				       ref);
		char *service = xstrndup(ref, (size_t)(colon - ref));
		const char *params[2] = {service, colon + 1};
		res = store_exec("SELECT id FROM changes WHERE service = $1 AND key = $2", 2,
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
		return err_set(err, ERR_NOT_FOUND, "no change \"%s\"", ref);
	return 0;
}

/* Loads the amendments of changes[0..n) in one query. */
static int load_amendments(struct change *changes, size_t n, struct err *err)
{
	if (n == 0)
		return 0;
	cJSON *ids = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)changes[i].id));
	char *ids_text = json_print(ids);
	cJSON_Delete(ids);
	const char *params[1] = {ids_text};
	PGresult *res =
		store_exec("SELECT change_id, id, " US("effective_at") ", impact, reason, " US(
				   "created_at") ", created_by FROM change_amendments"
						 " WHERE change_id IN (SELECT "
						 "json_array_elements_text($1::json)::bigint)"
						 " ORDER BY change_id, id",
			   1, params, err);
	free(ids_text);
	if (!res)
		return -1;
	for (int r = 0; r < PQntuples(res); r++) {
		int64_t cid = store_get_i64(res, r, 0);
		for (size_t i = 0; i < n; i++) {
			struct change *c = &changes[i];
			if (c->id != cid)
				continue;
			c->amendments = xrealloc(c->amendments,
						 (c->n_amendments + 1) * sizeof(*c->amendments));
			struct amendment *a = &c->amendments[c->n_amendments++];
			a->id = store_get_i64(res, r, 1);
			a->effective_at = store_get_time(res, r, 2);
			a->impact = PQgetisnull(res, r, 3)
					    ? -1
					    : model_lookup(&impact_names, PQgetvalue(res, r, 3));
			a->reason = store_get_strdup(res, r, 4);
			a->created_at = store_get_time(res, r, 5);
			a->created_by = store_get_strdup(res, r, 6);
		}
	}
	PQclear(res);
	return 0;
}

int store_change_get(int64_t id, struct change *c, struct err *err)
{
	char idbuf[24];
	const char *params[1] = {store_i64_param(id, idbuf)};
	PGresult *res = store_exec("SELECT " CHANGE_COLUMNS " FROM changes c WHERE c.id = $1", 1,
				   params, err);
	if (!res)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return err_set(err, ERR_NOT_FOUND, "no change %" PRId64, id);
	}
	change_from_row(res, 0, c);
	PQclear(res);
	return load_amendments(c, 1, err);
}

int store_change_list(const struct change_filter *f, struct change **out, size_t *n, int64_t *next,
		      struct err *err)
{
	char since[RTIME_BUFSZ], until[RTIME_BUFSZ], after[24], limit[24];
	const char *params[9] = {
		f->service,
		f->impact,
		f->state,
		f->review,
		f->category,
		store_time_param(f->since, since),
		store_time_param(f->until, until),
		store_i64_param(f->after_id, after),
		store_i64_param(f->limit + 1, limit),
	};
	PGresult *res = store_exec(
		"SELECT " CHANGE_COLUMNS " FROM changes c"
		" WHERE ($1::text IS NULL OR c.service = $1)"
		" AND ($2::text IS NULL OR c.impact = $2)"
		" AND ($3::text IS NULL OR c.state = $3)"
		" AND ($4::text IS NULL OR c.review = $4)"
		" AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM ios i WHERE i.change_id = c.id"
		"      AND i.category = $5 AND i.retracted_at IS NULL))"
		" AND ($6::timestamptz IS NULL OR c.effective_at >= $6)"
		" AND ($7::timestamptz IS NULL OR c.effective_at < $7)"
		" AND c.id > $8::bigint ORDER BY c.id LIMIT $9::int",
		9, params, err);
	if (!res)
		return -1;
	int rows = PQntuples(res);
	size_t count = rows > f->limit ? (size_t)f->limit : (size_t)rows;
	*out = xcalloc(count ? count : 1, sizeof(**out));
	for (size_t i = 0; i < count; i++)
		change_from_row(res, (int)i, &(*out)[i]);
	*n = count;
	*next = rows > f->limit && count ? (*out)[count - 1].id : 0;
	PQclear(res);
	return load_amendments(*out, count, err);
}

int store_change_set_effective(int64_t id, int64_t effective_at, struct err *err)
{
	char idbuf[24], at[RTIME_BUFSZ];
	const char *params[2] = {store_i64_param(id, idbuf), store_time_param(effective_at, at)};
	PGresult *res = store_exec("UPDATE changes SET state = 'effective', effective_at = $2"
				   " WHERE id = $1 AND state = 'planned'",
				   2, params, err);
	if (!res)
		return -1;
	int updated = strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	if (!updated)
		return err_set(err, ERR_CONFLICT,
			       "change %" PRId64 " is already effective; correct its time with "
			       "an amendment",
			       id);
	return 0;
}

int store_change_amend(int64_t id, int64_t effective_at, int impact, const char *reason,
		       const char *actor, struct err *err)
{
	char idbuf[24], at[RTIME_BUFSZ];
	const char *params[5] = {
		store_i64_param(id, idbuf),
		store_time_param(effective_at, at),
		impact >= 0 ? model_name(&impact_names, impact) : NULL,
		reason,
		actor,
	};
	PGresult *res =
		store_exec("INSERT INTO change_amendments (change_id, effective_at, impact, "
			   "reason, created_by)"
			   " SELECT id, $2::timestamptz, $3, $4, $5 FROM changes"
			   " WHERE id = $1 AND ($2::timestamptz IS NULL OR state = 'effective')",
			   5, params, err);
	if (!res)
		return -1;
	int inserted = strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	if (!inserted)
		return err_set(err, ERR_CONFLICT,
			       "change %" PRId64 " is still planned: mark it effective instead of "
			       "amending effective_at",
			       id);
	return 0;
}

int store_change_review_no_io(int64_t id, struct err *err)
{
	char idbuf[24];
	const char *params[1] = {store_i64_param(id, idbuf)};
	PGresult *res = store_exec(
		"UPDATE changes c SET review = 'no_io' WHERE c.id = $1 AND c.review = 'unreviewed'"
		" AND NOT EXISTS (SELECT 1 FROM ios i WHERE i.change_id = c.id"
		"  AND i.status = 'confirmed' AND i.retracted_at IS NULL)",
		1, params, err);
	if (!res)
		return -1;
	int updated = strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	if (!updated)
		return err_set(err, ERR_CONFLICT,
			       "change %" PRId64 " is already reviewed or has a confirmed IO", id);
	return 0;
}
