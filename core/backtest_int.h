/* Internals shared by the backtest's files: the scope (which changes are in the population),
 * the counted outcome links, the exposure figures and the canonical input rows. */
#ifndef RATCHET_BACKTEST_INT_H
#define RATCHET_BACKTEST_INT_H

#include "backtest.h"

#define BT_USEC INT64_C(1000000)

/* The changes in scope and the population, each sorted by id. */
struct bt_scope {
	const struct backtest_change **scope;
	size_t n_scope;
	const struct backtest_change **pop;
	size_t n_pop;
	struct backtest_counts counts; /* in_scope .. population_unreviewed filled */
};

/* A counted link: outcome o tied to population change pop[change] by link. */
struct bt_pair {
	size_t change;
	const struct backtest_outcome *outcome;
	const struct backtest_link *link;
};

/* What the exposures are computed from. */
struct bt_state {
	const struct backtest_params *p;
	const struct bt_scope *s;
	int64_t *first_outcome; /* per population change: earliest counted outcome, or RTIME_NONE */
	/* Counted links sorted by outcome id, change id, how, rule, version. */
	struct bt_pair *pairs;
	size_t n_pairs;
};

/* Checks parameters and rows (see backtest_run). Returns 0 or -1 with err. */
int bt_validate(const struct backtest_input *in, const struct backtest_params *p, struct err *err);

/* Fills s from validated rows and parameters. Release with bt_scope_release. */
void bt_scope(const struct backtest_input *in, const struct backtest_params *p, struct bt_scope *s);
void bt_scope_release(struct bt_scope *s);

/* The index in s->pop of the change with this id, or -1. */
long bt_find(const struct bt_scope *s, int64_t id);

/* Whether an IO can expose at all under p: not retracted, recorded before data_end, and
 * confirmed (or a candidate with include_candidates). */
bool bt_io_counts(const struct backtest_params *p, const struct backtest_io *io);

/* Whether io, a counting label of a change whose earliest counted outcome is first_outcome,
 * was made after the outcome (rule 11). */
bool bt_io_after(const struct backtest_io *io, int64_t first_outcome);

/* Exposure e (BACKTEST_ANY or 1 + category; hindsight: labels after the outcome expose too):
 * its table, strata, MH, precision, recall, lead times, label counts and reasons (all but
 * holm_p, which needs every category). Per population change, exposed (when not NULL) gets
 * whether it is exposed, after (when not NULL) whether it has a label made after the outcome. */
void bt_exposure(const struct bt_state *st, int e, bool hindsight, struct backtest_exposure *out,
		 bool *exposed, bool *after);

/* Holm over the six category exposures' Fisher p (the "any" one gets a reason instead). */
void bt_holm(struct backtest_result *r);

/* The hash of the used rows (backtest_input_hash) for a computed scope: SHA-256 of their
 * canonical text, written straight into the digest (backtest_hash.c). */
int bt_hash(const struct backtest_input *in, const struct backtest_params *p,
	    const struct bt_scope *s, char out[HASH_HEX_LEN + 1], struct err *err);
/* The same canonical text whole (a heap string the caller frees), or NULL with ERR_INVALID when a
 * string is not valid UTF-8. */
char *bt_hash_text(const struct backtest_input *in, const struct backtest_params *p,
		   const struct bt_scope *s, struct err *err);
/* The same rows as a JSON tree (the caller deletes it): by definition the hash is SHA-256 of its
 * JCS form (jcs_canonicalize), which bt_hash_text must equal byte for byte. */
cJSON *bt_hash_rows_json(const struct backtest_input *in, const struct backtest_params *p,
			 const struct bt_scope *s);

/* A finite number, or null. */
void bt_json_number(cJSON *o, const char *name, double v);

#endif
