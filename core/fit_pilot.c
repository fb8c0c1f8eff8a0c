/* The FIT pilot pack's two CSVs (DESIGN.md, "Import formats"): read with the
 * project's CSV reader, every field validated, every problem reported as
 * "file:line: field: message", unmapped categories once each and listed. */
#include "common.h"

#include <math.h>

#include "csv.h"
#include "err.h"
#include "fit_pilot.h"
#include "rtime.h"

#define FIT_NOTES_MAX 4000
/* Minutes accepted at most (about 1900 years). */
#define FIT_MINUTES_MAX 1e9

/* Collects problems into err: the message names the first; a count of the
 * rest is added at the end. */
struct pack_problems {
	struct err *err;
	int fresh; /* err was unset: its message is ours */
	size_t n;
};

static void __attribute__((format(printf, 5, 6)))
problem(struct pack_problems *pp, const char *file, size_t line, const char *field, const char *fmt,
	...)
{
	char what[256], full[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(full, sizeof(full), "%s:%zu: %s: %s", file, line, field, what);
	else
		snprintf(full, sizeof(full), "%s: %s: %s", file, field, what);
	if (pp->n++ == 0 && pp->fresh)
		err_set(pp->err, ERR_INVALID, "invalid FIT pilot pack: %s", full);
	err_detail(pp->err, field, line > INT_MAX ? INT_MAX : (int)line, 0, "%s", full);
}

static void problems_finish(struct pack_problems *pp)
{
	if (pp->n > 1 && pp->fresh) {
		size_t len = strlen(pp->err->message);
		snprintf(pp->err->message + len, sizeof(pp->err->message) - len,
			 " (and %zu more problem%s)", pp->n - 1, pp->n == 2 ? "" : "s");
	}
}

/* A value quoted for a message: cut at 40 bytes. */
static const char *quoted(const char *s, char *buf, size_t size)
{
	size_t len = strlen(s);
	if (len > 40)
		snprintf(buf, size, "\"%.40s...\"", s);
	else
		snprintf(buf, size, "\"%s\"", s);
	return buf;
}

/* ---- one file: header and field readers ---- */

struct pack_file {
	const char *name;
	struct csv_reader *r;
	const char *const *columns;
	size_t n_columns;
	int col[8]; /* header index of columns[i] */
	struct pack_problems *pp;
};

/* Reads the header: every expected column once, nothing else. Returns 0 when
 * rows can be read. */
static int read_header(struct pack_file *f)
{
	struct err e;
	err_init(&e);
	if (csv_read_header(f->r, &e) < 0) {
		/* the detail's message has no "line:column: " in front */
		const struct err_detail *d = e.n_details ? &e.details[0] : NULL;
		problem(f->pp, f->name, d && d->line > 0 ? (size_t)d->line : 1, "header", "%s",
			d ? d->message : e.message);
		return -1;
	}
	int ok = 1;
	for (size_t i = 0; i < f->n_columns; i++) {
		f->col[i] = csv_column(f->r, f->columns[i]);
		if (f->col[i] < 0) {
			problem(f->pp, f->name, 1, f->columns[i], "missing column");
			ok = 0;
		}
	}
	for (size_t c = 0; c < csv_ncolumns(f->r); c++) {
		const char *name = csv_column_name(f->r, c);
		size_t i = 0;
		while (i < f->n_columns && strcmp(name, f->columns[i]) != 0)
			i++;
		if (i == f->n_columns) {
			char q[64];
			problem(f->pp, f->name, 1, "header", "unknown column %s",
				quoted(name, q, sizeof(q)));
			ok = 0;
		}
	}
	return ok ? 0 : -1;
}

static const char *field(const struct pack_file *f, size_t i)
{
	return csv_field(f->r, (size_t)f->col[i]);
}

static size_t line(const struct pack_file *f)
{
	return csv_line(f->r);
}

/* A required timestamp with an offset; a plain date when date_ok. */
static int read_time(struct pack_file *f, size_t i, int required, int date_ok, int64_t *t)
{
	const char *s = field(f, i);
	*t = RTIME_NONE;
	if (!*s) {
		if (required)
			problem(f->pp, f->name, line(f), f->columns[i], "is required");
		return required ? -1 : 0;
	}
	char buf[40];
	if (date_ok && strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
		snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
		s = buf;
	}
	struct err e;
	err_init(&e);
	if (rtime_parse(s, t, &e) < 0) {
		problem(f->pp, f->name, line(f), f->columns[i], "%s", e.message);
		return -1;
	}
	return 0;
}

/* A 0/1 flag. */
static int read_flag(struct pack_file *f, size_t i, int *v)
{
	const char *s = field(f, i);
	if (strcmp(s, "0") == 0 || strcmp(s, "1") == 0) {
		*v = s[0] == '1';
		return 0;
	}
	char q[64];
	if (!*s)
		problem(f->pp, f->name, line(f), f->columns[i], "is required (0 or 1)");
	else
		problem(f->pp, f->name, line(f), f->columns[i], "must be 0 or 1, not %s",
			quoted(s, q, sizeof(q)));
	return -1;
}

/* An id: a change key (1..200 printable bytes, no spaces). */
static char *read_id(struct pack_file *f, size_t i, int required)
{
	const char *s = field(f, i);
	if (!*s) {
		if (required)
			problem(f->pp, f->name, line(f), f->columns[i], "is required");
		return NULL;
	}
	if (!model_valid_key(s)) {
		char q[64];
		problem(f->pp, f->name, line(f), f->columns[i],
			"%s is not a valid id (1 to 200 printable characters, no spaces)",
			quoted(s, q, sizeof(q)));
		return NULL;
	}
	return xstrdup(s);
}

static char *read_notes(struct pack_file *f, size_t i)
{
	const char *s = field(f, i);
	if (strlen(s) > FIT_NOTES_MAX) {
		problem(f->pp, f->name, line(f), f->columns[i], "longer than %d bytes",
			FIT_NOTES_MAX);
		return NULL;
	}
	return *s ? xstrdup(s) : NULL;
}

/* Minutes (a non-negative decimal, whole seconds) as seconds. */
static int read_minutes(struct pack_file *f, size_t i, int64_t *seconds)
{
	const char *s = field(f, i);
	char q[64];
	size_t digits = strspn(s, "0123456789"), dots = 0;
	for (const char *c = s; *c; c++)
		dots += *c == '.';
	int shape = *s && strspn(s, "0123456789.") == strlen(s) && dots <= 1 && s[0] != '.' &&
		    digits > 0;
	double v = shape ? strtod(s, NULL) : NAN;
	if (!*s) {
		problem(f->pp, f->name, line(f), f->columns[i], "is required");
		return -1;
	}
	if (!shape || !(v <= FIT_MINUTES_MAX)) {
		problem(f->pp, f->name, line(f), f->columns[i],
			"must be a number of minutes (0 or more), not %s", quoted(s, q, sizeof(q)));
		return -1;
	}
	double secs = v * 60;
	if (fabs(secs - round(secs)) > 1e-6) {
		problem(f->pp, f->name, line(f), f->columns[i],
			"%s minutes is not a whole number of seconds", quoted(s, q, sizeof(q)));
		return -1;
	}
	*seconds = (int64_t)round(secs);
	return 0;
}

/* Reads the next record: 1, 0 at the end, -1 on a CSV error (reported; the
 * file stops there). */
static int next_row(struct pack_file *f)
{
	struct err e;
	err_init(&e);
	int rc = csv_next(f->r, &e);
	if (rc < 0) {
		const struct err_detail *d = e.n_details ? &e.details[0] : NULL;
		problem(f->pp, f->name, d ? (size_t)d->line : 0, "csv", "%s (column %d)",
			d ? d->message : e.message, d ? d->column : 0);
	}
	return rc;
}

/* ---- changes ---- */

enum { CH_ID, CH_EFFECTIVE, CH_CLOSURE, CH_IS_IO, CH_CATEGORY, CH_BYPASS, CH_NOTES, CH_COUNT };
static const char *const change_columns[] = {
	"change_id",   "effective_ts_utc", "closure_ts_utc", "is_io",
	"io_category", "bypass",	   "notes",
};

/* Categories not in the map: each name once, with its first line and count. */
struct unmapped {
	char *name;
	size_t line, rows;
};
struct unmapped_list {
	struct unmapped *items;
	size_t n;
};

static void unmapped_add(struct unmapped_list *u, const char *name, size_t at)
{
	for (size_t i = 0; i < u->n; i++)
		if (strcmp(u->items[i].name, name) == 0) {
			u->items[i].rows++;
			return;
		}
	u->items = xrealloc(u->items, (u->n + 1) * sizeof(*u->items));
	u->items[u->n++] = (struct unmapped){xstrdup(name), at, 1};
}

/* The category of a row: one of the six, or mapped; -1 when not. */
static int read_category(struct pack_file *f, const struct fit_category_map *map, int is_io,
			 struct unmapped_list *u)
{
	const char *s = field(f, CH_CATEGORY);
	char q[64];
	if (!is_io) {
		if (*s)
			problem(f->pp, f->name, line(f), "io_category",
				"must be empty when is_io is 0, not %s", quoted(s, q, sizeof(q)));
		return -1;
	}
	if (!*s) {
		problem(f->pp, f->name, line(f), "io_category", "is required when is_io is 1");
		return -1;
	}
	int c = model_lookup(&io_category_names, s);
	for (size_t i = 0; c < 0 && map && i < map->n; i++)
		if (strcmp(map->from[i], s) == 0)
			c = map->to[i];
	if (c < 0)
		unmapped_add(u, s, line(f));
	return c;
}

static void report_unmapped(struct pack_problems *pp, const char *file, struct unmapped_list *u)
{
	if (u->n == 0)
		return;
	struct buf list;
	buf_init(&list, 0);
	for (size_t i = 0; i < u->n; i++) {
		char q[64];
		quoted(u->items[i].name, q, sizeof(q));
		problem(pp, file, u->items[i].line, "io_category",
			"unmapped category %s (%zu row%s): map it to one of %s in the category map",
			q, u->items[i].rows, u->items[i].rows == 1 ? "" : "s",
			io_category_names.list);
		buf_printf(&list, "%s%s", i ? ", " : "", u->items[i].name);
	}
	problem(pp, file, 0, "io_category", "unmapped categories: %s", list.data);
	buf_release(&list);
	for (size_t i = 0; i < u->n; i++)
		free(u->items[i].name);
	free(u->items);
}

static void fit_change_release(struct fit_change *c)
{
	free(c->change_id);
	free(c->notes);
}

/* One row into c; returns 0 when every field is valid. */
static int read_change(struct pack_file *f, const struct fit_category_map *map,
		       struct unmapped_list *u, struct fit_change *c)
{
	size_t before = f->pp->n, unmapped = u->n;
	memset(c, 0, sizeof(*c));
	c->line = line(f);
	c->change_id = read_id(f, CH_ID, 1);
	read_time(f, CH_EFFECTIVE, 1, 0, &c->effective_at);
	read_time(f, CH_CLOSURE, 0, 0, &c->closed_at);
	int flag_ok = read_flag(f, CH_IS_IO, &c->is_io) == 0;
	c->category = flag_ok ? read_category(f, map, c->is_io, u) : -1;
	read_flag(f, CH_BYPASS, &c->bypass);
	c->notes = read_notes(f, CH_NOTES);
	if (f->pp->n != before || u->n != unmapped || (c->is_io && c->category < 0)) {
		fit_change_release(c);
		return -1;
	}
	return 0;
}

/* ---- drills ---- */

enum { DR_ID, DR_CHANGE, DR_DATE, DR_RTO, DR_RPO, DR_SUCCESS, DR_NOTES, DR_COUNT };
static const char *const drill_columns[] = {
	"drill_id", "change_id", "date_utc", "rto_minutes", "rpo_minutes", "success", "notes",
};

static void fit_drill_release(struct fit_drill *d)
{
	free(d->drill_id);
	free(d->change_id);
	free(d->notes);
}

static int read_drill(struct pack_file *f, struct fit_drill *d)
{
	size_t before = f->pp->n;
	memset(d, 0, sizeof(*d));
	d->line = line(f);
	d->drill_id = read_id(f, DR_ID, 1);
	d->change_id = read_id(f, DR_CHANGE, 0);
	read_time(f, DR_DATE, 1, 1, &d->performed_at);
	read_minutes(f, DR_RTO, &d->rto_target);
	read_minutes(f, DR_RPO, &d->rpo_target);
	read_flag(f, DR_SUCCESS, &d->success);
	d->notes = read_notes(f, DR_NOTES);
	if (f->pp->n != before) {
		fit_drill_release(d);
		return -1;
	}
	return 0;
}

/* ---- duplicates ---- */

struct id_ref {
	const char *id;
	size_t line;
};

static int cmp_id_ref(const void *a, const void *b)
{
	const struct id_ref *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Reports every id seen before (sorted by id, then line). */
static void report_duplicates(struct pack_problems *pp, const char *file, const char *field_name,
			      struct id_ref *refs, size_t n)
{
	if (n < 2)
		return;
	xqsort(refs, n, sizeof(*refs), cmp_id_ref);
	for (size_t i = 1; i < n; i++) {
		size_t first = i - 1;
		while (i < n && strcmp(refs[i].id, refs[first].id) == 0) {
			char q[64];
			problem(pp, file, refs[i].line, field_name,
				"duplicate %s (first on line %zu)",
				quoted(refs[i].id, q, sizeof(q)), refs[first].line);
			i++;
		}
	}
}

/* ---- the pack ---- */

/* Row ids for the duplicate check: borrowed from valid rows, copied (and
 * freed by ids_release) from invalid ones, which count too. */
struct ids {
	struct id_ref *refs;
	char **copies;
	size_t n, n_copies, cap;
};

static void ids_add(struct ids *ids, const char *kept, const char *raw, size_t at)
{
	if (!*raw)
		return;
	if (ids->n == ids->cap) {
		ids->cap = ids->cap ? 2 * ids->cap : 16;
		ids->refs = xrealloc(ids->refs, ids->cap * sizeof(*ids->refs));
		ids->copies = xrealloc(ids->copies, ids->cap * sizeof(*ids->copies));
	}
	if (!kept)
		kept = ids->copies[ids->n_copies++] = xstrdup(raw);
	ids->refs[ids->n++] = (struct id_ref){kept, at};
}

static void ids_release(struct ids *ids)
{
	for (size_t i = 0; i < ids->n_copies; i++)
		free(ids->copies[i]);
	free(ids->copies);
	free(ids->refs);
}

static void parse_changes(const char *file, const char *text, size_t len,
			  const struct fit_category_map *map, struct fit_pack *p,
			  struct pack_problems *pp)
{
	struct pack_file f = {file,
			      csv_reader_from_memory(text ? text : "", text ? len : 0, 0),
			      change_columns,
			      CH_COUNT,
			      {0},
			      pp};
	struct unmapped_list u = {0};
	struct ids ids = {0};
	size_t cap = 0;
	if (read_header(&f) == 0) {
		while (next_row(&f) == 1) {
			struct fit_change c;
			if (p->n_changes == cap) {
				cap = cap ? 2 * cap : 16;
				p->changes = xrealloc(p->changes, cap * sizeof(*p->changes));
			}
			int ok = read_change(&f, map, &u, &c) == 0;
			if (ok)
				p->changes[p->n_changes++] = c;
			ids_add(&ids, ok ? c.change_id : NULL, field(&f, CH_ID), line(&f));
		}
	}
	report_unmapped(pp, file, &u);
	report_duplicates(pp, file, "change_id", ids.refs, ids.n);
	ids_release(&ids);
	csv_reader_free(f.r);
}

static void parse_drills(const char *file, const char *text, size_t len, struct fit_pack *p,
			 struct pack_problems *pp)
{
	struct pack_file f = {
		file, csv_reader_from_memory(text, len, 0), drill_columns, DR_COUNT, {0}, pp};
	struct ids ids = {0};
	size_t cap = 0;
	if (read_header(&f) == 0) {
		while (next_row(&f) == 1) {
			struct fit_drill d;
			if (p->n_drills == cap) {
				cap = cap ? 2 * cap : 16;
				p->drills = xrealloc(p->drills, cap * sizeof(*p->drills));
			}
			int ok = read_drill(&f, &d) == 0;
			if (ok)
				p->drills[p->n_drills++] = d;
			ids_add(&ids, ok ? d.drill_id : NULL, field(&f, DR_ID), line(&f));
		}
	}
	report_duplicates(pp, file, "drill_id", ids.refs, ids.n);
	ids_release(&ids);
	csv_reader_free(f.r);
}

int fit_pack_parse(const char *changes_file, const char *changes, size_t changes_len,
		   const char *drills_file, const char *drills, size_t drills_len,
		   const struct fit_category_map *map, struct fit_pack *p, struct err *err)
{
	memset(p, 0, sizeof(*p));
	struct pack_problems pp = {err, !err_is_set(err), 0};
	parse_changes(changes_file ? changes_file : "changes.csv", changes, changes_len, map, p,
		      &pp);
	if (drills)
		parse_drills(drills_file ? drills_file : "drills.csv", drills, drills_len, p, &pp);
	if (pp.n == 0)
		return 0;
	problems_finish(&pp);
	fit_pack_release(p);
	return -1;
}

void fit_pack_release(struct fit_pack *p)
{
	for (size_t i = 0; i < p->n_changes; i++)
		fit_change_release(&p->changes[i]);
	for (size_t i = 0; i < p->n_drills; i++)
		fit_drill_release(&p->drills[i]);
	free(p->changes);
	free(p->drills);
	memset(p, 0, sizeof(*p));
}
