/* Internal to the policy loader: the YAML tree that policy_yaml.c builds from
 * libyaml's events and policy_schema.c reads into a struct policy, and the
 * list of problems both add to (reported in document order at the end). */
#ifndef RATCHET_POLICY_TREE_H
#define RATCHET_POLICY_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

enum ynode_type { YNODE_SCALAR, YNODE_SEQUENCE, YNODE_MAPPING, YNODE_ALIAS };

struct ynode {
	enum ynode_type type;
	int line, column; /* 1-based, where the node starts */
	int plain;	  /* scalar written plain (not quoted, not a block scalar) */
	int reported;	  /* a problem was reported here already: readers skip it */
	/* What the YAML layer refuses (reported with the node's path by policy_yaml.c). */
	int anchor, tag, nul, yaml11_boolean;
	char *text; /* scalar: NUL-terminated (scalars holding a NUL are reported) */
	size_t len;
	struct ynode **kids; /* sequence: items; mapping: key, value, key, value, ... */
	size_t n_kids;
};

/* One problem: where, which field, what. */
struct problem {
	int line, column;
	size_t seq; /* order of reporting, to keep the sort stable */
	char field[96];
	char message[256];
};

struct problems {
	struct problem *items;
	size_t n, cap;
};

/* Adds a problem (a bounded number are kept; the rest are dropped). */
void problems_add(struct problems *pr, int line, int column, const char *field, const char *fmt,
		  ...) __attribute__((format(printf, 5, 6)));

/* Field paths: "gates[1].max_lag". Cut to POLICY_PATH_LEN - 1 bytes. */
#define POLICY_PATH_LEN 96
/* parent.key, or key alone when parent is "". */
void policy_path_key(char *out, const char *parent, const char *key);
/* parent[i]. */
void policy_path_index(char *out, const char *parent, size_t i);

/* Bytes of a value quoted in a message at most; longer ones are cut with "...". */
#define QUOTE_MAX 40
#define QUOTE_BUFSZ (4 * QUOTE_MAX + 8)

/* s (len bytes) in double quotes for a message: '"', '\\' and control bytes
 * escaped, cut after QUOTE_MAX bytes. out holds QUOTE_BUFSZ bytes. Returns out. */
const char *policy_quote(const char *s, size_t len, char *out);

/* --- reading values (policy_values.c) --- */

/* A list has at most this many items; more are a problem. */
#define POLICY_LIST_MAX 256

/* What reading adds to: the problems, and the policy being filled. */
struct policy_reader {
	struct problems *pr;
	struct policy *p;
};

/* A value to read: its field path, the key's name for messages, and the key
 * and value nodes (key is NULL for list items). */
struct policy_slot {
	const char *path;
	const char *name;
	const struct ynode *key, *value;
};

/* Adds a problem at node n. */
void policy_problem(struct policy_reader *r, const struct ynode *n, const char *path,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* n's text quoted (policy_quote); out holds QUOTE_BUFSZ bytes. */
const char *policy_quote_node(const struct ynode *n, char *out);
/* What a node is, for "must be X, not Y": "a list", "a mapping", "an alias"
 * or the scalar quoted (into buf, QUOTE_BUFSZ bytes). */
const char *policy_found(const struct ynode *n, char *buf);

/* Whether the slot's value is a node of type; otherwise reports what it is
 * instead (what: the expected thing, "a duration"). A value with no value
 * (empty, ~ or null) is reported at its key. A value reported already (a YAML
 * 1.1 boolean, an alias) is skipped without a second report. */
int policy_want(struct policy_reader *r, const struct policy_slot *s, enum ynode_type type,
		const char *what);
/* The text of a scalar value, or NULL (reported). */
const char *policy_want_scalar(struct policy_reader *r, const struct policy_slot *s,
			       const char *what);
/* The text of an unquoted scalar (numbers, booleans), or NULL (reported). */
const char *policy_want_plain(struct policy_reader *r, const struct policy_slot *s,
			      const char *what);
/* A non-empty list (if_empty is the message otherwise), or NULL (reported). */
const struct ynode *policy_want_list(struct policy_reader *r, const struct policy_slot *s,
				     const char *what, const char *if_empty);

/* How many items of list to read: all, or POLICY_LIST_MAX after reporting
 * that there are more. */
size_t policy_list_items(struct policy_reader *r, const struct policy_slot *s,
			 const struct ynode *list);

/* Each reader below reports its problem and returns the failure value shown. */
/* A name [a-z0-9][a-z0-9_-]{0,62} as a new string (caller frees), or NULL;
 * noun names it in messages ("gate id"). */
char *policy_read_name(struct policy_reader *r, const struct policy_slot *s, const char *noun);
/* One of names (its index), or -1; noun names the set ("phase"). */
int policy_read_enum(struct policy_reader *r, const struct policy_slot *s,
		     const struct model_names *names, const char *noun);
/* true (1) or false (0), unquoted, or -1. */
int policy_read_bool(struct policy_reader *r, const struct policy_slot *s);
/* An unquoted whole number in [min, max] into *out: 0, or -1. */
int policy_read_count(struct policy_reader *r, const struct policy_slot *s, int min, int max,
		      int *out);
/* An unquoted finite decimal number into *out: 0, or -1 (what: the expected thing). */
int policy_read_number(struct policy_reader *r, const struct policy_slot *s, const char *what,
		       double *out);
/* A duration with units (duration_parse), more than zero, in seconds; or -1. */
int64_t policy_read_duration(struct policy_reader *r, const struct policy_slot *s);
/* A percentage "0%".."100%" as a fraction, or -1. */
double policy_read_percentage(struct policy_reader *r, const struct policy_slot *s);
/* A non-empty list of role names without auditor (verb: what auditor could
 * not do, "approve") as a bit mask of enum role, or 0. */
unsigned policy_read_roles(struct policy_reader *r, const struct policy_slot *s, const char *verb);

/* --- the schema (policy_schema.c) --- */

/* Reads the document's root node into p (policy_init'ed), adding every
 * problem to pr. */
void policy_schema_read(const struct ynode *root, struct policy *p, struct problems *pr);

#endif
