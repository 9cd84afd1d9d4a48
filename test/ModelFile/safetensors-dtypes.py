# Float conversion of every safetensors float dtype: a file holding every
# bit pattern of F16, BF16, F8_E4M3 and F8_E5M2 plus random F64 and F32;
# `qcc-model-info --dequant` must match numpy (and ml_dtypes for the 8-bit
# and bfloat16 formats, when installed) bit for bit, NaN for NaN.
#
# RUN: %python %s %t

import json
import os
import struct
import subprocess
import sys

import numpy as np

try:
    import ml_dtypes
except ImportError:  # onnx pulls it in; without it the BF16/F8 references are numpy-only
    ml_dtypes = None

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(7)
all16 = np.arange(65536, dtype=np.uint32).astype(np.uint16)
all8 = np.arange(256, dtype=np.uint16).astype(np.uint8)

f32 = rng.standard_normal(15).astype(np.float32)
# Rounded to nearest float32; past its range to infinity, below to zero.
f64 = np.concatenate([rng.standard_normal(4) * 1e30, [1e39, -1e-50, 1 / 3]])
tensors = {  # name -> (dtype, raw bytes, shape, float32 reference)
    "f16": ("F16", all16.tobytes(), [256, 256], all16.view(np.float16).astype(np.float32)),
    "bf16": ("BF16", all16.tobytes(), [65536],
             (all16.astype(np.uint32) << 16).view(np.float32)),
    "f32": ("F32", f32.tobytes(), [3, 5], f32),
    "f64": ("F64", f64.astype("<f8").tobytes(), [7], f64.astype(np.float32)),
}
if ml_dtypes is not None:
    tensors["e4m3"] = ("F8_E4M3", all8.tobytes(), [256],
                       all8.view(ml_dtypes.float8_e4m3fn).astype(np.float32))
    tensors["e5m2"] = ("F8_E5M2", all8.tobytes(), [256],
                       all8.view(ml_dtypes.float8_e5m2).astype(np.float32))
    bf = all16.view(ml_dtypes.bfloat16).astype(np.float32)
    assert np.array_equal(np.isnan(bf), np.isnan(tensors["bf16"][3]))
else:
    print("ml_dtypes not installed: F8 formats not checked")

header, data = {}, b""
for name, (dtype, raw, shape, _) in tensors.items():
    header[name] = {"dtype": dtype, "shape": shape,
                    "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)  # writers pad the header with spaces
path = os.path.join(work, "dtypes.safetensors")
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data)

tool = os.path.join(os.environ.get("QCC_BIN", ""), "qcc-model-info")
failures = 0
for name, (dtype, _, shape, ref) in tensors.items():
    out = os.path.join(work, name + ".npy")
    p = subprocess.run([tool, path, "--dequant", name, "--out", out],
                       capture_output=True, text=True)
    if p.returncode:
        print(f"{name}: {p.stderr.strip()}")
        failures += 1
        continue
    got = np.load(out).reshape(-1)
    nan = np.isnan(ref)
    ok = (list(np.load(out).shape) == shape and np.array_equal(np.isnan(got), nan)
          and np.array_equal(got[~nan].view(np.uint32), ref[~nan].view(np.uint32)))
    failures += not ok
    print(f"{name}: {dtype} {got.size} values ({int(nan.sum())} NaN): "
          f"{'OK' if ok else 'MISMATCH'}")
sys.exit(1 if failures else 0)
