# PP-OCR cls with ternary weights (--weights=ternary: every conv and matmul
# weight in {-1, 0, 1} times its channel's absmean scale) and 8-bit
# activations. The model was not trained ternary, so its accuracy is poor
# and only printed; what is checked is that the layers take the ternary
# kernel and that the compiled integers equal the reference interpreter's.
# Usage: ocr_cls_ternary.py TARGET [WORKDIR] [SCALE]
#
# REQUIRES: x86, onnxruntime, rapidocr
# RUN: %python %s x86-64-v3 %t channel
# RUN: %python %s x86-64-v2 %t tensor

import os
import re
import sys

import numpy as np
import ocr_cls_testing as cls
import qcc_testing as q

target = sys.argv[1]
work = q.workdir(sys.argv[2] if len(sys.argv) > 2 else None)
scale = sys.argv[3] if len(sys.argv) > 3 else "channel"
model = cls.model()
calib_dir, _ = cls.calibration(work, cls.CALIB_TEXTS[:4])
tests = cls.test_inputs(["Compiled by qcc", "ternary weights"])
outputs = q.onnx_io(model)[1]

mlir = os.path.join(work, f"cls_ternary_{scale}.integer.mlir")
so = os.path.join(work, f"cls_ternary_{scale}.so")
ll = os.path.join(work, f"cls_ternary_{scale}.ll")
q.compile_model(model, mlir, target, cls.SHAPES,
                extra_args=["--quant=w8a8", f"--calib={calib_dir}",
                            "--weights=ternary", f"--ternary-scale={scale}",
                            "--emit=integer"])
q.compile_model(mlir, ll, target, {}, extra_args=["--emit=llvm"])
calls = len(re.findall(r"call void @qcc_rt_qgemm_ternary\(", open(ll).read()))
int8 = len(re.findall(r"call void @qcc_rt_qgemm_s8\(", open(ll).read()))
print(f"ternary kernel calls: {calls}, int8 kernel calls: {int8}")
ok = calls > 0
q.compile_model(mlir, so, target, {})

agree = 0
for i, x in enumerate(tests):
    got = q.run_model(so, {"x": x}, os.path.join(work, f"b{i}"), outputs)
    ref = q.qcc_reference(mlir, {"x": x}, os.path.join(work, f"ref{i}"), outputs)
    flt = q.ort_run(model, {"x": x})
    for name in outputs:
        # The model ends in a float softmax after the last dequantize,
        # outside the integer contract: float rounding there is allowed.
        d = float(np.abs(got[name].astype(np.float64) - ref[name]).max())
        agree += int(flt[name].ravel().argmax() == got[name].ravel().argmax())
        print(f"reference vs compiled ({target}, {scale}), sample {i}: "
              f"max |diff| {d:.2e}")
        ok &= d <= 1e-6
print(f"class agreement with the float model (not checked): {agree}/{len(tests)}")
print("ocr_cls_ternary:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
