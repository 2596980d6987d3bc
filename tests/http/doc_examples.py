#!/usr/bin/env python3
"""Runs the curl examples of docs/http-api.md against live servers and checks each output against the one the
doc shows, so the reference cannot drift from the server.

An example is a ```sh block whose first line starts with `curl`, optionally followed by the output block
(```json or ```text) the doc shows for it. Two servers run on the default model, as the doc says:
`127.0.0.1:8000` is `llm-cluster serve MODEL --served-model-name default`, `127.0.0.1:8001` the same with
`--api-key sk-demo --allowed-origins '["http://ui.example"]'`; the examples' ports are rewritten to the free
ports the servers got.

What "the same output" means, since ids, timestamps, sampled text and counters differ from run to run:
  - JSON: the same keys at every level, the same value types, and equal values except under the keys in
    VOLATILE (ids, times, generated text, logprobs, paths); lists compare element by element, or, when their
    length varies (streams, token lists), every element against the doc's first.
  - text: line by line with every number masked; `data: {...}` lines (SSE) compare as JSON, and a stream
    passes when its first and last events match the doc's and every event matches one of the doc's shapes.
  - a trailing `status NNN` line (from curl -w) must match exactly.

usage: doc_examples.py LLM_CLUSTER MODEL_DIR DOC [--update]   (--update rewrites the doc's output blocks)
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

VOLATILE = {"id", "created", "root", "text", "content", "token", "bytes", "logprob", "top_logprobs",
            "token_logprobs", "tokens", "text_offset", "token_strs", "prompt", "version",
            "completion_tokens", "total_tokens", "finish_reason", "stop_reason", "predictions", "cached_tokens"}
BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.S)
SERVERS = {8000: [], 8001: ["--api-key", "sk-demo", "--allowed-origins", '["http://ui.example"]']}


def start(binary, model, extra, log):
    cmd = [binary, "serve", model, "--served-model-name", "default", "--host", "127.0.0.1", "--port", "0",
           "--max-model-len", "512", "--kv-cache-memory", "0.25", "--threads", "1"] + extra
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited early: {' '.join(cmd)}; log: {log.name}")
        with open(log.name) as f:
            m = re.search(r"serving .* on http://127\.0\.0\.1:(\d+)", f.read())
        if m:
            return proc, int(m.group(1))
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start within 120 s")


def examples(doc):
    """(index of the sh block's match, command, output block match or None) for every curl example."""
    blocks = list(BLOCK.finditer(doc))
    out = []
    for i, b in enumerate(blocks):
        if b.group(1) != "sh" or not b.group(2).lstrip().startswith("curl"):
            continue
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        follows = nxt is not None and doc[b.end():nxt.start()].strip() == "" and nxt.group(1) in ("json", "text")
        out.append((b, b.group(2), nxt if follows else None))
    return out


def shape_equal(want, got, path="$"):
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return f"{path}: expected an object, got {json.dumps(got)[:80]}"
        if set(want) != set(got):
            return f"{path}: keys {sorted(got)} differ from the doc's {sorted(want)}"
        for k in want:
            if k in VOLATILE:
                if type(want[k]) is not type(got[k]) and None not in (want[k], got[k]):
                    return f"{path}.{k}: {type(got[k]).__name__} where the doc has {type(want[k]).__name__}"
                continue
            err = shape_equal(want[k], got[k], f"{path}.{k}")
            if err:
                return err
        return None
    if isinstance(want, list):
        if not isinstance(got, list):
            return f"{path}: expected a list"
        if len(want) == len(got):
            pairs = zip(want, got)
        elif want:
            pairs = ((want[0], g) for g in got)
        else:
            return f"{path}: {len(got)} items where the doc has none"
        for i, (w, g) in enumerate(pairs):
            err = shape_equal(w, g, f"{path}[{i}]")
            if err:
                return err
        return None
    if want != got:
        return f"{path}: {json.dumps(got)} where the doc has {json.dumps(want)}"
    return None


def mask(line):
    return re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", "#", line)


def compare_text(want, got):
    w_lines, g_lines = want.rstrip("\n").split("\n"), got.rstrip("\n").split("\n")
    w_status = w_lines.pop() if w_lines and w_lines[-1].startswith("status ") else None
    g_status = g_lines.pop() if g_lines and g_lines[-1].startswith("status ") else None
    if w_status != g_status:
        return f"'{g_status}' where the doc has '{w_status}'"
    w_events = [l[6:] for l in w_lines if l.startswith("data: ")]
    if w_events:  # an SSE stream
        g_events = [l[6:] for l in g_lines if l.startswith("data: ")]
        if not g_events or g_events[-1] != w_events[-1]:
            return f"the stream ends with {g_events[-1:]} where the doc's ends with {w_events[-1:]}"
        w_json = [json.loads(e) for e in w_events[:-1]]
        g_json = [json.loads(e) for e in g_events[:-1]]
        if not g_json:
            return "no events before the last"
        for which, w, g in (("first", w_json[0], g_json[0]), ("last", w_json[-1], g_json[-1])):
            err = shape_equal(w, g)
            if err:
                return f"{which} event: {err}"
        for i, g in enumerate(g_json):
            if all(shape_equal(w, g) for w in w_json):
                return f"event {i} matches none of the doc's: {json.dumps(g)[:200]}"
        return None
    if len(w_lines) == 1 and w_lines[0].lstrip().startswith(("{", "[")):
        try:
            return shape_equal(json.loads(w_lines[0]), json.loads(g_lines[0])) if len(g_lines) == 1 else \
                f"{len(g_lines)} lines where the doc has one"
        except json.JSONDecodeError as e:
            return f"not JSON: {e}"
    if [mask(l) for l in w_lines] != [mask(l) for l in g_lines]:
        return "lines differ (numbers masked):\n" + "\n".join(g_lines[:20])
    return None


def compare(kind, want, got):
    if kind == "json":
        try:
            return shape_equal(json.loads(want), json.loads(got))
        except json.JSONDecodeError as e:
            return f"not JSON ({e}): {got[:300]}"
    return compare_text(want, got)


def main():
    binary, model, doc_path = sys.argv[1:4]
    update = "--update" in sys.argv[4:]
    doc = open(doc_path).read()
    work = tempfile.mkdtemp()
    procs, ports = [], {}
    try:
        for port, extra in SERVERS.items():
            log = open(os.path.join(work, f"server-{port}.log"), "w")
            proc, ports[port] = start(binary, model, extra, log)
            procs.append(proc)
        failures, replaced, pieces, at = 0, 0, [], 0
        found = examples(doc)
        for block, command, output in found:
            run = command
            for doc_port, port in ports.items():
                run = run.replace(f"127.0.0.1:{doc_port}", f"127.0.0.1:{port}")
            r = subprocess.run(["bash", "-o", "pipefail", "-c", run], capture_output=True, text=True, timeout=120)
            first = command.strip().splitlines()[0][:90]
            if r.returncode != 0:
                print(f"FAIL {first}: exit {r.returncode}: {r.stderr.strip()[:300]}")
                failures += 1
                continue
            got = r.stdout
            if output is None:
                print(f"ok   {first}")
                continue
            if update:
                body = json.dumps(json.loads(got), indent=2, ensure_ascii=False) + "\n" if output.group(1) == "json" else got
                pieces.append(doc[at:output.start(2)] + body)
                at = output.end(2)
                replaced += 1
            err = compare(output.group(1), output.group(2), got)
            if err and not update:
                print(f"FAIL {first}: {err}\n---- output ----\n{got[:1500]}")
                failures += 1
            else:
                print(f"ok   {first}")
        if update:
            with open(doc_path, "w") as f:
                f.write("".join(pieces) + doc[at:])
            print(f"rewrote {replaced} output blocks of {doc_path}")
        print(f"{len(found) - failures} passed, {failures} failed")
        return 1 if failures or not found else 0
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    sys.exit(main())
