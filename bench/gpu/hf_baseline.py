"""HF transformers on the same GPU and model shape as bench_cuda_engine, for the side-by-side table in
docs/perf.md: prefill of one prompt and decode steps at several batch sizes over a filled KV cache, eager
PyTorch with transformers' DynamicCache, random bf16 weights (the same shapes as --load-format dummy).
Times are medians of CUDA-synchronized host timings, as bench_cuda_engine takes them.
Usage: python3 bench/gpu/hf_baseline.py CONFIG.json [--prompt 2048] [--batch 1,8,64] [--context 512] [--steps 32]
"""
import argparse
import json
import statistics
import time

import torch
import transformers


def timed(fn):
    torch.cuda.synchronize()
    t = time.perf_counter()
    out = fn()
    torch.cuda.synchronize()
    return time.perf_counter() - t, out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("config")
    p.add_argument("--prompt", type=int, default=2048)
    p.add_argument("--batch", default="1,8,64")
    p.add_argument("--context", type=int, default=512)
    p.add_argument("--steps", type=int, default=32)
    a = p.parse_args()
    cfg = transformers.AutoConfig.for_model(**json.load(open(a.config)))
    torch.manual_seed(0)
    with torch.device("cuda"):
        model = transformers.AutoModelForCausalLM.from_config(cfg, torch_dtype=torch.bfloat16).eval()
    print(f"transformers {transformers.__version__}, torch {torch.__version__}, {torch.cuda.get_device_name()}")
    print("| phase | batch | HF step ms | HF tokens/s |\n|---|---|---|---|")
    vocab = cfg.vocab_size
    with torch.inference_mode():
        ids = torch.randint(0, vocab, (1, a.prompt), device="cuda")
        for _ in range(2):
            model(ids[:, :64])
        times = [timed(lambda: model(ids, logits_to_keep=1))[0] for _ in range(5)]
        t = statistics.median(times)
        print(f"| prefill {a.prompt} | 1 | {t * 1e3:.2f} | {a.prompt / t:.0f} |")
        for batch in [int(b) for b in a.batch.split(",")]:
            ctx = torch.randint(0, vocab, (batch, a.context), device="cuda")
            cache = transformers.DynamicCache()
            # The context goes in 128 positions at a time: one pass over batch x context tokens would need more
            # activation memory than the GPU has at large batches.
            for i in range(0, a.context, 128):
                out = model(ctx[:, i:i + 128], past_key_values=cache, use_cache=True, logits_to_keep=1)
                cache = out.past_key_values
            nxt = out.logits[:, -1:].argmax(-1)
            times = []
            for _ in range(a.steps):
                dt, out = timed(lambda: model(nxt, past_key_values=cache, use_cache=True))
                cache = out.past_key_values
                nxt = out.logits[:, -1:].argmax(-1)
                times.append(dt)
            t = statistics.median(times)
            print(f"| decode @{a.context} | {batch} | {t * 1e3:.2f} | {batch / t:.0f} |")
            del cache, out
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
