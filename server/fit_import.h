/* What a FIT pilot import writes, planned before anything is written: the
 * pack's new changes as store rows, the closures duplicates lack (recorded:
 * new information), and every other difference between a duplicate and what
 * is stored (a conflict: reported, not applied). Used by h_import.c. */
#ifndef RATCHET_FIT_IMPORT_H
#define RATCHET_FIT_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "fit_pilot.h"
#include "store.h"

struct fit_plan {
	struct store_fit_row *rows; /* the new changes, in pack order */
	size_t n_rows;
	int64_t *ids; /* per pack change: its stored id; 0 for a new one until inserted */
	int64_t *closure_ids, *closure_at; /* closures to record on stored changes */
	size_t n_closures;
	cJSON *duplicates; /* ["key", ...] */
	cJSON *closures;   /* ["key", ...]: the duplicates whose closure is recorded */
	cJSON *conflicts;  /* [{"key", "field", "stored", "pack"}, ...] */
	/* private: the rows' titles and IO descriptions */
	char **owned;
	size_t n_owned;
};

/* Plans the import of pack: stored[i] is the stored change with the key of the
 * pack's change i, or NULL. A new change's bypass expires max_expiry seconds
 * after it took effect. A duplicate whose pack row has a closure while no
 * result of the gate is stored gets it recorded; a differing effective_at,
 * is_io, IO category, bypass or closure is a conflict (field named as the
 * pack's column; stored and pack values as timestamps, 0/1 or names). The
 * JSON arrays are the plan's until taken (set to NULL); release with
 * fit_plan_release. */
void fit_plan_make(const struct fit_pack *pack, const struct store_fit_stored *const *stored,
		   int64_t max_expiry, struct fit_plan *p);
/* Sets the new changes' bypass expiry (the policy version's max_expiry). */
void fit_plan_set_expiry(struct fit_plan *p, int64_t max_expiry);
void fit_plan_release(struct fit_plan *p);

/* At most max bytes of s, cut at a UTF-8 character boundary. Caller frees. */
char *fit_capped(const char *s, size_t max);

#endif
