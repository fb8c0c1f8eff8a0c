/* The git-history interchange format of DESIGN.md ("Import formats"): a parser
 * for exactly the output of
 *   git log --first-parent --no-color
 *       --format=%x1e%H%x1f%P%x1f%an%x1f%aI%x1f%cI%x1f%B%x1f --numstat
 * fed in chunks (streaming, one record buffered at a time) or from memory.
 * Pure: the caller reads the file or the request body; nothing here does I/O.
 *
 * A record starts with 0x1e at the start of a line; its fields are separated
 * by 0x1f: hash, parent hashes (space-separated), author name, author date,
 * committer date (strict ISO 8601 with an offset), the raw message, then after
 * the closing 0x1f the numstat lines "added<TAB>deleted<TAB>path" ("-" for
 * both counts of a binary file; renames as "old => new" or
 * "dir/{old => new}/rest"; paths git had to quote are C-quoted). */
#ifndef RATCHET_GITLOG_H
#define RATCHET_GITLOG_H

#include <stddef.h>
#include <stdint.h>

struct err;

/* Hashes: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits. */
#define GITLOG_HASH_MAX 64
#define GITLOG_HASH_BUFSZ (GITLOG_HASH_MAX + 1)

/* Default limits (struct gitlog_limits); each one passed is an error that
 * names the limit. */
#define GITLOG_RECORD_MAX (16u << 20) /* bytes of one record, numstat included */
#define GITLOG_BODY_MAX (1u << 20)    /* bytes of one commit message */
#define GITLOG_PATHS_MAX 100000u      /* numstat lines of one commit */
#define GITLOG_PATH_MAX 4096u	      /* bytes of one path */
#define GITLOG_PARENTS_MAX 64u	      /* parents of one commit */
#define GITLOG_AUTHOR_MAX 200u	      /* bytes of an author name (CHANGE_AUTHOR_MAX) */
#define GITLOG_COMMITS_MAX 1000000u   /* records of one log */
#define GITLOG_SUBJECT_MAX 500u	      /* a longer first line is cut (CHANGE_TITLE_MAX) */

/* Record-level problems are collected (each record is independent); at most
 * this many are kept as details, the rest only counted. */
#define GITLOG_PROBLEMS_MAX 1000u

struct gitlog_limits {
	size_t record_bytes, body_bytes, paths, path_bytes, commits;
};

/* One numstat line. */
struct gitlog_path {
	char *path;	/* the path after the commit (a rename's new name) */
	char *old_path; /* a rename's old name, NULL otherwise */
	int64_t added;	/* lines; -1 for a binary file */
	int64_t deleted;
};

struct gitlog_commit {
	char hash[GITLOG_HASH_BUFSZ];	      /* the change key */
	char first_parent[GITLOG_HASH_BUFSZ]; /* "" for a root commit */
	unsigned n_parents;		      /* 0 root, 1 ordinary, 2+ merge */
	char *author;			      /* may be "" (git allows it) */
	int64_t authored_at;		      /* microseconds UTC (rtime) */
	int64_t committed_at;		      /* effective_at of the change */
	/* The first line of the message: U+FFFD for invalid UTF-8, control
	 * characters as spaces, trimmed, cut at GITLOG_SUBJECT_MAX bytes on a
	 * character boundary. "" for an empty message. */
	char *subject;
	char *body; /* the whole message (%B) as UTF-8, subject line included */
	struct gitlog_path *paths;
	size_t n_paths;
	size_t n_replaced; /* invalid UTF-8 sequences replaced by U+FFFD (message, author, paths) */
	/* The input line of the record's 0x1e (1-based). The message starts on
	 * that line too: message line k (0-based) is input line line + k. */
	int line;
};

/* A problem found in the input: the input line and what is wrong. */
struct gitlog_problem {
	int line;
	char message[256];
};

/* A parsed log, and the parser's state while it is fed. */
struct gitlog {
	char *file; /* names the input in messages */
	struct gitlog_limits limits;
	struct gitlog_commit *commits; /* in input order (newest first, as git logs) */
	size_t n_commits;
	size_t n_replaced; /* U+FFFD replacements over all commits */
	struct gitlog_problem *problems;
	size_t n_problems; /* kept (at most GITLOG_PROBLEMS_MAX) */
	size_t n_bad;	   /* records refused, kept or not */
	int too_large;	   /* a limit on the whole input stopped the parse */
	/* private: the limit that stopped it, and the record being buffered */
	struct gitlog_problem stop;
	char *rec;
	size_t rec_len, rec_cap;
	int rec_line;	   /* its first line; 0 before the first record */
	int line;	   /* lines seen so far (1-based line of the next byte) */
	int at_line_start; /* the next byte starts a line */
	int junk_reported; /* text before the first record was reported */
	int finished;
};

/* Prepares log with the default limits; file (copied; NULL: "git log")
 * names the input in messages. Allocates only the name; release with
 * gitlog_release. The caller may lower log->limits before the first feed. */
void gitlog_init(struct gitlog *log, const char *file);
/* Frees everything log holds; log may be re-initialised. */
void gitlog_release(struct gitlog *log);

/* Parses the next len bytes of input (any chunking: a record may span
 * chunks). Records are parsed as soon as the next one starts. Returns 0, or
 * -1 when a limit on the whole input (a record past limits.record_bytes, more
 * than limits.commits records) stopped the parse: ERR_TOO_LARGE with the
 * message "<file>:<line>: <what>" (413 for a server); further feeds return
 * the same. Feeding after gitlog_finish is a caller's bug (ERR_INTERNAL).
 * Problems with one record are collected, not returned here (see
 * gitlog_finish). Memory: the commits parsed so far plus one record; the
 * caller bounds the whole input (ratchetd's --max-import). */
int gitlog_feed(struct gitlog *log, const char *data, size_t len, struct err *err);

/* Ends the input: parses the last record, checks that no hash appears twice.
 * Returns 0 when every record parsed. Otherwise -1 with ERR_INVALID (or
 * ERR_TOO_LARGE after a failed feed), err->message "<file>:<line>: <message>"
 * for the first problem and one detail per kept problem in input order (line
 * set, column 0, field "" — print them as "<file>:<line>: <message>");
 * log->commits still holds every record that parsed, so a caller may choose
 * to go on without the bad ones (log->n_bad counts them). */
int gitlog_finish(struct gitlog *log, struct err *err);

/* gitlog_init + one gitlog_feed of the whole text + gitlog_finish. On -1 log
 * holds what parsed (release it either way). */
int gitlog_parse(const char *file, const char *text, size_t len, struct gitlog *log,
		 struct err *err);

/* The commit whose full hash is hash, or NULL (linear search; see
 * git_import.h for prefix resolution). */
const struct gitlog_commit *gitlog_find(const struct gitlog *log, const char *hash);

/* Replaces each invalid UTF-8 sequence of s (len bytes; NUL bytes, overlong
 * forms, surrogates and code points past U+10FFFF are invalid) by U+FFFD, one
 * per maximal invalid subpart (Unicode's recommended practice, as Python's
 * errors="replace"). Returns a new NUL-terminated string the caller frees;
 * adds the replacements to *replaced. */
char *gitlog_utf8_clean(const char *s, size_t len, size_t *replaced);

#endif
