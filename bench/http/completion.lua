-- wrk script: a 1-token completion (greedy) on the served model named "bench"; bench/http/run.sh uses it.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"bench","prompt":"Hello","max_tokens":1,"temperature":0}'

-- Count non-2xx answers, so an overloaded or failing server cannot pass for a fast one.
local bad = 0
response = function(status, headers, body)
  if status < 200 or status >= 300 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("non-2xx: %d\n", bad))
end
