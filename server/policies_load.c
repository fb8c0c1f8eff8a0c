/* The first start of ratchetd: when gate_policies is empty, the policies
 * folder's *.yaml files (sorted, not subfolders) become version 1 of their
 * policies, all or none; every problem is printed as path:line:column: message. */
#include "common.h"

#include <dirent.h>
#include <sys/stat.h>

#include "err.h"
#include "handlers.h"
#include "json.h"
#include "log.h"
#include "policy.h"
#include "store.h"

struct policy_file {
	char *path;
	char *text;
	struct policy policy;
};

/* Prints one problem as path:line:column: message (1:1 when it has no place). */
static void print_problem(const char *path, int line, int column, const char *message)
{
	fprintf(stderr, "%s:%d:%d: %s\n", path, line > 0 ? line : 1, column > 0 ? column : 1,
		message);
}

/* The line of the top-level "policy:" key (1 when there is none). */
static int policy_key_line(const char *text)
{
	int line = 1;
	for (const char *p = text; p && *p; line++) {
		if (strncmp(p, "policy:", 7) == 0)
			return line;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return 1;
}

/* Reads a file of at most POLICY_TEXT_MAX bytes of UTF-8 into f->text;
 * problems are printed. */
static int read_policy_file(struct policy_file *f)
{
	FILE *fp = fopen(f->path, "rb");
	if (!fp) {
		print_problem(f->path, 1, 1, strerror(errno));
		return -1;
	}
	struct buf b;
	buf_init(&b, POLICY_TEXT_MAX);
	char chunk[8192];
	size_t got;
	int rc = 0;
	while (rc == 0 && (got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		rc = buf_append(&b, chunk, got);
	if (rc < 0) {
		print_problem(f->path, 1, 1, "larger than 262144 bytes");
	} else if (ferror(fp)) {
		print_problem(f->path, 1, 1, "read error");
		rc = -1;
	}
	fclose(fp);
	size_t len = b.len;
	f->text = b.data ? b.data : xstrdup("");
	long bad = rc == 0 ? json_utf8_invalid_at(f->text, len) : -1;
	if (bad >= 0) {
		int line = 1, column = 1;
		for (long i = 0; i < bad; i++, column++)
			if (f->text[i] == '\n') {
				line++;
				column = 0;
			}
		print_problem(f->path, line, column, "not valid UTF-8 (or a NUL byte)");
		rc = -1;
	}
	return rc;
}

/* Reads and lints one file; every problem is printed. Returns their count. */
static int lint_policy_file(struct policy_file *f)
{
	if (read_policy_file(f) < 0)
		return 1;
	struct err perr;
	err_init(&perr);
	if (policy_parse(f->path, f->text, strlen(f->text), &f->policy, &perr) == 0)
		return 0;
	policy_init(&f->policy);
	for (int i = 0; i < perr.n_details && i < ERR_MAX_DETAILS; i++)
		print_problem(f->path, perr.details[i].line, perr.details[i].column,
			      perr.details[i].message);
	if (perr.n_details == 0)
		print_problem(f->path, 1, 1, perr.message);
	return perr.n_details ? perr.n_details : 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files DIR/NAME.yaml (not hidden, not in subfolders), sorted.
 * Caller frees each path and the array. */
static int list_yaml_files(const char *dir, char ***paths, size_t *n, struct err *err)
{
	*paths = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return err_set(err, ERR_INVALID, "cannot open policies folder \"%s\": %s", dir,
			       strerror(errno));
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(path);
			continue;
		}
		*paths = xrealloc(*paths, (*n + 1) * sizeof(**paths));
		(*paths)[(*n)++] = path;
	}
	closedir(d);
	if (*n)
		xqsort(*paths, *n, sizeof(**paths), cmp_str);
	return 0;
}

/* Lints every file; a policy defined in two files is a problem too. */
static int lint_all(struct policy_file *files, size_t n)
{
	int problems = 0;
	for (size_t i = 0; i < n; i++)
		problems += lint_policy_file(&files[i]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++) {
			if (!files[i].policy.name || !files[j].policy.name ||
			    strcmp(files[i].policy.name, files[j].policy.name) != 0)
				continue;
			char *msg = xasprintf("policy \"%s\" is also defined in %s",
					      files[i].policy.name, files[j].path);
			print_problem(files[i].path, policy_key_line(files[i].text), 1, msg);
			free(msg);
			problems++;
		}
	return problems;
}

static int insert_all(const struct policy_file *files, size_t n, struct err *err)
{
	for (size_t i = 0; i < n; i++) {
		if (h_policies_insert_initial(&files[i].policy, files[i].text, err) < 0)
			return -1;
		log_info("policy \"%s\" version 1 loaded from %s", files[i].policy.name,
			 files[i].path);
	}
	return 0;
}

/* Lints the folder's files and, when all are clean, inserts them in the
 * current transaction. */
static int load_files(const char *dir, struct err *err)
{
	char **paths;
	size_t n;
	if (list_yaml_files(dir, &paths, &n, err) < 0)
		return -1;
	struct policy_file *files = xcalloc(n ? n : 1, sizeof(*files));
	for (size_t i = 0; i < n; i++) {
		files[i].path = paths[i];
		policy_init(&files[i].policy);
	}
	int problems = lint_all(files, n);
	int rc = 0;
	if (problems)
		rc = err_set(err, ERR_INVALID, "could not load policies from \"%s\": %d problem%s",
			     dir, problems, problems == 1 ? "" : "s");
	else if (n == 0)
		log_info("policies folder \"%s\" has no *.yaml files; no policies loaded", dir);
	else
		rc = insert_all(files, n, err);
	for (size_t i = 0; i < n; i++) {
		free(files[i].path);
		free(files[i].text);
		policy_release(&files[i].policy);
	}
	free(files);
	free(paths);
	return rc;
}

int policies_load_dir(const char *dir, int dir_given, struct err *err)
{
	struct stat st;
	int missing = stat(dir, &st) < 0 ? errno : !S_ISDIR(st.st_mode) ? ENOTDIR : 0;
	if (missing && dir_given)
		return err_set(err, ERR_INVALID, "policies folder \"%s\": %s", dir,
			       strerror(missing));
	int empty = 0;
	if (store_begin(err) < 0)
		return -1;
	if (store_policy_lock(err) < 0 || store_policy_table_empty(&empty, err) < 0)
		goto fail;
	if (!empty || missing) {
		if (empty)
			log_info("no policies folder \"%s\" (%s); starting without gate policies",
				 dir, strerror(missing));
		store_rollback();
		return 0;
	}
	if (load_files(dir, err) < 0 || store_commit(err) < 0)
		goto fail;
	return 0;
fail:
	store_rollback();
	return -1;
}
