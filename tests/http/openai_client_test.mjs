// Live checks with the official openai client library: completions and chat, streaming and not, n > 1,
// logprobs, stop strings, usage, the model list and error statuses. The client must parse everything, and
// streamed text must equal non-streamed text for the same greedy request.
// Env: LLMC_BASE_URL, LLMC_API_KEY, LLMC_MODEL (set by run_live_test.sh).
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = `${process.env.LLMC_BASE_URL}/v1`;
const model = process.env.LLMC_MODEL;
const client = new OpenAI({ baseURL, apiKey: process.env.LLMC_API_KEY, timeout: 60_000, maxRetries: 0 });
setTimeout(() => { console.error('FAIL: timed out after 240 s'); process.exit(1); }, 240_000).unref();

const greedy = { temperature: 0, ignore_eos: true };
const checks = [];
const check = (name, fn) => checks.push([name, fn]);

async function collectCompletion(params) {
  const stream = await client.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
  const texts = {}, finish = {};
  let usage = null, chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      texts[c.index] = (texts[c.index] ?? '') + c.text;
      if (c.finish_reason) finish[c.index] = c.finish_reason;
    }
  }
  return { texts, finish, usage, chunks };
}

async function collectChat(params) {
  const stream = await client.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
  const texts = {}, finish = {}, roles = {};
  let usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      if (c.delta.role) roles[c.index] = c.delta.role;
      if (c.delta.content) texts[c.index] = (texts[c.index] ?? '') + c.delta.content;
      if (c.finish_reason) finish[c.index] = c.finish_reason;
    }
  }
  return { texts, finish, roles, usage };
}

check('models list', async () => {
  const models = await client.models.list();
  const ids = models.data.map((m) => m.id);
  assert.deepEqual(ids, [model]);
  assert.equal(models.data[0].object, 'model');
});

check('completion: non-streamed equals streamed (greedy), usage', async () => {
  const params = { model, prompt: 'The capital of France is', max_tokens: 24, ...greedy };
  const plain = await client.completions.create(params);
  assert.equal(plain.object, 'text_completion');
  assert.equal(plain.choices.length, 1);
  assert.equal(plain.choices[0].finish_reason, 'length');
  assert.equal(plain.usage.completion_tokens, 24);
  assert.ok(plain.usage.prompt_tokens > 1);
  assert.equal(plain.usage.total_tokens, plain.usage.prompt_tokens + 24);
  assert.equal(typeof plain.usage.prompt_tokens_details.cached_tokens, 'number');
  const streamed = await collectCompletion(params);
  assert.equal(streamed.texts[0], plain.choices[0].text);
  assert.equal(streamed.finish[0], 'length');
  assert.equal(streamed.usage.completion_tokens, 24);
  assert.ok(streamed.chunks >= 2);
});

check('chat: non-streamed equals streamed (greedy), role first', async () => {
  const params = { model, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi!' }],
                   max_tokens: 20, ...greedy };
  const plain = await client.chat.completions.create(params);
  assert.equal(plain.object, 'chat.completion');
  assert.equal(plain.choices[0].message.role, 'assistant');
  assert.equal(typeof plain.choices[0].message.content, 'string');
  assert.equal(plain.usage.completion_tokens, 20);
  const streamed = await collectChat(params);
  assert.equal(streamed.roles[0], 'assistant');
  assert.equal(streamed.texts[0] ?? '', plain.choices[0].message.content);
  assert.equal(streamed.finish[0], 'length');
  assert.equal(streamed.usage.completion_tokens, 20);
  // List-of-parts content renders the same prompt as the plain string.
  const parts = await client.chat.completions.create({ ...params, messages: [params.messages[0],
    { role: 'user', content: [{ type: 'text', text: 'Hi!' }] }] });
  assert.equal(parts.choices[0].message.content, plain.choices[0].message.content);
});

check('n > 1, streamed and not, seeded sampling', async () => {
  const params = { model, prompt: ['Once upon a time', 'In a galaxy'], n: 3, max_tokens: 6, temperature: 1.0,
                   seed: 1234, ignore_eos: true };
  const plain = await client.completions.create(params);
  assert.deepEqual(plain.choices.map((c) => c.index).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5]);
  assert.equal(plain.usage.completion_tokens, 36);
  const streamed = await collectCompletion(params);
  for (const c of plain.choices) assert.equal(streamed.texts[c.index], c.text, `choice ${c.index}`);
  const chat = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello' }], n: 2,
                                                     max_tokens: 4, ignore_eos: true, seed: 5 });
  assert.equal(chat.choices.length, 2);
  const chatStreamed = await collectChat({ model, messages: [{ role: 'user', content: 'Hello' }], n: 2, max_tokens: 4,
                                           ignore_eos: true, seed: 5 });
  assert.deepEqual(Object.keys(chatStreamed.roles).sort(), ['0', '1']);
  for (const c of chat.choices) assert.equal(chatStreamed.texts[c.index] ?? '', c.message.content);
});

check('logprobs in both formats', async () => {
  const comp = await client.completions.create({ model, prompt: 'Hello', max_tokens: 5, logprobs: 2, ...greedy });
  const lp = comp.choices[0].logprobs;
  assert.equal(lp.tokens.length, 5);
  assert.equal(lp.token_logprobs.length, 5);
  assert.equal(lp.text_offset.length, 5);
  assert.equal(lp.tokens.join(''), comp.choices[0].text);
  for (let i = 0; i < 5; i++) {
    assert.ok(lp.token_logprobs[i] <= 0);
    assert.ok(Object.keys(lp.top_logprobs[i]).length >= 2);
    // Greedy: the chosen token is the most likely one.
    assert.ok(lp.token_logprobs[i] >= Math.max(...Object.values(lp.top_logprobs[i])) - 1e-5);
  }
  const chat = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello' }],
                                                     max_tokens: 4, logprobs: true, top_logprobs: 3, ...greedy });
  const content = chat.choices[0].logprobs.content;
  assert.equal(content.length, 4);
  for (const t of content) {
    assert.equal(typeof t.token, 'string');
    assert.ok(Array.isArray(t.bytes));
    assert.equal(t.top_logprobs.length, 3);
    assert.ok(t.logprob <= 0);
  }
});

check('stop strings: output ends before the first occurrence, stop_reason says which', async () => {
  const base = await client.completions.create({ model, prompt: 'Tell me a story', max_tokens: 40, ...greedy });
  const text = base.choices[0].text;
  const chars = Array.from(text);
  assert.ok(chars.length >= 12, `need some text to cut, got ${JSON.stringify(text)}`);
  const stop = chars.slice(8, 11).join('');
  const expected = text.slice(0, text.indexOf(stop));
  const cut = await client.completions.create({ model, prompt: 'Tell me a story', max_tokens: 40, stop: [stop], ...greedy });
  assert.equal(cut.choices[0].text, expected);
  assert.equal(cut.choices[0].finish_reason, 'stop');
  assert.equal(cut.choices[0].stop_reason, stop);
  const streamed = await collectCompletion({ model, prompt: 'Tell me a story', max_tokens: 40, stop: stop, ...greedy });
  assert.equal(streamed.texts[0] ?? '', expected);
  assert.equal(streamed.finish[0], 'stop');
});

check('echo', async () => {
  const r = await client.completions.create({ model, prompt: 'Echo me', max_tokens: 3, echo: true, ...greedy });
  assert.ok(r.choices[0].text.startsWith('Echo me'));
});

check('errors come back as the client error classes', async () => {
  await assert.rejects(client.completions.create({ model: 'no-such-model', prompt: 'x', max_tokens: 1 }),
    (e) => e instanceof OpenAI.NotFoundError && e.status === 404);
  await assert.rejects(client.completions.create({ model, prompt: 'x', max_tokens: 100000 }),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && /maximum context length/.test(e.message));
  await assert.rejects(client.chat.completions.create({ model, messages: [] }),
    (e) => e instanceof OpenAI.BadRequestError);
  const stranger = new OpenAI({ baseURL, apiKey: 'wrong', maxRetries: 0, timeout: 10_000 });
  await assert.rejects(stranger.models.list(), (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
});

check('fields past their range are 400 naming the field, never wrapped', async () => {
  const refused = (field) => (e) =>
    e instanceof OpenAI.BadRequestError && e.status === 400 && e.param === field && !/-2147483648\]/.test(e.message);
  await assert.rejects(client.completions.create({ model, prompt: 'x', max_tokens: 4294967297 }), refused('max_tokens'));
  await assert.rejects(client.completions.create({ model, prompt: 'x', max_tokens: 2147483648 }), refused('max_tokens'));
  await assert.rejects(client.completions.create({ model, prompt: 'x', max_tokens: 2, logprobs: 4294967297 }),
    refused('logprobs'));
  const messages = [{ role: 'user', content: 'x' }];
  await assert.rejects(client.chat.completions.create({ model, messages, max_tokens: 2, top_k: 4294967297 }),
    refused('top_k'));
  await assert.rejects(client.chat.completions.create({ model, messages, max_tokens: 2, logprobs: true,
    top_logprobs: 4294967297 }), refused('top_logprobs'));
  await assert.rejects(client.chat.completions.create({ model, messages, max_tokens: 2, min_tokens: 4294967297 }),
    refused('min_tokens'));
  await assert.rejects(client.chat.completions.create({ model, messages, max_tokens: 2, seed: 2 ** 64 }),
    refused('seed'));
});

let failed = 0;
for (const [name, fn] of checks) {
  const t0 = Date.now();
  try {
    await fn();
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.error(`FAIL ${name}: ${e.stack ?? e}`);
  }
}
console.log(`${checks.length - failed}/${checks.length} openai client checks passed`);
process.exit(failed ? 1 : 0);
