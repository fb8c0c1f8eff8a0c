/* Fuzzes duration_parse and duration_format. Invariants: a parsed duration is
 * non-negative and formats to a string that parses back to it (and formats
 * identically); any int64 formats within DURATION_BUFSZ, and its magnitude
 * parses back when it fits in an int64. */
#include "common.h"

#include "core.h"
#include "duration.h"
#include "err.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	core_init();
	return 0;
}

/* seconds >= 0: format, parse, format again. */
static void check_round_trip(int64_t seconds)
{
	char text[DURATION_BUFSZ], text2[DURATION_BUFSZ];
	duration_format(seconds, text);
	int64_t again = -1;
	struct err err;
	err_init(&err);
	if (duration_parse(text, &again, &err) < 0 || again != seconds) {
		fprintf(stderr, "%" PRId64 " formats as \"%s\", which parses as %s%" PRId64 "\n",
			seconds, text, err.message, again);
		abort();
	}
	FUZZ_CHECK(strcmp(duration_format(again, text2), text) == 0);
}

static void check_format_of_raw(const uint8_t *data, size_t size)
{
	int64_t seconds = 0;
	if (size < sizeof(seconds))
		return;
	memcpy(&seconds, data, sizeof(seconds));
	char text[DURATION_BUFSZ + 8];
	memset(text, 'x', sizeof(text));
	duration_format(seconds, text);
	FUZZ_CHECK(memchr(text, '\0', DURATION_BUFSZ) != NULL);
	if (seconds >= 0) {
		check_round_trip(seconds);
	} else if (seconds != INT64_MIN) {
		FUZZ_CHECK(text[0] == '-');
		int64_t magnitude = -1;
		struct err err;
		err_init(&err);
		FUZZ_CHECK(duration_parse(text + 1, &magnitude, &err) == 0 &&
			   magnitude == -seconds);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstring(data, size);
	int64_t seconds = -1;
	struct err err;
	err_init(&err);
	if (duration_parse(s, &seconds, &err) == 0) {
		FUZZ_CHECK(seconds >= 0);
		check_round_trip(seconds);
	} else {
		FUZZ_CHECK(seconds == -1 && err.code == ERR_INVALID && err.message[0]);
	}
	check_format_of_raw(data, size);
	free(s);
	return 0;
}
