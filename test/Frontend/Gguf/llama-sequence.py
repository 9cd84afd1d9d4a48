# Sequence graphs (qcc --seq=T) of tiny llama GGUF files (random weights,
# Inputs/make_llama.py) against the numpy reference of test/lib/llm_testing.py
# and against the decode step (--seq=1) of the same model: 11 tokens in runs
# of 4 (the last run 3 tokens, padded) carrying the caches, over stale cache
# rows that the causal mask must hide. Then runs that start mid-cache
# (a prompt prefilled, the rest decoded and vice versa) must agree too.
#
# REQUIRES: x86, gguf
# RUN: %python %s %t

import os
import subprocess
import sys

import numpy as np
import llm_testing as L

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
here = os.path.dirname(os.path.abspath(__file__))
qcc = os.path.join(os.environ.get("QCC_BIN", ""), "qcc")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


CTX, T, N = 16, 4, 11
for kind in ["tiny", "untied"]:
    gguf_path = os.path.join(work, kind + ".gguf")
    subprocess.run([sys.executable, os.path.join(here, "Inputs", "make_llama.py"), kind,
                    gguf_path], check=True)
    libs = {}
    for seq in (1, T):
        libs[seq] = os.path.join(work, f"{kind}-seq{seq}.so")
        subprocess.run([qcc, gguf_path, "--target=x86-64-v3", f"--ctx={CTX}",
                        f"--seq={seq}", "--weights=f32", "-o", libs[seq]], check=True)
    m = L.GgufLlama(gguf_path)
    ref = L.NumpyLlama(m)
    rng = np.random.default_rng(5)
    tokens = rng.integers(0, m.vocab, N).tolist()
    want = ref.forward(tokens, ref.new_cache())  # [N, vocab]
    tol = 1e-4 * max(1.0, float(np.abs(want).max()))

    seqlib, step = L.QccDecoder(libs[T]), L.QccDecoder(libs[1])
    check(seqlib.seq == T and seqlib.logits.shape == (T, m.vocab) and
          seqlib.cache_shape == step.cache_shape,
          f"{kind}: interface tokens [{seqlib.seq}], logits {seqlib.logits.shape}")
    for c in seqlib.caches[0]:
        c[...] = rng.standard_normal(c.shape).astype(np.float32)
    got = np.concatenate([seqlib.run(tokens[p:p + T], p).copy()
                          for p in range(0, N, T)])
    err = float(np.abs(got - want).max())
    check(err <= tol, f"{kind}: {N} tokens in runs of {T} vs numpy, max abs error "
          f"{err:.3g} (tolerance {tol:.3g})")
    steps = np.stack([step.step(t, p).copy() for p, t in enumerate(tokens)])
    err = float(np.abs(got - steps).max())
    check(err <= tol, f"{kind}: sequence runs vs {N} decode steps, max abs error {err:.3g}")
    k_seq, v_seq = seqlib.caches[seqlib.cur]
    k_step, v_step = step.caches[step.cur]
    err = max(float(np.abs(k_seq[:, :, :N] - k_step[:, :, :N]).max()),
              float(np.abs(v_seq[:, :, :N] - v_step[:, :, :N]).max()))
    check(err <= 1e-4, f"{kind}: cache rows 0..{N - 1} of both, max abs difference {err:.3g}")

    # Mixed: 5 decode steps, then a sequence run at position 5 on the
    # decode step's caches.
    step.reset()
    for p in range(5):
        step.step(tokens[p], p)
    seqlib.reset()
    for c_dst, c_src in zip(seqlib.caches[0], step.caches[step.cur]):
        c_dst[...] = c_src
    got = seqlib.run(tokens[5:5 + T], 5)
    err = float(np.abs(got - want[5:5 + T]).max())
    check(err <= tol, f"{kind}: a run at position 5 after 5 decode steps, max abs error {err:.3g}")

print("llama-sequence:", "PASS" if not failures else "FAIL: " + "; ".join(failures))
sys.exit(1 if failures else 0)
