# all-MiniLM-L6-v2 quantized W8A8 by qcc, calibrated from a text file of
# real sentences (--calib=calib.txt, tokenized by qcc's WordPiece
# tokenizer): the mean cosine of the pooled sentence embeddings against the
# float model on 200 other sentences (qcc-eval --embeddings), and the
# compiled integers against the reference interpreter, bit for bit.
# Sentences: gensim's Lee corpus (calibration: the first 64 of the
# background documents; evaluation: the last 200). The float reference
# library is built for the host (the SSE-only x86-64 level runs the float
# encoder about 8x slower).
#
# The residual stream (embedding sum, attention/FFN output projections,
# residual adds, layer-norm outputs on the residual path) is 16-bit
# (--residual-bits=16); every matmul operand stays 8-bit (docs/numerics.md,
# "Text encoders", has the ablation). The test asserts a mean cosine
# >= 0.99 and prints the minimum.
# Usage: minilm_w8a8.py TARGET [WORKDIR]
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
model = bt.minilm_safetensors()
sentences = bt.lee_sentences("lee_background")
calib, evaluation = sentences[:64], sentences[-200:]
assert not set(calib) & set(evaluation)
calib_txt, eval_txt = os.path.join(work, "calib.txt"), os.path.join(work, "eval.txt")
for path, lines in [(calib_txt, calib), (eval_txt, evaluation)]:
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")

shapes = {"input_ids": (B, S)}
fso, qso = os.path.join(work, "float.so"), os.path.join(work, "w8a8.so")
mlir, calib_json = os.path.join(work, "w8a8.integer.mlir"), os.path.join(work, "calib.json")
t = time.time()
q.compile_model(model, fso, "host", shapes)
print(f"compile float: {time.time() - t:.1f} s")
t = time.time()
q.compile_model(model, qso, target, shapes,
                extra_args=["--quant=w8a8", "--residual-bits=16", f"--calib={calib_txt}",
                            f"--calib-out={calib_json}"])
print(f"compile w8a8 (calibration included): {time.time() - t:.1f} s")
q.compile_model(model, mlir, target, shapes,
                extra_args=["--quant=w8a8", "--residual-bits=16", f"--calib-in={calib_json}",
                            "--emit=integer"])
ok = True

# Accuracy: qcc-eval on the evaluation sentences.
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
