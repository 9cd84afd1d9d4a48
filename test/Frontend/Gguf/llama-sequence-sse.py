# Sequence graphs of the tiny llama for the x86 levels without AVX2
# (x86-64, x86-64-v2) against the numpy reference: 16 tokens in one run
# (--seq=16), where LLVM vectorizes softmax's exp 8 wide. Those calls once
# went to libmvec's AVX2 entry point and every logit came out NaN; --seq <= 15
# did not show it.
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


CTX = T = 16
gguf_path = os.path.join(work, "tiny.gguf")
subprocess.run([sys.executable, os.path.join(here, "Inputs", "make_llama.py"), "tiny",
                gguf_path], check=True)
m = L.GgufLlama(gguf_path)
ref = L.NumpyLlama(m)
tokens = np.random.default_rng(7).integers(0, m.vocab, T).tolist()
want = ref.forward(tokens, ref.new_cache())  # [T, vocab]
tol = 1e-4 * max(1.0, float(np.abs(want).max()))
for target in ["x86-64", "x86-64-v2"]:
    lib = os.path.join(work, f"tiny-{target}.so")
    subprocess.run([qcc, gguf_path, f"--target={target}", f"--ctx={CTX}", f"--seq={T}",
                    "--weights=f32", "-o", lib], check=True)
    got = L.QccDecoder(lib).run(tokens, 0).copy()
    nan_rows = int(np.isnan(got).any(-1).sum())
    err = float(np.abs(got - want).max()) if not nan_rows else float("nan")
    check(nan_rows == 0 and err <= tol,
          f"{target}: {T} tokens in one run vs numpy, {nan_rows} NaN rows, max abs error "
          f"{err:.3g} (tolerance {tol:.3g})")

print("llama-sequence-sse:", "PASS" if not failures else "FAIL: " + "; ".join(failures))
sys.exit(1 if failures else 0)
