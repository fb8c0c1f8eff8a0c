/* Reading a flat file: CSV through core/csv.h (a bad field count skips the
 * row, not the file) or JSONL line by line; column names through the map;
 * cells into the API's JSON (times normalized, naive ones read in --tz);
 * each row validated (flat_import_kinds.c); repeats within the file found;
 * every problem kept with its line. */
#include "common.h"

#include "csv.h"
#include "err.h"
#include "flat_import_int.h"
#include "json.h"
#include "rtime.h"

void flat_options_init(struct flat_options *o, enum flat_kind kind)
{
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->format = FLAT_CSV;
	o->file = "import";
	o->max_skew = -1;
}

/* ---- problems ------------------------------------------------------------------------ */

void flat_problem_add(struct flat_result *res, size_t line, size_t column, const char *field,
		      const char *fmt, ...)
{
	res->n_problems_total++;
	if (res->n_problems >= FLAT_PROBLEMS_MAX)
		return;
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if ((res->n_problems & (res->n_problems - 1)) == 0) /* 0, 1, 2, 4, ...: grow */
		res->problems =
			xrealloc(res->problems, (res->n_problems ? 2 * res->n_problems : 1) *
							sizeof(*res->problems));
	struct flat_problem *p = &res->problems[res->n_problems++];
	p->line = line;
	p->column = column;
	p->field = xstrdup(field);
	p->message = xstrdup(what);
}

void flat_pending_problem(struct flat_result *res, struct flat_pending *p, const char *field,
			  const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	flat_problem_add(res, p->line, 0, field, "%s", what);
	p->bad = true;
	if (p->n_reported < ARRAY_SIZE(p->reported))
		snprintf(p->reported[p->n_reported++], sizeof(p->reported[0]), "%s", field);
}

void flat_result_reject(struct flat_result *res, size_t i, const char *field, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	struct flat_row *row = &res->rows[i];
	size_t before = res->n_problems;
	flat_problem_add(res, row->line, 0, field, "%s", what);
	if (res->n_problems > before) {
		/* keep the list in line order: after the problems of lines up to this one */
		struct flat_problem p = res->problems[before];
		size_t j = before;
		while (j > 0 && res->problems[j - 1].line > p.line) {
			res->problems[j] = res->problems[j - 1];
			j--;
		}
		res->problems[j] = p;
	}
	if (!row->rejected)
		res->n_bad_rows++;
	row->rejected = true;
}

char *flat_problem_text(const char *file, const struct flat_problem *p)
{
	if (p->column)
		return xasprintf("%s:%zu: %s: %s (column %zu)", file, p->line, p->field, p->message,
				 p->column);
	return xasprintf("%s:%zu: %s: %s", file, p->line, p->field, p->message);
}

int flat_result_to_err(const struct flat_result *res, const char *file, struct err *err)
{
	if (res->n_problems == 0)
		return err_set(err, ERR_INVALID, "invalid import \"%s\"", file);
	char *first = flat_problem_text(file, &res->problems[0]);
	size_t more = res->n_problems_total - 1;
	char tail[64] = "";
	if (more)
		snprintf(tail, sizeof(tail), " (and %zu more problem%s)", more,
			 more == 1 ? "" : "s");
	err_set(err, ERR_INVALID, "invalid import \"%s\": %s%s", file, first, tail);
	free(first);
	for (size_t i = 0; i < res->n_problems && i < ERR_MAX_DETAILS; i++) {
		const struct flat_problem *p = &res->problems[i];
		char *text = flat_problem_text(file, p);
		err_detail(err, p->field, p->line > INT_MAX ? INT_MAX : (int)p->line,
			   p->column > INT_MAX ? INT_MAX : (int)p->column, "%s", text);
		free(text);
	}
	return -1;
}

cJSON *flat_problems_to_json(const struct flat_result *res, const char *file, size_t max)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < res->n_problems && i < max; i++) {
		const struct flat_problem *p = &res->problems[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "line", (double)p->line);
		cJSON_AddStringToObject(o, "field", p->field);
		char *text = flat_problem_text(file, p);
		cJSON_AddStringToObject(o, "message", text);
		free(text);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

void flat_result_release(struct flat_result *res)
{
	for (size_t i = 0; i < res->n_rows; i++)
		flat_row_release(res->kind, &res->rows[i]);
	free(res->rows);
	for (size_t i = 0; i < res->n_problems; i++) {
		free(res->problems[i].field);
		free(res->problems[i].message);
	}
	free(res->problems);
	memset(res, 0, sizeof(*res));
}

/* ---- values ---------------------------------------------------------------------------- */

/* A timestamp as the API takes it: with an offset, or naive and read in o->tz.
 * Returns the normalized text (caller frees), or NULL with *why set. */
static char *normalize_time(const struct flat_options *o, const char *s, char *why, size_t size)
{
	int64_t t;
	char out[RTIME_BUFSZ], with[96];
	struct err err;
	err_init(&err);
	if (rtime_parse(s, &t, &err) == 0)
		return xstrdup(rtime_format(t, out));
	struct err naive;
	err_init(&naive);
	snprintf(with, sizeof(with), "%sZ", s);
	if (strlen(s) < 64 && rtime_parse(with, &t, &naive) == 0) {
		if (!o->tz) {
			snprintf(why, size,
				 "\"%s\" has no UTC offset: add Z or +hh:mm, or name the zone "
				 "(--tz)",
				 s);
			return NULL;
		}
		snprintf(with, sizeof(with), "%s%s", s, o->tz);
		err_init(&naive);
		if (rtime_parse(with, &t, &naive) == 0)
			return xstrdup(rtime_format(t, out));
		snprintf(why, size, "%.250s", naive.message);
		return NULL;
	}
	snprintf(why, size, "%.250s", err.message);
	return NULL;
}

/* Adds field's value to the pending row, a time normalized first. */
static void add_value(const struct flat_options *o, struct flat_result *res, struct flat_pending *p,
		      const struct flat_field *f, cJSON *value)
{
	const char *s = cJSON_GetStringValue(value);
	if (f->type == FLAT_TIME && s) {
		char why[256];
		char *t = normalize_time(o, s, why, sizeof(why));
		cJSON_Delete(value);
		if (!t)
			return flat_pending_problem(res, p, f->name, "%s", why);
		value = cJSON_CreateString(t);
		free(t);
	}
	cJSON_AddItemToObject(p->obj, f->name, value);
}

/* A list cell: items separated by white space. */
static cJSON *split_list(const char *s)
{
	cJSON *arr = cJSON_CreateArray();
	static const char space[] = " \t\r\n";
	for (s += strspn(s, space); *s; s += strspn(s, space)) {
		size_t n = strcspn(s, space);
		char *item = xstrndup(s, n);
		cJSON_AddItemToArray(arr, cJSON_CreateString(item));
		free(item);
		s += n;
	}
	return arr;
}

/* A CSV cell as the field's JSON value; NULL (problem reported) when it is none. */
static cJSON *cell_value(struct flat_result *res, struct flat_pending *p,
			 const struct flat_field *f, const char *cell, size_t len)
{
	if (f->type == FLAT_LIST)
		return split_list(cell);
	if (f->type != FLAT_OBJECT)
		return cJSON_CreateString(cell);
	cJSON *obj = NULL;
	struct err err;
	err_init(&err);
	if (json_parse(cell, len, &obj, &err) < 0 || !cJSON_IsObject(obj)) {
		cJSON_Delete(obj);
		flat_pending_problem(res, p, f->name,
				     "must be a JSON object (written in the cell)");
		return NULL;
	}
	return obj;
}

/* The field a source name stands for: through the map, else itself. *dropped
 * when the map drops it. */
static const char *target_name(const struct flat_options *o, const char *name, bool *dropped)
{
	*dropped = false;
	for (size_t i = 0; o->map && i < o->map->n; i++)
		if (strcmp(o->map->from[i], name) == 0) {
			*dropped = o->map->to[i] == NULL;
			return o->map->to[i];
		}
	return name;
}

/* Validates a pending row (even one with problems already: every problem is
 * listed) and keeps it when good; takes p->obj. */
static void finish_row(const struct flat_options *o, struct flat_result *res,
		       struct flat_pending *p)
{
	struct flat_row row;
	if (flat_row_validate(o, res, p, &row) == 0) {
		if ((res->n_rows & (res->n_rows - 1)) == 0)
			res->rows = xrealloc(res->rows, (res->n_rows ? 2 * res->n_rows : 1) *
								sizeof(*res->rows));
		res->rows[res->n_rows++] = row;
	}
	if (p->bad)
		res->n_bad_rows++;
	cJSON_Delete(p->obj);
	p->obj = NULL;
}

/* ---- CSV ------------------------------------------------------------------------------- */

/* A reader error as a problem: "L:C: what" split back into its parts. */
static void csv_problem(struct flat_result *res, const struct err *err)
{
	size_t line = 1, column = 0;
	const char *what = err->message;
	if (err->n_details > 0) {
		line = (size_t)(err->details[0].line > 0 ? err->details[0].line : 1);
		column = (size_t)(err->details[0].column > 0 ? err->details[0].column : 0);
		what = err->details[0].message;
	}
	flat_problem_add(res, line, column, "csv", "%s", what);
}

/* The header: every column's field (NULL: dropped); any problem is fatal. */
static const struct flat_field **csv_columns(const struct flat_options *o, struct flat_result *res,
					     struct csv_reader *r)
{
	size_t n = csv_ncolumns(r), line = csv_line(r), before = res->n_problems_total;
	const struct flat_field **cols = xcalloc(n ? n : 1, sizeof(*cols));
	for (size_t i = 0; i < n; i++) {
		const char *name = csv_column_name(r, i);
		bool dropped;
		const char *target = target_name(o, name, &dropped);
		if (dropped)
			continue;
		cols[i] = flat_field_find(o->kind, target);
		if (!cols[i]) {
			flat_problem_add(res, line, 0, name,
					 "unknown column (the fields of %s are: %s; rename it "
					 "with --map)",
					 model_name(&flat_kind_names, (int)o->kind),
					 flat_fields_list(o->kind));
			continue;
		}
		for (size_t j = 0; j < i; j++)
			if (cols[j] == cols[i])
				flat_problem_add(
					res, line, 0, cols[i]->name,
					"columns \"%.64s\" and \"%.64s\" are both this field",
					csv_column_name(r, j), name);
	}
	bool has_key = false;
	for (size_t i = 0; i < n; i++)
		has_key |= cols[i] && (strcmp(cols[i]->name, "key") == 0 ||
				       strcmp(cols[i]->name, "external_key") == 0);
	for (const struct flat_field *f = flat_field_table(o->kind); f->name; f++) {
		bool present = false;
		for (size_t i = 0; i < n; i++)
			present |= cols[i] == f;
		bool required = f->required && !(o->service && strcmp(f->name, "service") == 0);
		if (required && !present)
			flat_problem_add(res, line, 0, f->name, "no such column (required)");
	}
	if (o->kind == FLAT_CHANGES && !has_key)
		flat_problem_add(res, line, 0, "key",
				 "no such column (required: key or external_key)");
	for (size_t i = 0; o->map && i < o->map->n; i++)
		if (csv_column(r, o->map->from[i]) < 0)
			flat_problem_add(res, line, 0, o->map->from[i],
					 "the map renames this column, which the header lacks");
	if (res->n_problems_total == before)
		return cols;
	free(cols);
	res->fatal = true;
	return NULL;
}

static void csv_row(const struct flat_options *o, struct flat_result *res, struct csv_reader *r,
		    const struct flat_field **cols)
{
	struct flat_pending p = {.line = csv_line(r), .obj = cJSON_CreateObject()};
	for (size_t i = 0; i < csv_nfields(r); i++) {
		const char *cell = csv_field(r, i);
		if (!cols[i] || !*cell)
			continue; /* dropped, or empty: absent */
		cJSON *v = cell_value(res, &p, cols[i], cell, csv_field_len(r, i));
		if (v)
			add_value(o, res, &p, cols[i], v);
	}
	finish_row(o, res, &p);
}

static void read_csv(const struct flat_options *o, struct flat_result *res, const char *text,
		     size_t len)
{
	struct err err;
	err_init(&err);
	struct csv_reader *r = csv_reader_from_memory(text, len, FLAT_LINE_MAX);
	csv_set_skip_count(r, true);
	const struct flat_field **cols = NULL;
	if (csv_read_header(r, &err) < 0) {
		csv_problem(res, &err);
		res->fatal = true;
	} else {
		cols = csv_columns(o, res, r);
	}
	while (cols) {
		err_init(&err);
		int rc = csv_next(r, &err);
		if (rc == 0)
			break;
		res->n_records++;
		if (rc == 1) {
			csv_row(o, res, r, cols);
			continue;
		}
		csv_problem(res, &err);
		res->n_bad_rows++;
		if (rc == -1) { /* the rest cannot be read */
			res->fatal = true;
			break;
		}
	}
	free(cols);
	csv_reader_free(r);
}

/* ---- JSONL ----------------------------------------------------------------------------- */

static void json_members(const struct flat_options *o, struct flat_result *res,
			 struct flat_pending *p, cJSON *line_obj)
{
	const struct flat_field *seen[32] = {0};
	size_t n_seen = 0;
	for (cJSON *m = line_obj->child; m; m = m->next) {
		bool dropped;
		const char *target = target_name(o, m->string, &dropped);
		if (dropped)
			continue;
		const struct flat_field *f = flat_field_find(o->kind, target);
		if (!f) {
			flat_pending_problem(res, p, m->string,
					     "unknown field (the fields of %s are: %s; rename it "
					     "with --map)",
					     model_name(&flat_kind_names, (int)o->kind),
					     flat_fields_list(o->kind));
			continue;
		}
		bool twice = false;
		for (size_t i = 0; i < n_seen; i++)
			twice |= seen[i] == f;
		if (twice) {
			flat_pending_problem(res, p, f->name,
					     "given twice (\"%.64s\" is this field too)",
					     m->string);
			continue;
		}
		if (n_seen < ARRAY_SIZE(seen))
			seen[n_seen++] = f;
		if (!cJSON_IsNull(m))
			add_value(o, res, p, f, cJSON_Duplicate(m, true));
	}
}

static void jsonl_row(const struct flat_options *o, struct flat_result *res, const char *s,
		      size_t n, size_t line)
{
	res->n_records++;
	if (n > FLAT_LINE_MAX) {
		flat_problem_add(res, line, 0, "json", "line longer than the limit of %zu bytes",
				 FLAT_LINE_MAX);
		res->n_bad_rows++;
		return;
	}
	cJSON *line_obj = NULL;
	struct err err;
	err_init(&err);
	if (json_parse(s, n, &line_obj, &err) < 0 || !cJSON_IsObject(line_obj)) {
		if (err_is_set(&err) && err.n_details > 0)
			flat_problem_add(res, line,
					 err.details[0].column > 0 ? (size_t)err.details[0].column
								   : 0,
					 "json", "%s", err.details[0].message);
		else
			flat_problem_add(res, line, 0, "json", "must be a JSON object");
		res->n_bad_rows++;
		cJSON_Delete(line_obj);
		return;
	}
	struct flat_pending p = {.line = line, .obj = cJSON_CreateObject()};
	json_members(o, res, &p, line_obj);
	cJSON_Delete(line_obj);
	finish_row(o, res, &p);
}

static void read_jsonl(const struct flat_options *o, struct flat_result *res, const char *text,
		       size_t len)
{
	size_t pos = 0, line = 0;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		pos += n + (nl ? 1 : 0);
		line++;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		size_t blank = 0;
		while (blank < n && strchr(" \t\r", s[blank]))
			blank++;
		if (blank < n)
			jsonl_row(o, res, s, n, line);
	}
}

/* ---- repeats and order ------------------------------------------------------------------- */

static int cmp_row_key(const void *a, const void *b)
{
	const struct flat_row *x = *(const struct flat_row *const *)a;
	const struct flat_row *y = *(const struct flat_row *const *)b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

static const char *key_field(enum flat_kind kind)
{
	return kind == FLAT_CHANGES ? "key" : kind == FLAT_IOS ? "description" : "external_key";
}

/* A row of an identity seen before: a repeat of that row (kept, marked) or,
 * with other values, a problem (dropped). */
static void find_repeats(struct flat_result *res)
{
	struct flat_row **by_key = xcalloc(res->n_rows ? res->n_rows : 1, sizeof(*by_key));
	size_t n = 0;
	for (size_t i = 0; i < res->n_rows; i++)
		if (res->rows[i].key)
			by_key[n++] = &res->rows[i];
	xqsort(by_key, n, sizeof(*by_key), cmp_row_key);
	for (size_t i = 1; i < n; i++) {
		size_t first = i - 1;
		while (first > 0 && strcmp(by_key[first - 1]->key, by_key[i]->key) == 0)
			first--;
		struct flat_row *a = by_key[first], *b = by_key[i];
		if (strcmp(a->key, b->key) != 0)
			continue;
		if (strcmp(a->digest, b->digest) == 0) {
			b->duplicate_of = a->line;
			continue;
		}
		if (res->kind == FLAT_IOS)
			flat_problem_add(res, b->line, 0, key_field(res->kind),
					 "the same change, category and description as line %zu, "
					 "with other values",
					 a->line);
		else
			flat_problem_add(res, b->line, 0, key_field(res->kind),
					 "\"%.200s\" is also on line %zu, with other values",
					 b->label, a->line);
		b->rejected = true;
		res->n_bad_rows++;
	}
	free(by_key);
	/* drop the rejected rows, keeping the order */
	size_t kept = 0;
	for (size_t i = 0; i < res->n_rows; i++) {
		if (res->rows[i].rejected)
			flat_row_release(res->kind, &res->rows[i]);
		else
			res->rows[kept++] = res->rows[i];
	}
	res->n_rows = kept;
}

int flat_import_parse(const struct flat_options *o, const char *text, size_t len,
		      struct flat_result *res, struct err *err)
{
	memset(res, 0, sizeof(*res));
	res->kind = o->kind;
	const char *file = o->file ? o->file : "import";
	size_t blank = 0;
	while (blank < len && strchr(" \t\r\n", text[blank]))
		blank++;
	if (blank == len) {
		flat_problem_add(res, 1, 0, "file", "is empty");
		res->fatal = true;
	} else if (o->format == FLAT_JSONL) {
		read_jsonl(o, res, text, len);
	} else {
		read_csv(o, res, text, len);
	}
	if (!res->fatal)
		find_repeats(res);
	/* by line, stably (an insertion sort: only the repeats found last are
	 * out of place) */
	for (size_t i = 1; i < res->n_problems; i++) {
		struct flat_problem p = res->problems[i];
		size_t j = i;
		while (j > 0 && res->problems[j - 1].line > p.line) {
			res->problems[j] = res->problems[j - 1];
			j--;
		}
		res->problems[j] = p;
	}
	if (res->n_problems_total == 0)
		return 0;
	return flat_result_to_err(res, file, err);
}
