/* /v1/policies: publish a gate policy version (PUT), list, show, list versions
 * and retire; and the first-start load of a policies folder. A version weaker
 * than the one before it is itself an Evaluation IO: a governance change with
 * one confirmed IO is filed in the same transaction. */
#include "common.h"

#include "change.h"
#include "err.h"
#include "handlers.h"
#include "hash.h"
#include "io.h"
#include "json.h"
#include "policy.h"
#include "rtime.h"

#define WEAKENING_SOURCE "rule:policy-weakening@1"
#define GOVERNANCE_SERVICE "governance"
#define LOADER_ACTOR "ratchetd"

/* [a-z0-9][a-z0-9_-]{0,62}, the rule of policy.h. */
static int valid_policy_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > POLICY_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			 (i > 0 && (c == '_' || c == '-'));
		if (!ok)
			return 0;
	}
	return 1;
}

/* The number of gates of a stored text, or -1 when it no longer parses. */
static int count_gates(const char *name, const char *yaml)
{
	struct policy p;
	struct err perr;
	policy_init(&p);
	err_init(&perr);
	if (policy_parse(name, yaml, strlen(yaml), &p, &perr) < 0)
		return -1;
	int n = (int)p.n_gates;
	policy_release(&p);
	return n;
}

/* One version as API JSON; the text only when with_yaml. Caller frees. */
static cJSON *version_json(const struct policy_row *row, int gates, int with_yaml)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", row->name);
	cJSON_AddNumberToObject(o, "version", row->version);
	cJSON_AddStringToObject(o, "sha256", row->sha256);
	cJSON_AddBoolToObject(o, "retired", row->retired);
	json_add_str(o, "reason", row->reason);
	json_add_time(o, "created_at", row->created_at);
	json_add_str(o, "created_by", row->created_by);
	if (gates >= 0)
		cJSON_AddNumberToObject(o, "gates", gates);
	else
		cJSON_AddNullToObject(o, "gates");
	if (row->weakening_change_id) {
		char *ref = xasprintf(GOVERNANCE_SERVICE ":policy:%s:%d", row->name, row->version);
		cJSON_AddStringToObject(o, "weakening_change", ref);
		free(ref);
	} else {
		cJSON_AddNullToObject(o, "weakening_change");
	}
	if (with_yaml)
		cJSON_AddStringToObject(o, "yaml", row->yaml);
	return o;
}

/* Copies at most max bytes of s into b, cut at a UTF-8 character boundary. */
static void append_capped(struct buf *b, const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	buf_append(b, s, n);
}

/* The IO's description: the weakening lines, a blank line, then the diff,
 * within IO_TEXT_MAX bytes (a cut diff says so). Caller frees. */
static char *weakening_description(const struct strlist *lines, const char *diff)
{
	static const char cut[] = "\n[diff truncated]";
	struct buf b;
	buf_init(&b, 0);
	for (size_t i = 0; i < lines->n; i++)
		buf_printf(&b, "%s%s", i ? "\n" : "", lines->items[i]);
	if (b.len > IO_TEXT_MAX) {
		char *all = b.data;
		buf_init(&b, 0);
		append_capped(&b, all, IO_TEXT_MAX);
		free(all);
		return b.data;
	}
	if (diff && *diff && b.len + 2 < IO_TEXT_MAX) {
		buf_append(&b, "\n\n", 2);
		size_t room = IO_TEXT_MAX - b.len;
		if (strlen(diff) <= room) {
			buf_append(&b, diff, strlen(diff));
		} else if (room > sizeof(cut)) {
			append_capped(&b, diff, room - (sizeof(cut) - 1));
			buf_append(&b, cut, sizeof(cut) - 1);
		}
	}
	return b.data;
}

/* Records a write made inside a handler the way the router records its own. */
static int audit_json(const char *actor, const char *action, const char *type, int64_t id,
		      cJSON *payload, struct err *err)
{
	char idbuf[24];
	snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
	char *text = json_print(payload);
	cJSON_Delete(payload);
	int rc = store_audit_insert(actor, action, type, idbuf, text, err);
	free(text);
	return rc;
}

/* Files change governance:policy:<name>:<version> (effective now, impact high)
 * with one confirmed Evaluation IO describing the weakening, each with its
 * audit entry as POST /v1/changes and POST .../ios would record it. */
static int file_weakening(const char *actor, int64_t now, const char *name, int version,
			  const struct strlist *lines, const char *diff, int64_t *change_id,
			  struct err *err)
{
	struct change c;
	struct io io;
	change_init(&c);
	io_init(&io);
	int rc = -1;
	c.service = xstrdup(GOVERNANCE_SERVICE);
	c.key = xasprintf("policy:%s:%d", name, version);
	c.title = xasprintf("Policy %s weakened in version %d", name, version);
	c.impact = IMPACT_HIGH;
	c.state = CHANGE_EFFECTIVE;
	c.effective_at = now;
	if (store_change_insert(&c, actor, err) < 0)
		goto out;
	*change_id = c.id;
	change_release(&c);
	change_init(&c);
	if (store_change_get(*change_id, &c, err) < 0 ||
	    audit_json(actor, "change.create", "change", *change_id, change_to_json(&c, NULL, 0, 1),
		       err) < 0)
		goto out;
	io.change_id = *change_id;
	io.category = IO_CAT_EVALUATION;
	io.status = IO_CONFIRMED;
	io.source = xstrdup(WEAKENING_SOURCE);
	io.description = weakening_description(lines, diff);
	if (store_io_insert(&io, actor, err) < 0)
		goto out;
	int64_t io_id = io.id;
	io_release(&io);
	io_init(&io);
	if (store_io_get(io_id, &io, err) < 0 ||
	    audit_json(actor, "io.create", "io", io_id, io_to_json(&io), err) < 0)
		goto out;
	rc = 0;
out:
	io_release(&io);
	change_release(&c);
	return rc;
}

/* The latest version of name in *row; *found 0 (and row untouched) when none. */
static int latest_or_none(const char *name, struct policy_row *row, int *found, struct err *err)
{
	struct err lerr;
	err_init(&lerr);
	*found = 0;
	if (store_policy_latest(name, row, &lerr) == 0) {
		*found = 1;
		return 0;
	}
	if (lerr.code == ERR_NOT_FOUND)
		return 0;
	*err = lerr;
	return -1;
}

/* Appends every way new_p is weaker than the stored version old; new_p NULL
 * means old retired (every gate dropped). A stored text that no longer parses
 * blocked every change it applied to, so replacing it is recorded too. */
static void weakenings_from(const struct policy_row *old, const struct policy *new_p,
			    struct strlist *lines)
{
	struct policy old_p;
	struct err perr;
	policy_init(&old_p);
	err_init(&perr);
	if (policy_parse(old->name, old->yaml, strlen(old->yaml), &old_p, &perr) < 0) {
		char *line = xasprintf("stored version %d no longer parses (it blocked every "
				       "change it applied to); version %d replaces it",
				       old->version, old->version + 1);
		strlist_push(lines, line);
		free(line);
		return;
	}
	struct policy gateless = old_p; /* shallow: borrowed from old_p, not released */
	gateless.gates = NULL;
	gateless.n_gates = 0;
	policy_weakenings(&old_p, new_p ? new_p : &gateless, lines);
	policy_release(&old_p);
}

/* Inserts a new version (after the weakening's change and IO when lines is not
 * empty) and fills row. old may be NULL (the first version). */
static int publish(const char *actor, int64_t now, const struct policy_row *old,
		   const struct strlist *lines, const char *new_label, struct policy_row *row,
		   struct err *err)
{
	if (lines->n > 0) {
		char *old_label = xasprintf("%s v%d", old->name, old->version);
		char *diff = policy_text_diff(old->yaml, row->retired ? "" : row->yaml, old_label,
					      new_label);
		int rc = file_weakening(actor, now, row->name, row->version, lines, diff,
					&row->weakening_change_id, err);
		free(diff);
		free(old_label);
		if (rc < 0)
			return -1;
	}
	return store_policy_insert(row, err);
}

/* The response of a write: the version, its text, created and weakenings. */
static cJSON *write_json(const struct policy_row *row, int gates, int created,
			 const struct strlist *lines)
{
	cJSON *o = version_json(row, gates, 1);
	cJSON_AddBoolToObject(o, "created", created);
	cJSON *arr = cJSON_AddArrayToObject(o, "weakenings");
	for (size_t i = 0; i < lines->n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(lines->items[i]));
	return o;
}

/* The line of the top-level "policy:" key, for the mismatch detail (0 if none). */
static int policy_key_line(const char *text)
{
	int line = 1;
	for (const char *p = text; *p; line++) {
		if (strncmp(p, "policy:", 7) == 0)
			return line;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return 0;
}

/* The policy.put entry of a version stored outside PUT (whose router records it). */
static int audit_policy_put(const char *actor, const struct policy_row *row, int gates,
			    const struct strlist *lines, struct err *err)
{
	cJSON *payload = write_json(row, gates, 1, lines);
	char *text = json_print(payload);
	cJSON_Delete(payload);
	int rc = store_audit_insert(actor, "policy.put", "policy", row->name, text, err);
	free(text);
	return rc;
}

int h_policies_publish(const char *actor, int64_t now, const struct policy *p, const char *yaml,
		       int audit, struct policy_row *row, int *created, struct strlist *lines,
		       struct err *err)
{
	struct policy_row old = {0};
	char sha256[65];
	int found = 0, rc = -1;
	*created = 0;
	memset(row, 0, sizeof(*row));
	hash_sha256_hex(yaml, strlen(yaml), sha256);
	if (store_policy_lock(err) < 0 || latest_or_none(p->name, &old, &found, err) < 0)
		goto out;
	if (found && !old.retired && strcmp(old.sha256, sha256) == 0) {
		*row = old; /* identical to the active version: nothing new */
		memset(&old, 0, sizeof(old));
		rc = 0;
		goto out;
	}
	row->name = xstrdup(p->name);
	row->yaml = xstrdup(yaml);
	snprintf(row->sha256, sizeof(row->sha256), "%s", sha256);
	row->version = found ? old.version + 1 : 1;
	row->created_by = xstrdup(actor);
	if (found && !old.retired)
		weakenings_from(&old, p, lines);
	char *label = xasprintf("%s v%d", p->name, row->version);
	rc = publish(actor, now, found ? &old : NULL, lines, label, row, err);
	free(label);
	if (rc == 0 && audit)
		rc = audit_policy_put(actor, row, (int)p->n_gates, lines, err);
	*created = rc == 0;
out:
	policy_row_release(&old);
	return rc;
}

static const char *const put_fields[] = {"yaml", NULL};

int h_policies_put(struct req *r, struct resp *out, struct err *err)
{
	const char *name = r->params[0], *yaml = NULL;
	json_check_fields(r->json, put_fields, err);
	json_get_string(r->json, "yaml", true, POLICY_TEXT_MAX, &yaml, err);
	if (!valid_policy_name(name))
		err_detail(err, "name", 0, 0, "must match [a-z0-9][a-z0-9_-]{0,62}");
	if (err_is_set(err))
		return -1;
	struct policy p;
	struct policy_row row = {0};
	struct strlist lines = {0};
	int created = 0, rc = -1;
	policy_init(&p);
	if (policy_parse(name, yaml, strlen(yaml), &p, err) < 0)
		goto out;
	if (strcmp(p.name, name) != 0) {
		err_set(err, ERR_INVALID, "the YAML names policy \"%s\", not \"%s\"", p.name, name);
		int line = policy_key_line(yaml);
		err_detail(err, "policy", line, line ? 1 : 0,
			   "must be \"%s\", the name in the path", name);
		goto out;
	}
	rc = h_policies_publish(r->token.name, r->now, &p, yaml, 0, &row, &created, &lines, err);
	if (rc == 0)
		resp_json(out, created ? 201 : 200,
			  write_json(&row, (int)p.n_gates, created, &lines));
out:
	strlist_release(&lines);
	policy_row_release(&row);
	policy_release(&p);
	return rc;
}

static const char *const retire_fields[] = {"reason", NULL};

int h_policies_retire(struct req *r, struct resp *out, struct err *err)
{
	const char *name = r->params[0], *reason = NULL;
	json_check_fields(r->json, retire_fields, err);
	json_get_string(r->json, "reason", true, CHANGE_REASON_MAX, &reason, err);
	if (err_is_set(err))
		return -1;
	if (!valid_policy_name(name))
		return err_set(err, ERR_NOT_FOUND, "no policy \"%.64s\"", name);
	struct policy_row old = {0}, row = {0};
	struct strlist lines = {0};
	int rc = -1;
	if (store_policy_lock(err) < 0 || store_policy_latest(name, &old, err) < 0)
		goto out;
	if (old.retired) {
		err_set(err, ERR_CONFLICT, "policy \"%s\" is already retired (version %d)", name,
			old.version);
		goto out;
	}
	/* Retiring drops every gate: weaker by each of them. */
	weakenings_from(&old, NULL, &lines);
	if (lines.n == 0)
		strlist_push(&lines, "policy retired: its gates no longer apply");
	row.name = xstrdup(name);
	row.yaml = xstrdup(old.yaml);
	snprintf(row.sha256, sizeof(row.sha256), "%s", old.sha256);
	row.version = old.version + 1;
	row.retired = 1;
	row.reason = xstrdup(reason);
	row.created_by = xstrdup(r->token.name);
	char *label = xasprintf("%s v%d (retired)", name, row.version);
	rc = publish(r->token.name, r->now, &old, &lines, label, &row, err);
	free(label);
	if (rc == 0)
		resp_json(out, 201, write_json(&row, count_gates(row.name, row.yaml), 1, &lines));
out:
	strlist_release(&lines);
	policy_row_release(&row);
	policy_row_release(&old);
	return rc;
}

static const char *const no_params[] = {NULL};

int h_policies_list(struct req *r, struct resp *out, struct err *err)
{
	if (query_check(r, no_params, err) < 0)
		return -1;
	struct policy_row *rows;
	size_t n;
	if (store_policy_latest_all(&rows, &n, err) < 0)
		return -1;
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(
			arr, version_json(&rows[i], count_gates(rows[i].name, rows[i].yaml), 0));
		policy_row_release(&rows[i]);
	}
	free(rows);
	resp_page(out, arr, 0);
	return 0;
}

/* Every version of the route's policy (404 for a name that cannot exist). */
static int load_versions(const struct req *r, struct policy_row **rows, size_t *n, struct err *err)
{
	if (!valid_policy_name(r->params[0]))
		return err_set(err, ERR_NOT_FOUND, "no policy \"%.64s\"", r->params[0]);
	return store_policy_versions(r->params[0], rows, n, err);
}

static void rows_free(struct policy_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		policy_row_release(&rows[i]);
	free(rows);
}

static const char *const get_params[] = {"version", NULL};

/* The ?version= parameter: 0 when absent (the latest). */
static int version_param(const struct req *r, int *version, struct err *err)
{
	const char *v = req_query(r, "version");
	*version = 0;
	if (!v)
		return 0;
	char *end = NULL;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || end == v || *end || v[0] < '1' || v[0] > '9' || n > INT_MAX)
		return err_detail(err, "version", 0, 0, "must be a positive integer");
	*version = (int)n;
	return 0;
}

int h_policies_get(struct req *r, struct resp *out, struct err *err)
{
	int version;
	query_check(r, get_params, err);
	version_param(r, &version, err);
	if (err_is_set(err))
		return -1;
	struct policy_row *rows;
	size_t n;
	if (load_versions(r, &rows, &n, err) < 0)
		return -1;
	const struct policy_row *row = version ? NULL : &rows[n - 1];
	for (size_t i = 0; !row && i < n; i++)
		if (rows[i].version == version)
			row = &rows[i];
	if (!row) {
		err_set(err, ERR_NOT_FOUND, "policy \"%s\" has no version %d (the latest is %d)",
			rows[n - 1].name, version, rows[n - 1].version);
		rows_free(rows, n);
		return -1;
	}
	struct policy p;
	struct err perr;
	policy_init(&p);
	err_init(&perr);
	int parsed = policy_parse(row->name, row->yaml, strlen(row->yaml), &p, &perr) == 0;
	cJSON *o = version_json(row, parsed ? (int)p.n_gates : -1, 1);
	if (parsed) {
		cJSON_AddItemToObject(o, "parsed", policy_to_json(&p));
		policy_release(&p);
	} else {
		cJSON_AddNullToObject(o, "parsed");
		cJSON_AddStringToObject(o, "parse_error", perr.message);
	}
	resp_json(out, 200, o);
	rows_free(rows, n);
	return 0;
}

int h_policies_versions(struct req *r, struct resp *out, struct err *err)
{
	if (query_check(r, no_params, err) < 0)
		return -1;
	struct policy_row *rows;
	size_t n;
	if (load_versions(r, &rows, &n, err) < 0)
		return -1;
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(
			arr, version_json(&rows[i], count_gates(rows[i].name, rows[i].yaml), 0));
	rows_free(rows, n);
	resp_page(out, arr, 0);
	return 0;
}

/* Inserts version 1 of a linted policy as ratchetd, with its audit entry. */
int h_policies_insert_initial(const struct policy *p, const char *yaml, struct err *err)
{
	struct policy_row row = {0};
	struct strlist none = {0};
	row.name = xstrdup(p->name);
	row.yaml = xstrdup(yaml);
	row.version = 1;
	row.created_by = xstrdup(LOADER_ACTOR);
	hash_sha256_hex(row.yaml, strlen(row.yaml), row.sha256);
	int rc = store_policy_insert(&row, err);
	if (rc == 0)
		rc = audit_policy_put(LOADER_ACTOR, &row, (int)p->n_gates, &none, err);
	policy_row_release(&row);
	return rc;
}
