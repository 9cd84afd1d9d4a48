# qcc-sensitivity on tiny llama GGUF files (random weights,
# test/Frontend/Gguf/Inputs/make_llama.py) against the numpy reference of
# test/lib/llm_testing.py: the KL it measures for a layer quantized alone
# (ternary absmean, whose values are defined exactly) equals the numpy
# model's KL with that layer replaced; --kl=probe reproduces the probe's KL
# and scales the other configs by the layer's KL/MSE ratio; a second run
# reuses the file; errors are diagnosed.
#
# REQUIRES: gguf
# RUN: %python %s %t

import json
import os
import subprocess
import sys

import numpy as np
import llm_testing as L

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
here = os.path.dirname(os.path.abspath(__file__))
make = os.path.join(here, "..", "Frontend", "Gguf", "Inputs", "make_llama.py")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*args, ok=True):
    p = subprocess.run(["qcc-sensitivity"] + list(args), capture_output=True, text=True)
    if ok and p.returncode != 0:
        sys.exit("qcc-sensitivity failed:\n" + p.stderr)
    return p


model = os.path.join(work, "untied.gguf")
subprocess.run([sys.executable, make, "untied", model], check=True)
text = os.path.join(work, "text.txt")
with open(text, "w") as f:
    f.write("the theory of everything is that the thin thread of the "
            "world holds the other threads together, though the three "
            "thieves think there is nothing there at all. " * 3)
SEQ, SAMPLES = 16, 3
CONFIGS = ["int8", "int4g32", "ternary"]

allkl = os.path.join(work, "all.json")
run(model, "--calib=" + text, "--configs=" + ",".join(CONFIGS), "--kl=all",
    "--calib-seq=%d" % SEQ, "--calib-samples=%d" % SAMPLES, "-o", allkl, "--jobs=1")
t = json.load(open(allkl))
check(t["format"] == "qcc-sensitivity-1" and t["metric"] == "kl", "format")
check(len(t["layers"]) == 2 * 7, "14 linear layers")
names = [l["name"] for l in t["layers"]]
check(names[0] == "blk.0.attn_q.weight" and names[-1] == "blk.1.ffn_down.weight", "order")
fixed = {f["name"] for f in t["fixed"]}
check("token_embd.weight" in fixed and "output.weight" in fixed and
      "blk.0.attn_q.bias" in fixed and "blk.0.attn_q.weight" not in fixed, "fixed tensors")

# The numpy reference: same tokens (the tokenizer is character level plus
# one merge; take qcc-model-info-free route: gguf tokenizer from the file).
m = L.GgufLlama(model)
tok = L.gguf_tokenizer(model)
ids = tok.encode(open(text).read()).ids[: SEQ * SAMPLES]
assert len(ids) == SEQ * SAMPLES


def logprobs(weights):
    m2 = L.GgufLlama.__new__(L.GgufLlama)
    m2.__dict__.update(m.__dict__)
    m2.weights = weights
    ref = L.NumpyLlama(m2)
    out = []
    for s in range(SAMPLES):
        logits = ref.forward(ids[s * SEQ:(s + 1) * SEQ], ref.new_cache()).astype(np.float64)
        out.append(logits - np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(-1, keepdims=True)) - logits.max(-1, keepdims=True))
    return np.concatenate(out)


def ternary(w):
    s = np.maximum(np.abs(w).astype(np.float64).mean(axis=1, keepdims=True), 1e-5).astype(np.float32)
    q = np.clip(np.rint(w.astype(np.float64) / s), -1, 1)
    return (q * s).astype(np.float32)


base = logprobs(m.weights)
for name in ["blk.0.attn_v.weight", "blk.1.ffn_down.weight", "blk.0.attn_q.weight"]:
    w = dict(m.weights)
    w[name] = ternary(m.weights[name])
    lp = logprobs(w)
    kl = float(np.mean(np.sum(np.exp(base) * (base - lp), axis=-1)))
    got = [l for l in t["layers"] if l["name"] == name][0]["results"]["ternary"]["kl"]
    check(abs(got - kl) <= 0.02 * kl + 1e-7, "%s ternary KL %.6g vs numpy %.6g" % (name, got, kl))

for l in t["layers"]:
    r = l["results"]
    if not (r["int8"]["kl"] < r["ternary"]["kl"] and r["int8"]["layer_mse"] < r["int4g32"]["layer_mse"] < r["ternary"]["layer_mse"]):
        check(False, "int8 < int4g32 < ternary for " + l["name"])
    if any(abs(c["sensitivity"] - c["kl"]) > 0 for c in r.values()):
        check(False, "--kl=all: sensitivity is the measured KL for " + l["name"])
check(True, "errors ordered by bits on every layer")

# GGUF block configs: the bytes qcc --layer-quant stores (gguf-py's Q4_0 is
# byte-equal to qcc's encoder), k-quants on 64-wide rows falling back to
# Q5_0 as llama.cpp does.
import gguf
blocks = os.path.join(work, "blocks.json")
run(model, "--calib=" + text, "--configs=q4_0,q8_0,q4k", "--kl=all",
    "--calib-seq=%d" % SEQ, "--calib-samples=%d" % SAMPLES, "-o", blocks)
tb = {l["name"]: l for l in json.load(open(blocks))["layers"]}
name = "blk.1.attn_output.weight"
w = m.weights[name]
q40 = gguf.quants.dequantize(gguf.quants.quantize(w, gguf.GGMLQuantizationType.Q4_0),
                             gguf.GGMLQuantizationType.Q4_0).reshape(w.shape)
wq = dict(m.weights)
wq[name] = np.asarray(q40, np.float32)
lp = logprobs(wq)
kl = float(np.mean(np.sum(np.exp(base) * (base - lp), axis=-1)))
got = tb[name]["results"]["q4_0"]
check(abs(got["kl"] - kl) <= 0.02 * kl + 1e-7, "%s q4_0 KL %.6g vs numpy (gguf-py Q4_0) %.6g" % (name, got["kl"], kl))
r = tb[name]["results"]
rows, cols = tb[name]["rows"], tb[name]["cols"]
check(r["q4_0"]["bytes"] == rows * cols // 32 * 18 and r["q8_0"]["bytes"] == rows * cols // 32 * 34
      and r["q4k"]["format"] == "q5_0" and r["q4k"]["bytes"] == rows * cols // 32 * 22,
      "block bytes; q4k on 64-wide rows stored as q5_0")
check(all(l["results"]["q8_0"]["kl"] < l["results"]["q4_0"]["kl"] for l in tb.values()),
      "q8_0 below q4_0 on every layer")
a = subprocess.run(["qcc-bit-allocation", blocks, "--bpw=5", "--quiet"], capture_output=True, text=True)
check(a.returncode == 0 and "blk" in a.stdout, "allocation over block configs: " + a.stderr)

# qcc's 2-/3-bit blocks (groups of 64: the attention layers' 64-wide rows).
low = os.path.join(work, "lowbit.json")
run(model, "--calib=" + text, "--configs=q2g64,q3g64,q4_0", "--kl=all", "--layers=attn",
    "--calib-seq=%d" % SEQ, "--calib-samples=%d" % SAMPLES, "-o", low)
tl = json.load(open(low))["layers"]
check(len(tl) == 8 and all(
    l["results"]["q2g64"]["bytes"] == l["rows"] * l["cols"] // 64 * 20 and
    l["results"]["q3g64"]["bytes"] == l["rows"] * l["cols"] // 64 * 28 and
    l["results"]["q3g64"]["format"] == "q3g64" for l in tl),
      "q2g64 / q3g64 bytes and formats on the 8 attention layers")
check(all(l["results"]["q3g64"]["kl"] < l["results"]["q2g64"]["kl"] for l in tl),
      "q3g64 below q2g64 on every layer")

# --kl=probe: the probe's KL as measured above, others scaled by the ratio.
probe = os.path.join(work, "probe.json")
p = run(model, "--calib=" + text, "--configs=" + ",".join(CONFIGS), "--calib-seq=%d" % SEQ,
        "--calib-samples=%d" % SAMPLES, "-o", probe, "--probe=ternary")
check("[sensitivity] block 2/2" in p.stderr, "progress output")
tp = json.load(open(probe))
check(tp["probe_config"] == "ternary", "--probe")
dflt = os.path.join(work, "default.json")
run(model, "--calib=" + text, "--configs=" + ",".join(CONFIGS), "--calib-seq=%d" % SEQ,
    "--calib-samples=%d" % SAMPLES, "-o", dflt, "--layers=blk\\.1\\.ffn")
td = json.load(open(dflt))
check(td["probe_config"] == "int4g32" and len(td["layers"]) == 3,
      "probe defaults to the cheapest config of >= 4 bits; --layers")
for la, lp_ in zip(t["layers"], tp["layers"]):
    ra, rp = la["results"], lp_["results"]
    gain = rp["ternary"]["kl"] / rp["ternary"]["layer_mse"]
    ok = abs(rp["ternary"]["kl"] - ra["ternary"]["kl"]) <= 1e-9 * ra["ternary"]["kl"] + 1e-15
    ok &= "kl" not in rp["int8"]
    ok &= abs(rp["int8"]["sensitivity"] - rp["int8"]["layer_mse"] * gain) <= 1e-9 * rp["int8"]["sensitivity"] + 1e-18
    if not ok:
        check(False, "probe mode for " + la["name"])
check(True, "probe mode: probe KL equal, others scaled")

# Reuse: a second run measures nothing; one more config measures only it.
p = run(model, "--calib=" + text, "--configs=" + ",".join(CONFIGS), "--calib-seq=%d" % SEQ,
        "--calib-samples=%d" % SAMPLES, "-o", probe, "--probe=ternary")
check("0 KL measurements, 42 results reused" in p.stderr, "second run reuses all: " + p.stderr.splitlines()[-1])
p = run(model, "--calib=" + text, "--configs=" + ",".join(CONFIGS + ["int4g128"]),
        "--calib-seq=%d" % SEQ, "--calib-samples=%d" % SAMPLES, "-o", probe, "--probe=ternary")
check("0 KL measurements, 42 results reused" in p.stderr and
      len(json.load(open(probe))["layers"][0]["results"]) == 4, "added config measured alone")
# Other settings: not reused.
p = run(model, "--calib=" + text, "--configs=" + ",".join(CONFIGS), "--calib-seq=8",
        "--calib-samples=%d" % SAMPLES, "-o", probe, "--probe=ternary")
check("14 KL measurements, 0 results reused" in p.stderr, "other settings measured afresh")

# The table drives the allocator.
a = subprocess.run(["qcc-bit-allocation", allkl, "--bpw=5", "--configs=int8,int4g32,ternary",
                    "--report=" + os.path.join(work, "r.html")], capture_output=True, text=True)
check(a.returncode == 0 and "total:" in a.stdout, "qcc-bit-allocation reads it: " + a.stderr)

# Errors.
def err(args, want):
    p = run(*args, ok=False)
    check(p.returncode == 1 and want in p.stderr and "[sensitivity]" not in p.stderr,
          "error '%s': %s" % (want, p.stderr.strip()))

base_args = [model, "--calib=" + text, "-o", os.path.join(work, "e.json")]
err(base_args + ["--configs=int8,q9_9"], "unknown config 'q9_9'")
err(base_args + ["--configs=int8,int8"], "--configs lists 'int8' twice")
err(base_args + ["--configs=int8", "--probe=ternary"], "--probe=ternary is not one of --configs")
err(base_args + ["--configs=int8", "--kl=some"], "--kl=some: expected probe, all or none")
err(base_args + ["--configs=int8", "--calib-seq=4000"], "fewer than --calib-samples=2 x --calib-seq=4000")
err(base_args + ["--configs=int8", "--layers=attn_zz"], "matches no linear layer")
err(base_args + ["--configs=int8", "--layers=attn_("], "--layers: bad regular expression")
err([model, "--configs=int8", "-o", "x.json"], "--calib=text.txt is required")
err([model, "--calib=" + text, "--configs=int8", "-o", allkl + ".missing/x.json"], "cannot write")
err([text, "--calib=" + text, "--configs=int8", "-o", os.path.join(work, "e.json")], "not a GGUF file")
with open(os.path.join(work, "bad.json"), "w") as f:
    f.write("{")
err([model, "--calib=" + text, "--configs=int8", "-o", os.path.join(work, "bad.json")],
    "is not valid JSON (remove it or write elsewhere)")

if failures:
    sys.exit("%d failures" % len(failures))
