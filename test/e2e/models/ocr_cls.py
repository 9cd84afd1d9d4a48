# PP-OCR mobile v2.0 cls (text-line orientation, 0 or 180 degrees) on a
# rendered text line: qcc vs onnxruntime.
# Usage: ocr_cls.py TARGET [WORKDIR]   (the AArch64 run is ocr_cls_aarch64.test)
#
# REQUIRES: x86, onnxruntime, rapidocr
# RUN: %python %s x86-64 %t

import os
import sys

import numpy as np
import qcc_testing as q

target = sys.argv[1]
work = q.workdir(sys.argv[2] if len(sys.argv) > 2 else None)
h, w = 48, 192  # cls_image_shape in RapidOCR's config.yaml

model = q.ocr_model("cls")
so = os.path.join(work, "cls.so")
q.compile_model(model, so, target, {"x": (1, 3, h, w)})
outputs = q.onnx_io(model)[1]
ok = True
# The upright line and the same line turned 180 degrees.
for label, flip in [("upright", False), ("rotated", True)]:
    x = q.render_text_image("Hello qcc 2024", h, w, "cls", upside_down=flip)
    got = q.run_model(so, {"x": x}, os.path.join(work, "run"), outputs)
    ref = q.ort_run(model, {"x": x})
    ok &= q.check_outputs(ref, got, f"{label}: ")
    for name in ref:
        print(f"{label}: {name}: class qcc {int(got[name].argmax())} "
              f"ort {int(ref[name].argmax())} (0 = 0 deg, 1 = 180 deg)")
print("ocr_cls:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
