/* The strict YAML side of the policy loader: the raw text is checked first
 * (size, tabs, NUL bytes), then libyaml's events become a small tree, refusing
 * anchors, aliases, tags, directives, YAML 1.1 booleans and a second document
 * on the way; policy_schema.c reads the tree. Every problem is collected and
 * reported in document order through err. */
#include "common.h"

#include <yaml.h>

#include "err.h"
#include "policy.h"
#include "policy_tree.h"

/* Nodes nest this deep at most (a policy needs four levels). */
#define YNODE_DEPTH_MAX 32
/* Problems kept; past this they are dropped (err keeps ERR_MAX_DETAILS anyway). */
#define PROBLEMS_MAX 1024

void problems_add(struct problems *pr, int line, int column, const char *field, const char *fmt,
		  ...)
{
	if (pr->n >= PROBLEMS_MAX)
		return;
	if (pr->n == pr->cap) {
		pr->cap = pr->cap ? 2 * pr->cap : 16;
		pr->items = xrealloc(pr->items, pr->cap * sizeof(*pr->items));
	}
	struct problem *p = &pr->items[pr->n];
	p->line = line;
	p->column = column;
	p->seq = pr->n++;
	snprintf(p->field, sizeof(p->field), "%s", field ? field : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->message, sizeof(p->message), fmt, ap);
	va_end(ap);
	/* One line each: callers print "file:line:column: message". Quoted values
	 * are escaped already; this catches text quoted by others (durations). */
	for (char *c = p->message; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

const char *policy_quote(const char *s, size_t len, char *out)
{
	size_t cut = len;
	if (cut > QUOTE_MAX) {
		cut = QUOTE_MAX;
		/* Do not end inside a UTF-8 sequence. */
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
	}
	size_t o = 0;
	out[o++] = '"';
	for (size_t i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, QUOTE_BUFSZ - o, "\\x%02x", c);
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

static void ynode_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_kids; i++)
		ynode_free(n->kids[i]);
	free(n->kids);
	free(n->text);
	free(n);
}

/* The state of one parse: libyaml's parser, the problems, and whether parsing
 * had to stop (a syntax error: the tree is incomplete, so only what the YAML
 * layer refuses is reported from it, not the schema). */
struct loader {
	yaml_parser_t parser;
	const char *text; /* what libyaml reads, for positions of reader errors */
	size_t len;
	struct problems *pr;
	int stopped;
};

/* The length of the line break at u (left bytes), or 0: CR LF, CR, LF, and
 * NEL, LS and PS (YAML 1.1 breaks, which libyaml counts as new lines). */
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

/* Line and column (1-based, columns in characters, as libyaml counts them) of
 * byte offset in text. */
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

/* Reports each tab (in the indentation or elsewhere) and the first NUL byte,
 * and turns them into spaces in text so the parse can go on and find the rest
 * with unchanged positions. */
static void scan_raw(char *text, size_t len, struct problems *pr)
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
			problems_add(pr, line, column, "",
				     in_indent ? "tab character: indent with spaces"
					       : "tab character: use spaces");
			u[0] = ' ';
		} else if (u[0] == '\0') {
			if (!nul_seen)
				problems_add(pr, line, column, "", "NUL byte: a policy is text");
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

/* The next event into ev; on a libyaml error reports it, stops, returns -1. */
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
		problem = "out of memory";
	if (yp->context)
		problems_add(l->pr, line, column, "", "%s (%s from line %d)", problem, yp->context,
			     (int)yp->context_mark.line + 1);
	else
		problems_add(l->pr, line, column, "", "%s", problem);
	l->stopped = 1;
	return -1;
}

static struct ynode *ynode_new(enum ynode_type type, const yaml_event_t *ev)
{
	struct ynode *n = xcalloc(1, sizeof(*n));
	n->type = type;
	n->line = (int)ev->start_mark.line + 1;
	n->column = (int)ev->start_mark.column + 1;
	return n;
}

static void ynode_push(struct ynode *parent, struct ynode *kid)
{
	/* Grows at powers of two. */
	if ((parent->n_kids & (parent->n_kids - 1)) == 0)
		parent->kids = xrealloc(parent->kids,
					(parent->n_kids ? 2 * parent->n_kids : 1) * sizeof(kid));
	parent->kids[parent->n_kids++] = kid;
}

/* y/n/yes/no/on/off in any case: YAML 1.1 reads them as booleans, YAML 1.2 as
 * text, so a policy may not say them unquoted at all. */
static int yaml11_boolean(const char *s)
{
	static const char *const words[] = {"y", "n", "yes", "no", "on", "off"};
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strcasecmp(s, words[i]) == 0)
			return 1;
	return 0;
}

static struct ynode *build_scalar(const yaml_event_t *ev)
{
	struct ynode *n = ynode_new(YNODE_SCALAR, ev);
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

static struct ynode *build(struct loader *l, const yaml_event_t *ev, int depth);

/* A sequence or mapping: its items up to the closing event. */
static struct ynode *build_collection(struct loader *l, const yaml_event_t *ev, int depth)
{
	int is_map = ev->type == YAML_MAPPING_START_EVENT;
	struct ynode *n = ynode_new(is_map ? YNODE_MAPPING : YNODE_SEQUENCE, ev);
	n->anchor =
		(is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor) != NULL;
	n->tag = (is_map ? ev->data.mapping_start.tag : ev->data.sequence_start.tag) != NULL;
	if (depth >= YNODE_DEPTH_MAX) {
		problems_add(l->pr, n->line, n->column, "", "nested more than %d levels deep",
			     YNODE_DEPTH_MAX);
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
		ynode_push(n, build(l, &kid, depth + 1));
		yaml_event_delete(&kid);
		if (l->stopped)
			return n;
	}
}

/* The node that starts with event ev (owned by the caller). */
static struct ynode *build(struct loader *l, const yaml_event_t *ev, int depth)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return build_scalar(ev);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return build_collection(l, ev, depth);
	case YAML_ALIAS_EVENT: {
		struct ynode *n = ynode_new(YNODE_ALIAS, ev);
		n->reported = 1;
		return n;
	}
	default: {
		/* libyaml emits nothing else inside a document. */
		struct ynode *n = ynode_new(YNODE_ALIAS, ev);
		problems_add(l->pr, n->line, n->column, "", "unexpected YAML event");
		n->reported = 1;
		l->stopped = 1;
		return n;
	}
	}
}

/* Expects an event of type; anything else stops the parse (libyaml's own
 * grammar makes that unreachable). */
static int expect(struct loader *l, yaml_event_type_t type, yaml_event_t *ev)
{
	if (next_event(l, ev) < 0)
		return -1;
	if (ev->type == type)
		return 0;
	problems_add(l->pr, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1, "",
		     "unexpected YAML event");
	yaml_event_delete(ev);
	l->stopped = 1;
	return -1;
}

/* After the first document: the stream must end. */
static void check_stream_end(struct loader *l)
{
	yaml_event_t ev;
	if (next_event(l, &ev) < 0)
		return;
	if (ev.type == YAML_DOCUMENT_START_EVENT)
		problems_add(l->pr, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1, "",
			     "a second document: a policy file holds one policy");
	yaml_event_delete(&ev);
}

/* Parses the one document of text into a tree; NULL when there is none
 * (reported). When the parse stopped the tree is what was read until then. */
static struct ynode *parse_document(struct loader *l)
{
	yaml_event_t ev;
	if (expect(l, YAML_STREAM_START_EVENT, &ev) < 0)
		return NULL;
	yaml_event_delete(&ev);
	if (next_event(l, &ev) < 0)
		return NULL;
	if (ev.type != YAML_DOCUMENT_START_EVENT) {
		yaml_event_delete(&ev);
		problems_add(l->pr, 1, 1, "",
			     "empty document: a policy needs \"policy\" and \"gates\"");
		return NULL;
	}
	if (ev.data.document_start.version_directive ||
	    ev.data.document_start.tag_directives.start !=
		    ev.data.document_start.tag_directives.end)
		problems_add(l->pr, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1, "",
			     "directives are not allowed");
	yaml_event_delete(&ev);
	if (next_event(l, &ev) < 0)
		return NULL;
	struct ynode *root = build(l, &ev, 0);
	yaml_event_delete(&ev);
	if (!l->stopped && expect(l, YAML_DOCUMENT_END_EVENT, &ev) == 0) {
		yaml_event_delete(&ev);
		check_stream_end(l);
	}
	if (!l->stopped && root->type == YNODE_SCALAR && root->plain && root->len == 0) {
		problems_add(l->pr, 1, 1, "",
			     "empty document: a policy needs \"policy\" and \"gates\"");
		ynode_free(root);
		return NULL;
	}
	return root;
}

/* What the YAML layer refuses anywhere in the tree, reported with the path of
 * each node (keys by name, list items by index). */
static void check_tree(const struct ynode *n, const char *path, struct problems *pr)
{
	char buf[QUOTE_BUFSZ];
	if (n->anchor)
		problems_add(pr, n->line, n->column, path, "anchors are not allowed");
	if (n->tag)
		problems_add(pr, n->line, n->column, path, "tags are not allowed");
	if (n->type == YNODE_ALIAS)
		problems_add(pr, n->line, n->column, path, "aliases are not allowed");
	if (n->nul)
		problems_add(pr, n->line, n->column, path, "NUL character in %s",
			     policy_quote(n->text, n->len, buf));
	if (n->yaml11_boolean)
		problems_add(pr, n->line, n->column, path,
			     "%s is a YAML 1.1 boolean: write true or false",
			     policy_quote(n->text, n->len, buf));
	char kid_path[POLICY_PATH_LEN];
	for (size_t i = 0; i < n->n_kids; i++) {
		const struct ynode *kid = n->kids[i];
		if (n->type == YNODE_SEQUENCE) {
			policy_path_index(kid_path, path, i);
		} else {
			/* A key's own path and its value's: the key's text (or the
			 * mapping's path for a key that is not text). */
			const struct ynode *key = n->kids[i & ~(size_t)1];
			if (key->type == YNODE_SCALAR && !key->nul)
				policy_path_key(kid_path, path, key->text);
			else
				snprintf(kid_path, sizeof(kid_path), "%s", path);
		}
		check_tree(kid, kid_path, pr);
	}
}

static int by_position(const void *a, const void *b)
{
	const struct problem *x = a, *y = b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Every problem as a detail, in document order; the message names the first. */
static int report(const char *file, struct problems *pr, struct err *err)
{
	int fresh = !err_is_set(err);
	xqsort(pr->items, pr->n, sizeof(*pr->items), by_position);
	for (size_t i = 0; i < pr->n; i++)
		err_detail(err, pr->items[i].field, pr->items[i].line, pr->items[i].column, "%s",
			   pr->items[i].message);
	if (fresh)
		snprintf(err->message, sizeof(err->message),
			 "could not parse policy \"%s\": %d:%d: %s", file, pr->items[0].line,
			 pr->items[0].column, pr->items[0].message);
	return -1;
}

int policy_parse(const char *file, const char *text, size_t len, struct policy *p, struct err *err)
{
	policy_init(p);
	if (!file)
		file = "policy";
	struct problems pr = {0};
	if (!text)
		len = 0;
	if (len > POLICY_TEXT_MAX) {
		problems_add(&pr, 1, 1, "", "policy is larger than %d bytes", POLICY_TEXT_MAX);
		report(file, &pr, err);
		free(pr.items);
		return -1;
	}
	/* A UTF-8 byte order mark is skipped (libyaml would count it as a column). */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	char *copy = xmalloc(len + 1);
	if (len)
		memcpy(copy, text, len); /* scan_raw edits the copy */
	copy[len] = '\0';
	scan_raw(copy, len, &pr);

	struct loader l = {.text = copy, .len = len, .pr = &pr};
	if (!yaml_parser_initialize(&l.parser))
		abort(); /* out of memory */
	yaml_parser_set_encoding(&l.parser, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&l.parser, (const unsigned char *)copy, len);
	struct ynode *root = parse_document(&l);
	yaml_parser_delete(&l.parser);
	if (root)
		check_tree(root, "", &pr);
	if (root && !l.stopped)
		policy_schema_read(root, p, &pr);
	ynode_free(root);
	free(copy);

	int rc = 0;
	if (pr.n) {
		rc = report(file, &pr, err);
		policy_release(p);
	}
	free(pr.items);
	return rc;
}
