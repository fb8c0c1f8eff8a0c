/* POST /v1/import/fit-pilot: a FIT pilot pack (two CSVs in a JSON body) into
 * the register, in the dispatcher's one transaction. Everything is validated
 * first (core's fit_pack_parse, then the drills' change references); the
 * policy fit-pilot is versioned through the PUT /v1/policies path so it lists
 * the service; each new change gets its IO or no_io review, its closure as a
 * gate result and its bypass; each new drill keeps its pack id. Keys already
 * stored are reported as duplicates, not inserted. */
#include "common.h"

#include "config.h"
#include "err.h"
#include "fit_pilot.h"
#include "handlers.h"
#include "json.h"
#include "policy.h"
#include "rtime.h"

#define FIT_POLICY "fit-pilot"
#define FIT_GATE "fit-pilot.closure"
#define FIT_SOURCE "import"
#define FIELD_FILE_MAX 200
#define USEC_PER_SEC 1000000LL

/* The request, validated. Strings borrow from the body. */
struct fit_import {
	const char *service;
	const char *changes, *changes_file;
	const char *drills, *drills_file; /* drills NULL: none */
	struct fit_category_map map;	  /* owned */
	struct fit_pack pack;
	int parsed;
	/* Keys already stored for the service. */
	struct store_key_id *stored; /* changes of the pack's ids and the drills' refs */
	size_t n_stored;
	struct strlist stored_drills;
	int policy_version;
};

static void fit_import_release(struct fit_import *im)
{
	for (size_t i = 0; i < im->map.n; i++)
		free(im->map.from[i]);
	free(im->map.from);
	free(im->map.to);
	if (im->parsed)
		fit_pack_release(&im->pack);
	store_key_ids_free(im->stored, im->n_stored);
	strlist_release(&im->stored_drills);
}

/* {"source name": "category", ...} into im->map; a detail per bad entry. */
static void read_category_map(const cJSON *obj, struct fit_import *im, struct err *err)
{
	const cJSON *item;
	size_t n = (size_t)cJSON_GetArraySize(obj);
	im->map.from = xcalloc(n ? n : 1, sizeof(*im->map.from));
	im->map.to = xcalloc(n ? n : 1, sizeof(*im->map.to));
	cJSON_ArrayForEach(item, obj)
	{
		int cat = cJSON_IsString(item) ? model_lookup(&io_category_names, item->valuestring)
					       : -1;
		/* as the --category-map file: only names outside the six are mapped */
		if (model_lookup(&io_category_names, item->string) >= 0) {
			err_detail(err, "category_map", 0, 0, "\"%.64s\" is a category already",
				   item->string);
			continue;
		}
		if (cat < 0) {
			err_detail(err, "category_map", 0, 0, "\"%.64s\" must map to one of: %s",
				   item->string, io_category_names.list);
			continue;
		}
		im->map.from[im->map.n] = xstrdup(item->string);
		im->map.to[im->map.n++] = cat;
	}
}

static const char *const import_fields[] = {
	"service", "changes", "changes_file", "drills", "drills_file", "category_map", NULL};

/* Reads the body's fields into im, a detail per problem. */
static void read_body(const struct req *r, struct fit_import *im, struct err *err)
{
	const cJSON *map = NULL;
	size_t max = r->config ? r->config->max_import : SIZE_MAX;
	im->changes_file = "changes.csv";
	im->drills_file = "drills.csv";
	json_check_fields(r->json, import_fields, err);
	if (json_get_string(r->json, "service", true, 63, &im->service, err) == 1 &&
	    !model_valid_service(im->service))
		err_detail(err, "service", 0, 0,
			   "must match [a-z0-9][a-z0-9._-]{0,62} (lowercase, no spaces)");
	json_get_string(r->json, "changes", true, max, &im->changes, err);
	json_get_string(r->json, "changes_file", false, FIELD_FILE_MAX, &im->changes_file, err);
	json_get_string(r->json, "drills", false, max, &im->drills, err);
	json_get_string(r->json, "drills_file", false, FIELD_FILE_MAX, &im->drills_file, err);
	if (json_get_object(r->json, "category_map", &map, err) == 1)
		read_category_map(map, im, err);
}

/* A detail in the pack parser's form: "file:line: field: message". */
static void __attribute__((format(printf, 5, 6)))
pack_problem(struct err *err, const char *file, size_t line, const char *field, const char *fmt,
	     ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!err_is_set(err))
		err_set(err, ERR_INVALID, "invalid FIT pilot pack: %s:%zu: %s: %s", file, line,
			field, what);
	err_detail(err, field, line > INT_MAX ? INT_MAX : (int)line, 0, "%s:%zu: %s: %s", file,
		   line, field, what);
}

/* Event times may not lie beyond now + --max-skew (DESIGN.md, rule 3). */
static void check_future(const struct req *r, const struct fit_import *im, struct err *err)
{
	int64_t limit = r->now + (r->config ? r->config->max_skew : 0);
	static const char msg[] = "lies in the future beyond the allowed clock skew";
	for (size_t i = 0; i < im->pack.n_changes; i++) {
		const struct fit_change *c = &im->pack.changes[i];
		if (c->effective_at > limit)
			pack_problem(err, im->changes_file, c->line, "effective_ts_utc", msg);
		if (c->closed_at != RTIME_NONE && c->closed_at > limit)
			pack_problem(err, im->changes_file, c->line, "closure_ts_utc", msg);
	}
	for (size_t i = 0; i < im->pack.n_drills; i++)
		if (im->pack.drills[i].performed_at > limit)
			pack_problem(err, im->drills_file, im->pack.drills[i].line, "date_utc",
				     msg);
}

/* The id of a change key already stored for the service, or 0. */
static int64_t stored_change(const struct fit_import *im, const char *key)
{
	for (size_t i = 0; i < im->n_stored; i++)
		if (strcmp(im->stored[i].key, key) == 0)
			return im->stored[i].id;
	return 0;
}

static int in_pack(const struct fit_import *im, const char *key)
{
	for (size_t i = 0; i < im->pack.n_changes; i++)
		if (strcmp(im->pack.changes[i].change_id, key) == 0)
			return 1;
	return 0;
}

static int strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i], s) == 0)
			return 1;
	return 0;
}

/* Which keys are stored already; every drill's change must be in the pack or
 * stored. */
static int check_stored(struct fit_import *im, struct err *err)
{
	struct strlist keys = {0}, drill_ids = {0};
	for (size_t i = 0; i < im->pack.n_changes; i++)
		strlist_push(&keys, im->pack.changes[i].change_id);
	for (size_t i = 0; i < im->pack.n_drills; i++) {
		const struct fit_drill *d = &im->pack.drills[i];
		if (d->change_id && !in_pack(im, d->change_id))
			strlist_push(&keys, d->change_id);
		strlist_push(&drill_ids, d->drill_id);
	}
	int rc = store_import_changes_stored(im->service, &keys, &im->stored, &im->n_stored, err);
	if (rc == 0)
		rc = store_import_drills_stored(im->service, &drill_ids, &im->stored_drills, err);
	strlist_release(&keys);
	strlist_release(&drill_ids);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < im->pack.n_drills; i++) {
		const struct fit_drill *d = &im->pack.drills[i];
		if (d->change_id && !in_pack(im, d->change_id) && !stored_change(im, d->change_id))
			pack_problem(err, im->drills_file, d->line, "change_id",
				     "no change \"%.64s\" in the pack or stored for service \"%s\"",
				     d->change_id, im->service);
	}
	return err_is_set(err) ? -1 : 0;
}

/* ---- the policy ---------------------------------------------------------------- */

/* The policy text gating services[0..n). Caller frees. */
static char *policy_yaml(const struct strlist *services)
{
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "policy: " FIT_POLICY "\napplies_to:\n  services: [");
	for (size_t i = 0; i < services->n; i++)
		buf_printf(&b, "%s\"%s\"", i ? ", " : "", services->items[i]);
	buf_printf(&b, "]\ngates:\n  - id: closure\n    kind: evaluation\n    phase: post\n"
		       "    max_lag: 72h\n");
	return b.data;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Makes sure the active fit-pilot policy lists the service (a new version
 * through the PUT path when it does not); sets im->policy_version. Under the
 * policy lock, so two imports cannot each drop the other's service. */
static int ensure_policy(const struct req *r, struct fit_import *im, int64_t *max_expiry,
			 struct err *err)
{
	struct policy_version *active = NULL;
	size_t n_active = 0;
	struct strlist services = {0}, lines = {0};
	struct policy p;
	struct policy_row row = {0};
	int created = 0, rc = -1;
	policy_init(&p);
	if (store_policy_lock(err) < 0 || store_policy_active(&active, &n_active, err) < 0)
		goto out;
	for (size_t i = 0; i < n_active; i++) {
		const struct policy_version *v = &active[i];
		if (v->parse_failed || strcmp(v->policy.name, FIT_POLICY) != 0)
			continue;
		if (strlist_has(&v->policy.services, im->service)) {
			im->policy_version = v->version;
			*max_expiry = v->policy.bypass_max_expiry;
			rc = 0;
			goto out;
		}
		for (size_t k = 0; k < v->policy.services.n; k++)
			strlist_push(&services, v->policy.services.items[k]);
	}
	strlist_push(&services, im->service);
	qsort(services.items, services.n, sizeof(*services.items), cmp_str);
	char *yaml = policy_yaml(&services);
	if (policy_parse(FIT_POLICY, yaml, strlen(yaml), &p, err) == 0 &&
	    h_policies_publish(r->token.name, r->now, &p, yaml, 1, &row, &created, &lines, err) ==
		    0) {
		im->policy_version = row.version;
		*max_expiry = p.bypass_max_expiry;
		rc = 0;
	}
	free(yaml);
out:
	policy_release(&p);
	policy_row_release(&row);
	strlist_release(&lines);
	strlist_release(&services);
	policy_versions_free(active, n_active);
	return rc;
}

/* ---- the records ---------------------------------------------------------------- */

/* At most max bytes of s, cut at a UTF-8 character boundary. Caller frees. */
static char *capped(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	return xstrndup(s, n);
}

static int insert_io(const struct req *r, const struct fit_change *fc, int64_t change_id,
		     struct err *err)
{
	struct io io;
	io_init(&io);
	io.change_id = change_id;
	io.category = (enum io_category)fc->category;
	io.status = IO_CONFIRMED;
	io.source = xstrdup(FIT_SOURCE);
	char *text =
		fc->notes ? xasprintf("FIT pilot pack: %s", fc->notes) : xstrdup("FIT pilot pack");
	io.description = capped(text, IO_TEXT_MAX);
	free(text);
	int rc = store_io_insert(&io, r->token.name, err);
	io_release(&io);
	return rc;
}

/* The closure as a passing result, and the bypass the pack records. */
static int insert_gate_records(const struct req *r, const struct fit_import *im,
			       const struct fit_change *fc, int64_t change_id, int64_t max_expiry,
			       struct err *err)
{
	if (fc->closed_at != RTIME_NONE) {
		struct gate_result res = {
			.gate = (char *)FIT_GATE,
			.pass = 1,
			.evidence = (char *)"fit-pilot pack",
			.recorded_at = fc->closed_at,
			.recorded_by = (char *)r->token.name,
		};
		if (store_gate_result_insert(change_id, im->policy_version, &res, err) < 0)
			return -1;
	}
	if (!fc->bypass)
		return 0;
	int passed = fc->closed_at != RTIME_NONE && fc->closed_at <= fc->effective_at;
	struct gate_bypass b = {
		.gate = (char *)FIT_GATE,
		.reason = (char *)"FIT pilot pack: bypass=1",
		.by = (char *)r->token.name,
		.role = (char *)r->token.role,
		.at = fc->effective_at,
		.expires_at = fc->effective_at + max_expiry * USEC_PER_SEC,
		.state_at_bypass = passed ? GATE_PASSED : GATE_PENDING,
	};
	return store_gate_bypass_insert(change_id, im->policy_version, &b,
					"{\"source\": \"fit-pilot\"}", err);
}

/* Inserts one pack change and its records; *id is the new change's id. */
static int insert_change(const struct req *r, const struct fit_import *im,
			 const struct fit_change *fc, int64_t max_expiry, int64_t *id,
			 struct err *err)
{
	struct change c;
	change_init(&c);
	c.service = xstrdup(im->service);
	c.key = xstrdup(fc->change_id);
	c.title = fc->notes && *fc->notes ? capped(fc->notes, CHANGE_TITLE_MAX)
					  : xasprintf("FIT pilot change %s", fc->change_id);
	c.impact = fc->is_io ? IMPACT_HIGH : IMPACT_MEDIUM;
	c.state = CHANGE_EFFECTIVE;
	c.effective_at = fc->effective_at;
	int rc = store_change_insert(&c, r->token.name, err);
	*id = c.id;
	change_release(&c);
	if (rc < 0)
		return -1;
	if (fc->is_io ? insert_io(r, fc, *id, err) < 0 : store_change_review_no_io(*id, err) < 0)
		return -1;
	return insert_gate_records(r, im, fc, *id, max_expiry, err);
}

/* The id of a drill's change: one of the pack's (inserted now, or a duplicate
 * already stored) or one stored before. */
static int64_t drill_change_id(const struct fit_import *im, const char *key,
			       const char *const *keys, const int64_t *ids)
{
	for (size_t i = 0; i < im->pack.n_changes; i++)
		if (strcmp(keys[i], key) == 0)
			return ids[i];
	return stored_change(im, key);
}

static int insert_drill(const struct req *r, const struct fit_import *im,
			const struct fit_drill *fd, int64_t change_id, struct err *err)
{
	struct drill d;
	drill_init(&d);
	d.service = xstrdup(im->service);
	d.change_id = change_id;
	d.performed_at = fd->performed_at;
	d.rto_target = fd->rto_target;
	d.rpo_target = fd->rpo_target;
	/* The pack says only "restored within both targets" or not, no actuals. */
	d.outcome = fd->success ? DRILL_RESTORED : DRILL_FAILED;
	d.rto_actual = fd->success ? fd->rto_target : -1;
	d.rpo_actual = fd->success ? fd->rpo_target : -1;
	const char *how = fd->success ? "FIT pilot pack: success=1 (restored within both targets; "
					"no actuals given, recorded as the targets)"
				      : "FIT pilot pack: success=0 (no actuals given)";
	char *notes = fd->notes && *fd->notes ? xasprintf("%s. %s", fd->notes, how) : xstrdup(how);
	d.notes = capped(notes, IO_TEXT_MAX);
	free(notes);
	d.recorded_at = r->now;
	d.recorded_by = xstrdup(r->token.name);
	int rc = store_import_drill_insert(&d, fd->drill_id, err);
	drill_release(&d);
	return rc;
}

/* Writes the pack; fills the response's counts and duplicate lists. */
static int write_pack(const struct req *r, struct fit_import *im, cJSON *resp, struct err *err)
{
	int64_t max_expiry = POLICY_DEFAULT_MAX_EXPIRY;
	size_t n = im->pack.n_changes, inserted = 0, ios = 0, drills = 0;
	const char **keys = xcalloc(n ? n : 1, sizeof(*keys));
	int64_t *ids = xcalloc(n ? n : 1, sizeof(*ids));
	cJSON *changes = cJSON_AddObjectToObject(resp, "changes");
	cJSON *dup_changes = cJSON_CreateArray();
	cJSON *drill_obj = cJSON_CreateObject();
	cJSON *dup_drills = cJSON_CreateArray();
	int rc = -1;
	if (ensure_policy(r, im, &max_expiry, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct fit_change *fc = &im->pack.changes[i];
		keys[i] = fc->change_id;
		ids[i] = stored_change(im, fc->change_id);
		if (ids[i]) {
			cJSON_AddItemToArray(dup_changes, cJSON_CreateString(fc->change_id));
			continue;
		}
		if (insert_change(r, im, fc, max_expiry, &ids[i], err) < 0)
			goto out;
		inserted++;
		ios += (size_t)fc->is_io;
	}
	for (size_t i = 0; i < im->pack.n_drills; i++) {
		const struct fit_drill *fd = &im->pack.drills[i];
		if (strlist_has(&im->stored_drills, fd->drill_id)) {
			cJSON_AddItemToArray(dup_drills, cJSON_CreateString(fd->drill_id));
			continue;
		}
		int64_t cid = fd->change_id ? drill_change_id(im, fd->change_id, keys, ids) : 0;
		if (insert_drill(r, im, fd, cid, err) < 0)
			goto out;
		drills++;
	}
	rc = 0;
out:
	cJSON_AddNumberToObject(changes, "inserted", (double)inserted);
	cJSON_AddItemToObject(changes, "duplicates", dup_changes);
	cJSON_AddNumberToObject(resp, "ios", (double)ios);
	cJSON_AddNumberToObject(drill_obj, "inserted", (double)drills);
	cJSON_AddItemToObject(drill_obj, "duplicates", dup_drills);
	cJSON_AddItemToObject(resp, "drills", drill_obj);
	free(keys);
	free(ids);
	return rc;
}

/* The pack's own figures beside ratchet's censored ones (core computes both). */
static cJSON *figures_json(const struct fit_pack *p)
{
	struct fit_figures f;
	struct fit_pack_metrics m;
	fit_pack_figures(p, &f);
	fit_pack_metrics(p, RTIME_NONE, &m);
	return fit_figures_to_json(&f, &m);
}

int h_import_fit_pilot(struct req *r, struct resp *out, struct err *err)
{
	struct fit_import im;
	memset(&im, 0, sizeof(im));
	int rc = -1;
	cJSON *resp = NULL;
	/* Every problem of the body and of the pack is listed together. */
	read_body(r, &im, err);
	if (!im.changes)
		goto out;
	im.parsed = fit_pack_parse(im.changes_file, im.changes, strlen(im.changes), im.drills_file,
				   im.drills, im.drills ? strlen(im.drills) : 0, &im.map, &im.pack,
				   err) == 0;
	if (im.parsed)
		check_future(r, &im, err);
	/* The policy lock first: a concurrent import of the same pack waits, then
	 * finds this one's keys stored and reports them as duplicates. */
	if (err_is_set(err) || store_policy_lock(err) < 0 || check_stored(&im, err) < 0)
		goto out;
	resp = cJSON_CreateObject();
	cJSON_AddStringToObject(resp, "service", im.service);
	cJSON *policy = cJSON_AddObjectToObject(resp, "policy");
	cJSON_AddStringToObject(policy, "name", FIT_POLICY);
	cJSON *version = cJSON_AddNumberToObject(policy, "version", 0);
	if (write_pack(r, &im, resp, err) < 0)
		goto out;
	cJSON_SetNumberValue(version, im.policy_version);
	cJSON_AddItemToObject(resp, "figures", figures_json(&im.pack));
	resp_json(out, 201, resp);
	resp = NULL;
	rc = 0;
out:
	cJSON_Delete(resp);
	fit_import_release(&im);
	return rc;
}
