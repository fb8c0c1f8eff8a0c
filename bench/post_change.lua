-- wrk script: POST /v1/changes with a unique key per request (thread id + counter).
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
	thread:set("tid", #threads + 1)
	table.insert(threads, thread)
end

function init(args)
	thread_id = tid
	counter = 0
end

request = function()
	counter = counter + 1
	local body = string.format(
		'{"key":"bench-%s-%d-%d","title":"bench change","service":"bench","impact":"low"}',
		os.getenv("BENCH_RUN") or "x", thread_id, counter)
	return wrk.format("POST", "/v1/changes", {
		["Authorization"] = "Bearer " .. os.getenv("RATCHET_TOKEN"),
		["Content-Type"] = "application/json",
	}, body)
end

function done(summary, latency, requests)
	local non2xx = summary.errors.status
	io.write(string.format("BENCH requests=%d seconds=%.3f non2xx=%d\n", summary.requests,
		summary.duration / 1e6, non2xx))
end
