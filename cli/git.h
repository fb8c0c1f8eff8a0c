/* One commit's metadata read with git, run directly (fork/execvp, no shell),
 * for `ratchet change new --git REV`, and the log of a repository for
 * `ratchet import git --repo DIR`. */
#ifndef RATCHET_GIT_H
#define RATCHET_GIT_H

struct buf;
struct err;

struct git_commit {
	char *hash;	      /* full commit hash */
	char *author;	      /* author name */
	char *committer_date; /* strict ISO 8601 / RFC 3339, with offset */
	char *subject;
};

void git_commit_init(struct git_commit *commit);
void git_commit_release(struct git_commit *commit);

/* Runs `git -C repo show -s --format=... rev --` and fills commit (owned
 * copies). rev may not start with '-'. On failure ERR_INVALID whose message
 * carries git's own error text. */
int git_commit_read(const char *repo, const char *rev, struct git_commit *commit, struct err *err);

/* Runs exactly `git -C repo log --first-parent --no-color
 * --format=%x1e%H%x1f%P%x1f%an%x1f%aI%x1f%cI%x1f%B%x1f --numstat` (the
 * format of core/gitlog.h) and collects its output, at most max bytes, into
 * out (the caller releases it). On failure ERR_INVALID with git's own error
 * text, or ERR_TOO_LARGE past max; out is then released. */
int git_log_read(const char *repo, size_t max, struct buf *out, struct err *err);

#endif
