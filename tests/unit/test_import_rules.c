/* Unit tests for core/import_rules*: the strict YAML loader (every problem with
 * its line, column and message), globs, conditions, impact, candidate IOs and
 * link matches, and the repository's default rules, also over the real curl
 * history when ../shared/data holds it. */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "core.h"
#include "err.h"
#include "git_import.h"
#include "gitlog.h"
#include "import_rules.h"
#include "test_util.h"

#define DEFAULT_RULES "policies/import/git.yaml"
#define CURL_LOG "../shared/data/curl-2025-08_2026-08.gitlog"

/* --- helpers ------------------------------------------------------------------------------- */

static void print_details(const struct err *err)
{
	for (int i = 0; i < err->n_details; i++)
		print_error("  %d:%d [%s] %s\n", err->details[i].line, err->details[i].column,
			    err->details[i].field, err->details[i].message);
}

static void parse_ok(const char *yaml, struct import_rules *r)
{
	struct err err;
	err_init(&err);
	if (import_rules_parse("t.yaml", yaml, strlen(yaml), r, &err) != 0) {
		print_error("import_rules_parse failed: %s\n", err.message);
		print_details(&err);
		fail();
	}
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

/* A commit to apply rules to: paths separated by spaces ("" for none). */
struct fake {
	struct gitlog_commit c;
	struct gitlog_path paths[8];
};

static void fake_commit(struct fake *f, const char *hash, const char *body, const char *paths)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->c.hash, sizeof(f->c.hash), "%s", hash);
	f->c.body = (char *)body;
	size_t n = strcspn(body, "\n");
	static char subject[256];
	snprintf(subject, sizeof(subject), "%.*s", (int)n, body);
	f->c.subject = subject;
	f->c.author = (char *)"author-001";
	f->c.paths = f->paths;
	static char names[8][128];
	const char *p = paths;
	while (*p && f->c.n_paths < 8) {
		size_t len = strcspn(p, " ");
		snprintf(names[f->c.n_paths], sizeof(names[0]), "%.*s", (int)len, p);
		f->paths[f->c.n_paths].path = names[f->c.n_paths];
		f->c.n_paths++;
		p += len + (p[len] == ' ');
	}
}

#define HASH_A "aaaaaaa111111111111111111111111111111111"

/* --- malformed rules files: exact positions and messages ------------------------------------- */

struct bad_case {
	const char *name;
	const char *yaml;
	int line, column;
	const char *field;
	const char *message; /* of the first detail */
	int count;	     /* details expected */
};

#define HEAD "name: r\nversion: 1\n"
#define RULE "rules:\n  - id: a\n    paths: [\"lib/**\"]\n"

static const struct bad_case bad_cases[] = {
	{"an unknown top-level key", HEAD "rulez: []\n", 3, 1, "rulez",
	 "unknown key \"rulez\" (expected one of: name, version, default_impact, rules, links)", 1},
	{"a duplicate key", HEAD "name: s\n", 3, 1, "name",
	 "duplicate key \"name\" (first at line 1)", 1},
	{"a tab in the indentation", HEAD RULE "\timpact: high\n", 6, 1, "",
	 "tab character: indent with spaces", -1},
	{"yes as a boolean",
	 HEAD
	 "links:\n  - id: l\n    pattern: x\n    target: sha\n    how: revert\n    outcome: yes\n",
	 8, 14, "links[0].outcome", "\"yes\" is a YAML 1.1 boolean: write true or false", 1},
	{"a missing version", "name: r\n", 1, 1, "version", "missing required key \"version\"", 1},
	{"a quoted version", "name: r\nversion: \"2\"\n", 2, 10, "version",
	 "version must be a whole number from 1 to 1000000000 without quotes, not \"2\"", 1},
	{"a name with capitals", "name: Curl\nversion: 1\n", 1, 7, "name",
	 "invalid name \"Curl\": use a-z, 0-9, \"-\" and \"_\", starting with a letter or digit, "
	 "at "
	 "most 63 characters",
	 1},
	{"a pattern that does not compile",
	 HEAD "rules:\n  - id: a\n    subject: [\"(open\"]\n"
	      "    impact: high\n",
	 5, 15, "rules[0].subject[0]", NULL, 1},
	{"a pattern that matches the empty text",
	 HEAD "rules:\n  - id: a\n    message: [\"x*\"]\n    impact: high\n", 5, 15,
	 "rules[0].message[0]", "pattern \"x*\" matches the empty text, so it matches everything",
	 1},
	{"a repetition of a repetition",
	 HEAD "rules:\n  - id: a\n    subject: [\"o++\"]\n"
	      "    impact: high\n",
	 5, 15, "rules[0].subject[0]", "pattern \"o++\" repeats a repetition (\"a+*\"): write one",
	 1},
	{"a back-reference",
	 HEAD "rules:\n  - id: a\n    subject: [\"(a)\\\\1\"]\n"
	      "    impact: high\n",
	 5, 15, "rules[0].subject[0]",
	 "pattern \"(a)\\\\1\" uses a back-reference, which is not allowed", 1},
	{"a count above 64",
	 HEAD "rules:\n  - id: a\n    subject: [\"[0-9]{2,65}\"]\n"
	      "    impact: high\n",
	 5, 15, "rules[0].subject[0]", "pattern \"[0-9]{2,65}\" has a repetition count above 64",
	 1},
	{"three counted repetitions",
	 HEAD "rules:\n  - id: a\n    subject: [\"((a{2}){2}){2}\"]\n    impact: high\n", 5, 15,
	 "rules[0].subject[0]",
	 "pattern \"((a{2}){2}){2}\" has more than 2 counted repetitions ({n,m})", 1},
	{"an unclosed class in a glob",
	 HEAD "rules:\n  - id: a\n    paths: [\"lib/[ab\"]\n"
	      "    impact: high\n",
	 5, 13, "rules[0].paths[0]", "invalid glob \"lib/[ab\": unclosed [", 1},
	{"a glob with a leading slash",
	 HEAD "rules:\n  - id: a\n    paths: [/lib/x.c]\n"
	      "    impact: high\n",
	 5, 13, "rules[0].paths[0]",
	 "invalid glob \"/lib/x.c\": globs are relative to the repository root: drop the leading /",
	 1},
	{"** inside a segment",
	 HEAD "rules:\n  - id: a\n    paths: [\"lib/a**\"]\n    impact: high\n", 5, 13,
	 "rules[0].paths[0]",
	 "invalid glob \"lib/a**\": ** must be a whole path segment (use * within a segment)", 1},
	{"an unknown impact", HEAD RULE "    impact: critical\n", 6, 13, "rules[0].impact",
	 "unknown impact \"critical\" (expected one of: low, medium, high)", 1},
	{"supply-chain spelled with a hyphen",
	 HEAD RULE "    io:\n      category: supply-chain\n      description: d\n", 7, 17,
	 "rules[0].io.category",
	 "unknown IO category \"supply-chain\" (expected one of: data, evaluation, alignment, "
	 "deployment, supply_chain, optionality)",
	 1},
	{"an unknown placeholder",
	 HEAD RULE "    io:\n      category: data\n      description: \"{sha} changed\"\n", 8, 20,
	 "rules[0].io.description",
	 "unknown placeholder {sha} (known: {subject}, {hash}, {short}, {author}, {rule}, {paths})",
	 1},
	{"a rule that matches every commit",
	 HEAD "rules:\n  - id: a\n    not_subject: [x]\n"
	      "    impact: high\n",
	 4, 5, "rules[0]",
	 "a rule needs at least one of paths, subject, message: it would match every commit", 1},
	{"a rule that does nothing", HEAD RULE, 4, 5, "rules[0]",
	 "a rule needs impact or io: it would do nothing", 1},
	{"a ref with a sha target",
	 HEAD "links:\n  - id: l\n    pattern: x\n    target: sha\n    how: ref\n", 6, 13,
	 "links[0].target",
	 "target sha does not go with how ref: issue targets make refs, and refs need issue "
	 "targets",
	 1},
	{"outcome on a ref",
	 HEAD "links:\n  - id: l\n    pattern: closes\n    target: issue\n    how: ref\n"
	      "    outcome: true\n",
	 8, 5, "links[0].outcome", "outcome is not a key of a ref link: a reference is no outcome",
	 1},
	{"a duplicate id across rules and links",
	 HEAD RULE "    impact: high\n"
		   "links:\n  - id: a\n    pattern: x\n    target: sha\n    how: revert\n",
	 8, 5, "links[0]", "duplicate id \"a\" (first at line 4)", 1},
	{"an empty paths list", HEAD "rules:\n  - id: a\n    paths: []\n    impact: high\n", 5, 12,
	 "rules[0].paths", "paths must not be empty: leave it out instead", 1},
	{"a missing link key", HEAD "links:\n  - id: l\n    pattern: x\n    how: revert\n", 4, 5,
	 "links[0].target", "missing required key \"target\"", 1},
	{"an anchor", HEAD "default_impact: &i low\n", 3, 17, "default_impact",
	 "anchors are not allowed", 1},
	{"a second document", HEAD "---\nname: s\n", 3, 1, "",
	 "a second document: a rules file holds one set of rules", 1},
	{"an empty document", "", 1, 1, "",
	 "empty document: import rules need \"name\" and \"version\"", 1},
	{"a list at the top", "- name: r\n", 1, 1, "",
	 "import rules must be a mapping with name and version, not a list", 1},
};

static void test_malformed_rules_files_are_refused_at_the_exact_place(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct import_rules r;
		struct err err;
		err_init(&err);
		int rc = import_rules_parse("t.yaml", c->yaml, strlen(c->yaml), &r, &err);
		const struct err_detail *d = err.n_details ? &err.details[0] : NULL;
		int ok = rc == -1 && err.code == ERR_INVALID && d && d->line == c->line &&
			 d->column == c->column && (!c->field || strcmp(d->field, c->field) == 0) &&
			 (!c->message || strcmp(d->message, c->message) == 0) &&
			 (c->count < 0 || err.n_details == c->count);
		if (!ok) {
			print_error("case \"%s\": rc %d, %s\n", c->name, rc, err.message);
			print_details(&err);
			fail();
		}
		/* the message names the file and the first problem's position */
		char want[600];
		snprintf(want, sizeof(want), "t.yaml:%d:%d: %s", d->line, d->column, d->message);
		assert_string_equal(err.message, want);
		assert_null(r.name);
		assert_null(r.rules);
		assert_null(r.links);
		import_rules_release(&r);
	}
}

static void test_a_pattern_that_does_not_compile_names_the_regex_error(void **state)
{
	(void)state;
	const char *yaml = HEAD "rules:\n  - id: a\n    subject: [\"(open\"]\n    impact: high\n";
	struct import_rules r;
	struct err err;
	err_init(&err);
	assert_int_equal(import_rules_parse("t.yaml", yaml, strlen(yaml), &r, &err), -1);
	assert_true(strncmp(err.details[0].message, "invalid pattern \"(open\": ", 25) == 0);
	assert_true(strlen(err.details[0].message) > 25);
}

static void test_every_problem_is_listed_in_document_order(void **state)
{
	(void)state;
	const char *yaml = "name: R\n"
			   "version: 0\n"
			   "bogus: 1\n"
			   "rules:\n"
			   "  - id: a\n"
			   "    paths:\t[x]\n"
			   "    impact: on\n";
	struct import_rules r;
	struct err err;
	err_init(&err);
	assert_int_equal(import_rules_parse("f.yaml", yaml, strlen(yaml), &r, &err), -1);
	if (err.n_details != 5)
		print_details(&err);
	assert_int_equal(err.n_details, 5);
	static const struct {
		int line, column;
		const char *start;
	} want[] = {
		{1, 7, "invalid name \"R\""},
		{2, 10, "version must be a whole number"},
		{3, 1, "unknown key \"bogus\""},
		{6, 11, "tab character: use spaces"},
		{7, 13, "\"on\" is a YAML 1.1 boolean"},
	};
	for (int i = 0; i < 5; i++) {
		assert_int_equal(err.details[i].line, want[i].line);
		assert_int_equal(err.details[i].column, want[i].column);
		assert_true(strncmp(err.details[i].message, want[i].start, strlen(want[i].start)) ==
			    0);
	}
	assert_true(strncmp(err.message, "f.yaml:1:7: invalid name \"R\"", 28) == 0);
}

static void test_a_rules_file_larger_than_the_limit_is_refused(void **state)
{
	(void)state;
	size_t len = IMPORT_RULES_TEXT_MAX + 1;
	char *text = xmalloc(len);
	memset(text, '#', len);
	struct import_rules r;
	struct err err;
	err_init(&err);
	assert_int_equal(import_rules_parse("big.yaml", text, len, &r, &err), -1);
	assert_string_equal(err.message, "big.yaml:1:1: import rules are larger than 262144 bytes");
	free(text);
}

/* --- a valid file ---------------------------------------------------------------------------- */

static const char *const full_rules =
	"# comment\n"
	"name: demo\n"
	"version: 7\n"
	"default_impact: medium\n"
	"rules:\n"
	"  - id: tls\n"
	"    paths: [\"lib/vtls/**\"]\n"
	"    not_subject: [\"^tidy-up\"]\n"
	"    impact: high\n"
	"  - id: low-docs\n"
	"    paths: [\"docs/**\"]\n"
	"    impact: low\n"
	"  - id: vendored\n"
	"    paths: [\"**/vendor/**\"]\n"
	"    io:\n"
	"      category: supply_chain\n"
	"      description: \"{rule}: {paths} in {short} ({subject}) by {author} {{x}}\"\n"
	"  - id: cve\n"
	"    message: [\"cve-[0-9]+\"]\n"
	"    subject: [\"^security\"]\n"
	"    impact: high\n"
	"    io:\n"
	"      category: supply_chain\n"
	"      description: \"second supply chain IO of {hash}\"\n"
	"  - id: drop\n"
	"    subject: [\"drop support\"]\n"
	"    not_message: [\"^deprecated\"]\n"
	"    io:\n"
	"      category: optionality\n"
	"      description: removed\n"
	"links:\n"
	"  - id: rev\n"
	"    pattern: \"this reverts commit\"\n"
	"    target: sha\n"
	"    how: revert\n"
	"  - id: fu\n"
	"    pattern: \"follow-up to\"\n"
	"    target: sha\n"
	"    how: follow_up\n"
	"    outcome: true\n"
	"  - id: closes\n"
	"    pattern: \"closes\"\n"
	"    target: issue\n"
	"    how: ref\n";

static void test_a_valid_rules_file_is_read_completely(void **state)
{
	(void)state;
	struct import_rules r;
	parse_ok(full_rules, &r);
	assert_string_equal(r.name, "demo");
	assert_int_equal(r.version, 7);
	assert_int_equal(r.default_impact, IMPACT_MEDIUM);
	assert_int_equal(r.n_rules, 5);
	assert_string_equal(r.rules[0].id, "tls");
	assert_int_equal(r.rules[0].paths.n, 1);
	assert_string_equal(r.rules[0].paths.items[0], "lib/vtls/**");
	assert_int_equal(r.rules[0].not_subject.n, 1);
	assert_int_equal(r.rules[0].not_subject.items[0].line, 8);
	assert_int_equal(r.rules[0].not_subject.items[0].column, 19);
	assert_int_equal(r.rules[0].impact, IMPACT_HIGH);
	assert_false(r.rules[0].has_io);
	assert_int_equal(r.rules[0].line, 6);
	assert_int_equal(r.rules[0].column, 5);
	assert_int_equal(r.rules[2].impact, -1);
	assert_true(r.rules[2].has_io);
	assert_int_equal(r.rules[2].io_category, IO_CAT_SUPPLY_CHAIN);
	assert_int_equal(r.n_links, 3);
	assert_int_equal(r.links[0].how, IMPORT_LINK_REVERT);
	assert_int_equal(r.links[0].target, IMPORT_TARGET_SHA);
	assert_true(r.links[0].outcome);
	assert_int_equal(r.links[1].how, IMPORT_LINK_FOLLOW_UP);
	assert_true(r.links[1].outcome); /* said so */
	assert_int_equal(r.links[2].how, IMPORT_LINK_REF);
	assert_false(r.links[2].outcome);
	char source[80];
	assert_string_equal(import_rules_source(&r, source, sizeof(source)), "rule:demo@7");
	import_rules_release(&r);
	import_rules_release(&r); /* twice is harmless */
}

static void test_follow_up_links_are_no_outcome_unless_the_rule_says_so(void **state)
{
	(void)state;
	const char *yaml = HEAD "links:\n"
				"  - id: fu\n    pattern: follow-up to\n    target: sha\n"
				"    how: follow_up\n"
				"  - id: rg\n    pattern: regression from\n    target: sha\n"
				"    how: regression\n"
				"  - id: rv\n    pattern: revert\n    target: sha_or_url\n"
				"    how: revert\n    outcome: false\n";
	struct import_rules r;
	parse_ok(yaml, &r);
	assert_false(r.links[0].outcome);
	assert_true(r.links[1].outcome);
	assert_false(r.links[2].outcome);
	import_rules_release(&r);
}

/* --- globs ----------------------------------------------------------------------------------- */

static void test_globs_match_whole_segments_stars_and_classes(void **state)
{
	(void)state;
	static const struct {
		const char *glob, *path;
		int match;
	} cases[] = {
		{"lib/vtls/**", "lib/vtls/openssl.c", 1},
		{"lib/vtls/**", "lib/vtls/sub/dir/x.c", 1},
		{"lib/vtls/**", "lib/vtls", 0},
		{"lib/vtls/**", "lib/vtlsx/a.c", 0},
		{"lib/*.c", "lib/url.c", 1},
		{"lib/*.c", "lib/vtls/openssl.c", 0},
		{"**/vendor/**", "vendor/zlib/inflate.c", 1},
		{"**/vendor/**", "deps/x/vendor/a.c", 1},
		{"**/vendor/**", "vendors/a.c", 0},
		{"a/**/b", "a/b", 1},
		{"a/**/b", "a/x/y/b", 1},
		{"a/**/b", "a/x/y/c", 0},
		{"**", "anything/at/all", 1},
		{"*", "top", 1},
		{"*", "not/top", 0},
		{"CMake/Find*.cmake", "CMake/FindGnuTLS.cmake", 1},
		{"CMake/Find*.cmake", "CMake/Utilities.cmake", 0},
		{"m4/curl-?.m4", "m4/curl-a.m4", 1},
		{"m4/curl-?.m4", "m4/curl-ab.m4", 0},
		{"docs/[a-c]*.md", "docs/basics.md", 1},
		{"docs/[a-c]*.md", "docs/dev.md", 0},
		{"docs/[!a-c]*.md", "docs/dev.md", 1},
		{"docs/[^a-c]*.md", "docs/basics.md", 0},
		{"lib/\\*.c", "lib/*.c", 1},
		{"lib/\\*.c", "lib/a.c", 0},
		{"*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", 0},
		{"t?st/é?.c", "tést/éx.c", 1},
		{"**/*.h", "include/curl/curl.h", 1},
		{"**/**/x", "x", 1},
		{"Dockerfile", "Dockerfile", 1},
		{"Dockerfile", "sub/Dockerfile", 0},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *why = NULL;
		assert_int_equal(import_glob_check(cases[i].glob, &why), 0);
		if (import_glob_match(cases[i].glob, cases[i].path) != cases[i].match) {
			print_error("glob \"%s\" on \"%s\": expected %d\n", cases[i].glob,
				    cases[i].path, cases[i].match);
			fail();
		}
	}
}

static void test_malformed_globs_say_why(void **state)
{
	(void)state;
	static const struct {
		const char *glob, *why;
	} cases[] = {
		{"", "empty glob"},
		{"/lib", "globs are relative to the repository root: drop the leading /"},
		{"lib//x", "empty path segment"},
		{"lib/", "empty path segment"},
		{"lib/[a", "unclosed ["},
		{"lib/[a/b]", "a class holds ASCII characters other than /"},
		{"lib/[z-a]", "reversed range in a class"},
		{"lib/x**", "** must be a whole path segment (use * within a segment)"},
		{"lib/x\\", "a backslash must escape a character"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *why = NULL;
		assert_int_equal(import_glob_check(cases[i].glob, &why), -1);
		assert_string_equal(why, cases[i].why);
	}
}

/* --- applying rules -------------------------------------------------------------------------- */

static void test_impact_is_the_highest_matching_rule_or_the_default(void **state)
{
	(void)state;
	struct import_rules r;
	parse_ok(full_rules, &r);
	struct fake f;
	struct import_match m;

	fake_commit(&f, HASH_A, "openssl: verify\n", "docs/a.md lib/vtls/openssl.c");
	import_rules_apply(&r, &f.c, &m);
	assert_int_equal(m.impact, IMPACT_HIGH);
	assert_string_equal(m.impact_rule->id, "tls");
	import_match_release(&m);

	/* not_subject vetoes the tls rule; docs gives low, which beats the default */
	fake_commit(&f, HASH_A, "tidy-up: spaces\n", "docs/a.md lib/vtls/openssl.c");
	import_rules_apply(&r, &f.c, &m);
	assert_int_equal(m.impact, IMPACT_LOW);
	assert_string_equal(m.impact_rule->id, "low-docs");
	import_match_release(&m);

	fake_commit(&f, HASH_A, "src: thing\n", "src/tool.c");
	import_rules_apply(&r, &f.c, &m);
	assert_int_equal(m.impact, IMPACT_MEDIUM);
	assert_null(m.impact_rule);
	assert_int_equal(m.n_ios, 0);
	assert_int_equal(m.n_links, 0);
	import_match_release(&m);
	import_rules_release(&r);
}

static void test_conditions_are_and_across_keys_and_or_within_a_list(void **state)
{
	(void)state;
	struct import_rules r;
	parse_ok(full_rules, &r);
	struct fake f;
	struct import_match m;
	/* cve needs the subject AND a message line (any case) */
	fake_commit(&f, HASH_A, "Security: fix\n\nsee CVE-2026-1\n", "");
	import_rules_apply(&r, &f.c, &m);
	assert_int_equal(m.impact, IMPACT_HIGH);
	assert_string_equal(m.impact_rule->id, "cve");
	import_match_release(&m);
	fake_commit(&f, HASH_A, "fix: security\n\nsee CVE-2026-1\n", "");
	import_rules_apply(&r, &f.c, &m);
	assert_null(m.impact_rule);
	import_match_release(&m);
	/* not_message vetoes on any line */
	fake_commit(&f, HASH_A, "lib: drop support for x\n\nDeprecated since 2020\n", "lib/x.c");
	import_rules_apply(&r, &f.c, &m);
	assert_int_equal(m.n_ios, 0);
	import_match_release(&m);
	fake_commit(&f, HASH_A, "lib: DROP SUPPORT for x\n\nlong announced\n", "lib/x.c");
	import_rules_apply(&r, &f.c, &m);
	assert_int_equal(m.n_ios, 1);
	assert_int_equal(m.ios[0].category, IO_CAT_OPTIONALITY);
	assert_string_equal(m.ios[0].description, "removed");
	assert_string_equal(m.ios[0].evidence,
			    "rule drop matched commit aaaaaaa11111: subject /drop support/");
	import_match_release(&m);
	import_rules_release(&r);
}

static void test_candidate_ios_are_one_per_category_with_their_templates_filled(void **state)
{
	(void)state;
	struct import_rules r;
	parse_ok(full_rules, &r);
	struct fake f;
	struct import_match m;
	fake_commit(&f, HASH_A, "security: bump vendored zlib\n\nfor CVE-2026-9\n",
		    "a/vendor/z1.c docs/x.md b/vendor/z2.c vendor/z3.c vendor/z4.c");
	import_rules_apply(&r, &f.c, &m);
	assert_int_equal(m.n_ios, 1); /* vendored and cve both give supply_chain: the first */
	assert_string_equal(m.ios[0].rule->id, "vendored");
	assert_string_equal(m.ios[0].description,
			    "vendored: a/vendor/z1.c, b/vendor/z2.c, vendor/z3.c and 1 more in "
			    "aaaaaaa11111 (security: bump vendored zlib) by author-001 {x}");
	assert_string_equal(m.ios[0].evidence,
			    "rule vendored matched commit aaaaaaa11111: path a/vendor/z1.c (and 3 "
			    "more)");
	assert_int_equal(m.impact, IMPACT_HIGH); /* cve still sets the impact */
	import_match_release(&m);
	import_rules_release(&r);
}

static void test_link_matches_start_a_word_and_need_their_target(void **state)
{
	(void)state;
	struct import_rules r;
	parse_ok(full_rules, &r);
	struct fake f;
	struct import_match m;
	fake_commit(&f, HASH_A,
		    "subject\n"
		    "This reverts commit 0123456789abcdef0123456789ABCDEF01234567.\n"
		    "xthis reverts commit 1111111\n"		      /* not at a word start */
		    "this reverts commit 22222\n"		      /* too short */
		    "this reverts commit 3333333x\n"		      /* not a hash */
		    "Follow-up to 4444444 and follow-up to 5555555\n" /* two on a line */
		    "this reverts commit aaaaaaa1\n"		      /* itself */
		    "Closes #12, closes #12 and CLOSES #0034 (encloses #9, closes #7a)\n",
		    "");
	import_rules_apply(&r, &f.c, &m);
	assert_int_equal(m.n_links, 5);
	assert_int_equal(m.links[0].how, IMPORT_LINK_REVERT);
	assert_string_equal(m.links[0].target, "0123456789abcdef0123456789abcdef01234567");
	assert_int_equal(m.links[0].body_line, 1);
	assert_int_equal(m.links[1].how, IMPORT_LINK_FOLLOW_UP);
	assert_string_equal(m.links[1].target, "4444444");
	assert_int_equal(m.links[1].body_line, 5);
	assert_string_equal(m.links[2].target, "5555555");
	assert_int_equal(m.links[3].how, IMPORT_LINK_REF);
	assert_string_equal(m.links[3].target, "#12");
	assert_int_equal(m.links[3].body_line, 7);
	assert_string_equal(m.links[4].target, "#0034");
	import_match_release(&m);
	import_rules_release(&r);
}

/* --- the repository's default rules ---------------------------------------------------------- */

static void test_the_default_rules_parse_and_carry_the_designs_links(void **state)
{
	(void)state;
	char *text = read_file(DEFAULT_RULES, IMPORT_RULES_TEXT_MAX);
	if (!text) {
		print_error("cannot open %s (run the tests from the repository root)\n",
			    DEFAULT_RULES);
		fail();
	}
	struct import_rules r;
	struct err err;
	err_init(&err);
	if (import_rules_parse(DEFAULT_RULES, text, strlen(text), &r, &err) != 0) {
		print_error("%s\n", err.message);
		print_details(&err);
		fail();
	}
	assert_string_equal(r.name, "git-default");
	assert_true(r.version >= 1);
	assert_int_equal(r.default_impact, IMPACT_LOW);
	size_t by_how[IMPORT_LINK_HOW_COUNT] = {0};
	for (size_t i = 0; i < r.n_links; i++)
		by_how[r.links[i].how]++;
	assert_true(by_how[IMPORT_LINK_REVERT] >= 3);
	assert_true(by_how[IMPORT_LINK_REGRESSION] >= 2);
	assert_int_equal(by_how[IMPORT_LINK_FOLLOW_UP], 1);
	assert_int_equal(by_how[IMPORT_LINK_REF], 1);
	for (size_t i = 0; i < r.n_links; i++)
		assert_int_equal(r.links[i].outcome,
				 r.links[i].how == IMPORT_LINK_REVERT ||
					 r.links[i].how == IMPORT_LINK_REGRESSION);
	/* every category of IO the rules give is one of the six; some rule sets high */
	int high = 0;
	for (size_t i = 0; i < r.n_rules; i++)
		high |= r.rules[i].impact == IMPACT_HIGH;
	assert_true(high);
	import_rules_release(&r);
	free(text);
}

/* The number of lines of text starting with prefix (case-insensitive, after blanks). */
static size_t count_lines_starting(const char *text, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);
	for (const char *p = text; *p;) {
		const char *q = p + strspn(p, " \t");
		n += strncasecmp(q, prefix, len) == 0;
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : p + strlen(p);
	}
	return n;
}

static void test_the_default_rules_on_the_real_curl_history(void **state)
{
	(void)state;
	char *log_text = read_file(CURL_LOG, 64u << 20);
	if (!log_text) {
		print_message("skipped: %s is absent\n", CURL_LOG);
		skip();
	}
	char *rules_text = read_file(DEFAULT_RULES, IMPORT_RULES_TEXT_MAX);
	assert_non_null(rules_text);
	struct import_rules r;
	struct gitlog log;
	struct git_import imp;
	struct err err;
	err_init(&err);
	assert_int_equal(
		import_rules_parse(DEFAULT_RULES, rules_text, strlen(rules_text), &r, &err), 0);
	assert_int_equal(gitlog_parse(CURL_LOG, log_text, strlen(log_text), &log, &err), 0);
	assert_int_equal(git_import_plan(&log, &r, NULL, NULL, &imp, &err), 0);

	/* a small, defensible share of high impact: not none, not most */
	size_t n = imp.n_changes;
	assert_true(imp.by_impact[IMPACT_HIGH] * 100 >= n * 2);
	assert_true(imp.by_impact[IMPACT_HIGH] * 100 <= n * 10);
	assert_true(imp.by_impact[IMPACT_LOW] * 2 > n);
	/* the register flags few commits: candidate IOs on at most 2% of them */
	size_t ios = 0, with_io = 0;
	for (int c = 0; c < IO_CAT_COUNT; c++)
		ios += imp.by_category[c];
	for (size_t i = 0; i < n; i++)
		with_io += imp.changes[i].n_ios > 0;
	assert_true(ios > 0 && with_io * 50 <= n);
	assert_true(imp.by_category[IO_CAT_DEPLOYMENT] > 0);
	assert_true(imp.by_category[IO_CAT_SUPPLY_CHAIN] > 0);
	assert_int_equal(imp.by_category[IO_CAT_EVALUATION], 0);
	assert_int_equal(imp.by_category[IO_CAT_ALIGNMENT], 0);

	/* every "This reverts commit" line is a revert link or a report of one */
	size_t reverts = count_lines_starting(log_text, "this reverts commit"), seen = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < imp.changes[i].n_links; j++)
			seen += strcmp(imp.changes[i].links[j].rule_id, "this-reverts-commit") == 0;
	for (size_t i = 0; i < imp.n_reports; i++)
		seen += strcmp(imp.reports[i].rule_id, "this-reverts-commit") == 0;
	assert_int_equal(seen, reverts);
	assert_int_equal(reverts, 8);
	/* no link goes to a commit that is not older than the one naming it */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < imp.changes[i].n_links; j++) {
			const struct gitlog_commit *t =
				gitlog_find(&log, imp.changes[i].links[j].target);
			assert_non_null(t);
			assert_true(t > imp.changes[i].commit); /* the log is newest first */
		}
	print_message("curl: %zu commits, high %zu, medium %zu, low %zu; IOs: deployment %zu, "
		      "supply_chain %zu, optionality %zu, data %zu; reverts %zu, regressions "
		      "%zu, follow-ups %zu, refs %zu; short %zu, unknown %zu, ambiguous %zu\n",
		      n, imp.by_impact[IMPACT_HIGH], imp.by_impact[IMPACT_MEDIUM],
		      imp.by_impact[IMPACT_LOW], imp.by_category[IO_CAT_DEPLOYMENT],
		      imp.by_category[IO_CAT_SUPPLY_CHAIN], imp.by_category[IO_CAT_OPTIONALITY],
		      imp.by_category[IO_CAT_DATA], imp.by_how[IMPORT_LINK_REVERT],
		      imp.by_how[IMPORT_LINK_REGRESSION], imp.by_how[IMPORT_LINK_FOLLOW_UP],
		      imp.n_refs, imp.by_status[GIT_REF_SHORT], imp.by_status[GIT_REF_UNKNOWN],
		      imp.by_status[GIT_REF_AMBIGUOUS]);
	git_import_release(&imp);
	gitlog_release(&log);
	import_rules_release(&r);
	free(rules_text);
	free(log_text);
}

int main(void)
{
	core_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed_rules_files_are_refused_at_the_exact_place),
		cmocka_unit_test(test_a_pattern_that_does_not_compile_names_the_regex_error),
		cmocka_unit_test(test_every_problem_is_listed_in_document_order),
		cmocka_unit_test(test_a_rules_file_larger_than_the_limit_is_refused),
		cmocka_unit_test(test_a_valid_rules_file_is_read_completely),
		cmocka_unit_test(test_follow_up_links_are_no_outcome_unless_the_rule_says_so),
		cmocka_unit_test(test_globs_match_whole_segments_stars_and_classes),
		cmocka_unit_test(test_malformed_globs_say_why),
		cmocka_unit_test(test_impact_is_the_highest_matching_rule_or_the_default),
		cmocka_unit_test(test_conditions_are_and_across_keys_and_or_within_a_list),
		cmocka_unit_test(
			test_candidate_ios_are_one_per_category_with_their_templates_filled),
		cmocka_unit_test(test_link_matches_start_a_word_and_need_their_target),
		cmocka_unit_test(test_the_default_rules_parse_and_carry_the_designs_links),
		cmocka_unit_test(test_the_default_rules_on_the_real_curl_history),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
