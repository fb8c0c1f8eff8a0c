/* One commit's metadata read with git, run directly (fork/execvp, no shell),
 * for `ratchet change new --git REV`. */
#ifndef RATCHET_GIT_H
#define RATCHET_GIT_H

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

#endif
