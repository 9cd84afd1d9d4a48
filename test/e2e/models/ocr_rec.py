# PP-OCRv4 rec (SVTR-LCNet CTC recognizer) on a rendered text line: qcc vs
# onnxruntime, plus the greedy CTC decoding (the text) must be identical.
# Usage: ocr_rec.py TARGET [WORKDIR]   (the AArch64 run is ocr_rec_aarch64.test)
#
# REQUIRES: x86, onnxruntime, rapidocr
# RUN: %python %s x86-64 %t

import os
import sys

import numpy as np
import qcc_testing as q

target = sys.argv[1]
work = q.workdir(sys.argv[2] if len(sys.argv) > 2 else None)
h, w = (48, 160) if target.startswith("aarch64") else (48, 320)
text = "qcc 42" if target.startswith("aarch64") else "Hello qcc 2024"

model = q.ocr_model("rec")
so = os.path.join(work, "rec.so")
q.compile_model(model, so, target, {"x": (1, 3, h, w)})
x = q.render_text_image(text, h, w, "rec")
got = q.run_model(so, {"x": x}, os.path.join(work, "run"), q.onnx_io(model)[1])
ref = q.ort_run(model, {"x": x})
ok = q.check_outputs(ref, got)

chars = q.ocr_characters(model)
for name in ref:
    t_q, t_o = q.ctc_decode(got[name], chars), q.ctc_decode(ref[name], chars)
    print(f"{name}: rendered {text!r} qcc {t_q!r} ort {t_o!r}")
    if t_q != t_o:
        print(f"{name}: MISMATCH in the recognized text")
        ok = False
print("ocr_rec:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
