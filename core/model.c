/* Spellings of the register's enums, and the validity rules for names. */
#include "common.h"
#include "model.h"

#define NAMES(var, list_text, ...)                                                                 \
	static const char *const var##_tab[] = {__VA_ARGS__};                                      \
	const struct model_names var = {var##_tab, (int)ARRAY_SIZE(var##_tab), list_text}

NAMES(io_category_names, "data, evaluation, alignment, deployment, supply_chain, optionality",
      "data", "evaluation", "alignment", "deployment", "supply_chain", "optionality");
NAMES(impact_names, "low, medium, high", "low", "medium", "high");
NAMES(change_state_names, "planned, effective", "planned", "effective");
NAMES(review_names, "unreviewed, no_io, has_io", "unreviewed", "no_io", "has_io");
NAMES(io_status_names, "confirmed, candidate", "confirmed", "candidate");
NAMES(role_names, "admin, release-manager, engineer, pipeline, auditor", "admin", "release-manager",
      "engineer", "pipeline", "auditor");

int model_lookup(const struct model_names *t, const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < t->count; i++)
		if (strcmp(t->names[i], s) == 0)
			return i;
	return -1;
}

const char *model_name(const struct model_names *t, int v)
{
	if (v < 0 || v >= t->count)
		return "?";
	return t->names[v];
}

int model_valid_service(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (i > 0)
			ok = ok || c == '.' || c == '_' || c == '-';
		if (!ok)
			return 0;
	}
	return 1;
}

int model_valid_key(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 200)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

static int valid_rule_part(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int model_valid_source(const char *s)
{
	if (strcmp(s, "manual") == 0 || strcmp(s, "import") == 0)
		return 1;
	if (strncmp(s, "rule:", 5) != 0)
		return 0;
	const char *name = s + 5;
	const char *at = strchr(name, '@');
	if (!at)
		return 0;
	return valid_rule_part(name, (size_t)(at - name)) &&
	       valid_rule_part(at + 1, strlen(at + 1));
}
