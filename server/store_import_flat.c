/* Flat-file imports in PostgreSQL (POST /v1/import/{changes|ios|incidents|
 * drills}): the lock that serializes imports of one kind, which identities
 * are stored already, change references resolved in one query, the IOs
 * already recorded against changes, and incidents inserted with the links
 * their external key earns (changes whose refs name it). Changes, IOs and
 * drills go in through their own store functions. */
#include "common.h"

#include "err.h"
#include "incident.h"
#include "json.h"
#include "rtime.h"
#include "store_int.h"

/* Key class of the import lock (pg_advisory_xact_lock(int, int)): "fi". */
#define FLAT_LOCK_CLASS 0x6669

/* The rule that links an imported incident to the changes whose refs name its
 * external key ("Fixes #12" on a change, incident "#12"). */
#define REFS_RULE "import-refs"
#define REFS_RULE_VERSION "1"

int store_import_flat_lock(int kind, struct err *err)
{
	char k[24], cls[24];
	const char *params[2] = {store_i64_param(FLAT_LOCK_CLASS, cls), store_i64_param(kind, k)};
	PGresult *res =
		store_exec("SELECT pg_advisory_xact_lock($1::int, $2::int)", 2, params, err);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

/* [{"s": service, "k": key}, ...] (a parameter). Caller frees. */
static char *pairs_json(const struct strlist *services, const struct strlist *keys)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < keys->n && i < services->n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "s", services->items[i]);
		cJSON_AddStringToObject(o, "k", keys->items[i]);
		cJSON_AddItemToArray(arr, o);
	}
	char *text = json_print(arr);
	cJSON_Delete(arr);
	return text;
}

int store_import_keys_stored(enum store_keyed table, const struct strlist *services,
			     const struct strlist *keys, struct strlist *found, struct err *err)
{
	static const char *const sql[] = {
		"SELECT t.service || ':' || t.key FROM changes t"
		" JOIN json_to_recordset($1::json) AS x(s text, k text)"
		" ON t.service = x.s AND t.key = x.k",
		"SELECT t.service || ':' || t.external_key FROM incidents t"
		" JOIN json_to_recordset($1::json) AS x(s text, k text)"
		" ON t.service = x.s AND t.external_key = x.k",
		"SELECT t.service || ':' || t.external_key FROM drills t"
		" JOIN json_to_recordset($1::json) AS x(s text, k text)"
		" ON t.service = x.s AND t.external_key = x.k",
	};
	if (keys->n == 0)
		return 0;
	char *json = pairs_json(services, keys);
	const char *params[1] = {json};
	PGresult *res = store_exec(sql[table], 1, params, err);
	free(json);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
		strlist_push(found, PQgetvalue(res, i, 0));
	PQclear(res);
	return 0;
}

/* The references split: ids as a JSON array of numbers, service:key pairs as
 * a recordset. Callers free both. */
static void split_refs(const struct strlist *refs, char **ids, char **pairs)
{
	cJSON *id_arr = cJSON_CreateArray();
	struct strlist services = {0}, keys = {0};
	for (size_t i = 0; i < refs->n; i++) {
		const char *ref = refs->items[i];
		const char *colon = strchr(ref, ':');
		if (!colon) {
			cJSON_AddItemToArray(id_arr, cJSON_CreateRaw(ref));
			continue;
		}
		char *service = xstrndup(ref, (size_t)(colon - ref));
		strlist_push(&services, service);
		strlist_push(&keys, colon + 1);
		free(service);
	}
	*ids = json_print(id_arr);
	*pairs = pairs_json(&services, &keys);
	cJSON_Delete(id_arr);
	strlist_release(&services);
	strlist_release(&keys);
}

int store_import_resolve_changes(const struct strlist *refs, struct store_key_id **out, size_t *n,
				 struct err *err)
{
	*out = NULL;
	*n = 0;
	char *ids, *pairs;
	split_refs(refs, &ids, &pairs);
	const char *params[2] = {ids, pairs};
	/* refs are checked by core: an id is digits without a leading zero */
	PGresult *res =
		store_exec("SELECT c.id::text, c.id FROM changes c"
			   " WHERE c.id IN (SELECT json_array_elements_text($1::json)::bigint)"
			   " UNION ALL"
			   " SELECT c.service || ':' || c.key, c.id FROM changes c"
			   " JOIN json_to_recordset($2::json) AS x(s text, k text)"
			   " ON c.service = x.s AND c.key = x.k",
			   2, params, err);
	free(ids);
	free(pairs);
	if (!res)
		return -1;
	*n = (size_t)PQntuples(res);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++) {
		(*out)[i].key = store_get_strdup(res, (int)i, 0);
		(*out)[i].id = store_get_i64(res, (int)i, 1);
	}
	PQclear(res);
	return 0;
}

void store_io_identities_free(struct store_io_identity *ios, size_t n)
{
	for (size_t i = 0; ios && i < n; i++)
		free(ios[i].description);
	free(ios);
}

int store_import_ios_of(const int64_t *change_ids, size_t n_ids, struct store_io_identity **out,
			size_t *n, struct err *err)
{
	*out = NULL;
	*n = 0;
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n_ids; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)change_ids[i]));
	char *json = json_print(arr);
	cJSON_Delete(arr);
	const char *params[1] = {json};
	PGresult *res = store_exec("SELECT change_id, category, description FROM ios"
				   " WHERE retracted_at IS NULL AND change_id IN"
				   " (SELECT json_array_elements_text($1::json)::bigint)",
				   1, params, err);
	free(json);
	if (!res)
		return -1;
	*n = (size_t)PQntuples(res);
	*out = xcalloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++) {
		(*out)[i].change_id = store_get_i64(res, (int)i, 0);
		(*out)[i].category = model_lookup(&io_category_names, PQgetvalue(res, (int)i, 1));
		(*out)[i].description = store_get_strdup(res, (int)i, 2);
	}
	PQclear(res);
	return 0;
}

int store_import_incident_insert(struct incident *inc, const char *actor, struct err *err)
{
	char oa[RTIME_BUFSZ], da[RTIME_BUFSZ], ra[RTIME_BUFSZ];
	const char *params[10] = {
		model_name(&backtest_kind_names, (int)inc->kind),
		inc->severity ? model_name(&backtest_severity_names, inc->severity - 1) : NULL,
		inc->service,
		inc->external_key,
		inc->title,
		store_time_param(inc->occurred_at, oa),
		store_time_param(inc->detected_at, da),
		store_time_param(inc->resolved_at, ra),
		inc->source,
		actor,
	};
	PGresult *res = store_exec(
		"INSERT INTO incidents (kind, severity, service, external_key, title, occurred_at,"
		" detected_at, resolved_at, source, created_by)"
		" VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz, $8::timestamptz, "
		"$9,"
		" $10) RETURNING id",
		10, params, err);
	if (!res) {
		if (err->code == ERR_CONFLICT)
			snprintf(err->message, sizeof(err->message),
				 "incident \"%s:%s\" already exists", inc->service,
				 inc->external_key ? inc->external_key : "");
		return -1;
	}
	inc->id = store_get_i64(res, 0, 0);
	PQclear(res);
	return 0;
}

int store_import_incident_link_refs(const int64_t *incident_ids, size_t n_ids, const char *actor,
				    size_t *n, struct err *err)
{
	*n = 0;
	if (n_ids == 0)
		return 0;
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n_ids; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)incident_ids[i]));
	char *ids = json_print(arr);
	cJSON_Delete(arr);
	const char *params[2] = {ids, actor};
	/* One join for the whole import: the refs of the changes of the imported
	 * incidents' services against their external keys. follow_up: the change
	 * names the issue it fixes or closes; it is not the change that caused
	 * it, so the link is shown but is no outcome. The join is on one key
	 * (service:ref), so the planner hashes it instead of pairing every
	 * incident with every change of its service. */
	PGresult *res = store_exec(
		"WITH inc AS MATERIALIZED (SELECT id, service, external_key,"
		"   service || ':' || external_key AS k FROM incidents"
		"   WHERE id IN (SELECT json_array_elements_text($1::json)::bigint)"
		"   AND external_key IS NOT NULL),"
		" refs AS MATERIALIZED (SELECT c.id, c.service || ':' || r.ref AS k"
		"   FROM changes c, unnest(c.refs) AS r(ref)"
		"   WHERE c.service IN (SELECT service FROM inc))"
		" INSERT INTO incident_links (incident_id, change_id, how, rule, rule_version,"
		" params, created_by)"
		" SELECT inc.id, refs.id, 'follow_up', '" REFS_RULE "', " REFS_RULE_VERSION
		", jsonb_build_object('ref', inc.external_key), $2"
		" FROM inc JOIN refs ON refs.k = inc.k"
		" ORDER BY inc.id, refs.id ON CONFLICT (incident_id, change_id) DO NOTHING",
		2, params, err);
	free(ids);
	if (!res)
		return -1;
	*n = (size_t)strtoull(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return 0;
}
