/* The register's governance metrics, computed from records the caller loads:
 * Validation Lag (censored), RDPR, GBR, tempo (tau_u, tau_g, their ratio and
 * Little's L), IO accumulation shape, threshold statuses and false stability.
 * Pure: no I/O. Times are microseconds since the epoch (rtime.h); every
 * duration in results is in seconds (double). A figure that cannot be computed
 * is NAN with a static reason; nothing is ever reported as 0 for lack of data.
 * Definitions: DESIGN.md ("Vocabulary", "Statistics, precisely"). */
#ifndef RATCHET_METRICS_H
#define RATCHET_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "gate.h"
#include "model.h"
#include "policy.h"
#include "stats/km.h"
#include "stats/poisson.h"
#include "stats/wilson.h"

struct err;

/* The absolute window [from, to); asof = min(to, now) is the censoring time. */
struct metrics_window {
	int64_t from, to, asof;
};

/* ---- Evaluation closure -------------------------------------------------- */

/* Whether a change is gated (it has at least one required post gate under the
 * policies that apply to it) and, if so, its evaluation closure at asof: the
 * moment every required post gate had first reached pass or fail (a bypass
 * does not close: bypasses are ignored here), or RTIME_NONE while any is open.
 * Records after asof are ignored. Implemented with gate_evaluate (no bypasses)
 * at each record time <= asof in ascending order. Returns 0, or -1 on err. */
int metrics_closure(const struct policy_version *policies, size_t n_policies,
		    const struct gate_subject *subject, const struct gate_records *records,
		    int64_t asof, int *gated, int64_t *closed_at, struct err *err);

/* ---- Per-change input ----------------------------------------------------- */

/* One effective change as the metrics see it (the server fills these from the
 * store and metrics_closure). Changes effective before the window may be given
 * (the server passes those still open at window.from): only L uses them. */
struct metric_change {
	int64_t id;
	int64_t effective_at; /* current (latest amendment) */
	enum impact impact;   /* current */
	int has_io;	      /* a confirmed, non-retracted IO */
	int gated;
	int64_t closed_at; /* RTIME_NONE: open at asof */
	/* GBR inputs, for every change (the metric picks the high-impact ones). */
	int n_required; /* required gates, pre and post */
	/* Required gates counted as bypassed: distinct gates with a counted bypass
	 * (gate_bypass_counted) used at any time, plus gates not clear in the
	 * shipped_while_blocked snapshot (a gate in both counts once). */
	int n_bypassed;
	int shipped_while_blocked;
	int64_t first_bypass_at; /* earliest counted bypass, or effective_at for a ship
				    while blocked; RTIME_NONE when n_bypassed = 0 */
};

/* Fills m for one effective change from its records, the way the metrics need
 * it: id, effective_at and impact from subject; gated and closed_at
 * (metrics_closure at asof); n_required (required gates, pre and post, of the
 * applicable policies; a policy that no longer parses adds none); n_bypassed:
 * the distinct required gates having a bypass with gate_bypass_counted (at any
 * time) or listed in the shipped_while_blocked snapshot (its "gates"[].id; the
 * snapshot as stored, or NULL when the change did not ship while blocked);
 * shipped_while_blocked; first_bypass_at (the earliest such bypass `at`, or
 * effective_at for a snapshot gate). m->has_io is left as the caller set it.
 * Returns 0, or -1 on err (a snapshot that is not JSON is ignored, not an
 * error: it still counts as a ship while blocked, with no gate). */
int metrics_change_fill(const struct policy_version *policies, size_t n_policies,
			const struct gate_subject *subject, const struct gate_records *records,
			const char *shipped_while_blocked, int64_t asof, struct metric_change *m,
			struct err *err);

/* ---- Validation Lag -------------------------------------------------------- */

struct metrics_vl {
	size_t n;			      /* gated changes effective in the window */
	size_t n_closed, n_open;	      /* n = n_closed + n_open */
	size_t n_ungated;		      /* effective in the window, no required post gate */
	size_t n_closed_before_effective;     /* counted with VL 0 */
	struct stats_km_quantile median, p90; /* seconds (KM, log-log intervals) */
	/* The restricted mean up to tau = the longest observed follow-up in the
	 * population (R's rmean = "common"; never past the data, at most asof -
	 * from), seconds. Undefined (NAN) when no evaluation closed: it would only
	 * restate the follow-up time; rmean_reason says so. */
	struct stats_km_rmean rmean;
	const char *rmean_reason; /* why rmean is NAN, or NULL */
	double closed_median;	  /* type 7 over closed only; NAN if none */
	double oldest_open_age;	  /* asof - effective_at, seconds; NAN if none */
	const char *reason;	  /* why the median is NAN (or no gated change), or NULL */
};
/* VL over changes[0..n) effective in [from, asof): closed → event at
 * max(0, closed_at - effective_at); open → censored at asof - effective_at. */
void metrics_vl(const struct metric_change *changes, size_t n, const struct metrics_window *w,
		struct metrics_vl *out);

/* ---- RDPR ------------------------------------------------------------------ */

struct metrics_rdpr {
	size_t n, n_passed;
	/* failed drills by reason (drill_passed): */
	size_t rto_missed, rpo_missed, aborted, failed, unmeasured;
	struct stats_wilson wilson; /* 95%; proportion NAN when n = 0 */
	const char *reason;	    /* "no drills in the window" when n = 0, else NULL */
};
/* RDPR over drills[0..n) performed in [from, asof). */
void metrics_rdpr(const struct drill *drills, size_t n, const struct metrics_window *w,
		  struct metrics_rdpr *out);

/* ---- GBR ------------------------------------------------------------------- */

struct metrics_gbr {
	/* high-impact changes effective in the window */
	size_t n_changes;
	size_t numerator, denominator; /* sum n_bypassed / sum n_required */
	size_t n_shipped_while_blocked;
	double value;	 /* NAN when denominator = 0 */
	double per_week; /* numerator / window weeks ((asof - from) / 7d) */
	/* The FIT pilot's definition, over changes with an IO (any impact): */
	size_t io_changes, io_changes_bypassed;
	double per_io_change; /* NAN when io_changes = 0 */
	const char *reason, *per_io_change_reason;
};
void metrics_gbr(const struct metric_change *changes, size_t n, const struct metrics_window *w,
		 struct metrics_gbr *out);

/* GBR per week: weeks of 7 days from window.from, the last one possibly partial
 * (ending at asof). A week's denominator is the required gates of high-impact
 * changes effective in it; its numerator the n_bypassed of high-impact changes
 * whose first_bypass_at falls in it. weeks is caller-provided with room for
 * ceil((asof - from) / 7d). Returns the count. */
struct metrics_gbr_week {
	int64_t start, end;
	size_t numerator, denominator;
	double value; /* NAN when denominator = 0 */
};
size_t metrics_gbr_weekly(const struct metric_change *changes, size_t n,
			  const struct metrics_window *w, struct metrics_gbr_week *weeks);

/* ---- Tempo ----------------------------------------------------------------- */

struct metrics_tempo {
	size_t n_effective;	    /* gated changes effective in the window */
	double tau_u, tau_u_median; /* seconds between consecutive effective_at of those;
				       NAN with fewer than 2 */
	size_t n_effective_all;	    /* all given changes effective in the window */
	double tau_u_all;	    /* the same over all of them, gated or not */
	double tau_g, tau_g_median; /* VL restricted mean and KM median */
	double tau_g_tau;	    /* the restricted mean's horizon (metrics_vl's rmean.tau) */
	const char *tau_g_reason;   /* why tau_g is NAN, or NULL */
	double ratio;		    /* tau_g / tau_u */
	/* (1 / (asof - from)) * integral over [from, asof) of the number of gated
	 * changes with effective_at <= t < closure (or open) that took effect at
	 * most one window (to - from) before from: changes older than that are
	 * not carried in, so the caller never has to load all history. */
	double little_l;
	double rel_diff;    /* |ratio - L| / max(ratio, L); NAN if either is */
	const char *reason; /* why ratio is NAN, or NULL */
};
void metrics_tempo(const struct metric_change *changes, size_t n, const struct metrics_window *w,
		   struct metrics_tempo *out);

/* A rolling tempo series. Its instants are the distinct effective_at of the
 * gated changes effective in [from, asof); the point at t is metrics_tempo
 * over the trailing span [t - span, t) with t as asof (tau_u's mean, tau_g's
 * restricted mean, their ratio, and L carrying in changes that took effect
 * at most one span before t - span). The changes are sorted once and each
 * point looks only at the changes of its two spans. */
struct metrics_tempo_point {
	int64_t at;
	double tau_u, tau_g, ratio, little_l;
};
/* At most this many points are reported. */
#define METRICS_SERIES_MAX 200
/* The series to show: every instant when there are at most
 * METRICS_SERIES_MAX, else METRICS_SERIES_MAX of them evenly sampled by rank
 * (instant round(j (K - 1) / (MAX - 1)) of K, j = 0..MAX-1: the first and the
 * last always in). points is caller-provided with room for
 * min(n, METRICS_SERIES_MAX). Returns the count. */
size_t metrics_tempo_series(const struct metric_change *changes, size_t n,
			    const struct metrics_window *w, int64_t span_usec,
			    struct metrics_tempo_point *points);
/* The points of the last `count` instants of the series, none left out (what
 * metrics_sustained judges). points has room for min(n, count). Returns the
 * number written (fewer when the series has fewer instants). */
size_t metrics_tempo_series_tail(const struct metric_change *changes, size_t n,
				 const struct metrics_window *w, int64_t span_usec, size_t count,
				 struct metrics_tempo_point *points);

/* ---- Thresholds ------------------------------------------------------------ */

enum metric_status { MSTATUS_NONE, MSTATUS_OK, MSTATUS_WARN, MSTATUS_BREACH };
extern const struct model_names metric_status_names; /* none ok warn breach */

/* At-most thresholds (VL, GBR, tempo ratio): breach when v > t, warn when
 * v >= 0.8 t, else ok. At-least (RDPR): breach when v < t, warn when the
 * failure share 1 - v >= 0.8 (1 - t), else ok. NAN value or no threshold:
 * MSTATUS_NONE. */
enum metric_status metrics_status_at_most(double v, int has_threshold, double t);
enum metric_status metrics_status_at_least(double v, int has_threshold, double t);

/* The tempo ratio is sustained when the last w points of the series all lie
 * above the threshold: 1 yes, 0 no, -1 undecided (fewer than w points or no
 * threshold; *reason says which). */
int metrics_sustained(const struct metrics_tempo_point *points, size_t n, size_t w,
		      int has_threshold, double threshold, const char **reason);

/* Thresholds from the active policies: with name NULL, each threshold is the
 * strictest any policy declares (lowest VL, GBR and tempo ratio; highest
 * RDPR) and the window the longest (30d when none), each naming its policy. */
struct metrics_thresholds {
	struct policy_thresholds t;
	const char *source[5]; /* policy name per field: window, vl, rdpr, gbr, tempo; or NULL */
};
void metrics_thresholds(const struct policy_version *policies, size_t n, const char *name,
			struct metrics_thresholds *out);

/* ---- IO accumulation --------------------------------------------------------- */

enum metrics_bucket { BUCKET_DAY, BUCKET_WEEK };

struct metrics_accumulation {
	enum metrics_bucket bucket;
	int64_t bucket_usec;
	size_t n_buckets; /* whole buckets from window.from to asof; a trailing partial
			     bucket is left out and its IOs counted in n_partial */
	size_t n_ios;	  /* IOs dated in [from, asof), the partial bucket's included */
	size_t n_partial; /* of those, in the trailing partial bucket (not fitted) */
	double *counts;	  /* n_buckets, owned */
	struct stats_accumulation fit;
	double rate_per_day, growth_per_day2, doubling_days; /* scaled from buckets */
	int overdispersed;				     /* fit.constant.dispersion > 1.5 */
};
/* Buckets IO dates dates[0..n) (in [from, asof)) and classifies the shape.
 * Returns 0, or -1 when the window holds no whole bucket or more than
 * METRICS_MAX_BUCKETS (err set). */
int metrics_accumulation(const int64_t *dates, size_t n, const struct metrics_window *w,
			 enum metrics_bucket bucket, struct metrics_accumulation *out,
			 struct err *err);
void metrics_accumulation_release(struct metrics_accumulation *a);

/* The most buckets an accumulation (and weeks a GBR weekly series) may hold. */
#define METRICS_MAX_BUCKETS 5000
/* Whether the window [from, asof) in whole buckets of this size stays within
 * METRICS_MAX_BUCKETS: 0, or -1 with err (ERR_INVALID, a detail on "bucket"
 * saying how to widen the bucket or shorten the window). */
int metrics_buckets_check(const struct metrics_window *w, enum metrics_bucket bucket,
			  struct err *err);

/* The seed's warning: shape accelerating or exponential while VL, RDPR and GBR
 * all have a status and none is breach. */
int metrics_false_stability(enum stats_shape shape, enum metric_status vl, enum metric_status rdpr,
			    enum metric_status gbr);

/* The default accumulation bucket: day when the window (to - from) is at most
 * 90 days, else week. */
enum metrics_bucket metrics_bucket_default(const struct metrics_window *w);
extern const struct model_names metrics_bucket_names; /* day week */

/* ---- The API objects (GET /v1/metrics, /v1/tempo, /v1/ios/accumulation) ------ */

/* One IO for accumulation: its date (its change's effective_at, or its
 * recorded_at for by=recorded) and category. RTIME_NONE as the date: an IO of a
 * planned change under by=effective, left out and counted as "planned". */
struct metrics_io {
	int64_t date;
	enum io_category category;
};

/* Everything one metrics response is computed from; the caller loads it.
 * changes: the effective changes of the service scope (one service or all) and
 * the io_only filter, of EVERY impact: the impact filter is applied here,
 * because GBR ignores it (GBR is defined on high-impact changes, and its
 * per_io_change on IO changes of any impact). Give those effective in
 * [from - max(to - from, 2 rolling), asof): L carries in changes that took
 * effect at most one window before from, a series point at t those from
 * t - 2 rolling (its span [t - rolling, t) and one span before); older ones
 * are ignored, so nothing older need be loaded. drills: the scope's
 * service's (all when none), at least those performed in the window. ios: the
 * IOs of changes in scope, impact filter applied by the caller (confirmed and
 * non-retracted, plus candidates when asked), dated as `by` says. */
struct metrics_input {
	struct metrics_window window;
	int window_default;  /* the window came from the thresholds' default */
	const char *service; /* NULL: all services */
	int impact;	     /* enum impact, or -1: all */
	int io_only;
	const struct metrics_thresholds *thresholds;
	const struct metric_change *changes;
	size_t n_changes;
	const struct drill *drills;
	size_t n_drills;
	const struct metrics_io *ios;
	size_t n_ios;
	int64_t rolling_usec;	    /* tempo series span; 0: 7 days */
	size_t sustain;		    /* points for "sustained"; 0: 10 */
	enum metrics_bucket bucket; /* /v1/ios/accumulation; the summary in /v1/metrics
				       always uses metrics_bucket_default */
	int by_recorded;	    /* /v1/ios/accumulation: "by": "recorded" */
};

/* The earliest effective_at the figures of a window look at (see struct
 * metrics_input): from - max(to - from, 2 rolling) (rolling 0: 7 days), not
 * before RTIME_MIN. A caller loads changes effective from there to asof. */
int64_t metrics_carry_from(const struct metrics_window *w, int64_t rolling_usec);

/* GET /v1/metrics: {"window", "scope", "data", "thresholds", "validation_lag",
 * "rdpr", "gbr", "tempo" (the /v1/tempo object without window, scope, data and
 * series), "accumulation" ({"shape", "ios", "rate_per_day", "bucket"} with
 * "reason" when the window holds no whole bucket), "false_stability",
 * "false_stability_reason"}. Caller frees with cJSON_Delete. */
cJSON *metrics_report_to_json(const struct metrics_input *in);

/* GET /v1/tempo: {"window", "scope", "data", "threshold", "tau_u", "tau_u_all",
 * "tau_g" ({"rmean", "median", "tau", "reason"}), "ratio", "little_l",
 * "rel_diff", "status", "reason", "sustained", "series" (metrics_tempo_series:
 * at most METRICS_SERIES_MAX points)}. Caller frees. */
cJSON *metrics_tempo_report_to_json(const struct metrics_input *in);

/* GET /v1/ios/accumulation with in->bucket and in->by_recorded: {"window",
 * "scope", "data" (first and last IO date in the window), "by", "bucket",
 * "bucket_seconds", "overall", "categories" (all six), "false_stability",
 * "false_stability_reason"}. Returns NULL with err set (ERR_INVALID, a detail
 * on "bucket") when the window holds no whole bucket. Caller frees. */
cJSON *metrics_accumulation_report_to_json(const struct metrics_input *in, struct err *err);

/* Pieces of the objects above, for other responses (the FIT pilot figures).
 * Each returns a new object the caller frees; NAN figures are null. */
/* {"n", "closed", "open", "ungated", "closed_before_effective", "median":
 * {"value","lower","upper"}, "p90": {...}, "rmean": {"value","std_err","tau","reason"},
 * "closed_median", "oldest_open_age", "status", "reason"} */
cJSON *metrics_vl_to_json(const struct metrics_vl *vl, enum metric_status status);
/* {"value", "lower", "upper", "passed", "drills", "reasons": {...}, "list":
 * [...] (the drills of drills[0..n) performed in [w->from, w->asof); no "list"
 * when drills is NULL), "status", "reason"} */
cJSON *metrics_rdpr_to_json(const struct metrics_rdpr *r, const struct drill *drills, size_t n,
			    const struct metrics_window *w, enum metric_status status);
/* {"value", "numerator", "denominator", "reason"}: GBR per IO change */
cJSON *metrics_gbr_per_io_to_json(const struct metrics_gbr *g);
/* "ok", "warn", "breach", or NULL for MSTATUS_NONE (JSON null) */
const char *metrics_status_name(enum metric_status s);

#endif
