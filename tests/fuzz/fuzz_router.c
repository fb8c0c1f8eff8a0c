/* Fuzzes router_match: the input is a method and a raw path separated by the
 * first space or newline (no separator: the whole input is a GET path). Only
 * matching runs; no handler is called, so the database is never touched.
 * Invariants: a match has the asked method and one decoded, non-empty capture
 * per "{}" of its pattern; a miss is 404, or 405 with a non-empty Allow. */
#include "common.h"

#include "core.h"
#include "err.h"
#include "fuzz.h"
#include "req.h"
#include "router.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	core_init();
	return 0;
}

static int count_captures(const char *pattern)
{
	int n = 0;
	for (const char *p = strstr(pattern, "{}"); p; p = strstr(p + 2, "{}"))
		n++;
	return n;
}

static void check_match(const char *method, const char *path)
{
	struct req r = {0};
	char allow[64], allow_again[64];
	struct err err, err_again;
	err_init(&err);
	err_init(&err_again);
	memset(allow, 'x', sizeof(allow));
	const struct route *rt = router_match(method, path, &r, allow, &err);
	FUZZ_CHECK(memchr(allow, '\0', sizeof(allow)) != NULL);
	FUZZ_CHECK(router_match(method, path, NULL, allow_again, &err_again) == rt);
	if (rt) {
		FUZZ_CHECK(rt >= router_routes && rt < router_routes + router_n_routes);
		FUZZ_CHECK(strcmp(rt->method, method) == 0);
		FUZZ_CHECK(r.n_params == count_captures(rt->pattern));
		for (int i = 0; i < r.n_params; i++)
			FUZZ_CHECK(r.params[i] != NULL && r.params[i][0] != '\0');
		FUZZ_CHECK(err.code == ERR_NONE);
	} else {
		FUZZ_CHECK(r.n_params == 0);
		FUZZ_CHECK(err.code == ERR_NOT_FOUND || err.code == ERR_METHOD);
		FUZZ_CHECK((err.code == ERR_METHOD) == (allow[0] != '\0'));
		FUZZ_CHECK(strcmp(allow, allow_again) == 0 && err.code == err_again.code);
	}
	req_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *input = fuzz_cstring(data, size);
	char *sep = strpbrk(input, " \n");
	if (sep) {
		*sep = '\0';
		check_match(input, sep + 1);
	} else {
		check_match("GET", input);
	}
	free(input);
	return 0;
}
