/* Event matching (one-to-one within a tolerance, with precision, recall and F1) and
 * threshold-crossing times of a series. No packaged reference: the vectors come from a
 * brute-force maximum bipartite matching and an exact-rational crossing scan
 * (tests/vectors/gen_events.py). */
#ifndef RATCHET_STATS_EVENTS_H
#define RATCHET_STATS_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "stats/status.h"

struct stats_event_match {
	enum stats_status status; /* STATS_OK; STATS_INVALID_INPUT (tolerance negative, NaN or
				     infinite; a list not sorted ascending) */
	size_t n_reference;	  /* finite reference ("true") events used */
	size_t n_detected;	  /* finite detected events used */
	size_t n_missing;	  /* NaN / infinite event times skipped, both lists together */
	size_t matched;		  /* size of the matching (a maximum one-to-one matching) */
	enum stats_status precision_status; /* STATS_UNDEFINED when n_detected = 0 */
	enum stats_status recall_status;    /* STATS_UNDEFINED when n_reference = 0 */
	enum stats_status f1_status;	    /* STATS_UNDEFINED when both lists are empty */
	double precision;		    /* matched / n_detected, or NAN */
	double recall;			    /* matched / n_reference, or NAN */
	double f1; /* 2 matched / (n_reference + n_detected) (the harmonic mean of precision and
		      recall where both exist; 0 when one list is empty and the other is not) */
};

/* A pair of the matching: indexes into the caller's arrays (NaN positions included). */
struct stats_event_pair {
	size_t reference;
	size_t detected;
};

/* Matches reference[0..n_reference) with detected[0..n_detected) (each sorted ascending, ties
 * allowed; NaN/inf entries are skipped and counted) one-to-one, pairing events whose times
 * differ by at most tolerance (|d - r| <= tolerance, same units as the times), maximising the
 * number of pairs.
 *
 * Algorithm: two pointers over the sorted lists: if |d - r| <= tolerance pair them and advance
 * both; else advance the earlier one. This is optimal (not merely greedy): every reference
 * event's window [r - tol, r + tol] has the same width, so windows are ordered the same way by
 * start and by end; an event too early for the current window is too early for every later
 * one, and pairing the earliest compatible events is safe by an exchange argument (if r1 <= r2,
 * d1 <= d2, r1~d2 and r2~d1 are pairs, then r1~d1 and r2~d2 are too). The argument holds in
 * floating point because the rounded difference d - r is monotone in d and r. Greedy "nearest
 * pair first" is NOT optimal: r = {0, 1}, d = {0.9, 1.95}, tol 1 gives 1 pair, not 2.
 * Among maximum matchings the one returned is this scan's (not the minimum total distance).
 *
 * pairs may be NULL; otherwise it is caller-provided with room for min(n_reference,
 * n_detected) entries and receives out->matched pairs in ascending time order. O(n) time, no
 * allocation. Returns out->status. */
enum stats_status stats_events_match(const double *reference, size_t n_reference,
				     const double *detected, size_t n_detected, double tolerance,
				     struct stats_event_pair *pairs, struct stats_event_match *out);

enum stats_crossing_direction {
	STATS_CROSSING_UP = 1,	 /* from below the threshold to at-or-above it */
	STATS_CROSSING_DOWN = 2, /* from at-or-above the threshold to below it */
	STATS_CROSSING_BOTH = 3,
};

struct stats_crossing_options {
	double threshold;			 /* finite */
	enum stats_crossing_direction direction; /* which crossings to report */
	bool step;				 /* true: no interpolation, time = the time of the
						    first sample on the new side */
};

/* One crossing, between the finite samples p (before) and i (after). */
struct stats_crossing {
	double time;   /* interpolated crossing time (or t[i] when step) */
	size_t index;  /* i: the index (into the caller's arrays) of the first sample on the new
			  side: the step index */
	int direction; /* +1 up, -1 down */
};

struct stats_crossings {
	enum stats_status status; /* STATS_OK; STATS_TOO_FEW (fewer than 2 usable samples);
				     STATS_INVALID_INPUT (threshold not finite, unknown direction,
				     times not strictly increasing) */
	size_t n;		  /* usable samples */
	size_t n_missing;	  /* samples skipped: y (or its time) NaN or infinite */
	size_t n_crossings;	  /* crossings found (all of them, even past capacity) */
	size_t n_written;	  /* entries written: min(n_crossings, capacity) */
};

/* Threshold crossings of the series y[0..n) observed at times time[0..n) (strictly increasing
 * over the usable samples; time = NULL means time[i] = i). A sample is "above" when y >= threshold;
 * a crossing happens between consecutive usable samples p < i whose sides differ (NaN samples
 * are skipped: the scan bridges the gap). Its time is, unless opt->step,
 * t[p] + (threshold - y[p]) / (y[i] - y[p]) * (t[i] - t[p]), within (t[p], t[i]] for an up
 * crossing and [t[p], t[i]) for a down one (a few ulps of rounding). crossings is
 * caller-provided with room for capacity entries (n - 1 always suffices; may be NULL with
 * capacity 0 to count only). O(n), no allocation. Returns out->status. */
enum stats_status stats_crossings(const double *time, const double *y, size_t n,
				  const struct stats_crossing_options *opt,
				  struct stats_crossing *crossings, size_t capacity,
				  struct stats_crossings *out);

#endif
