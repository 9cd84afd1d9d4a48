"""4- and 2-bit graph inputs and outputs through the C API and qcc-run.

usage: subbyte_io.py WORKDIR TARGET [--c-api]

Compiles small QuantizeLinear / DequantizeLinear models whose graph inputs
or outputs are int4, uint4, int2 or uint2 (element counts that do not fill
the last byte, a scalar, an int4 -> uint4 requantization), runs them with
qcc-run (.npy int8/uint8, one value per element) and prints each result
next to the value numpy computes. With --c-api (host libraries only) it
also drives a library through ctypes: the packed buffer sizes, the packed
bytes of an output (padding bits zero even over a buffer filled with 0xff)
and an input whose padding bits are set (they must be ignored).
"""
import ctypes
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "lib"))
import qcc_testing as q  # noqa: E402

I4, U4, I2, U2 = TensorProto.INT4, TensorProto.UINT4, TensorProto.INT2, TensorProto.UINT2
RANGE = {I4: (-8, 7), U4: (0, 15), I2: (-2, 1), U2: (0, 3)}
NP = {I4: np.int8, U4: np.uint8, I2: np.int8, U2: np.uint8}


def model(path, nodes, inputs, outputs, inits, opset):
    g = helper.make_graph(nodes, "g", inputs, outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 11 if opset >= 25 else 10
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, path)


def zp(name, dtype, value):
    return helper.make_tensor(name, dtype, [], [value])


def scale(name, value):
    return numpy_helper.from_array(np.array(value, np.float32), name)


def quantize_ref(x, s, z, dtype):
    lo, hi = RANGE[dtype]
    return np.clip(np.rint(x / s) + z, lo, hi).astype(NP[dtype])


def build(work):
    """{name: (onnx path, inputs, expected output)}"""
    rng = np.random.default_rng(7)
    cases = {}
    # int4 output, 7 elements: the last byte holds one value.
    p = os.path.join(work, "q_int4.onnx")
    model(p, [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"])],
          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [7])],
          [helper.make_tensor_value_info("y", I4, [7])], [scale("s", 0.5), zp("z", I4, -1)], 21)
    x = np.array([-5.0, -3.2, -0.3, 0.0, 0.7, 2.6, 9.0], np.float32)
    cases["q_int4"] = (p, {"x": x}, quantize_ref(x, 0.5, -1, I4))
    # uint2 input [3, 3] (opset 25): 9 values, 3 bytes.
    p = os.path.join(work, "dq_uint2.onnx")
    model(p, [helper.make_node("DequantizeLinear", ["x", "s", "z"], ["y"])],
          [helper.make_tensor_value_info("x", U2, [3, 3])],
          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 3])],
          [scale("s", 0.25), zp("z", U2, 1)], 25)
    x = rng.integers(0, 4, (3, 3)).astype(np.uint8)
    cases["dq_uint2"] = (p, {"x": x}, ((x.astype(np.float32) - 1) * 0.25).astype(np.float32))
    # int4 input -> uint4 output [2, 3, 5] through dequantize + quantize
    # (qcc-integerize turns it into one requantize).
    p = os.path.join(work, "rq_int4_uint4.onnx")
    model(p, [helper.make_node("DequantizeLinear", ["x", "sx", "zx"], ["f"]),
              helper.make_node("QuantizeLinear", ["f", "sy", "zy"], ["y"])],
          [helper.make_tensor_value_info("x", I4, [2, 3, 5])],
          [helper.make_tensor_value_info("y", U4, [2, 3, 5])],
          [scale("sx", 0.5), zp("zx", I4, 1), scale("sy", 0.75), zp("zy", U4, 6)], 21)
    x = rng.integers(-8, 8, (2, 3, 5)).astype(np.int8)
    cases["rq_int4_uint4"] = (p, {"x": x}, quantize_ref((x.astype(np.float64) - 1) * 0.5, 0.75, 6, U4))
    # int2 scalar output (opset 25).
    p = os.path.join(work, "q_int2_scalar.onnx")
    model(p, [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["y"])],
          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [])],
          [helper.make_tensor_value_info("y", I2, [])], [scale("s", 2.0), zp("z", I2, 0)], 25)
    x = np.array(-2.9, np.float32)
    cases["q_int2_scalar"] = (p, {"x": x}, quantize_ref(x, 2.0, 0, I2))
    return cases


def run_cases(work, target, cases):
    for name, (path, inputs, expected) in cases.items():
        so = os.path.join(work, f"{name}-{target}.so")
        q.compile_model(path, so, target, {})
        got = q.run_model(so, inputs, os.path.join(work, f"run-{name}-{target}"), ["y"])["y"]
        m = q.compare(expected, got)
        print(f"{target} {name}: {got.dtype} {got.shape} {np.asarray(got).ravel().tolist()} "
              f"{'OK' if m.ok else 'MISMATCH ' + m.detail}")


def c_api(work, target, cases):
    """Drives the libraries (built for this machine) through ctypes."""
    lib = ctypes.CDLL(os.path.join(work, f"q_int4-{target}.so"))
    lib.qcc_buffer_size.restype = ctypes.c_int64
    lib.qcc_buffer_size.argtypes = [ctypes.c_int32, ctypes.c_int64]
    for dtype, name in [(22, "INT4"), (21, "UINT4"), (26, "INT2"), (25, "UINT2"), (1, "FLOAT32")]:
        print(f"{name}: size {lib.qcc_dtype_size(dtype)} bits {lib.qcc_dtype_bits(dtype)} "
              f"buffer(7) {lib.qcc_buffer_size(dtype, 7)} buffer(8) {lib.qcc_buffer_size(dtype, 8)}")
    print(f"unknown: buffer {lib.qcc_buffer_size(99, 3)}, negative count: {lib.qcc_buffer_size(22, -1)}")

    class Tensor(ctypes.Structure):
        _fields_ = [("dtype", ctypes.c_int32), ("rank", ctypes.c_int32),
                    ("shape", ctypes.POINTER(ctypes.c_int64)), ("data", ctypes.c_void_p)]

    def run(libpath, in_dtype, in_shape, in_bytes, out_dtype, out_shape, out_bytes):
        lib = ctypes.CDLL(libpath)
        model = ctypes.c_void_p()
        assert lib.qcc_model_create(ctypes.byref(model)) == 0
        print(f"  input dtype {lib.qcc_model_input_dtype(model, 0)}, output dtype "
              f"{lib.qcc_model_output_dtype(model, 0)}")
        ish = (ctypes.c_int64 * max(1, len(in_shape)))(*in_shape)
        osh = (ctypes.c_int64 * max(1, len(out_shape)))(*out_shape)
        ib = ctypes.create_string_buffer(bytes(in_bytes), len(in_bytes))
        ob = ctypes.create_string_buffer(bytes(out_bytes), len(out_bytes))
        tin = Tensor(in_dtype, len(in_shape), ish, ctypes.cast(ib, ctypes.c_void_p))
        tout = Tensor(out_dtype, len(out_shape), osh, ctypes.cast(ob, ctypes.c_void_p))
        st = lib.qcc_model_run(model, ctypes.byref(tin), 1, ctypes.byref(tout), 1)
        assert st == 0, st
        lib.qcc_model_destroy(model)
        return ob.raw

    # q_int4: the output buffer starts as 0xff; 7 values fill 4 bytes, the
    # last byte's high nibble must come back zero.
    _, inputs, expected = cases["q_int4"]
    x = inputs["x"]
    out = run(os.path.join(work, f"q_int4-{target}.so"), 1, [7], x.tobytes(), 22, [7], b"\xff" * 4)
    nibbles = [int(v) & 0xF for v in expected] + [0]
    want = bytes(nibbles[i] | (nibbles[i + 1] << 4) for i in range(0, 8, 2))
    print(f"q_int4 packed output: {out.hex()} expected {want.hex()} "
          f"{'OK' if out == want else 'MISMATCH'}")
    # dq_uint2: 9 values in 3 bytes; the padding bits of the last byte are
    # set and must be ignored.
    _, inputs, expected = cases["dq_uint2"]
    v = inputs["x"].ravel().tolist() + [3, 3, 3]
    packed = bytes(v[i] | (v[i + 1] << 2) | (v[i + 2] << 4) | (v[i + 3] << 6) for i in range(0, 12, 4))
    out = run(os.path.join(work, f"dq_uint2-{target}.so"), 25, [3, 3], packed, 1, [3, 3], b"\0" * 36)
    got = np.frombuffer(out, np.float32).reshape(3, 3)
    print(f"dq_uint2 packed input {packed.hex()}: {'OK' if np.array_equal(got, expected) else 'MISMATCH'}")


def main():
    work, target = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    cases = build(work)
    run_cases(work, target, cases)
    if "--c-api" in sys.argv[3:]:
        c_api(work, target, cases)


if __name__ == "__main__":
    main()
