#!/usr/bin/env python3
"""Trains brown-llama: a ~4M-parameter Llama on the Brown Corpus, from scratch, on one GPU.

Usage: train.py CORPUS_DIR OUT_DIR [--steps N] [--seed S]
  CORPUS_DIR: train.jsonl / val.jsonl from prepare_corpus.py.
  OUT_DIR:    gets the checkpoint as transformers saves it (config.json, generation_config.json,
              model.safetensors in bf16, tokenizer.json, tokenizer_config.json with the chat template),
              reference.json (what transformers computes on it, fp32 math on the bf16 weights, the format of
              tests/data/models/*/reference.json) and train_log.txt.

Steps: (1) a byte-level BPE of 4096 tokens (6 special tokens) trained on the training paragraphs;
(2) the training stream: every training paragraph as <s> text </s>, plus for each paragraph of 2+ sentences one
chat turn rendered by the chat template (user: one sentence; assistant: the next one or two; a system message in
a third of them), documents shuffled and concatenated; (3) AdamW, bf16 autocast, random 512-token windows,
fixed steps, linear warmup then cosine decay; the validation loss (mean next-token cross-entropy in nats over
the held-out paragraphs as plain documents) is measured every --eval-every steps and the weights of the best
evaluation are kept (deterministic: the same evaluations every run); (4) save, reload in float32 on the CPU and
write reference.json.
"""
import argparse
import json
import math
import os
import random
import sys
import time

os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

try:
    from transformers import PreTrainedTokenizerFast
except ImportError:  # transformers 5 without the old alias
    from transformers import TokenizersBackend as PreTrainedTokenizerFast

SPECIALS = ["<pad>", "<s>", "</s>", "<|system|>", "<|user|>", "<|assistant|>"]
PAD, BOS, EOS = 0, 1, 2
CHAT_TEMPLATE = (r"{{ bos_token }}{% for message in messages %}"
                 r"{{ '<|' + message['role'] + '|>\n' + message['content'] + eos_token + '\n' }}"
                 r"{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}")
SYSTEM = "You are a helpful assistant."
LOG = []


def log(*a):
    line = " ".join(str(x) for x in a)
    print(line, flush=True)
    LOG.append(line)


def render_chat(messages, add_generation_prompt):
    # The chat template by hand (checked against apply_chat_template below).
    s = "<s>" + "".join(f"<|{m['role']}|>\n{m['content']}</s>\n" for m in messages)
    return s + ("<|assistant|>\n" if add_generation_prompt else "")


def load(path):
    with open(path) as f:
        return [json.loads(line)["sentences"] for line in f]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seq", type=int, default=512)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--max-seconds", type=float, default=230.0, help="safety stop; logged if it triggers")
    ap.add_argument("--reference-only", action="store_true",
                    help="rewrite reference.json (and the log's samples) for the model already in OUT_DIR")
    args = ap.parse_args()
    if args.reference_only:
        tok = Tokenizer.from_file(os.path.join(args.out, "tokenizer.json"))
        val_paras = load(os.path.join(args.corpus, "val.jsonl"))

        def enc(text):
            return tok.encode(text, add_special_tokens=False).ids
        val_ids = torch.tensor([t for p in val_paras for t in [BOS] + enc(" ".join(p)) + [EOS]], dtype=torch.long)
        write_reference(args, val_ids, enc)
        with open(os.path.join(args.out, "reference_log.txt"), "w") as f:
            f.write("\n".join(LOG) + "\n")
        return
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    log(f"args {vars(args)} device {dev} {torch.cuda.get_device_name() if dev == 'cuda' else ''}")
    import tokenizers as _tk
    import transformers as _tf
    log(f"torch {torch.__version__} transformers {_tf.__version__} tokenizers {_tk.__version__}")

    train_paras, val_paras = load(os.path.join(args.corpus, "train.jsonl")), load(os.path.join(args.corpus, "val.jsonl"))
    train_texts = [" ".join(p) for p in train_paras]

    # (1) tokenizer
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=4096, min_frequency=2, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(train_texts, trainer)
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", BOS)])
    assert [tok.token_to_id(s) for s in SPECIALS] == list(range(len(SPECIALS)))
    vocab = tok.get_vocab_size()
    log(f"tokenizer: vocab {vocab} ({time.time() - t0:.1f}s)")
    hf_tok = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                     model_max_length=args.seq)
    hf_tok.chat_template = CHAT_TEMPLATE
    probe = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Hi."}]
    rendered = hf_tok.apply_chat_template(probe, tokenize=False, add_generation_prompt=True)
    if rendered != render_chat(probe, True):
        log(f"WARNING: chat template renders {rendered!r}, training renders {render_chat(probe, True)!r}")

    def enc(text):
        return tok.encode(text, add_special_tokens=False).ids

    # (2) data
    rng = random.Random(args.seed)
    docs = [[BOS] + e.ids + [EOS] for e in tok.encode_batch(train_texts, add_special_tokens=False)]
    chats = []
    for p in train_paras:
        if len(p) < 2:
            continue
        i = rng.randrange(len(p) - 1)
        answer = " ".join(p[i + 1:i + 1 + rng.choice([1, 2])])
        msgs = ([{"role": "system", "content": SYSTEM}] if rng.random() < 1 / 3 else []) + [
            {"role": "user", "content": p[i]}, {"role": "assistant", "content": answer}]
        chats.append(render_chat(msgs, False))
    docs += [e.ids for e in tok.encode_batch(chats, add_special_tokens=False)]
    rng.shuffle(docs)
    log(f"a chat turn: {chats[0]!r}")
    train_ids = torch.tensor([t for d in docs for t in d], dtype=torch.long)
    val_ids = torch.tensor([t for p in val_paras for t in [BOS] + enc(" ".join(p)) + [EOS]], dtype=torch.long)
    log(f"data: {len(docs)} train docs ({len(chats)} chat turns), {train_ids.numel()} train tokens, "
        f"{val_ids.numel()} val tokens ({time.time() - t0:.1f}s)")

    # (3) model and training
    config = LlamaConfig(vocab_size=vocab, hidden_size=256, intermediate_size=704, num_hidden_layers=4,
                         num_attention_heads=8, num_key_value_heads=4, head_dim=32, max_position_embeddings=args.seq,
                         rms_norm_eps=1e-5, rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
                         tie_word_embeddings=True, bos_token_id=BOS, eos_token_id=EOS, pad_token_id=PAD,
                         initializer_range=0.02, hidden_act="silu", attention_bias=False, mlp_bias=False)
    model = LlamaForCausalLM(config).to(dev)
    nparams = sum(p.numel() for p in model.parameters())
    log(f"model: {nparams} parameters")
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    warmup = 100

    def lr_at(step):
        if step < warmup:
            return args.lr * (step + 1) / warmup
        frac = (step - warmup) / max(1, args.steps - warmup)
        return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))

    gen = torch.Generator().manual_seed(args.seed)
    train_dev = train_ids.to(dev)
    val_windows = val_ids[: (val_ids.numel() - 1) // args.seq * args.seq + 1]

    @torch.no_grad()
    def evaluate():
        model.eval()
        total, count = 0.0, 0
        n = (val_windows.numel() - 1) // args.seq
        for b in range(0, n, 32):
            idx = torch.arange(b, min(n, b + 32))
            x = torch.stack([val_windows[i * args.seq:(i + 1) * args.seq] for i in idx]).to(dev)
            y = torch.stack([val_windows[i * args.seq + 1:(i + 1) * args.seq + 1] for i in idx]).to(dev)
            with torch.autocast(dev, dtype=torch.bfloat16, enabled=dev == "cuda"):
                logits = model(input_ids=x).logits
            loss = torch.nn.functional.cross_entropy(logits.float().reshape(-1, vocab), y.reshape(-1), reduction="sum")
            total += loss.item()
            count += y.numel()
        model.train()
        return total / count

    best = (float("inf"), -1, None)
    model.train()
    tstart = time.time()
    step = 0
    for step in range(args.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        starts = torch.randint(0, train_ids.numel() - args.seq - 1, (args.batch,), generator=gen)
        offs = starts[:, None] + torch.arange(args.seq + 1)[None, :]
        chunk = train_dev[offs.to(dev)]
        x, y = chunk[:, :-1], chunk[:, 1:]
        with torch.autocast(dev, dtype=torch.bfloat16, enabled=dev == "cuda"):
            logits = model(input_ids=x).logits
        loss = torch.nn.functional.cross_entropy(logits.float().reshape(-1, vocab), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        last = step + 1 == args.steps
        if (step + 1) % 50 == 0 or step == 0:
            log(f"step {step + 1} loss {loss.item():.4f} lr {lr_at(step):.2e} {time.time() - tstart:.1f}s")
        if (step + 1) % args.eval_every == 0 or last:
            v = evaluate()
            log(f"step {step + 1} val_loss {v:.4f}")
            if v < best[0]:
                best = (v, step + 1, {k: t.detach().clone() for k, t in model.state_dict().items()})
        if time.time() - tstart > args.max_seconds:
            log(f"SAFETY STOP after step {step + 1} ({time.time() - tstart:.1f}s)")
            v = evaluate()
            log(f"step {step + 1} val_loss {v:.4f}")
            if v < best[0]:
                best = (v, step + 1, {k: t.detach().clone() for k, t in model.state_dict().items()})
            break
    log(f"training: {step + 1} steps in {time.time() - tstart:.1f}s; kept step {best[1]} val_loss {best[0]:.4f}")
    model.load_state_dict(best[2])

    # (4) save as transformers saves, in bf16
    model = model.to(torch.bfloat16).cpu()
    model.generation_config = GenerationConfig(bos_token_id=BOS, eos_token_id=EOS, pad_token_id=PAD)
    model.save_pretrained(args.out)
    hf_tok.save_pretrained(args.out)
    tc_path = os.path.join(args.out, "tokenizer_config.json")
    with open(tc_path) as f:
        tc = json.load(f)
    jinja = os.path.join(args.out, "chat_template.jinja")
    if os.path.exists(jinja):  # transformers 5 writes the template beside; the brief wants it in tokenizer_config
        os.remove(jinja)
    tc["chat_template"] = CHAT_TEMPLATE
    with open(tc_path, "w") as f:
        json.dump(tc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    log(f"saved: {sorted(os.listdir(args.out))}")

    write_reference(args, val_ids, enc)
    log(f"total {time.time() - t0:.1f}s")
    with open(os.path.join(args.out, "train_log.txt"), "w") as f:
        f.write("\n".join(LOG) + "\n")


def write_reference(args, val_ids, enc):
    # reference: reload as a user would, then fp32 math on the bf16 weights on the CPU, with the rotary inverse
    # frequencies rounded to bf16 as a model materialized in its checkpoint dtype holds that buffer. That is the
    # fixtures' convention (tests/data/models) and what the engine reproduces (engine/model/rope_table.h);
    # from_pretrained keeps the buffer in float32, which moves this model's logits by up to 3e-3.
    ref_model = LlamaForCausalLM.from_pretrained(args.out, dtype=torch.float32, attn_implementation="eager").eval()
    for module in ref_model.modules():
        for name in ("inv_freq", "original_inv_freq"):
            buf = getattr(module, name, None)
            if isinstance(buf, torch.Tensor):
                setattr(module, name, buf.to(torch.bfloat16).float())
    ref_tok = PreTrainedTokenizerFast.from_pretrained(args.out)
    chat_prompt = ref_tok.apply_chat_template(
        [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "Say hello to the cluster."}],
        tokenize=False, add_generation_prompt=True)
    val_head = val_ids[:257].tolist()
    prompts = [[BOS], [BOS] + enc("The jury said"), enc(chat_prompt), val_head[:100], val_head[:257]]
    cases = []
    with torch.no_grad():
        for p in prompts:
            ids = list(p)
            margin = float("inf")
            last_logits = None
            greedy = []
            for k in range(24):
                logits = ref_model(input_ids=torch.tensor([ids])).logits[0, -1].float()
                if k == 0:
                    last_logits = logits
                top2 = torch.topk(logits, 2).values
                margin = min(margin, (top2[0] - top2[1]).item())
                nxt = int(torch.argmax(logits))
                greedy.append(nxt)
                ids.append(nxt)
            cases.append({"prompt_ids": list(p), "greedy_ids": greedy, "min_greedy_margin": margin,
                          "last_logits": [round(float(v), 6) for v in last_logits]})
            log(f"reference: prompt {len(p)} tokens, margin {margin:.4f}: {ref_tok.decode(p)!r} -> "
                f"{ref_tok.decode(greedy)!r}")
    import transformers as _tf
    ref = {"generator": f"transformers {_tf.__version__}, torch {torch.__version__}, fp32 math on bf16 weights",
           "architecture": "LlamaForCausalLM", "cases": cases}
    with open(os.path.join(args.out, "reference.json"), "w") as f:
        json.dump(ref, f)

    # a few chat answers, greedy and sampled, for the README
    torch.manual_seed(args.seed)
    for q in ["Say hello to the cluster.", "What did the jury say about the election?",
              "Tell me about the weather.", "Who are you?"]:
        text = ref_tok.apply_chat_template([{"role": "system", "content": SYSTEM}, {"role": "user", "content": q}],
                                           tokenize=False, add_generation_prompt=True)
        x = torch.tensor([ref_tok(text, add_special_tokens=False).input_ids])
        g = ref_model.generate(x, max_new_tokens=40, do_sample=False)
        s = ref_model.generate(x, max_new_tokens=40, do_sample=True, temperature=0.8, top_p=0.95)
        log(f"chat {q!r}\n  greedy : {ref_tok.decode(g[0, x.shape[1]:])!r}\n  sampled: {ref_tok.decode(s[0, x.shape[1]:])!r}")


if __name__ == "__main__":
    try:
        main()
    finally:
        if LOG and len(sys.argv) > 2 and "--reference-only" not in sys.argv:
            os.makedirs(sys.argv[2], exist_ok=True)
            with open(os.path.join(sys.argv[2], "train_log.txt"), "w") as f:
                f.write("\n".join(LOG) + "\n")
