# SmolLM2-135M-Instruct (GGUF, Q4_1 weights) compiled by qcc as one decode
# step with a KV cache, decoding greedily 32 tokens against the numpy
# reference of test/lib/llm_testing.py (gguf-py's dequantization, Hugging
# Face-style forward pass). Every generated token must equal the
# reference's greedy choice, and the logits that chose them must agree.
#   block    (--gguf-weights=block): the weights stay Q4_1/Q8_0 blocks and the
#            linear layers quantize their inputs per block of 32 on the fly
#            (qnn.block_linear); the reference quantizes the same inputs the
#            same way (NumpyLlama(act_quant=True)): the weights are the same
#            numbers, so only float rounding differs.
#   dequant  (qcc's default, --gguf-weights=dequant): f32 weights, the float model, against
#            the plain float reference.
# Usage: smollm2_decode.py TARGET [WORKDIR] [block|dequant]. On x86-64 the
# library runs in process, 5 prompts; on aarch64 (smollm2_decode_aarch64.test)
# one qcc-run under qemu-aarch64 per step, the first prompt.
#
# REQUIRES: x86, gguf, smollm2, tokenizers
# RUN: %python %s x86-64-v3 %t/block block
# RUN: %python %s x86-64-v3 %t/dequant dequant

import os
import subprocess
import sys
import time

import numpy as np
import llm_testing as L
import qcc_testing as q

target = sys.argv[1]
work = q.workdir(sys.argv[2] if len(sys.argv) > 2 else None)
weights = sys.argv[3] if len(sys.argv) > 3 else "block"
N, CTX = 32, 64
so = os.path.join(work, "smollm2.so")
t0 = time.time()
subprocess.run([q.tool("qcc"), L.smollm2_gguf(), f"--target={target}", f"--ctx={CTX}",
                f"--gguf-weights={weights}", "-o", so], check=True)
print(f"compiled for {target} (--gguf-weights={weights}) in {time.time() - t0:.1f} s "
      f"({os.path.getsize(so) / 2**20:.0f} MiB)")

model = L.GgufLlama(L.smollm2_gguf())
tokenizer = L.gguf_tokenizer(L.smollm2_gguf())
ref = L.NumpyLlama(model, act_quant=weights == "block")
prompts = L.SMOLLM2_PROMPTS
if target.startswith("aarch64"):
    dec = L.QccRunDecoder(so, os.path.join(work, "steps"),
                          (model.n_layer, model.n_kv_head, CTX, model.head_dim),
                          q.tool("qcc-run"))
    prompts = prompts[:1]
else:
    dec = L.QccDecoder(so)

failures, step_ms = [], []
agree_total = 0
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
    if weights == "dequant":
        tol = 1e-4 * max(1.0, float(np.abs(want).max()))
        ok = match == N and err <= tol
        print(f"{'ok  ' if ok else 'FAIL'} {text!r}: {len(prompt)} prompt tokens, "
              f"{match}/{N} greedy tokens equal; logits max abs error: first step "
              f"{first_err:.3g}, all {N} steps {err:.3g} (tolerance {tol:.3g})")
    else:
        # Quantizing activations is discontinuous: a last-bit difference
        # upstream (f32 sums in another order) moves a code across a
        # rounding tie. The reference is as sensitive itself: a 1-ulp change
        # of its embedding rows moves its logits by up to 1.5 (cosine 0.996)
        # over 'Water boils...'. So: every token is the reference's choice
        # in the same context, except near ties (the reference's logit of
        # qcc's token within 0.5 of its best), and the logits point the same
        # way (cosine >= 0.98 at every step).
        rows = np.arange(N)
        gap = want.max(-1) - want[rows, got]
        agree = int((gap == 0).sum())
        ties = int(((gap > 0) & (gap <= 0.5)).sum())
        cos = (logits * want).sum(-1) / np.linalg.norm(logits, axis=-1) / \
            np.linalg.norm(want, axis=-1)
        ok = agree + ties == N and float(cos.min()) >= 0.98
        agree_total += agree
        print(f"{'ok  ' if ok else 'FAIL'} {text!r}: {len(prompt)} prompt tokens, "
              f"{agree}/{N} tokens are the reference's greedy choice in the same context, "
              f"{ties} near ties (largest gap {float(gap.max()):.3g}); first divergence "
              f"at {match}; logits cosine >= {float(cos.min()):.7f}, max abs error: "
              f"first step {first_err:.3g}, all steps {err:.3g}")
    print(f"     qcc: {tokenizer.decode(got)!r}")
    if not ok:
        print(f"     reference argmax: {want.argmax(-1).tolist()}\n     qcc: {got}")
        failures.append(text)
if weights == "block":
    print(f"tokens equal to the reference's choice: {agree_total}/{N * len(prompts)}")
print(f"decode step: median {np.median(step_ms):.1f} ms over {len(step_ms)} steps "
      f"(OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}"
      f"{', qcc-run under qemu' if target.startswith('aarch64') else ''})")
print("smollm2_decode:", "PASS" if not failures else f"FAIL ({len(failures)} prompts)")
sys.exit(1 if failures else 0)
