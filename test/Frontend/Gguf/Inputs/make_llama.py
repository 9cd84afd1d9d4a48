"""Writes tiny llama-architecture GGUF files with random weights (gguf-py's
writer and quantizers) for the GGUF frontend tests: two valid models and
variants that each break one rule the frontend checks.

Usage: make_llama.py KIND OUT.gguf      (KIND: see KINDS at the end)

Valid models (64 wide, 2 blocks, 4 heads of 16, vocabulary 96):
  tiny    2 KV heads (grouped-query attention), tied output (no
          output.weight), Q8_0 projections, F16 embedding, F32 norms;
  untied  4 KV heads, output.weight in Q4_1, biases on Q/K/V/O, F16 FFN,
          rope base 500000, no rope.dimension_count key.
Both embed a byte-level BPE tokenizer (GGUF "gpt2") of 96 tokens: id 0
<|endoftext|> (control, BOS and EOS), ids 1..94 the characters space to '}',
id 95 "th" (one merge); other bytes have no token.
"""

import sys

import numpy as np
import gguf

Q = gguf.GGMLQuantizationType
EMBD, LAYERS, HEADS, FFN, VOCAB = 64, 2, 4, 96, 96
HEAD_DIM = EMBD // HEADS


def add_tokenizer(w):
    # Byte-level spellings: printable ASCII stands for itself, space is
    # U+0120 (GPT-2's bytes_to_unicode).
    chars = ["\u0120" if c == 32 else chr(c) for c in range(32, 126)]
    tokens = ["<|endoftext|>"] + chars + ["th"]
    assert len(tokens) == VOCAB
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt2")
    w.add_token_list(tokens)
    w.add_token_types([3] + [1] * (VOCAB - 1))
    w.add_token_merges(["t h"])
    w.add_bos_token_id(0)
    w.add_eos_token_id(0)
    w.add_add_bos_token(False)


def write(path, kind):
    rng = np.random.default_rng(7 if kind != "untied" else 11)
    untied = kind == "untied"
    kv_heads = 4 if untied else 2
    arch = "gpt2" if kind == "arch-gpt2" else "llama"
    w = gguf.GGUFWriter(path, arch)
    p = arch + "."
    w.add_uint32(p + "context_length", 8 if kind == "short-context" else 256)
    w.add_uint32(p + "embedding_length", EMBD)
    w.add_uint32(p + "block_count", LAYERS)
    w.add_uint32(p + "feed_forward_length", FFN)
    w.add_uint32(p + "attention.head_count", 3 if kind == "head-count" else HEADS)
    w.add_uint32(p + "attention.head_count_kv", kv_heads)
    w.add_float32(p + "rope.freq_base", 500000.0 if untied else 10000.0)
    if kind != "no-eps":
        w.add_float32(p + "attention.layer_norm_rms_epsilon", 1e-5)
    if not untied:
        w.add_uint32(p + "rope.dimension_count",
                     HEAD_DIM // 2 if kind == "partial-rope" else HEAD_DIM)
    if kind == "rope-scaling":
        w.add_string(p + "rope.scaling.type", "linear")
    w.add_uint32(p + "vocab_size", VOCAB)
    add_tokenizer(w)

    def tensor(name, shape, qtype, scale, offset=0.0):
        """A random [out, in] (or [n]) tensor stored as qtype."""
        a = (offset + scale * rng.standard_normal(shape)).astype(np.float32)
        if qtype == Q.F32:
            w.add_tensor(name, a)
        elif qtype == Q.F16:
            w.add_tensor(name, a.astype(np.float16))
        else:
            w.add_tensor(name, gguf.quants.quantize(a, qtype), raw_dtype=qtype)

    lin = Q.Q8_0 if not untied else Q.Q4_1
    tensor("token_embd.weight", (VOCAB, EMBD), Q.F16, 1.0)
    for i in range(LAYERS):
        b = f"blk.{i}."
        tensor(b + "attn_norm.weight", (EMBD,), Q.F32, 0.1, 1.0)
        tensor(b + "attn_q.weight", (EMBD, EMBD), lin, EMBD ** -0.5)
        k_rows = kv_heads * HEAD_DIM + (8 if kind == "bad-shape" else 0)
        tensor(b + "attn_k.weight", (k_rows, EMBD), lin, EMBD ** -0.5)
        tensor(b + "attn_v.weight", (kv_heads * HEAD_DIM, EMBD), lin, EMBD ** -0.5)
        tensor(b + "attn_output.weight", (EMBD, EMBD), lin, EMBD ** -0.5)
        if untied:
            tensor(b + "attn_q.bias", (EMBD,), Q.F32, 0.1)
            tensor(b + "attn_k.bias", (kv_heads * HEAD_DIM,), Q.F32, 0.1)
            tensor(b + "attn_v.bias", (kv_heads * HEAD_DIM,), Q.F32, 0.1)
            tensor(b + "attn_output.bias", (EMBD,), Q.F32, 0.1)
        tensor(b + "ffn_norm.weight", (EMBD,), Q.F32, 0.1, 1.0)
        ffn = Q.F16 if untied else lin
        tensor(b + "ffn_gate.weight", (FFN, EMBD), ffn, EMBD ** -0.5)
        if not (kind == "missing-tensor" and i == 1):
            tensor(b + "ffn_up.weight", (FFN, EMBD), ffn, EMBD ** -0.5)
        tensor(b + "ffn_down.weight", (EMBD, FFN), lin, FFN ** -0.5)
    if kind == "extra-block":
        tensor(f"blk.{LAYERS}.attn_norm.weight", (EMBD,), Q.F32, 0.1, 1.0)
    if kind == "int-norm":
        w.add_tensor("output_norm.weight", np.ones(EMBD, np.int32))
    else:
        tensor("output_norm.weight", (EMBD,), Q.F32, 0.1, 1.0)
    if untied:
        tensor("output.weight", (VOCAB, EMBD), Q.Q4_1, EMBD ** -0.5)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


KINDS = ["tiny", "untied", "arch-gpt2", "missing-tensor", "bad-shape", "head-count",
         "rope-scaling", "partial-rope", "no-eps", "extra-block", "int-norm",
         "short-context"]

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in KINDS:
        sys.exit(__doc__ + "\nKINDS: " + " ".join(KINDS))
    write(sys.argv[2], sys.argv[1])
