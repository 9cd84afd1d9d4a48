"""Runs a compiled model library through its C API (ctypes) and prints every
output by index, so outputs that share a name are each checked. Output
buffers start as NaN: an output the library never writes shows up.

usage: run_outputs.py MODEL.so NAME=IN.npy ...   (float32 models)
"""
import ctypes
import sys

import numpy as np


class Tensor(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_int32), ("rank", ctypes.c_int32),
                ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("data", ctypes.c_void_p)]


def tensor(a):
    shape = (ctypes.c_int64 * a.ndim)(*a.shape)
    return Tensor(1, a.ndim, shape, a.ctypes.data), shape  # 1: float32


def main():
    lib = ctypes.CDLL(sys.argv[1])
    lib.qcc_model_output_name.restype = ctypes.c_char_p
    lib.qcc_model_output_shape.restype = ctypes.POINTER(ctypes.c_int64)
    model = ctypes.c_void_p()
    assert lib.qcc_model_create(ctypes.byref(model)) == 0
    inputs = [np.ascontiguousarray(np.load(arg.split("=", 1)[1]), np.float32)
              for arg in sys.argv[2:]]
    outputs = []
    for i in range(lib.qcc_model_num_outputs(model)):
        rank = lib.qcc_model_output_rank(model, i)
        shape = lib.qcc_model_output_shape(model, i)
        outputs.append(np.full([shape[d] for d in range(rank)], np.nan, np.float32))
    keep = [tensor(a) for a in inputs + outputs]
    tin = (Tensor * len(inputs))(*[t for t, _ in keep[:len(inputs)]])
    tout = (Tensor * len(outputs))(*[t for t, _ in keep[len(inputs):]])
    status = lib.qcc_model_run(model, tin, len(inputs), tout, len(outputs))
    assert status == 0, "run failed with status %d" % status
    for i, a in enumerate(outputs):
        print("output %d %s: %s" % (i, lib.qcc_model_output_name(model, i).decode(),
                                    a.tolist()))
    lib.qcc_model_destroy(model)


if __name__ == "__main__":
    main()
