/* Fuzzes the import rules loader, globs and rule application.
 * Invariants: refused rules have ERR_INVALID, the message "fuzz:L:C: ..."
 * naming the first detail, every detail positioned and in document order, and
 * the rules left released; accepted ones have a valid name and version, ids
 * unique across rules and links, every rule a condition and an effect, link
 * kinds and targets that go together; they parse the same again, and applying
 * them to a fixed commit gives an impact in range, one IO per category at
 * most, and link targets that are hex prefixes or "#N". The input split at its
 * first newline is also tried as a glob and a path: a glob that checks can be
 * matched (and terminates), and a literal glob matches itself. */
#include "common.h"

#include "core.h"
#include "err.h"
#include "fuzz.h"
#include "gitlog.h"
#include "import_rules.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	core_init();
	return 0;
}

static void check_refused(const struct import_rules *r, const struct err *err)
{
	FUZZ_CHECK(err->code == ERR_INVALID);
	FUZZ_CHECK(err->n_details >= 1 && err->n_details <= ERR_MAX_DETAILS);
	FUZZ_CHECK(r->name == NULL && r->rules == NULL && r->links == NULL);
	for (int i = 0; i < err->n_details; i++) {
		const struct err_detail *d = &err->details[i];
		FUZZ_CHECK(d->line >= 1 && d->column >= 1 && d->message[0]);
		if (i > 0) {
			const struct err_detail *prev = &err->details[i - 1];
			FUZZ_CHECK(prev->line < d->line ||
				   (prev->line == d->line && prev->column <= d->column));
		}
	}
	char want[sizeof(err->message)];
	snprintf(want, sizeof(want), "fuzz:%d:%d: %s", err->details[0].line, err->details[0].column,
		 err->details[0].message);
	FUZZ_CHECK(strcmp(err->message, want) == 0);
}

static void check_accepted(const uint8_t *data, size_t size, const struct import_rules *r)
{
	FUZZ_CHECK(r->name && r->name[0] && strlen(r->name) <= IMPORT_RULES_NAME_MAX);
	FUZZ_CHECK(r->version >= 1 && r->version <= IMPORT_RULES_VERSION_MAX);
	FUZZ_CHECK((int)r->default_impact >= 0 && r->default_impact < IMPACT_COUNT);
	for (size_t i = 0; i < r->n_rules; i++) {
		const struct import_rule *rule = &r->rules[i];
		FUZZ_CHECK(rule->id && rule->id[0]);
		FUZZ_CHECK(rule->paths.n || rule->subject.n || rule->message.n);
		FUZZ_CHECK(rule->impact >= 0 || rule->has_io);
		FUZZ_CHECK(rule->impact < IMPACT_COUNT);
		FUZZ_CHECK(!rule->has_io ||
			   (rule->io_description && rule->io_category < IO_CAT_COUNT));
		for (size_t g = 0; g < rule->paths.n; g++) {
			const char *why = NULL;
			FUZZ_CHECK(import_glob_check(rule->paths.items[g], &why) == 0);
		}
	}
	for (size_t i = 0; i < r->n_links; i++) {
		const struct import_link_rule *l = &r->links[i];
		FUZZ_CHECK(l->id && l->pattern.text);
		FUZZ_CHECK(l->how < IMPORT_LINK_HOW_COUNT && l->target < IMPORT_TARGET_COUNT);
		FUZZ_CHECK((l->how == IMPORT_LINK_REF) == (l->target == IMPORT_TARGET_ISSUE));
		FUZZ_CHECK(l->how != IMPORT_LINK_REF || !l->outcome);
	}
	size_t n = r->n_rules + r->n_links;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < i; j++) {
			const char *a =
				i < r->n_rules ? r->rules[i].id : r->links[i - r->n_rules].id;
			const char *b =
				j < r->n_rules ? r->rules[j].id : r->links[j - r->n_rules].id;
			FUZZ_CHECK(strcmp(a, b) != 0);
		}
	struct import_rules again;
	struct err err;
	err_init(&err);
	FUZZ_CHECK(import_rules_parse("fuzz", (const char *)data, size, &again, &err) == 0);
	FUZZ_CHECK(again.n_rules == r->n_rules && again.n_links == r->n_links);
	FUZZ_CHECK(again.version == r->version && strcmp(again.name, r->name) == 0);
	import_rules_release(&again);
}

static void check_apply(const struct import_rules *r)
{
	static char body[] = "lib: Revert 0123456789abcdef fix\n\nThis reverts commit "
			     "abcdef0123456.\nCloses #12\nFixes: deadbeef01\ncve-1 tidy\n";
	static char subject[] = "lib: Revert 0123456789abcdef fix";
	static char author[] = "author-001";
	static char p1[] = "lib/vtls/openssl.c", p2[] = "docs/a.md", p3[] = "new/x.c",
		    p3_old[] = "old/x.c";
	struct gitlog_path paths[] = {{p1, NULL, 1, 2}, {p2, NULL, -1, -1}, {p3, p3_old, 0, 0}};
	struct gitlog_commit c;
	memset(&c, 0, sizeof(c));
	snprintf(c.hash, sizeof(c.hash), "%s", "ffffffffffffffffffffffffffffffffffffffff");
	c.author = author;
	c.subject = subject;
	c.body = body;
	c.paths = paths;
	c.n_paths = ARRAY_SIZE(paths);
	struct import_match m;
	import_rules_apply(r, &c, &m);
	FUZZ_CHECK((int)m.impact >= 0 && m.impact < IMPACT_COUNT);
	FUZZ_CHECK(m.impact_rule || m.impact == r->default_impact);
	for (size_t i = 0; i < m.n_ios; i++) {
		FUZZ_CHECK(m.ios[i].description && m.ios[i].evidence);
		FUZZ_CHECK(strlen(m.ios[i].description) <= 4000);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(m.ios[i].category != m.ios[j].category);
	}
	for (size_t i = 0; i < m.n_links; i++) {
		const char *t = m.links[i].target;
		if (m.links[i].how == IMPORT_LINK_REF)
			FUZZ_CHECK(t[0] == '#' && strspn(t + 1, "0123456789") == strlen(t + 1));
		else
			FUZZ_CHECK(strlen(t) >= 7 && strspn(t, "0123456789abcdef") == strlen(t));
	}
	import_match_release(&m);
}

/* The input's first line as a glob, the rest as a path. */
static void check_glob(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstring(data, size);
	char *nl = strchr(text, '\n');
	const char *path = "lib/vtls/openssl.c";
	if (nl) {
		*nl = '\0';
		path = nl + 1;
	}
	const char *why = NULL;
	if (import_glob_check(text, &why) == 0) {
		import_glob_match(text, path);
		/* no special characters: the glob is a path that matches itself */
		if (!strpbrk(text, "*?[\\"))
			FUZZ_CHECK(import_glob_match(text, text));
	} else {
		FUZZ_CHECK(why && why[0]);
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_rules r;
	struct err err;
	err_init(&err);
	if (import_rules_parse("fuzz", (const char *)data, size, &r, &err) == 0) {
		FUZZ_CHECK(err.code == ERR_NONE);
		check_accepted(data, size, &r);
		check_apply(&r);
		import_rules_release(&r);
	} else {
		check_refused(&r, &err);
	}
	if (size <= 4096)
		check_glob(data, size);
	return 0;
}
