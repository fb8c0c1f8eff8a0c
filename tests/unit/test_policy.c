/* Unit tests for core/policy*: the strict YAML loader (every problem with its
 * line, column and message), the parsed model and its defaults, applies_to,
 * the JSON form, the weakening check and the text diff, and the repository's
 * own policies/ files. */
#include "common.h"

#include <glob.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core.h"
#include "err.h"
#include "gate_kinds.h"
#include "policy.h"
#include "test_util.h"

/* --- helpers ------------------------------------------------------------------------------- */

static void parse_ok(const char *yaml, struct policy *p)
{
	struct err err;
	err_init(&err);
	policy_init(p);
	if (policy_parse("t.yaml", yaml, strlen(yaml), p, &err) != 0) {
		print_error("policy_parse failed: %s\n", err.message);
		for (int i = 0; i < err.n_details; i++)
			print_error("  %d:%d %s: %s\n", err.details[i].line, err.details[i].column,
				    err.details[i].field, err.details[i].message);
		fail();
	}
	assert_int_equal(err.code, ERR_NONE);
}

/* Parses yaml expecting failure; fills err. */
static void parse_fails(const char *yaml, size_t len, struct err *err)
{
	struct policy p;
	err_init(err);
	policy_init(&p);
	assert_int_equal(policy_parse("t.yaml", yaml, len, &p, err), -1);
	assert_int_equal(err->code, ERR_INVALID);
	assert_true(err->n_details >= 1);
	/* p is left released */
	assert_null(p.name);
	assert_null(p.gates);
	assert_int_equal(p.n_gates, 0);
	policy_release(&p);
}

static void print_details(const struct err *err)
{
	for (int i = 0; i < err->n_details; i++)
		print_error("  %d:%d [%s] %s\n", err->details[i].line, err->details[i].column,
			    err->details[i].field, err->details[i].message);
}

/* A valid gate list to complete documents that test something else. */
#define EVAL_GATE                                                                                  \
	"gates:\n"                                                                                 \
	"  - id: eval\n"                                                                           \
	"    kind: evaluation\n"                                                                   \
	"    phase: post\n"

/* --- malformed documents: the first problem exactly ----------------------------------------- */

struct bad_case {
	const char *name;
	const char *yaml;
	int line, column;
	const char *field;   /* NULL: not checked */
	const char *message; /* of the first detail */
	int count;	     /* details expected; 0: not checked */
};

static const struct bad_case bad_cases[] = {
	{"yes as the value of required", "policy: a\n" EVAL_GATE "    required: yes\n", 6, 15,
	 "gates[0].required", "\"yes\" is a YAML 1.1 boolean: write true or false", 1},
	{"On in any case", "policy: a\n" EVAL_GATE "    required: On\n", 6, 15, "gates[0].required",
	 "\"On\" is a YAML 1.1 boolean: write true or false", 1},
	{"no as a list element of services",
	 "policy: a\napplies_to:\n  services: [checkout, no]\n" EVAL_GATE, 3, 24,
	 "applies_to.services[1]", "\"no\" is a YAML 1.1 boolean: write true or false", 1},
	{"y as a block list element", "policy: a\napplies_to:\n  services:\n    - y\n" EVAL_GATE, 4,
	 7, "applies_to.services[0]", "\"y\" is a YAML 1.1 boolean: write true or false", 1},
	{"off as reason_required", "policy: a\n" EVAL_GATE "bypass:\n  reason_required: off\n", 7,
	 20, "bypass.reason_required", "\"off\" is a YAML 1.1 boolean: write true or false", 1},
	{"True is not a boolean either", "policy: a\n" EVAL_GATE "    required: True\n", 6, 15,
	 "gates[0].required", "required must be true or false, not \"True\"", 1},
	{"a quoted boolean is text", "policy: a\n" EVAL_GATE "    required: \"true\"\n", 6, 15,
	 "gates[0].required", "required must be true or false without quotes", 1},
	{"bare number for max_lag", "policy: a\n" EVAL_GATE "    max_lag: 72\n", 6, 14,
	 "gates[0].max_lag", "duration \"72\" for max_lag needs a unit (s, m, h, d, w)", 1},
	{"bare number for within",
	 "policy: a\ngates:\n  - id: d\n    kind: drill\n    phase: pre\n    within: 30\n"
	 "    rto: 1h\n    rpo: 15m\n",
	 6, 13, "gates[0].within", "duration \"30\" for within needs a unit (s, m, h, d, w)", 1},
	{"bare number for rto",
	 "policy: a\ngates:\n  - id: d\n    kind: drill\n    phase: pre\n    within: 30d\n"
	 "    rto: 1\n    rpo: 15m\n",
	 7, 10, "gates[0].rto", "duration \"1\" for rto needs a unit (s, m, h, d, w)", 1},
	{"bare number for max_expiry", "policy: a\n" EVAL_GATE "bypass:\n  max_expiry: 7\n", 7, 15,
	 "bypass.max_expiry", "duration \"7\" for max_expiry needs a unit (s, m, h, d, w)", 1},
	{"a duration the duration parser refuses", "policy: a\n" EVAL_GATE "    max_lag: 1.5h\n", 6,
	 14, "gates[0].max_lag",
	 "invalid duration \"1.5h\": fractions are not allowed; use a smaller unit", 1},
	{"a zero duration", "policy: a\n" EVAL_GATE "    max_lag: 0s\n", 6, 14, "gates[0].max_lag",
	 "max_lag must be longer than 0s", 1},
	{"percentage without %", "policy: a\n" EVAL_GATE "thresholds:\n  rdpr: 80\n", 7, 9,
	 "thresholds.rdpr", "percentage \"80\" for rdpr needs a \"%\"", 1},
	{"percentage over 100%", "policy: a\n" EVAL_GATE "thresholds:\n  gbr: 120%\n", 7, 8,
	 "thresholds.gbr", "gbr must be a percentage from 0% to 100%, not \"120%\"", 1},
	{"tempo_ratio of zero", "policy: a\n" EVAL_GATE "thresholds:\n  tempo_ratio: 0\n", 7, 16,
	 "thresholds.tempo_ratio", "tempo_ratio must be a number greater than 0, not \"0\"", 1},
	{"unknown top-level key", "policy: a\n" EVAL_GATE "threshold:\n  rdpr: 80%\n", 6, 1,
	 "threshold",
	 "unknown key \"threshold\" (expected one of: policy, applies_to, gates, thresholds, "
	 "bypass)",
	 1},
	{"unknown gate key", "policy: a\n" EVAL_GATE "    max_lagg: 1h\n", 6, 5,
	 "gates[0].max_lagg",
	 "unknown key \"max_lagg\" (expected one of: id, kind, phase, required, max_lag)", 1},
	{"a key of another kind",
	 "policy: a\ngates:\n  - id: d\n    kind: drill\n    phase: pre\n    within: 30d\n"
	 "    rto: 1h\n    rpo: 15m\n    max_lag: 1h\n",
	 9, 5, "gates[0].max_lag", "max_lag is not a key of a drill gate", 1},
	{"duplicate top-level key", "policy: a\n" EVAL_GATE "policy: b\n", 6, 1, "policy",
	 "duplicate key \"policy\" (first at line 1)", 1},
	{"duplicate gate key", "policy: a\n" EVAL_GATE "    phase: pre\n", 6, 5, "gates[0].phase",
	 "duplicate key \"phase\" (first at line 5)", 1},
	{"duplicate gate id",
	 "policy: a\n" EVAL_GATE "  - id: eval\n    kind: evaluation\n    phase: pre\n", 6, 9,
	 "gates[1].id", "duplicate gate id \"eval\" (first at line 3)", 1},
	{"tab in the indentation",
	 "policy: a\ngates:\n\t- {id: eval, kind: evaluation, phase: post}\n", 3, 1, "",
	 "tab character: indent with spaces", 1},
	{"tab after a value", "policy: a\t\n" EVAL_GATE, 1, 10, "", "tab character: use spaces", 1},
	{"tab inside a quoted value (read as a space)", "policy: \"a\tb\"\n" EVAL_GATE, 1, 9,
	 "policy",
	 "invalid policy name \"a b\": use a-z, 0-9, \"-\" and \"_\", starting with a letter or "
	 "digit, at most 63 characters",
	 2},
	{"anchor and alias",
	 "policy: a\ngates:\n  - &g {id: x, kind: evaluation, phase: post}\n  - *g\n", 3, 5,
	 "gates[0]", "anchors are not allowed", 2},
	{"a tag", "policy: !!str a\n" EVAL_GATE, 1, 9, "policy", "tags are not allowed", 1},
	{"a directive", "%YAML 1.1\n---\npolicy: a\n" EVAL_GATE, 1, 1, "",
	 "directives are not allowed", 1},
	{"empty document", "", 1, 1, "", "empty document: a policy needs \"policy\" and \"gates\"",
	 1},
	{"only a comment", "# nothing here\n\n", 1, 1, "",
	 "empty document: a policy needs \"policy\" and \"gates\"", 1},
	{"only a document marker", "---\n", 1, 1, "",
	 "empty document: a policy needs \"policy\" and \"gates\"", 1},
	{"two documents", "policy: a\n" EVAL_GATE "---\npolicy: b\n" EVAL_GATE, 6, 1, "",
	 "a second document: a policy file holds one policy", 1},
	{"missing policy", EVAL_GATE, 1, 1, "policy", "missing required key \"policy\"", 1},
	{"missing gates", "policy: a\napplies_to: {impact: [high]}\n", 1, 1, "gates",
	 "missing required key \"gates\"", 1},
	{"empty gates list", "policy: a\ngates: []\n", 2, 8, "gates",
	 "gates must not be empty: a policy needs at least one gate", 1},
	{"gates without a value", "policy: a\ngates:\n", 2, 1, "gates",
	 "gates has no value: it must be a list of gates", 1},
	{"bad policy name", "policy: Release_1\n" EVAL_GATE, 1, 9, "policy",
	 "invalid policy name \"Release_1\": use a-z, 0-9, \"-\" and \"_\", starting with a "
	 "letter or digit, at most 63 characters",
	 1},
	{"policy name with a dot", "policy: a.b\n" EVAL_GATE, 1, 9, "policy",
	 "invalid policy name \"a.b\": use a-z, 0-9, \"-\" and \"_\", starting with a letter "
	 "or digit, at most 63 characters",
	 1},
	{"a name too long, quoted cut short",
	 "policy: "
	 "abcdefghijklmnopqrstuvwxyz-abcdefghijklmnopqrstuvwxyz-"
	 "abcdefghijklmnopqrstuvwxyz\n" EVAL_GATE,
	 1, 9, "policy",
	 "invalid policy name \"abcdefghijklmnopqrstuvwxyz-abcdefghijklm...\": use a-z, 0-9, "
	 "\"-\" and \"_\", starting with a letter or digit, at most 63 characters",
	 1},
	{"bad kind", "policy: a\ngates:\n  - id: v\n    kind: vote\n    phase: pre\n", 4, 11,
	 "gates[0].kind",
	 "unknown kind \"vote\" (expected one of: evaluation, drill, approval, coherence)", 1},
	{"bad phase", "policy: a\ngates:\n  - id: e\n    kind: evaluation\n    phase: during\n", 5,
	 12, "gates[0].phase", "unknown phase \"during\" (expected one of: pre, post)", 1},
	{"approvals 0",
	 "policy: a\ngates:\n  - id: p\n    kind: approval\n    phase: pre\n    approvals: 0\n"
	 "    roles: [release-manager]\n",
	 6, 16, "gates[0].approvals", "approvals must be a whole number from 1 to 20, not \"0\"",
	 1},
	{"approvals 21",
	 "policy: a\ngates:\n  - id: p\n    kind: approval\n    phase: pre\n    approvals: 21\n"
	 "    roles: [release-manager]\n",
	 6, 16, "gates[0].approvals", "approvals must be a whole number from 1 to 20, not \"21\"",
	 1},
	{"unknown role",
	 "policy: a\ngates:\n  - id: p\n    kind: approval\n    phase: pre\n    approvals: 1\n"
	 "    roles: [boss]\n",
	 7, 13, "gates[0].roles[0]",
	 "unknown role \"boss\" (expected one of: admin, release-manager, engineer, pipeline)", 1},
	{"auditor may not approve",
	 "policy: a\ngates:\n  - id: p\n    kind: approval\n    phase: pre\n    approvals: 1\n"
	 "    roles: [release-manager, auditor]\n",
	 7, 30, "gates[0].roles[1]", "role \"auditor\" is read-only: it cannot approve", 1},
	{"auditor may not bypass", "policy: a\n" EVAL_GATE "bypass:\n  roles: [auditor]\n", 7, 11,
	 "bypass.roles[0]", "role \"auditor\" is read-only: it cannot bypass", 1},
	{"approval gate without roles",
	 "policy: a\ngates:\n  - id: p\n    kind: approval\n    phase: pre\n    approvals: 1\n", 3,
	 5, "gates[0].roles", "missing required key \"roles\"", 1},
	{"min 1.5",
	 "policy: a\ngates:\n  - id: c\n    kind: coherence\n    phase: pre\n"
	 "    estimator_tuple: t\n    role: C_hat\n    structure: rank\n    min: 1.5\n",
	 9, 10, "gates[0].min", "min must be a number from 0 to 1, not \"1.5\"", 1},
	{"bad structure",
	 "policy: a\ngates:\n  - id: c\n    kind: coherence\n    phase: pre\n"
	 "    estimator_tuple: t\n    role: C_hat\n    structure: ranks\n    min: 0.5\n",
	 8, 16, "gates[0].structure",
	 "unknown structure \"ranks\" (expected one of: rank, crossing, events, kappa)", 1},
	{"expected_sign 2",
	 "policy: a\ngates:\n  - id: c\n    kind: coherence\n    phase: pre\n"
	 "    estimator_tuple: t\n    role: C_hat\n    structure: rank\n    min: 0.5\n"
	 "    expected_sign: 2\n",
	 10, 20, "gates[0].expected_sign", "expected_sign must be +1 or -1, not \"2\"", 1},
	{"reason_required false", "policy: a\n" EVAL_GATE "bypass:\n  reason_required: false\n", 7,
	 20, "bypass.reason_required",
	 "reason_required must be true: a bypass always needs a reason", 1},
	{"unknown impact", "policy: a\napplies_to:\n  impact: [huge]\n" EVAL_GATE, 3, 12,
	 "applies_to.impact[0]", "unknown impact \"huge\" (expected one of: low, medium, high)", 1},
	{"empty impact list", "policy: a\napplies_to:\n  impact: []\n" EVAL_GATE, 3, 11,
	 "applies_to.impact", "impact must not be empty: leave it out to cover every impact", 1},
	{"unknown IO category", "policy: a\napplies_to:\n  io_categories: [safety]\n" EVAL_GATE, 3,
	 19, "applies_to.io_categories[0]",
	 "unknown IO category \"safety\" (expected one of: data, evaluation, alignment, "
	 "deployment, supply_chain, optionality)",
	 1},
	{"invalid YAML syntax", "policy: a\ngates: [{id: x, kind: evaluation, phase: post}\n", 3, 1,
	 "", "did not find expected ',' or ']' (while parsing a flow sequence from line 2)", 1},
	{"bad indentation",
	 "policy: a\ngates:\n  - id: e\n    kind: evaluation\n    phase: post\n   bad: indent\n", 6,
	 4, "",
	 "did not find expected '-' indicator (while parsing a block collection from line 3)", 1},
	{"a scalar where a mapping is expected", "policy: a\napplies_to: high\n" EVAL_GATE, 2, 13,
	 "applies_to",
	 "applies_to must be a mapping of impact, io_categories and services, not \"high\"", 1},
	{"a scalar where a gate is expected", "policy: a\ngates:\n  - eval\n", 3, 5, "gates[0]",
	 "gate must be a mapping with id, kind and phase, not \"eval\"", 1},
	{"a list where a name is expected", "policy: [a]\n" EVAL_GATE, 1, 9, "policy",
	 "policy must be a name, not a list", 1},
	{"the document is a list", "- policy: a\n", 1, 1, "",
	 "a policy must be a mapping with \"policy\" and \"gates\", not a list", 1},
	{"a mapping as a key", "? {a: 1}\n: b\npolicy: a\n" EVAL_GATE, 1, 3, "",
	 "keys must be plain text, not a mapping", 1},
	{"a number quoted",
	 "policy: a\ngates:\n  - id: p\n    kind: approval\n    phase: pre\n    approvals: \"2\"\n"
	 "    roles: [engineer]\n",
	 6, 16, "gates[0].approvals",
	 "approvals must be a whole number from 1 to 20 without quotes", 1},
	{"nesting too deep",
	 "policy: a\ngates: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]"
	 "]]]]]]]]]]]]]]]]]]]]\n",
	 2, 39, "", "nested more than 32 levels deep", 1},
	{"a control character", "policy: a\x01\n" EVAL_GATE, 1, 10, "",
	 "control characters are not allowed", 1},
	{"invalid UTF-8", "policy: a\xff\n" EVAL_GATE, 1, 10, "", "invalid leading UTF-8 octet", 1},
	{"a NUL escape in a quoted value", "policy: \"a\\0b\"\n" EVAL_GATE, 1, 9, "policy",
	 "NUL character in \"a\\x00b\"", 1},
};

static void test_each_malformed_policy_reports_its_first_problem_exactly(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct err err;
		parse_fails(c->yaml, strlen(c->yaml), &err);
		const struct err_detail *d = &err.details[0];
		int ok = d->line == c->line && d->column == c->column &&
			 strcmp(d->message, c->message) == 0 &&
			 (!c->field || strcmp(d->field, c->field) == 0) &&
			 (!c->count || err.n_details == c->count);
		char want_message[512];
		snprintf(want_message, sizeof(want_message),
			 "could not parse policy \"t.yaml\": %d:%d: %s", c->line, c->column,
			 c->message);
		ok = ok && strcmp(err.message, want_message) == 0;
		if (!ok) {
			print_error("case \"%s\": expected %d:%d [%s] %s (%d details), got:\n",
				    c->name, c->line, c->column, c->field ? c->field : "*",
				    c->message, c->count);
			print_details(&err);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_every_problem_is_reported_in_document_order(void **state)
{
	(void)state;
	static const char yaml[] = "policy: Bad\n" /* 1:9 bad name */
				   "applies_to:\n"
				   "  impact: [high, huge]\n" /* 3:18 unknown impact */
				   "gates:\n"
				   "  - id: eval\n"
				   "    kind: evaluation\n"
				   "    phase: post\n"
				   "    max_lag: 72\n"	 /* 8:14 bare number */
				   "    required: yes\n" /* 9:15 boolean */
				   "  - id: eval\n"	 /* 10:5 no within, rto; 10:9 same id */
				   "    kind: drill\n"
				   "    phase: pre\n"
				   "    rpo: 15m\t# tab\n"    /* 13:13 tab */
				   "    bogus: 1\n"	      /* 14:5 unknown key */
				   "thresholds: {rdpr: 80}\n" /* 15:20 percentage */
				   "bypass:\n"
				   "  reason_required: false\n"; /* 17:20 must be true */
	struct err err;
	parse_fails(yaml, strlen(yaml), &err);
	static const struct {
		int line, column;
		const char *field;
		const char *starts;
	} want[] = {
		{1, 9, "policy", "invalid policy name \"Bad\""},
		{3, 18, "applies_to.impact[1]", "unknown impact \"huge\""},
		{8, 14, "gates[0].max_lag", "duration \"72\""},
		{9, 15, "gates[0].required", "\"yes\" is a YAML 1.1 boolean"},
		{10, 5, "gates[1].within", "missing required key \"within\""},
		{10, 5, "gates[1].rto", "missing required key \"rto\""},
		{10, 9, "gates[1].id", "duplicate gate id \"eval\" (first at line 5)"},
		{13, 13, "", "tab character: use spaces"},
		{14, 5, "gates[1].bogus", "unknown key \"bogus\""},
		{15, 20, "thresholds.rdpr", "percentage \"80\" for rdpr needs a \"%\""},
		{17, 20, "bypass.reason_required", "reason_required must be true"},
	};
	if (err.n_details != (int)ARRAY_SIZE(want))
		print_details(&err);
	assert_int_equal(err.n_details, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		const struct err_detail *d = &err.details[i];
		if (d->line != want[i].line || d->column != want[i].column ||
		    strcmp(d->field, want[i].field) != 0 ||
		    strncmp(d->message, want[i].starts, strlen(want[i].starts)) != 0) {
			print_error("detail %zu: expected %d:%d [%s] %s...\n", i, want[i].line,
				    want[i].column, want[i].field, want[i].starts);
			print_details(&err);
			fail();
		}
	}
	assert_string_equal(err.message, "could not parse policy \"t.yaml\": 1:9: invalid policy "
					 "name \"Bad\": use a-z, 0-9, \"-\" and \"_\", starting "
					 "with a letter or digit, at most 63 characters");
}

static void test_an_alias_bomb_is_refused_fast_without_expansion(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b,
		   "policy: lol\nlols:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (char c = 'b'; c <= 'z'; c++) {
		buf_printf(&b, "  %c: &%c [", c, c);
		for (int i = 0; i < 9; i++)
			buf_printf(&b, "%s*%c", i ? ", " : "", c - 1);
		buf_printf(&b, "]\n");
	}
	buf_printf(&b, EVAL_GATE);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct err err;
	parse_fails(b.data, b.len, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(seconds < 1.0);
	assert_int_equal(err.details[0].line, 2);
	assert_string_equal(err.details[0].message,
			    "unknown key \"lols\" (expected one of: policy, applies_to, gates, "
			    "thresholds, bypass)");
	assert_int_equal(err.details[1].line, 3);
	assert_string_equal(err.details[1].message, "anchors are not allowed");
	assert_string_equal(err.details[3].message, "aliases are not allowed");
	assert_string_equal(err.details[3].field, "lols.b[0]");
	assert_int_equal(err.n_details, ERR_MAX_DETAILS);
	buf_release(&b);
}

static void test_an_alias_to_a_whole_gate_list_is_refused(void **state)
{
	(void)state;
	static const char yaml[] = "policy: a\n"
				   "x: &all\n"
				   "  - {id: e, kind: evaluation, phase: post}\n"
				   "gates: *all\n";
	struct err err;
	parse_fails(yaml, strlen(yaml), &err);
	assert_int_equal(err.n_details, 3);
	assert_string_equal(err.details[0].message, "unknown key \"x\" (expected one of: policy, "
						    "applies_to, gates, thresholds, bypass)");
	assert_string_equal(err.details[1].message, "anchors are not allowed");
	assert_int_equal(err.details[2].line, 4);
	assert_int_equal(err.details[2].column, 8);
	assert_string_equal(err.details[2].field, "gates");
	assert_string_equal(err.details[2].message, "aliases are not allowed");
}

static void test_every_tab_line_is_reported_and_parsing_goes_on(void **state)
{
	(void)state;
	/* Tabs are read as spaces after being reported, so this still parses. */
	static const char yaml[] = "policy:\ta\n"
				   "gates:\n"
				   "\t- id: e\n"
				   "\t  kind: evaluation\t# a comment\n"
				   "\t  phase: post\n"
				   "\t  max_lag: 72\n";
	static const struct {
		int line, column;
		const char *message;
	} want[] = {
		{1, 8, "tab character: use spaces"},
		{3, 1, "tab character: indent with spaces"},
		{4, 1, "tab character: indent with spaces"},
		{4, 20, "tab character: use spaces"},
		{5, 1, "tab character: indent with spaces"},
		{6, 1, "tab character: indent with spaces"},
		{6, 13, "duration \"72\" for max_lag needs a unit (s, m, h, d, w)"},
	};
	struct err err;
	parse_fails(yaml, strlen(yaml), &err);
	if (err.n_details != (int)ARRAY_SIZE(want))
		print_details(&err);
	assert_int_equal(err.n_details, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(err.details[i].line, want[i].line);
		assert_int_equal(err.details[i].column, want[i].column);
		assert_string_equal(err.details[i].message, want[i].message);
	}
	assert_string_equal(err.details[6].field, "gates[0].max_lag");
}

static void test_text_past_the_limit_and_nul_bytes_are_refused(void **state)
{
	(void)state;
	size_t len = POLICY_TEXT_MAX + 1;
	char *big = xmalloc(len);
	memset(big, '#', len);
	struct err err;
	parse_fails(big, len, &err);
	free(big);
	assert_int_equal(err.n_details, 1);
	assert_string_equal(err.details[0].message, "policy is larger than 262144 bytes");

	static const char with_nul[] = "policy: a\n" EVAL_GATE "    max_lag: 1h\0\n";
	parse_fails(with_nul, sizeof(with_nul) - 1, &err);
	assert_int_equal(err.n_details, 1);
	assert_int_equal(err.details[0].line, 6);
	assert_int_equal(err.details[0].column, 16);
	assert_string_equal(err.details[0].message, "NUL byte: a policy is text");
}

static void test_positions_count_characters_and_crlf_line_breaks(void **state)
{
	(void)state;
	/* "é" is two bytes but one column, as libyaml counts. */
	static const char yaml[] = "# é\r\npolicy: \"é\"\r\n" EVAL_GATE;
	struct err err;
	parse_fails(yaml, strlen(yaml), &err);
	assert_int_equal(err.details[0].line, 2);
	assert_int_equal(err.details[0].column, 9);
	static const char bom[] = "\xEF\xBB\xBFpolicy: A\n" EVAL_GATE;
	parse_fails(bom, strlen(bom), &err);
	assert_int_equal(err.details[0].line, 1);
	assert_int_equal(err.details[0].column, 9);
}

static void test_many_problems_are_capped_at_the_detail_limit(void **state)
{
	(void)state;
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "policy: a\n" EVAL_GATE);
	for (int i = 0; i < 5000; i++)
		buf_printf(&b, "k%d: 1\n", i);
	struct err err;
	parse_fails(b.data, b.len, &err);
	assert_int_equal(err.n_details, ERR_MAX_DETAILS);
	assert_string_equal(err.details[0].field, "k0");
	buf_release(&b);
}

/* --- valid documents ----------------------------------------------------------------------- */

static const char design_example[] =
	"policy: high-impact-release          # name; PUT again to publish a new version\n"
	"applies_to:                          # AND across keys, OR within a list\n"
	"  impact: [high]\n"
	"  io_categories: [deployment, data]  # optional: IOs present on the change\n"
	"  services: [checkout]               # optional\n"
	"gates:                               # ids are namespaced\n"
	"  - id: eval-closure\n"
	"    kind: evaluation                 # evaluation | drill | approval | coherence\n"
	"    phase: post                      # pre: before effective | post: after (VL)\n"
	"    max_lag: 72h                     # durations need units: 90s, 15m, 72h, 30d, 2w\n"
	"  - id: rollback-drill\n"
	"    kind: drill\n"
	"    phase: pre\n"
	"    within: 30d\n"
	"    rto: 1h\n"
	"    rpo: 15m\n"
	"  - id: two-person\n"
	"    kind: approval\n"
	"    phase: pre\n"
	"    approvals: 2\n"
	"    roles: [release-manager]\n"
	"  - id: estimators-agree\n"
	"    kind: coherence\n"
	"    phase: pre\n"
	"    estimator_tuple: loss-dynamics\n"
	"    role: C_hat\n"
	"    structure: rank\n"
	"    min: 0.6\n"
	"    expected_sign: +1\n"
	"    allow_scope_limited: false\n"
	"thresholds:\n"
	"  window: 30d\n"
	"  validation_lag: 72h\n"
	"  rdpr: 80%\n"
	"  gbr: 5%\n"
	"  tempo_ratio: 1.0\n"
	"bypass:\n"
	"  roles: [release-manager]\n"
	"  reason_required: true\n"
	"  max_expiry: 7d\n";

static void test_the_design_example_parses_to_its_exact_values(void **state)
{
	(void)state;
	struct policy p;
	parse_ok(design_example, &p);
	assert_string_equal(p.name, "high-impact-release");
	assert_int_equal(p.impacts, 1u << IMPACT_HIGH);
	assert_int_equal(p.categories, (1u << IO_CAT_DEPLOYMENT) | (1u << IO_CAT_DATA));
	assert_int_equal(p.services.n, 1);
	assert_string_equal(p.services.items[0], "checkout");
	assert_int_equal(p.n_gates, 4);

	const struct gate_def *g = &p.gates[0];
	assert_string_equal(g->id, "eval-closure");
	assert_int_equal(g->kind, GATE_EVALUATION);
	assert_int_equal(g->phase, PHASE_POST);
	assert_int_equal(g->required, 1);
	assert_int_equal(g->max_lag, 72 * 3600);
	assert_int_equal(g->line, 7);
	assert_int_equal(g->column, 5);

	g = &p.gates[1];
	assert_string_equal(g->id, "rollback-drill");
	assert_int_equal(g->kind, GATE_DRILL);
	assert_int_equal(g->phase, PHASE_PRE);
	assert_int_equal(g->within, 30 * 86400);
	assert_int_equal(g->rto, 3600);
	assert_int_equal(g->rpo, 900);
	assert_int_equal(g->max_lag, -1);

	g = &p.gates[2];
	assert_string_equal(g->id, "two-person");
	assert_int_equal(g->kind, GATE_APPROVAL);
	assert_int_equal(g->approvals, 2);
	assert_int_equal(g->roles, 1u << ROLE_RELEASE_MANAGER);

	g = &p.gates[3];
	assert_string_equal(g->id, "estimators-agree");
	assert_int_equal(g->kind, GATE_COHERENCE);
	assert_string_equal(g->estimator_tuple, "loss-dynamics");
	assert_int_equal(g->coh_role, COH_ROLE_C_HAT);
	assert_int_equal(g->structure, COH_RANK);
	assert_close(g->min, 0.6, 0, 0);
	assert_int_equal(g->expected_sign, 1);
	assert_int_equal(g->allow_scope_limited, 0);

	const struct policy_thresholds *t = &p.thresholds;
	assert_true(t->has_window && t->has_validation_lag && t->has_rdpr && t->has_gbr &&
		    t->has_tempo_ratio);
	assert_int_equal(t->window, 30 * 86400);
	assert_int_equal(t->validation_lag, 72 * 3600);
	assert_close(t->rdpr, 0.8, 0, 0);
	assert_close(t->gbr, 0.05, 0, 0);
	assert_close(t->tempo_ratio, 1.0, 0, 0);
	assert_int_equal(p.bypass_roles, 1u << ROLE_RELEASE_MANAGER);
	assert_int_equal(p.bypass_max_expiry, 7 * 86400);

	assert_ptr_equal(policy_gate(&p, "two-person"), &p.gates[2]);
	assert_null(policy_gate(&p, "two"));
	policy_release(&p);
	assert_null(p.name);
	policy_release(&p); /* twice is harmless */
}

static void test_defaults_fill_what_is_left_out(void **state)
{
	(void)state;
	struct policy p;
	parse_ok("policy: minimal\n"
		 "gates:\n"
		 "  - id: c\n"
		 "    kind: coherence\n"
		 "    phase: pre\n"
		 "    estimator_tuple: t\n"
		 "    role: F_hat\n"
		 "    structure: kappa\n"
		 "    min: 0\n"
		 "  - {id: e, kind: evaluation, phase: post, required: false}\n"
		 "  - {id: s, kind: coherence, phase: post, estimator_tuple: t, role: I_hat,\n"
		 "     structure: events, min: 1, expected_sign: -1, allow_scope_limited: true}\n",
		 &p);
	assert_int_equal(p.impacts, 0);
	assert_int_equal(p.categories, 0);
	assert_int_equal(p.services.n, 0);
	assert_int_equal(p.gates[0].required, 1);
	assert_int_equal(p.gates[0].expected_sign, 1);
	assert_int_equal(p.gates[0].allow_scope_limited, 0);
	assert_int_equal(p.gates[0].structure, COH_KAPPA);
	assert_int_equal(p.gates[1].required, 0);
	assert_int_equal(p.gates[1].max_lag, -1);
	assert_int_equal(p.gates[2].expected_sign, -1);
	assert_int_equal(p.gates[2].allow_scope_limited, 1);
	assert_close(p.gates[2].min, 1.0, 0, 0);
	assert_int_equal(p.thresholds.has_window + p.thresholds.has_validation_lag +
				 p.thresholds.has_rdpr + p.thresholds.has_gbr +
				 p.thresholds.has_tempo_ratio,
			 0);
	assert_int_equal(p.bypass_roles, 1u << ROLE_RELEASE_MANAGER);
	assert_int_equal(p.bypass_max_expiry, POLICY_DEFAULT_MAX_EXPIRY);
	policy_release(&p);

	/* expected_sign may be written 1; quoted durations and percentages are text */
	parse_ok("policy: q\n"
		 "gates:\n"
		 "  - {id: c, kind: coherence, phase: pre, estimator_tuple: t, role: F_hat,\n"
		 "     structure: rank, min: .5, expected_sign: 1}\n"
		 "  - {id: e, kind: evaluation, phase: post, max_lag: \"1h30m\"}\n"
		 "thresholds: {rdpr: \"99.5%\", gbr: 0%}\n"
		 "bypass: {roles: [engineer, admin], max_expiry: 2w}\n",
		 &p);
	assert_int_equal(p.gates[0].expected_sign, 1);
	assert_close(p.gates[0].min, 0.5, 0, 0);
	assert_int_equal(p.gates[1].max_lag, 5400);
	assert_close(p.thresholds.rdpr, 0.995, 1e-12, 0);
	assert_true(p.thresholds.has_gbr);
	assert_close(p.thresholds.gbr, 0, 0, 0);
	assert_int_equal(p.bypass_roles, (1u << ROLE_ENGINEER) | (1u << ROLE_ADMIN));
	assert_int_equal(p.bypass_max_expiry, 14 * 86400);
	policy_release(&p);
}

static void test_applies_to_is_and_across_keys_and_or_within_a_list(void **state)
{
	(void)state;
	struct policy p;
	parse_ok("policy: a\n"
		 "applies_to:\n"
		 "  impact: [medium, high]\n"
		 "  io_categories: [data, deployment]\n"
		 "  services: [checkout, billing]\n" EVAL_GATE,
		 &p);
	const unsigned data = 1u << IO_CAT_DATA, deploy = 1u << IO_CAT_DEPLOYMENT,
		       eval = 1u << IO_CAT_EVALUATION;
	static const struct {
		enum impact impact;
		const char *service;
		unsigned categories;
		int applies;
	} rows[] = {
		{IMPACT_HIGH, "checkout", 1u << IO_CAT_DATA, 1},
		{IMPACT_MEDIUM, "billing", 1u << IO_CAT_DEPLOYMENT, 1},
		{IMPACT_HIGH, "checkout", (1u << IO_CAT_DATA) | (1u << IO_CAT_EVALUATION), 1},
		{IMPACT_LOW, "checkout", 1u << IO_CAT_DATA, 0},	       /* impact */
		{IMPACT_HIGH, "search", 1u << IO_CAT_DATA, 0},	       /* service */
		{IMPACT_HIGH, NULL, 1u << IO_CAT_DATA, 0},	       /* no service */
		{IMPACT_HIGH, "checkout", 1u << IO_CAT_EVALUATION, 0}, /* category */
		{IMPACT_HIGH, "checkout", 0, 0},		       /* no IOs */
	};
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		if (policy_applies(&p, rows[i].impact, rows[i].service, rows[i].categories) !=
		    rows[i].applies) {
			print_error("row %zu\n", i);
			fail();
		}
	policy_release(&p);

	/* absent keys cover everything */
	parse_ok("policy: a\n" EVAL_GATE, &p);
	assert_true(policy_applies(&p, IMPACT_LOW, NULL, 0));
	assert_true(policy_applies(&p, IMPACT_HIGH, "x", data | deploy | eval));
	policy_release(&p);
	parse_ok("policy: a\napplies_to: {impact: [low]}\n" EVAL_GATE, &p);
	assert_true(policy_applies(&p, IMPACT_LOW, "any", 0));
	assert_false(policy_applies(&p, IMPACT_MEDIUM, "any", 0));
	policy_release(&p);
	parse_ok("policy: a\napplies_to: {}\n" EVAL_GATE, &p);
	assert_true(policy_applies(&p, IMPACT_MEDIUM, NULL, 0));
	policy_release(&p);
}

static void test_json_gives_durations_and_percentages_as_strings(void **state)
{
	(void)state;
	struct policy p;
	parse_ok(design_example, &p);
	cJSON *j = policy_to_json(&p);
	char *text = cJSON_PrintUnformatted(j);
	assert_string_equal(
		text,
		"{\"name\":\"high-impact-release\",\"applies_to\":{\"impact\":[\"high\"],"
		"\"io_categories\":[\"data\",\"deployment\"],\"services\":[\"checkout\"]},"
		"\"gates\":[{\"id\":\"eval-closure\",\"kind\":\"evaluation\",\"phase\":\"post\","
		"\"required\":true,\"max_lag\":\"3d\"},"
		"{\"id\":\"rollback-drill\",\"kind\":\"drill\",\"phase\":\"pre\",\"required\":true,"
		"\"within\":\"4w2d\",\"rto\":\"1h\",\"rpo\":\"15m\"},"
		"{\"id\":\"two-person\",\"kind\":\"approval\",\"phase\":\"pre\",\"required\":true,"
		"\"approvals\":2,\"roles\":[\"release-manager\"]},"
		"{\"id\":\"estimators-agree\",\"kind\":\"coherence\",\"phase\":\"pre\","
		"\"required\":true,\"estimator_tuple\":\"loss-dynamics\",\"role\":\"C_hat\","
		"\"structure\":\"rank\",\"min\":0.6,\"expected_sign\":1,"
		"\"allow_scope_limited\":false}],"
		"\"thresholds\":{\"window\":\"4w2d\",\"validation_lag\":\"3d\",\"rdpr\":\"80%\","
		"\"gbr\":\"5%\",\"tempo_ratio\":1},"
		"\"bypass\":{\"roles\":[\"release-manager\"],\"reason_required\":true,"
		"\"max_expiry\":\"1w\"}}");
	free(text);
	cJSON_Delete(j);
	policy_release(&p);
}

/* --- weakenings ---------------------------------------------------------------------------- */

static const char base_policy[] = "policy: base\n"
				  "applies_to:\n"
				  "  impact: [medium, high]\n"
				  "  services: [checkout, billing]\n"
				  "gates:\n"
				  "  - id: eval-closure\n"
				  "    kind: evaluation\n"
				  "    phase: post\n"
				  "    max_lag: 72h\n"
				  "  - id: rollback-drill\n"
				  "    kind: drill\n"
				  "    phase: pre\n"
				  "    within: 30d\n"
				  "    rto: 1h\n"
				  "    rpo: 15m\n"
				  "  - id: two-person\n"
				  "    kind: approval\n"
				  "    phase: pre\n"
				  "    approvals: 2\n"
				  "    roles: [release-manager]\n"
				  "  - id: agree\n"
				  "    kind: coherence\n"
				  "    phase: pre\n"
				  "    estimator_tuple: t\n"
				  "    role: C_hat\n"
				  "    structure: rank\n"
				  "    min: 0.6\n"
				  "thresholds:\n"
				  "  window: 30d\n"
				  "  validation_lag: 72h\n"
				  "  rdpr: 80%\n"
				  "  gbr: 5%\n"
				  "  tempo_ratio: 1.0\n"
				  "bypass:\n"
				  "  roles: [release-manager]\n"
				  "  max_expiry: 7d\n";

/* base_policy with the first occurrence of from replaced by to. */
static char *edited(const char *from, const char *to)
{
	const char *at = strstr(base_policy, from);
	assert_non_null(at);
	return xasprintf("%.*s%s%s", (int)(at - base_policy), base_policy, to, at + strlen(from));
}

/* The weakenings from base_policy to new_text, joined with "|". */
static char *weakenings_to(const char *new_text)
{
	struct policy old_p, new_p;
	parse_ok(base_policy, &old_p);
	parse_ok(new_text, &new_p);
	struct strlist lines = {0};
	size_t n = policy_weakenings(&old_p, &new_p, &lines);
	assert_int_equal(n, lines.n);
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "%s", "");
	for (size_t i = 0; i < lines.n; i++)
		buf_printf(&b, "%s%s", i ? "|" : "", lines.items[i]);
	strlist_release(&lines);
	policy_release(&old_p);
	policy_release(&new_p);
	return b.data;
}

static void test_each_weakening_is_one_line(void **state)
{
	(void)state;
	static const struct {
		const char *from, *to, *line;
	} cases[] = {
		{"max_lag: 72h", "max_lag: 96h",
		 "gate eval-closure: max_lag raised from 72h to 96h"},
		{"    max_lag: 72h\n", "", "gate eval-closure: max_lag removed (was 72h)"},
		{"within: 30d", "within: 60d",
		 "gate rollback-drill: within widened from 30d to 60d"},
		{"rto: 1h", "rto: 2h", "gate rollback-drill: rto raised from 1h to 2h"},
		{"rpo: 15m", "rpo: 30m", "gate rollback-drill: rpo raised from 15m to 30m"},
		{"approvals: 2", "approvals: 1", "gate two-person: approvals lowered from 2 to 1"},
		{"roles: [release-manager]\n  - id: agree",
		 "roles: [release-manager, engineer, pipeline]\n  - id: agree",
		 "gate two-person: roles widened: engineer, pipeline added"},
		{"min: 0.6", "min: 0.5", "gate agree: min lowered from 0.6 to 0.5"},
		{"min: 0.6", "min: 0.6\n    allow_scope_limited: true",
		 "gate agree: allow_scope_limited turned on"},
		{"    phase: post\n    max_lag: 72h",
		 "    phase: post\n    required: false\n    max_lag: 72h",
		 "gate eval-closure: made optional"},
		{"    kind: drill\n    phase: pre", "    kind: drill\n    phase: post",
		 "gate rollback-drill: moved from pre to post"},
		{"  - id: two-person\n    kind: approval\n    phase: pre\n    approvals: 2\n"
		 "    roles: [release-manager]\n",
		 "", "gate two-person: dropped"},
		{"  - id: eval-closure\n    kind: evaluation\n    phase: post\n    max_lag: 72h\n",
		 "  - id: eval-closure\n    kind: approval\n    phase: post\n    approvals: 1\n"
		 "    roles: [engineer]\n",
		 "gate eval-closure: dropped (its kind changed from evaluation to approval)"},
		{"impact: [medium, high]", "impact: [high]",
		 "applies_to.impact narrowed: medium no longer covered"},
		{"services: [checkout, billing]", "services: [checkout]",
		 "applies_to.services narrowed: billing no longer covered"},
		{"  services: [checkout, billing]\n",
		 "  services: [checkout, billing]\n  io_categories: [data]\n",
		 "applies_to.io_categories narrowed: was any IO category, now only data"},
		{"rdpr: 80%", "rdpr: 70%", "threshold rdpr loosened from 80% to 70%"},
		{"  gbr: 5%\n", "", "threshold gbr removed"},
		{"gbr: 5%", "gbr: 7.5%", "threshold gbr loosened from 5% to 7.5%"},
		{"validation_lag: 72h", "validation_lag: 96h",
		 "threshold validation_lag loosened from 72h to 96h"},
		{"tempo_ratio: 1.0", "tempo_ratio: 1.5",
		 "threshold tempo_ratio loosened from 1 to 1.5"},
		{"  roles: [release-manager]\n  max_expiry",
		 "  roles: [release-manager, engineer]\n  max_expiry",
		 "bypass.roles widened: engineer added"},
		{"max_expiry: 7d", "max_expiry: 14d", "bypass.max_expiry raised from 7d to 14d"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *text = edited(cases[i].from, cases[i].to);
		char *got = weakenings_to(text);
		if (strcmp(got, cases[i].line) != 0) {
			print_error("case %zu: expected \"%s\", got \"%s\"\n", i, cases[i].line,
				    got);
			fail();
		}
		free(got);
		free(text);
	}
}

static void test_a_stronger_or_neutral_version_has_no_weakening(void **state)
{
	(void)state;
	/* Every change here tightens, widens coverage or is neutral. */
	static const char stronger[] =
		"policy: base\n"
		"applies_to:\n"
		"  impact: [low, medium, high]\n" /* wider */
		"gates:\n"			  /* services key removed: wider */
		"  - id: eval-closure\n"
		"    kind: evaluation\n"
		"    phase: pre\n" /* post to pre */
		"    max_lag: 48h\n"
		"  - id: rollback-drill\n"
		"    kind: drill\n"
		"    phase: pre\n"
		"    within: 14d\n"
		"    rto: 30m\n"
		"    rpo: 15m\n"
		"  - id: two-person\n"
		"    kind: approval\n"
		"    phase: pre\n"
		"    approvals: 3\n"
		"    roles: [release-manager, admin]\n" /* admin may anyway */
		"  - id: agree\n"
		"    kind: coherence\n"
		"    phase: pre\n"
		"    estimator_tuple: t\n"
		"    role: C_hat\n"
		"    structure: rank\n"
		"    min: 0.7\n"
		"  - id: new-gate\n"
		"    kind: evaluation\n"
		"    phase: post\n"
		"thresholds:\n"
		"  window: 60d\n" /* any window change is neutral */
		"  validation_lag: 48h\n"
		"  rdpr: 90%\n"
		"  gbr: 2%\n"
		"  tempo_ratio: 0.8\n"
		"bypass:\n"
		"  roles: [release-manager]\n"
		"  max_expiry: 48h\n";
	char *got = weakenings_to(stronger);
	assert_string_equal(got, "");
	free(got);
	got = weakenings_to(base_policy);
	assert_string_equal(got, "");
	free(got);

	/* adding a max_lag where none was is stronger */
	struct policy old_p, new_p;
	parse_ok("policy: a\n" EVAL_GATE, &old_p);
	parse_ok("policy: a\n" EVAL_GATE "    max_lag: 1w\n", &new_p);
	struct strlist lines = {0};
	assert_int_equal(policy_weakenings(&old_p, &new_p, &lines), 0);
	assert_int_equal(policy_weakenings(&new_p, &old_p, &lines), 1);
	assert_string_equal(lines.items[0], "gate eval: max_lag removed (was 7d)");
	strlist_release(&lines);
	policy_release(&old_p);
	policy_release(&new_p);
}

static void test_several_weakenings_are_listed_in_order_and_appended(void **state)
{
	(void)state;
	struct policy old_p, new_p;
	parse_ok(base_policy, &old_p);
	parse_ok("policy: base\n"
		 "applies_to:\n"
		 "  impact: [high]\n"
		 "  services: [checkout, billing]\n"
		 "gates:\n"
		 "  - id: rollback-drill\n"
		 "    kind: drill\n"
		 "    phase: pre\n"
		 "    within: 30d\n"
		 "    rto: 4h\n"
		 "    rpo: 1h\n"
		 "bypass:\n"
		 "  roles: [engineer]\n",
		 &new_p);
	struct strlist lines = {0};
	strlist_push(&lines, "already there");
	size_t n = policy_weakenings(&old_p, &new_p, &lines);
	static const char *const want[] = {
		"already there",
		"applies_to.impact narrowed: medium no longer covered",
		"gate eval-closure: dropped",
		"gate rollback-drill: rto raised from 1h to 4h",
		"gate rollback-drill: rpo raised from 15m to 1h",
		"gate two-person: dropped",
		"gate agree: dropped",
		"threshold validation_lag removed",
		"threshold rdpr removed",
		"threshold gbr removed",
		"threshold tempo_ratio removed",
		"bypass.roles widened: engineer added",
	};
	assert_int_equal(n, ARRAY_SIZE(want) - 1);
	assert_int_equal(lines.n, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		assert_string_equal(lines.items[i], want[i]);
	strlist_release(&lines);
	policy_release(&old_p);
	policy_release(&new_p);
}

static void test_retiring_against_an_empty_policy_drops_every_gate(void **state)
{
	(void)state;
	struct policy old_p, empty;
	parse_ok("policy: a\n"
		 "gates:\n"
		 "  - {id: one, kind: evaluation, phase: post}\n"
		 "  - {id: two, kind: approval, phase: pre, approvals: 1, roles: [engineer]}\n",
		 &old_p);
	policy_init(&empty);
	struct strlist lines = {0};
	assert_int_equal(policy_weakenings(&old_p, &empty, &lines), 2);
	assert_string_equal(lines.items[0], "gate one: dropped");
	assert_string_equal(lines.items[1], "gate two: dropped");
	strlist_release(&lines);
	/* and the other way round nothing is weaker */
	assert_int_equal(policy_weakenings(&empty, &old_p, &lines), 0);
	policy_release(&old_p);
	policy_release(&empty);
}

/* --- text diff ----------------------------------------------------------------------------- */

static void test_text_diff_is_unified_with_three_lines_of_context(void **state)
{
	(void)state;
	static const char old_text[] = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\n";
	static const char new_text[] = "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\n";
	char *d = policy_text_diff(old_text, new_text, "v1", "v2");
	assert_string_equal(d, "--- v1\n"
			       "+++ v2\n"
			       "@@ -1,5 +1,5 @@\n"
			       " a\n"
			       "-b\n"
			       "+B\n"
			       " c\n"
			       " d\n"
			       " e\n"
			       "@@ -12,3 +12,4 @@\n"
			       " l\n"
			       " m\n"
			       " n\n"
			       "+o\n");
	free(d);

	/* changes 6 equal lines apart share a hunk */
	d = policy_text_diff("1\n2\n3\n4\n5\n6\n7\n8\n", "x\n2\n3\n4\n5\n6\n7\ny\n", "a", "b");
	assert_string_equal(d, "--- a\n+++ b\n@@ -1,8 +1,8 @@\n-1\n+x\n 2\n 3\n 4\n 5\n 6\n 7\n"
			       "-8\n+y\n");
	free(d);
}

static void test_text_diff_of_equal_texts_is_empty_and_edges_are_marked(void **state)
{
	(void)state;
	char *d = policy_text_diff("same\n", "same\n", "a", "b");
	assert_string_equal(d, "");
	free(d);
	d = policy_text_diff("", "", "a", "b");
	assert_string_equal(d, "");
	free(d);

	d = policy_text_diff("", "one\ntwo\n", "a", "b");
	assert_string_equal(d, "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+one\n+two\n");
	free(d);
	d = policy_text_diff("one\ntwo\n", "", "a", "b");
	assert_string_equal(d, "--- a\n+++ b\n@@ -1,2 +0,0 @@\n-one\n-two\n");
	free(d);

	d = policy_text_diff("x\ny", "x\ny\n", "a", "b");
	assert_string_equal(d, "--- a\n+++ b\n@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of "
			       "file\n+y\n");
	free(d);
}

static void test_text_diff_of_large_texts_stays_bounded(void **state)
{
	(void)state;
	/* Two 200 KiB texts with every line different: past the edit bound the
	 * middle is shown removed and added whole. */
	struct buf a, b;
	buf_init(&a, 0);
	buf_init(&b, 0);
	for (int i = 0; i < 20000; i++) {
		buf_printf(&a, "old %5d\n", i);
		buf_printf(&b, "new %5d\n", i);
	}
	char *d = policy_text_diff(a.data, b.data, "a", "b");
	assert_true(strncmp(d, "--- a\n+++ b\n@@ -1,20000 +1,20000 @@\n-old     0\n", 44) == 0);
	free(d);
	/* one line changed in the middle of a big text: one small hunk */
	b.len = 0;
	b.data[0] = '\0';
	for (int i = 0; i < 20000; i++)
		buf_printf(&b, i == 10000 ? "changed\n" : "old %5d\n", i);
	d = policy_text_diff(a.data, b.data, "a", "b");
	assert_string_equal(d, "--- a\n+++ b\n@@ -9998,7 +9998,7 @@\n old  9997\n old  9998\n"
			       " old  9999\n-old 10000\n+changed\n old 10001\n old 10002\n"
			       " old 10003\n");
	free(d);
	buf_release(&a);
	buf_release(&b);
}

/* --- the repository's policies ------------------------------------------------------------- */

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		print_error("cannot open %s (run the tests from the repository root)\n", path);
		fail();
	}
	struct buf b;
	buf_init(&b, POLICY_TEXT_MAX);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_append(&b, chunk, n), 0);
	fclose(f);
	if (!b.data)
		return xstrdup("");
	return b.data;
}

static void test_every_file_in_policies_parses(void **state)
{
	(void)state;
	static const char *const patterns[] = {"policies/*.yaml", "policies/examples/*.yaml"};
	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++) {
		glob_t g;
		assert_int_equal(glob(patterns[i], 0, NULL, &g), 0);
		assert_true(g.gl_pathc >= 2);
		for (size_t j = 0; j < g.gl_pathc; j++) {
			char *text = read_file(g.gl_pathv[j]);
			struct policy p;
			struct err err;
			err_init(&err);
			if (policy_parse(g.gl_pathv[j], text, strlen(text), &p, &err) != 0) {
				print_error("%s: %s\n", g.gl_pathv[j], err.message);
				fail();
			}
			assert_true(p.n_gates >= 1);
			policy_release(&p);
			free(text);
		}
		globfree(&g);
	}
}

static void test_the_default_policy_only_gates_high_impact_changes(void **state)
{
	(void)state;
	char *text = read_file("policies/default.yaml");
	struct policy p;
	parse_ok(text, &p);
	assert_string_equal(p.name, "high-impact");
	assert_true(policy_applies(&p, IMPACT_HIGH, "any", 0));
	assert_false(policy_applies(&p, IMPACT_MEDIUM, "any", 0));
	assert_false(policy_applies(&p, IMPACT_LOW, "any", 0));
	assert_int_equal(p.bypass_max_expiry, 48 * 3600);
	policy_release(&p);
	free(text);

	text = read_file("policies/drills.yaml");
	parse_ok(text, &p);
	const struct gate_def *g = policy_gate(&p, "rollback-drill");
	assert_non_null(g);
	assert_int_equal(g->kind, GATE_DRILL);
	assert_true(policy_applies(&p, IMPACT_HIGH, "x", 1u << IO_CAT_DATA));
	assert_false(policy_applies(&p, IMPACT_HIGH, "x", 1u << IO_CAT_EVALUATION));
	assert_false(policy_applies(&p, IMPACT_MEDIUM, "x", 1u << IO_CAT_DATA));
	policy_release(&p);
	free(text);
}

static void test_name_tables_spell_the_kinds_and_phases(void **state)
{
	(void)state;
	assert_int_equal(gate_kind_names.count, GATE_KIND_COUNT);
	assert_int_equal(gate_phase_names.count, PHASE_COUNT);
	assert_int_equal(coherence_role_names.count, COH_ROLE_COUNT);
	assert_int_equal(coherence_structure_names.count, COH_STRUCTURE_COUNT);
	for (int k = 0; k < GATE_KIND_COUNT; k++)
		assert_string_equal(model_name(&gate_kind_names, k), gate_kinds[k].name);
	assert_int_equal(model_lookup(&gate_phase_names, "post"), PHASE_POST);
	assert_int_equal(model_lookup(&coherence_role_names, "I_hat"), COH_ROLE_I_HAT);
	assert_int_equal(model_lookup(&coherence_structure_names, "crossing"), COH_CROSSING);
}

int main(void)
{
	core_init();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_malformed_policy_reports_its_first_problem_exactly),
		cmocka_unit_test(test_every_problem_is_reported_in_document_order),
		cmocka_unit_test(test_an_alias_bomb_is_refused_fast_without_expansion),
		cmocka_unit_test(test_an_alias_to_a_whole_gate_list_is_refused),
		cmocka_unit_test(test_every_tab_line_is_reported_and_parsing_goes_on),
		cmocka_unit_test(test_text_past_the_limit_and_nul_bytes_are_refused),
		cmocka_unit_test(test_positions_count_characters_and_crlf_line_breaks),
		cmocka_unit_test(test_many_problems_are_capped_at_the_detail_limit),
		cmocka_unit_test(test_the_design_example_parses_to_its_exact_values),
		cmocka_unit_test(test_defaults_fill_what_is_left_out),
		cmocka_unit_test(test_applies_to_is_and_across_keys_and_or_within_a_list),
		cmocka_unit_test(test_json_gives_durations_and_percentages_as_strings),
		cmocka_unit_test(test_each_weakening_is_one_line),
		cmocka_unit_test(test_a_stronger_or_neutral_version_has_no_weakening),
		cmocka_unit_test(test_several_weakenings_are_listed_in_order_and_appended),
		cmocka_unit_test(test_retiring_against_an_empty_policy_drops_every_gate),
		cmocka_unit_test(test_text_diff_is_unified_with_three_lines_of_context),
		cmocka_unit_test(test_text_diff_of_equal_texts_is_empty_and_edges_are_marked),
		cmocka_unit_test(test_text_diff_of_large_texts_stays_bounded),
		cmocka_unit_test(test_every_file_in_policies_parses),
		cmocka_unit_test(test_the_default_policy_only_gates_high_impact_changes),
		cmocka_unit_test(test_name_tables_spell_the_kinds_and_phases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
