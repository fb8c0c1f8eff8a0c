/* /v1/ios and /v1/changes/{id}/ios: record, list, confirm and retract IOs. */
#include "common.h"

#include "err.h"
#include "handlers.h"
#include "json.h"
#include "rtime.h"

static int respond_io(int64_t id, int status, struct resp *out, struct err *err)
{
	struct io io;
	io_init(&io);
	if (store_io_get(id, &io, err) < 0)
		return -1;
	resp_json(out, status, io_to_json(&io));
	io_release(&io);
	return 0;
}

int h_ios_create(struct req *r, struct resp *out, struct err *err)
{
	struct io io;
	io_init(&io);
	int rc = -1;
	if (io_from_json(r->json, &io, err) < 0)
		goto out;
	if (store_change_resolve(r->params[0], &io.change_id, err) < 0)
		goto out;
	if (store_io_insert(&io, r->token.name, err) < 0)
		goto out;
	rc = respond_io(io.id, 201, out, err);
out:
	io_release(&io);
	return rc;
}

static const struct model_names io_list_status_names = {
	(const char *const[]){"confirmed", "candidate", "retracted"}, 3,
	"confirmed, candidate, retracted"};

static const char *const list_params[] = {"service", "category", "status", "change", "since",
					  "until",   "cursor",	 "limit",  NULL};

int h_ios_list(struct req *r, struct resp *out, struct err *err)
{
	struct io_filter f = {0};
	query_check(r, list_params, err);
	query_paging(r, &f.limit, &f.after_id, err);
	query_time(r, "since", &f.since, err);
	query_time(r, "until", &f.until, err);
	query_enum(r, "category", &io_category_names, &f.category, err);
	query_enum(r, "status", &io_list_status_names, &f.status, err);
	f.service = req_query(r, "service");
	if (err_is_set(err))
		return -1;
	const char *change = req_query(r, "change");
	if (change && store_change_resolve(change, &f.change_id, err) < 0)
		return -1;
	struct io *items;
	size_t n;
	int64_t next;
	if (store_io_list(&f, &items, &n, &next, err) < 0)
		return -1;
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON_AddItemToArray(arr, io_to_json(&items[i]));
		io_release(&items[i]);
	}
	free(items);
	resp_page(out, arr, next);
	return 0;
}

static int io_id_param(const struct req *r, int64_t *id, struct err *err)
{
	char *end = NULL;
	errno = 0;
	long long v = strtoll(r->params[0], &end, 10);
	if (errno || end == r->params[0] || *end || v <= 0)
		return err_set(err, ERR_NOT_FOUND, "no IO \"%s\"", r->params[0]);
	*id = v;
	return 0;
}

int h_ios_get(struct req *r, struct resp *out, struct err *err)
{
	int64_t id;
	if (io_id_param(r, &id, err) < 0)
		return -1;
	return respond_io(id, 200, out, err);
}

static const char *const no_fields[] = {NULL};

int h_ios_confirm(struct req *r, struct resp *out, struct err *err)
{
	int64_t id;
	if (json_check_fields(r->json, no_fields, err) < 0 || io_id_param(r, &id, err) < 0)
		return -1;
	struct io io;
	io_init(&io);
	int rc = store_io_get(id, &io, err);
	io_release(&io);
	if (rc < 0 || store_io_confirm(id, err) < 0)
		return -1;
	return respond_io(id, 200, out, err);
}

int h_ios_retract(struct req *r, struct resp *out, struct err *err)
{
	int64_t id;
	const char *reason;
	if (io_retract_from_json(r->json, &reason, err) < 0 || io_id_param(r, &id, err) < 0)
		return -1;
	struct io io;
	io_init(&io);
	int rc = store_io_get(id, &io, err);
	io_release(&io);
	if (rc < 0 || store_io_retract(id, r->token.name, reason, err) < 0)
		return -1;
	return respond_io(id, 200, out, err);
}
