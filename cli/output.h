/* The CLI's output formats: aligned tables, CSV (RFC 4180 quoting) and JSON,
 * rendered from API objects through a list of column specs; and the figures'
 * helpers: human durations, percentages, sparklines and status colours. */
#ifndef RATCHET_OUTPUT_H
#define RATCHET_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/* OUTPUT_MD (Markdown) is taken only by the commands that write documents (backtest, report);
 * main refuses it for the others. */
enum output_format { OUTPUT_TABLE, OUTPUT_JSON, OUTPUT_CSV, OUTPUT_MD };

struct output_column {
	const char *header; /* the table header; CSV uses it lowercased */
	const char *field;  /* the item's member shown when render is NULL */
	/* A computed cell: a heap string the caller frees, or NULL for null. */
	char *(*render)(const cJSON *item);
};

/* Parses "table", "json", "csv" or "md"; returns -1 for anything else. */
int output_format_parse(const char *name, enum output_format *out);

/* The text of a JSON value: strings as they are, integral numbers without a
 * fraction, true/false, arrays of strings joined by ", ", anything else as
 * compact JSON. NULL for null or a missing value. The caller frees. */
char *output_value(const cJSON *value);

/* The text of obj's member name (see output_value). The caller frees. */
char *output_member(const cJSON *obj, const char *name);

/* Prints the items of a JSON array as a table (header row, aligned columns,
 * "-" for null or empty, control characters replaced) or as CSV (header row, RFC 4180
 * quoting, empty for null). fmt must not be OUTPUT_JSON. */
void output_list(FILE *out, enum output_format fmt, const struct output_column *cols, size_t n_cols,
		 const cJSON *items);
/* As output_list, where column status_col holds metric statuses (ok, warn,
 * breach): a table on a terminal colours them (output_colour). */
void output_list_status(FILE *out, enum output_format fmt, const struct output_column *cols,
			size_t n_cols, const cJSON *items, size_t status_col);

/* Prints one "name: value" line ("-" for NULL or empty, control characters
 * replaced). */
void output_field(FILE *out, const char *name, const char *value);

/* Prints a JSON document's text as received, ending with a newline. */
void output_json_text(FILE *out, const char *text, size_t len);

/* Prints a cJSON tree, pretty, ending with a newline. */
void output_json(FILE *out, const cJSON *item);

/* ---- figures ---------------------------------------------------------------- */

/* Whether out gets ANSI colours: it is a terminal and NO_COLOR is unset or
 * empty (no-color.org). */
bool output_colour(FILE *out);

/* The escape sequence that colours a metric status when colour is on: ok
 * green, warn yellow, breach red; "" for anything else or colour off. Its
 * reset is OUTPUT_COLOUR_RESET (print it only after a non-empty start). */
const char *output_status_colour(const char *status, bool colour);
#define OUTPUT_COLOUR_RESET "\033[0m"

/* Prints status ("-" for NULL), coloured as output_status_colour says. */
void output_status(FILE *out, const char *status, bool colour);

/* Buffer size for output_duration and output_percent. */
#define OUTPUT_FIGURE_BUFSZ 48

/* A duration in seconds for people, in its two largest units, rounded to the
 * smaller: "2d3h", "1h23m", "45s", "0.5s"; "-" for NAN. Returns out. */
char *output_duration(double seconds, char out[OUTPUT_FIGURE_BUFSZ]);

/* A fraction as a percentage with one decimal: 0.125 -> "12.5%"; "-" for NAN.
 * Returns out. */
char *output_percent(double fraction, char out[OUTPUT_FIGURE_BUFSZ]);

/* A number for people: up to three decimals, trailing zeros dropped ("2",
 * "0.23", "1.333"); "-" for NAN. Returns out. */
char *output_number(double v, char out[OUTPUT_FIGURE_BUFSZ]);

/* A sparkline of values[0..n) with the bars U+2581..U+2588, scaled from 0 (or
 * the smallest value when negative) to the largest; NAN is a blank. The
 * caller frees. */
char *output_sparkline(const double *values, size_t n);

/* The number of a JSON value: NAN when it is null, missing or not a number. */
double output_number_of(const cJSON *value);

#endif
