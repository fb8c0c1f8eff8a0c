/* POST /v1/import/{changes|ios|incidents|drills}: a flat file (CSV with a
 * header, or JSONL) sent as the raw request body under the import body limit
 * (--max-import), written in the dispatcher's one transaction. The query
 * says the rest: file (the name problems carry), format (else the
 * Content-Type text/csv or application/x-ndjson, else file's extension),
 * skip_bad, tz, service, map (the column map's YAML text) and map_file.
 * Every row is validated first (core's flat_import_parse), then against the
 * store (change references, identities already stored); any problem fails
 * the import with every problem listed, unless skip_bad: then the bad rows
 * are listed and the good ones written. A row whose identity is stored, or
 * that repeats an earlier row of the file, is reported as a duplicate and not
 * inserted. Changes go in as history (no ship check, as fit-pilot's import);
 * IOs through store_io_insert (which sets labelled_after_outcome); incidents
 * are linked (follow_up) to the changes whose refs name their external key. */
#include "common.h"

#include "config.h"
#include "err.h"
#include "flat_import.h"
#include "handlers.h"
#include "json.h"
#include "rtime.h"

/* Items listed per list of the response (the counts are whole). */
#define LIST_MAX 1000
#define FILE_NAME_MAX 200

struct flat_import {
	enum flat_kind kind;
	struct flat_options o;
	struct flat_map map;
	char tz[8];
	int skip_bad;
	const char *file;
	const char *service; /* the service parameter, or NULL */
	struct flat_result res;
	int parsed;
	int64_t *change_ids; /* per row: its resolved change (IOs, drills), 0 when none */
	bool *stored;	     /* per row: its identity is stored already */
	size_t inserted, links, labelled;
	cJSON *duplicates; /* items */
	size_t n_duplicates;
};

static void flat_import_release(struct flat_import *im)
{
	flat_map_release(&im->map);
	if (im->parsed)
		flat_result_release(&im->res);
	free(im->change_ids);
	free(im->stored);
	cJSON_Delete(im->duplicates);
}

static const char *const import_params[] = {"file",    "format", "skip_bad", "tz",
					    "service", "map",	 "map_file", NULL};

/* The media type of a Content-Type header (before ';', trimmed) is t. */
static bool media_type_is(const char *ct, const char *t)
{
	ct += strspn(ct, " \t");
	size_t n = strlen(t);
	return strncasecmp(ct, t, n) == 0 && (ct[n] == '\0' || strchr(" \t;", ct[n]));
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);
	return n >= k && strcasecmp(s + n - k, tail) == 0;
}

/* ?format=, else the Content-Type, else the file name's extension. */
static void read_format(const struct req *r, struct flat_import *im, struct err *err)
{
	const char *format = req_query(r, "format"), *ct = r->content_type, *file = im->file;
	int f = -1;
	if (format && (f = model_lookup(&flat_format_names, format)) < 0) {
		err_detail(err, "format", 0, 0, "unknown format \"%.32s\"; expected one of: %s",
			   format, flat_format_names.list);
		return;
	}
	if (f < 0 && ct && media_type_is(ct, "text/csv"))
		f = FLAT_CSV;
	else if (f < 0 && ct &&
		 (media_type_is(ct, "application/x-ndjson") ||
		  media_type_is(ct, "application/jsonl") ||
		  media_type_is(ct, "application/x-jsonlines")))
		f = FLAT_JSONL;
	if (f < 0 && file && ends_with(file, ".csv"))
		f = FLAT_CSV;
	else if (f < 0 && file && (ends_with(file, ".jsonl") || ends_with(file, ".ndjson")))
		f = FLAT_JSONL;
	if (f < 0) {
		err_detail(err, "format", 0, 0,
			   "unknown: send Content-Type text/csv or application/x-ndjson, or "
			   "?format=csv|jsonl");
		return;
	}
	im->o.format = (enum flat_format)f;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static void read_query(struct req *r, struct flat_import *im, struct err *err)
{
	query_check(r, import_params, err);
	query_bool(r, "skip_bad", &im->skip_bad, err);
	im->file = req_query(r, "file");
	if (im->file && (!*im->file || strlen(im->file) > FILE_NAME_MAX || has_control(im->file)))
		err_detail(err, "file", 0, 0, "must be 1 to %d characters, no control characters",
			   FILE_NAME_MAX);
	read_format(r, im, err);
	if (!im->file || err_is_set(err))
		im->file = im->o.format == FLAT_JSONL ? "import.jsonl" : "import.csv";
	const char *tz = req_query(r, "tz");
	struct err tz_err;
	err_init(&tz_err);
	if (tz && flat_tz_parse(tz, im->tz, &tz_err) < 0)
		err_detail(err, "tz", 0, 0, "%s", tz_err.message);
	else if (tz)
		im->o.tz = im->tz;
	im->service = req_query(r, "service");
	if (im->service && !model_valid_service(im->service))
		err_detail(err, "service", 0, 0,
			   "must match [a-z0-9][a-z0-9._-]{0,62} (lowercase, no spaces)");
	const char *map = req_query(r, "map"), *map_file = req_query(r, "map_file");
	if (map && flat_map_parse(map_file ? map_file : "map", map, strlen(map), im->kind, &im->map,
				  err) == 0)
		im->o.map = &im->map;
}

/* ---- against the store --------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool sorted_has(const struct strlist *l, const char *s)
{
	return l->n && bsearch(&s, l->items, l->n, sizeof(*l->items), cmp_str);
}

/* The service and external key of row (NULL when it has none). */
static const char *row_service(enum flat_kind kind, const struct flat_row *row, const char **key)
{
	switch (kind) {
	case FLAT_CHANGES:
		*key = row->u.change.key;
		return row->u.change.service;
	case FLAT_INCIDENTS:
		*key = row->u.incident.external_key;
		return row->u.incident.service;
	case FLAT_DRILLS:
		*key = row->external_key;
		return row->u.drill.service;
	default:
		*key = NULL;
		return NULL;
	}
}

/* Which rows' identities (service:key) are stored already. */
static int find_stored_keys(struct flat_import *im, struct err *err)
{
	struct strlist services = {0}, keys = {0}, found = {0};
	for (size_t i = 0; i < im->res.n_rows; i++) {
		const char *key, *service = row_service(im->kind, &im->res.rows[i], &key);
		if (key) {
			strlist_push(&services, service);
			strlist_push(&keys, key);
		}
	}
	enum store_keyed table = im->kind == FLAT_CHANGES     ? STORE_KEYED_CHANGES
				 : im->kind == FLAT_INCIDENTS ? STORE_KEYED_INCIDENTS
							      : STORE_KEYED_DRILLS;
	int rc = store_import_keys_stored(table, &services, &keys, &found, err);
	if (rc == 0) {
		if (found.n)
			xqsort(found.items, found.n, sizeof(*found.items), cmp_str);
		for (size_t i = 0; i < im->res.n_rows; i++)
			im->stored[i] =
				im->res.rows[i].key && sorted_has(&found, im->res.rows[i].key);
	}
	strlist_release(&services);
	strlist_release(&keys);
	strlist_release(&found);
	return rc;
}

static int cmp_key_id(const void *a, const void *b)
{
	return strcmp(((const struct store_key_id *)a)->key, ((const struct store_key_id *)b)->key);
}

/* Every row's change reference to an id; an unknown change rejects its row. */
static int resolve_changes(struct flat_import *im, struct err *err)
{
	struct strlist refs = {0};
	for (size_t i = 0; i < im->res.n_rows; i++)
		if (im->res.rows[i].change_ref)
			strlist_push(&refs, im->res.rows[i].change_ref);
	struct store_key_id *ids = NULL;
	size_t n = 0;
	int rc = refs.n ? store_import_resolve_changes(&refs, &ids, &n, err) : 0;
	strlist_release(&refs);
	if (rc < 0)
		return -1;
	xqsort(ids, n, sizeof(*ids), cmp_key_id);
	for (size_t i = 0; i < im->res.n_rows; i++) {
		const char *ref = im->res.rows[i].change_ref;
		if (!ref)
			continue;
		struct store_key_id want = {(char *)ref, 0};
		const struct store_key_id *hit =
			n ? bsearch(&want, ids, n, sizeof(*ids), cmp_key_id) : NULL;
		if (hit)
			im->change_ids[i] = hit->id;
		else
			flat_result_reject(&im->res, i, "change", "no change \"%.200s\"", ref);
	}
	store_key_ids_free(ids, n);
	return 0;
}

/* Rows by (change id, category, description, line), for IO identities. */
static int cmp_io_rows(const void *a, const void *b, void *ctx)
{
	const struct flat_import *im = ctx;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const struct io *p = &im->res.rows[x].u.io, *q = &im->res.rows[y].u.io;
	int64_t cx = im->change_ids[x], cy = im->change_ids[y];
	if (cx != cy)
		return (cx > cy) - (cx < cy);
	if (p->category != q->category)
		return (int)p->category - (int)q->category;
	int c = strcmp(p->description, q->description);
	return c ? c : (x > y) - (x < y);
}

static int cmp_identity(const void *a, const void *b)
{
	const struct store_io_identity *x = a, *y = b;
	if (x->change_id != y->change_id)
		return (x->change_id > y->change_id) - (x->change_id < y->change_id);
	if (x->category != y->category)
		return x->category - y->category;
	return strcmp(x->description, y->description);
}

static bool same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Two IOs of one identity that agree on everything else too. */
static bool same_io(const struct io *a, const struct io *b)
{
	return a->status == b->status && same_text(a->source, b->source) &&
	       same_text(a->evidence, b->evidence) && same_text(a->undo, b->undo) &&
	       a->reversible_until == b->reversible_until &&
	       same_text(a->reversal_cost, b->reversal_cost);
}

/* An IO's identity is its change, category and description: stored ones are
 * duplicates; two rows naming one change differently ("12", "svc:key") are
 * compared once resolved. */
static int find_stored_ios(struct flat_import *im, struct err *err)
{
	size_t n = 0, n_stored = 0;
	size_t *idx = xcalloc(im->res.n_rows ? im->res.n_rows : 1, sizeof(*idx));
	int64_t *ids = xcalloc(im->res.n_rows ? im->res.n_rows : 1, sizeof(*ids));
	for (size_t i = 0; i < im->res.n_rows; i++)
		if (!im->res.rows[i].rejected) {
			ids[n] = im->change_ids[i];
			idx[n++] = i;
		}
	struct store_io_identity *stored = NULL;
	int rc = n ? store_import_ios_of(ids, n, &stored, &n_stored, err) : 0;
	if (n_stored)
		xqsort(stored, n_stored, sizeof(*stored), cmp_identity);
	for (size_t k = 0; rc == 0 && n_stored && k < n; k++) {
		const struct io *io = &im->res.rows[idx[k]].u.io;
		struct store_io_identity want = {im->change_ids[idx[k]], (int)io->category,
						 io->description};
		im->stored[idx[k]] =
			bsearch(&want, stored, n_stored, sizeof(*stored), cmp_identity) != NULL;
	}
	qsort_r(idx, n, sizeof(*idx), cmp_io_rows, im);
	/* each row against the first (earliest) row of its identity */
	for (size_t k = 1, first = 0; rc == 0 && k < n; k++) {
		struct flat_row *a = &im->res.rows[idx[first]], *b = &im->res.rows[idx[k]];
		if (im->change_ids[idx[first]] != im->change_ids[idx[k]] ||
		    a->u.io.category != b->u.io.category ||
		    strcmp(a->u.io.description, b->u.io.description) != 0) {
			first = k;
			continue;
		}
		/* a repeat of a later row is compared too: its twin may differ from the first */
		if (same_io(&a->u.io, &b->u.io))
			b->duplicate_of = a->line;
		else
			flat_result_reject(&im->res, idx[k], "description",
					   "the same change, category and description as line %zu, "
					   "with other values",
					   a->line);
	}
	store_io_identities_free(stored, n_stored);
	free(idx);
	free(ids);
	return rc;
}

static int check_store(struct flat_import *im, struct err *err)
{
	size_t n = im->res.n_rows ? im->res.n_rows : 1;
	im->change_ids = xcalloc(n, sizeof(*im->change_ids));
	im->stored = xcalloc(n, sizeof(*im->stored));
	if (store_import_flat_lock((int)im->kind, err) < 0)
		return -1;
	if ((im->kind == FLAT_IOS || im->kind == FLAT_DRILLS) && resolve_changes(im, err) < 0)
		return -1;
	if (im->kind == FLAT_IOS)
		return find_stored_ios(im, err);
	return find_stored_keys(im, err);
}

/* ---- writing ------------------------------------------------------------------------- */

static void add_duplicate(struct flat_import *im, const struct flat_row *row, const char *reason)
{
	if (im->n_duplicates++ >= LIST_MAX)
		return;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "line", (double)row->line);
	json_add_str(o, "key", row->label);
	cJSON_AddStringToObject(o, "reason", reason);
	cJSON_AddItemToArray(im->duplicates, o);
}

static int insert_row(const struct req *r, struct flat_import *im, size_t i, struct err *err)
{
	struct flat_row *row = &im->res.rows[i];
	const char *actor = r->token.name;
	switch (im->kind) {
	case FLAT_CHANGES:
		return store_change_insert(&row->u.change, actor, err);
	case FLAT_IOS:
		row->u.io.change_id = im->change_ids[i];
		if (store_io_insert(&row->u.io, actor, err) < 0)
			return -1;
		im->labelled += row->u.io.labelled_after_outcome;
		return 0;
	case FLAT_INCIDENTS:
		return store_import_incident_insert(&row->u.incident, actor, err);
	default:
		row->u.drill.change_id = im->change_ids[i];
		row->u.drill.recorded_at = r->now;
		row->u.drill.recorded_by = xstrdup(actor);
		return store_import_drill_insert(&row->u.drill, row->external_key, err);
	}
}

/* The imported incidents with an external key, linked to the changes whose
 * refs name it. */
static int link_refs(const struct req *r, struct flat_import *im, struct err *err)
{
	int64_t *ids = xcalloc(im->res.n_rows ? im->res.n_rows : 1, sizeof(*ids));
	size_t n = 0;
	for (size_t i = 0; i < im->res.n_rows; i++)
		if (im->res.rows[i].u.incident.id > 0 && im->res.rows[i].u.incident.external_key)
			ids[n++] = im->res.rows[i].u.incident.id;
	int rc = store_import_incident_link_refs(ids, n, r->token.name, &im->links, err);
	free(ids);
	return rc;
}

static int write_rows(const struct req *r, struct flat_import *im, struct err *err)
{
	im->duplicates = cJSON_CreateArray();
	for (size_t i = 0; i < im->res.n_rows; i++) {
		const struct flat_row *row = &im->res.rows[i];
		char reason[48];
		if (row->rejected)
			continue;
		if (im->stored[i]) {
			add_duplicate(im, row, "already stored");
			continue;
		}
		if (row->duplicate_of) {
			snprintf(reason, sizeof(reason), "repeats line %zu", row->duplicate_of);
			add_duplicate(im, row, reason);
			continue;
		}
		if (insert_row(r, im, i, err) < 0)
			return err_detail(err, "row",
					  row->line > INT_MAX ? INT_MAX : (int)row->line, 0,
					  "%s:%zu: could not be written", im->file, row->line);
		im->inserted++;
	}
	return im->kind == FLAT_INCIDENTS ? link_refs(r, im, err) : 0;
}

static cJSON *response(struct flat_import *im)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "kind", model_name(&flat_kind_names, (int)im->kind));
	cJSON_AddStringToObject(o, "file", im->file);
	cJSON_AddStringToObject(o, "format", model_name(&flat_format_names, (int)im->o.format));
	if (im->service)
		cJSON_AddStringToObject(o, "service", im->service);
	cJSON_AddNumberToObject(o, "rows", (double)im->res.n_records);
	cJSON_AddNumberToObject(o, "inserted", (double)im->inserted);
	cJSON *dups = cJSON_AddObjectToObject(o, "duplicates");
	cJSON_AddNumberToObject(dups, "count", (double)im->n_duplicates);
	cJSON_AddItemToObject(dups, "items", im->duplicates);
	im->duplicates = NULL;
	cJSON *skipped = cJSON_AddObjectToObject(o, "skipped");
	cJSON_AddNumberToObject(skipped, "rows", (double)im->res.n_bad_rows);
	cJSON_AddItemToObject(skipped, "problems",
			      flat_problems_to_json(&im->res, im->file, LIST_MAX));
	if (im->kind == FLAT_IOS)
		cJSON_AddNumberToObject(o, "labelled_after_outcome", (double)im->labelled);
	if (im->kind == FLAT_INCIDENTS)
		cJSON_AddNumberToObject(o, "links", (double)im->links);
	return o;
}

static int import_flat(struct req *r, struct resp *out, enum flat_kind kind, struct err *err)
{
	struct flat_import im;
	memset(&im, 0, sizeof(im));
	im.kind = kind;
	flat_options_init(&im.o, kind);
	int rc = -1;
	read_query(r, &im, err);
	if (err_is_set(err))
		goto out;
	im.o.file = im.file;
	im.o.service = im.service;
	im.o.now = r->now;
	im.o.max_skew = r->config ? r->config->max_skew : 0;
	struct err parse_err;
	err_init(&parse_err);
	im.parsed = 1;
	flat_import_parse(&im.o, r->body, r->body_len, &im.res, &parse_err);
	if (im.res.fatal || (im.res.n_problems_total && !im.skip_bad)) {
		flat_result_to_err(&im.res, im.file, err);
		goto out;
	}
	if (check_store(&im, err) < 0)
		goto out;
	if (im.res.n_problems_total && !im.skip_bad) {
		flat_result_to_err(&im.res, im.file, err);
		goto out;
	}
	if (write_rows(r, &im, err) < 0)
		goto out;
	resp_json(out, im.inserted ? 201 : 200, response(&im));
	rc = 0;
out:
	flat_import_release(&im);
	return rc;
}

int h_import_changes(struct req *r, struct resp *out, struct err *err)
{
	return import_flat(r, out, FLAT_CHANGES, err);
}

int h_import_ios(struct req *r, struct resp *out, struct err *err)
{
	return import_flat(r, out, FLAT_IOS, err);
}

int h_import_incidents(struct req *r, struct resp *out, struct err *err)
{
	return import_flat(r, out, FLAT_INCIDENTS, err);
}

int h_import_drills(struct req *r, struct resp *out, struct err *err)
{
	return import_flat(r, out, FLAT_DRILLS, err);
}
