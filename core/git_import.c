/* The import plan of git history (git_import.h): rules applied per commit,
 * hashes named in messages resolved against the import and the caller's
 * known keys, figures, and the JSON form. */
#include "common.h"

#include "err.h"
#include "git_import.h"
#include "json.h"
#include "rtime.h"

static const char *const status_spellings[] = {"short", "ambiguous", "unknown"};
const struct model_names git_ref_status_names = {status_spellings, GIT_REF_STATUS_COUNT,
						 "short, ambiguous, unknown"};

/* --- key sets -------------------------------------------------------------------------------- */

void git_keyset_init(struct git_keyset *set)
{
	memset(set, 0, sizeof(*set));
}

static int full_hash(const char *s, char *out)
{
	size_t n = strlen(s);
	if (n != 40 && n != 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
		out[i] = c;
	}
	out[n] = '\0';
	return 1;
}

int git_keyset_add(struct git_keyset *set, const char *key)
{
	char hash[GITLOG_HASH_BUFSZ];
	if (!full_hash(key, hash))
		return -1;
	if (set->n == set->cap) {
		set->cap = set->cap ? 2 * set->cap : 64;
		set->keys = xrealloc(set->keys, set->cap * sizeof(*set->keys));
	}
	set->keys[set->n++] = xstrdup(hash);
	set->sorted = 0;
	return 0;
}

void git_keyset_release(struct git_keyset *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->keys[i]);
	free(set->keys);
	git_keyset_init(set);
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* How many distinct keys of a sorted array start with prefix (capped at 2);
 * the first into full when there is one. */
static int prefix_count(const char *const *keys, size_t n, const char *prefix, char *full)
{
	size_t lo = 0, hi = n, len = strlen(prefix);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strncmp(keys[mid], prefix, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	int count = 0;
	for (size_t i = lo; i < n && count < 2 && strncmp(keys[i], prefix, len) == 0; i++) {
		if (count == 1 && strcmp(keys[i], full) == 0)
			continue; /* the same key twice */
		if (count == 0)
			snprintf(full, GITLOG_HASH_BUFSZ, "%s", keys[i]);
		count++;
	}
	return count;
}

int git_keyset_lookup(void *ctx, const char *prefix, char *full, struct err *err)
{
	(void)err;
	struct git_keyset *set = ctx;
	if (!set->sorted) {
		if (set->n)
			xqsort(set->keys, set->n, sizeof(*set->keys), by_string);
		set->sorted = 1;
	}
	return prefix_count((const char *const *)set->keys, set->n, prefix, full);
}

/* --- resolution ------------------------------------------------------------------------------ */

/* What resolution needs: the import's hashes sorted, and the caller's lookup. */
struct resolver {
	const char **hashes; /* borrowed from the log */
	size_t n;
	git_import_lookup_fn lookup;
	void *ctx;
};

/* Resolves prefix: 0 none, 1 one (into full, *in_import set), 2 several; -1
 * when the lookup failed. */
static int resolve(const struct resolver *rs, const char *prefix, char *full, int *in_import,
		   struct err *err)
{
	char mine[GITLOG_HASH_BUFSZ] = "", theirs[GITLOG_HASH_BUFSZ] = "";
	int n_mine = prefix_count(rs->hashes, rs->n, prefix, mine), n_theirs = 0;
	if (n_mine < 2 && rs->lookup) {
		n_theirs = rs->lookup(rs->ctx, prefix, theirs, err);
		if (n_theirs < 0)
			return -1;
		if (n_theirs == 1 &&
		    (strncmp(theirs, prefix, strlen(prefix)) != 0 || !full_hash(theirs, theirs)))
			return err_set(err, ERR_INTERNAL,
				       "key lookup of \"%s\" answered \"%.64s\", not a hash it "
				       "starts",
				       prefix, theirs);
		if (n_theirs > 2)
			n_theirs = 2;
	}
	if (n_mine == 1 && n_theirs == 1 && strcmp(mine, theirs) == 0)
		n_theirs = 0; /* the same commit, imported again */
	int total = n_mine + n_theirs;
	if (total == 1) {
		snprintf(full, GITLOG_HASH_BUFSZ, "%s", n_mine ? mine : theirs);
		*in_import = n_mine == 1;
	}
	return total > 2 ? 2 : total;
}

static void add_report(struct git_import *imp, enum git_ref_status status,
		       const struct gitlog_commit *c, const struct import_link_match *lm,
		       const char *resolved)
{
	if ((imp->n_reports & (imp->n_reports - 1)) == 0)
		imp->reports = xrealloc(imp->reports, (imp->n_reports ? 2 * imp->n_reports : 1) *
							      sizeof(*imp->reports));
	struct git_import_report *r = &imp->reports[imp->n_reports++];
	memset(r, 0, sizeof(*r));
	r->status = status;
	snprintf(r->commit, sizeof(r->commit), "%s", c->hash);
	r->line = c->line + lm->body_line;
	r->how = lm->how;
	snprintf(r->written, sizeof(r->written), "%s", lm->target);
	snprintf(r->resolved, sizeof(r->resolved), "%s", resolved ? resolved : "");
	r->rule_id = lm->rule->id;
	imp->by_status[status]++;
}

/* One link match of change ch: a ref, or a hash resolved into a link or a report. */
static int take_link(struct git_import *imp, const struct resolver *rs,
		     struct git_import_change *ch, const struct import_link_match *lm,
		     struct err *err)
{
	const struct gitlog_commit *c = ch->commit;
	if (lm->how == IMPORT_LINK_REF) {
		strlist_push(&ch->refs, lm->target);
		imp->n_refs++;
		return 0;
	}
	char full[GITLOG_HASH_BUFSZ];
	int in_import = 0;
	int n = resolve(rs, lm->target, full, &in_import, err);
	if (n < 0)
		return -1;
	if (n != 1) {
		add_report(imp, n == 0 ? GIT_REF_UNKNOWN : GIT_REF_AMBIGUOUS, c, lm, NULL);
		return 0;
	}
	for (size_t i = 0; i < ch->n_links; i++)
		if (ch->links[i].how == lm->how && strcmp(ch->links[i].target, full) == 0)
			return 0; /* written twice (short and long) */
	int is_short = strlen(lm->target) < strlen(full);
	if (is_short)
		add_report(imp, GIT_REF_SHORT, c, lm, full);
	ch->links = xrealloc(ch->links, (ch->n_links + 1) * sizeof(*ch->links));
	struct git_import_link *l = &ch->links[ch->n_links++];
	memset(l, 0, sizeof(*l));
	l->how = lm->how;
	snprintf(l->target, sizeof(l->target), "%s", full);
	snprintf(l->written, sizeof(l->written), "%s", lm->target);
	l->short_hash = is_short;
	l->in_import = in_import;
	l->outcome = lm->rule->outcome;
	l->rule_id = lm->rule->id;
	l->line = c->line + lm->body_line;
	imp->by_how[lm->how]++;
	return 0;
}

static int plan_change(struct git_import *imp, const struct resolver *rs,
		       const struct import_rules *rules, const struct gitlog_commit *c,
		       struct git_import_change *ch, struct err *err)
{
	struct import_match m;
	import_rules_apply(rules, c, &m);
	ch->commit = c;
	ch->title = xstrdup(c->subject[0] ? c->subject : "(no commit message)");
	ch->impact = m.impact;
	ch->impact_rule = m.impact_rule ? m.impact_rule->id : NULL;
	imp->by_impact[m.impact]++;
	if (m.n_ios)
		ch->ios = xcalloc(m.n_ios, sizeof(*ch->ios));
	for (size_t i = 0; i < m.n_ios; i++) {
		struct git_import_io *io = &ch->ios[ch->n_ios++];
		io->category = m.ios[i].category;
		io->description = m.ios[i].description;
		io->evidence = m.ios[i].evidence;
		io->rule_id = m.ios[i].rule->id;
		m.ios[i].description = m.ios[i].evidence = NULL; /* moved */
		imp->by_category[io->category]++;
	}
	int rc = 0;
	for (size_t i = 0; i < m.n_links && rc == 0; i++)
		rc = take_link(imp, rs, ch, &m.links[i], err);
	import_match_release(&m);
	return rc;
}

void git_import_init(struct git_import *imp)
{
	memset(imp, 0, sizeof(*imp));
}

void git_import_release(struct git_import *imp)
{
	for (size_t i = 0; i < imp->n_changes; i++) {
		struct git_import_change *ch = &imp->changes[i];
		free(ch->title);
		for (size_t j = 0; j < ch->n_ios; j++) {
			free(ch->ios[j].description);
			free(ch->ios[j].evidence);
		}
		free(ch->ios);
		free(ch->links);
		strlist_release(&ch->refs);
	}
	free(imp->changes);
	free(imp->reports);
	free(imp->rules_name);
	git_import_init(imp);
}

int git_import_plan(const struct gitlog *log, const struct import_rules *rules,
		    git_import_lookup_fn lookup, void *ctx, struct git_import *imp, struct err *err)
{
	git_import_init(imp);
	imp->rules_name = xstrdup(rules->name ? rules->name : "");
	imp->rules_version = rules->version;
	import_rules_source(rules, imp->source, sizeof(imp->source));
	struct resolver rs = {NULL, log->n_commits, lookup, ctx};
	if (log->n_commits) {
		rs.hashes = xmalloc(log->n_commits * sizeof(*rs.hashes));
		for (size_t i = 0; i < log->n_commits; i++)
			rs.hashes[i] = log->commits[i].hash;
		xqsort(rs.hashes, rs.n, sizeof(*rs.hashes), by_string);
		imp->changes = xcalloc(log->n_commits, sizeof(*imp->changes));
	}
	int rc = 0;
	for (size_t i = 0; i < log->n_commits && rc == 0; i++) {
		rc = plan_change(imp, &rs, rules, &log->commits[i], &imp->changes[imp->n_changes],
				 err);
		imp->n_changes++;
		imp->n_replaced += log->commits[i].n_replaced;
	}
	free((void *)rs.hashes);
	if (rc < 0)
		git_import_release(imp);
	return rc;
}

/* --- JSON ------------------------------------------------------------------------------------ */

static void add_paths(cJSON *o, const struct gitlog_commit *c)
{
	cJSON *paths = cJSON_AddArrayToObject(o, "paths");
	cJSON *renamed = cJSON_AddArrayToObject(o, "renamed");
	for (size_t i = 0; i < c->n_paths; i++) {
		cJSON_AddItemToArray(paths, cJSON_CreateString(c->paths[i].path));
		if (!c->paths[i].old_path)
			continue;
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "from", c->paths[i].old_path);
		cJSON_AddStringToObject(r, "to", c->paths[i].path);
		cJSON_AddItemToArray(renamed, r);
	}
}

static cJSON *io_json(const struct git_import *imp, const struct git_import_io *io)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "category", model_name(&io_category_names, io->category));
	cJSON_AddStringToObject(o, "description", io->description);
	cJSON_AddStringToObject(o, "status", "candidate");
	cJSON_AddStringToObject(o, "source", imp->source);
	cJSON_AddStringToObject(o, "evidence", io->evidence);
	return o;
}

static cJSON *link_json(const struct git_import_link *l)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "how", model_name(&import_link_how_names, l->how));
	cJSON_AddStringToObject(o, "target", l->target);
	cJSON_AddStringToObject(o, "written", l->written);
	cJSON_AddBoolToObject(o, "short", l->short_hash);
	cJSON_AddBoolToObject(o, "in_import", l->in_import);
	cJSON_AddBoolToObject(o, "outcome", l->outcome);
	cJSON_AddStringToObject(o, "rule", l->rule_id);
	cJSON_AddNumberToObject(o, "line", l->line);
	return o;
}

cJSON *git_import_link_params(const struct git_import_change *ch, const struct git_import_link *l)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "link", l->rule_id);
	cJSON_AddStringToObject(o, "commit", ch->commit->hash);
	cJSON_AddNumberToObject(o, "line", l->line);
	cJSON_AddStringToObject(o, "written", l->written);
	return o;
}

cJSON *git_import_change_to_json(const struct git_import *imp, const struct git_import_change *ch)
{
	const struct gitlog_commit *c = ch->commit;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "key", c->hash);
	cJSON_AddStringToObject(o, "title", ch->title);
	json_add_time(o, "effective_at", c->committed_at);
	json_add_time(o, "authored_at", c->authored_at);
	cJSON_AddStringToObject(o, "author", c->author);
	cJSON_AddStringToObject(o, "impact", model_name(&impact_names, ch->impact));
	json_add_str(o, "impact_rule", ch->impact_rule);
	cJSON *refs = cJSON_AddArrayToObject(o, "refs");
	for (size_t i = 0; i < ch->refs.n; i++)
		cJSON_AddItemToArray(refs, cJSON_CreateString(ch->refs.items[i]));
	cJSON_AddNumberToObject(o, "parents", c->n_parents);
	json_add_str(o, "first_parent", c->first_parent[0] ? c->first_parent : NULL);
	add_paths(o, c);
	cJSON_AddNumberToObject(o, "replaced", (double)c->n_replaced);
	cJSON *ios = cJSON_AddArrayToObject(o, "ios");
	for (size_t i = 0; i < ch->n_ios; i++)
		cJSON_AddItemToArray(ios, io_json(imp, &ch->ios[i]));
	cJSON *links = cJSON_AddArrayToObject(o, "links");
	for (size_t i = 0; i < ch->n_links; i++)
		cJSON_AddItemToArray(links, link_json(&ch->links[i]));
	return o;
}

static cJSON *counts(const struct model_names *names, const size_t *n, int count)
{
	cJSON *o = cJSON_CreateObject();
	for (int i = 0; i < count; i++)
		cJSON_AddNumberToObject(o, names->names[i], (double)n[i]);
	return o;
}

static cJSON *report_json(const struct git_import_report *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", model_name(&git_ref_status_names, r->status));
	cJSON_AddStringToObject(o, "commit", r->commit);
	cJSON_AddNumberToObject(o, "line", r->line);
	cJSON_AddStringToObject(o, "how", model_name(&import_link_how_names, r->how));
	cJSON_AddStringToObject(o, "written", r->written);
	json_add_str(o, "resolved", r->resolved[0] ? r->resolved : NULL);
	cJSON_AddStringToObject(o, "rule", r->rule_id);
	return o;
}

cJSON *git_import_to_json(const struct git_import *imp, int with_changes)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *rules = cJSON_AddObjectToObject(o, "rules");
	cJSON_AddStringToObject(rules, "name", imp->rules_name ? imp->rules_name : "");
	cJSON_AddNumberToObject(rules, "version", imp->rules_version);
	cJSON_AddStringToObject(rules, "source", imp->source);
	cJSON_AddNumberToObject(o, "commits", (double)imp->n_changes);
	cJSON_AddNumberToObject(o, "replaced", (double)imp->n_replaced);
	cJSON_AddItemToObject(o, "impact", counts(&impact_names, imp->by_impact, IMPACT_COUNT));
	cJSON_AddItemToObject(o, "candidate_ios",
			      counts(&io_category_names, imp->by_category, IO_CAT_COUNT));
	/* links per how: revert, regression, follow_up (refs are counted apart) */
	cJSON_AddItemToObject(o, "links",
			      counts(&import_link_how_names, imp->by_how, IMPORT_LINK_REF));
	cJSON_AddNumberToObject(o, "refs", (double)imp->n_refs);
	cJSON_AddItemToObject(o, "reported",
			      counts(&git_ref_status_names, imp->by_status, GIT_REF_STATUS_COUNT));
	cJSON *reports = cJSON_AddArrayToObject(o, "reports");
	for (size_t i = 0; i < imp->n_reports; i++)
		cJSON_AddItemToArray(reports, report_json(&imp->reports[i]));
	if (with_changes) {
		cJSON *changes = cJSON_AddArrayToObject(o, "changes");
		for (size_t i = 0; i < imp->n_changes; i++)
			cJSON_AddItemToArray(changes,
					     git_import_change_to_json(imp, &imp->changes[i]));
	}
	return o;
}
