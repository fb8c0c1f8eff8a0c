/* What the files of `ratchet stats` share: the parsed command line, the columns
 * read from the CSV file (cmd_stats_io.c), the table of statistics
 * (cmd_stats_defs.c) and their runners (cmd_stats_run.c), and the helpers that
 * build a result object (cmd_stats.c). */
#ifndef RATCHET_CMD_STATS_H
#define RATCHET_CMD_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "output.h"
#include "stats/events.h"
#include "stats/pelt.h"
#include "stats/status.h"

/* Options a statistic accepts besides --x (stats_def.options), and the columns
 * it requires (stats_def.needs: SOPT_Y, SOPT_STRATA). */
enum stats_opt_flag {
	SOPT_Y = 1 << 0,	  /* --y */
	SOPT_STRATA = 1 << 1,	  /* --strata */
	SOPT_EXACT = 1 << 2,	  /* --exact */
	SOPT_COUNTS = 1 << 3,	  /* --successes, --trials */
	SOPT_CONFIDENCE = 1 << 4, /* --confidence */
	SOPT_HORIZON = 1 << 5,	  /* --horizon */
	SOPT_QUANTILE = 1 << 6,	  /* --quantile */
	SOPT_PELT = 1 << 7,	  /* --penalty, --min-size, --cost */
	SOPT_RESAMPLE = 1 << 8,	  /* --seed, --boot */
	SOPT_BLOCK = 1 << 9,	  /* --block */
	SOPT_THRESHOLD = 1 << 10, /* --threshold (required), --direction */
};

/* What a column's cells must hold besides being numbers (or missing). */
enum stats_col_kind {
	STATS_COL_NUMBER = 0,
	STATS_COL_FLAG,	  /* 0 or 1 */
	STATS_COL_NONNEG, /* >= 0 */
	STATS_COL_COUNT,  /* a whole number >= 0 */
};

/* The command line of `ratchet stats NAME`, defaults filled in. */
struct stats_args {
	const char *cmd;	    /* "stats NAME", for messages */
	const char *file;	    /* the CSV file ("-": standard input); NULL without one */
	const char *x, *y, *strata; /* column names; NULL when not given */
	unsigned given;		    /* SOPT_* of the options on the line */
	bool exact;
	bool has_successes, has_trials;
	uint64_t successes, trials;
	double confidence; /* default 0.95 */
	bool has_horizon;
	double horizon;
	bool has_quantile;
	double quantile;
	struct stats_pelt_opts pelt; /* cost, penalty, penalty_value, min_size */
	uint32_t seed;		     /* default 1 */
	size_t boot;		     /* default 1000 */
	size_t block;		     /* 0: the automatic rule */
	double threshold;
	enum stats_crossing_direction direction; /* default both */
};

/* The columns read from the file: rows values each, NaN where a cell is missing
 * (empty, NaN or nan). The arrays are allocated (at least one element) for the
 * columns in use, NULL otherwise. */
struct stats_data {
	size_t rows;	 /* data records read */
	double *x, *y;	 /* --x and --y */
	size_t *line;	 /* the line where each record starts */
	size_t *stratum; /* --strata: index into strata, SIZE_MAX when missing */
	char **strata;	 /* stratum labels in order of first appearance */
	size_t n_strata;
	size_t missing_x, missing_y, missing_strata; /* missing cells per column */
};

/* A statistic's answer while it is built: the runner sets the status and counts
 * (cmd_stats_set) and adds its estimates, in order, to fields. */
struct stats_result {
	enum stats_status status;
	size_t n;	      /* observations used */
	size_t n_missing;     /* rows skipped because a value was missing (or infinite) */
	const char *reason;   /* why status is not ok; NULL: the statistic's default text */
	char reason_buf[160]; /* room for a reason built by the runner */
	cJSON *fields;	      /* an object; owned by the caller */
};

/* Runs a statistic over the data: 0, or an exit code after printing an error. */
typedef int (*stats_run_fn)(const struct stats_args *args, const struct stats_data *data,
			    struct stats_result *res);

struct stats_def {
	const char *name;
	const char *summary;
	unsigned options;		    /* SOPT_* accepted besides --x */
	unsigned needs;			    /* SOPT_Y / SOPT_STRATA required */
	enum stats_col_kind x_kind, y_kind; /* checked on every cell read */
	const char *too_few;		    /* the reason for STATS_TOO_FEW */
	const char *constant;		    /* the reason for STATS_ZERO_VARIANCE */
	stats_run_fn run;
	const char *usage; /* the --help text, before the common part */
};

/* The columns of the file (cmd_stats_io.c). */
void cmd_stats_data_init(struct stats_data *d);
void cmd_stats_data_release(struct stats_data *d);
/* Reads args->file (columns x, y, strata as given), checking each cell against
 * def's column kinds. Returns 0, or an exit code after printing the error: 1
 * for an unreadable file or a bad cell (FILE:LINE:COLUMN), 2 for an unknown
 * column. */
int cmd_stats_read(const struct stats_def *def, const struct stats_args *args,
		   struct stats_data *d);
/* Prints a result object: field: value lines with lists as tables (table), the
 * JSON object (json), or field,value rows (csv). */
void cmd_stats_print(FILE *out, enum output_format fmt, const cJSON *result);

/* The statistics (cmd_stats_defs.c). */
extern const struct stats_def cmd_stats_defs[];
extern const size_t cmd_stats_n_defs;

/* The runners (cmd_stats_run.c), one per statistic. */
int cmd_stats_run_spearman(const struct stats_args *a, const struct stats_data *d,
			   struct stats_result *res);
int cmd_stats_run_kendall(const struct stats_args *a, const struct stats_data *d,
			  struct stats_result *res);
int cmd_stats_run_kappa(const struct stats_args *a, const struct stats_data *d,
			struct stats_result *res);
int cmd_stats_run_wilson(const struct stats_args *a, const struct stats_data *d,
			 struct stats_result *res);
int cmd_stats_run_km(const struct stats_args *a, const struct stats_data *d,
		     struct stats_result *res);
int cmd_stats_run_fisher(const struct stats_args *a, const struct stats_data *d,
			 struct stats_result *res);
int cmd_stats_run_mantel_haenszel(const struct stats_args *a, const struct stats_data *d,
				  struct stats_result *res);
int cmd_stats_run_theil_sen(const struct stats_args *a, const struct stats_data *d,
			    struct stats_result *res);
int cmd_stats_run_mann_kendall(const struct stats_args *a, const struct stats_data *d,
			       struct stats_result *res);
int cmd_stats_run_poisson_shape(const struct stats_args *a, const struct stats_data *d,
				struct stats_result *res);
int cmd_stats_run_pelt(const struct stats_args *a, const struct stats_data *d,
		       struct stats_result *res);
int cmd_stats_run_segmented(const struct stats_args *a, const struct stats_data *d,
			    struct stats_result *res);
int cmd_stats_run_bootstrap(const struct stats_args *a, const struct stats_data *d,
			    struct stats_result *res);
int cmd_stats_run_crossings(const struct stats_args *a, const struct stats_data *d,
			    struct stats_result *res);

/* Sets the status and the counts of res. */
void cmd_stats_set(struct stats_result *res, enum stats_status status, size_t n, size_t n_missing);

/* Adds a number to obj; null when v is NaN or infinite. */
void cmd_stats_add_number(cJSON *obj, const char *name, double v);
/* Adds an exact integer (JSON numbers past 2^53 keep every digit). */
void cmd_stats_add_count(cJSON *obj, const char *name, uint64_t v);
void cmd_stats_add_signed(cJSON *obj, const char *name, int64_t v);
/* Adds a status name ("ok", "too_few", ...). */
void cmd_stats_add_status(cJSON *obj, const char *name, enum stats_status status);

#endif
