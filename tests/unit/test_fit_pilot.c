/* Unit tests for core/fit_pilot*.c: the FIT pilot pack parser (every kind of
 * problem with its exact message), the category map, the pack's own figures,
 * ratchet's censored figures of the same pack, and their JSON. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include <math.h>

#include "err.h"
#include "fit_pilot.h"
#include "rtime.h"
#include "test_util.h"

#define CH "change_id,effective_ts_utc,closure_ts_utc,is_io,io_category,bypass,notes\n"
#define DR "drill_id,change_id,date_utc,rto_minutes,rpo_minutes,success,notes\n"
#define ANY_TIME "2026-01-01T00:00:00Z"

static int64_t ts(const char *s)
{
	int64_t t;
	struct err err;
	err_init(&err);
	assert_int_equal(rtime_parse(s, &t, &err), 0);
	return t;
}

/* Parses the pack (drills NULL: none); on failure *err holds the problems. */
static int parse(const char *changes, const char *drills, const struct fit_category_map *map,
		 struct fit_pack *p, struct err *err)
{
	err_init(err);
	return fit_pack_parse("changes.csv", changes, strlen(changes), "drills.csv", drills,
			      drills ? strlen(drills) : 0, map, p, err);
}

/* Fails unless the pack does not parse and its details are exactly want[]
 * (messages, in order) and the error message names the first of them. */
static void assert_problems(const char *changes, const char *drills,
			    const struct fit_category_map *map, const char *const *want, int n)
{
	struct fit_pack p;
	struct err err;
	assert_int_equal(parse(changes, drills, map, &p, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_null(p.changes);
	assert_int_equal(p.n_changes, 0);
	for (int i = 0; i < err.n_details && i < n; i++)
		if (strcmp(err.details[i].message, want[i]) != 0) {
			print_error("detail %d: \"%s\"\n     want: \"%s\"\n", i,
				    err.details[i].message, want[i]);
			fail();
		}
	assert_int_equal(err.n_details, n);
	char first[600];
	snprintf(first, sizeof(first), "invalid FIT pilot pack: %s", want[0]);
	if (n > 1) {
		size_t len = strlen(first);
		snprintf(first + len, sizeof(first) - len, " (and %d more problem%s)", n - 1,
			 n == 2 ? "" : "s");
	}
	assert_string_equal(err.message, first);
}

static void test_header_problems_are_reported_and_stop_the_file(void **state)
{
	(void)state;
	assert_problems("", NULL, NULL,
			(const char *[]){"changes.csv:1: header: no header: the input is empty"},
			1);
	assert_problems("change_id,effective_ts_utc,closure_ts_utc,is_io,io_category,bypass,extra\n"
			"c1,x,y,z,,,\n",
			NULL, NULL,
			(const char *[]){"changes.csv:1: notes: missing column",
					 "changes.csv:1: header: unknown column \"extra\""},
			2);
	assert_problems("change_id,change_id\n", NULL, NULL,
			(const char *[]){"changes.csv:1: header: duplicate column name "
					 "\"change_id\" (columns 1 and 2)"},
			1);
	/* columns in another order are fine */
	struct fit_pack p;
	struct err err;
	assert_int_equal(parse("notes,bypass,io_category,is_io,closure_ts_utc,effective_ts_utc,"
			       "change_id\nhello,0,data,1,," ANY_TIME ",c1\n",
			       NULL, NULL, &p, &err),
			 0);
	assert_int_equal(p.n_changes, 1);
	assert_string_equal(p.changes[0].change_id, "c1");
	assert_string_equal(p.changes[0].notes, "hello");
	assert_int_equal(p.changes[0].category, IO_CAT_DATA);
	fit_pack_release(&p);
}

static void test_ids_must_be_present_valid_and_unique(void **state)
{
	(void)state;
	assert_problems(CH "c 1," ANY_TIME ",,0,,0,\n"
			   "," ANY_TIME ",,0,,0,\n"
			   "c1," ANY_TIME ",,0,,0,\n"
			   "c2," ANY_TIME ",,0,,0,\n"
			   "c1," ANY_TIME ",,0,,0,\n"
			   "c2,bad,,0,,0,\n"
			   "c1," ANY_TIME ",,0,,0,\n",
			NULL, NULL,
			(const char *[]){
				"changes.csv:2: change_id: \"c 1\" is not a valid id (1 to 200 "
				"printable characters, no spaces)",
				"changes.csv:3: change_id: is required",
				"changes.csv:7: effective_ts_utc: invalid timestamp \"bad\": year "
				"must be 4 digits",
				"changes.csv:6: change_id: duplicate \"c1\" (first on line 4)",
				"changes.csv:8: change_id: duplicate \"c1\" (first on line 4)",
				"changes.csv:7: change_id: duplicate \"c2\" (first on line 5)",
			},
			6);
}

static void test_timestamps_need_an_offset(void **state)
{
	(void)state;
	assert_problems(
		CH "c1,,,0,,0,\n"
		   "c2,2026-01-01 00:00:00,2026-01-02T00:00:00,0,,0,\n"
		   "c3,yesterday,2026-13-01T00:00:00Z,0,,0,\n"
		   "c4,2026-01-01,,0,,0,\n",
		NULL, NULL,
		(const char *[]){
			"changes.csv:2: effective_ts_utc: is required",
			"changes.csv:3: effective_ts_utc: timestamp \"2026-01-01 "
			"00:00:00\" has no offset (naive); add Z or +hh:mm",
			"changes.csv:3: closure_ts_utc: timestamp \"2026-01-02T00:00:00\" "
			"has no offset (naive); add Z or +hh:mm",
			"changes.csv:4: effective_ts_utc: invalid timestamp \"yesterday\": "
			"year must be 4 digits",
			"changes.csv:4: closure_ts_utc: invalid timestamp "
			"\"2026-13-01T00:00:00Z\": month 13 out of range",
			"changes.csv:5: effective_ts_utc: invalid timestamp \"2026-01-01\": "
			"date without a time; expected 'T' and hh:mm:ss",
		},
		6);
}

static void test_flags_and_categories_are_checked_together(void **state)
{
	(void)state;
	assert_problems(CH "c1," ANY_TIME ",,yes,,0,\n"
			   "c2," ANY_TIME ",,,,0,\n"
			   "c3," ANY_TIME ",,1,,0,\n"
			   "c4," ANY_TIME ",,0,data,0,\n"
			   "c5," ANY_TIME ",,1,data,2,\n",
			NULL, NULL,
			(const char *[]){
				"changes.csv:2: is_io: must be 0 or 1, not \"yes\"",
				"changes.csv:3: is_io: is required (0 or 1)",
				"changes.csv:4: io_category: is required when is_io is 1",
				"changes.csv:5: io_category: must be empty when is_io is 0, not "
				"\"data\"",
				"changes.csv:6: bypass: must be 0 or 1, not \"2\"",
			},
			5);
}

static void test_unmapped_categories_are_reported_once_each_and_listed(void **state)
{
	(void)state;
	struct fit_category_map map;
	struct err err;
	err_init(&err);
	const char *yaml = "self_eval_gating: evaluation\n";
	assert_int_equal(fit_category_map_parse("map.yaml", yaml, strlen(yaml), &map, &err), 0);
	assert_problems(CH "c1," ANY_TIME ",,1,foo,0,\n"
			   "c2," ANY_TIME ",,1,bar,0,\n"
			   "c3," ANY_TIME ",,1,foo,0,\n"
			   "c4," ANY_TIME ",,1,supply-chain,0,\n"
			   "c5," ANY_TIME ",,1,self_eval_gating,0,\n",
			NULL, &map,
			(const char *[]){
				"changes.csv:2: io_category: unmapped category \"foo\" (2 rows): "
				"map it to one of data, evaluation, alignment, deployment, "
				"supply_chain, optionality in the category map",
				"changes.csv:3: io_category: unmapped category \"bar\" (1 row): "
				"map it to one of data, evaluation, alignment, deployment, "
				"supply_chain, optionality in the category map",
				"changes.csv:5: io_category: unmapped category \"supply-chain\" (1 "
				"row): map it to one of data, evaluation, alignment, deployment, "
				"supply_chain, optionality in the category map",
				"changes.csv: io_category: unmapped categories: foo, bar, "
				"supply-chain",
			},
			4);
	/* the mapped one maps; without the map it is unmapped too */
	struct fit_pack p;
	assert_int_equal(parse(CH "c5," ANY_TIME ",,1,self_eval_gating,0,\n", NULL, &map, &p, &err),
			 0);
	assert_int_equal(p.changes[0].category, IO_CAT_EVALUATION);
	fit_pack_release(&p);
	assert_int_equal(parse(CH "c5," ANY_TIME ",,1,self_eval_gating,0,\n", NULL, NULL, &p, &err),
			 -1);
	assert_int_equal(err.n_details, 2);
	fit_category_map_release(&map);
}

static void test_csv_syntax_errors_name_line_and_column(void **state)
{
	(void)state;
	assert_problems(
		CH "c1," ANY_TIME ",,0,,0,\"unterminated\n", NULL, NULL,
		(const char *[]){"changes.csv:2: csv: unterminated quoted field (column 31)"}, 1);
	assert_problems(CH "c1," ANY_TIME ",,0,,0\n", NULL, NULL,
			(const char *[]){"changes.csv:2: csv: record has 6 fields, expected 7 (as "
					 "the header) (column 30)"},
			1);
}

static void test_drill_rows_are_validated(void **state)
{
	(void)state;
	assert_problems(
		CH,
		DR "d1,,2026-01-01,60,15,1,\n"
		   "d1,c 9,01/02/2026,-5,abc,2,\n"
		   "d2,,2026-01-01T00:00:00,7.5,0.01,1,\n"
		   "d3,,2026-01-01T10:00:00+02:00,,1e3,0,\n",
		NULL,
		(const char *[]){
			"drills.csv:3: change_id: \"c 9\" is not a valid id (1 to 200 "
			"printable characters, no spaces)",
			"drills.csv:3: date_utc: invalid timestamp \"01/02/2026\": year must "
			"be 4 digits",
			"drills.csv:3: rto_minutes: must be a number of minutes (0 or more), "
			"not \"-5\"",
			"drills.csv:3: rpo_minutes: must be a number of minutes (0 or more), "
			"not \"abc\"",
			"drills.csv:3: success: must be 0 or 1, not \"2\"",
			"drills.csv:4: date_utc: timestamp \"2026-01-01T00:00:00\" has no "
			"offset (naive); add Z or +hh:mm",
			"drills.csv:4: rpo_minutes: \"0.01\" minutes is not a whole number of "
			"seconds",
			"drills.csv:5: rto_minutes: is required",
			"drills.csv:5: rpo_minutes: must be a number of minutes (0 or more), "
			"not \"1e3\"",
			"drills.csv:3: drill_id: duplicate \"d1\" (first on line 2)",
		},
		10);
	/* problems in both files are all reported */
	assert_problems(CH "c1,,,0,,0,\n", "", NULL,
			(const char *[]){"changes.csv:2: effective_ts_utc: is required",
					 "drills.csv:1: header: no header: the input is empty"},
			2);
}

static void test_a_drill_row_reads_dates_minutes_and_flags(void **state)
{
	(void)state;
	struct fit_pack p;
	struct err err;
	assert_int_equal(parse(CH,
			       DR "d1,c1,2026-01-10,7.5,0,1,ok\n"
				  "d2,,2026-01-11T10:00:00+02:00,60,15,0,\n",
			       NULL, &p, &err),
			 0);
	assert_int_equal(p.n_drills, 2);
	assert_string_equal(p.drills[0].drill_id, "d1");
	assert_string_equal(p.drills[0].change_id, "c1");
	assert_int_equal(p.drills[0].performed_at, ts("2026-01-10T00:00:00Z"));
	assert_int_equal(p.drills[0].rto_target, 450);
	assert_int_equal(p.drills[0].rpo_target, 0);
	assert_int_equal(p.drills[0].success, 1);
	assert_string_equal(p.drills[0].notes, "ok");
	assert_int_equal(p.drills[0].line, 2);
	assert_null(p.drills[1].change_id);
	assert_null(p.drills[1].notes);
	assert_int_equal(p.drills[1].performed_at, ts("2026-01-11T08:00:00Z"));
	assert_int_equal(p.drills[1].rto_target, 3600);
	assert_int_equal(p.drills[1].success, 0);
	fit_pack_release(&p);
	/* no drills file at all */
	assert_int_equal(parse(CH, NULL, NULL, &p, &err), 0);
	assert_int_equal(p.n_drills, 0);
	fit_pack_release(&p);
}

/* ---- the category map ---- */

static void assert_map_problems(const char *yaml, const char *message, const char *const *want,
				int n)
{
	struct fit_category_map map;
	struct err err;
	err_init(&err);
	assert_int_equal(fit_category_map_parse("map.yaml", yaml, strlen(yaml), &map, &err), -1);
	assert_int_equal(map.n, 0);
	assert_null(map.from);
	assert_string_equal(err.message, message);
	for (int i = 0; i < err.n_details && i < n; i++) {
		char got[400];
		snprintf(got, sizeof(got), "%d:%d: [%s] %s", err.details[i].line,
			 err.details[i].column, err.details[i].field, err.details[i].message);
		if (strcmp(got, want[i]) != 0) {
			print_error("detail %d: \"%s\"\n     want: \"%s\"\n", i, got, want[i]);
			fail();
		}
	}
	assert_int_equal(err.n_details, n);
}

static void test_the_category_map_is_a_flat_mapping_to_the_six(void **state)
{
	(void)state;
	struct fit_category_map map;
	struct err err;
	err_init(&err);
	const char *yaml = "# FIT names\nself_eval_gating: evaluation\n\"rl tuning\": alignment\n";
	assert_int_equal(fit_category_map_parse("map.yaml", yaml, strlen(yaml), &map, &err), 0);
	assert_int_equal(map.n, 2);
	assert_string_equal(map.from[0], "self_eval_gating");
	assert_int_equal(map.to[0], IO_CAT_EVALUATION);
	assert_string_equal(map.from[1], "rl tuning");
	assert_int_equal(map.to[1], IO_CAT_ALIGNMENT);
	fit_category_map_release(&map);
	assert_int_equal(map.n, 0);
	/* an empty file and a bare document are empty maps */
	assert_int_equal(fit_category_map_parse("map.yaml", "", 0, &map, &err), 0);
	assert_int_equal(map.n, 0);
	assert_int_equal(fit_category_map_parse("map.yaml", "---\n", 4, &map, &err), 0);
	assert_int_equal(map.n, 0);
	fit_category_map_release(&map);
}

static void test_category_map_problems_have_line_and_column(void **state)
{
	(void)state;
	assert_map_problems(
		"a: b\nc: data\na: data\ndata: evaluation\n\"\": data\n",
		"could not parse category map \"map.yaml\": 1:4: unknown category \"b\" (one of "
		"data, evaluation, alignment, deployment, supply_chain, optionality)",
		(const char *[]){
			"1:4: [a] unknown category \"b\" (one of data, evaluation, alignment, "
			"deployment, supply_chain, optionality)",
			"3:1: [a] duplicate key \"a\"",
			"4:1: [data] \"data\" is a category already: map only other names",
			"5:1: [] empty source category name",
		},
		4);
	assert_map_problems(
		"- a\n- b\n",
		"could not parse category map \"map.yaml\": 1:1: must be a mapping of "
		"source category names to categories (self_eval_gating: evaluation)",
		(const char *[]){"1:1: [] must be a mapping of source category names to "
				 "categories (self_eval_gating: evaluation)"},
		1);
	assert_map_problems("a: [data]\nb: data\n",
			    "could not parse category map \"map.yaml\": 1:4: a category must be "
			    "text, not a list",
			    (const char *[]){"1:4: [a] a category must be text, not a list"}, 1);
	assert_map_problems("a: &x data\nb: *x\n",
			    "could not parse category map \"map.yaml\": 1:4: anchors and tags are "
			    "not allowed",
			    (const char *[]){"1:4: [a] anchors and tags are not allowed",
					     "2:4: [b] a category must be text, not an alias"},
			    2);
	assert_map_problems("a: data\n---\nb: data\n",
			    "could not parse category map \"map.yaml\": 2:1: a second document: "
			    "the map is one mapping",
			    (const char *[]){"2:1: [] a second document: the map is one mapping"},
			    1);
	assert_map_problems("a: data\n\tb: data\n",
			    "could not parse category map \"map.yaml\": 2:1: found a tab "
			    "character that violates indentation",
			    (const char *[]){"2:1: [] found a tab character that violates "
					     "indentation"},
			    1);
	assert_map_problems("a: data\nb: \xff\n",
			    "could not parse category map \"map.yaml\": 2:4: invalid leading "
			    "UTF-8 octet",
			    (const char *[]){"2:4: [] invalid leading UTF-8 octet"}, 1);
	assert_map_problems("[a, b]: data\n",
			    "could not parse category map \"map.yaml\": 1:1: a source category "
			    "name must be text, not a list",
			    (const char *[]){"1:1: [] a source category name must be text, not a "
					     "list"},
			    1);
}

/* ---- figures ---- */

/* Five changes (lags 6h, 24h, open, 12h, a closure 1h before effective) and
 * two drills. */
static const char *const pack_changes =
	CH "c1,2026-01-05T00:00:00Z,2026-01-05T06:00:00Z,1,data,0,first\n"
	   "c2,2026-01-06T00:00:00Z,2026-01-07T00:00:00Z,1,self_eval_gating,1,bypassed\n"
	   "c3,2026-01-07T00:00:00Z,,1,deployment,0,\n"
	   "c4,2026-01-08T00:00:00Z,2026-01-08T12:00:00Z,0,,0,\n"
	   "c5,2026-01-09T00:00:00Z,2026-01-08T23:00:00Z,1,evaluation,1,closed before\n";
static const char *const pack_drills = DR "d1,c1,2026-01-10,60,15,1,\n"
					  "d2,,2026-01-11T00:00:00Z,30,5,0,restore failed\n";

static void load_pack(struct fit_pack *p)
{
	struct fit_category_map map;
	struct err err;
	err_init(&err);
	const char *yaml = "self_eval_gating: evaluation\n";
	assert_int_equal(fit_category_map_parse("map.yaml", yaml, strlen(yaml), &map, &err), 0);
	assert_int_equal(parse(pack_changes, pack_drills, &map, p, &err), 0);
	fit_category_map_release(&map);
	assert_int_equal(p->n_changes, 5);
	assert_int_equal(p->n_drills, 2);
}

static void test_the_pack_rows_are_read_as_written(void **state)
{
	(void)state;
	struct fit_pack p;
	load_pack(&p);
	const struct fit_change *c = p.changes;
	assert_string_equal(c[0].change_id, "c1");
	assert_int_equal(c[0].effective_at, ts("2026-01-05T00:00:00Z"));
	assert_int_equal(c[0].closed_at, ts("2026-01-05T06:00:00Z"));
	assert_true(c[0].is_io);
	assert_int_equal(c[0].category, IO_CAT_DATA);
	assert_false(c[0].bypass);
	assert_string_equal(c[0].notes, "first");
	assert_int_equal(c[0].line, 2);
	assert_int_equal(c[1].category, IO_CAT_EVALUATION);
	assert_true(c[1].bypass);
	assert_int_equal(c[2].closed_at, RTIME_NONE);
	assert_null(c[2].notes);
	assert_false(c[3].is_io);
	assert_int_equal(c[3].category, -1);
	assert_int_equal(c[4].line, 6);
	fit_pack_release(&p);
	assert_null(p.changes);
}

static void test_the_pack_figures_are_computed_the_pack_way(void **state)
{
	(void)state;
	struct fit_pack p;
	load_pack(&p);
	struct fit_figures f;
	fit_pack_figures(&p, &f);
	assert_int_equal(f.n_changes, 5);
	assert_int_equal(f.n_closed, 4);
	/* closed lags 0 (clamped), 6h, 12h, 24h; type 7 */
	assert_close(f.vl_median, 32400, 0, 0);
	assert_close(f.vl_p90, 73440, 1e-15, 0);
	assert_close(f.vl_p99, 85104, 1e-12, 0);
	assert_int_equal(f.io_changes, 4);
	assert_int_equal(f.io_bypassed, 2);
	assert_close(f.gbr, 0.5, 0, 0);
	assert_int_equal(f.drills, 2);
	assert_int_equal(f.drills_passed, 1);
	assert_close(f.rdpr, 0.5, 0, 0);
	assert_int_equal(f.io_missing_closure, 1);
	fit_pack_release(&p);
	/* an empty pack: undefined, never 0 */
	struct fit_pack empty = {0};
	fit_pack_figures(&empty, &f);
	assert_int_equal(f.n_changes, 0);
	assert_true(isnan(f.vl_median) && isnan(f.vl_p90) && isnan(f.vl_p99));
	assert_true(isnan(f.gbr));
	assert_true(isnan(f.rdpr));
}

static void test_ratchet_censored_figures_of_the_pack(void **state)
{
	(void)state;
	struct fit_pack p;
	load_pack(&p);
	struct fit_pack_metrics m;
	fit_pack_metrics(&p, RTIME_NONE, &m);
	/* from the earliest timestamp to the latest (d2), inclusive */
	assert_int_equal(m.window.from, ts("2026-01-05T00:00:00Z"));
	assert_int_equal(m.window.asof, ts("2026-01-11T00:00:00Z"));
	assert_int_equal(m.window.to, m.window.asof);
	/* events at 0, 6h, 12h, 24h; c3 censored at 4 days: S = 4/5, 3/5, 2/5, 1/5 */
	assert_int_equal(m.vl.n, 5);
	assert_int_equal(m.vl.n_closed, 4);
	assert_int_equal(m.vl.n_open, 1);
	assert_int_equal(m.vl.n_closed_before_effective, 1);
	assert_close(m.vl.median.estimate, 43200, 0, 0);
	assert_int_equal(m.vl.p90.status, STATS_UNDEFINED);
	/* up to the longest follow-up, c3's 96h (not the pack's 144h):
	 * 6h * 4/5 + 6h * 3/5 + 12h * 2/5 + (96h - 24h) / 5 */
	assert_close(m.vl.rmean.tau, 345600, 0, 0);
	assert_close(m.vl.rmean.estimate, 99360, 1e-12, 0);
	assert_close(m.vl.closed_median, 32400, 0, 0);
	assert_close(m.vl.oldest_open_age, 345600, 0, 0);
	/* the drills: restored within targets, and failed */
	assert_int_equal(m.rdpr.n, 2);
	assert_int_equal(m.rdpr.n_passed, 1);
	assert_int_equal(m.rdpr.failed, 1);
	assert_close(m.rdpr.wilson.lower, 0.094531205734230683, 1e-12, 0);
	assert_close(m.rdpr.wilson.upper, 0.90546879426576932, 1e-12, 0);
	/* c5's bypass came after its closure: the gate had passed, not counted */
	assert_int_equal(m.gbr.io_changes, 4);
	assert_int_equal(m.gbr.io_changes_bypassed, 1);
	assert_close(m.gbr.per_io_change, 0.25, 0, 0);
	assert_int_equal(m.gbr.n_changes, 4);
	assert_int_equal(m.gbr.denominator, 4);
	assert_int_equal(m.gbr.numerator, 1);

	/* asof exactly at c5's effective_at: c5 is in (inclusive), the drills are not */
	fit_pack_metrics(&p, ts("2026-01-09T00:00:00Z"), &m);
	assert_int_equal(m.vl.n, 5);
	assert_int_equal(m.rdpr.n, 0);
	assert_string_equal(m.rdpr.reason, "no drills in the window");
	assert_close(m.vl.rmean.tau, 2 * 86400, 0, 0); /* c3 open 2 days */
	/* earlier: c2's closure is after asof, so it is open; c4 and c5 are out */
	fit_pack_metrics(&p, ts("2026-01-06T12:00:00Z"), &m);
	assert_int_equal(m.vl.n, 2);
	assert_int_equal(m.vl.n_closed, 1);
	assert_int_equal(m.vl.n_open, 1);
	assert_close(m.vl.oldest_open_age, 12 * 3600, 0, 0);
	fit_pack_release(&p);

	struct fit_pack empty = {0};
	fit_pack_metrics(&empty, RTIME_NONE, &m);
	assert_int_equal(m.window.asof, RTIME_NONE);
	assert_int_equal(m.vl.n, 0);
}

static void test_a_pack_with_no_closure_has_no_restricted_mean(void **state)
{
	(void)state;
	/* one IO change, open 7h40m at the pack's last timestamp (a drill) */
	struct fit_pack p;
	struct err err;
	err_init(&err);
	assert_int_equal(parse(CH "c1,2026-01-05T00:00:00Z,,1,data,0,\n",
			       DR "d1,,2026-01-05T07:40:00Z,60,15,1,\n", NULL, &p, &err),
			 0);
	struct fit_pack_metrics m;
	fit_pack_metrics(&p, RTIME_NONE, &m);
	assert_int_equal(m.vl.n, 1);
	assert_int_equal(m.vl.n_open, 1);
	assert_true(isnan(m.vl.rmean.estimate));
	assert_close(m.vl.rmean.tau, 7 * 3600 + 40 * 60, 0, 0);
	assert_string_equal(m.vl.rmean_reason, "no evaluation closed: a restricted mean would "
					       "restate the follow-up time");
	cJSON *j = metrics_vl_to_json(&m.vl, MSTATUS_NONE);
	const cJSON *rmean = cJSON_GetObjectItem(j, "rmean");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(rmean, "value")));
	assert_close(cJSON_GetObjectItem(rmean, "tau")->valuedouble, 27600, 0, 0);
	assert_string_equal(cJSON_GetObjectItem(rmean, "reason")->valuestring,
			    "no evaluation closed: a restricted mean would restate the follow-up "
			    "time");
	cJSON_Delete(j);
	fit_pack_release(&p);
}

static void test_the_figures_json_puts_pack_and_ratchet_side_by_side(void **state)
{
	(void)state;
	struct fit_pack p;
	load_pack(&p);
	struct fit_figures f;
	struct fit_pack_metrics m;
	fit_pack_figures(&p, &f);
	fit_pack_metrics(&p, RTIME_NONE, &m);
	cJSON *j = fit_figures_to_json(&f, &m);
	char *text = cJSON_PrintUnformatted(j);
	const char *want =
		"{\"pack\":{\"changes\":5,\"closed\":4,\"vl_median\":32400,\"vl_p90\":73440,"
		"\"vl_p99\":85104,\"io_changes\":4,\"io_bypassed\":2,\"gbr\":0.5,\"drills\":2,"
		"\"drills_passed\":1,\"rdpr\":0.5,\"io_missing_closure\":1},"
		"\"ratchet\":{\"validation_lag\":{\"n\":5,\"closed\":4,\"open\":1,\"ungated\":0,"
		"\"closed_before_effective\":1,\"median\":{\"value\":43200,";
	if (strncmp(text, want, strlen(want)) != 0) {
		print_error("%s\n", text);
		fail();
	}
	const cJSON *r = cJSON_GetObjectItem(j, "ratchet");
	assert_string_equal(cJSON_GetObjectItem(r, "asof")->valuestring,
			    "2026-01-11T00:00:00.000000Z");
	const cJSON *vl = cJSON_GetObjectItem(r, "validation_lag");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(vl, "status")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(vl, "p90"), "value")));
	assert_close(cJSON_GetObjectItem(cJSON_GetObjectItem(vl, "rmean"), "value")->valuedouble,
		     99360, 1e-12, 0);
	const cJSON *rdpr = cJSON_GetObjectItem(r, "rdpr");
	assert_close(cJSON_GetObjectItem(rdpr, "value")->valuedouble, 0.5, 0, 0);
	assert_false(cJSON_HasObjectItem(rdpr, "list"));
	assert_close(
		cJSON_GetObjectItem(cJSON_GetObjectItem(rdpr, "reasons"), "failed")->valuedouble, 1,
		0, 0);
	const cJSON *g = cJSON_GetObjectItem(r, "gbr_per_io_change");
	assert_close(cJSON_GetObjectItem(g, "value")->valuedouble, 0.25, 0, 0);
	assert_close(cJSON_GetObjectItem(g, "numerator")->valuedouble, 1, 0, 0);
	assert_close(cJSON_GetObjectItem(g, "denominator")->valuedouble, 4, 0, 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(g, "reason")));
	free(text);
	cJSON_Delete(j);
	/* the empty pack: nulls */
	struct fit_pack empty = {0};
	fit_pack_figures(&empty, &f);
	fit_pack_metrics(&empty, RTIME_NONE, &m);
	j = fit_figures_to_json(&f, &m);
	text = cJSON_PrintUnformatted(cJSON_GetObjectItem(j, "pack"));
	assert_string_equal(text, "{\"changes\":0,\"closed\":0,\"vl_median\":null,\"vl_p90\":null,"
				  "\"vl_p99\":null,\"io_changes\":0,\"io_bypassed\":0,\"gbr\":null,"
				  "\"drills\":0,\"drills_passed\":0,\"rdpr\":null,"
				  "\"io_missing_closure\":0}");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "ratchet"), "asof")));
	free(text);
	cJSON_Delete(j);
	fit_pack_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_problems_are_reported_and_stop_the_file),
		cmocka_unit_test(test_ids_must_be_present_valid_and_unique),
		cmocka_unit_test(test_timestamps_need_an_offset),
		cmocka_unit_test(test_flags_and_categories_are_checked_together),
		cmocka_unit_test(test_unmapped_categories_are_reported_once_each_and_listed),
		cmocka_unit_test(test_csv_syntax_errors_name_line_and_column),
		cmocka_unit_test(test_drill_rows_are_validated),
		cmocka_unit_test(test_a_drill_row_reads_dates_minutes_and_flags),
		cmocka_unit_test(test_the_category_map_is_a_flat_mapping_to_the_six),
		cmocka_unit_test(test_category_map_problems_have_line_and_column),
		cmocka_unit_test(test_the_pack_rows_are_read_as_written),
		cmocka_unit_test(test_the_pack_figures_are_computed_the_pack_way),
		cmocka_unit_test(test_ratchet_censored_figures_of_the_pack),
		cmocka_unit_test(test_a_pack_with_no_closure_has_no_restricted_mean),
		cmocka_unit_test(test_the_figures_json_puts_pack_and_ratchet_side_by_side),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
