/* ratchet version: the client's version, then the server's from GET /healthz,
 * with a warning when their API versions differ. */
#include "common.h"

#include <getopt.h>

#include "cli.h"
#include "version.h"

static const char usage_version[] =
	"usage: ratchet version\n\n"
	"Prints the client's version, then asks the server (GET /healthz) for its own.\n"
	"Exits 3 when the server cannot be reached.\n";

static void warn_api_mismatch(const cJSON *health)
{
	const cJSON *api = cJSON_GetObjectItemCaseSensitive(health, "api");
	if (cJSON_IsNumber(api) && api->valuedouble != (double)RATCHET_API_VERSION)
		fprintf(stderr, "ratchet: warning: the server speaks api %g, this client api %d\n",
			api->valuedouble, RATCHET_API_VERSION);
}

static void print_json(const cJSON *health)
{
	cJSON *out = cJSON_CreateObject();
	cJSON *client = cJSON_AddObjectToObject(out, "client");
	cJSON_AddStringToObject(client, "version", RATCHET_VERSION);
	cJSON_AddNumberToObject(client, "api", RATCHET_API_VERSION);
	if (health)
		cJSON_AddItemReferenceToObject(out, "server", (cJSON *)health);
	else
		cJSON_AddNullToObject(out, "server");
	output_json(stdout, out);
	cJSON_Delete(out);
}

static void print_server(const struct cli *cli, const cJSON *health)
{
	char *version = output_member(health, "version");
	char *api = output_member(health, "api");
	printf("ratchetd %s (api %s) at %s\n", cli_or_dash(version), cli_or_dash(api),
	       cli->client->base_url);
	free(version);
	free(api);
}

int cmd_version(struct cli *cli, int argc, char **argv)
{
	static const struct option options[] = {{NULL, 0, NULL, 0}};
	if (cli_wants_help(argc, argv)) {
		fputs(usage_version, stdout);
		return CLI_EXIT_OK;
	}
	int c;
	if (cli_getopt_start("version", argc, argv, options))
		return CLI_EXIT_USAGE;
	if ((c = getopt_long(argc, argv, ":", options, NULL)) != -1)
		return cli_bad_option("version", c, argv);
	int rc = cli_no_operand("version", argc, argv);
	if (rc)
		return rc;
	if (cli->format != OUTPUT_JSON) {
		printf("ratchet %s (api %d)\n", RATCHET_VERSION, RATCHET_API_VERSION);
		fflush(stdout);
	}
	struct client_resp resp;
	client_resp_init(&resp);
	rc = cli_call(cli, "GET", "/healthz", NULL, &resp);
	if (cli->format == OUTPUT_JSON)
		print_json(rc ? NULL : resp.json);
	else if (!rc)
		print_server(cli, resp.json);
	if (!rc)
		warn_api_mismatch(resp.json);
	client_resp_release(&resp);
	return rc;
}
