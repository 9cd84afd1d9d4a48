# PP-OCRv4 rec (CNN + transformer: integer LayerNorm, attention softmax and
# batched activation x activation products) quantized W8A8 by qcc
# (calibration on rendered text lines, MinMax, uint8 activations,
# per-channel int8 weights) against the float model, next to onnxruntime's
# quantize_static (QDQ, per-channel, MinMax) on the same calibration data:
# output cosine, max |err| and the CTC-decoded text. Then the compiled
# integers against the reference interpreter.
# Usage: ocr_rec_w8a8.py TARGET [WORKDIR]
#
# REQUIRES: x86, onnxruntime, rapidocr
# RUN: %python %s x86-64 %t

import os
import re
import sys

import numpy as np
import qcc_testing as q

target = sys.argv[1]
work = q.workdir(sys.argv[2] if len(sys.argv) > 2 else None)
h, w = 48, 320
model = q.ocr_model("rec")
chars = q.ocr_characters(model)
outputs = q.onnx_io(model)[1]

calib_texts = ["Hello qcc 2024", "quantized models", "integer only",
               "The quick brown fox", "MLIR compiler", "12345 67890",
               "calibration data", "onnxruntime"]
test_texts = ["jumps over the lazy dog", "Compiled by qcc 2026", "int8 kernels",
              "PaddleOCR lines", "Softmax and LayerNorm", "batch 64 x 128"]
calib_dir = os.path.join(work, "calib")
os.makedirs(calib_dir, exist_ok=True)
calib = []
for i, t in enumerate(calib_texts):
    x = q.render_text_image(t, h, w, "rec")
    calib.append(x)
    np.save(os.path.join(calib_dir, f"s{i}.npy"), x)
tests = [q.render_text_image(t, h, w, "rec") for t in test_texts]

# Calibrate once into the integer IR, then compile that IR: the library runs
# exactly the integers the reference interpreter reads.
mlir = os.path.join(work, "rec_w8a8.integer.mlir")
so = os.path.join(work, "rec_w8a8.so")
q.compile_model(model, mlir, target, {"x": (1, 3, h, w)},
                extra_args=["--quant=w8a8", f"--calib={calib_dir}",
                            "--calib-method=minmax", "--emit=integer"])
q.compile_model(mlir, so, target, {})
ort_q = q.ort_quantize_static(model, os.path.join(work, "rec_ort_qdq.onnx"),
                              "x", calib)

refs = [q.ort_run(model, {"x": x})[outputs[0]] for x in tests]
ref_texts = [q.ctc_decode(r, chars) for r in refs]
print("float model reads:", ref_texts)
qcc_outs = [q.run_model(so, {"x": x}, os.path.join(work, f"r{i}"), outputs)[outputs[0]]
            for i, x in enumerate(tests)]
ort_outs = [q.ort_run(ort_q, {"x": x})[outputs[0]] for x in tests]

rows = []
for label, outs in [("qcc w8a8", qcc_outs), ("ort w8a8", ort_outs)]:
    cos, err, same = [], [], 0
    for ref, got, text in zip(refs, outs, ref_texts):
        a, b = ref.ravel().astype(np.float64), got.ravel().astype(np.float64)
        cos.append(float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))))
        err.append(float(np.abs(a - b).max()))
        read = q.ctc_decode(got, chars)
        same += int(read == text)
        if read != text:
            print(f"  {label} reads {read!r} for {text!r}")
    rows.append((label, min(cos), max(err), same, len(tests)))
for label, c, e, s, n in rows:
    print(f"{label}: min cosine {c:.5f}  max |err| {e:.4f}  text as float {s}/{n}")
(_, qc, qe, qs, n), (_, oc, oe, os_, _) = rows
# No worse than onnxruntime: as many lines read as the float model reads
# them, cosine within 1e-3 of onnxruntime's (or better).
ok = qs >= os_ and qc >= oc - 1e-3

# The compiled integer path against the reference interpreter, bit for bit:
# the same IR without its float softmax tail returns the dequantized logits
# (one f32 multiply of the final integers), which must be equal.
text = open(mlir).read()
tail = re.search(r"\n\s*(%\w+) = qnn\.softmax (%\w+) \{[^\n]*\n(\s*)return \1 :", text)
if not tail:
    print("cannot find the float softmax tail of the integer IR")
    sys.exit(1)
logits_mlir = os.path.join(work, "rec_w8a8_logits.integer.mlir")
with open(logits_mlir, "w") as f:
    f.write(text[:tail.start()] + "\n" + tail.group(3) + "return " + tail.group(2) +
            " :" + text[tail.end():])
logits_so = os.path.join(work, "rec_w8a8_logits.so")
q.compile_model(logits_mlir, logits_so, target, {})
for i, x in enumerate(tests[:2]):
    got = q.run_model(logits_so, {"x": x}, os.path.join(work, f"l{i}"), outputs)
    ref = q.qcc_reference(logits_mlir, {"x": x}, os.path.join(work, f"ref{i}"), outputs)
    for name in outputs:
        same = np.array_equal(got[name], ref[name].astype(got[name].dtype))
        print(f"reference vs compiled logits, sample {i}: "
              f"{'bit-exact' if same else 'DIFFERENT'}")
        ok &= same
    # The whole model: the compiled f32 softmax vs the interpreter's.
    full = q.qcc_reference(mlir, {"x": x}, os.path.join(work, f"full{i}"), outputs)
    for name in outputs:
        rel = float((np.abs(qcc_outs[i] - full[name]) / full[name]).max())
        print(f"reference vs compiled probabilities, sample {i}: max rel diff {rel:.1e}")
        ok &= rel <= 1e-3
print("ocr_rec_w8a8:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
