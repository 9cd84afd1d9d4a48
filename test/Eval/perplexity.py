# qcc-eval --perplexity (and --kl-ref) on tiny llama GGUF files (random
# weights and a 96-token tokenizer, test/Frontend/Gguf/Inputs/make_llama.py)
# against the Hugging Face-style sliding window of test/lib/llm_testing.py
# run on the numpy reference: sequence libraries (one run per window, a
# window shorter than the run, several runs per window) and a decode step
# (one token per run); the KL divergence of one model from another;
# libraries with the int8 KV cache (--kv-cache=int8) against the numpy
# reference with the same cache rule.
#
# REQUIRES: x86, gguf
# RUN: %python %s %t

import os
import re
import subprocess
import sys

import numpy as np
import llm_testing as L

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
here = os.path.dirname(os.path.abspath(__file__))
bin_dir = os.environ.get("QCC_BIN", "")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def tiny_tokenize(text):
    """The tiny tokenizer by hand: id 1 + (c - 32) for characters space to
    '}', 95 for "th" (its one merge; words never split between t and h)."""
    ids = []
    for piece in re.findall("th|.", text, flags=re.S):
        ids.append(95 if piece == "th" else 1 + ord(piece) - 32)
    return ids


text = ("the thin thread that the other three held was thick; then the "
        "theatre's thunder shook them, though nothing else.")
text_path = os.path.join(work, "text.txt")
with open(text_path, "w") as f:
    f.write(text)
ids = tiny_tokenize(text)

models, refs = {}, {}
for kind in ["tiny", "untied"]:
    models[kind] = os.path.join(work, kind + ".gguf")
    subprocess.run([sys.executable, os.path.join(here, "..", "Frontend", "Gguf", "Inputs",
                                                 "make_llama.py"), kind, models[kind]],
                   check=True)
    refs[kind] = L.NumpyLlama(L.GgufLlama(models[kind]))


compiled = set()  # libraries built by this run (the work folder outlives it)


def compile(kind, seq, ctx, cache="f32"):
    so = os.path.join(work, f"{kind}-s{seq}-c{ctx}-{cache}.so")
    if so not in compiled:
        compiled.add(so)
        subprocess.run([os.path.join(bin_dir, "qcc"), models[kind], "--target=x86-64-v3",
                        f"--ctx={ctx}", f"--seq={seq}", "--weights=f32", f"--kv-cache={cache}",
                        "-o", so], check=True)
    return so


def qcc_eval(so, kind, *args):
    r = subprocess.run([os.path.join(bin_dir, "qcc-eval"), so, "--model", models[kind],
                        "--perplexity", text_path, "--quiet", *args],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stderr)
        return {}
    print(r.stdout, end="")
    return L.parse_eval_output(r.stdout)


# (library seq, library ctx, window, stride)
cases = [(16, 16, 0, 5), (16, 16, 10, 10), (4, 16, 12, 4), (1, 16, 9, 4)]
for kind in ["tiny", "untied"]:
    for seq, lib_ctx, ctx, stride in cases:
        window = ctx or seq
        want, scored, windows, _ = L.sliding_window_eval(refs[kind], ids, window, stride)
        out = qcc_eval(compile(kind, seq, lib_ctx), kind, *(["--ctx", str(ctx)] if ctx else []),
                       "--stride", str(stride))
        got = float(out.get("perplexity", "nan"))
        ev = out.get("evaluated", "")
        check(abs(got - want) <= 1e-4 * want and
              f"{scored} scored, {windows} windows" in ev and ev.startswith(f"{len(ids)} tokens"),
              f"{kind} --seq={seq}: window {window}, stride {stride}: perplexity {got:.6f}, "
              f"numpy {want:.6f} ({scored} tokens scored in {windows} windows; qcc-eval: {ev})")

# KL(untied || tiny): the same vocabulary, different weights.
want_ppl, _, _, want_kl = L.sliding_window_eval(refs["tiny"], ids, 16, 8, other=refs["untied"])
out = qcc_eval(compile("tiny", 16, 16), "tiny", "--stride", "8", "--kl-ref",
               compile("untied", 16, 16))
kl = float(out.get("kl_divergence", "nan"))
check(abs(kl - want_kl) <= 1e-4 * want_kl and
      abs(float(out.get("perplexity", "nan")) - want_ppl) <= 1e-4 * want_ppl,
      f"--kl-ref: mean KL {kl:.6f}, numpy {want_kl:.6f}")
out = qcc_eval(compile("tiny", 16, 16), "tiny", "--kl-ref", compile("tiny", 1, 16))
check(float(out.get("kl_divergence", "nan")) < 1e-9 and out.get("top1_agreement") == "1.000000",
      f"--kl-ref of the decode step of the same model: KL {out.get('kl_divergence')}, "
      f"top-1 agreement {out.get('top1_agreement')}")

# The int8 KV cache: a sequence library (one run per window), several runs
# per window and the decode step give the numpy reference's perplexity with
# the same int8 rows, which is not the f32 cache's.
ref8 = L.NumpyLlama(L.GgufLlama(models["tiny"]), kv_int8=True)
for seq, lib_ctx, ctx, stride in [(16, 16, 0, 5), (4, 16, 12, 4), (1, 16, 9, 4)]:
    window = ctx or seq
    want, scored, windows, _ = L.sliding_window_eval(ref8, ids, window, stride)
    want32 = L.sliding_window_eval(refs["tiny"], ids, window, stride)[0]
    out = qcc_eval(compile("tiny", seq, lib_ctx, "int8"), "tiny",
                   *(["--ctx", str(ctx)] if ctx else []), "--stride", str(stride))
    got = float(out.get("perplexity", "nan"))
    check(abs(got - want) <= 1e-4 * want and abs(want32 - want) > 1e-3 * want and
          f"{scored} scored, {windows} windows" in out.get("evaluated", ""),
          f"int8 cache --seq={seq}: window {window}, stride {stride}: perplexity {got:.6f}, "
          f"numpy int8 cache {want:.6f}, numpy f32 cache {want32:.6f}")
# KL of the int8-cache library from the f32-cache one: small, not zero.
out = qcc_eval(compile("tiny", 16, 16, "int8"), "tiny", "--stride", "8", "--kl-ref",
               compile("tiny", 16, 16))
kl8 = float(out.get("kl_divergence", "nan"))
_, _, _, want_kl8 = L.sliding_window_eval(ref8, ids, 16, 8, other=refs["tiny"])
check(abs(kl8 - want_kl8) <= 1e-3 * want_kl8 + 1e-9 and want_kl8 > 0,
      f"int8 cache --kl-ref the f32 cache's library: mean KL {kl8:.3g}, numpy {want_kl8:.3g}")

print("perplexity:", "PASS" if not failures else "FAIL: " + "; ".join(failures))
sys.exit(1 if failures else 0)
