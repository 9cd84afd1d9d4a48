# PP-OCR cls W8A8 with every eligible int8 layer pruned to 2:4
# (--sparsity=force): magnitude, Wanda and SparseGPT from the same
# calibration data, each against the float model (no fine-tuning after
# pruning). Wanda and SparseGPT must beat magnitude. The SparseGPT model's
# compiled integers (the runtime's 2:4 kernel) must equal the reference
# interpreter's (which executes qnn.matmul_sparse24_integer).
# Usage: ocr_cls_sparse24.py TARGET [WORKDIR] [METHODS]
#
# REQUIRES: x86, onnxruntime, rapidocr
# RUN: %python %s x86-64 %t

import os
import re
import sys

import ocr_cls_testing as cls
import qcc_testing as q

target = sys.argv[1]
work = q.workdir(sys.argv[2] if len(sys.argv) > 2 else None)
methods = (sys.argv[3] if len(sys.argv) > 3 else "magnitude,wanda,sparsegpt").split(",")
model = cls.model()
calib_dir, _ = cls.calibration(work)
tests = cls.test_inputs()
outputs = q.onnx_io(model)[1]
refs = [q.ort_run(model, {"x": x}) for x in tests]

results = {}
for m in methods:
    # Quantize and prune once to integer IR, then compile that.
    mlir = os.path.join(work, f"cls_24_{m}.integer.mlir")
    so = os.path.join(work, f"cls_24_{m}.so")
    q.compile_model(model, mlir, target, cls.SHAPES,
                    extra_args=["--quant=w8a8", f"--calib={calib_dir}",
                                "--sparsity=force", f"--prune={m}",
                                "--emit=integer"])
    with open(mlir) as f:
        packed = len(re.findall(r"qnn\.matmul_sparse24_integer", f.read()))
    q.compile_model(mlir, so, target, {})
    results[m] = cls.error_vs_float(so, tests, refs, outputs, work, m) + (packed,)
    c, e, mean_e, agree, _ = results[m]
    print(f"W8A8 2:4 {m:9s}: {packed} sparse layers  min cosine {c:.5f}  "
          f"max |err| {e:.4f}  mean max|err| {mean_e:.4f}  "
          f"class agreement {agree}/{len(tests)}", flush=True)

ok = all(r[4] > 0 for r in results.values())
if "magnitude" in results:
    for m in ("wanda", "sparsegpt"):
        if m in results:
            better = results[m][2] < results["magnitude"][2]
            print(f"{m} beats magnitude (mean max|err|): {better}")
            ok &= better

# Bit-exactness of the 2:4 kernel's integers against the interpreter.
m = "sparsegpt" if "sparsegpt" in methods else methods[0]
ok &= cls.matches_reference(os.path.join(work, f"cls_24_{m}.so"),
                            os.path.join(work, f"cls_24_{m}.integer.mlir"),
                            tests[:2], outputs, work, f" ({m})")
print("ocr_cls_sparse24:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
