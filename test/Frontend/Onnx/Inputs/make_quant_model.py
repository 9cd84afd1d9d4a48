"""Writes small ONNX models with quantized operators for lit tests.

usage: make_quant_model.py KIND OUT.onnx

Parameters (scales, zero points, weights) are initializers unless the kind
says otherwise, so they are compile-time constants for qcc.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def model(nodes, inputs, outputs, inits=(), opset=21):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 11 if opset >= 25 else 10 if opset > 17 else 8
    return m


def vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def const(name, values, dtype):
    return numpy_helper.from_array(np.asarray(values, dtype=dtype), name)


def packed(name, dtype, shape, values):
    """An INT4/UINT4/INT2/UINT2 tensor (helper packs it)."""
    return helper.make_tensor(name, dtype, shape, list(values))


def quantize(scale, zp=None, x_shape=(2, 3), attrs=None, opset=21, out_type=TensorProto.UINT8,
             scale_dtype=np.float32, x_type=TensorProto.FLOAT):
    inits = [const("s", scale, scale_dtype)]
    ins = ["x", "s"]
    if zp is not None:
        inits.append(zp)
        ins.append(zp.name)
    node = helper.make_node("QuantizeLinear", ins, ["y"], name="q", **(attrs or {}))
    return model([node], [vi("x", x_type, list(x_shape))], [vi("y", out_type, list(x_shape))], inits, opset)


def dequantize(x_type, x_shape, scale, zp=None, attrs=None, opset=21, out_type=TensorProto.FLOAT,
               scale_dtype=np.float32, x_init=None):
    inits = [const("s", scale, scale_dtype)]
    ins = ["x", "s"]
    if zp is not None:
        inits.append(zp)
        ins.append(zp.name)
    graph_in = [] if x_init is not None else [vi("x", x_type, list(x_shape))]
    if x_init is not None:
        inits.append(x_init)
    node = helper.make_node("DequantizeLinear", ins, ["y"], name="dq", **(attrs or {}))
    return model([node], graph_in, [vi("y", out_type, list(x_shape))], inits, opset)


def main():
    kind, out = sys.argv[1], sys.argv[2]
    u8, i8 = TensorProto.UINT8, TensorProto.INT8
    if kind == "qdq-u8":
        # x -> QuantizeLinear (uint8) -> DequantizeLinear -> y
        nodes = [helper.make_node("QuantizeLinear", ["x", "s", "zp"], ["xq"], name="q"),
                 helper.make_node("DequantizeLinear", ["xq", "s", "zp"], ["y"], name="dq")]
        m = model(nodes, [vi("x", TensorProto.FLOAT, [2, 3])], [vi("y", TensorProto.FLOAT, [2, 3])],
                  [const("s", 0.5, np.float32), const("zp", 128, np.uint8)])
    elif kind == "q-default-zp":
        m = quantize(0.25, opset=13)
    elif kind == "q-int16-blocked":
        # No zero point: output_dtype says int16.
        m = quantize(np.array([[1, 2], [3, 4]]), x_shape=(2, 4), out_type=TensorProto.INT16,
                     attrs=dict(axis=1, block_size=2, output_dtype=TensorProto.INT16))
    elif kind == "q-f16":
        m = quantize(np.float16(0.5), const("zp", -3, np.int8), out_type=i8, scale_dtype=np.float16,
                     x_type=TensorProto.FLOAT16)
    elif kind == "dq-i8-axis":
        # Per-channel int8 weights (an initializer) along axis 0.
        w = const("x", [[1, -2, 3], [-128, 0, 127]], np.int8)
        m = dequantize(i8, (2, 3), [0.5, 0.25], const("zp", [0, -1], np.int8), dict(axis=0), x_init=w)
    elif kind == "dq-u8-const":
        w = const("x", [[0, 255, 128]], np.uint8)
        m = dequantize(u8, (1, 3), 0.125, const("zp", 128, np.uint8), x_init=w)
    elif kind == "dq-int4-blocked":
        # Packed INT4 weights [2, 4], blocks of 2 along axis 1.
        w = packed("x", TensorProto.INT4, [2, 4], [-8, -1, 0, 7, 1, 2, 3, -3])
        zp = packed("zp", TensorProto.INT4, [2, 2], [0, 1, -1, 0])
        m = dequantize(TensorProto.INT4, (2, 4), [[0.5, 1.0], [2.0, 4.0]], zp, dict(axis=1, block_size=2),
                       x_init=w)
    elif kind == "dq-uint4":
        m = dequantize(TensorProto.UINT4, (5,), 2.0, packed("zp", TensorProto.UINT4, [], [1]))
    elif kind == "dq-int2":
        # INT2 exists from opset 25 on.
        w = packed("x", TensorProto.INT2, [6], [-2, -1, 0, 1, 1, -2])
        m = dequantize(TensorProto.INT2, (6,), 0.5, packed("zp", TensorProto.INT2, [], [1]), x_init=w,
                       opset=25)
    elif kind == "q-uint2":
        # A uint2 graph output at opset 25.
        m = quantize(0.5, packed("zp", TensorProto.UINT2, [], [1]), x_shape=(5,), opset=25,
                     out_type=TensorProto.UINT2)
    elif kind == "q-precision-float":
        # Opset 23's precision attribute: float32 is what qcc computes in.
        m = quantize(0.5, const("zp", 0, np.int8), out_type=i8, opset=23,
                     attrs=dict(precision=TensorProto.FLOAT))
    elif kind == "q-precision-f16":
        m = quantize(0.5, const("zp", 0, np.int8), out_type=i8, opset=23,
                     attrs=dict(precision=TensorProto.FLOAT16))
    elif kind == "opset-26":
        m = quantize(0.5, const("zp", 0, np.int8), out_type=i8, opset=26)
    elif kind == "dq-f16":
        m = dequantize(u8, (4,), np.float16(0.5), const("zp", 3, np.uint8), scale_dtype=np.float16,
                       out_type=TensorProto.FLOAT16)
    elif kind == "dq-int32":
        # An int32 bias: folds to a float constant.
        b = const("x", [100, -50], np.int32)
        m = dequantize(TensorProto.INT32, (2,), [0.01, 0.02], attrs=dict(axis=0), x_init=b)
    elif kind == "dynamic":
        node = helper.make_node("DynamicQuantizeLinear", ["x"], ["y", "y_scale", "y_zp"], name="dyn")
        m = model([node], [vi("x", TensorProto.FLOAT, [2, 3])],
                  [vi("y", u8, [2, 3]), vi("y_scale", TensorProto.FLOAT, []), vi("y_zp", u8, [])])
    elif kind == "matmulinteger":
        node = helper.make_node("MatMulInteger", ["a", "b", "azp", "bzp"], ["y"], name="mmi")
        m = model([node], [vi("a", u8, [2, 4])], [vi("y", TensorProto.INT32, [2, 3])],
                  [const("b", np.arange(12).reshape(4, 3) - 6, np.int8), const("azp", 7, np.uint8),
                   const("bzp", [1, 0, -1], np.int8)])
    elif kind == "convinteger":
        node = helper.make_node("ConvInteger", ["x", "w", "xzp", "wzp"], ["y"], name="convi",
                                pads=[1, 1, 1, 1], strides=[2, 2])
        m = model([node], [vi("x", u8, [1, 2, 5, 5])], [vi("y", TensorProto.INT32, [1, 3, 3, 3])],
                  [const("w", np.ones([3, 2, 3, 3]), np.uint8), const("xzp", 128, np.uint8),
                   const("wzp", [0, 1, 2], np.uint8)])
    elif kind == "qlinearmatmul":
        node = helper.make_node("QLinearMatMul", ["a", "as", "azp", "b", "bs", "bzp", "ys", "yzp"], ["y"],
                                name="qmm")
        m = model([node], [vi("a", u8, [2, 4])], [vi("y", i8, [2, 3])],
                  [const("as", 0.05, np.float32), const("azp", 128, np.uint8),
                   const("b", np.arange(12).reshape(4, 3) - 6, np.int8), const("bs", [0.1, 0.2, 0.3], np.float32),
                   const("bzp", [0, 0, 0], np.int8), const("ys", 0.5, np.float32), const("yzp", -1, np.int8)])
    elif kind == "qlinearconv":
        node = helper.make_node("QLinearConv", ["x", "xs", "xzp", "w", "ws", "wzp", "ys", "yzp", "B"], ["y"],
                                name="qconv", pads=[1, 1, 1, 1])
        m = model([node], [vi("x", u8, [1, 2, 4, 4])], [vi("y", u8, [1, 2, 4, 4])],
                  [const("xs", 0.02, np.float32), const("xzp", 100, np.uint8),
                   const("w", np.ones([2, 2, 3, 3]), np.int8), const("ws", [0.5, 0.25], np.float32),
                   const("wzp", [0, 0], np.int8), const("ys", 0.1, np.float32), const("yzp", 5, np.uint8),
                   const("B", [100, -200], np.int32)])
    # Invalid parameters: each must end in a diagnostic naming the node.
    elif kind == "zero-scale":
        m = quantize(0.0, const("zp", 0, np.uint8))
    elif kind == "negative-scale":
        m = dequantize(u8, (4,), -0.5, const("zp", 0, np.uint8))
    elif kind == "zp-out-of-range":
        # A UINT8 zero point of 300 in int32_data (not representable).
        zp = TensorProto(name="zp", data_type=TensorProto.UINT8, int32_data=[300])
        m = quantize(0.5, zp)
    elif kind == "runtime-zp":
        node = helper.make_node("QuantizeLinear", ["x", "s", "zp"], ["y"], name="q")
        m = model([node], [vi("x", TensorProto.FLOAT, [2, 3]), vi("zp", u8, [])], [vi("y", u8, [2, 3])],
                  [const("s", 0.5, np.float32)])
    elif kind == "axis-out-of-range":
        m = quantize([0.5, 0.25, 1.0], const("zp", [0, 0, 0], np.uint8), attrs=dict(axis=2))
    elif kind == "axis-size":
        m = quantize([0.5, 0.25], const("zp", [0, 0], np.uint8), attrs=dict(axis=1))
    elif kind == "block-not-dividing":
        m = quantize(np.ones([2, 3]), x_shape=(2, 5), attrs=dict(axis=1, block_size=2))
    elif kind == "runtime-scale":
        node = helper.make_node("DequantizeLinear", ["x", "s", "zp"], ["y"], name="dq")
        m = model([node], [vi("x", u8, [4]), vi("s", TensorProto.FLOAT, [])], [vi("y", TensorProto.FLOAT, [4])],
                  [const("zp", 0, np.uint8)])
    elif kind == "shape-mismatch":
        m = quantize([0.5, 0.25, 1.0], const("zp", [0, 0], np.uint8), attrs=dict(axis=1))
    elif kind == "zp-type-mismatch":
        m = dequantize(i8, (4,), 0.5, const("zp", 0, np.uint8))
    elif kind == "float8":
        zp = helper.make_tensor("zp", TensorProto.FLOAT8E4M3FN, [], [0.0])
        m = quantize(0.5, zp, out_type=TensorProto.FLOAT8E4M3FN)
    elif kind == "matmulinteger-runtime-zp":
        node = helper.make_node("MatMulInteger", ["a", "b", "azp"], ["y"], name="mmi")
        m = model([node], [vi("a", u8, [2, 4]), vi("b", u8, [4, 3]), vi("azp", u8, [])],
                  [vi("y", TensorProto.INT32, [2, 3])])
    elif kind == "matmulinteger-per-row":
        node = helper.make_node("MatMulInteger", ["a", "b", "azp"], ["y"], name="mmi")
        m = model([node], [vi("a", u8, [2, 4]), vi("b", u8, [4, 3])], [vi("y", TensorProto.INT32, [2, 3])],
                  [const("azp", [1, 2], np.uint8)])
    elif kind == "qlinearconv-x-per-channel":
        node = helper.make_node("QLinearConv", ["x", "xs", "xzp", "w", "ws", "wzp", "ys", "yzp"], ["y"],
                                name="qconv")
        m = model([node], [vi("x", u8, [1, 2, 4, 4])], [vi("y", u8, [1, 2, 2, 2])],
                  [const("xs", [0.02, 0.03], np.float32), const("xzp", [100, 100], np.uint8),
                   const("w", np.ones([2, 2, 3, 3]), np.int8), const("ws", 0.5, np.float32),
                   const("wzp", 0, np.int8), const("ys", 0.1, np.float32), const("yzp", 5, np.uint8)])
    else:
        sys.exit("unknown kind " + kind)
    onnx.save(m, out)


if __name__ == "__main__":
    main()
