/* Gate policies: the name tables of their vocabulary, the policy's lifecycle,
 * lookups, whether it applies to a change, and its JSON form. The YAML loader
 * is policy_yaml.c, the weakening check policy_weaker.c, the text diff
 * policy_diff.c. */
#include "common.h"

#include "duration.h"
#include "gate_kinds.h"
#include "json.h"
#include "policy.h"

#define NAMES(var, list_text, ...)                                                                 \
	static const char *const var##_tab[] = {__VA_ARGS__};                                      \
	const struct model_names var = {var##_tab, (int)ARRAY_SIZE(var##_tab), list_text}

NAMES(gate_kind_names, "evaluation, drill, approval, coherence", "evaluation", "drill", "approval",
      "coherence");
NAMES(gate_phase_names, "pre, post", "pre", "post");
NAMES(coherence_role_names, "F_hat, C_hat, I_hat", "F_hat", "C_hat", "I_hat");
NAMES(coherence_structure_names, "rank, crossing, events, kappa", "rank", "crossing", "events",
      "kappa");

void policy_init(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->bypass_roles = 1u << ROLE_RELEASE_MANAGER;
	p->bypass_max_expiry = POLICY_DEFAULT_MAX_EXPIRY;
}

void policy_release(struct policy *p)
{
	if (!p)
		return;
	free(p->name);
	strlist_release(&p->services);
	for (size_t i = 0; i < p->n_gates; i++) {
		free(p->gates[i].id);
		free(p->gates[i].estimator_tuple);
	}
	free(p->gates);
	policy_init(p);
}

const struct gate_def *policy_gate(const struct policy *p, const char *id)
{
	if (!p || !id)
		return NULL;
	for (size_t i = 0; i < p->n_gates; i++)
		if (p->gates[i].id && strcmp(p->gates[i].id, id) == 0)
			return &p->gates[i];
	return NULL;
}

int policy_applies(const struct policy *p, enum impact impact, const char *service,
		   unsigned categories)
{
	if (p->impacts &&
	    ((int)impact < 0 || (int)impact >= IMPACT_COUNT || !(p->impacts & (1u << impact))))
		return 0;
	if (p->categories && !(p->categories & categories))
		return 0;
	if (p->services.n) {
		if (!service)
			return 0;
		for (size_t i = 0; i < p->services.n; i++)
			if (strcmp(p->services.items[i], service) == 0)
				return 1;
		return 0;
	}
	return 1;
}

/* Adds the names of the bits set in mask, in enum order, as an array. */
static void add_mask(cJSON *o, const char *name, unsigned mask, const struct model_names *names)
{
	cJSON *arr = cJSON_AddArrayToObject(o, name);
	for (int i = 0; i < names->count; i++)
		if (mask & (1u << i))
			cJSON_AddItemToArray(arr, cJSON_CreateString(names->names[i]));
}

static void add_duration(cJSON *o, const char *name, int64_t seconds)
{
	char text[DURATION_BUFSZ];
	cJSON_AddStringToObject(o, name, duration_format(seconds, text));
}

/* A fraction as a percentage string: 0.8 → "80%". */
static void add_percentage(cJSON *o, const char *name, double fraction)
{
	char text[64];
	snprintf(text, sizeof(text), "%.10g%%", fraction * 100.0);
	cJSON_AddStringToObject(o, name, text);
}

/* One kind-specific key of g, read through the kinds table. */
static void add_gate_key(cJSON *o, const struct gate_def *g, const struct gate_key *k)
{
	const char *field = (const char *)g + k->offset;
	switch (k->type) {
	case GKEY_DURATION: {
		int64_t v;
		memcpy(&v, field, sizeof(v));
		if (v >= 0)
			add_duration(o, k->name, v);
		break;
	}
	case GKEY_COUNT:
	case GKEY_SIGN: {
		int v;
		memcpy(&v, field, sizeof(v));
		cJSON_AddNumberToObject(o, k->name, v);
		break;
	}
	case GKEY_BOOL: {
		int v;
		memcpy(&v, field, sizeof(v));
		cJSON_AddBoolToObject(o, k->name, v);
		break;
	}
	case GKEY_ROLES: {
		unsigned v;
		memcpy(&v, field, sizeof(v));
		add_mask(o, k->name, v, &role_names);
		break;
	}
	case GKEY_NAME: {
		const char *v;
		memcpy(&v, field, sizeof(v));
		json_add_str(o, k->name, v);
		break;
	}
	case GKEY_COH_ROLE:
	case GKEY_STRUCTURE: {
		int v;
		memcpy(&v, field, sizeof(v));
		const struct model_names *names = k->type == GKEY_COH_ROLE
							  ? &coherence_role_names
							  : &coherence_structure_names;
		cJSON_AddStringToObject(o, k->name, model_name(names, v));
		break;
	}
	case GKEY_UNIT: {
		double v;
		memcpy(&v, field, sizeof(v));
		cJSON_AddNumberToObject(o, k->name, v);
		break;
	}
	}
}

static cJSON *gate_to_json(const struct gate_def *g)
{
	cJSON *o = cJSON_CreateObject();
	json_add_str(o, "id", g->id);
	cJSON_AddStringToObject(o, "kind", model_name(&gate_kind_names, (int)g->kind));
	cJSON_AddStringToObject(o, "phase", model_name(&gate_phase_names, (int)g->phase));
	cJSON_AddBoolToObject(o, "required", g->required);
	if ((int)g->kind >= 0 && g->kind < GATE_KIND_COUNT)
		for (const struct gate_key *k = gate_kinds[g->kind].keys; k->name; k++)
			add_gate_key(o, g, k);
	return o;
}

static cJSON *thresholds_to_json(const struct policy_thresholds *t)
{
	cJSON *o = cJSON_CreateObject();
	if (t->has_window)
		add_duration(o, "window", t->window);
	if (t->has_validation_lag)
		add_duration(o, "validation_lag", t->validation_lag);
	if (t->has_rdpr)
		add_percentage(o, "rdpr", t->rdpr);
	if (t->has_gbr)
		add_percentage(o, "gbr", t->gbr);
	if (t->has_tempo_ratio)
		cJSON_AddNumberToObject(o, "tempo_ratio", t->tempo_ratio);
	return o;
}

cJSON *policy_to_json(const struct policy *p)
{
	cJSON *o = cJSON_CreateObject();
	json_add_str(o, "name", p->name);
	cJSON *applies = cJSON_AddObjectToObject(o, "applies_to");
	if (p->impacts)
		add_mask(applies, "impact", p->impacts, &impact_names);
	if (p->categories)
		add_mask(applies, "io_categories", p->categories, &io_category_names);
	if (p->services.n) {
		cJSON *arr = cJSON_AddArrayToObject(applies, "services");
		for (size_t i = 0; i < p->services.n; i++)
			cJSON_AddItemToArray(arr, cJSON_CreateString(p->services.items[i]));
	}
	cJSON *gates = cJSON_AddArrayToObject(o, "gates");
	for (size_t i = 0; i < p->n_gates; i++)
		cJSON_AddItemToArray(gates, gate_to_json(&p->gates[i]));
	cJSON_AddItemToObject(o, "thresholds", thresholds_to_json(&p->thresholds));
	cJSON *bypass = cJSON_AddObjectToObject(o, "bypass");
	add_mask(bypass, "roles", p->bypass_roles, &role_names);
	cJSON_AddBoolToObject(bypass, "reason_required", 1);
	add_duration(bypass, "max_expiry", p->bypass_max_expiry);
	return o;
}
