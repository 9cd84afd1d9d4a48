# qcc's block encoders (--weights=q4_0 ... q6k, rtn/hqq) on tiny llama GGUF
# files (Inputs/make_llama.py), read back from --emit=qnn's resources:
#  - q4_0, q4_1, q5_0, q5_1, q8_0: byte-equal to gguf-py's quantize of the
#    same float weights (qcc's dequantization of the file, which is
#    bit-equal to gguf-py's);
#  - q4k, q5k, q6k (qcc's own super-block search): gguf-py's dequantization
#    of qcc's bytes is within a bound of the float weights, better than
#    round-to-nearest at similar bits (Q4_1, Q5_1 blocks of 32);
#  - rtn/hqq w4 g32 and g64: Q4_1 blocks whose groups share one scale and
#    offset, and HQQ's error at most RTN's;
#  - q2g64, q3g64 (qcc's 2-/3-bit blocks, decoded here in numpy from the
#    layout in BlockFormats.h): error below plain min/max round-to-nearest
#    at the same bits and group (the encoder's range search), and rtn/hqq
#    --wbits=2|3 written in those formats, HQQ's error at most RTN's.
#
# REQUIRES: gguf
# RUN: %python %s %t

import os
import re
import subprocess
import sys

import numpy as np
import gguf

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
here = os.path.dirname(os.path.abspath(__file__))
qcc = os.path.join(os.environ.get("QCC_BIN", ""), "qcc")
Q = gguf.GGMLQuantizationType
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def model(kind):
    path = os.path.join(work, kind + ".gguf")
    subprocess.run([sys.executable, os.path.join(here, "Inputs", "make_llama.py"), kind, path],
                   check=True)
    return path


def blobs(path, *args):
    """The block_linear constants of `qcc --emit=qnn`: name -> (format, bytes)."""
    r = subprocess.run([qcc, path, "--ctx=8", "--emit=qnn", "-o", "-", *args],
                       capture_output=True, text=True, check=True)
    formats = {}
    for m in re.finditer(r"%(\S+) = arith.constant dense_resource<([^>]+)> : tensor<\d+x\d+xi8>",
                         r.stdout):
        formats[m.group(1)] = m.group(2)
    used = {}
    for m in re.finditer(r"qnn.block_linear (\w+), %\S+, %(\S+) :", r.stdout):
        used[formats[m.group(2)]] = m.group(1)
    out = {}
    for m in re.finditer(r"^\s*\"?([\w.]+)\"?: \"0x([0-9A-F]+)\"", r.stdout, re.M):
        if m.group(1) in used:  # the first 4 bytes are the blob's alignment
            out[m.group(1)] = (used[m.group(1)], bytes.fromhex(m.group(2))[4:])
    return out


def floats(reader, name):
    t = next(t for t in reader.tensors if t.name == name)
    w = gguf.quants.dequantize(t.data, t.tensor_type)
    return np.asarray(w, dtype=np.float32).reshape(-1, int(t.shape[0]))


def rel_error(w, approx):
    return float(np.sqrt(np.mean((w - approx) ** 2)) / np.sqrt(np.mean(w ** 2)))


# Round-to-nearest formats: bytes equal to gguf-py's.
tiny = model("tiny")
reader = gguf.GGUFReader(tiny)
for name, qtype in [("q4_0", Q.Q4_0), ("q4_1", Q.Q4_1), ("q5_0", Q.Q5_0),
                    ("q5_1", Q.Q5_1), ("q8_0", Q.Q8_0)]:
    got = blobs(tiny, f"--weights={name}")
    same = 0
    for tensor, (fmt, data) in got.items():
        want = gguf.quants.quantize(floats(reader, tensor), qtype).tobytes()
        same += fmt == name and data == want
    # 2 blocks x 7 projections + the tied head (token_embd, F16 in the file).
    check(len(got) == 15 and same == len(got),
          f"--weights={name}: {same} of {len(got)} tensors byte-equal to gguf-py's quantize")

# k-quants on the 256-wide model: rows of 256 and 512 take the format.
kq = model("kquants")
reader = gguf.GGUFReader(kq)
# (Q4_K, 4.5 bits per weight, against Q4_1's 5.0; Q5_K 5.5 against Q5_1's
# 6.0: on average at least as good, no tensor more than 15% worse; Q6_K,
# 6.56, against Q5_1: better on every tensor.)
for name, qtype, rtn_type, bound, slack in [("q4k", Q.Q4_K, Q.Q4_1, 0.075, 1.15),
                                            ("q5k", Q.Q5_K, Q.Q5_1, 0.037, 1.15),
                                            ("q6k", Q.Q6_K, Q.Q5_1, 0.018, 1.0)]:
    got = blobs(kq, f"--weights={name}")
    worst, ratios = 0.0, []
    for tensor, (fmt, data) in got.items():
        w = floats(reader, tensor)
        ours = gguf.quants.dequantize(np.frombuffer(data, np.uint8).reshape(w.shape[0], -1),
                                      qtype).reshape(w.shape)
        rtn = gguf.quants.dequantize(gguf.quants.quantize(w, rtn_type), rtn_type)
        e, e_rtn = rel_error(w, ours), rel_error(w, rtn)
        worst = max(worst, e)
        ratios.append(e / e_rtn)
        assert fmt == name.replace("k", "_k"), fmt
    rtn_name = gguf.GGMLQuantizationType(rtn_type).name
    check(len(got) == 15 and worst < bound and max(ratios) <= slack and np.mean(ratios) <= 1.0,
          f"--weights={name}: {len(got)} tensors, relative RMS error at most {worst:.4f} "
          f"(bound {bound}); error / {rtn_name}'s: mean {np.mean(ratios):.3f}, "
          f"max {max(ratios):.3f} (bound {slack})")

tiny_reader = gguf.GGUFReader(tiny)
# rtn/hqq: Q4_1 blocks; a group of 64 repeats its (d, m) over two blocks.
for group in (32, 64):
    errors = {}
    for method in ("rtn", "hqq"):
        got = blobs(tiny, f"--weights={method}", f"--group={group}")
        total = []
        for tensor, (fmt, data) in got.items():
            w = floats(tiny_reader, tensor)
            blocks = np.frombuffer(data, np.uint8).reshape(-1, 20)
            dm = blocks[:, :4].reshape(w.shape[0], -1, 4)
            first = [b // (group // 32) * (group // 32) for b in range(dm.shape[1])]
            shared = bool((dm == dm[:, first, :]).all())
            approx = gguf.quants.dequantize(blocks, Q.Q4_1).reshape(w.shape)
            total.append(rel_error(w, approx))
            if fmt != "q4_1" or not shared:
                failures.append(f"{method} g{group} {tensor}: {fmt}, shared {shared}")
        errors[method] = float(np.mean(total))
    check(errors["hqq"] <= errors["rtn"] * 1.001,
          f"--group={group}: mean relative error rtn {errors['rtn']:.4f}, hqq {errors['hqq']:.4f}; "
          f"Q4_1 blocks sharing each group's scale and offset")



def lowbit(data, rows, bits, g):
    """BlockFormats.h, dequantizeLowBit."""
    nbytes = 4 + g // 4 + (g // 8 if bits == 3 else 0)
    b = np.frombuffer(data, np.uint8).reshape(-1, nbytes)
    d = b[:, 0:2].copy().view(np.float16).astype(np.float32)
    m = b[:, 2:4].copy().view(np.float16).astype(np.float32)
    low = b[:, 4:4 + g // 4].reshape(-1, g // 64, 1, 16)
    code = ((low >> (2 * np.arange(4, dtype=np.uint8)).reshape(1, 1, 4, 1)) & 3)
    code = code.reshape(-1, g).astype(np.int32)
    if bits == 3:
        code |= np.unpackbits(b[:, 4 + g // 4:], axis=1, bitorder="little").astype(np.int32) << 2
    return (d * code + m).reshape(rows, -1)


def minmax_rtn(w, bits, g):
    x = w.reshape(-1, g).astype(np.float64)
    lo, hi = x.min(1, keepdims=True), x.max(1, keepdims=True)
    d = np.where(hi > lo, (hi - lo) / (2 ** bits - 1), 1.0)
    return (np.clip(np.rint((x - lo) / d), 0, 2 ** bits - 1) * d + lo).reshape(w.shape)


# The k-quant model's rows (256, 512) split into groups of 64.
for name, bits in (("q2g64", 2), ("q3g64", 3)):
    got = blobs(kq, f"--weights={name}")
    ratios = []
    for tensor, (fmt, data) in got.items():
        w = floats(reader, tensor)
        ratios.append(rel_error(w, lowbit(data, w.shape[0], bits, 64)) /
                      rel_error(w, minmax_rtn(w, bits, 64)))
        if fmt != name.replace("g", "_g"):
            failures.append(f"{name} {tensor}: stored as {fmt}")
    check(len(got) == 15 and max(ratios) < 1.0,
          f"--weights={name}: {len(got)} tensors, error / min-max round-to-nearest's: "
          f"mean {np.mean(ratios):.3f}, max {max(ratios):.3f} (bound < 1)")
for bits in (2, 3):
    errors = {}
    for method in ("rtn", "hqq"):
        got = blobs(kq, f"--weights={method}", f"--wbits={bits}", "--group=64")
        total = []
        for tensor, (fmt, data) in got.items():
            w = floats(reader, tensor)
            total.append(rel_error(w, lowbit(data, w.shape[0], bits, 64)))
            if fmt != f"q{bits}_g64":
                failures.append(f"{method} w{bits} {tensor}: stored as {fmt}")
        errors[method] = float(np.mean(total))
    check(errors["hqq"] <= errors["rtn"] * 1.001,
          f"--wbits={bits} --group=64: q{bits}_g64 blocks, mean relative error "
          f"rtn {errors['rtn']:.4f}, hqq {errors['hqq']:.4f}")

print("weight-encoders:", "PASS" if not failures else "FAIL: " + "; ".join(failures))
sys.exit(1 if failures else 0)
