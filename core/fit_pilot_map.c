/* The FIT pilot's category map: a flat YAML mapping of source category names
 * to ratchet's six ("self_eval_gating: evaluation"), read from libyaml's
 * events. Every problem is reported as line:column: message. */
#include "common.h"

#include <yaml.h>

#include "err.h"
#include "fit_pilot.h"

#define MAP_TEXT_MAX (256 * 1024)
#define MAP_ENTRIES_MAX 1024

struct map_reader {
	yaml_parser_t parser;
	const char *file;
	struct err *err;
	int fresh;   /* err was unset: the message is ours */
	size_t n;    /* problems */
	int stopped; /* a syntax error or a nested value: no more events */
	struct fit_category_map *m;
	const char *text;
	size_t len;
	char **seen; /* every key read, mapped or not, for duplicates */
	size_t n_seen;
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
		err_set(mr->err, ERR_INVALID, "could not parse category map \"%s\": %d:%d: %s",
			mr->file, line, column, what);
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

static void quote(const char *s, char *buf, size_t size)
{
	if (strlen(s) > 40)
		snprintf(buf, size, "\"%.40s...\"", s);
	else
		snprintf(buf, size, "\"%s\"", s);
}

/* A scalar key or value: no anchors or tags; a collection stops the read. */
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

static void map_add(struct map_reader *mr, const yaml_event_t *kev, const char *key,
		    const yaml_event_t *vev, const char *value)
{
	char q[64];
	struct fit_category_map *m = mr->m;
	quote(key, q, sizeof(q));
	if (!*key)
		return (void)map_problem(mr, &kev->start_mark, key, "empty source category name");
	if (model_lookup(&io_category_names, key) >= 0)
		return (void)map_problem(mr, &kev->start_mark, key,
					 "%s is a category already: map only other names", q);
	for (size_t i = 0; i < mr->n_seen; i++)
		if (strcmp(mr->seen[i], key) == 0)
			return (void)map_problem(mr, &kev->start_mark, key, "duplicate key %s", q);
	if (mr->n_seen < MAP_ENTRIES_MAX) {
		mr->seen = xrealloc(mr->seen, (mr->n_seen + 1) * sizeof(*mr->seen));
		mr->seen[mr->n_seen++] = xstrdup(key);
	}
	int to = model_lookup(&io_category_names, value);
	if (to < 0) {
		quote(value, q, sizeof(q));
		return (void)map_problem(mr, &vev->start_mark, key,
					 "unknown category %s (one of %s)", q,
					 io_category_names.list);
	}
	if (m->n >= MAP_ENTRIES_MAX)
		return (void)map_problem(mr, &kev->start_mark, key, "more than %d entries",
					 MAP_ENTRIES_MAX);
	m->from = xrealloc(m->from, (m->n + 1) * sizeof(*m->from));
	m->to = xrealloc(m->to, (m->n + 1) * sizeof(*m->to));
	m->from[m->n] = xstrdup(key);
	m->to[m->n++] = to;
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
		const char *key = map_scalar(mr, &kev, NULL, "a source category name");
		if (mr->stopped || map_next(mr, &vev) < 0) {
			yaml_event_delete(&kev);
			return;
		}
		const char *value = map_scalar(mr, &vev, key, "a category");
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
			    "must be a mapping of source category names to categories "
			    "(self_eval_gating: evaluation)");
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

int fit_category_map_parse(const char *file, const char *text, size_t len,
			   struct fit_category_map *m, struct err *err)
{
	memset(m, 0, sizeof(*m));
	if (!text)
		len = 0;
	struct map_reader mr = {.file = file ? file : "category map",
				.err = err,
				.fresh = !err_is_set(err),
				.m = m,
				.text = text,
				.len = len};
	if (len > MAP_TEXT_MAX) {
		map_problem(&mr, NULL, NULL, "larger than %d bytes", MAP_TEXT_MAX);
		return -1;
	}
	if (!yaml_parser_initialize(&mr.parser))
		abort(); /* out of memory */
	yaml_parser_set_encoding(&mr.parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&mr.parser, (const unsigned char *)(text ? text : ""), len);
	map_read(&mr);
	yaml_parser_delete(&mr.parser);
	for (size_t i = 0; i < mr.n_seen; i++)
		free(mr.seen[i]);
	free(mr.seen);
	if (mr.n == 0)
		return 0;
	fit_category_map_release(m);
	return -1;
}

void fit_category_map_release(struct fit_category_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->from[i]);
	free(m->from);
	free(m->to);
	memset(m, 0, sizeof(*m));
}
