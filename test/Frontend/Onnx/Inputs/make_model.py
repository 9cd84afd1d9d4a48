"""Writes small ONNX models (valid and deliberately broken) for lit tests.

usage: make_model.py KIND OUT.onnx
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def model(nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def f32(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def relu(opset=17):
    return model([helper.make_node("Relu", ["x"], ["y"], name="act")],
                 [f32("x", [2, 3])], [f32("y", [2, 3])], opset=opset)


def main():
    kind, out = sys.argv[1], sys.argv[2]
    if kind == "relu":
        m = relu()
    elif kind == "symbolic":
        m = model([helper.make_node("Relu", ["x"], ["y"])],
                  [f32("x", ["batch", 3])], [f32("y", ["batch", 3])])
    elif kind == "unknown-op":
        m = model([helper.make_node("Relu", ["x"], ["t"], name="first"),
                   helper.make_node("FancyOp", ["t"], ["y"], name="mystery")],
                  [f32("x", [2, 3])], [f32("y", [2, 3])])
        onnx.save(m, out)  # the checker would refuse it; save unchecked
        return
    elif kind == "custom-domain":
        node = helper.make_node("Relu", ["x"], ["y"], name="vendor", domain="com.example")
        m = model([node], [f32("x", [2, 3])], [f32("y", [2, 3])])
        m.opset_import.append(helper.make_opsetid("com.example", 1))
    elif kind == "opset-too-new":
        m = relu(opset=99)
        m.ir_version = 11
    elif kind == "external-escape":
        w = numpy_helper.from_array(np.ones([2, 3], np.float32), "w")
        w.data_location = TensorProto.EXTERNAL
        w.ClearField("raw_data")
        for k, v in [("location", "../../etc/passwd"), ("offset", "0"), ("length", "24")]:
            e = w.external_data.add()
            e.key, e.value = k, v
        m = model([helper.make_node("Add", ["x", "w"], ["y"], name="add_w")],
                  [f32("x", [2, 3])], [f32("y", [2, 3])], [w])
    elif kind == "external-ok":
        data = np.arange(6, dtype=np.float32)
        folder = os.path.dirname(out)
        with open(os.path.join(folder, "weights.bin"), "wb") as f:
            f.write(data.tobytes())
        w = numpy_helper.from_array(data.reshape(2, 3), "w")
        w.data_location = TensorProto.EXTERNAL
        w.ClearField("raw_data")
        for k, v in [("location", "weights.bin"), ("offset", "0"), ("length", "24")]:
            e = w.external_data.add()
            e.key, e.value = k, v
        m = model([helper.make_node("Add", ["x", "w"], ["y"], name="add_w")],
                  [f32("x", [2, 3])], [f32("y", [2, 3])], [w])
    elif kind == "bad-raw-size":
        w = numpy_helper.from_array(np.ones([2, 3], np.float32), "w")
        w.raw_data = w.raw_data[:10]
        m = model([helper.make_node("Add", ["x", "w"], ["y"], name="add_w")],
                  [f32("x", [2, 3])], [f32("y", [2, 3])], [w])
        onnx.save(m, out)
        return
    elif kind == "truncated":
        data = relu().SerializeToString()
        with open(out, "wb") as f:
            f.write(data[: len(data) // 2])
        return
    elif kind == "random":
        rng = np.random.default_rng(7)
        with open(out, "wb") as f:
            f.write(rng.integers(0, 256, 4096, dtype=np.uint8).tobytes())
        return
    elif kind == "empty":
        open(out, "wb").close()
        return
    elif kind == "bad-reshape":
        shape = numpy_helper.from_array(np.array([4, 4], np.int64), "shape")
        m = model([helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
                  [f32("x", [2, 3])], [f32("y", [4, 4])], [shape])
    elif kind == "string-input":
        x = helper.make_tensor_value_info("x", TensorProto.STRING, [2, 3])
        m = model([helper.make_node("Identity", ["x"], ["y"])], [x],
                  [helper.make_tensor_value_info("y", TensorProto.STRING, [2, 3])])
    elif kind == "duplicate-outputs":
        # Outputs that share a tensor: r twice, s = Identity(r) (one SSA
        # value after import), the input x itself, and x through Identity.
        nodes = [helper.make_node("Relu", ["x"], ["r"], name="act"),
                 helper.make_node("Identity", ["r"], ["s"], name="alias"),
                 helper.make_node("Identity", ["x"], ["xi"], name="pass")]
        m = model(nodes, [f32("x", [2, 3])],
                  [f32("r", [2, 3]), f32("s", [2, 3]), f32("r", [2, 3]),
                   f32("x", [2, 3]), f32("xi", [2, 3])])
    else:
        sys.exit("unknown kind " + kind)
    onnx.save(m, out)


if __name__ == "__main__":
    main()
