/* Internal to the git log parser: what gitlog.c and gitlog_numstat.c share. */
#ifndef RATCHET_GITLOG_INT_H
#define RATCHET_GITLOG_INT_H

#include <stddef.h>

#include "gitlog.h"

/* Bytes of a value quoted in a message at most; longer ones are cut with "...". */
#define GITLOG_QUOTE_MAX 40
#define GITLOG_QUOTE_BUFSZ (4 * GITLOG_QUOTE_MAX + 8)

/* Adds a problem at an input line (kept up to GITLOG_PROBLEMS_MAX). */
void gitlog_problem(struct gitlog *log, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* s (len bytes) in double quotes for a message, '"', '\\' and control bytes
 * escaped, cut after GITLOG_QUOTE_MAX bytes; out holds GITLOG_QUOTE_BUFSZ
 * bytes. Returns out. */
const char *gitlog_quote(const char *s, size_t len, char *out);

/* Frees what c holds and zeroes it. */
void gitlog_commit_release(struct gitlog_commit *c);

/* Reads the numstat part of a record: s (len bytes) starts right after the
 * message's closing 0x1f, on input line `line`. Fills c->paths; on a problem
 * reports it (with its line) and returns -1. */
int gitlog_read_numstat(struct gitlog *log, struct gitlog_commit *c, const char *s, size_t len,
			int line);

#endif
