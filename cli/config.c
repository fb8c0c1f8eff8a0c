/* Reading and atomically writing the CLI's config file (url, token and CA file). */
#include "common.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "err.h"

void config_init(struct config *cfg)
{
	cfg->url = NULL;
	cfg->token = NULL;
	cfg->cacert = NULL;
}

void config_release(struct config *cfg)
{
	free(cfg->url);
	free(cfg->token);
	free(cfg->cacert);
	config_init(cfg);
}

static const char *home_dir(void)
{
	const char *home = getenv("HOME");
	if (home && *home)
		return home;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
}

char *config_path(void)
{
	/* the XDG spec says relative values are to be ignored */
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg && xdg[0] == '/')
		return xasprintf("%s/ratchet/config", xdg);
	const char *home = home_dir();
	return home ? xasprintf("%s/.config/ratchet/config", home) : NULL;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static void set_value(char **slot, const char *value)
{
	free(*slot);
	*slot = *value ? xstrdup(value) : NULL;
}

static int parse_line(struct config *cfg, char *line, const char *path, int lineno, struct err *err)
{
	char *text = trim(line);
	if (*text == '\0' || *text == '#')
		return 0;
	char *eq = strchr(text, '=');
	if (!eq)
		return err_set(err, ERR_INVALID, "%s:%d: expected key=value", path, lineno);
	*eq = '\0';
	const char *key = trim(text);
	const char *value = trim(eq + 1);
	if (strcmp(key, "url") == 0)
		set_value(&cfg->url, value);
	else if (strcmp(key, "token") == 0)
		set_value(&cfg->token, value);
	else if (strcmp(key, "cacert") == 0)
		set_value(&cfg->cacert, value);
	else
		return err_set(err, ERR_INVALID,
			       "%s:%d: unknown key \"%s\" (want url, token or cacert)", path,
			       lineno, key);
	return 0;
}

static int read_file(FILE *f, const char *path, struct buf *b, struct err *err)
{
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(b, chunk, n) < 0)
			return err_set(err, ERR_TOO_LARGE,
				       "config file \"%s\" is larger than %d bytes", path,
				       CONFIG_MAX_SIZE);
	if (ferror(f))
		return err_set(err, ERR_INTERNAL, "could not read \"%s\": %s", path,
			       strerror(errno));
	buf_append(b, "", 0);
	return 0;
}

static void warn_if_exposed(FILE *f, const char *path)
{
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077))
		fprintf(stderr,
			"ratchet: warning: config file \"%s\" is readable by others; run "
			"chmod 600 on it\n",
			path);
}

int config_load(struct config *cfg, const char *path, struct err *err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return err_set(err, ERR_INTERNAL, "could not open \"%s\": %s", path,
			       strerror(errno));
	}
	warn_if_exposed(f, path);
	struct buf b;
	buf_init(&b, CONFIG_MAX_SIZE);
	int rc = read_file(f, path, &b, err);
	fclose(f);
	int lineno = 0;
	for (char *line = b.data, *next; rc == 0 && line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line == '\0' && !next)
			break;
		rc = parse_line(cfg, line, path, ++lineno, err);
	}
	buf_release(&b);
	return rc;
}

/* mkdir -p with mode 0700 for the directories it creates. */
static int make_dirs(const char *dir, struct err *err)
{
	char *path = xstrdup(dir);
	int rc = 0;
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			rc = err_set(err, ERR_INTERNAL, "could not create directory \"%s\": %s",
				     path, strerror(errno));
			break;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	free(path);
	return rc;
}

static int write_all(int fd, const char *text)
{
	size_t len = strlen(text);
	while (len > 0) {
		ssize_t n = write(fd, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_temp(const char *tmp_path, int fd, const char *content, struct err *err)
{
	if (fchmod(fd, 0600) < 0 || write_all(fd, content) < 0 || fsync(fd) < 0) {
		int saved = errno;
		close(fd);
		return err_set(err, ERR_INTERNAL, "could not write \"%s\": %s", tmp_path,
			       strerror(saved));
	}
	if (close(fd) < 0)
		return err_set(err, ERR_INTERNAL, "could not write \"%s\": %s", tmp_path,
			       strerror(errno));
	return 0;
}

static int replace_file(const char *path, const char *content, struct err *err)
{
	char *tmp_path = xasprintf("%s.tmp.XXXXXX", path);
	int rc = -1;
	/* mkstemp creates the file with mode 0600 */
	int fd = mkstemp(tmp_path);
	if (fd < 0) {
		err_set(err, ERR_INTERNAL, "could not create \"%s\": %s", tmp_path,
			strerror(errno));
		goto out;
	}
	if (write_temp(tmp_path, fd, content, err) < 0)
		goto unlink_tmp;
	if (rename(tmp_path, path) < 0) {
		err_set(err, ERR_INTERNAL, "could not replace \"%s\": %s", path, strerror(errno));
		goto unlink_tmp;
	}
	rc = 0;
	goto out;
unlink_tmp:
	unlink(tmp_path);
out:
	free(tmp_path);
	return rc;
}

int config_save(const char *path, const char *url, const char *token, const char *cacert,
		struct err *err)
{
	if (strpbrk(url, "\r\n") || strpbrk(token, "\r\n") || (cacert && strpbrk(cacert, "\r\n")))
		return err_set(err, ERR_INVALID,
			       "url, token and CA file may not contain line breaks");
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int rc = 0;
	if (slash && slash != dir) {
		*slash = '\0';
		rc = make_dirs(dir, err);
	}
	free(dir);
	if (rc < 0)
		return -1;
	char *content =
		xasprintf("# written by ratchet login\nurl=%s\ntoken=%s\n%s%s%s", url, token,
			  cacert ? "cacert=" : "", cacert ? cacert : "", cacert ? "\n" : "");
	rc = replace_file(path, content, err);
	free(content);
	return rc;
}
