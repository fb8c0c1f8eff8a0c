/* ratchetd settings from one table: defaults, environment, then flags. */
#include "common.h"

#include <unistd.h>

#include "config.h"
#include "duration.h"
#include "err.h"

enum setting_kind { SET_STRING, SET_INT, SET_SIZE, SET_DURATION, SET_DURATION_MS, SET_BOOL };

struct setting {
	const char *flag;
	const char *env;
	const char *def; /* NULL: none */
	enum setting_kind kind;
	size_t offset;
	const char *doc;
};

#define OFF(field) offsetof(struct server_config, field)

static const struct setting settings[] = {
	{"--db", "RATCHET_DB", NULL, SET_STRING, OFF(db),
	 "database (libpq conninfo or URI); default var/db.conninfo, else dbname=ratchet"},
	{"--db-owner", "RATCHET_DB_OWNER", NULL, SET_STRING, OFF(db_owner),
	 "migration owner (migrate); default var/db-owner.conninfo, else --db"},
	{"--listen", "RATCHET_LISTEN", "127.0.0.1:8080", SET_STRING, OFF(listen),
	 "listen address (:0 picks a free port)"},
	{"--port-file", "RATCHET_PORT_FILE", NULL, SET_STRING, OFF(port_file),
	 "file the chosen address is written to"},
	{"--threads", "RATCHET_THREADS", NULL, SET_INT, OFF(threads),
	 "worker threads (default: number of CPUs)"},
	{"--max-body", "RATCHET_MAX_BODY", "1048576", SET_SIZE, OFF(max_body),
	 "JSON body limit in bytes"},
	{"--max-skew", "RATCHET_MAX_SKEW", "5m", SET_DURATION, OFF(max_skew),
	 "how far in the future an event time may lie"},
	{"--max-import", "RATCHET_MAX_IMPORT", "268435456", SET_SIZE, OFF(max_import),
	 "streamed import body limit in bytes"},
	{"--max-conns", "RATCHET_MAX_CONNS", "256", SET_INT, OFF(max_conns),
	 "maximum simultaneous connections"},
	{"--conn-timeout", "RATCHET_CONN_TIMEOUT", "30s", SET_DURATION, OFF(conn_timeout),
	 "idle or slow connections are closed after this"},
	{"--max-header", "RATCHET_MAX_HEADER", "16384", SET_SIZE, OFF(max_header),
	 "request line and headers limit in bytes"},
	{"--seal-interval", "RATCHET_SEAL_INTERVAL", "1s", SET_DURATION_MS, OFF(seal_interval),
	 "how often the audit log is sealed (0 = never); 100ms style units allowed"},
	{"--tls-cert", "RATCHET_TLS_CERT", NULL, SET_STRING, OFF(tls_cert),
	 "TLS certificate (PEM); with --tls-key serves HTTPS"},
	{"--tls-key", "RATCHET_TLS_KEY", NULL, SET_STRING, OFF(tls_key), "TLS private key (PEM)"},
	{"--policies", "RATCHET_POLICIES", "policies", SET_STRING, OFF(policies),
	 "policies folder (*.yaml) loaded on the first start, when there are none"},
	{"--metrics-public", "RATCHET_METRICS_PUBLIC", "false", SET_BOOL, OFF(metrics_public),
	 "serve GET /metrics without a token (--metrics-public, --metrics-public=false or "
	 "--metrics-public false; the flag alone means true)"},
	{"--name", NULL, NULL, SET_STRING, OFF(token_name), "token name (token create)"},
	{"--role", NULL, NULL, SET_STRING, OFF(token_role), "token role (token create)"},
	{"--expires-at", NULL, NULL, SET_STRING, OFF(token_expires_at),
	 "token expiry, RFC 3339 (token create)"},
};

static int set_value(struct server_config *cfg, const struct setting *s, const char *v,
		     const char *origin, struct err *err)
{
	char *base = (char *)cfg + s->offset;
	char *end = NULL;
	errno = 0;
	/* A policies folder someone named must exist; the default may be missing. */
	if (s->offset == OFF(policies))
		cfg->policies_given = strcmp(origin, "default") != 0;
	switch (s->kind) {
	case SET_STRING:
		free(*(char **)base);
		*(char **)base = xstrdup(v);
		return 0;
	case SET_INT: {
		long n = strtol(v, &end, 10);
		if (errno || end == v || *end || n < 1 || n > 1024)
			return err_set(err, ERR_INVALID,
				       "%s: \"%s\" is not a number from 1 to 1024", origin, v);
		*(int *)base = (int)n;
		return 0;
	}
	case SET_SIZE: {
		unsigned long long n = strtoull(v, &end, 10);
		if (errno || end == v || *end || n < 1024 || v[0] == '-')
			return err_set(err, ERR_INVALID, "%s: \"%s\" is not a byte count >= 1024",
				       origin, v);
		*(size_t *)base = (size_t)n;
		return 0;
	}
	case SET_DURATION: {
		int64_t secs;
		struct err derr;
		err_init(&derr);
		if (duration_parse(v, &secs, &derr) < 0)
			return err_set(err, ERR_INVALID, "%s: %s", origin, derr.message);
		*(int64_t *)base = secs * 1000000;
		return 0;
	}
	case SET_BOOL:
		if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
			*(int *)base = 1;
			return 0;
		}
		if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0) {
			*(int *)base = 0;
			return 0;
		}
		return err_set(err, ERR_INVALID, "%s: \"%s\" is not true, false, 1 or 0", origin,
			       v);
	case SET_DURATION_MS: {
		/* A duration, whole milliseconds written as "100ms", or "0" for never. */
		size_t len = strlen(v);
		if (strcmp(v, "0") == 0) {
			*(int64_t *)base = 0;
			return 0;
		}
		if (len > 2 && strcmp(v + len - 2, "ms") == 0) {
			long long ms = strtoll(v, &end, 10);
			if (errno || end != v + len - 2 || ms < 0 || v[0] == '-' || v[0] == '+')
				return err_set(err, ERR_INVALID, "%s: \"%s\" is not a duration",
					       origin, v);
			*(int64_t *)base = ms * 1000;
			return 0;
		}
		int64_t secs;
		struct err derr;
		err_init(&derr);
		if (duration_parse(v, &secs, &derr) < 0)
			return err_set(err, ERR_INVALID, "%s: %s", origin, derr.message);
		*(int64_t *)base = secs * 1000000;
		return 0;
	}
	}
	return 0;
}

/* The value of a boolean flag at argv[*a] given without "=": the next
 * argument when it is a boolean's value (consumed), else "true". */
static const char *bool_argument(int argc, char **argv, int *a)
{
	static const char *const values[] = {"true", "false", "1", "0"};
	if (*a + 1 >= argc)
		return "true";
	for (size_t i = 0; i < ARRAY_SIZE(values); i++)
		if (strcmp(argv[*a + 1], values[i]) == 0)
			return argv[++*a];
	return "true";
}

int config_load(struct server_config *cfg, int argc, char **argv, struct err *err)
{
	memset(cfg, 0, sizeof(*cfg));
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	cfg->threads = cpus > 0 && cpus < 1024 ? (int)cpus : 2;
	for (size_t i = 0; i < ARRAY_SIZE(settings); i++) {
		const struct setting *s = &settings[i];
		const char *env = s->env ? getenv(s->env) : NULL;
		if (s->def && set_value(cfg, s, s->def, "default", err) < 0)
			return -1;
		if (env && *env && set_value(cfg, s, env, s->env, err) < 0)
			return -1;
	}
	for (int a = 0; a < argc; a++) {
		const struct setting *s = NULL;
		const char *arg = argv[a];
		const char *eq = strchr(arg, '=');
		size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
		for (size_t i = 0; i < ARRAY_SIZE(settings); i++)
			if (strlen(settings[i].flag) == name_len &&
			    strncmp(settings[i].flag, arg, name_len) == 0)
				s = &settings[i];
		if (!s)
			return err_set(err, ERR_INVALID, "unknown option \"%s\"", arg);
		/* A boolean flag alone means true; its value may follow after "=" or as
		 * the next argument when that is one of true, false, 1, 0. */
		const char *v = eq		      ? eq + 1
				: s->kind == SET_BOOL ? bool_argument(argc, argv, &a)
						      : (a + 1 < argc ? argv[++a] : NULL);
		if (!v)
			return err_set(err, ERR_INVALID, "option %s needs a value", s->flag);
		if (set_value(cfg, s, v, s->flag, err) < 0)
			return -1;
	}
	return 0;
}

void config_release(struct server_config *cfg)
{
	free(cfg->db);
	free(cfg->db_owner);
	free(cfg->listen);
	free(cfg->port_file);
	free(cfg->token_name);
	free(cfg->token_role);
	free(cfg->token_expires_at);
	free(cfg->tls_cert);
	free(cfg->tls_key);
	free(cfg->policies);
	memset(cfg, 0, sizeof(*cfg));
}

void config_usage(void *f)
{
	for (size_t i = 0; i < ARRAY_SIZE(settings); i++) {
		const struct setting *s = &settings[i];
		fprintf(f, "  %-12s %-18s %-16s %s\n", s->flag, s->env ? s->env : "",
			s->def ? s->def : "", s->doc);
	}
}
