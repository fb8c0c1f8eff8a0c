/* Query-string validation shared by the list endpoints, and the page shape. */
#include "common.h"

#include "duration.h"
#include "err.h"
#include "handlers.h"
#include "model.h"
#include "rtime.h"

int query_check(const struct req *r, const char *const *allowed, struct err *err)
{
	int rc = 0;
	for (int i = 0; i < r->n_query; i++) {
		int known = 0;
		for (size_t k = 0; allowed[k]; k++)
			if (strcmp(allowed[k], r->query[i].name) == 0)
				known = 1;
		if (!known)
			rc = err_detail(err, r->query[i].name, 0, 0, "unknown query parameter");
	}
	return rc;
}

static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi || s[0] == '+' || s[0] == ' ')
		return -1;
	*out = v;
	return 0;
}

int query_paging(const struct req *r, int *limit, int64_t *after_id, struct err *err)
{
	const char *l = req_query(r, "limit"), *c = req_query(r, "cursor");
	long long v;
	*limit = 100;
	*after_id = 0;
	if (l) {
		if (parse_int(l, 1, 1000, &v) < 0)
			err_detail(err, "limit", 0, 0, "must be an integer from 1 to 1000");
		else
			*limit = (int)v;
	}
	if (c) {
		if (parse_int(c, 0, INT64_MAX, &v) < 0)
			err_detail(err, "cursor", 0, 0,
				   "is not a cursor this server returned (next_cursor)");
		else
			*after_id = v;
	}
	return err_is_set(err) ? -1 : 0;
}

int query_time(const struct req *r, const char *name, int64_t *t, struct err *err)
{
	const char *v = req_query(r, name);
	*t = RTIME_NONE;
	if (!v)
		return 0;
	struct err terr;
	err_init(&terr);
	if (rtime_parse(v, t, &terr) < 0)
		return err_detail(err, name, 0, 0, "%s", terr.message);
	return 0;
}

int query_time_or_date(const struct req *r, const char *name, int64_t *t, struct err *err)
{
	const char *v = req_query(r, name);
	*t = RTIME_NONE;
	if (!v)
		return 0;
	int is_date = strlen(v) == 10 && v[4] == '-' && v[7] == '-';
	for (size_t i = 0; is_date && i < 10; i++)
		if (i != 4 && i != 7 && (v[i] < '0' || v[i] > '9'))
			is_date = 0;
	char midnight[32];
	snprintf(midnight, sizeof(midnight), "%sT00:00:00Z", v);
	struct err terr;
	err_init(&terr);
	if (rtime_parse(is_date ? midnight : v, t, &terr) < 0) {
		*t = RTIME_NONE;
		return err_detail(err, name, 0, 0, "%s (RFC 3339, or a date YYYY-MM-DD)",
				  terr.message);
	}
	return 0;
}

int query_bool(const struct req *r, const char *name, int *value, struct err *err)
{
	const char *v = req_query(r, name);
	if (!v)
		return 0;
	if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
		*value = v[0] == 't';
		return 0;
	}
	return err_detail(err, name, 0, 0, "must be true or false, not \"%.64s\"", v);
}

int query_duration(const struct req *r, const char *name, int64_t *secs, struct err *err)
{
	const char *v = req_query(r, name);
	if (!v)
		return 0;
	int64_t d;
	struct err derr;
	err_init(&derr);
	if (duration_parse(v, &d, &derr) < 0)
		return err_detail(err, name, 0, 0, "%s", derr.message);
	if (d <= 0)
		return err_detail(err, name, 0, 0, "must be longer than 0s");
	*secs = d;
	return 0;
}

int query_int(const struct req *r, const char *name, long long lo, long long hi, long long *value,
	      struct err *err)
{
	const char *v = req_query(r, name);
	if (!v)
		return 0;
	if (parse_int(v, lo, hi, value) < 0)
		return err_detail(err, name, 0, 0, "must be an integer from %lld to %lld", lo, hi);
	return 0;
}

int query_enum(const struct req *r, const char *name, const struct model_names *names,
	       const char **value, struct err *err)
{
	const char *v = req_query(r, name);
	*value = NULL;
	if (!v)
		return 0;
	if (model_lookup(names, v) < 0)
		return err_detail(err, name, 0, 0, "unknown value \"%.64s\"; expected one of: %s",
				  v, names->list);
	*value = v;
	return 0;
}

void resp_page(struct resp *out, cJSON *items, int64_t next)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, "items", items);
	if (next > 0) {
		char buf[24];
		snprintf(buf, sizeof(buf), "%" PRId64, next);
		cJSON_AddStringToObject(root, "next_cursor", buf);
	} else {
		cJSON_AddNullToObject(root, "next_cursor");
	}
	resp_json(out, 200, root);
}
