/* The strict YAML side of the import rules loader: the raw text is checked
 * first (tabs, NUL bytes), then libyaml's events become a small tree, refusing
 * anchors, aliases, tags, directives, YAML 1.1 booleans and a second document
 * on the way. Every problem goes to the list that import_rules.c reports. */
#include "common.h"

#include <yaml.h>

#include "import_rules_int.h"

#define IRNODE_DEPTH_MAX 16
#define IRPROBLEMS_MAX 1024

void irproblems_add(struct irproblems *pr, int line, int column, const char *field, const char *fmt,
		    ...)
{
	if (pr->n >= IRPROBLEMS_MAX)
		return;
	if (pr->n == pr->cap) {
		pr->cap = pr->cap ? 2 * pr->cap : 16;
		pr->items = xrealloc(pr->items, pr->cap * sizeof(*pr->items));
	}
	struct irproblem *p = &pr->items[pr->n];
	p->line = line;
	p->column = column;
	p->seq = pr->n++;
	snprintf(p->field, sizeof(p->field), "%s", field ? field : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->message, sizeof(p->message), fmt, ap);
	va_end(ap);
	for (char *c = p->message; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

const char *ir_quote(const char *s, size_t len, char *out)
{
	size_t cut = len > IR_QUOTE_MAX ? IR_QUOTE_MAX : len, o = 0;
	while (cut < len && cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	out[o++] = '"';
	for (size_t i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, IR_QUOTE_BUFSZ - o, "\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	if (cut < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

void irnode_free(struct irnode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_kids; i++)
		irnode_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n);
}

struct loader {
	yaml_parser_t parser;
	const char *text;
	size_t len;
	struct irproblems *pr;
	int stopped;
};

/* The length of the line break at u, or 0: CR LF, CR, LF, NEL, LS, PS (as
 * libyaml counts lines). */
static size_t line_break(const unsigned char *u, size_t left)
{
	if (u[0] == '\r')
		return left > 1 && u[1] == '\n' ? 2 : 1;
	if (u[0] == '\n')
		return 1;
	if (u[0] == 0xC2 && left > 1 && u[1] == 0x85)
		return 2;
	if (u[0] == 0xE2 && left > 2 && u[1] == 0x80 && (u[2] == 0xA8 || u[2] == 0xA9))
		return 3;
	return 0;
}

/* Line and column (1-based, columns in characters) of byte offset in text. */
static void position_at(const char *text, size_t len, size_t offset, int *line, int *column)
{
	int l = 1, c = 1;
	for (size_t i = 0; i < len && i < offset;) {
		const unsigned char *u = (const unsigned char *)text + i;
		size_t brk = line_break(u, len - i);
		if (brk) {
			l++;
			c = 1;
			i += brk;
			continue;
		}
		if ((u[0] & 0xC0) != 0x80)
			c++;
		i++;
	}
	*line = l;
	*column = c;
}

/* Reports every tab and the first NUL byte, and makes them spaces so the
 * parse goes on with unchanged positions. */
static void scan_raw(char *text, size_t len, struct irproblems *pr)
{
	int line = 1, column = 1, in_indent = 1, nul_seen = 0;
	for (size_t i = 0; i < len;) {
		unsigned char *u = (unsigned char *)text + i;
		size_t brk = line_break(u, len - i);
		if (brk) {
			line++;
			column = 1;
			in_indent = 1;
			i += brk;
			continue;
		}
		if (u[0] == '\t') {
			irproblems_add(pr, line, column, "",
				       in_indent ? "tab character: indent with spaces"
						 : "tab character: use spaces");
			u[0] = ' ';
		} else if (u[0] == '\0') {
			if (!nul_seen)
				irproblems_add(pr, line, column, "",
					       "NUL byte: a rules file is text");
			nul_seen = 1;
			u[0] = ' ';
		} else if (u[0] != ' ') {
			in_indent = 0;
		}
		if ((u[0] & 0xC0) != 0x80)
			column++;
		i++;
	}
}

static int next_event(struct loader *l, yaml_event_t *ev)
{
	if (yaml_parser_parse(&l->parser, ev))
		return 0;
	const yaml_parser_t *yp = &l->parser;
	int line, column;
	if (yp->error == YAML_READER_ERROR) {
		position_at(l->text, l->len, yp->problem_offset, &line, &column);
	} else {
		line = (int)yp->problem_mark.line + 1;
		column = (int)yp->problem_mark.column + 1;
	}
	const char *problem = yp->problem ? yp->problem : "invalid YAML";
	if (yp->error == YAML_MEMORY_ERROR)
		abort(); /* out of memory */
	if (yp->context)
		irproblems_add(l->pr, line, column, "", "%s (%s from line %d)", problem,
			       yp->context, (int)yp->context_mark.line + 1);
	else
		irproblems_add(l->pr, line, column, "", "%s", problem);
	l->stopped = 1;
	return -1;
}

static struct irnode *irnode_new(enum irnode_type type, const yaml_event_t *ev)
{
	struct irnode *n = xcalloc(1, sizeof(*n));
	n->type = type;
	n->line = (int)ev->start_mark.line + 1;
	n->column = (int)ev->start_mark.column + 1;
	return n;
}

static void irnode_push(struct irnode *parent, struct irnode *kid)
{
	if ((parent->n_kids & (parent->n_kids - 1)) == 0)
		parent->kids = xrealloc(parent->kids,
					(parent->n_kids ? 2 * parent->n_kids : 1) * sizeof(kid));
	parent->kids[parent->n_kids++] = kid;
}

/* y/n/yes/no/on/off in any case: booleans in YAML 1.1, text in 1.2. */
static int yaml11_boolean(const char *s)
{
	static const char *const words[] = {"y", "n", "yes", "no", "on", "off"};
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strcasecmp(s, words[i]) == 0)
			return 1;
	return 0;
}

static struct irnode *build_scalar(const yaml_event_t *ev)
{
	struct irnode *n = irnode_new(IRNODE_SCALAR, ev);
	n->anchor = ev->data.scalar.anchor != NULL;
	n->tag = ev->data.scalar.tag != NULL;
	n->len = ev->data.scalar.length;
	n->text = xstrndup((const char *)ev->data.scalar.value, n->len);
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	n->nul = memchr(ev->data.scalar.value, '\0', n->len) != NULL;
	n->yaml11_boolean = !n->nul && n->plain && yaml11_boolean(n->text);
	n->reported = n->nul || n->yaml11_boolean;
	return n;
}

static struct irnode *build(struct loader *l, const yaml_event_t *ev, int depth);

static struct irnode *build_collection(struct loader *l, const yaml_event_t *ev, int depth)
{
	int is_map = ev->type == YAML_MAPPING_START_EVENT;
	struct irnode *n = irnode_new(is_map ? IRNODE_MAPPING : IRNODE_SEQUENCE, ev);
	n->anchor =
		(is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor) != NULL;
	n->tag = (is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag) != NULL;
	if (depth >= IRNODE_DEPTH_MAX) {
		irproblems_add(l->pr, n->line, n->column, "", "nested more than %d levels deep",
			       IRNODE_DEPTH_MAX);
		l->stopped = 1;
		return n;
	}
	for (;;) {
		yaml_event_t kid;
		if (next_event(l, &kid) < 0)
			return n;
		if (kid.type == YAML_SEQUENCE_END_EVENT || kid.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kid);
			return n;
		}
		irnode_push(n, build(l, &kid, depth + 1));
		yaml_event_delete(&kid);
		if (l->stopped)
			return n;
	}
}

static struct irnode *build(struct loader *l, const yaml_event_t *ev, int depth)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return build_scalar(ev);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return build_collection(l, ev, depth);
	case YAML_ALIAS_EVENT: {
		struct irnode *n = irnode_new(IRNODE_ALIAS, ev);
		n->reported = 1;
		return n;
	}
	default: {
		struct irnode *n = irnode_new(IRNODE_ALIAS, ev);
		irproblems_add(l->pr, n->line, n->column, "", "unexpected YAML event");
		n->reported = 1;
		l->stopped = 1;
		return n;
	}
	}
}

static int expect(struct loader *l, yaml_event_type_t type, yaml_event_t *ev)
{
	if (next_event(l, ev) < 0)
		return -1;
	if (ev->type == type)
		return 0;
	irproblems_add(l->pr, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1, "",
		       "unexpected YAML event");
	yaml_event_delete(ev);
	l->stopped = 1;
	return -1;
}

static void check_stream_end(struct loader *l)
{
	yaml_event_t ev;
	if (next_event(l, &ev) < 0)
		return;
	if (ev.type == YAML_DOCUMENT_START_EVENT)
		irproblems_add(l->pr, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
			       "", "a second document: a rules file holds one set of rules");
	yaml_event_delete(&ev);
}

#define EMPTY_DOCUMENT "empty document: import rules need \"name\" and \"version\""

static struct irnode *parse_document(struct loader *l)
{
	yaml_event_t ev;
	if (expect(l, YAML_STREAM_START_EVENT, &ev) < 0)
		return NULL;
	yaml_event_delete(&ev);
	if (next_event(l, &ev) < 0)
		return NULL;
	if (ev.type != YAML_DOCUMENT_START_EVENT) {
		yaml_event_delete(&ev);
		irproblems_add(l->pr, 1, 1, "", EMPTY_DOCUMENT);
		return NULL;
	}
	if (ev.data.document_start.version_directive ||
	    ev.data.document_start.tag_directives.start !=
		    ev.data.document_start.tag_directives.end)
		irproblems_add(l->pr, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
			       "", "directives are not allowed");
	yaml_event_delete(&ev);
	if (next_event(l, &ev) < 0)
		return NULL;
	struct irnode *root = build(l, &ev, 0);
	yaml_event_delete(&ev);
	if (!l->stopped && expect(l, YAML_DOCUMENT_END_EVENT, &ev) == 0) {
		yaml_event_delete(&ev);
		check_stream_end(l);
	}
	if (!l->stopped && root->type == IRNODE_SCALAR && root->plain && root->len == 0) {
		irproblems_add(l->pr, 1, 1, "", EMPTY_DOCUMENT);
		irnode_free(root);
		return NULL;
	}
	return root;
}

/* a.b or a[i] into out. */
static void kid_path(char *out, const char *parent, const struct irnode *n, size_t i)
{
	if (n->type == IRNODE_SEQUENCE) {
		snprintf(out, IR_PATH_LEN, "%s[%zu]", parent, i);
		return;
	}
	const struct irnode *key = n->kids[i & ~(size_t)1];
	if (key->type == IRNODE_SCALAR && !key->nul)
		snprintf(out, IR_PATH_LEN, "%s%s%s", parent, *parent ? "." : "", key->text);
	else
		snprintf(out, IR_PATH_LEN, "%s", parent);
}

/* What the YAML layer refuses anywhere in the tree, with each node's path. */
static void check_tree(const struct irnode *n, const char *path, struct irproblems *pr)
{
	char buf[IR_QUOTE_BUFSZ];
	if (n->anchor)
		irproblems_add(pr, n->line, n->column, path, "anchors are not allowed");
	if (n->tag)
		irproblems_add(pr, n->line, n->column, path, "tags are not allowed");
	if (n->type == IRNODE_ALIAS)
		irproblems_add(pr, n->line, n->column, path, "aliases are not allowed");
	if (n->nul)
		irproblems_add(pr, n->line, n->column, path, "NUL character in %s",
			       ir_quote(n->text, n->len, buf));
	if (n->yaml11_boolean)
		irproblems_add(pr, n->line, n->column, path,
			       "%s is a YAML 1.1 boolean: write true or false",
			       ir_quote(n->text, n->len, buf));
	char path_of_kid[IR_PATH_LEN];
	for (size_t i = 0; i < n->n_kids; i++) {
		kid_path(path_of_kid, path, n, i);
		check_tree(n->kids[i], path_of_kid, pr);
	}
}

struct irnode *ir_parse(char *text, size_t len, struct irproblems *pr, int *stopped)
{
	scan_raw(text, len, pr);
	struct loader l = {.text = text, .len = len, .pr = pr};
	if (!yaml_parser_initialize(&l.parser))
		abort(); /* out of memory */
	yaml_parser_set_encoding(&l.parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&l.parser, (const unsigned char *)text, len);
	struct irnode *root = parse_document(&l);
	yaml_parser_delete(&l.parser);
	if (root)
		check_tree(root, "", pr);
	*stopped = l.stopped;
	return root;
}
