/* stderr logging with UTC timestamps and the current request's id. */
#include "common.h"

#include <sys/time.h>

#include "log.h"
#include "rtime.h"

static _Thread_local char request_id[24];

void log_set_request_id(const char *id)
{
	snprintf(request_id, sizeof(request_id), "%s", id ? id : "");
}

static void log_line(const char *level, const char *suffix, const char *fmt, va_list ap)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	char when[RTIME_BUFSZ];
	rtime_format((int64_t)tv.tv_sec * 1000000 + tv.tv_usec, when);
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "%s %s %s %s%s%s\n", when, level, request_id[0] ? request_id : "-", msg,
		suffix ? ": " : "", suffix ? suffix : "");
}

void log_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line("info", NULL, fmt, ap);
	va_end(ap);
}

void log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	log_line("warn", strerror(saved), fmt, ap);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line("warn", NULL, fmt, ap);
	va_end(ap);
}
