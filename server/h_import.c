/* POST /v1/import/fit-pilot: a FIT pilot pack (two CSVs in a JSON body) into
 * the register, in the dispatcher's one transaction. Everything is validated
 * first (core's fit_pack_parse, then the drills' change references); when
 * anything is written, the policy fit-pilot is versioned through the PUT
 * /v1/policies path so it lists the service; the new changes (with their IO
 * or no_io review, closure result and bypass) and drills go in batched
 * statements. Keys already stored are duplicates: a closure the register
 * lacks is recorded, any other difference is reported as a conflict. */
#include "common.h"

#include "config.h"
#include "err.h"
#include "fit_import.h"
#include "fit_pilot.h"
#include "handlers.h"
#include "json.h"
#include "policy.h"
#include "rtime.h"

#define FIT_POLICY "fit-pilot"
#define FIT_GATE "fit-pilot.closure"
#define FIT_SOURCE "import"
#define FIT_EVIDENCE "fit-pilot pack"
#define FIELD_FILE_MAX 200
/* The service of the changes ratchet files itself (h_policies.c). */
#define RESERVED_SERVICE "governance"
#define USEC_PER_SEC 1000000LL

/* The request, validated. Strings borrow from the body. */
struct fit_import {
	const char *service;
	const char *changes, *changes_file;
	const char *drills, *drills_file; /* drills NULL: none */
	struct fit_category_map map;	  /* owned */
	struct fit_pack pack;
	int parsed;
	/* Keys already stored for the service, sorted (strcmp). */
	struct store_fit_stored *stored; /* changes of the pack's ids and the drills' refs */
	size_t n_stored;
	struct strlist stored_drills;
	const struct fit_change **by_key; /* the pack's changes sorted by change_id */
	struct policy_version *active;
	size_t n_active;
	int policy_version; /* the fit-pilot version listing the service; 0: none */
};

static void fit_import_release(struct fit_import *im)
{
	for (size_t i = 0; i < im->map.n; i++)
		free(im->map.from[i]);
	free(im->map.from);
	free(im->map.to);
	if (im->parsed)
		fit_pack_release(&im->pack);
	store_fit_stored_free(im->stored, im->n_stored);
	strlist_release(&im->stored_drills);
	free(im->by_key);
	policy_versions_free(im->active, im->n_active);
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
	if (json_get_string(r->json, "service", true, 63, &im->service, err) == 1) {
		if (!model_valid_service(im->service))
			err_detail(err, "service", 0, 0,
				   "must match [a-z0-9][a-z0-9._-]{0,62} (lowercase, no spaces)");
		else if (strcmp(im->service, RESERVED_SERVICE) == 0)
			err_detail(err, "service", 0, 0,
				   "\"" RESERVED_SERVICE "\" is reserved: it holds the changes "
				   "ratchet files itself when a policy is weakened");
	}
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

/* ---- what is stored already ----------------------------------------------------- */

static int cmp_stored(const void *a, const void *b)
{
	return strcmp(((const struct store_fit_stored *)a)->key,
		      ((const struct store_fit_stored *)b)->key);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The stored change with this key, or NULL. */
static const struct store_fit_stored *stored_change(const struct fit_import *im, const char *key)
{
	struct store_fit_stored want = {.key = (char *)key};
	return im->n_stored ? bsearch(&want, im->stored, im->n_stored, sizeof(want), cmp_stored)
			    : NULL;
}

static int cmp_change_id(const void *a, const void *b)
{
	return strcmp((*(const struct fit_change *const *)a)->change_id,
		      (*(const struct fit_change *const *)b)->change_id);
}

/* The index of the pack's change with this id, or -1. */
static ptrdiff_t pack_index(const struct fit_import *im, const char *key)
{
	struct fit_change want = {.change_id = (char *)key};
	const struct fit_change *pw = &want;
	const struct fit_change *const *hit = im->pack.n_changes
						      ? bsearch(&pw, im->by_key, im->pack.n_changes,
								sizeof(*im->by_key), cmp_change_id)
						      : NULL;
	return hit ? *hit - im->pack.changes : -1;
}

static int stored_drill(const struct fit_import *im, const char *id)
{
	const char *key = id;
	return im->stored_drills.n && bsearch(&key, im->stored_drills.items, im->stored_drills.n,
					      sizeof(char *), cmp_str) != NULL;
}

/* Which keys are stored already; every drill's change must be in the pack or
 * stored. */
static int check_stored(struct fit_import *im, struct err *err)
{
	im->by_key = xcalloc(im->pack.n_changes ? im->pack.n_changes : 1, sizeof(*im->by_key));
	for (size_t i = 0; i < im->pack.n_changes; i++)
		im->by_key[i] = &im->pack.changes[i];
	xqsort(im->by_key, im->pack.n_changes, sizeof(*im->by_key), cmp_change_id);
	struct strlist keys = {0}, drill_ids = {0};
	for (size_t i = 0; i < im->pack.n_changes; i++)
		strlist_push(&keys, im->pack.changes[i].change_id);
	for (size_t i = 0; i < im->pack.n_drills; i++) {
		const struct fit_drill *d = &im->pack.drills[i];
		if (d->change_id && pack_index(im, d->change_id) < 0)
			strlist_push(&keys, d->change_id);
		strlist_push(&drill_ids, d->drill_id);
	}
	int rc = store_import_fit_stored(im->service, FIT_GATE, &keys, &im->stored, &im->n_stored,
					 err);
	if (rc == 0)
		rc = store_import_drills_stored(im->service, &drill_ids, &im->stored_drills, err);
	strlist_release(&keys);
	strlist_release(&drill_ids);
	if (rc < 0)
		return -1;
	xqsort(im->stored, im->n_stored, sizeof(*im->stored), cmp_stored);
	xqsort(im->stored_drills.items, im->stored_drills.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < im->pack.n_drills; i++) {
		const struct fit_drill *d = &im->pack.drills[i];
		if (d->change_id && pack_index(im, d->change_id) < 0 &&
		    !stored_change(im, d->change_id))
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

static int strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i], s) == 0)
			return 1;
	return 0;
}

/* Finds the active fit-pilot version listing the service (im->policy_version,
 * *max_expiry); when there is none and create is set, stores a new version
 * listing it too through the PUT path (so versions, sha256 and audit stay
 * right). Under the policy lock, so two imports cannot each drop the other's
 * service. */
static int ensure_policy(const struct req *r, struct fit_import *im, int create,
			 int64_t *max_expiry, struct err *err)
{
	struct strlist services = {0}, lines = {0};
	struct policy p;
	struct policy_row row = {0};
	int created = 0, rc = -1;
	policy_init(&p);
	for (size_t i = 0; i < im->n_active; i++) {
		const struct policy_version *v = &im->active[i];
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
	if (!create) {
		rc = 0; /* nothing is written: no version needed */
		goto out;
	}
	strlist_push(&services, im->service);
	xqsort(services.items, services.n, sizeof(*services.items), cmp_str);
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
	return rc;
}

/* ---- writing ------------------------------------------------------------------------ */

/* The drills not stored yet, in one batch; *inserted counts them. */
static int write_drills(const struct req *r, const struct fit_import *im,
			const struct fit_plan *plan, cJSON *dup_drills, size_t *inserted,
			struct err *err)
{
	size_t n = im->pack.n_drills;
	struct drill *drills = xcalloc(n ? n : 1, sizeof(*drills));
	const char **keys = xcalloc(n ? n : 1, sizeof(*keys));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct fit_drill *fd = &im->pack.drills[i];
		if (stored_drill(im, fd->drill_id)) {
			cJSON_AddItemToArray(dup_drills, cJSON_CreateString(fd->drill_id));
			continue;
		}
		struct drill *d = &drills[k];
		keys[k++] = fd->drill_id;
		drill_init(d);
		d->service = xstrdup(im->service);
		if (fd->change_id) {
			ptrdiff_t at = pack_index(im, fd->change_id);
			const struct store_fit_stored *st = stored_change(im, fd->change_id);
			d->change_id = at >= 0 ? plan->ids[at] : st ? st->id : 0;
		}
		d->performed_at = fd->performed_at;
		d->rto_target = fd->rto_target;
		d->rpo_target = fd->rpo_target;
		/* The pack says only "restored within both targets" or not, no actuals. */
		d->outcome = fd->success ? DRILL_RESTORED : DRILL_FAILED;
		d->rto_actual = fd->success ? fd->rto_target : -1;
		d->rpo_actual = fd->success ? fd->rpo_target : -1;
		const char *how =
			fd->success ? "FIT pilot pack: success=1 (restored within both targets; "
				      "no actuals given, recorded as the targets)"
				    : "FIT pilot pack: success=0 (no actuals given)";
		char *notes = fd->notes && *fd->notes ? xasprintf("%s. %s", fd->notes, how)
						      : xstrdup(how);
		d->notes = fit_capped(notes, IO_TEXT_MAX);
		free(notes);
		d->recorded_at = r->now;
		d->recorded_by = xstrdup(r->token.name);
	}
	int rc = store_import_drills(drills, keys, k, err);
	*inserted = rc == 0 ? k : 0;
	for (size_t i = 0; i < k; i++)
		drill_release(&drills[i]);
	free(drills);
	free(keys);
	return rc;
}

/* Writes the pack: the policy version when anything is written, the new
 * changes, the closures duplicates lacked, the new drills; fills the answer. */
static int write_pack(const struct req *r, struct fit_import *im, cJSON *resp, struct err *err)
{
	int64_t max_expiry = POLICY_DEFAULT_MAX_EXPIRY;
	struct fit_plan plan;
	size_t ios = 0, drills = 0;
	cJSON *changes = cJSON_AddObjectToObject(resp, "changes");
	cJSON *drill_obj = cJSON_CreateObject();
	cJSON *dup_drills = cJSON_CreateArray();
	int rc = -1;
	/* the expiry of a new version is the default: plan with it, then fix it */
	if (ensure_policy(r, im, 0, &max_expiry, err) < 0) {
		cJSON_Delete(drill_obj);
		cJSON_Delete(dup_drills);
		return -1;
	}
	const struct store_fit_stored **stored =
		xcalloc(im->pack.n_changes ? im->pack.n_changes : 1, sizeof(*stored));
	for (size_t i = 0; i < im->pack.n_changes; i++)
		stored[i] = stored_change(im, im->pack.changes[i].change_id);
	fit_plan_make(&im->pack, stored, max_expiry, &plan);
	free(stored);
	struct store_fit_batch batch = {
		.service = im->service,
		.actor = r->token.name,
		.role = r->token.role,
		.gate = FIT_GATE,
		.evidence = FIT_EVIDENCE,
		.io_source = FIT_SOURCE,
		.bypass_reason = "FIT pilot pack: bypass=1",
		.bypass_snapshot = "{\"source\": \"fit-pilot\"}",
	};
	if (!im->policy_version && (plan.n_rows > 0 || plan.n_closures > 0)) {
		if (ensure_policy(r, im, 1, &max_expiry, err) < 0)
			goto out;
		fit_plan_set_expiry(&plan, max_expiry);
	}
	batch.policy_version = im->policy_version;
	if (store_import_fit_changes(&batch, plan.rows, plan.n_rows, err) < 0 ||
	    store_import_fit_closures(&batch, plan.closure_ids, plan.closure_at, plan.n_closures,
				      err) < 0)
		goto out;
	for (size_t i = 0, k = 0; i < im->pack.n_changes; i++) {
		if (plan.ids[i])
			continue;
		plan.ids[i] = plan.rows[k++].id;
		ios += (size_t)im->pack.changes[i].is_io;
	}
	if (write_drills(r, im, &plan, dup_drills, &drills, err) < 0)
		goto out;
	rc = 0;
out:
	cJSON_AddNumberToObject(changes, "inserted", (double)(rc == 0 ? plan.n_rows : 0));
	cJSON_AddItemToObject(changes, "duplicates", plan.duplicates);
	cJSON_AddItemToObject(changes, "closures_recorded", plan.closures);
	cJSON_AddNumberToObject(resp, "ios", (double)ios);
	cJSON_AddNumberToObject(drill_obj, "inserted", (double)drills);
	cJSON_AddItemToObject(drill_obj, "duplicates", dup_drills);
	cJSON_AddItemToObject(resp, "drills", drill_obj);
	cJSON_AddItemToObject(resp, "conflicts", plan.conflicts);
	plan.duplicates = plan.closures = plan.conflicts = NULL;
	fit_plan_release(&plan);
	return rc;
}

/* The other active policies that apply to the pack's changes (as stored:
 * high impact with the IO's category when is_io, else medium) and add gates:
 * the register's figures of these changes then differ from the pack's. */
static cJSON *other_policies_json(const struct fit_import *im)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < im->n_active; i++) {
		const struct policy_version *v = &im->active[i];
		if (v->parse_failed || strcmp(v->policy.name, FIT_POLICY) == 0 ||
		    v->policy.n_gates == 0)
			continue;
		size_t n = 0;
		for (size_t k = 0; k < im->pack.n_changes; k++) {
			const struct fit_change *fc = &im->pack.changes[k];
			unsigned categories = fc->is_io ? 1u << fc->category : 0;
			n += (size_t)policy_applies(&v->policy,
						    fc->is_io ? IMPACT_HIGH : IMPACT_MEDIUM,
						    im->service, categories) != 0;
		}
		if (!n)
			continue;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", v->policy.name);
		cJSON_AddNumberToObject(o, "version", v->version);
		cJSON_AddNumberToObject(o, "changes", (double)n);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* The pack's own figures beside ratchet's censored ones computed from the
 * pack (core computes both; not the register's figures). */
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
	if (err_is_set(err) || store_policy_lock(err) < 0 || check_stored(&im, err) < 0 ||
	    store_policy_active(&im.active, &im.n_active, err) < 0)
		goto out;
	resp = cJSON_CreateObject();
	cJSON_AddStringToObject(resp, "service", im.service);
	cJSON *policy = cJSON_AddObjectToObject(resp, "policy");
	cJSON_AddStringToObject(policy, "name", FIT_POLICY);
	if (write_pack(r, &im, resp, err) < 0)
		goto out;
	if (im.policy_version)
		cJSON_AddNumberToObject(policy, "version", im.policy_version);
	else
		cJSON_AddNullToObject(policy, "version");
	cJSON_AddItemToObject(resp, "other_policies", other_policies_json(&im));
	cJSON_AddItemToObject(resp, "figures", figures_json(&im.pack));
	resp_json(out, 201, resp);
	resp = NULL;
	rc = 0;
out:
	cJSON_Delete(resp);
	fit_import_release(&im);
	return rc;
}
