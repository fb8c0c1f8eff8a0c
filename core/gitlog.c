/* The git log parser (gitlog.h): splits the input into records at each 0x1e
 * that starts a line, one record buffered at a time, and reads each record's
 * header fields and message; gitlog_numstat.c reads the numstat lines. */
#include "common.h"

#include "err.h"
#include "gitlog.h"
#include "gitlog_int.h"
#include "rtime.h"

#define RS '\x1e'
#define US '\x1f'

/* --- UTF-8 ----------------------------------------------------------------------------------- */

/* The length of the valid sequence at u (left bytes), or 0 when invalid; for
 * an invalid one *bad is the length of its maximal subpart (at least 1). */
static size_t utf8_seq(const unsigned char *u, size_t left, size_t *bad)
{
	unsigned char c = u[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF; /* the range of the second byte */
	if (c >= 0x01 && c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0; /* overlong below */
		else if (c == 0xED)
			hi = 0x9F; /* surrogates above */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F; /* past U+10FFFF above */
	} else {
		*bad = 1; /* NUL, a continuation byte, C0, C1, F5..FF */
		return 0;
	}
	size_t i = 1;
	for (; i < n && i < left; i++) {
		unsigned char b = u[i];
		unsigned char l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
		if (b < l || b > h)
			break;
	}
	if (i == n)
		return n;
	*bad = i;
	return 0;
}

char *gitlog_utf8_clean(const char *s, size_t len, size_t *replaced)
{
	struct buf out;
	buf_init(&out, 0);
	buf_append(&out, "", 0);
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = 0;
	while (i < len) {
		size_t bad = 0, n = utf8_seq(u + i, len - i, &bad);
		if (n) {
			i += n;
			continue;
		}
		buf_append(&out, s + start, i - start);
		buf_append(&out, "\xEF\xBF\xBD", 3);
		(*replaced)++;
		i += bad;
		start = i;
	}
	buf_append(&out, s + start, len - start);
	return out.data;
}

/* --- problems -------------------------------------------------------------------------------- */

void gitlog_problem(struct gitlog *log, int line, const char *fmt, ...)
{
	if (log->n_problems >= GITLOG_PROBLEMS_MAX)
		return;
	if ((log->n_problems & (log->n_problems - 1)) == 0)
		log->problems =
			xrealloc(log->problems, (log->n_problems ? 2 * log->n_problems : 1) *
							sizeof(*log->problems));
	struct gitlog_problem *p = &log->problems[log->n_problems++];
	p->line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->message, sizeof(p->message), fmt, ap);
	va_end(ap);
	/* One line each: callers print "file:line: message". */
	for (char *c = p->message; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

const char *gitlog_quote(const char *s, size_t len, char *out)
{
	size_t cut = len > GITLOG_QUOTE_MAX ? GITLOG_QUOTE_MAX : len, o = 0;
	while (cut < len && cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	out[o++] = '"';
	for (size_t i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, GITLOG_QUOTE_BUFSZ - o, "\\x%02x", c);
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

/* --- lifecycle ------------------------------------------------------------------------------- */

void gitlog_init(struct gitlog *log, const char *file)
{
	memset(log, 0, sizeof(*log));
	log->file = xstrdup(file ? file : "git log");
	log->limits = (struct gitlog_limits){
		.record_bytes = GITLOG_RECORD_MAX,
		.body_bytes = GITLOG_BODY_MAX,
		.paths = GITLOG_PATHS_MAX,
		.path_bytes = GITLOG_PATH_MAX,
		.commits = GITLOG_COMMITS_MAX,
	};
	log->line = 1;
	log->at_line_start = 1;
}

void gitlog_commit_release(struct gitlog_commit *c)
{
	free(c->author);
	free(c->subject);
	free(c->body);
	for (size_t i = 0; i < c->n_paths; i++) {
		free(c->paths[i].path);
		free(c->paths[i].old_path);
	}
	free(c->paths);
	memset(c, 0, sizeof(*c));
}

void gitlog_release(struct gitlog *log)
{
	for (size_t i = 0; i < log->n_commits; i++)
		gitlog_commit_release(&log->commits[i]);
	free(log->commits);
	free(log->problems);
	free(log->rec);
	free(log->file);
	memset(log, 0, sizeof(*log));
}

const struct gitlog_commit *gitlog_find(const struct gitlog *log, const char *hash)
{
	for (size_t i = 0; i < log->n_commits; i++)
		if (strcmp(log->commits[i].hash, hash) == 0)
			return &log->commits[i];
	return NULL;
}

/* --- one record ------------------------------------------------------------------------------ */

/* A hash of 40 or 64 hex digits (either case) into out, lowercased. */
static int read_hash(const char *s, size_t len, char *out)
{
	if (len != 40 && len != 64)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -1;
		out[i] = c;
	}
	out[len] = '\0';
	return 0;
}

/* The parents field: space-separated hashes as long as the commit's own. */
static int read_parents(struct gitlog *log, const char *s, size_t len, struct gitlog_commit *c)
{
	char buf[GITLOG_QUOTE_BUFSZ];
	size_t i = 0;
	while (i < len) {
		if (s[i] == ' ') {
			i++;
			continue;
		}
		size_t n = 0;
		while (i + n < len && s[i + n] != ' ')
			n++;
		char hash[GITLOG_HASH_BUFSZ];
		if (read_hash(s + i, n, hash) < 0 || n != strlen(c->hash)) {
			gitlog_problem(log, c->line,
				       "commit %.12s: parent %s is not a %zu-digit hash", c->hash,
				       gitlog_quote(s + i, n, buf), strlen(c->hash));
			return -1;
		}
		if (++c->n_parents > GITLOG_PARENTS_MAX) {
			gitlog_problem(log, c->line, "commit %.12s: more than %u parents", c->hash,
				       GITLOG_PARENTS_MAX);
			return -1;
		}
		if (c->n_parents == 1)
			memcpy(c->first_parent, hash, n + 1);
		i += n;
	}
	return 0;
}

static int read_date(struct gitlog *log, const struct gitlog_commit *c, const char *what,
		     const char *s, size_t len, int64_t *out)
{
	char text[64], buf[GITLOG_QUOTE_BUFSZ];
	struct err err;
	err_init(&err);
	int ok = len < sizeof(text) && !memchr(s, '\0', len);
	if (ok) {
		memcpy(text, s, len);
		text[len] = '\0';
		ok = rtime_parse(text, out, &err) == 0;
	}
	if (!ok && err.message[0]) {
		gitlog_problem(log, c->line, "commit %.12s: %s date: %s", c->hash, what,
			       err.message);
		return -1;
	}
	if (!ok) {
		gitlog_problem(log, c->line, "commit %.12s: %s date %s is not an ISO 8601 time",
			       c->hash, what, gitlog_quote(s, len, buf));
		return -1;
	}
	return 0;
}

static int read_author(struct gitlog *log, struct gitlog_commit *c, const char *s, size_t len)
{
	c->author = gitlog_utf8_clean(s, len, &c->n_replaced);
	if (strlen(c->author) > GITLOG_AUTHOR_MAX) {
		gitlog_problem(log, c->line, "commit %.12s: author name is longer than %u bytes",
			       c->hash, GITLOG_AUTHOR_MAX);
		return -1;
	}
	for (const char *p = c->author; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			gitlog_problem(log, c->line,
				       "commit %.12s: author name contains a control character",
				       c->hash);
			return -1;
		}
	return 0;
}

/* The subject: the message's first line, cleaned for use as a title. */
static char *make_subject(const char *body)
{
	size_t n = strcspn(body, "\n");
	char *s = xstrndup(body, n);
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	char *start = s + strspn(s, " ");
	size_t len = strlen(start);
	while (len > 0 && start[len - 1] == ' ')
		len--;
	if (len > GITLOG_SUBJECT_MAX) {
		len = GITLOG_SUBJECT_MAX;
		while (len > 0 && ((unsigned char)start[len] & 0xC0) == 0x80)
			len--;
		while (len > 0 && start[len - 1] == ' ')
			len--; /* the cut may end on a space */
	}
	char *subject = xstrndup(start, len);
	free(s);
	return subject;
}

/* The header: hash, parents, author, author date, committer date (fields
 * f[0..4]), all on the record's first line. */
static int read_header(struct gitlog *log, struct gitlog_commit *c, const char *const *f,
		       const size_t *flen)
{
	char buf[GITLOG_QUOTE_BUFSZ];
	if (read_hash(f[0], flen[0], c->hash) < 0) {
		gitlog_problem(log, c->line, "record does not start with a commit hash: %s",
			       gitlog_quote(f[0], flen[0], buf));
		return -1;
	}
	for (int i = 1; i < 5; i++)
		if (memchr(f[i], '\n', flen[i])) {
			gitlog_problem(log, c->line, "commit %.12s: line break inside the header",
				       c->hash);
			return -1;
		}
	if (read_parents(log, f[1], flen[1], c) < 0 || read_author(log, c, f[2], flen[2]) < 0 ||
	    read_date(log, c, "author", f[3], flen[3], &c->authored_at) < 0 ||
	    read_date(log, c, "committer", f[4], flen[4], &c->committed_at) < 0)
		return -1;
	return 0;
}

/* Reads one record (rec: from after its 0x1e to before the next) into c. */
static int read_record(struct gitlog *log, const char *rec, size_t len, struct gitlog_commit *c)
{
	const char *f[5];
	size_t flen[5];
	const char *p = rec, *end = rec + len;
	for (int i = 0; i < 5; i++) {
		const char *sep = memchr(p, US, (size_t)(end - p));
		if (!sep) {
			char hash[GITLOG_HASH_BUFSZ] = "";
			if (i > 0)
				read_hash(f[0], flen[0], hash);
			gitlog_problem(
				log, c->line,
				"truncated record%s%.12s: %d of the 7 fields (hash, parents, "
				"author, author date, committer date, message, numstat)",
				hash[0] ? " of commit " : "", hash, i + 1);
			return -1;
		}
		f[i] = p;
		flen[i] = (size_t)(sep - p);
		p = sep + 1;
	}
	if (read_header(log, c, f, flen) < 0)
		return -1;
	/* The message ends at the last 0x1f: git quotes control bytes in
	 * numstat paths, so a 0x1f after the message's end is the closing one. */
	const char *close = NULL;
	for (const char *q = end; q > p; q--)
		if (q[-1] == US) {
			close = q - 1;
			break;
		}
	if (!close) {
		gitlog_problem(log, c->line,
			       "commit %.12s: truncated record: the message has no closing 0x1f",
			       c->hash);
		return -1;
	}
	if ((size_t)(close - p) > log->limits.body_bytes) {
		gitlog_problem(log, c->line, "commit %.12s: message is longer than %zu bytes",
			       c->hash, log->limits.body_bytes);
		return -1;
	}
	c->body = gitlog_utf8_clean(p, (size_t)(close - p), &c->n_replaced);
	c->subject = make_subject(c->body);
	int numstat_line = c->line;
	for (const char *q = rec; q < close + 1; q++)
		numstat_line += *q == '\n';
	return gitlog_read_numstat(log, c, close + 1, (size_t)(end - close - 1), numstat_line);
}

/* Parses the buffered record and keeps it, or counts it as bad. */
static void finish_record(struct gitlog *log)
{
	struct gitlog_commit c;
	memset(&c, 0, sizeof(c));
	c.line = log->rec_line;
	if (read_record(log, log->rec ? log->rec : "", log->rec_len, &c) < 0) {
		gitlog_commit_release(&c);
		log->n_bad++;
		return;
	}
	if ((log->n_commits & (log->n_commits - 1)) == 0)
		log->commits = xrealloc(log->commits, (log->n_commits ? 2 * log->n_commits : 1) *
							      sizeof(*log->commits));
	log->commits[log->n_commits++] = c;
	log->n_replaced += c.n_replaced;
}

/* --- feeding --------------------------------------------------------------------------------- */

/* The error of a parse stopped at a limit (unless err holds one already). */
static int stop_error(const struct gitlog *log, struct err *err)
{
	if (!err_is_set(err)) {
		err_set(err, ERR_TOO_LARGE, "%s:%d: %s", log->file, log->stop.line,
			log->stop.message);
		err_detail(err, "", log->stop.line, 0, "%s", log->stop.message);
	}
	return -1;
}

static int too_large(struct gitlog *log, struct err *err, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int too_large(struct gitlog *log, struct err *err, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(log->stop.message, sizeof(log->stop.message), fmt, ap);
	va_end(ap);
	log->too_large = 1;
	log->stop.line = line;
	return stop_error(log, err);
}

/* Starts a record at the current line (the 0x1e is consumed). */
static int start_record(struct gitlog *log, struct err *err)
{
	if (log->rec_line)
		finish_record(log);
	if (log->n_commits + log->n_bad >= log->limits.commits)
		return too_large(log, err, log->line, "more than %zu commits", log->limits.commits);
	log->rec_len = 0;
	log->rec_line = log->line;
	return 0;
}

/* Bytes before the first record: blank lines are fine, anything else is not
 * this format (reported once). */
static void before_first(struct gitlog *log, const char *s, size_t n)
{
	if (log->junk_reported)
		return;
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') {
			gitlog_problem(log, log->line,
				       "text before the first record: a record starts with 0x1e "
				       "(make the log with the --format of ratchet's git import)");
			log->junk_reported = 1;
			log->n_bad++;
			return;
		}
}

static int append_record(struct gitlog *log, const char *s, size_t n, struct err *err)
{
	if (n > log->limits.record_bytes - log->rec_len)
		return too_large(log, err, log->rec_line, "record is larger than %zu bytes",
				 log->limits.record_bytes);
	if (log->rec_len + n + 1 > log->rec_cap) {
		size_t cap = log->rec_cap ? log->rec_cap : 4096;
		while (cap < log->rec_len + n + 1)
			cap *= 2;
		log->rec = xrealloc(log->rec, cap);
		log->rec_cap = cap;
	}
	memcpy(log->rec + log->rec_len, s, n);
	log->rec_len += n;
	log->rec[log->rec_len] = '\0';
	return 0;
}

int gitlog_feed(struct gitlog *log, const char *data, size_t len, struct err *err)
{
	if (log->too_large)
		return stop_error(log, err);
	if (log->finished)
		return err_set(err, ERR_INTERNAL, "%s: input fed after its end", log->file);
	size_t i = 0;
	while (i < len) {
		if (log->at_line_start && data[i] == RS) {
			if (start_record(log, err) < 0)
				return -1;
			log->at_line_start = 0;
			i++;
			continue;
		}
		const char *nl = memchr(data + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - data) + 1 : len;
		if (log->rec_line) {
			if (append_record(log, data + i, end - i, err) < 0)
				return -1;
		} else {
			before_first(log, data + i, end - i);
		}
		if (nl)
			log->line++;
		log->at_line_start = nl != NULL;
		i = end;
	}
	return 0;
}

struct hash_at {
	const char *hash;
	size_t index;
};

static int by_hash_then_index(const void *a, const void *b)
{
	const struct hash_at *x = a, *y = b;
	int c = strcmp(x->hash, y->hash);
	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* A hash that appears twice is a problem at its later record, which is dropped. */
static void drop_duplicates(struct gitlog *log)
{
	if (log->n_commits < 2)
		return;
	struct hash_at *order = xmalloc(log->n_commits * sizeof(*order));
	unsigned char *dup = xcalloc(log->n_commits, 1);
	for (size_t i = 0; i < log->n_commits; i++)
		order[i] = (struct hash_at){log->commits[i].hash, i};
	xqsort(order, log->n_commits, sizeof(*order), by_hash_then_index);
	size_t first = 0;
	for (size_t i = 1; i < log->n_commits; i++) {
		if (strcmp(order[i].hash, order[first].hash) != 0) {
			first = i;
			continue;
		}
		const struct gitlog_commit *c = &log->commits[order[i].index];
		gitlog_problem(log, c->line, "commit %.12s appears twice (first at line %d)",
			       c->hash, log->commits[order[first].index].line);
		dup[order[i].index] = 1;
	}
	size_t kept = 0;
	for (size_t i = 0; i < log->n_commits; i++) {
		if (dup[i]) {
			log->n_replaced -= log->commits[i].n_replaced;
			gitlog_commit_release(&log->commits[i]);
			log->n_bad++;
		} else {
			log->commits[kept++] = log->commits[i];
		}
	}
	log->n_commits = kept;
	free(order);
	free(dup);
}

/* Problems in input order (insertion sort: stable, and there are few). */
static void sort_problems(struct gitlog *log)
{
	for (size_t i = 1; i < log->n_problems; i++) {
		struct gitlog_problem p = log->problems[i];
		size_t j = i;
		while (j > 0 && log->problems[j - 1].line > p.line) {
			log->problems[j] = log->problems[j - 1];
			j--;
		}
		log->problems[j] = p;
	}
}

int gitlog_finish(struct gitlog *log, struct err *err)
{
	if (!log->finished && !log->too_large) {
		if (log->rec_line)
			finish_record(log);
		log->rec_line = 0;
		drop_duplicates(log);
		sort_problems(log);
	}
	log->finished = 1;
	if (log->too_large)
		return stop_error(log, err);
	if (log->n_problems == 0 && log->n_bad == 0)
		return 0;
	const struct gitlog_problem *first = &log->problems[0];
	err_set(err, ERR_INVALID, "%s:%d: %s", log->file, first->line, first->message);
	for (size_t i = 0; i < log->n_problems; i++)
		err_detail(err, "", log->problems[i].line, 0, "%s", log->problems[i].message);
	return -1;
}

int gitlog_parse(const char *file, const char *text, size_t len, struct gitlog *log,
		 struct err *err)
{
	gitlog_init(log, file);
	if (gitlog_feed(log, text ? text : "", text ? len : 0, err) < 0) {
		gitlog_finish(log, err);
		return -1;
	}
	return gitlog_finish(log, err);
}
