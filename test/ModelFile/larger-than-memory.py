# A model larger than memory opens: a sparse GGUF file of 64 GiB (a
# [16, 2^30] F32 tensor, then a small Q8_0 tensor past it) is listed and its
# last tensor dequantized while the tool's peak RSS stays far below the
# file's size -- tensor data is mapped, never read or copied.
#
# RUN: %python %s %t

import os
import resource
import struct
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
import make_model_files as m  # noqa: E402

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
path = os.path.join(work, "sparse.gguf")

big = 16 * (1 << 30) * 4  # bytes of the F32 tensor
tensors = [m.gtensor("huge", [1 << 30, 16], 0, 0), m.gtensor("tail", [32, 1], 8, big)]
head = m.gguf([m.ARCH], tensors)
tail = struct.pack("<e", 0.25) + struct.pack("<32b", *range(-16, 16))
with open(path, "wb") as f:
    f.write(head)
    f.seek(len(head) + big)
    f.write(tail)  # everything before it is a hole
size = os.path.getsize(path)

tool = os.path.join(os.environ.get("QCC_BIN", ""), "qcc-model-info")
try:
    listing = subprocess.run([tool, path], capture_output=True, text=True, check=True).stdout
    out = os.path.join(work, "tail.npy")
    subprocess.run([tool, path, "--dequant", "tail", "--out", out], check=True,
                   capture_output=True)
    got = np.load(out)
finally:
    os.remove(path)
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss

print(f"file {size / 2**30:.1f} GiB, tool peak RSS {peak_kb / 1024:.0f} MiB")
ok = f"huge  F32   [16, 1073741824]  {big}" in listing
ok &= np.array_equal(got, (np.arange(-16, 16, dtype=np.float32) * 0.25).reshape(1, 32))
ok &= peak_kb < 512 * 1024
print("OK" if ok else "FAIL\n" + listing)
sys.exit(0 if ok else 1)
