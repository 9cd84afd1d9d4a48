# ConvTranspose on the W8A8 integer path: small generated models (overlapping
# kernels with pads, output_padding and groups through the zero-point
# spread; stride 1 with dilation; kernel == stride through the phase
# split), each followed by a ReLU that folds into the clamp. The compiled
# integers must equal the reference interpreter's, and the result must stay
# within a few output steps of the float model.
# Usage: conv_transpose_w8a8.py TARGET [WORKDIR]
#
# REQUIRES: x86, onnxruntime
# RUN: %python %s x86-64 %t

import os
import sys

import numpy as np
import onnx
import qcc_testing as q
from onnx import TensorProto, helper, numpy_helper

target = sys.argv[1]
work = q.workdir(sys.argv[2] if len(sys.argv) > 2 else None)
rng = np.random.default_rng(0)
# (C, F, group, kernel, strides, pads, dilations, output_padding, H, W)
cases = [
    (4, 6, 1, (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), (1, 1), 5, 7),
    (4, 4, 2, (3, 2), (2, 3), (0, 1, 2, 0), (1, 1), (0, 2), 4, 5),
    (3, 2, 1, (2, 2), (1, 1), (0, 0, 0, 0), (2, 1), (0, 0), 6, 6),
    (3, 5, 1, (2, 2), (2, 2), (0, 0, 0, 0), (1, 1), (0, 0), 6, 8),
]


def model(n, c, f, g, k, s, p, d, op, h, w):
    """ConvTranspose + bias + Relu as an ONNX file; returns its path."""
    wt = rng.normal(0, 0.3, (c, f // g) + k).astype(np.float32)
    b = rng.normal(0, 0.2, (f,)).astype(np.float32)
    out = [1, f] + [(size - 1) * s[i] - p[i] - p[2 + i] + d[i] * (k[i] - 1) + 1 + op[i]
                    for i, size in enumerate((h, w))]
    nodes = [helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], group=g,
                              kernel_shape=list(k), strides=list(s), pads=list(p),
                              dilations=list(d), output_padding=list(op)),
             helper.make_node("Relu", ["y"], ["z"])]
    graph = helper.make_graph(
        nodes, "conv_transpose",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, h, w])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, out)],
        [numpy_helper.from_array(wt, "w"), numpy_helper.from_array(b, "b")])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    path = os.path.join(work, f"ct{n}.onnx")
    onnx.save(m, path)
    return path


ok = True
for n, (c, f, g, k, s, p, d, op, h, w) in enumerate(cases):
    path = model(n, c, f, g, k, s, p, d, op, h, w)
    calib = os.path.join(work, f"calib{n}")
    os.makedirs(calib)
    xs = [rng.normal(0, 1, (1, c, h, w)).astype(np.float32) for _ in range(4)]
    for i, x in enumerate(xs):
        np.save(os.path.join(calib, f"s{i}.npy"), x)
    so, mlir = os.path.join(work, f"ct{n}.so"), os.path.join(work, f"ct{n}.mlir")
    stats = os.path.join(work, f"ct{n}.calib.json")
    q.compile_model(path, so, target, {},
                    extra_args=["--quant=w8a8", f"--calib={calib}", f"--calib-out={stats}"])
    q.compile_model(path, mlir, target, {},
                    extra_args=["--quant=w8a8", f"--calib-in={stats}", "--emit=integer"])
    x = xs[0]
    want = q.ort_run(path, {"x": x})["z"]
    got = q.run_model(so, {"x": x}, os.path.join(work, f"r{n}"), ["z"])["z"]
    ref = q.qcc_reference(mlir, {"x": x}, os.path.join(work, f"ref{n}"), ["z"])["z"]
    err = float(np.abs(got - want).max())
    step = float(np.abs(want).max()) / 255
    exact = got.shape == ref.shape and np.array_equal(got, ref)
    print(f"case {n}: output {got.shape} max |err| vs float {err:.4f} "
          f"({err / step:.1f} output steps), reference {'exact' if exact else 'DIFFERS'}")
    ok &= got.shape == want.shape and exact and err <= 4 * step
print("conv_transpose_w8a8:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
