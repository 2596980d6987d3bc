// Load: 1,000 concurrent streaming requests all complete with nothing lost; then 100 clients that drop
// mid-stream leave zero KV blocks in use and no request running (read from /metrics).
// Env: LLMC_BASE_URL, LLMC_API_KEY, LLMC_MODEL.
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const base = process.env.LLMC_BASE_URL;
const model = process.env.LLMC_MODEL;
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: process.env.LLMC_API_KEY, timeout: 300_000, maxRetries: 0 });
setTimeout(() => { console.error('FAIL: timed out after 480 s'); process.exit(1); }, 480_000).unref();

async function metrics() {
  const text = await (await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${process.env.LLMC_API_KEY}` } })).text();
  const value = (name, labels = '') => {
    const line = text.split('\n').find((l) => l.startsWith(name + '{') && l.includes(labels));
    assert.ok(line, `metric ${name}${labels} missing`);
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  return {
    running: value('vllm:num_requests_running'),
    waiting: value('vllm:num_requests_waiting'),
    kv: value('vllm:kv_cache_usage_perc'),
    aborted: value('vllm:request_success_total', 'finished_reason="abort"'),
    length: value('vllm:request_success_total', 'finished_reason="length"'),
  };
}

async function oneStream(i) {
  const stream = await client.completions.create({ model, prompt: `Request number ${i}:`, max_tokens: 8,
    ignore_eos: true, temperature: 0, stream: true, stream_options: { include_usage: true } });
  let text = '', finish = null, usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += c.text;
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  return { text, finish, usage };
}

const before = await metrics();
let t0 = Date.now();
const results = await Promise.allSettled(Array.from({ length: 1000 }, (_, i) => oneStream(i)));
const failures = results.filter((r) => r.status === 'rejected');
assert.equal(failures.length, 0, `failed streams: ${failures.length}, first: ${failures[0]?.reason}`);
for (const r of results) {
  assert.equal(r.value.finish, 'length');
  assert.equal(r.value.usage.completion_tokens, 8);
}
const afterLoad = await metrics();
assert.equal(afterLoad.length - before.length, 1000, 'every request finished with "length"');
console.log(`ok   1000 concurrent streams complete (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

// 100 clients that go away after their first chunk.
t0 = Date.now();
await Promise.all(Array.from({ length: 100 }, async (_, i) => {
  const controller = new AbortController();
  const stream = await client.completions.create({ model, prompt: `Dropped ${i}`, max_tokens: 400, ignore_eos: true,
    stream: true }, { signal: controller.signal });
  try {
    for await (const chunk of stream) {
      controller.abort();
      break;
    }
  } catch (e) {
    if (!(e instanceof OpenAI.APIUserAbortError) && e.name !== 'AbortError') throw e;
  }
}));
const deadline = Date.now() + 60_000;
let m = await metrics();
while ((m.running !== 0 || m.waiting !== 0 || m.kv !== 0 || m.aborted - before.aborted < 100) && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 100));
  m = await metrics();
}
assert.equal(m.aborted - before.aborted, 100, 'every dropped client was aborted');
assert.equal(m.running, 0);
assert.equal(m.waiting, 0);
assert.equal(m.kv, 0, 'no KV blocks in use');
console.log(`ok   100 dropped streams aborted, KV usage 0 (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
process.exit(0);
