/* Every way a new version of a policy is weaker than the old one, one line
 * each (a weaker version is itself an Evaluation IO: DESIGN.md), and the gate
 * kinds' own comparisons that gate_kinds[] points at. Stronger or neutral
 * changes (a gate added, a max_lag added, applies_to widened, a threshold
 * tightened or added, window changed) add nothing. */
#include "common.h"

#include "duration.h"
#include "gate_kinds.h"
#include "policy.h"

static void add_line(struct strlist *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_line(struct strlist *out, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	strlist_push(out, line);
}

/* The names of the bits of mask, in enum order, joined by ", ". */
static const char *names_of(unsigned mask, const struct model_names *names, char *out, size_t size)
{
	size_t o = 0;
	out[0] = '\0';
	for (int i = 0; i < names->count && o < size; i++)
		if (mask & (1u << i))
			o += (size_t)snprintf(out + o, size - o, "%s%s", o ? ", " : "",
					      names->names[i]);
	return out;
}

/* Role bits added from old to new; admin may always approve and bypass, so
 * listing it widens nothing. */
static unsigned roles_added(unsigned old_roles, unsigned new_roles)
{
	return new_roles & ~old_roles & ~(1u << ROLE_ADMIN);
}

/* A duration as policies are usually written: whole hours below a week
 * ("72h"), whole days from a week on ("14d"), else duration_format's form. */
static const char *human_duration(int64_t seconds, char *out)
{
	if (seconds > 0 && seconds < 7 * 86400 && seconds % 3600 == 0)
		snprintf(out, DURATION_BUFSZ, "%" PRId64 "h", seconds / 3600);
	else if (seconds >= 7 * 86400 && seconds % 86400 == 0)
		snprintf(out, DURATION_BUFSZ, "%" PRId64 "d", seconds / 86400);
	else
		duration_format(seconds, out);
	return out;
}

/* "<what> raised from A to B" for a duration that grew. */
static void duration_grew(const char *id, const char *what, const char *verb, int64_t old_v,
			  int64_t new_v, struct strlist *out)
{
	char a[DURATION_BUFSZ], b[DURATION_BUFSZ];
	if (old_v >= 0 && new_v > old_v)
		add_line(out, "gate %s: %s %s from %s to %s", id, what, verb,
			 human_duration(old_v, a), human_duration(new_v, b));
}

void gate_weaker_evaluation(const struct gate_def *old_g, const struct gate_def *new_g,
			    struct strlist *out)
{
	char a[DURATION_BUFSZ];
	if (old_g->max_lag >= 0 && new_g->max_lag < 0)
		add_line(out, "gate %s: max_lag removed (was %s)", old_g->id,
			 human_duration(old_g->max_lag, a));
	else
		duration_grew(old_g->id, "max_lag", "raised", old_g->max_lag, new_g->max_lag, out);
}

void gate_weaker_drill(const struct gate_def *old_g, const struct gate_def *new_g,
		       struct strlist *out)
{
	duration_grew(old_g->id, "within", "widened", old_g->within, new_g->within, out);
	duration_grew(old_g->id, "rto", "raised", old_g->rto, new_g->rto, out);
	duration_grew(old_g->id, "rpo", "raised", old_g->rpo, new_g->rpo, out);
}

void gate_weaker_approval(const struct gate_def *old_g, const struct gate_def *new_g,
			  struct strlist *out)
{
	if (new_g->approvals < old_g->approvals)
		add_line(out, "gate %s: approvals lowered from %d to %d", old_g->id,
			 old_g->approvals, new_g->approvals);
	unsigned added = roles_added(old_g->roles, new_g->roles);
	char names[128];
	if (added)
		add_line(out, "gate %s: roles widened: %s added", old_g->id,
			 names_of(added, &role_names, names, sizeof(names)));
}

void gate_weaker_coherence(const struct gate_def *old_g, const struct gate_def *new_g,
			   struct strlist *out)
{
	if (new_g->min < old_g->min)
		add_line(out, "gate %s: min lowered from %g to %g", old_g->id, old_g->min,
			 new_g->min);
	if (!old_g->allow_scope_limited && new_g->allow_scope_limited)
		add_line(out, "gate %s: allow_scope_limited turned on", old_g->id);
}

/* applies_to narrowed for one enum-valued key: a key added, or values removed. */
static void mask_narrowed(const char *key, const char *any, unsigned old_mask, unsigned new_mask,
			  const struct model_names *names, struct strlist *out)
{
	char list[256];
	if (!new_mask)
		return;
	if (!old_mask)
		add_line(out, "applies_to.%s narrowed: was any %s, now only %s", key, any,
			 names_of(new_mask, names, list, sizeof(list)));
	else if (old_mask & ~new_mask)
		add_line(out, "applies_to.%s narrowed: %s no longer covered", key,
			 names_of(old_mask & ~new_mask, names, list, sizeof(list)));
}

static int has_service(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i], s) == 0)
			return 1;
	return 0;
}

/* Appends the items of l (those not in skip, when given), joined by ", ". */
static void join_services(const struct strlist *l, const struct strlist *skip, struct buf *b)
{
	for (size_t i = 0; i < l->n; i++)
		if (!skip || !has_service(skip, l->items[i]))
			buf_printf(b, "%s%s", b->len ? ", " : "", l->items[i]);
}

static void services_narrowed(const struct strlist *old_l, const struct strlist *new_l,
			      struct strlist *out)
{
	if (!new_l->n)
		return;
	struct buf b;
	buf_init(&b, 400);
	if (!old_l->n) {
		join_services(new_l, NULL, &b);
		add_line(out, "applies_to.services narrowed: was any service, now only %s",
			 b.data ? b.data : "");
	} else {
		join_services(old_l, new_l, &b);
		if (b.len)
			add_line(out, "applies_to.services narrowed: %s no longer covered", b.data);
	}
	buf_release(&b);
}

static void gates_weaker(const struct policy *old_p, const struct policy *new_p,
			 struct strlist *out)
{
	for (size_t i = 0; i < old_p->n_gates; i++) {
		const struct gate_def *g = &old_p->gates[i];
		const struct gate_def *ng = policy_gate(new_p, g->id);
		if (!ng) {
			add_line(out, "gate %s: dropped", g->id);
			continue;
		}
		if (ng->kind != g->kind) {
			add_line(out, "gate %s: dropped (its kind changed from %s to %s)", g->id,
				 model_name(&gate_kind_names, (int)g->kind),
				 model_name(&gate_kind_names, (int)ng->kind));
			continue;
		}
		if (g->required && !ng->required)
			add_line(out, "gate %s: made optional", g->id);
		if (g->phase == PHASE_PRE && ng->phase == PHASE_POST)
			add_line(out, "gate %s: moved from pre to post", g->id);
		if ((int)g->kind >= 0 && g->kind < GATE_KIND_COUNT)
			gate_kinds[g->kind].weaker(g, ng, out);
	}
}

static void percentage_text(double fraction, char *out, size_t size)
{
	snprintf(out, size, "%.10g%%", fraction * 100.0);
}

/* A threshold removed, or moved the loose way (higher when higher_is_looser). */
static void ratio_loosened(const char *name, int old_has, double old_v, int new_has, double new_v,
			   int higher_is_looser, int percent, struct strlist *out)
{
	char a[64], b[64];
	if (!old_has)
		return;
	if (!new_has) {
		add_line(out, "threshold %s removed", name);
		return;
	}
	if (higher_is_looser ? new_v > old_v : new_v < old_v) {
		if (percent) {
			percentage_text(old_v, a, sizeof(a));
			percentage_text(new_v, b, sizeof(b));
		} else {
			snprintf(a, sizeof(a), "%.10g", old_v);
			snprintf(b, sizeof(b), "%.10g", new_v);
		}
		add_line(out, "threshold %s loosened from %s to %s", name, a, b);
	}
}

static void thresholds_weaker(const struct policy_thresholds *o, const struct policy_thresholds *n,
			      struct strlist *out)
{
	char a[DURATION_BUFSZ], b[DURATION_BUFSZ];
	if (o->has_validation_lag && !n->has_validation_lag)
		add_line(out, "threshold validation_lag removed");
	else if (o->has_validation_lag && n->validation_lag > o->validation_lag)
		add_line(out, "threshold validation_lag loosened from %s to %s",
			 human_duration(o->validation_lag, a),
			 human_duration(n->validation_lag, b));
	ratio_loosened("rdpr", o->has_rdpr, o->rdpr, n->has_rdpr, n->rdpr, 0, 1, out);
	ratio_loosened("gbr", o->has_gbr, o->gbr, n->has_gbr, n->gbr, 1, 1, out);
	ratio_loosened("tempo_ratio", o->has_tempo_ratio, o->tempo_ratio, n->has_tempo_ratio,
		       n->tempo_ratio, 1, 0, out);
}

size_t policy_weakenings(const struct policy *old_p, const struct policy *new_p,
			 struct strlist *out)
{
	size_t before = out->n;
	mask_narrowed("impact", "impact", old_p->impacts, new_p->impacts, &impact_names, out);
	mask_narrowed("io_categories", "IO category", old_p->categories, new_p->categories,
		      &io_category_names, out);
	services_narrowed(&old_p->services, &new_p->services, out);
	gates_weaker(old_p, new_p, out);
	thresholds_weaker(&old_p->thresholds, &new_p->thresholds, out);
	unsigned added = roles_added(old_p->bypass_roles, new_p->bypass_roles);
	char names[128], a[DURATION_BUFSZ], b[DURATION_BUFSZ];
	if (added)
		add_line(out, "bypass.roles widened: %s added",
			 names_of(added, &role_names, names, sizeof(names)));
	if (new_p->bypass_max_expiry > old_p->bypass_max_expiry)
		add_line(out, "bypass.max_expiry raised from %s to %s",
			 human_duration(old_p->bypass_max_expiry, a),
			 human_duration(new_p->bypass_max_expiry, b));
	return out->n - before;
}
