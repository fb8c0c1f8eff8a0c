/* The CLI's common machinery: usage errors, operand and value checks, verb
 * dispatch, settings resolution (flag, environment, config file, default),
 * error reporting, and the listing and single-object printers. */
#include "common.h"

#include <getopt.h>

#include "cli.h"
#include "config.h"
#include "err.h"
#include "json.h"
#include "model.h"
#include "rtime.h"

void cli_init(struct cli *cli)
{
	memset(cli, 0, sizeof(*cli));
	cli->retries = -1;
	cli->retry_delay_ms = -1;
	cli->timeout_s = -1;
	cli->format = OUTPUT_TABLE;
}

void cli_release(struct cli *cli)
{
	client_free(cli->client);
	cli->client = NULL;
}

const char *cli_or_dash(const char *s)
{
	return s ? s : "-";
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ratchet: ", stderr);
	if (cmd)
		fprintf(stderr, "%s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "; see 'ratchet %s%s--help'\n", cmd ? cmd : "", cmd ? " " : "");
	va_end(ap);
	return CLI_EXIT_USAGE;
}

int cli_bad_option(const char *cmd, int opt, char **argv)
{
	if (opt == ':')
		return cli_usage(cmd, "option '%s' needs a value", argv[optind - 1]);
	if (optopt > 0 && optopt < 256)
		return cli_usage(cmd, "unknown option '-%c'", optopt);
	return cli_usage(cmd, "unknown option '%s'", argv[optind - 1]);
}

static bool is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

bool cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (is_help(argv[i]))
			return true;
	return false;
}

int cli_one_operand(const char *cmd, const char *what, int argc, char **argv, const char **out)
{
	if (optind >= argc)
		return cli_usage(cmd, "missing %s", what);
	if (optind + 1 < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind + 1]);
	if (argv[optind][0] == '\0')
		return cli_usage(cmd, "empty %s", what);
	*out = argv[optind];
	return 0;
}

int cli_no_operand(const char *cmd, int argc, char **argv)
{
	if (optind < argc)
		return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	return 0;
}

static bool parse_long_text(const char *text, long min, long max, long *out)
{
	if (*text < '0' || *text > '9')
		return false;
	char *end = NULL;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

int cli_parse_long(const char *cmd, const char *opt, const char *text, long min, long max,
		   long *out)
{
	if (!parse_long_text(text, min, max, out))
		return cli_usage(cmd, "invalid value '%s' for %s: want an integer from %ld to %ld",
				 text, opt, min, max);
	return 0;
}

int cli_check_name(const char *cmd, const char *opt, const char *value,
		   const struct model_names *names)
{
	if (model_lookup(names, value) < 0)
		return cli_usage(cmd, "invalid value '%s' for %s: want one of %s", value, opt,
				 names->list);
	return 0;
}

int cli_check_id(const char *cmd, const char *id)
{
	long v;
	if (!parse_long_text(id, 1, LONG_MAX, &v))
		return cli_usage(cmd, "invalid ID '%s': want a positive integer", id);
	return 0;
}

int cli_check_time(const char *cmd, const char *opt, const char *value)
{
	int64_t usec;
	struct err err;
	err_init(&err);
	if (rtime_parse(value, &usec, &err) < 0)
		return cli_usage(cmd, "%s: %s", opt, err.message);
	return 0;
}

bool cli_is_utf8(const char *s)
{
	return json_utf8_invalid_at(s, strlen(s)) < 0;
}

/* The long option "--NAME[=value]" selects, given NAME's first len bytes:
 * an exact name or an unambiguous prefix, as getopt_long matches; else NULL. */
static const struct option *find_long_option(const struct option *options, const char *name,
					     size_t len)
{
	const struct option *found = NULL;
	bool ambiguous = false;
	for (const struct option *o = options; o->name; o++) {
		if (strncmp(o->name, name, len) != 0)
			continue;
		if (strlen(o->name) == len)
			return o;
		ambiguous = found != NULL;
		found = o;
	}
	return ambiguous ? NULL : found;
}

static bool is_repeatable(const char *name, const char *const *repeatable)
{
	for (; repeatable && *repeatable; repeatable++)
		if (strcmp(*repeatable, name) == 0)
			return true;
	return false;
}

/* Counts a use of the single-value option o; a second use is a usage error
 * (the last value silently winning would hide a mistake). */
static int count_use(const char *cmd, const struct option *options, const struct option *o,
		     const char *const *repeatable, unsigned char *uses)
{
	if (o->has_arg != required_argument || is_repeatable(o->name, repeatable))
		return 0;
	if (uses[o - options]++ > 0)
		return cli_usage(cmd, "--%s given more than once", o->name);
	return 0;
}

/* One argument of the scan: UTF-8 and, for an option, its value and its uses.
 * Returns how many arguments it took (1 or 2), or -1 after a usage error. */
static int scan_argument(const char *cmd, int argc, char **argv, int i,
			 const struct option *options, const char *const *repeatable,
			 unsigned char *uses)
{
	const char *arg = argv[i];
	const struct option *opt = NULL;
	if (strncmp(arg, "--", 2) == 0)
		opt = find_long_option(options, arg + 2, strcspn(arg + 2, "="));
	if (!cli_is_utf8(arg)) {
		if (opt)
			cli_usage(cmd, "--%s is not valid UTF-8", opt->name);
		else
			cli_usage(cmd, "argument %d is not valid UTF-8", i);
		return -1;
	}
	if (!opt)
		return 1;
	/* "--name value": the next argument is the option's value */
	bool takes_next = opt->has_arg == required_argument && !strchr(arg, '=') && i + 1 < argc;
	if (takes_next && !cli_is_utf8(argv[i + 1])) {
		cli_usage(cmd, "--%s is not valid UTF-8", opt->name);
		return -1;
	}
	if (count_use(cmd, options, opt, repeatable, uses))
		return -1;
	return takes_next ? 2 : 1;
}

int cli_getopt_start_repeatable(const char *cmd, int argc, char **argv,
				const struct option *options, const char *const *repeatable)
{
	optind = 0;
	opterr = 0;
	size_t n_options = 0;
	while (options[n_options].name)
		n_options++;
	unsigned char *uses = xcalloc(n_options + 1, 1);
	int rc = 0;
	for (int i = 1; i < argc && !rc;) {
		if (strcmp(argv[i], "--") == 0) {
			/* operands only from here on */
			for (i++; i < argc && !rc; i++)
				if (!cli_is_utf8(argv[i]))
					rc = cli_usage(cmd, "argument %d is not valid UTF-8", i);
			break;
		}
		int used = scan_argument(cmd, argc, argv, i, options, repeatable, uses);
		if (used < 0)
			rc = CLI_EXIT_USAGE;
		i += used;
	}
	free(uses);
	return rc;
}

int cli_getopt_start(const char *cmd, int argc, char **argv, const struct option *options)
{
	return cli_getopt_start_repeatable(cmd, argc, argv, options, NULL);
}

static void print_verbs(FILE *out, const char *noun, const char *summary,
			const struct cli_verb *verbs, size_t n_verbs)
{
	int width = 11; /* wider only when a verb needs it (link-window) */
	for (size_t i = 0; i < n_verbs; i++)
		if ((int)strlen(verbs[i].name) >= width)
			width = (int)strlen(verbs[i].name) + 1;
	fprintf(out, "usage: ratchet %s <verb> [<options>]\n\n%s\n\nverbs:\n", noun, summary);
	for (size_t i = 0; i < n_verbs; i++)
		fprintf(out, "  %-*s%s\n", width, verbs[i].name, verbs[i].summary);
	fprintf(out, "\nsee 'ratchet %s <verb> --help' for a verb's options\n", noun);
}

int cli_dispatch(struct cli *cli, const char *noun, const char *summary,
		 const struct cli_verb *verbs, size_t n_verbs, int argc, char **argv)
{
	if (argc < 2) {
		print_verbs(stderr, noun, summary, verbs, n_verbs);
		return CLI_EXIT_USAGE;
	}
	if (is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
		print_verbs(stdout, noun, summary, verbs, n_verbs);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < n_verbs; i++) {
		if (strcmp(verbs[i].name, argv[1]) != 0)
			continue;
		if (cli_wants_help(argc - 1, argv + 1)) {
			fputs(verbs[i].usage, stdout);
			return CLI_EXIT_OK;
		}
		return verbs[i].fn(cli, argc - 1, argv + 1);
	}
	if (!cli_is_utf8(argv[1]))
		return cli_usage(noun, "the verb is not valid UTF-8");
	fprintf(stderr, "ratchet: '%s' is not a %s verb; see 'ratchet %s --help'\n", argv[1], noun,
		noun);
	return CLI_EXIT_USAGE;
}

static const char *env_value(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* The flag's value when given (>= 0), else the environment's, else def. */
static int env_long(const char *name, long given, long def, long min, long max, long *out)
{
	const char *text = env_value(name);
	if (given >= 0 || !text) {
		*out = given >= 0 ? given : def;
		return 0;
	}
	if (!parse_long_text(text, min, max, out)) {
		fprintf(stderr, "ratchet: invalid %s '%s': want an integer from %ld to %ld\n", name,
			text, min, max);
		return CLI_EXIT_USAGE;
	}
	return 0;
}

static int load_config(struct config *cfg)
{
	char *path = config_path();
	struct err err;
	err_init(&err);
	int rc = path ? config_load(cfg, path, &err) : 0;
	free(path);
	if (rc < 0) {
		fprintf(stderr, "ratchet: %s\n", err.message);
		return CLI_EXIT_FAIL;
	}
	return 0;
}

static bool visible_ascii(const char *s)
{
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

static int check_url_token(const char *url, const char *token)
{
	if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0) {
		fprintf(stderr,
			"ratchet: invalid url '%s': want http://HOST[:PORT] or https://...\n", url);
		return CLI_EXIT_USAGE;
	}
	if (!visible_ascii(url)) {
		fprintf(stderr, "ratchet: invalid url: it contains blanks or control characters\n");
		return CLI_EXIT_USAGE;
	}
	if (token && !visible_ascii(token)) {
		fprintf(stderr,
			"ratchet: invalid token: it contains blanks or control characters\n");
		return CLI_EXIT_USAGE;
	}
	return 0;
}

#define PEM_CERT_BEGIN "-----BEGIN CERTIFICATE-----"

/* Whether f has a line starting with PEM_CERT_BEGIN; reads in fixed chunks,
 * so a file of any size or line length is scanned in bounded memory. */
static bool has_pem_certificate(FILE *f)
{
	char line[256];
	bool at_line_start = true;
	while (fgets(line, sizeof(line), f)) {
		if (at_line_start && strncmp(line, PEM_CERT_BEGIN, strlen(PEM_CERT_BEGIN)) == 0)
			return true;
		at_line_start = strchr(line, '\n') != NULL;
	}
	return false;
}

/* The CA file must be a readable PEM bundle now: otherwise libcurl's
 * complaint would come only for https URLs, and would read like an
 * unreachable server. source names where the path came from. */
static int check_cacert(const char *path, const char *source)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "ratchet: %s: cannot read CA file \"%s\": %s\n", source, path,
			strerror(errno));
		return CLI_EXIT_USAGE;
	}
	errno = 0;
	bool pem = has_pem_certificate(f);
	int saved = errno;
	bool failed = ferror(f);
	fclose(f);
	if (failed) {
		fprintf(stderr, "ratchet: %s: cannot read CA file \"%s\": %s\n", source, path,
			strerror(saved ? saved : EIO));
		return CLI_EXIT_USAGE;
	}
	if (!pem) {
		fprintf(stderr, "ratchet: %s: %s is not a PEM certificate bundle\n", source, path);
		return CLI_EXIT_USAGE;
	}
	return 0;
}

/* The CA file and where it came from: flag, environment, config file. */
static void resolve_cacert(const struct cli *cli, const struct config *cfg,
			   struct client_opts *opts, const char **source)
{
	const char *env = env_value("RATCHET_CACERT");
	if (cli->cacert) {
		opts->cacert = cli->cacert;
		*source = "--cacert";
	} else if (env) {
		opts->cacert = env;
		*source = "RATCHET_CACERT";
	} else {
		opts->cacert = cfg->cacert;
		*source = "cacert in the config file";
	}
}

/* Fills opts; its strings point into cli, the environment or cfg. */
static int resolve_settings(struct cli *cli, struct client_opts *opts, struct config *cfg)
{
	opts->url = cli->url ? cli->url : env_value("RATCHET_URL");
	opts->token = cli->token ? cli->token : env_value("RATCHET_TOKEN");
	bool has_cacert = cli->cacert || env_value("RATCHET_CACERT");
	if (!opts->url || !opts->token || !has_cacert) {
		int rc = load_config(cfg);
		if (rc)
			return rc;
		opts->url = opts->url ? opts->url : cfg->url;
		opts->token = opts->token ? opts->token : cfg->token;
	}
	opts->url = opts->url ? opts->url : CLI_DEFAULT_URL;
	opts->idempotency_key = cli->idempotency_key;
	const char *cacert_source = NULL;
	resolve_cacert(cli, cfg, opts, &cacert_source);
	cli->has_token = opts->token != NULL;
	int rc = check_url_token(opts->url, opts->token);
	if (!rc && opts->cacert)
		rc = check_cacert(opts->cacert, cacert_source);
	if (!rc)
		rc = env_long("RATCHET_RETRIES", cli->retries, CLI_DEFAULT_RETRIES, 0,
			      CLI_MAX_RETRIES, &opts->retries);
	if (!rc)
		rc = env_long("RATCHET_RETRY_DELAY_MS", cli->retry_delay_ms,
			      CLI_DEFAULT_RETRY_DELAY_MS, 0, CLI_MAX_RETRY_DELAY_MS,
			      &opts->retry_delay_ms);
	if (!rc)
		rc = env_long("RATCHET_TIMEOUT", cli->timeout_s, CLI_DEFAULT_TIMEOUT_S, 1,
			      CLI_MAX_TIMEOUT_S, &opts->timeout_s);
	return rc;
}

int cli_connect(struct cli *cli)
{
	if (cli->client)
		return 0;
	struct client_opts opts = {0};
	struct config cfg;
	config_init(&cfg);
	int rc = resolve_settings(cli, &opts, &cfg);
	if (!rc) {
		struct err err;
		err_init(&err);
		cli->client = client_new(&opts, &err);
		if (!cli->client)
			rc = cli_report(cli, &err);
	}
	config_release(&cfg);
	return rc;
}

/* Writes text to stderr with control characters replaced: server messages may
 * echo user input and must not drive the terminal. */
static void put_clean(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		fputc(*p < ' ' || *p == 0x7f ? '?' : *p, stderr);
}

static void report_detail(const struct err_detail *d)
{
	fputs("  ", stderr);
	put_clean(d->field[0] ? d->field : "(request)");
	fputs(": ", stderr);
	put_clean(d->message);
	if (d->line && d->column)
		fprintf(stderr, " (line %d, column %d)", d->line, d->column);
	else if (d->line)
		fprintf(stderr, " (line %d)", d->line);
	else if (d->column)
		fprintf(stderr, " (column %d)", d->column);
	fputc('\n', stderr);
}

int cli_report(const struct cli *cli, const struct err *err)
{
	fputs("ratchet: ", stderr);
	put_clean(err->message);
	fputc('\n', stderr);
	for (int i = 0; i < err->n_details && i < ERR_MAX_DETAILS; i++)
		report_detail(&err->details[i]);
	if (err->code == ERR_UNAUTHORIZED && !cli->has_token)
		fputs("ratchet: no token given; use --token, RATCHET_TOKEN or 'ratchet login'\n",
		      stderr);
	bool unreachable = cli->client && cli->client->unreachable;
	return unreachable ? CLI_EXIT_UNREACHABLE : CLI_EXIT_FAIL;
}

int cli_call(struct cli *cli, const char *method, const char *path, const cJSON *body,
	     struct client_resp *resp)
{
	int rc = cli_connect(cli);
	if (rc)
		return rc;
	struct err err;
	err_init(&err);
	if (client_request(cli->client, method, path, body, resp, &err) == 0)
		return 0;
	return cli_report(cli, &err);
}

char *cli_ref_path(const char *prefix, const char *ref, const char *suffix)
{
	char *escaped = client_escape(ref, true);
	char *path = xasprintf("/v1/%s/%s%s", prefix, escaped, suffix);
	free(escaped);
	return path;
}

static void print_items(const struct cli *cli, const cJSON *items, const struct output_column *cols,
			size_t n_cols)
{
	if (cli->format == OUTPUT_JSON) {
		cJSON *page = cJSON_CreateObject();
		cJSON_AddItemReferenceToObject(page, "items", (cJSON *)items);
		cJSON_AddNullToObject(page, "next_cursor");
		output_json(stdout, page);
		cJSON_Delete(page);
		return;
	}
	output_list(stdout, cli->format, cols, n_cols, items);
}

static void print_page(const struct cli *cli, const struct client_resp *resp,
		       const struct output_column *cols, size_t n_cols)
{
	if (cli->format == OUTPUT_JSON) {
		output_json_text(stdout, resp->body.data, resp->body.len);
		return;
	}
	output_list(stdout, cli->format, cols, n_cols,
		    cJSON_GetObjectItemCaseSensitive(resp->json, "items"));
	const char *next =
		cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(resp->json, "next_cursor"));
	if (next)
		fprintf(stderr, "ratchet: more items follow; use --cursor %s or --all\n", next);
}

/* Checks a page's shape and returns its next cursor (NULL on the last page). */
static int page_cursor(const cJSON *page, const char *path, const char **next)
{
	const cJSON *cursor = cJSON_GetObjectItemCaseSensitive(page, "next_cursor");
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(page, "items")) ||
	    (!cJSON_IsString(cursor) && !cJSON_IsNull(cursor))) {
		fprintf(stderr, "ratchet: the reply to GET %s is not a listing\n", path);
		return CLI_EXIT_FAIL;
	}
	*next = cJSON_GetStringValue(cursor);
	return 0;
}

static void move_items(cJSON *page, cJSON *all)
{
	cJSON *items = cJSON_GetObjectItemCaseSensitive(page, "items");
	cJSON *item;
	while ((item = cJSON_DetachItemFromArray(items, 0)) != NULL)
		cJSON_AddItemToArray(all, item);
}

/* Fetches the page at *cursor and advances *cursor; sets *done on the last page. */
static int fetch_page(struct cli *cli, const char *path, char **cursor, bool *done,
		      struct client_resp *resp)
{
	struct buf url;
	buf_init(&url, 0);
	buf_printf(&url, "%s", path);
	client_query_add(&url, "cursor", *cursor);
	int rc = cli_call(cli, "GET", url.data, NULL, resp);
	const char *next = NULL;
	if (!rc)
		rc = page_cursor(resp->json, url.data, &next);
	buf_release(&url);
	if (rc)
		return rc;
	if (next && *cursor && strcmp(next, *cursor) == 0) {
		fprintf(stderr, "ratchet: the server repeated cursor %s; stopping\n", next);
		return CLI_EXIT_FAIL;
	}
	free(*cursor);
	*cursor = next ? xstrdup(next) : NULL;
	*done = next == NULL;
	return 0;
}

int cli_list(struct cli *cli, const char *path, const char *cursor, bool all,
	     const struct output_column *cols, size_t n_cols)
{
	struct client_resp resp;
	client_resp_init(&resp);
	char *next = cursor ? xstrdup(cursor) : NULL;
	cJSON *acc = cJSON_CreateArray();
	bool done = false;
	int rc = 0;
	while (!rc && !done) {
		client_resp_release(&resp);
		rc = fetch_page(cli, path, &next, &done, &resp);
		if (!rc && !all) {
			print_page(cli, &resp, cols, n_cols);
			break;
		}
		if (!rc)
			move_items(resp.json, acc);
	}
	if (!rc && all)
		print_items(cli, acc, cols, n_cols);
	cJSON_Delete(acc);
	free(next);
	client_resp_release(&resp);
	return rc;
}

void cli_print_one(const struct cli *cli, const struct client_resp *resp,
		   const struct output_column *cols, size_t n_cols, const char *summary)
{
	if (cli->format == OUTPUT_JSON) {
		output_json_text(stdout, resp->body.data, resp->body.len);
	} else if (cli->format == OUTPUT_CSV) {
		cJSON *rows = cJSON_CreateArray();
		cJSON_AddItemReferenceToArray(rows, resp->json);
		output_list(stdout, OUTPUT_CSV, cols, n_cols, rows);
		cJSON_Delete(rows);
	} else {
		fprintf(stdout, "%s\n", summary);
	}
}
