/* Unit tests for core/flat_import*.c: the flat-file import of changes, IOs,
 * incidents and drills from CSV and JSONL — malformed files with their exact
 * problems (every one, FILE:LINE: field: message), the column map, the fixed
 * zone for naive times, repeats within a file, and the records of good rows. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "err.h"
#include "flat_import.h"
#include "rtime.h"
#include "test_util.h"

/* Parse options of one case. */
struct opts {
	enum flat_format format;
	const char *tz; /* a --tz value, or NULL */
	const char *service;
	const char *map; /* map YAML, or NULL */
	int64_t now;	 /* with max_skew 5m when set; 0: no future check */
};

static int64_t ts(const char *s)
{
	int64_t t;
	struct err err;
	err_init(&err);
	assert_int_equal(rtime_parse(s, &t, &err), 0);
	return t;
}

/* Parses text as kind; res is filled (the caller releases it). Returns the
 * parse's result and sets *problems to every problem's text, one a line
 * (caller frees). */
static int run(enum flat_kind kind, const struct opts *po, const char *text, size_t len,
	       struct flat_result *res, char **problems)
{
	struct opts none = {FLAT_CSV, NULL, NULL, NULL, 0};
	const struct opts *p = po ? po : &none;
	struct flat_options o;
	flat_options_init(&o, kind);
	o.format = p->format;
	o.file = p->format == FLAT_JSONL ? "f.jsonl" : "f.csv";
	o.service = p->service;
	char suffix[8];
	struct err err;
	err_init(&err);
	if (p->tz) {
		assert_int_equal(flat_tz_parse(p->tz, suffix, &err), 0);
		o.tz = suffix;
	}
	struct flat_map map;
	if (p->map) {
		assert_int_equal(flat_map_parse("m.yaml", p->map, strlen(p->map), kind, &map, &err),
				 0);
		o.map = &map;
	}
	if (p->now) {
		o.now = p->now;
		o.max_skew = 300 * 1000000LL;
	}
	int rc = flat_import_parse(&o, text, len, res, &err);
	struct buf b;
	buf_init(&b, 0);
	buf_append(&b, "", 0);
	for (size_t i = 0; i < res->n_problems; i++) {
		char *t = flat_problem_text(o.file, &res->problems[i]);
		buf_printf(&b, "%s%s", i ? "\n" : "", t);
		free(t);
	}
	*problems = b.data;
	if (rc == 0)
		assert_false(err_is_set(&err));
	else
		assert_int_equal(err.code, ERR_INVALID);
	if (p->map)
		flat_map_release(&map);
	return rc;
}

/* Fails unless text (as kind, with po) has exactly the problems want (one a
 * line) and n_rows good rows. */
static void assert_problems(enum flat_kind kind, const struct opts *po, const char *text,
			    const char *want, size_t n_rows)
{
	struct flat_result res;
	char *got = NULL;
	int rc = run(kind, po, text, strlen(text), &res, &got);
	if (strcmp(got, want) != 0) {
		print_error("problems:\n%s\nwant:\n%s\n", got, want);
		fail();
	}
	assert_int_equal(rc, *want ? -1 : 0);
	assert_int_equal(res.n_rows, n_rows);
	free(got);
	flat_result_release(&res);
}

/* Fails unless the map does not parse and its details are want ("L:C field: message" a line). */
static void assert_map_problems(enum flat_kind kind, const char *yaml, const char *want)
{
	struct flat_map map;
	struct err err;
	err_init(&err);
	assert_int_equal(flat_map_parse("m.yaml", yaml, strlen(yaml), kind, &map, &err), -1);
	assert_int_equal(map.n, 0);
	struct buf b;
	buf_init(&b, 0);
	buf_append(&b, "", 0);
	for (int i = 0; i < err.n_details; i++)
		buf_printf(&b, "%s%d:%d %s: %s", i ? "\n" : "", err.details[i].line,
			   err.details[i].column, err.details[i].field, err.details[i].message);
	if (strcmp(b.data, want) != 0) {
		print_error("map problems:\n%s\nwant:\n%s\n", b.data, want);
		fail();
	}
	buf_release(&b);
}

#define CH "key,title,service,impact,effective_at\n"
#define T0 "2026-03-01T10:00:00Z"

/* ---- good files ----------------------------------------------------------------------- */

static void test_a_good_changes_file_gives_its_records(void **state)
{
	(void)state;
	const char *text = "key,title,service,impact,effective_at,refs,links,boundary,author\n"
			   "C1,First,svc,high," T0 ",#12 #13,https://x/1 https://x/2,"
			   "\"{\"\"a\"\": [1]}\",ann\n"
			   "C2,Second,svc,low,,,,,\n";
	struct flat_result res;
	char *problems;
	assert_int_equal(run(FLAT_CHANGES, NULL, text, strlen(text), &res, &problems), 0);
	assert_string_equal(problems, "");
	assert_int_equal(res.n_records, 2);
	assert_int_equal(res.n_rows, 2);
	const struct change *c = &res.rows[0].u.change;
	assert_int_equal(res.rows[0].line, 2);
	assert_string_equal(res.rows[0].key, "svc:C1");
	assert_string_equal(c->title, "First");
	assert_int_equal(c->impact, IMPACT_HIGH);
	assert_int_equal(c->state, CHANGE_EFFECTIVE);
	assert_true(c->effective_at == ts(T0));
	assert_int_equal(c->refs.n, 2);
	assert_string_equal(c->refs.items[1], "#13");
	assert_int_equal(c->links.n, 2);
	assert_string_equal(c->boundary, "{\"a\":[1]}");
	assert_string_equal(c->author, "ann");
	assert_int_equal(res.rows[1].u.change.state, CHANGE_PLANNED);
	assert_null(res.rows[1].u.change.author);
	free(problems);
	flat_result_release(&res);
}

static void test_a_header_alone_is_no_rows_and_no_problem(void **state)
{
	(void)state;
	assert_problems(FLAT_CHANGES, NULL, CH, "", 0);
	assert_problems(FLAT_CHANGES, NULL, CH "\n\n", "", 0);
}

static void test_jsonl_rows_take_the_api_types(void **state)
{
	(void)state;
	struct opts o = {FLAT_JSONL, NULL, "svc", NULL, 0};
	const char *text = "{\"kind\":\"incident\",\"severity\":\"sev2\",\"external_key\":\"#12\","
			   "\"title\":\"Down\",\"occurred_at\":\"2026-03-01T10:00:00+01:00\","
			   "\"detected_at\":null}\n"
			   "\n"
			   "{\"title\":\"Slow\",\"kind\":\"near_miss\",\"occurred_at\":\"" T0
			   "\",\"service\":\"other\"}\n";
	struct flat_result res;
	char *problems;
	assert_int_equal(run(FLAT_INCIDENTS, &o, text, strlen(text), &res, &problems), 0);
	assert_int_equal(res.n_rows, 2);
	const struct incident *a = &res.rows[0].u.incident, *b = &res.rows[1].u.incident;
	assert_string_equal(a->service, "svc");
	assert_int_equal(a->severity, 2);
	assert_true(a->occurred_at == ts("2026-03-01T09:00:00Z"));
	assert_true(a->detected_at == RTIME_NONE);
	assert_string_equal(a->source, "import");
	assert_string_equal(res.rows[0].key, "svc:#12");
	assert_int_equal(res.rows[1].line, 3);
	assert_string_equal(b->service, "other");
	assert_int_equal(b->kind, BACKTEST_NEAR_MISS);
	assert_null(res.rows[1].key);
	free(problems);
	flat_result_release(&res);
}

static void test_io_and_drill_rows_carry_their_change(void **state)
{
	(void)state;
	struct opts o = {FLAT_CSV, NULL, "svc", NULL, 0};
	const char *ios = "change,category,description,status\n"
			  "12,data,Deleted logs,candidate\n"
			  "other:K9,evaluation,Replaced eval set,\n"
			  "K1,optionality,Lock-in,\n";
	struct flat_result res;
	char *problems;
	assert_int_equal(run(FLAT_IOS, &o, ios, strlen(ios), &res, &problems), 0);
	assert_int_equal(res.n_rows, 3);
	assert_string_equal(res.rows[0].change_ref, "12");
	assert_int_equal(res.rows[0].u.io.status, IO_CANDIDATE);
	assert_string_equal(res.rows[0].u.io.source, "import");
	assert_string_equal(res.rows[1].change_ref, "other:K9");
	assert_string_equal(res.rows[2].change_ref, "svc:K1");
	free(problems);
	flat_result_release(&res);
	const char *drills = "service,change,performed_at,rto_target,rpo_target,rto_actual,outcome,"
			     "external_key\n"
			     "db,K1," T0 ",1h,15m,30m,restored,D-1\n"
			     "db,,2026-03-02T00:00:00Z,1h,15m,,failed,\n";
	assert_int_equal(run(FLAT_DRILLS, NULL, drills, strlen(drills), &res, &problems), 0);
	assert_string_equal(res.rows[0].change_ref, "db:K1");
	assert_string_equal(res.rows[0].external_key, "D-1");
	assert_string_equal(res.rows[0].key, "db:D-1");
	assert_int_equal(res.rows[0].u.drill.rto_target, 3600);
	assert_int_equal(res.rows[0].u.drill.rto_actual, 1800);
	assert_int_equal(res.rows[0].u.drill.rpo_actual, -1);
	assert_null(res.rows[1].change_ref);
	assert_null(res.rows[1].key);
	assert_int_equal(res.rows[1].u.drill.outcome, DRILL_FAILED);
	free(problems);
	flat_result_release(&res);
}

/* ---- malformed files ------------------------------------------------------------------------- */

static void test_1_an_unknown_column_and_a_missing_one_stop_the_file(void **state)
{
	(void)state;
	struct flat_result res;
	char *problems;
	const char *text = "key,titel,service,impact\nK,t,svc,low\n";
	assert_int_equal(run(FLAT_CHANGES, NULL, text, strlen(text), &res, &problems), -1);
	assert_string_equal(problems,
			    "f.csv:1: titel: unknown column (the fields of changes are: key, "
			    "external_key, title, service, impact, state, planned_for, "
			    "effective_at, author, links, refs, boundary; rename it with --map)\n"
			    "f.csv:1: title: no such column (required)");
	assert_true(res.fatal);
	assert_int_equal(res.n_records, 0);
	free(problems);
	flat_result_release(&res);
}

static void test_2_a_changes_file_needs_key_or_external_key(void **state)
{
	(void)state;
	assert_problems(FLAT_CHANGES, NULL, "title,service,impact\nt,svc,low\n",
			"f.csv:1: key: no such column (required: key or external_key)", 0);
	/* with --service the service column may go */
	struct opts o = {FLAT_CSV, NULL, "svc", NULL, 0};
	assert_problems(FLAT_CHANGES, &o, "external_key,title,impact\nK,t,low\n", "", 1);
}

static void test_3_a_duplicate_column_name_stops_the_file(void **state)
{
	(void)state;
	assert_problems(
		FLAT_CHANGES, NULL, "key,title,title,service,impact\n",
		"f.csv:1: csv: duplicate column name \"title\" (columns 2 and 3) (column 11)", 0);
}

static void test_4_an_empty_file_is_a_problem(void **state)
{
	(void)state;
	assert_problems(FLAT_CHANGES, NULL, "", "f.csv:1: file: is empty", 0);
	struct opts o = {FLAT_JSONL, NULL, NULL, NULL, 0};
	assert_problems(FLAT_INCIDENTS, &o, "\n \r\n", "f.jsonl:1: file: is empty", 0);
}

static void test_5_bad_dates_name_what_is_wrong(void **state)
{
	(void)state;
	assert_problems(FLAT_CHANGES, NULL,
			CH "K1,t,svc,low,2026-13-01T00:00:00Z\n"
			   "K2,t,svc,low,2026-02-30T00:00:00Z\n"
			   "K3,t,svc,low,2026-03-01\n"
			   "K4,t,svc,low,yesterday\n"
			   "K5,t,svc,low,2026-03-01T24:00:00Z\n",
			"f.csv:2: effective_at: invalid timestamp \"2026-13-01T00:00:00Z\": month "
			"13 out of range\n"
			"f.csv:3: effective_at: invalid timestamp \"2026-02-30T00:00:00Z\": day 30 "
			"out of range for 2026-02\n"
			"f.csv:4: effective_at: invalid timestamp \"2026-03-01\": date without a "
			"time; expected 'T' and hh:mm:ss\n"
			"f.csv:5: effective_at: invalid timestamp \"yesterday\": year must be 4 "
			"digits\n"
			"f.csv:6: effective_at: invalid timestamp \"2026-03-01T24:00:00Z\": hour "
			"24 out of range",
			0);
}

static void test_6_naive_times_are_refused_unless_a_zone_is_named(void **state)
{
	(void)state;
	const char *text = CH "K1,t,svc,low,2026-03-01T10:00:00\n"
			      "K2,t,svc,low,2026-03-01 10:00:00.25\n";
	assert_problems(FLAT_CHANGES, NULL, text,
			"f.csv:2: effective_at: \"2026-03-01T10:00:00\" has no UTC offset: add Z "
			"or +hh:mm, or name the zone (--tz)\n"
			"f.csv:3: effective_at: \"2026-03-01 10:00:00.25\" has no UTC offset: add "
			"Z or +hh:mm, or name the zone (--tz)",
			0);
	struct opts o = {FLAT_CSV, "-05:30", NULL, NULL, 0};
	struct flat_result res;
	char *problems;
	assert_int_equal(run(FLAT_CHANGES, &o, text, strlen(text), &res, &problems), 0);
	assert_true(res.rows[0].u.change.effective_at == ts("2026-03-01T15:30:00Z"));
	assert_true(res.rows[1].u.change.effective_at == ts("2026-03-01T15:30:00.25Z"));
	free(problems);
	flat_result_release(&res);
	/* a time with an offset keeps it under --tz */
	struct opts utc = {FLAT_CSV, "UTC", NULL, NULL, 0};
	const char *offset = CH "K1,t,svc,low,2026-03-01T10:00:00+01:00\n";
	assert_int_equal(run(FLAT_CHANGES, &utc, offset, strlen(offset), &res, &problems), 0);
	assert_true(res.rows[0].u.change.effective_at == ts("2026-03-01T09:00:00Z"));
	free(problems);
	flat_result_release(&res);
}

static void test_7_unknown_categories_and_statuses(void **state)
{
	(void)state;
	assert_problems(FLAT_IOS, NULL,
			"change,category,description,status\n"
			"12,supply-chain,x,\n"
			"12,Data,y,\n"
			"12,data,z,proposed\n",
			"f.csv:2: category: unknown value \"supply-chain\"; expected one of: data, "
			"evaluation, alignment, deployment, supply_chain, optionality\n"
			"f.csv:3: category: unknown value \"Data\"; expected one of: data, "
			"evaluation, alignment, deployment, supply_chain, optionality\n"
			"f.csv:4: status: unknown value \"proposed\"; expected one of: confirmed, "
			"candidate",
			0);
}

static void test_8_a_repeated_row_is_a_duplicate_and_a_conflicting_one_a_problem(void **state)
{
	(void)state;
	const char *text = CH "K1,t,svc,low," T0 "\n"
			      "K2,t,svc,low," T0 "\n"
			      "K1,t,svc,low," T0 "\n"
			      "K1,other,svc,low," T0 "\n"
			      "K1,t,other,low," T0 "\n";
	struct flat_result res;
	char *problems;
	assert_int_equal(run(FLAT_CHANGES, NULL, text, strlen(text), &res, &problems), -1);
	assert_string_equal(problems,
			    "f.csv:5: key: \"svc:K1\" is also on line 2, with other values");
	assert_int_equal(res.n_rows, 4);
	assert_int_equal(res.rows[2].line, 4);
	assert_int_equal(res.rows[2].duplicate_of, 2);
	assert_int_equal(res.rows[3].line, 6); /* another service: another key */
	assert_int_equal(res.rows[3].duplicate_of, 0);
	assert_int_equal(res.n_bad_rows, 1);
	free(problems);
	flat_result_release(&res);
}

static void test_9_jsonl_repeats_ignore_member_order(void **state)
{
	(void)state;
	struct opts o = {FLAT_JSONL, NULL, NULL, NULL, 0};
	const char *text =
		"{\"service\":\"s\",\"external_key\":\"D\",\"performed_at\":\"" T0 "\","
		"\"rto_target\":\"1h\",\"rpo_target\":\"1h\",\"outcome\":\"failed\"}\n"
		"{\"outcome\":\"failed\",\"rpo_target\":\"1h\",\"rto_target\":\"1h\","
		"\"performed_at\":\"2026-03-01T11:00:00+01:00\",\"external_key\":\"D\","
		"\"service\":\"s\"}\n"
		"{\"outcome\":\"aborted\",\"rpo_target\":\"1h\",\"rto_target\":\"1h\","
		"\"performed_at\":\"" T0 "\",\"external_key\":\"D\",\"service\":\"s\"}\n";
	struct flat_result res;
	char *problems;
	assert_int_equal(run(FLAT_DRILLS, &o, text, strlen(text), &res, &problems), -1);
	assert_string_equal(
		problems, "f.jsonl:3: external_key: \"s:D\" is also on line 1, with other values");
	assert_int_equal(res.rows[1].duplicate_of, 1);
	free(problems);
	flat_result_release(&res);
}

static void test_10_a_quoted_line_break_moves_the_line_numbers(void **state)
{
	(void)state;
	assert_problems(FLAT_CHANGES, NULL,
			CH "K1,\"two\nlines\",svc,low," T0 "\n"
			   "K2,\"three\r\nline\nbreaks\",svc,huge," T0 "\n"
			   "K3,t,svc,low,noon\n",
			"f.csv:4: impact: unknown value \"huge\"; expected one of: low, medium, "
			"high\n"
			"f.csv:7: effective_at: invalid timestamp \"noon\": year must be 4 digits",
			1);
}

static void test_11_a_bom_is_skipped_in_csv_and_jsonl(void **state)
{
	(void)state;
	assert_problems(FLAT_CHANGES, NULL, "\xEF\xBB\xBF" CH "K1,t,svc,low," T0 "\n", "", 1);
	struct opts o = {FLAT_JSONL, NULL, NULL, NULL, 0};
	assert_problems(FLAT_INCIDENTS, &o,
			"\xEF\xBB\xBF{\"kind\":\"incident\",\"service\":\"s\",\"title\":\"t\","
			"\"occurred_at\":\"" T0 "\"}\n",
			"", 1);
	/* a BOM elsewhere is a character: the header's first name is then unknown */
	assert_problems(FLAT_CHANGES, NULL, "\xEF\xBB\xBF\xEF\xBB\xBF" CH,
			"f.csv:1: \xEF\xBB\xBFkey: unknown column (the fields of changes are: "
			"key, external_key, title, service, impact, state, planned_for, "
			"effective_at, author, links, refs, boundary; rename it with --map)\n"
			"f.csv:1: key: no such column (required: key or external_key)",
			0);
}

static void test_12_crlf_is_a_line_end_and_a_lone_cr_stops_the_file(void **state)
{
	(void)state;
	assert_problems(
		FLAT_CHANGES, NULL, "key,title,service,impact\r\nK1,t,svc,low\r\nK2,t,svc,lo\r\n",
		"f.csv:3: impact: unknown value \"lo\"; expected one of: low, medium, high", 1);
	struct flat_result res;
	char *problems;
	const char *text = "key,title,service,impact\nK1,t,svc,low\nK2,t\rsvc,low\nK3,t,svc,low\n";
	assert_int_equal(run(FLAT_CHANGES, NULL, text, strlen(text), &res, &problems), -1);
	assert_string_equal(problems, "f.csv:3: csv: carriage return not followed by a line "
				      "feed (column 5)");
	assert_true(res.fatal);
	assert_int_equal(res.n_rows, 1); /* the rows before */
	free(problems);
	flat_result_release(&res);
}

static void test_13_a_wrong_field_count_skips_that_row_only(void **state)
{
	(void)state;
	struct flat_result res;
	char *problems;
	const char *text = "key,title,service,impact\nK1,t,svc\nK2,t,svc,low,x\nK3,t,svc,low\n";
	assert_int_equal(run(FLAT_CHANGES, NULL, text, strlen(text), &res, &problems), -1);
	assert_string_equal(
		problems,
		"f.csv:2: csv: record has 3 fields, expected 4 (as the header) (column "
		"9)\n"
		"f.csv:3: csv: record has more than 4 fields (as the header) (column 13)");
	assert_false(res.fatal);
	assert_int_equal(res.n_records, 3);
	assert_int_equal(res.n_bad_rows, 2);
	assert_int_equal(res.n_rows, 1);
	free(problems);
	flat_result_release(&res);
}

static void test_14_an_unterminated_quote_and_bad_utf8_stop_the_file(void **state)
{
	(void)state;
	assert_problems(FLAT_CHANGES, NULL, CH "K1,\"open,svc,low," T0 "\n",
			"f.csv:2: csv: unterminated quoted field (column 4)", 0);
	assert_problems(FLAT_CHANGES, NULL, CH "K1,caf\xC3,svc,low," T0 "\n",
			"f.csv:2: csv: invalid UTF-8: incomplete sequence (column 7)", 0);
}

static void test_15_bad_jsonl_lines_are_each_a_problem(void **state)
{
	(void)state;
	struct opts o = {FLAT_JSONL, NULL, NULL, NULL, 0};
	assert_problems(FLAT_INCIDENTS, &o,
			"{\"kind\":\"incident\"\n"
			"[1, 2]\n"
			"{\"kind\":\"incident\",\"kind\":\"rollback\"}\n"
			"{\"kind\":7,\"service\":\"s\",\"title\":\"t\",\"occurred_at\":\"" T0 "\","
			"\"owner\":\"bob\"}\n"
			"{\"kind\":\"incident\",\"service\":\"s\",\"title\":\"t\",\"occurred_at\":"
			"1772359200}\n"
			"\"caf\xC3\"\n",
			"f.jsonl:1: json: malformed JSON at byte 17 (column 18)\n"
			"f.jsonl:2: json: must be a JSON object\n"
			"f.jsonl:3: json: duplicate key\n"
			"f.jsonl:4: owner: unknown field (the fields of incidents are: kind, "
			"severity, service, external_key, title, occurred_at, detected_at, "
			"resolved_at, source; rename it with --map)\n"
			"f.jsonl:4: kind: must be a string, one of: incident, rollback, near_miss\n"
			"f.jsonl:5: occurred_at: must be an RFC 3339 timestamp string\n"
			"f.jsonl:6: json: invalid UTF-8 at byte 4 (column 5)",
			0);
}

static void test_16_incident_rules_apply_to_imported_rows(void **state)
{
	(void)state;
	assert_problems(FLAT_INCIDENTS, NULL,
			"kind,severity,service,title,occurred_at,detected_at,external_key,source\n"
			"outage,sev5,svc,t," T0 ",2026-02-01T00:00:00Z,#1,\n"
			"incident,,Svc,t," T0 ",,# 2,manual\n"
			"rollback,sev1,svc,t," T0 ",,#3,rule:pager@2\n",
			"f.csv:2: kind: unknown value \"outage\"; expected one of: incident, "
			"rollback, near_miss\n"
			"f.csv:2: severity: unknown value \"sev5\"; expected one of: sev1, sev2, "
			"sev3, sev4\n"
			"f.csv:2: detected_at: is before occurred_at\n"
			"f.csv:3: service: must match [a-z0-9][a-z0-9._-]{0,62} (lowercase, no "
			"spaces)\n"
			"f.csv:3: external_key: must be 1 to 200 printable characters without "
			"spaces\n"
			"f.csv:3: source: imported records are \"import\" or "
			"\"rule:<name>@<version>\", not \"manual\"",
			1);
}

static void test_17_drill_durations_outcomes_and_keys(void **state)
{
	(void)state;
	assert_problems(FLAT_DRILLS, NULL,
			"service,performed_at,rto_target,rpo_target,outcome,external_key,change\n"
			"db," T0 ",1 hour,15m,ok,D 1,\n"
			"db," T0 ",,15m,restored,D2,0\n",
			"f.csv:2: external_key: must be 1 to 200 printable characters without "
			"spaces\n"
			"f.csv:2: rto_target: invalid duration \"1 hour\": spaces are not allowed\n"
			"f.csv:2: outcome: unknown value \"ok\"; expected one of: restored, "
			"failed, aborted\n"
			"f.csv:3: change: must be a change id or \"service:key\"\n"
			"f.csv:3: rto_target: is required",
			0);
}

static void test_18_io_change_references(void **state)
{
	(void)state;
	assert_problems(
		FLAT_IOS, NULL,
		"change,category,description\n"
		"K1,data,bare key\n"
		"012,data,leading zero\n"
		"Bad Service:K,data,bad service\n"
		",data,none\n",
		"f.csv:2: change: \"K1\" is not a change id or \"service:key\" (a bare key "
		"needs --service)\n"
		"f.csv:3: change: \"012\" is not a change id (write service:key for a key "
		"of digits)\n"
		"f.csv:4: change: \"Bad Service:K\" is not a change id or \"service:key\" (a "
		"bare key needs --service)\n"
		"f.csv:5: change: is required",
		0);
}

static void test_19_changes_history_and_external_keys(void **state)
{
	(void)state;
	assert_problems(FLAT_CHANGES, NULL,
			"key,external_key,title,service,impact,state,boundary,links\n"
			"K1,K1,t,svc,low,,,\n"
			"K2,,t,svc,low,effective,,\n"
			"K3,,t,svc,low,planned,[1],\n"
			"K 4,,,svc,low,,{},\n",
			"f.csv:2: external_key: a change's external key is its key: give key or "
			"external_key, not both\n"
			"f.csv:3: effective_at: is required when state is \"effective\" (an import "
			"records history, not a change taking effect now)\n"
			"f.csv:4: boundary: must be a JSON object (written in the cell)\n"
			"f.csv:5: key: must be 1 to 200 printable characters without spaces\n"
			"f.csv:5: title: is required",
			0);
}

static void test_20_event_times_past_the_clock_skew(void **state)
{
	(void)state;
	struct opts o = {FLAT_CSV, NULL, NULL, NULL, 0};
	o.now = ts("2026-03-01T10:00:00Z");
	assert_problems(FLAT_CHANGES, &o,
			"key,title,service,impact,effective_at,planned_for\n"
			"K1,t,svc,low,2026-03-01T10:05:00Z,\n"
			"K2,t,svc,low,2026-03-01T10:05:01Z,\n"
			"K3,t,svc,low,,2027-01-01T00:00:00Z\n",
			"f.csv:3: effective_at: lies in the future beyond the allowed clock skew",
			2);
}

static void test_21_a_map_renames_drops_and_must_match_the_header(void **state)
{
	(void)state;
	struct opts o = {FLAT_CSV, NULL, "svc",
			 "Ticket: external_key\nSummary: title\n"
			 "When: occurred_at\nType: kind\nAssignee: ~\n",
			 0};
	assert_problems(FLAT_INCIDENTS, &o,
			"Ticket,Summary,When,Type,Assignee\nINC-1,Down," T0 ",incident,bob\n", "",
			1);
	assert_problems(FLAT_INCIDENTS, &o, "Ticket,Summary,When,Type\n",
			"f.csv:1: Assignee: the map renames this column, which the header lacks",
			0);
	assert_problems(FLAT_INCIDENTS, &o, "Ticket,Summary,When,Type,Assignee,title\n",
			"f.csv:1: title: columns \"Summary\" and \"title\" are both this field", 0);
	struct opts j = o;
	j.format = FLAT_JSONL;
	assert_problems(FLAT_INCIDENTS, &j,
			"{\"Ticket\":\"I-1\",\"Summary\":\"t\",\"title\":\"u\",\"When\":\"" T0 "\","
			"\"Type\":\"incident\",\"Assignee\":{\"n\":1}}\n",
			"f.jsonl:1: title: given twice (\"title\" is this field too)", 0);
}

static void test_22_map_errors_with_line_and_column(void **state)
{
	(void)state;
	assert_map_problems(FLAT_INCIDENTS, "A: title\nA: kind\nB: titel\nC: title\nD: [kind]\n",
			    "2:1 A: duplicate column \"A\"\n"
			    "3:4 B: unknown field \"titel\" for incidents (one of: kind, severity, "
			    "service, external_key, title, occurred_at, detected_at, resolved_at, "
			    "source; or null to drop the column)\n"
			    "4:4 C: \"A\" and \"C\" both map to field \"title\"\n"
			    "5:4 D: a field name must be text, not a list");
	assert_map_problems(FLAT_CHANGES, "A: key\n\tB: title\n",
			    "2:1 : found a tab character that violates indentation");
	assert_map_problems(FLAT_CHANGES, "A: &x key\nB: *x\n",
			    "1:4 A: anchors and tags are not allowed\n"
			    "2:4 B: a field name must be text, not an alias");
	assert_map_problems(FLAT_CHANGES, "- key\n",
			    "1:1 : must be a mapping of column names to field names (Summary: "
			    "title)");
	assert_map_problems(FLAT_CHANGES, "A: key\n---\nB: title\n",
			    "2:1 : a second document: the map is one mapping");
	assert_map_problems(FLAT_CHANGES, "\"\": key\nB: !!str title\n",
			    "1:1 : empty column name\n2:4 B: anchors and tags are not allowed");
	char big[FLAT_MAP_TEXT_MAX + 2];
	memset(big, '#', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_map_problems(FLAT_CHANGES, big, "1:1 : larger than 4096 bytes");
	/* the empty map is fine; "null" quoted is a field name, unknown */
	struct flat_map m;
	struct err err;
	err_init(&err);
	assert_int_equal(flat_map_parse("m.yaml", "", 0, FLAT_CHANGES, &m, &err), 0);
	assert_int_equal(m.n, 0);
	flat_map_release(&m);
	assert_map_problems(FLAT_CHANGES, "A: \"null\"\n",
			    "1:4 A: unknown field \"null\" for changes (one of: key, external_key, "
			    "title, service, impact, state, planned_for, effective_at, author, "
			    "links, refs, boundary; or null to drop the column)");
}

static void test_23_every_problem_is_counted_past_the_cap(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "%s", CH);
	for (int i = 0; i < FLAT_PROBLEMS_MAX + 5; i++)
		buf_printf(&b, "K%d,t,svc,huge," T0 "\n", i);
	struct flat_result res;
	char *problems;
	assert_int_equal(run(FLAT_CHANGES, NULL, b.data, b.len, &res, &problems), -1);
	assert_int_equal(res.n_problems, FLAT_PROBLEMS_MAX);
	assert_int_equal(res.n_problems_total, FLAT_PROBLEMS_MAX + 5);
	assert_int_equal(res.n_bad_rows, FLAT_PROBLEMS_MAX + 5);
	struct err err;
	err_init(&err);
	assert_int_equal(flat_result_to_err(&res, "f.csv", &err), -1);
	assert_string_equal(err.message, "invalid import \"f.csv\": f.csv:2: impact: unknown value "
					 "\"huge\"; expected one of: low, medium, high (and 10004 "
					 "more problems)");
	assert_int_equal(err.n_details, ERR_MAX_DETAILS);
	assert_string_equal(err.details[1].field, "impact");
	assert_int_equal(err.details[1].line, 3);
	assert_string_equal(err.details[1].message, "f.csv:3: impact: unknown value \"huge\"; "
						    "expected one of: low, medium, high");
	cJSON *arr = flat_problems_to_json(&res, "f.csv", 2);
	char *text = cJSON_PrintUnformatted(arr);
	assert_string_equal(text, "[{\"line\":2,\"field\":\"impact\",\"message\":\"f.csv:2: "
				  "impact: unknown value \\\"huge\\\"; expected one of: low, "
				  "medium, high\"},{\"line\":3,\"field\":\"impact\",\"message\":"
				  "\"f.csv:3: impact: unknown value \\\"huge\\\"; expected one of: "
				  "low, medium, high\"}]");
	cJSON_free(text);
	cJSON_Delete(arr);
	free(problems);
	flat_result_release(&res);
	buf_release(&b);
}

static void test_a_rejected_row_is_marked_counted_and_its_problem_kept_in_order(void **state)
{
	(void)state;
	const char *text = CH "K1,t,svc,low," T0 "\nK2,t,svc,huge," T0 "\nK3,t,svc,low," T0 "\n";
	struct flat_result res;
	char *problems;
	assert_int_equal(run(FLAT_CHANGES, NULL, text, strlen(text), &res, &problems), -1);
	assert_int_equal(res.n_rows, 2);
	flat_result_reject(&res, 0, "key", "no change \"%s\"", "x");
	flat_result_reject(&res, 0, "title", "again");
	flat_result_reject(&res, 1, "key", "last");
	assert_true(res.rows[0].rejected);
	assert_int_equal(res.n_bad_rows, 3);
	assert_int_equal(res.n_problems, 4);
	static const char *const want[] = {
		"f.csv:2: key: no change \"x\"", "f.csv:2: title: again",
		"f.csv:3: impact: unknown value \"huge\"; expected one of: low, medium, high",
		"f.csv:4: key: last"};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		char *t = flat_problem_text("f.csv", &res.problems[i]);
		assert_string_equal(t, want[i]);
		free(t);
	}
	free(problems);
	flat_result_release(&res);
}

static void test_zones_are_fixed_offsets_only(void **state)
{
	(void)state;
	char s[8];
	struct err err;
	static const char *const good[][2] = {{"UTC", "Z"},
					      {"Z", "Z"},
					      {"+02:00", "+02:00"},
					      {"-05:30", "-05:30"},
					      {"+23:59", "+23:59"}};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		err_init(&err);
		assert_int_equal(flat_tz_parse(good[i][0], s, &err), 0);
		assert_string_equal(s, good[i][1]);
	}
	static const char *const bad[] = {"Europe/Berlin", "utc", "+2",	 "+0200",  "+24:00",
					  "+02:60",	   "",	  "CET", "+02:00 "};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err_init(&err);
		assert_int_equal(flat_tz_parse(bad[i], s, &err), -1);
	}
	err_init(&err);
	flat_tz_parse("Europe/Berlin", s, &err);
	assert_string_equal(err.message, "unsupported zone \"Europe/Berlin\": give UTC, Z or a "
					 "fixed offset such as +02:00 (named zones are not "
					 "supported)");
}

static void test_field_lists_agree(void **state)
{
	(void)state;
	for (int k = 0; k < FLAT_KIND_COUNT; k++) {
		struct buf b;
		buf_init(&b, 0);
		buf_append(&b, "", 0);
		for (const char *const *f = flat_fields((enum flat_kind)k); *f; f++)
			buf_printf(&b, "%s%s", b.len ? ", " : "", *f);
		assert_string_equal(b.data, flat_fields_list((enum flat_kind)k));
		buf_release(&b);
	}
	assert_string_equal(model_name(&flat_kind_names, FLAT_INCIDENTS), "incidents");
	assert_int_equal(model_lookup(&flat_format_names, "jsonl"), FLAT_JSONL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_good_changes_file_gives_its_records),
		cmocka_unit_test(test_a_header_alone_is_no_rows_and_no_problem),
		cmocka_unit_test(test_jsonl_rows_take_the_api_types),
		cmocka_unit_test(test_io_and_drill_rows_carry_their_change),
		cmocka_unit_test(test_1_an_unknown_column_and_a_missing_one_stop_the_file),
		cmocka_unit_test(test_2_a_changes_file_needs_key_or_external_key),
		cmocka_unit_test(test_3_a_duplicate_column_name_stops_the_file),
		cmocka_unit_test(test_4_an_empty_file_is_a_problem),
		cmocka_unit_test(test_5_bad_dates_name_what_is_wrong),
		cmocka_unit_test(test_6_naive_times_are_refused_unless_a_zone_is_named),
		cmocka_unit_test(test_7_unknown_categories_and_statuses),
		cmocka_unit_test(
			test_8_a_repeated_row_is_a_duplicate_and_a_conflicting_one_a_problem),
		cmocka_unit_test(test_9_jsonl_repeats_ignore_member_order),
		cmocka_unit_test(test_10_a_quoted_line_break_moves_the_line_numbers),
		cmocka_unit_test(test_11_a_bom_is_skipped_in_csv_and_jsonl),
		cmocka_unit_test(test_12_crlf_is_a_line_end_and_a_lone_cr_stops_the_file),
		cmocka_unit_test(test_13_a_wrong_field_count_skips_that_row_only),
		cmocka_unit_test(test_14_an_unterminated_quote_and_bad_utf8_stop_the_file),
		cmocka_unit_test(test_15_bad_jsonl_lines_are_each_a_problem),
		cmocka_unit_test(test_16_incident_rules_apply_to_imported_rows),
		cmocka_unit_test(test_17_drill_durations_outcomes_and_keys),
		cmocka_unit_test(test_18_io_change_references),
		cmocka_unit_test(test_19_changes_history_and_external_keys),
		cmocka_unit_test(test_20_event_times_past_the_clock_skew),
		cmocka_unit_test(test_21_a_map_renames_drops_and_must_match_the_header),
		cmocka_unit_test(test_22_map_errors_with_line_and_column),
		cmocka_unit_test(test_23_every_problem_is_counted_past_the_cap),
		cmocka_unit_test(
			test_a_rejected_row_is_marked_counted_and_its_problem_kept_in_order),
		cmocka_unit_test(test_zones_are_fixed_offsets_only),
		cmocka_unit_test(test_field_lists_agree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
