/* One libpq connection per worker thread, statement execution and SQLSTATE
 * mapping, and the small transaction and health helpers. */
#include "common.h"

#include <pthread.h>

#include "err.h"
#include "log.h"
#include "rtime.h"
#include "store_int.h"

static char *store_conninfo;
static pthread_key_t conn_key;
static pthread_once_t conn_once = PTHREAD_ONCE_INIT;

static void conn_destroy(void *p)
{
	PQfinish(p);
}

static void conn_key_init(void)
{
	pthread_key_create(&conn_key, conn_destroy);
}

void store_configure(const char *conninfo)
{
	free(store_conninfo);
	store_conninfo = xstrdup(conninfo);
	pthread_once(&conn_once, conn_key_init);
}

void store_disconnect(void)
{
	pthread_once(&conn_once, conn_key_init);
	PGconn *conn = pthread_getspecific(conn_key);
	if (conn) {
		PQfinish(conn);
		pthread_setspecific(conn_key, NULL);
	}
}

PGconn *store_conn(struct err *err)
{
	pthread_once(&conn_once, conn_key_init);
	PGconn *conn = pthread_getspecific(conn_key);
	if (conn && PQstatus(conn) == CONNECTION_OK)
		return conn;
	if (conn) {
		PQfinish(conn);
		pthread_setspecific(conn_key, NULL);
	}
	conn = PQconnectdb(store_conninfo ? store_conninfo : "dbname=ratchet");
	if (PQstatus(conn) != CONNECTION_OK) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s", PQerrorMessage(conn));
		msg[strcspn(msg, "\n")] = '\0';
		PQfinish(conn);
		log_warnx("database unavailable: %s", msg); /* details stay in the log */
		err_set(err, ERR_UNAVAILABLE, "database unavailable");
		return NULL;
	}
	PGresult *res = PQexec(conn, "SET TIME ZONE 'UTC'");
	PQclear(res);
	pthread_setspecific(conn_key, conn);
	return conn;
}

int store_result_error(PGconn *conn, PGresult *res, struct err *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (!primary)
		primary = PQerrorMessage(conn);
	if (err)
		snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state ? state : "");
	char text[256];
	snprintf(text, sizeof(text), "%s", primary);
	for (char *p = text; *p; p++)
		if (*p == '\n' || *p == '\t' || *p == '\r')
			*p = ' ';
	text[strcspn(text, "\0")] = '\0';
	primary = text;
	if (!state || PQstatus(conn) != CONNECTION_OK || strncmp(state, "08", 2) == 0 ||
	    strncmp(state, "57P", 3) == 0) {
		log_warnx("database unavailable: %s", primary);
		return err_set(err, ERR_UNAVAILABLE, "database unavailable");
	}
	if (strcmp(state, "23505") == 0)
		return err_set(err, ERR_CONFLICT, "already exists");
	if (strncmp(state, "22", 2) == 0 || strncmp(state, "23", 2) == 0)
		return err_set(err, ERR_INVALID, "refused by the database: %s", primary);
	log_warnx("sql error %s: %s", state, primary);
	return err_set(err, ERR_INTERNAL, "database error %s", state);
}

PGresult *store_exec(const char *sql, int nparams, const char *const *params, struct err *err)
{
	PGconn *conn = store_conn(err);
	if (!conn)
		return NULL;
	int idle = PQtransactionStatus(conn) == PQTRANS_IDLE;
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	/* A connection found dead (the database restarted since its last use) is
	 * replaced and the statement run once more, unless a transaction was open
	 * on it: then the whole write fails and the client retries it. */
	if (idle && PQstatus(conn) != CONNECTION_OK) {
		PQclear(res);
		conn = store_conn(err);
		if (!conn)
			return NULL;
		res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
		st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
			return res;
	}
	store_result_error(conn, res, err);
	PQclear(res);
	return NULL;
}

static int exec_simple(const char *sql, struct err *err)
{
	PGresult *res = store_exec(sql, 0, NULL, err);
	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

int store_begin(struct err *err)
{
	return exec_simple("BEGIN", err);
}

int store_commit(struct err *err)
{
	return exec_simple("COMMIT", err);
}

void store_rollback(void)
{
	struct err ignored;
	err_init(&ignored);
	PGconn *conn = store_conn(&ignored);
	if (conn && PQtransactionStatus(conn) != PQTRANS_IDLE) {
		PGresult *res = PQexec(conn, "ROLLBACK");
		PQclear(res);
	}
}

int store_ping(struct err *err)
{
	return exec_simple("SELECT 1", err);
}

int64_t store_get_i64(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return RTIME_NONE;
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

int64_t store_get_time(const PGresult *res, int row, int col)
{
	return store_get_i64(res, row, col);
}

char *store_get_strdup(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	return xstrdup(PQgetvalue(res, row, col));
}

const char *store_time_param(int64_t usec, char *buf)
{
	if (usec == RTIME_NONE)
		return NULL;
	return rtime_format(usec, buf);
}

const char *store_i64_param(int64_t v, char *buf)
{
	snprintf(buf, 24, "%" PRId64, v);
	return buf;
}
