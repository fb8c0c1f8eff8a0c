/* Table, CSV and JSON rendering for the CLI. Tables are for people (aligned,
 * control characters made harmless, statuses coloured on a terminal); CSV
 * keeps values byte for byte. Also the figures' formats: durations,
 * percentages, numbers and sparklines. */
#include "common.h"

#include <math.h>
#include <unistd.h>

#include "output.h"

int output_format_parse(const char *name, enum output_format *out)
{
	static const struct {
		const char *name;
		enum output_format format;
	} formats[] = {{"table", OUTPUT_TABLE},
		       {"json", OUTPUT_JSON},
		       {"csv", OUTPUT_CSV},
		       {"md", OUTPUT_MD}};
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
	/* the shortest of 15, 16 or 17 digits that reads back as the same double,
	 * so 0.23 stays 0.23 */
	for (int digits = 15; digits < 17; digits++) {
		char *text = xasprintf("%.*g", digits, v);
		if (strtod(text, NULL) == v)
			return text;
		free(text);
	}
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

/* status_col: the column of metric statuses, or n_cols for none. */
static void print_table(FILE *out, const struct output_column *cols, size_t n_cols,
			const cJSON *items, size_t status_col)
{
	size_t rows = (size_t)cJSON_GetArraySize(items) + 1;
	char **cells = xcalloc(rows * n_cols, sizeof(*cells));
	size_t *widths = xcalloc(n_cols, sizeof(*widths));
	bool colour = output_colour(out);
	table_cells(cells, cols, n_cols, items);
	for (size_t i = 0; i < rows * n_cols; i++) {
		size_t w = text_width(cells[i]);
		if (w > widths[i % n_cols])
			widths[i % n_cols] = w;
	}
	for (size_t i = 0; i < rows; i++) {
		for (size_t j = 0; j < n_cols; j++) {
			const char *text = cells[i * n_cols + j];
			if (i > 0 && j == status_col)
				output_status(out, text, colour);
			else
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
		print_table(out, cols, n_cols, items, n_cols);
}

void output_list_status(FILE *out, enum output_format fmt, const struct output_column *cols,
			size_t n_cols, const cJSON *items, size_t status_col)
{
	if (fmt == OUTPUT_CSV)
		print_csv(out, cols, n_cols, items);
	else
		print_table(out, cols, n_cols, items, status_col);
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

/* ---- figures ---------------------------------------------------------------- */

bool output_colour(FILE *out)
{
	const char *no_colour = getenv("NO_COLOR");
	return (!no_colour || !*no_colour) && isatty(fileno(out));
}

const char *output_status_colour(const char *status, bool colour)
{
	if (!colour || !status)
		return "";
	if (strcmp(status, "ok") == 0)
		return "\033[32m";
	if (strcmp(status, "warn") == 0)
		return "\033[33m";
	if (strcmp(status, "breach") == 0)
		return "\033[31m";
	return "";
}

void output_status(FILE *out, const char *status, bool colour)
{
	const char *start = output_status_colour(status, colour);
	fprintf(out, "%s%s%s", start, status ? status : "-", *start ? OUTPUT_COLOUR_RESET : "");
}

/* Appends "<n><unit>" to out at *len when n > 0 (or always when force). */
static void add_unit(char *out, size_t *len, int64_t n, const char *unit, bool force)
{
	if (n <= 0 && !force)
		return;
	int w = snprintf(out + *len, OUTPUT_FIGURE_BUFSZ - *len, "%" PRId64 "%s", n, unit);
	if (w > 0 && (size_t)w < OUTPUT_FIGURE_BUFSZ - *len)
		*len += (size_t)w;
}

char *output_duration(double seconds, char out[OUTPUT_FIGURE_BUFSZ])
{
	static const struct {
		const char *name;
		int64_t seconds;
	} units[] = {{"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}};
	if (isnan(seconds) || fabs(seconds) > 1e15) {
		snprintf(out, OUTPUT_FIGURE_BUFSZ, "%s", isnan(seconds) ? "-" : "inf");
		return out;
	}
	size_t len = 0;
	if (seconds < 0) {
		out[len++] = '-';
		seconds = -seconds;
	}
	if (seconds < 60 && seconds != floor(seconds)) {
		snprintf(out + len, OUTPUT_FIGURE_BUFSZ - len, "%.*fs", seconds < 10 ? 1 : 0,
			 seconds);
		return out;
	}
	size_t u = 0;
	while (u + 1 < ARRAY_SIZE(units) && seconds < (double)units[u].seconds)
		u++;
	/* two units at most: round to the smaller one (59m59.9s is 1h, not 60m) */
	int64_t step, total;
	for (;;) {
		step = u + 1 < ARRAY_SIZE(units) ? units[u + 1].seconds : 1;
		total = (int64_t)llround(seconds / (double)step) * step;
		if (u == 0 || total < units[u - 1].seconds)
			break;
		u--;
	}
	out[len] = '\0';
	add_unit(out, &len, total / units[u].seconds, units[u].name, true);
	if (u + 1 < ARRAY_SIZE(units))
		add_unit(out, &len, total % units[u].seconds / step, units[u + 1].name, false);
	return out;
}

char *output_percent(double fraction, char out[OUTPUT_FIGURE_BUFSZ])
{
	if (isnan(fraction))
		snprintf(out, OUTPUT_FIGURE_BUFSZ, "-");
	else
		snprintf(out, OUTPUT_FIGURE_BUFSZ, "%.1f%%", fraction * 100.0);
	return out;
}

char *output_number(double v, char out[OUTPUT_FIGURE_BUFSZ])
{
	if (isnan(v)) {
		snprintf(out, OUTPUT_FIGURE_BUFSZ, "-");
		return out;
	}
	snprintf(out, OUTPUT_FIGURE_BUFSZ, "%.3f", v);
	if (strchr(out, '.')) {
		size_t n = strlen(out);
		while (n > 0 && out[n - 1] == '0')
			out[--n] = '\0';
		if (n > 0 && out[n - 1] == '.')
			out[--n] = '\0';
	}
	if (strcmp(out, "-0") == 0)
		snprintf(out, OUTPUT_FIGURE_BUFSZ, "0");
	return out;
}

char *output_sparkline(const double *values, size_t n)
{
	static const char *const bars[] = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
					   "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
					   "\xe2\x96\x87", "\xe2\x96\x88"}; /* U+2581..U+2588 */
	double lo = 0, hi = 0;
	for (size_t i = 0; i < n; i++) {
		if (isnan(values[i]))
			continue;
		lo = values[i] < lo ? values[i] : lo;
		hi = values[i] > hi ? values[i] : hi;
	}
	struct buf b;
	buf_init(&b, 0);
	buf_append(&b, "", 0);
	for (size_t i = 0; i < n; i++) {
		if (isnan(values[i])) {
			buf_append(&b, " ", 1);
			continue;
		}
		size_t level = 0;
		if (hi > lo)
			level = (size_t)lround((values[i] - lo) / (hi - lo) * 7.0);
		buf_printf(&b, "%s", bars[level > 7 ? 7 : level]);
	}
	return b.data;
}

double output_number_of(const cJSON *value)
{
	return cJSON_IsNumber(value) ? value->valuedouble : NAN;
}
