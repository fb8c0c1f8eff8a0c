/* Imports in PostgreSQL: which of a pack's keys are already stored (so a
 * re-import reports duplicates instead of inserting), and drills that keep
 * their external id. Changes, IOs and gate records go through their own
 * store functions. */
#include "common.h"

#include "err.h"
#include "gate.h"
#include "json.h"
#include "rtime.h"
#include "store_int.h"

/* keys as a JSON array of strings (a parameter). Caller frees. */
static char *keys_json(const struct strlist *keys)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < keys->n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(keys->items[i]));
	char *text = json_print(arr);
	cJSON_Delete(arr);
	return text;
}

void store_key_ids_free(struct store_key_id *k, size_t n)
{
	for (size_t i = 0; k && i < n; i++)
		free(k[i].key);
	free(k);
}

int store_import_changes_stored(const char *service, const struct strlist *keys,
				struct store_key_id **out, size_t *n, struct err *err)
{
	char *json = keys_json(keys);
	const char *params[2] = {service, json};
	PGresult *res = store_exec("SELECT key, id FROM changes WHERE service = $1"
				   " AND key IN (SELECT json_array_elements_text($2::json))"
				   " ORDER BY key",
				   2, params, err);
	free(json);
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

int store_import_drills_stored(const char *service, const struct strlist *keys,
			       struct strlist *found, struct err *err)
{
	char *json = keys_json(keys);
	const char *params[2] = {service, json};
	PGresult *res =
		store_exec("SELECT external_key FROM drills WHERE service = $1"
			   " AND external_key IN (SELECT json_array_elements_text($2::json))"
			   " ORDER BY external_key",
			   2, params, err);
	free(json);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
		strlist_push(found, PQgetvalue(res, i, 0));
	PQclear(res);
	return 0;
}

int store_import_drill_insert(struct drill *d, const char *external_key, struct err *err)
{
	char cid[24], pa[RTIME_BUFSZ], ra[RTIME_BUFSZ], rto_t[24], rpo_t[24], rto_a[24], rpo_a[24];
	const char *params[12] = {
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
		external_key,
	};
	PGresult *res = store_exec(
		"INSERT INTO drills (service, change_id, performed_at, rto_target_s, rpo_target_s,"
		" rto_actual_s, rpo_actual_s, outcome, notes, recorded_at, recorded_by, "
		"external_key)"
		" VALUES ($1, $2::bigint, $3::timestamptz, $4, $5, $6::bigint, $7::bigint, $8, $9,"
		" $10::timestamptz, $11, $12) RETURNING id",
		12, params, err);
	if (!res) {
		if (err->code == ERR_CONFLICT)
			snprintf(err->message, sizeof(err->message),
				 "drill \"%s\" of service \"%s\" already exists", external_key,
				 d->service);
		return -1;
	}
	d->id = store_get_i64(res, 0, 0);
	PQclear(res);
	return 0;
}
