/* 2x2 tables of exposure by outcome: risks, relative risk and odds ratio with 95% Wald
 * intervals on the log scale (Haldane–Anscombe correction when a cell is zero), Fisher's exact
 * two-sided p-value, Holm's step-down adjustment of a family of p-values, and the
 * Mantel–Haenszel odds ratio over strata with the Robins–Breslow–Greenland interval.
 * References: statsmodels 0.13 (Table2x2, multipletests(method='holm'), StratifiedTable) and
 * SciPy 1.10 (stats.fisher_exact). */
#ifndef RATCHET_STATS_TABLE2X2_H
#define RATCHET_STATS_TABLE2X2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats/status.h"

/* Largest total a + b + c + d that Fisher's test accepts (2^40, about 1.1e12). */
#define STATS_TABLE2X2_FISHER_MAX_TOTAL ((uint64_t)1 << 40)

/* A table in the usual epidemiological layout:
 *                 outcome   no outcome
 *   exposed          a          b
 *   unexposed        c          d          */
struct stats_table2x2_counts {
	uint64_t a, b, c, d;
};

/* Counting subjects into a table. */
struct stats_table2x2_tab {
	enum stats_status status; /* STATS_OK; STATS_TOO_FEW (no complete subject: the counts are
				     all 0); STATS_INVALID_INPUT (a flag other than 0, 1 or NaN) */
	size_t n;		  /* subjects counted */
	size_t n_missing;	  /* subjects skipped: exposed[i] or outcome[i] NaN */
	struct stats_table2x2_counts counts;
};

/* Tabulates subjects i with exposed[i], outcome[i] in {0, 1} (1 = exposed / had the outcome);
 * NaN in either skips the subject (counted in out->n_missing). O(n). Returns out->status. */
enum stats_status stats_table2x2_tabulate(const double *exposed, const double *outcome, size_t n,
					  struct stats_table2x2_tab *out);

/* A proportion (risk). */
struct stats_table2x2_risk {
	enum stats_status status; /* STATS_OK, or STATS_TOO_FEW when the group is empty */
	double estimate;	  /* outcomes / group size, from the raw counts (never corrected) */
};

/* A ratio with its 95% Wald interval on the log scale. */
struct stats_table2x2_ratio {
	enum stats_status status; /* STATS_OK; STATS_TOO_FEW when a group (row) is empty;
				     STATS_UNDEFINED when an outcome column is empty (no one, or
				     everyone, had the outcome: the ratio is 0/0 or inf/inf and the
				     correction would make one up from the group sizes alone) */
	double estimate;
	double log_se;	     /* standard error of the log of the estimate */
	double lower, upper; /* exp(log estimate -+ z log_se), z = qnorm(0.975) */
};

/* Fisher's exact test. */
struct stats_table2x2_fisher {
	enum stats_status status; /* STATS_OK, or STATS_INVALID_INPUT when the total exceeds
				     STATS_TABLE2X2_FISHER_MAX_TOTAL */
	double p_value;		  /* two-sided, SciPy's definition; 1 when a margin is 0 */
};

struct stats_table2x2 {
	/* STATS_OK when every part below is; otherwise the status of the ratios (a group or an
	 * outcome column empty), or STATS_INVALID_INPUT (a count above 2^53, or the total past
	 * Fisher's limit). */
	enum stats_status status;
	struct stats_table2x2_counts counts;
	bool corrected; /* true when a cell is 0: 0.5 was added to every cell for the ratios */
	struct stats_table2x2_risk risk_exposed;   /* a / (a + b) */
	struct stats_table2x2_risk risk_unexposed; /* c / (c + d) */
	/* (a / (a + b)) / (c / (c + d)), log_se = sqrt(1/a - 1/(a + b) + 1/c - 1/(c + d))
	 * (statsmodels Table2x2.riskratio, log_riskratio_se, riskratio_confint), on the corrected
	 * cells. */
	struct stats_table2x2_ratio risk_ratio;
	/* a d / (b c), log_se = sqrt(1/a + 1/b + 1/c + 1/d) (statsmodels Table2x2.oddsratio,
	 * log_oddsratio_se, oddsratio_confint), on the corrected cells. */
	struct stats_table2x2_ratio odds_ratio;
	struct stats_table2x2_fisher fisher;
};

/* Everything about one table. The Haldane–Anscombe correction adds 0.5 to all four cells when
 * any cell is 0 (statsmodels' own shift_zeros replaces only the zero cells by 0.5: not used;
 * see docs/stats-survival-tables.md). Risks and ratios agree with statsmodels to ~1e-14 relative;
 * the p-value is stats_table2x2_fisher's.
 * Numbers whose status is not STATS_OK are NAN. Returns out->status. */
enum stats_status stats_table2x2(const struct stats_table2x2_counts *t, struct stats_table2x2 *out);

/* Fisher's exact two-sided p-value as scipy.stats.fisher_exact (SciPy 1.10): with X the
 * hypergeometric count in cell a given the margins, the mode m = floor((K + 1)(n1 + 1) / (N + 2))
 * (n1 = a + b, K = a + c, N the total): p = 1 when P(X = a) is within 1e-14 relative of
 * P(X = m); for a < m, p = P(X <= a) + sum of P(X = x) over x > m with P(X = x) <
 * P(X = a)(1 + 1e-14); for a > m, P(X >= a) + sum over x < m with P(X = x) <= P(X = a)(1 + 1e-14).
 * p = 1 when a row or column total is 0. Probabilities are built from the mode outwards by the
 * exact ratio P(x + 1) / P(x) in long double (no lgamma cancellation), terms below 1e-20 of the
 * observed one dropped: within 1e-13 relative of a 60-digit evaluation (to the last bit on the
 * test tables), where SciPy 1.10 itself is off by up to 3e-10 at 10^6 per cell and loses half of
 * p near 1e-301. O(sqrt(N)) time (10^6 per cell: ~0.1 ms; 2^40 in all: ~25 ms). A p below the
 * smallest double is 0. Returns out->status. */
enum stats_status stats_table2x2_fisher(const struct stats_table2x2_counts *t,
					struct stats_table2x2_fisher *out);

/* Holm's step-down adjustment. */
struct stats_table2x2_holm {
	enum stats_status status; /* STATS_OK; STATS_TOO_FEW (no finite p); STATS_INVALID_INPUT
				     (a p outside [0, 1]: every adjusted value is then NAN) */
	size_t n;		  /* p-values adjusted (the family size m) */
	size_t n_missing;	  /* NaN p-values skipped (their adjusted value is NAN) */
};

/* Holm-adjusted p-values as statsmodels multipletests(p, method='holm')[1] over the non-NaN p:
 * sorted ascending, p_(i) (m - i + 1) (i = 1..m), made non-decreasing by a running maximum,
 * capped at 1, returned in the input order. adjusted[0..n) is caller-provided (it may be p
 * itself). O(m log m); allocates O(m) scratch. Returns out->status. */
enum stats_status stats_table2x2_holm(const double *p, size_t n, double *adjusted,
				      struct stats_table2x2_holm *out);

/* The Mantel–Haenszel odds ratio over strata. */
struct stats_table2x2_mh {
	enum stats_status status; /* STATS_OK; STATS_TOO_FEW (no stratum with a subject);
				     STATS_UNDEFINED (sum a d / n or sum b c / n is 0: the pooled
				     ratio is 0, infinite or 0/0) */
	size_t k;		  /* strata used */
	size_t k_empty;		  /* empty strata skipped (n = 0: statsmodels would give NaN) */
	double odds_ratio;	  /* sum(a d / n) / sum(b c / n) */
	double log_se;		  /* Robins–Breslow–Greenland standard error of its log */
	double lower, upper;	  /* exp(log OR -+ z log_se), z = qnorm(0.975) */
};

/* The Mantel–Haenszel pooled odds ratio of tables[0..k) with its 95% interval, as statsmodels
 * StratifiedTable(tables).oddsratio_pooled, logodds_pooled_se and oddsratio_pooled_confint()
 * (no zero correction: shift_zeros=False, statsmodels' default). With R = sum a d / n, S = sum
 * b c / n, P = (a + d) / n, Q = (b + c) / n:
 * var = [sum P a d / n / R^2 + sum (P b c + Q a d) / n / (R S) + sum Q b c / n / S^2] / 2.
 * Agreement ~1e-14 relative. Numbers are NAN unless STATS_OK. Returns out->status. */
enum stats_status stats_table2x2_mh(const struct stats_table2x2_counts *tables, size_t k,
				    struct stats_table2x2_mh *out);

#endif
