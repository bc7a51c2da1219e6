-- common.lua: what every workload script of the benchmark shares (wrk 4).
--
-- A workload script sets four things and calls install():
--   target  the X-Amz-Target operation, e.g. "PutItem"
--   body()  returns the JSON body of the next request (called once per request)
--   check(body) returns true when a 200 answer's body looks right
-- install() defines wrk's setup/init/request/response/done callbacks. Requests
-- are not signed: ddb-local and dynalite accept any Authorization header with a
-- Credential=AKID/date/region/dynamodb/aws4_request scope (dynalite also wants
-- an X-Amz-Date header).
--
-- Every response is checked: non-200 statuses and bodies that fail check() are
-- counted per thread and summed in done(), which prints one line
--   BENCH_RESULT {json}
-- for bench/run.py. Environment: BENCH_EXPECT=bare replaces check() by an exact
-- match of the bare server's fixed body (bench/bare_server.cc).
-- Thread safety: wrk gives each thread its own Lua state; only done() reads
-- the other threads' counters, after they have stopped.
local M = {}

M.table_name = os.getenv("BENCH_TABLE") or "bench"
M.key_space = tonumber(os.getenv("BENCH_KEY_SPACE") or "100000")
M.get_keys = tonumber(os.getenv("BENCH_GET_KEYS") or "10000")
M.bare_body = '{"Item":{"pk":{"S":"bare"},"sk":{"S":"s"}}}'

-- ~180 characters: with its key and attribute names an item is ~200 bytes.
M.payload = string.rep("abcdefghijklmnopqrstuvwxyz0123456789", 5)

local threads = {}

local function json_escape(s)
  return (s:gsub('[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    return string.format("\\u%04x", string.byte(c))
  end))
end

function M.install(target, body_fn, check_fn)
  wrk.method = "POST"
  wrk.path = "/"
  wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
  wrk.headers["X-Amz-Target"] = "DynamoDB_20120810." .. target
  wrk.headers["X-Amz-Date"] = "20250101T000000Z"
  wrk.headers["Authorization"] =
    "AWS4-HMAC-SHA256 Credential=bench/20250101/us-east-1/dynamodb/aws4_request, " ..
    "SignedHeaders=host, Signature=0"

  local expect_bare = os.getenv("BENCH_EXPECT") == "bare"
  local check = check_fn
  if expect_bare then
    check = function(body) return body == M.bare_body end
  end

  function setup(thread)
    threads[#threads + 1] = thread
    thread:set("thread_id", #threads)
  end

  function init(args)
    math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
    bad_status = 0
    bad_body = 0
    bad_sample = ""
  end

  function request()
    return wrk.format(nil, nil, nil, body_fn())
  end

  function response(status, headers, body)
    if status ~= 200 then
      bad_status = bad_status + 1
    elseif not check(body or "") then
      bad_body = bad_body + 1
    else
      return
    end
    if bad_sample == "" then
      bad_sample = tostring(status) .. " " .. string.sub(body or "", 1, 300)
    end
  end

  function done(summary, latency, requests)
    local bs, bb, sample = 0, 0, ""
    for _, t in ipairs(threads) do
      bs = bs + (t:get("bad_status") or 0)
      bb = bb + (t:get("bad_body") or 0)
      local s = t:get("bad_sample") or ""
      if sample == "" then sample = s end
    end
    local e = summary.errors
    io.write(string.format(
      'BENCH_RESULT {"requests":%d,"duration_us":%d,"bad_status":%d,"bad_body":%d,' ..
      '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},' ..
      '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"mean":%.1f,"max":%d},"sample":"%s"}\n',
      summary.requests, summary.duration, bs, bb,
      e.connect, e.read, e.write, e.timeout, e.status,
      latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.mean, latency.max, json_escape(sample)))
  end
end

-- The key attributes of an item, as DynamoDB JSON.
function M.key(pk, sk)
  return '"pk":{"S":"' .. pk .. '"},"sk":{"S":"' .. sk .. '"}'
end

-- A ~200-byte item.
function M.item(pk, sk, n)
  return "{" .. M.key(pk, sk) .. ',"n":{"N":"' .. n .. '"},"data":{"S":"' .. M.payload .. '"}}'
end

return M
