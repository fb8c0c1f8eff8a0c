/* The audit log's server side: recording each write in its transaction, and
 * the sealer thread that chains committed entries. */
#ifndef RATCHET_AUDIT_SRV_H
#define RATCHET_AUDIT_SRV_H

#include <stdint.h>

struct err;
struct req;
struct resp;
struct route;

/* Records the write that rt just made (its response body is the payload), in
 * the current transaction. */
int audit_record(const struct req *r, const struct route *rt, const struct resp *out,
		 struct err *err);

/* Starts the sealer thread: every interval_usec it seals committed entries if
 * this process holds the sealer lock. interval_usec 0 starts nothing. */
int audit_sealer_start(int64_t interval_usec, struct err *err);
void audit_sealer_stop(void);

#endif
