/* The column map of a flat-file import (--map F.yaml): a flat YAML mapping of
 * source column names to field names, read strictly from libyaml's events
 * (as core/fit_pilot_map.c reads the FIT category map), every problem at its
 * line and column; and the fixed zone (--tz) naive times are read in. */
#include "common.h"

#include <yaml.h>

#include "err.h"
#include "flat_import_int.h"

struct map_reader {
	yaml_parser_t parser;
	const char *file;
	enum flat_kind kind;
	struct err *err;
	int fresh;   /* err was unset: the message is ours */
	size_t n;    /* problems */
	int stopped; /* a syntax error or a nested value: no more events */
	struct flat_map *m;
	const char *text;
	size_t len;
};

static void __attribute__((format(printf, 4, 5)))
map_problem(struct map_reader *mr, const yaml_mark_t *at, const char *field, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	int line = at ? (int)at->line + 1 : 1, column = at ? (int)at->column + 1 : 1;
	if (mr->n++ == 0 && mr->fresh)
		err_set(mr->err, ERR_INVALID, "invalid map \"%s\": %d:%d: %s", mr->file, line,
			column, what);
	err_detail(mr->err, field ? field : "", line, column, "%s", what);
}

/* The next event; on a libyaml error reports it and stops. */
static int map_next(struct map_reader *mr, yaml_event_t *ev)
{
	if (yaml_parser_parse(&mr->parser, ev))
		return 0;
	const char *what = mr->parser.problem ? mr->parser.problem : "invalid YAML";
	yaml_mark_t at = mr->parser.problem_mark;
	if (mr->parser.error == YAML_READER_ERROR) {
		/* libyaml gives a byte offset only: count lines and characters */
		at.line = at.column = 0;
		for (size_t i = 0; i < mr->parser.problem_offset && i < mr->len; i++) {
			unsigned char c = (unsigned char)mr->text[i];
			if (c == '\n') {
				at.line++;
				at.column = 0;
			} else if ((c & 0xC0) != 0x80) {
				at.column++;
			}
		}
	}
	map_problem(mr, &at, NULL, "%s", what);
	mr->stopped = 1;
	return -1;
}

/* A scalar key or value: no anchors or tags; a collection or alias stops the read. */
static const char *map_scalar(struct map_reader *mr, const yaml_event_t *ev, const char *field,
			      const char *what)
{
	if (ev->type != YAML_SCALAR_EVENT) {
		map_problem(mr, &ev->start_mark, field, "%s must be text, not %s", what,
			    ev->type == YAML_ALIAS_EVENT	    ? "an alias"
			    : ev->type == YAML_SEQUENCE_START_EVENT ? "a list"
								    : "a mapping");
		mr->stopped = 1;
		return NULL;
	}
	if (ev->data.scalar.anchor || ev->data.scalar.tag) {
		map_problem(mr, &ev->start_mark, field, "anchors and tags are not allowed");
		return NULL;
	}
	if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length)) {
		map_problem(mr, &ev->start_mark, field, "NUL character in %s", what);
		return NULL;
	}
	return (const char *)ev->data.scalar.value;
}

/* A plain ~, null or nothing: the column is dropped. */
static bool is_null(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*v || strcmp(v, "~") == 0 || strcmp(v, "null") == 0);
}

static void map_add(struct map_reader *mr, const yaml_event_t *kev, const char *key,
		    const yaml_event_t *vev, const char *value)
{
	struct flat_map *m = mr->m;
	if (!*key)
		return (void)map_problem(mr, &kev->start_mark, key, "empty column name");
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->from[i], key) == 0)
			return (void)map_problem(mr, &kev->start_mark, key,
						 "duplicate column \"%.64s\"", key);
	bool drop = is_null(vev);
	if (!drop && !flat_field_find(mr->kind, value))
		return (void)map_problem(mr, &vev->start_mark, key,
					 "unknown field \"%.64s\" for %s (one of: %s; or null to "
					 "drop the column)",
					 value, model_name(&flat_kind_names, (int)mr->kind),
					 flat_fields_list(mr->kind));
	for (size_t i = 0; !drop && i < m->n; i++)
		if (m->to[i] && strcmp(m->to[i], value) == 0)
			return (void)map_problem(mr, &vev->start_mark, key,
						 "\"%.64s\" and \"%.64s\" both map to field \"%s\"",
						 m->from[i], key, value);
	if (m->n >= FLAT_MAP_ENTRIES_MAX) {
		map_problem(mr, &kev->start_mark, key, "more than %d entries",
			    FLAT_MAP_ENTRIES_MAX);
		mr->stopped = 1; /* once is enough */
		return;
	}
	m->from = xrealloc(m->from, (m->n + 1) * sizeof(*m->from));
	m->to = xrealloc(m->to, (m->n + 1) * sizeof(*m->to));
	m->from[m->n] = xstrdup(key);
	m->to[m->n++] = drop ? NULL : xstrdup(value);
}

/* The pairs of the mapping, up to its end. */
static void map_pairs(struct map_reader *mr)
{
	while (!mr->stopped) {
		yaml_event_t kev, vev;
		if (map_next(mr, &kev) < 0)
			return;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			return;
		}
		const char *key = map_scalar(mr, &kev, NULL, "a column name");
		if (mr->stopped || map_next(mr, &vev) < 0) {
			yaml_event_delete(&kev);
			return;
		}
		const char *value = map_scalar(mr, &vev, key, "a field name");
		if (key && value)
			map_add(mr, &kev, key, &vev, value);
		yaml_event_delete(&kev);
		yaml_event_delete(&vev);
	}
}

/* The document: a mapping, or nothing at all (an empty map). */
static void map_document(struct map_reader *mr)
{
	yaml_event_t ev;
	if (map_next(mr, &ev) < 0)
		return;
	int empty = ev.type == YAML_SCALAR_EVENT && ev.data.scalar.length == 0 &&
		    ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (ev.type == YAML_MAPPING_START_EVENT) {
		if (ev.data.mapping_start.anchor || ev.data.mapping_start.tag)
			map_problem(mr, &ev.start_mark, NULL, "anchors and tags are not allowed");
		map_pairs(mr);
	} else if (!empty) {
		map_problem(mr, &ev.start_mark, NULL,
			    "must be a mapping of column names to field names (Summary: title)");
		mr->stopped = 1;
	}
	yaml_event_delete(&ev);
	if (mr->stopped || map_next(mr, &ev) < 0)
		return;
	yaml_event_delete(&ev); /* the document's end */
	if (map_next(mr, &ev) < 0)
		return;
	if (ev.type == YAML_DOCUMENT_START_EVENT)
		map_problem(mr, &ev.start_mark, NULL, "a second document: the map is one mapping");
	yaml_event_delete(&ev);
}

static void map_read(struct map_reader *mr)
{
	yaml_event_t ev;
	if (map_next(mr, &ev) < 0)
		return;
	yaml_event_delete(&ev); /* the stream's start */
	if (map_next(mr, &ev) < 0)
		return;
	int document = ev.type == YAML_DOCUMENT_START_EVENT;
	yaml_event_delete(&ev);
	if (document)
		map_document(mr);
}

int flat_map_parse(const char *file, const char *text, size_t len, enum flat_kind kind,
		   struct flat_map *m, struct err *err)
{
	memset(m, 0, sizeof(*m));
	if (!text)
		len = 0;
	struct map_reader mr = {.file = file ? file : "map",
				.kind = kind,
				.err = err,
				.fresh = !err_is_set(err),
				.m = m,
				.text = text,
				.len = len};
	if (len > FLAT_MAP_TEXT_MAX) {
		map_problem(&mr, NULL, NULL, "larger than %d bytes", FLAT_MAP_TEXT_MAX);
		return -1;
	}
	if (!yaml_parser_initialize(&mr.parser))
		abort(); /* out of memory */
	yaml_parser_set_encoding(&mr.parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&mr.parser, (const unsigned char *)(text ? text : ""), len);
	map_read(&mr);
	yaml_parser_delete(&mr.parser);
	if (mr.n == 0)
		return 0;
	flat_map_release(m);
	return -1;
}

void flat_map_release(struct flat_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->from[i]);
		free(m->to[i]);
	}
	free(m->from);
	free(m->to);
	memset(m, 0, sizeof(*m));
}

static bool two_digits(const char *s, int max, int *v)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return false;
	*v = (s[0] - '0') * 10 + (s[1] - '0');
	return *v <= max;
}

int flat_tz_parse(const char *s, char suffix[8], struct err *err)
{
	int hh, mm;
	if (strcmp(s, "UTC") == 0 || strcmp(s, "Z") == 0) {
		snprintf(suffix, 8, "Z");
		return 0;
	}
	if (strlen(s) == 6 && (s[0] == '+' || s[0] == '-') && two_digits(s + 1, 23, &hh) &&
	    s[3] == ':' && two_digits(s + 4, 59, &mm)) {
		snprintf(suffix, 8, "%c%02d:%02d", s[0], hh, mm);
		return 0;
	}
	return err_set(err, ERR_INVALID,
		       "unsupported zone \"%.64s\": give UTC, Z or a fixed offset such as "
		       "+02:00 (named zones are not supported)",
		       s);
}
