/* Import rules for git history (DESIGN.md "Import formats"; the default is
 * policies/import/git.yaml): a strict YAML file, named and versioned, that maps
 * touched paths (globs) and message patterns (POSIX extended regular
 * expressions, case-insensitive) to an impact and to candidate IOs, and
 * message patterns to links (rollbacks, regressions, follow-ups) and issue
 * references. The link patterns live in the rules file, not in the code, so
 * that every link made is versioned with the rules that made it; the code
 * fixes only how a target is read after a pattern (a hash, a hash or a URL
 * ending in one, an issue number). Pure: the caller reads the file.
 *
 *   name: git-default               # [a-z0-9][a-z0-9_-]{0,62}
 *   version: 3                      # a whole number; raise it on every edit
 *   default_impact: low             # optional (low)
 *   rules:                          # optional
 *     - id: tls-backends            # unique among rules and links
 *       paths: ["lib/vtls/x509*"]   # some touched path matches some glob
 *       subject: ["^openssl:"]      # the subject matches some pattern
 *       message: ["CVE-[0-9]{4}-"]  # some line of the message matches some pattern
 *       not_subject: ["^tidy-up"]   # the subject matches none
 *       not_message: ["^revert"]    # no line of the message matches any
 *       impact: high                # optional: low | medium | high
 *       io:                         # optional: a candidate IO
 *         category: supply_chain    # one of the six categories
 *         description: "vendored code changed: {paths}"
 *   links:                          # optional
 *     - id: this-reverts
 *       pattern: "this reverts commit"
 *       target: sha                 # sha | sha_or_url | issue
 *       how: revert                 # revert | regression | follow_up | ref
 *       outcome: true               # optional; see struct import_link_rule
 *
 * A rule applies when every condition it names holds (AND across keys, OR
 * within a list, as a policy's applies_to); it names at least one of paths,
 * subject, message and at least one of impact, io. */
#ifndef RATCHET_IMPORT_RULES_H
#define RATCHET_IMPORT_RULES_H

#include <regex.h>
#include <stddef.h>

#include "model.h"

struct err;
struct gitlog_commit;

#define IMPORT_RULES_TEXT_MAX (256 * 1024)
#define IMPORT_RULES_NAME_MAX 63 /* names and ids: [a-z0-9][a-z0-9_-]{0,62} */
#define IMPORT_RULES_VERSION_MAX 1000000000
#define IMPORT_RULES_ITEMS_MAX 256 /* rules, links, and items of one list */
#define IMPORT_PATTERN_MAX 512	   /* bytes of one pattern or glob */
#define IMPORT_TEMPLATE_MAX 1000   /* bytes of a description template */

/* How a link rule's match relates the commit to the change it names. */
enum import_link_how {
	IMPORT_LINK_REVERT, /* the commit rolls the named change back (incident_links how=revert) */
	IMPORT_LINK_REGRESSION, /* the named change caused a regression the commit fixes */
	IMPORT_LINK_FOLLOW_UP,	/* the commit continues or repairs the named change */
	IMPORT_LINK_REF,	/* "#N" goes into the commit's refs (target issue only) */
	IMPORT_LINK_HOW_COUNT,
};
extern const struct model_names import_link_how_names; /* revert regression follow_up ref */

/* What follows a link pattern's match (after spaces and tabs). */
enum import_target {
	IMPORT_TARGET_SHA,	  /* 7..64 hex digits, not followed by a letter, digit or _ */
	IMPORT_TARGET_SHA_OR_URL, /* that, or an http(s) URL whose last path segment is one */
	IMPORT_TARGET_ISSUE,	  /* "#" and 1..12 digits, not followed by a letter, digit or _ */
	IMPORT_TARGET_COUNT,
};
extern const struct model_names import_target_names; /* sha sha_or_url issue */

/* A compiled pattern (REG_EXTENDED | REG_ICASE | REG_NEWLINE) and where it
 * was written. Refused at load: patterns that do not compile, that match the
 * empty text (they would match everything), and what the C library handles
 * badly: a repetition of a repetition ("a+*"), back-references, a count
 * above 64, more than 2 counted repetitions ({n,m}) in one pattern. */
struct import_pattern {
	char *text;
	regex_t re;
	int line, column;
};

struct import_patterns {
	struct import_pattern *items;
	size_t n;
};

/* Path globs, matched against each touched path (a rename's old and new
 * names), case-sensitively: "*" any run of characters but "/", "?" one
 * character but "/", "[a-z]" / "[!a-z]" (or "[^a-z]") one ASCII character of
 * a class, "**" as a whole segment any number of segments (none too, except
 * at the end: "lib" then "**" is what lies under lib/, not a file named lib),
 * "\\x" the character x. A glob is relative to the repository root (no
 * leading "/"). */
struct import_globs {
	char **items;
	size_t n;
};

struct import_rule {
	char *id;
	struct import_globs paths;
	struct import_patterns subject, message, not_subject, not_message;
	int impact; /* enum impact, or -1 when the rule sets none */
	int has_io;
	enum io_category io_category;
	/* The IO's description; placeholders {subject}, {hash} (full), {short}
	 * (12 digits), {author}, {rule} (this id), {paths} (the touched paths
	 * the rule matched, or all, up to 3 and a count), "{{" and "}}" for
	 * braces. */
	char *io_description;
	int line, column; /* where the rule's mapping starts */
};

struct import_link_rule {
	char *id;
	struct import_pattern pattern;
	enum import_target target;
	enum import_link_how how;
	/* Whether a link is an outcome (makes an incident): the default is true
	 * for revert and regression, false for follow_up ("shown, not an outcome
	 * unless a rule says so"); refused for ref. */
	int outcome;
	int line, column;
};

struct import_rules {
	char *name;
	int version;
	enum impact default_impact;
	struct import_rule *rules;
	size_t n_rules;
	struct import_link_rule *links;
	size_t n_links;
};

void import_rules_init(struct import_rules *r);
void import_rules_release(struct import_rules *r);

/* Parses and checks one rules file; file names it in messages. Strict like a
 * policy (DESIGN.md "Gate policies"): exactly one non-empty document; no tabs,
 * anchors, aliases, tags or directives; no duplicate or unknown keys; plain
 * y/n/yes/no/on/off (any case) are errors everywhere; names and ids
 * [a-z0-9][a-z0-9_-]{0,62}, ids unique across rules and links; patterns that
 * do not compile, globs that are malformed, description templates with an
 * unknown placeholder are refused at the value's line:column. On any problem:
 * ERR_INVALID, err->message "<file>:<line>:<column>: <first problem>", and one
 * detail per problem in document order (line, column, the field as a path
 * "rules[2].paths[0]", the message alone); r is left released. */
int import_rules_parse(const char *file, const char *text, size_t len, struct import_rules *r,
		       struct err *err);

/* The IO source of this rules file, "rule:<name>@<version>", into out
 * (size bytes; 80 suffice). Returns out. */
const char *import_rules_source(const struct import_rules *r, char *out, size_t size);

/* Whether glob (checked by import_glob_check) matches path. */
int import_glob_match(const char *glob, const char *path);
/* 0 when glob is well-formed; otherwise -1 with *why (static text). */
int import_glob_check(const char *glob, const char **why);

/* --- applying the rules to one commit --- */

struct import_io_match {
	const struct import_rule *rule;
	enum io_category category;
	char *description; /* the template filled in, at most IO_TEXT_MAX bytes */
	char *evidence;	   /* what matched: "rule <id>: path lib/vtls/x.c; subject ..." */
};

struct import_link_match {
	const struct import_link_rule *rule;
	enum import_link_how how;
	char *target;  /* a lowercase hex prefix as written, or "#N" for a ref */
	int body_line; /* the message line (0-based) it was written on */
};

struct import_match {
	enum impact impact;
	const struct import_rule *impact_rule; /* the first rule giving it; NULL: the default */
	struct import_io_match *ios;	       /* at most one per category: the first rule's */
	size_t n_ios;
	struct import_link_match *links; /* in message order; one per (how, target) */
	size_t n_links;
};

void import_match_release(struct import_match *m);

/* Applies every rule and link rule of r to commit c into m (which the caller
 * releases with import_match_release). The impact is the highest one of the
 * matching rules (the first rule in file order giving it is named), else
 * r->default_impact. Cannot fail. */
void import_rules_apply(const struct import_rules *r, const struct gitlog_commit *c,
			struct import_match *m);

#endif
