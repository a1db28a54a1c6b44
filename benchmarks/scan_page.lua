-- wrk script for benchmarks/scan_page.py.
--   wrk ... -s scan_page.lua http://127.0.0.1:PORT/PATH -- [CODES_FILE]
-- With a codes file (one code a line) each request asks for /q/<a random code>; without, for
-- PATH. Headers come from -H. Any answer but 200 is counted, and done() prints one line the
-- benchmark parses.

local paths = {}
local threads = {}
-- Global, so done() can read each thread's count with thread:get().
bad = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  if args[1] then
    for line in io.lines(args[1]) do
      if line ~= "" then
        paths[#paths + 1] = "/q/" .. line
      end
    end
  end
  math.randomseed(os.time() + #threads)
end

function request()
  if #paths > 0 then
    return wrk.format("GET", paths[math.random(#paths)])
  end
  return wrk.format("GET")
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local not_ok = 0
  for _, thread in ipairs(threads) do
    not_ok = not_ok + thread:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d not_ok=%d socket_errors=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, not_ok,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
