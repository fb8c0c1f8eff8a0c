/* Fuzzes the outcome and deploy-event readers: json_parse, then incident_from_json,
 * incident_window_from_json, incident_link_from_json and deploy_event_from_json on the same
 * body. Invariants: a refused body says why (ERR_INVALID with a detail); an accepted incident
 * obeys incident_check and survives incident_to_json → incident_from_json unchanged; an
 * accepted deploy event names a valid service and key at a time no later than now + skew. */
#include "common.h"

#include "core.h"
#include "deploy_event.h"
#include "err.h"
#include "fuzz.h"
#include "incident.h"
#include "json.h"
#include "rtime.h"

#define NOW (INT64_C(1796320527) * 1000000)
#define SKEW (INT64_C(300) * 1000000)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	core_init();
	return 0;
}

static void check_refusal(int rc, const struct err *err)
{
	if (rc < 0)
		FUZZ_CHECK(err->code == ERR_INVALID && err->n_details > 0 && err->message[0]);
	else
		FUZZ_CHECK(err->code == ERR_NONE);
}

/* The accepted incident's JSON, without what the store adds, reads back to the same JSON. */
static void check_round_trip(const struct incident *inc)
{
	cJSON *o = incident_to_json(inc, NULL, 0, 0);
	cJSON_DeleteItemFromObjectCaseSensitive(o, "id");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "created_at");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "created_by");
	char *first = json_print(o);
	struct incident again;
	struct err err;
	incident_init(&again);
	err_init(&err);
	if (incident_from_json(o, NOW, SKEW, &again, &err) < 0) {
		fprintf(stderr, "%s does not read back: %s\n", first, err.message);
		abort();
	}
	cJSON *o2 = incident_to_json(&again, NULL, 0, 0);
	cJSON_DeleteItemFromObjectCaseSensitive(o2, "id");
	cJSON_DeleteItemFromObjectCaseSensitive(o2, "created_at");
	cJSON_DeleteItemFromObjectCaseSensitive(o2, "created_by");
	char *second = json_print(o2);
	FUZZ_CHECK(strcmp(first, second) == 0);
	free(first);
	free(second);
	cJSON_Delete(o);
	cJSON_Delete(o2);
	incident_release(&again);
}

static void fuzz_incident(const cJSON *body)
{
	struct incident inc;
	struct err err;
	incident_init(&inc);
	err_init(&err);
	int rc = incident_from_json(body, NOW, SKEW, &inc, &err);
	check_refusal(rc, &err);
	if (rc == 0) {
		struct err check;
		err_init(&check);
		FUZZ_CHECK(incident_check(&inc, NOW, SKEW, &check) == 0);
		FUZZ_CHECK(inc.service && inc.title && inc.source && inc.occurred_at != RTIME_NONE);
		FUZZ_CHECK(inc.detected_at == RTIME_NONE || inc.detected_at >= inc.occurred_at);
		FUZZ_CHECK(inc.resolved_at == RTIME_NONE || inc.resolved_at >= inc.occurred_at);
		check_round_trip(&inc);
	}
	incident_release(&inc);
}

static void fuzz_requests(const cJSON *body)
{
	struct incident_window w;
	struct err err;
	err_init(&err);
	int rc = incident_window_from_json(body, &w, &err);
	check_refusal(rc, &err);
	if (rc == 0)
		FUZZ_CHECK(w.horizon > 0 && w.horizon <= BACKTEST_MAX_HORIZON && w.kinds != 0 &&
			   w.kinds < (1u << BACKTEST_KIND_COUNT));
	const char *change = NULL;
	err_init(&err);
	rc = incident_link_from_json(body, &change, &err);
	check_refusal(rc, &err);
	if (rc == 0)
		FUZZ_CHECK(change && change[0]);
}

static void fuzz_deploy_event(const cJSON *body)
{
	static const struct deploy_event_query none = {0};
	struct deploy_event ev;
	struct err err;
	deploy_event_init(&ev);
	err_init(&err);
	int rc = deploy_event_from_json(body, &none, NOW, SKEW, &ev, &err);
	check_refusal(rc, &err);
	if (rc == 0) {
		FUZZ_CHECK(ev.service && model_valid_service(ev.service));
		FUZZ_CHECK(ev.key && model_valid_key(ev.key) && ev.status);
		FUZZ_CHECK(ev.at != RTIME_NONE && ev.at <= NOW + SKEW);
		cJSON_Delete(deploy_event_to_json(&ev));
	}
	deploy_event_release(&ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *body = NULL;
	struct err err;
	err_init(&err);
	if (json_parse((const char *)data, size, &body, &err) < 0)
		return 0;
	fuzz_incident(body);
	fuzz_requests(body);
	fuzz_deploy_event(body);
	cJSON_Delete(body);
	return 0;
}
