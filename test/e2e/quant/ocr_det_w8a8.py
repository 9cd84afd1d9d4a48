# PP-OCRv4 det (DB text detector: conv backbone, nearest upsampling, two
# transposed convolutions, sigmoid) quantized W8A8 by qcc (calibration on
# rendered text pages, MinMax, uint8 activations, per-channel int8 weights)
# against the float model, next to onnxruntime's quantize_static (QDQ,
# per-channel, MinMax) on the same calibration data: cosine and max |err| of
# the probability map, and the text boxes a threshold of 0.3 and connected
# components find. Then the compiled integers against the reference
# interpreter, bit for bit, and the integer IR checked integer-only.
# Usage: ocr_det_w8a8.py TARGET [WORKDIR]
#
# REQUIRES: x86, onnxruntime, rapidocr
# RUN: %python %s x86-64 %t

import os
import sys

import numpy as np
import qcc_testing as q

target = sys.argv[1]
work = q.workdir(sys.argv[2] if len(sys.argv) > 2 else None)
# Small pages: three 24-pixel lines fit in 96 rows.
h, w = 96, 320
model = q.ocr_model("det")
shapes = {"x": (1, 3, h, w)}

calib_pages = [["Hello qcc 2024", "quantized models", "integer only"],
               ["The quick brown fox", "MLIR compiler", "12345 67890"],
               ["calibration data", "onnxruntime", "PaddleOCR"],
               ["text detection", "W8A8 path", "zero points"]]
test_pages = [["jumps over the lazy dog", "Compiled by qcc", "int8 kernels"],
              ["PaddleOCR lines", "2025 release", "AArch64 NEON"],
              ["Silero and OCR", "bit exact", "reference 42"]]
calib_dir = os.path.join(work, "calib")
os.makedirs(calib_dir, exist_ok=True)
calib = []
for i, lines in enumerate(calib_pages):
    x = q.render_text_page(lines, h, w)
    calib.append(x)
    np.save(os.path.join(calib_dir, f"s{i}.npy"), x)
tests = [q.render_text_page(lines, h, w) for lines in test_pages]

so = os.path.join(work, "det_w8a8.so")
mlir = os.path.join(work, "det_w8a8.integer.mlir")
calib_json = os.path.join(work, "det.calib.json")
q.compile_model(model, so, target, shapes,
                extra_args=["--quant=w8a8", f"--calib={calib_dir}", "--calib-method=minmax",
                            f"--calib-out={calib_json}"])
# --emit=integer runs qcc-verify-integer-only: it fails the compile if any
# float arithmetic is left between the input quantize and output dequantize.
q.compile_model(model, mlir, target, shapes,
                extra_args=["--quant=w8a8", f"--calib-in={calib_json}", "--emit=integer"])
ir = open(mlir).read()
ok = "qnn.conv_transpose" not in ir and ir.count("qnn.quantize") == 1 \
    and ir.count("qnn.dequantize") == 1
print(f"integer IR: {ir.count('qnn.conv_integer')} conv_integer, "
      f"{ir.count('qnn.quantize')} quantize, {ir.count('qnn.dequantize')} dequantize")
ort_q = q.ort_quantize_static(model, os.path.join(work, "det_ort_qdq.onnx"), "x", calib)
out = q.onnx_io(model)[1][0]

floats = [q.ort_run(model, {"x": x})[out] for x in tests]
float_boxes = [len(q.text_boxes(f)) for f in floats]
rows = []
qcc_outs = []
for label, runner in [("qcc w8a8", lambda x, i: q.run_model(so, {"x": x}, os.path.join(work, f"r{i}"), [out])[out]),
                      ("ort w8a8", lambda x, i: q.ort_run(ort_q, {"x": x})[out])]:
    cos, err, boxes = [], [], []
    for i, (x, ref) in enumerate(zip(tests, floats)):
        got = runner(x, i)
        if label.startswith("qcc"):
            qcc_outs.append(got)
        a, b = ref.ravel().astype(np.float64), got.ravel().astype(np.float64)
        cos.append(float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))))
        err.append(float(np.abs(a - b).max()))
        boxes.append(len(q.text_boxes(got)))
    rows.append((label, min(cos), max(err), boxes))
print(f"float: text boxes {float_boxes} (lines per page {[len(p) for p in test_pages]})")
for label, c, e, b in rows:
    print(f"{label}: min cosine {c:.5f}  max |err| {e:.4f}  text boxes {b}")
(_, qc, qe, qb), (_, oc, oe, ob) = rows
# No worse than onnxruntime: cosine within 1e-3 of its own (or better), and
# as many pages whose box count matches the float model's.
matches = lambda boxes: sum(int(b == f) for b, f in zip(boxes, float_boxes))
ok &= qc >= oc - 1e-3 and matches(qb) >= matches(ob)

# The compiled integers against the reference interpreter: the output is
# the dequantized sigmoid table, so equal floats mean equal integers.
for i, x in enumerate(tests[:1]):
    ref = q.qcc_reference(mlir, {"x": x}, os.path.join(work, f"ref{i}"), [out])[out]
    d = float(np.abs(qcc_outs[i].astype(np.float64) - ref).max())
    print(f"reference vs compiled, page {i}: max |diff| {d:.2e}")
    ok &= d == 0.0
print("ocr_det_w8a8:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
