# GGUF ternary tensors (TQ1_0, TQ2_0) read straight into qcc's ternary form:
# `qcc-model-info --ternary` writes the -1/0/+1 codes and the per-block
# scales without dequantizing. Tensors are made by gguf-py 0.19.0's
# quantize from ternary weights (BitNet-style: absmean codes times a scale
# per row) and from plain normal weights; the codes must lie in {-1, 0, 1}
# and code * scale must equal gguf.quants.dequantize bit for bit. A TQ2_0
# block holding code 3 (2 d, not ternary) and a tensor of another type are
# refused with a message.
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
path = os.path.join(work, "ternary.gguf")
rng = np.random.default_rng(5)

writer = gguf.GGUFWriter(path, "llama")
writer.add_block_count(1)
expected = {}
w = rng.standard_normal((8, 768)).astype(np.float32)
s = np.abs(w).mean(axis=1, keepdims=True)
bitnet = (np.clip(np.rint(w / s), -1, 1) * s).astype(np.float32)
for qtype in (T.TQ1_0, T.TQ2_0):
    for tag, values in (("bitnet", bitnet), ("normal", w)):
        data = gguf.quants.quantize(values, qtype)
        name = f"{tag}.{qtype.name}"
        writer.add_tensor(name, data, raw_dtype=qtype)
        expected[name] = (data, qtype)
# TQ2_0 with a code 3 in its second block; a Q8_0 tensor.
bad = gguf.quants.quantize(bitnet[:1, :512], T.TQ2_0).copy()
bad[0, 66 + 5] |= 0x3 << 4  # block 1, byte 5, bits 4..5: weight 64 + 5
writer.add_tensor("bad.TQ2_0", bad, raw_dtype=T.TQ2_0)
writer.add_tensor("other.Q8_0", gguf.quants.quantize(w[:1, :256], T.Q8_0),
                  raw_dtype=T.Q8_0)
writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_tensors_to_file()
writer.close()

tool = os.path.join(os.environ.get("QCC_BIN", ""), "qcc-model-info")
failures = 0
for name, (data, qtype) in expected.items():
    ref = gguf.quants.dequantize(data, qtype).astype(np.float32)
    prefix = os.path.join(work, name)
    p = subprocess.run([tool, path, "--ternary", name, "--out", prefix],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print(f"{name}: qcc-model-info failed: {p.stderr.strip()}")
        failures += 1
        continue
    values = np.load(prefix + ".values.npy")
    scales = np.load(prefix + ".scales.npy")
    ok = (values.dtype == np.int8 and values.shape == ref.shape and
          scales.size == ref.size // 256 and
          set(np.unique(values).tolist()) <= {-1, 0, 1})
    got = values.astype(np.float32).reshape(-1, 256) * scales.reshape(-1, 1)
    ok = ok and np.array_equal(got.reshape(ref.shape).view(np.uint32),
                               ref.view(np.uint32))
    # the scale of each block is its f16 field
    off = 52 if qtype == T.TQ1_0 else 64
    f16 = data.reshape(-1, data.shape[-1] // (ref.shape[-1] // 256))[:, off:off + 2]
    ok = ok and np.array_equal(scales, f16.copy().view(np.float16).astype(np.float32).ravel())
    counts = {v: int((values == v).sum()) for v in (-1, 0, 1)}
    print(f"{name}: {values.shape} codes {counts}, {scales.size} scales, "
          f"code * scale bit-equal to gguf: {'OK' if ok else 'MISMATCH'}")
    failures += not ok

for name, want in (("bad.TQ2_0", "TQ2_0 code 3 at element 325 is not a ternary weight"),
                   ("other.Q8_0", "type Q8_0 is not ternary (expected TQ1_0 or TQ2_0)")):
    p = subprocess.run([tool, path, "--ternary", name, "--out", os.path.join(work, "x")],
                       capture_output=True, text=True)
    ok = p.returncode == 1 and want in p.stderr
    print(f"{name}: refused: {'OK' if ok else 'NO'} ({p.stderr.strip()})")
    failures += not ok

sys.exit(1 if failures else 0)
