/* Fuzzes query-string handling: req_decode on the raw bytes, then the input as
 * a query string split the way libmicrohttpd splits it ('&' between arguments,
 * the first '=' between name and value, '+' as a space) and decoded the way
 * http.c's collect_query decodes it (keep collect() below in step with it),
 * fed to the list endpoints' validators of server/query.c. No database. */
#include "common.h"

#include "core.h"
#include "err.h"
#include "fuzz.h"
#include "handlers.h"
#include "model.h"
#include "req.h"
#include "rtime.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	core_init();
	return 0;
}

/* Each "%XX" escape turns three bytes into one; a malformed escape is NULL. */
static void check_decode(const uint8_t *data, size_t size)
{
	char *decoded = req_decode((const char *)data, size);
	if (!decoded)
		return;
	size_t escapes = 0;
	int has_nul = 0;
	for (size_t i = 0; i < size; i++) {
		if (data[i] == '%')
			escapes++;
		if (data[i] == '\0')
			has_nul = 1;
	}
	FUZZ_CHECK(size >= 3 * escapes);
	if (!has_nul)
		FUZZ_CHECK(strlen(decoded) == size - 2 * escapes);
	free(decoded);
}

static void plus_to_space(char *s)
{
	for (; *s; s++)
		if (*s == '+')
			*s = ' ';
}

/* http.c's collect_query: a repeated name is noted in repeated_query, an
 * undecodable name or value, or one past REQ_MAX_QUERY, in bad_query. */
static void collect(struct req *r, const char *key, const char *value)
{
	char *name = req_decode(key, strlen(key));
	char *val = req_decode(value ? value : "", value ? strlen(value) : 0);
	int repeated = 0;
	for (int i = 0; name && i < r->n_query; i++)
		repeated |= strcmp(r->query[i].name, name) == 0;
	if (repeated && !r->repeated_query[0])
		snprintf(r->repeated_query, sizeof(r->repeated_query), "%s", name);
	if (!name || !val || repeated || r->n_query >= REQ_MAX_QUERY) {
		if (!repeated && !r->bad_query[0])
			snprintf(r->bad_query, sizeof(r->bad_query), "%s",
				 name ? name : "(undecodable name)");
		free(name);
		free(val);
		return;
	}
	r->query[r->n_query].name = name;
	r->query[r->n_query].value = val;
	r->n_query++;
}

/* libmicrohttpd's MHD_parse_arguments_ over args (modified in place). */
static void split_arguments(struct req *r, char *args)
{
	while (args && *args) {
		char *amper = strchr(args, '&');
		if (amper)
			*amper++ = '\0';
		char *equals = strchr(args, '=');
		if (equals) {
			*equals++ = '\0';
			plus_to_space(equals);
		}
		plus_to_space(args);
		collect(r, args, equals);
		args = amper;
	}
}

static void check_validators(const struct req *r)
{
	static const char *const allowed[] = {"limit",	"cursor", "since",   "until",
					      "impact", "state",  "service", NULL};
	struct err err;
	err_init(&err);
	query_check(r, allowed, &err);
	int limit = 0;
	int64_t after = -1;
	err_init(&err);
	if (query_paging(r, &limit, &after, &err) == 0)
		FUZZ_CHECK(limit >= 1 && limit <= 1000 && after >= 0);
	int64_t since = 0;
	err_init(&err);
	if (query_time(r, "since", &since, &err) == 0 && !req_query(r, "since"))
		FUZZ_CHECK(since == RTIME_NONE);
	const char *value = NULL;
	err_init(&err);
	if (query_enum(r, "impact", &impact_names, &value, &err) == 0 && value)
		FUZZ_CHECK(model_lookup(&impact_names, value) >= 0);
	err_init(&err);
	query_enum(r, "category", &io_category_names, &value, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_decode(data, size);
	char *args = fuzz_cstring(data, size);
	struct req r = {0};
	split_arguments(&r, args);
	FUZZ_CHECK(r.n_query >= 0 && r.n_query <= REQ_MAX_QUERY);
	/* Names are unique, so each finds its own value. */
	for (int i = 0; i < r.n_query; i++)
		FUZZ_CHECK(req_query(&r, r.query[i].name) == r.query[i].value);
	FUZZ_CHECK(memchr(r.bad_query, '\0', sizeof(r.bad_query)) != NULL);
	FUZZ_CHECK(memchr(r.repeated_query, '\0', sizeof(r.repeated_query)) != NULL);
	check_validators(&r);
	req_release(&r);
	free(args);
	return 0;
}
