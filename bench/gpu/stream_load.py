"""N concurrent streaming /v1/completions requests against a running server (standard library only: the GPU
machine has no package registry). Reports errors, output tokens/s, median time to first token and median
inter-token latency; exits non-zero when any request failed or returned fewer tokens than asked.
Usage: python3 bench/gpu/stream_load.py PORT MODEL [--requests 256] [--max-tokens 64] [--prompt-words 200]
"""
import argparse
import http.client
import json
import statistics
import sys
import threading
import time


def one(port, model, prompt, max_tokens, results, i):
    t0 = time.perf_counter()
    stamps, tokens, error = [], 0, None
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        body = {"model": model, "prompt": prompt, "max_tokens": max_tokens, "stream": True, "ignore_eos": True,
                "temperature": 0, "stream_options": {"include_usage": True}}
        c.request("POST", "/v1/completions", json.dumps(body), {"Content-Type": "application/json"})
        r = c.getresponse()
        if r.status != 200:
            raise RuntimeError(f"HTTP {r.status}: {r.read()[:200]!r}")
        for raw in r:
            line = raw.decode().strip()
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            ev = json.loads(line[6:])
            if "error" in ev:
                raise RuntimeError(str(ev["error"]))
            if ev.get("choices") and ev["choices"][0].get("text"):
                stamps.append(time.perf_counter())
            if ev.get("usage"):
                tokens = ev["usage"]["completion_tokens"]
    except Exception as e:  # noqa: BLE001 - every failure is counted and reported
        error = str(e)
    results[i] = (t0, stamps, tokens, error)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("model")
    p.add_argument("--requests", type=int, default=256)
    p.add_argument("--max-tokens", type=int, default=64)
    p.add_argument("--prompt-words", type=int, default=200)
    a = p.parse_args()
    words = "the quick brown fox jumps over a lazy dog while seven wizards quietly judge boxing".split()
    results = [None] * a.requests
    threads = []
    start = time.perf_counter()
    for i in range(a.requests):
        prompt = f"request {i}: " + " ".join(words[(i + k) % len(words)] for k in range(a.prompt_words))
        threads.append(threading.Thread(target=one, args=(a.port, a.model, prompt, a.max_tokens, results, i)))
        threads[-1].start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    errors = [r[3] for r in results if r[3]]
    short = [r for r in results if not r[3] and r[2] != a.max_tokens]
    total = sum(r[2] for r in results)
    ttft = [r[1][0] - r[0] for r in results if r[1]]
    itl = [b - a_ for r in results for a_, b in zip(r[1], r[1][1:])]
    print(f"{a.requests} streams: {len(errors)} failed, {len(short)} short, {total} output tokens in {wall:.2f} s "
          f"= {total / wall:.0f} tokens/s; median TTFT {statistics.median(ttft) * 1e3:.0f} ms, "
          f"median ITL {statistics.median(itl) * 1e3:.2f} ms" if ttft and itl else "no tokens received")
    for e in errors[:5]:
        print("error:", e)
    sys.exit(1 if errors or short or not ttft else 0)


if __name__ == "__main__":
    main()
