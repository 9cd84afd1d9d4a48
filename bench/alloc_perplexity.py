#!/usr/bin/env python3
"""SmolLM2-135M: allocated mixed precision against uniform configs at equal
average bits per weight, by perplexity (docs/bit-allocation.md).

Steps (each CPU-heavy one under --lock, so other builds get turns between):
  1. qcc-sensitivity over the 210 linear layers (cached in WORK/sens.json)
     on gensim's lee_background.cor (the calibration text);
  2. qcc-bit-allocation at each --bpw budget: the plan as --layer-quant;
  3. qcc --seq=512 for each plan and each uniform config (--weights=X; the
     LM head keeps the file's own blocks in every library);
  4. qcc-eval --perplexity on gensim's lee.cor, ctx 512, stride 256, the
     first --max-text-tokens tokens.
Prints one table: config, bits per weight of the linear layers, weight MB
(linear layers + fixed tensors), perplexity.

  python3 bench/alloc_perplexity.py --work /tmp/alloc-bench \\
      --budgets 4.6,4.85 --uniform q4_0,q4_1 --max-text-tokens 1280
  # equal budgets with qcc's 2-/3-bit blocks among the candidates:
  python3 bench/alloc_perplexity.py --work /tmp/alloc-bench \\
      --configs q4_0,q4_1,q5_0,q5_1,q8_0,q4k,q6k,q2g64,q3g192,q3g64 \\
      --probe q3g64 --budgets 3.5,4.5 --uniform q3g64,q4_0
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "lib"))
import llm_testing as L  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "build", "bin"))
    ap.add_argument("--work", required=True)
    ap.add_argument("--configs", default="q4_0,q4_1,q5_0,q5_1,q8_0,q4k,q6k")
    ap.add_argument("--probe", default="",
                    help="qcc-sensitivity --probe (default: its own choice, the cheapest "
                    "config of at least 4 bits)")
    ap.add_argument("--budgets", default="4.6,4.85")
    ap.add_argument("--uniform", default="q4_0,q4_1")
    ap.add_argument("--max-text-tokens", type=int, default=1280)
    ap.add_argument("--lock", default="/tmp/qcc-build.lock")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    gguf = L.smollm2_gguf()
    lock = ["flock", a.lock] if a.lock else []
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads), OMP_WAIT_POLICY="PASSIVE")

    def run(cmd, locked=True, **kw):
        t0 = time.time()
        p = subprocess.run((lock if locked else []) + cmd, capture_output=True, text=True,
                           env=env, **kw)
        if p.returncode != 0:
            sys.exit("failed: %s\n%s" % (" ".join(cmd), p.stderr[-3000:]))
        return p, time.time() - t0

    sens = os.path.join(a.work, "sens.json")
    cached = json.load(open(sens)) if os.path.exists(sens) else None
    if (cached and set(a.configs.split(",")) <= set(cached["configs"]) and
            (not a.probe or cached.get("probe_config", cached.get("probe")) == a.probe)):
        # Everything is in the cache: no need to queue for the lock.
        print("sensitivity: cached in %s" % sens, flush=True)
        table = cached
        p = dt = None
    else:
        table = None
    p, dt = (None, None) if table else run([os.path.join(a.bin, "qcc-sensitivity"), gguf,
                 "--calib=" + L.lee_corpus("lee_background.cor"), "--configs=" + a.configs,
                 "--jobs=%d" % a.threads, "-o", sens] + (["--probe=" + a.probe] if a.probe else []))
    if not table:
        print("sensitivity: %.0f s (%s)" % (dt, p.stderr.strip().splitlines()[-1]), flush=True)
        table = json.load(open(sens))
    fixed = sum(f["bytes"] for f in table["fixed"])

    runs = []  # (label, qcc weight args, bpw, linear bytes, predicted error)
    for b in a.budgets.split(","):
        plan = os.path.join(a.work, "plan-%s.txt" % b)
        p, _ = run([os.path.join(a.bin, "qcc-bit-allocation"), sens, "--bpw=" + b, "--quiet",
                    "--plan-out=" + plan, "--report=" + os.path.join(a.work, "report-%s.html" % b),
                    "--report=" + os.path.join(a.work, "report-%s.json" % b)], locked=False)
        rep = json.load(open(os.path.join(a.work, "report-%s.json" % b)))
        counts = {}
        for l in rep["layers"]:
            counts[l["config"]] = counts.get(l["config"], 0) + 1
        mix = " ".join("%s:%d" % kv for kv in sorted(counts.items()))
        runs.append(("allocated --bpw=%s (%s)" % (b, mix),
                     ["--layer-quant", open(plan).read().strip()],
                     rep["plan"]["bits_per_weight"], rep["plan"]["bytes"],
                     rep["plan"]["predicted_error"]))
    for u in a.uniform.split(","):
        up = [x for x in json.load(open(os.path.join(a.work, "report-%s.json" % a.budgets.split(",")[0])))["uniform"]
              if x["config"] == u][0]
        runs.append(("uniform " + u, ["--layer-quant", "^blk\\.=" + u], up["bits_per_weight"],
                     up["bytes"], up["predicted_error"]))

    print("| weights | bpw (linear layers) | weight MB | .so MB | predicted error | perplexity | "
          "compile s | eval s |")
    print("|---|---|---|---|---|---|---|---|", flush=True)
    for label, args, bpw, nbytes, predicted in runs:
        lib = os.path.join(a.work, re.sub(r"[^A-Za-z0-9_.]+", "_", label)[:60] + ".so")
        # Compile and evaluate under one lock acquisition (the shared
        # machine's queue is the slow part).
        p, _ = run(["sh", "-c", 'set -e; s=$(date +%s.%N); qcc="$1"; eval_="$2"; lib="$3"; '
                    'gguf="$4"; text="$5"; n="$6"; shift 6; '
                    '"$qcc" "$gguf" --seq=512 --ctx=512 -o "$lib" "$@" >&2; '
                    'echo "compile_s $(echo "$(date +%s.%N) - $s" | bc)" >&2; '
                    's=$(date +%s.%N); '
                    '"$eval_" "$lib" --model "$gguf" --perplexity "$text" --ctx 512 --stride 256 '
                    '--max-text-tokens "$n" --quiet; '
                    'echo "eval_s $(echo "$(date +%s.%N) - $s" | bc)" >&2',
                    "sh", os.path.join(a.bin, "qcc"), os.path.join(a.bin, "qcc-eval"), lib, gguf,
                    L.lee_corpus("lee.cor"), str(a.max_text_tokens)] + args)
        ct = float(re.search(r"compile_s ([0-9.]+)", p.stderr).group(1))
        et = float(re.search(r"eval_s ([0-9.]+)", p.stderr).group(1))
        ppl = L.parse_eval_output(p.stdout)["perplexity"]
        err = "%.4f" % predicted
        print("| %s | %.3f | %.2f | %.2f | %s | %s | %.0f | %.0f |" % (
            label, bpw, (nbytes + fixed) / 1e6, os.path.getsize(lib) / 1e6, err, ppl, ct, et),
            flush=True)
        os.remove(lib)


if __name__ == "__main__":
    main()
