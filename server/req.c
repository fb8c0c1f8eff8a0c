/* Request and response helpers shared by the router and handlers. */
#include "common.h"

#include "err.h"
#include "json.h"
#include "req.h"

const char *req_query(const struct req *r, const char *name)
{
	for (int i = 0; i < r->n_query; i++)
		if (strcmp(r->query[i].name, name) == 0)
			return r->query[i].value;
	return NULL;
}

void resp_json(struct resp *out, int status, cJSON *obj)
{
	free(out->body);
	out->status = status;
	out->body = json_print(obj);
	out->content_type = "application/json";
	cJSON_Delete(obj);
}

void resp_error(struct resp *out, const struct err *err)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *e = cJSON_AddObjectToObject(root, "error");
	cJSON_AddStringToObject(e, "code", err_code_name(err->code));
	cJSON_AddStringToObject(e, "message", err->message);
	cJSON *details = cJSON_AddArrayToObject(e, "details");
	for (int i = 0; i < err->n_details; i++) {
		const struct err_detail *d = &err->details[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "field", d->field);
		cJSON_AddNumberToObject(o, "line", d->line);
		cJSON_AddNumberToObject(o, "column", d->column);
		cJSON_AddStringToObject(o, "message", d->message);
		cJSON_AddItemToArray(details, o);
	}
	resp_json(out, err_http_status(err->code), root);
}

void req_release(struct req *r)
{
	for (int i = 0; i < r->n_params; i++)
		free(r->params[i]);
	for (int i = 0; i < r->n_query; i++) {
		free(r->query[i].name);
		free(r->query[i].value);
	}
	cJSON_Delete(r->json);
	r->json = NULL;
	r->n_params = 0;
	r->n_query = 0;
}

void resp_release(struct resp *out)
{
	free(out->body);
	out->body = NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *req_decode(const char *s, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			out[o++] = s[i];
			continue;
		}
		if (i + 2 >= len) {
			free(out);
			return NULL;
		}
		int a = hexval(s[i + 1]), b = hexval(s[i + 2]);
		if (a < 0 || b < 0 || (a == 0 && b == 0)) {
			free(out);
			return NULL;
		}
		out[o++] = (char)(a * 16 + b);
		i += 2;
	}
	out[o] = '\0';
	if (json_utf8_invalid_at(out, o) >= 0) {
		free(out);
		return NULL;
	}
	return out;
}
