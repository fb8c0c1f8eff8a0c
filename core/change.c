/* Changes: validation of new changes and amendments, and the JSON codec. */
#include "common.h"
#include "change.h"
#include "err.h"
#include "io.h"
#include "json.h"
#include "rtime.h"

void strlist_release(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void strlist_push(struct strlist *l, const char *s)
{
	l->items = xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
	l->items[l->n++] = xstrdup(s);
}

void change_init(struct change *c)
{
	memset(c, 0, sizeof(*c));
	c->planned_for = RTIME_NONE;
	c->effective_at = RTIME_NONE;
	c->created_at = RTIME_NONE;
}

void change_release(struct change *c)
{
	free(c->key);
	free(c->title);
	free(c->service);
	free(c->author);
	strlist_release(&c->links);
	strlist_release(&c->refs);
	free(c->boundary);
	strlist_release(&c->paths);
	free(c->shipped_while_blocked);
	free(c->created_by);
	for (size_t i = 0; i < c->n_amendments; i++) {
		free(c->amendments[i].reason);
		free(c->amendments[i].created_by);
	}
	free(c->amendments);
	change_init(c);
}

static const char *const change_fields[] = {
	"key",		"title",  "service", "impact", "state",	   "planned_for",
	"effective_at", "author", "links",   "refs",   "boundary", "refuse_if_blocked",
	NULL,
};

static void copy_strlist(struct strlist *l, const cJSON *arr)
{
	for (const cJSON *c = arr ? arr->child : NULL; c; c = c->next)
		strlist_push(l, c->valuestring);
}

/* Event times may not lie in the future beyond the skew bound. */
static int check_not_future(const char *field, int64_t t, int64_t now, int64_t max_skew,
			    struct err *err)
{
	if (t > now + max_skew)
		return err_detail(err, field, 0, 0,
				  "lies in the future beyond the allowed clock skew");
	return 0;
}

static int read_change_strings(const cJSON *body, struct change *c, struct err *err)
{
	const char *key = NULL, *title = NULL, *service = NULL, *author = NULL;
	int rc = 0;
	if (json_get_string(body, "key", true, 200, &key, err) == 1 && !model_valid_key(key))
		rc = err_detail(err, "key", 0, 0,
				"must be 1 to 200 printable characters without spaces");
	json_get_string(body, "title", true, CHANGE_TITLE_MAX, &title, err);
	if (json_get_string(body, "service", true, 63, &service, err) == 1 &&
	    !model_valid_service(service))
		rc = err_detail(err, "service", 0, 0,
				"must match [a-z0-9][a-z0-9._-]{0,62} (lowercase, no spaces)");
	if (json_get_string(body, "author", false, CHANGE_AUTHOR_MAX, &author, err) == 1 &&
	    strspn(author, " \t\r\n") == strlen(author))
		rc = err_detail(err, "author", 0, 0, "must not be empty (leave it out instead)");
	if (key)
		c->key = xstrdup(key);
	if (title)
		c->title = xstrdup(title);
	if (service)
		c->service = xstrdup(service);
	if (author)
		c->author = xstrdup(author);
	return rc;
}

static int decide_state(const cJSON *body, int has_state, int state, struct change *c, int64_t now,
			struct err *err)
{
	(void)body;
	if (has_state == 1 && state == CHANGE_PLANNED && c->effective_at != RTIME_NONE)
		return err_detail(err, "state", 0, 0, "is \"planned\" but effective_at is set");
	if (c->effective_at != RTIME_NONE)
		c->state = CHANGE_EFFECTIVE;
	else if (has_state == 1 && state == CHANGE_EFFECTIVE) {
		c->state = CHANGE_EFFECTIVE;
		c->effective_at = now;
	} else
		c->state = CHANGE_PLANNED;
	return 0;
}

int change_from_json(const cJSON *body, int64_t now, int64_t max_skew, struct change *c,
		     struct err *err)
{
	if (!cJSON_IsObject(body)) {
		err_set(err, ERR_INVALID, "body must be a JSON object");
		return err_detail(err, "body", 0, 0, "must be a JSON object");
	}
	json_check_fields(body, change_fields, err);
	read_change_strings(body, c, err);
	int impact = 0, state = 0;
	json_get_enum(body, "impact", true, &impact_names, &impact, err);
	c->impact = (enum impact)impact;
	int has_state = json_get_enum(body, "state", false, &change_state_names, &state, err);
	json_get_time(body, "planned_for", false, &c->planned_for, err);
	if (json_get_time(body, "effective_at", false, &c->effective_at, err) == 1)
		check_not_future("effective_at", c->effective_at, now, max_skew, err);
	const cJSON *links = NULL, *refs = NULL, *boundary = NULL;
	json_get_string_array(body, "links", CHANGE_LINKS_MAX, CHANGE_LINK_MAX, &links, err);
	json_get_string_array(body, "refs", CHANGE_LINKS_MAX, 200, &refs, err);
	json_get_object(body, "boundary", &boundary, err);
	copy_strlist(&c->links, links);
	copy_strlist(&c->refs, refs);
	if (boundary)
		c->boundary = json_print(boundary);
	decide_state(body, has_state, state, c, now, err);
	c->review = REVIEW_UNREVIEWED;
	return err_is_set(err) ? -1 : 0;
}

int64_t change_current_effective_at(const struct change *c)
{
	int64_t t = c->effective_at;
	for (size_t i = 0; i < c->n_amendments; i++)
		if (c->amendments[i].effective_at != RTIME_NONE)
			t = c->amendments[i].effective_at;
	return t;
}

enum impact change_current_impact(const struct change *c)
{
	enum impact v = c->impact;
	for (size_t i = 0; i < c->n_amendments; i++)
		if (c->amendments[i].impact >= 0)
			v = (enum impact)c->amendments[i].impact;
	return v;
}

static cJSON *strlist_to_json(const struct strlist *l)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < l->n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(l->items[i]));
	return arr;
}

/* Embeds stored JSON text (written by ratchetd, so valid); null when absent. */
static void add_raw_json(cJSON *obj, const char *name, const char *text, int empty_object)
{
	cJSON *v = text ? cJSON_Parse(text) : NULL;
	if (!v)
		v = empty_object ? cJSON_CreateObject() : cJSON_CreateNull();
	cJSON_AddItemToObject(obj, name, v);
}

static cJSON *amendment_to_json(const struct amendment *a)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)a->id);
	json_add_time(o, "effective_at", a->effective_at);
	json_add_str(o, "impact", a->impact >= 0 ? model_name(&impact_names, a->impact) : NULL);
	json_add_str(o, "reason", a->reason);
	json_add_time(o, "created_at", a->created_at);
	json_add_str(o, "created_by", a->created_by);
	return o;
}

cJSON *change_to_json(const struct change *c, const struct io *ios, size_t n_ios, int with_detail)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)c->id);
	json_add_str(o, "key", c->key);
	json_add_str(o, "title", c->title);
	json_add_str(o, "service", c->service);
	json_add_str(o, "impact", model_name(&impact_names, (int)c->impact));
	json_add_str(o, "state", model_name(&change_state_names, (int)c->state));
	json_add_time(o, "planned_for", c->planned_for);
	json_add_time(o, "effective_at", c->effective_at);
	json_add_str(o, "author", c->author);
	cJSON_AddItemToObject(o, "links", strlist_to_json(&c->links));
	cJSON_AddItemToObject(o, "refs", strlist_to_json(&c->refs));
	add_raw_json(o, "boundary", c->boundary, 1);
	cJSON_AddItemToObject(o, "paths", strlist_to_json(&c->paths));
	json_add_str(o, "review", model_name(&review_names, (int)c->review));
	add_raw_json(o, "shipped_while_blocked", c->shipped_while_blocked, 0);
	json_add_time(o, "created_at", c->created_at);
	json_add_str(o, "created_by", c->created_by);
	cJSON *cur = cJSON_AddObjectToObject(o, "current");
	json_add_time(cur, "effective_at", change_current_effective_at(c));
	json_add_str(cur, "impact", model_name(&impact_names, (int)change_current_impact(c)));
	cJSON *am = cJSON_AddArrayToObject(o, "amendments");
	for (size_t i = 0; i < c->n_amendments; i++)
		cJSON_AddItemToArray(am, amendment_to_json(&c->amendments[i]));
	if (with_detail) {
		cJSON *arr = cJSON_AddArrayToObject(o, "ios");
		for (size_t i = 0; i < n_ios; i++)
			cJSON_AddItemToArray(arr, io_to_json(&ios[i]));
		cJSON_AddArrayToObject(o, "gates");
	}
	return o;
}

static const char *const amendment_fields[] = {"effective_at", "impact", "reason", NULL};

int amendment_from_json(const cJSON *body, int64_t now, int64_t max_skew,
			struct amendment_input *in, struct err *err)
{
	in->effective_at = RTIME_NONE;
	in->impact = -1;
	in->reason = NULL;
	if (!cJSON_IsObject(body)) {
		err_set(err, ERR_INVALID, "body must be a JSON object");
		return err_detail(err, "body", 0, 0, "must be a JSON object");
	}
	json_check_fields(body, amendment_fields, err);
	int has_t = json_get_time(body, "effective_at", false, &in->effective_at, err);
	if (has_t == 1)
		check_not_future("effective_at", in->effective_at, now, max_skew, err);
	int has_i = json_get_enum(body, "impact", false, &impact_names, &in->impact, err);
	json_get_string(body, "reason", true, CHANGE_REASON_MAX, &in->reason, err);
	if (has_t == 0 && has_i == 0)
		err_detail(err, "effective_at", 0, 0,
			   "an amendment must correct effective_at or impact (or both)");
	return err_is_set(err) ? -1 : 0;
}
