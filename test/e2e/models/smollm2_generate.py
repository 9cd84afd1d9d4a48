# SmolLM2-135M-Instruct (GGUF Q4_1, dequantized: the float model) as a
# sequence graph (qcc --seq=16) and a decode step: qcc-run --generate (the
# chat-template prompt through the sequence graph, then decode steps)
# produces token for token the numpy reference's greedy continuation
# (test/lib/llm_testing.py), and the prompt's ids equal the tokenizers
# package's.
#
# REQUIRES: x86, gguf, smollm2, tokenizers
# RUN: %python %s %t

import os
import subprocess
import sys
import time

import llm_testing as L
import qcc_testing as q

work = q.workdir(sys.argv[1] if len(sys.argv) > 1 else None)
gguf_path = L.smollm2_gguf()
CTX, SEQ, N_GEN = 64, 16, 32
libs = {}
for seq in (SEQ, 1):
    libs[seq] = os.path.join(work, f"smollm2-s{seq}.so")
    t0 = time.time()
    subprocess.run([q.tool("qcc"), gguf_path, "--target=x86-64-v3", f"--ctx={CTX}",
                    f"--seq={seq}", "--weights=f32", "-o", libs[seq]], check=True)
    print(f"compiled --seq={seq} --ctx={CTX} in {time.time() - t0:.1f} s")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


tokenizer = L.gguf_tokenizer(gguf_path)
ref = L.NumpyLlama(L.GgufLlama(gguf_path))

# Generation.
prompt = L.SMOLLM2_PROMPTS[3]  # 19 tokens: a whole run of 16, a padded one
r = subprocess.run([q.tool("qcc-run"), libs[1], "--generate", prompt, "--model", gguf_path,
                    "--prefill", libs[SEQ], "--max-tokens", str(N_GEN), "--ignore-eos", "--ids"],
                   capture_output=True, text=True)
print(r.stdout + r.stderr, end="")
out = L.parse_eval_output(r.stdout)
pids = [int(t) for t in out.get("prompt_ids", "").split()]
got = [int(t) for t in out.get("generated_ids", "").split()]
check(pids == tokenizer.encode(prompt).ids, f"prompt ids {pids} equal the tokenizers package's")
want = L.teacher_forced(ref, pids, got).argmax(-1).tolist() if len(got) == N_GEN else []
match = L.first_divergence(want, got)
check(match == N_GEN, f"{prompt!r}: {match}/{N_GEN} greedy tokens equal to the reference")

print("smollm2_generate:", "PASS" if not failures else "FAIL: " + "; ".join(failures))
sys.exit(1 if failures else 0)
