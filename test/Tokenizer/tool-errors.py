# qcc-model-info --tokenize/--detokenize on small GGUF files written here:
# a working tiny tokenizer, and each thing qcc refuses with a message naming
# it and exit code 1 (the summary of the same files still works).
#
# REQUIRES: gguf
# RUN: %python %s %t

import os
import struct
import subprocess
import sys

import gguf

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
tool = os.path.join(os.environ.get("QCC_BIN", ""), "qcc-model-info")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def write(name, model="gpt2", pre="smollm", tokens=("a", "b", "ab", "Ġ", "Ġab"),
          merges=("a b", "Ġ ab"), types=None, bos=None, with_tokenizer=True):
    path = os.path.join(work, name + ".gguf")
    w = gguf.GGUFWriter(path, arch="llama")
    if with_tokenizer:
        w.add_tokenizer_model(model)
        if pre is not None:
            w.add_tokenizer_pre(pre)
        w.add_token_list(list(tokens))
        if types:
            w.add_token_types(list(types))
        if merges:
            w.add_token_merges(list(merges))
        if bos is not None:
            w.add_bos_token_id(bos)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def run(*args):
    p = subprocess.run([tool, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


# A working tiny tokenizer: "ab ab" -> "ab", " ab".
good = write("good", tokens=("<s>", "a", "b", "ab", "Ġ", "Ġab"),
             merges=("a b", "Ġ ab"), types=(3, 1, 1, 1, 1, 1), bos=0)
rc, out, err = run(good, "--tokenize", "ab ab", "--tokenize", "<s>ab")
check(rc == 0 and out == "3 5\n0 3\n", f"tiny tokenizer: ids ({out!r})")
rc, out, err = run(good, "--tokenize", "ab ab", "--pieces")
check(rc == 0 and out == "2 3\n", "tiny tokenizer: --pieces gives byte lengths")
rc, out, err = run(good, "--tokenize", "ab", "--add-bos")
check(rc == 0 and out == "0 3\n", "tiny tokenizer: --add-bos")
rc, out, err = run(good, "--detokenize", "0,3 5", "--detokenize", "")
check(rc == 0 and out == "<s>ab ab", "tiny tokenizer: --detokenize writes the bytes")
rc, out, err = run(good, "--detokenize", "0,3,5", "--skip-special", "--escape")
check(rc == 0 and out == "ab ab\n", "tiny tokenizer: --skip-special --escape")
rc, out, err = run(good, "--tokenize", "abc")
check(rc == 0 and out == "3\n" and "1 byte(s) that no token spells were dropped" in err,
      "a byte without a token is dropped with a warning")

# Refused, each with a message naming the problem.
refused = [
    (write("llama", model="llama"), "unsupported tokenizer model 'llama' "
     "(tokenizer.ggml.model); qcc implements 'gpt2' (byte-level BPE)"),
    (write("qwen2", pre="qwen2"), "unsupported pre-tokenizer 'qwen2' "
     "(tokenizer.ggml.pre); qcc implements gpt2, smollm"),
    (write("nopre", pre=None), "tokenizer.ggml.pre is missing"),
    (write("nomerges", merges=()), "tokenizer.ggml.merges is missing or empty"),
    (write("badmerge", merges=("a b", "a c")),
     "tokenizer.ggml.merges[1] 'a c': 'c' is not in the vocabulary"),
    (write("badresult", tokens=("a", "b"), merges=("a b",)),
     "tokenizer.ggml.merges[0] 'a b': 'ab' is not in the vocabulary"),
    (write("notok", with_tokenizer=False), "the file embeds no tokenizer"),
]
for path, message in refused:
    name = os.path.basename(path)
    rc, out, err = run(path, "--tokenize", "ab")
    check(rc == 1 and message in err and out == "", f"{name}: refused: {message}")
    rc, out, err = run(path)
    check(rc == 0 and "format: GGUF v3" in out, f"{name}: the summary still works")

rc, out, err = run(good, "--detokenize", "1,x")
check(rc == 1 and "--detokenize: 'x' is not a token id" in err, "--detokenize: bad id")
rc, out, err = run(good, "--detokenize", "6")
check(rc == 1 and "token id 6 is outside the vocabulary of 6 tokens" in err,
      "--detokenize: id outside the vocabulary")
nobos = write("nobos")
rc, out, err = run(nobos, "--tokenize", "ab", "--add-bos")
check(rc == 1 and "--add-bos: the tokenizer names no BOS token" in err,
      "--add-bos without a BOS token")
rc, out, err = run(good, "--tokenize-file", os.path.join(work, "missing.txt"))
check(rc == 1 and "cannot read" in err, "--tokenize-file: a missing file")

# safetensors embeds no tokenizer: a WordPiece tokenizer must lie beside it.
st = os.path.join(work, "t.safetensors")
header = b'{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'
with open(st, "wb") as f:
    f.write(struct.pack("<Q", len(header)) + header + struct.pack("<f", 1.0))
rc, out, err = run(st, "--tokenize", "ab")
check(
    rc == 1 and "neither tokenizer.json nor vocab.txt" in err,
    "safetensors without a tokenizer beside it: --tokenize refused",
)
rc, out, err = run(st, "--detokenize", "1,2")
check(rc == 1 and "--detokenize needs a GGUF file" in err, "safetensors: --detokenize refused")
rc, out, err = run(good, "--tokenizer", st, "--tokenize", "ab")
check(rc == 1 and "--tokenizer applies to safetensors" in err, "GGUF: --tokenizer refused")

if failures:
    sys.exit(f"{len(failures)} check(s) failed")
