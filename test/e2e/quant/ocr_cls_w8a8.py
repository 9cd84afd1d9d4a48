# PP-OCR cls quantized W8A8 by qcc (calibration on rendered text lines,
# MinMax, uint8 activations, per-channel int8 weights) against the float
# model, next to onnxruntime's quantize_static (QDQ, per-channel, MinMax) on
# the same calibration data; then the compiled integers against the
# reference interpreter, bit for bit.
# Usage: ocr_cls_w8a8.py TARGET [WORKDIR]
#
# REQUIRES: x86, onnxruntime, rapidocr
# RUN: %python %s x86-64 %t

import os
import sys

import numpy as np
import ocr_cls_testing as cls
import qcc_testing as q

target = sys.argv[1]
work = q.workdir(sys.argv[2] if len(sys.argv) > 2 else None)
model = cls.model()
shapes = cls.SHAPES
calib_dir, calib = cls.calibration(work)
tests = cls.test_inputs(cls.TEST_TEXTS[:4])

so = os.path.join(work, "cls_w8a8.so")
mlir = os.path.join(work, "cls_w8a8.integer.mlir")
q.compile_model(model, so, target, shapes,
                extra_args=["--quant=w8a8", f"--calib={calib_dir}", "--calib-method=minmax",
                            f"--calib-out={os.path.join(work, 'cls.calib.json')}"])
q.compile_model(model, mlir, target, shapes,
                extra_args=["--quant=w8a8", f"--calib-in={os.path.join(work, 'cls.calib.json')}",
                              "--emit=integer"])
ort_q = q.ort_quantize_static(model, os.path.join(work, "cls_ort_qdq.onnx"),
                              "x", calib)
outputs = q.onnx_io(model)[1]

rows = []
ok = True
for label, runner in [("qcc w8a8", lambda x, i: q.run_model(so, {"x": x}, os.path.join(work, f"r{i}"), outputs)),
                      ("ort w8a8", lambda x, i: q.ort_run(ort_q, {"x": x}))]:
    cos, err, agree = [], [], 0
    for i, x in enumerate(tests):
        ref = q.ort_run(model, {"x": x})
        got = runner(x, i)
        for name in ref:
            a, b = ref[name].ravel().astype(np.float64), got[name].ravel().astype(np.float64)
            cos.append(float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))))
            err.append(float(np.abs(a - b).max()))
            agree += int(ref[name].argmax() == got[name].argmax())
    rows.append((label, min(cos), max(err), agree, len(tests)))
for label, c, e, a, n in rows:
    print(f"{label}: min cosine {c:.5f}  max |err| {e:.4f}  class agreement {a}/{n}")
(_, qc, qe, qa, n), (_, oc, oe, oa, _) = rows
# No worse than onnxruntime: same or better class agreement, cosine within
# 1e-3 of onnxruntime's (or better).
ok &= qa >= oa and qc >= oc - 1e-3

# The compiled integer path against the reference interpreter, bit for bit
# up to the float softmax after the last dequantize.
ok &= cls.matches_reference(so, mlir, tests[:2], outputs, work)
print("ocr_cls_w8a8:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
