/* Error values shared by core, server and CLI, and their HTTP mapping. */
#include "common.h"
#include "err.h"

void err_init(struct err *err)
{
	memset(err, 0, sizeof(*err));
}

int err_set(struct err *err, enum err_code code, const char *fmt, ...)
{
	if (!err || err->code != ERR_NONE)
		return -1;
	err->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return -1;
}

int err_detail(struct err *err, const char *field, int line, int column, const char *fmt, ...)
{
	if (!err)
		return -1;
	int first = err->code == ERR_NONE;
	if (first)
		err->code = ERR_INVALID;
	if (err->n_details >= ERR_MAX_DETAILS)
		return -1;
	struct err_detail *d = &err->details[err->n_details++];
	snprintf(d->field, sizeof(d->field), "%s", field ? field : "");
	d->line = line;
	d->column = column;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->message, sizeof(d->message), fmt, ap);
	va_end(ap);
	if (first)
		snprintf(err->message, sizeof(err->message), "invalid input: %s: %s", d->field,
			 d->message);
	return -1;
}

int err_is_set(const struct err *err)
{
	return err->code != ERR_NONE;
}

static const struct {
	enum err_code code;
	const char *name;
	int status;
} err_table[] = {
	{ERR_NONE, "ok", 200},
	{ERR_INVALID, "invalid_input", 400},
	{ERR_UNAUTHORIZED, "unauthorized", 401},
	{ERR_FORBIDDEN, "forbidden", 403},
	{ERR_NOT_FOUND, "not_found", 404},
	{ERR_METHOD, "method_not_allowed", 405},
	{ERR_CONFLICT, "conflict", 409},
	{ERR_TOO_LARGE, "too_large", 413},
	{ERR_HEADERS_TOO_LARGE, "headers_too_large", 431},
	{ERR_IDEMPOTENCY, "idempotency_mismatch", 422},
	{ERR_UNAVAILABLE, "unavailable", 503},
	{ERR_INTERNAL, "internal", 500},
};

const char *err_code_name(enum err_code code)
{
	for (size_t i = 0; i < ARRAY_SIZE(err_table); i++)
		if (err_table[i].code == code)
			return err_table[i].name;
	return "internal";
}

int err_http_status(enum err_code code)
{
	for (size_t i = 0; i < ARRAY_SIZE(err_table); i++)
		if (err_table[i].code == code)
			return err_table[i].status;
	return 500;
}
