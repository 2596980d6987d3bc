-- wrk script for the front-end overhead benchmark: a 1-token completion on the served fixture model.
-- wrk -t1 -c32 -d15s -s tests/http/wrk_completion.lua http://127.0.0.1:8765/v1/completions
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model":"llama3-vocab","prompt":"Hello","max_tokens":1,"temperature":0}'
