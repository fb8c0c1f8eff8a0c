/* Importing git history: turns a parsed log (gitlog.h) and import rules
 * (import_rules.h) into what the register stores — one change per commit
 * with its impact and refs, candidate IOs, and links to the changes that
 * messages name — resolving every hash a message names against the commits of
 * the import and the keys the caller already knows (the service's stored
 * change keys). Pure: the caller supplies the lookup of stored keys.
 *
 * What a caller (ratchet import git, POST /v1/import/git) stores from a plan:
 *   - per change: key = commit hash, title, effective_at = committed_at,
 *     author, impact, refs ("#N"), and the touched paths (e.g. in boundary);
 *   - per candidate IO: category, description, status candidate, source
 *     plan->source ("rule:<name>@<version>"), evidence;
 *   - per link with outcome set: an outcome dated by the linking commit's
 *     committed_at (kind rollback for revert, incident for regression; one
 *     per linking commit and how, e.g. external key "git:<hash>:revert"),
 *     linked to the target change with incident_links how = the link's how
 *     (the spellings of backtest_how_names), rule = plan->rules_name,
 *     rule_version = plan->rules_version and params from
 *     git_import_link_params; a link without outcome (follow_up by default)
 *     is shown, or stored as a follow_up link, but is no outcome;
 *   - the reports, shown to the user (short hashes were linked; ambiguous and
 *     unknown ones were not). */
#ifndef RATCHET_GIT_IMPORT_H
#define RATCHET_GIT_IMPORT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "change.h"
#include "gitlog.h"
#include "import_rules.h"
#include "model.h"

struct err;

/* How a hash named in a message was resolved, when it needs saying. */
enum git_ref_status {
	GIT_REF_SHORT,	   /* a unique prefix (7+ digits) of one known hash: linked */
	GIT_REF_AMBIGUOUS, /* a prefix of several known hashes: not linked */
	GIT_REF_UNKNOWN,   /* matches no known hash: not linked */
	GIT_REF_STATUS_COUNT,
};
extern const struct model_names git_ref_status_names; /* short ambiguous unknown */

/* The caller's lookup of known keys: how many distinct known full hashes start
 * with prefix (7..64 lowercase hex digits), counting no further than 2 (so 0,
 * 1, or 2 for "several"); when exactly 1, that hash goes into full
 * (GITLOG_HASH_BUFSZ bytes). Only keys that are full hashes (40 or 64
 * lowercase hex digits) count. Returns -1 on failure (err set; the plan
 * fails with it). A server can answer it with one indexed range query
 * (key >= prefix AND key < prefix with its last digit raised, LIMIT 2) or
 * load the service's keys once into a struct git_keyset. */
typedef int (*git_import_lookup_fn)(void *ctx, const char *prefix, char *full, struct err *err);

/* A sorted set of known hashes with prefix lookup. */
struct git_keyset {
	char **keys; /* owned; sorted by git_keyset_lookup on first use */
	size_t n, cap;
	int sorted;
};
void git_keyset_init(struct git_keyset *set);
/* Adds a copy of key if it is a full hash (40 or 64 hex digits; lowercased);
 * anything else is ignored (returns -1, else 0). */
int git_keyset_add(struct git_keyset *set, const char *key);
void git_keyset_release(struct git_keyset *set);
/* A git_import_lookup_fn over a struct git_keyset (ctx); never fails. */
int git_keyset_lookup(void *ctx, const char *prefix, char *full, struct err *err);

struct git_import_io {
	enum io_category category;
	char *description;
	char *evidence;
	const char *rule_id; /* borrowed from the rules */
};

struct git_import_link {
	enum import_link_how how;	 /* revert, regression or follow_up (never ref) */
	char target[GITLOG_HASH_BUFSZ];	 /* the full hash of the change it names */
	char written[GITLOG_HASH_BUFSZ]; /* the hash as the message wrote it */
	int short_hash;			 /* written abbreviated (also reported) */
	int in_import;			 /* target is a commit of this import, else a known key */
	int outcome;			 /* from the link rule */
	const char *rule_id;		 /* borrowed from the rules */
	int line;			 /* the input line it was written on */
};

struct git_import_change {
	const struct gitlog_commit *commit; /* borrowed from the log */
	char *title; /* the subject, or "(no commit message)" when it is empty */
	enum impact impact;
	const char *impact_rule; /* the rule id that set it; NULL: the default */
	struct git_import_io *ios;
	size_t n_ios;
	struct git_import_link *links;
	size_t n_links;
	struct strlist refs; /* "#N", each once, in message order */
};

struct git_import_report {
	enum git_ref_status status;
	char commit[GITLOG_HASH_BUFSZ]; /* the commit whose message names the hash */
	int line;			/* the input line */
	enum import_link_how how;
	char written[GITLOG_HASH_BUFSZ];
	char resolved[GITLOG_HASH_BUFSZ]; /* GIT_REF_SHORT: the full hash; else "" */
	const char *rule_id;		  /* borrowed from the rules */
};

struct git_import {
	char *rules_name;
	int rules_version;
	char source[80];		   /* "rule:<name>@<version>": the candidate IOs' source */
	struct git_import_change *changes; /* in log order */
	size_t n_changes;
	struct git_import_report *reports; /* in log order */
	size_t n_reports;
	/* Figures: changes per impact, candidate IOs per category, links per how
	 * (resolved ones), refs, reports per status, U+FFFD replacements. */
	size_t by_impact[IMPACT_COUNT];
	size_t by_category[IO_CAT_COUNT];
	size_t by_how[IMPORT_LINK_HOW_COUNT];
	size_t by_status[GIT_REF_STATUS_COUNT];
	size_t n_refs, n_replaced;
};

void git_import_init(struct git_import *imp);
void git_import_release(struct git_import *imp);

/* Applies rules to every commit of log and resolves the hashes named: first
 * against the commits of log, then through lookup (may be NULL: the import
 * alone). A hash known in both places counts once. The plan borrows from log
 * and rules, which must outlive it. Returns 0, or -1 when lookup failed
 * (its err; imp is left released). */
int git_import_plan(const struct gitlog *log, const struct import_rules *rules,
		    git_import_lookup_fn lookup, void *ctx, struct git_import *imp,
		    struct err *err);

/* One change as JSON: key, title, effective_at, authored_at, author, impact,
 * impact_rule, refs, parents, first_parent, paths (new names), renamed
 * ([{from, to}]), replaced, ios [{category, description, status "candidate",
 * source, evidence}], links [{how, target, written, short, in_import,
 * outcome, rule, line}]. The caller frees with cJSON_Delete. */
cJSON *git_import_change_to_json(const struct git_import *imp, const struct git_import_change *ch);

/* A link's incident_links params: {link (the link rule's id), commit (the
 * linking commit), line, written}. The caller frees with cJSON_Delete. */
cJSON *git_import_link_params(const struct git_import_change *ch, const struct git_import_link *l);

/* The plan as JSON: rules {name, version, source}, commits, replaced,
 * impact {low, medium, high}, candidate_ios {<category>: n}, links {revert,
 * regression, follow_up}, refs, reported {short, ambiguous, unknown}, reports
 * [{status, commit, line, how, written,
 * resolved, rule}], and with with_changes the changes. The caller frees
 * with cJSON_Delete. */
cJSON *git_import_to_json(const struct git_import *imp, int with_changes);

#endif
