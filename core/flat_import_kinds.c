/* The four kinds of flat-file rows: their fields, and the validation of one
 * row with the validator of the API's own record (POST /v1/changes, the IO of
 * POST /v1/changes/{id}/ios, POST /v1/incidents, POST /v1/drills), plus what
 * an import adds: external keys, change references, the default source. */
#include "common.h"

#include "err.h"
#include "flat_import_int.h"
#include "json.h"
#include "rtime.h"

static const char *const kind_tab[] = {"changes", "ios", "incidents", "drills"};
const struct model_names flat_kind_names = {kind_tab, (int)ARRAY_SIZE(kind_tab),
					    "changes, ios, incidents, drills"};
static const char *const format_tab[] = {"csv", "jsonl"};
const struct model_names flat_format_names = {format_tab, (int)ARRAY_SIZE(format_tab),
					      "csv, jsonl"};

/* Changes need key or external_key (the same thing): flat_import.c checks it. */
static const struct flat_field change_fields[] = {
	{"key", FLAT_TEXT, false},	   {"external_key", FLAT_TEXT, false},
	{"title", FLAT_TEXT, true},	   {"service", FLAT_TEXT, true},
	{"impact", FLAT_TEXT, true},	   {"state", FLAT_TEXT, false},
	{"planned_for", FLAT_TIME, false}, {"effective_at", FLAT_TIME, false},
	{"author", FLAT_TEXT, false},	   {"links", FLAT_LIST, false},
	{"refs", FLAT_LIST, false},	   {"boundary", FLAT_OBJECT, false},
	{NULL, FLAT_TEXT, false},
};
static const struct flat_field io_fields[] = {
	{"change", FLAT_TEXT, true},	     {"category", FLAT_TEXT, true},
	{"description", FLAT_TEXT, true},    {"status", FLAT_TEXT, false},
	{"source", FLAT_TEXT, false},	     {"evidence", FLAT_TEXT, false},
	{"undo", FLAT_TEXT, false},	     {"reversible_until", FLAT_TIME, false},
	{"reversal_cost", FLAT_TEXT, false}, {NULL, FLAT_TEXT, false},
};
static const struct flat_field incident_fields[] = {
	{"kind", FLAT_TEXT, true},	   {"severity", FLAT_TEXT, false},
	{"service", FLAT_TEXT, true},	   {"external_key", FLAT_TEXT, false},
	{"title", FLAT_TEXT, true},	   {"occurred_at", FLAT_TIME, true},
	{"detected_at", FLAT_TIME, false}, {"resolved_at", FLAT_TIME, false},
	{"source", FLAT_TEXT, false},	   {NULL, FLAT_TEXT, false},
};
static const struct flat_field drill_fields[] = {
	{"service", FLAT_TEXT, true},	   {"change", FLAT_TEXT, false},
	{"performed_at", FLAT_TIME, true}, {"rto_target", FLAT_TEXT, true},
	{"rpo_target", FLAT_TEXT, true},   {"rto_actual", FLAT_TEXT, false},
	{"rpo_actual", FLAT_TEXT, false},  {"outcome", FLAT_TEXT, true},
	{"notes", FLAT_TEXT, false},	   {"external_key", FLAT_TEXT, false},
	{NULL, FLAT_TEXT, false},
};

/* The same names, as flat_fields returns them (a unit test keeps them equal). */
static const char *const change_names[] = {
	"key",		"external_key", "title", "service", "impact",	"state", "planned_for",
	"effective_at", "author",	"links", "refs",    "boundary", NULL};
static const char *const io_names[] = {
	"change",   "category", "description",	    "status",	     "source",
	"evidence", "undo",	"reversible_until", "reversal_cost", NULL};
static const char *const incident_names[] = {"kind",   "severity",    "service",     "external_key",
					     "title",  "occurred_at", "detected_at", "resolved_at",
					     "source", NULL};
static const char *const drill_names[] = {
	"service",    "change",	 "performed_at", "rto_target",	 "rpo_target", "rto_actual",
	"rpo_actual", "outcome", "notes",	 "external_key", NULL};

const struct flat_field *flat_field_table(enum flat_kind kind)
{
	switch (kind) {
	case FLAT_IOS:
		return io_fields;
	case FLAT_INCIDENTS:
		return incident_fields;
	case FLAT_DRILLS:
		return drill_fields;
	default:
		return change_fields;
	}
}

const char *const *flat_fields(enum flat_kind kind)
{
	switch (kind) {
	case FLAT_IOS:
		return io_names;
	case FLAT_INCIDENTS:
		return incident_names;
	case FLAT_DRILLS:
		return drill_names;
	default:
		return change_names;
	}
}

const char *flat_fields_list(enum flat_kind kind)
{
	switch (kind) {
	case FLAT_IOS:
		return "change, category, description, status, source, evidence, undo, "
		       "reversible_until, reversal_cost";
	case FLAT_INCIDENTS:
		return "kind, severity, service, external_key, title, occurred_at, detected_at, "
		       "resolved_at, source";
	case FLAT_DRILLS:
		return "service, change, performed_at, rto_target, rpo_target, rto_actual, "
		       "rpo_actual, outcome, notes, external_key";
	default:
		return "key, external_key, title, service, impact, state, planned_for, "
		       "effective_at, author, links, refs, boundary";
	}
}

const struct flat_field *flat_field_find(enum flat_kind kind, const char *name)
{
	for (const struct flat_field *f = flat_field_table(kind); f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

void flat_row_release(enum flat_kind kind, struct flat_row *row)
{
	free(row->key);
	free(row->label);
	free(row->change_ref);
	free(row->external_key);
	switch (kind) {
	case FLAT_CHANGES:
		change_release(&row->u.change);
		break;
	case FLAT_IOS:
		io_release(&row->u.io);
		break;
	case FLAT_INCIDENTS:
		incident_release(&row->u.incident);
		break;
	default:
		drill_release(&row->u.drill);
		break;
	}
	memset(row, 0, sizeof(*row));
}

/* ---- shared steps ------------------------------------------------------------------ */

static bool was_reported(const struct flat_pending *p, size_t upto, const char *field)
{
	for (size_t i = 0; i < upto && i < p->n_reported; i++)
		if (strcmp(p->reported[i], field) == 0)
			return true;
	return false;
}

/* The validator's details as the row's problems, but for fields reported
 * before it ran (the first n_before). */
static void take_details(struct flat_result *res, struct flat_pending *p, size_t n_before,
			 const struct err *err)
{
	int n = err->n_details < ERR_MAX_DETAILS ? err->n_details : ERR_MAX_DETAILS;
	for (int i = 0; i < n; i++) {
		const struct err_detail *d = &err->details[i];
		if (!was_reported(p, n_before, d->field))
			flat_pending_problem(res, p, d->field[0] ? d->field : "row", "%s",
					     d->message);
	}
	if (n == 0 && err_is_set(err))
		flat_pending_problem(res, p, "row", "%s", err->message);
}

/* The validators' clock: without a future check, no time is in the future. */
static void validator_clock(const struct flat_options *o, int64_t *now, int64_t *max_skew)
{
	if (o->max_skew < 0) {
		*now = RTIME_MAX;
		*max_skew = 0;
	} else {
		*now = o->now;
		*max_skew = o->max_skew;
	}
}

/* The digest of the row's fields in the table's order (member order in a
 * JSONL line does not matter). */
static void row_digest(enum flat_kind kind, const cJSON *obj, char out[HASH_HEX_LEN + 1])
{
	cJSON *canon = cJSON_CreateObject();
	for (const struct flat_field *f = flat_field_table(kind); f->name; f++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, f->name);
		if (v)
			cJSON_AddItemToObject(canon, f->name, cJSON_Duplicate(v, true));
	}
	char *text = json_print(canon);
	hash_sha256_hex(text, strlen(text), out);
	free(text);
	cJSON_Delete(canon);
}

static const char *get_string(const cJSON *obj, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, name));
}

/* Imported IOs and incidents say where they came from: "import" unless the
 * file names a rule; never "manual". */
static void default_source(cJSON *obj)
{
	if (!cJSON_GetObjectItemCaseSensitive(obj, "source"))
		cJSON_AddStringToObject(obj, "source", "import");
}

static void check_source(struct flat_result *res, struct flat_pending *p, const char *source)
{
	if (source && strcmp(source, "manual") == 0 && !was_reported(p, p->n_reported, "source"))
		flat_pending_problem(
			res, p, "source",
			"imported records are \"import\" or \"rule:<name>@<version>\", "
			"not \"manual\"");
}

static bool all_digits(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

/* A change id: digits without a leading zero, within int64. */
static bool is_change_id(const char *s)
{
	return all_digits(s) && strlen(s) <= 18 && s[0] != '0';
}

/* "service:key" with a valid service and key. */
static bool is_service_key(const char *s)
{
	const char *colon = strchr(s, ':');
	if (!colon || colon == s || (size_t)(colon - s) > 63)
		return false;
	char service[64];
	snprintf(service, sizeof(service), "%.*s", (int)(colon - s), s);
	return model_valid_service(service) && model_valid_key(colon + 1);
}

/* ---- per kind ------------------------------------------------------------------------ */

static int validate_change(const struct flat_options *o, struct flat_result *res,
			   struct flat_pending *p, struct flat_row *row)
{
	cJSON *obj = p->obj;
	cJSON *ek = cJSON_DetachItemFromObjectCaseSensitive(obj, "external_key");
	if (ek && cJSON_GetObjectItemCaseSensitive(obj, "key"))
		flat_pending_problem(res, p, "external_key",
				     "a change's external key is its key: give key or "
				     "external_key, not both");
	else if (ek)
		cJSON_AddItemToObject(obj, "key", cJSON_Duplicate(ek, true));
	cJSON_Delete(ek);
	const char *state = get_string(obj, "state");
	if (state && strcmp(state, "effective") == 0 &&
	    !cJSON_GetObjectItemCaseSensitive(obj, "effective_at") &&
	    !was_reported(p, p->n_reported, "effective_at"))
		flat_pending_problem(res, p, "effective_at",
				     "is required when state is \"effective\" (an import records "
				     "history, not a change taking effect now)");
	size_t n_before = p->n_reported;
	int64_t now, skew;
	validator_clock(o, &now, &skew);
	struct err err;
	err_init(&err);
	change_init(&row->u.change);
	if (change_from_json(obj, now, skew, &row->u.change, &err) < 0)
		take_details(res, p, n_before, &err);
	if (p->bad)
		return -1;
	row->key = xasprintf("%s:%s", row->u.change.service, row->u.change.key);
	row->label = xstrdup(row->key);
	return 0;
}

/* The IO's change: an id, "service:key", or a bare key of o->service. */
static void io_change_ref(const struct flat_options *o, struct flat_result *res,
			  struct flat_pending *p, struct flat_row *row)
{
	cJSON *item = cJSON_DetachItemFromObjectCaseSensitive(p->obj, "change");
	const char *s = cJSON_GetStringValue(item);
	if (was_reported(p, p->n_reported, "change"))
		;
	else if (!item)
		flat_pending_problem(res, p, "change", "is required");
	else if (!s)
		flat_pending_problem(res, p, "change",
				     "must be a string: a change id or \"service:key\"");
	else if (is_change_id(s) || is_service_key(s))
		row->change_ref = xstrdup(s);
	else if (all_digits(s))
		flat_pending_problem(res, p, "change",
				     "\"%.64s\" is not a change id (write service:key for a key of "
				     "digits)",
				     s);
	else if (o->service && !strchr(s, ':') && model_valid_key(s))
		row->change_ref = xasprintf("%s:%s", o->service, s);
	else
		flat_pending_problem(res, p, "change",
				     "\"%.64s\" is not a change id or \"service:key\"%s", s,
				     o->service ? "" : " (a bare key needs --service)");
	cJSON_Delete(item);
}

static int validate_io(const struct flat_options *o, struct flat_result *res,
		       struct flat_pending *p, struct flat_row *row)
{
	io_change_ref(o, res, p, row);
	default_source(p->obj);
	size_t n_before = p->n_reported;
	struct err err;
	err_init(&err);
	io_init(&row->u.io);
	if (io_from_json(p->obj, &row->u.io, &err) < 0)
		take_details(res, p, n_before, &err);
	check_source(res, p, row->u.io.source);
	if (p->bad)
		return -1;
	const struct io *io = &row->u.io;
	row->key = xasprintf("%s\x1f%s\x1f%s", row->change_ref,
			     model_name(&io_category_names, (int)io->category), io->description);
	row->label = xasprintf("%s %s", row->change_ref,
			       model_name(&io_category_names, (int)io->category));
	return 0;
}

static int validate_incident(const struct flat_options *o, struct flat_result *res,
			     struct flat_pending *p, struct flat_row *row)
{
	default_source(p->obj);
	size_t n_before = p->n_reported;
	int64_t now, skew;
	validator_clock(o, &now, &skew);
	struct err err;
	err_init(&err);
	incident_init(&row->u.incident);
	if (incident_from_json(p->obj, now, skew, &row->u.incident, &err) < 0)
		take_details(res, p, n_before, &err);
	check_source(res, p, row->u.incident.source);
	if (p->bad)
		return -1;
	const struct incident *inc = &row->u.incident;
	if (inc->external_key) {
		row->key = xasprintf("%s:%s", inc->service, inc->external_key);
		row->label = xstrdup(row->key);
	}
	return 0;
}

/* A drill's external key (detached from obj: drill_from_json does not know it). */
static void drill_external_key(struct flat_result *res, struct flat_pending *p,
			       struct flat_row *row)
{
	cJSON *item = cJSON_DetachItemFromObjectCaseSensitive(p->obj, "external_key");
	const char *s = cJSON_GetStringValue(item);
	if (item && !was_reported(p, p->n_reported, "external_key")) {
		if (!s)
			flat_pending_problem(res, p, "external_key", "must be a string");
		else if (!model_valid_key(s))
			flat_pending_problem(res, p, "external_key",
					     "must be 1 to 200 printable characters without "
					     "spaces");
		else
			row->external_key = xstrdup(s);
	}
	cJSON_Delete(item);
}

static int validate_drill(const struct flat_options *o, struct flat_result *res,
			  struct flat_pending *p, struct flat_row *row)
{
	drill_external_key(res, p, row);
	/* a bare change key is the drill's own service's */
	const char *change = get_string(p->obj, "change");
	const char *service = get_string(p->obj, "service");
	if (change && service && !strchr(change, ':') && !all_digits(change) &&
	    model_valid_key(change)) {
		char *ref = xasprintf("%s:%s", service, change);
		cJSON_ReplaceItemInObjectCaseSensitive(p->obj, "change", cJSON_CreateString(ref));
		free(ref);
	}
	size_t n_before = p->n_reported;
	int64_t now, skew;
	validator_clock(o, &now, &skew);
	struct err err;
	err_init(&err);
	drill_init(&row->u.drill);
	const char *ref = NULL;
	if (drill_from_json(p->obj, now, skew, &row->u.drill, &ref, &err) < 0)
		take_details(res, p, n_before, &err);
	if (p->bad)
		return -1;
	row->change_ref = ref ? xstrdup(ref) : NULL;
	if (row->external_key) {
		row->key = xasprintf("%s:%s", row->u.drill.service, row->external_key);
		row->label = xstrdup(row->key);
	}
	return 0;
}

int flat_row_validate(const struct flat_options *o, struct flat_result *res, struct flat_pending *p,
		      struct flat_row *row)
{
	memset(row, 0, sizeof(*row));
	row->line = p->line;
	if (o->service && o->kind != FLAT_IOS &&
	    !cJSON_GetObjectItemCaseSensitive(p->obj, "service") &&
	    !was_reported(p, p->n_reported, "service"))
		cJSON_AddStringToObject(p->obj, "service", o->service);
	row_digest(o->kind, p->obj, row->digest);
	int rc;
	switch (o->kind) {
	case FLAT_IOS:
		rc = validate_io(o, res, p, row);
		break;
	case FLAT_INCIDENTS:
		rc = validate_incident(o, res, p, row);
		break;
	case FLAT_DRILLS:
		rc = validate_drill(o, res, p, row);
		break;
	default:
		rc = validate_change(o, res, p, row);
		break;
	}
	if (rc < 0 || p->bad) {
		flat_row_release(o->kind, row);
		return -1;
	}
	return 0;
}
