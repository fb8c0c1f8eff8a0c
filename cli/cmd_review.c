/* ratchet review next: the review queue. Shows the oldest unreviewed high-impact effective
 * change (by its current effective_at and impact) with what a reviewer needs to label it —
 * title, key, author, links, refs, boundary, touched paths and its IOs so far — but never
 * its outcomes or incident links, so the label is not made with hindsight; then records the
 * choice: --no-io, or an IO (which the server flags when the change already had an outcome). */
#include "common.h"

#include <getopt.h>

#include "cli.h"
#include "json.h"
#include "model.h"

enum review_opt {
	OPT_SERVICE = 256,
	OPT_NO_IO,
	OPT_IO,
	OPT_DESCRIPTION,
	OPT_CHANGE,
};

struct review_args {
	const char *service;
	const char *change; /* --change REF: this change instead of the next one */
	bool no_io;
	const char *category; /* --io */
	const char *description;
};

/* The fields a reviewer sees, copied by name so that nothing else (outcomes, links to
 * them, or whatever the change JSON grows later) reaches the screen. */
static const char *const shown_fields[] = {
	"id",	 "service", "key",	"title", "impact", "effective_at", "author",
	"links", "refs",    "boundary", "paths", "review", "created_at",   "created_by",
};

static const struct output_column review_columns[] = {
	{"ID", "id", NULL},
	{"SERVICE", "service", NULL},
	{"KEY", "key", NULL},
	{"IMPACT", "impact", NULL},
	{"EFFECTIVE_AT", "effective_at", NULL},
	{"QUEUE_LENGTH", "queue_length", NULL},
	{"RECORDED", "recorded", NULL},
	{"TITLE", "title", NULL},
};

static const cJSON *member(const cJSON *obj, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(obj, name);
}

static const char *current_string(const cJSON *change, const char *name)
{
	const cJSON *v = member(member(change, "current"), name);
	if (!cJSON_IsString(v))
		v = member(change, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The IOs as the reviewer sees them: category, status and description. */
static cJSON *shown_ios(const cJSON *change)
{
	static const char *const io_fields[] = {"id", "category", "status", "description",
						"retracted"};
	cJSON *arr = cJSON_CreateArray();
	const cJSON *io;
	cJSON_ArrayForEach(io, member(change, "ios"))
	{
		cJSON *o = cJSON_CreateObject();
		for (size_t i = 0; i < ARRAY_SIZE(io_fields); i++) {
			const cJSON *v = member(io, io_fields[i]);
			cJSON_AddItemToObject(o, io_fields[i],
					      v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
		}
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* What the reviewer is shown of a change (API JSON): a new object the caller frees. */
static cJSON *shown_change(const cJSON *change)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < ARRAY_SIZE(shown_fields); i++) {
		const cJSON *v = member(change, shown_fields[i]);
		cJSON_AddItemToObject(o, shown_fields[i],
				      v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
	}
	json_add_str(o, "impact", current_string(change, "impact"));
	json_add_str(o, "effective_at", current_string(change, "effective_at"));
	cJSON_AddItemToObject(o, "ios", shown_ios(change));
	return o;
}

/* Whether a listed change (API JSON) is in the queue and comes before *best: high impact
 * now, and an older current effective_at (RFC 3339 UTC text of fixed width, so the text
 * order is the time order; ties keep the lower id, listed first). */
static bool before_best(const cJSON *change, const cJSON *best)
{
	const char *impact = current_string(change, "impact");
	const char *at = current_string(change, "effective_at");
	if (!impact || strcmp(impact, "high") != 0 || !at)
		return false;
	return !best || strcmp(at, current_string(best, "effective_at")) < 0;
}

/* One page of unreviewed effective changes from cursor (may be NULL); *next is the next
 * cursor (caller frees) or NULL. Counts the high-impact ones into *queued. */
static int scan_page(struct cli *cli, const char *service, const char *cursor, cJSON **best,
		     long *queued, char **next)
{
	struct buf path;
	struct client_resp resp;
	buf_init(&path, 0);
	buf_printf(&path, "/v1/changes");
	client_query_add(&path, "review", "unreviewed");
	client_query_add(&path, "state", "effective");
	client_query_add(&path, "service", service);
	client_query_add(&path, "limit", "1000");
	client_query_add(&path, "cursor", cursor);
	client_resp_init(&resp);
	int rc = cli_call(cli, "GET", path.data, NULL, &resp);
	buf_release(&path);
	*next = NULL;
	if (rc)
		goto out;
	const cJSON *change;
	cJSON_ArrayForEach(change, member(resp.json, "items"))
	{
		const char *impact = current_string(change, "impact");
		*queued += impact && strcmp(impact, "high") == 0 &&
			   current_string(change, "effective_at");
		if (before_best(change, *best)) {
			cJSON_Delete(*best);
			*best = cJSON_Duplicate(change, 1);
		}
	}
	const cJSON *cursor_next = member(resp.json, "next_cursor");
	if (cJSON_IsString(cursor_next))
		*next = xstrdup(cursor_next->valuestring);
out:
	client_resp_release(&resp);
	return rc;
}

/* The queue: *best is the next change (a listing item; NULL when the queue is empty) and
 * *queued how many changes are in it. Reads every page. */
static int scan_queue(struct cli *cli, const char *service, cJSON **best, long *queued)
{
	char *cursor = NULL;
	*best = NULL;
	*queued = 0;
	do {
		char *next = NULL;
		int rc = scan_page(cli, service, cursor, best, queued, &next);
		free(cursor);
		cursor = next;
		if (rc) {
			free(cursor);
			return rc;
		}
	} while (cursor);
	return 0;
}

/* GET /v1/changes/{ref} into *change (the caller frees). */
static int get_change(struct cli *cli, const char *ref, cJSON **change)
{
	struct client_resp resp;
	client_resp_init(&resp);
	char *path = cli_ref_path("changes", ref, "");
	int rc = cli_call(cli, "GET", path, NULL, &resp);
	free(path);
	*change = rc ? NULL : cJSON_Duplicate(resp.json, 1);
	client_resp_release(&resp);
	return rc;
}

/* Records the choice for change id; *recorded is what was recorded (caller frees). */
static int record(struct cli *cli, const struct review_args *a, const char *id, cJSON **recorded)
{
	cJSON *body = cJSON_CreateObject();
	char *path;
	if (a->no_io) {
		cJSON_AddStringToObject(body, "review", "no_io");
		path = cli_ref_path("changes", id, "/review");
	} else {
		cJSON_AddStringToObject(body, "category", a->category);
		cJSON_AddStringToObject(body, "description", a->description);
		path = cli_ref_path("changes", id, "/ios");
	}
	struct client_resp resp;
	client_resp_init(&resp);
	int rc = cli_call(cli, "POST", path, body, &resp);
	*recorded = NULL;
	if (!rc) {
		*recorded = cJSON_CreateObject();
		if (a->no_io) {
			cJSON_AddStringToObject(*recorded, "review", "no_io");
		} else {
			cJSON *io = cJSON_AddObjectToObject(*recorded, "io");
			static const char *const fields[] = {"id", "category", "status",
							     "description"};
			for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
				const cJSON *v = member(resp.json, fields[i]);
				cJSON_AddItemToObject(io, fields[i],
						      v ? cJSON_Duplicate(v, 1)
							: cJSON_CreateNull());
			}
		}
	}
	client_resp_release(&resp);
	free(path);
	cJSON_Delete(body);
	return rc;
}

/* "no_io" or "IO 7 (data)" for people. Caller frees. */
static char *recorded_text(const cJSON *recorded)
{
	if (!recorded)
		return NULL;
	const cJSON *io = member(recorded, "io");
	if (!io)
		return xstrdup("no_io");
	char *id = output_member(io, "id");
	char *category = output_member(io, "category");
	char *text = xasprintf("IO %s (%s)", cli_or_dash(id), cli_or_dash(category));
	free(id);
	free(category);
	return text;
}

static void print_table(const cJSON *shown, long queued, const cJSON *recorded)
{
	char *id = output_member(shown, "id");
	char *service = output_member(shown, "service");
	char *key = output_member(shown, "key");
	if (queued >= 0)
		printf("next for review: change %s %s:%s (%ld unreviewed high-impact change%s in "
		       "the queue)\n",
		       cli_or_dash(id), cli_or_dash(service), cli_or_dash(key), queued,
		       queued == 1 ? "" : "s");
	else
		printf("for review: change %s %s:%s\n", cli_or_dash(id), cli_or_dash(service),
		       cli_or_dash(key));
	static const char *const fields[] = {"id",     "service",      "key",	 "title",
					     "impact", "effective_at", "author", "links",
					     "refs",   "boundary",     "paths"};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		char *value = output_member(shown, fields[i]);
		output_field(stdout, fields[i], value);
		free(value);
	}
	const cJSON *io;
	if (cJSON_GetArraySize(member(shown, "ios")) == 0)
		output_field(stdout, "ios", "none");
	cJSON_ArrayForEach(io, member(shown, "ios"))
	{
		char *category = output_member(io, "category");
		char *status = output_member(io, "status");
		char *description = output_member(io, "description");
		const cJSON *retracted = member(io, "retracted");
		char *line = xasprintf("%s (%s%s): %s", cli_or_dash(category), cli_or_dash(status),
				       retracted && !cJSON_IsNull(retracted) ? ", retracted" : "",
				       cli_or_dash(description));
		output_field(stdout, "io", line);
		free(line);
		free(category);
		free(status);
		free(description);
	}
	char *text = recorded_text(recorded);
	if (text)
		output_field(stdout, "recorded", text);
	else
		printf("\nrecord the choice: ratchet review next --change %s --no-io, or\n"
		       "--io CATEGORY --description TEXT\n",
		       cli_or_dash(id));
	free(text);
	free(id);
	free(service);
	free(key);
}

static void print_result(const struct cli *cli, cJSON *shown, long queued, cJSON *recorded)
{
	if (cli->format == OUTPUT_TABLE) {
		print_table(shown, queued, recorded);
		return;
	}
	if (cli->format == OUTPUT_JSON) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddItemReferenceToObject(o, "change", shown);
		if (queued >= 0)
			cJSON_AddNumberToObject(o, "queue_length", (double)queued);
		else
			cJSON_AddNullToObject(o, "queue_length");
		cJSON_AddItemToObject(o, "recorded",
				      recorded ? cJSON_Duplicate(recorded, 1) : cJSON_CreateNull());
		output_json(stdout, o);
		cJSON_Delete(o);
		return;
	}
	cJSON *row = cJSON_Duplicate(shown, 1);
	if (queued >= 0)
		cJSON_AddNumberToObject(row, "queue_length", (double)queued);
	char *text = recorded_text(recorded);
	json_add_str(row, "recorded", text);
	free(text);
	cJSON *rows = cJSON_CreateArray();
	cJSON_AddItemToArray(rows, row);
	output_list(stdout, OUTPUT_CSV, review_columns, ARRAY_SIZE(review_columns), rows);
	cJSON_Delete(rows);
}

static int empty_queue(const struct cli *cli, const struct review_args *a)
{
	char where[96] = "";
	if (a->service)
		snprintf(where, sizeof(where), " of service %s", a->service);
	if (a->no_io || a->category) {
		fprintf(stderr,
			"ratchet: review next: nothing to review: no unreviewed high-impact "
			"effective change%s\n",
			where);
		return CLI_EXIT_FAIL;
	}
	if (cli->format == OUTPUT_JSON) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNullToObject(o, "change");
		cJSON_AddNumberToObject(o, "queue_length", 0);
		cJSON_AddNullToObject(o, "recorded");
		output_json(stdout, o);
		cJSON_Delete(o);
	} else if (cli->format == OUTPUT_TABLE)
		printf("no unreviewed high-impact effective change%s\n", where);
	else
		output_list(stdout, OUTPUT_CSV, review_columns, ARRAY_SIZE(review_columns), NULL);
	return CLI_EXIT_OK;
}

/* The change to review: --change REF (still unreviewed), else the queue's next. */
static int pick(struct cli *cli, const struct review_args *a, cJSON **change, long *queued)
{
	cJSON *best = NULL;
	*change = NULL;
	*queued = -1;
	if (a->change) {
		int rc = get_change(cli, a->change, change);
		const cJSON *review = rc ? NULL : member(*change, "review");
		if (!rc &&
		    !(cJSON_IsString(review) && strcmp(review->valuestring, "unreviewed") == 0)) {
			fprintf(stderr,
				"ratchet: review next: change %s is already reviewed (%s)\n",
				a->change, cJSON_IsString(review) ? review->valuestring : "?");
			cJSON_Delete(*change);
			*change = NULL;
			return CLI_EXIT_FAIL;
		}
		return rc;
	}
	int rc = scan_queue(cli, a->service, &best, queued);
	if (!rc && best) {
		char *id = output_member(best, "id");
		rc = get_change(cli, id, change);
		free(id);
	}
	cJSON_Delete(best);
	return rc;
}

static int parse_args(int argc, char **argv, struct review_args *a)
{
	static const struct option options[] = {
		{"service", required_argument, NULL, OPT_SERVICE},
		{"no-io", no_argument, NULL, OPT_NO_IO},
		{"io", required_argument, NULL, OPT_IO},
		{"description", required_argument, NULL, OPT_DESCRIPTION},
		{"change", required_argument, NULL, OPT_CHANGE},
		{NULL, 0, NULL, 0},
	};
	const char *cmd = "review next";
	memset(a, 0, sizeof(*a));
	int c, rc = cli_getopt_start(cmd, argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c == OPT_SERVICE)
			a->service = optarg;
		else if (c == OPT_NO_IO)
			a->no_io = true;
		else if (c == OPT_IO && cli_check_name(cmd, "--io", optarg, &io_category_names))
			rc = CLI_EXIT_USAGE;
		else if (c == OPT_IO)
			a->category = optarg;
		else if (c == OPT_DESCRIPTION)
			a->description = optarg;
		else if (c == OPT_CHANGE)
			a->change = optarg;
		else
			rc = cli_bad_option(cmd, c, argv);
	}
	if (!rc)
		rc = cli_no_operand(cmd, argc, argv);
	if (!rc && a->no_io && a->category)
		rc = cli_usage(cmd, "--no-io and --io exclude each other");
	if (!rc && a->category && !a->description)
		rc = cli_usage(cmd, "--io needs --description");
	if (!rc && a->description && !a->category)
		rc = cli_usage(cmd, "--description goes with --io");
	if (!rc && a->change && a->service)
		rc = cli_usage(cmd, "--change and --service exclude each other");
	return rc;
}

static int review_next(struct cli *cli, int argc, char **argv)
{
	struct review_args a;
	cJSON *change = NULL, *recorded = NULL;
	long queued;
	int rc = parse_args(argc, argv, &a);
	if (!rc)
		rc = pick(cli, &a, &change, &queued);
	if (rc)
		return rc;
	if (!change)
		return empty_queue(cli, &a);
	cJSON *shown = shown_change(change);
	if (a.no_io || a.category) {
		char *id = output_member(change, "id");
		rc = record(cli, &a, id, &recorded);
		free(id);
	}
	if (!rc)
		print_result(cli, shown, queued, recorded);
	cJSON_Delete(recorded);
	cJSON_Delete(shown);
	cJSON_Delete(change);
	return rc;
}

static const char usage_next[] =
	"usage: ratchet review next [--service S | --change REF]\n"
	"                           [--no-io | --io CATEGORY --description TEXT]\n\n"
	"The review queue. Shows the oldest (by effective_at) unreviewed high-impact\n"
	"effective change — its title, key, author, links, refs, boundary, touched paths\n"
	"and IOs so far, never its outcomes or incident links, so that the label is not\n"
	"made with hindsight — and records the choice when one is given: --no-io\n"
	"(reviewed, nothing irreversible) or a confirmed IO. Impact and effective_at are\n"
	"the current ones (after amendments). Every IO records whether its change already\n"
	"had a linked outcome when it was labelled; backtests keep those labels apart.\n\n"
	"  --service S             only this service's changes\n"
	"  --change REF            this change (ID or SERVICE:KEY, still unreviewed) instead\n"
	"                          of the next one: record the choice for the change shown\n"
	"  --no-io                 record that it carries no IO\n"
	"  --io CATEGORY           record an IO: data, evaluation, alignment, deployment,\n"
	"                          supply_chain or optionality\n"
	"  --description TEXT      what the IO is (with --io)\n\n"
	"Exits 1 when a choice is given and the queue is empty.\n";

static const struct cli_verb review_verbs[] = {
	{"next", review_next, "show the next change to label, and record the label", usage_next},
};

int cmd_review(struct cli *cli, int argc, char **argv)
{
	return cli_dispatch(cli, "review",
			    "The review queue: label unreviewed high-impact changes without seeing "
			    "their outcomes.",
			    review_verbs, ARRAY_SIZE(review_verbs), argc, argv);
}
