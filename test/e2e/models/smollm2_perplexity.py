# SmolLM2-135M-Instruct (GGUF Q4_1, dequantized: the float model) as a
# sequence graph (qcc --seq=64): qcc-eval's perplexity on the first 256
# tokens of real English text (gensim's Lee corpus, lee.cor) with windows of
# 64 tokens moved by 32 equals the Hugging Face-style sliding window on the
# numpy reference of test/lib/llm_testing.py.
#
# REQUIRES: x86, gguf, smollm2, gensim
# RUN: %python %s %t

import os
import subprocess
import sys
import time

import numpy as np
import llm_testing as L
import qcc_testing as q

work = q.workdir(sys.argv[1] if len(sys.argv) > 1 else None)
gguf_path, text = L.smollm2_gguf(), L.lee_corpus()
CTX, SEQ, N_TEXT, WINDOW, STRIDE = 64, 64, 256, 64, 32
libs = {}
for seq in (SEQ,):
    libs[seq] = os.path.join(work, f"smollm2-s{seq}.so")
    t0 = time.time()
    subprocess.run([q.tool("qcc"), gguf_path, "--target=x86-64-v3", f"--ctx={CTX}",
                    f"--seq={seq}", "--weights=f32", "-o", libs[seq]], check=True)
    print(f"compiled --seq={seq} --ctx={CTX} in {time.time() - t0:.1f} s")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


# Perplexity.
r = subprocess.run([q.tool("qcc-eval"), libs[SEQ], "--model", gguf_path, "--perplexity", text,
                    "--ctx", str(WINDOW), "--stride", str(STRIDE),
                    "--max-text-tokens", str(N_TEXT)], capture_output=True, text=True)
print(r.stdout + r.stderr, end="")
out = L.parse_eval_output(r.stdout)
tokenizer = L.gguf_tokenizer(gguf_path)
# qcc replaces ill-formed UTF-8 (lee.cor has one Latin-1 byte) by U+FFFD.
with open(text, encoding="utf-8", errors="replace") as f:
    ids = tokenizer.encode(f.read()).ids[:N_TEXT]
ref = L.NumpyLlama(L.GgufLlama(gguf_path))
t0 = time.time()
want, scored, windows, _ = L.sliding_window_eval(ref, ids, WINDOW, STRIDE)
got = float(out.get("perplexity", "nan"))
check(r.returncode == 0 and abs(got - want) <= 1e-4 * want and
      out.get("evaluated", "").startswith(f"{N_TEXT} tokens, {scored} scored, {windows} windows"),
      f"perplexity {got:.6f}, numpy {want:.6f} ({scored} tokens in {windows} windows; "
      f"numpy took {time.time() - t0:.1f} s)")

print("smollm2_perplexity:", "PASS" if not failures else "FAIL: " + "; ".join(failures))
sys.exit(1 if failures else 0)
