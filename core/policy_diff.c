/* A line diff of two policy texts in unified form, for the description of a
 * weakening's Evaluation IO and `ratchet policy diff`. Myers' greedy algorithm
 * after trimming the common head and tail; past DIFF_EDITS_MAX edits the
 * middle is shown as removed and added whole, which keeps time and memory
 * bounded for texts up to POLICY_TEXT_MAX. */
#include "common.h"

#include "policy.h"

#define DIFF_CONTEXT 3
/* Edit distance searched at most; the trace takes (D + 1)^2 ints. */
#define DIFF_EDITS_MAX 1024

struct line {
	const char *text;
	size_t len;  /* without the '\n' */
	int newline; /* ends with '\n' (only the last line may not) */
	uint64_t hash;
};

struct side {
	struct line *lines;
	size_t n;
	unsigned char *changed; /* per line: removed (old) or added (new) */
};

static void split_lines(const char *text, struct side *s)
{
	size_t cap = 0;
	s->lines = NULL;
	s->n = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (s->n == cap) {
			cap = cap ? 2 * cap : 64;
			s->lines = xrealloc(s->lines, cap * sizeof(*s->lines));
		}
		uint64_t h = 1469598103934665603ull; /* FNV-1a */
		for (size_t i = 0; i < len; i++)
			h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
		s->lines[s->n++] = (struct line){p, len, nl != NULL, h};
		p += len + (nl != NULL);
	}
	if (!s->lines) /* an empty text: still a valid base for pointer arithmetic */
		s->lines = xmalloc(sizeof(*s->lines));
	s->changed = xcalloc(s->n ? s->n : 1, 1);
}

static int same_line(const struct line *a, const struct line *b)
{
	return a->hash == b->hash && a->len == b->len && a->newline == b->newline &&
	       memcmp(a->text, b->text, a->len) == 0;
}

/* Myers over old[0..n) and new[0..m): marks the removed and added lines;
 * returns -1 (marking nothing) when more than DIFF_EDITS_MAX edits are needed. */
static int myers(const struct line *a, size_t n, const struct line *b, size_t m,
		 unsigned char *removed, unsigned char *added)
{
	long max = (long)(n + m) < DIFF_EDITS_MAX ? (long)(n + m) : DIFF_EDITS_MAX;
	long offset = max + 1;
	long *v = xcalloc((size_t)(2 * max + 3), sizeof(*v));
	int32_t **trace = xcalloc((size_t)max + 1, sizeof(*trace));
	long found = -1;
	for (long d = 0; d <= max && found < 0; d++) {
		for (long k = -d; k <= d; k += 2) {
			long x;
			if (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]))
				x = v[offset + k + 1];
			else
				x = v[offset + k - 1] + 1;
			long y = x - k;
			while (x < (long)n && y < (long)m && same_line(&a[x], &b[y])) {
				x++;
				y++;
			}
			v[offset + k] = x;
			if (x >= (long)n && y >= (long)m)
				found = d;
		}
		trace[d] = xmalloc((size_t)(2 * d + 1) * sizeof(int32_t));
		for (long k = -d; k <= d; k++)
			trace[d][k + d] = (int32_t)v[offset + k];
	}
	if (found >= 0) {
		long x = (long)n, y = (long)m;
		for (long d = found; d > 0; d--) {
			long k = x - y;
			const int32_t *prev = trace[d - 1];
			long prev_k;
			if (k == -d || (k != d && prev[k - 1 + d - 1] < prev[k + 1 + d - 1]))
				prev_k = k + 1; /* came down: a line added */
			else
				prev_k = k - 1; /* came right: a line removed */
			long prev_x = prev[prev_k + d - 1], prev_y = prev_x - prev_k;
			if (prev_k == k + 1)
				added[prev_y] = 1;
			else
				removed[prev_x] = 1;
			x = prev_x;
			y = prev_y;
		}
	}
	for (long d = 0; d <= max; d++)
		free(trace[d]);
	free(trace);
	free(v);
	return found >= 0 ? 0 : -1;
}

/* One line of the script: ' ', '-' or '+', and the lines before it on each side. */
struct op {
	char kind;
	size_t old_at, new_at;
};

static void emit_line(struct buf *out, char kind, const struct line *l)
{
	buf_append(out, &kind, 1);
	buf_append(out, l->text, l->len);
	buf_append(out, "\n", 1);
	if (!l->newline)
		buf_printf(out, "\\ No newline at end of file\n");
}

static void emit_hunk(struct buf *out, const struct op *ops, size_t from, size_t to,
		      const struct side *o, const struct side *n)
{
	size_t old_count = 0, new_count = 0;
	for (size_t i = from; i < to; i++) {
		old_count += ops[i].kind != '+';
		new_count += ops[i].kind != '-';
	}
	/* An empty side names the line before the hunk (GNU diff's convention). */
	size_t old_start = ops[from].old_at + (old_count ? 1 : 0);
	size_t new_start = ops[from].new_at + (new_count ? 1 : 0);
	buf_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", old_start, old_count, new_start, new_count);
	for (size_t i = from; i < to; i++) {
		const struct op *p = &ops[i];
		if (p->kind == '+')
			emit_line(out, '+', &n->lines[p->new_at]);
		else
			emit_line(out, p->kind, &o->lines[p->old_at]);
	}
}

/* The script from the marks: removals before additions in each change. */
static struct op *script(const struct side *o, const struct side *n, size_t *n_ops)
{
	struct op *ops = xmalloc((o->n + n->n + 1) * sizeof(*ops));
	size_t i = 0, j = 0, k = 0;
	while (i < o->n || j < n->n) {
		char kind;
		if (i < o->n && o->changed[i])
			kind = '-';
		else if (j < n->n && n->changed[j])
			kind = '+';
		else
			kind = ' ';
		ops[k++] = (struct op){kind, i, j};
		i += kind != '+';
		j += kind != '-';
	}
	*n_ops = k;
	return ops;
}

static void emit_hunks(struct buf *out, const struct op *ops, size_t n_ops, const struct side *o,
		       const struct side *n)
{
	size_t i = 0;
	while (i < n_ops) {
		size_t first = i;
		while (first < n_ops && ops[first].kind == ' ')
			first++;
		if (first == n_ops)
			break;
		size_t last = first;
		for (size_t k = first + 1; k < n_ops && k - last <= 2 * DIFF_CONTEXT + 1; k++)
			if (ops[k].kind != ' ')
				last = k;
		size_t from = first > i + DIFF_CONTEXT ? first - DIFF_CONTEXT : i;
		size_t to = last + 1 + DIFF_CONTEXT < n_ops ? last + 1 + DIFF_CONTEXT : n_ops;
		emit_hunk(out, ops, from, to, o, n);
		i = to;
	}
}

char *policy_text_diff(const char *old_text, const char *new_text, const char *old_label,
		       const char *new_label)
{
	struct side o, n;
	split_lines(old_text ? old_text : "", &o);
	split_lines(new_text ? new_text : "", &n);
	size_t head = 0, tail = 0;
	while (head < o.n && head < n.n && same_line(&o.lines[head], &n.lines[head]))
		head++;
	while (tail < o.n - head && tail < n.n - head &&
	       same_line(&o.lines[o.n - 1 - tail], &n.lines[n.n - 1 - tail]))
		tail++;
	size_t om = o.n - head - tail, nm = n.n - head - tail;
	char *result;
	if (om == 0 && nm == 0) {
		result = xstrdup("");
		goto out;
	}
	if (myers(o.lines + head, om, n.lines + head, nm, o.changed + head, n.changed + head) < 0) {
		memset(o.changed + head, 1, om);
		memset(n.changed + head, 1, nm);
	}
	size_t n_ops;
	struct op *ops = script(&o, &n, &n_ops);
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "--- %s\n+++ %s\n", old_label ? old_label : "a",
		   new_label ? new_label : "b");
	emit_hunks(&b, ops, n_ops, &o, &n);
	free(ops);
	result = b.data;
out:
	free(o.lines);
	free(o.changed);
	free(n.lines);
	free(n.changed);
	return result;
}
