/* The FIT pilot pack (DESIGN.md, "Import formats"): its two CSVs parsed and
 * validated, the category mapping, and the pack's own figures. Pure: the
 * caller supplies the texts. */
#ifndef RATCHET_FIT_PILOT_H
#define RATCHET_FIT_PILOT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "metrics.h"
#include "model.h"

struct err;

struct fit_change {
	char *change_id;      /* the pack's id: the change's key */
	int64_t effective_at; /* effective_ts_utc */
	int64_t closed_at;    /* closure_ts_utc; RTIME_NONE when empty (open) */
	int is_io;
	int category; /* enum io_category when is_io, else -1 */
	int bypass;
	char *notes; /* NULL when empty */
	size_t line;
};

struct fit_drill {
	char *drill_id;
	char *change_id; /* NULL when empty */
	int64_t performed_at;
	int64_t rto_target, rpo_target; /* seconds (from minutes) */
	int success;
	char *notes;
	size_t line;
};

/* Source category name → category (the --category-map YAML, or none). */
struct fit_category_map {
	char **from;
	int *to;
	size_t n;
};
/* Parses "source: category" pairs (a flat YAML mapping); errors as
 * file:line:column: message details. */
int fit_category_map_parse(const char *file, const char *text, size_t len,
			   struct fit_category_map *m, struct err *err);
void fit_category_map_release(struct fit_category_map *m);

struct fit_pack {
	struct fit_change *changes;
	size_t n_changes;
	struct fit_drill *drills;
	size_t n_drills;
};
/* Parses both CSVs (header names exact, columns in any order, extra columns
 * an error). Every problem is a detail "file:line: field: message"; unmapped
 * categories are reported once each, listed. Duplicate change_id or drill_id:
 * an error. Timestamps UTC ISO 8601 with offset or Z (a naive one is an error);
 * a plain date (YYYY-MM-DD) is midnight UTC for date_utc. Returns 0 or -1. */
int fit_pack_parse(const char *changes_file, const char *changes, size_t changes_len,
		   const char *drills_file, const char *drills, size_t drills_len,
		   const struct fit_category_map *map, struct fit_pack *p, struct err *err);
void fit_pack_release(struct fit_pack *p);

/* The pack's own figures, computed the pack's way. */
struct fit_figures {
	size_t n_changes, n_closed;
	double vl_median, vl_p90, vl_p99; /* seconds, type 7 over closed changes; NAN if none */
	size_t io_changes, io_bypassed;
	double gbr; /* io_bypassed / io_changes; NAN when none */
	size_t drills, drills_passed;
	double rdpr; /* NAN when no drills */
	size_t io_missing_closure;
};
void fit_pack_figures(const struct fit_pack *p, struct fit_figures *out);

/* ratchet's censored figures of a pack, as the import stores it: every change
 * gated by the fit-pilot closure gate (one required gate), closed at its
 * closure_ts (a closure before effective_ts counts as 0), impact high when
 * is_io; bypass=1 counted unless the closure came at or before effective_ts
 * (the gate had passed); drills restored within their targets (success=1) or
 * failed. The window runs from the earliest timestamp of the pack (effective,
 * closure or drill date) to asof INCLUSIVE: a change effective or a drill
 * performed exactly at asof is in, a closure after asof is open. */
struct fit_pack_metrics {
	struct metrics_window window; /* from = earliest timestamp, to = asof = asof */
	struct metrics_vl vl;	      /* tau = asof - from */
	struct metrics_rdpr rdpr;
	struct metrics_gbr gbr; /* per_io_change is the figure that matters */
};
/* asof RTIME_NONE: the latest timestamp in the pack. A pack with no timestamp
 * at all (no changes, no drills) gives empty figures with window 0..0. */
void fit_pack_metrics(const struct fit_pack *p, int64_t asof, struct fit_pack_metrics *out);

/* The "figures" object of the import response and of `ratchet metrics
 * --fit-pilot -o json`: {"pack": {"changes", "closed", "vl_median", "vl_p90",
 * "vl_p99", "io_changes", "io_bypassed", "gbr", "drills", "drills_passed",
 * "rdpr", "io_missing_closure"}, "ratchet": {"validation_lag": {...as
 * /v1/metrics, status null...}, "rdpr": {...without "list"...},
 * "gbr_per_io_change": {"value","numerator","denominator","reason"}, "asof"}}.
 * Seconds and fractions as numbers, null when undefined. Caller frees. */
cJSON *fit_figures_to_json(const struct fit_figures *f, const struct fit_pack_metrics *m);
/* Just the "pack" object of the above. Caller frees. */
cJSON *fit_figures_pack_to_json(const struct fit_figures *f);

#endif
