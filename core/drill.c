/* Rollback drills: validation of a new drill from JSON, whether a drill passed,
 * and the JSON codec. Pure; no I/O. */
#include "common.h"
#include "duration.h"
#include "err.h"
#include "gate.h"
#include "json.h"
#include "rtime.h"

/* Longest notes accepted, in bytes. */
#define DRILL_NOTES_MAX 4000
/* Longest change reference ("service:key"): a service, a colon and a key. */
#define DRILL_CHANGE_REF_MAX (63 + 1 + 200)

static const char *const drill_outcome_tab[] = {"restored", "failed", "aborted"};
const struct model_names drill_outcome_names = {
	drill_outcome_tab, (int)ARRAY_SIZE(drill_outcome_tab), "restored, failed, aborted"};

void drill_init(struct drill *d)
{
	memset(d, 0, sizeof(*d));
	d->performed_at = RTIME_NONE;
	d->rto_actual = -1;
	d->rpo_actual = -1;
	d->recorded_at = RTIME_NONE;
}

void drill_release(struct drill *d)
{
	free(d->service);
	free(d->notes);
	free(d->recorded_by);
	drill_init(d);
}

static const char *const drill_fields[] = {
	"service",    "change",	    "performed_at", "rto_target", "rpo_target",
	"rto_actual", "rpo_actual", "outcome",	    "notes",	  NULL,
};

/* Reads a duration string into *seconds. Returns 0 when absent or null (and
 * not required), 1 when read, -1 with a detail on name otherwise. */
static int get_duration(const cJSON *body, const char *name, bool required, int64_t *seconds,
			struct err *err)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(body, name);
	if (!item || cJSON_IsNull(item)) {
		if (required)
			return err_detail(err, name, 0, 0, "is required");
		return 0;
	}
	if (!cJSON_IsString(item))
		return err_detail(err, name, 0, 0,
				  "must be a duration string with units (\"90s\", \"15m\", "
				  "\"1h\")");
	struct err derr;
	err_init(&derr);
	if (duration_parse(item->valuestring, seconds, &derr) < 0)
		return err_detail(err, name, 0, 0, "%s", derr.message);
	return 1;
}

/* A change reference is a change id (digits, no leading zero) or "service:key". */
static int valid_change_ref(const char *s)
{
	size_t n = strlen(s);
	if (n > 0 && strspn(s, "0123456789") == n) {
		errno = 0;
		long long id = strtoll(s, NULL, 10);
		return s[0] != '0' && errno == 0 && id > 0;
	}
	const char *colon = strchr(s, ':');
	if (!colon || (size_t)(colon - s) > 63)
		return 0;
	char service[64];
	snprintf(service, sizeof(service), "%.*s", (int)(colon - s), s);
	return model_valid_service(service) && model_valid_key(colon + 1);
}

static void read_drill_strings(const cJSON *body, struct drill *d, const char **change_ref,
			       struct err *err)
{
	const char *service = NULL, *change = NULL, *notes = NULL;
	if (json_get_string(body, "service", true, 63, &service, err) == 1 &&
	    !model_valid_service(service)) {
		err_detail(err, "service", 0, 0,
			   "must match [a-z0-9][a-z0-9._-]{0,62} (lowercase, no spaces)");
		service = NULL;
	}
	if (json_get_string(body, "change", false, DRILL_CHANGE_REF_MAX, &change, err) == 1 &&
	    !valid_change_ref(change)) {
		err_detail(err, "change", 0, 0, "must be a change id or \"service:key\"");
		change = NULL;
	}
	json_get_string(body, "notes", false, DRILL_NOTES_MAX, &notes, err);
	if (service)
		d->service = xstrdup(service);
	if (notes)
		d->notes = xstrdup(notes);
	*change_ref = change;
}

int drill_from_json(const cJSON *body, int64_t now, int64_t max_skew, struct drill *d,
		    const char **change_ref, struct err *err)
{
	*change_ref = NULL;
	if (!cJSON_IsObject(body)) {
		err_set(err, ERR_INVALID, "body must be a JSON object");
		return err_detail(err, "body", 0, 0, "must be a JSON object");
	}
	json_check_fields(body, drill_fields, err);
	read_drill_strings(body, d, change_ref, err);
	if (json_get_time(body, "performed_at", true, &d->performed_at, err) == 1 &&
	    d->performed_at > now + max_skew)
		err_detail(err, "performed_at", 0, 0,
			   "lies in the future beyond the allowed clock skew");
	get_duration(body, "rto_target", true, &d->rto_target, err);
	get_duration(body, "rpo_target", true, &d->rpo_target, err);
	/* null or absent: not measured, which never passes */
	get_duration(body, "rto_actual", false, &d->rto_actual, err);
	get_duration(body, "rpo_actual", false, &d->rpo_actual, err);
	int outcome = DRILL_RESTORED;
	json_get_enum(body, "outcome", true, &drill_outcome_names, &outcome, err);
	d->outcome = (enum drill_outcome)outcome;
	return err_is_set(err) ? -1 : 0;
}

int drill_passed(const struct drill *d, const char **reason)
{
	const char *why = NULL;
	if (d->outcome == DRILL_ABORTED)
		why = "aborted";
	else if (d->outcome != DRILL_RESTORED)
		why = "failed";
	else if (d->rto_actual < 0 || d->rpo_actual < 0)
		why = "unmeasured";
	else if (d->rto_actual > d->rto_target)
		why = "RTO missed";
	else if (d->rpo_actual > d->rpo_target)
		why = "RPO missed";
	if (reason)
		*reason = why;
	return why == NULL;
}

/* A duration in seconds as a string; negative (unmeasured) as null. */
static void add_duration(cJSON *o, const char *name, int64_t seconds)
{
	char buf[DURATION_BUFSZ];
	if (seconds < 0)
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddStringToObject(o, name, duration_format(seconds, buf));
}

cJSON *drill_to_json(const struct drill *d)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)d->id);
	json_add_str(o, "service", d->service);
	if (d->change_id > 0)
		cJSON_AddNumberToObject(o, "change_id", (double)d->change_id);
	else
		cJSON_AddNullToObject(o, "change_id");
	json_add_time(o, "performed_at", d->performed_at);
	add_duration(o, "rto_target", d->rto_target);
	add_duration(o, "rpo_target", d->rpo_target);
	add_duration(o, "rto_actual", d->rto_actual);
	add_duration(o, "rpo_actual", d->rpo_actual);
	json_add_str(o, "outcome", model_name(&drill_outcome_names, (int)d->outcome));
	json_add_str(o, "notes", d->notes);
	const char *reason = NULL;
	cJSON_AddBoolToObject(o, "passed", drill_passed(d, &reason));
	json_add_str(o, "reason", reason);
	json_add_time(o, "recorded_at", d->recorded_at);
	json_add_str(o, "recorded_by", d->recorded_by);
	return o;
}
