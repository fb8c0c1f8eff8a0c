/* Irreversible operations: validation of new IOs and retractions, and the JSON codec. */
#include "common.h"
#include "err.h"
#include "io.h"
#include "json.h"
#include "rtime.h"

void io_init(struct io *io)
{
	memset(io, 0, sizeof(*io));
	io->reversible_until = RTIME_NONE;
	io->recorded_at = RTIME_NONE;
	io->retracted_at = RTIME_NONE;
}

void io_release(struct io *io)
{
	free(io->service);
	free(io->change_key);
	free(io->description);
	free(io->source);
	free(io->evidence);
	free(io->undo);
	free(io->reversal_cost);
	free(io->recorded_by);
	free(io->retracted_by);
	free(io->retracted_reason);
	io_init(io);
}

static const char *const io_fields[] = {
	"category",	 "description", "undo",	  "evidence", "reversible_until",
	"reversal_cost", "status",	"source", NULL,
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

int io_from_json(const cJSON *body, struct io *io, struct err *err)
{
	if (!cJSON_IsObject(body)) {
		err_set(err, ERR_INVALID, "body must be a JSON object");
		return err_detail(err, "body", 0, 0, "must be a JSON object");
	}
	json_check_fields(body, io_fields, err);
	int category = 0, status = IO_CONFIRMED;
	json_get_enum(body, "category", true, &io_category_names, &category, err);
	io->category = (enum io_category)category;
	const char *description = NULL, *undo = NULL, *evidence = NULL, *cost = NULL;
	const char *source = NULL;
	json_get_string(body, "description", true, IO_TEXT_MAX, &description, err);
	json_get_string(body, "undo", false, IO_TEXT_MAX, &undo, err);
	json_get_string(body, "evidence", false, IO_TEXT_MAX, &evidence, err);
	json_get_string(body, "reversal_cost", false, IO_TEXT_MAX, &cost, err);
	json_get_time(body, "reversible_until", false, &io->reversible_until, err);
	json_get_enum(body, "status", false, &io_status_names, &status, err);
	io->status = (enum io_status)status;
	if (json_get_string(body, "source", false, 200, &source, err) == 1 &&
	    !model_valid_source(source))
		err_detail(err, "source", 0, 0,
			   "must be \"manual\", \"import\" or \"rule:<name>@<version>\"");
	io->description = dup_or_null(description);
	io->undo = dup_or_null(undo);
	io->evidence = dup_or_null(evidence);
	io->reversal_cost = dup_or_null(cost);
	io->source = xstrdup(source ? source : "manual");
	return err_is_set(err) ? -1 : 0;
}

cJSON *io_to_json(const struct io *io)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)io->id);
	cJSON_AddNumberToObject(o, "change_id", (double)io->change_id);
	json_add_str(o, "service", io->service);
	json_add_str(o, "change_key", io->change_key);
	json_add_str(o, "category", model_name(&io_category_names, (int)io->category));
	json_add_str(o, "description", io->description);
	json_add_str(o, "status", model_name(&io_status_names, (int)io->status));
	json_add_str(o, "source", io->source);
	json_add_str(o, "evidence", io->evidence);
	json_add_str(o, "undo", io->undo);
	json_add_time(o, "reversible_until", io->reversible_until);
	json_add_str(o, "reversal_cost", io->reversal_cost);
	json_add_time(o, "recorded_at", io->recorded_at);
	json_add_str(o, "recorded_by", io->recorded_by);
	cJSON_AddBoolToObject(o, "labelled_after_outcome", io->labelled_after_outcome);
	if (io->retracted_at == RTIME_NONE) {
		cJSON_AddNullToObject(o, "retracted");
	} else {
		cJSON *r = cJSON_AddObjectToObject(o, "retracted");
		json_add_time(r, "at", io->retracted_at);
		json_add_str(r, "by", io->retracted_by);
		json_add_str(r, "reason", io->retracted_reason);
	}
	return o;
}

static const char *const retract_fields[] = {"reason", NULL};

int io_retract_from_json(const cJSON *body, const char **reason, struct err *err)
{
	*reason = NULL;
	if (!cJSON_IsObject(body)) {
		err_set(err, ERR_INVALID, "body must be a JSON object");
		return err_detail(err, "body", 0, 0, "must be a JSON object");
	}
	json_check_fields(body, retract_fields, err);
	json_get_string(body, "reason", true, IO_TEXT_MAX, reason, err);
	return err_is_set(err) ? -1 : 0;
}
