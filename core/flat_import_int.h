/* Inside the flat-file import (flat_import*.c): the field tables and the
 * per-kind validation of one row, shared by the reader. */
#ifndef RATCHET_FLAT_IMPORT_INT_H
#define RATCHET_FLAT_IMPORT_INT_H

#include "flat_import.h"

/* How a CSV cell becomes a JSON value: text as is, a timestamp (normalized,
 * --tz applied), a list split on white space, a JSON object's text. */
enum flat_type { FLAT_TEXT, FLAT_TIME, FLAT_LIST, FLAT_OBJECT };

struct flat_field {
	const char *name;
	enum flat_type type;
	bool required; /* a CSV header must name it (service: unless o->service) */
};

/* The kind's field table, terminated by a NULL name. */
const struct flat_field *flat_field_table(enum flat_kind kind);
/* The field of kind named name, or NULL. */
const struct flat_field *flat_field_find(enum flat_kind kind, const char *name);

/* Adds a problem to res (kept up to FLAT_PROBLEMS_MAX, always counted). */
void flat_problem_add(struct flat_result *res, size_t line, size_t column, const char *field,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* One row on its way: its fields as a JSON object (names are field names,
 * values as the API takes them), and the fields already reported, whose
 * later details are dropped so each problem is said once. */
struct flat_pending {
	size_t line;
	cJSON *obj; /* owned */
	char reported[16][96];
	size_t n_reported;
	bool bad;
};
/* Reports field's problem on the pending row and remembers the field. */
void flat_pending_problem(struct flat_result *res, struct flat_pending *p, const char *field,
			  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Validates p->obj as a row of o->kind with the record's own validator; on
 * success fills row (line, key, label, the record, change_ref,
 * external_key) and returns 0; otherwise reports every problem and returns
 * -1 (row released). */
int flat_row_validate(const struct flat_options *o, struct flat_result *res, struct flat_pending *p,
		      struct flat_row *row);
/* Frees what row owns (as of kind). */
void flat_row_release(enum flat_kind kind, struct flat_row *row);

#endif
