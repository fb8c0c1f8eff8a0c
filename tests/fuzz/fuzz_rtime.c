/* Fuzzes rtime_parse and rtime_format. Invariants: a parsed instant lies in
 * RTIME_MIN..RTIME_MAX (0001..9999 UTC) and formats to a string that parses
 * back to the same instant (and formats identically); an instant outside
 * formats to something rtime_parse refuses; any int64 formats within
 * RTIME_BUFSZ. */
#include "common.h"

#include "core.h"
#include "err.h"
#include "fuzz.h"
#include "rtime.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	core_init();
	return 0;
}

static void check_round_trip(int64_t usec)
{
	char text[RTIME_BUFSZ], text2[RTIME_BUFSZ];
	rtime_format(usec, text);
	int64_t again = 0;
	struct err err;
	err_init(&err);
	int rc = rtime_parse(text, &again, &err);
	if (usec < RTIME_MIN || usec > RTIME_MAX) {
		FUZZ_CHECK(rc < 0 && err.code == ERR_INVALID);
		return;
	}
	if (rc < 0 || again != usec) {
		fprintf(stderr, "%" PRId64 " formats as \"%s\", which parses as %s%" PRId64 "\n",
			usec, text, rc < 0 ? err.message : "", again);
		abort();
	}
	FUZZ_CHECK(strcmp(rtime_format(again, text2), text) == 0);
}

/* Any int64, including RTIME_NONE, formats without overflowing the buffer. */
static void check_format_of_raw(const uint8_t *data, size_t size)
{
	int64_t usec = 0;
	if (size < sizeof(usec))
		return;
	memcpy(&usec, data, sizeof(usec));
	char text[RTIME_BUFSZ + 8];
	memset(text, 'x', sizeof(text));
	rtime_format(usec, text);
	FUZZ_CHECK(memchr(text, '\0', RTIME_BUFSZ) != NULL);
	if (usec >= RTIME_MIN && usec <= RTIME_MAX)
		check_round_trip(usec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstring(data, size);
	int64_t usec = RTIME_NONE;
	struct err err;
	err_init(&err);
	if (rtime_parse(s, &usec, &err) == 0) {
		/* The UTC instant itself lies in 0001..9999, whatever the offset. */
		FUZZ_CHECK(usec >= RTIME_MIN && usec <= RTIME_MAX);
		check_round_trip(usec);
	} else {
		FUZZ_CHECK(usec == RTIME_NONE && err.code == ERR_INVALID && err.message[0]);
	}
	check_format_of_raw(data, size);
	free(s);
	return 0;
}
