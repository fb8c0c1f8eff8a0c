/* The CLI's HTTP client over one reused libcurl handle: request setup, capped
 * response bodies, retries with exponential backoff, and decoding of the API's
 * JSON error bodies into struct err. */
#include "common.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include "client.h"
#include "err.h"
#include "version.h"

/* Upper bound on one backoff sleep, so large --retries stay sane. */
#define CLIENT_MAX_BACKOFF_MS 60000L

struct sink {
	struct buf *body;
	bool too_large;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct sink *sink = userdata;
	size_t n = size * nmemb;
	if (buf_append(sink->body, data, n) < 0) {
		/* returning short makes libcurl stop with CURLE_WRITE_ERROR */
		sink->too_large = true;
		return 0;
	}
	return n;
}

static int read_urandom(unsigned char *out, size_t n)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, out + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	return got == n ? 0 : -1;
}

static int random_bytes(unsigned char *out, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom(out + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got == n)
		return 0;
	/* getrandom unavailable (old kernel, seccomp): fall back to the device */
	return read_urandom(out, n);
}

static int make_idempotency_key(char *out, size_t size, struct err *err)
{
	unsigned char raw[16];
	if (random_bytes(raw, sizeof(raw)) < 0)
		return err_set(err, ERR_INTERNAL,
			       "could not read random bytes for an idempotency key");
	for (size_t i = 0; i < sizeof(raw) && 2 * i + 2 < size; i++)
		snprintf(out + 2 * i, size - 2 * i, "%02x", raw[i]);
	return 0;
}

bool client_valid_idempotency_key(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > CLIENT_IDEMPOTENCY_KEY_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return true;
}

static struct curl_slist *add_header(struct curl_slist *list, const char *line)
{
	struct curl_slist *next = curl_slist_append(list, line);
	if (!next) {
		fprintf(stderr, "fatal: out of memory adding an HTTP header\n");
		abort();
	}
	return next;
}

/* The headers of one kind of request: GET (no key), DELETE (a key, no body)
 * or POST (a key and a JSON body). */
static struct curl_slist *build_headers(const char *token, const char *idempotency_key,
					bool json_body)
{
	struct curl_slist *list = add_header(NULL, "Accept: application/json");
	if (token) {
		char *line = xasprintf("Authorization: Bearer %s", token);
		list = add_header(list, line);
		free(line);
	}
	if (idempotency_key) {
		char *line = xasprintf("Idempotency-Key: %s", idempotency_key);
		list = add_header(list, line);
		free(line);
	}
	if (json_body) {
		list = add_header(list, "Content-Type: application/json");
		/* no "Expect: 100-continue" round trip for small JSON bodies */
		list = add_header(list, "Expect:");
	}
	return list;
}

static CURLcode set_common_options(struct client *c)
{
	CURL *h = c->curl;
	CURLcode rc = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)c->timeout_s);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_USERAGENT, "ratchet/" RATCHET_VERSION);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	/* libcurl's defaults, set anyway: nothing here may turn verification off */
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (rc == CURLE_OK && c->cacert)
		rc = curl_easy_setopt(h, CURLOPT_CAINFO, c->cacert);
#if LIBCURL_VERSION_NUM >= 0x075500
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	return rc;
}

static int client_setup(struct client *c, const struct client_opts *opts, struct err *err)
{
	c->curl = curl_easy_init();
	if (!c->curl)
		return err_set(err, ERR_INTERNAL, "could not start libcurl");
	if (opts->idempotency_key)
		snprintf(c->idempotency_key, sizeof(c->idempotency_key), "%s",
			 opts->idempotency_key);
	else if (make_idempotency_key(c->idempotency_key, sizeof(c->idempotency_key), err) < 0)
		return -1;
	c->get_hdrs = build_headers(opts->token, NULL, false);
	c->post_hdrs = build_headers(opts->token, c->idempotency_key, true);
	c->delete_hdrs = build_headers(opts->token, c->idempotency_key, false);
	CURLcode rc = set_common_options(c);
	if (rc != CURLE_OK)
		return err_set(err, ERR_INTERNAL, "could not configure libcurl: %s",
			       curl_easy_strerror(rc));
	return 0;
}

struct client *client_new(const struct client_opts *opts, struct err *err)
{
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (rc != CURLE_OK) {
		err_set(err, ERR_INTERNAL, "could not start libcurl: %s", curl_easy_strerror(rc));
		return NULL;
	}
	struct client *c = xcalloc(1, sizeof(*c));
	size_t n = strlen(opts->url);
	while (n > 0 && opts->url[n - 1] == '/')
		n--;
	c->base_url = xstrndup(opts->url, n);
	c->retries = opts->retries;
	c->retry_delay_ms = opts->retry_delay_ms;
	c->timeout_s = opts->timeout_s;
	c->cacert = opts->cacert ? xstrdup(opts->cacert) : NULL;
	c->token = opts->token ? xstrdup(opts->token) : NULL;
	if (client_setup(c, opts, err) < 0) {
		client_free(c);
		return NULL;
	}
	return c;
}

void client_free(struct client *c)
{
	if (!c)
		return;
	curl_slist_free_all(c->get_hdrs);
	curl_slist_free_all(c->post_hdrs);
	curl_slist_free_all(c->delete_hdrs);
	free(c->token);
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->base_url);
	free(c->cacert);
	free(c);
	curl_global_cleanup();
}

void client_resp_init(struct client_resp *r)
{
	r->status = 0;
	buf_init(&r->body, CLIENT_MAX_RESPONSE);
	r->json = NULL;
}

void client_resp_release(struct client_resp *r)
{
	buf_release(&r->body);
	cJSON_Delete(r->json);
	r->json = NULL;
	r->status = 0;
}

static void sleep_ms(long ms)
{
	struct timespec want = {ms / 1000, (ms % 1000) * 1000000L};
	struct timespec left;
	while (nanosleep(&want, &left) < 0 && errno == EINTR)
		want = left;
}

/* Connection-level failures worth another attempt; everything else is final. */
static bool is_connection_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		return true;
	default:
		return false;
	}
}

/* Sets the method, headers and body of the next transfer on the reused handle:
 * a POST (or, with method "PUT", a PUT) with json, else a GET or (is_delete)
 * a DELETE without a body. */
static CURLcode set_method(struct client *c, const char *json, bool is_delete, bool is_put)
{
	CURL *h = c->curl;
	struct curl_slist *hdrs = json ? c->post_hdrs : is_delete ? c->delete_hdrs : c->get_hdrs;
	CURLcode rc = curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	if (rc == CURLE_OK && json)
		rc = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(json));
	if (rc == CURLE_OK && json)
		rc = curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
	if (rc == CURLE_OK && !json)
		rc = curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	/* the handle is reused: a NULL custom method puts GET and POST back */
	const char *custom = is_put ? "PUT" : NULL;
	if (is_delete)
		custom = "DELETE";
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, custom);
	return rc;
}

static CURLcode perform_once(struct client *c, const char *url, const char *json, bool is_delete,
			     bool is_put, struct client_resp *resp, struct sink *sink)
{
	CURL *h = c->curl;
	buf_release(&resp->body);
	resp->status = 0;
	c->errbuf[0] = '\0';
	sink->too_large = false;
	CURLcode rc = curl_easy_setopt(h, CURLOPT_URL, url);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
	if (rc == CURLE_OK)
		rc = set_method(c, json, is_delete, is_put);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		rc = curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	return rc;
}

/* The error code whose HTTP status is status, for bodies that are not API errors. */
static enum err_code code_for_status(long status)
{
	for (int code = ERR_INVALID; code <= ERR_INTERNAL; code++)
		if (err_http_status((enum err_code)code) == status)
			return (enum err_code)code;
	return ERR_INTERNAL;
}

static enum err_code code_for_name(const char *name, long status)
{
	for (int code = ERR_INVALID; code <= ERR_INTERNAL; code++)
		if (name && strcmp(err_code_name((enum err_code)code), name) == 0)
			return (enum err_code)code;
	return code_for_status(status);
}

static int json_int(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!cJSON_IsNumber(v) || v->valuedouble < INT_MIN || v->valuedouble > INT_MAX)
		return 0;
	return (int)v->valuedouble;
}

static void add_details(const cJSON *details, struct err *err)
{
	const cJSON *d;
	cJSON_ArrayForEach(d, details)
	{
		const char *field =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "field"));
		const char *msg =
			cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "message"));
		err_detail(err, field ? field : "", json_int(d, "line"), json_int(d, "column"),
			   "%s", msg ? msg : "invalid");
	}
}

/* Decodes {"error":{"code","message","details"}}, or describes a bare status. */
static int api_error(const char *method, const char *path, struct client_resp *resp,
		     struct err *err)
{
	cJSON *root = cJSON_ParseWithLength(resp->body.data ? resp->body.data : "", resp->body.len);
	const cJSON *error = cJSON_GetObjectItemCaseSensitive(root, "error");
	const char *code = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(error, "code"));
	const char *msg = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(error, "message"));
	const cJSON *details = cJSON_GetObjectItemCaseSensitive(error, "details");
	/* The server folds its first detail into the message; the details follow anyway. */
	if (msg && cJSON_GetArraySize(details) > 0 && strncmp(msg, "invalid input: ", 15) == 0)
		err_set(err, code_for_name(code, resp->status), "invalid input");
	else if (msg)
		err_set(err, code_for_name(code, resp->status), "%s", msg);
	else
		err_set(err, code_for_status(resp->status), "server answered HTTP %ld to %s %s",
			resp->status, method, path);
	add_details(details, err);
	cJSON_Delete(root);
	return -1;
}

static int parse_success(const char *method, const char *path, struct client_resp *resp,
			 struct err *err)
{
	resp->json = cJSON_ParseWithLength(resp->body.data ? resp->body.data : "", resp->body.len);
	if (!cJSON_IsObject(resp->json) && !cJSON_IsArray(resp->json)) {
		cJSON_Delete(resp->json);
		resp->json = NULL;
		return err_set(err, ERR_INTERNAL, "server sent a reply to %s %s that is not JSON",
			       method, path);
	}
	return 0;
}

static long next_delay(long delay_ms)
{
	return delay_ms > CLIENT_MAX_BACKOFF_MS / 2 ? CLIENT_MAX_BACKOFF_MS : delay_ms * 2;
}

static int finish(struct client *c, const char *method, const char *path, CURLcode rc,
		  const struct sink *sink, struct client_resp *resp, struct err *err)
{
	if (sink->too_large)
		return err_set(err, ERR_TOO_LARGE, "reply to %s %s is larger than %u MiB", method,
			       path, CLIENT_MAX_RESPONSE / (1024u * 1024u));
	if (rc != CURLE_OK) {
		c->unreachable = true;
		bool untrusted = rc == CURLE_PEER_FAILED_VERIFICATION && !c->cacert;
		return err_set(err, ERR_UNAVAILABLE, "cannot reach %s: %s%s", c->base_url,
			       c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc),
			       untrusted ? " (a private CA? see --cacert)" : "");
	}
	if (resp->status < 200 || resp->status > 299)
		return api_error(method, path, resp, err);
	return parse_success(method, path, resp, err);
}

int client_request(struct client *c, const char *method, const char *path, const cJSON *body,
		   struct client_resp *resp, struct err *err)
{
	bool is_put = strcmp(method, "PUT") == 0;
	bool post = strcmp(method, "POST") == 0 || is_put; /* both send a JSON body */
	bool is_delete = strcmp(method, "DELETE") == 0;
	char *url = xasprintf("%s%s", c->base_url, path);
	char *printed = post && body ? cJSON_PrintUnformatted(body) : NULL;
	if (post && body && !printed)
		abort(); /* cJSON prints NULL only when out of memory */
	const char *json = post ? (printed ? printed : "{}") : NULL;
	c->unreachable = false;
	struct sink sink = {&resp->body, false};
	CURLcode rc;
	long delay = c->retry_delay_ms;
	for (long attempt = 0;; attempt++) {
		rc = perform_once(c, url, json, is_delete, is_put, resp, &sink);
		bool again = rc == CURLE_OK ? resp->status == 503 : is_connection_error(rc);
		if (!again || sink.too_large || attempt >= c->retries)
			break;
		/* the same Idempotency-Key goes out again: a retried write is not repeated */
		sleep_ms(delay);
		delay = next_delay(delay);
	}
	int ret = finish(c, method, path, rc, &sink, resp, err);
	cJSON_free(printed);
	free(url);
	return ret;
}

/* One attempt of a POST with a raw body and its own headers. */
static CURLcode perform_raw(struct client *c, const char *url, struct curl_slist *hdrs,
			    const char *data, size_t len, struct client_resp *resp,
			    struct sink *sink)
{
	CURL *h = c->curl;
	buf_release(&resp->body);
	resp->status = 0;
	c->errbuf[0] = '\0';
	sink->too_large = false;
	CURLcode rc = curl_easy_setopt(h, CURLOPT_URL, url);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_POSTFIELDS, data);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, (const char *)NULL);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		rc = curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	return rc;
}

int client_request_raw(struct client *c, const char *path, const char *content_type,
		       const char *data, size_t len, struct client_resp *resp, struct err *err)
{
	char *url = xasprintf("%s%s", c->base_url, path);
	struct curl_slist *hdrs = build_headers(c->token, c->idempotency_key, false);
	char *line = xasprintf("Content-Type: %s", content_type);
	hdrs = add_header(hdrs, line);
	free(line);
	c->unreachable = false;
	struct sink sink = {&resp->body, false};
	CURLcode rc;
	long delay = c->retry_delay_ms;
	for (long attempt = 0;; attempt++) {
		rc = perform_raw(c, url, hdrs, data ? data : "", len, resp, &sink);
		bool again = rc == CURLE_OK ? resp->status == 503 : is_connection_error(rc);
		if (!again || sink.too_large || attempt >= c->retries)
			break;
		sleep_ms(delay);
		delay = next_delay(delay);
	}
	int ret = finish(c, "POST", path, rc, &sink, resp, err);
	curl_slist_free_all(hdrs);
	free(url);
	return ret;
}

static bool is_unreserved(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

char *client_escape(const char *s, bool keep_colon)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf b;
	buf_init(&b, 0);
	buf_append(&b, "", 0);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (is_unreserved(*p) || (keep_colon && *p == ':')) {
			buf_append(&b, p, 1);
		} else {
			char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			buf_append(&b, enc, sizeof(enc));
		}
	}
	return b.data;
}

void client_query_add(struct buf *path, const char *name, const char *value)
{
	if (!value)
		return;
	char *enc = client_escape(value, false);
	bool has_query = path->data && strchr(path->data, '?');
	buf_printf(path, "%c%s=%s", has_query ? '&' : '?', name, enc);
	free(enc);
}
