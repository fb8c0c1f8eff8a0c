/* Prometheus exposition: request counters and latency histograms per route in
 * fixed arrays of atomics (no locks on the request path), written out on
 * GET /metrics beside the governance gauges of metrics.c. */
#include "common.h"

#include <math.h>
#include <stdatomic.h>

#include "err.h"
#include "handlers.h"
#include "metrics_srv.h"
#include "prom.h"
#include "router.h"
#include "version.h"

/* Room for the route table plus "unmatched" (the last slot). Routes past it
 * would be counted as unmatched; the table is far smaller. */
#define PROM_ROUTES 128
#define PROM_UNMATCHED (PROM_ROUTES - 1)

static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "other"};
#define N_METHODS ARRAY_SIZE(methods)

/* The status codes ratchetd answers with; anything else is counted as "other". */
static const int codes[] = {200, 201, 400, 401, 403, 404, 405, 409, 413, 422, 431, 500, 503};
#define N_CODES (ARRAY_SIZE(codes) + 1)

/* Upper bounds in seconds, and the same in microseconds for counting. */
static const char *const bounds_text[] = {".001", ".0025", ".005", ".01", ".025", ".05",
					  ".1",	  ".25",   ".5",   "1",	  "2.5"};
static const int64_t bounds_usec[] = {1000,   2500,   5000,   10000,   25000,  50000,
				      100000, 250000, 500000, 1000000, 2500000};
#define N_BOUNDS ARRAY_SIZE(bounds_usec)

static atomic_uint_fast64_t requests[PROM_ROUTES][N_METHODS][N_CODES];
/* Per route: a count per bucket (not cumulative; +Inf last), the sum in us. */
static atomic_uint_fast64_t buckets[PROM_ROUTES][N_BOUNDS + 1];
static atomic_uint_fast64_t sum_usec[PROM_ROUTES];

static size_t route_slot(const struct route *route)
{
	if (!route)
		return PROM_UNMATCHED;
	size_t i = (size_t)(route - router_routes);
	return i < router_n_routes && i < PROM_UNMATCHED ? i : PROM_UNMATCHED;
}

static size_t method_slot(const char *method)
{
	for (size_t i = 0; i + 1 < N_METHODS; i++)
		if (method && strcmp(method, methods[i]) == 0)
			return i;
	return N_METHODS - 1;
}

static size_t code_slot(int status)
{
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
		if (codes[i] == status)
			return i;
	return N_CODES - 1;
}

void prom_request(const struct route *route, const char *method, int status, int64_t usec)
{
	size_t r = route_slot(route);
	atomic_fetch_add_explicit(&requests[r][method_slot(method)][code_slot(status)], 1,
				  memory_order_relaxed);
	size_t b = 0;
	while (b < N_BOUNDS && usec > bounds_usec[b])
		b++;
	atomic_fetch_add_explicit(&buckets[r][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sum_usec[r], (uint_fast64_t)(usec > 0 ? usec : 0),
				  memory_order_relaxed);
}

static const char *route_label(size_t r)
{
	return r == PROM_UNMATCHED ? "unmatched" : router_routes[r].pattern;
}

static void write_requests(struct buf *b)
{
	buf_printf(b, "# HELP ratchet_http_requests_total HTTP requests answered, by method, route "
		      "pattern and status code.\n"
		      "# TYPE ratchet_http_requests_total counter\n");
	for (size_t r = 0; r < PROM_ROUTES; r++) {
		if (r != PROM_UNMATCHED && r >= router_n_routes)
			continue;
		for (size_t m = 0; m < N_METHODS; m++)
			for (size_t c = 0; c < N_CODES; c++) {
				uint_fast64_t v = atomic_load_explicit(&requests[r][m][c],
								       memory_order_relaxed);
				if (!v)
					continue;
				char code[16];
				if (c < ARRAY_SIZE(codes))
					snprintf(code, sizeof(code), "%d", codes[c]);
				else
					snprintf(code, sizeof(code), "other");
				buf_printf(b,
					   "ratchet_http_requests_total{method=\"%s\",route=\"%s\","
					   "code=\"%s\"} %" PRIuFAST64 "\n",
					   methods[m], route_label(r), code, v);
			}
	}
}

static void write_durations(struct buf *b)
{
	buf_printf(b, "# HELP ratchet_http_request_duration_seconds Time from the request's "
		      "headers to its answer, by route pattern.\n"
		      "# TYPE ratchet_http_request_duration_seconds histogram\n");
	for (size_t r = 0; r < PROM_ROUTES; r++) {
		if (r != PROM_UNMATCHED && r >= router_n_routes)
			continue;
		uint_fast64_t counts[N_BOUNDS + 1], total = 0;
		for (size_t k = 0; k <= N_BOUNDS; k++) {
			counts[k] = atomic_load_explicit(&buckets[r][k], memory_order_relaxed);
			total += counts[k];
		}
		if (!total)
			continue;
		const char *label = route_label(r);
		uint_fast64_t cumulative = 0;
		for (size_t k = 0; k < N_BOUNDS; k++) {
			cumulative += counts[k];
			buf_printf(b,
				   "ratchet_http_request_duration_seconds_bucket{route=\"%s\","
				   "le=\"%s\"} %" PRIuFAST64 "\n",
				   label, bounds_text[k], cumulative);
		}
		uint_fast64_t us = atomic_load_explicit(&sum_usec[r], memory_order_relaxed);
		buf_printf(b,
			   "ratchet_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} "
			   "%" PRIuFAST64 "\n"
			   "ratchet_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
			   "ratchet_http_request_duration_seconds_count{route=\"%s\"} %" PRIuFAST64
			   "\n",
			   label, total, label, (double)us / 1e6, label, total);
	}
}

void prom_write_server(struct buf *b)
{
	write_requests(b);
	write_durations(b);
	buf_printf(b,
		   "# HELP ratchet_build_info The running ratchetd's version.\n"
		   "# TYPE ratchet_build_info gauge\n"
		   "ratchet_build_info{version=\"%s\"} 1\n",
		   RATCHET_VERSION);
}

/* ---- governance gauges -------------------------------------------------------- */

enum gauge_field {
	G_VL_MEDIAN,
	G_VL_OPEN,
	G_RDPR,
	G_GBR,
	G_TEMPO,
	G_LIVE,
	G_PLANNED,
};

static const struct {
	const char *name;
	const char *help;
} gauges[] = {
	{"ratchet_validation_lag_median_seconds",
	 "Kaplan-Meier median validation lag of gated changes effective in the default window."},
	{"ratchet_validation_lag_open",
	 "Gated changes effective in the default window whose evaluation is still open."},
	{"ratchet_rdpr_ratio", "Rollback drill pass rate over the default window."},
	{"ratchet_gbr_ratio", "Gate bypass rate of high-impact changes over the default window."},
	{"ratchet_tempo_ratio", "Tempo ratio tau_g / tau_u over the default window."},
	{"ratchet_live_unevaluated_changes",
	 "Time-average number of gated changes live and not yet evaluated (Little's L)."},
	{"ratchet_planned_changes", "Changes filed planned, not yet effective."},
};

/* A gauge's value for one service, or NAN (the series is left out). */
static double gauge_value(const struct metrics_service_figures *f, enum gauge_field g)
{
	switch (g) {
	case G_VL_MEDIAN:
		return f->vl_median;
	case G_VL_OPEN:
		return (double)f->vl_open;
	case G_RDPR:
		return f->rdpr;
	case G_GBR:
		return f->gbr;
	case G_TEMPO:
		return f->tempo_ratio;
	case G_LIVE:
		return f->little_l;
	case G_PLANNED:
		return (double)f->planned;
	}
	return NAN;
}

/* The shortest of %.15g, %.16g, %.17g that reads back as v. */
static void format_value(double v, char out[32])
{
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(out, 32, "%.*g", digits, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

static void write_gauges(struct buf *b, const struct metrics_service_figures *f, size_t n)
{
	for (size_t g = 0; g < ARRAY_SIZE(gauges); g++) {
		buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", gauges[g].name, gauges[g].help,
			   gauges[g].name);
		for (size_t i = 0; i < n; i++) {
			double v = gauge_value(&f[i], (enum gauge_field)g);
			char text[32];
			if (!isfinite(v))
				continue;
			format_value(v, text);
			buf_printf(b, "%s{service=\"%s\"} %s\n", gauges[g].name, f[i].service,
				   text);
		}
	}
	buf_printf(b, "# HELP ratchet_ios Confirmed IOs in the default window, dated by their "
		      "change's effective_at.\n# TYPE ratchet_ios gauge\n");
	for (size_t i = 0; i < n; i++)
		for (int c = 0; c < IO_CAT_COUNT; c++)
			buf_printf(b, "ratchet_ios{service=\"%s\",category=\"%s\"} %zu\n",
				   f[i].service, model_name(&io_category_names, c), f[i].ios[c]);
}

int h_metrics_prom(struct req *r, struct resp *out, struct err *err)
{
	static const char *const no_params[] = {NULL};
	struct strlist names = {0};
	struct metrics_service_figures *f = NULL;
	if (query_check(r, no_params, err) < 0 || metrics_by_service(r->now, &names, &f, err) < 0) {
		strlist_release(&names);
		return -1;
	}
	struct buf b;
	buf_init(&b, 0);
	write_gauges(&b, f, names.n);
	prom_write_server(&b);
	free(f);
	strlist_release(&names);
	out->status = 200;
	out->body = b.data;
	out->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return 0;
}
