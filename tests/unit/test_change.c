/* Unit tests for core/change: validation of a new change from JSON, the state
 * decision, the JSON codec, and amendments (the values in force and requests). */
#include "common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "change.h"
#include "err.h"
#include "io.h"
#include "json.h"
#include "rtime.h"
#include "test_util.h"

#define USEC INT64_C(1000000)
/* 2026-12-03T17:55:27Z (date -u -d ... +%s) */
#define NOW (INT64_C(1796320527) * USEC)
#define SKEW (300 * USEC)
/* 2026-12-10T07:00:00Z */
#define DEC10_0700 (INT64_C(1796886000) * USEC)

/* Parses text (which must be valid JSON) and runs change_from_json on it;
 * returns its result. c is initialised here; the caller releases it. */
static int from_json(const char *text, struct change *c, struct err *err)
{
	struct err perr;
	err_init(&perr);
	cJSON *body = NULL;
	if (json_parse(text, strlen(text), &body, &perr) != 0) {
		print_error("json_parse(%s) failed: %s\n", text, perr.message);
		fail();
	}
	err_init(err);
	change_init(c);
	int rc = change_from_json(body, NOW, SKEW, c, err);
	cJSON_Delete(body);
	return rc;
}

static int amend_from_json(const char *text, cJSON **body, struct amendment_input *in,
			   struct err *err)
{
	struct err perr;
	err_init(&perr);
	if (json_parse(text, strlen(text), body, &perr) != 0) {
		print_error("json_parse(%s) failed: %s\n", text, perr.message);
		fail();
	}
	err_init(err);
	return amendment_from_json(*body, NOW, SKEW, in, err);
}

/* Checks that err holds exactly one detail, on field, with message. */
static void assert_one_detail(const struct err *err, const char *field, const char *message)
{
	assert_int_equal(err->code, ERR_INVALID);
	assert_int_equal(err->n_details, 1);
	assert_string_equal(err->details[0].field, field);
	assert_string_equal(err->details[0].message, message);
}

/* Checks that member name of obj prints exactly as expected. */
static void assert_member(const cJSON *obj, const char *name, const char *expected)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!item) {
		print_error("member \"%s\" is missing\n", name);
		fail();
	}
	char *s = json_print(item);
	if (strcmp(s, expected) != 0) {
		print_error("member \"%s\" is %s, expected %s\n", name, s, expected);
		free(s);
		fail();
	}
	free(s);
}

/* Checks that obj's member names, in order and joined by ',', are expected. */
static void assert_member_names(const cJSON *obj, const char *expected)
{
	char names[1024] = "";
	size_t n = 0;
	for (const cJSON *c = obj->child; c; c = c->next)
		n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", n ? "," : "",
				      c->string);
	assert_string_equal(names, expected);
}

static const char full_body[] =
	"{\"key\":\"PR-1234\",\"title\":\"Rotate the signing key\",\"service\":\"api-gateway\","
	"\"impact\":\"high\",\"planned_for\":\"2026-12-10T09:00:00+02:00\",\"author\":\"alice\","
	"\"links\":[\"https://ci.example/1\",\"https://ci.example/2\"],\"refs\":[\"#1234\"],"
	"\"boundary\":{\"models\": [\"m1\"], \"max_lag\": 3}}";

static void test_full_body_fills_every_field(void **state)
{
	(void)state;
	struct change c;
	struct err err;
	assert_int_equal(from_json(full_body, &c, &err), 0);
	assert_int_equal(err.code, ERR_NONE);
	assert_int_equal(err.n_details, 0);
	assert_int_equal(c.id, 0);
	assert_string_equal(c.key, "PR-1234");
	assert_string_equal(c.title, "Rotate the signing key");
	assert_string_equal(c.service, "api-gateway");
	assert_int_equal(c.impact, IMPACT_HIGH);
	assert_int_equal(c.state, CHANGE_PLANNED);
	/* 09:00 at +02:00 is 07:00Z */
	assert_int_equal(c.planned_for, DEC10_0700);
	assert_int_equal(c.effective_at, RTIME_NONE);
	assert_string_equal(c.author, "alice");
	assert_int_equal(c.links.n, 2);
	assert_string_equal(c.links.items[0], "https://ci.example/1");
	assert_string_equal(c.links.items[1], "https://ci.example/2");
	assert_int_equal(c.refs.n, 1);
	assert_string_equal(c.refs.items[0], "#1234");
	assert_string_equal(c.boundary, "{\"models\":[\"m1\"],\"max_lag\":3}");
	assert_int_equal(c.review, REVIEW_UNREVIEWED);
	assert_null(c.shipped_while_blocked);
	assert_int_equal(c.created_at, RTIME_NONE);
	assert_null(c.created_by);
	assert_null(c.amendments);
	assert_int_equal(c.n_amendments, 0);
	change_release(&c);
	assert_null(c.key);
	assert_int_equal(c.planned_for, RTIME_NONE);
}

static void test_minimal_body_leaves_optional_fields_empty(void **state)
{
	(void)state;
	struct change c;
	struct err err;
	assert_int_equal(from_json("{\"key\":\"k\",\"title\":\"t\",\"service\":\"s\","
				   "\"impact\":\"low\",\"author\":null}",
				   &c, &err),
			 0);
	assert_int_equal(c.impact, IMPACT_LOW);
	assert_int_equal(c.state, CHANGE_PLANNED);
	assert_int_equal(c.planned_for, RTIME_NONE);
	assert_int_equal(c.effective_at, RTIME_NONE);
	assert_null(c.author);
	assert_null(c.links.items);
	assert_int_equal(c.links.n, 0);
	assert_int_equal(c.refs.n, 0);
	assert_null(c.boundary);
	change_release(&c);
}

static void test_effective_at_makes_the_change_effective(void **state)
{
	(void)state;
	struct change c;
	struct err err;
	assert_int_equal(
		from_json("{\"key\":\"k\",\"title\":\"t\",\"service\":\"s\","
			  "\"impact\":\"medium\",\"effective_at\":\"2026-12-03T19:55:27+02:00\"}",
			  &c, &err),
		0);
	assert_int_equal(c.state, CHANGE_EFFECTIVE);
	assert_int_equal(c.effective_at, NOW);
	change_release(&c);
	assert_int_equal(from_json("{\"key\":\"k\",\"title\":\"t\",\"service\":\"s\","
				   "\"impact\":\"medium\",\"state\":\"effective\","
				   "\"effective_at\":\"2026-12-01T00:00:00Z\"}",
				   &c, &err),
			 0);
	assert_int_equal(c.state, CHANGE_EFFECTIVE);
	assert_int_equal(c.effective_at, NOW - (2 * 86400 + 64527) * USEC);
	change_release(&c);
}

static void test_state_effective_without_effective_at_is_effective_now(void **state)
{
	(void)state;
	struct change c;
	struct err err;
	assert_int_equal(from_json("{\"key\":\"k\",\"title\":\"t\",\"service\":\"s\","
				   "\"impact\":\"medium\",\"state\":\"effective\"}",
				   &c, &err),
			 0);
	assert_int_equal(c.state, CHANGE_EFFECTIVE);
	assert_int_equal(c.effective_at, NOW);
	change_release(&c);
}

static void test_state_planned_stays_planned(void **state)
{
	(void)state;
	struct change c;
	struct err err;
	assert_int_equal(from_json("{\"key\":\"k\",\"title\":\"t\",\"service\":\"s\","
				   "\"impact\":\"medium\",\"state\":\"planned\"}",
				   &c, &err),
			 0);
	assert_int_equal(c.state, CHANGE_PLANNED);
	assert_int_equal(c.effective_at, RTIME_NONE);
	change_release(&c);
}

static void test_state_planned_with_effective_at_is_an_error_on_state(void **state)
{
	(void)state;
	struct change c;
	struct err err;
	assert_int_equal(from_json("{\"key\":\"k\",\"title\":\"t\",\"service\":\"s\","
				   "\"impact\":\"medium\",\"state\":\"planned\","
				   "\"effective_at\":\"2026-12-01T00:00:00Z\"}",
				   &c, &err),
			 -1);
	assert_one_detail(&err, "state", "is \"planned\" but effective_at is set");
	assert_string_equal(err.message,
			    "invalid input: state: is \"planned\" but effective_at is set");
	change_release(&c);
}

static void test_effective_at_beyond_the_skew_is_an_error_on_effective_at(void **state)
{
	(void)state;
	struct change c;
	struct err err;
	/* NOW + 5m + 1us */
	assert_int_equal(
		from_json("{\"key\":\"k\",\"title\":\"t\",\"service\":\"s\","
			  "\"impact\":\"medium\",\"effective_at\":\"2026-12-03T18:00:27.000001Z\"}",
			  &c, &err),
		-1);
	assert_one_detail(&err, "effective_at", "lies in the future beyond the allowed clock skew");
	change_release(&c);
	/* exactly NOW + 5m is within the bound */
	assert_int_equal(
		from_json("{\"key\":\"k\",\"title\":\"t\",\"service\":\"s\","
			  "\"impact\":\"medium\",\"effective_at\":\"2026-12-03T18:00:27Z\"}",
			  &c, &err),
		0);
	assert_int_equal(c.effective_at, NOW + SKEW);
	assert_int_equal(c.state, CHANGE_EFFECTIVE);
	change_release(&c);
}

static void test_planned_for_may_lie_far_in_the_future(void **state)
{
	(void)state;
	struct change c;
	struct err err;
	assert_int_equal(
		from_json("{\"key\":\"k\",\"title\":\"t\",\"service\":\"s\","
			  "\"impact\":\"medium\",\"planned_for\":\"2030-01-01T00:00:00Z\"}",
			  &c, &err),
		0);
	assert_int_equal(c.planned_for, INT64_C(1893456000) * USEC);
	assert_int_equal(c.state, CHANGE_PLANNED);
	change_release(&c);
}

static void test_missing_required_fields_are_each_reported(void **state)
{
	(void)state;
	struct change c;
	struct err err;
	assert_int_equal(from_json("{\"author\":\"alice\"}", &c, &err), -1);
	assert_int_equal(err.code, ERR_INVALID);
	assert_string_equal(err.message, "invalid input: key: is required");
	assert_int_equal(err.n_details, 4);
	static const char *const fields[] = {"key", "title", "service", "impact"};
	for (int i = 0; i < 4; i++) {
		assert_string_equal(err.details[i].field, fields[i]);
		assert_string_equal(err.details[i].message, "is required");
	}
	change_release(&c);
}

static void test_wrong_types_for_links_refs_and_boundary_are_reported(void **state)
{
	(void)state;
	struct change c;
	struct err err;
	assert_int_equal(from_json("{\"key\":\"k\",\"title\":\"t\",\"service\":\"s\","
				   "\"impact\":\"low\",\"links\":\"https://x\",\"refs\":[1],"
				   "\"boundary\":[\"m1\"]}",
				   &c, &err),
			 -1);
	assert_int_equal(err.n_details, 3);
	assert_string_equal(err.details[0].field, "links");
	assert_string_equal(err.details[0].message, "must be an array of strings");
	assert_string_equal(err.details[1].field, "refs");
	assert_string_equal(err.details[1].message, "item 0 must be a non-empty string");
	assert_string_equal(err.details[2].field, "boundary");
	assert_string_equal(err.details[2].message, "must be an object");
	assert_int_equal(c.links.n, 0);
	assert_int_equal(c.refs.n, 0);
	assert_null(c.boundary);
	change_release(&c);
}

static void test_invalid_key_service_impact_and_state_values_are_reported(void **state)
{
	(void)state;
	struct change c;
	struct err err;
	assert_int_equal(from_json("{\"key\":\"PR 1\",\"title\":\"t\",\"service\":\"Api\","
				   "\"impact\":\"huge\",\"state\":\"done\",\"colour\":\"red\"}",
				   &c, &err),
			 -1);
	assert_int_equal(err.n_details, 5);
	assert_string_equal(err.details[0].field, "colour");
	assert_string_equal(err.details[0].message, "unknown field");
	assert_string_equal(err.details[1].field, "key");
	assert_string_equal(err.details[1].message,
			    "must be 1 to 200 printable characters without spaces");
	assert_string_equal(err.details[2].field, "service");
	assert_string_equal(err.details[2].message,
			    "must match [a-z0-9][a-z0-9._-]{0,62} (lowercase, no spaces)");
	assert_string_equal(err.details[3].field, "impact");
	assert_string_equal(err.details[3].message,
			    "unknown value \"huge\"; expected one of: low, medium, high");
	assert_string_equal(err.details[4].field, "state");
	assert_string_equal(err.details[4].message,
			    "unknown value \"done\"; expected one of: planned, effective");
	change_release(&c);
}

static void test_service_of_64_bytes_and_key_of_201_bytes_are_too_long(void **state)
{
	(void)state;
	char body[1024];
	char service[65], key[202];
	memset(service, 's', 64);
	service[64] = '\0';
	memset(key, 'k', 201);
	key[201] = '\0';
	snprintf(body, sizeof(body),
		 "{\"key\":\"%s\",\"title\":\"t\",\"service\":\"%s\",\"impact\":\"low\"}", key,
		 service);
	struct change c;
	struct err err;
	assert_int_equal(from_json(body, &c, &err), -1);
	assert_int_equal(err.n_details, 2);
	assert_string_equal(err.details[0].field, "key");
	assert_string_equal(err.details[0].message, "is longer than 200 bytes");
	assert_string_equal(err.details[1].field, "service");
	assert_string_equal(err.details[1].message, "is longer than 63 bytes");
	change_release(&c);
	/* one byte shorter each is accepted */
	service[63] = '\0';
	key[200] = '\0';
	snprintf(body, sizeof(body),
		 "{\"key\":\"%s\",\"title\":\"t\",\"service\":\"%s\",\"impact\":\"low\"}", key,
		 service);
	assert_int_equal(from_json(body, &c, &err), 0);
	assert_int_equal(strlen(c.key), 200);
	assert_int_equal(strlen(c.service), 63);
	change_release(&c);
}

static void test_body_that_is_not_an_object_is_rejected(void **state)
{
	(void)state;
	struct change c;
	struct err err;
	assert_int_equal(from_json("[]", &c, &err), -1);
	assert_string_equal(err.message, "body must be a JSON object");
	assert_one_detail(&err, "body", "must be a JSON object");
	change_release(&c);
}

static void test_round_trip_prints_every_field_exactly(void **state)
{
	(void)state;
	struct change c;
	struct err err;
	assert_int_equal(from_json(full_body, &c, &err), 0);
	c.id = 17;
	c.created_at = NOW + 123456;
	c.created_by = xstrdup("pipeline@ci");
	cJSON *o = change_to_json(&c, NULL, 0, 0);
	assert_member_names(o, "id,key,title,service,impact,state,planned_for,effective_at,author,"
			       "links,refs,boundary,paths,review,shipped_while_blocked,created_at,"
			       "created_by,current,amendments");
	assert_member(o, "id", "17");
	assert_member(o, "key", "\"PR-1234\"");
	assert_member(o, "title", "\"Rotate the signing key\"");
	assert_member(o, "service", "\"api-gateway\"");
	assert_member(o, "impact", "\"high\"");
	assert_member(o, "state", "\"planned\"");
	assert_member(o, "planned_for", "\"2026-12-10T07:00:00.000000Z\"");
	assert_member(o, "effective_at", "null");
	assert_member(o, "author", "\"alice\"");
	assert_member(o, "links", "[\"https://ci.example/1\",\"https://ci.example/2\"]");
	assert_member(o, "refs", "[\"#1234\"]");
	assert_member(o, "boundary", "{\"models\":[\"m1\"],\"max_lag\":3}");
	assert_member(o, "paths", "[]");
	assert_member(o, "review", "\"unreviewed\"");
	assert_member(o, "shipped_while_blocked", "null");
	assert_member(o, "created_at", "\"2026-12-03T17:55:27.123456Z\"");
	assert_member(o, "created_by", "\"pipeline@ci\"");
	assert_member(o, "current", "{\"effective_at\":null,\"impact\":\"high\"}");
	assert_member(o, "amendments", "[]");
	cJSON_Delete(o);
	change_release(&c);
}

static void test_to_json_of_a_minimal_change_writes_nulls_and_empty_values(void **state)
{
	(void)state;
	struct change c;
	change_init(&c);
	c.id = 3;
	c.key = xstrdup("k");
	c.title = xstrdup("t");
	c.service = xstrdup("s");
	c.impact = IMPACT_MEDIUM;
	c.state = CHANGE_EFFECTIVE;
	c.effective_at = NOW;
	c.review = REVIEW_HAS_IO;
	c.shipped_while_blocked =
		xstrdup("{\"gates\":[{\"name\":\"eval\",\"state\":\"blocked\"}]}");
	strlist_push(&c.paths, "lib/vtls/openssl.c");
	strlist_push(&c.paths, "docs/caf\xef\xbf\xbd.txt");
	cJSON *o = change_to_json(&c, NULL, 0, 0);
	assert_member(o, "state", "\"effective\"");
	assert_member(o, "impact", "\"medium\"");
	assert_member(o, "planned_for", "null");
	assert_member(o, "effective_at", "\"2026-12-03T17:55:27.000000Z\"");
	assert_member(o, "author", "null");
	assert_member(o, "links", "[]");
	assert_member(o, "refs", "[]");
	assert_member(o, "boundary", "{}");
	assert_member(o, "paths", "[\"lib/vtls/openssl.c\",\"docs/caf\xef\xbf\xbd.txt\"]");
	assert_member(o, "review", "\"has_io\"");
	assert_member(o, "shipped_while_blocked",
		      "{\"gates\":[{\"name\":\"eval\",\"state\":\"blocked\"}]}");
	assert_member(o, "created_at", "null");
	assert_member(o, "created_by", "null");
	assert_member(o, "current",
		      "{\"effective_at\":\"2026-12-03T17:55:27.000000Z\",\"impact\":\"medium\"}");
	cJSON_Delete(o);
	change_release(&c);
}

static void test_to_json_with_detail_adds_ios_and_gates(void **state)
{
	(void)state;
	struct change c;
	change_init(&c);
	c.id = 5;
	c.key = xstrdup("k");
	c.title = xstrdup("t");
	c.service = xstrdup("s");
	struct io io;
	io_init(&io);
	io.id = 9;
	io.change_id = 5;
	io.category = IO_CAT_DATA;
	io.description = xstrdup("dropped the raw table");
	io.source = xstrdup("manual");
	cJSON *o = change_to_json(&c, &io, 1, 1);
	assert_member_names(o, "id,key,title,service,impact,state,planned_for,effective_at,author,"
			       "links,refs,boundary,paths,review,shipped_while_blocked,created_at,"
			       "created_by,current,amendments,ios,gates");
	const cJSON *ios = cJSON_GetObjectItemCaseSensitive(o, "ios");
	assert_int_equal(cJSON_GetArraySize(ios), 1);
	assert_member(cJSON_GetArrayItem(ios, 0), "id", "9");
	assert_member(cJSON_GetArrayItem(ios, 0), "description", "\"dropped the raw table\"");
	assert_member(o, "gates", "[]");
	cJSON_Delete(o);
	o = change_to_json(&c, NULL, 0, 1);
	assert_member(o, "ios", "[]");
	assert_member(o, "gates", "[]");
	cJSON_Delete(o);
	io_release(&io);
	change_release(&c);
}

/* Appends an amendment to c (owned copies). */
static void add_amendment(struct change *c, int64_t id, int64_t effective_at, int impact,
			  const char *reason)
{
	c->amendments = xrealloc(c->amendments, (c->n_amendments + 1) * sizeof(*c->amendments));
	struct amendment *a = &c->amendments[c->n_amendments++];
	a->id = id;
	a->effective_at = effective_at;
	a->impact = impact;
	a->reason = xstrdup(reason);
	a->created_at = NOW + id * USEC;
	a->created_by = xstrdup("bob");
}

static void test_without_amendments_the_current_values_are_the_originals(void **state)
{
	(void)state;
	struct change c;
	change_init(&c);
	c.impact = IMPACT_HIGH;
	assert_int_equal(change_current_effective_at(&c), RTIME_NONE);
	assert_int_equal(change_current_impact(&c), IMPACT_HIGH);
	c.effective_at = NOW;
	assert_int_equal(change_current_effective_at(&c), NOW);
	change_release(&c);
}

static void test_current_values_come_from_the_latest_amendment_that_sets_each(void **state)
{
	(void)state;
	struct change c;
	change_init(&c);
	c.impact = IMPACT_HIGH;
	c.effective_at = NOW;
	add_amendment(&c, 1, NOW - 3600 * USEC, -1, "clock was wrong");
	assert_int_equal(change_current_effective_at(&c), NOW - 3600 * USEC);
	assert_int_equal(change_current_impact(&c), IMPACT_HIGH);
	add_amendment(&c, 2, RTIME_NONE, IMPACT_LOW, "smaller than thought");
	assert_int_equal(change_current_effective_at(&c), NOW - 3600 * USEC);
	assert_int_equal(change_current_impact(&c), IMPACT_LOW);
	add_amendment(&c, 3, NOW - 7200 * USEC, -1, "clock was wrong again");
	assert_int_equal(change_current_effective_at(&c), NOW - 7200 * USEC);
	assert_int_equal(change_current_impact(&c), IMPACT_LOW);
	/* the originals are kept */
	assert_int_equal(c.effective_at, NOW);
	assert_int_equal(c.impact, IMPACT_HIGH);
	change_release(&c);
}

static void test_to_json_lists_amendments_and_the_current_values(void **state)
{
	(void)state;
	struct change c;
	change_init(&c);
	c.impact = IMPACT_HIGH;
	c.state = CHANGE_EFFECTIVE;
	c.effective_at = NOW;
	add_amendment(&c, 1, NOW - 3600 * USEC, -1, "clock was wrong");
	add_amendment(&c, 2, RTIME_NONE, IMPACT_MEDIUM, "re-rated");
	cJSON *o = change_to_json(&c, NULL, 0, 0);
	assert_member(o, "effective_at", "\"2026-12-03T17:55:27.000000Z\"");
	assert_member(o, "impact", "\"high\"");
	assert_member(o, "current",
		      "{\"effective_at\":\"2026-12-03T16:55:27.000000Z\",\"impact\":\"medium\"}");
	assert_member(
		o, "amendments",
		"[{\"id\":1,\"effective_at\":\"2026-12-03T16:55:27.000000Z\",\"impact\":null,"
		"\"reason\":\"clock was wrong\",\"created_at\":\"2026-12-03T17:55:28.000000Z\","
		"\"created_by\":\"bob\"},"
		"{\"id\":2,\"effective_at\":null,\"impact\":\"medium\",\"reason\":\"re-rated\","
		"\"created_at\":\"2026-12-03T17:55:29.000000Z\",\"created_by\":\"bob\"}]");
	cJSON_Delete(o);
	change_release(&c);
}

static void test_amendment_with_effective_at_impact_and_reason_is_read(void **state)
{
	(void)state;
	cJSON *body = NULL;
	struct amendment_input in;
	struct err err;
	assert_int_equal(amend_from_json("{\"effective_at\":\"2026-12-03T12:00:00-05:00\","
					 "\"impact\":\"low\",\"reason\":\"deploy log\"}",
					 &body, &in, &err),
			 0);
	assert_int_equal(err.code, ERR_NONE);
	/* 12:00 at -05:00 is 17:00Z, 55m27s before NOW */
	assert_int_equal(in.effective_at, NOW - 3327 * USEC);
	assert_int_equal(in.impact, IMPACT_LOW);
	assert_string_equal(in.reason, "deploy log");
	cJSON_Delete(body);
}

static void test_amendment_may_set_only_one_of_effective_at_and_impact(void **state)
{
	(void)state;
	cJSON *body = NULL;
	struct amendment_input in;
	struct err err;
	assert_int_equal(
		amend_from_json("{\"impact\":\"medium\",\"reason\":\"r\"}", &body, &in, &err), 0);
	assert_int_equal(in.effective_at, RTIME_NONE);
	assert_int_equal(in.impact, IMPACT_MEDIUM);
	cJSON_Delete(body);
	assert_int_equal(
		amend_from_json("{\"effective_at\":\"2026-12-03T17:55:27Z\",\"impact\":null,"
				"\"reason\":\"r\"}",
				&body, &in, &err),
		0);
	assert_int_equal(in.effective_at, NOW);
	assert_int_equal(in.impact, -1);
	cJSON_Delete(body);
}

static void test_amendment_needs_effective_at_or_impact(void **state)
{
	(void)state;
	cJSON *body = NULL;
	struct amendment_input in;
	struct err err;
	assert_int_equal(amend_from_json("{\"reason\":\"typo\"}", &body, &in, &err), -1);
	assert_one_detail(&err, "effective_at",
			  "an amendment must correct effective_at or impact (or both)");
	assert_int_equal(in.effective_at, RTIME_NONE);
	assert_int_equal(in.impact, -1);
	cJSON_Delete(body);
}

static void test_amendment_needs_a_non_empty_reason(void **state)
{
	(void)state;
	cJSON *body = NULL;
	struct amendment_input in;
	struct err err;
	assert_int_equal(amend_from_json("{\"impact\":\"low\"}", &body, &in, &err), -1);
	assert_one_detail(&err, "reason", "is required");
	assert_null(in.reason);
	cJSON_Delete(body);
	assert_int_equal(amend_from_json("{\"impact\":\"low\",\"reason\":\"\"}", &body, &in, &err),
			 -1);
	assert_one_detail(&err, "reason", "must not be empty");
	assert_null(in.reason);
	cJSON_Delete(body);
}

static void test_amendment_effective_at_beyond_the_skew_is_rejected(void **state)
{
	(void)state;
	cJSON *body = NULL;
	struct amendment_input in;
	struct err err;
	assert_int_equal(amend_from_json("{\"effective_at\":\"2026-12-03T18:00:28Z\","
					 "\"reason\":\"r\"}",
					 &body, &in, &err),
			 -1);
	assert_one_detail(&err, "effective_at", "lies in the future beyond the allowed clock skew");
	cJSON_Delete(body);
}

static void test_amendment_with_unknown_fields_or_bad_values_lists_each(void **state)
{
	(void)state;
	cJSON *body = NULL;
	struct amendment_input in;
	struct err err;
	assert_int_equal(amend_from_json("{\"state\":\"planned\",\"impact\":\"none\","
					 "\"effective_at\":\"2026-12-03T10:00:00\",\"reason\":7}",
					 &body, &in, &err),
			 -1);
	assert_int_equal(err.n_details, 4);
	assert_string_equal(err.details[0].field, "state");
	assert_string_equal(err.details[0].message, "unknown field");
	assert_string_equal(err.details[1].field, "effective_at");
	assert_non_null(strstr(err.details[1].message, "naive"));
	assert_string_equal(err.details[2].field, "impact");
	assert_string_equal(err.details[2].message,
			    "unknown value \"none\"; expected one of: low, medium, high");
	assert_string_equal(err.details[3].field, "reason");
	assert_string_equal(err.details[3].message, "must be a string");
	cJSON_Delete(body);
	assert_int_equal(amend_from_json("\"text\"", &body, &in, &err), -1);
	assert_string_equal(err.message, "body must be a JSON object");
	assert_one_detail(&err, "body", "must be a JSON object");
	cJSON_Delete(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_body_fills_every_field),
		cmocka_unit_test(test_minimal_body_leaves_optional_fields_empty),
		cmocka_unit_test(test_effective_at_makes_the_change_effective),
		cmocka_unit_test(test_state_effective_without_effective_at_is_effective_now),
		cmocka_unit_test(test_state_planned_stays_planned),
		cmocka_unit_test(test_state_planned_with_effective_at_is_an_error_on_state),
		cmocka_unit_test(test_effective_at_beyond_the_skew_is_an_error_on_effective_at),
		cmocka_unit_test(test_planned_for_may_lie_far_in_the_future),
		cmocka_unit_test(test_missing_required_fields_are_each_reported),
		cmocka_unit_test(test_wrong_types_for_links_refs_and_boundary_are_reported),
		cmocka_unit_test(test_invalid_key_service_impact_and_state_values_are_reported),
		cmocka_unit_test(test_service_of_64_bytes_and_key_of_201_bytes_are_too_long),
		cmocka_unit_test(test_body_that_is_not_an_object_is_rejected),
		cmocka_unit_test(test_round_trip_prints_every_field_exactly),
		cmocka_unit_test(test_to_json_of_a_minimal_change_writes_nulls_and_empty_values),
		cmocka_unit_test(test_to_json_with_detail_adds_ios_and_gates),
		cmocka_unit_test(test_without_amendments_the_current_values_are_the_originals),
		cmocka_unit_test(test_current_values_come_from_the_latest_amendment_that_sets_each),
		cmocka_unit_test(test_to_json_lists_amendments_and_the_current_values),
		cmocka_unit_test(test_amendment_with_effective_at_impact_and_reason_is_read),
		cmocka_unit_test(test_amendment_may_set_only_one_of_effective_at_and_impact),
		cmocka_unit_test(test_amendment_needs_effective_at_or_impact),
		cmocka_unit_test(test_amendment_needs_a_non_empty_reason),
		cmocka_unit_test(test_amendment_effective_at_beyond_the_skew_is_rejected),
		cmocka_unit_test(test_amendment_with_unknown_fields_or_bad_values_lists_each),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
