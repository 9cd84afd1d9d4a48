# SmolLM2-135M-Instruct: qcc's compiled decode step against the `transformers`
# package running the same dequantized weights (LlamaForCausalLM loaded from
# the GGUF file, which transformers dequantizes with gguf-py and whose Q/K
# rows it restores to the checkpoint's order), each decoding greedily with
# its own KV cache: 32 tokens from 5 prompts must be equal, and the logits
# after each prompt must agree. The prompts are tokenized by transformers'
# tokenizer for the GGUF file; test/lib/hf_gguf_tokenizer.py must agree.
#
# REQUIRES: x86, gguf, smollm2, tokenizers, transformers, torch, accelerate
# RUN: %python %s %t

import os
import subprocess
import sys

import numpy as np
import llm_testing as L
import qcc_testing as q

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

work = q.workdir(sys.argv[1] if len(sys.argv) > 1 else None)
N = 32
path = L.smollm2_gguf()
so = os.path.join(work, "smollm2.so")
# The float model (f32 weights): transformers runs the dequantized weights.
subprocess.run([q.tool("qcc"), path, "--target=x86-64-v3", "--ctx=64",
                "--gguf-weights=dequant", "-o", so], check=True)

folder, name = os.path.split(path)
hf_tok = AutoTokenizer.from_pretrained(folder, gguf_file=name)
hf = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
hf.eval()
test_tok = L.gguf_tokenizer(path)
dec = L.QccDecoder(so)


@torch.no_grad()
def hf_greedy(prompt, n):
    """transformers' own decode loop: the prompt, then one token at a time
    through its KV cache (EOS does not stop it)."""
    out = hf(torch.tensor([prompt]), use_cache=True)
    first = out.logits[0, -1].float().numpy().copy()
    tokens = []
    for _ in range(n):
        tokens.append(int(out.logits[0, -1].argmax()))
        if len(tokens) == n:
            break
        out = hf(torch.tensor([[tokens[-1]]]), past_key_values=out.past_key_values,
                 use_cache=True)
    return tokens, first


failures = []
for text in L.SMOLLM2_PROMPTS:
    prompt = hf_tok(text, add_special_tokens=False)["input_ids"]
    if prompt != test_tok.encode(text).ids:
        print(f"FAIL {text!r}: transformers tokenizes it as {prompt}, "
              f"hf_gguf_tokenizer as {test_tok.encode(text).ids}")
        failures.append(text)
    want, want_first = hf_greedy(prompt, N)
    got, logits, _ = L.greedy_qcc(dec, prompt, N)
    match = L.first_divergence(want, got)
    err = float(np.abs(logits[0] - want_first).max())
    tol = 1e-4 * max(1.0, float(np.abs(want_first).max()))
    ok = match == N and err <= tol
    print(f"{'ok  ' if ok else 'FAIL'} {text!r}: {match}/{N} greedy tokens equal "
          f"to transformers'; first-step logits max abs error {err:.3g} "
          f"(tolerance {tol:.3g})")
    if not ok:
        print(f"     transformers: {want}\n     qcc:          {got}")
        failures.append(text)
print("smollm2_transformers:", "PASS" if not failures else f"FAIL ({len(failures)})")
sys.exit(1 if failures else 0)
