/* Unit tests for core/incident (validation of outcomes, link and link-window requests, the
 * JSON codecs) and core/deploy_event (generic and GitHub deployment_status payloads). */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "deploy_event.h"
#include "err.h"
#include "incident.h"
#include "json.h"
#include "rtime.h"
#include "test_util.h"

#define USEC INT64_C(1000000)
/* 2026-12-03T17:55:27Z */
#define NOW (INT64_C(1796320527) * USEC)
#define SKEW (300 * USEC)

static cJSON *parse(const char *text)
{
	struct err err;
	err_init(&err);
	cJSON *body = NULL;
	if (json_parse(text, strlen(text), &body, &err) != 0) {
		print_error("json_parse(%s) failed: %s\n", text, err.message);
		fail();
	}
	return body;
}

static int incident_from(const char *text, struct incident *inc, struct err *err)
{
	cJSON *body = parse(text);
	incident_init(inc);
	err_init(err);
	int rc = incident_from_json(body, NOW, SKEW, inc, err);
	cJSON_Delete(body);
	return rc;
}

/* The details' fields, sorted and joined by ','. */
static void assert_fields(const struct err *err, const char *expected)
{
	char fields[ERR_MAX_DETAILS][96];
	int n = err->n_details;
	for (int i = 0; i < n; i++)
		snprintf(fields[i], sizeof(fields[i]), "%s", err->details[i].field);
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(fields[j - 1], fields[j]) > 0; j--) {
			char tmp[96];
			memcpy(tmp, fields[j], sizeof(tmp));
			memcpy(fields[j], fields[j - 1], sizeof(tmp));
			memcpy(fields[j - 1], tmp, sizeof(tmp));
		}
	struct buf joined;
	buf_init(&joined, 0);
	buf_append(&joined, "", 0);
	for (int i = 0; i < n; i++)
		buf_printf(&joined, "%s%s", i ? "," : "", fields[i]);
	assert_string_equal(joined.data, expected);
	buf_release(&joined);
}

static void assert_one_detail(const struct err *err, const char *field, const char *message)
{
	assert_int_equal(err->code, ERR_INVALID);
	assert_int_equal(err->n_details, 1);
	assert_string_equal(err->details[0].field, field);
	assert_string_equal(err->details[0].message, message);
}

static void test_full_body_fills_the_incident(void **state)
{
	(void)state;
	struct incident inc;
	struct err err;
	assert_int_equal(incident_from("{\"kind\":\"rollback\",\"severity\":\"sev2\","
				       "\"service\":\"checkout\",\"external_key\":\"#1234\","
				       "\"title\":\"Rolled back\","
				       "\"occurred_at\":\"2026-12-01T15:10:00+01:00\","
				       "\"detected_at\":\"2026-12-01T14:20:00Z\","
				       "\"resolved_at\":\"2026-12-01T15:00:00Z\","
				       "\"source\":\"rule:git@3\"}",
				       &inc, &err),
			 0);
	assert_int_equal(inc.kind, BACKTEST_ROLLBACK);
	assert_int_equal(inc.severity, 2);
	assert_string_equal(inc.service, "checkout");
	assert_string_equal(inc.external_key, "#1234");
	assert_string_equal(inc.title, "Rolled back");
	char buf[RTIME_BUFSZ];
	assert_string_equal(rtime_format(inc.occurred_at, buf), "2026-12-01T14:10:00.000000Z");
	assert_string_equal(inc.source, "rule:git@3");
	incident_release(&inc);
}

static void test_optional_fields_default_to_none_and_manual(void **state)
{
	(void)state;
	struct incident inc;
	struct err err;
	assert_int_equal(incident_from("{\"kind\":\"near_miss\",\"severity\":null,"
				       "\"service\":\"a\",\"title\":\"t\","
				       "\"occurred_at\":\"2026-12-01T00:00:00Z\"}",
				       &inc, &err),
			 0);
	assert_int_equal(inc.severity, 0);
	assert_null(inc.external_key);
	assert_int_equal(inc.detected_at, RTIME_NONE);
	assert_int_equal(inc.resolved_at, RTIME_NONE);
	assert_string_equal(inc.source, "manual");
	incident_release(&inc);
}

static void test_naive_time_is_a_detail_on_its_field(void **state)
{
	(void)state;
	struct incident inc;
	struct err err;
	assert_int_equal(incident_from("{\"kind\":\"incident\",\"service\":\"a\",\"title\":\"t\","
				       "\"occurred_at\":\"2026-12-01T00:00:00\"}",
				       &inc, &err),
			 -1);
	assert_int_equal(err.n_details, 1);
	assert_string_equal(err.details[0].field, "occurred_at");
	assert_non_null(strstr(err.details[0].message, "naive"));
	incident_release(&inc);
}

static void test_resolved_and_detected_before_occurred_are_refused(void **state)
{
	(void)state;
	struct incident inc;
	struct err err;
	assert_int_equal(incident_from("{\"kind\":\"incident\",\"service\":\"a\",\"title\":\"t\","
				       "\"occurred_at\":\"2026-12-01T10:00:00Z\","
				       "\"detected_at\":\"2026-12-01T09:59:59Z\","
				       "\"resolved_at\":\"2026-12-01T09:00:00Z\"}",
				       &inc, &err),
			 -1);
	assert_fields(&err, "detected_at,resolved_at");
	assert_string_equal(err.details[0].message, "is before occurred_at");
	incident_release(&inc);
}

static void test_times_equal_to_occurred_at_are_accepted(void **state)
{
	(void)state;
	struct incident inc;
	struct err err;
	assert_int_equal(incident_from("{\"kind\":\"incident\",\"service\":\"a\",\"title\":\"t\","
				       "\"occurred_at\":\"2026-12-01T10:00:00Z\","
				       "\"detected_at\":\"2026-12-01T10:00:00Z\","
				       "\"resolved_at\":\"2026-12-01T10:00:00Z\"}",
				       &inc, &err),
			 0);
	incident_release(&inc);
}

static void test_occurred_at_beyond_the_skew_is_refused_and_within_it_accepted(void **state)
{
	(void)state;
	struct incident inc;
	struct err err;
	/* NOW + 301 s */
	assert_int_equal(incident_from("{\"kind\":\"incident\",\"service\":\"a\",\"title\":\"t\","
				       "\"occurred_at\":\"2026-12-03T18:00:28Z\"}",
				       &inc, &err),
			 -1);
	assert_one_detail(&err, "occurred_at", "lies in the future beyond the allowed clock skew");
	incident_release(&inc);
	/* NOW + 300 s */
	assert_int_equal(incident_from("{\"kind\":\"incident\",\"service\":\"a\",\"title\":\"t\","
				       "\"occurred_at\":\"2026-12-03T18:00:27Z\"}",
				       &inc, &err),
			 0);
	incident_release(&inc);
}

static void test_every_problem_is_reported_at_once(void **state)
{
	(void)state;
	struct incident inc;
	struct err err;
	assert_int_equal(incident_from("{\"kind\":\"outage\",\"severity\":\"p1\","
				       "\"service\":\"Checkout\",\"external_key\":\"has space\","
				       "\"source\":\"cron\",\"occurred_at\":42,\"extra\":true}",
				       &inc, &err),
			 -1);
	assert_fields(&err, "external_key,extra,kind,occurred_at,service,severity,source,title");
	incident_release(&inc);
}

static void test_unknown_kind_lists_the_three_kinds(void **state)
{
	(void)state;
	struct incident inc;
	struct err err;
	assert_int_equal(incident_from("{\"kind\":\"outage\",\"service\":\"a\",\"title\":\"t\","
				       "\"occurred_at\":\"2026-12-01T00:00:00Z\"}",
				       &inc, &err),
			 -1);
	assert_one_detail(
		&err, "kind",
		"unknown value \"outage\"; expected one of: incident, rollback, near_miss");
	incident_release(&inc);
}

static void test_incident_json_has_every_field_and_the_links(void **state)
{
	(void)state;
	struct incident inc;
	incident_init(&inc);
	inc.id = 7;
	inc.kind = BACKTEST_NEAR_MISS;
	inc.severity = 4;
	inc.service = xstrdup("a");
	inc.title = xstrdup("t");
	inc.occurred_at = NOW;
	inc.source = xstrdup("manual");
	inc.created_at = NOW;
	inc.created_by = xstrdup("alice");
	struct incident_link l;
	incident_link_init(&l);
	l.id = 3;
	l.incident_id = 7;
	l.change_id = 9;
	l.change_service = xstrdup("a");
	l.change_key = xstrdup("k");
	l.how = BACKTEST_WINDOW;
	l.rule = xstrdup("link-window");
	l.rule_version = 1;
	l.params = xstrdup("{\"horizon\": \"14d\"}");
	l.created_at = NOW;
	l.created_by = xstrdup("bob");
	cJSON *o = incident_to_json(&inc, &l, 1, 1);
	char *s = json_print(o);
	assert_string_equal(
		s, "{\"id\":7,\"kind\":\"near_miss\",\"severity\":\"sev4\",\"service\":\"a\","
		   "\"external_key\":null,\"title\":\"t\","
		   "\"occurred_at\":\"2026-12-03T17:55:27.000000Z\",\"detected_at\":null,"
		   "\"resolved_at\":null,\"source\":\"manual\","
		   "\"created_at\":\"2026-12-03T17:55:27.000000Z\",\"created_by\":\"alice\","
		   "\"links\":[{\"id\":3,\"incident_id\":7,\"change_id\":9,\"change\":\"a:k\","
		   "\"how\":\"window\",\"rule\":\"link-window\",\"rule_version\":1,"
		   "\"params\":{\"horizon\":\"14d\"},"
		   "\"created_at\":\"2026-12-03T17:55:27.000000Z\",\"created_by\":\"bob\"}]}");
	free(s);
	cJSON_Delete(o);
	o = incident_to_json(&inc, NULL, 0, 0);
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "links"));
	cJSON_Delete(o);
	incident_link_release(&l);
	incident_release(&inc);
}

static void test_links_by_hand_are_explicit_only(void **state)
{
	(void)state;
	struct err err;
	const char *change;
	cJSON *body = parse("{\"change\":\"a:k\"}");
	err_init(&err);
	assert_int_equal(incident_link_from_json(body, &change, &err), 0);
	assert_string_equal(change, "a:k");
	cJSON_Delete(body);
	body = parse("{\"change\":\"a:k\",\"how\":\"revert\"}");
	err_init(&err);
	assert_int_equal(incident_link_from_json(body, &change, &err), -1);
	assert_string_equal(err.details[0].field, "how");
	cJSON_Delete(body);
	body = parse("{\"how\":\"explicit\",\"note\":1}");
	err_init(&err);
	assert_int_equal(incident_link_from_json(body, &change, &err), -1);
	assert_fields(&err, "change,note");
	cJSON_Delete(body);
}

static void test_window_request_reads_horizon_service_and_kinds(void **state)
{
	(void)state;
	struct err err;
	struct incident_window w;
	cJSON *body = parse("{\"horizon\":\"2w\",\"service\":\"a\",\"kinds\":[\"rollback\"]}");
	err_init(&err);
	assert_int_equal(incident_window_from_json(body, &w, &err), 0);
	assert_int_equal(w.horizon, 14 * 86400);
	assert_string_equal(w.horizon_text, "2w");
	assert_string_equal(w.service, "a");
	assert_int_equal(w.kinds, 1u << BACKTEST_ROLLBACK);
	cJSON_Delete(body);
	body = parse("{\"horizon\":\"14d\"}");
	err_init(&err);
	assert_int_equal(incident_window_from_json(body, &w, &err), 0);
	assert_int_equal(w.kinds, 7u);
	assert_null(w.service);
	cJSON_Delete(body);
	body = parse("{\"horizon\":\"3651d\",\"service\":\"A B\",\"kinds\":[\"x\"]}");
	err_init(&err);
	assert_int_equal(incident_window_from_json(body, &w, &err), -1);
	assert_fields(&err, "horizon,kinds,service");
	cJSON_Delete(body);
	body = parse("{\"horizon\":\"14\"}");
	err_init(&err);
	assert_int_equal(incident_window_from_json(body, &w, &err), -1);
	assert_fields(&err, "horizon");
	cJSON_Delete(body);
}

/* ---- deploy events ----------------------------------------------------------------------- */

static int event_from(const char *text, const struct deploy_event_query *q, struct deploy_event *ev,
		      struct err *err)
{
	static const struct deploy_event_query none = {0};
	cJSON *body = parse(text);
	deploy_event_init(ev);
	err_init(err);
	int rc = deploy_event_from_json(body, q ? q : &none, NOW, SKEW, ev, err);
	cJSON_Delete(body);
	return rc;
}

#define SHA "0123456789ABCDEF0123456789abcdef01234567"
#define SHA_LOWER "0123456789abcdef0123456789abcdef01234567"

static void test_generic_event_by_key_defaults_at_and_impact(void **state)
{
	(void)state;
	struct deploy_event ev;
	struct err err;
	assert_int_equal(event_from("{\"service\":\"web\",\"key\":\"v1\",\"status\":\"success\","
				    "\"environment\":\"prod\"}",
				    NULL, &ev, &err),
			 0);
	assert_int_equal(ev.format, DEPLOY_EVENT_GENERIC);
	assert_string_equal(ev.key, "v1");
	assert_null(ev.commit);
	assert_int_equal(ev.at, NOW);
	assert_int_equal(ev.impact, IMPACT_MEDIUM);
	assert_false(ev.refuse_if_blocked);
	assert_true(deploy_event_succeeded(&ev));
	deploy_event_release(&ev);
}

static void test_generic_event_by_commit_lowercases_the_hash(void **state)
{
	(void)state;
	struct deploy_event ev;
	struct err err;
	assert_int_equal(
		event_from("{\"service\":\"web\",\"commit\":\"" SHA "\","
			   "\"status\":\"failure\",\"at\":\"2026-12-01T00:00:00Z\","
			   "\"impact\":\"high\",\"title\":\"v2\",\"refuse_if_blocked\":true}",
			   NULL, &ev, &err),
		0);
	assert_string_equal(ev.key, SHA_LOWER);
	assert_string_equal(ev.commit, SHA_LOWER);
	assert_int_equal(ev.impact, IMPACT_HIGH);
	assert_string_equal(ev.title, "v2");
	assert_true(ev.refuse_if_blocked);
	assert_false(deploy_event_succeeded(&ev));
	deploy_event_release(&ev);
}

static void test_generic_event_problems_are_each_reported(void **state)
{
	(void)state;
	struct deploy_event ev;
	struct err err;
	assert_int_equal(event_from("{\"service\":\"Web\",\"key\":\"k\",\"commit\":\"abc\","
				    "\"at\":\"2026-12-01T00:00:00\",\"impact\":\"x\",\"nope\":1}",
				    NULL, &ev, &err),
			 -1);
	assert_fields(&err, "at,commit,impact,nope,service,status");
	deploy_event_release(&ev);
	struct deploy_event_query q = {.service = "web"};
	assert_int_equal(event_from("{\"service\":\"web\",\"status\":\"success\"}", &q, &ev, &err),
			 -1);
	assert_fields(&err, "key,service");
	deploy_event_release(&ev);
}

static const char github_payload[] =
	"{\"action\":\"created\",\"deployment_status\":{\"state\":\"success\","
	"\"created_at\":\"2026-12-01T00:00:00Z\",\"updated_at\":\"2026-12-01T00:05:00Z\"},"
	"\"deployment\":{\"sha\":\"" SHA "\",\"environment\":\"production\",\"payload\":{}},"
	"\"repository\":{\"name\":\"My-Repo\"},\"sender\":{}}";

static void test_github_payload_is_read_by_its_paths(void **state)
{
	(void)state;
	struct deploy_event ev;
	struct err err;
	assert_int_equal(event_from(github_payload, NULL, &ev, &err), 0);
	assert_int_equal(ev.format, DEPLOY_EVENT_GITHUB);
	assert_string_equal(ev.service, "my-repo");
	assert_string_equal(ev.key, SHA_LOWER);
	assert_string_equal(ev.environment, "production");
	assert_string_equal(ev.status, "success");
	char buf[RTIME_BUFSZ];
	assert_string_equal(rtime_format(ev.at, buf), "2026-12-01T00:05:00.000000Z");
	deploy_event_release(&ev);
	struct deploy_event_query q = {
		.service = "web", .impact = "low", .refuse_if_blocked = "true"};
	assert_int_equal(event_from(github_payload, &q, &ev, &err), 0);
	assert_string_equal(ev.service, "web");
	assert_int_equal(ev.impact, IMPACT_LOW);
	assert_true(ev.refuse_if_blocked);
	cJSON *o = deploy_event_to_json(&ev);
	char *s = json_print(o);
	assert_string_equal(s, "{\"format\":\"github\",\"service\":\"web\",\"key\":\"" SHA_LOWER
			       "\",\"commit\":\"" SHA_LOWER "\",\"environment\":\"production\","
			       "\"status\":\"success\",\"at\":\"2026-12-01T00:05:00.000000Z\"}");
	free(s);
	cJSON_Delete(o);
	deploy_event_release(&ev);
}

static void test_github_payload_problems_name_their_paths(void **state)
{
	(void)state;
	struct deploy_event ev;
	struct err err;
	assert_int_equal(event_from("{\"deployment_status\":{\"state\":3},"
				    "\"deployment\":{\"sha\":\"abc\"},"
				    "\"repository\":{\"name\":\"has space\"}}",
				    NULL, &ev, &err),
			 -1);
	assert_fields(&err, "deployment.sha,deployment_status.state,deployment_status.updated_at,"
			    "repository.name");
	deploy_event_release(&ev);
	struct deploy_event_query q = {.impact = "huge", .refuse_if_blocked = "yes"};
	assert_int_equal(event_from("{\"deployment_status\":{\"state\":\"success\","
				    "\"created_at\":\"2030-01-01T00:00:00Z\"},"
				    "\"deployment\":{\"sha\":\"" SHA "\"}}",
				    &q, &ev, &err),
			 -1);
	assert_fields(&err, "deployment_status.created_at,impact,refuse_if_blocked,service");
	deploy_event_release(&ev);
}

static void test_only_objects_make_a_github_payload(void **state)
{
	(void)state;
	cJSON *body = parse("{\"deployment_status\":\"success\",\"deployment\":{}}");
	assert_false(deploy_event_is_github(body));
	cJSON_Delete(body);
	body = parse("{\"deployment_status\":{},\"deployment\":{}}");
	assert_true(deploy_event_is_github(body));
	cJSON_Delete(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_body_fills_the_incident),
		cmocka_unit_test(test_optional_fields_default_to_none_and_manual),
		cmocka_unit_test(test_naive_time_is_a_detail_on_its_field),
		cmocka_unit_test(test_resolved_and_detected_before_occurred_are_refused),
		cmocka_unit_test(test_times_equal_to_occurred_at_are_accepted),
		cmocka_unit_test(
			test_occurred_at_beyond_the_skew_is_refused_and_within_it_accepted),
		cmocka_unit_test(test_every_problem_is_reported_at_once),
		cmocka_unit_test(test_unknown_kind_lists_the_three_kinds),
		cmocka_unit_test(test_incident_json_has_every_field_and_the_links),
		cmocka_unit_test(test_links_by_hand_are_explicit_only),
		cmocka_unit_test(test_window_request_reads_horizon_service_and_kinds),
		cmocka_unit_test(test_generic_event_by_key_defaults_at_and_impact),
		cmocka_unit_test(test_generic_event_by_commit_lowercases_the_hash),
		cmocka_unit_test(test_generic_event_problems_are_each_reported),
		cmocka_unit_test(test_github_payload_is_read_by_its_paths),
		cmocka_unit_test(test_github_payload_problems_name_their_paths),
		cmocka_unit_test(test_only_objects_make_a_github_payload),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
