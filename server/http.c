/* libmicrohttpd adapter: request bodies into capped buffers, raw paths and
 * query strings, responses with JSON content type, one access-log line each. */
#include "common.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <pthread.h>
#include <sys/time.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "prom.h"
#include "router.h"

struct http_server {
	struct MHD_Daemon *daemon;
	const struct server_config *cfg;
	pthread_t reaper;
	int reaper_running;
	int stopping;
	pthread_mutex_t stop_mu;
	pthread_cond_t stop_cv;
	char *tls_cert; /* PEM text, or NULL */
	char *tls_key;
};

/* Reads a whole PEM file (at most 1 MiB). */
static char *read_pem(const char *path, struct err *err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		err_set(err, ERR_INVALID, "could not open \"%s\": %s", path, strerror(errno));
		return NULL;
	}
	struct buf b;
	buf_init(&b, 1 << 20);
	char chunk[4096];
	size_t n;
	int too_big = 0;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) < 0) {
			too_big = 1;
			break;
		}
	fclose(f);
	if (too_big || !b.data) {
		buf_release(&b);
		err_set(err, ERR_INVALID, "\"%s\" is empty or larger than 1 MiB", path);
		return NULL;
	}
	return b.data;
}

static void free_tls(struct http_server *s)
{
	free(s->tls_cert);
	free(s->tls_key);
	s->tls_cert = s->tls_key = NULL;
}

static int load_tls(struct http_server *s, const struct server_config *cfg, struct err *err)
{
	s->tls_cert = read_pem(cfg->tls_cert, err);
	if (s->tls_cert)
		s->tls_key = read_pem(cfg->tls_key, err);
	if (!s->tls_key) {
		free_tls(s);
		return -1;
	}
	return 0;
}

/* Every open connection, so a reaper can close those slow to send their
 * request: headers and body must arrive within --conn-timeout in total (a
 * client dribbling bytes never goes idle). A request being handled is never
 * cut, however long its handler runs. */
struct conn_track {
	int fd;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	int64_t phase_start; /* connected, or last answered */
	int handling;	     /* the request is in; its handler runs */
	int reaped;
	struct conn_track *prev, *next;
};

static pthread_mutex_t track_mu = PTHREAD_MUTEX_INITIALIZER;
static struct conn_track *track_head;

struct conn_state {
	struct buf body;
	int too_large;
	int answered;
	int64_t started;
};

static int64_t now_usec(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Keeps URLs raw: paths and query values are decoded by ratchet itself. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	(void)kind;
	struct req *r = cls;
	/* In a query string '+' is a space; %2B is a plus. */
	char *raw = xstrdup(value ? value : "");
	for (char *p = raw; *p; p++)
		if (*p == '+')
			*p = ' ';
	char *name = req_decode(key, strlen(key));
	char *val = req_decode(raw, strlen(raw));
	free(raw);
	int repeated = 0;
	for (int i = 0; name && i < r->n_query; i++)
		repeated |= strcmp(r->query[i].name, name) == 0;
	if (repeated && !r->repeated_query[0])
		snprintf(r->repeated_query, sizeof(r->repeated_query), "%s", name);
	if (!name || !val || repeated || r->n_query >= REQ_MAX_QUERY) {
		if (repeated) {
			free(name);
			free(val);
			return MHD_YES;
		}
		if (!r->bad_query[0])
			snprintf(r->bad_query, sizeof(r->bad_query), "%s",
				 name ? name : "(undecodable name)");
		free(name);
		free(val);
		return MHD_YES;
	}
	r->query[r->n_query].name = name;
	r->query[r->n_query].value = val;
	r->n_query++;
	return MHD_YES;
}

/* The size of the request's headers, to hold them to --max-header. */
static enum MHD_Result add_header_size(void *cls, enum MHD_ValueKind kind, const char *key,
				       const char *value)
{
	(void)kind;
	size_t *total = cls;
	*total += strlen(key) + (value ? strlen(value) : 0) + 4;
	return MHD_YES;
}

static enum MHD_Result count_idempotency_keys(void *cls, enum MHD_ValueKind kind, const char *key,
					      const char *value)
{
	(void)kind;
	(void)value;
	if (strcasecmp(key, "Idempotency-Key") == 0)
		(*(int *)cls)++;
	return MHD_YES;
}

static void send_resp(struct MHD_Connection *conn, struct resp *out, const char *request_id)
{
	const char *body = out->body ? out->body : "";
	struct MHD_Response *mr =
		MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(mr, "Content-Type",
				out->content_type ? out->content_type : "application/json");
	MHD_add_response_header(mr, "X-Request-Id", request_id);
	if (out->status == 405 && out->allow[0])
		MHD_add_response_header(mr, "Allow", out->allow);
	MHD_queue_response(conn, (unsigned int)out->status, mr);
	MHD_destroy_response(mr);
}

static void track_handling(struct MHD_Connection *conn, int handling);

static void handle(const struct http_server *s, struct MHD_Connection *conn, const char *url,
		   const char *method, struct conn_state *st)
{
	static _Atomic unsigned long counter;
	struct req r = {0};
	struct resp out = {0};
	r.method = method;
	r.path = url;
	r.config = s->cfg;
	r.now = now_usec();
	snprintf(r.request_id, sizeof(r.request_id), "%lx-%lx", (unsigned long)getpid(),
		 (unsigned long)++counter);
	log_set_request_id(r.request_id);
	r.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	r.idempotency_key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Idempotency-Key");
	r.content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	r.body = st->body.data ? st->body.data : "";
	r.body_len = st->body.len;
	r.body_too_large = st->too_large;
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_query, &r);
	size_t header_bytes = strlen(url) + strlen(method);
	for (int i = 0; i < r.n_query; i++)
		header_bytes += strlen(r.query[i].name) + strlen(r.query[i].value) + 2;
	MHD_get_connection_values(conn, MHD_HEADER_KIND, add_header_size, &header_bytes);
	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_idempotency_keys,
				  &r.idempotency_keys);
	r.headers_too_large = header_bytes > s->cfg->max_header;
	track_handling(conn, 1);
	router_dispatch(&r, &out);
	send_resp(conn, &out, r.request_id);
	track_handling(conn, 0);
	int64_t elapsed = now_usec() - st->started;
	prom_request(r.route, method, out.status, elapsed);
	log_info("%.16s %.200s %d %.1fms", method, url, out.status, (double)elapsed / 1000.0);
	log_set_request_id(NULL);
	resp_release(&out);
	req_release(&r);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	(void)cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		struct conn_track *t = xcalloc(1, sizeof(*t));
		const union MHD_ConnectionInfo *fd =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		t->fd = fd ? fd->connect_fd : -1;
		t->peer_len = sizeof(t->peer);
		if (t->fd < 0 || getpeername(t->fd, (struct sockaddr *)&t->peer, &t->peer_len) < 0)
			t->peer_len = 0;
		t->phase_start = now_usec();
		pthread_mutex_lock(&track_mu);
		t->next = track_head;
		if (track_head)
			track_head->prev = t;
		track_head = t;
		pthread_mutex_unlock(&track_mu);
		*socket_context = t;
		return;
	}
	struct conn_track *t = *socket_context;
	if (!t)
		return;
	pthread_mutex_lock(&track_mu);
	if (t->prev)
		t->prev->next = t->next;
	else
		track_head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&track_mu);
	free(t);
	*socket_context = NULL;
}

/* Marks a connection's request as being handled (the reaper leaves it
 * alone), or answered: the next request's time starts now. */
static void track_handling(struct MHD_Connection *conn, int handling)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_track *t = ci ? ci->socket_context : NULL;
	if (!t)
		return;
	pthread_mutex_lock(&track_mu);
	t->handling = handling;
	t->phase_start = now_usec();
	pthread_mutex_unlock(&track_mu);
}

/* Shuts down connections past their deadline, but never one whose request is
 * being handled; the peer check guards against a descriptor number that was
 * already closed and reused. */
static void reap_overdue(int64_t timeout)
{
	int64_t now = now_usec();
	pthread_mutex_lock(&track_mu);
	for (struct conn_track *t = track_head; t; t = t->next) {
		if (t->reaped || t->handling || t->fd < 0 || now - t->phase_start <= timeout ||
		    !t->peer_len)
			continue;
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		if (getpeername(t->fd, (struct sockaddr *)&peer, &len) == 0 && len == t->peer_len &&
		    memcmp(&peer, &t->peer, len) == 0) {
			shutdown(t->fd, SHUT_RDWR);
			log_warnx("closed a connection that sent no complete request within %.0fs",
				  (double)timeout / 1e6);
		}
		t->reaped = 1;
	}
	pthread_mutex_unlock(&track_mu);
}

static void *reaper_main(void *arg)
{
	struct http_server *s = arg;
	int64_t timeout = s->cfg->conn_timeout;
	int64_t tick = timeout / 4 < 1000000 ? timeout / 4 : 1000000;
	pthread_mutex_lock(&s->stop_mu);
	while (!s->stopping) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		int64_t ns = until.tv_nsec + (tick % 1000000) * 1000;
		until.tv_sec += (time_t)(tick / 1000000 + ns / 1000000000);
		until.tv_nsec = (long)(ns % 1000000000);
		pthread_cond_timedwait(&s->stop_cv, &s->stop_mu, &until);
		if (s->stopping)
			break;
		pthread_mutex_unlock(&s->stop_mu);
		reap_overdue(timeout);
		pthread_mutex_lock(&s->stop_mu);
	}
	pthread_mutex_unlock(&s->stop_mu);
	return NULL;
}

/* libmicrohttpd's own messages go to the log, one line each. */
static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_warnx("http: %s", msg);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	(void)version;
	const struct http_server *s = cls;
	struct conn_state *st = *con_cls;
	if (!st) {
		/* Import routes take bodies up to --max-import, the others --max-body. */
		size_t limit = router_body_limit(method, url, s->cfg);
		st = xcalloc(1, sizeof(*st));
		buf_init(&st->body, limit);
		st->started = now_usec();
		*con_cls = st;
		const char *cl =
			MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > limit) {
			st->too_large = 1;
			st->answered = 1;
			handle(s, conn, url, method, st);
		}
		return MHD_YES;
	}
	if (st->answered) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!st->too_large && buf_append(&st->body, upload, *upload_size) < 0) {
			st->too_large = 1;
			buf_release(&st->body);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	st->answered = 1;
	handle(s, conn, url, method, st);
	return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	struct conn_state *st = *con_cls;
	if (st) {
		buf_release(&st->body);
		free(st);
	}
	*con_cls = NULL;
}

/* Parses "host:port" or "[v6]:port" into a socket address. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, int *v6, struct err *err)
{
	char host[128];
	const char *colon = strrchr(listen, ':');
	if (!colon || colon == listen)
		return err_set(err, ERR_INVALID, "listen address \"%s\" is not host:port", listen);
	size_t hl = (size_t)(colon - listen);
	if (listen[0] == '[' && hl >= 2 && listen[hl - 1] == ']') {
		listen++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return err_set(err, ERR_INVALID, "listen address \"%s\" is too long", listen);
	memcpy(host, listen, hl);
	host[hl] = '\0';
	char *end = NULL;
	long port = strtol(colon + 1, &end, 10);
	if (!*(colon + 1) || *end || port < 0 || port > 65535)
		return err_set(err, ERR_INVALID, "listen port \"%s\" is not 0..65535", colon + 1);
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*v6 = 0;
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*v6 = 1;
	} else {
		return err_set(err, ERR_INVALID, "listen host \"%s\" is not an IP address", host);
	}
	return 0;
}

/* Writes the bound address to path atomically (temp file + rename). */
static int write_port_file(const char *path, int fd, struct err *err)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return err_set(err, ERR_INTERNAL, "getsockname: %s", strerror(errno));
	char host[INET6_ADDRSTRLEN], line[INET6_ADDRSTRLEN + 16];
	int port;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(line, sizeof(line), "[%s]:%d\n", host, port);
	} else {
		struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
		port = ntohs(in4->sin_port);
		snprintf(line, sizeof(line), "%s:%d\n", host, port);
	}
	log_info("listening on %.*s", (int)strcspn(line, "\n"), line);
	if (!path)
		return 0;
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int ok = f && fputs(line, f) >= 0;
	if (f && fclose(f) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) < 0) {
		err_set(err, ERR_INTERNAL, "could not write port file \"%s\": %s", path,
			strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

struct http_server *http_start(const struct server_config *cfg, struct err *err)
{
	struct sockaddr_storage ss;
	int v6 = 0;
	if (parse_listen(cfg->listen, &ss, &v6, err) < 0)
		return NULL;
	struct http_server *s = xcalloc(1, sizeof(*s));
	s->cfg = cfg;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	if (v6)
		flags |= MHD_USE_IPv6;
	if (cfg->tls_cert && load_tls(s, cfg, err) < 0) {
		free(s);
		return NULL;
	}
	if (s->tls_cert)
		flags |= MHD_USE_TLS;
	unsigned timeout_s = (unsigned)((cfg->conn_timeout + 999999) / 1000000);
	struct MHD_OptionItem opts[] = {
		{MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_logger, NULL},
		{MHD_OPTION_SOCK_ADDR, 0, &ss},
		{MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, NULL},
		{MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL},
		{MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, NULL},
		{MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)no_unescape, NULL},
		{MHD_OPTION_CONNECTION_TIMEOUT, timeout_s ? timeout_s : 1u, NULL},
		{MHD_OPTION_CONNECTION_LIMIT, cfg->max_conns, NULL},
		{MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)(cfg->max_header + 4096), NULL},
		/* the TLS pair last, cut off when serving plain HTTP */
		{MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key},
		{MHD_OPTION_END, 0, NULL},
	};
	if (!s->tls_cert)
		opts[ARRAY_SIZE(opts) - 3].option = MHD_OPTION_END;
	/* The port argument only names the port in MHD's own log lines (the socket
	 * address decides); pass the real one so "Failed to bind to port N" is right. */
	uint16_t port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
				 : ((struct sockaddr_in *)&ss)->sin_port);
	s->daemon = MHD_start_daemon(flags, port, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, opts,
				     MHD_OPTION_END);
	if (!s->daemon) {
		free_tls(s);
		free(s);
		err_set(err, ERR_UNAVAILABLE,
			"could not listen on %s: the address is in use or not on this machine%s "
			"(see "
			"the log line before)",
			cfg->listen,
			cfg->tls_cert ? ", or the certificate or key is unusable" : "");
		return NULL;
	}
	pthread_mutex_init(&s->stop_mu, NULL);
	pthread_cond_init(&s->stop_cv, NULL);
	if (pthread_create(&s->reaper, NULL, reaper_main, s) == 0)
		s->reaper_running = 1;
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_LISTEN_FD);
	if (!info || write_port_file(cfg->port_file, info->listen_fd, err) < 0) {
		http_stop(s);
		return NULL;
	}
	return s;
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	if (s->reaper_running) {
		pthread_mutex_lock(&s->stop_mu);
		s->stopping = 1;
		pthread_cond_signal(&s->stop_cv);
		pthread_mutex_unlock(&s->stop_mu);
		pthread_join(s->reaper, NULL);
	}
	MHD_stop_daemon(s->daemon);
	free_tls(s);
	free(s);
}
