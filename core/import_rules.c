/* Import rules (import_rules.h): loading (the YAML layer is in
 * import_rules_yaml.c, the schema in import_rules_schema.c), path globs,
 * description templates, and applying the rules and link rules to a commit. */
#include "common.h"

#include "err.h"
#include "gitlog.h"
#include "import_rules.h"
#include "import_rules_int.h"
#include "io.h"

static const char *const link_how_spellings[] = {"revert", "regression", "follow_up", "ref"};
const struct model_names import_link_how_names = {link_how_spellings, IMPORT_LINK_HOW_COUNT,
						  "revert, regression, follow_up, ref"};
static const char *const target_spellings[] = {"sha", "sha_or_url", "issue"};
const struct model_names import_target_names = {target_spellings, IMPORT_TARGET_COUNT,
						"sha, sha_or_url, issue"};

/* --- lifecycle ------------------------------------------------------------------------------- */

void import_rules_init(struct import_rules *r)
{
	memset(r, 0, sizeof(*r));
}

static void pattern_release(struct import_pattern *p)
{
	if (p->text)
		regfree(&p->re); /* text is set only once compiled */
	free(p->text);
	p->text = NULL;
}

static void patterns_release(struct import_patterns *l)
{
	for (size_t i = 0; i < l->n; i++)
		pattern_release(&l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

void import_rules_release(struct import_rules *r)
{
	for (size_t i = 0; i < r->n_rules; i++) {
		struct import_rule *rule = &r->rules[i];
		free(rule->id);
		for (size_t j = 0; j < rule->paths.n; j++)
			free(rule->paths.items[j]);
		free(rule->paths.items);
		patterns_release(&rule->subject);
		patterns_release(&rule->message);
		patterns_release(&rule->not_subject);
		patterns_release(&rule->not_message);
		free(rule->io_description);
	}
	free(r->rules);
	for (size_t i = 0; i < r->n_links; i++) {
		free(r->links[i].id);
		pattern_release(&r->links[i].pattern);
	}
	free(r->links);
	free(r->name);
	import_rules_init(r);
}

/* --- loading --------------------------------------------------------------------------------- */

static int by_position(const void *a, const void *b)
{
	const struct irproblem *x = a, *y = b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int report(const char *file, struct irproblems *pr, struct err *err)
{
	xqsort(pr->items, pr->n, sizeof(*pr->items), by_position);
	err_set(err, ERR_INVALID, "%s:%d:%d: %s", file, pr->items[0].line, pr->items[0].column,
		pr->items[0].message);
	for (size_t i = 0; i < pr->n; i++)
		err_detail(err, pr->items[i].field, pr->items[i].line, pr->items[i].column, "%s",
			   pr->items[i].message);
	return -1;
}

int import_rules_parse(const char *file, const char *text, size_t len, struct import_rules *r,
		       struct err *err)
{
	import_rules_init(r);
	if (!file)
		file = "import rules";
	if (!text)
		len = 0;
	struct irproblems pr = {0};
	if (len > IMPORT_RULES_TEXT_MAX) {
		irproblems_add(&pr, 1, 1, "", "import rules are larger than %d bytes",
			       IMPORT_RULES_TEXT_MAX);
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
		memcpy(copy, text, len);
	copy[len] = '\0';
	int stopped = 0;
	struct irnode *root = ir_parse(copy, len, &pr, &stopped);
	if (root && !stopped)
		ir_schema_read(root, r, &pr);
	irnode_free(root);
	free(copy);
	int rc = 0;
	if (pr.n) {
		rc = report(file, &pr, err);
		import_rules_release(r);
	}
	free(pr.items);
	return rc;
}

const char *import_rules_source(const struct import_rules *r, char *out, size_t size)
{
	snprintf(out, size, "rule:%s@%d", r->name ? r->name : "?", r->version);
	return out;
}

/* --- patterns -------------------------------------------------------------------------------- */

/* Counted repetitions ({n}, {n,m}, {n,}) allowed in one pattern, and the
 * largest count: the C library's regcomp copies a counted atom once per
 * count, so nested counts multiply into memory. */
#define PATTERN_BOUNDS_MAX 2
#define PATTERN_COUNT_MAX 64

/* A bound "{n}", "{n,}" or "{n,m}" at s (s[0] == '{'): its length and largest
 * count (the smallest for "{n,}"), or 0 when it is not one. */
static size_t read_bound(const char *s, long *largest)
{
	size_t i = 1, digits = strspn(s + 1, "0123456789");
	if (digits == 0 || digits > 6)
		return 0;
	*largest = strtol(s + 1, NULL, 10);
	i += digits;
	if (s[i] == ',') {
		i++;
		digits = strspn(s + i, "0123456789");
		if (digits > 6)
			return 0;
		if (digits)
			*largest = strtol(s + i, NULL, 10);
		i += digits;
	}
	return s[i] == '}' ? i + 1 : 0;
}

/* The length of the bracket expression at s (s[0] == '['), or 0 when unclosed. */
static size_t bracket_len(const char *s)
{
	size_t i = 1;
	if (s[i] == '^')
		i++;
	if (s[i] == ']')
		i++;
	for (; s[i] && s[i] != ']'; i++)
		if (s[i] == '[' && (s[i + 1] == ':' || s[i + 1] == '.' || s[i + 1] == '=')) {
			const char close[] = {s[i + 1], ']', '\0'}; /* ":]" for "[:", ... */
			const char *end = strstr(s + i + 2, close);
			if (!end)
				return 0;
			i = (size_t)(end - s) + 1;
		}
	return s[i] == ']' ? i + 1 : 0;
}

const char *ir_pattern_trouble(const char *text)
{
	int bounds = 0, after_repeat = 0;
	for (size_t i = 0; text[i];) {
		char c = text[i];
		long largest = 0;
		size_t n;
		if (c == '\\') {
			if (text[i + 1] >= '1' && text[i + 1] <= '9')
				return "uses a back-reference, which is not allowed";
			i += text[i + 1] ? 2 : 1;
			after_repeat = 0;
		} else if (c == '[' && (n = bracket_len(text + i)) > 0) {
			i += n;
			after_repeat = 0;
		} else if (c == '*' || c == '+' || c == '?' ||
			   (c == '{' && (n = read_bound(text + i, &largest)) > 0)) {
			if (after_repeat)
				return "repeats a repetition (\"a+*\"): write one";
			if (c == '{' && largest > PATTERN_COUNT_MAX)
				return "has a repetition count above 64";
			if (c == '{' && ++bounds > PATTERN_BOUNDS_MAX)
				return "has more than 2 counted repetitions ({n,m})";
			i += c == '{' ? n : 1;
			after_repeat = 1;
		} else {
			i++;
			after_repeat = 0;
		}
	}
	return NULL;
}

/* --- globs ----------------------------------------------------------------------------------- */

/* The length of the UTF-8 character at s (1 for a stray byte). */
static size_t char_len(const char *s)
{
	unsigned char c = (unsigned char)*s;
	size_t n = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	for (size_t i = 1; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			return 1;
	return n;
}

/* A class "[...]" at p (p[0] == '['), checked at load (import_glob_check):
 * whether c (0 for a character that is not ASCII) is in it; *end is set past
 * the closing ']'. */
static int class_match(const char *p, unsigned char c, const char **end)
{
	p++;
	int negate = *p == '!' || *p == '^';
	if (negate)
		p++;
	int in = 0;
	for (int first = 1; *p && (first || *p != ']'); first = 0) {
		if (*p == '\\')
			p++;
		unsigned char lo = (unsigned char)*p++, hi = lo;
		if (p[0] == '-' && p[1] && p[1] != ']') {
			p++;
			if (*p == '\\')
				p++;
			hi = (unsigned char)*p++;
		}
		if (c && c >= lo && c <= hi)
			in = 1;
	}
	*end = *p ? p + 1 : p;
	return in != negate;
}

/* Matches one token of a segment pattern at p against the character at t
 * (t_len bytes); returns the token's length, or 0 when it does not match. */
static size_t token_match(const char *p, const char *t, size_t t_len)
{
	if (*p == '?')
		return 1;
	if (*p == '[') {
		const char *end;
		int in = class_match(p, t_len == 1 ? (unsigned char)*t : 0, &end);
		return in ? (size_t)(end - p) : 0;
	}
	if (*p == '\\')
		return t_len == 1 && p[1] == *t ? 2 : 0;
	size_t n = char_len(p);
	return n == t_len && memcmp(p, t, n) == 0 ? n : 0;
}

/* One segment (no '/'): pattern [p, pe) against text [t, te); "*" any run of
 * characters (the classic greedy match with one backtrack point). */
static int segment_match(const char *p, const char *pe, const char *t, const char *te)
{
	const char *star_p = NULL, *star_t = NULL;
	while (t < te) {
		if (p < pe && *p == '*') {
			star_p = ++p;
			star_t = t;
			continue;
		}
		size_t t_len = char_len(t), used = p < pe ? token_match(p, t, t_len) : 0;
		if (used) {
			p += used;
			t += t_len;
			continue;
		}
		if (!star_p)
			return 0;
		p = star_p;
		star_t += char_len(star_t);
		t = star_t;
	}
	while (p < pe && *p == '*')
		p++;
	return p == pe;
}

/* The end of the segment starting at s, and the start of the next one. */
static const char *segment_end(const char *s)
{
	const char *slash = strchr(s, '/');
	return slash ? slash : s + strlen(s);
}

static const char *next_segment(const char *end)
{
	return *end ? end + 1 : end;
}

static int is_double_star(const char *s, const char *e)
{
	return e - s == 2 && s[0] == '*' && s[1] == '*';
}

int import_glob_match(const char *glob, const char *path)
{
	/* The same greedy match one level up: segments are the characters and
	 * "**" the star. A trailing "**" needs at least one segment: "lib" then
	 * "**" is what is under lib/, not a file named lib. */
	const char *p = glob, *t = path, *star_p = NULL, *star_t = NULL;
	while (*t) {
		if (*p) {
			const char *pe = segment_end(p), *te = segment_end(t);
			if (is_double_star(p, pe)) {
				star_p = p = next_segment(pe);
				star_t = t;
				continue;
			}
			if (segment_match(p, pe, t, te)) {
				p = next_segment(pe);
				t = next_segment(te);
				continue;
			}
		}
		if (!star_p)
			return 0;
		p = star_p;
		star_t = next_segment(segment_end(star_t));
		t = star_t;
	}
	return *p == '\0';
}

/* Checks the class at *pp (**pp == '[') and moves past it. */
static int check_class(const char **pp, const char **why)
{
	const char *p = *pp + 1;
	if (*p == '!' || *p == '^')
		p++;
	for (int first = 1; first || *p != ']'; first = 0) {
		unsigned char lo, hi;
		if (*p == '\\')
			p++;
		lo = (unsigned char)*p;
		if (!lo || lo == '/' || lo >= 0x80)
			goto bad;
		p++;
		if (p[0] == '-' && p[1] && p[1] != ']') {
			p++;
			if (*p == '\\')
				p++;
			hi = (unsigned char)*p;
			if (!hi || hi == '/' || hi >= 0x80)
				goto bad;
			if (hi < lo) {
				*why = "reversed range in a class";
				return -1;
			}
			p++;
		}
		continue;
	bad:
		*why = *p ? "a class holds ASCII characters other than /" : "unclosed [";
		return -1;
	}
	*pp = p + 1;
	return 0;
}

int import_glob_check(const char *glob, const char **why)
{
	if (!*glob) {
		*why = "empty glob";
		return -1;
	}
	if (*glob == '/') {
		*why = "globs are relative to the repository root: drop the leading /";
		return -1;
	}
	for (const char *s = glob; *s;) {
		const char *e = segment_end(s);
		if (e == s || (*e == '/' && !e[1])) {
			*why = "empty path segment";
			return -1;
		}
		for (const char *p = s; p < e;) {
			if (*p == '[') {
				if (check_class(&p, why) < 0)
					return -1;
				continue;
			}
			if (*p == '\\' && p + 1 >= e) {
				*why = "a backslash must escape a character";
				return -1;
			}
			if (p[0] == '*' && p + 1 < e && p[1] == '*' && !is_double_star(s, e)) {
				*why = "** must be a whole path segment (use * within a segment)";
				return -1;
			}
			p += *p == '\\' ? 2 : 1;
		}
		s = next_segment(e);
	}
	return 0;
}
