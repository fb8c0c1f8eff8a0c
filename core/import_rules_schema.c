/* Reads the YAML tree of an import rules file (import_rules_yaml.c) against
 * the schema of import_rules.h into a struct import_rules. Every problem is
 * added at the offending key or value (a missing key at its mapping), and
 * reading goes on after one so that all are found. */
#include "common.h"

#include "import_rules.h"
#include "import_rules_int.h"

/* One key a mapping may have, and where it was found (NULL when absent). */
struct field {
	const char *name;
	const struct irnode *key, *value;
};

/* A value being read: its path ("rules[1].impact"), key name, nodes. */
struct slot {
	const char *path;
	const char *name;
	const struct irnode *key, *value;
};

static void problem(struct irproblems *pr, const struct irnode *n, const char *path,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void problem(struct irproblems *pr, const struct irnode *n, const char *path,
		    const char *fmt, ...)
{
	char message[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	irproblems_add(pr, n->line, n->column, path, "%s", message);
}

static const char *quote_node(const struct irnode *n, char *buf)
{
	return ir_quote(n->text, n->len, buf);
}

static const char *found(const struct irnode *n, char *buf)
{
	switch (n->type) {
	case IRNODE_MAPPING:
		return "a mapping";
	case IRNODE_SEQUENCE:
		return "a list";
	case IRNODE_ALIAS:
		return "an alias";
	case IRNODE_SCALAR:
		break;
	}
	return quote_node(n, buf);
}

static int is_null(const struct irnode *n)
{
	if (n->type != IRNODE_SCALAR || !n->plain)
		return 0;
	return n->len == 0 || strcmp(n->text, "~") == 0 || strcasecmp(n->text, "null") == 0;
}

/* Whether the slot's value has type; otherwise reports what it is. */
static int want(struct irproblems *pr, const struct slot *s, enum irnode_type type,
		const char *what)
{
	const struct irnode *v = s->value;
	char buf[IR_QUOTE_BUFSZ];
	if (v->reported)
		return 0;
	if (is_null(v)) {
		problem(pr, s->key && v->len == 0 ? s->key : v, s->path,
			"%s has no value: it must be %s", s->name, what);
		return 0;
	}
	if (v->type != type) {
		problem(pr, v, s->path, "%s must be %s, not %s", s->name, what, found(v, buf));
		return 0;
	}
	return 1;
}

/* a, sep and b into out, cut to IR_PATH_LEN - 1 bytes. */
static void path_join(char *out, const char *a, const char *sep, const char *b)
{
	const char *parts[] = {a, sep, b};
	size_t o = 0;
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
		for (const char *c = parts[i]; *c && o + 1 < IR_PATH_LEN; c++)
			out[o++] = *c;
	out[o] = '\0';
}

static void path_key(char *out, const char *parent, const char *key)
{
	path_join(out, parent, *parent ? "." : "", key);
}

static void path_index(char *out, const char *parent, size_t i)
{
	char index[32];
	snprintf(index, sizeof(index), "[%zu]", i);
	path_join(out, parent, "", index);
}

/* Fills fields from map: unknown and duplicate keys are problems. */
static void read_keys(struct irproblems *pr, const struct irnode *map, const char *path,
		      struct field *fields, size_t n_fields, const char *expected)
{
	char buf[IR_QUOTE_BUFSZ], kpath[IR_PATH_LEN];
	for (size_t i = 0; i + 1 < map->n_kids; i += 2) {
		const struct irnode *k = map->kids[i];
		if (k->reported)
			continue;
		if (k->type != IRNODE_SCALAR) {
			problem(pr, k, path, "keys must be plain text, not %s", found(k, buf));
			continue;
		}
		struct field *f = NULL;
		for (size_t j = 0; j < n_fields && !f; j++)
			if (strcmp(fields[j].name, k->text) == 0)
				f = &fields[j];
		path_key(kpath, path, k->text);
		if (!f) {
			problem(pr, k, kpath, "unknown key %s (expected one of: %s)",
				quote_node(k, buf), expected);
		} else if (f->key) {
			problem(pr, k, kpath, "duplicate key %s (first at line %d)",
				quote_node(k, buf), f->key->line);
		} else {
			f->key = k;
			f->value = map->kids[i + 1];
		}
	}
}

/* Whether f was given; if so *s is its slot, its path (parent.name) written to path. */
static int given(const struct field *f, const char *parent, char *path, struct slot *s)
{
	if (!f->key)
		return 0;
	path_key(path, parent, f->name);
	*s = (struct slot){path, f->name, f->key, f->value};
	return 1;
}

static void missing(struct irproblems *pr, const struct irnode *map, const char *parent,
		    const struct field *f)
{
	char path[IR_PATH_LEN];
	path_key(path, parent, f->name);
	if (!f->key)
		problem(pr, map, path, "missing required key \"%s\"", f->name);
}

/* --- scalars --------------------------------------------------------------------------------- */

static int valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > IMPORT_RULES_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (i > 0)
			ok = ok || c == '_' || c == '-';
		if (!ok)
			return 0;
	}
	return 1;
}

static char *read_name(struct irproblems *pr, const struct slot *s, const char *noun)
{
	char buf[IR_QUOTE_BUFSZ];
	if (!want(pr, s, IRNODE_SCALAR, "a name"))
		return NULL;
	if (!valid_name(s->value->text)) {
		problem(pr, s->value, s->path,
			"invalid %s %s: use a-z, 0-9, \"-\" and \"_\", starting with a letter or "
			"digit, at most %d characters",
			noun, quote_node(s->value, buf), IMPORT_RULES_NAME_MAX);
		return NULL;
	}
	return xstrdup(s->value->text);
}

static int read_version(struct irproblems *pr, const struct slot *s)
{
	char buf[IR_QUOTE_BUFSZ];
	if (!want(pr, s, IRNODE_SCALAR, "a whole number"))
		return -1;
	const char *t = s->value->text;
	long v = -1;
	if (s->value->plain && t[0] >= '1' && t[0] <= '9' && strspn(t, "0123456789") == strlen(t) &&
	    strlen(t) <= 10) {
		v = strtol(t, NULL, 10);
		if (v > IMPORT_RULES_VERSION_MAX)
			v = -1;
	}
	if (v < 0)
		problem(pr, s->value, s->path,
			"version must be a whole number from 1 to %d without quotes, not %s",
			IMPORT_RULES_VERSION_MAX, quote_node(s->value, buf));
	return (int)v;
}

static int read_enum(struct irproblems *pr, const struct slot *s, const struct model_names *names,
		     const char *noun)
{
	char buf[IR_QUOTE_BUFSZ], what[64];
	snprintf(what, sizeof(what), "a %s", noun);
	if (!want(pr, s, IRNODE_SCALAR, what))
		return -1;
	int v = model_lookup(names, s->value->text);
	if (v < 0)
		problem(pr, s->value, s->path, "unknown %s %s (expected one of: %s)", noun,
			quote_node(s->value, buf), names->list);
	return v;
}

static int read_bool(struct irproblems *pr, const struct slot *s)
{
	char buf[IR_QUOTE_BUFSZ];
	if (!want(pr, s, IRNODE_SCALAR, "true or false"))
		return -1;
	if (s->value->plain && strcmp(s->value->text, "true") == 0)
		return 1;
	if (s->value->plain && strcmp(s->value->text, "false") == 0)
		return 0;
	problem(pr, s->value, s->path, "%s must be true or false, not %s", s->name,
		quote_node(s->value, buf));
	return -1;
}

/* A non-empty text of at most max bytes, or NULL (reported). */
static const char *read_text(struct irproblems *pr, const struct slot *s, const char *what,
			     size_t max)
{
	if (!want(pr, s, IRNODE_SCALAR, what))
		return NULL;
	if (s->value->len == 0 || s->value->text[strspn(s->value->text, " ")] == '\0') {
		problem(pr, s->value, s->path, "%s must not be empty", s->name);
		return NULL;
	}
	if (s->value->len > max) {
		problem(pr, s->value, s->path, "%s is longer than %zu bytes", s->name, max);
		return NULL;
	}
	return s->value->text;
}

/* A compiled pattern into *p (0), or -1 (reported). */
static int read_pattern(struct irproblems *pr, const struct slot *s, struct import_pattern *p)
{
	char buf[IR_QUOTE_BUFSZ];
	const char *text = read_text(pr, s, "a pattern", IMPORT_PATTERN_MAX);
	if (!text)
		return -1;
	const char *trouble = ir_pattern_trouble(text);
	if (trouble) {
		problem(pr, s->value, s->path, "pattern %s %s", quote_node(s->value, buf), trouble);
		return -1;
	}
	int rc = regcomp(&p->re, text, REG_EXTENDED | REG_ICASE | REG_NEWLINE);
	if (rc != 0) {
		char why[128];
		regerror(rc, &p->re, why, sizeof(why));
		problem(pr, s->value, s->path, "invalid pattern %s: %s", quote_node(s->value, buf),
			why);
		return -1;
	}
	if (regexec(&p->re, "", 0, NULL, 0) == 0) {
		regfree(&p->re);
		problem(pr, s->value, s->path,
			"pattern %s matches the empty text, so it matches everything",
			quote_node(s->value, buf));
		return -1;
	}
	p->text = xstrdup(text);
	p->line = s->value->line;
	p->column = s->value->column;
	return 0;
}

/* --- lists ----------------------------------------------------------------------------------- */

/* A non-empty list (at most IMPORT_RULES_ITEMS_MAX items read), or NULL. */
static const struct irnode *want_list(struct irproblems *pr, const struct slot *s, const char *what,
				      size_t *n)
{
	if (!want(pr, s, IRNODE_SEQUENCE, what))
		return NULL;
	const struct irnode *list = s->value;
	if (list->n_kids == 0) {
		problem(pr, list, s->path, "%s must not be empty: leave it out instead", s->name);
		return NULL;
	}
	*n = list->n_kids;
	if (*n > IMPORT_RULES_ITEMS_MAX) {
		problem(pr, list->kids[IMPORT_RULES_ITEMS_MAX], s->path,
			"%s has more than %d items", s->name, IMPORT_RULES_ITEMS_MAX);
		*n = IMPORT_RULES_ITEMS_MAX;
	}
	return list;
}

static void read_patterns(struct irproblems *pr, const struct slot *s, struct import_patterns *out)
{
	size_t n;
	const struct irnode *list = want_list(pr, s, "a list of patterns", &n);
	if (!list)
		return;
	out->items = xcalloc(n, sizeof(*out->items));
	char path[IR_PATH_LEN];
	for (size_t i = 0; i < n; i++) {
		path_index(path, s->path, i);
		struct slot item = {path, s->name, NULL, list->kids[i]};
		if (read_pattern(pr, &item, &out->items[out->n]) == 0)
			out->n++;
	}
}

static void read_globs(struct irproblems *pr, const struct slot *s, struct import_globs *out)
{
	size_t n;
	const struct irnode *list = want_list(pr, s, "a list of globs", &n);
	if (!list)
		return;
	out->items = xcalloc(n, sizeof(*out->items));
	char path[IR_PATH_LEN], buf[IR_QUOTE_BUFSZ];
	for (size_t i = 0; i < n; i++) {
		path_index(path, s->path, i);
		struct slot item = {path, s->name, NULL, list->kids[i]};
		const char *text = read_text(pr, &item, "a glob", IMPORT_PATTERN_MAX);
		const char *why = NULL;
		if (!text)
			continue;
		if (import_glob_check(text, &why) < 0) {
			problem(pr, item.value, path, "invalid glob %s: %s",
				quote_node(item.value, buf), why);
			continue;
		}
		out->items[out->n++] = xstrdup(text);
	}
}

/* --- rules and links ------------------------------------------------------------------------- */

static void read_io(struct irproblems *pr, const struct slot *s, struct import_rule *rule)
{
	if (!want(pr, s, IRNODE_MAPPING, "a mapping with category and description"))
		return;
	struct field f[] = {{"category", 0, 0}, {"description", 0, 0}};
	read_keys(pr, s->value, s->path, f, ARRAY_SIZE(f), "category, description");
	char path[IR_PATH_LEN], why[160];
	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		missing(pr, s->value, s->path, &f[i]);
	int category = -1;
	struct slot v;
	if (given(&f[0], s->path, path, &v))
		category = read_enum(pr, &v, &io_category_names, "IO category");
	if (given(&f[1], s->path, path, &v)) {
		const char *t = read_text(pr, &v, "a description", IMPORT_TEMPLATE_MAX);
		if (t && ir_template_check(t, why, sizeof(why)) < 0)
			problem(pr, v.value, path, "%s", why);
		else if (t)
			rule->io_description = xstrdup(t);
	}
	if (category >= 0 && rule->io_description) {
		rule->has_io = 1;
		rule->io_category = (enum io_category)category;
	}
}

#define RULE_KEYS "id, paths, subject, message, not_subject, not_message, impact, io"

static void read_rule(struct irproblems *pr, const struct slot *s, struct import_rule *rule)
{
	rule->impact = -1;
	rule->line = s->value->line;
	rule->column = s->value->column;
	if (!want(pr, s, IRNODE_MAPPING, "a mapping"))
		return;
	struct field f[] = {{"id", 0, 0},      {"paths", 0, 0},	      {"subject", 0, 0},
			    {"message", 0, 0}, {"not_subject", 0, 0}, {"not_message", 0, 0},
			    {"impact", 0, 0},  {"io", 0, 0}};
	read_keys(pr, s->value, s->path, f, ARRAY_SIZE(f), RULE_KEYS);
	missing(pr, s->value, s->path, &f[0]);
	char path[IR_PATH_LEN];
	struct slot v;
	if (given(&f[0], s->path, path, &v))
		rule->id = read_name(pr, &v, "rule id");
	if (given(&f[1], s->path, path, &v))
		read_globs(pr, &v, &rule->paths);
	struct import_patterns *lists[] = {&rule->subject, &rule->message, &rule->not_subject,
					   &rule->not_message};
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		if (given(&f[2 + i], s->path, path, &v))
			read_patterns(pr, &v, lists[i]);
	if (given(&f[6], s->path, path, &v))
		rule->impact = read_enum(pr, &v, &impact_names, "impact");
	if (given(&f[7], s->path, path, &v))
		read_io(pr, &v, rule);
	if (!f[1].key && !f[2].key && !f[3].key)
		problem(pr, s->value, s->path,
			"a rule needs at least one of paths, subject, message: it would match "
			"every commit");
	if (!f[6].key && !f[7].key)
		problem(pr, s->value, s->path, "a rule needs impact or io: it would do nothing");
}

static void read_link(struct irproblems *pr, const struct slot *s, struct import_link_rule *link)
{
	link->line = s->value->line;
	link->column = s->value->column;
	link->how = IMPORT_LINK_HOW_COUNT;
	link->target = IMPORT_TARGET_COUNT;
	if (!want(pr, s, IRNODE_MAPPING, "a mapping"))
		return;
	struct field f[] = {{"id", 0, 0},
			    {"pattern", 0, 0},
			    {"target", 0, 0},
			    {"how", 0, 0},
			    {"outcome", 0, 0}};
	read_keys(pr, s->value, s->path, f, ARRAY_SIZE(f), "id, pattern, target, how, outcome");
	for (size_t i = 0; i < 4; i++)
		missing(pr, s->value, s->path, &f[i]);
	char path[IR_PATH_LEN];
	struct slot v;
	int target = -1, how = -1, outcome = -1;
	if (given(&f[0], s->path, path, &v))
		link->id = read_name(pr, &v, "link id");
	if (given(&f[1], s->path, path, &v))
		read_pattern(pr, &v, &link->pattern);
	if (given(&f[2], s->path, path, &v))
		target = read_enum(pr, &v, &import_target_names, "link target");
	if (given(&f[3], s->path, path, &v))
		how = read_enum(pr, &v, &import_link_how_names, "link kind");
	if (given(&f[4], s->path, path, &v)) {
		outcome = read_bool(pr, &v);
		if (how == IMPORT_LINK_REF)
			problem(pr, f[4].key, path,
				"outcome is not a key of a ref link: a reference is no outcome");
	}
	if (target >= 0 && how >= 0 &&
	    (how == IMPORT_LINK_REF) != (target == IMPORT_TARGET_ISSUE)) {
		path_key(path, s->path, "target");
		problem(pr, f[2].value, path,
			"target %s does not go with how %s: issue targets make refs, and refs "
			"need issue targets",
			import_target_names.names[target], import_link_how_names.names[how]);
	}
	if (how >= 0)
		link->how = (enum import_link_how)how;
	if (target >= 0)
		link->target = (enum import_target)target;
	link->outcome =
		outcome >= 0 ? outcome : how == IMPORT_LINK_REVERT || how == IMPORT_LINK_REGRESSION;
}

/* Reads the list of rules or of links (what: "rules" or "links"). */
static void read_rules(struct irproblems *pr, const struct slot *s, struct import_rules *r)
{
	size_t n;
	const struct irnode *list = want_list(pr, s, "a list of rules", &n);
	if (!list)
		return;
	r->rules = xcalloc(n, sizeof(*r->rules));
	char path[IR_PATH_LEN];
	for (; r->n_rules < n; r->n_rules++) {
		path_index(path, s->path, r->n_rules);
		struct slot item = {path, s->name, NULL, list->kids[r->n_rules]};
		read_rule(pr, &item, &r->rules[r->n_rules]);
	}
}

static void read_links(struct irproblems *pr, const struct slot *s, struct import_rules *r)
{
	size_t n;
	const struct irnode *list = want_list(pr, s, "a list of link rules", &n);
	if (!list)
		return;
	r->links = xcalloc(n, sizeof(*r->links));
	char path[IR_PATH_LEN];
	for (; r->n_links < n; r->n_links++) {
		path_index(path, s->path, r->n_links);
		struct slot item = {path, s->name, NULL, list->kids[r->n_links]};
		read_link(pr, &item, &r->links[r->n_links]);
	}
}

/* Ids are unique across rules and links: an IO's evidence and a link name
 * their rule by id alone. */
static void check_ids(struct irproblems *pr, const struct import_rules *r)
{
	size_t n = r->n_rules + r->n_links;
	for (size_t i = 0; i < n; i++) {
		const char *id = i < r->n_rules ? r->rules[i].id : r->links[i - r->n_rules].id;
		if (!id)
			continue;
		for (size_t j = 0; j < i; j++) {
			const char *other =
				j < r->n_rules ? r->rules[j].id : r->links[j - r->n_rules].id;
			if (!other || strcmp(id, other) != 0)
				continue;
			char path[IR_PATH_LEN];
			int line, column, first;
			if (i < r->n_rules) {
				path_index(path, "rules", i);
				line = r->rules[i].line;
				column = r->rules[i].column;
			} else {
				path_index(path, "links", i - r->n_rules);
				line = r->links[i - r->n_rules].line;
				column = r->links[i - r->n_rules].column;
			}
			first = j < r->n_rules ? r->rules[j].line : r->links[j - r->n_rules].line;
			irproblems_add(pr, line, column, path,
				       "duplicate id \"%s\" (first at line %d)", id, first);
			break;
		}
	}
}

#define TOP_KEYS "name, version, default_impact, rules, links"

void ir_schema_read(const struct irnode *root, struct import_rules *r, struct irproblems *pr)
{
	char buf[IR_QUOTE_BUFSZ];
	if (root->type != IRNODE_MAPPING) {
		if (!root->reported)
			problem(pr, root, "",
				"import rules must be a mapping with name and version, not %s",
				found(root, buf));
		return;
	}
	struct field f[] = {{"name", 0, 0},
			    {"version", 0, 0},
			    {"default_impact", 0, 0},
			    {"rules", 0, 0},
			    {"links", 0, 0}};
	read_keys(pr, root, "", f, ARRAY_SIZE(f), TOP_KEYS);
	missing(pr, root, "", &f[0]);
	missing(pr, root, "", &f[1]);
	char path[IR_PATH_LEN];
	struct slot v;
	if (given(&f[0], "", path, &v))
		r->name = read_name(pr, &v, "name");
	if (given(&f[1], "", path, &v))
		r->version = read_version(pr, &v);
	if (given(&f[2], "", path, &v)) {
		int impact = read_enum(pr, &v, &impact_names, "impact");
		if (impact >= 0)
			r->default_impact = (enum impact)impact;
	}
	if (given(&f[3], "", path, &v))
		read_rules(pr, &v, r);
	if (given(&f[4], "", path, &v))
		read_links(pr, &v, r);
	check_ids(pr, r);
}
