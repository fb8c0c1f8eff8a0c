/* ratchet policy diff: a unified diff of two stored versions of a policy, or of
 * a stored version and a local file, and each way the newer side is weaker. */
#include "common.h"

#include <getopt.h>

#include "cmd_policy.h"
#include "err.h"
#include "policy.h"

enum diff_opt {
	OPT_FROM = 256,
	OPT_TO,
};

/* One side of a diff: a stored version or a local file. */
struct diff_side {
	long version; /* 0 for a file */
	bool retired;
	char *label;
	char *text;
};

static void diff_side_release(struct diff_side *s)
{
	free(s->label);
	free(s->text);
}

/* Fills side from stored version (0: the latest). */
static int fetch_side(struct cli *cli, const char *name, long version, struct diff_side *side)
{
	struct client_resp resp;
	client_resp_init(&resp);
	int rc = cmd_policy_get_version(cli, name, version, &resp);
	if (!rc) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(resp.json, "version");
		const char *yaml =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(resp.json, "yaml"));
		side->version = cJSON_IsNumber(v) ? (long)v->valuedouble : version;
		side->retired =
			cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(resp.json, "retired"));
		side->text = xstrdup(yaml ? yaml : "");
		side->label = xasprintf("%s v%ld%s", name, side->version,
					side->retired ? " (retired)" : "");
	}
	client_resp_release(&resp);
	return rc;
}

/* The ways b is weaker than a, when both parse (a retired b has no gates). */
static void diff_weakenings(const struct diff_side *a, const struct diff_side *b,
			    struct strlist *lines, bool *comparable)
{
	struct policy pa, pb;
	struct err ea, eb;
	policy_init(&pa);
	policy_init(&pb);
	err_init(&ea);
	err_init(&eb);
	*comparable = policy_parse(a->label, a->text, strlen(a->text), &pa, &ea) == 0 &&
		      policy_parse(b->label, b->text, strlen(b->text), &pb, &eb) == 0;
	if (*comparable && !a->retired) {
		struct policy target = pb; /* shallow; pb keeps ownership */
		if (b->retired) {
			target.gates = NULL;
			target.n_gates = 0;
		}
		policy_weakenings(&pa, &target, lines);
	}
	if (!*comparable)
		fprintf(stderr, "ratchet: %s\n", ea.code ? ea.message : eb.message);
	policy_release(&pa);
	policy_release(&pb);
}

static void print_diff(const struct cli *cli, const char *name, const struct diff_side *a,
		       const struct diff_side *b, const char *diff, const struct strlist *lines)
{
	if (cli->format != OUTPUT_TABLE) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", name);
		cJSON_AddStringToObject(o, "from", a->label);
		cJSON_AddStringToObject(o, "to", b->label);
		cJSON_AddStringToObject(o, "diff", diff);
		cJSON *arr = cJSON_AddArrayToObject(o, "weakenings");
		for (size_t i = 0; i < lines->n; i++)
			cJSON_AddItemToArray(arr, cJSON_CreateString(lines->items[i]));
		output_json(stdout, o);
		cJSON_Delete(o);
		return;
	}
	if (*diff)
		printf("%s%s", diff, diff[strlen(diff) - 1] == '\n' ? "" : "\n");
	else
		printf("no differences between %s and %s\n", a->label, b->label);
	for (size_t i = 0; i < lines->n; i++)
		printf("weaker: %s\n", lines->items[i]);
}

struct diff_args {
	const char *name;
	const char *file;
	long from, to;
};

static int diff_parse(int argc, char **argv, struct diff_args *d)
{
	static const struct option options[] = {
		{"from", required_argument, NULL, OPT_FROM},
		{"to", required_argument, NULL, OPT_TO},
		{NULL, 0, NULL, 0},
	};
	const char *cmd = "policy diff";
	int c;
	if (cli_getopt_start(cmd, argc, argv, options))
		return CLI_EXIT_USAGE;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c != OPT_FROM && c != OPT_TO)
			return cli_bad_option(cmd, c, argv);
		if (cli_parse_long(cmd, c == OPT_FROM ? "--from" : "--to", optarg, 1, INT_MAX,
				   c == OPT_FROM ? &d->from : &d->to))
			return CLI_EXIT_USAGE;
	}
	if (optind >= argc)
		return cli_usage(cmd, "missing NAME");
	d->name = argv[optind];
	if (optind + 1 < argc)
		d->file = argv[optind + 1];
	if (optind + 2 < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind + 2]);
	if (d->file && d->to)
		return cli_usage(cmd, "--to and FILE exclude each other (FILE is the new side)");
	if (d->file && !*d->file)
		return cli_usage(cmd, "empty FILE");
	return cmd_policy_check_name(cmd, d->name);
}

/* The new side from a local file, linted first (problems on stderr). */
static int file_side(const struct diff_args *d, struct diff_side *side)
{
	struct policy_file f;
	cmd_policy_file_init(&f, d->file);
	int rc = 0;
	if (cmd_policy_file_lint(&f) < 0) {
		cmd_policy_print_problems(stderr, &f);
		rc = CLI_EXIT_FAIL;
	} else if (strcmp(f.policy.name, d->name) != 0) {
		fprintf(stderr, "ratchet: %s defines policy \"%s\", not \"%s\"\n", d->file,
			f.policy.name, d->name);
		rc = CLI_EXIT_FAIL;
	} else {
		side->text = f.text;
		f.text = NULL;
		side->label = xstrdup(d->file);
	}
	cmd_policy_file_release(&f);
	return rc;
}

/* Both stored sides: --to (default the latest) and --from (default --to - 1). */
static int stored_sides(struct cli *cli, const struct diff_args *d, struct diff_side *a,
			struct diff_side *b)
{
	int rc = fetch_side(cli, d->name, d->to, b);
	if (rc)
		return rc;
	long from = d->from ? d->from : b->version - 1;
	if (from < 1) {
		fprintf(stderr, "ratchet: policy \"%s\" has only version %ld; nothing to compare\n",
			d->name, b->version);
		return CLI_EXIT_FAIL;
	}
	return fetch_side(cli, d->name, from, a);
}

int cmd_policy_diff(struct cli *cli, int argc, char **argv)
{
	struct diff_args d = {0};
	int rc = diff_parse(argc, argv, &d);
	if (rc)
		return rc;
	struct diff_side a = {0}, b = {0};
	struct strlist lines = {0};
	if (d.file) {
		rc = file_side(&d, &b);
		if (!rc)
			rc = fetch_side(cli, d.name, d.from, &a);
	} else {
		rc = stored_sides(cli, &d, &a, &b);
	}
	if (!rc) {
		bool comparable;
		diff_weakenings(&a, &b, &lines, &comparable);
		char *diff = policy_text_diff(a.text, b.retired ? "" : b.text, a.label, b.label);
		print_diff(cli, d.name, &a, &b, diff, &lines);
		free(diff);
	}
	strlist_release(&lines);
	diff_side_release(&a);
	diff_side_release(&b);
	return rc;
}

const char cmd_policy_diff_usage[] =
	"usage: ratchet policy diff NAME [--from N] [--to M]\n"
	"       ratchet policy diff NAME FILE [--from N]\n\n"
	"Shows the unified diff between two stored versions of a policy (default: the\n"
	"latest and the one before), or between a stored version (default: the latest)\n"
	"and a local FILE, then each way the newer side is weaker (weaker: ...).\n\n"
	"  --from N        the older stored version\n"
	"  --to M          the newer stored version (not with FILE)\n";
