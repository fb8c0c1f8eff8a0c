/* Allocation helpers: out of memory aborts the process (bounded buffers still
 * return errors). Every result is freed by the caller with free(). */
#ifndef RATCHET_MEM_H
#define RATCHET_MEM_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new heap string; the caller frees it */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* qsort that accepts base NULL with 0 or 1 items (qsort's base may never be NULL). */
void xqsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

/* A growable byte buffer with a hard cap (0 = no cap). */
struct buf {
	char *data; /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max;
};
void buf_init(struct buf *b, size_t max);
/* Appends n bytes; returns -1 (appending nothing) when the cap would be passed. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_release(struct buf *b);

#endif
