/* Applying import rules to one commit (import_rules.h): the conditions of
 * each rule, the impact and candidate IOs they give (descriptions from
 * templates), and the links and refs that link rules find in the message. */
#include "common.h"

#include "gitlog.h"
#include "import_rules.h"
#include "import_rules_int.h"
#include "io.h"

/* --- templates ------------------------------------------------------------------------------- */

/* A copy of s cut to at most max bytes on a character boundary; the caller frees it. */
static char *cut_copy(const char *s, size_t max)
{
	size_t len = strlen(s);
	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	return xstrndup(s, len);
}

static const char *const placeholders[] = {"subject", "hash", "short", "author", "rule", "paths"};

/* The index of the placeholder named [s, s + n), or -1. */
static int placeholder(const char *s, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(placeholders); i++)
		if (strlen(placeholders[i]) == n && memcmp(placeholders[i], s, n) == 0)
			return (int)i;
	return -1;
}

int ir_template_check(const char *t, char *why, size_t size)
{
	for (const char *p = t; *p; p++) {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			p++;
			continue;
		}
		if (*p == '}') {
			snprintf(why, size, "unmatched \"}\" in the description (write \"}}\")");
			return -1;
		}
		if (*p != '{')
			continue;
		const char *close = strchr(p, '}');
		if (!close) {
			snprintf(why, size, "unclosed \"{\" in the description (write \"{{\")");
			return -1;
		}
		if (placeholder(p + 1, (size_t)(close - p - 1)) < 0) {
			snprintf(why, size,
				 "unknown placeholder {%.*s} (known: {subject}, {hash}, {short}, "
				 "{author}, {rule}, {paths})",
				 (int)(close - p - 1 > 40 ? 40 : close - p - 1), p + 1);
			return -1;
		}
		p = close;
	}
	return 0;
}

/* The paths a rule matched (all touched paths when it names none): up to
 * three, then a count. */
static void put_paths(struct buf *out, const struct gitlog_commit *c, const unsigned char *hit)
{
	size_t shown = 0, total = 0;
	for (size_t i = 0; i < c->n_paths; i++) {
		if (!hit[i])
			continue;
		if (total++ < 3)
			buf_printf(out, "%s%s", shown++ ? ", " : "", c->paths[i].path);
	}
	if (total > 3)
		buf_printf(out, " and %zu more", total - 3);
	if (total == 0)
		buf_append(out, "(no paths)", 10);
}

static char *expand(const struct import_rule *rule, const struct gitlog_commit *c,
		    const unsigned char *hit)
{
	struct buf out;
	buf_init(&out, 0);
	buf_append(&out, "", 0);
	for (const char *p = rule->io_description; *p; p++) {
		if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
			buf_append(&out, p++, 1);
			continue;
		}
		if (*p != '{') {
			buf_append(&out, p, 1);
			continue;
		}
		const char *close = strchr(p, '}');
		switch (placeholder(p + 1, (size_t)(close - p - 1))) {
		case 0:
			buf_printf(&out, "%s", c->subject);
			break;
		case 1:
			buf_printf(&out, "%s", c->hash);
			break;
		case 2:
			buf_printf(&out, "%.12s", c->hash);
			break;
		case 3:
			buf_printf(&out, "%s", c->author);
			break;
		case 4:
			buf_printf(&out, "%s", rule->id);
			break;
		default:
			put_paths(&out, c, hit);
			break;
		}
		p = close;
	}
	char *description = cut_copy(out.data, IO_TEXT_MAX);
	buf_release(&out);
	return description;
}

/* --- conditions ------------------------------------------------------------------------------ */

/* The message split into lines (NUL-terminated, in one copy). */
struct lines {
	char *copy;
	char **at;
	size_t n;
};

static void lines_split(struct lines *l, const char *body)
{
	l->copy = xstrdup(body);
	l->n = 1;
	for (const char *p = body; *p; p++)
		l->n += *p == '\n';
	l->at = xmalloc(l->n * sizeof(*l->at));
	size_t i = 0;
	l->at[i++] = l->copy;
	for (char *p = l->copy; *p; p++)
		if (*p == '\n') {
			*p = '\0';
			l->at[i++] = p + 1;
		}
}

static void lines_release(struct lines *l)
{
	free(l->copy);
	free(l->at);
}

/* The first pattern of list matching s, or NULL. */
static const struct import_pattern *first_match(const struct import_patterns *list, const char *s)
{
	for (size_t i = 0; i < list->n; i++)
		if (regexec(&list->items[i].re, s, 0, NULL, 0) == 0)
			return &list->items[i];
	return NULL;
}

/* The first pattern of list matching a line of the message; *line is its index. */
static const struct import_pattern *message_match(const struct import_patterns *list,
						  const struct lines *l, size_t *line)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct import_pattern *p = first_match(list, l->at[i]);
		if (p) {
			*line = i;
			return p;
		}
	}
	return NULL;
}

/* Marks in hit the paths some glob of rule matches; returns how many. */
static size_t match_paths(const struct import_rule *rule, const struct gitlog_commit *c,
			  unsigned char *hit)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_paths; i++) {
		const struct gitlog_path *p = &c->paths[i];
		hit[i] = 0;
		for (size_t g = 0; g < rule->paths.n && !hit[i]; g++)
			hit[i] = import_glob_match(rule->paths.items[g], p->path) ||
				 (p->old_path &&
				  import_glob_match(rule->paths.items[g], p->old_path));
		n += hit[i];
	}
	return n;
}

/* Whether rule applies to c; evidence says what matched, hit which paths. */
static int rule_applies(const struct import_rule *rule, const struct gitlog_commit *c,
			const struct lines *l, unsigned char *hit, struct buf *evidence)
{
	size_t n_hit = c->n_paths, line = 0;
	if (rule->paths.n) {
		n_hit = match_paths(rule, c, hit);
		if (n_hit == 0)
			return 0;
	} else {
		memset(hit, 1, c->n_paths);
	}
	const struct import_pattern *subject = NULL, *message = NULL;
	if (rule->subject.n && !(subject = first_match(&rule->subject, c->subject)))
		return 0;
	if (rule->message.n && !(message = message_match(&rule->message, l, &line)))
		return 0;
	size_t ignored;
	if (rule->not_subject.n && first_match(&rule->not_subject, c->subject))
		return 0;
	if (rule->not_message.n && message_match(&rule->not_message, l, &ignored))
		return 0;
	buf_printf(evidence, "rule %s matched commit %.12s:", rule->id, c->hash);
	if (rule->paths.n) {
		size_t first = 0;
		while (!hit[first])
			first++;
		buf_printf(evidence, " path %s", c->paths[first].path);
		if (n_hit > 1)
			buf_printf(evidence, " (and %zu more)", n_hit - 1);
		buf_printf(evidence, "%s", subject || message ? ";" : "");
	}
	if (subject)
		buf_printf(evidence, " subject /%s/%s", subject->text, message ? ";" : "");
	if (message)
		buf_printf(evidence, " message line %zu /%s/", line + 1, message->text);
	return 1;
}

/* --- links ----------------------------------------------------------------------------------- */

static int is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

static int is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A hash (7..64 hex digits, then no letter, digit or _) at s, lowercased into
 * out (GITLOG_HASH_BUFSZ bytes); returns its length, or 0. */
static size_t read_sha(const char *s, char *out)
{
	size_t n = 0;
	while (n <= GITLOG_HASH_MAX && is_hex(s[n]))
		n++;
	if (n < 7 || n > GITLOG_HASH_MAX || is_word(s[n]))
		return 0;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]);
	out[n] = '\0';
	return n;
}

/* An http(s) URL at s whose last path segment (before an optional "/" and
 * trailing punctuation) is a hash. */
static int read_url_sha(const char *s, char *out)
{
	if (strncasecmp(s, "https://", 8) != 0 && strncasecmp(s, "http://", 7) != 0)
		return 0;
	size_t n = strcspn(s, " \t<>\"'");
	while (n > 0 && strchr(".,;:)]", s[n - 1]))
		n--;
	if (n > 0 && s[n - 1] == '/')
		n--;
	size_t start = n;
	while (start > 0 && s[start - 1] != '/')
		start--;
	size_t len = n - start;
	char segment[GITLOG_HASH_BUFSZ + 1];
	if (len < 7 || len > GITLOG_HASH_MAX)
		return 0;
	memcpy(segment, s + start, len);
	segment[len] = '\0';
	return read_sha(segment, out) == len;
}

/* The target after a match (spaces and tabs skipped) into out: a hash
 * prefix, or "#N". Returns 1 when there is one. */
static int read_target(enum import_target target, const char *s, char *out)
{
	s += strspn(s, " \t");
	switch (target) {
	case IMPORT_TARGET_SHA:
		return read_sha(s, out) > 0;
	case IMPORT_TARGET_SHA_OR_URL:
		return read_url_sha(s, out) || read_sha(s, out) > 0;
	case IMPORT_TARGET_ISSUE: {
		size_t n = s[0] == '#' ? strspn(s + 1, "0123456789") : 0;
		if (n == 0 || n > 12 || is_word(s[1 + n]))
			return 0;
		snprintf(out, GITLOG_HASH_BUFSZ, "#%.*s", (int)n, s + 1);
		return 1;
	}
	case IMPORT_TARGET_COUNT:
		break;
	}
	return 0;
}

static void add_link(struct import_match *m, const struct import_link_rule *rule,
		     const char *target, size_t line)
{
	for (size_t i = 0; i < m->n_links; i++)
		if (m->links[i].how == rule->how && strcmp(m->links[i].target, target) == 0)
			return;
	if ((m->n_links & (m->n_links - 1)) == 0)
		m->links =
			xrealloc(m->links, (m->n_links ? 2 * m->n_links : 1) * sizeof(*m->links));
	m->links[m->n_links++] =
		(struct import_link_match){rule, rule->how, xstrdup(target), (int)line};
}

/* Every match of rule on one line whose target follows it. A match counts
 * only where it starts a word (at the line's start, or after a character
 * that is not a letter, digit or _), so "prefixes:" is not "fixes:". */
static void find_links(struct import_match *m, const struct import_link_rule *rule,
		       const struct gitlog_commit *c, const char *line, size_t index)
{
	size_t pos = 0, len = strlen(line);
	char target[GITLOG_HASH_BUFSZ];
	while (pos <= len) {
		regmatch_t match;
		if (regexec(&rule->pattern.re, line + pos, 1, &match, pos ? REG_NOTBOL : 0) != 0)
			return;
		size_t start = pos + (size_t)match.rm_so, end = pos + (size_t)match.rm_eo;
		int word_start = start == 0 || !is_word(line[start - 1]) || !is_word(line[start]);
		if (word_start && read_target(rule->target, line + end, target) &&
		    (rule->how == IMPORT_LINK_REF || strncmp(c->hash, target, strlen(target)) != 0))
			add_link(m, rule, target, index);
		pos = end > start && word_start ? end : start + 1;
	}
}

/* --- applying -------------------------------------------------------------------------------- */

static void add_io(struct import_match *m, const struct import_rule *rule,
		   const struct gitlog_commit *c, const unsigned char *hit, struct buf *evidence)
{
	for (size_t i = 0; i < m->n_ios; i++)
		if (m->ios[i].category == rule->io_category)
			return; /* one per category: the first rule's */
	m->ios = xrealloc(m->ios, (m->n_ios + 1) * sizeof(*m->ios));
	struct import_io_match *io = &m->ios[m->n_ios++];
	io->rule = rule;
	io->category = rule->io_category;
	io->description = expand(rule, c, hit);
	io->evidence = cut_copy(evidence->data, IO_TEXT_MAX);
}

void import_rules_apply(const struct import_rules *r, const struct gitlog_commit *c,
			struct import_match *m)
{
	memset(m, 0, sizeof(*m));
	m->impact = r->default_impact;
	struct lines l;
	lines_split(&l, c->body ? c->body : "");
	unsigned char *hit = xmalloc(c->n_paths + 1);
	struct buf evidence;
	buf_init(&evidence, 0);
	for (size_t i = 0; i < r->n_rules; i++) {
		const struct import_rule *rule = &r->rules[i];
		evidence.len = 0;
		if (!rule_applies(rule, c, &l, hit, &evidence))
			continue;
		/* the highest impact of the matching rules, the first rule giving it */
		if (rule->impact >= 0 && (!m->impact_rule || rule->impact > (int)m->impact)) {
			m->impact = (enum impact)rule->impact;
			m->impact_rule = rule;
		}
		if (rule->has_io)
			add_io(m, rule, c, hit, &evidence);
	}
	for (size_t k = 0; k < l.n; k++)
		for (size_t i = 0; i < r->n_links; i++)
			find_links(m, &r->links[i], c, l.at[k], k);
	buf_release(&evidence);
	free(hit);
	lines_release(&l);
}

void import_match_release(struct import_match *m)
{
	for (size_t i = 0; i < m->n_ios; i++) {
		free(m->ios[i].description);
		free(m->ios[i].evidence);
	}
	free(m->ios);
	for (size_t i = 0; i < m->n_links; i++)
		free(m->links[i].target);
	free(m->links);
	memset(m, 0, sizeof(*m));
}
