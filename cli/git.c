/* Runs git without a shell (argument vector, fork/execvp) and reads one
 * commit's hash, author, committer date and subject from its output. */
#include "common.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "git.h"

#define GIT_MAX_OUTPUT (1024 * 1024)
#define GIT_MAX_ERROR (64 * 1024)
#define GIT_FIELD_SEP '\x1f'

void git_commit_init(struct git_commit *commit)
{
	commit->hash = NULL;
	commit->author = NULL;
	commit->committer_date = NULL;
	commit->subject = NULL;
}

void git_commit_release(struct git_commit *commit)
{
	free(commit->hash);
	free(commit->author);
	free(commit->committer_date);
	free(commit->subject);
	git_commit_init(commit);
}

static void run_child(char *const argv[], int out_fd, int err_fd)
{
	if (dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
		_exit(127);
	execvp(argv[0], argv);
	dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Reads both pipes until both close; output past a buffer's cap is dropped
 * (and *overflow set when stdout's was). */
static int drain(int out_fd, int err_fd, struct buf *out, struct buf *errout, int *overflow)
{
	struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
	struct buf *bufs[2] = {out, errout};
	int open_fds = 2;
	while (open_fds > 0) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			char chunk[4096];
			ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
				continue;
			}
			if (buf_append(bufs[i], chunk, (size_t)n) < 0 && i == 0)
				*overflow = 1;
		}
	}
	return 0;
}

static int wait_child(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* Runs argv (argv[0] looked up on PATH) and collects its stdout and stderr. */
static int run_capture(char *const argv[], struct buf *out, struct buf *errout, int *status,
		       int *overflow, struct err *err)
{
	int out_pipe[2], err_pipe[2];
	if (pipe2(out_pipe, O_CLOEXEC) < 0)
		return err_set(err, ERR_INTERNAL, "could not create a pipe: %s", strerror(errno));
	if (pipe2(err_pipe, O_CLOEXEC) < 0) {
		close(out_pipe[0]);
		close(out_pipe[1]);
		return err_set(err, ERR_INTERNAL, "could not create a pipe: %s", strerror(errno));
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		run_child(argv, out_pipe[1], err_pipe[1]);
	int saved = errno;
	close(out_pipe[1]);
	close(err_pipe[1]);
	if (pid < 0) {
		close(out_pipe[0]);
		close(err_pipe[0]);
		return err_set(err, ERR_INTERNAL, "could not start git: %s", strerror(saved));
	}
	int drained = drain(out_pipe[0], err_pipe[0], out, errout, overflow);
	if (wait_child(pid, status) < 0 || drained < 0)
		return err_set(err, ERR_INTERNAL, "could not collect git's output: %s",
			       strerror(errno));
	return 0;
}

/* git's stderr as one line: line breaks become "; ", trailing blanks go. */
static char *one_line(struct buf *text)
{
	char *s = xstrdup(text->data ? text->data : "");
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
		s[--n] = '\0';
	struct buf joined;
	buf_init(&joined, 0);
	buf_append(&joined, "", 0);
	for (const char *p = s; *p; p++) {
		if (*p == '\n')
			buf_append(&joined, "; ", 2);
		else if (*p != '\r')
			buf_append(&joined, p, 1);
	}
	free(s);
	return joined.data;
}

static int git_failed(const char *rev, int status, struct buf *errout, struct err *err)
{
	if (WIFSIGNALED(status))
		return err_set(err, ERR_INVALID,
			       "could not read commit \"%s\": git was killed by "
			       "signal %d",
			       rev, WTERMSIG(status));
	char *msg = one_line(errout);
	err_set(err, ERR_INVALID, "could not read commit \"%s\": %s", rev,
		*msg ? msg : "git failed");
	free(msg);
	return -1;
}

/* Splits "hash US author US date US subject\n" into commit. */
static int parse_commit(const char *rev, char *text, struct git_commit *commit, struct err *err)
{
	size_t n = strlen(text);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	char *fields[4] = {text, NULL, NULL, NULL};
	for (int i = 1; i < 4; i++) {
		char *sep = strchr(fields[i - 1], GIT_FIELD_SEP);
		if (!sep)
			return err_set(err, ERR_INVALID,
				       "could not read commit \"%s\": unexpected output from git",
				       rev);
		*sep = '\0';
		fields[i] = sep + 1;
	}
	commit->hash = xstrdup(fields[0]);
	commit->author = xstrdup(fields[1]);
	commit->committer_date = xstrdup(fields[2]);
	commit->subject = xstrdup(fields[3]);
	return 0;
}

int git_commit_read(const char *repo, const char *rev, struct git_commit *commit, struct err *err)
{
	if (rev[0] == '-' || rev[0] == '\0')
		return err_set(err, ERR_INVALID, "invalid revision \"%s\"", rev);
	/* "--" after the revision: it can only be read as a revision, never a path */
	char *const argv[] = {
		(char *)"git",	(char *)"-C", (char *)repo,
		(char *)"show", (char *)"-s", (char *)"--format=%H%x1f%an%x1f%cI%x1f%s",
		(char *)rev,	(char *)"--", NULL,
	};
	struct buf out, errout;
	buf_init(&out, GIT_MAX_OUTPUT);
	buf_init(&errout, GIT_MAX_ERROR);
	int status = 0, overflow = 0;
	int rc = run_capture(argv, &out, &errout, &status, &overflow, err);
	if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		rc = git_failed(rev, status, &errout, err);
	/* appending nothing never passes the cap; it makes out.data a string */
	if (rc == 0 && buf_append(&out, "", 0) == 0)
		rc = parse_commit(rev, out.data, commit, err);
	buf_release(&out);
	buf_release(&errout);
	return rc;
}

int git_log_read(const char *repo, size_t max, struct buf *out, struct err *err)
{
	char *const argv[] = {
		(char *)"git",
		(char *)"-C",
		(char *)repo,
		(char *)"log",
		(char *)"--first-parent",
		(char *)"--no-color",
		(char *)"--format=%x1e%H%x1f%P%x1f%an%x1f%aI%x1f%cI%x1f%B%x1f",
		(char *)"--numstat",
		NULL,
	};
	struct buf errout;
	buf_init(out, max);
	buf_init(&errout, GIT_MAX_ERROR);
	int status = 0, overflow = 0;
	int rc = run_capture(argv, out, &errout, &status, &overflow, err);
	if (rc == 0 && WIFSIGNALED(status)) {
		rc = err_set(err, ERR_INVALID, "git log in \"%s\" was killed by signal %d", repo,
			     WTERMSIG(status));
	} else if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		char *msg = one_line(&errout);
		rc = err_set(err, ERR_INVALID, "git log in \"%s\" failed: %s", repo,
			     *msg ? msg : "git failed");
		free(msg);
	} else if (rc == 0 && overflow) {
		rc = err_set(err, ERR_TOO_LARGE, "git log in \"%s\" printed more than %zu bytes",
			     repo, max);
	}
	buf_release(&errout);
	if (rc < 0)
		buf_release(out);
	return rc;
}
