/* Liveness, readiness (the database answers) and the caller's identity. */
#include "common.h"

#include "err.h"
#include "handlers.h"
#include "version.h"

int h_healthz(struct req *r, struct resp *out, struct err *err)
{
	(void)r;
	(void)err;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", "ok");
	cJSON_AddStringToObject(o, "version", RATCHET_VERSION);
	cJSON_AddNumberToObject(o, "api", RATCHET_API_VERSION);
	resp_json(out, 200, o);
	return 0;
}

int h_readyz(struct req *r, struct resp *out, struct err *err)
{
	(void)r;
	if (store_ping(err) < 0)
		return -1;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", "ready");
	resp_json(out, 200, o);
	return 0;
}

int h_whoami(struct req *r, struct resp *out, struct err *err)
{
	(void)err;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", r->token.name);
	cJSON_AddStringToObject(o, "role", r->token.role);
	resp_json(out, 200, o);
	return 0;
}
