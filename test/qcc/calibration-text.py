# Calibration from text for GGUF language models (--calib=FILE.txt): tiny
# llama files with a 96-token tokenizer (test/Frontend/Gguf/Inputs/
# make_llama.py). --calib-out without --quant writes the statistics of the
# float model; every linear layer's input (7 per block and the LM head) is
# found in the file by its weight's name, and the range of block 0's
# projection input (the normed embeddings of every calibration token)
# equals numpy's. The sequence graph (one run per sequence) and the decode
# step (one run per token, caches carried) see the same tokens, so their
# ranges agree. Bad options end with a message.
#
# REQUIRES: x86, gguf
# RUN: %python %s %t

import json
import os
import re
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


gguf_path = os.path.join(work, "tiny.gguf")
subprocess.run([sys.executable, os.path.join(here, "..", "Frontend", "Gguf", "Inputs",
                                             "make_llama.py"), "tiny", gguf_path], check=True)
text = os.path.join(work, "text.txt")
with open(text, "w") as f:
    f.write("the other three thought that the path through the thick forest was "
            "the one they had taken, so they went on.")
ids = [95 if p == "th" else 1 + ord(p) - 32 for p in re.findall("th|.", open(text).read())]


def calibrate(*args):
    out = os.path.join(work, "calib.json")
    if os.path.exists(out):
        os.remove(out)
    r = subprocess.run([qcc, gguf_path, "--target=x86-64-v3", "--ctx=16",
                        f"--calib={text}", f"--calib-out={out}", "-o",
                        os.path.join(work, "tiny.so"), *args], capture_output=True, text=True)
    print(r.stderr, end="")
    return r, (json.load(open(out)) if r.returncode == 0 else None)


def observers(doc):
    """name -> observer record, wherever the file nests the list."""
    found = {}

    def walk(v):
        if isinstance(v, dict):
            if "name" in v and "min" in v and "count" in v:
                found[v["name"]] = v
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    walk(doc["observers"])
    return found


def layer_inputs(doc):
    """weight name -> observer of the point that is its layer's input."""
    obs = observers(doc)
    return {w: obs[p["name"]] for p in doc["points"] for w in p.get("layer_input", [])}


m = L.GgufLlama(gguf_path)
linears = {f"blk.{i}.{n}.weight" for i in range(m.n_layer)
           for n in ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up",
                     "ffn_down")} | {"token_embd.weight"}
# Block 0's projections read rms(embedding) * attn_norm of every token seen.
seen = np.array(ids[:3 * 16])
x = m.weights["token_embd.weight"][seen]
h = x / np.sqrt(np.mean(x * x, -1, keepdims=True) + np.float32(m.eps)) * \
    m.weights["blk.0.attn_norm.weight"]
want = (float(h.min()), float(h.max()))

ranges = {}
for seq, calib_seq in [(16, 16), (8, 16), (1, 16)]:
    r, doc = calibrate(f"--seq={seq}", f"--calib-seq={calib_seq}", "--calib-samples=3")
    runs = 3 * calib_seq // seq
    check(r.returncode == 0 and f"[calib] 3 sequences of {calib_seq} tokens ({runs} runs)"
          in r.stderr, f"--seq={seq}: 3 sequences of {calib_seq} tokens in {runs} runs")
    if doc is None:
        continue
    inputs = layer_inputs(doc)
    check(set(inputs) == linears and all(o["count"] > 0 for o in inputs.values()),
          f"--seq={seq}: statistics for all {len(linears)} linear layers' inputs "
          f"(found {len(inputs)}; missing or extra: {sorted(set(inputs) ^ linears) or 'none'})")
    q = inputs.get("blk.0.attn_q.weight", {})
    got = (q.get("min", 0.0), q.get("max", 0.0))
    ranges[seq] = got
    check(np.allclose(got, want, rtol=1e-5, atol=1e-6),
          f"--seq={seq}: blk.0 projection input range {got}, numpy {want}")
    check(q.get("count") == 3 * calib_seq * m.n_embd,
          f"--seq={seq}: it counted {q.get('count')} values (3 x {calib_seq} tokens x {m.n_embd})")

# Bad options.
for args, msg in [
        (["--seq=8", "--calib-seq=12"], "calibration sequences of 12 tokens do not split into "
         "runs of the graph's 8 tokens (--calib-seq must be a multiple of --seq)"),
        (["--seq=8", "--calib-seq=24"], "calibration sequences of 24 tokens exceed the cache's "
         "16 positions (--calib-seq must be at most --ctx)"),
]:
    r, _ = calibrate(*args)
    check(r.returncode == 1 and msg in r.stderr, f"{' '.join(args)}: {msg}")
with open(os.path.join(work, "short.txt"), "w") as f:
    f.write("the end")
r = subprocess.run([qcc, gguf_path, "--ctx=16", "--calib=" + os.path.join(work, "short.txt"),
                    "--calib-out=" + os.path.join(work, "x.json"), "-o",
                    os.path.join(work, "x.so")], capture_output=True, text=True)
check(r.returncode == 1 and "has 6 tokens, fewer than one sequence of 16 (--calib-seq)"
      in r.stderr, "a text shorter than one sequence: " + r.stderr.strip())
r = subprocess.run([qcc, gguf_path, "--ctx=16", f"--calib={text}", "-o",
                    os.path.join(work, "x.so")], capture_output=True, text=True)
check(r.returncode == 1 and "--calib and --calib-in need --quant (or --calib-out to write "
      "the statistics alone)" in r.stderr, "--calib alone: " + r.stderr.strip())

print("calibration-text:", "PASS" if not failures else "FAIL: " + "; ".join(failures))
sys.exit(1 if failures else 0)
