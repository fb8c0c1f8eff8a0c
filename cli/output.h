/* The CLI's output formats: aligned tables, CSV (RFC 4180 quoting) and JSON,
 * rendered from API objects through a list of column specs. */
#ifndef RATCHET_OUTPUT_H
#define RATCHET_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

enum output_format { OUTPUT_TABLE, OUTPUT_JSON, OUTPUT_CSV };

struct output_column {
	const char *header; /* the table header; CSV uses it lowercased */
	const char *field;  /* the item's member shown when render is NULL */
	/* A computed cell: a heap string the caller frees, or NULL for null. */
	char *(*render)(const cJSON *item);
};

/* Parses "table", "json" or "csv"; returns -1 for anything else. */
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

/* Prints one "name: value" line ("-" for NULL or empty, control characters
 * replaced). */
void output_field(FILE *out, const char *name, const char *value);

/* Prints a JSON document's text as received, ending with a newline. */
void output_json_text(FILE *out, const char *text, size_t len);

/* Prints a cJSON tree, pretty, ending with a newline. */
void output_json(FILE *out, const cJSON *item);

#endif
