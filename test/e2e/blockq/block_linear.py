# qnn.block_linear for every weight format, compiled for TARGET and run by
# qcc-run, against the reference interpreter (qcc-run --reference): one
# token (the matrix-vector path) and five (token tiles of 4 + 1), random
# block bytes with sane f16 scales. Both sides quantize the activations the
# same way, so the only differences are the float combination order
# (docs/numerics.md: the kernels' tolerance); the test also checks the
# result against x @ dequantize(W)^T from the gguf package, which differs by
# the activation quantization only (relative error around 1%).
# Usage: block_linear.py TARGET [WORKDIR]
#
# REQUIRES: x86, gguf
# RUN: %python %s x86-64-v3 %t/v3
# RUN: %python %s x86-64 %t/baseline

import os
import subprocess
import sys

import numpy as np
import gguf
import qcc_testing as q

target = sys.argv[1]
work = q.workdir(sys.argv[2] if len(sys.argv) > 2 else None)
rng = np.random.default_rng(5)
Q = gguf.GGMLQuantizationType

# name: (GGUF type, block elements, block bytes, K, N)
FORMATS = {
    "q4_0": (Q.Q4_0, 32, 18, 96, 70),
    "q4_1": (Q.Q4_1, 32, 20, 96, 70),
    "q5_0": (Q.Q5_0, 32, 22, 96, 70),
    "q5_1": (Q.Q5_1, 32, 24, 96, 70),
    "q8_0": (Q.Q8_0, 32, 34, 96, 70),
    "q2_k": (Q.Q2_K, 256, 84, 512, 40),
    "q3_k": (Q.Q3_K, 256, 110, 512, 40),
    "q4_k": (Q.Q4_K, 256, 144, 512, 40),
    "q5_k": (Q.Q5_K, 256, 176, 512, 40),
    "q6_k": (Q.Q6_K, 256, 210, 512, 40),
    # qcc's own low-bit formats (no GGUF type: dequantized by lowbit below).
    "q2_g64": (None, 64, 20, 192, 40),
    "q3_g64": (None, 64, 28, 192, 40),
    "q3_g192": (None, 192, 76, 384, 40),
    # qcc's own: one d, m per 128 (K = 224: a group of 128 and one of 96).
    "q4_1_g128": (None, 32, 16, 224, 70),
}
# The 32-element formats again with N = 72: on x86-64-v3 and AArch64 their
# rows are stored interleaved by 8 (qcc-interleave-block-weights), as are
# the k-quants' 40 rows above, except Q2_K and Q3_K, which keep GGUF's
# layout.
for _name in ("q4_0", "q4_1", "q5_0", "q5_1", "q8_0"):
    FORMATS[_name + "_x8"] = FORMATS[_name][:4] + (72,)
# Byte offsets of the f16 scales in each block, and their magnitudes.
SCALES = {
    "q4_0": [(0, 0.02)], "q5_0": [(0, 0.02)], "q8_0": [(0, 0.01)],
    "q4_1": [(0, 0.02), (2, -0.15)], "q5_1": [(0, 0.01), (2, -0.15)],
    "q4_k": [(0, 0.002), (2, 0.002)], "q5_k": [(0, 0.001), (2, 0.002)],
    "q6_k": [(208, 0.0005)],
    "q2_k": [(80, 0.002), (82, 0.002)], "q3_k": [(108, 0.001)],
    "q2_g64": [(0, 0.05), (2, -0.1)], "q3_g64": [(0, 0.03), (2, -0.1)],
    "q3_g192": [(0, 0.03), (2, -0.1)],
}


def lowbit(blocks, bits, g):
    """include/qcc/ModelFile/BlockFormats.h, dequantizeLowBit, in numpy."""
    d = blocks[:, 0:2].copy().view(np.float16).astype(np.float32)
    m = blocks[:, 2:4].copy().view(np.float16).astype(np.float32)
    low = blocks[:, 4:4 + g // 4].reshape(-1, g // 64, 1, 16)
    code = (low >> (2 * np.arange(4, dtype=np.uint8)).reshape(1, 1, 4, 1)) & 3
    code = code.reshape(-1, g).astype(np.int32)
    if bits == 3:
        third = np.unpackbits(blocks[:, 4 + g // 4:4 + g // 4 + g // 8], axis=1,
                              bitorder="little")
        code |= third.astype(np.int32) << 2
    return d * code + m


def dequantize(name, w):
    qt, g, nbytes, k, n = FORMATS[name]
    if qt is not None:
        return gguf.quants.dequantize(w, qt)
    if name == "q4_1_g128":
        return g128_dequantize(w, k)
    return lowbit(w.reshape(-1, nbytes), 2 if name.startswith("q2") else 3, g)


def g128_row_bytes(k):
    return 4 * ((k + 127) // 128) + k // 2


def g128_weights(k, n):
    w = rng.integers(0, 256, (n, g128_row_bytes(k)), dtype=np.uint8)
    for g in range((k + 127) // 128):
        for off, mag in ((0, 0.02), (2, -0.15)):
            s = (mag * rng.uniform(0.5, 1.5, n)).astype(np.float16)
            w[:, 68 * g + off:68 * g + off + 2] = s.view(np.uint8).reshape(-1, 2)
    return w


def g128_dequantize(w, k):
    """numpy's reading of the layout (runtime/BlockLinear.h): per group of
    up to 128, f16 d and m, then Q4_1-ordered nibbles of 32-weight blocks."""
    out = np.zeros((w.shape[0], k), np.float64)
    for g in range((k + 127) // 128):
        p = 68 * g
        d = w[:, p:p + 2].copy().view(np.float16).astype(np.float64)
        m = w[:, p + 2:p + 4].copy().view(np.float16).astype(np.float64)
        for j in range(min(128, k - 128 * g) // 32):
            b = w[:, p + 4 + 16 * j:p + 20 + 16 * j]
            codes = np.concatenate([b & 15, b >> 4], axis=1).astype(np.float64)
            c0 = 128 * g + 32 * j
            out[:, c0:c0 + 32] = d * codes + m
    return out


def weights(name):
    qt, g, nbytes, k, n = FORMATS[name]
    if name == "q4_1_g128":
        return g128_weights(k, n)
    blocks = rng.integers(0, 256, (n * k // g, nbytes), dtype=np.uint8)
    for off, mag in SCALES[name.removesuffix("_x8")]:
        s = (mag * rng.uniform(0.5, 1.5, len(blocks))).astype(np.float16)
        blocks[:, off:off + 2] = s.view(np.uint8).reshape(-1, 2)
    return blocks.reshape(n, -1)


def hexbytes(a):
    return '"0x' + a.tobytes().hex().upper() + '"'


args, results, body, ws = [], [], [], {}
for t in (1, 5):
    for name, (qt, g, nbytes, k, n) in FORMATS.items():
        if t == 1:
            ws[name] = weights(name)
        w = ws[name]
        tag = f"{name}_t{t}"
        args.append(f'%x_{tag}: tensor<{t}x{k}xf32> {{qcc.name = "x_{tag}"}}')
        results.append((f"tensor<{t}x{n}xf32>", f"y_{tag}"))
        body.append(f"  %w_{tag} = arith.constant dense<{hexbytes(w)}> : tensor<{n}x{w.shape[1]}xi8>")
        body.append(f"  %y_{tag} = qnn.block_linear {name.removesuffix('_x8')}, %x_{tag}, %w_{tag} : "
                    f"(tensor<{t}x{k}xf32>, tensor<{n}x{w.shape[1]}xi8>) -> tensor<{t}x{n}xf32>")
mlir = os.path.join(work, "block_linear.mlir")
with open(mlir, "w") as f:
    f.write("func.func @main(" + ", ".join(args) + ")\n    -> (" +
            ", ".join(f'{ty} {{qcc.name = "{nm}"}}' for ty, nm in results) + ") {\n")
    f.write("\n".join(body) + "\n")
    f.write("  return " + ", ".join("%" + nm for _, nm in results) + " : " +
            ", ".join(ty for ty, _ in results) + "\n}\n")

so = os.path.join(work, "block_linear.so")
q.compile_model(mlir, so, target, {})
inputs = {}
for t in (1, 5):
    for name, (qt, g, nbytes, k, n) in FORMATS.items():
        x = rng.standard_normal((t, k)).astype(np.float32)
        x[:, ::7] *= 6  # outliers, as real activations have
        inputs[f"x_{name}_t{t}"] = x
names = [nm for _, nm in results]
got = q.run_model(so, inputs, os.path.join(work, "run"), names)
ref = q.qcc_reference(mlir, inputs, os.path.join(work, "ref"), names)

failures = []
for t in (1, 5):
    for name, (qt, g, nbytes, k, n) in FORMATS.items():
        tag = f"{name}_t{t}"
        x = inputs[f"x_{tag}"]
        wd = dequantize(name, ws[name]).reshape(n, k).astype(np.float64)
        exact = x.astype(np.float64) @ wd.T
        scale = np.abs(x).astype(np.float64) @ np.abs(wd).T
        y, r = got[f"y_{tag}"], ref[f"y_{tag}"]
        kernel_err = float(np.max(np.abs(y - r) / scale))
        act_err = float(np.max(np.abs(r - exact) / scale))
        ok = kernel_err <= 1e-5 and act_err <= 0.03
        print(f"{'ok  ' if ok else 'FAIL'} {tag}: kernel vs reference {kernel_err:.2e} "
              f"(<= 1e-5 of sum |x w|), reference vs float {act_err:.2e}")
        if not ok:
            failures.append(tag)
print("block_linear:", "PASS" if not failures else f"FAIL {failures}")
sys.exit(1 if failures else 0)
