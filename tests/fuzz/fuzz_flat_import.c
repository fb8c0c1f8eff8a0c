/* Fuzzes the flat-file import (core/flat_import*.c). The first byte picks the
 * kind (bits 0-1), the format (bit 2), a --tz (bit 3), a --service (bit 4) and
 * a future check (bit 5); the second byte is the length of a column map
 * (YAML) that follows, the rest is the file.
 * Invariants: the parse fails exactly when there is a problem; every record is
 * either a good row or a bad one (n_rows + n_bad_rows = n_records); problems
 * are in line order, within the input's lines, at most FLAT_PROBLEMS_MAX kept;
 * good rows are in line order with valid records (services and keys as the
 * API requires, identities for keyed rows, repeats pointing back); the
 * error and the JSON of the problems can always be made; a map that parses
 * names only fields of the kind. */
#include "common.h"

#include "core.h"
#include "err.h"
#include "flat_import.h"
#include "fuzz.h"
#include "rtime.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	core_init();
	return 0;
}

static size_t count_lines(const char *s, size_t n)
{
	size_t lines = 1;
	for (size_t i = 0; i < n; i++)
		lines += s[i] == '\n';
	return lines;
}

static void check_map(enum flat_kind kind, const struct flat_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		FUZZ_CHECK(m->from[i] && *m->from[i]);
		if (!m->to[i])
			continue;
		bool known = false;
		for (const char *const *f = flat_fields(kind); *f; f++)
			known |= strcmp(*f, m->to[i]) == 0;
		FUZZ_CHECK(known);
	}
}

static void check_row(enum flat_kind kind, const struct flat_row *row)
{
	FUZZ_CHECK(row->line >= 1);
	FUZZ_CHECK(row->duplicate_of < row->line);
	FUZZ_CHECK(strlen(row->digest) == HASH_HEX_LEN);
	switch (kind) {
	case FLAT_CHANGES:
		FUZZ_CHECK(model_valid_service(row->u.change.service));
		FUZZ_CHECK(model_valid_key(row->u.change.key));
		FUZZ_CHECK(row->key && row->label);
		FUZZ_CHECK(row->u.change.state != CHANGE_EFFECTIVE ||
			   row->u.change.effective_at != RTIME_NONE);
		break;
	case FLAT_IOS:
		FUZZ_CHECK(row->change_ref && row->key);
		FUZZ_CHECK((int)row->u.io.category >= 0 && row->u.io.category < IO_CAT_COUNT);
		FUZZ_CHECK(strcmp(row->u.io.source, "manual") != 0);
		break;
	case FLAT_INCIDENTS:
		FUZZ_CHECK(model_valid_service(row->u.incident.service));
		FUZZ_CHECK(row->u.incident.occurred_at != RTIME_NONE);
		FUZZ_CHECK((row->key != NULL) == (row->u.incident.external_key != NULL));
		break;
	default:
		FUZZ_CHECK(model_valid_service(row->u.drill.service));
		FUZZ_CHECK((row->key != NULL) == (row->external_key != NULL));
		FUZZ_CHECK(!row->external_key || model_valid_key(row->external_key));
		break;
	}
}

static void check_result(const struct flat_result *res, int rc, size_t max_line,
			 const struct err *err)
{
	FUZZ_CHECK((rc == 0) == (res->n_problems_total == 0));
	FUZZ_CHECK(rc == 0 || err->code == ERR_INVALID);
	FUZZ_CHECK(res->n_problems <= FLAT_PROBLEMS_MAX);
	FUZZ_CHECK(res->n_problems <= res->n_problems_total);
	FUZZ_CHECK(res->n_rows + res->n_bad_rows == res->n_records);
	FUZZ_CHECK(!res->fatal || res->n_problems_total > 0);
	for (size_t i = 0; i < res->n_problems; i++) {
		const struct flat_problem *p = &res->problems[i];
		FUZZ_CHECK(p->line >= 1 && p->line <= max_line);
		FUZZ_CHECK(i == 0 || res->problems[i - 1].line <= p->line);
		FUZZ_CHECK(p->field && p->message);
	}
	for (size_t i = 0; i < res->n_rows; i++) {
		check_row(res->kind, &res->rows[i]);
		FUZZ_CHECK(i == 0 || res->rows[i - 1].line < res->rows[i].line);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	enum flat_kind kind = (enum flat_kind)(data[0] & 3);
	size_t map_len = data[1];
	if (map_len > size - 2)
		map_len = size - 2;
	const char *map_text = (const char *)data + 2;
	const char *text = map_text + map_len;
	size_t len = size - 2 - map_len;

	struct flat_options o;
	flat_options_init(&o, kind);
	o.format = data[0] & 4 ? FLAT_JSONL : FLAT_CSV;
	o.file = "fuzz";
	o.tz = data[0] & 8 ? "+02:00" : NULL;
	o.service = data[0] & 16 ? "svc" : NULL;
	if (data[0] & 32) {
		o.now = 1772359200LL * 1000000; /* 2026-03-01T10:00:00Z */
		o.max_skew = 300LL * 1000000;
	}
	struct err err;
	err_init(&err);
	struct flat_map map;
	if (map_len && flat_map_parse("m.yaml", map_text, map_len, kind, &map, &err) == 0) {
		check_map(kind, &map);
		o.map = &map;
	} else if (map_len) {
		FUZZ_CHECK(err.code == ERR_INVALID && map.n == 0);
	}
	err_init(&err);
	struct flat_result res;
	int rc = flat_import_parse(&o, text, len, &res, &err);
	check_result(&res, rc, count_lines(text, len), &err);
	struct err again;
	err_init(&again);
	FUZZ_CHECK(flat_result_to_err(&res, "fuzz", &again) == -1);
	cJSON *problems = flat_problems_to_json(&res, "fuzz", 5);
	FUZZ_CHECK(cJSON_GetArraySize(problems) == (int)(res.n_problems < 5 ? res.n_problems : 5));
	cJSON_Delete(problems);
	if (res.n_rows)
		flat_result_reject(&res, res.n_rows - 1, "change", "rejected by the fuzzer");
	flat_result_release(&res);
	if (o.map)
		flat_map_release(&map);
	return 0;
}
