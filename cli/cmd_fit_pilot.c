/* The FIT pilot pack on the CLI's side: reading and validating its files with
 * core's parser (metrics --fit-pilot and import fit-pilot), the offline
 * figures (core's fit_pack_figures and fit_pack_metrics, printed through the
 * same JSON builder the server uses, so both give equal figures), and the
 * side-by-side print of a "figures" object: the pack's way beside ratchet's. */
#include "common.h"

#include <math.h>

#include "cli.h"
#include "cmd_metrics.h"
#include "err.h"
#include "fit_pilot.h"
#include "json.h"
#include "metrics.h"
#include "model.h"
#include "rtime.h"

/* Largest pack file read (the server's import limit is the whole body). */
#define FIT_FILE_MAX ((size_t)64 * 1024 * 1024)

/* ---- reading --------------------------------------------------------------------- */

struct fit_text {
	char *text;
	size_t len;
};

/* Reads path whole (at most FIT_FILE_MAX bytes). Returns an exit code. */
static int read_text(const char *path, struct fit_text *t)
{
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		fprintf(stderr, "ratchet: cannot read \"%s\": %s\n", path, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	struct buf b;
	buf_init(&b, FIT_FILE_MAX);
	char chunk[8192];
	size_t got;
	int too_large = 0;
	while (!too_large && (got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		too_large = buf_append(&b, chunk, got) < 0;
	int failed = ferror(fp);
	int saved = errno;
	fclose(fp);
	if (too_large || failed) {
		if (too_large)
			fprintf(stderr, "ratchet: \"%s\" is larger than %zu bytes\n", path,
				FIT_FILE_MAX);
		else
			fprintf(stderr, "ratchet: cannot read \"%s\": %s\n", path, strerror(saved));
		buf_release(&b);
		return CLI_EXIT_FAIL;
	}
	t->len = b.len;
	buf_append(&b, "", 0);
	t->text = b.data ? b.data : xstrdup("");
	return 0;
}

/* Writes text to stderr with control characters replaced (it quotes the files). */
static void put_clean(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		fputc(*p < ' ' || *p == 0x7f ? '?' : *p, stderr);
}

/* The pack parser's problems: each detail's message is "FILE:LINE: field: message". */
static int report_pack(const struct err *err)
{
	for (int i = 0; i < err->n_details && i < ERR_MAX_DETAILS; i++) {
		fputs("ratchet: ", stderr);
		put_clean(err->details[i].message);
		fputc('\n', stderr);
	}
	if (err->n_details == 0) {
		fputs("ratchet: ", stderr);
		put_clean(err->message);
		fputc('\n', stderr);
	} else if (err->n_details > ERR_MAX_DETAILS) {
		fprintf(stderr, "ratchet: and more problems (the first %d are shown)\n",
			ERR_MAX_DETAILS);
	}
	return CLI_EXIT_USAGE;
}

/* The category map's problems: details with line and column, "FILE:L:C: message". */
static int report_map(const char *file, const struct err *err)
{
	for (int i = 0; i < err->n_details && i < ERR_MAX_DETAILS; i++) {
		const struct err_detail *d = &err->details[i];
		fprintf(stderr, "ratchet: %s:%d:%d: ", file, d->line > 0 ? d->line : 1,
			d->column > 0 ? d->column : 1);
		put_clean(d->message);
		fputc('\n', stderr);
	}
	if (err->n_details == 0) {
		fputs("ratchet: ", stderr);
		put_clean(err->message);
		fputc('\n', stderr);
	}
	return CLI_EXIT_USAGE;
}

/* Whether every detail of err is a pack problem "FILE:..." of one of f's files. */
static bool pack_problems(const struct err *err, const struct fit_files *f)
{
	const char *files[2] = {f->changes, f->drills};
	for (int i = 0; i < err->n_details && i < ERR_MAX_DETAILS; i++) {
		const char *m = err->details[i].message;
		bool ours = false;
		for (size_t j = 0; j < ARRAY_SIZE(files) && !ours; j++) {
			size_t len = files[j] ? strlen(files[j]) : 0;
			ours = len && strncmp(m, files[j], len) == 0 && m[len] == ':';
		}
		if (!ours)
			return false;
	}
	return err->n_details > 0;
}

int cmd_fit_pilot_report(struct cli *cli, const struct err *err, const struct fit_files *f)
{
	if (err->code != ERR_INVALID || !pack_problems(err, f))
		return cli_report(cli, err);
	report_pack(err);
	return CLI_EXIT_FAIL;
}

/* A pack read and parsed. */
struct fit_read {
	struct fit_text changes, drills, map_text;
	struct fit_category_map map;
	struct fit_pack pack;
	bool parsed;
};

static void fit_read_release(struct fit_read *r)
{
	free(r->changes.text);
	free(r->drills.text);
	free(r->map_text.text);
	fit_category_map_release(&r->map);
	if (r->parsed)
		fit_pack_release(&r->pack);
	memset(r, 0, sizeof(*r));
}

/* Reads the files and parses them; problems printed. Returns an exit code. */
static int fit_read(const struct fit_files *f, struct fit_read *r)
{
	memset(r, 0, sizeof(*r));
	int rc = read_text(f->changes, &r->changes);
	if (!rc && f->drills)
		rc = read_text(f->drills, &r->drills);
	if (!rc && f->category_map)
		rc = read_text(f->category_map, &r->map_text);
	if (rc)
		return rc;
	struct err err;
	err_init(&err);
	if (f->category_map && fit_category_map_parse(f->category_map, r->map_text.text,
						      r->map_text.len, &r->map, &err) < 0)
		return report_map(f->category_map, &err);
	if (fit_pack_parse(f->changes, r->changes.text, r->changes.len, f->drills,
			   f->drills ? r->drills.text : NULL, r->drills.len, &r->map, &r->pack,
			   &err) < 0)
		return report_pack(&err);
	r->parsed = true;
	return 0;
}

/* The category map as the API takes it: {"source name": "category"}. */
static cJSON *map_json(const struct fit_category_map *m)
{
	cJSON *obj = cJSON_CreateObject();
	for (size_t i = 0; i < m->n; i++)
		cJSON_AddStringToObject(obj, m->from[i], model_name(&io_category_names, m->to[i]));
	return obj;
}

int cmd_fit_pilot_read(const struct fit_files *f, const char *service, cJSON **body)
{
	struct fit_read r;
	int rc = fit_read(f, &r);
	if (!rc) {
		cJSON *b = cJSON_CreateObject();
		if (service)
			cJSON_AddStringToObject(b, "service", service);
		cJSON_AddStringToObject(b, "changes", r.changes.text);
		cJSON_AddStringToObject(b, "changes_file", f->changes);
		if (f->drills) {
			cJSON_AddStringToObject(b, "drills", r.drills.text);
			cJSON_AddStringToObject(b, "drills_file", f->drills);
		}
		if (f->category_map)
			cJSON_AddItemToObject(b, "category_map", map_json(&r.map));
		*body = b;
	}
	fit_read_release(&r);
	return rc;
}

/* ---- offline figures ------------------------------------------------------------ */

/* --asof: RFC 3339 or a date (midnight UTC); checked by the caller already. */
static int64_t parse_asof(const char *asof)
{
	if (!asof)
		return RTIME_NONE;
	int64_t usec = RTIME_NONE;
	struct err err;
	err_init(&err);
	char *stamp = strlen(asof) == 10 ? xasprintf("%sT00:00:00Z", asof) : xstrdup(asof);
	if (rtime_parse(stamp, &usec, &err) < 0)
		usec = RTIME_NONE;
	free(stamp);
	return usec;
}

int cmd_fit_pilot_offline(struct cli *cli, const struct fit_files *f, const char *asof)
{
	struct fit_read r;
	int rc = fit_read(f, &r);
	if (rc) {
		fit_read_release(&r);
		return rc;
	}
	struct fit_figures figures;
	struct fit_pack_metrics metrics;
	fit_pack_figures(&r.pack, &figures);
	fit_pack_metrics(&r.pack, parse_asof(asof), &metrics);
	cJSON *built = fit_figures_to_json(&figures, &metrics);
	/* printed and read back, as the import's answer is: the table and CSV then
	 * show the numbers the JSON carries, and equal the import's */
	char *text = json_print(built);
	cJSON_Delete(built);
	if (cli->format == OUTPUT_JSON) {
		output_json_text(stdout, text, strlen(text));
	} else {
		cJSON *json = cJSON_Parse(text);
		if (!json)
			abort(); /* our own text: only out of memory */
		cmd_fit_pilot_print_figures(cli, json);
		cJSON_Delete(json);
	}
	free(text);
	fit_read_release(&r);
	return 0;
}

/* ---- the side-by-side print --------------------------------------------------- */

/* "12.5% (1/8)" of a fraction and its counts; "-" when v is NAN. */
static char *fraction_text(double v, double numerator, double denominator)
{
	char pct[OUTPUT_FIGURE_BUFSZ], a[OUTPUT_FIGURE_BUFSZ], b[OUTPUT_FIGURE_BUFSZ];
	output_percent(v, pct);
	output_number(numerator, a);
	output_number(denominator, b);
	if (isnan(denominator))
		return xstrdup(pct);
	return xasprintf("%s (%s/%s)", pct, a, b);
}

static char *duration_text(double seconds)
{
	char text[OUTPUT_FIGURE_BUFSZ];
	return xstrdup(output_duration(seconds, text));
}

/* "[lo, hi]" of a duration or fraction interval; NULL when both are null. */
static char *interval_text(const cJSON *obj, bool fraction)
{
	double lo = cmd_metrics_num(obj, "lower"), hi = cmd_metrics_num(obj, "upper");
	if (isnan(lo) && isnan(hi))
		return NULL;
	char a[OUTPUT_FIGURE_BUFSZ], b[OUTPUT_FIGURE_BUFSZ];
	if (fraction) {
		output_percent(lo, a);
		output_percent(hi, b);
	} else {
		output_duration(lo, a);
		output_duration(hi, b);
	}
	return xasprintf("[%s, %s]", a, b);
}

/* One row: table texts (pack_text, ratchet_text, note; owned strings given
 * here) and the CSV's raw figures (pack, ratchet, lower, upper, reason). */
struct side_row {
	const char *figure;
	char *pack_text, *ratchet_text, *note;
	double pack, ratchet, lower, upper;
	const char *reason;
};

static void add_number(cJSON *row, const char *field, double v)
{
	if (isnan(v))
		cJSON_AddNullToObject(row, field);
	else
		cJSON_AddNumberToObject(row, field, v);
}

/* The table's name of a figure. */
static const char *side_label(const char *figure)
{
	static const struct {
		const char *figure, *label;
	} labels[] = {
		{"changes", "changes"},
		{"vl_median", "VL median"},
		{"vl_p90", "VL p90"},
		{"vl_p99", "VL p99"},
		{"vl_rmean", "VL restricted mean"},
		{"gbr_per_io_change", "GBR per IO change"},
		{"rdpr", "RDPR"},
		{"io_missing_closure", "IO changes missing closure"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(labels); i++)
		if (strcmp(labels[i].figure, figure) == 0)
			return labels[i].label;
	return figure;
}

static void add_side_row(cJSON *rows, struct side_row *s)
{
	cJSON *row = cJSON_CreateObject();
	cJSON_AddStringToObject(row, "figure", s->figure);
	cJSON_AddStringToObject(row, "label", side_label(s->figure));
	if (s->pack_text)
		cJSON_AddStringToObject(row, "pack_text", s->pack_text);
	if (s->ratchet_text)
		cJSON_AddStringToObject(row, "ratchet_text", s->ratchet_text);
	if (s->note)
		cJSON_AddStringToObject(row, "note", s->note);
	else if (s->reason)
		cJSON_AddStringToObject(row, "note", s->reason);
	add_number(row, "pack", s->pack);
	add_number(row, "ratchet", s->ratchet);
	add_number(row, "lower", s->lower);
	add_number(row, "upper", s->upper);
	if (s->reason)
		cJSON_AddStringToObject(row, "reason", s->reason);
	cJSON_AddItemToArray(rows, row);
	free(s->pack_text);
	free(s->ratchet_text);
	free(s->note);
}

/* The ratchet text of a KM quantile {value, lower, upper}: "3h [1h, -]". */
static char *km_text(const cJSON *q)
{
	char value[OUTPUT_FIGURE_BUFSZ];
	output_duration(cmd_metrics_num(q, "value"), value);
	char *interval = interval_text(q, false);
	char *text = interval ? xasprintf("%s %s", value, interval) : xstrdup(value);
	free(interval);
	return text;
}

static void count_side_row(cJSON *rows, const cJSON *pack, const cJSON *vl)
{
	char n[OUTPUT_FIGURE_BUFSZ], closed[OUTPUT_FIGURE_BUFSZ], open[OUTPUT_FIGURE_BUFSZ];
	output_number(cmd_metrics_num(vl, "n"), n);
	output_number(cmd_metrics_num(vl, "closed"), closed);
	output_number(cmd_metrics_num(vl, "open"), open);
	char pn[OUTPUT_FIGURE_BUFSZ], pc[OUTPUT_FIGURE_BUFSZ];
	output_number(cmd_metrics_num(pack, "changes"), pn);
	output_number(cmd_metrics_num(pack, "closed"), pc);
	struct side_row s = {
		"changes",
		xasprintf("%s (%s closed)", pn, pc),
		xasprintf("%s (%s closed, %s open)", n, closed, open),
		xstrdup("pack: open changes dropped; ratchet: open ones censored at asof"),
		cmd_metrics_num(pack, "changes"),
		cmd_metrics_num(vl, "n"),
		NAN,
		NAN,
		NULL};
	add_side_row(rows, &s);
}

/* A KM quantile q beside the pack's figure pack_value; reason when q is null. */
static void km_side_row(cJSON *rows, const char *figure, double pack_value, const cJSON *q,
			const char *reason, const char *note)
{
	struct side_row s = {figure,
			     duration_text(pack_value),
			     km_text(q),
			     NULL,
			     pack_value,
			     cmd_metrics_num(q, "value"),
			     cmd_metrics_num(q, "lower"),
			     cmd_metrics_num(q, "upper"),
			     NULL};
	if (isnan(s.ratchet))
		s.reason = reason;
	else if (note)
		s.note = xstrdup(note);
	add_side_row(rows, &s);
}

static void vl_side_rows(cJSON *rows, const cJSON *pack, const cJSON *vl)
{
	count_side_row(rows, pack, vl);
	const char *reason = cmd_metrics_str(vl, "reason");
	km_side_row(rows, "vl_median", cmd_metrics_num(pack, "vl_median"),
		    cmd_metrics_get(vl, "median"), reason,
		    "pack: type 7 over closed; ratchet: Kaplan-Meier, 95% log-log");
	bool median_null = isnan(cmd_metrics_num(vl, "median.value"));
	km_side_row(rows, "vl_p90", cmd_metrics_num(pack, "vl_p90"), cmd_metrics_get(vl, "p90"),
		    median_null && reason ? reason : "fewer than 90% of the evaluations closed",
		    NULL);

	struct side_row s = {"vl_p99",
			     duration_text(cmd_metrics_num(pack, "vl_p99")),
			     NULL,
			     xstrdup("the pack's only"),
			     cmd_metrics_num(pack, "vl_p99"),
			     NAN,
			     NAN,
			     NAN,
			     NULL};
	add_side_row(rows, &s);

	double rmean = cmd_metrics_num(vl, "rmean.value");
	const char *rmean_reason = cmd_metrics_str(vl, "rmean.reason");
	s = (struct side_row){
		"vl_rmean", NULL, duration_text(rmean),
		NULL,	    NAN,  rmean,
		NAN,	    NAN,  isnan(rmean) ? (rmean_reason ? rmean_reason : reason) : NULL};
	if (!s.reason) {
		char tau[OUTPUT_FIGURE_BUFSZ];
		output_duration(cmd_metrics_num(vl, "rmean.tau"), tau);
		s.note = xasprintf("ratchet's restricted mean up to the longest follow-up, %s "
				   "(tau_g)",
				   tau);
	}
	add_side_row(rows, &s);
}

static void rate_side_rows(cJSON *rows, const cJSON *pack, const cJSON *ratchet)
{
	const cJSON *g = cmd_metrics_get(ratchet, "gbr_per_io_change");
	struct side_row s = {
		"gbr_per_io_change",
		fraction_text(cmd_metrics_num(pack, "gbr"), cmd_metrics_num(pack, "io_bypassed"),
			      cmd_metrics_num(pack, "io_changes")),
		fraction_text(cmd_metrics_num(g, "value"), cmd_metrics_num(g, "numerator"),
			      cmd_metrics_num(g, "denominator")),
		NULL,
		cmd_metrics_num(pack, "gbr"),
		cmd_metrics_num(g, "value"),
		NAN,
		NAN,
		cmd_metrics_str(g, "reason")};
	if (!s.reason)
		s.note = xstrdup("IO changes bypassed / IO changes (ratchet: not a bypass of a "
				 "gate already passed)");
	add_side_row(rows, &s);

	const cJSON *r = cmd_metrics_get(ratchet, "rdpr");
	char *interval = interval_text(r, true);
	char *value = fraction_text(cmd_metrics_num(r, "value"), cmd_metrics_num(r, "passed"),
				    cmd_metrics_num(r, "drills"));
	s = (struct side_row){"rdpr",
			      fraction_text(cmd_metrics_num(pack, "rdpr"),
					    cmd_metrics_num(pack, "drills_passed"),
					    cmd_metrics_num(pack, "drills")),
			      interval ? xasprintf("%s %s", value, interval) : xstrdup(value),
			      NULL,
			      cmd_metrics_num(pack, "rdpr"),
			      cmd_metrics_num(r, "value"),
			      cmd_metrics_num(r, "lower"),
			      cmd_metrics_num(r, "upper"),
			      cmd_metrics_str(r, "reason")};
	if (!s.reason)
		s.note = xstrdup("drills passed / drills; ratchet: Wilson 95%");
	free(value);
	free(interval);
	add_side_row(rows, &s);

	char missing[OUTPUT_FIGURE_BUFSZ];
	output_number(cmd_metrics_num(pack, "io_missing_closure"), missing);
	s = (struct side_row){"io_missing_closure",
			      xstrdup(missing),
			      NULL,
			      NULL,
			      cmd_metrics_num(pack, "io_missing_closure"),
			      NAN,
			      NAN,
			      NAN,
			      NULL};
	add_side_row(rows, &s);
}

static const struct output_column side_table[] = {
	{"FIGURE", "label", NULL},
	{"PACK", "pack_text", NULL},
	{"RATCHET", "ratchet_text", NULL},
	{"NOTE", "note", NULL},
};

static const struct output_column side_csv[] = {
	{"figure", "figure", NULL}, {"pack", "pack", NULL},   {"ratchet", "ratchet", NULL},
	{"lower", "lower", NULL},   {"upper", "upper", NULL}, {"reason", "reason", NULL},
};

void cmd_fit_pilot_print_figures(const struct cli *cli, const cJSON *figures)
{
	const cJSON *pack = cmd_metrics_get(figures, "pack");
	const cJSON *ratchet = cmd_metrics_get(figures, "ratchet");
	cJSON *rows = cJSON_CreateArray();
	vl_side_rows(rows, pack, cmd_metrics_get(ratchet, "validation_lag"));
	rate_side_rows(rows, pack, ratchet);
	if (cli->format == OUTPUT_CSV) {
		output_list(stdout, OUTPUT_CSV, side_csv, ARRAY_SIZE(side_csv), rows);
		cJSON_Delete(rows);
		return;
	}
	printf("ratchet's figures computed from the pack, not the register, as of %s (open "
	       "evaluations censored there)\n\n",
	       cli_or_dash(cmd_metrics_str(ratchet, "asof")));
	output_list(stdout, OUTPUT_TABLE, side_table, ARRAY_SIZE(side_table), rows);
	cJSON_Delete(rows);
	double missing = cmd_metrics_num(pack, "io_missing_closure");
	if (missing > 0)
		printf("\n%g IO change%s no closure: the pack's VL leaves %s out, ratchet counts "
		       "%s as open\n",
		       missing, missing == 1 ? " has" : "s have", missing == 1 ? "it" : "them",
		       missing == 1 ? "it" : "them");
}
