# 2:4 sparsity on a GGUF language model (--sparsity=force --prune=METHOD,
# block weights that keep 0 exact): on the tiny llama (Inputs/make_llama.py)
# every pruned weight, decoded from its Q8_0 / Q4_0 blocks with gguf-py, has
# at most 2 nonzeros in each group of 4 along a row; the LM head is not
# pruned by default; --sparse-layers picks layers by tensor name; and on
# block 0's q, k and v (whose input, rms_norm(embedding[tokens]) * gamma,
# numpy computes for the calibration tokens) the layer output error
# ||X (W - Wp)^T||^2 of SparseGPT's weights is below magnitude pruning's.
# Wanda's is reported (its criterion is a per-column rescaling of
# magnitude's, and the tiny model's random weights leave little to gain).
#
# REQUIRES: gguf, gensim
# RUN: %python %s %t

import os
import re
import subprocess
import sys

import numpy as np
import gguf
import llm_testing as L

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
here = os.path.dirname(os.path.abspath(__file__))
qcc = os.path.join(os.environ.get("QCC_BIN", ""), "qcc")
path = os.path.join(work, "tiny.gguf")
subprocess.run([sys.executable, os.path.join(here, "..", "Frontend", "Gguf", "Inputs",
                                             "make_llama.py"), "tiny", path], check=True)
text = L.lee_corpus()
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def compile_qnn(*args):
    r = subprocess.run([qcc, path, "--ctx=16", "--emit=qnn", "-o", "-", *args],
                       capture_output=True, text=True)
    if r.returncode:
        print(r.stderr)
        return None, {}
    out = {}
    for m in re.finditer(r"^\s*\"?((?:blk\.\d+\.\w+|token_embd)\.weight)\"?: \"0x([0-9A-F]+)\"",
                         r.stdout, re.M):
        out[m.group(1)] = bytes.fromhex(m.group(2))[4:]
    return r.stdout, out


def decode(blob, qtype, shape):
    q = np.frombuffer(blob, np.uint8).reshape(shape[0], -1)
    return gguf.quants.dequantize(q, qtype).reshape(shape)


def dense_groups(w):
    """Groups of 4 along a row with more than 2 nonzeros."""
    return int(((w.reshape(w.shape[0], -1, 4) != 0).sum(-1) > 2).sum())


model = L.GgufLlama(path)
linear = sorted(n for n in model.weights if n.startswith("blk.") and not n.endswith("norm.weight"))
ids = L.gguf_tokenizer(path).encode(open(text, encoding="utf-8", errors="replace").read()).ids
x = model.weights["token_embd.weight"][ids[:64]].astype(np.float64)
x = x / np.sqrt((x * x).mean(-1, keepdims=True) + model.eps) * \
    model.weights["blk.0.attn_norm.weight"]
calib = ["--calib=" + text, "--seq=16", "--calib-seq=16", "--calib-samples=4"]

errors = {}
for method in ("magnitude", "wanda", "sparsegpt"):
    extra = calib if method != "magnitude" else []
    ir, blobs = compile_qnn("--weights=q8_0", "--sparsity=force", f"--prune={method}", *extra)
    check(ir is not None and ir.count("{qcc.sparse24}") == len(linear),
          f"{method}: {len(linear)} block_linear ops marked qcc.sparse24 (the head is not)")
    if ir is None:
        continue
    bad = []
    for name in linear:
        w = decode(blobs[name], gguf.GGMLQuantizationType.Q8_0, model.weights[name].shape)
        if dense_groups(w) or (w == 0).mean() < 0.5:
            bad.append(name)
    check(not bad, f"{method}: every pruned Q8_0 weight is 2:4 ({bad or 'all'})")
    head = decode(blobs["token_embd.weight"], gguf.GGMLQuantizationType.Q8_0,
                  model.weights["token_embd.weight"].shape)
    check(dense_groups(head) > 0, f"{method}: the LM head keeps its dense weights")
    errors[method] = 0.0
    for name in ("blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.attn_v.weight"):
        w = model.weights[name].astype(np.float64)
        wp = decode(blobs[name], gguf.GGMLQuantizationType.Q8_0, w.shape)
        errors[method] += float(((x @ (w - wp).T) ** 2).sum())

if len(errors) == 3:
    m = errors["magnitude"]
    print(f"block 0 q/k/v output error: magnitude {m:.4g}, wanda {errors['wanda']:.4g} "
          f"({errors['wanda'] / m:.3f}x), sparsegpt {errors['sparsegpt']:.4g} "
          f"({errors['sparsegpt'] / m:.3f}x)")
    check(errors["sparsegpt"] < 0.9 * m, "sparsegpt's layer output error < 0.9x magnitude's")

# Q4_0 (zero code 8) on the MLP layers only, the head included by regex.
ir, blobs = compile_qnn("--weights=q4_0", "--sparsity=force", "--sparse-layers=ffn_|token_embd")
ffn = [n for n in linear if "ffn_" in n]
check(ir is not None and ir.count("{qcc.sparse24}") == len(ffn) + 1,
      f"--sparse-layers: {len(ffn)} MLP layers and the head marked")
if ir is not None:
    bad = [n for n in ffn + ["token_embd.weight"]
           if dense_groups(decode(blobs[n], gguf.GGMLQuantizationType.Q4_0,
                                  model.weights[n].shape))]
    check(not bad, f"Q4_0 pruned weights are 2:4 ({bad or 'all'})")
    attn = decode(blobs["blk.0.attn_q.weight"], gguf.GGMLQuantizationType.Q4_0,
                  model.weights["blk.0.attn_q.weight"].shape)
    check(dense_groups(attn) > 0, "attention layers outside --sparse-layers stay dense")

# The decode step takes the Hessians of the sequence graph.
r = subprocess.run([qcc, path, "--ctx=16", "--weights=q5_0", "--sparsity=force",
                    "--prune=sparsegpt", "--calib=" + text, "--calib-seq=16",
                    "--calib-samples=2", "--emit=qnn", "-o", "-"], capture_output=True, text=True)
check(r.returncode == 0 and r.stdout.count("qnn.block_linear q5_0, %") == len(linear) + 1 and
      r.stdout.count("{qcc.sparse24}") == len(linear),
      "the decode step (--seq=1) takes Q5_0 SparseGPT weights")
print("gguf-sparsity:", "PASS" if not failures else "FAIL: " + "; ".join(failures))
sys.exit(1 if failures else 0)
