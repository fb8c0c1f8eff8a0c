/* The list commands (change ls, io ls, audit ls): their filters, the common
 * --since --until --limit --cursor --all, and the listing itself. */
#include "common.h"

#include <getopt.h>

#include "cli.h"
#include "client.h"

/* Option values: filter i is CLI_LS_OPT + i; the common ones follow. */
#define CLI_LS_OPT 256

static int check_filter(const char *cmd, const struct cli_ls_filter *f, const char *value)
{
	char opt[64];
	snprintf(opt, sizeof(opt), "--%s", f->option);
	if (f->is_time)
		return cli_check_time(cmd, opt, value);
	if (f->names)
		return cli_check_name(cmd, opt, value, f->names);
	return 0;
}

int cli_ls_run(struct cli *cli, const struct cli_ls *ls, int argc, char **argv,
	       const struct output_column *cols, size_t n_cols)
{
	size_t n = ls->n_filters;
	int opt_limit = CLI_LS_OPT + (int)n, opt_cursor = opt_limit + 1, opt_all = opt_limit + 2;
	struct option *options = xcalloc(n + 4, sizeof(*options));
	for (size_t i = 0; i < n; i++)
		options[i] = (struct option){ls->filters[i].option, required_argument, NULL,
					     CLI_LS_OPT + (int)i};
	options[n] = (struct option){"limit", required_argument, NULL, opt_limit};
	options[n + 1] = (struct option){"cursor", required_argument, NULL, opt_cursor};
	options[n + 2] = (struct option){"all", no_argument, NULL, opt_all};
	const char *cursor = NULL;
	bool all = false;
	long limit;
	struct buf path;
	buf_init(&path, 0);
	buf_printf(&path, "%s", ls->path);
	int c, rc = cli_getopt_start(ls->cmd, argc, argv, options);
	while (!rc && (c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c >= CLI_LS_OPT && c < opt_limit) {
			const struct cli_ls_filter *f = &ls->filters[c - CLI_LS_OPT];
			rc = check_filter(ls->cmd, f, optarg);
			if (!rc)
				client_query_add(&path, f->param, optarg);
		} else if (c == opt_limit) {
			rc = cli_parse_long(ls->cmd, "--limit", optarg, 1, 1000, &limit);
			if (!rc)
				client_query_add(&path, "limit", optarg);
		} else if (c == opt_cursor) {
			cursor = optarg;
		} else if (c == opt_all) {
			all = true;
		} else {
			rc = cli_bad_option(ls->cmd, c, argv);
		}
	}
	if (!rc)
		rc = cli_no_operand(ls->cmd, argc, argv);
	if (!rc && cursor && all)
		rc = cli_usage(ls->cmd, "--cursor and --all exclude each other");
	if (!rc)
		rc = cli_list(cli, path.data, cursor, all, cols, n_cols);
	buf_release(&path);
	free(options);
	return rc;
}
