/* ratchet stats, the table of statistics: each NAME with its summary, the
 * options and columns it takes, and its --help text (definition, reference,
 * fields). The common part of the help is in cmd_stats.c. */
#include "common.h"

#include "cmd_stats.h"

static const char usage_spearman[] =
	"usage: ratchet stats spearman FILE.csv --x COL --y COL\n\n"
	"Spearman's rank correlation of the rows where both columns have a value: the\n"
	"Pearson correlation of their average ranks (ties share the mean of the ranks\n"
	"they span), with the two-sided p-value of t = rho sqrt((n - 2) / (1 - rho^2))\n"
	"under Student's t with n - 2 degrees of freedom. Reference:\n"
	"scipy.stats.spearmanr. Needs 3 complete pairs and neither column constant.\n\n"
	"fields: rho, t, p_value\n";

static const char usage_kendall[] =
	"usage: ratchet stats kendall FILE.csv --x COL --y COL [--exact]\n\n"
	"Kendall's tau-b = (C - D) / sqrt((P - Tx)(P - Ty)) over the P = n(n-1)/2 pairs\n"
	"of complete rows (C concordant, D discordant, Tx and Ty pairs tied in x and in\n"
	"y), with the tie-corrected normal p-value. Reference: scipy.stats.kendalltau.\n\n"
	"  --exact    the exact p-value (Mahonian numbers) instead: n <= 33 complete\n"
	"             pairs without ties, else an error (exit 1)\n\n"
	"fields: tau_b, z, p_value, p_method (asymptotic or exact), pairs, concordant,\n"
	"discordant, ties_x, ties_y, ties_xy\n";

static const char usage_kappa[] =
	"usage: ratchet stats kappa FILE.csv --x RATER1 --y RATER2\n\n"
	"Cohen's kappa = (po - pe) / (1 - pe) of two raters' numeric labels (labels are\n"
	"compared for equality): po the observed agreement, pe the agreement expected\n"
	"from the raters' label frequencies. When pe = 1 (both raters gave one and the\n"
	"same label throughout) kappa is undefined: status undefined with the reason.\n\n"
	"fields: kappa, po, pe, agreements, n_categories\n";

static const char usage_wilson[] =
	"usage: ratchet stats wilson FILE.csv --x COL [--confidence C]\n"
	"       ratchet stats wilson --successes K --trials N [--confidence C]\n\n"
	"Wilson score interval for a proportion: k successes of n trials, from a 0/1\n"
	"column (k its sum, n its count of values) or given directly. Reference:\n"
	"statsmodels proportion_confint(method='wilson').\n\n"
	"  --confidence C   two-sided level, between 0 and 1 (default 0.95)\n\n"
	"fields: successes, trials, proportion, lower, upper, confidence\n";

static const char usage_km[] =
	"usage: ratchet stats km FILE.csv --x DURATION --y EVENT [--horizon T]\n"
	"                        [--quantile P]\n\n"
	"Kaplan-Meier survival curve of durations (>= 0) with EVENT 1 for an event and\n"
	"0 for a right-censored observation: the median survival time and its log-log\n"
	"95% interval, Greenwood standard errors. Reference: R survival's survfit\n"
	"(conf.type = \"log-log\"), print.survfit and quantile.survfit.\n\n"
	"  --horizon T    the restricted mean survival time up to T (the area under the\n"
	"                 curve over [0, T]) and its standard error\n"
	"  --quantile P   the time by which a fraction P (0..1) has had the event\n\n"
	"fields: n_events, median (estimate, lower, upper, each with a status),\n"
	"quantile, rmean (horizon, estimate, std_err), curve (time, n_risk, n_event,\n"
	"n_censor, surv, std_err, lower, upper)\n";

static const char usage_fisher[] =
	"usage: ratchet stats fisher FILE.csv --x EXPOSURE --y OUTCOME\n\n"
	"Fisher's exact test of the 2x2 table of two 0/1 columns (a exposed with the\n"
	"outcome, b exposed without, c unexposed with, d unexposed without): the two-\n"
	"sided p-value as scipy.stats.fisher_exact, with the risks, the risk ratio and\n"
	"the odds ratio with 95% Wald intervals on the log scale (0.5 added to every\n"
	"cell when one is 0: corrected). References: SciPy, statsmodels Table2x2.\n\n"
	"fields: p_value, table (a, b, c, d), risk_exposed, risk_unexposed, risk_ratio,\n"
	"odds_ratio (status, estimate, lower, upper, log_se), corrected\n";

static const char usage_mantel_haenszel[] =
	"usage: ratchet stats mantel-haenszel FILE.csv --x EXPOSURE --y OUTCOME\n"
	"                                     --strata COL\n\n"
	"The Mantel-Haenszel odds ratio sum(a d / n) / sum(b c / n) over the 2x2 tables\n"
	"of two 0/1 columns within each stratum (the strata column's distinct values,\n"
	"compared as text), with the Robins-Breslow-Greenland 95% interval. Reference:\n"
	"statsmodels StratifiedTable.\n\n"
	"fields: odds_ratio, lower, upper, log_se, strata_used, strata_empty, strata\n"
	"(stratum, a, b, c, d)\n";

static const char usage_theil_sen[] =
	"usage: ratchet stats theil-sen FILE.csv --x TIME --y VALUE [--confidence C]\n\n"
	"The Theil-Sen slope: the median of the slopes (y_j - y_i) / (x_j - x_i) over the\n"
	"pairs with x_i < x_j, intercept median(y) - slope median(x), and Sen's interval\n"
	"for the slope; beside it the least-squares line with standard errors.\n"
	"References: scipy.stats.theilslopes and scipy.stats.linregress.\n\n"
	"  --confidence C   two-sided level of the slope interval (default 0.95)\n\n"
	"fields: slope, intercept, low_slope, high_slope, confidence, n_slopes,\n"
	"least_squares (status, slope, intercept, stderr_slope, stderr_intercept, r,\n"
	"p_value)\n";

static const char usage_mann_kendall[] =
	"usage: ratchet stats mann-kendall FILE.csv --x VALUE\n\n"
	"The Mann-Kendall trend test of a column in row order: S = sum over i < j of\n"
	"sign(x_j - x_i), Var S = [n(n-1)(2n+5) - sum over ties t(t-1)(2t+5)] / 18,\n"
	"z = (S -+ 1) / sqrt(Var S), two-sided normal p-value; tau = S / (n(n-1)/2).\n\n"
	"fields: s, var_s, z, p_value, tau\n";

static const char usage_poisson_shape[] =
	"usage: ratchet stats poisson-shape FILE.csv --x COUNT\n\n"
	"The accumulation shape of counts per bucket (rows in time order, equal widths):\n"
	"Poisson fits of a constant rate, a linearly growing rate (identity link) and a\n"
	"log-linear rate over the bucket index; a growth model wins when its AICc is\n"
	"more than 2 below the constant's and its likelihood-ratio p < 0.05. Shapes:\n"
	"linear (constant rate), accelerating, exponential, decelerating, and\n"
	"insufficient_data below 8 buckets or 10 events. Rates are per bucket.\n"
	"Reference: statsmodels GLM(family=Poisson).\n\n"
	"fields: shape, model, events, mean_rate, rate, growth_rate, doubling_time,\n"
	"delta_aicc_*, lr_p_*, fits (constant, linear_rate, log_linear: coef, se,\n"
	"deviance, loglik, aicc, dispersion)\n";

static const char usage_pelt[] =
	"usage: ratchet stats pelt FILE.csv --x VALUE [--penalty bic|mbic|NUMBER]\n"
	"                          [--min-size N] [--cost meanvar|mean]\n\n"
	"Change points of a column in row order by PELT (exact optimal partitioning):\n"
	"the segmentation minimising the segments' costs plus a penalty per change.\n"
	"References: R changepoint's cpt.meanvar / cpt.mean (method \"PELT\").\n\n"
	"  --penalty P    mbic (default), bic, or a number >= 0 per change point\n"
	"  --min-size N   fewest values in a segment (default 2)\n"
	"  --cost C       meanvar: Gaussian change in mean and variance (default);\n"
	"                 mean: change in mean of the series scaled by its MAD\n\n"
	"fields: n_change_points, penalty, cost, change_points (index: the 0-based data\n"
	"row starting a segment, line, value), segments (start and end, n, mean, sd with\n"
	"divisor n)\n";

static const char usage_segmented[] =
	"usage: ratchet stats segmented FILE.csv --x COL --y COL [--seed N] [--boot B]\n"
	"                               [--confidence C]\n\n"
	"Segmented regression with one break: y = a + b x + c (x - psi)+, continuous at\n"
	"psi, fitted by exact least squares over every break; a residual-bootstrap\n"
	"percentile interval for psi (B replicates, MT19937 seeded with N: the same\n"
	"seed gives the same interval); Davies' test of \"no break\" (the break is not\n"
	"identified without one, so an F test at the fitted break would be wrong).\n"
	"Reference: R segmented (segmented(), davies.test()).\n\n"
	"  --seed N         default 1\n"
	"  --boot B         default 1000\n"
	"  --confidence C   default 0.95\n\n"
	"fields: psi, psi_low, psi_high, intercept, slope_left, slope_right, slope_diff,\n"
	"rss, rss_line, davies_p, davies_best, confidence, n_boot, n_boot_failed\n";

static const char usage_bootstrap[] =
	"usage: ratchet stats bootstrap FILE.csv --x COL --y COL [--seed N] [--boot B]\n"
	"                               [--block L] [--confidence C]\n\n"
	"Spearman's rho of two series in row order with a moving-block bootstrap\n"
	"percentile interval (blocks of L consecutive pairs keep the autocorrelation)\n"
	"and a block-shuffle surrogate test (y's blocks shuffled against x:\n"
	"p = (1 + extreme) / (1 + surrogates)). Deterministic for a seed (MT19937).\n\n"
	"  --seed N         default 1\n"
	"  --boot B         replicates and surrogates, default 1000\n"
	"  --block L        block length; default ceil(n^(1/3))\n"
	"  --confidence C   default 0.95\n\n"
	"fields: rho, low, high, confidence, block, n_boot, n_undefined, surrogate\n"
	"(status, p_value, n_surrogates, n_extreme)\n";

static const char usage_crossings[] =
	"usage: ratchet stats crossings FILE.csv --x STEP --y VALUE --threshold T\n"
	"                               [--direction up|down|both]\n\n"
	"The times a series crosses a threshold: up when it goes from below T to T or\n"
	"above, down the other way; rows missing a value are bridged. STEP must increase\n"
	"down the rows. Each crossing's time is interpolated linearly between the two\n"
	"rows around it (at); step is the STEP of the first row on the new side.\n\n"
	"  --threshold T   required\n"
	"  --direction D   up, down or both (default)\n\n"
	"fields: n_crossings, crossings (direction, at, step, value, index, line)\n";

const struct stats_def cmd_stats_defs[] = {
	{"spearman", "Spearman's rank correlation with its t p-value", SOPT_Y, SOPT_Y,
	 STATS_COL_NUMBER, STATS_COL_NUMBER, "fewer than 3 complete pairs",
	 "--x or --y is constant", cmd_stats_run_spearman, usage_spearman},
	{"kendall", "Kendall's tau-b with its p-value (--exact for small n)", SOPT_Y | SOPT_EXACT,
	 SOPT_Y, STATS_COL_NUMBER, STATS_COL_NUMBER, "fewer than 2 complete pairs",
	 "--x or --y is constant: every pair is tied", cmd_stats_run_kendall, usage_kendall},
	{"kappa", "Cohen's kappa of two raters", SOPT_Y, SOPT_Y, STATS_COL_NUMBER, STATS_COL_NUMBER,
	 "no complete pair", NULL, cmd_stats_run_kappa, usage_kappa},
	{"wilson", "Wilson score interval of a proportion", SOPT_COUNTS | SOPT_CONFIDENCE, 0,
	 STATS_COL_FLAG, STATS_COL_NUMBER, "no trials", NULL, cmd_stats_run_wilson, usage_wilson},
	{"km", "Kaplan-Meier curve, median, quantile and restricted mean",
	 SOPT_Y | SOPT_HORIZON | SOPT_QUANTILE, SOPT_Y, STATS_COL_NONNEG, STATS_COL_FLAG,
	 "no complete observation", NULL, cmd_stats_run_km, usage_km},
	{"fisher", "Fisher's exact test, risks and ratios of a 2x2 table", SOPT_Y, SOPT_Y,
	 STATS_COL_FLAG, STATS_COL_FLAG, "no complete subject", NULL, cmd_stats_run_fisher,
	 usage_fisher},
	{"mantel-haenszel", "Mantel-Haenszel odds ratio over strata", SOPT_Y | SOPT_STRATA,
	 SOPT_Y | SOPT_STRATA, STATS_COL_FLAG, STATS_COL_FLAG, "no stratum with a complete subject",
	 NULL, cmd_stats_run_mantel_haenszel, usage_mantel_haenszel},
	{"theil-sen", "Theil-Sen slope with its interval, and least squares",
	 SOPT_Y | SOPT_CONFIDENCE, SOPT_Y, STATS_COL_NUMBER, STATS_COL_NUMBER,
	 "fewer than 2 complete pairs", "--x is constant: no pair has a slope",
	 cmd_stats_run_theil_sen, usage_theil_sen},
	{"mann-kendall", "Mann-Kendall trend test of a series in row order", 0, 0, STATS_COL_NUMBER,
	 STATS_COL_NUMBER, "fewer than 3 values", "the series is constant",
	 cmd_stats_run_mann_kendall, usage_mann_kendall},
	{"poisson-shape", "accumulation shape of counts per bucket (Poisson fits)", 0, 0,
	 STATS_COL_COUNT, STATS_COL_NUMBER, "no bucket", NULL, cmd_stats_run_poisson_shape,
	 usage_poisson_shape},
	{"pelt", "change points of a series in row order (PELT)", SOPT_PELT, 0, STATS_COL_NUMBER,
	 STATS_COL_NUMBER, "fewer values than one segment needs (--min-size, at least 2)",
	 "the series is constant", cmd_stats_run_pelt, usage_pelt},
	{"segmented", "segmented regression with one break, interval and test",
	 SOPT_Y | SOPT_RESAMPLE | SOPT_CONFIDENCE, SOPT_Y, STATS_COL_NUMBER, STATS_COL_NUMBER,
	 "fewer than 5 complete pairs or 4 distinct --x values", "--y is constant",
	 cmd_stats_run_segmented, usage_segmented},
	{"bootstrap", "Spearman's rho with block-bootstrap interval and surrogate p",
	 SOPT_Y | SOPT_RESAMPLE | SOPT_BLOCK | SOPT_CONFIDENCE, SOPT_Y, STATS_COL_NUMBER,
	 STATS_COL_NUMBER, "fewer than 3 complete pairs", "--x or --y is constant",
	 cmd_stats_run_bootstrap, usage_bootstrap},
	{"crossings", "times a series crosses a threshold", SOPT_Y | SOPT_THRESHOLD, SOPT_Y,
	 STATS_COL_NUMBER, STATS_COL_NUMBER, "fewer than 2 complete rows", NULL,
	 cmd_stats_run_crossings, usage_crossings},
};

const size_t cmd_stats_n_defs = ARRAY_SIZE(cmd_stats_defs);
