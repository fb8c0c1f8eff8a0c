/* Flat-file imports (DESIGN.md "Import formats", README "Imports"): ratchet's
 * own CSV (with a header) and JSONL for changes, IOs, incidents and drills,
 * an optional column map (YAML) and an optional fixed zone for naive times.
 * Every row is validated, with the validators of the API's own records,
 * before anything is written; every problem is listed as
 * "file:line: field: message". Pure: the caller supplies the texts. */
#ifndef RATCHET_FLAT_IMPORT_H
#define RATCHET_FLAT_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "change.h"
#include "gate.h"
#include "hash.h"
#include "incident.h"
#include "io.h"
#include "model.h"

struct err;

/* What a file holds: changes, ios, incidents, drills (the route's last segment). */
enum flat_kind { FLAT_CHANGES, FLAT_IOS, FLAT_INCIDENTS, FLAT_DRILLS, FLAT_KIND_COUNT };
extern const struct model_names flat_kind_names;
/* csv (RFC 4180 with a header, core/csv.h) or jsonl (one JSON object a line). */
enum flat_format { FLAT_CSV, FLAT_JSONL, FLAT_FORMAT_COUNT };
extern const struct model_names flat_format_names;

/* Limits: the map's text and entries, one JSONL line (a CSV record has the
 * same cap), and the problems kept (every further one is counted). */
#define FLAT_MAP_TEXT_MAX 4096
#define FLAT_MAP_ENTRIES_MAX 128
#define FLAT_LINE_MAX ((size_t)1 << 20)
#define FLAT_PROBLEMS_MAX 10000

/* The field names of a kind's rows, NULL-terminated, in the README's order. */
const char *const *flat_fields(enum flat_kind kind);
/* The same as "a, b, c" (static storage). */
const char *flat_fields_list(enum flat_kind kind);

/* --map: source column (or JSONL member) name → field name; to[i] NULL drops
 * that column. */
struct flat_map {
	char **from;
	char **to;
	size_t n;
};
/* Parses a map, a flat YAML mapping "Source name: field" (a field of kind, or
 * null / ~ to drop the column), strict: no anchors, tags, aliases, nesting or
 * second document; no duplicate source names; no two sources for one field;
 * at most FLAT_MAP_TEXT_MAX bytes and FLAT_MAP_ENTRIES_MAX entries. Every
 * problem is a detail (field = the source name, or "" for the document) with
 * its line and column; the message is "invalid map "FILE": L:C: what" for the
 * first. Returns 0 (m filled; release it) or -1 (m empty). */
int flat_map_parse(const char *file, const char *text, size_t len, enum flat_kind kind,
		   struct flat_map *m, struct err *err);
void flat_map_release(struct flat_map *m);

/* --tz / ?tz=: the zone naive timestamps are read in. Only fixed offsets:
 * "UTC", "Z" or "+hh:mm" / "-hh:mm" (hh 00..23, mm 00..59); a named zone
 * such as Europe/Berlin is refused (core has no time zone database). Sets
 * suffix (at least 7 bytes) to what is appended to a naive time ("Z" or the
 * offset). Returns 0, or -1 with ERR_INVALID. */
int flat_tz_parse(const char *s, char suffix[8], struct err *err);

struct flat_options {
	enum flat_kind kind;
	enum flat_format format;
	const char *file;	    /* the name problems carry */
	const struct flat_map *map; /* NULL: columns are field names */
	const char *tz;		    /* a flat_tz_parse suffix, or NULL: naive times refused */
	const char *service;	    /* the service of rows without one (changes,
				       incidents, drills) and of IOs' bare change keys; NULL */
	int64_t now;		    /* microseconds */
	int64_t max_skew;	    /* microseconds; < 0: no future check (offline) */
};
/* kind, csv, file "import", no map, no tz, no service, now 0, no future check. */
void flat_options_init(struct flat_options *o, enum flat_kind kind);

/* One problem. column is the character column of a CSV or JSON syntax error,
 * else 0. */
struct flat_problem {
	size_t line;
	size_t column;
	char *field;
	char *message;
};

/* A row that passed validation, typed by the result's kind. */
struct flat_row {
	size_t line; /* where the row starts (a quoted field may span lines) */
	/* The duplicate identity (NULL when the row has none: an incident or drill
	 * without external_key): changes "service:key", incidents and drills
	 * "service:external_key", IOs "<change>\x1f<category>\x1f<description>". */
	char *key;
	char *label;		       /* the identity as shown ("service:key"; an IO's change) */
	char digest[HASH_HEX_LEN + 1]; /* of the row's fields, to tell repeats apart */
	size_t duplicate_of;	       /* the line of an identical earlier row, or 0 */
	bool rejected;		       /* set by flat_result_reject */
	union {
		struct change change;	  /* FLAT_CHANGES (review unreviewed) */
		struct io io;		  /* FLAT_IOS: source "import" unless given */
		struct incident incident; /* FLAT_INCIDENTS: source "import" unless given */
		struct drill drill;	  /* FLAT_DRILLS: recorded_* left for the caller */
	} u;
	/* FLAT_IOS and FLAT_DRILLS: the change as given ("123" an id, or
	 * "service:key"; an IO's bare key is qualified with the options'
	 * service, a drill's with its own), or NULL (a drill of no change). */
	char *change_ref;
	char *external_key; /* FLAT_DRILLS: or NULL */
};

struct flat_result {
	enum flat_kind kind;
	struct flat_row *rows; /* valid rows, in file order */
	size_t n_rows;
	struct flat_problem *problems; /* in the order found (line order per pass) */
	size_t n_problems;	       /* kept: at most FLAT_PROBLEMS_MAX */
	size_t n_problems_total;
	size_t n_records;  /* rows read, good and bad (not the header or blank lines) */
	size_t n_bad_rows; /* rows with a problem (parse or flat_result_reject) */
	/* A problem of the whole file (empty, bad header, map, CSV syntax): no row
	 * can be trusted, so skipping bad rows cannot help. */
	bool fatal;
};

/* Reads and validates text[0..len) as o says. Problems of a row drop it; a
 * row equal in every field to an earlier one is kept with duplicate_of set
 * (not an error); a second row of the same identity with other values is a
 * problem on its key field ("... also on line N, with other values"). Returns
 * 0 when there is no problem, -1 otherwise with res still filled (rows that
 * passed, every problem) and err set by flat_result_to_err. The caller
 * releases res either way. */
int flat_import_parse(const struct flat_options *o, const char *text, size_t len,
		      struct flat_result *res, struct err *err);
void flat_result_release(struct flat_result *res);

/* Marks row i bad (a problem the caller found, such as an unknown change):
 * adds "field: message" at its line, keeping the problems in line order. */
void flat_result_reject(struct flat_result *res, size_t i, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "FILE:LINE: FIELD: MESSAGE" (a syntax error adds " (column C)"). Caller frees. */
char *flat_problem_text(const char *file, const struct flat_problem *p);

/* Sets err (ERR_INVALID) from res's problems: message "invalid import "FILE":
 * <first problem>" plus " (and N more problems)", a detail per problem
 * (field, line, column, message = the full text) up to ERR_MAX_DETAILS.
 * Returns -1. */
int flat_result_to_err(const struct flat_result *res, const char *file, struct err *err);

/* [{"line", "field", "message"}] of at most max problems (message the full
 * text). Caller frees. */
cJSON *flat_problems_to_json(const struct flat_result *res, const char *file, size_t max);

#endif
