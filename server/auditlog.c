/* Audit entries for every write, and the sealer thread that assigns seq and
 * hashes to committed entries in batches (one sealer across replicas). */
#include "common.h"

#include <pthread.h>
#include <time.h>

#include "audit.h"
#include "auditlog.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "rtime.h"
#include "router.h"
#include "store.h"

#define SEAL_BATCH 1000

int audit_record(const struct req *r, const struct route *rt, const struct resp *out,
		 struct err *err)
{
	cJSON *payload = cJSON_Parse(out->body ? out->body : "");
	if (!cJSON_IsObject(payload)) {
		cJSON_Delete(payload);
		return err_set(err, ERR_INTERNAL, "write %s answered no JSON object", rt->action);
	}
	cJSON_DeleteItemFromObjectCaseSensitive(payload, "token"); /* never the secret */
	char object_type[32], object_id[160];
	size_t type_len = strcspn(rt->action, ".");
	snprintf(object_type, sizeof(object_type), "%.*s", (int)type_len, rt->action);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(payload, "id");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(payload, "name");
	const cJSON *service = cJSON_GetObjectItemCaseSensitive(payload, "service");
	if (cJSON_IsNumber(id))
		snprintf(object_id, sizeof(object_id), "%.0f", id->valuedouble);
	else if (cJSON_IsString(name))
		snprintf(object_id, sizeof(object_id), "%s", name->valuestring);
	else if (cJSON_IsString(service)) /* an import: the service it went into */
		snprintf(object_id, sizeof(object_id), "%s", service->valuestring);
	else
		snprintf(object_id, sizeof(object_id), "%s", r->n_params ? r->params[0] : "");
	char *text = json_print(payload);
	cJSON_Delete(payload);
	int rc = store_audit_insert(r->token.name, rt->action, object_type, object_id, text, err);
	free(text);
	return rc;
}

/* The entry's hash as core defines it, from a stored row. */
static int row_hash(const char *prev, const struct audit_row *row, char out[65], struct err *err)
{
	cJSON *payload = cJSON_Parse(row->payload);
	if (!payload)
		return err_set(err, ERR_INTERNAL, "audit payload of seq %" PRId64 " is not JSON",
			       row->seq);
	char at[RTIME_BUFSZ];
	cJSON *entry = audit_entry_new(row->seq, rtime_format(row->at, at), row->actor, row->action,
				       row->object_type, row->object_id, payload);
	cJSON_Delete(payload);
	int rc = audit_entry_hash(prev, entry, out, err);
	cJSON_Delete(entry);
	return rc;
}

static pthread_t sealer_thread;
static pthread_mutex_t sealer_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sealer_cv = PTHREAD_COND_INITIALIZER;
static int sealer_running;
static int sealer_stopping;
static int64_t sealer_interval;

static void sealer_tick(int *was_sealer)
{
	struct err err;
	err_init(&err);
	int sealed = 0, is_sealer = 0;
	do {
		if (store_audit_seal(SEAL_BATCH, row_hash, &sealed, &is_sealer, &err) < 0) {
			log_warnx("audit sealer: %s", err.message);
			return;
		}
	} while (sealed == SEAL_BATCH);
	if (is_sealer != *was_sealer)
		log_info("audit sealer: %s", is_sealer ? "this instance seals the audit log"
						       : "another instance seals the audit log");
	*was_sealer = is_sealer;
}

static void *sealer_main(void *arg)
{
	(void)arg;
	int was_sealer = 0;
	pthread_mutex_lock(&sealer_mu);
	while (!sealer_stopping) {
		pthread_mutex_unlock(&sealer_mu);
		sealer_tick(&was_sealer);
		pthread_mutex_lock(&sealer_mu);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		int64_t ns = until.tv_nsec + (sealer_interval % 1000000) * 1000;
		until.tv_sec += (time_t)(sealer_interval / 1000000 + ns / 1000000000);
		until.tv_nsec = (long)(ns % 1000000000);
		if (!sealer_stopping)
			pthread_cond_timedwait(&sealer_cv, &sealer_mu, &until);
	}
	pthread_mutex_unlock(&sealer_mu);
	store_disconnect();
	return NULL;
}

int audit_sealer_start(int64_t interval_usec, struct err *err)
{
	if (interval_usec <= 0)
		return 0;
	sealer_interval = interval_usec;
	sealer_stopping = 0;
	if (pthread_create(&sealer_thread, NULL, sealer_main, NULL) != 0)
		return err_set(err, ERR_INTERNAL, "could not start the audit sealer thread");
	sealer_running = 1;
	return 0;
}

void audit_sealer_stop(void)
{
	if (!sealer_running)
		return;
	pthread_mutex_lock(&sealer_mu);
	sealer_stopping = 1;
	pthread_cond_signal(&sealer_cv);
	pthread_mutex_unlock(&sealer_mu);
	pthread_join(sealer_thread, NULL);
	sealer_running = 0;
}
