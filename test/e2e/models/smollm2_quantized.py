# SmolLM2-135M-Instruct with weights re-encoded by qcc (--weights=q4_0 and a
# --layer-quant mix: attn_v and ffn_down Q8_0, the tied head as shipped),
# one decode step, greedy decoding against the numpy act-quant reference on
# the same weights: gguf-py's Q4_0/Q8_0 quantization of the dequantized file
# (qcc's encoders are byte-equal to it: test/Frontend/Gguf/
# weight-encoders.py), every linear input quantized per block of 32 as the
# block kernels do (NumpyLlama(act_quant=True)). Same bar as
# smollm2_decode.py's block mode: every token is the reference's choice in
# the same context or a near tie, logits cosine >= 0.98.
#
# REQUIRES: x86, gguf, smollm2, tokenizers
# RUN: %python %s %t

import os
import re
import subprocess
import sys
import time

import numpy as np
import gguf
import llm_testing as L
import qcc_testing as q

work = q.workdir(sys.argv[1] if len(sys.argv) > 1 else None)
N, CTX = 16, 48
so = os.path.join(work, "smollm2-q4_0.so")
t0 = time.time()
r = subprocess.run([q.tool("qcc"), L.smollm2_gguf(), "--target=x86-64-v3", f"--ctx={CTX}",
                    "--weights=q4_0", "--layer-quant", r"attn_v|ffn_down=q8_0,token_embd=gguf",
                    "-o", so], capture_output=True, text=True)
print(r.stderr, end="")
assert r.returncode == 0
print(f"compiled in {time.time() - t0:.1f} s ({os.path.getsize(so) / 2**20:.0f} MiB)")

Q = gguf.GGMLQuantizationType
model = L.GgufLlama(L.smollm2_gguf())
for name, w in model.weights.items():
    if name.startswith("blk.") and w.ndim == 2:
        t = Q.Q8_0 if re.search(r"attn_v|ffn_down", name) else Q.Q4_0
        model.weights[name] = gguf.quants.dequantize(
            gguf.quants.quantize(np.ascontiguousarray(w), t), t).reshape(w.shape)
ref = L.NumpyLlama(model, act_quant=True)
tokenizer = L.gguf_tokenizer(L.smollm2_gguf())
dec = L.QccDecoder(so)

failures = []
for text in L.SMOLLM2_PROMPTS[:2]:
    prompt = tokenizer.encode(text).ids
    got, logits, times = L.greedy_qcc(dec, prompt, N)
    want = L.teacher_forced(ref, prompt, got)
    rows = np.arange(N)
    gap = want.max(-1) - want[rows, got]
    agree = int((gap == 0).sum())
    ties = int(((gap > 0) & (gap <= 0.5)).sum())
    cos = (logits * want).sum(-1) / np.linalg.norm(logits, axis=-1) / \
        np.linalg.norm(want, axis=-1)
    ok = agree + ties == N and float(cos.min()) >= 0.98
    print(f"{'ok  ' if ok else 'FAIL'} {text!r}: {agree}/{N} tokens are the reference's "
          f"choice in the same context, {ties} near ties; logits cosine >= "
          f"{float(cos.min()):.7f}, max abs error {float(np.abs(logits - want).max()):.3g}; "
          f"median step {np.median(times):.1f} ms")
    print(f"     qcc: {tokenizer.decode(got)!r}")
    if not ok:
        failures.append(text)
print("smollm2_quantized:", "PASS" if not failures else f"FAIL ({len(failures)} prompts)")
sys.exit(1 if failures else 0)
