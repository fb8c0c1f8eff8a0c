/* ratchet audit: verify the hash-chained audit log client-side (from the
 * genesis or from a kept checkpoint), print the sealed head as a checkpoint,
 * and list entries. */
#include "common.h"

#include <getopt.h>

#include "audit.h"
#include "cli.h"
#include "err.h"

#define AUDIT_HASH_LEN 64
/* Page size of `audit verify`: the API's maximum. */
#define AUDIT_VERIFY_PAGE "1000"

enum audit_opt {
	OPT_ACTOR = 256,
	OPT_ACTION,
	OPT_OBJECT_TYPE,
	OPT_OBJECT_ID,
	OPT_SINCE,
	OPT_UNTIL,
	OPT_LIMIT,
	OPT_CURSOR,
	OPT_ALL,
};

/* A point of the chain: seq 0 with the genesis hash is the empty log. */
struct audit_point {
	int64_t seq;
	char hash[AUDIT_HASH_LEN + 1];
};

/* Whether s is 64 lowercase hex digits. */
static bool is_hash(const char *s)
{
	if (!s || strlen(s) != AUDIT_HASH_LEN)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

/* The positive integral seq of a JSON number, or -1. */
static int64_t json_seq(const cJSON *v)
{
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 9007199254740992.0))
		return -1;
	int64_t seq = (int64_t)v->valuedouble;
	return (double)seq == v->valuedouble ? seq : -1;
}

/* Parses "SEQ:HASH" (hex digits in either case). Returns 0 or -1. */
static int parse_point(const char *text, struct audit_point *out)
{
	const char *colon = strchr(text, ':');
	if (!colon || colon == text || colon - text > 18)
		return -1;
	int64_t seq = 0;
	for (const char *p = text; p < colon; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		seq = seq * 10 + (*p - '0');
	}
	char hash[AUDIT_HASH_LEN + 1];
	if (strlen(colon + 1) != AUDIT_HASH_LEN)
		return -1;
	for (size_t i = 0; i <= AUDIT_HASH_LEN; i++) {
		char ch = colon[1 + i];
		hash[i] = ch >= 'A' && ch <= 'F' ? (char)(ch - 'A' + 'a') : ch;
	}
	if (!is_hash(hash))
		return -1;
	out->seq = seq;
	memcpy(out->hash, hash, sizeof(out->hash));
	return 0;
}

/* Reads {"seq","hash",...} (an audit head or entry) into out. Returns 0 or -1. */
static int read_point(const cJSON *obj, struct audit_point *out)
{
	int64_t seq = json_seq(cJSON_GetObjectItemCaseSensitive(obj, "seq"));
	const char *hash = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, "hash"));
	if (seq < 0 || !is_hash(hash))
		return -1;
	out->seq = seq;
	memcpy(out->hash, hash, sizeof(out->hash));
	return 0;
}

/* GET /v1/audit/head into head (and resp, which the caller releases). */
static int fetch_head(struct cli *cli, struct client_resp *resp, struct audit_point *head)
{
	int rc = cli_call(cli, "GET", "/v1/audit/head", NULL, resp);
	if (!rc && read_point(resp->json, head) < 0) {
		fputs("ratchet: the reply to GET /v1/audit/head is not an audit head\n", stderr);
		rc = CLI_EXIT_FAIL;
	}
	return rc;
}

/* audit verify */

struct verify {
	const struct audit_point *since;    /* the checkpoint; NULL: from the genesis */
	int64_t next_seq;		    /* the seq the next entry must have */
	char prev_hash[AUDIT_HASH_LEN + 1]; /* what its prev_hash must be ("" at the checkpoint) */
	struct audit_point last;	    /* the last entry verified */
	int64_t n_entries;
	bool broken;
	int64_t broken_seq;
	char reason[640]; /* room for an err message and some words */
};

static void verify_init(struct verify *v, const struct audit_point *since)
{
	memset(v, 0, sizeof(*v));
	v->since = since && since->seq > 0 ? since : NULL;
	v->next_seq = v->since ? v->since->seq : 1;
	snprintf(v->prev_hash, sizeof(v->prev_hash), "%s", v->since ? "" : AUDIT_GENESIS);
	snprintf(v->last.hash, sizeof(v->last.hash), "%s", AUDIT_GENESIS);
}

static int broken(struct verify *v, int64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Records the first break; returns -1 so checks can `return broken(...)`. */
static int broken(struct verify *v, int64_t seq, const char *fmt, ...)
{
	if (v->broken)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
	v->broken = true;
	v->broken_seq = seq;
	return -1;
}

/* The hashed part of an entry, exactly {"seq","at","actor","action",
 * "object_type","object_id","payload"}: whatever else the server sends is
 * not covered by the hash. A copy the caller deletes, or NULL after recording
 * a break when a member is missing or mistyped. */
static cJSON *hashed_part(struct verify *v, int64_t seq, const cJSON *entry)
{
	static const char *const names[] = {"at", "actor", "action", "object_type", "object_id"};
	const char *strings[ARRAY_SIZE(names)];
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		strings[i] =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, names[i]));
		if (!strings[i]) {
			broken(v, seq, "entry has no string \"%s\"", names[i]);
			return NULL;
		}
	}
	const cJSON *payload = cJSON_GetObjectItemCaseSensitive(entry, "payload");
	if (!payload) {
		broken(v, seq, "entry has no \"payload\"");
		return NULL;
	}
	return audit_entry_new(seq, strings[0], strings[1], strings[2], strings[3], strings[4],
			       payload);
}

/* Recomputes the entry's hash from its contents and its own prev_hash. */
static int check_contents(struct verify *v, int64_t seq, const cJSON *entry, const char *prev_hash,
			  const char *hash)
{
	cJSON *part = hashed_part(v, seq, entry);
	if (!part)
		return -1;
	char computed[AUDIT_HASH_LEN + 1];
	struct err err;
	err_init(&err);
	int rc = audit_entry_hash(prev_hash, part, computed, &err);
	cJSON_Delete(part);
	if (rc < 0)
		return broken(v, seq, "its hash cannot be computed: %s", err.message);
	if (strcmp(computed, hash) != 0)
		return broken(v, seq, "hash does not match its contents");
	return 0;
}

/* Where the entry sits in the chain: the checkpoint's hash, or a link to the
 * entry before it (the genesis hash for seq 1). */
static int check_link(struct verify *v, int64_t seq, const char *prev_hash, const char *hash)
{
	if (v->since && seq == v->since->seq) {
		if (strcmp(hash, v->since->hash) != 0)
			return broken(v, seq, "checkpoint hash differs");
		return 0;
	}
	if (strcmp(prev_hash, v->prev_hash) == 0)
		return 0;
	if (seq == 1)
		return broken(v, seq, "prev_hash is not the genesis hash");
	return broken(v, seq, "prev_hash does not link to seq %" PRId64, seq - 1);
}

static int verify_entry(struct verify *v, const cJSON *entry)
{
	int64_t seq = json_seq(cJSON_GetObjectItemCaseSensitive(entry, "seq"));
	if (seq < 1)
		return broken(v, v->next_seq, "entry after seq %" PRId64 " has no valid seq",
			      v->next_seq - 1);
	if (seq > v->next_seq)
		return broken(v, v->next_seq, "seq %" PRId64 " is missing (found %" PRId64 ")",
			      v->next_seq, seq);
	if (seq < v->next_seq)
		return broken(v, v->next_seq, "expected seq %" PRId64 ", found %" PRId64 " again",
			      v->next_seq, seq);
	const char *prev_hash =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "prev_hash"));
	const char *hash = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(entry, "hash"));
	if (!is_hash(prev_hash))
		return broken(v, seq, "entry has no valid \"prev_hash\"");
	if (!is_hash(hash))
		return broken(v, seq, "entry has no valid \"hash\"");
	if (check_contents(v, seq, entry, prev_hash, hash) < 0 ||
	    check_link(v, seq, prev_hash, hash) < 0)
		return -1;
	memcpy(v->prev_hash, hash, sizeof(v->prev_hash));
	v->last.seq = seq;
	memcpy(v->last.hash, hash, sizeof(v->last.hash));
	v->next_seq = seq + 1;
	v->n_entries++;
	return 0;
}

/* Fetches the page after *cursor (NULL: from the start), verifies its entries
 * and advances *cursor (NULL after the last page). */
static int verify_page(struct cli *cli, struct verify *v, char **cursor)
{
	struct buf path;
	buf_init(&path, 0);
	buf_printf(&path, "/v1/audit?limit=" AUDIT_VERIFY_PAGE);
	client_query_add(&path, "cursor", *cursor);
	struct client_resp resp;
	client_resp_init(&resp);
	int rc = cli_call(cli, "GET", path.data, NULL, &resp);
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(resp.json, "items");
	const cJSON *next = cJSON_GetObjectItemCaseSensitive(resp.json, "next_cursor");
	if (!rc && (!cJSON_IsArray(items) || (!cJSON_IsString(next) && !cJSON_IsNull(next)))) {
		fprintf(stderr, "ratchet: the reply to GET %s is not a listing\n", path.data);
		rc = CLI_EXIT_FAIL;
	}
	const cJSON *entry;
	const cJSON *entries = rc ? NULL : items;
	cJSON_ArrayForEach(entry, entries)
	{
		if (verify_entry(v, entry) < 0)
			break;
	}
	const char *next_text = cJSON_GetStringValue(next);
	if (!rc && !v->broken && next_text && *cursor && strcmp(next_text, *cursor) == 0) {
		fprintf(stderr, "ratchet: the server repeated cursor %s; stopping\n", next_text);
		rc = CLI_EXIT_FAIL;
	}
	free(*cursor);
	*cursor = !rc && next_text ? xstrdup(next_text) : NULL;
	client_resp_release(&resp);
	buf_release(&path);
	return rc;
}

/* After the last page: the head read before paging must have been reached
 * (sealing only adds entries), and so must the checkpoint. */
static void verify_end(struct verify *v, const struct audit_point *head)
{
	if (head->seq >= v->next_seq)
		broken(v, v->next_seq,
		       "seq %" PRId64 " is missing (the listing ends before the head, seq %" PRId64
		       ")",
		       v->next_seq, head->seq);
	else if (v->since && v->n_entries == 0)
		broken(v, v->since->seq,
		       "seq %" PRId64 " is missing (the log ends at seq %" PRId64 ")",
		       v->since->seq, head->seq);
}

static void print_verdict(const struct cli *cli, const struct verify *v)
{
	if (cli->format == OUTPUT_JSON) {
		cJSON *out = cJSON_CreateObject();
		cJSON_AddBoolToObject(out, "ok", !v->broken);
		if (v->broken) {
			cJSON_AddNumberToObject(out, "seq", (double)v->broken_seq);
			cJSON_AddStringToObject(out, "reason", v->reason);
		} else {
			cJSON_AddNumberToObject(out, "entries", (double)v->n_entries);
			cJSON *head = cJSON_AddObjectToObject(out, "head");
			cJSON_AddNumberToObject(head, "seq", (double)v->last.seq);
			cJSON_AddStringToObject(head, "hash", v->last.hash);
		}
		output_json(stdout, out);
		cJSON_Delete(out);
	} else if (v->broken) {
		printf("audit log BROKEN at seq %" PRId64 ": %s\n", v->broken_seq, v->reason);
	} else {
		printf("audit log OK: %" PRId64 " entries, head %" PRId64 ":%s\n", v->n_entries,
		       v->last.seq, v->last.hash);
	}
}

static int run_verify(struct cli *cli, const struct audit_point *since)
{
	struct verify v;
	verify_init(&v, since);
	struct audit_point head;
	struct client_resp resp;
	client_resp_init(&resp);
	int rc = fetch_head(cli, &resp, &head);
	client_resp_release(&resp);
	if (rc)
		return rc;
	if (since && since->seq == 0 && strcmp(since->hash, AUDIT_GENESIS) != 0)
		broken(&v, 0, "checkpoint hash differs");
	/* from a checkpoint, the first page starts at its entry */
	char *cursor = v.since && v.since->seq > 1 ? xasprintf("%" PRId64, v.since->seq - 1) : NULL;
	bool first = true;
	while (!rc && !v.broken && (first || cursor)) {
		first = false;
		rc = verify_page(cli, &v, &cursor);
	}
	free(cursor);
	if (rc)
		return rc;
	verify_end(&v, &head);
	print_verdict(cli, &v);
	return v.broken ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

static int audit_verify(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {
		{"since", required_argument, NULL, OPT_SINCE},
		{NULL, 0, NULL, 0},
	};
	struct audit_point since;
	bool has_since = false;
	int c;
	if (cli_getopt_start("audit verify", argc, argv, options))
		return CLI_EXIT_USAGE;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c != OPT_SINCE)
			return cli_bad_option("audit verify", c, argv);
		if (parse_point(optarg, &since) < 0)
			return cli_usage("audit verify",
					 "invalid value '%s' for --since: want SEQ:HASH as printed "
					 "by 'ratchet audit checkpoint'",
					 optarg);
		has_since = true;
	}
	int rc = cli_no_operand("audit verify", argc, argv);
	if (rc)
		return rc;
	return run_verify(cli, has_since ? &since : NULL);
}

/* audit checkpoint */

static int audit_checkpoint(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {{NULL, 0, NULL, 0}};
	int c;
	if (cli_getopt_start("audit checkpoint", argc, argv, options))
		return CLI_EXIT_USAGE;
	if ((c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		return cli_bad_option("audit checkpoint", c, argv);
	int rc = cli_no_operand("audit checkpoint", argc, argv);
	if (rc)
		return rc;
	struct audit_point head;
	struct client_resp resp;
	client_resp_init(&resp);
	rc = fetch_head(cli, &resp, &head);
	if (!rc && cli->format == OUTPUT_JSON)
		output_json_text(stdout, resp.body.data, resp.body.len);
	else if (!rc)
		printf("%" PRId64 ":%s\n", head.seq, head.hash);
	client_resp_release(&resp);
	return rc;
}

/* audit ls */

static char *render_object(const cJSON *entry)
{
	char *type = output_member(entry, "object_type");
	char *id = output_member(entry, "object_id");
	char *text = xasprintf("%s:%s", cli_or_dash(type), cli_or_dash(id));
	free(type);
	free(id);
	return text;
}

static char *render_short_hash(const cJSON *entry)
{
	char *hash = output_member(entry, "hash");
	if (hash && strlen(hash) > 12)
		hash[12] = '\0';
	return hash;
}

static const struct output_column entry_columns[] = {
	{"SEQ", "seq", NULL},
	{"AT", "at", NULL},
	{"ACTOR", "actor", NULL},
	{"ACTION", "action", NULL},
	{"OBJECT", NULL, render_object},
	{"HASH", NULL, render_short_hash},
};

/* CSV is for spreadsheets and scripts: whole hashes, separate object columns. */
static const struct output_column entry_csv_columns[] = {
	{"SEQ", "seq", NULL},
	{"AT", "at", NULL},
	{"ACTOR", "actor", NULL},
	{"ACTION", "action", NULL},
	{"OBJECT_TYPE", "object_type", NULL},
	{"OBJECT_ID", "object_id", NULL},
	{"PREV_HASH", "prev_hash", NULL},
	{"HASH", "hash", NULL},
};

static int audit_ls(struct cli *cli, int argc, char **argv)
{
	static const struct cli_ls_filter filters[] = {
		{"actor", "actor", NULL, false},
		{"action", "action", NULL, false},
		{"object-type", "object_type", NULL, false},
		{"object-id", "object_id", NULL, false},
		{"since", "since", NULL, true},
		{"until", "until", NULL, true},
	};
	static const struct cli_ls ls = {"audit ls", "/v1/audit", filters, ARRAY_SIZE(filters)};
	if (cli->format == OUTPUT_CSV)
		return cli_ls_run(cli, &ls, argc, argv, entry_csv_columns,
				  ARRAY_SIZE(entry_csv_columns));
	return cli_ls_run(cli, &ls, argc, argv, entry_columns, ARRAY_SIZE(entry_columns));
}

static const char usage_verify[] =
	"usage: ratchet audit verify [--since SEQ:HASH]\n\n"
	"Fetches the whole sealed audit log (GET /v1/audit, 1000 entries a page) and\n"
	"checks it here: every entry's hash recomputed from its contents, seqs 1, 2, ...\n"
	"without a gap, and every prev_hash the hash of the entry before (the first: 64\n"
	"zeros). Prints `audit log OK: N entries, head SEQ:HASH` and exits 0, or\n"
	"`audit log BROKEN at seq N: REASON` naming the first bad seq and exits 1.\n\n"
	"  --since SEQ:HASH   start at a checkpoint kept from 'ratchet audit checkpoint':\n"
	"                     entry SEQ must still have exactly HASH, and the chain after\n"
	"                     it must link to it. This catches a log rewritten from an\n"
	"                     earlier entry on, which a verification from the start\n"
	"                     cannot see.\n";

static const char usage_checkpoint[] =
	"usage: ratchet audit checkpoint\n\n"
	"Prints the sealed head of the audit log as SEQ:HASH (GET /v1/audit/head; 0 and\n"
	"64 zeros for an empty log). Keep it somewhere the server's operators cannot\n"
	"write, and later run 'ratchet audit verify --since SEQ:HASH'.\n";

static const char usage_ls[] =
	"usage: ratchet audit ls [--actor A] [--action X] [--object-type T] [--object-id I]\n"
	"                        [--since TS] [--until TS] [--limit N] [--cursor C] [--all]\n\n"
	"Lists sealed audit entries by seq (GET /v1/audit), one page unless --all.\n\n"
	"  --actor A         entries written with the token named A\n"
	"  --action X        e.g. change.create, io.confirm, token.revoke\n"
	"  --object-type T   change, io or token\n"
	"  --object-id I     the object's ID (a token's name)\n"
	"  --since TS        written at or after TS (RFC 3339)\n"
	"  --until TS        written before TS (RFC 3339)\n"
	"  --limit N         page size, 1 to 1000 (server default 100)\n"
	"  --cursor C        start after this seq (printed on stderr when more pages follow)\n"
	"  --all             follow the cursor and print every page\n";

static const struct cli_verb audit_verbs[] = {
	{"verify", audit_verify, "recompute and check the hash chain", usage_verify},
	{"checkpoint", audit_checkpoint, "print the sealed head as SEQ:HASH", usage_checkpoint},
	{"ls", audit_ls, "list audit entries", usage_ls},
};

int cmd_audit(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, "audit",
			    "Verifies, checkpoints and lists the hash-chained audit log.",
			    audit_verbs, ARRAY_SIZE(audit_verbs), argc, argv);
}
