/* One line per event to stderr: UTC time, level, request id, message.
 * log_warn appends strerror(errno); log_warnx does not. */
#ifndef RATCHET_LOG_H
#define RATCHET_LOG_H

void log_set_request_id(const char *id);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
