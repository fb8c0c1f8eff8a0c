/* ratchet login: checks a server URL and token with GET /v1/whoami, then
 * saves them, and the CA file used, in the config file (mode 0600) for later
 * commands. */
#include "common.h"

#include <getopt.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "err.h"

static const char usage_login[] =
	"usage: ratchet login --url URL --token T [--cacert FILE]\n\n"
	"Checks the token against the server (GET /v1/whoami) and saves url and token in\n"
	"$XDG_CONFIG_HOME/ratchet/config (or ~/.config/ratchet/config), mode 0600.\n"
	"Later commands use them unless --url/--token or RATCHET_URL/RATCHET_TOKEN say\n"
	"otherwise. Without --url: RATCHET_URL, the config file, then " CLI_DEFAULT_URL ".\n"
	"Without --token: RATCHET_TOKEN.\n\n"
	"The CA file the check used (--cacert, else RATCHET_CACERT, else the config\n"
	"file's) is saved too, as an absolute path; later commands trust it unless\n"
	"--cacert or RATCHET_CACERT name another.\n";

/* path made absolute against the current directory (symbolic links are kept,
 * so a link that is later repointed still works), or NULL when the current
 * directory is unknown. The caller frees. */
static char *absolute_path(const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	char *cwd = getcwd(NULL, 0);
	if (!cwd)
		return NULL;
	char *abs = xasprintf("%s/%s", cwd, path);
	free(cwd);
	return abs;
}

static int save_login(const char *url, const char *token, const char *cacert)
{
	char *path = config_path();
	char *abs_cacert = cacert ? absolute_path(cacert) : NULL;
	struct err err;
	err_init(&err);
	int rc = 0;
	if (!path) {
		fprintf(stderr, "ratchet: no place for the config file: set HOME or "
				"XDG_CONFIG_HOME\n");
		rc = CLI_EXIT_FAIL;
	} else if (cacert && !abs_cacert) {
		fprintf(stderr, "ratchet: cannot make the CA file \"%s\" absolute: %s\n", cacert,
			strerror(errno));
		rc = CLI_EXIT_FAIL;
	} else if (config_save(path, url, token, abs_cacert, &err) < 0) {
		fprintf(stderr, "ratchet: %s\n", err.message);
		rc = CLI_EXIT_FAIL;
	}
	free(abs_cacert);
	free(path);
	return rc;
}

static void print_login(const struct cli *cli, const struct client_resp *resp)
{
	static const struct output_column cols[] = {{"NAME", "name", NULL}, {"ROLE", "role", NULL}};
	char *name = output_member(resp->json, "name");
	char *role = output_member(resp->json, "role");
	char *summary = xasprintf("logged in to %s as %s (%s)", cli->client->base_url,
				  cli_or_dash(name), cli_or_dash(role));
	cli_print_one(cli, resp, cols, ARRAY_SIZE(cols), summary);
	free(summary);
	free(name);
	free(role);
}

int cmd_login(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {{NULL, 0, NULL, 0}};
	if (cli_wants_help(argc, argv)) {
		fputs(usage_login, stdout);
		return CLI_EXIT_OK;
	}
	int c;
	if (cli_getopt_start("login", argc, argv, options))
		return CLI_EXIT_USAGE;
	if ((c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		return cli_bad_option("login", c, argv);
	int rc = cli_no_operand("login", argc, argv);
	if (rc)
		return rc;
	const char *token = cli->token ? cli->token : getenv("RATCHET_TOKEN");
	if (!token || !*token)
		return cli_usage("login", "missing --token");
	struct client_resp resp;
	client_resp_init(&resp);
	rc = cli_call(cli, "GET", "/v1/whoami", NULL, &resp);
	if (!rc)
		rc = save_login(cli->client->base_url, token, cli->client->cacert);
	if (!rc)
		print_login(cli, &resp);
	client_resp_release(&resp);
	return rc;
}
