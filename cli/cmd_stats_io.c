/* ratchet stats, input and output: reads the columns a statistic needs from a
 * CSV file with core's streaming reader (the file is read here, core does no
 * I/O), and prints a result object as field: value lines, JSON or CSV. */
#include "common.h"

#include <math.h>

#include "cli.h"
#include "cmd_stats.h"
#include "csv.h"
#include "err.h"

/* Most data rows read from one file (each costs up to 40 bytes). */
#define STATS_MAX_ROWS ((size_t)100000000)

void cmd_stats_data_init(struct stats_data *d)
{
	memset(d, 0, sizeof(*d));
}

void cmd_stats_data_release(struct stats_data *d)
{
	free(d->x);
	free(d->y);
	free(d->line);
	free(d->stratum);
	for (size_t i = 0; i < d->n_strata; i++)
		free(d->strata[i]);
	free(d->strata);
	cmd_stats_data_init(d);
}

/* The reader's callback over a FILE*; errno says why on -1. */
static ssize_t file_read(void *ctx, char *buf, size_t cap)
{
	FILE *f = ctx;
	size_t n = fread(buf, 1, cap, f);
	if (n == 0 && ferror(f))
		return -1;
	return (ssize_t)n;
}

/* Stratum labels to indexes: open addressing, slots hold index + 1. */
struct strata_map {
	size_t *slots;
	size_t n_slots;
	size_t cap; /* room in d->strata */
};

static uint64_t label_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t *map_slot(const struct strata_map *m, char **labels, const char *label)
{
	size_t i = (size_t)(label_hash(label) & (m->n_slots - 1));
	while (m->slots[i] && strcmp(labels[m->slots[i] - 1], label) != 0)
		i = (i + 1) & (m->n_slots - 1);
	return &m->slots[i];
}

static void map_grow(struct strata_map *m, char **labels, size_t n)
{
	free(m->slots);
	m->n_slots = m->n_slots ? m->n_slots * 2 : 64;
	m->slots = xcalloc(m->n_slots, sizeof(*m->slots));
	for (size_t i = 0; i < n; i++)
		*map_slot(m, labels, labels[i]) = i + 1;
}

/* The index of label, added at the end when new. */
static size_t stratum_index(struct strata_map *m, struct stats_data *d, const char *label)
{
	if (2 * (d->n_strata + 1) > m->n_slots)
		map_grow(m, d->strata, d->n_strata);
	size_t *slot = map_slot(m, d->strata, label);
	if (*slot)
		return *slot - 1;
	if (d->n_strata == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		d->strata = xrealloc(d->strata, m->cap * sizeof(*d->strata));
	}
	d->strata[d->n_strata] = xstrdup(label);
	*slot = ++d->n_strata;
	return *slot - 1;
}

/* One column in use. */
struct column_use {
	const char *name;
	size_t index;
	enum stats_col_kind kind;
	double **values;
	size_t *missing;
};

/* What a read is doing. */
struct reading {
	const struct stats_args *args;
	struct csv_reader *reader;
	struct stats_data *d;
	struct column_use cols[2];
	size_t n_cols;
	bool has_strata;
	size_t strata_index;
	struct strata_map map;
	size_t cap; /* rows of room in the arrays */
};

/* Copies text with control characters replaced, for messages. */
static char *clean_copy(const char *text)
{
	char *s = xstrdup(text);
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		if (*p < ' ' || *p == 0x7f)
			*p = '?';
	return s;
}

static void print_file_error(const char *file, const struct err *err)
{
	char *message = clean_copy(err->message);
	bool located = message[0] >= '0' && message[0] <= '9';
	fprintf(stderr, "ratchet: %s:%s%s\n", file, located ? "" : " ", message);
	free(message);
}

/* An unknown column: a usage error naming the columns there are. */
static int unknown_column(const struct reading *rd, const char *opt, const char *name)
{
	struct buf list;
	buf_init(&list, 0);
	buf_append(&list, "", 0);
	for (size_t i = 0; i < csv_ncolumns(rd->reader); i++)
		buf_printf(&list, "%s\"%s\"", i ? ", " : "", csv_column_name(rd->reader, i));
	char *columns = clean_copy(list.data);
	char *wanted = clean_copy(name);
	fprintf(stderr, "ratchet: %s: %s: no column \"%s\" in \"%s\"; its columns are %s\n",
		rd->args->cmd, opt, wanted, rd->args->file, columns);
	free(columns);
	free(wanted);
	buf_release(&list);
	return CLI_EXIT_USAGE;
}

static int find_column(const struct reading *rd, const char *opt, const char *name, size_t *index)
{
	int i = csv_column(rd->reader, name);
	if (i < 0)
		return unknown_column(rd, opt, name);
	*index = (size_t)i;
	return 0;
}

static int add_column(struct reading *rd, const char *opt, const char *name,
		      enum stats_col_kind kind, double **values, size_t *missing)
{
	struct column_use *c = &rd->cols[rd->n_cols++];
	c->name = name;
	c->kind = kind;
	c->values = values;
	c->missing = missing;
	*values = xcalloc(1, sizeof(double));
	return find_column(rd, opt, name, &c->index);
}

static int setup_columns(struct reading *rd, const struct stats_def *def)
{
	const struct stats_args *a = rd->args;
	struct stats_data *d = rd->d;
	d->line = xcalloc(1, sizeof(size_t));
	if (add_column(rd, "--x", a->x, def->x_kind, &d->x, &d->missing_x))
		return CLI_EXIT_USAGE;
	if (a->y && add_column(rd, "--y", a->y, def->y_kind, &d->y, &d->missing_y))
		return CLI_EXIT_USAGE;
	if (!a->strata)
		return 0;
	rd->has_strata = true;
	d->stratum = xcalloc(1, sizeof(size_t));
	return find_column(rd, "--strata", a->strata, &rd->strata_index);
}

static int grow(struct reading *rd)
{
	struct stats_data *d = rd->d;
	if (d->rows < rd->cap)
		return 0;
	if (d->rows >= STATS_MAX_ROWS) {
		fprintf(stderr, "ratchet: %s: more than %zu data rows\n", rd->args->file,
			STATS_MAX_ROWS);
		return CLI_EXIT_FAIL;
	}
	rd->cap = rd->cap ? 2 * rd->cap : 1024;
	for (size_t i = 0; i < rd->n_cols; i++)
		*rd->cols[i].values = xrealloc(*rd->cols[i].values, rd->cap * sizeof(double));
	d->line = xrealloc(d->line, rd->cap * sizeof(size_t));
	if (rd->has_strata)
		d->stratum = xrealloc(d->stratum, rd->cap * sizeof(size_t));
	return 0;
}

/* A number that breaks the column's kind: FILE:LINE: column "NAME": "TEXT" ... */
static int kind_error(const struct reading *rd, const struct column_use *c, const char *what)
{
	char *name = clean_copy(c->name);
	char *text = clean_copy(csv_field(rd->reader, c->index));
	fprintf(stderr, "ratchet: %s:%zu: column \"%s\": \"%.64s\" %s\n", rd->args->file,
		csv_line(rd->reader), name, text, what);
	free(name);
	free(text);
	return CLI_EXIT_FAIL;
}

static int read_cell(struct reading *rd, const struct column_use *c, double *v)
{
	struct err err;
	err_init(&err);
	int rc = csv_get_double(rd->reader, c->index, v, &err);
	if (rc < 0) {
		print_file_error(rd->args->file, &err);
		return CLI_EXIT_FAIL;
	}
	if (rc == 1) {
		(*c->missing)++;
		return 0;
	}
	if (c->kind == STATS_COL_FLAG && *v != 0 && *v != 1)
		return kind_error(rd, c, "is not 0 or 1");
	if ((c->kind == STATS_COL_NONNEG || c->kind == STATS_COL_COUNT) && *v < 0)
		return kind_error(rd, c, "is negative");
	if (c->kind == STATS_COL_COUNT && isfinite(*v) && *v != floor(*v))
		return kind_error(rd, c, "is not a whole number (a count)");
	return 0;
}

static void read_stratum(struct reading *rd, size_t row)
{
	const char *label = csv_field(rd->reader, rd->strata_index);
	if (!label || !*label || strcmp(label, "NaN") == 0 || strcmp(label, "nan") == 0) {
		rd->d->stratum[row] = SIZE_MAX;
		rd->d->missing_strata++;
		return;
	}
	rd->d->stratum[row] = stratum_index(&rd->map, rd->d, label);
}

static int read_row(struct reading *rd)
{
	struct stats_data *d = rd->d;
	if (grow(rd))
		return CLI_EXIT_FAIL;
	size_t row = d->rows;
	for (size_t i = 0; i < rd->n_cols; i++)
		if (read_cell(rd, &rd->cols[i], &(*rd->cols[i].values)[row]))
			return CLI_EXIT_FAIL;
	if (rd->has_strata)
		read_stratum(rd, row);
	d->line[row] = csv_line(rd->reader);
	d->rows++;
	return 0;
}

static int read_rows(struct reading *rd, const struct stats_def *def)
{
	struct err err;
	err_init(&err);
	if (csv_read_header(rd->reader, &err) < 0) {
		print_file_error(rd->args->file, &err);
		return CLI_EXIT_FAIL;
	}
	int rc = setup_columns(rd, def);
	while (!rc) {
		int more = csv_next(rd->reader, &err);
		if (more < 0) {
			print_file_error(rd->args->file, &err);
			return CLI_EXIT_FAIL;
		}
		if (more == 0)
			break;
		rc = read_row(rd);
	}
	return rc;
}

int cmd_stats_read(const struct stats_def *def, const struct stats_args *args, struct stats_data *d)
{
	bool is_stdin = strcmp(args->file, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(args->file, "rb");
	if (!f) {
		fprintf(stderr, "ratchet: could not open \"%s\": %s\n", args->file,
			strerror(errno));
		return CLI_EXIT_FAIL;
	}
	struct reading rd = {.args = args, .d = d};
	rd.reader = csv_reader_new(file_read, f, 0);
	int rc = read_rows(&rd, def);
	csv_reader_free(rd.reader);
	free(rd.map.slots);
	if (!is_stdin)
		fclose(f);
	return rc;
}

/* Output. */

/* The shortest %g text that reads back as v. The caller frees. */
static char *number_text(double v)
{
	for (int digits = 15;; digits++) {
		char *text = xasprintf("%.*g", digits, v);
		if (digits >= 17 || strtod(text, NULL) == v)
			return text;
		free(text);
	}
}

/* A scalar's text: NULL for null. The caller frees. */
static char *leaf_text(const cJSON *v)
{
	if (cJSON_IsString(v) || cJSON_IsRaw(v))
		return xstrdup(v->valuestring);
	if (cJSON_IsNumber(v))
		return number_text(v->valuedouble);
	if (cJSON_IsBool(v))
		return xstrdup(cJSON_IsTrue(v) ? "true" : "false");
	return NULL;
}

/* An array of objects, shown as a table of its own. */
static bool is_list(const cJSON *v)
{
	return cJSON_IsArray(v) && v->child && cJSON_IsObject(v->child);
}

static char *joined_text(const cJSON *array)
{
	struct buf b;
	buf_init(&b, 0);
	buf_append(&b, "", 0);
	const cJSON *item;
	cJSON_ArrayForEach(item, array)
	{
		char *text = leaf_text(item);
		buf_printf(&b, "%s%s", b.len ? ", " : "", text ? text : "-");
		free(text);
	}
	return b.data;
}

/* "name: value" lines for every member of obj but lists, nested objects as
 * prefix.name. */
static void table_fields(FILE *out, const cJSON *obj, const char *prefix)
{
	const cJSON *item;
	cJSON_ArrayForEach(item, obj)
	{
		char *name = xasprintf("%s%s", prefix, item->string);
		if (cJSON_IsObject(item)) {
			char *inner = xasprintf("%s.", name);
			table_fields(out, item, inner);
			free(inner);
		} else if (!is_list(item)) {
			char *text = cJSON_IsArray(item) ? joined_text(item) : leaf_text(item);
			output_field(out, name, text);
			free(text);
		}
		free(name);
	}
}

/* A list's items with every value as its text, for output_list. */
static cJSON *list_as_text(const cJSON *list)
{
	cJSON *rows = cJSON_CreateArray();
	const cJSON *item;
	cJSON_ArrayForEach(item, list)
	{
		cJSON *row = cJSON_CreateObject();
		const cJSON *cell;
		cJSON_ArrayForEach(cell, item)
		{
			char *text = cJSON_IsArray(cell) || cJSON_IsObject(cell) ? joined_text(cell)
										 : leaf_text(cell);
			if (text)
				cJSON_AddStringToObject(row, cell->string, text);
			else
				cJSON_AddNullToObject(row, cell->string);
			free(text);
		}
		cJSON_AddItemToArray(rows, row);
	}
	return rows;
}

static void table_list(FILE *out, const char *name, const cJSON *list)
{
	size_t n_cols = (size_t)cJSON_GetArraySize(list->child);
	struct output_column *cols = xcalloc(n_cols ? n_cols : 1, sizeof(*cols));
	size_t j = 0;
	const cJSON *cell;
	cJSON_ArrayForEach(cell, list->child)
	{
		cols[j].header = cell->string;
		cols[j].field = cell->string;
		j++;
	}
	cJSON *rows = list_as_text(list);
	fprintf(out, "\n%s:\n", name);
	output_list(out, OUTPUT_TABLE, cols, n_cols, rows);
	cJSON_Delete(rows);
	free(cols);
}

static void table_lists(FILE *out, const cJSON *obj, const char *prefix)
{
	const cJSON *item;
	cJSON_ArrayForEach(item, obj)
	{
		char *name = xasprintf("%s%s", prefix, item->string);
		if (is_list(item)) {
			table_list(out, name, item);
		} else if (cJSON_IsObject(item)) {
			char *inner = xasprintf("%s.", name);
			table_lists(out, item, inner);
			free(inner);
		}
		free(name);
	}
}

/* Appends {"field": name, "value": text} for every scalar under v. */
static void csv_rows(cJSON *rows, const cJSON *v, const char *name)
{
	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		const cJSON *item;
		size_t i = 0;
		cJSON_ArrayForEach(item, v)
		{
			char *inner = cJSON_IsObject(v) ? xasprintf("%s%s%s", name,
								    *name ? "." : "", item->string)
							: xasprintf("%s.%zu", name, i);
			csv_rows(rows, item, inner);
			free(inner);
			i++;
		}
		return;
	}
	cJSON *row = cJSON_CreateObject();
	cJSON_AddStringToObject(row, "field", name);
	char *text = leaf_text(v);
	cJSON_AddStringToObject(row, "value", text ? text : "");
	free(text);
	cJSON_AddItemToArray(rows, row);
}

void cmd_stats_print(FILE *out, enum output_format fmt, const cJSON *result)
{
	if (fmt == OUTPUT_JSON) {
		output_json(out, result);
		return;
	}
	if (fmt == OUTPUT_TABLE) {
		table_fields(out, result, "");
		table_lists(out, result, "");
		return;
	}
	static const struct output_column cols[] = {{"field", "field", NULL},
						    {"value", "value", NULL}};
	cJSON *rows = cJSON_CreateArray();
	csv_rows(rows, result, "");
	output_list(out, OUTPUT_CSV, cols, ARRAY_SIZE(cols), rows);
	cJSON_Delete(rows);
}
