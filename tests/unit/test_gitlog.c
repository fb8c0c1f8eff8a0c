/* Unit tests for core/gitlog* (the git log interchange format) and
 * core/git_import (rules applied, hashes resolved, links, refs and reports),
 * on hand-written logs with exact expected values, and on the real curl
 * history when ../shared/data holds it. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "core.h"
#include "err.h"
#include "git_import.h"
#include "gitlog.h"
#include "import_rules.h"
#include "rtime.h"
#include "test_util.h"

#define DEFAULT_RULES "policies/import/git.yaml"
#define CURL_LOG "../shared/data/curl-2025-08_2026-08.gitlog"

#define RS "\x1e"
#define US "\x1f"
/* One record: the header on one line, the message, the closing 0x1f, then a
 * blank line and the numstat lines (NUMSTAT may be ""). */
#define REC(hash, parents, author, adate, cdate, body, numstat)                                    \
	RS hash US parents US author US adate US cdate US body US "\n" numstat
#define DATE "2026-08-01T10:00:00+00:00"

#define H1 "1111111111111111111111111111111111111111"
#define H2 "2222222222222222222222222222222222222222"
#define H3 "3333333333333333333333333333333333333333"
#define H4 "4444444444444444444444444444444444444444"
#define H5 "5555555555555555555555555555555555555555"
#define H6 "6666666666666666666666666666666666666666"
#define HA "abcdef1000000000000000000000000000000000"
#define HB "abcdef1999999999999999999999999999999999"

/* --- helpers ------------------------------------------------------------------------------- */

static void print_details(const struct err *err)
{
	for (int i = 0; i < err->n_details; i++)
		print_error("  %d: %s\n", err->details[i].line, err->details[i].message);
}

static void parse_ok(const char *text, struct gitlog *log)
{
	struct err err;
	err_init(&err);
	if (gitlog_parse("t.log", text, strlen(text), log, &err) != 0) {
		print_error("gitlog_parse failed: %s\n", err.message);
		print_details(&err);
		fail();
	}
}

static const char *utc(int64_t usec, char *buf)
{
	return rtime_format(usec, buf);
}

static char *read_file(const char *path, size_t max)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b;
	buf_init(&b, max);
	buf_append(&b, "", 0);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_append(&b, chunk, n), 0);
	fclose(f);
	return b.data;
}

static void load_default_rules(struct import_rules *r)
{
	char *text = read_file(DEFAULT_RULES, IMPORT_RULES_TEXT_MAX);
	if (!text) {
		print_error("cannot open %s (run the tests from the repository root)\n",
			    DEFAULT_RULES);
		fail();
	}
	struct err err;
	err_init(&err);
	assert_int_equal(import_rules_parse(DEFAULT_RULES, text, strlen(text), r, &err), 0);
	free(text);
}

/* --- records --------------------------------------------------------------------------------- */

static const char *const one_record =
	REC(H1, H2, "Ann Author", "2026-08-22T15:01:09+03:00", "2026-08-22T16:18:50+02:00",
	    "docs: fix the examples\n\nA body line.\n\nCloses #1\n",
	    "\n1\t1\tdocs/a.md\n10\t0\tlib/b.c\n");

static void test_a_record_gives_hash_parent_author_dates_subject_body_and_paths(void **state)
{
	(void)state;
	struct gitlog log;
	parse_ok(one_record, &log);
	assert_int_equal(log.n_commits, 1);
	const struct gitlog_commit *c = &log.commits[0];
	char buf[RTIME_BUFSZ];
	assert_string_equal(c->hash, H1);
	assert_string_equal(c->first_parent, H2);
	assert_int_equal(c->n_parents, 1);
	assert_string_equal(c->author, "Ann Author");
	assert_string_equal(utc(c->authored_at, buf), "2026-08-22T12:01:09.000000Z");
	assert_string_equal(utc(c->committed_at, buf), "2026-08-22T14:18:50.000000Z");
	assert_string_equal(c->subject, "docs: fix the examples");
	assert_string_equal(c->body, "docs: fix the examples\n\nA body line.\n\nCloses #1\n");
	assert_int_equal(c->line, 1);
	assert_int_equal(c->n_paths, 2);
	assert_string_equal(c->paths[0].path, "docs/a.md");
	assert_null(c->paths[0].old_path);
	assert_int_equal(c->paths[0].added, 1);
	assert_int_equal(c->paths[0].deleted, 1);
	assert_string_equal(c->paths[1].path, "lib/b.c");
	assert_int_equal(c->paths[1].added, 10);
	assert_int_equal(c->paths[1].deleted, 0);
	assert_int_equal(c->n_replaced, 0);
	assert_int_equal(log.n_replaced, 0);
	assert_ptr_equal(gitlog_find(&log, H1), c);
	assert_null(gitlog_find(&log, H2));
	gitlog_release(&log);
}

static const char *const three_records = REC(H1, H2, "a", DATE, DATE, "one\n", "\n1\t1\ta\n")
	REC(H2, H3, "b", DATE, DATE, "two\n\nbody\n", "")
		REC(H3, "", "c", DATE, DATE, "three\n", "\n2\t0\tc\n3\t0\td\n");

static void test_records_start_on_their_lines_and_the_last_needs_no_newline(void **state)
{
	(void)state;
	struct gitlog log;
	parse_ok(three_records, &log);
	assert_int_equal(log.n_commits, 3);
	assert_int_equal(log.commits[0].line, 1);
	assert_int_equal(log.commits[1].line, 5);
	assert_int_equal(log.commits[2].line, 9); /* the second record has no numstat */
	assert_int_equal(log.commits[1].n_paths, 0);
	assert_int_equal(log.commits[2].n_parents, 0); /* a root commit */
	assert_string_equal(log.commits[2].first_parent, "");
	assert_int_equal(log.commits[2].n_paths, 2);
	gitlog_release(&log);
	/* the same without the final newline */
	size_t len = strlen(three_records) - 1;
	struct err err;
	err_init(&err);
	assert_int_equal(gitlog_parse("t.log", three_records, len, &log, &err), 0);
	assert_int_equal(log.n_commits, 3);
	assert_string_equal(log.commits[2].paths[1].path, "d");
	gitlog_release(&log);
}

static void test_a_log_fed_in_any_chunks_parses_the_same(void **state)
{
	(void)state;
	struct gitlog whole;
	parse_ok(three_records, &whole);
	size_t len = strlen(three_records);
	for (size_t chunk = 1; chunk <= 7; chunk++) {
		struct gitlog log;
		struct err err;
		err_init(&err);
		gitlog_init(&log, "t.log");
		for (size_t i = 0; i < len; i += chunk)
			assert_int_equal(gitlog_feed(&log, three_records + i,
						     i + chunk > len ? len - i : chunk, &err),
					 0);
		assert_int_equal(gitlog_finish(&log, &err), 0);
		assert_int_equal(log.n_commits, whole.n_commits);
		for (size_t i = 0; i < log.n_commits; i++) {
			assert_string_equal(log.commits[i].hash, whole.commits[i].hash);
			assert_string_equal(log.commits[i].body, whole.commits[i].body);
			assert_int_equal(log.commits[i].line, whole.commits[i].line);
			assert_int_equal(log.commits[i].n_paths, whole.commits[i].n_paths);
		}
		/* input after the end is a caller's bug */
		assert_int_equal(gitlog_feed(&log, "x", 1, &err), -1);
		gitlog_release(&log);
	}
	gitlog_release(&whole);
}

static void test_a_merge_records_its_parent_count_and_keeps_the_first_parent(void **state)
{
	(void)state;
	struct gitlog log;
	parse_ok(REC(H1, H2 " " H3, "m", DATE, DATE, "Merge branch 'x'\n", "\n5\t1\tlib/x.c\n")
			 REC(H4, H5 " " H6 " " H2, "o", DATE, DATE, "octopus\n", ""),
		 &log);
	assert_int_equal(log.commits[0].n_parents, 2);
	assert_string_equal(log.commits[0].first_parent, H2);
	assert_int_equal(log.commits[0].n_paths, 1);
	assert_int_equal(log.commits[1].n_parents, 3);
	assert_string_equal(log.commits[1].first_parent, H5);
	gitlog_release(&log);
}

static void test_renames_give_old_and_new_paths_in_every_form(void **state)
{
	(void)state;
	struct gitlog log;
	parse_ok(REC(H1, H2, "r", DATE, DATE, "renames\n",
		     "\n2\t2\tlib/{ => vdns}/asyn-ares.c\n"
		     "1\t1\ttests/{unit/unit1396.c => libtest/lib1396.c}\n"
		     "2\t12\tdocs/{INTERNALS.md => DEPENDENCIES.md}\n"
		     "0\t0\t{.github/scripts => scripts}/a.pl\n"
		     "0\t0\t{ => new}/x.c\n"
		     "0\t0\tsrc/{old => }/y.c\n"
		     "3\t0\tREADME => README.md\n"
		     "1\t0\t\"tab\\there\" => \"sp ace\"\n"
		     "1\t0\tplain => \"caf\\303\\251\"\n"),
		 &log);
	const struct gitlog_commit *c = &log.commits[0];
	static const char *const want[][2] = {
		{"lib/vdns/asyn-ares.c", "lib/asyn-ares.c"},
		{"tests/libtest/lib1396.c", "tests/unit/unit1396.c"},
		{"docs/DEPENDENCIES.md", "docs/INTERNALS.md"},
		{"scripts/a.pl", ".github/scripts/a.pl"},
		{"new/x.c", "x.c"},
		{"src/y.c", "src/old/y.c"},
		{"README.md", "README"},
		{"sp ace", "tab\there"},
		{"caf\xc3\xa9", "plain"},
	};
	assert_int_equal(c->n_paths, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_string_equal(c->paths[i].path, want[i][0]);
		assert_string_equal(c->paths[i].old_path, want[i][1]);
	}
	assert_int_equal(c->paths[2].added, 2);
	assert_int_equal(c->paths[2].deleted, 12);
	gitlog_release(&log);
}

static void test_binary_and_quoted_paths(void **state)
{
	(void)state;
	struct gitlog log;
	parse_ok(REC(H1, H2, "b", DATE, DATE, "binary\n",
		     "\n-\t-\ttests/certs/x.der\n"
		     "0\t0\t\"a\\\"q\\\\b\\001.txt\"\n"
		     "4\t0\t\"\\344\\275\\240.md\"\n"),
		 &log);
	const struct gitlog_commit *c = &log.commits[0];
	assert_int_equal(c->paths[0].added, -1);
	assert_int_equal(c->paths[0].deleted, -1);
	assert_string_equal(c->paths[0].path, "tests/certs/x.der");
	assert_string_equal(c->paths[1].path, "a\"q\\b\001.txt");
	assert_string_equal(c->paths[2].path, "\xe4\xbd\xa0.md");
	assert_null(c->paths[2].old_path);
	gitlog_release(&log);
}

static void test_an_empty_message_gives_an_empty_subject(void **state)
{
	(void)state;
	struct gitlog log;
	parse_ok(REC(H1, H2, "e", DATE, DATE, "", "\n1\t0\tx\n")
			 REC(H2, H3, "", DATE, DATE, "\n\n", ""),
		 &log);
	assert_string_equal(log.commits[0].subject, "");
	assert_string_equal(log.commits[0].body, "");
	assert_int_equal(log.commits[0].n_paths, 1);
	assert_string_equal(log.commits[1].subject, "");
	assert_string_equal(log.commits[1].author, "");
	/* the plan gives such a change a title all the same */
	struct import_rules r;
	load_default_rules(&r);
	struct git_import imp;
	struct err err;
	err_init(&err);
	assert_int_equal(git_import_plan(&log, &r, NULL, NULL, &imp, &err), 0);
	assert_string_equal(imp.changes[0].title, "(no commit message)");
	git_import_release(&imp);
	import_rules_release(&r);
	gitlog_release(&log);
}

static void test_the_subject_is_cleaned_trimmed_and_cut_on_a_character(void **state)
{
	(void)state;
	struct buf body;
	buf_init(&body, 0);
	buf_append(&body, "  tab\there\r", 11);
	struct gitlog log;
	char *text = xasprintf(REC(H1, H2, "s", DATE, DATE, "%s\nrest\n", ""), body.data);
	parse_ok(text, &log);
	assert_string_equal(log.commits[0].subject, "tab here");
	gitlog_release(&log);
	free(text);
	/* 499 ASCII bytes and a 2-byte character: cut before the character */
	body.len = 0;
	for (int i = 0; i < 499; i++)
		buf_append(&body, "x", 1);
	buf_append(&body, "\xc3\xa9tail", 6);
	text = xasprintf(REC(H1, H2, "s", DATE, DATE, "%s\n", ""), body.data);
	parse_ok(text, &log);
	assert_int_equal(strlen(log.commits[0].subject), 499);
	gitlog_release(&log);
	free(text);
	buf_release(&body);
}

static void test_invalid_utf8_is_replaced_and_counted_per_commit_and_in_total(void **state)
{
	(void)state;
	struct gitlog log;
	/* message: \xff (1), \xe2\x82 cut (1), a surrogate \xed\xa0\x80 (3); author:
	 * overlong \xc0\xaf (2); path: \x80 (1) through an octal escape */
	parse_ok(REC(H1, H2, "Jos\xc0\xaf", DATE, DATE,
		     "caf\xff sub\n\xe2\x82 and \xed\xa0\x80 and \xe2\x82\xac\n",
		     "\n1\t0\t\"p\\200.c\"\n") REC(H2, H3, "ok", DATE, DATE, "fine \xc3\xa9\n", "")
			 REC(H3, H4, "x", DATE, DATE, "nul \x01 and \xf4\x90\x80\x80\n", ""),
		 &log);
	assert_int_equal(log.commits[0].n_replaced, 8);
	assert_string_equal(log.commits[0].author, "Jos\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(log.commits[0].subject, "caf\xef\xbf\xbd sub");
	assert_string_equal(log.commits[0].body,
			    "caf\xef\xbf\xbd sub\n\xef\xbf\xbd and "
			    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd and \xe2\x82\xac\n");
	assert_string_equal(log.commits[0].paths[0].path, "p\xef\xbf\xbd.c");
	assert_int_equal(log.commits[1].n_replaced, 0);
	assert_int_equal(log.commits[2].n_replaced, 4);
	assert_int_equal(log.n_replaced, 12);
	gitlog_release(&log);
}

static void test_utf8_clean_replaces_each_maximal_invalid_subpart(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t len, replaced;
		const char *out;
	} cases[] = {
		{"plain", 5, 0, "plain"},
		{"\xe2\x82\xac", 3, 0, "\xe2\x82\xac"},
		{"\xf0\x9f\x98\x80", 4, 0, "\xf0\x9f\x98\x80"},
		{"\xff", 1, 1, "\xef\xbf\xbd"},
		{"\xe2\x82", 2, 1, "\xef\xbf\xbd"},
		{"\xf0\x9f\x98", 3, 1, "\xef\xbf\xbd"},
		{"\xc0\xaf", 2, 2, "\xef\xbf\xbd\xef\xbf\xbd"},
		{"\xed\xa0\x80", 3, 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
		{"\x80\x80", 2, 2, "\xef\xbf\xbd\xef\xbf\xbd"},
		{"a\0b", 3, 1,
		 "a\xef\xbf\xbd"
		 "b"},
		{"\xe2\x82x", 3, 1, "\xef\xbf\xbdx"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t replaced = 0;
		char *out = gitlog_utf8_clean(cases[i].in, cases[i].len, &replaced);
		assert_string_equal(out, cases[i].out);
		assert_int_equal(replaced, cases[i].replaced);
		free(out);
	}
}

/* --- errors ---------------------------------------------------------------------------------- */

static void test_a_truncated_record_is_an_error_at_its_line(void **state)
{
	(void)state;
	const char *text = REC(H1, H2, "a", DATE, DATE, "ok\n", "\n1\t1\ta\n") RS H2 US H3 US
		"b" US DATE US DATE US "the message was cut\nhere";
	struct gitlog log;
	struct err err;
	err_init(&err);
	assert_int_equal(gitlog_parse("cut.log", text, strlen(text), &log, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_string_equal(err.message, "cut.log:5: commit 222222222222: truncated record: the "
					 "message has no closing 0x1f");
	assert_int_equal(err.n_details, 1);
	assert_int_equal(err.details[0].line, 5);
	assert_int_equal(log.n_commits, 1); /* what parsed is kept */
	assert_int_equal(log.n_bad, 1);
	gitlog_release(&log);
	/* cut inside the header */
	text = RS H1 US H2 US "a";
	err_init(&err);
	assert_int_equal(gitlog_parse("cut.log", text, strlen(text), &log, &err), -1);
	assert_string_equal(
		err.message,
		"cut.log:1: truncated record of commit 111111111111: 3 of the 7 fields "
		"(hash, parents, author, author date, committer date, message, numstat)");
	gitlog_release(&log);
}

static void test_malformed_records_are_each_reported_with_their_line(void **state)
{
	(void)state;
	const char *text = "\n" /* blank lines before the first record are fine */
		REC(H1, H2, "ok", DATE, DATE, "good\n", "\n1\t1\ta\n")	     /* line 2 */
		REC("xyz", H2, "a", DATE, DATE, "bad hash\n", "")	     /* 6 */
		REC(H3, "123", "a", DATE, DATE, "bad parent\n", "")	     /* 8 */
		REC(H4, H2, "a", "2026-08-01 10:00:00", DATE, "naive\n", "") /* 10 */
		REC(H5, H2, "a", DATE, DATE, "two\nlines\n", "\n1\t1\tok\nnot numstat\n") /* 12 */
		REC(H6, H2, "a", DATE, DATE, "counts\n", "\n1\t-\tx\n")			  /* 18 */
		REC(HA, H2, "a", DATE, DATE, "quote\n", "\n1\t1\t\"open\n")		  /* 22 */
		RS HB US H2 US "a" US DATE US DATE US "rest\n" US "junk\n"		  /* 26 */
		REC(H1, H2, "dup", DATE, DATE, "again\n", "");				  /* 28 */
	struct gitlog log;
	struct err err;
	err_init(&err);
	assert_int_equal(gitlog_parse("bad.log", text, strlen(text), &log, &err), -1);
	static const struct {
		int line;
		const char *message;
	} want[] = {
		{6, "record does not start with a commit hash: \"xyz\""},
		{8, "commit 333333333333: parent \"123\" is not a 40-digit hash"},
		{10, "commit 444444444444: author date: timestamp \"2026-08-01 10:00:00\" has no "
		     "offset (naive); add Z or +hh:mm"},
		{17, "commit 555555555555: not a numstat line (added<TAB>deleted<TAB>path): \"not "
		     "numstat\""},
		{21,
		 "commit 666666666666: numstat counts must be whole numbers, or \"-\" twice for a "
		 "binary file: \"1\\x09-\\x09x\""},
		{25,
		 "commit abcdef100000: quoted path has no closing quote: \"1\\x091\\x09\\\"open\""},
		{27, "commit abcdef199999: text after the message's closing 0x1f: \"junk\""},
		{28, "commit 111111111111 appears twice (first at line 2)"},
	};
	if (err.n_details != (int)ARRAY_SIZE(want))
		print_details(&err);
	assert_int_equal(err.n_details, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(err.details[i].line, want[i].line);
		assert_string_equal(err.details[i].message, want[i].message);
	}
	assert_string_equal(err.message, "bad.log:6: record does not start with a commit hash: "
					 "\"xyz\"");
	assert_int_equal(log.n_commits, 1);
	assert_int_equal(log.n_bad, 8);
	gitlog_release(&log);
}

static void test_text_that_is_not_this_format_is_refused(void **state)
{
	(void)state;
	const char *text = "commit 1111111111111111111111111111111111111111\nAuthor: x\n";
	struct gitlog log;
	struct err err;
	err_init(&err);
	assert_int_equal(gitlog_parse("plain.log", text, strlen(text), &log, &err), -1);
	assert_string_equal(err.message, "plain.log:1: text before the first record: a record "
					 "starts with 0x1e (make the log with the --format of "
					 "ratchet's git import)");
	assert_int_equal(err.n_details, 1);
	gitlog_release(&log);
	/* an empty input is an empty log */
	err_init(&err);
	assert_int_equal(gitlog_parse("empty.log", "", 0, &log, &err), 0);
	assert_int_equal(log.n_commits, 0);
	gitlog_release(&log);
}

static void test_limits_are_errors_that_name_them(void **state)
{
	(void)state;
	struct gitlog log;
	struct err err;
	/* the message, the paths and one path: the record is refused */
	const char *text = REC(H1, H2, "a", DATE, DATE, "0123456789abc\n", "\n1\t1\ta\n2\t2\tb\n")
		REC(H2, H3, "a", DATE, DATE, "short\n", "\n1\t1\ta\n2\t2\tb\n3\t3\tc\n")
			REC(H3, H4, "a", DATE, DATE, "short\n", "\n1\t1\tabcdefghijk\n");
	gitlog_init(&log, "lim.log");
	log.limits.body_bytes = 10;
	log.limits.paths = 2;
	log.limits.path_bytes = 10;
	err_init(&err);
	assert_int_equal(gitlog_feed(&log, text, strlen(text), &err), 0);
	assert_int_equal(gitlog_finish(&log, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_int_equal(err.n_details, 3);
	assert_string_equal(err.details[0].message,
			    "commit 111111111111: message is longer than 10 bytes");
	assert_int_equal(err.details[0].line, 1);
	assert_int_equal(err.details[1].line, 11);
	assert_int_equal(err.details[2].line, 15);
	assert_string_equal(err.details[1].message, "commit 222222222222: more than 2 paths");
	assert_string_equal(err.details[2].message,
			    "commit 333333333333: path is too long: \"1\\x091\\x09abcdefghijk\"");
	gitlog_release(&log);

	/* a record past the record limit stops everything: 413 */
	gitlog_init(&log, "big.log");
	log.limits.record_bytes = 64;
	err_init(&err);
	assert_int_equal(gitlog_feed(&log, one_record, strlen(one_record), &err), -1);
	assert_int_equal(err.code, ERR_TOO_LARGE);
	assert_string_equal(err.message, "big.log:1: record is larger than 64 bytes");
	assert_int_equal(gitlog_feed(&log, "x", 1, &err), -1);
	err_init(&err);
	assert_int_equal(gitlog_finish(&log, &err), -1);
	assert_int_equal(err.code, ERR_TOO_LARGE);
	assert_string_equal(err.message, "big.log:1: record is larger than 64 bytes");
	gitlog_release(&log);

	/* more commits than allowed */
	gitlog_init(&log, "many.log");
	log.limits.commits = 2;
	err_init(&err);
	assert_int_equal(gitlog_feed(&log, three_records, strlen(three_records), &err), -1);
	assert_int_equal(err.code, ERR_TOO_LARGE);
	assert_string_equal(err.message, "many.log:9: more than 2 commits");
	gitlog_release(&log);

	/* more than GITLOG_PARENTS_MAX parents */
	struct buf parents;
	buf_init(&parents, 0);
	for (unsigned i = 0; i <= GITLOG_PARENTS_MAX; i++)
		buf_printf(&parents, "%s%s", i ? " " : "", H2);
	char *many = xasprintf(RS H1 US "%s" US "a" US DATE US DATE US "m\n" US "\n", parents.data);
	err_init(&err);
	assert_int_equal(gitlog_parse("p.log", many, strlen(many), &log, &err), -1);
	assert_string_equal(err.message, "p.log:1: commit 111111111111: more than 64 parents");
	gitlog_release(&log);
	free(many);
	buf_release(&parents);
}

static void test_an_author_name_with_a_control_character_or_too_long_is_refused(void **state)
{
	(void)state;
	struct gitlog log;
	struct err err;
	err_init(&err);
	const char *text = REC(H1, H2, "a\x01b", DATE, DATE, "m\n", "");
	assert_int_equal(gitlog_parse("a.log", text, strlen(text), &log, &err), -1);
	assert_string_equal(
		err.message,
		"a.log:1: commit 111111111111: author name contains a control character");
	gitlog_release(&log);
	char name[GITLOG_AUTHOR_MAX + 2];
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	char *long_name = xasprintf(REC(H1, H2, "%s", DATE, DATE, "m\n", ""), name);
	err_init(&err);
	assert_int_equal(gitlog_parse("a.log", long_name, strlen(long_name), &log, &err), -1);
	assert_string_equal(err.message,
			    "a.log:1: commit 111111111111: author name is longer than 200 bytes");
	gitlog_release(&log);
	free(long_name);
}

/* --- the plan: links, refs, resolution ------------------------------------------------------- */

/* Plans text with the default rules (and keys, when given). */
static void plan(const char *text, struct git_keyset *keys, struct gitlog *log,
		 struct import_rules *r, struct git_import *imp)
{
	parse_ok(text, log);
	load_default_rules(r);
	struct err err;
	err_init(&err);
	assert_int_equal(git_import_plan(log, r, keys ? git_keyset_lookup : NULL, keys, imp, &err),
			 0);
}

static void plan_release(struct gitlog *log, struct import_rules *r, struct git_import *imp)
{
	git_import_release(imp);
	import_rules_release(r);
	gitlog_release(log);
}

static void assert_link(const struct git_import_link *l, enum import_link_how how,
			const char *target, int is_short, int outcome, const char *rule, int line)
{
	assert_int_equal(l->how, how);
	assert_string_equal(l->target, target);
	assert_int_equal(l->short_hash, is_short);
	assert_int_equal(l->outcome, outcome);
	assert_string_equal(l->rule_id, rule);
	assert_int_equal(l->line, line);
}

static void test_reverts_in_every_form_link_the_reverted_change(void **state)
{
	(void)state;
	const char *text =
		REC(H1, H2, "r", DATE, DATE,
		    "Revert \"lib: thing\"\n\nThis reverts commit " H2 ".\n", "") /* 1; link 3 */
		REC(H3, H4, "r", DATE, DATE, "cmake: undo (revert)\n\nRevert " H4 " #20234\n",
		    "") /* 5; 7 */
		REC(H5, H6, "r", DATE, DATE,
		    "GHA: back\n\n- switch back.\n  Reverts 6666666 #18257\n", "") /* 9; 12 */
		REC(HA, H1, "r", DATE, DATE,
		    "x\n\nReverts: https://github.com/curl/curl/commit/" H1 "\n", "") /* 14; 16 */
		REC(HB, H3, "r", DATE, DATE,
		    "y\n\nREVERTS: 3333333333\nthis REVERTS COMMIT " H5 "\n", "") /* 18; 20, 21 */
		REC(H2, "", "r", DATE, DATE, "z\n", "") REC(H4, "", "r", DATE, DATE, "z\n", "")
			REC(H6, "", "r", DATE, DATE, "z\n", "");
	struct gitlog log;
	struct import_rules r;
	struct git_import imp;
	plan(text, NULL, &log, &r, &imp);
	assert_int_equal(imp.changes[0].n_links, 1);
	assert_link(&imp.changes[0].links[0], IMPORT_LINK_REVERT, H2, 0, 1, "this-reverts-commit",
		    3);
	assert_true(imp.changes[0].links[0].in_import);
	assert_link(&imp.changes[1].links[0], IMPORT_LINK_REVERT, H4, 0, 1, "revert-sha", 7);
	assert_link(&imp.changes[2].links[0], IMPORT_LINK_REVERT, H6, 1, 1, "revert-sha", 12);
	assert_link(&imp.changes[3].links[0], IMPORT_LINK_REVERT, H1, 0, 1, "reverts-colon", 16);
	assert_int_equal(imp.changes[4].n_links, 2);
	assert_link(&imp.changes[4].links[0], IMPORT_LINK_REVERT, H3, 1, 1, "reverts-colon", 20);
	assert_link(&imp.changes[4].links[1], IMPORT_LINK_REVERT, H5, 0, 1, "this-reverts-commit",
		    21);
	assert_int_equal(imp.by_how[IMPORT_LINK_REVERT], 6);
	/* the two short ones are reported, with the hash they resolved to */
	assert_int_equal(imp.n_reports, 2);
	assert_int_equal(imp.reports[0].status, GIT_REF_SHORT);
	assert_string_equal(imp.reports[0].commit, H5);
	assert_int_equal(imp.reports[0].line, 12);
	assert_string_equal(imp.reports[0].written, "6666666");
	assert_string_equal(imp.reports[0].resolved, H6);
	assert_string_equal(imp.reports[1].written, "3333333333");
	assert_int_equal(imp.by_status[GIT_REF_SHORT], 2);
	plan_release(&log, &r, &imp);
}

static void test_fixes_and_regression_lines_in_mixed_case_link_regressions(void **state)
{
	(void)state;
	const char *text = REC(H1, H2, "f", DATE, DATE,
			       "fix\n\nFIXES: " H2 "\nfixes: 3333333\n"
			       "Fix Regression FROM " H4 "\nregression In commit 5555555.\n"
			       "Regression since curl 8.18.0.\nprefixes: " H6 "\n",
			       "") REC(H2, "", "a", DATE, DATE, "a\n", "")
		REC(H3, "", "a", DATE, DATE, "a\n", "") REC(H4, "", "a", DATE, DATE, "a\n", "")
			REC(H5, "", "a", DATE, DATE, "a\n", "")
				REC(H6, "", "a", DATE, DATE, "a\n", "");
	struct gitlog log;
	struct import_rules r;
	struct git_import imp;
	plan(text, NULL, &log, &r, &imp);
	const struct git_import_change *c = &imp.changes[0];
	assert_int_equal(c->n_links, 4);
	assert_link(&c->links[0], IMPORT_LINK_REGRESSION, H2, 0, 1, "fixes-sha", 3);
	assert_link(&c->links[1], IMPORT_LINK_REGRESSION, H3, 1, 1, "fixes-sha", 4);
	assert_link(&c->links[2], IMPORT_LINK_REGRESSION, H4, 0, 1, "regression-since", 5);
	assert_link(&c->links[3], IMPORT_LINK_REGRESSION, H5, 1, 1, "regression-since", 6);
	assert_int_equal(imp.by_how[IMPORT_LINK_REGRESSION], 4);
	assert_int_equal(imp.n_reports, 2);
	plan_release(&log, &r, &imp);
}

static void test_follow_ups_link_without_an_outcome(void **state)
{
	(void)state;
	const char *text = REC(H1, H2, "f", DATE, DATE,
			       "more\n\nFollow-up to " H2 " #18330\n  follow-up to: 33333333\n"
			       "Follow-up to https://github.com/curl/curl-for-win/commit/" H4 "\n"
			       "Follow-up to #21645\n",
			       "") REC(H2, "", "a", DATE, DATE, "a\n", "")
		REC(H3, "", "a", DATE, DATE, "a\n", "");
	struct gitlog log;
	struct import_rules r;
	struct git_import imp;
	plan(text, NULL, &log, &r, &imp);
	const struct git_import_change *c = &imp.changes[0];
	assert_int_equal(c->n_links, 2);
	assert_link(&c->links[0], IMPORT_LINK_FOLLOW_UP, H2, 0, 0, "follow-up-to", 3);
	assert_link(&c->links[1], IMPORT_LINK_FOLLOW_UP, H3, 1, 0, "follow-up-to", 4);
	assert_int_equal(c->refs.n, 0); /* "Follow-up to #N" is no ref */
	plan_release(&log, &r, &imp);
}

static void test_fixes_and_closes_issue_numbers_become_refs_once(void **state)
{
	(void)state;
	const char *text = REC(H1, H2, "f", DATE, DATE,
			       "ws: fix\n\nFixes #22627\nReported-by: author-004\nCloses #22634\n"
			       "closes: #1, Fixes #22627 again; CLOSES #7\n"
			       "encloses #9 and fixes #12a and fixes#13 and fixes 14\n",
			       "");
	struct gitlog log;
	struct import_rules r;
	struct git_import imp;
	plan(text, NULL, &log, &r, &imp);
	const struct git_import_change *c = &imp.changes[0];
	/* "encloses #9" starts no word, "#12a" is no number, "fixes 14" has no "#" */
	assert_int_equal(c->refs.n, 5);
	assert_string_equal(c->refs.items[0], "#22627");
	assert_string_equal(c->refs.items[1], "#22634");
	assert_string_equal(c->refs.items[2], "#1");
	assert_string_equal(c->refs.items[3], "#7");
	assert_string_equal(c->refs.items[4], "#13");
	assert_int_equal(c->n_links, 0);
	assert_int_equal(imp.n_refs, 5);
	plan_release(&log, &r, &imp);
}

static void test_short_ambiguous_and_unknown_hashes_are_reported_with_commit_and_line(void **state)
{
	(void)state;
	const char *text = REC(H1, H2, "s", DATE, DATE,
			       "mixed\n\nRevert abcdef1\nRevert abcdef10 #1\nRevert 1234567\n"
			       "Follow-up to abcdef199\nThis reverts commit "
			       "abcdef1000000000000000000000000000000000.\n",
			       "") REC(HA, "", "a", DATE, DATE, "a\n", "")
		REC(HB, "", "b", DATE, DATE, "b\n", "");
	struct gitlog log;
	struct import_rules r;
	struct git_import imp;
	plan(text, NULL, &log, &r, &imp);
	const struct git_import_change *c = &imp.changes[0];
	/* abcdef10 and the full hash name the same change: one link */
	assert_int_equal(c->n_links, 2);
	assert_link(&c->links[0], IMPORT_LINK_REVERT, HA, 1, 1, "revert-sha", 4);
	assert_link(&c->links[1], IMPORT_LINK_FOLLOW_UP, HB, 1, 0, "follow-up-to", 6);
	assert_int_equal(imp.n_reports, 4);
	static const struct {
		enum git_ref_status status;
		int line;
		const char *written, *resolved;
	} want[] = {
		{GIT_REF_AMBIGUOUS, 3, "abcdef1", ""},
		{GIT_REF_SHORT, 4, "abcdef10", HA},
		{GIT_REF_UNKNOWN, 5, "1234567", ""},
		{GIT_REF_SHORT, 6, "abcdef199", HB},
	};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(imp.reports[i].status, want[i].status);
		assert_string_equal(imp.reports[i].commit, H1);
		assert_int_equal(imp.reports[i].line, want[i].line);
		assert_string_equal(imp.reports[i].written, want[i].written);
		assert_string_equal(imp.reports[i].resolved, want[i].resolved);
	}
	assert_int_equal(imp.by_status[GIT_REF_AMBIGUOUS], 1);
	assert_int_equal(imp.by_status[GIT_REF_UNKNOWN], 1);
	assert_int_equal(imp.by_status[GIT_REF_SHORT], 2);
	plan_release(&log, &r, &imp);
}

static void test_hashes_resolve_against_the_known_keys_too(void **state)
{
	(void)state;
	const char *text = REC(H1, H2, "k", DATE, DATE,
			       "k\n\nRevert 7777777\nRevert 2222222\nRevert 8888888\n"
			       "This reverts commit 999999999\n",
			       "") REC(H2, "", "a", DATE, DATE, "a\n", "");
	struct git_keyset keys;
	git_keyset_init(&keys);
	assert_int_equal(git_keyset_add(&keys, "7777777777777777777777777777777777777777"), 0);
	assert_int_equal(git_keyset_add(&keys, H2), 0); /* imported before: stored too */
	assert_int_equal(git_keyset_add(&keys, "8888888000000000000000000000000000000000"), 0);
	assert_int_equal(git_keyset_add(&keys, "8888888FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"), 0);
	assert_int_equal(git_keyset_add(&keys, "#1234"), -1); /* not a hash: ignored */
	assert_int_equal(git_keyset_add(&keys, "deploy-42"), -1);
	struct gitlog log;
	struct import_rules r;
	struct git_import imp;
	plan(text, &keys, &log, &r, &imp);
	const struct git_import_change *c = &imp.changes[0];
	assert_int_equal(c->n_links, 2);
	assert_link(&c->links[0], IMPORT_LINK_REVERT, "7777777777777777777777777777777777777777", 1,
		    1, "revert-sha", 3);
	assert_false(c->links[0].in_import);
	assert_link(&c->links[1], IMPORT_LINK_REVERT, H2, 1, 1, "revert-sha", 4);
	assert_true(c->links[1].in_import); /* known in both places: once, not ambiguous */
	assert_int_equal(imp.by_status[GIT_REF_AMBIGUOUS], 1);
	assert_int_equal(imp.by_status[GIT_REF_UNKNOWN], 1);
	assert_int_equal(imp.n_reports, 4);
	assert_int_equal(imp.reports[1].status, GIT_REF_SHORT);
	assert_int_equal(imp.reports[2].status, GIT_REF_AMBIGUOUS);
	assert_string_equal(imp.reports[2].written, "8888888");
	assert_int_equal(imp.reports[3].status, GIT_REF_UNKNOWN);
	assert_int_equal(imp.reports[3].line, 6);
	plan_release(&log, &r, &imp);
	git_keyset_release(&keys);
}

static int failing_lookup(void *ctx, const char *prefix, char *full, struct err *err)
{
	(void)ctx;
	(void)full;
	return err_set(err, ERR_UNAVAILABLE, "database down looking up %s", prefix);
}

static int lying_lookup(void *ctx, const char *prefix, char *full, struct err *err)
{
	(void)ctx;
	(void)prefix;
	(void)err;
	snprintf(full, GITLOG_HASH_BUFSZ, "%s", H6);
	return 1;
}

static void test_a_failing_or_wrong_lookup_fails_the_plan(void **state)
{
	(void)state;
	struct gitlog log;
	struct import_rules r;
	struct git_import imp;
	struct err err;
	parse_ok(REC(H1, H2, "x", DATE, DATE, "x\n\nRevert 7777777\n", ""), &log);
	load_default_rules(&r);
	err_init(&err);
	assert_int_equal(git_import_plan(&log, &r, failing_lookup, NULL, &imp, &err), -1);
	assert_int_equal(err.code, ERR_UNAVAILABLE);
	assert_string_equal(err.message, "database down looking up 7777777");
	assert_null(imp.changes);
	err_init(&err);
	assert_int_equal(git_import_plan(&log, &r, lying_lookup, NULL, &imp, &err), -1);
	assert_int_equal(err.code, ERR_INTERNAL);
	import_rules_release(&r);
	gitlog_release(&log);
}

static void test_the_plan_as_json_names_changes_ios_links_and_figures(void **state)
{
	(void)state;
	const char *text =
		REC(H1, H2, "Ann", "2026-08-01T10:00:00+02:00", "2026-08-01T11:00:00+02:00",
		    "TLS: drop support for TLS-SRP\n\nThis reverts commit " H2 ".\nCloses #5\n",
		    "\n1\t9\tlib/vtls/openssl.c\n0\t0\tlib/{a => b}/c.c\n")
			REC(H2, "", "Bob", DATE, DATE, "docs: x\n", "\n1\t0\tdocs/x.md\n");
	struct gitlog log;
	struct import_rules r;
	struct git_import imp;
	plan(text, NULL, &log, &r, &imp);
	cJSON *j = git_import_change_to_json(&imp, &imp.changes[0]);
	char *s = cJSON_PrintUnformatted(j);
	char *want = xasprintf(
		"{\"key\":\"" H1 "\",\"title\":\"TLS: drop support for TLS-SRP\","
		"\"effective_at\":\"2026-08-01T09:00:00.000000Z\","
		"\"authored_at\":\"2026-08-01T08:00:00.000000Z\",\"author\":\"Ann\","
		"\"impact\":\"high\",\"impact_rule\":\"tls-backend\",\"refs\":[\"#5\"],"
		"\"parents\":1,\"first_parent\":\"" H2 "\","
		"\"paths\":[\"lib/vtls/openssl.c\",\"lib/b/c.c\"],"
		"\"renamed\":[{\"from\":\"lib/a/c.c\",\"to\":\"lib/b/c.c\"}],\"replaced\":0,"
		"\"ios\":[{\"category\":\"optionality\",\"description\":\"support removed from the "
		"shipped library or tool: TLS: drop support for TLS-SRP\",\"status\":\"candidate\","
		"\"source\":\"%s\",\"evidence\":\"rule feature-removal matched commit "
		"111111111111: path lib/vtls/openssl.c (and 1 more); subject "
		"/(drop|remove)(s|d|ped)?( "
		".*)? support([^a-z]|$)/\"}],"
		"\"links\":[{\"how\":\"revert\",\"target\":\"" H2 "\",\"written\":\"" H2 "\","
		"\"short\":false,\"in_import\":true,\"outcome\":true,"
		"\"rule\":\"this-reverts-commit\",\"line\":3}]}",
		imp.source);
	assert_string_equal(s, want);
	free(want);
	free(s);
	cJSON_Delete(j);

	j = git_import_link_params(&imp.changes[0], &imp.changes[0].links[0]);
	s = cJSON_PrintUnformatted(j);
	assert_string_equal(s, "{\"link\":\"this-reverts-commit\",\"commit\":\"" H1
			       "\",\"line\":3,\"written\":\"" H2 "\"}");
	free(s);
	cJSON_Delete(j);

	j = git_import_to_json(&imp, 0);
	s = cJSON_PrintUnformatted(j);
	want = xasprintf("{\"rules\":{\"name\":\"git-default\",\"version\":%d,\"source\":\"%s\"},"
			 "\"commits\":2,\"replaced\":0,"
			 "\"impact\":{\"low\":1,\"medium\":0,\"high\":1},"
			 "\"candidate_ios\":{\"data\":0,\"evaluation\":0,\"alignment\":0,"
			 "\"deployment\":0,\"supply_chain\":0,\"optionality\":1},"
			 "\"links\":{\"revert\":1,\"regression\":0,\"follow_up\":0},\"refs\":1,"
			 "\"reported\":{\"short\":0,\"ambiguous\":0,\"unknown\":0},\"reports\":[]}",
			 r.version, imp.source);
	assert_string_equal(s, want);
	free(want);
	free(s);
	cJSON_Delete(j);
	j = git_import_to_json(&imp, 1);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "changes")), 2);
	cJSON_Delete(j);
	plan_release(&log, &r, &imp);
}

/* --- the real curl history ------------------------------------------------------------------- */

/* Independent counts by a plain scan: records (0x1e at a line start), numstat
 * lines (digits or "-", a tab, digits or "-", a tab), renames among them. */
static void scan_counts(const char *text, size_t *records, size_t *numstat, size_t *renames)
{
	*records = *numstat = *renames = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (p[0] == '\x1e')
			(*records)++;
		size_t a = strspn(p, "0123456789");
		if (a == 0 && p[0] == '-')
			a = 1;
		if (a > 0 && p[a] == '\t') {
			const char *q = p + a + 1;
			size_t d = strspn(q, "0123456789");
			if (d == 0 && q[0] == '-')
				d = 1;
			if (d > 0 && q[d] == '\t') {
				(*numstat)++;
				const char *arrow = strstr(q, " => ");
				*renames += arrow && arrow < p + len;
			}
		}
		p = nl ? nl + 1 : p + len;
	}
}

static void test_the_real_curl_history_parses_as_counted_independently(void **state)
{
	(void)state;
	char *text = read_file(CURL_LOG, 64u << 20);
	if (!text) {
		print_message("skipped: %s is absent\n", CURL_LOG);
		skip();
	}
	size_t records, numstat, renames;
	scan_counts(text, &records, &numstat, &renames);
	struct gitlog log;
	struct err err;
	err_init(&err);
	/* fed in odd-sized chunks, as a server streams a body */
	gitlog_init(&log, CURL_LOG);
	size_t len = strlen(text);
	for (size_t i = 0; i < len; i += 4093)
		assert_int_equal(gitlog_feed(&log, text + i, len - i < 4093 ? len - i : 4093, &err),
				 0);
	if (gitlog_finish(&log, &err) != 0) {
		print_error("%s\n", err.message);
		fail();
	}
	size_t paths = 0, renamed = 0, merges = 0;
	for (size_t i = 0; i < log.n_commits; i++) {
		paths += log.commits[i].n_paths;
		merges += log.commits[i].n_parents > 1;
		for (size_t j = 0; j < log.commits[i].n_paths; j++)
			renamed += log.commits[i].paths[j].old_path != NULL;
		assert_int_equal(strlen(log.commits[i].hash), 40);
		assert_true(log.commits[i].subject[0] != '\0');
		if (i > 0) /* first-parent order: newest first */
			assert_true(log.commits[i].committed_at <= log.commits[i - 1].committed_at);
	}
	assert_int_equal(log.n_commits, records);
	assert_int_equal(records, 3577); /* data/README.md */
	assert_int_equal(paths, numstat);
	assert_int_equal(renamed, renames);
	assert_int_equal(log.n_bad, 0);
	assert_int_equal(log.n_replaced, 0); /* the file is valid UTF-8 */
	print_message("curl: %zu commits, %zu paths, %zu renames, %zu merges\n", log.n_commits,
		      paths, renamed, merges);
	gitlog_release(&log);
	free(text);
}

int main(void)
{
	core_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_a_record_gives_hash_parent_author_dates_subject_body_and_paths),
		cmocka_unit_test(test_records_start_on_their_lines_and_the_last_needs_no_newline),
		cmocka_unit_test(test_a_log_fed_in_any_chunks_parses_the_same),
		cmocka_unit_test(test_a_merge_records_its_parent_count_and_keeps_the_first_parent),
		cmocka_unit_test(test_renames_give_old_and_new_paths_in_every_form),
		cmocka_unit_test(test_binary_and_quoted_paths),
		cmocka_unit_test(test_an_empty_message_gives_an_empty_subject),
		cmocka_unit_test(test_the_subject_is_cleaned_trimmed_and_cut_on_a_character),
		cmocka_unit_test(test_invalid_utf8_is_replaced_and_counted_per_commit_and_in_total),
		cmocka_unit_test(test_utf8_clean_replaces_each_maximal_invalid_subpart),
		cmocka_unit_test(test_a_truncated_record_is_an_error_at_its_line),
		cmocka_unit_test(test_malformed_records_are_each_reported_with_their_line),
		cmocka_unit_test(test_text_that_is_not_this_format_is_refused),
		cmocka_unit_test(test_limits_are_errors_that_name_them),
		cmocka_unit_test(
			test_an_author_name_with_a_control_character_or_too_long_is_refused),
		cmocka_unit_test(test_reverts_in_every_form_link_the_reverted_change),
		cmocka_unit_test(test_fixes_and_regression_lines_in_mixed_case_link_regressions),
		cmocka_unit_test(test_follow_ups_link_without_an_outcome),
		cmocka_unit_test(test_fixes_and_closes_issue_numbers_become_refs_once),
		cmocka_unit_test(
			test_short_ambiguous_and_unknown_hashes_are_reported_with_commit_and_line),
		cmocka_unit_test(test_hashes_resolve_against_the_known_keys_too),
		cmocka_unit_test(test_a_failing_or_wrong_lookup_fails_the_plan),
		cmocka_unit_test(test_the_plan_as_json_names_changes_ios_links_and_figures),
		cmocka_unit_test(test_the_real_curl_history_parses_as_counted_independently),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
