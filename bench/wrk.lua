-- wrk script for scripts/bench.sh: POSTs CreateVOIPMigrationWorkOrder requests
-- and prints one machine-readable line when done:
--   BENCH_RESULT {"requests":..,"duration_us":..,"p50_us":..,...,"statuses":{"200":..}}
--
-- BENCH_MIX unset or "success": every request is the same success request
-- (a static request: wrk formats it once, no Lua runs per request).
-- BENCH_MIX=customers: the same success request, each for a different customer.
-- BENCH_MIX=mix: requests cycle through the simulators' triggers
-- (docs/simulators.md), 10 per cycle: 6 successes, a work-order business fault
-- (422), a work-order system fault (502), an HTML error page (502) and a MIDAS
-- failure after the order was created (200 with a fault); every answer's status
-- is counted and any status outside {200, 422, 502} counts as an error.

local mode = os.getenv("BENCH_MIX") or "success"
local path = "/CreateVOIPMigrationWorkOrder"
-- BENCH_API_KEY: sent as X-API-Key (the adapter runs with --auth api-key).
local headers = { ["Content-Type"] = "application/json", ["X-API-Key"] = os.getenv("BENCH_API_KEY") or "" }

local function body(telephone)
  return '{"telephoneNumber":"' .. telephone ..
         '","accountIdentification":{"accountNumber":"123456789","siteReference":42}}'
end

wrk.method = "POST"
wrk.path = path
wrk.body = body("447874384949")
for name, value in pairs(headers) do wrk.headers[name] = value end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)  -- a global in that thread's own Lua state
end

if mode == "customers" then
  -- Every request for another customer (its own telephone and account number), so that no two
  -- requests wait for the same customer's MIDAS turn: thread-local counters, disjoint per thread.
  local next_customer = 0
  local thread_base = 0

  function init(args)
    thread_base = (thread_id or 0) * 10000000
  end

  function request()
    next_customer = next_customer + 1
    local n = thread_base + next_customer
    local request_body = '{"telephoneNumber":"4478' .. string.format("%08d", n % 100000000) ..
        '","accountIdentification":{"accountNumber":"' .. string.format("%09d", n) .. '","siteReference":42}}'
    return wrk.format("POST", path, headers, request_body)
  end
end

if mode == "mix" then
  local cycle = {
    "447874384949", "447700900001", "447874384950", "447700900002", "447874384951",
    "447700900005", "447874384952", "447700900007", "447874384953", "447874384954",
  }
  local prepared = {}
  local next_index = 1
  statuses = {}

  function init(args)
    for i, telephone in ipairs(cycle) do
      prepared[i] = wrk.format("POST", path, headers, body(telephone))
    end
  end

  function request()
    local r = prepared[next_index]
    next_index = next_index % #prepared + 1
    return r
  end

  function response(status, response_headers, response_body)
    local key = tostring(status)
    statuses[key] = (statuses[key] or 0) + 1
  end
end

function done(summary, latency, requests)
  local statuses = {}
  local unexpected = 0
  for _, thread in ipairs(threads) do
    local counted = thread:get("statuses")
    if counted then
      for status, count in pairs(counted) do
        statuses[status] = (statuses[status] or 0) + count
        if status ~= "200" and status ~= "422" and status ~= "502" then
          unexpected = unexpected + count
        end
      end
    end
  end
  local e = summary.errors
  local status_errors = e.status
  if mode == "mix" then status_errors = unexpected end
  local parts = {}
  for status, count in pairs(statuses) do
    table.insert(parts, string.format('"%s":%d', status, count))
  end
  io.write(string.format(
    'BENCH_RESULT {"mode":"%s","requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},"statuses":{%s}}\n',
    mode, summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, status_errors, table.concat(parts, ",")))
end
