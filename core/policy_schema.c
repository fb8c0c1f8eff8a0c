/* Reads the YAML tree of one policy document (policy_yaml.c) against the
 * schema of DESIGN.md "Gate policies (YAML)" into a struct policy. Every
 * problem is added at the offending key or value (a missing key at its
 * mapping), and reading goes on after one so that all are found. The gate
 * kinds' own keys come from gate_kinds[] (gate_kinds.c). */
#include "common.h"

#include "duration.h"
#include "err.h"
#include "gate_kinds.h"
#include "policy.h"
#include "policy_tree.h"

/* A policy has at most this many gates. */
#define POLICY_GATES_MAX 64
/* Keys a gate may have: the common four and every kind's own. */
#define GATE_FIELDS_MAX 32

/* One key a mapping may have, and where it was found (NULL when absent). */
struct field {
	const char *name;
	const struct ynode *key, *value;
};

/* Checks the keys of map against fields (filling their key and value):
 * unknown and duplicate keys are problems. expected lists the keys for the
 * message. */
static void read_keys(struct policy_reader *r, const struct ynode *map, const char *path,
		      struct field *fields, size_t n_fields, const char *expected)
{
	char buf[QUOTE_BUFSZ], kpath[POLICY_PATH_LEN];
	for (size_t i = 0; i + 1 < map->n_kids; i += 2) {
		const struct ynode *k = map->kids[i];
		if (k->reported)
			continue;
		if (k->type != YNODE_SCALAR) {
			policy_problem(r, k, path, "keys must be plain text, not %s",
				       policy_found(k, buf));
			continue;
		}
		struct field *f = NULL;
		for (size_t j = 0; j < n_fields && !f; j++)
			if (strcmp(fields[j].name, k->text) == 0)
				f = &fields[j];
		policy_path_key(kpath, path, k->text);
		if (!f)
			policy_problem(r, k, kpath, "unknown key %s (expected one of: %s)",
				       policy_quote_node(k, buf), expected);
		else if (f->key)
			policy_problem(r, k, kpath, "duplicate key %s (first at line %d)",
				       policy_quote_node(k, buf), f->key->line);
		else {
			f->key = k;
			f->value = map->kids[i + 1];
		}
	}
}

static struct field *field_named(struct field *fields, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(fields[i].name, name) == 0)
			return &fields[i];
	return NULL;
}

/* The slot of a found field; its path (parent.name) is written to path. */
static struct policy_slot slot_of(const struct field *f, const char *parent, char *path)
{
	policy_path_key(path, parent, f->name);
	struct policy_slot s = {path, f->name, f->key, f->value};
	return s;
}

/* Reports f as missing from map (at the mapping's start) when it was not given. */
static void missing(struct policy_reader *r, const struct ynode *map, const char *parent,
		    const struct field *f)
{
	char path[POLICY_PATH_LEN];
	policy_path_key(path, parent, f->name);
	if (!f->key)
		policy_problem(r, map, path, "missing required key \"%s\"", f->name);
}

/* --- applies_to ---------------------------------------------------------------------------- */

/* A non-empty list of names from names, as a bit mask. */
static unsigned read_name_mask(struct policy_reader *r, const struct policy_slot *s,
			       const struct model_names *names, const char *noun,
			       const char *plural, const char *if_empty)
{
	char what[64];
	snprintf(what, sizeof(what), "a list of %s", plural);
	const struct ynode *list = policy_want_list(r, s, what, if_empty);
	if (!list)
		return 0;
	unsigned mask = 0;
	char path[POLICY_PATH_LEN];
	size_t n = policy_list_items(r, s, list);
	for (size_t i = 0; i < n; i++) {
		policy_path_index(path, s->path, i);
		struct policy_slot item = {path, s->name, NULL, list->kids[i]};
		int v = policy_read_enum(r, &item, names, noun);
		if (v >= 0)
			mask |= 1u << v;
	}
	return mask;
}

static void read_services(struct policy_reader *r, const struct policy_slot *s)
{
	const struct ynode *list =
		policy_want_list(r, s, "a list of services",
				 "services must not be empty: leave it out to cover every service");
	if (!list)
		return;
	char path[POLICY_PATH_LEN], buf[QUOTE_BUFSZ];
	size_t n = policy_list_items(r, s, list);
	for (size_t i = 0; i < n; i++) {
		policy_path_index(path, s->path, i);
		struct policy_slot item = {path, "service", NULL, list->kids[i]};
		const char *text = policy_want_scalar(r, &item, "a service name");
		if (!text)
			continue;
		if (!model_valid_service(text)) {
			policy_problem(r, item.value, path,
				       "invalid service %s: use a-z, 0-9, \".\", \"-\" and \"_\", "
				       "starting with a letter or digit, at most 63 characters",
				       policy_quote_node(item.value, buf));
			continue;
		}
		int seen = 0;
		for (size_t j = 0; j < r->p->services.n && !seen; j++)
			seen = strcmp(r->p->services.items[j], text) == 0;
		if (!seen)
			strlist_push(&r->p->services, text);
	}
}

static void read_applies_to(struct policy_reader *r, const struct policy_slot *s)
{
	if (!policy_want(r, s, YNODE_MAPPING, "a mapping of impact, io_categories and services"))
		return;
	struct field fields[] = {
		{"impact", NULL, NULL}, {"io_categories", NULL, NULL}, {"services", NULL, NULL}};
	read_keys(r, s->value, s->path, fields, ARRAY_SIZE(fields),
		  "impact, io_categories, services");
	char path[POLICY_PATH_LEN];
	if (fields[0].key) {
		struct policy_slot v = slot_of(&fields[0], s->path, path);
		r->p->impacts = read_name_mask(
			r, &v, &impact_names, "impact", "impacts",
			"impact must not be empty: leave it out to cover every impact");
	}
	if (fields[1].key) {
		struct policy_slot v = slot_of(&fields[1], s->path, path);
		r->p->categories =
			read_name_mask(r, &v, &io_category_names, "IO category", "IO categories",
				       "io_categories must not be empty: leave it out to cover "
				       "every change");
	}
	if (fields[2].key) {
		struct policy_slot v = slot_of(&fields[2], s->path, path);
		read_services(r, &v);
	}
}

/* --- gates --------------------------------------------------------------------------------- */

static const char *const gate_common[] = {"id", "kind", "phase", "required"};

/* The keys a gate may have: the common ones, then every kind's own (once). */
static size_t gate_fields(struct field *fields)
{
	size_t n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(gate_common); i++)
		fields[n++] = (struct field){gate_common[i], NULL, NULL};
	for (int k = 0; k < GATE_KIND_COUNT; k++)
		for (const struct gate_key *key = gate_kinds[k].keys; key->name; key++)
			if (!field_named(fields, n, key->name) && n < GATE_FIELDS_MAX)
				fields[n++] = (struct field){key->name, NULL, NULL};
	return n;
}

static const struct gate_key *kind_key(int kind, const char *name)
{
	for (const struct gate_key *k = gate_kinds[kind].keys; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/* The gate's kind as written (the first kind key that names one), or -1, so
 * that unknown keys can be reported with the kind's list. */
static int peek_kind(const struct ynode *map)
{
	for (size_t i = 0; i + 1 < map->n_kids; i += 2) {
		const struct ynode *k = map->kids[i], *v = map->kids[i + 1];
		if (k->type == YNODE_SCALAR && strcmp(k->text, "kind") == 0 &&
		    v->type == YNODE_SCALAR)
			return model_lookup(&gate_kind_names, v->text);
	}
	return -1;
}

static void gate_expected(int kind, char *out, size_t size)
{
	size_t o = (size_t)snprintf(out, size, "id, kind, phase, required");
	if (kind < 0) {
		snprintf(out + o, size - o, " and the keys of the gate's kind");
		return;
	}
	for (const struct gate_key *k = gate_kinds[kind].keys; k->name && o < size; k++)
		o += (size_t)snprintf(out + o, size - o, ", %s", k->name);
}

/* +1 (also written 1) or -1; 0 when neither (reported). */
static int read_sign(struct policy_reader *r, const struct policy_slot *s)
{
	char buf[QUOTE_BUFSZ];
	const char *text = policy_want_plain(r, s, "+1 or -1");
	if (!text)
		return 0;
	if (strcmp(text, "+1") == 0 || strcmp(text, "1") == 0)
		return 1;
	if (strcmp(text, "-1") == 0)
		return -1;
	policy_problem(r, s->value, s->path, "%s must be +1 or -1, not %s", s->name,
		       policy_quote_node(s->value, buf));
	return 0;
}

/* A number in [0, 1] into *out: 0, or -1 (reported). */
static int read_unit(struct policy_reader *r, const struct policy_slot *s, double *out)
{
	char buf[QUOTE_BUFSZ];
	double v;
	if (policy_read_number(r, s, "a number from 0 to 1", &v) < 0)
		return -1;
	if (v < 0 || v > 1) {
		policy_problem(r, s->value, s->path, "%s must be a number from 0 to 1, not %s",
			       s->name, policy_quote_node(s->value, buf));
		return -1;
	}
	*out = v;
	return 0;
}

/* One kind-specific key into g, through its offset in the kinds table. A
 * value that does not read leaves the field at its default. */
static void read_gate_key(struct policy_reader *r, const struct policy_slot *s,
			  const struct gate_key *k, struct gate_def *g)
{
	char *field = (char *)g + k->offset;
	int64_t seconds;
	int v;
	unsigned mask;
	char *name;
	double unit;
	switch (k->type) {
	case GKEY_DURATION:
		if ((seconds = policy_read_duration(r, s)) > 0)
			memcpy(field, &seconds, sizeof(seconds));
		break;
	case GKEY_COUNT:
		if (policy_read_count(r, s, 1, 20, &v) == 0)
			memcpy(field, &v, sizeof(v));
		break;
	case GKEY_ROLES:
		if ((mask = policy_read_roles(r, s, "approve")) != 0)
			memcpy(field, &mask, sizeof(mask));
		break;
	case GKEY_NAME:
		if ((name = policy_read_name(r, s, s->name)) != NULL)
			memcpy(field, &name, sizeof(name));
		break;
	case GKEY_COH_ROLE:
		if ((v = policy_read_enum(r, s, &coherence_role_names, "coherence role")) >= 0)
			memcpy(field, &v, sizeof(v));
		break;
	case GKEY_STRUCTURE:
		if ((v = policy_read_enum(r, s, &coherence_structure_names, "structure")) >= 0)
			memcpy(field, &v, sizeof(v));
		break;
	case GKEY_UNIT:
		if (read_unit(r, s, &unit) == 0)
			memcpy(field, &unit, sizeof(unit));
		break;
	case GKEY_SIGN:
		if ((v = read_sign(r, s)) != 0)
			memcpy(field, &v, sizeof(v));
		break;
	case GKEY_BOOL:
		if ((v = policy_read_bool(r, s)) >= 0)
			memcpy(field, &v, sizeof(v));
		break;
	}
}

static const char *article(const char *word)
{
	return strchr("aeiou", word[0]) ? "an" : "a";
}

/* The kind-specific keys of a gate of a known kind. */
static void read_kind_keys(struct policy_reader *r, const struct ynode *map, const char *path,
			   struct field *fields, size_t n, int kind, struct gate_def *g)
{
	char kpath[POLICY_PATH_LEN];
	const char *kind_name = gate_kinds[kind].name;
	for (size_t i = ARRAY_SIZE(gate_common); i < n; i++) {
		const struct gate_key *k = kind_key(kind, fields[i].name);
		if (fields[i].key && !k) {
			policy_path_key(kpath, path, fields[i].name);
			policy_problem(r, fields[i].key, kpath, "%s is not a key of %s %s gate",
				       fields[i].name, article(kind_name), kind_name);
		} else if (fields[i].key) {
			struct policy_slot s = slot_of(&fields[i], path, kpath);
			read_gate_key(r, &s, k, g);
		} else if (k && k->required) {
			missing(r, map, path, &fields[i]);
		}
	}
}

/* One gate; *id_node is set to its id's value node. */
static void read_gate(struct policy_reader *r, const struct policy_slot *s, struct gate_def *g,
		      const struct ynode **id_node)
{
	if (!policy_want(r, s, YNODE_MAPPING, "a mapping with id, kind and phase"))
		return;
	const struct ynode *map = s->value;
	g->line = map->line;
	g->column = map->column;
	struct field fields[GATE_FIELDS_MAX];
	size_t n = gate_fields(fields);
	char expected[256], path[POLICY_PATH_LEN];
	gate_expected(peek_kind(map), expected, sizeof(expected));
	read_keys(r, map, s->path, fields, n, expected);

	int kind = -1;
	if (fields[0].key) {
		struct policy_slot v = slot_of(&fields[0], s->path, path);
		g->id = policy_read_name(r, &v, "gate id");
		*id_node = fields[0].value;
	}
	if (fields[1].key) {
		struct policy_slot v = slot_of(&fields[1], s->path, path);
		kind = policy_read_enum(r, &v, &gate_kind_names, "kind");
		if (kind >= 0)
			g->kind = (enum gate_kind)kind;
	}
	if (fields[2].key) {
		struct policy_slot v = slot_of(&fields[2], s->path, path);
		int phase = policy_read_enum(r, &v, &gate_phase_names, "phase");
		if (phase >= 0)
			g->phase = (enum gate_phase)phase;
	}
	if (fields[3].key) {
		struct policy_slot v = slot_of(&fields[3], s->path, path);
		int required = policy_read_bool(r, &v);
		if (required >= 0)
			g->required = required;
	}
	for (size_t i = 0; i < 3; i++)
		missing(r, map, s->path, &fields[i]);
	if (kind >= 0)
		read_kind_keys(r, map, s->path, fields, n, kind, g);
}

static void gate_defaults(struct gate_def *g)
{
	memset(g, 0, sizeof(*g));
	g->required = 1;
	g->max_lag = g->within = g->rto = g->rpo = -1;
	g->expected_sign = 1;
}

static void read_gates(struct policy_reader *r, const struct policy_slot *s)
{
	const struct ynode *list =
		policy_want_list(r, s, "a list of gates",
				 "gates must not be empty: a policy needs at least one gate");
	if (!list)
		return;
	size_t n = list->n_kids < POLICY_GATES_MAX ? list->n_kids : POLICY_GATES_MAX;
	if (list->n_kids > POLICY_GATES_MAX)
		policy_problem(r, list->kids[POLICY_GATES_MAX], s->path,
			       "a policy has at most %d gates", POLICY_GATES_MAX);
	struct policy *p = r->p;
	p->gates = xcalloc(n, sizeof(*p->gates));
	p->n_gates = n;
	const struct ynode *ids[POLICY_GATES_MAX] = {0};
	char path[POLICY_PATH_LEN], buf[QUOTE_BUFSZ];
	for (size_t i = 0; i < n; i++) {
		gate_defaults(&p->gates[i]);
		policy_path_index(path, s->path, i);
		struct policy_slot item = {path, "gate", NULL, list->kids[i]};
		read_gate(r, &item, &p->gates[i], &ids[i]);
		if (!p->gates[i].id)
			continue;
		for (size_t j = 0; j < i; j++)
			if (p->gates[j].id && strcmp(p->gates[j].id, p->gates[i].id) == 0) {
				char id_path[POLICY_PATH_LEN];
				policy_path_key(id_path, path, "id");
				policy_problem(r, ids[i], id_path,
					       "duplicate gate id %s (first at line %d)",
					       policy_quote_node(ids[i], buf), ids[j]->line);
				break;
			}
	}
}

/* --- thresholds and bypass ----------------------------------------------------------------- */

static void read_thresholds(struct policy_reader *r, const struct policy_slot *s)
{
	if (!policy_want(r, s, YNODE_MAPPING, "a mapping"))
		return;
	struct field fields[] = {{"window", NULL, NULL},
				 {"validation_lag", NULL, NULL},
				 {"rdpr", NULL, NULL},
				 {"gbr", NULL, NULL},
				 {"tempo_ratio", NULL, NULL}};
	read_keys(r, s->value, s->path, fields, ARRAY_SIZE(fields),
		  "window, validation_lag, rdpr, gbr, tempo_ratio");
	struct policy_thresholds *t = &r->p->thresholds;
	char path[POLICY_PATH_LEN];
	struct policy_slot v;
	if (fields[0].key) {
		v = slot_of(&fields[0], s->path, path);
		t->window = policy_read_duration(r, &v);
		t->has_window = t->window > 0;
	}
	if (fields[1].key) {
		v = slot_of(&fields[1], s->path, path);
		t->validation_lag = policy_read_duration(r, &v);
		t->has_validation_lag = t->validation_lag > 0;
	}
	if (fields[2].key) {
		v = slot_of(&fields[2], s->path, path);
		t->rdpr = policy_read_percentage(r, &v);
		t->has_rdpr = t->rdpr >= 0;
	}
	if (fields[3].key) {
		v = slot_of(&fields[3], s->path, path);
		t->gbr = policy_read_percentage(r, &v);
		t->has_gbr = t->gbr >= 0;
	}
	if (fields[4].key) {
		char buf[QUOTE_BUFSZ];
		v = slot_of(&fields[4], s->path, path);
		double ratio;
		if (policy_read_number(r, &v, "a number greater than 0", &ratio) < 0)
			return;
		if (ratio <= 0)
			policy_problem(r, v.value, v.path,
				       "tempo_ratio must be a number greater than 0, not %s",
				       policy_quote_node(v.value, buf));
		t->tempo_ratio = ratio;
		t->has_tempo_ratio = ratio > 0;
	}
}

static void read_bypass(struct policy_reader *r, const struct policy_slot *s)
{
	if (!policy_want(r, s, YNODE_MAPPING, "a mapping"))
		return;
	struct field fields[] = {
		{"roles", NULL, NULL}, {"reason_required", NULL, NULL}, {"max_expiry", NULL, NULL}};
	read_keys(r, s->value, s->path, fields, ARRAY_SIZE(fields),
		  "roles, reason_required, max_expiry");
	char path[POLICY_PATH_LEN];
	struct policy_slot v;
	if (fields[0].key) {
		v = slot_of(&fields[0], s->path, path);
		unsigned roles = policy_read_roles(r, &v, "bypass");
		if (roles)
			r->p->bypass_roles = roles;
	}
	if (fields[1].key) {
		v = slot_of(&fields[1], s->path, path);
		if (policy_read_bool(r, &v) == 0)
			policy_problem(
				r, v.value, v.path,
				"reason_required must be true: a bypass always needs a reason");
	}
	if (fields[2].key) {
		v = slot_of(&fields[2], s->path, path);
		int64_t expiry = policy_read_duration(r, &v);
		if (expiry > 0)
			r->p->bypass_max_expiry = expiry;
	}
}

void policy_schema_read(const struct ynode *root, struct policy *p, struct problems *pr)
{
	struct policy_reader r = {pr, p};
	struct policy_slot doc = {"", "a policy", NULL, root};
	if (!policy_want(&r, &doc, YNODE_MAPPING, "a mapping with \"policy\" and \"gates\""))
		return;
	struct field fields[] = {{"policy", NULL, NULL},
				 {"applies_to", NULL, NULL},
				 {"gates", NULL, NULL},
				 {"thresholds", NULL, NULL},
				 {"bypass", NULL, NULL}};
	read_keys(&r, root, "", fields, ARRAY_SIZE(fields),
		  "policy, applies_to, gates, thresholds, bypass");
	char path[POLICY_PATH_LEN];
	struct policy_slot v;
	if (fields[0].key) {
		v = slot_of(&fields[0], "", path);
		p->name = policy_read_name(&r, &v, "policy name");
	}
	if (fields[1].key) {
		v = slot_of(&fields[1], "", path);
		read_applies_to(&r, &v);
	}
	if (fields[2].key) {
		v = slot_of(&fields[2], "", path);
		read_gates(&r, &v);
	}
	if (fields[3].key) {
		v = slot_of(&fields[3], "", path);
		read_thresholds(&r, &v);
	}
	if (fields[4].key) {
		v = slot_of(&fields[4], "", path);
		read_bypass(&r, &v);
	}
	missing(&r, root, "", &fields[0]);
	missing(&r, root, "", &fields[2]);
}
