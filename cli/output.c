/* Table, CSV and JSON rendering for the CLI. Tables are for people (aligned,
 * control characters made harmless); CSV keeps values byte for byte. */
#include "common.h"

#include "output.h"

int output_format_parse(const char *name, enum output_format *out)
{
	static const struct {
		const char *name;
		enum output_format format;
	} formats[] = {{"table", OUTPUT_TABLE}, {"json", OUTPUT_JSON}, {"csv", OUTPUT_CSV}};
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		if (strcmp(name, formats[i].name) == 0) {
			*out = formats[i].format;
			return 0;
		}
	}
	return -1;
}

static char *print_compact(const cJSON *value)
{
	char *printed = cJSON_PrintUnformatted(value);
	if (!printed)
		abort(); /* cJSON prints NULL only when out of memory */
	char *copy = xstrdup(printed);
	cJSON_free(printed);
	return copy;
}

static char *number_text(const cJSON *value)
{
	double v = value->valuedouble;
	/* integral values within double's exact range print as integers */
	if (v >= -9007199254740992.0 && v <= 9007199254740992.0 && v == (double)(int64_t)v)
		return xasprintf("%" PRId64, (int64_t)v);
	return xasprintf("%.17g", v);
}

static bool all_strings(const cJSON *array)
{
	const cJSON *item;
	cJSON_ArrayForEach(item, array)
	{
		if (!cJSON_IsString(item))
			return false;
	}
	return true;
}

static char *join_strings(const cJSON *array)
{
	struct buf b;
	buf_init(&b, 0);
	buf_append(&b, "", 0);
	const cJSON *item;
	cJSON_ArrayForEach(item, array)
	{
		buf_printf(&b, "%s%s", b.len ? ", " : "", item->valuestring);
	}
	return b.data;
}

char *output_value(const cJSON *value)
{
	if (!value || cJSON_IsNull(value))
		return NULL;
	if (cJSON_IsString(value))
		return xstrdup(value->valuestring);
	if (cJSON_IsNumber(value))
		return number_text(value);
	if (cJSON_IsBool(value))
		return xstrdup(cJSON_IsTrue(value) ? "true" : "false");
	if (cJSON_IsArray(value) && all_strings(value))
		return join_strings(value);
	return print_compact(value);
}

char *output_member(const cJSON *obj, const char *name)
{
	return output_value(cJSON_GetObjectItemCaseSensitive(obj, name));
}

/* Makes text safe and one line for a terminal; s is modified in place. */
static void make_printable(char *s)
{
	for (unsigned char *p = (unsigned char *)s; *p; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
		else if (*p < ' ' || *p == 0x7f)
			*p = '?';
	}
}

/* Display width, counting UTF-8 code points (wide characters count as one). */
static size_t text_width(const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xc0) != 0x80)
			n++;
	return n;
}

static char *cell_text(const struct output_column *col, const cJSON *item)
{
	if (col->render)
		return col->render(item);
	return output_member(item, col->field);
}

/* Fills cells (rows x n_cols, row 0 the headers) with printable heap strings. */
static void table_cells(char **cells, const struct output_column *cols, size_t n_cols,
			const cJSON *items)
{
	for (size_t j = 0; j < n_cols; j++)
		cells[j] = xstrdup(cols[j].header);
	size_t i = 1;
	const cJSON *item;
	cJSON_ArrayForEach(item, items)
	{
		for (size_t j = 0; j < n_cols; j++) {
			char *text = cell_text(&cols[j], item);
			if (text && !*text) {
				/* an empty cell would read as a missing column */
				free(text);
				text = NULL;
			}
			cells[i * n_cols + j] = text ? text : xstrdup("-");
			make_printable(cells[i * n_cols + j]);
		}
		i++;
	}
}

static void print_table(FILE *out, const struct output_column *cols, size_t n_cols,
			const cJSON *items)
{
	size_t rows = (size_t)cJSON_GetArraySize(items) + 1;
	char **cells = xcalloc(rows * n_cols, sizeof(*cells));
	size_t *widths = xcalloc(n_cols, sizeof(*widths));
	table_cells(cells, cols, n_cols, items);
	for (size_t i = 0; i < rows * n_cols; i++) {
		size_t w = text_width(cells[i]);
		if (w > widths[i % n_cols])
			widths[i % n_cols] = w;
	}
	for (size_t i = 0; i < rows; i++) {
		for (size_t j = 0; j < n_cols; j++) {
			const char *text = cells[i * n_cols + j];
			fputs(text, out);
			/* the last column is not padded: no trailing blanks */
			if (j + 1 < n_cols)
				fprintf(out, "%*s", (int)(widths[j] - text_width(text) + 2), "");
		}
		fputc('\n', out);
	}
	for (size_t i = 0; i < rows * n_cols; i++)
		free(cells[i]);
	free(cells);
	free(widths);
}

static void csv_field(FILE *out, const char *text)
{
	if (!strpbrk(text, ",\"\r\n")) {
		fputs(text, out);
		return;
	}
	fputc('"', out);
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	fputc('"', out);
}

static void csv_header(FILE *out, const struct output_column *cols, size_t n_cols)
{
	for (size_t j = 0; j < n_cols; j++) {
		char *name = xstrdup(cols[j].header);
		for (char *p = name; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		if (j)
			fputc(',', out);
		csv_field(out, name);
		free(name);
	}
	fputc('\n', out);
}

static void print_csv(FILE *out, const struct output_column *cols, size_t n_cols,
		      const cJSON *items)
{
	csv_header(out, cols, n_cols);
	const cJSON *item;
	cJSON_ArrayForEach(item, items)
	{
		for (size_t j = 0; j < n_cols; j++) {
			char *text = cell_text(&cols[j], item);
			if (j)
				fputc(',', out);
			csv_field(out, text ? text : "");
			free(text);
		}
		fputc('\n', out);
	}
}

void output_list(FILE *out, enum output_format fmt, const struct output_column *cols, size_t n_cols,
		 const cJSON *items)
{
	if (fmt == OUTPUT_CSV)
		print_csv(out, cols, n_cols, items);
	else
		print_table(out, cols, n_cols, items);
}

void output_field(FILE *out, const char *name, const char *value)
{
	char *text = xstrdup(value && *value ? value : "-");
	make_printable(text);
	fprintf(out, "%s: %s\n", name, text);
	free(text);
}

void output_json_text(FILE *out, const char *text, size_t len)
{
	fwrite(text, 1, len, out);
	if (len == 0 || text[len - 1] != '\n')
		fputc('\n', out);
}

void output_json(FILE *out, const cJSON *item)
{
	char *printed = cJSON_Print(item);
	if (!printed)
		abort(); /* cJSON prints NULL only when out of memory */
	fprintf(out, "%s\n", printed);
	cJSON_free(printed);
}
