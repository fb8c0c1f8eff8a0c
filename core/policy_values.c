/* The policy loader's readers of single values: each checks one key's value
 * in the YAML tree (type, then content) and reports what is wrong at the
 * value, or at its key when the value is empty. Declared in policy_tree.h;
 * policy_schema.c puts them together. */
#include "common.h"

#include <math.h>

#include "duration.h"
#include "err.h"
#include "policy.h"
#include "policy_tree.h"

void policy_problem(struct policy_reader *r, const struct ynode *n, const char *path,
		    const char *fmt, ...)
{
	char message[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	problems_add(r->pr, n->line, n->column, path, "%s", message);
}

/* a, sep and b into out, cut to POLICY_PATH_LEN - 1 bytes. */
static void path_join(char *out, const char *a, const char *sep, const char *b)
{
	const char *parts[] = {a, sep, b};
	size_t o = 0;
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
		for (const char *c = parts[i]; *c && o + 1 < POLICY_PATH_LEN; c++)
			out[o++] = *c;
	out[o] = '\0';
}

void policy_path_key(char *out, const char *parent, const char *key)
{
	path_join(out, parent ? parent : "", parent && *parent ? "." : "", key);
}

void policy_path_index(char *out, const char *parent, size_t i)
{
	char index[32];
	snprintf(index, sizeof(index), "[%zu]", i);
	path_join(out, parent, "", index);
}

const char *policy_quote_node(const struct ynode *n, char *out)
{
	return policy_quote(n->text, n->len, out);
}

/* A plain empty, ~ or null scalar: no value at all. */
static int is_null(const struct ynode *n)
{
	if (n->type != YNODE_SCALAR || !n->plain)
		return 0;
	return n->len == 0 || strcmp(n->text, "~") == 0 || strcmp(n->text, "null") == 0 ||
	       strcmp(n->text, "Null") == 0 || strcmp(n->text, "NULL") == 0;
}

const char *policy_found(const struct ynode *n, char *buf)
{
	switch (n->type) {
	case YNODE_MAPPING:
		return "a mapping";
	case YNODE_SEQUENCE:
		return "a list";
	case YNODE_ALIAS:
		return "an alias";
	case YNODE_SCALAR:
		break;
	}
	return policy_quote_node(n, buf);
}

int policy_want(struct policy_reader *r, const struct policy_slot *s, enum ynode_type type,
		const char *what)
{
	const struct ynode *v = s->value;
	char buf[QUOTE_BUFSZ];
	if (v->reported)
		return 0;
	if (is_null(v)) {
		policy_problem(r, s->key && v->len == 0 ? s->key : v, s->path,
			       "%s has no value: it must be %s", s->name, what);
		return 0;
	}
	if (v->type != type) {
		policy_problem(r, v, s->path, "%s must be %s, not %s", s->name, what,
			       policy_found(v, buf));
		return 0;
	}
	return 1;
}

const char *policy_want_scalar(struct policy_reader *r, const struct policy_slot *s,
			       const char *what)
{
	return policy_want(r, s, YNODE_SCALAR, what) ? s->value->text : NULL;
}

const char *policy_want_plain(struct policy_reader *r, const struct policy_slot *s,
			      const char *what)
{
	const char *text = policy_want_scalar(r, s, what);
	if (text && !s->value->plain) {
		policy_problem(r, s->value, s->path, "%s must be %s without quotes", s->name, what);
		return NULL;
	}
	return text;
}

const struct ynode *policy_want_list(struct policy_reader *r, const struct policy_slot *s,
				     const char *what, const char *if_empty)
{
	if (!policy_want(r, s, YNODE_SEQUENCE, what))
		return NULL;
	if (s->value->n_kids == 0) {
		policy_problem(r, s->value, s->path, "%s", if_empty);
		return NULL;
	}
	return s->value;
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > POLICY_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (i > 0)
			ok = ok || c == '_' || c == '-';
		if (!ok)
			return 0;
	}
	return 1;
}

size_t policy_list_items(struct policy_reader *r, const struct policy_slot *s,
			 const struct ynode *list)
{
	if (list->n_kids <= POLICY_LIST_MAX)
		return list->n_kids;
	policy_problem(r, list->kids[POLICY_LIST_MAX], s->path, "%s has more than %d items",
		       s->name, POLICY_LIST_MAX);
	return POLICY_LIST_MAX;
}

char *policy_read_name(struct policy_reader *r, const struct policy_slot *s, const char *noun)
{
	char buf[QUOTE_BUFSZ];
	const char *text = policy_want_scalar(r, s, "a name");
	if (!text)
		return NULL;
	if (!valid_name(text)) {
		policy_problem(
			r, s->value, s->path,
			"invalid %s %s: use a-z, 0-9, \"-\" and \"_\", starting with a letter "
			"or digit, at most %d characters",
			noun, policy_quote_node(s->value, buf), POLICY_NAME_MAX);
		return NULL;
	}
	return xstrdup(text);
}

int policy_read_enum(struct policy_reader *r, const struct policy_slot *s,
		     const struct model_names *names, const char *noun)
{
	char buf[QUOTE_BUFSZ], what[64];
	snprintf(what, sizeof(what), "a %s", noun);
	const char *text = policy_want_scalar(r, s, what);
	if (!text)
		return -1;
	int v = model_lookup(names, text);
	if (v < 0)
		policy_problem(r, s->value, s->path, "unknown %s %s (expected one of: %s)", noun,
			       policy_quote_node(s->value, buf), names->list);
	return v;
}

int policy_read_bool(struct policy_reader *r, const struct policy_slot *s)
{
	char buf[QUOTE_BUFSZ];
	const char *text = policy_want_plain(r, s, "true or false");
	if (!text)
		return -1;
	if (strcmp(text, "true") == 0)
		return 1;
	if (strcmp(text, "false") == 0)
		return 0;
	policy_problem(r, s->value, s->path, "%s must be true or false, not %s", s->name,
		       policy_quote_node(s->value, buf));
	return -1;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* A decimal number as YAML 1.2 writes one: [-+]?(d+(.d*)?|.d+)([eE][-+]?d+)? */
static int is_number(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	size_t digits = strspn(s, "0123456789");
	s += digits;
	if (*s == '.') {
		size_t frac = strspn(s + 1, "0123456789");
		if (!digits && !frac)
			return 0;
		s += 1 + frac;
	} else if (!digits) {
		return 0;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!all_digits(s))
			return 0;
		return 1;
	}
	return *s == '\0';
}

int policy_read_count(struct policy_reader *r, const struct policy_slot *s, int min, int max,
		      int *out)
{
	char what[64], buf[QUOTE_BUFSZ];
	snprintf(what, sizeof(what), "a whole number from %d to %d", min, max);
	const char *text = policy_want_plain(r, s, what);
	if (!text)
		return -1;
	long v = all_digits(text) && strlen(text) <= 9 ? strtol(text, NULL, 10) : -1;
	if (v < min || v > max) {
		policy_problem(r, s->value, s->path, "%s must be %s, not %s", s->name, what,
			       policy_quote_node(s->value, buf));
		return -1;
	}
	*out = (int)v;
	return 0;
}

int policy_read_number(struct policy_reader *r, const struct policy_slot *s, const char *what,
		       double *out)
{
	char buf[QUOTE_BUFSZ];
	const char *text = policy_want_plain(r, s, what);
	if (!text)
		return -1;
	double v = is_number(text) ? strtod(text, NULL) : NAN;
	if (!isfinite(v)) {
		policy_problem(r, s->value, s->path, "%s must be %s, not %s", s->name, what,
			       policy_quote_node(s->value, buf));
		return -1;
	}
	*out = v;
	return 0;
}

int64_t policy_read_duration(struct policy_reader *r, const struct policy_slot *s)
{
	char buf[QUOTE_BUFSZ];
	const char *text = policy_want_scalar(r, s, "a duration (like 72h)");
	if (!text)
		return -1;
	if (is_number(text)) {
		policy_problem(r, s->value, s->path,
			       "duration %s for %s needs a unit (s, m, h, d, w)",
			       policy_quote_node(s->value, buf), s->name);
		return -1;
	}
	struct err derr;
	err_init(&derr);
	int64_t seconds;
	if (duration_parse(text, &seconds, &derr) < 0) {
		policy_problem(r, s->value, s->path, "%s", derr.message);
		return -1;
	}
	if (seconds == 0) {
		policy_problem(r, s->value, s->path, "%s must be longer than 0s", s->name);
		return -1;
	}
	return seconds;
}

double policy_read_percentage(struct policy_reader *r, const struct policy_slot *s)
{
	char buf[QUOTE_BUFSZ];
	const char *text = policy_want_scalar(r, s, "a percentage (like 80%)");
	if (!text)
		return -1;
	size_t len = strlen(text);
	if (is_number(text)) {
		policy_problem(r, s->value, s->path, "percentage %s for %s needs a \"%%\"",
			       policy_quote_node(s->value, buf), s->name);
		return -1;
	}
	double v = -1;
	if (len >= 2 && text[len - 1] == '%' && text[0] >= '0' && text[0] <= '9') {
		char number[64];
		if (len - 1 < sizeof(number)) {
			memcpy(number, text, len - 1);
			number[len - 1] = '\0';
			size_t digits = strspn(number, "0123456789");
			if (number[digits] == '\0' ||
			    (number[digits] == '.' && number[digits + 1] &&
			     all_digits(number + digits + 1)))
				v = strtod(number, NULL);
		}
	}
	if (!(v >= 0 && v <= 100)) {
		policy_problem(r, s->value, s->path,
			       "%s must be a percentage from 0%% to 100%%, not %s", s->name,
			       policy_quote_node(s->value, buf));
		return -1;
	}
	return v / 100.0;
}

unsigned policy_read_roles(struct policy_reader *r, const struct policy_slot *s, const char *verb)
{
	const struct ynode *list =
		policy_want_list(r, s, "a list of roles", "roles must not be empty");
	if (!list)
		return 0;
	unsigned mask = 0;
	int bad = 0;
	char path[POLICY_PATH_LEN], buf[QUOTE_BUFSZ];
	size_t n = policy_list_items(r, s, list);
	for (size_t i = 0; i < n; i++) {
		policy_path_index(path, s->path, i);
		struct policy_slot item = {path, "role", NULL, list->kids[i]};
		const char *text = policy_want_scalar(r, &item, "a role");
		if (!text) {
			bad = 1;
			continue;
		}
		int v = model_lookup(&role_names, text);
		if (v < 0)
			policy_problem(r, item.value, path,
				       "unknown role %s (expected one of: admin, release-manager, "
				       "engineer, pipeline)",
				       policy_quote_node(item.value, buf));
		else if (v == ROLE_AUDITOR)
			policy_problem(r, item.value, path,
				       "role \"auditor\" is read-only: it cannot %s", verb);
		else
			mask |= 1u << v;
		if (v < 0 || v == ROLE_AUDITOR)
			bad = 1;
	}
	return bad ? 0 : mask;
}
