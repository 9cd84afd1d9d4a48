# Greedy generation (qcc-run --generate, which runs qcc-eval) with the
# libraries of tiny llama GGUF files (test/Frontend/Gguf/Inputs/make_llama.py):
# the decode step alone, and with a sequence library for the prompt (whole
# runs, a padded last run, and a prompt whose last run would not fit in the
# context, so its tail goes through the decode step). Every generated id
# must equal the numpy reference's greedy choice, and generation must stop
# at the context's end.
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
bin_dir = os.environ.get("QCC_BIN", "")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


CTX = 24
gguf_path = os.path.join(work, "untied.gguf")
subprocess.run([sys.executable, os.path.join(here, "..", "Frontend", "Gguf", "Inputs",
                                             "make_llama.py"), "untied", gguf_path], check=True)
libs = {}
for seq in (1, 5):
    libs[seq] = os.path.join(work, f"s{seq}.so")
    subprocess.run([os.path.join(bin_dir, "qcc"), gguf_path, "--target=x86-64-v3",
                    f"--ctx={CTX}", f"--seq={seq}", "--weights=f32", "-o", libs[seq]], check=True)
ref = L.NumpyLlama(L.GgufLlama(gguf_path))


def generate(prompt, n, prefill):
    cmd = [os.path.join(bin_dir, "qcc-run"), libs[1], "--generate", prompt, "--model",
           gguf_path, "--max-tokens", str(n), "--ignore-eos", "--ids"]
    if prefill:
        cmd += ["--prefill", libs[5]]
    r = subprocess.run(cmd, capture_output=True, text=True)
    print(r.stderr, end="")
    if r.returncode != 0:
        return [], [], ""
    out = L.parse_eval_output(r.stdout)
    ids = lambda k: [int(t) for t in out.get(k, "").split()]
    return ids("prompt_ids"), ids("generated_ids"), r.stderr


# Prompts of 10 (two whole runs), 4 (a padded run) and 21 tokens (four
# runs fit in 24 positions, the fifth not: its token goes through the
# decode step), then up to the end of the context.
for prompt, n in [("the thinking", 8), ("other", 8), ("the thinking, other cats", 8)]:
    for prefill in (False, True):
        pids, got, log = generate(prompt, n, prefill)
        want = min(n, CTX - len(pids) + 1)
        ref_ids, _ = L.greedy_reference(ref, pids, want)
        check(len(pids) > 0 and got == ref_ids,
              f"{prompt!r} ({len(pids)} tokens), prefill {prefill}: {len(got)} ids "
              f"{'equal' if got == ref_ids else 'differ'} (qcc {got}, numpy {ref_ids})")
        if prefill and len(pids) == 21:
            check("4 sequence runs, 1 decode steps" in log and "stopped: context" in log,
                  "the 21-token prompt: 4 sequence runs, then the decode step, "
                  "stopped at the context's end")

print("generate:", "PASS" if not failures else "FAIL: " + "; ".join(failures))
sys.exit(1 if failures else 0)
