/* GET /metrics in the Prometheus text format (0.0.4): the server's own request
 * counters and latency histograms, kept in atomics (several libmicrohttpd
 * threads count at once), and per-service governance gauges. */
#ifndef RATCHET_PROM_H
#define RATCHET_PROM_H

#include <stdint.h>

struct route;
struct buf;

/* Counts one answered request: route NULL for an unmatched one, duration in
 * microseconds. Lock-free; safe from any thread. */
void prom_request(const struct route *route, const char *method, int status, int64_t usec);

/* Appends the server's own families (requests, durations, build info) to b. */
void prom_write_server(struct buf *b);

#endif
