-- wrk script of bench/http_load.py: rotate over the request paths in the file given after
-- `--`, count completions per wall-clock second and 5xx, and print one JSON line at the end.

local threads = {}
local paths = {}
local position = 0
completed = {}
server_errors = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    paths[#paths + 1] = line
  end
  -- Threads start at different places, so they do not ask the same thing together.
  position = (id * 7919) % #paths
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position])
end

function response(status, headers, body)
  local second = os.time()
  completed[second] = (completed[second] or 0) + 1
  if status >= 500 then
    server_errors = server_errors + 1
  end
end

function done(summary, latency, requests)
  local seconds, first, last, fivexx = {}, nil, nil, 0
  for _, thread in ipairs(threads) do
    fivexx = fivexx + thread:get("server_errors")
    for second, count in pairs(thread:get("completed")) do
      seconds[second] = (seconds[second] or 0) + count
      if first == nil or second < first then first = second end
      if last == nil or second > last then last = second end
    end
  end
  local empty = 0
  if first ~= nil then
    for second = first, last do
      if seconds[second] == nil then empty = empty + 1 end
    end
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "socket_errors": %d, ' ..
    '"non_2xx_3xx": %d, "server_errors": %d, "empty_seconds": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status, fivexx, empty))
end
