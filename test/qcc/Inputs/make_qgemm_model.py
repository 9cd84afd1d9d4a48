"""A MatMulInteger model whose product qcc compiles to one qcc_rt_qgemm_s8
call with enough rows for the packed (and, on x86-64-v4-amx, the AMX) path:
uint8 activations with a zero point, int8 weights with per-column zero
points, shapes that are not multiples of the tile sizes.

usage: make_qgemm_model.py model OUT.onnx
       make_qgemm_model.py input OUT.npy
       make_qgemm_model.py check Y.npy     (exact against numpy's int64 product)
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

M, K, N = 100, 200, 72
A_ZP = 131


def weights():
    rng = np.random.default_rng(7)
    b = rng.integers(-128, 128, (K, N), dtype=np.int8)
    bzp = rng.integers(-20, 20, (N,), dtype=np.int8)
    return b, bzp


def activations():
    return np.random.default_rng(8).integers(0, 256, (M, K), dtype=np.uint8)


def main():
    kind, out = sys.argv[1], sys.argv[2]
    if kind == "model":
        b, bzp = weights()
        node = helper.make_node("MatMulInteger", ["a", "b", "azp", "bzp"], ["y"])
        graph = helper.make_graph(
            [node], "g", [helper.make_tensor_value_info("a", TensorProto.UINT8, [M, K])],
            [helper.make_tensor_value_info("y", TensorProto.INT32, [M, N])],
            [numpy_helper.from_array(b, "b"),
             numpy_helper.from_array(np.array(A_ZP, np.uint8), "azp"),
             numpy_helper.from_array(bzp, "bzp")])
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        m.ir_version = 8
        onnx.checker.check_model(m)
        onnx.save(m, out)
    elif kind == "input":
        np.save(out, activations())
    elif kind == "check":
        b, bzp = weights()
        a = activations().astype(np.int64) - A_ZP
        ref = a @ (b.astype(np.int64) - bzp.astype(np.int64))
        y = np.load(out)
        if y.dtype != np.int32 or y.shape != (M, N):
            sys.exit(f"bad output: {y.dtype} {y.shape}")
        wrong = int(np.count_nonzero(y.astype(np.int64) != ref))
        print(f"{wrong} of {y.size} elements differ from the exact product")
        sys.exit(1 if wrong else 0)
    else:
        sys.exit(f"unknown kind '{kind}'")


if __name__ == "__main__":
    main()
