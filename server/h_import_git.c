/* POST /v1/import/git: git history (the output of DESIGN.md's git log
 * command) into the register, in the dispatcher's one transaction.
 *
 * The body is the log as it is (Content-Type text/plain, or anything but JSON)
 * — or, to send import rules with it, a JSON envelope (application/json):
 * {"log_base64": the log's bytes in base64 (a JSON string could not carry
 * the log's control characters or invalid UTF-8), "rules_yaml": the rules
 * file's text, "rules_file": its name}. The query:
 * service (required), file (the name problems carry), rules (NAME or
 * NAME@VERSION of stored rules), since/until (on the committer date: since
 * included, until not), skip_bad, dry_run.
 *
 * Rules: the envelope's (stored as a version of their name unless that text
 * is stored; a version stored with other content, or below the latest, is a
 * 409), a stored version named, or by default the latest version of the
 * rules of the policies folder's import/git.yaml (stored on first use the
 * same way; when the file is absent, the latest stored "git-default").
 *
 * Every record is checked first (core's gitlog): a bad one, or a committer
 * date past now + --max-skew, fails the import with every problem listed,
 * unless skip_bad. Then, under the service's import lock: the plan
 * (core's git_import_plan, hashes resolved against the log and the service's
 * keys), and one statement per kind of row: changes (history: effective,
 * no ship check; a stored key is a duplicate, never written twice), the
 * candidate IOs of the new changes (recorded before this import's links:
 * rules never see outcomes, so labelled_after_outcome is false unless the
 * change already had a link), an outcome per linking commit and how (kind
 * rollback for revert, incident otherwise; external key
 * "git:<hash>:<how>", occurred_at the commit's committer date) with its
 * incident links, the links that are no outcome (follow-ups) in
 * change_links, and links from incidents keyed "#N" to the new changes whose
 * refs name them. A pair already linked stays as it is. dry_run does all of
 * it inside a savepoint and undoes it: the answer is what the import would
 * do. */
#include "common.h"

#include "config.h"
#include "err.h"
#include "git_import.h"
#include "gitlog.h"
#include "handlers.h"
#include "hash.h"
#include "import_rules.h"
#include "json.h"
#include "rtime.h"

/* Items listed per list of the answer (the counts are whole). */
#define LIST_MAX 1000
/* Duplicate keys listed (a re-import of a long history would list them all). */
#define DUP_LIST_MAX 100
#define FILE_NAME_MAX 200
/* The default rules: this file of the policies folder, else this name stored. */
#define DEFAULT_RULES_PATH "import/git.yaml"
#define DEFAULT_RULES_NAME "git-default"

struct git_request {
	const char *service;
	const char *file;
	const char *rules_ref; /* ?rules=NAME[@VERSION] */
	char rules_name[IMPORT_RULES_NAME_MAX + 1];
	int rules_version; /* 0: the latest */
	int64_t since, until;
	int dry_run, skip_bad;
	const char *log; /* borrowed from the body or envelope, or log_owned */
	size_t log_len;
	char *log_owned;
	const char *rules_yaml; /* from the envelope, or NULL */
	const char *rules_file;
	cJSON *envelope;
};

/* The rules in force and where they came from. */
struct rules_used {
	struct import_rules rules;
	int parsed;
	char sha256[HASH_HEX_LEN + 1];
	char *origin; /* "request", "stored", or the default file's path */
	int stored_now;
};

static void git_request_release(struct git_request *g)
{
	free(g->log_owned);
	cJSON_Delete(g->envelope);
}

static void rules_used_release(struct rules_used *u)
{
	if (u->parsed)
		import_rules_release(&u->rules);
	free(u->origin);
}

/* ---- the request ---------------------------------------------------------------------------- */

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Standard base64 with padding (RFC 4648 section 4) into *out (*len bytes,
 * NUL-terminated; caller frees). -1 when s is not that. */
static int base64_decode(const char *s, size_t n, char **out, size_t *len)
{
	if (n % 4)
		return -1;
	char *d = xmalloc(n / 4 * 3 + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4], pad = 0;
		for (int j = 0; j < 4; j++) {
			unsigned char c = (unsigned char)s[i + j];
			/* "=" only at the end: "xx==" or "xxx=" */
			if (c == '=' && i + 4 == n && j >= 2 && (j == 3 || s[i + 3] == '=')) {
				v[j] = 0;
				pad++;
				continue;
			}
			v[j] = b64_value(c);
			if (v[j] < 0 || pad) {
				free(d);
				return -1;
			}
		}
		uint32_t bits = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
				(uint32_t)v[3];
		d[k++] = (char)(bits >> 16);
		if (pad < 2)
			d[k++] = (char)(bits >> 8 & 0xff);
		if (pad < 1)
			d[k++] = (char)(bits & 0xff);
	}
	d[k] = '\0';
	*out = d;
	*len = k;
	return 0;
}

static bool media_type_is(const char *ct, const char *t)
{
	ct += strspn(ct, " \t");
	size_t n = strlen(t);
	return strncasecmp(ct, t, n) == 0 && (ct[n] == '\0' || strchr(" \t;", ct[n]));
}

static const char *const envelope_fields[] = {"log_base64", "rules_yaml", "rules_file", NULL};

/* The JSON envelope: the log and the rules' text. */
static void read_envelope(const struct req *r, struct git_request *g, struct err *err)
{
	if (json_parse(r->body, r->body_len, &g->envelope, err) < 0)
		return;
	if (!cJSON_IsObject(g->envelope)) {
		err_detail(err, "body", 0, 1, "must be a JSON object");
		return;
	}
	json_check_fields(g->envelope, envelope_fields, err);
	const char *b64 = NULL;
	size_t max = r->config ? r->config->max_import : SIZE_MAX;
	json_get_string(g->envelope, "log_base64", true, max, &b64, err);
	json_get_string(g->envelope, "rules_yaml", false, IMPORT_RULES_TEXT_MAX, &g->rules_yaml,
			err);
	json_get_string(g->envelope, "rules_file", false, FILE_NAME_MAX, &g->rules_file, err);
	if (err_is_set(err))
		return;
	if (base64_decode(b64, strlen(b64), &g->log_owned, &g->log_len) < 0) {
		err_detail(err, "log_base64", 0, 0, "is not base64 (RFC 4648, with padding)");
	} else {
		g->log = g->log_owned;
	}
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* ?rules=NAME or NAME@VERSION. */
static void read_rules_ref(struct git_request *g, struct err *err)
{
	const char *at = strchr(g->rules_ref, '@');
	size_t n = at ? (size_t)(at - g->rules_ref) : strlen(g->rules_ref);
	bool ok = n >= 1 && n <= IMPORT_RULES_NAME_MAX;
	for (size_t i = 0; ok && i < n; i++) {
		char c = g->rules_ref[i];
		ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		     (i > 0 && (c == '-' || c == '_'));
	}
	long long v = 0;
	if (ok && at) {
		char *end = NULL;
		errno = 0;
		v = strtoll(at + 1, &end, 10);
		ok = !errno && end != at + 1 && !*end && at[1] != '+' && v >= 1 &&
		     v <= IMPORT_RULES_VERSION_MAX;
	}
	if (!ok) {
		err_detail(err, "rules", 0, 0,
			   "must name stored import rules as NAME or NAME@VERSION (a name "
			   "[a-z0-9][a-z0-9_-]{0,62}, a version from 1)");
		return;
	}
	snprintf(g->rules_name, sizeof(g->rules_name), "%.*s", (int)n, g->rules_ref);
	g->rules_version = (int)v;
}

static const char *const git_params[] = {"service", "file",	"rules",   "since",
					 "until",   "skip_bad", "dry_run", NULL};

static int read_request(struct req *r, struct git_request *g, struct err *err)
{
	query_check(r, git_params, err);
	g->service = req_query(r, "service");
	if (!g->service)
		err_detail(err, "service", 0, 0, "is required");
	else if (!model_valid_service(g->service))
		err_detail(err, "service", 0, 0,
			   "must match [a-z0-9][a-z0-9._-]{0,62} (lowercase, no spaces)");
	g->file = req_query(r, "file");
	if (g->file && (!*g->file || strlen(g->file) > FILE_NAME_MAX || has_control(g->file)))
		err_detail(err, "file", 0, 0, "must be 1 to %d characters, no control characters",
			   FILE_NAME_MAX);
	g->rules_ref = req_query(r, "rules");
	if (g->rules_ref)
		read_rules_ref(g, err);
	query_time_or_date(r, "since", &g->since, err);
	query_time_or_date(r, "until", &g->until, err);
	if (g->since != RTIME_NONE && g->until != RTIME_NONE && g->since >= g->until)
		err_detail(err, "until", 0, 0, "must come after since");
	query_bool(r, "skip_bad", &g->skip_bad, err);
	query_bool(r, "dry_run", &g->dry_run, err);
	if (err_is_set(err))
		return -1;
	if (r->content_type && media_type_is(r->content_type, "application/json")) {
		read_envelope(r, g, err);
	} else {
		g->log = r->body ? r->body : "";
		g->log_len = r->body_len;
	}
	if (!err_is_set(err) && g->rules_yaml && g->rules_ref)
		err_detail(err, "rules", 0, 0,
			   "give the rules either by name (rules) or as text (rules_yaml), not "
			   "both");
	if (!err_is_set(err) && g->log_len == 0)
		err_detail(err, "log", 0, 0, "is empty");
	if (!g->file || err_is_set(err))
		g->file = "git log";
	return err_is_set(err) ? -1 : 0;
}

/* ---- the rules ------------------------------------------------------------------------------ */

/* Parses rules text into u (problems as details with line and column). */
static int parse_rules(const char *file, const char *text, struct rules_used *u, struct err *err)
{
	if (import_rules_parse(file, text, strlen(text), &u->rules, err) < 0)
		return -1;
	u->parsed = 1;
	hash_sha256_hex(text, strlen(text), u->sha256);
	return 0;
}

/* Makes sure the parsed rules' text is stored as their version. Storing a
 * new version takes the rules lock (then looks again); finding it does not. */
static int store_rules(const struct req *r, struct rules_used *u, const char *text,
		       const char *file, struct err *err)
{
	struct import_rules_state st;
	const char *name = u->rules.name;
	int version = u->rules.version;
	if (store_import_rules_find(name, u->sha256, version, &st, err) < 0)
		return -1;
	if (st.same_content)
		return 0;
	if (store_git_import_lock(NULL, err) < 0 ||
	    store_import_rules_find(name, u->sha256, version, &st, err) < 0)
		return -1;
	if (st.same_content)
		return 0;
	if (st.version_taken)
		return err_set(err, ERR_CONFLICT,
			       "%s: import rules \"%s\" version %d are stored with other "
			       "content; raise version for every edit",
			       file, name, version);
	if (version < st.latest)
		return err_set(err, ERR_CONFLICT,
			       "%s: import rules \"%s\" version %d are older than the latest "
			       "stored version %d; raise version above it",
			       file, name, version, st.latest);
	if (store_import_rules_insert(name, version, text, u->sha256, r->token.name, err) < 0)
		return -1;
	u->stored_now = 1;
	return 0;
}

/* A stored version (0: the latest) of name into u. */
static int stored_rules(const char *name, int version, struct rules_used *u, struct err *err)
{
	struct import_rules_row row = {0};
	if (store_import_rules_get(name, version, &row, err) < 0)
		return -1;
	char file[IMPORT_RULES_NAME_MAX + 32];
	snprintf(file, sizeof(file), "%s@%d", row.name, row.version);
	struct err perr;
	err_init(&perr);
	int rc = parse_rules(file, row.yaml, u, &perr);
	if (rc < 0)
		err_set(err, ERR_CONFLICT, "stored import rules %s no longer load: %s", file,
			perr.message);
	import_rules_row_release(&row);
	return rc;
}

/* Reads the default rules file: 1 read, 0 absent, -1 failed (err). */
static int read_default(const struct req *r, char **path, char **text, struct err *err)
{
	const char *dir = r->config && r->config->policies ? r->config->policies : "policies";
	*path = xasprintf("%s/%s", dir, DEFAULT_RULES_PATH);
	*text = NULL;
	FILE *fp = fopen(*path, "rb");
	if (!fp)
		return errno == ENOENT ? 0
				       : err_set(err, ERR_CONFLICT,
						 "cannot read the default import rules %s: %s",
						 *path, strerror(errno));
	struct buf b;
	buf_init(&b, IMPORT_RULES_TEXT_MAX);
	char chunk[8192];
	size_t got;
	int rc = 0;
	while (rc == 0 && (got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		rc = buf_append(&b, chunk, got);
	int failed = ferror(fp);
	fclose(fp);
	if (rc == 0 && !failed)
		rc = buf_append(&b, "", 0);
	if (rc < 0 || failed) {
		buf_release(&b);
		return err_set(err, ERR_CONFLICT, "cannot read the default import rules %s: %s",
			       *path, failed ? "read error" : "larger than 262144 bytes");
	}
	*text = b.data;
	return 1;
}

/* The default: the policies folder's import/git.yaml stored as its version,
 * then the latest stored version of its name. */
static int default_rules(const struct req *r, struct rules_used *u, struct err *err)
{
	char *path = NULL, *text = NULL;
	int got = read_default(r, &path, &text, err), rc = -1;
	if (got < 0)
		goto out;
	char name[IMPORT_RULES_NAME_MAX + 1] = DEFAULT_RULES_NAME;
	struct err perr;
	err_init(&perr);
	if (got && parse_rules(path, text, u, &perr) < 0) {
		err_set(err, ERR_CONFLICT, "the default import rules do not load: %s",
			perr.message);
		goto out;
	}
	if (got && store_rules(r, u, text, path, err) < 0)
		goto out;
	int stored_now = u->stored_now;
	char file_sha[HASH_HEX_LEN + 1];
	snprintf(file_sha, sizeof(file_sha), "%s", u->sha256);
	if (got) {
		snprintf(name, sizeof(name), "%s", u->rules.name);
		import_rules_release(&u->rules);
		u->parsed = 0;
	}
	struct err serr;
	err_init(&serr);
	rc = stored_rules(name, 0, u, &serr);
	if (rc < 0 && serr.code == ERR_NOT_FOUND)
		err_detail(err, "rules", 0, 0,
			   "no import rules: %s is absent and no rules \"%s\" are stored; send "
			   "rules (rules_yaml) or name stored ones",
			   path, name);
	else if (rc < 0)
		*err = serr;
	u->stored_now = stored_now;
	/* the file, unless a later version was stored (sent with an import) */
	u->origin = xstrdup(got && strcmp(file_sha, u->sha256) == 0 ? path : "stored");
out:
	free(path);
	free(text);
	return rc;
}

static int resolve_rules(const struct req *r, const struct git_request *g, struct rules_used *u,
			 struct err *err)
{
	if (g->rules_yaml) {
		const char *file = g->rules_file ? g->rules_file : "rules.yaml";
		u->origin = xstrdup("request");
		if (parse_rules(file, g->rules_yaml, u, err) < 0)
			return -1;
		return store_rules(r, u, g->rules_yaml, file, err);
	}
	if (g->rules_ref) {
		u->origin = xstrdup("stored");
		return stored_rules(g->rules_name, g->rules_version, u, err);
	}
	return default_rules(r, u, err);
}

/* ---- the log -------------------------------------------------------------------------------- */

/* The log's records and what was set aside. */
struct git_input {
	struct gitlog log;
	struct gitlog view; /* the commits imported: borrowed from log (only commits owned) */
	size_t outside;	    /* records outside since/until */
	cJSON *problems;    /* [{line, message}] of bad records, future ones included */
	size_t n_problems;
};

static void add_problem(struct git_input *in, const char *file, int line, const char *message,
			struct err *collect)
{
	if (in->n_problems++ < LIST_MAX) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "line", line);
		char *text = xasprintf("%s:%d: %s", file, line, message);
		cJSON_AddStringToObject(o, "message", text);
		cJSON_AddItemToArray(in->problems, o);
		err_detail(collect, "log", line, 0, "%s", text);
		free(text);
	}
}

/* Parses the log; keeps the commits within since/until and not in the future. */
static int read_log(const struct req *r, const struct git_request *g, struct git_input *in,
		    struct err *err)
{
	struct err perr, collect;
	err_init(&perr);
	err_init(&collect);
	in->problems = cJSON_CreateArray();
	int rc = gitlog_parse(g->file, g->log, g->log_len, &in->log, &perr);
	if (rc < 0 && (perr.code == ERR_TOO_LARGE || in->log.too_large)) {
		*err = perr;
		return -1;
	}
	for (size_t i = 0; i < in->log.n_problems; i++)
		add_problem(in, g->file, in->log.problems[i].line, in->log.problems[i].message,
			    &collect);
	in->n_problems = in->log.n_bad > in->n_problems ? in->log.n_bad : in->n_problems;
	int64_t limit = r->now + (r->config ? r->config->max_skew : 0);
	in->view.commits =
		xcalloc(in->log.n_commits ? in->log.n_commits : 1, sizeof(*in->view.commits));
	for (size_t i = 0; i < in->log.n_commits; i++) {
		const struct gitlog_commit *c = &in->log.commits[i];
		if (c->committed_at > limit) {
			char msg[160];
			snprintf(msg, sizeof(msg),
				 "commit %.12s: committer date lies in the future beyond the "
				 "allowed clock skew",
				 c->hash);
			add_problem(in, g->file, c->line, msg, &collect);
			continue;
		}
		if ((g->since != RTIME_NONE && c->committed_at < g->since) ||
		    (g->until != RTIME_NONE && c->committed_at >= g->until)) {
			in->outside++;
			continue;
		}
		in->view.commits[in->view.n_commits] = *c;
		in->view.n_replaced += c->n_replaced;
		in->view.n_commits++;
	}
	if (in->n_problems && !g->skip_bad) {
		const struct err_detail *first = &collect.details[0];
		err_set(err, ERR_INVALID, "%s (%zu bad record%s; skip_bad imports the others)",
			first->message, in->n_problems, in->n_problems == 1 ? "" : "s");
		for (int i = 0; i < collect.n_details; i++)
			err_detail(err, "log", collect.details[i].line, 0, "%s",
				   collect.details[i].message);
		return -1;
	}
	if (in->log.n_commits == 0 && in->n_problems == 0)
		return err_detail(
			err, "log", 0, 0,
			"%s: no commits: the log must be the output of git log "
			"--format=%%x1e%%H%%x1f%%P%%x1f%%an%%x1f%%aI%%x1f%%cI%%x1f%%B%%x1f "
			"--numstat",
			g->file);
	return 0;
}

/* ---- writing -------------------------------------------------------------------------------- */

struct git_written {
	struct strlist inserted; /* keys, sorted */
	size_t ios, labelled;
	size_t ios_by_category[IO_CAT_COUNT];
	size_t outcomes_planned, outcomes_inserted;
	size_t outcomes_by_kind[2]; /* rollback, incident (planned) */
	size_t found[3], made[3];   /* links per how: resolved, stored now */
	size_t ref_links;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool was_inserted(const struct git_written *w, const char *key)
{
	return w->inserted.n &&
	       bsearch(&key, w->inserted.items, w->inserted.n, sizeof(char *), cmp_str);
}

static cJSON *strlist_json(const struct strlist *l)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < l->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(l->items[i]));
	return a;
}

static char *print_free(cJSON *o)
{
	char *s = json_print(o);
	cJSON_Delete(o);
	return s;
}

/* The changes, oldest first (ids follow history). */
static char *changes_rows(const struct git_import *imp)
{
	cJSON *rows = cJSON_CreateArray();
	for (size_t i = imp->n_changes; i-- > 0;) {
		const struct git_import_change *ch = &imp->changes[i];
		const struct gitlog_commit *c = ch->commit;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "key", c->hash);
		cJSON_AddStringToObject(o, "title", ch->title);
		cJSON_AddStringToObject(o, "impact", model_name(&impact_names, (int)ch->impact));
		json_add_time(o, "effective_at", c->committed_at);
		json_add_str(o, "author", c->author && *c->author ? c->author : NULL);
		cJSON_AddItemToObject(o, "refs", strlist_json(&ch->refs));
		cJSON *paths = cJSON_AddArrayToObject(o, "paths");
		for (size_t k = 0; k < c->n_paths; k++)
			cJSON_AddItemToArray(paths, cJSON_CreateString(c->paths[k].path));
		cJSON_AddItemToArray(rows, o);
	}
	return print_free(rows);
}

/* The candidate IOs of the changes inserted now. */
static char *ios_rows(const struct git_import *imp, struct git_written *w)
{
	cJSON *rows = cJSON_CreateArray();
	for (size_t i = imp->n_changes; i-- > 0;) {
		const struct git_import_change *ch = &imp->changes[i];
		if (!ch->n_ios || !was_inserted(w, ch->commit->hash))
			continue;
		for (size_t k = 0; k < ch->n_ios; k++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "key", ch->commit->hash);
			cJSON_AddStringToObject(
				o, "category",
				model_name(&io_category_names, (int)ch->ios[k].category));
			cJSON_AddStringToObject(o, "description", ch->ios[k].description);
			json_add_str(o, "evidence", ch->ios[k].evidence);
			cJSON_AddItemToArray(rows, o);
			w->ios_by_category[ch->ios[k].category]++;
		}
	}
	return print_free(rows);
}

/* The outcomes (one per linking commit and how), their links, and the links
 * that are no outcome. */
static void link_rows(const struct git_import *imp, struct git_written *w, char **outcomes,
		      char **outcome_links, char **change_links)
{
	cJSON *inc = cJSON_CreateArray(), *il = cJSON_CreateArray(), *cl = cJSON_CreateArray();
	for (size_t i = imp->n_changes; i-- > 0;) {
		const struct git_import_change *ch = &imp->changes[i];
		int has_outcome[3] = {0, 0, 0};
		for (size_t k = 0; k < ch->n_links; k++) {
			const struct git_import_link *l = &ch->links[k];
			const char *how = model_name(&import_link_how_names, (int)l->how);
			char key[GITLOG_HASH_BUFSZ + 32];
			snprintf(key, sizeof(key), "git:%s:%s", ch->commit->hash, how);
			if (l->how > IMPORT_LINK_FOLLOW_UP)
				continue; /* refs are not links */
			w->found[l->how]++;
			cJSON *o = cJSON_CreateObject();
			if (l->outcome) {
				cJSON_AddStringToObject(o, "external_key", key);
			} else {
				cJSON_AddStringToObject(o, "key", ch->commit->hash);
			}
			cJSON_AddStringToObject(o, "target", l->target);
			cJSON_AddStringToObject(o, "how", how);
			cJSON_AddItemToObject(o, "params", git_import_link_params(ch, l));
			cJSON_AddItemToArray(l->outcome ? il : cl, o);
			if (!l->outcome || has_outcome[l->how]++)
				continue;
			int rollback = l->how == IMPORT_LINK_REVERT;
			cJSON *out = cJSON_CreateObject();
			cJSON_AddStringToObject(out, "external_key", key);
			cJSON_AddStringToObject(out, "kind", rollback ? "rollback" : "incident");
			cJSON_AddStringToObject(out, "title", ch->title);
			json_add_time(out, "occurred_at", ch->commit->committed_at);
			cJSON_AddItemToArray(inc, out);
			w->outcomes_planned++;
			w->outcomes_by_kind[rollback ? 0 : 1]++;
		}
	}
	*outcomes = print_free(inc);
	*outcome_links = print_free(il);
	*change_links = print_free(cl);
}

static int write_import(const struct req *r, const struct git_request *g,
			const struct git_import *imp, struct git_written *w, struct err *err)
{
	const struct store_git_write sw = {g->service, imp->source, imp->rules_name,
					   imp->rules_version, r->token.name};
	char *changes = changes_rows(imp), *ios = NULL, *outcomes = NULL, *outcome_links = NULL,
	     *change_links = NULL, *keys = NULL;
	int rc = -1;
	if (store_git_insert_changes(g->service, changes, r->token.name, &w->inserted, err) < 0)
		goto out;
	if (w->inserted.n)
		xqsort(w->inserted.items, w->inserted.n, sizeof(char *), cmp_str);
	ios = ios_rows(imp, w);
	if (store_git_insert_ios(g->service, imp->source, ios, r->token.name, &w->ios, &w->labelled,
				 err) < 0)
		goto out;
	link_rows(imp, w, &outcomes, &outcome_links, &change_links);
	size_t inserted = 0;
	if (store_git_insert_outcomes(&sw, outcomes, outcome_links, &inserted, w->made, err) < 0 ||
	    store_git_insert_change_links(&sw, change_links, w->made, err) < 0)
		goto out;
	w->outcomes_inserted = inserted;
	keys = print_free(strlist_json(&w->inserted));
	rc = w->inserted.n ? store_git_link_refs(&sw, keys, &w->ref_links, err) : 0;
out:
	free(changes);
	free(ios);
	free(outcomes);
	free(outcome_links);
	free(change_links);
	free(keys);
	return rc;
}

/* ---- the answer ----------------------------------------------------------------------------- */

static cJSON *how_counts(const struct git_written *w, enum import_link_how how)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "found", (double)w->found[how]);
	cJSON_AddNumberToObject(o, "made", (double)w->made[how]);
	cJSON_AddNumberToObject(o, "existing", (double)(w->found[how] - w->made[how]));
	return o;
}

static cJSON *answer(const struct git_request *g, const struct rules_used *u, struct git_input *in,
		     const struct git_import *imp, const struct git_written *w)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "service", g->service);
	cJSON_AddStringToObject(o, "file", g->file);
	cJSON_AddBoolToObject(o, "dry_run", g->dry_run);
	cJSON *rules = cJSON_AddObjectToObject(o, "rules");
	cJSON_AddStringToObject(rules, "name", imp->rules_name);
	cJSON_AddNumberToObject(rules, "version", imp->rules_version);
	cJSON_AddStringToObject(rules, "source", imp->source);
	cJSON_AddStringToObject(rules, "sha256", u->sha256);
	cJSON_AddStringToObject(rules, "from", u->origin ? u->origin : "stored");
	cJSON_AddBoolToObject(rules, "stored_now", u->stored_now);
	cJSON_AddNumberToObject(o, "records", (double)(in->log.n_commits + in->log.n_bad));
	cJSON_AddNumberToObject(o, "commits", (double)imp->n_changes);
	cJSON_AddNumberToObject(o, "outside_range", (double)in->outside);
	cJSON *bad = cJSON_AddObjectToObject(o, "bad_records");
	cJSON_AddNumberToObject(bad, "count", (double)in->n_problems);
	cJSON_AddItemToObject(bad, "problems", in->problems);
	in->problems = NULL;
	cJSON_AddNumberToObject(o, "replaced", (double)imp->n_replaced);

	cJSON *changes = cJSON_AddObjectToObject(o, "changes");
	size_t dups = imp->n_changes - w->inserted.n;
	cJSON_AddNumberToObject(changes, "inserted", (double)w->inserted.n);
	cJSON_AddNumberToObject(changes, "duplicates", (double)dups);
	cJSON *dup_keys = cJSON_AddArrayToObject(changes, "duplicate_keys");
	for (size_t i = 0, n = 0; i < imp->n_changes && n < DUP_LIST_MAX; i++)
		if (!was_inserted(w, imp->changes[i].commit->hash) && ++n)
			cJSON_AddItemToArray(dup_keys,
					     cJSON_CreateString(imp->changes[i].commit->hash));
	cJSON *impact = cJSON_AddObjectToObject(o, "impact");
	for (int i = 0; i < IMPACT_COUNT; i++)
		cJSON_AddNumberToObject(impact, model_name(&impact_names, i),
					(double)imp->by_impact[i]);

	cJSON *ios = cJSON_AddObjectToObject(o, "candidate_ios");
	cJSON_AddNumberToObject(ios, "inserted", (double)w->ios);
	cJSON_AddNumberToObject(ios, "labelled_after_outcome", (double)w->labelled);
	cJSON *cats = cJSON_AddObjectToObject(ios, "by_category");
	for (int i = 0; i < IO_CAT_COUNT; i++)
		cJSON_AddNumberToObject(cats, model_name(&io_category_names, i),
					(double)w->ios_by_category[i]);

	cJSON *outcomes = cJSON_AddObjectToObject(o, "outcomes");
	cJSON_AddNumberToObject(outcomes, "found", (double)w->outcomes_planned);
	cJSON_AddNumberToObject(outcomes, "inserted", (double)w->outcomes_inserted);
	cJSON_AddNumberToObject(outcomes, "existing",
				(double)(w->outcomes_planned - w->outcomes_inserted));
	cJSON_AddNumberToObject(outcomes, "rollback", (double)w->outcomes_by_kind[0]);
	cJSON_AddNumberToObject(outcomes, "incident", (double)w->outcomes_by_kind[1]);
	cJSON *links = cJSON_AddObjectToObject(o, "links");
	for (int how = 0; how <= IMPORT_LINK_FOLLOW_UP; how++)
		cJSON_AddItemToObject(links, model_name(&import_link_how_names, how),
				      how_counts(w, (enum import_link_how)how));
	cJSON_AddNumberToObject(o, "refs", (double)imp->n_refs);
	cJSON_AddNumberToObject(o, "ref_links", (double)w->ref_links);

	cJSON *reported = cJSON_AddObjectToObject(o, "reported");
	for (int i = 0; i < GIT_REF_STATUS_COUNT; i++)
		cJSON_AddNumberToObject(reported, model_name(&git_ref_status_names, i),
					(double)imp->by_status[i]);
	/* the plan's own list, cut at LIST_MAX */
	cJSON *plan = git_import_to_json(imp, 0);
	cJSON *reports = cJSON_DetachItemFromObjectCaseSensitive(plan, "reports");
	while (cJSON_GetArraySize(reports) > LIST_MAX)
		cJSON_DeleteItemFromArray(reports, LIST_MAX);
	cJSON_AddItemToObject(o, "reports", reports);
	cJSON_Delete(plan);
	return o;
}

/* ---- the handler ---------------------------------------------------------------------------- */

int h_import_git(struct req *r, struct resp *out, struct err *err)
{
	struct git_request g;
	memset(&g, 0, sizeof(g));
	struct rules_used u;
	memset(&u, 0, sizeof(u));
	struct git_input in;
	memset(&in, 0, sizeof(in));
	struct git_import imp;
	git_import_init(&imp);
	struct git_keyset keys;
	git_keyset_init(&keys);
	struct git_written w;
	memset(&w, 0, sizeof(w));
	int rc = -1;
	if (read_request(r, &g, err) < 0 || read_log(r, &g, &in, err) < 0)
		goto out;
	/* a dry run undoes everything from here, a version of rules stored too */
	if (g.dry_run && store_git_dry_run_begin(err) < 0)
		goto out;
	if (resolve_rules(r, &g, &u, err) < 0 || store_git_import_lock(g.service, err) < 0 ||
	    store_git_known_keys(g.service, &keys, err) < 0 ||
	    git_import_plan(&in.view, &u.rules, git_keyset_lookup, &keys, &imp, err) < 0)
		goto out;
	if (write_import(r, &g, &imp, &w, err) < 0)
		goto out;
	if (g.dry_run && store_git_dry_run_end(err) < 0)
		goto out;
	int wrote = !g.dry_run && (w.inserted.n || w.ios || w.outcomes_inserted || w.ref_links ||
				   w.made[0] || w.made[1] || w.made[2] || u.stored_now);
	resp_json(out, wrote ? 201 : 200, answer(&g, &u, &in, &imp, &w));
	rc = 0;
out:
	git_import_release(&imp);
	git_keyset_release(&keys);
	strlist_release(&w.inserted);
	free(in.view.commits);
	gitlog_release(&in.log);
	cJSON_Delete(in.problems);
	rules_used_release(&u);
	git_request_release(&g);
	return rc;
}
