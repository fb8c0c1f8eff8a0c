#!/usr/bin/env bash
# Smoke test: the throwaway cluster and ratchetd come up, /healthz answers without a token,
# /v1/whoami answers with the admin token and refuses a request without one.
set -u
. "$(dirname "$0")/lib.sh"

it_setup

api GET /healthz "" -H "Authorization:"
check_status "healthz answers without a token" 200
check_jq "healthz says ok" .status ok

api GET /v1/whoami
check_status "whoami with the admin token" 200
check_jq "whoami names the admin" '.name + " " + .role' "admin admin"

api GET /v1/whoami "" -H "Authorization:"
check_status "whoami without a token is refused" 401
check_jq "401 carries the unauthorized code" .error.code unauthorized

check_rc "the CLI reaches the server" 0 "$RATCHET" version
it_finish
