/* Fuzzes the git log parser and the import plan. The first byte picks the
 * chunk pattern of a second, streamed parse; the rest is the log.
 * Invariants: the same commits, problems and figures whether the log arrives
 * whole or in chunks; a refused log has ERR_INVALID or ERR_TOO_LARGE, the
 * message "fuzz:LINE: ..." naming its first detail, details in input order;
 * every commit kept has a 40- or 64-digit lowercase hash, valid UTF-8 text
 * (author, subject, body, paths), a subject without control characters and at
 * most GITLOG_SUBJECT_MAX bytes, lines that increase, replacements that add
 * up; planned with link rules, every link targets a commit of the log other
 * than its own, and the reports add up by status. gitlog_utf8_clean of the raw
 * input is valid UTF-8, and replaces nothing exactly when the input is valid. */
#include "common.h"

#include "core.h"
#include "err.h"
#include "fuzz.h"
#include "git_import.h"
#include "gitlog.h"
#include "import_rules.h"
#include "json.h"

static struct import_rules rules;

static const char rules_text[] = "name: fuzz\n"
				 "version: 1\n"
				 "rules:\n"
				 "  - id: lib\n"
				 "    paths: [\"lib/**\", \"*.c\"]\n"
				 "    impact: high\n"
				 "    io:\n"
				 "      category: supply_chain\n"
				 "      description: \"{paths} {subject} {short}\"\n"
				 "  - id: msg\n"
				 "    message: [\"cve-[0-9]+\"]\n"
				 "    not_subject: [\"^tidy\"]\n"
				 "    impact: medium\n"
				 "links:\n"
				 "  - id: rev\n"
				 "    pattern: \"reverts?( commit)?\"\n"
				 "    target: sha_or_url\n"
				 "    how: revert\n"
				 "  - id: fix\n"
				 "    pattern: \"fixes:\"\n"
				 "    target: sha\n"
				 "    how: regression\n"
				 "  - id: fu\n"
				 "    pattern: \"follow-up to\"\n"
				 "    target: sha\n"
				 "    how: follow_up\n"
				 "  - id: ref\n"
				 "    pattern: \"(fixes|closes):?\"\n"
				 "    target: issue\n"
				 "    how: ref\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	core_init();
	struct err err;
	err_init(&err);
	if (import_rules_parse("fuzz-rules", rules_text, strlen(rules_text), &rules, &err) != 0) {
		fprintf(stderr, "fuzz_gitlog: %s\n", err.message);
		abort();
	}
	return 0;
}

static int valid_text(const char *s)
{
	return json_utf8_invalid_at(s, strlen(s)) < 0;
}

static void check_commit(const struct gitlog_commit *c)
{
	size_t n = strlen(c->hash);
	FUZZ_CHECK(n == 40 || n == 64);
	FUZZ_CHECK(strspn(c->hash, "0123456789abcdef") == n);
	FUZZ_CHECK(c->n_parents == 0 ? c->first_parent[0] == '\0' : strlen(c->first_parent) == n);
	FUZZ_CHECK(c->n_parents <= GITLOG_PARENTS_MAX);
	FUZZ_CHECK(valid_text(c->author) && valid_text(c->subject) && valid_text(c->body));
	FUZZ_CHECK(strlen(c->author) <= GITLOG_AUTHOR_MAX);
	FUZZ_CHECK(strlen(c->subject) <= GITLOG_SUBJECT_MAX);
	for (const char *p = c->subject; *p; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
	FUZZ_CHECK(c->subject[0] != ' ' &&
		   (!c->subject[0] || c->subject[strlen(c->subject) - 1] != ' '));
	for (size_t i = 0; i < c->n_paths; i++) {
		const struct gitlog_path *p = &c->paths[i];
		FUZZ_CHECK(p->path[0] && valid_text(p->path));
		FUZZ_CHECK(!p->old_path || (p->old_path[0] && valid_text(p->old_path)));
		FUZZ_CHECK((p->added < 0) == (p->deleted < 0) && p->added >= -1);
	}
}

static void check_refused(const struct gitlog *log, const struct err *err)
{
	FUZZ_CHECK(err->code == ERR_INVALID || err->code == ERR_TOO_LARGE);
	FUZZ_CHECK(err->n_details >= 1);
	const struct err_detail *d = &err->details[0];
	char want[sizeof(err->message)];
	snprintf(want, sizeof(want), "fuzz:%d: %s", d->line, d->message);
	FUZZ_CHECK(strcmp(err->message, want) == 0);
	for (int i = 0; i < err->n_details; i++) {
		FUZZ_CHECK(err->details[i].line >= 1 && err->details[i].message[0]);
		if (i > 0 && err->code == ERR_INVALID)
			FUZZ_CHECK(err->details[i - 1].line <= err->details[i].line);
	}
	FUZZ_CHECK(log->n_bad >= 1 || log->too_large);
}

/* Parses the log whole into *log; returns parse's result. */
static int parse_whole(const uint8_t *data, size_t size, struct gitlog *log, struct err *err)
{
	err_init(err);
	int rc = gitlog_parse("fuzz", (const char *)data, size, log, err);
	if (rc < 0)
		check_refused(log, err);
	else
		FUZZ_CHECK(err->code == ERR_NONE && log->n_bad == 0);
	return rc;
}

/* Parses again in chunks (pattern from the first byte) and compares. */
static void check_streamed(const uint8_t *data, size_t size, uint8_t pattern,
			   const struct gitlog *whole, int whole_rc, const struct err *whole_err)
{
	struct gitlog log;
	struct err err;
	err_init(&err);
	gitlog_init(&log, "fuzz");
	uint32_t seed = pattern | 1u;
	int rc = 0;
	for (size_t i = 0; i < size && rc == 0;) {
		seed = seed * 1103515245u + 12345u;
		size_t n = pattern & 0x80 ? 1 + (size_t)(seed >> 16) % 97 : 1 + (size_t)pattern % 7;
		if (n > size - i)
			n = size - i;
		rc = gitlog_feed(&log, (const char *)data + i, n, &err);
		i += n;
	}
	err_init(&err);
	rc = gitlog_finish(&log, &err);
	FUZZ_CHECK(rc == whole_rc && err.code == whole_err->code);
	FUZZ_CHECK(strcmp(err.message, whole_err->message) == 0);
	FUZZ_CHECK(log.n_commits == whole->n_commits && log.n_bad == whole->n_bad);
	FUZZ_CHECK(log.n_replaced == whole->n_replaced);
	for (size_t i = 0; i < log.n_commits; i++) {
		FUZZ_CHECK(strcmp(log.commits[i].hash, whole->commits[i].hash) == 0);
		FUZZ_CHECK(strcmp(log.commits[i].body, whole->commits[i].body) == 0);
		FUZZ_CHECK(log.commits[i].line == whole->commits[i].line);
		FUZZ_CHECK(log.commits[i].n_paths == whole->commits[i].n_paths);
	}
	gitlog_release(&log);
}

static void check_plan(const struct gitlog *log)
{
	struct git_import imp;
	struct err err;
	err_init(&err);
	FUZZ_CHECK(git_import_plan(log, &rules, NULL, NULL, &imp, &err) == 0);
	FUZZ_CHECK(imp.n_changes == log->n_commits);
	size_t by_status = 0, n_impact = 0, n_replaced = 0;
	for (int i = 0; i < GIT_REF_STATUS_COUNT; i++)
		by_status += imp.by_status[i];
	FUZZ_CHECK(by_status == imp.n_reports);
	for (int i = 0; i < IMPACT_COUNT; i++)
		n_impact += imp.by_impact[i];
	FUZZ_CHECK(n_impact == imp.n_changes);
	for (size_t i = 0; i < imp.n_changes; i++) {
		const struct git_import_change *ch = &imp.changes[i];
		FUZZ_CHECK(ch->title[0] && valid_text(ch->title));
		n_replaced += ch->commit->n_replaced;
		for (size_t j = 0; j < ch->n_links; j++) {
			const struct gitlog_commit *t = gitlog_find(log, ch->links[j].target);
			FUZZ_CHECK(t && t != ch->commit && ch->links[j].in_import);
			FUZZ_CHECK(strncmp(t->hash, ch->links[j].written,
					   strlen(ch->links[j].written)) == 0);
		}
		for (size_t j = 0; j < ch->n_ios; j++)
			FUZZ_CHECK(valid_text(ch->ios[j].description) &&
				   valid_text(ch->ios[j].evidence));
		for (size_t j = 0; j < ch->refs.n; j++)
			FUZZ_CHECK(ch->refs.items[j][0] == '#');
	}
	FUZZ_CHECK(n_replaced == log->n_replaced);
	cJSON *j = git_import_to_json(&imp, 1);
	FUZZ_CHECK(j != NULL);
	cJSON_Delete(j);
	git_import_release(&imp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t pattern = data[0];
	data++;
	size--;

	struct gitlog log;
	struct err err;
	int rc = parse_whole(data, size, &log, &err);
	size_t replaced = 0;
	int prev_line = 0;
	for (size_t i = 0; i < log.n_commits; i++) {
		check_commit(&log.commits[i]);
		FUZZ_CHECK(log.commits[i].line > prev_line);
		prev_line = log.commits[i].line;
		replaced += log.commits[i].n_replaced;
	}
	FUZZ_CHECK(replaced == log.n_replaced);
	check_streamed(data, size, pattern, &log, rc, &err);
	if (!log.too_large)
		check_plan(&log);
	gitlog_release(&log);

	size_t n = 0;
	char *clean = gitlog_utf8_clean((const char *)data, size, &n);
	FUZZ_CHECK(valid_text(clean));
	FUZZ_CHECK((n == 0) == (json_utf8_invalid_at((const char *)data, size) < 0));
	free(clean);
	return 0;
}
