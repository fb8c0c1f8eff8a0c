/* The input hash of a backtest: SHA-256 of the RFC 8785 (JCS) form of the rows it read. The rows
 * are chosen and ordered once (bt_hash_rows_select); bt_hash writes their canonical text
 * straight into the digest, member by member in JCS order, without building a JSON tree (a
 * million changes would make ten million cJSON nodes and their sorting); bt_hash_rows_json
 * builds the same rows as a tree, the reference the unit tests compare the text with. */
#include "common.h"

#include <math.h>

#include "backtest_int.h"
#include "err.h"
#include "jcs.h"
#include "json.h"
#include "rtime.h"

#define INPUT_FORMAT "ratchet-backtest-input/1"
#define JCS_ERR "could not canonicalize JSON: "
#define FLUSH_AT (1u << 20) /* bytes buffered before they go to the digest */

/* ---- the rows ---- */

struct io_row {
	int64_t change_id;
	const struct backtest_io *io;
};

/* An outcome with its links to population changes (sorted), or none. */
struct outcome_row {
	const struct backtest_outcome *outcome;
	const struct backtest_link **links;
	size_t n_links;
};

/* The rows behind the hash: the changes in scope (s->scope, by id), the IOs of population
 * changes recorded before data_end (by id), and the outcomes that occurred before data_end with
 * a link to a population change (by id; links by change id, how, rule, version). */
struct hash_rows {
	const struct bt_scope *s;
	struct io_row *ios;
	size_t n_ios;
	struct outcome_row *outcomes;
	size_t n_outcomes;
	const struct backtest_link **links; /* the outcomes' links, one array */
};

static int cmp_io_row(const void *x, const void *y)
{
	int64_t a = ((const struct io_row *)x)->io->id, b = ((const struct io_row *)y)->io->id;
	return (a > b) - (a < b);
}

static int cmp_outcome_row(const void *x, const void *y)
{
	int64_t a = ((const struct outcome_row *)x)->outcome->id;
	int64_t b = ((const struct outcome_row *)y)->outcome->id;
	return (a > b) - (a < b);
}

static int cmp_opt_str(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int cmp_link_ptr(const void *x, const void *y)
{
	const struct backtest_link *a = *(const struct backtest_link *const *)x;
	const struct backtest_link *b = *(const struct backtest_link *const *)y;
	if (a->change_id != b->change_id)
		return a->change_id < b->change_id ? -1 : 1;
	if (a->how != b->how)
		return a->how < b->how ? -1 : 1;
	int c = cmp_opt_str(a->rule, b->rule);
	return c ? c : cmp_opt_str(a->rule_version, b->rule_version);
}

static void select_ios(const struct backtest_params *p, struct hash_rows *h)
{
	const struct bt_scope *s = h->s;
	size_t n = 0;
	for (size_t i = 0; i < s->n_pop; i++)
		n += s->pop[i]->n_ios;
	h->ios = xmalloc((n ? n : 1) * sizeof(*h->ios));
	for (size_t i = 0; i < s->n_pop; i++)
		for (size_t j = 0; j < s->pop[i]->n_ios; j++)
			if (s->pop[i]->ios[j].recorded_at < p->data_end)
				h->ios[h->n_ios++] =
					(struct io_row){s->pop[i]->id, &s->pop[i]->ios[j]};
	xqsort(h->ios, h->n_ios, sizeof(*h->ios), cmp_io_row);
}

static void select_outcomes(const struct backtest_input *in, const struct backtest_params *p,
			    struct hash_rows *h)
{
	size_t n_links = 0;
	for (size_t i = 0; i < in->n_outcomes; i++)
		n_links += in->outcomes[i].n_links;
	h->outcomes = xmalloc((in->n_outcomes ? in->n_outcomes : 1) * sizeof(*h->outcomes));
	h->links = xmalloc((n_links ? n_links : 1) * sizeof(*h->links));
	size_t used = 0;
	for (size_t i = 0; i < in->n_outcomes; i++) {
		const struct backtest_outcome *oc = &in->outcomes[i];
		if (oc->occurred_at >= p->data_end)
			continue;
		struct outcome_row row = {oc, h->links + used, 0};
		for (size_t j = 0; j < oc->n_links; j++)
			if (bt_find(h->s, oc->links[j].change_id) >= 0)
				row.links[row.n_links++] = &oc->links[j];
		if (row.n_links == 0)
			continue;
		xqsort(row.links, row.n_links, sizeof(*row.links), cmp_link_ptr);
		used += row.n_links;
		h->outcomes[h->n_outcomes++] = row;
	}
	xqsort(h->outcomes, h->n_outcomes, sizeof(*h->outcomes), cmp_outcome_row);
}

static void hash_rows_select(const struct backtest_input *in, const struct backtest_params *p,
			     const struct bt_scope *s, struct hash_rows *h)
{
	memset(h, 0, sizeof(*h));
	h->s = s;
	select_ios(p, h);
	select_outcomes(in, p, h);
}

static void hash_rows_release(struct hash_rows *h)
{
	free(h->ios);
	free(h->outcomes);
	free(h->links);
}

/* ---- the reference: a JSON tree ---- */

static cJSON *change_json(const struct backtest_change *c)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)c->id);
	json_add_str(o, "service", c->service);
	json_add_str(o, "key", c->key);
	json_add_str(o, "impact", model_name(&impact_names, (int)c->impact));
	json_add_time(o, "effective_at", c->effective_at);
	json_add_str(o, "review", model_name(&review_names, (int)c->review));
	return o;
}

static cJSON *io_json(const struct io_row *r)
{
	const struct backtest_io *io = r->io;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)io->id);
	cJSON_AddNumberToObject(o, "change_id", (double)r->change_id);
	json_add_str(o, "category", model_name(&io_category_names, (int)io->category));
	json_add_str(o, "status", model_name(&io_status_names, (int)io->status));
	json_add_time(o, "recorded_at", io->recorded_at);
	cJSON_AddBoolToObject(o, "retracted", io->retracted);
	cJSON_AddBoolToObject(o, "labelled_after_outcome", io->labelled_after_outcome);
	return o;
}

static cJSON *outcome_json(const struct outcome_row *r)
{
	const struct backtest_outcome *oc = r->outcome;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)oc->id);
	json_add_str(o, "kind", model_name(&backtest_kind_names, (int)oc->kind));
	if (oc->severity)
		cJSON_AddNumberToObject(o, "severity", oc->severity);
	else
		cJSON_AddNullToObject(o, "severity");
	json_add_time(o, "occurred_at", oc->occurred_at);
	json_add_str(o, "title", oc->title);
	json_add_str(o, "external_key", oc->external_key);
	cJSON *a = cJSON_AddArrayToObject(o, "links");
	for (size_t j = 0; j < r->n_links; j++) {
		const struct backtest_link *l = r->links[j];
		cJSON *k = cJSON_CreateObject();
		cJSON_AddNumberToObject(k, "change_id", (double)(uint64_t)l->change_id);
		json_add_str(k, "how", model_name(&backtest_how_names, (int)l->how));
		json_add_str(k, "rule", l->rule);
		json_add_str(k, "rule_version", l->rule_version);
		cJSON_AddItemToArray(a, k);
	}
	return o;
}

cJSON *bt_hash_rows_json(const struct backtest_input *in, const struct backtest_params *p,
			 const struct bt_scope *s)
{
	struct hash_rows h;
	hash_rows_select(in, p, s, &h);
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "format", INPUT_FORMAT);
	cJSON *changes = cJSON_AddArrayToObject(root, "changes");
	for (size_t i = 0; i < s->n_scope; i++)
		cJSON_AddItemToArray(changes, change_json(s->scope[i]));
	cJSON *ios = cJSON_AddArrayToObject(root, "ios");
	for (size_t i = 0; i < h.n_ios; i++)
		cJSON_AddItemToArray(ios, io_json(&h.ios[i]));
	cJSON *outcomes = cJSON_AddArrayToObject(root, "outcomes");
	for (size_t i = 0; i < h.n_outcomes; i++)
		cJSON_AddItemToArray(outcomes, outcome_json(&h.outcomes[i]));
	hash_rows_release(&h);
	return root;
}

/* ---- the canonical text, written directly ---- */

/* Where the text goes: into out (kept whole) or, when digest is set, through out into it. */
struct canon {
	struct buf out;
	struct hash_sha256 *digest;
	struct err *err;
	bool failed;
};

static void flush(struct canon *w)
{
	if (w->digest && w->out.len >= FLUSH_AT) {
		hash_sha256_add(w->digest, w->out.data, w->out.len);
		w->out.len = 0;
	}
}

static void put(struct canon *w, const char *s, size_t n)
{
	buf_append(&w->out, s, n);
}

#define PUT(w, lit) put((w), (lit), sizeof(lit) - 1)

/* A string as jcs.c writes it: '"', '\\' and controls escaped, the rest raw UTF-8. */
static void put_string(struct canon *w, const char *s)
{
	if (!s) {
		PUT(w, "null");
		return;
	}
	size_t len = strlen(s);
	if (json_utf8_invalid_at(s, len) >= 0) {
		if (!w->failed)
			err_set(w->err, ERR_INVALID, JCS_ERR "string is not valid UTF-8");
		w->failed = true;
		return;
	}
	PUT(w, "\"");
	const char *run = s;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p >= 0x20 && *p != '"' && *p != '\\')
			continue;
		put(w, run, (size_t)((const char *)p - run));
		run = (const char *)p + 1;
		switch (*p) {
		case '"':
			PUT(w, "\\\"");
			break;
		case '\\':
			PUT(w, "\\\\");
			break;
		case '\b':
			PUT(w, "\\b");
			break;
		case '\t':
			PUT(w, "\\t");
			break;
		case '\n':
			PUT(w, "\\n");
			break;
		case '\f':
			PUT(w, "\\f");
			break;
		case '\r':
			PUT(w, "\\r");
			break;
		default:
			buf_printf(&w->out, "\\u%04x", *p);
		}
	}
	put(w, run, strlen(run));
	PUT(w, "\"");
}

/* A number as JCS writes a double: integers below 2^53 in plain decimal (what ECMAScript
 * prints for them), anything else through jcs.c itself. */
static void put_number(struct canon *w, double x)
{
	if (fabs(x) < 9007199254740992.0 && floor(x) == x) {
		char text[24];
		int n = snprintf(text, sizeof(text), "%lld", (long long)x);
		put(w, text, (size_t)n);
		return;
	}
	cJSON *v = cJSON_CreateNumber(x);
	char *text = jcs_canonicalize(v, w->err);
	cJSON_Delete(v);
	if (!text) {
		w->failed = true;
		return;
	}
	put(w, text, strlen(text));
	free(text);
}

static void put_time(struct canon *w, int64_t t)
{
	char text[RTIME_BUFSZ];
	put_string(w, t == RTIME_NONE ? NULL : rtime_format(t, text));
}

static void put_bool(struct canon *w, bool v)
{
	if (v)
		PUT(w, "true");
	else
		PUT(w, "false");
}

/* Members in JCS order (by name; every name here is ASCII, so bytewise). */
static void put_change(struct canon *w, const struct backtest_change *c)
{
	PUT(w, "{\"effective_at\":");
	put_time(w, c->effective_at);
	PUT(w, ",\"id\":");
	put_number(w, (double)c->id);
	PUT(w, ",\"impact\":");
	put_string(w, model_name(&impact_names, (int)c->impact));
	PUT(w, ",\"key\":");
	put_string(w, c->key);
	PUT(w, ",\"review\":");
	put_string(w, model_name(&review_names, (int)c->review));
	PUT(w, ",\"service\":");
	put_string(w, c->service);
	PUT(w, "}");
}

static void put_io(struct canon *w, const struct io_row *r)
{
	const struct backtest_io *io = r->io;
	PUT(w, "{\"category\":");
	put_string(w, model_name(&io_category_names, (int)io->category));
	PUT(w, ",\"change_id\":");
	put_number(w, (double)r->change_id);
	PUT(w, ",\"id\":");
	put_number(w, (double)io->id);
	PUT(w, ",\"labelled_after_outcome\":");
	put_bool(w, io->labelled_after_outcome);
	PUT(w, ",\"recorded_at\":");
	put_time(w, io->recorded_at);
	PUT(w, ",\"retracted\":");
	put_bool(w, io->retracted);
	PUT(w, ",\"status\":");
	put_string(w, model_name(&io_status_names, (int)io->status));
	PUT(w, "}");
}

static void put_outcome(struct canon *w, const struct outcome_row *r)
{
	const struct backtest_outcome *oc = r->outcome;
	PUT(w, "{\"external_key\":");
	put_string(w, oc->external_key);
	PUT(w, ",\"id\":");
	put_number(w, (double)oc->id);
	PUT(w, ",\"kind\":");
	put_string(w, model_name(&backtest_kind_names, (int)oc->kind));
	PUT(w, ",\"links\":[");
	for (size_t j = 0; j < r->n_links; j++) {
		const struct backtest_link *l = r->links[j];
		if (j)
			PUT(w, ",");
		PUT(w, "{\"change_id\":");
		put_number(w, (double)(uint64_t)l->change_id);
		PUT(w, ",\"how\":");
		put_string(w, model_name(&backtest_how_names, (int)l->how));
		PUT(w, ",\"rule\":");
		put_string(w, l->rule);
		PUT(w, ",\"rule_version\":");
		put_string(w, l->rule_version);
		PUT(w, "}");
	}
	PUT(w, "],\"occurred_at\":");
	put_time(w, oc->occurred_at);
	PUT(w, ",\"severity\":");
	if (oc->severity)
		put_number(w, oc->severity);
	else
		PUT(w, "null");
	PUT(w, ",\"title\":");
	put_string(w, oc->title);
	PUT(w, "}");
}

/* The canonical text of the rows: {"changes":[...],"format":...,"ios":[...],"outcomes":[...]}. */
static void put_rows(struct canon *w, const struct backtest_input *in,
		     const struct backtest_params *p, const struct bt_scope *s)
{
	struct hash_rows h;
	hash_rows_select(in, p, s, &h);
	PUT(w, "{\"changes\":[");
	for (size_t i = 0; i < s->n_scope && !w->failed; i++) {
		if (i)
			PUT(w, ",");
		put_change(w, s->scope[i]);
		flush(w);
	}
	PUT(w, "],\"format\":\"" INPUT_FORMAT "\",\"ios\":[");
	for (size_t i = 0; i < h.n_ios && !w->failed; i++) {
		if (i)
			PUT(w, ",");
		put_io(w, &h.ios[i]);
		flush(w);
	}
	PUT(w, "],\"outcomes\":[");
	for (size_t i = 0; i < h.n_outcomes && !w->failed; i++) {
		if (i)
			PUT(w, ",");
		put_outcome(w, &h.outcomes[i]);
		flush(w);
	}
	PUT(w, "]}");
	hash_rows_release(&h);
}

char *bt_hash_text(const struct backtest_input *in, const struct backtest_params *p,
		   const struct bt_scope *s, struct err *err)
{
	struct canon w = {.err = err};
	buf_init(&w.out, 0);
	put_rows(&w, in, p, s);
	if (w.failed) {
		buf_release(&w.out);
		return NULL;
	}
	return w.out.data;
}

int bt_hash(const struct backtest_input *in, const struct backtest_params *p,
	    const struct bt_scope *s, char out[HASH_HEX_LEN + 1], struct err *err)
{
	struct canon w = {.err = err, .digest = hash_sha256_begin()};
	buf_init(&w.out, 0);
	put_rows(&w, in, p, s);
	hash_sha256_add(w.digest, w.out.data, w.out.len);
	hash_sha256_end(w.digest, out);
	buf_release(&w.out);
	if (w.failed)
		return err_set(err, ERR_INVALID, "could not hash the backtest's rows");
	return 0;
}
