/* Fuzzes the JSON input path: json_parse, the change/IO/amendment/retraction
 * validators and their printers, and JCS canonicalization. Invariants: what
 * ratchet prints, json_parse accepts again, and printing that prints the same;
 * JCS succeeds on every parsed value without a non-finite number and is
 * idempotent. */
#include "common.h"

#include <math.h>

#include "change.h"
#include "core.h"
#include "err.h"
#include "fuzz.h"
#include "io.h"
#include "jcs.h"
#include "json.h"
#include "rtime.h"

/* 2026-01-01T00:00:00Z and five minutes, in microseconds. */
#define FUZZ_NOW INT64_C(1767225600000000)
#define FUZZ_SKEW INT64_C(300000000)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	core_init();
	return 0;
}

static int has_nonfinite_number(const cJSON *v)
{
	if (cJSON_IsNumber(v) && !isfinite(v->valuedouble))
		return 1;
	for (const cJSON *c = v->child; c; c = c->next)
		if (has_nonfinite_number(c))
			return 1;
	return 0;
}

/* Text ratchet printed must parse again; returns the tree (caller deletes). */
static cJSON *reparse(const char *text)
{
	cJSON *again = NULL;
	struct err err;
	err_init(&err);
	if (json_parse(text, strlen(text), &again, &err) < 0) {
		fprintf(stderr, "printed JSON does not parse again (%s): %s\n", err.message, text);
		abort();
	}
	return again;
}

/* JCS must succeed on v (no non-finite numbers) and be a fixed point. */
static char *check_jcs(const cJSON *v)
{
	struct err err;
	err_init(&err);
	char *canon = jcs_canonicalize(v, &err);
	if (has_nonfinite_number(v)) {
		FUZZ_CHECK(canon == NULL && err.code == ERR_INVALID);
		return NULL;
	}
	if (!canon) {
		fprintf(stderr, "jcs_canonicalize failed: %s\n", err.message);
		abort();
	}
	cJSON *again = reparse(canon);
	char *canon2 = jcs_canonicalize(again, &err);
	FUZZ_CHECK(canon2 != NULL);
	if (strcmp(canon, canon2) != 0) {
		fprintf(stderr, "JCS is not idempotent:\n%s\n%s\n", canon, canon2);
		abort();
	}
	free(canon2);
	cJSON_Delete(again);
	return canon;
}

/* Prints obj (taking it), checks the text parses again and canonicalizes. */
static void check_printed(cJSON *obj)
{
	char *text = json_print(obj);
	cJSON_Delete(obj);
	cJSON *again = reparse(text);
	free(check_jcs(again));
	cJSON_Delete(again);
	free(text);
}

static void fuzz_change(const cJSON *root)
{
	struct change c;
	struct err err;
	change_init(&c);
	err_init(&err);
	if (change_from_json(root, FUZZ_NOW, FUZZ_SKEW, &c, &err) == 0)
		check_printed(change_to_json(&c, NULL, 0, 1));
	else
		FUZZ_CHECK(err.code == ERR_INVALID);
	change_release(&c);
}

static void fuzz_io(const cJSON *root)
{
	struct io io;
	struct err err;
	io_init(&io);
	err_init(&err);
	if (io_from_json(root, &io, &err) == 0)
		check_printed(io_to_json(&io));
	else
		FUZZ_CHECK(err.code == ERR_INVALID);
	io_release(&io);
}

static void fuzz_small_bodies(const cJSON *root)
{
	struct amendment_input in;
	struct err err;
	err_init(&err);
	if (amendment_from_json(root, FUZZ_NOW, FUZZ_SKEW, &in, &err) == 0)
		FUZZ_CHECK(in.reason && (in.effective_at != RTIME_NONE || in.impact >= 0));
	const char *reason = NULL;
	err_init(&err);
	if (io_retract_from_json(root, &reason, &err) == 0)
		FUZZ_CHECK(reason != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *root = NULL;
	struct err err;
	err_init(&err);
	/* The bytes as they are, without a NUL: json_parse takes a length. */
	if (json_parse((const char *)data, size, &root, &err) < 0) {
		FUZZ_CHECK(root == NULL && err.code == ERR_INVALID);
		return 0;
	}
	free(check_jcs(root));
	/* cJSON's printing (stored boundaries, audit payloads) may round a number to 15
	 * significant digits and turns non-finite ones into null, but only once: printing
	 * what it printed gives the same text, so stored JSON and its hashes stay stable. */
	char *printed = json_print(root);
	cJSON *again = reparse(printed);
	free(check_jcs(again));
	char *printed2 = json_print(again);
	if (strcmp(printed, printed2) != 0) {
		fprintf(stderr, "printing is not stable:\n%s\n%s\n", printed, printed2);
		abort();
	}
	free(printed2);
	cJSON_Delete(again);
	free(printed);
	fuzz_change(root);
	fuzz_io(root);
	fuzz_small_bodies(root);
	cJSON_Delete(root);
	return 0;
}
