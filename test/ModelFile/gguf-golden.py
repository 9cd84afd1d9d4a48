# Golden test of qcc's GGUF reader and reference dequantization against the
# gguf Python package (llama.cpp's gguf-py 0.19.0):
#  - gguf.GGUFWriter writes a file holding, for every block format qcc reads,
#    random weights quantized by gguf.quants.quantize where gguf-py can
#    quantize that format (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, TQ1_0, TQ2_0, BF16,
#    F16) and random raw blocks for every format (the k-quants only
#    dequantize in gguf-py; for the others random bytes reach codes and
#    scales a quantizer never produces);
#  - `qcc-model-info --dequant` must reproduce gguf.quants.dequantize bit for
#    bit (every float32 equal as bits; where a random f16 scale is NaN or
#    infinite, both sides must give NaN at the same places).
#
# REQUIRES: gguf
# RUN: %python %s %t

import os
import subprocess
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
path = os.path.join(work, "golden.gguf")
rng = np.random.default_rng(20260401)

QUANTIZABLE = [T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.TQ1_0, T.TQ2_0, T.BF16, T.F16]
RAW = [T.F32, T.F16, T.BF16, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0,
       T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K, T.TQ1_0, T.TQ2_0]
# f16 scale fields (byte offsets in a block) that random raw blocks get
# overwritten with finite values, so most of the comparison is numeric.
SCALE_FIELDS = {
    T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2], T.Q8_0: [0],
    T.Q2_K: [80, 82], T.Q3_K: [108], T.Q4_K: [0, 2], T.Q5_K: [0, 2],
    T.Q6_K: [208], T.TQ1_0: [52], T.TQ2_0: [64],
}

writer = gguf.GGUFWriter(path, "llama")
writer.add_block_count(1)
expected = {}  # tensor name -> (raw bytes array, qtype)


def weights(shape):
    # Mixed magnitudes: normal values, a row of zeros, one of tiny values
    # (subnormal f16 scales) and one with an outlier.
    w = rng.standard_normal(shape).astype(np.float32)
    flat = w.reshape(-1, shape[-1])
    flat[0] = 0
    flat[1] *= 1e-6
    flat[2, 7] = 300.0
    return w


for qtype in QUANTIZABLE:
    # One 3-D tensor checks the shape order (GGUF stores it reversed).
    shape = (2, 3, 512) if qtype == T.Q4_0 else (6, 512)
    data = gguf.quants.quantize(weights(shape), qtype)
    name = f"quantized.{qtype.name}"
    if qtype == T.F16:
        writer.add_tensor(name, data)
        expected[name] = (data.view(np.uint8), qtype)
    else:
        writer.add_tensor(name, data, raw_dtype=qtype)
        expected[name] = (data, qtype)

for qtype in RAW:
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    rows, cols = 5, 1024
    nblocks = cols // block
    raw = rng.integers(0, 256, size=(rows, nblocks, size), dtype=np.uint8)
    # Every block format: a finite-scale copy and a fully random copy.
    variants = [("random", raw.copy())]
    if qtype in SCALE_FIELDS:
        finite = raw.copy()
        for off in SCALE_FIELDS[qtype]:
            scale = rng.uniform(-4, 4, size=(rows, nblocks)).astype(np.float16)
            scale[0, :4] = [0, 2 ** -20, -(2 ** -24), 65504]  # zero, subnormals, max
            finite[:, :, off:off + 2] = scale.view(np.uint8).reshape(rows, nblocks, 2)
        variants.append(("finite", finite))
    for tag, blocks in variants:
        name = f"{tag}.{qtype.name}"
        data = blocks.reshape(rows, nblocks * size)
        writer.add_tensor(name, data, raw_dtype=qtype)
        expected[name] = (data, qtype)

writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_tensors_to_file()
writer.close()

# The file's own reader agrees on the layout we wrote.
reader = gguf.GGUFReader(path)
assert len(reader.tensors) == len(expected), len(reader.tensors)

tool = os.path.join(os.environ.get("QCC_BIN", ""), "qcc-model-info")
summary = subprocess.run([tool, path], capture_output=True, text=True)
if summary.returncode != 0:
    sys.exit(summary.stderr)

failures = 0
for name, (data, qtype) in expected.items():
    with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf scales
        ref = gguf.quants.dequantize(data, qtype).astype(np.float32)
    out = os.path.join(work, name + ".npy")
    p = subprocess.run([tool, path, "--dequant", name, "--out", out],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print(f"{name}: qcc-model-info failed: {p.stderr.strip()}")
        failures += 1
        continue
    got = np.load(out)
    if got.shape != ref.shape:
        print(f"{name}: shape {got.shape} != gguf {ref.shape}")
        failures += 1
        continue
    nan_got, nan_ref = np.isnan(got), np.isnan(ref)
    same_nan = np.array_equal(nan_got, nan_ref)
    bits_equal = np.array_equal(got[~nan_got].view(np.uint32), ref[~nan_ref].view(np.uint32)) if same_nan else False
    status = "OK" if same_nan and bits_equal else "MISMATCH"
    if status != "OK":
        failures += 1
        diff = ~((got == ref) | (nan_got & nan_ref))
        i = np.argwhere(diff)[0]
        print(f"{name}: first difference at {tuple(i)}: qcc {got[tuple(i)]!r} gguf {ref[tuple(i)]!r}")
    print(f"{name}: {qtype.name} {got.shape} {got.size} values, "
          f"{int(nan_ref.sum())} NaN, bit-equal to gguf: {status}")

print(f"{len(expected) - failures}/{len(expected)} tensors bit-equal")
sys.exit(1 if failures else 0)
