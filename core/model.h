/* The register's vocabulary: categories, impacts, states, review states and
 * roles, with their exact spellings. Pure lookups, no allocation. */
#ifndef RATCHET_MODEL_H
#define RATCHET_MODEL_H

#include <stddef.h>

enum io_category {
	IO_CAT_DATA,
	IO_CAT_EVALUATION,
	IO_CAT_ALIGNMENT,
	IO_CAT_DEPLOYMENT,
	IO_CAT_SUPPLY_CHAIN,
	IO_CAT_OPTIONALITY,
	IO_CAT_COUNT,
};

enum impact { IMPACT_LOW, IMPACT_MEDIUM, IMPACT_HIGH, IMPACT_COUNT };
enum change_state { CHANGE_PLANNED, CHANGE_EFFECTIVE, CHANGE_STATE_COUNT };
enum review_state { REVIEW_UNREVIEWED, REVIEW_NO_IO, REVIEW_HAS_IO, REVIEW_COUNT };
enum io_status { IO_CONFIRMED, IO_CANDIDATE, IO_STATUS_COUNT };
enum role {
	ROLE_ADMIN,
	ROLE_RELEASE_MANAGER,
	ROLE_ENGINEER,
	ROLE_PIPELINE,
	ROLE_AUDITOR,
	ROLE_COUNT,
};

/* A name table: index = enum value. */
struct model_names {
	const char *const *names;
	int count;
	const char *list; /* "a, b, c" for error messages */
};

extern const struct model_names io_category_names;
extern const struct model_names impact_names;
extern const struct model_names change_state_names;
extern const struct model_names review_names;
extern const struct model_names io_status_names;
extern const struct model_names role_names;

/* The enum value spelled exactly s (case-sensitive), or -1. */
int model_lookup(const struct model_names *t, const char *s);
/* The spelling of value v, or "?" when out of range. Static storage. */
const char *model_name(const struct model_names *t, int v);

/* Service names: [a-z0-9][a-z0-9._-]{0,62}. */
int model_valid_service(const char *s);
/* Change keys: 1..200 bytes, printable, no whitespace or control characters. */
int model_valid_key(const char *s);
/* IO sources: "manual", "import" or "rule:<name>@<version>". */
int model_valid_source(const char *s);

#endif
