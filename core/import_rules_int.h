/* Internal to the import rules loader: the YAML tree that import_rules_yaml.c
 * builds from libyaml's events and import_rules_schema.c reads, and the list
 * of problems both add to (reported in document order at the end). The same
 * strictness as the policy loader (policy_yaml.c), kept separate so that the
 * two file kinds can change apart. */
#ifndef RATCHET_IMPORT_RULES_INT_H
#define RATCHET_IMPORT_RULES_INT_H

#include <stddef.h>

#include "import_rules.h"

enum irnode_type { IRNODE_SCALAR, IRNODE_SEQUENCE, IRNODE_MAPPING, IRNODE_ALIAS };

struct irnode {
	enum irnode_type type;
	int line, column; /* 1-based, where the node starts */
	int plain;	  /* a plain scalar (not quoted, not a block scalar) */
	int reported;	  /* a problem was reported here already: readers skip it */
	int anchor, tag, nul, yaml11_boolean;
	char *text; /* scalar: NUL-terminated */
	size_t len;
	struct irnode **kids; /* sequence: items; mapping: key, value, key, value, ... */
	size_t n_kids;
};

struct irproblem {
	int line, column;
	size_t seq; /* order of reporting, to keep the sort stable */
	char field[96];
	char message[256];
};

struct irproblems {
	struct irproblem *items;
	size_t n, cap;
};

/* Adds a problem (a bounded number are kept). */
void irproblems_add(struct irproblems *pr, int line, int column, const char *field, const char *fmt,
		    ...) __attribute__((format(printf, 5, 6)));

#define IR_PATH_LEN 96
#define IR_QUOTE_MAX 40
#define IR_QUOTE_BUFSZ (4 * IR_QUOTE_MAX + 8)

/* s (len bytes) in double quotes, escaped, cut after IR_QUOTE_MAX bytes; out
 * holds IR_QUOTE_BUFSZ bytes. Returns out. */
const char *ir_quote(const char *s, size_t len, char *out);

/* Parses text (len bytes, edited in place: tabs and NUL bytes become spaces
 * after being reported) into a tree; NULL when there is no document or the
 * YAML is malformed (reported). *stopped is set when the parse stopped early
 * (then the tree, if any, must not be read for the schema). */
struct irnode *ir_parse(char *text, size_t len, struct irproblems *pr, int *stopped);
void irnode_free(struct irnode *n);

/* Reads the root node into r (import_rules_init'ed), adding every problem. */
void ir_schema_read(const struct irnode *root, struct import_rules *r, struct irproblems *pr);

/* What the C library's regcomp handles badly and POSIX leaves undefined in
 * a pattern: a repetition of a repetition ("a+*"), back-references
 * (exponential matching), a count above 64, more than 2 counted repetitions
 * (regcomp copies a counted atom once per count, so nested counts multiply).
 * NULL when text is fine, else the trouble ("uses a back-reference, ..."). */
const char *ir_pattern_trouble(const char *text);

/* Template placeholders: 0 when every "{...}" in t is known (and braces are
 * balanced); otherwise -1 with a message in why (size bytes). */
int ir_template_check(const char *t, char *why, size_t size);

#endif
