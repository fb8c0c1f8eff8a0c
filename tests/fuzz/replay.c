/* Runs a fuzz target's LLVMFuzzerTestOneInput over saved inputs without
 * libFuzzer, so the seed corpora and crash regressions replay in every build
 * (under the sanitizers in `make asan`). Each argument is a file, or a
 * directory whose files (not subdirectories) are all replayed, in name order.
 *
 * usage: fuzzreplay_<target> FILE|DIR... */
#include "common.h"

#include <dirent.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Input files are small; anything past this is not an input of ours. */
#define REPLAY_MAX_INPUT (16u << 20)

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: could not open \"%s\": %s\n", path, strerror(errno));
		return -1;
	}
	struct buf input;
	buf_init(&input, REPLAY_MAX_INPUT);
	char chunk[4096];
	size_t n;
	int rc = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&input, chunk, n) < 0) {
			fprintf(stderr, "replay: \"%s\" is larger than %u bytes\n", path,
				REPLAY_MAX_INPUT);
			rc = -1;
			break;
		}
	if (rc == 0 && ferror(f)) {
		fprintf(stderr, "replay: could not read \"%s\"\n", path);
		rc = -1;
	}
	fclose(f);
	if (rc == 0) {
		/* An exact-size copy, so reading past the input is caught under ASan. */
		uint8_t *data = xmalloc(input.len);
		if (input.len)
			memcpy(data, input.data, input.len);
		LLVMFuzzerTestOneInput(data, input.len);
		free(data);
	}
	buf_release(&input);
	return rc;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Replays the regular files of dir; adds them to *count. */
static int replay_dir(const char *dir, int *count)
{
	struct dirent **entries = NULL;
	int n = scandir(dir, &entries, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "replay: could not read directory \"%s\": %s\n", dir,
			strerror(errno));
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, entries[i]->d_name);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(path) < 0)
				rc = -1;
			else
				(*count)++;
		}
		free(path);
		free(entries[i]);
	}
	free(entries);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	int count = 0, rc = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: could not stat \"%s\": %s\n", argv[i],
				strerror(errno));
			rc = -1;
		} else if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) < 0)
				rc = -1;
		} else if (replay_file(argv[i]) < 0) {
			rc = -1;
		} else {
			count++;
		}
	}
	printf("replayed %d inputs\n", count);
	return rc < 0 ? 1 : 0;
}
