# Decode steps that qcc compiles from tiny llama GGUF files (random weights,
# Inputs/make_llama.py) against the numpy reference of test/lib/llm_testing.py
# at every position: logits, and the caches (qcc's keys are in GGUF's
# adjacent-pair rotary order, the reference's in the checkpoint's half
# order). Cache rows after `pos` hold stale values on purpose: attention must
# not see them, and the step must leave them as they were.
# --gguf-weights=dequant (f32 weights) against the float reference, and the
# default block weights (qnn.block_linear: Q8_0, Q4_1, the k-quants, Q5_0 and
# the Q8_0 that Q2_K/Q3_K become) against the reference that quantizes the
# linear layers' inputs as the kernels do. There a last-bit difference
# upstream can move one activation code by one step, so the bar is looser.
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
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def to_half_order(k):
    """[..., hd] from adjacent-pair order (x0, y0, x1, y1, ...) to halves
    (x0, x1, ..., y0, y1, ...)."""
    hd = k.shape[-1]
    return k.reshape(*k.shape[:-1], hd // 2, 2).swapaxes(-1, -2).reshape(k.shape)


CTX = 16
for kind, weights in [("tiny", "dequant"), ("untied", "dequant"), ("tiny", "block"),
                      ("untied", "block"), ("kquants", "block")]:
    gguf_path = os.path.join(work, kind + ".gguf")
    so = os.path.join(work, f"{kind}-{weights}.so")
    if not os.path.exists(gguf_path):
        subprocess.run([sys.executable, os.path.join(here, "Inputs", "make_llama.py"), kind,
                        gguf_path], check=True)
    subprocess.run([os.path.join(os.environ.get("QCC_BIN", ""), "qcc"), gguf_path,
                    "--target=x86-64-v3", f"--ctx={CTX}", f"--gguf-weights={weights}",
                    "-o", so], check=True)
    m = L.GgufLlama(gguf_path)
    ref = L.NumpyLlama(m, act_quant=weights == "block")
    rel = 1e-4 if weights == "dequant" else 5e-3
    kind = f"{kind} ({weights})"
    rng = np.random.default_rng(3)
    tokens = rng.integers(0, m.vocab, 12).tolist()
    cache = ref.new_cache()
    want = ref.forward(tokens, cache)  # [12, vocab]

    dec = L.QccDecoder(so)
    check(dec.cache_shape == (m.n_layer, m.n_kv_head, CTX, m.head_dim),
          f"{kind}: cache shape {dec.cache_shape}")
    # Stale, finite values in every row; the steps overwrite rows 0..11.
    stale = [rng.standard_normal(dec.cache_shape).astype(np.float32) for _ in range(2)]
    for c, s in zip(dec.caches[0], stale):
        c[...] = s
    worst, scale = 0.0, 0.0
    steps = []
    for p, t in enumerate(tokens):
        got = dec.step(t, p)
        steps.append(got.copy())
        worst = max(worst, float(np.abs(got - want[p]).max()))
        scale = max(scale, float(np.abs(want[p]).max()))
    tol = rel * max(1.0, scale)
    check(worst <= tol, f"{kind}: logits at 12 positions, max abs error {worst:.3g} "
          f"(tolerance {tol:.3g}, max |logit| {scale:.3g})")
    k_out, v_out = dec.caches[dec.cur]
    n = len(tokens)
    k_err = max(float(np.abs(to_half_order(k_out[l, :, :n]) - cache[l][0]).max())
                for l in range(m.n_layer))
    v_err = max(float(np.abs(v_out[l, :, :n] - cache[l][1]).max())
                for l in range(m.n_layer))
    check(k_err <= rel and v_err <= rel,
          f"{kind}: cached keys/values of positions 0..{n - 1} (errors {k_err:.3g}, {v_err:.3g})")
    check(np.array_equal(k_out[:, :, n:], stale[0][:, :, n:]) and
          np.array_equal(v_out[:, :, n:], stale[1][:, :, n:]),
          f"{kind}: rows {n}..{CTX - 1} of the caches are left as they were")
    if kind == "tiny (dequant)":
        # Two buffer pairs instead of one updated in place: the runtime
        # copies each cache input into its output buffer first. The same
        # logits bit for bit, and the inputs left untouched.
        pp = L.QccDecoder(so, inplace=False)
        for c, s in zip(pp.caches[0], stale):
            c[...] = s
        same, untouched = True, True
        for p, t in enumerate(tokens):
            before = [c.copy() for c in pp.caches[pp.cur]]
            same &= np.array_equal(pp.step(t, p), steps[p])
            untouched &= all(np.array_equal(a, b) for a, b in
                             zip(before, pp.caches[1 - pp.cur]))
        check(same, f"{kind}: separate cache input and output buffers give the "
              "in-place run's logits")
        check(untouched, f"{kind}: separate buffers: the cache inputs are not modified")

# --kv-cache=int8: the caches hold int8 codes, per position and KV head
# d = amax / 127 and q = rint(x * (127 / amax)). Layer 0's keys and values
# are the f32 library's exactly (nothing quantized feeds them), so its codes
# must be numpy's rule applied to them, bit for bit; the logits stay near
# the f32 cache's.
tiny = os.path.join(work, "tiny.gguf")
so8 = os.path.join(work, "tiny-kv8.so")
subprocess.run([os.path.join(os.environ.get("QCC_BIN", ""), "qcc"), tiny, "--target=x86-64-v3",
                f"--ctx={CTX}", "--gguf-weights=dequant", "--kv-cache=int8", "-o", so8],
               check=True)
f32lib = L.QccDecoder(os.path.join(work, "tiny-dequant.so"))
q8lib = L.QccDecoder(so8)
check(q8lib.int8 and q8lib.caches[0][0].dtype == np.int8,
      "int8 cache: i8 k/v caches with f32 scales")
toks = np.random.default_rng(4).integers(0, 96, 10).tolist()
worst, scale = 0.0, 0.0
for p, t in enumerate(toks):
    a = f32lib.step(t, p).copy()
    b = q8lib.step(t, p)
    worst = max(worst, float(np.abs(a - b).max()))
    scale = max(scale, float(np.abs(a).max()))
check(worst <= 0.02 * scale, f"int8 cache: logits within 2% of the f32 cache's max |logit| "
      f"(max abs difference {worst:.3g}, max |logit| {scale:.3g})")
exact = True
for which in range(2):
    x = f32lib.caches[f32lib.cur][which][0, :, :len(toks)]  # layer 0 [kv, n, hd]
    amax = np.abs(x).max(-1, keepdims=True)
    inv = np.float32(127) / np.maximum(amax, np.float32(1e-30))
    want = np.clip(np.rint(x * inv), -127, 127).astype(np.int8)
    got = q8lib.caches[q8lib.cur][which][0, :, :len(toks)]
    d = q8lib.caches[q8lib.cur][2 + which][0, :, :len(toks)]
    exact &= np.array_equal(got, want) and np.array_equal(d, amax / np.float32(127))
check(exact, "int8 cache: layer 0's codes and scales follow the rule bit for bit")

print("llama-decode:", "PASS" if not failures else "FAIL: " + "; ".join(failures))
sys.exit(1 if failures else 0)
