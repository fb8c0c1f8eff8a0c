/* The CLI's config file: $XDG_CONFIG_HOME/ratchet/config, else
 * ~/.config/ratchet/config; lines "url=...", "token=..." and "cacert=...",
 * '#' comments; written by `ratchet login` with mode 0600 in a 0700 directory. */
#ifndef RATCHET_CONFIG_H
#define RATCHET_CONFIG_H

struct err;

/* Largest config file read. */
#define CONFIG_MAX_SIZE (64 * 1024)

struct config {
	char *url;    /* NULL when the file has none */
	char *token;  /* NULL when the file has none */
	char *cacert; /* a PEM CA bundle for https; NULL when the file has none */
};

void config_init(struct config *cfg);
void config_release(struct config *cfg);

/* The config file's path, or NULL when neither XDG_CONFIG_HOME (absolute) nor
 * a home directory is known. The caller frees. */
char *config_path(void);

/* Reads path into cfg (owned copies). A missing file is not an error and
 * leaves cfg empty. Malformed lines and unknown keys fail with ERR_INVALID and
 * "PATH:LINE: ..."; a file readable by others draws a warning on stderr. */
int config_load(struct config *cfg, const char *path, struct err *err);

/* Replaces path atomically with url, token and cacert (no line when NULL),
 * mode 0600, creating missing directories with mode 0700. Values may not
 * contain line breaks. */
int config_save(const char *path, const char *url, const char *token, const char *cacert,
		struct err *err);

#endif
