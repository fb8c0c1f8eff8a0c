/* Reference vectors for the statistics tests: tests/vectors/<name>.json, made by
 * the committed generators (tests/vectors/make_vectors.py, make_vectors.R).
 * Header-only; include after <cmocka.h>. Tests run from the repository root. */
#ifndef RATCHET_TEST_VECTORS_H
#define RATCHET_TEST_VECTORS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* Loads tests/vectors/<name>.json; fails the test when missing or malformed. */
static inline cJSON *vectors_load(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "tests/vectors/%s.json", name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		print_error("cannot open %s (run the tests from the repository root)\n", path);
		fail();
	}
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *text = malloc((size_t)len + 1);
	size_t got = fread(text, 1, (size_t)len, f);
	fclose(f);
	text[got] = '\0';
	cJSON *root = cJSON_Parse(text);
	free(text);
	if (!root) {
		print_error("%s is not JSON\n", path);
		fail();
	}
	return root;
}

/* A JSON number, or NaN for null / "nan" (the generators write NaN as null). */
static inline double vectors_num(const cJSON *v)
{
	if (cJSON_IsNumber(v))
		return v->valuedouble;
	if (cJSON_IsString(v) && strcmp(v->valuestring, "inf") == 0)
		return INFINITY;
	if (cJSON_IsString(v) && strcmp(v->valuestring, "-inf") == 0)
		return -INFINITY;
	return NAN;
}

/* An array of numbers as a malloc'd double array (caller frees); *n gets its length. */
static inline double *vectors_array(const cJSON *arr, size_t *n)
{
	*n = (size_t)cJSON_GetArraySize(arr);
	double *out = malloc((*n ? *n : 1) * sizeof(double));
	size_t i = 0;
	for (const cJSON *c = arr ? arr->child : NULL; c; c = c->next)
		out[i++] = vectors_num(c);
	return out;
}

/* The member name of obj as a number (NaN when absent or null). */
static inline double vectors_get(const cJSON *obj, const char *name)
{
	return vectors_num(cJSON_GetObjectItemCaseSensitive(obj, name));
}

#endif
