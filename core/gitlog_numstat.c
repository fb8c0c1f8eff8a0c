/* The numstat part of a git log record (gitlog.h): "added<TAB>deleted<TAB>path"
 * lines, "-" counts for binary files, renames as "old => new" or
 * "pfx{old => new}sfx", and paths C-quoted the way git quotes them. */
#include "common.h"

#include "gitlog.h"
#include "gitlog_int.h"

/* Counts past this many lines are not a diff of a text file. */
#define NUMSTAT_COUNT_MAX 1000000000000LL

/* One count: digits, or "-" (binary). */
static int read_count(const char *s, size_t len, int64_t *out)
{
	if (len == 1 && s[0] == '-') {
		*out = -1;
		return 0;
	}
	if (len == 0 || len > 13)
		return -1;
	int64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > NUMSTAT_COUNT_MAX)
		return -1;
	*out = v;
	return 0;
}

/* A C-quoted name at s (s[0] == '"', len bytes available) decoded into out.
 * Returns the bytes consumed (closing quote included), or 0 when malformed
 * (*why says how). */
static size_t unquote(const char *s, size_t len, struct buf *out, const char **why)
{
	static const char from[] = "abtnvfr\"\\";
	static const char to[] = "\a\b\t\n\v\f\r\"\\";
	size_t i = 1;
	while (i < len && s[i] != '"') {
		if (s[i] != '\\') {
			buf_append(out, s + i++, 1);
			continue;
		}
		if (i + 1 >= len)
			break;
		const char *e = strchr(from, s[i + 1]);
		if (e && s[i + 1]) {
			buf_append(out, &to[e - from], 1);
			i += 2;
		} else if (i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
			   s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			char c = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
					(s[i + 3] - '0'));
			buf_append(out, &c, 1);
			i += 4;
		} else {
			*why = "unknown escape in a quoted path";
			return 0;
		}
	}
	if (i >= len) {
		*why = "quoted path has no closing quote";
		return 0;
	}
	return i + 1;
}

/* One side of a rename, or the only path: quoted (all of s) or plain. */
static int one_name(const char *s, size_t len, struct buf *out, const char **why)
{
	if (len > 0 && s[0] == '"') {
		size_t used = unquote(s, len, out, why);
		if (!used)
			return -1;
		if (used != len) {
			*why = "text after a quoted path";
			return -1;
		}
		return 0;
	}
	buf_append(out, s, len);
	return 0;
}

/* Joins pfx, mid and sfx of a "pfx{old => new}sfx" side; an empty mid leaves
 * "a//b" (or "/b"), which git means as "a/b" (or "b"). */
static void join_brace(struct buf *out, const char *pfx, size_t pfx_len, const char *mid,
		       size_t mid_len, const char *sfx, size_t sfx_len)
{
	buf_append(out, pfx, pfx_len);
	buf_append(out, mid, mid_len);
	if (mid_len == 0 && sfx_len > 0 && sfx[0] == '/' &&
	    (pfx_len == 0 || pfx[pfx_len - 1] == '/')) {
		sfx++;
		sfx_len--;
	}
	buf_append(out, sfx, sfx_len);
}

/* The path field into new_name (and old_name for a rename, left empty otherwise). */
static int read_names(const char *s, size_t len, struct buf *new_name, struct buf *old_name,
		      const char **why)
{
	if (len > 0 && s[0] == '"') {
		size_t used = unquote(s, len, new_name, why);
		if (!used)
			return -1;
		if (used == len)
			return 0;
		if (len - used < 4 || memcmp(s + used, " => ", 4) != 0) {
			*why = "text after a quoted path";
			return -1;
		}
		/* "old" => new: what was read is the old name */
		buf_append(old_name, new_name->data, new_name->len);
		new_name->len = 0;
		return one_name(s + used + 4, len - used - 4, new_name, why);
	}
	const char *arrow = memmem(s, len, " => ", 4);
	if (!arrow)
		return one_name(s, len, new_name, why);
	const char *lb = NULL, *rb = memchr(arrow + 4, '}', (size_t)(s + len - arrow - 4));
	for (const char *p = arrow; p > s; p--)
		if (p[-1] == '{') {
			lb = p - 1;
			break;
		}
	if (!lb || !rb) {
		if (one_name(s, (size_t)(arrow - s), old_name, why) < 0)
			return -1;
		return one_name(arrow + 4, (size_t)(s + len - arrow - 4), new_name, why);
	}
	const char *sfx = rb + 1;
	size_t pfx_len = (size_t)(lb - s), sfx_len = (size_t)(s + len - sfx);
	join_brace(old_name, s, pfx_len, lb + 1, (size_t)(arrow - lb - 1), sfx, sfx_len);
	join_brace(new_name, s, pfx_len, arrow + 4, (size_t)(rb - arrow - 4), sfx, sfx_len);
	return 0;
}

/* A decoded name as a clean path (U+FFFD for invalid UTF-8), or NULL (*why). */
static char *finish_name(const struct gitlog *log, const struct buf *b, size_t *replaced,
			 const char **why)
{
	if (b->len == 0) {
		*why = "empty path";
		return NULL;
	}
	if (b->len > log->limits.path_bytes) {
		*why = "path is too long";
		return NULL;
	}
	if (memchr(b->data, '\0', b->len)) {
		*why = "NUL byte in a path";
		return NULL;
	}
	return gitlog_utf8_clean(b->data, b->len, replaced);
}

/* One numstat line (without its line break) into *out. */
static int read_line(const struct gitlog *log, const char *s, size_t len, struct gitlog_path *out,
		     size_t *replaced, const char **why)
{
	const char *t1 = memchr(s, '\t', len);
	const char *t2 = t1 ? memchr(t1 + 1, '\t', (size_t)(s + len - t1 - 1)) : NULL;
	if (!t2) {
		*why = "not a numstat line (added<TAB>deleted<TAB>path)";
		return -1;
	}
	if (read_count(s, (size_t)(t1 - s), &out->added) < 0 ||
	    read_count(t1 + 1, (size_t)(t2 - t1 - 1), &out->deleted) < 0 ||
	    (out->added < 0) != (out->deleted < 0)) {
		*why = "numstat counts must be whole numbers, or \"-\" twice for a binary file";
		return -1;
	}
	struct buf new_name, old_name;
	buf_init(&new_name, 0);
	buf_init(&old_name, 0);
	int rc = -1;
	if (read_names(t2 + 1, (size_t)(s + len - t2 - 1), &new_name, &old_name, why) < 0)
		goto out;
	out->path = finish_name(log, &new_name, replaced, why);
	if (!out->path)
		goto out;
	if (old_name.len || old_name.data) {
		out->old_path = finish_name(log, &old_name, replaced, why);
		if (!out->old_path)
			goto out;
	}
	rc = 0;
out:
	buf_release(&new_name);
	buf_release(&old_name);
	return rc;
}

static void push_path(struct gitlog_commit *c, const struct gitlog_path *p)
{
	if ((c->n_paths & (c->n_paths - 1)) == 0)
		c->paths =
			xrealloc(c->paths, (c->n_paths ? 2 * c->n_paths : 1) * sizeof(*c->paths));
	c->paths[c->n_paths++] = *p;
}

int gitlog_read_numstat(struct gitlog *log, struct gitlog_commit *c, const char *s, size_t len,
			int line)
{
	const char *end = s + len;
	/* The rest of the closing 0x1f's line must be empty. */
	const char *nl = memchr(s, '\n', len);
	const char *eol = nl ? nl : end;
	size_t rest = (size_t)(eol - s);
	if (rest > 0 && s[rest - 1] == '\r')
		rest--;
	if (rest > 0) {
		char buf[GITLOG_QUOTE_BUFSZ];
		gitlog_problem(log, line, "commit %.12s: text after the message's closing 0x1f: %s",
			       c->hash, gitlog_quote(s, rest, buf));
		return -1;
	}
	for (const char *p = nl ? nl + 1 : end; p < end;) {
		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		eol = nl ? nl : end;
		size_t n = (size_t)(eol - p);
		if (n > 0 && p[n - 1] == '\r')
			n--; /* a CRLF copy of the log */
		if (n > 0) {
			struct gitlog_path path = {0};
			const char *why = NULL;
			if (c->n_paths >= log->limits.paths) {
				gitlog_problem(log, line, "commit %.12s: more than %zu paths",
					       c->hash, log->limits.paths);
				return -1;
			}
			if (read_line(log, p, n, &path, &c->n_replaced, &why) < 0) {
				char buf[GITLOG_QUOTE_BUFSZ];
				gitlog_problem(log, line, "commit %.12s: %s: %s", c->hash, why,
					       gitlog_quote(p, n, buf));
				free(path.path);
				free(path.old_path);
				return -1;
			}
			push_path(c, &path);
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}
