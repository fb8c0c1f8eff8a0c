/* ratchetd's settings: one table drives flags, environment, defaults and docs. */
#ifndef RATCHET_CONFIG_H
#define RATCHET_CONFIG_H

#include <stddef.h>
#include <stdint.h>

struct err;

struct server_config {
	char *db;
	char *db_owner;
	char *listen;
	char *port_file;
	int threads;
	size_t max_body;
	int64_t max_skew; /* microseconds */
	size_t max_import;
	int max_conns;
	int64_t conn_timeout; /* microseconds */
	size_t max_header;
	int64_t seal_interval; /* microseconds; 0 = no sealing */
	char *tls_cert;
	char *tls_key;
	char *policies;	    /* folder loaded on first start */
	int policies_given; /* named by flag or environment (then it must exist) */
	int metrics_public; /* GET /metrics without a token */
	char *token_expires_at;
	/* token create */
	char *token_name;
	char *token_role;
};

/* Fills cfg from defaults, then the environment, then argv (flags win).
 * Unknown flags and bad values are errors naming the flag. */
int config_load(struct server_config *cfg, int argc, char **argv, struct err *err);
void config_release(struct server_config *cfg);
/* Prints the settings table (flag, environment, default, meaning) to f. */
void config_usage(void *f);

#endif
