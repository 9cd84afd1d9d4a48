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
  kquants 256 wide (4 heads of 64, 2 KV heads), FFN 512: k-quant weights
          as random blocks with sane scales (gguf-py cannot quantize to
          them): Q4_K q/o, Q5_K k, Q6_K v and output.weight, Q3_K gate,
          Q2_K up, Q5_0 down.
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
# Byte offsets of a block's f16 scales and their magnitudes, for random
# k-quant blocks: weights of roughly unit-over-sqrt(K) size.
KQUANT_SCALES = {
    Q.Q4_K: [(0, 3e-4), (2, 2e-3)], Q.Q5_K: [(0, 1.5e-4), (2, 2e-3)],
    Q.Q6_K: [(208, 6e-5)], Q.Q3_K: [(108, 1e-3)], Q.Q2_K: [(80, 1e-3), (82, 4e-3)],
}


def random_kquant(rng, qtype, rows, cols):
    """Random blocks of a k-quant type with sane f16 scales, [rows, bytes]."""
    size, nbytes = gguf.GGML_QUANT_SIZES[qtype]
    blocks = rng.integers(0, 256, (rows * cols // size, nbytes), dtype=np.uint8)
    for off, mag in KQUANT_SCALES[qtype]:
        v = (mag * rng.uniform(0.5, 1.5, len(blocks))).astype(np.float16)
        blocks[:, off:off + 2] = v.view(np.uint8).reshape(-1, 2)
    return blocks.reshape(rows, -1)


def write_kquants(path):
    rng = np.random.default_rng(13)
    embd, heads, kv_heads, ffn, vocab = 256, 4, 2, 512, 96
    hd = embd // heads
    w = gguf.GGUFWriter(path, "llama")
    p = "llama."
    w.add_uint32(p + "context_length", 256)
    w.add_uint32(p + "embedding_length", embd)
    w.add_uint32(p + "block_count", LAYERS)
    w.add_uint32(p + "feed_forward_length", ffn)
    w.add_uint32(p + "attention.head_count", heads)
    w.add_uint32(p + "attention.head_count_kv", kv_heads)
    w.add_float32(p + "rope.freq_base", 10000.0)
    w.add_float32(p + "attention.layer_norm_rms_epsilon", 1e-5)
    w.add_uint32(p + "vocab_size", vocab)

    def kq(name, rows, cols, qtype):
        w.add_tensor(name, random_kquant(rng, qtype, rows, cols), raw_dtype=qtype)

    def norm(name, n):
        w.add_tensor(name, (1.0 + 0.1 * rng.standard_normal(n)).astype(np.float32))

    w.add_tensor("token_embd.weight",
                 rng.standard_normal((vocab, embd)).astype(np.float16))
    for i in range(LAYERS):
        b = f"blk.{i}."
        norm(b + "attn_norm.weight", embd)
        kq(b + "attn_q.weight", embd, embd, Q.Q4_K)
        kq(b + "attn_k.weight", kv_heads * hd, embd, Q.Q5_K)
        kq(b + "attn_v.weight", kv_heads * hd, embd, Q.Q6_K)
        kq(b + "attn_output.weight", embd, embd, Q.Q4_K)
        norm(b + "ffn_norm.weight", embd)
        kq(b + "ffn_gate.weight", ffn, embd, Q.Q3_K)
        kq(b + "ffn_up.weight", ffn, embd, Q.Q2_K)
        a = (ffn ** -0.5 * rng.standard_normal((embd, ffn))).astype(np.float32)
        w.add_tensor(b + "ffn_down.weight", gguf.quants.quantize(a, Q.Q5_0),
                     raw_dtype=Q.Q5_0)
    norm("output_norm.weight", embd)
    kq("output.weight", vocab, embd, Q.Q6_K)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def write(path, kind):
    if kind == "kquants":
        return write_kquants(path)
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


KINDS = ["tiny", "untied", "kquants", "arch-gpt2", "missing-tensor", "bad-shape", "head-count",
         "rope-scaling", "partial-rope", "no-eps", "extra-block", "int-norm",
         "short-context"]

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in KINDS:
        sys.exit(__doc__ + "\nKINDS: " + " ".join(KINDS))
    write(sys.argv[2], sys.argv[1])
