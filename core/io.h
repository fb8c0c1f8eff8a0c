/* Irreversible operations recorded against a change: the record, validation
 * of a new IO from JSON, and the JSON codec. Pure; no I/O. */
#ifndef RATCHET_IO_H
#define RATCHET_IO_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "model.h"

struct err;

struct io {
	int64_t id;
	int64_t change_id;
	char *service;	  /* of its change, for display */
	char *change_key; /* of its change, for display */
	enum io_category category;
	char *description;
	enum io_status status;
	char *source;
	char *evidence;		  /* may be NULL */
	char *undo;		  /* may be NULL */
	int64_t reversible_until; /* RTIME_NONE when absent */
	char *reversal_cost;	  /* may be NULL */
	int64_t recorded_at;
	char *recorded_by;
	int64_t retracted_at; /* RTIME_NONE unless retracted */
	char *retracted_by;
	char *retracted_reason;
	/* Set by the store when the IO is recorded: its change already had a linked
	 * outcome (an incident link), so the label was made with hindsight. */
	bool labelled_after_outcome;
};

#define IO_TEXT_MAX 4000

void io_init(struct io *io);
void io_release(struct io *io);

/* Validates a POST /v1/changes/{id}/ios body and fills io (owned copies);
 * reversible_until may be in the future. */
int io_from_json(const cJSON *body, struct io *io, struct err *err);

/* The IO as API JSON; the caller frees with cJSON_Delete. */
cJSON *io_to_json(const struct io *io);

/* Validates {"reason": "..."} for a retraction; *reason borrows from body. */
int io_retract_from_json(const cJSON *body, const char **reason, struct err *err);

#endif
