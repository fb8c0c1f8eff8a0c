/* Fuzzes the strict policy loader, the weakening check and the text diff.
 * Invariants: a refused policy has ERR_INVALID, the message
 * "could not parse policy \"fuzz\": L:C: ..." naming its first detail, every
 * detail positioned (line, column >= 1) with a message, details in document
 * order, and the policy left released; an accepted one has a valid name, 1..64
 * gates with unique ids and known kinds, parses the same again (same JSON), is
 * not weaker than itself, and is weaker than nothing by at least its gates.
 * The input split in two is diffed both ways, and applying each diff to its
 * old side gives exactly its new side. */
#include "common.h"

#include "core.h"
#include "err.h"
#include "fuzz.h"
#include "gate_kinds.h"
#include "policy.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	core_init();
	return 0;
}

static void check_refused(const struct policy *p, const struct err *err)
{
	FUZZ_CHECK(err->code == ERR_INVALID);
	FUZZ_CHECK(err->n_details >= 1 && err->n_details <= ERR_MAX_DETAILS);
	FUZZ_CHECK(p->name == NULL && p->gates == NULL && p->n_gates == 0 && p->services.n == 0);
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
	snprintf(want, sizeof(want), "could not parse policy \"fuzz\": %d:%d: %s",
		 err->details[0].line, err->details[0].column, err->details[0].message);
	FUZZ_CHECK(strcmp(err->message, want) == 0);
}

static char *json_of(const struct policy *p)
{
	cJSON *j = policy_to_json(p);
	FUZZ_CHECK(j != NULL);
	char *text = cJSON_PrintUnformatted(j);
	FUZZ_CHECK(text != NULL);
	cJSON_Delete(j);
	return text;
}

static void check_accepted(const uint8_t *data, size_t size, struct policy *p)
{
	FUZZ_CHECK(p->name && p->name[0] && strlen(p->name) <= POLICY_NAME_MAX);
	FUZZ_CHECK(p->n_gates >= 1 && p->n_gates <= 64);
	for (size_t i = 0; i < p->n_gates; i++) {
		const struct gate_def *g = &p->gates[i];
		FUZZ_CHECK(g->id && (int)g->kind >= 0 && g->kind < GATE_KIND_COUNT);
		FUZZ_CHECK((int)g->phase >= 0 && g->phase < PHASE_COUNT);
		FUZZ_CHECK(policy_gate(p, g->id) == g);
		if (g->kind == GATE_APPROVAL)
			FUZZ_CHECK(g->approvals >= 1 && g->approvals <= 20 && g->roles &&
				   !(g->roles & (1u << ROLE_AUDITOR)));
		if (g->kind == GATE_DRILL)
			FUZZ_CHECK(g->within > 0 && g->rto > 0 && g->rpo > 0);
		if (g->kind == GATE_COHERENCE)
			FUZZ_CHECK(g->estimator_tuple && g->min >= 0 && g->min <= 1 &&
				   (g->expected_sign == 1 || g->expected_sign == -1));
	}
	FUZZ_CHECK(p->bypass_roles && !(p->bypass_roles & (1u << ROLE_AUDITOR)));
	FUZZ_CHECK(p->bypass_max_expiry > 0);

	char *json = json_of(p);
	struct policy again;
	struct err err;
	err_init(&err);
	FUZZ_CHECK(policy_parse("fuzz", (const char *)data, size, &again, &err) == 0);
	char *json_again = json_of(&again);
	FUZZ_CHECK(strcmp(json, json_again) == 0);
	free(json);
	free(json_again);

	struct strlist lines = {0};
	FUZZ_CHECK(policy_weakenings(p, &again, &lines) == 0);
	struct policy empty;
	policy_init(&empty);
	FUZZ_CHECK(policy_weakenings(p, &empty, &lines) >= p->n_gates);
	FUZZ_CHECK(lines.n >= p->n_gates);
	for (size_t i = 0; i < lines.n; i++)
		FUZZ_CHECK(lines.items[i][0] != '\0');
	strlist_release(&lines);
	policy_release(&empty);
	policy_release(&again);
	for (int impact = 0; impact < IMPACT_COUNT; impact++)
		policy_applies(p, (enum impact)impact, p->services.n ? p->services.items[0] : NULL,
			       p->categories);
}

/* The line at *p (without its '\n'); advances *p past it. */
static const char *take_line(const char **p, size_t *len)
{
	const char *start = *p;
	const char *nl = strchr(start, '\n');
	*len = nl ? (size_t)(nl - start) : strlen(start);
	*p = nl ? nl + 1 : start + *len;
	return start;
}

/* Applies a diff of policy_text_diff(old_text, new_text, "a", "b") to old_text
 * and checks that the result is new_text and the hunk counts add up. */
static void check_diff_applies(const char *old_text, const char *new_text, const char *diff)
{
	if (!*diff) {
		FUZZ_CHECK(strcmp(old_text, new_text) == 0);
		return;
	}
	FUZZ_CHECK(strncmp(diff, "--- a\n+++ b\n", 12) == 0);
	struct buf out;
	buf_init(&out, 0);
	buf_append(&out, "", 0);
	const char *old_p = old_text, *d = diff + 12;
	size_t old_line = 1, len;
	while (*d) {
		size_t a, b, c, e;
		FUZZ_CHECK(sscanf(d, "@@ -%zu,%zu +%zu,%zu @@", &a, &b, &c, &e) == 4);
		take_line(&d, &len);
		/* the unchanged lines before the hunk, copied as they are */
		for (size_t first = b ? a : a + 1; old_line < first; old_line++) {
			FUZZ_CHECK(*old_p);
			const char *line = take_line(&old_p, &len);
			buf_append(&out, line, (size_t)(old_p - line));
		}
		size_t seen_old = 0, seen_new = 0;
		char prev = 0;
		while (*d && *d != '@') {
			const char *line = take_line(&d, &len);
			char kind = line[0];
			if (kind == '\\') {
				/* the line before had no newline */
				FUZZ_CHECK(prev != 0);
				if (prev != '-' && out.len && out.data[out.len - 1] == '\n')
					out.data[--out.len] = '\0';
				continue;
			}
			FUZZ_CHECK(kind == ' ' || kind == '-' || kind == '+');
			if (kind != '+') {
				size_t old_len;
				FUZZ_CHECK(*old_p);
				const char *o = take_line(&old_p, &old_len);
				FUZZ_CHECK(old_len == len - 1 && memcmp(o, line + 1, old_len) == 0);
				old_line++;
				seen_old++;
			}
			if (kind != '-') {
				buf_append(&out, line + 1, len - 1);
				buf_append(&out, "\n", 1);
				seen_new++;
			}
			prev = kind;
		}
		FUZZ_CHECK(seen_old == b && seen_new == e);
	}
	buf_append(&out, old_p, strlen(old_p));
	FUZZ_CHECK(strcmp(out.data, new_text) == 0);
	buf_release(&out);
}

static void check_diff(const char *old_text, const char *new_text)
{
	char *d = policy_text_diff(old_text, new_text, "a", "b");
	FUZZ_CHECK(d != NULL);
	check_diff_applies(old_text, new_text, d);
	free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p;
	struct err err;
	err_init(&err);
	if (policy_parse("fuzz", (const char *)data, size, &p, &err) == 0) {
		FUZZ_CHECK(err.code == ERR_NONE);
		check_accepted(data, size, &p);
		policy_release(&p);
	} else {
		check_refused(&p, &err);
	}

	char *text = fuzz_cstring(data, size);
	size_t len = strlen(text);
	char *first = xstrndup(text, len / 2);
	const char *second = text + len / 2;
	check_diff(first, second);
	check_diff(second, first);
	check_diff(text, text);
	check_diff(text, "");
	free(first);
	free(text);
	return 0;
}
