/* ratchet change new: files a change (POST /v1/changes) from flags, or from a
 * git commit read with git run directly (see git.c), flags overriding it. */
#include "common.h"

#include <getopt.h>

#include "cmd_change.h"
#include "err.h"
#include "git.h"
#include "model.h"

#define CMD "change new"

enum new_opt {
	OPT_SERVICE = 256,
	OPT_KEY,
	OPT_TITLE,
	OPT_IMPACT,
	OPT_PLANNED_FOR,
	OPT_EFFECTIVE_AT,
	OPT_EFFECTIVE,
	OPT_AUTHOR,
	OPT_LINK,
	OPT_REF,
	OPT_BOUNDARY,
	OPT_BOUNDARY_JSON,
	OPT_GIT,
	OPT_REPO,
	OPT_REFUSE_IF_BLOCKED,
};

struct new_opts {
	const char *service;
	const char *key;
	const char *title;
	const char *impact;
	const char *planned_for;
	const char *effective_at;
	const char *author;
	const char *git_rev;
	const char *repo;
	bool effective;
	bool refuse_if_blocked;
	cJSON *links;	      /* owned array of strings */
	cJSON *refs;	      /* owned array of strings */
	cJSON *boundary;      /* owned; from --boundary, NULL when not given */
	cJSON *boundary_json; /* owned; from --boundary-json, NULL when not given */
};

static void new_opts_init(struct new_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->links = cJSON_CreateArray();
	o->refs = cJSON_CreateArray();
}

static void new_opts_release(struct new_opts *o)
{
	cJSON_Delete(o->links);
	cJSON_Delete(o->refs);
	cJSON_Delete(o->boundary);
	cJSON_Delete(o->boundary_json);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

/* Adds "k=v[,k=v...]" to o->boundary; blanks around keys and values go. */
static int add_boundary(struct new_opts *o, const char *text)
{
	if (!o->boundary)
		o->boundary = cJSON_CreateObject();
	char *copy = xstrdup(text);
	int rc = 0;
	for (char *pair = copy, *next; pair && !rc; pair = next) {
		next = strchr(pair, ',');
		if (next)
			*next++ = '\0';
		char *eq = strchr(pair, '=');
		const char *key = eq ? (*eq = '\0', trim(pair)) : "";
		if (!*key)
			rc = cli_usage(CMD, "invalid --boundary '%s': want k=v[,k=v...]", text);
		else if (cJSON_HasObjectItem(o->boundary, key))
			rc = cli_usage(CMD, "boundary key '%s' given twice", key);
		else
			cJSON_AddStringToObject(o->boundary, key, trim(eq + 1));
	}
	free(copy);
	return rc;
}

static int set_boundary_json(struct new_opts *o, const char *text)
{
	cJSON *parsed = cJSON_Parse(text);
	if (!cJSON_IsObject(parsed)) {
		cJSON_Delete(parsed);
		return cli_usage(CMD, "invalid --boundary-json: want a JSON object");
	}
	cJSON_Delete(o->boundary_json);
	o->boundary_json = parsed;
	return 0;
}

/* Stores one option; -1 for an option this verb does not have. */
static int new_option(struct new_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_SERVICE:
		o->service = arg;
		break;
	case OPT_KEY:
		o->key = arg;
		break;
	case OPT_TITLE:
		o->title = arg;
		break;
	case OPT_IMPACT:
		o->impact = arg;
		break;
	case OPT_PLANNED_FOR:
		o->planned_for = arg;
		return cli_check_time(CMD, "--planned-for", arg);
	case OPT_EFFECTIVE_AT:
		o->effective_at = arg;
		return cli_check_time(CMD, "--effective-at", arg);
	case OPT_EFFECTIVE:
		o->effective = true;
		break;
	case OPT_REFUSE_IF_BLOCKED:
		o->refuse_if_blocked = true;
		break;
	case OPT_AUTHOR:
		o->author = arg;
		break;
	case OPT_LINK:
		cJSON_AddItemToArray(o->links, cJSON_CreateString(arg));
		break;
	case OPT_REF:
		cJSON_AddItemToArray(o->refs, cJSON_CreateString(arg));
		break;
	case OPT_BOUNDARY:
		return add_boundary(o, arg);
	case OPT_BOUNDARY_JSON:
		return set_boundary_json(o, arg);
	case OPT_GIT:
		o->git_rev = arg;
		break;
	case OPT_REPO:
		o->repo = arg;
		break;
	default:
		return -1;
	}
	return 0;
}

static int parse_new(struct new_opts *o, int argc, char **argv)
{
	static const struct option options[] = {
		{"service", required_argument, NULL, OPT_SERVICE},
		{"key", required_argument, NULL, OPT_KEY},
		{"title", required_argument, NULL, OPT_TITLE},
		{"impact", required_argument, NULL, OPT_IMPACT},
		{"planned-for", required_argument, NULL, OPT_PLANNED_FOR},
		{"effective-at", required_argument, NULL, OPT_EFFECTIVE_AT},
		{"effective", no_argument, NULL, OPT_EFFECTIVE},
		{"refuse-if-blocked", no_argument, NULL, OPT_REFUSE_IF_BLOCKED},
		{"author", required_argument, NULL, OPT_AUTHOR},
		{"link", required_argument, NULL, OPT_LINK},
		{"ref", required_argument, NULL, OPT_REF},
		{"boundary", required_argument, NULL, OPT_BOUNDARY},
		{"boundary-json", required_argument, NULL, OPT_BOUNDARY_JSON},
		{"git", required_argument, NULL, OPT_GIT},
		{"repo", required_argument, NULL, OPT_REPO},
		{NULL, 0, NULL, 0},
	};
	static const char *const repeatable[] = {"link", "ref", "boundary", NULL};
	int c;
	if (cli_getopt_start_repeatable(CMD, argc, argv, options, repeatable))
		return CLI_EXIT_USAGE;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		int rc = new_option(o, c, optarg);
		if (rc < 0)
			return cli_bad_option(CMD, c, argv);
		if (rc)
			return rc;
	}
	return cli_no_operand(CMD, argc, argv);
}

static int check_new(const struct new_opts *o)
{
	if (!o->service)
		return cli_usage(CMD, "missing --service");
	if (!o->impact)
		return cli_usage(CMD, "missing --impact");
	if (cli_check_name(CMD, "--impact", o->impact, &impact_names))
		return CLI_EXIT_USAGE;
	if (!o->git_rev && !o->key)
		return cli_usage(CMD, "missing --key (or --git REV)");
	if (!o->git_rev && !o->title)
		return cli_usage(CMD, "missing --title (or --git REV)");
	if (o->repo && !o->git_rev)
		return cli_usage(CMD, "--repo needs --git REV");
	if (o->git_rev && o->git_rev[0] == '-')
		return cli_usage(CMD, "invalid value '%s' for --git: want a revision", o->git_rev);
	if (o->effective && o->effective_at)
		return cli_usage(CMD, "--effective and --effective-at exclude each other");
	if (o->refuse_if_blocked && !o->effective && !o->effective_at)
		return cli_usage(CMD, "--refuse-if-blocked needs --effective or --effective-at");
	if (o->boundary && o->boundary_json)
		return cli_usage(CMD, "--boundary and --boundary-json exclude each other");
	return 0;
}

static int read_commit(struct cli *cli, const struct new_opts *o, struct git_commit *commit)
{
	struct err err;
	err_init(&err);
	if (git_commit_read(o->repo ? o->repo : ".", o->git_rev, commit, &err) < 0)
		return cli_report(cli, &err);
	return 0;
}

static void add_string(cJSON *body, const char *name, const char *value)
{
	if (value && *value)
		cJSON_AddStringToObject(body, name, value);
}

/* The request body: flags first, then the commit's values (empty when no --git). */
static cJSON *new_body(const struct new_opts *o, const struct git_commit *commit)
{
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "key", o->key ? o->key : commit->hash);
	cJSON_AddStringToObject(body, "title", o->title ? o->title : commit->subject);
	cJSON_AddStringToObject(body, "service", o->service);
	cJSON_AddStringToObject(body, "impact", o->impact);
	add_string(body, "planned_for", o->planned_for);
	const char *effective_at = o->effective_at;
	if (!effective_at && o->effective && o->git_rev)
		effective_at = commit->committer_date;
	if (effective_at)
		cJSON_AddStringToObject(body, "effective_at", effective_at);
	else if (o->effective)
		cJSON_AddStringToObject(body, "state", "effective");
	add_string(body, "author", o->author ? o->author : commit->author);
	if (o->refuse_if_blocked)
		cJSON_AddTrueToObject(body, "refuse_if_blocked");
	if (cJSON_GetArraySize(o->links) > 0)
		cJSON_AddItemToObject(body, "links", cJSON_Duplicate(o->links, true));
	if (cJSON_GetArraySize(o->refs) > 0)
		cJSON_AddItemToObject(body, "refs", cJSON_Duplicate(o->refs, true));
	const cJSON *boundary = o->boundary ? o->boundary : o->boundary_json;
	if (boundary)
		cJSON_AddItemToObject(body, "boundary", cJSON_Duplicate(boundary, true));
	return body;
}

int cmd_change_new(struct cli *cli, int argc, char **argv)
{
	struct new_opts o;
	new_opts_init(&o);
	struct git_commit commit;
	git_commit_init(&commit);
	struct client_resp resp;
	client_resp_init(&resp);
	cJSON *body = NULL;
	int rc = parse_new(&o, argc, argv);
	if (!rc)
		rc = check_new(&o);
	if (!rc && o.git_rev)
		rc = read_commit(cli, &o, &commit);
	if (!rc) {
		body = new_body(&o, &commit);
		rc = cli_call(cli, "POST", "/v1/changes", body, &resp);
	}
	if (!rc)
		rc = cmd_change_print(cli, &resp, NULL);
	if (!rc && cmd_change_shipped_while_blocked(resp.json)) {
		fprintf(stderr, "ratchet: change %s:%s shipped while blocked\n", o.service,
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(body, "key")));
		rc = CLI_EXIT_BLOCKED;
	}
	cJSON_Delete(body);
	client_resp_release(&resp);
	git_commit_release(&commit);
	new_opts_release(&o);
	return rc;
}

const char cmd_change_new_usage[] =
	"usage: ratchet change new --service S --key K --title T --impact I\n"
	"                          [--planned-for TS] [--effective-at TS | --effective]\n"
	"                          [--refuse-if-blocked]\n"
	"                          [--author A] [--link URL]... [--ref REF]...\n"
	"                          [--boundary k=v[,k=v...] | --boundary-json JSON]\n"
	"   or: ratchet change new --git REV [--repo DIR] --service S --impact I [...]\n\n"
	"Files a change (POST /v1/changes). It is planned unless --effective or\n"
	"--effective-at says when it took effect.\n\n"
	"  --service S          the service it changes ([a-z0-9][a-z0-9._-]*)\n"
	"  --key K              its key, unique within the service (e.g. a commit hash)\n"
	"  --title T            one line saying what it does\n"
	"  --impact I           low, medium or high\n"
	"  --planned-for TS     when it is planned to take effect (RFC 3339 with offset)\n"
	"  --effective-at TS    it took effect at TS (RFC 3339 with offset)\n"
	"  --effective          it took effect now (with --git: at the committer date)\n"
	"  --refuse-if-blocked  with --effective(-at): refuse (exit 1, nothing filed) when\n"
	"                       a pre gate is not clear; without it such a change is filed,\n"
	"                       recorded as shipped while blocked, and the exit code is 4\n"
	"  --author A           who made it\n"
	"  --link URL           a link (repeatable)\n"
	"  --ref REF            a reference such as an issue, \"#1234\" (repeatable)\n"
	"  --boundary k=v,...   boundary conditions as string pairs (repeatable)\n"
	"  --boundary-json J    boundary conditions as a JSON object\n"
	"  --git REV            take key (full hash), title (subject) and author from a\n"
	"                       commit, read with `git show`; other flags override them\n"
	"  --repo DIR           the git repository (default: the current directory)\n";
