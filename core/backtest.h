/* The backtest of the IO register against outcomes (incidents, rollbacks, near misses): which
 * changes the register flagged, which of them were followed by an outcome within a horizon, and
 * how well the flag and each category separate the two. Pure: the caller loads the rows
 * (changes with their IOs, outcomes with their stored links); this computes the result, its
 * JSON (the stored and returned object of POST/GET /v1/backtests), a Markdown report and CSV.
 * Definitions: DESIGN.md "Statistics, precisely" (Backtest) and rules 8, 10 and 11; the
 * statistics are core/stats/table2x2.h, wilson.h and percentile.h. */
#ifndef RATCHET_BACKTEST_H
#define RATCHET_BACKTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "hash.h"
#include "model.h"
#include "stats/table2x2.h"
#include "stats/wilson.h"

struct err;

/* ---- Vocabulary -------------------------------------------------------------------------- */

/* An outcome's kind ("incident", "rollback", "near_miss"). */
enum backtest_kind {
	BACKTEST_INCIDENT,
	BACKTEST_ROLLBACK,
	BACKTEST_NEAR_MISS,
	BACKTEST_KIND_COUNT
};
/* How a stored link was made ("explicit", "revert", "regression", "follow_up", "window"). */
enum backtest_how {
	BACKTEST_EXPLICIT,
	BACKTEST_REVERT,
	BACKTEST_REGRESSION,
	BACKTEST_FOLLOW_UP,
	BACKTEST_WINDOW,
	BACKTEST_HOW_COUNT,
};
/* Which changes are counted: reviewed ones (no_io, has_io) or all ("reviewed", "all"). */
enum backtest_population { BACKTEST_POP_REVIEWED, BACKTEST_POP_ALL, BACKTEST_POP_COUNT };

extern const struct model_names backtest_kind_names;
extern const struct model_names backtest_how_names;
extern const struct model_names backtest_population_names;
/* "sev1".."sev4" at index 0..3 (severity 1..4). */
extern const struct model_names backtest_severity_names;

/* ---- Input rows (the caller owns them; the result borrows them) ----------------------------- */

/* An IO of a change. */
struct backtest_io {
	int64_t id;
	enum io_category category;
	enum io_status status; /* confirmed, or candidate (made by an import rule) */
	int64_t recorded_at;   /* when the label was made */
	bool retracted;	       /* retracted IOs are ignored (and counted) */
	/* The IO's stored flag: its change already had a linked outcome when it was labelled. */
	bool labelled_after_outcome;
};

/* A change with its IOs (every IO of the change, retracted and candidate ones too). */
struct backtest_change {
	int64_t id;
	const char *service;
	const char *key;
	enum impact impact;	  /* current (the latest amendment) */
	int64_t effective_at;	  /* current (the latest amendment); RTIME_NONE while planned */
	enum review_state review; /* current */
	const struct backtest_io *ios;
	size_t n_ios;
};

/* A stored link from an outcome to a change (rule 10: backtests read stored links only). */
struct backtest_link {
	int64_t change_id;
	enum backtest_how how;
	const char *rule;	  /* the rule that made it, or NULL (made by hand) */
	const char *rule_version; /* its version, or NULL */
};

/* An outcome: an incident record of kind incident, rollback or near_miss. */
struct backtest_outcome {
	int64_t id; /* the incident's id */
	enum backtest_kind kind;
	int severity; /* 1..4 (sev1 is the worst), or 0 when not recorded (null) */
	int64_t occurred_at;
	const char *title;
	const char *external_key; /* e.g. "#1234" or a pager id, or NULL */
	const struct backtest_link *links;
	size_t n_links;
};

/* Everything a backtest reads. The caller may pass more than the window needs (other services,
 * other times): the parameters select. Ids are unique (changes, IOs, outcomes) and below 2^53. */
struct backtest_input {
	const struct backtest_change *changes;
	size_t n_changes;
	const struct backtest_outcome *outcomes;
	size_t n_outcomes;
};

/* ---- Parameters --------------------------------------------------------------------------------
 */

#define BACKTEST_DEFAULT_HORIZON (30 * 86400) /* seconds */
#define BACKTEST_MAX_HORIZON (3650 * 86400)   /* seconds: ten years */

struct backtest_params {
	int64_t from, to; /* the window on effective_at, [from, to), microseconds */
	int64_t horizon;  /* seconds, 1 .. BACKTEST_MAX_HORIZON: an outcome counts against a
			     change when effective_at <= occurred_at < effective_at + horizon */
	/* The end of the data (exclusive), microseconds: IOs recorded and outcomes occurring at
	 * or after it are outside the data and ignored; a change whose horizon runs past it
	 * (effective_at + horizon > data_end) is censored: excluded and counted. */
	int64_t data_end;
	unsigned kinds;		 /* outcome kinds counted: bits (1u << enum backtest_kind) */
	unsigned impacts;	 /* impacts kept: bits (1u << enum impact) */
	const char *service;	 /* one service, or NULL for all; borrowed */
	bool include_candidates; /* candidate IOs expose too (default: confirmed only) */
	enum backtest_population population;
	/* follow_up links count as outcome links (default false: DESIGN says a follow_up is not
	 * an outcome unless stated). */
	bool follow_up_is_outcome;
};

/* Defaults: from, to and data_end RTIME_NONE (to be set), horizon 30d, every kind and impact,
 * all services, confirmed IOs only, reviewed population, follow_up not an outcome. */
void backtest_params_init(struct backtest_params *p);

/* Checks p (from < to, both and data_end set and in range, horizon in range, kinds and
 * impacts non-empty subsets, a valid service name or NULL, a known population). Returns 0,
 * or -1 with ERR_INVALID and a detail per problem. */
int backtest_params_check(const struct backtest_params *p, struct err *err);

/* Reads parameters from a request body (POST /v1/backtests), starting from the defaults:
 *   {"from": T, "to": T} or {"quarter": "2026Q3"}   the window (one form, not both)
 *   "horizon": "30d"                                 a duration (duration.h), default 30d
 *   "data_end": T                                    default now; not after now
 *   "outcomes": ["incident", ...] or "rollback"      default all three
 *   "impact": ["high", ...] or "high"                default all
 *   "service": "checkout"                            default all
 *   "include_candidates": bool, "population": "reviewed"|"all", "follow_up_is_outcome": bool
 * T is RFC 3339 with an offset. Unknown members are errors. backtest_params_to_json's output is
 * accepted unchanged, so a stored backtest can be re-run with its parameters. Strings borrow
 * from body. Returns 0, or -1 with ERR_INVALID and a detail per problem. */
int backtest_params_from_json(const cJSON *body, int64_t now, struct backtest_params *p,
			      struct err *err);

/* The parameters as JSON: from, to, horizon (canonical duration), data_end, outcomes and
 * impact (lists in enum order), service (null for all), include_candidates, population,
 * follow_up_is_outcome. The caller frees with cJSON_Delete. */
cJSON *backtest_params_to_json(const struct backtest_params *p);

/* ---- The result ---------------------------------------------------------------------------- */

/* Exposures: index 0 is any IO, 1 + c is category c (enum io_category). */
#define BACKTEST_ANY 0
#define BACKTEST_N_EXPOSURES (1 + IO_CAT_COUNT)

/* Figures of an exposure that may be null; reason[f] says why when it is. */
enum backtest_figure {
	BACKTEST_FIG_RISK_EXPOSED,
	BACKTEST_FIG_RISK_UNEXPOSED,
	BACKTEST_FIG_RISK_RATIO,
	BACKTEST_FIG_ODDS_RATIO,
	BACKTEST_FIG_FISHER_P,
	BACKTEST_FIG_HOLM_P,
	BACKTEST_FIG_MH_ODDS_RATIO,
	BACKTEST_FIG_PRECISION,
	BACKTEST_FIG_RECALL,
	BACKTEST_FIG_LEAD_TIME,
	BACKTEST_FIG_COUNT,
};
/* The JSON names of the figures ("risk_exposed", ..., "lead_time"). */
extern const struct model_names backtest_figure_names;

/* Lead times of one exposure, in seconds: for each (counted outcome, exposed change) pair,
 * occurred_at minus the change's earliest label (of the exposure) made before the outcome. */
struct backtest_lead {
	size_t n;
	double median; /* Hyndman-Fan type 7; NAN when n = 0 */
	double min, max;
};

/* One exposure's figures. The unit is the change: a = exposed changes with an outcome, b =
 * exposed without, c = unexposed with, d = unexposed without. */
struct backtest_exposure {
	const char *name; /* "any", a category name, or "any_with_labels_after_outcome" */
	/* Counts, risks (raw), risk and odds ratios with 95% intervals (Haldane-Anscombe +0.5 on
	 * every cell when one is 0), Fisher's exact two-sided p. The ratios and p are reported
	 * only when table.status is STATS_OK (no empty row or outcome column). */
	struct stats_table2x2 table;
	struct stats_table2x2_counts strata[IMPACT_COUNT]; /* the table per impact */
	struct stats_table2x2_mh mh; /* Mantel-Haenszel OR over the impact strata */
	double holm_p; /* Holm-adjusted p over the six categories with a p; NAN otherwise */
	struct stats_wilson precision; /* a / (a + b), Wilson 95% */
	struct stats_wilson recall;    /* a / (a + c), Wilson 95% */
	struct backtest_lead lead;
	size_t labels_before; /* IOs of the exposure on population changes made before the outcome
				 (or on changes without one) */
	size_t labels_after;  /* IOs made after their change's outcome (rule 11): not exposure */
	size_t changes_only_after; /* changes whose only labels came after the outcome */
	const char *reason[BACKTEST_FIG_COUNT]; /* static text, or NULL when the figure is there */
};

/* How the rows were counted. Changes: in_scope = effective in [from, to) with the service and
 * impact filters; of those, unreviewed ones leave first (unless population all), then censored
 * ones; the rest is the population. Links are those to population changes from outcomes that
 * occurred before data_end; each is counted, or ignored for one reason (checked in this
 * order): kind not selected, follow_up, outside the horizon. */
struct backtest_counts {
	size_t in_scope;
	size_t unreviewed;	    /* in scope and unreviewed */
	size_t unreviewed_excluded; /* = unreviewed with population reviewed, else 0 */
	size_t censored;	    /* excluded: horizon past data_end */
	size_t population;
	size_t population_unreviewed; /* unreviewed changes in the population (population all) */
	size_t changes_with_outcome;
	size_t outcomes; /* distinct outcomes counted against a population change */
	size_t outcomes_by_kind[BACKTEST_KIND_COUNT];
	size_t links_counted, links_other_kind, links_follow_up, links_outside_horizon;
	/* IOs of population changes recorded before data_end that expose nothing: */
	size_t ios_retracted, ios_candidates_excluded;
};

/* A change that an outcome was counted against, and the stored links that tie them. */
struct backtest_missed_change {
	const struct backtest_change *change;
	bool labelled_after; /* it has a label (of the exposure "any") made after the outcome */
	const struct backtest_link **links; /* owned array of borrowed links, by how then rule */
	size_t n_links;
};

/* An outcome counted against at least one change without an IO (of "any", made before the
 * outcome): the register missed it there. changes lists those unexposed changes by id. */
struct backtest_missed {
	const struct backtest_outcome *outcome;
	size_t exposed_changes; /* exposed changes it was also counted against */
	struct backtest_missed_change *changes;
	size_t n_changes;
};

struct backtest_result {
	struct backtest_params params; /* a copy (service borrowed from the caller's) */
	char input_hash[HASH_HEX_LEN + 1];
	struct backtest_counts counts;
	/* Missed outcomes by severity (sev1 first, none last), then occurred_at, then id. */
	struct backtest_missed *missed;
	size_t n_missed;
	struct backtest_exposure exposures[BACKTEST_N_EXPOSURES];
	/* "any" again, with labels made after the outcome counted as exposure: only to show what
	 * hindsight would add; never the headline. */
	struct backtest_exposure hindsight;
};

/* Runs the backtest of in under p. Definitions:
 * - population: changes effective in [from, to) (planned ones never are), of the service and
 *   impacts, reviewed (no_io, has_io) unless population all; minus those whose horizon runs past
 *   data_end (censored);
 * - outcome: a change has one when a stored link of a selected kind (follow_up only when
 *   follow_up_is_outcome) ties it to an outcome with effective_at <= occurred_at <
 *   effective_at + horizon;
 * - a label (IO) counts for an exposure when not retracted, recorded before data_end, confirmed
 *   (or a candidate with include_candidates) and of the category (any, for "any"). It is made
 *   after the outcome when its labelled_after_outcome flag is set or it was recorded at or after
 *   the change's earliest counted outcome; such labels do not expose (rule 11) and are counted
 *   apart;
 * - exposed: at least one label made before the outcome.
 * Every figure that cannot be computed is NAN with a reason (rule 8). The input hash is
 * backtest_input_hash's. The result borrows from in (strings, rows): keep in alive until
 * backtest_result_release. Errors (-1, ERR_INVALID): invalid parameters, an enum or severity out
 * of range, a duplicate change, IO or outcome id, a missing recorded_at or occurred_at, a string
 * that is not valid UTF-8. */
int backtest_run(const struct backtest_input *in, const struct backtest_params *p,
		 struct backtest_result *out, struct err *err);

/* Frees what backtest_run allocated in r (not the input). Accepts a zeroed r. */
void backtest_result_release(struct backtest_result *r);

/* SHA-256 (hex) of the canonical form (RFC 8785 JCS) of the rows the result depends on: the
 * changes in scope (id, service, key, impact, effective_at, review), the IOs of population
 * changes recorded before data_end (every field), and the outcomes that occurred before
 * data_end with a link to a population change (every field, and those links). Arrays are sorted
 * by id (links by change id, how, rule, version), so the order of the rows does not matter; any
 * change to a used row changes the hash. Returns 0, or -1 (ERR_INVALID: invalid parameters or
 * rows, as backtest_run). */
int backtest_input_hash(const struct backtest_input *in, const struct backtest_params *p,
			char out[HASH_HEX_LEN + 1], struct err *err);

/* ---- Output ------------------------------------------------------------------------------- */

/* The stored and returned object, in this member order:
 *   format ("ratchet-backtest/1"), parameters (backtest_params_to_json), input_hash,
 *   missed_outcomes [{id, kind, severity, occurred_at, title, external_key, exposed_changes,
 *     changes: [{id, service, key, impact, effective_at, labelled_after_outcome,
 *     links: [{how, rule, rule_version}]}]}],
 *   counts {changes_in_scope, unreviewed, unreviewed_excluded, censored_excluded, population,
 *     population_unreviewed, changes_with_outcome, outcomes, outcomes_by_kind {incident,
 *     rollback, near_miss}, links_counted, links_ignored {other_kind, follow_up,
 *     outside_horizon}, ios_retracted, ios_candidates_excluded, labels_before_outcome,
 *     labels_after_outcome},
 *   exposures [any, data, evaluation, alignment, deployment, supply_chain, optionality],
 *   hindsight (an exposure object, with a "note").
 * An exposure object is flat: exposure, exposed, unexposed, a, b, c, d, risk_exposed,
 * risk_unexposed, risk_ratio(+_lower, _upper, _log_se), odds_ratio(+_lower, _upper, _log_se),
 * haldane_corrected, fisher_p, holm_p, mh_odds_ratio(+_lower, _upper, _log_se), mh_strata_used,
 * mh_strata_empty, strata [{impact, a, b, c, d}], precision(+_lower, _upper), recall(+_lower,
 * _upper), lead_time_n, lead_time_median, lead_time_min, lead_time_max (seconds),
 * labels_before_outcome, labels_after_outcome, changes_labelled_only_after_outcome, and
 * null_reasons {figure: reason} naming every null figure (backtest_figure_names) and why.
 * Times are RFC 3339 UTC with microseconds. No clock, no id: the same rows and parameters give
 * the same bytes. The caller frees with cJSON_Delete. */
cJSON *backtest_to_json(const struct backtest_result *r);

/* A Markdown report of a backtest object (backtest_to_json's, as stored or fetched): a title at
 * heading_level (1 = "#"; the pilot report embeds it at 2), the parameters, the outcomes the
 * register missed first, the population, the headline table (any and each category), precision
 * and recall, MH odds ratios by impact, lead times, labels before and after the outcome, the
 * hindsight comparison, and every null figure with its reason. Text from records is escaped
 * for Markdown tables. Returns a heap string the caller frees, or NULL with ERR_INVALID when v
 * is not such an object. */
char *backtest_to_markdown(const cJSON *v, int heading_level, struct err *err);

/* CSV (RFC 4180, header row) of a backtest object's exposures, hindsight last: one row per
 * exposure with every flat figure (empty for null) and a final null_reasons column
 * ("figure: reason; ..."). Returns a heap string the caller frees, or NULL with ERR_INVALID. */
char *backtest_to_csv(const cJSON *v, struct err *err);

#endif
