/* ratchetd: serve, migrate, token create, version. */
#include "common.h"

#include <signal.h>
#include <unistd.h>

#include "auditlog.h"
#include "auth.h"
#include "hash.h"
#include "config.h"
#include "core.h"
#include "err.h"
#include "handlers.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "model.h"
#include "rtime.h"
#include "store.h"
#include "version.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: ratchetd <command> [options]\n\n"
		   "commands:\n"
		   "  serve                      serve the API (see settings below)\n"
		   "  migrate [--db-owner CONNINFO]  apply pending schema migrations\n"
		   "  token create --name N --role R  create an API token and print it\n"
		   "  version                    print versions\n\n"
		   "settings (flag, environment, default, meaning; flags win):\n");
	config_usage(f);
}

/* Reads the first line of a file under var/, or NULL. Caller frees. */
static char *read_var_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char line[1024];
	char *s = fgets(line, sizeof(line), f) ? xstrdup(line) : NULL;
	fclose(f);
	if (s)
		s[strcspn(s, "\r\n")] = '\0';
	return s;
}

/* Conninfo for the service (owner = 0) or the migration owner (owner = 1). */
static char *conninfo(const struct server_config *cfg, int owner)
{
	if (owner && cfg->db_owner)
		return xstrdup(cfg->db_owner);
	if (owner) {
		char *s = read_var_file("var/db-owner.conninfo");
		if (s && !cfg->db)
			return s;
		free(s);
	}
	if (cfg->db)
		return xstrdup(cfg->db);
	char *s = read_var_file("var/db.conninfo");
	return s ? s : xstrdup("dbname=ratchet");
}

static int fail(const struct err *err)
{
	fprintf(stderr, "ratchetd: %s\n", err->message);
	return 1;
}

static int cmd_migrate(struct server_config *cfg)
{
	struct err err;
	err_init(&err);
	char *db = conninfo(cfg, 1);
	store_configure(db);
	free(db);
	int applied = 0, version = 0;
	int rc = store_migrate(&applied, &version, &err);
	store_disconnect();
	if (rc < 0)
		return fail(&err);
	if (applied)
		printf("migrated to %d (%d applied)\n", version, applied);
	else
		printf("schema is at %d\n", version);
	return 0;
}

static int cmd_token_create(struct server_config *cfg)
{
	struct err err;
	err_init(&err);
	if (!cfg->token_name || !cfg->token_role) {
		fprintf(stderr, "usage: ratchetd token create --name N --role %s\n",
			role_names.list);
		return 2;
	}
	if (!model_valid_service(cfg->token_name)) {
		fprintf(stderr,
			"ratchetd: token name \"%s\" must match [a-z0-9][a-z0-9._-]{0,62}\n",
			cfg->token_name);
		return 2;
	}
	if (model_lookup(&role_names, cfg->token_role) < 0) {
		fprintf(stderr, "ratchetd: unknown role \"%s\"; expected one of: %s\n",
			cfg->token_role, role_names.list);
		return 2;
	}
	struct token_record t = {0};
	t.expires_at = RTIME_NONE;
	if (cfg->token_expires_at && rtime_parse(cfg->token_expires_at, &t.expires_at, &err) < 0) {
		fprintf(stderr, "ratchetd: --expires-at: %s\n", err.message);
		return 2;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (t.expires_at != RTIME_NONE && t.expires_at <= (int64_t)now.tv_sec * 1000000) {
		fprintf(stderr, "ratchetd: --expires-at must lie in the future\n");
		return 2;
	}
	char token[AUTH_TOKEN_LEN + 1], hash[65];
	if (auth_token_generate(token, &err) < 0)
		return fail(&err);
	hash_sha256_hex(token, strlen(token), hash);
	char *db = conninfo(cfg, 0);
	store_configure(db);
	free(db);
	t.name = xstrdup(cfg->token_name);
	t.role = xstrdup(cfg->token_role);
	t.created_by = xstrdup("ratchetd");
	/* The token and its audit entry commit together, like every write. */
	int rc = store_begin(&err);
	if (rc == 0)
		rc = store_token_create(&t, hash, &err);
	if (rc == 0) {
		cJSON *payload = token_to_json(&t, NULL);
		char *text = json_print(payload);
		cJSON_Delete(payload);
		rc = store_audit_insert("ratchetd", "token.create", "token", t.name, text, &err);
		free(text);
	}
	if (rc == 0)
		rc = store_commit(&err);
	if (rc < 0)
		store_rollback();
	token_record_release(&t);
	store_disconnect();
	if (rc < 0)
		return fail(&err);
	printf("%s\n", token);
	return 0;
}

static int check_schema(struct err *err)
{
	int version = 0, is_owner = 0;
	if (store_schema_state(&version, &is_owner, err) < 0)
		return -1;
	if (version > (int)store_n_migrations)
		return err_set(err, ERR_CONFLICT,
			       "database schema is at version %d, newer than this ratchetd knows "
			       "(%zu); upgrade ratchetd",
			       version, store_n_migrations);
	if (version < (int)store_n_migrations)
		return err_set(err, ERR_CONFLICT,
			       "database schema is at version %d but this ratchetd needs %zu; run "
			       "'ratchetd migrate'",
			       version, store_n_migrations);
	if (is_owner)
		log_warnx("connected as the tables' owner: the database does not enforce the "
			  "one-way rules; use the service role (ratchet_service)");
	return 0;
}

static int cmd_serve(struct server_config *cfg)
{
	struct err err;
	err_init(&err);
	char *db = conninfo(cfg, 0);
	store_configure(db);
	free(db);
	if (check_schema(&err) < 0 ||
	    policies_load_dir(cfg->policies, cfg->policies_given, &err) < 0) {
		store_disconnect();
		return fail(&err);
	}
	store_disconnect();
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!cfg->tls_cert != !cfg->tls_key) {
		fprintf(stderr, "ratchetd: --tls-cert and --tls-key go together\n");
		return 2;
	}
	struct http_server *s = http_start(cfg, &err);
	if (!s)
		return fail(&err);
	if (audit_sealer_start(cfg->seal_interval, &err) < 0) {
		http_stop(s);
		return fail(&err);
	}
	log_info("ratchetd %s serving %s on %s with %d threads", RATCHET_VERSION,
		 cfg->tls_cert ? "HTTPS" : "HTTP", cfg->listen, cfg->threads);
	int sig = 0;
	sigwait(&set, &sig);
	log_info("received signal %d, stopping", sig);
	http_stop(s);
	audit_sealer_stop();
	if (cfg->port_file)
		unlink(cfg->port_file);
	return 0;
}

int main(int argc, char **argv)
{
	core_init();
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *cmd = argv[1];
	int skip = 2;
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
	if (strcmp(cmd, "token") == 0) {
		if (argc < 3 || strcmp(argv[2], "create") != 0) {
			fprintf(stderr, "usage: ratchetd token create --name N --role R\n");
			return 2;
		}
		skip = 3;
	}
	if (strcmp(cmd, "version") == 0) {
		printf("ratchetd %s (api %d, schema %zu)\n", RATCHET_VERSION, RATCHET_API_VERSION,
		       store_n_migrations);
		return 0;
	}
	struct server_config cfg;
	struct err err;
	err_init(&err);
	if (config_load(&cfg, argc - skip, argv + skip, &err) < 0) {
		fprintf(stderr, "ratchetd: %s\n", err.message);
		config_release(&cfg);
		return 2;
	}
	int rc;
	if (strcmp(cmd, "serve") == 0)
		rc = cmd_serve(&cfg);
	else if (strcmp(cmd, "migrate") == 0)
		rc = cmd_migrate(&cfg);
	else if (strcmp(cmd, "token") == 0)
		rc = cmd_token_create(&cfg);
	else {
		fprintf(stderr, "ratchetd: '%s' is not a command; see 'ratchetd --help'\n", cmd);
		rc = 2;
	}
	config_release(&cfg);
	return rc;
}
