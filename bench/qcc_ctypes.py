#!/usr/bin/env python3
"""Times a qcc-compiled model library in process, through its C API.

A model library exports the C API of include/qcc-c/Runtime.h; this module
loads one with ctypes, binds numpy inputs and outputs once and times
`qcc_model_run` call by call, so benchmarks can take medians (qcc-run only
prints a mean). OpenMP reads OMP_NUM_THREADS when the library's runtime
starts, so a thread count is measured in a fresh process:

  python3 bench/qcc_ctypes.py model.so inputs.npz --repeat 50 --warmup 5

prints one JSON object {"times_ms": [...]} (inputs: an .npz keyed by the
model's input names). time_library() starts that process for you;
LibraryTimer keeps one running (--serve) to time it in rounds.
"""

import argparse
import ctypes
import json
import os
import subprocess
import sys
import time
from typing import Dict, List

import numpy as np

# qcc_dtype (ONNX TensorProto numbering) -> numpy
_DTYPES = {1: np.float32, 2: np.uint8, 3: np.int8, 4: np.uint16, 5: np.int16,
           6: np.int32, 7: np.int64, 9: np.bool_, 10: np.float16,
           11: np.float64, 12: np.uint32, 13: np.uint64}


class _Tensor(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_int32), ("rank", ctypes.c_int32),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("data", ctypes.c_void_p)]


class Model:
    """A loaded model library with its inputs and outputs bound."""

    def __init__(self, so_path: str, inputs: Dict[str, np.ndarray]):
        lib = ctypes.CDLL(os.path.abspath(so_path))
        self.lib = lib
        p, i32, c = ctypes.c_void_p, ctypes.c_int32, ctypes.c_char_p
        lib.qcc_model_create.argtypes = [ctypes.POINTER(p)]
        lib.qcc_model_create.restype = ctypes.c_int
        for f in ("num_inputs", "num_outputs"):
            getattr(lib, "qcc_model_" + f).argtypes = [p]
            getattr(lib, "qcc_model_" + f).restype = i32
        for side in ("input", "output"):
            getattr(lib, f"qcc_model_{side}_name").argtypes = [p, i32]
            getattr(lib, f"qcc_model_{side}_name").restype = c
            for f in ("dtype", "rank"):
                getattr(lib, f"qcc_model_{side}_{f}").argtypes = [p, i32]
                getattr(lib, f"qcc_model_{side}_{f}").restype = i32
            getattr(lib, f"qcc_model_{side}_shape").argtypes = [p, i32]
            getattr(lib, f"qcc_model_{side}_shape").restype = ctypes.POINTER(ctypes.c_int64)
        lib.qcc_model_run.argtypes = [p, ctypes.POINTER(_Tensor), i32,
                                      ctypes.POINTER(_Tensor), i32]
        lib.qcc_model_run.restype = ctypes.c_int
        lib.qcc_model_last_error.argtypes = [p]
        lib.qcc_model_last_error.restype = c
        self.handle = p()
        st = lib.qcc_model_create(ctypes.byref(self.handle))
        if st != 0:
            raise RuntimeError(f"qcc_model_create failed ({st})")
        h = self.handle
        # Keep every array and shape alive as long as the tensors.
        self._keep = []
        self.inputs = (_Tensor * lib.qcc_model_num_inputs(h))()
        for i in range(len(self.inputs)):
            name = lib.qcc_model_input_name(h, i).decode()
            self.inputs[i] = self._tensor(np.ascontiguousarray(
                inputs[name], _DTYPES[lib.qcc_model_input_dtype(h, i)]))
        self.outputs = (_Tensor * lib.qcc_model_num_outputs(h))()
        self.output_arrays = {}
        for i in range(len(self.outputs)):
            rank = lib.qcc_model_output_rank(h, i)
            shape = [lib.qcc_model_output_shape(h, i)[d] for d in range(rank)]
            a = np.zeros(shape, _DTYPES[lib.qcc_model_output_dtype(h, i)])
            self.output_arrays[lib.qcc_model_output_name(h, i).decode()] = a
            self.outputs[i] = self._tensor(a)

    def _tensor(self, a: np.ndarray) -> _Tensor:
        shape = (ctypes.c_int64 * max(a.ndim, 1))(*a.shape)
        self._keep += [a, shape]
        dtype = next(k for k, v in _DTYPES.items() if v == a.dtype.type)
        return _Tensor(dtype, a.ndim, shape, a.ctypes.data)

    def run(self) -> Dict[str, np.ndarray]:
        st = self.lib.qcc_model_run(self.handle, self.inputs, len(self.inputs),
                                    self.outputs, len(self.outputs))
        if st != 0:
            raise RuntimeError("qcc_model_run: " +
                               (self.lib.qcc_model_last_error(self.handle) or b"").decode())
        return self.output_arrays

    def times_ms(self, repeat: int, warmup: int) -> List[float]:
        for _ in range(warmup):
            self.run()
        out = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            self.run()
            out.append((time.perf_counter() - t0) * 1e3)
        return out


class LibraryTimer:
    """A model library loaded in a child process with OMP_NUM_THREADS=threads
    and warmed up; times(n) runs it n more times and returns the per-call
    latencies in ms. Keeping the process lets a benchmark interleave short
    rounds of several models, so that load from other processes spreads
    over all of them."""

    def __init__(self, so_path: str, npz_path: str, threads: int, warmup: int):
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        self.proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), so_path, npz_path,
             "--serve", "--warmup", str(warmup)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)

    def times(self, n: int) -> List[float]:
        self.proc.stdin.write(f"{n}\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the timing process died (see its stderr)")
        return json.loads(line)["times_ms"]

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait()


def time_library(so_path: str, npz_path: str, threads: int, repeat: int,
                 warmup: int) -> List[float]:
    """Per-call latencies (ms) of a model library in a fresh process with
    OMP_NUM_THREADS=threads."""
    t = LibraryTimer(so_path, npz_path, threads, warmup)
    try:
        return t.times(repeat)
    finally:
        t.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("library")
    ap.add_argument("inputs", help=".npz keyed by input name")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--serve", action="store_true",
                    help="warm up, then read call counts from stdin and answer "
                         "each with one JSON line")
    args = ap.parse_args()
    with np.load(args.inputs) as f:
        inputs = {k: f[k] for k in f.files}
    m = Model(args.library, inputs)
    if not args.serve:
        print(json.dumps({"times_ms": m.times_ms(args.repeat, args.warmup)}))
        return
    m.times_ms(0, args.warmup)
    for line in sys.stdin:
        print(json.dumps({"times_ms": m.times_ms(int(line), 0)}), flush=True)


if __name__ == "__main__":
    main()
