# SmolLM2-135M-Instruct (GGUF, Q4_1 weights dequantized at compile time: the
# float model) compiled by qcc as one decode step with a KV cache, decoding
# greedily 32 tokens against the numpy reference of test/lib/llm_testing.py
# (gguf-py's dequantization, Hugging Face-style forward pass). Every
# generated token must equal the reference's greedy choice, and the logits
# that chose them must agree.
# Usage: smollm2_decode.py TARGET [WORKDIR]. On x86-64 the library runs in
# process, 5 prompts; on aarch64 (smollm2_decode_aarch64.test) one qcc-run
# under qemu-aarch64 per step, the first prompt.
#
# REQUIRES: x86, gguf, smollm2, tokenizers
# RUN: %python %s x86-64-v3 %t

import os
import subprocess
import sys
import time

import numpy as np
import llm_testing as L
import qcc_testing as q

target = sys.argv[1]
work = q.workdir(sys.argv[2] if len(sys.argv) > 2 else None)
N, CTX = 32, 64
so = os.path.join(work, "smollm2.so")
t0 = time.time()
subprocess.run([q.tool("qcc"), L.smollm2_gguf(), f"--target={target}", f"--ctx={CTX}",
                "-o", so], check=True)
print(f"compiled for {target} in {time.time() - t0:.1f} s "
      f"({os.path.getsize(so) / 2**20:.0f} MiB)")

model = L.GgufLlama(L.smollm2_gguf())
tokenizer = L.gguf_tokenizer(L.smollm2_gguf())
ref = L.NumpyLlama(model)
prompts = L.SMOLLM2_PROMPTS
if target.startswith("aarch64"):
    dec = L.QccRunDecoder(so, os.path.join(work, "steps"),
                          (model.n_layer, model.n_kv_head, CTX, model.head_dim),
                          q.tool("qcc-run"))
    prompts = prompts[:1]
else:
    dec = L.QccDecoder(so)

failures, step_ms = [], []
for text in prompts:
    prompt = tokenizer.encode(text).ids
    got, logits, times = L.greedy_qcc(dec, prompt, N)
    step_ms += times
    # The reference's logits in the same contexts (prompt + got[:i]); its
    # own greedy decoding gives `got` exactly when every row's argmax is
    # got[i] (llm_testing.teacher_forced).
    want = L.teacher_forced(ref, prompt, got)
    match = L.first_divergence(want.argmax(-1).tolist(), got)
    first_err = float(np.abs(logits[0] - want[0]).max())
    err = float(np.abs(logits - want).max())
    tol = 1e-4 * max(1.0, float(np.abs(want).max()))
    ok = match == N and err <= tol
    print(f"{'ok  ' if ok else 'FAIL'} {text!r}: {len(prompt)} prompt tokens, "
          f"{match}/{N} greedy tokens equal; logits max abs error: first step "
          f"{first_err:.3g}, all {N} steps {err:.3g} (tolerance {tol:.3g})")
    print(f"     qcc: {tokenizer.decode(got)!r}")
    if not ok:
        print(f"     reference argmax: {want.argmax(-1).tolist()}\n     qcc: {got}")
        failures.append(text)
print(f"decode step: median {np.median(step_ms):.1f} ms over {len(step_ms)} steps "
      f"(OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}"
      f"{', qcc-run under qemu' if target.startswith('aarch64') else ''})")
print("smollm2_decode:", "PASS" if not failures else f"FAIL ({len(failures)} prompts)")
sys.exit(1 if failures else 0)
