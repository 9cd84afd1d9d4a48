# PP-OCRv4 det (DB text detector) on a rendered text page: qcc vs onnxruntime.
# Usage: ocr_det.py TARGET [WORKDIR]   (the AArch64 run is ocr_det_aarch64.test)
#
# REQUIRES: x86, onnxruntime, rapidocr
# RUN: %python %s x86-64 %t

import os
import sys

import numpy as np
import qcc_testing as q

target = sys.argv[1]
work = q.workdir(sys.argv[2] if len(sys.argv) > 2 else None)
# det is the slowest model: a small page, smaller still under qemu.
h, w = (64, 128) if target.startswith("aarch64") else (96, 320)

model = q.ocr_model("det")
so = os.path.join(work, "det.so")
q.compile_model(model, so, target, {"x": (1, 3, h, w)})
x = q.render_text_image("qcc OCR 2024", h, w, "det")
got = q.run_model(so, {"x": x}, os.path.join(work, "run"), q.onnx_io(model)[1])
ref = q.ort_run(model, {"x": x})
ok = q.check_outputs(ref, got)
for name in ref:
    print(f"{name}: text pixels (p > 0.3) qcc {int((got[name] > 0.3).sum())} "
          f"ort {int((ref[name] > 0.3).sum())}")
print("ocr_det:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
