# all-MiniLM-L6-v2 quantized W8A8 by qcc, calibrated from a text file of
# real sentences (--calib=calib.txt, tokenized by qcc's WordPiece
# tokenizer): the mean cosine of the pooled sentence embeddings against the
# float model on 200 other sentences (qcc-eval --embeddings), and the
# compiled integers against the reference interpreter, bit for bit (the
# library is compiled from the same integer IR the interpreter runs, so
# calibration runs once). Sentences: gensim's Lee corpus (calibration: the
# first 32 of the background documents; evaluation: the last 200). The
# float reference library is built for the host (the SSE-only x86-64 level
# runs the float encoder about 8x slower).
#
# The residual stream (embedding sum, attention/FFN output projections,
# residual adds, layer-norm outputs on the residual path) is 16-bit
# (--residual-bits=16), SmoothQuant (--smooth=0.5) folds into the layer
# norms' clones in front of the matmuls, and ranges are MSE-optimal
# (--calib-method=mse); every matmul operand stays 8-bit
# (docs/numerics.md, "Text encoders", has the ablation). The test asserts a
# mean cosine >= 0.99 and prints the minimum. MINILM_CALIB (sentences) and
# MINILM_ALPHA override the calibration for experiments.
# Usage: minilm_w8a8.py TARGET [WORKDIR]  (TARGET aarch64: integers only)
#
# REQUIRES: x86, minilm, tokenizers, gensim
# RUN: %python %s host %t

import os
import re
import subprocess
import sys
import time

import numpy as np

import bert_testing as bt
import qcc_testing as q

target = sys.argv[1]
work = q.workdir(sys.argv[2] if len(sys.argv) > 2 else None)
B, S = 4, 64
CALIB = int(os.environ.get("MINILM_CALIB", 32))
ALPHA = float(os.environ.get("MINILM_ALPHA", 0.5))
model = bt.minilm_safetensors()
sentences = bt.lee_sentences("lee_background")
calib, evaluation = sentences[:CALIB], sentences[-200:]
assert not set(calib) & set(evaluation)
calib_txt, eval_txt = os.path.join(work, "calib.txt"), os.path.join(work, "eval.txt")
for path, lines in [(calib_txt, calib), (eval_txt, evaluation)]:
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")

shapes = {"input_ids": (B, S)}
fso, qso = os.path.join(work, "float.so"), os.path.join(work, "w8a8.so")
mlir = os.path.join(work, "w8a8.integer.mlir")
# qcc-eval loads libraries in this process: on another target (AArch64
# under qemu) only the integers are checked, which fix the accuracy.
native = target in ("host", "x86-64")
if native:
    t = time.time()
    q.compile_model(model, fso, "host", shapes)
    print(f"compile float: {time.time() - t:.1f} s")
# One calibration: the integer IR is written once, and the library under
# test is compiled from it (what the reference interpreter runs).
t = time.time()
q.compile_model(model, mlir, target, shapes,
                extra_args=["--quant=w8a8", "--residual-bits=16", f"--smooth={ALPHA}",
                            f"--calib={calib_txt}", "--calib-method=mse", "--emit=integer"])
print(f"quantize w8a8 ({len(calib)} calibration sentences, batches of {B} x {S}): "
      f"{time.time() - t:.1f} s")
t = time.time()
q.compile_model(mlir, qso, target, {})
print(f"compile w8a8: {time.time() - t:.1f} s")
ok = True

# Accuracy: qcc-eval on the evaluation sentences.
if native:
    p = subprocess.run([q.tool("qcc-eval"), qso, "--embeddings", eval_txt, "--ref", fso,
                        "--tokenizer", bt.minilm_dir()], capture_output=True, text=True)
    print(p.stdout.strip())
    if p.returncode != 0:
        sys.exit(f"qcc-eval failed: {p.stderr}")
    mean = float(re.search(r"mean cosine: ([0-9.]+)", p.stdout).group(1))
    low = float(re.search(r"min cosine ([0-9.]+)", p.stdout).group(1))
    count = int(re.search(r"sentences: (\d+)", p.stdout).group(1))
    print(f"W8A8 vs float on {count} sentences: mean cosine {mean:.4f}, min {low:.4f}")
    ok &= count == 200 and mean >= 0.99

# Integer-only: the compiled library against the reference interpreter.
tok = bt.hf_tokenizer(S)
ids, mask = bt.batch([e.ids for e in tok.encode_batch(evaluation[:B])], S)
inputs = {"input_ids": ids, "attention_mask": mask}
names = ["last_hidden_state", "sentence_embedding"]
got = q.run_model(qso, inputs, os.path.join(work, "run"), names)
t = time.time()
ref = q.qcc_reference(mlir, inputs, os.path.join(work, "ref"), names)
print(f"reference interpreter: {time.time() - t:.1f} s")
exact = np.array_equal(got["last_hidden_state"], ref["last_hidden_state"])
d = float(np.abs(got["sentence_embedding"] - ref["sentence_embedding"]).max())
print(f"reference vs compiled: last_hidden_state {'bit-exact' if exact else 'DIFFERS'}, "
      f"sentence_embedding (float pooling head) max |diff| {d:.2e}")
ok &= exact and d <= 1e-6
print("minilm_w8a8:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
