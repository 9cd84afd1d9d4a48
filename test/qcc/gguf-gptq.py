# GPTQ on a GGUF language model (--weights=gptq --calib=text.txt): qcc
# calibrates the float sequence graph on the text, then quantizes with each
# layer's Hessian. On the tiny llama (Inputs/make_llama.py) block 0's q, k
# and v read rms_norm(embedding[tokens]) * gamma, which numpy computes for
# the calibration tokens (4 sequences of 16 from the start of lee.cor): the
# layer output error ||X (W - Wq)^T||^2 of GPTQ's Q4_1 blocks must be below
# round-to-nearest's at groups 32 and 64, and --weights=gptq must also reach
# the decode step (--seq=1) through the sequence graph's statistics. For v
# the error is weighted per row by the attention its position receives
# (sum over heads and queries of P^2, numpy's block-0 attention on each
# sequence): the objective qcc's GPTQ minimizes for value projections
# (docs/language-models.md, "GPTQ and the attention sink").
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


def blobs(*args):
    r = subprocess.run([qcc, path, "--ctx=16", "--emit=qnn", "-o", "-", *args],
                       capture_output=True, text=True)
    if r.returncode:
        print(r.stderr)
        return {}
    out = {}
    for m in re.finditer(r"^\s*\"?(blk\.0\.attn_[qkv]\.weight)\"?: \"0x([0-9A-F]+)\"",
                         r.stdout, re.M):
        out[m.group(1)] = bytes.fromhex(m.group(2))[4:]
    return out


model = L.GgufLlama(path)
ids = L.gguf_tokenizer(path).encode(open(text, encoding="utf-8", errors="replace").read()).ids
x = model.weights["token_embd.weight"][ids[:64]].astype(np.float64)
x = x / np.sqrt((x * x).mean(-1, keepdims=True) + model.eps) * \
    model.weights["blk.0.attn_norm.weight"]


def attention_row_weights(seq):
    """Block 0's sum over heads and queries of P^2 per position of seq."""
    ref = L.NumpyLlama(model)
    lay, m, t = ref.layers[0], model, len(seq)
    h = ref._rms(model.weights["token_embd.weight"][seq], lay["attn_norm"])
    hd = m.head_dim
    q = (h @ lay["wq"].T).reshape(t, m.n_head, hd).transpose(1, 0, 2)
    k = (h @ lay["wk"].T).reshape(t, m.n_kv_head, hd).transpose(1, 0, 2)
    freqs = np.outer(np.arange(t, dtype=np.float32), ref.inv_freq)
    emb = np.concatenate([freqs, freqs], -1)
    q = q * np.cos(emb) + ref._rotate_half(q) * np.sin(emb)
    k = k * np.cos(emb) + ref._rotate_half(k) * np.sin(emb)
    k = np.repeat(k, m.n_head // m.n_kv_head, axis=0)
    s = (q @ k.transpose(0, 2, 1)) / np.sqrt(hd)
    s = np.where(np.tril(np.ones((t, t), bool))[None], s, -np.inf)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    c = (p.astype(np.float64) ** 2).sum((0, 1))
    return c * t / c.sum()


row_weight = {"blk.0.attn_q.weight": np.ones(64), "blk.0.attn_k.weight": np.ones(64),
              "blk.0.attn_v.weight": np.concatenate(
                  [attention_row_weights(ids[i:i + 16]) for i in range(0, 64, 16)])}
calib = ["--calib=" + text, "--seq=16", "--calib-seq=16", "--calib-samples=4"]
for group in (32, 64):
    rtn = blobs("--weights=rtn", f"--group={group}")
    gptq = blobs("--weights=gptq", f"--group={group}", *calib)
    for name in sorted(rtn):
        w = model.weights[name].astype(np.float64)
        err = {}
        for method, got in (("rtn", rtn), ("gptq", gptq)):
            wq = gguf.quants.dequantize(np.frombuffer(got[name], np.uint8).reshape(w.shape[0], -1),
                                        gguf.GGMLQuantizationType.Q4_1).reshape(w.shape)
            err[method] = float((row_weight[name][:, None] * (x @ (w - wq).T) ** 2).sum())
        check(err["gptq"] < err["rtn"],
              f"g{group} {name}: layer output error gptq {err['gptq']:.4g} < rtn {err['rtn']:.4g} "
              f"({err['gptq'] / err['rtn']:.3f}x)")

r = subprocess.run([qcc, path, "--ctx=16", "--weights=gptq", "--calib=" + text,
                    "--calib-seq=16", "--calib-samples=2", "--emit=qnn", "-o", "-"],
                   capture_output=True, text=True)
check(r.returncode == 0 and r.stdout.count("qnn.block_linear q4_1") == 15,
      "the decode step takes GPTQ weights calibrated on the sequence graph")
print("gguf-gptq:", "PASS" if not failures else "FAIL: " + "; ".join(failures))
sys.exit(1 if failures else 0)
