/* Errors: a code, a message and per-field details. The first error set wins;
 * details accumulate so a validator can report every problem at once. */
#ifndef RATCHET_ERR_H
#define RATCHET_ERR_H

enum err_code {
	ERR_NONE = 0,
	ERR_INVALID,	       /* 400 invalid_input */
	ERR_UNAUTHORIZED,      /* 401 unauthorized */
	ERR_FORBIDDEN,	       /* 403 forbidden */
	ERR_NOT_FOUND,	       /* 404 not_found */
	ERR_METHOD,	       /* 405 method_not_allowed */
	ERR_CONFLICT,	       /* 409 conflict */
	ERR_TOO_LARGE,	       /* 413 too_large */
	ERR_HEADERS_TOO_LARGE, /* 431 headers_too_large */
	ERR_IDEMPOTENCY,       /* 422 idempotency_mismatch */
	ERR_UNAVAILABLE,       /* 503 unavailable */
	ERR_INTERNAL,	       /* 500 internal: always a bug */
};

#define ERR_MAX_DETAILS 64

struct err_detail {
	char field[96];
	int line;   /* 0 when not applicable */
	int column; /* 0 when not applicable */
	char message[256];
};

struct err {
	enum err_code code;
	char message[512];
	int n_details;
	struct err_detail details[ERR_MAX_DETAILS];
	char sqlstate[6];
};

void err_init(struct err *err);
/* Sets code and message unless an error is already set; always returns -1. */
int err_set(struct err *err, enum err_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Adds one detail (ignored past ERR_MAX_DETAILS); also sets ERR_INVALID with
 * message "invalid input" if no error is set yet. Returns -1. */
int err_detail(struct err *err, const char *field, int line, int column, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
int err_is_set(const struct err *err);
/* The stable code string of the JSON error body ("invalid_input", ...). */
const char *err_code_name(enum err_code code);
/* The HTTP status for a code. */
int err_http_status(enum err_code code);

#endif
