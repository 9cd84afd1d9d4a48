# PP-OCR cls with 4-bit grouped weights and 8-bit activations (W4A8, groups
# of 32 reduction elements, integer sub-scales): RTN, HQQ, GPTQ and AWQ from
# the same calibration data, each against the float model. GPTQ and AWQ must
# beat RTN. The GPTQ model's compiled integers must equal the reference
# interpreter's.
# Usage: ocr_cls_w4a8.py TARGET [WORKDIR] [METHODS]
#
# REQUIRES: x86, onnxruntime, rapidocr
# RUN: %python %s x86-64 %t

import os
import sys

import ocr_cls_testing as cls
import qcc_testing as q

target = sys.argv[1]
work = q.workdir(sys.argv[2] if len(sys.argv) > 2 else None)
methods = (sys.argv[3] if len(sys.argv) > 3 else "rtn,hqq,gptq,awq").split(",")
model = cls.model()
calib_dir, _ = cls.calibration(work)
tests = cls.test_inputs()
outputs = q.onnx_io(model)[1]
refs = [q.ort_run(model, {"x": x}) for x in tests]

results = {}
for m in methods:
    # Quantize once to integer IR, then compile that for the target.
    mlir = os.path.join(work, f"cls_w4_{m}.integer.mlir")
    so = os.path.join(work, f"cls_w4_{m}.so")
    q.compile_model(model, mlir, target, cls.SHAPES,
                    extra_args=["--quant=w8a8", f"--calib={calib_dir}",
                                f"--weights={m}", "--wbits=4", "--group=32",
                                "--emit=integer"])
    q.compile_model(mlir, so, target, {})
    results[m] = cls.error_vs_float(so, tests, refs, outputs, work, m)
    c, e, mean_e, agree = results[m]
    print(f"W4A8 g32 {m:5s}: min cosine {c:.5f}  max |err| {e:.4f}  "
          f"mean max|err| {mean_e:.4f}  class agreement {agree}/{len(tests)}",
          flush=True)

ok = True
if "rtn" in results:
    for m in ("gptq", "awq"):
        if m in results:
            better = results[m][2] < results["rtn"][2] and results[m][1] <= results["rtn"][1]
            print(f"{m} beats rtn: {better}")
            ok &= better

# Bit-exactness: the compiled GPTQ model against the reference interpreter.
m = "gptq" if "gptq" in methods else methods[0]
ok &= cls.matches_reference(os.path.join(work, f"cls_w4_{m}.so"),
                            os.path.join(work, f"cls_w4_{m}.integer.mlir"),
                            tests[:2], outputs, work, f" ({m})")
print("ocr_cls_w4a8:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
