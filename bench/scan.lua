-- wrk script for the scan benchmarks: POST {"barcode": ..., "action": ...}.
--
-- wrk -t T -c C -d 10s -s bench/scan.lua URL -- CODES TOKEN ACTION MODE
--   CODES   file with one item code per line; thread i takes lines i, i+T, ...
--   TOKEN   API token (Authorization: Token ...)
--   ACTION  "lookup" or "receive"
--   MODE    "cycle": reuse the codes round and round (lookups);
--           "once": every request a distinct code; a thread that runs out
--           stops and the run is reported as exhausted (receives).
-- done() prints one line "BENCHJSON {...}" for bench/run.py.

local threads = {}
local nthreads = 0

function setup(thread)
  thread:set("id", nthreads)
  nthreads = nthreads + 1
  table.insert(threads, thread)
end

function init(args)
  local path, token, mode = args[1], args[2], args[4]
  action = args[3]
  cycle = mode == "cycle"
  local total = tonumber(args[5])
  codes = {}
  local i = 0
  for line in io.lines(path) do
    if i % total == id then
      codes[#codes + 1] = line
    end
    i = i + 1
  end
  pos = 0
  non2xx = 0
  exhausted = 0
  first_error = ""
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json"
  wrk.headers["Authorization"] = "Token " .. token
end

function request()
  pos = pos + 1
  if pos > #codes then
    if cycle then
      pos = 1
    else
      exhausted = 1
      pos = #codes
      wrk.thread:stop()
    end
  end
  local body = '{"barcode":"' .. codes[pos] .. '","action":"' .. action .. '"}'
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_error == "" then
      first_error = status .. " " .. string.sub(body or "", 1, 300)
    end
  end
end

local function quote(s)
  s = string.gsub(s, '[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. s .. '"'
end

function done(summary, latency, requests)
  local bad, out, err = 0, 0, ""
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
    out = out + thread:get("exhausted")
    local e = thread:get("first_error")
    if err == "" and e ~= nil then
      err = e
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"non2xx":%d,"exhausted":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},'
      .. '"first_error":%s}\n',
    summary.requests, summary.duration, bad, out,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, quote(err)
  ))
end
