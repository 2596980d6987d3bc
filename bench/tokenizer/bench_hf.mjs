// Encode throughput of Hugging Face's `tokenizers` (Rust, through its Node binding) on the same inputs as
// bench_tokenizer (corpus, paragraphs, whole text) and in the same way: one warm-up pass, then passes until
// --min-seconds have elapsed. Each encode is awaited before the next, so the Rust side works on one string
// at a time on one thread.
// Usage: node bench_hf.mjs --model NAME --dir TOKENIZER_DIR --corpus corpus.json --text FILE
//                          [--min-seconds 2] [--ids-out FILE]
import { readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const require = createRequire(import.meta.url)
const { Tokenizer } = require('tokenizers')

const args = { '--min-seconds': '2' }
for (let i = 2; i + 1 < process.argv.length; i += 2) args[process.argv[i]] = process.argv[i + 1]
for (const k of ['--model', '--dir', '--corpus', '--text']) {
  if (!(k in args)) {
    console.error('usage: node bench_hf.mjs --model NAME --dir DIR --corpus corpus.json --text FILE [--min-seconds S]')
    process.exit(2)
  }
}
const minSeconds = Number(args['--min-seconds'])

const loadStart = process.hrtime.bigint()
const tok = Tokenizer.fromFile(join(args['--dir'], 'tokenizer.json'))
const loadSeconds = Number(process.hrtime.bigint() - loadStart) / 1e9
const corpus = JSON.parse(readFileSync(args['--corpus'], 'utf8'))
const text = readFileSync(args['--text'], 'utf8')
const utf8Bytes = (s) => Buffer.byteLength(s, 'utf8')
const encode = async (s) => (await tok.encode(s, null, { addSpecialTokens: false })).getIds()

async function measure(round) {
  await round()
  const r = { bytes: 0, calls: 0, tokens: 0, seconds: 0 }
  const start = process.hrtime.bigint()
  do {
    const [bytes, calls, tokens] = await round()
    r.bytes += bytes
    r.calls += calls
    r.tokens += tokens
    r.seconds = Number(process.hrtime.bigint() - start) / 1e9
  } while (r.seconds < minSeconds)
  return r
}

function print(input, r, tokens) {
  const mbs = r.bytes / r.seconds / 1e6
  console.log(
    `${args['--model'].padEnd(14)} ${input.padEnd(8)} ${String(r.bytes).padStart(10)} ${String(r.calls).padStart(8)} ` +
      `${r.seconds.toFixed(3).padStart(8)} ${mbs.toFixed(2).padStart(9)} ${String(tokens).padStart(10)}`,
  )
}

const corpusBytes = corpus.reduce((n, s) => n + utf8Bytes(s), 0)
let corpusTokens = 0
const c = await measure(async () => {
  let tokens = 0
  for (const s of corpus) tokens += (await encode(s)).length
  corpusTokens = tokens
  return [corpusBytes, corpus.length, tokens]
})
// Paragraphs exactly as bench_tokenizer cuts them: at every "\n\n", which is dropped.
const paragraphs = text.split('\n\n')
const paragraphBytes = paragraphs.reduce((n, s) => n + utf8Bytes(s), 0)
let paragraphTokens = 0
const p = await measure(async () => {
  let tokens = 0
  for (const s of paragraphs) tokens += (await encode(s)).length
  paragraphTokens = tokens
  return [paragraphBytes, paragraphs.length, tokens]
})
const textBytes = utf8Bytes(text)
let textTokens = 0
const t = await measure(async () => {
  textTokens = (await encode(text)).length
  return [textBytes, 1, textTokens]
})
console.log(`# ${args['--model']}: loaded in ${loadSeconds.toFixed(2)} s`)
print('corpus', c, corpusTokens)
print('paras', p, paragraphTokens)
print('text', t, textTokens)

if (args['--ids-out']) {
  const out = { text: await encode(text), corpus: [] }
  for (const s of corpus) out.corpus.push(await encode(s))
  writeFileSync(args['--ids-out'], JSON.stringify(out))
}
