/* Private to server/store_*.c: the per-thread libpq connection and result helpers. */
#ifndef RATCHET_STORE_INT_H
#define RATCHET_STORE_INT_H

#include <libpq-fe.h>

#include "store.h"

/* SQL fragment: a timestamptz column as integer microseconds since the epoch. */
#define US(col) "(extract(epoch from " col ") * 1000000)::bigint"

/* This thread's connection, connecting on first use; NULL with ERR_UNAVAILABLE. */
PGconn *store_conn(struct err *err);

/* Runs a parameterised statement (text parameters, NULL = SQL null). Returns
 * the result (caller PQclear()s) or NULL with err mapped from the SQLSTATE. */
PGresult *store_exec(const char *sql, int nparams, const char *const *params, struct err *err);

/* Maps a failed result's SQLSTATE to an error (23505 → conflict, 22/23 →
 * invalid, 08/57P → unavailable, else internal). Returns -1. */
int store_result_error(PGconn *conn, PGresult *res, struct err *err);

/* Field accessors: NULL → RTIME_NONE / NULL. */
int64_t store_get_i64(const PGresult *res, int row, int col);
int64_t store_get_time(const PGresult *res, int row, int col);
char *store_get_strdup(const PGresult *res, int row, int col); /* caller frees; NULL if null */

/* Formats a timestamp parameter; RTIME_NONE gives NULL. buf holds RTIME_BUFSZ. */
const char *store_time_param(int64_t usec, char *buf);
/* Formats an integer parameter into buf (24 bytes). */
const char *store_i64_param(int64_t v, char *buf);

#endif
