/* A FIT pilot import planned: new rows, closures to record, conflicts. */
#include "common.h"

#include "change.h"
#include "fit_import.h"
#include "io.h"
#include "rtime.h"

#define USEC_PER_SEC 1000000LL

char *fit_capped(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	return xstrndup(s, n);
}

void fit_plan_release(struct fit_plan *p)
{
	for (size_t i = 0; i < p->n_owned; i++)
		free(p->owned[i]);
	free(p->owned);
	free(p->rows);
	free(p->ids);
	free(p->closure_ids);
	free(p->closure_at);
	cJSON_Delete(p->duplicates);
	cJSON_Delete(p->closures);
	cJSON_Delete(p->conflicts);
}

static char *own(struct fit_plan *p, char *s)
{
	p->owned[p->n_owned++] = s;
	return s;
}

/* A pack change as a new row: as the import always stored one. */
static void plan_row(struct fit_plan *p, const struct fit_change *fc, int64_t max_expiry)
{
	struct store_fit_row *row = &p->rows[p->n_rows++];
	memset(row, 0, sizeof(*row));
	row->key = fc->change_id;
	row->title =
		own(p, fc->notes && *fc->notes ? fit_capped(fc->notes, CHANGE_TITLE_MAX)
					       : xasprintf("FIT pilot change %s", fc->change_id));
	row->impact = fc->is_io ? IMPACT_HIGH : IMPACT_MEDIUM;
	row->effective_at = fc->effective_at;
	row->has_io = fc->is_io;
	if (fc->is_io) {
		row->category = (enum io_category)fc->category;
		char *text = fc->notes ? xasprintf("FIT pilot pack: %s", fc->notes)
				       : xstrdup("FIT pilot pack");
		row->io_description = own(p, fit_capped(text, IO_TEXT_MAX));
		free(text);
	}
	row->closed_at = fc->closed_at;
	row->bypass = fc->bypass;
	/* the bypass counts unless the closure gate had passed by then */
	int passed = fc->closed_at != RTIME_NONE && fc->closed_at <= fc->effective_at;
	row->bypass_state = passed ? GATE_PASSED : GATE_PENDING;
	row->bypass_expires_at = fc->effective_at + max_expiry * USEC_PER_SEC;
}

static cJSON *time_json(int64_t t)
{
	char buf[RTIME_BUFSZ];
	return t == RTIME_NONE ? cJSON_CreateNull() : cJSON_CreateString(rtime_format(t, buf));
}

static void add_conflict(struct fit_plan *p, const char *key, const char *field, cJSON *stored,
			 cJSON *pack)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "key", key);
	cJSON_AddStringToObject(c, "field", field);
	cJSON_AddItemToObject(c, "stored", stored);
	cJSON_AddItemToObject(c, "pack", pack);
	cJSON_AddItemToArray(p->conflicts, c);
}

/* Whether a comma list holds name. */
static int list_has(const char *list, const char *name)
{
	size_t len = strlen(name);
	for (const char *s = list; s && *s;) {
		size_t n = strcspn(s, ",");
		if (n == len && strncmp(s, name, n) == 0)
			return 1;
		s += n + (s[n] == ',');
	}
	return 0;
}

/* A duplicate: a closure the register lacks is recorded (new information;
 * nothing stored changes); every other difference is a conflict, not applied. */
static void plan_duplicate(struct fit_plan *p, const struct fit_change *fc,
			   const struct store_fit_stored *st)
{
	const char *key = fc->change_id;
	cJSON_AddItemToArray(p->duplicates, cJSON_CreateString(key));
	if (st->effective_at != fc->effective_at)
		add_conflict(p, key, "effective_ts_utc", time_json(st->effective_at),
			     time_json(fc->effective_at));
	if (st->has_io != fc->is_io)
		add_conflict(p, key, "is_io", cJSON_CreateNumber(st->has_io),
			     cJSON_CreateNumber(fc->is_io));
	const char *category = fc->is_io ? model_name(&io_category_names, fc->category) : NULL;
	if (st->has_io && fc->is_io && !list_has(st->categories, category))
		add_conflict(p, key, "io_category", cJSON_CreateString(st->categories),
			     cJSON_CreateString(category));
	if (st->bypassed != fc->bypass)
		add_conflict(p, key, "bypass", cJSON_CreateNumber(st->bypassed),
			     cJSON_CreateNumber(fc->bypass));
	if (st->closed_at == RTIME_NONE && fc->closed_at != RTIME_NONE) {
		p->closure_ids[p->n_closures] = st->id;
		p->closure_at[p->n_closures++] = fc->closed_at;
		cJSON_AddItemToArray(p->closures, cJSON_CreateString(key));
	} else if (st->closed_at != fc->closed_at) {
		add_conflict(p, key, "closure_ts_utc", time_json(st->closed_at),
			     time_json(fc->closed_at));
	}
}

void fit_plan_make(const struct fit_pack *pack, const struct store_fit_stored *const *stored,
		   int64_t max_expiry, struct fit_plan *p)
{
	size_t n = pack->n_changes, room = n ? n : 1;
	memset(p, 0, sizeof(*p));
	p->rows = xcalloc(room, sizeof(*p->rows));
	p->owned = xcalloc(2 * room, sizeof(*p->owned));
	p->ids = xcalloc(room, sizeof(*p->ids));
	p->closure_ids = xcalloc(room, sizeof(*p->closure_ids));
	p->closure_at = xcalloc(room, sizeof(*p->closure_at));
	p->duplicates = cJSON_CreateArray();
	p->closures = cJSON_CreateArray();
	p->conflicts = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		const struct fit_change *fc = &pack->changes[i];
		const struct store_fit_stored *st = stored[i];
		if (st) {
			p->ids[i] = st->id;
			plan_duplicate(p, fc, st);
		} else {
			plan_row(p, fc, max_expiry);
		}
	}
}

void fit_plan_set_expiry(struct fit_plan *p, int64_t max_expiry)
{
	for (size_t i = 0; i < p->n_rows; i++)
		p->rows[i].bypass_expires_at = p->rows[i].effective_at + max_expiry * USEC_PER_SEC;
}
