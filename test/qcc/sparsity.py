# --sparsity / --prune end to end on small ONNX models: a matmul layer
# eligible for 2:4 (K = 64) pruned by each method, packed, compiled to the
# runtime's 2:4 kernel and checked against the reference interpreter bit for
# bit; `enable` prunes it on x86-64 (its cost model says the 2:4 kernel is
# faster there) and nothing on AArch64 (no faster 2:4 kernel); and the
# options' checks, including `force` on a model with no eligible layer.
#
# REQUIRES: x86, onnxruntime
# RUN: %python %s %t

import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
import qcc_testing as q

work = q.workdir(sys.argv[1] if len(sys.argv) > 1 else None)
rng = np.random.default_rng(11)
T, K, N = 16, 64, 32


def save(graph, name):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = os.path.join(work, name)
    onnx.save(model, path)
    return path


w = rng.normal(0, 0.2, [K, N]).astype(np.float32)
mm = save(helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["y"])], "mm",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, T, K])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, T, N])],
    [numpy_helper.from_array(w, "w")]), "mm.onnx")
dw = save(helper.make_graph(
    [helper.make_node("Conv", ["x", "w"], ["y"], group=4, pads=[1, 1, 1, 1])], "dw",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 8])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])],
    [numpy_helper.from_array(rng.normal(0, 0.3, [4, 1, 3, 3]).astype(np.float32), "w")]),
    "dw.onnx")

calib = os.path.join(work, "calib")
os.makedirs(calib, exist_ok=True)
samples = [rng.normal(0, 1, [1, T, K]).astype(np.float32) for _ in range(6)]
for i, x in enumerate(samples):
    np.save(os.path.join(calib, f"s{i}.npy"), x)
dcalib = os.path.join(work, "dcalib")
os.makedirs(dcalib, exist_ok=True)
np.save(os.path.join(dcalib, "s0.npy"), rng.normal(0, 1, [1, 4, 8, 8]).astype(np.float32))


def qcc(*args):
    return subprocess.run([q.tool("qcc"), *args], capture_output=True, text=True)


ok = True
for method in ("magnitude", "wanda", "sparsegpt"):
    mlir = os.path.join(work, f"mm_{method}.integer.mlir")
    so = os.path.join(work, f"mm_{method}.so")
    r = qcc(mm, "--target=x86-64-v3", "-o", mlir, "--emit=integer", "--quant=w8a8",
            f"--calib={calib}", "--sparsity=force", f"--prune={method}")
    if r.returncode != 0:
        print(r.stderr)
        sys.exit(1)
    line = [ln for ln in r.stderr.splitlines() if "2:4 sparsity" in ln]
    want = f"2:4 sparsity (force, {method}): 1 of 1 eligible layers pruned, 50.0% of their weights zero"
    good = bool(line) and line[0].startswith(want)
    text = open(mlir).read()
    good &= "qnn.matmul_sparse24_integer" in text and "qnn.matmul_integer" not in text
    r = qcc(mlir, "--target=x86-64-v3", "-o", so)
    good &= r.returncode == 0
    worst = 0.0
    for i, x in enumerate(samples[:3]):
        got = q.run_model(so, {"x": x}, os.path.join(work, f"{method}{i}"), ["y"])["y"]
        ref = q.qcc_reference(mlir, {"x": x}, os.path.join(work, f"ref_{method}{i}"), ["y"])["y"]
        worst = max(worst, float(np.abs(got.astype(np.float64) - ref).max()))
    good &= worst == 0.0
    print(f"{method}: summary {'ok' if line else 'missing'}, packed, compiled vs reference max |diff| {worst}")
    ok &= good

# enable: the AVX2 level's cost model takes the layer; the VNNI level (whose
# dense kernel is faster), SSE-only x86-64 and AArch64 take none.
none = "0 of 1 eligible layers pruned (the target has no 2:4 kernel faster than its dense one)"
for target, want in [("x86-64-v3", "1 of 1 eligible layers pruned"),
                     ("x86-64-v4-vnni", none), ("x86-64-v2", none), ("aarch64", none)]:
    r = qcc(mm, f"--target={target}", "-o", os.path.join(work, f"e_{target}.mlir"),
            "--emit=integer", "--quant=w8a8", f"--calib={calib}", "--sparsity=enable")
    good = r.returncode == 0 and want in r.stderr
    print(f"enable on {target}: {'as expected' if good else 'UNEXPECTED: ' + r.stderr.strip()}")
    ok &= good

# The options' checks.
base = ["--quant=w8a8", "-o", os.path.join(work, "x.mlir"), "--emit=integer"]
r = qcc(mm, "-o", os.path.join(work, "f.mlir"), "--emit=integer", "--sparsity=force")
good = r.returncode != 0 and "--sparsity and --prune apply to the int8 layers of a quantized model" in r.stderr
print(f"--sparsity without --quant: {'refused as expected' if good else 'UNEXPECTED: ' + r.stderr.strip()}")
ok &= good
for model, extra, want in [
        (mm, ["--sparsity=sometimes", f"--calib={calib}"],
         "unknown --sparsity='sometimes' (expected disable, enable or force)"),
        (mm, ["--sparsity=force", "--prune=random", f"--calib={calib}"],
         "unknown --prune='random' (expected magnitude, wanda or sparsegpt)"),
        (mm, ["--prune=wanda", f"--calib={calib}"],
         "--prune=wanda needs --sparsity=enable or force"),
        (mm, ["--sparsity=force", "--prune=sparsegpt", "--calib-in=" + os.path.join(work, "none.json")],
         "--prune=sparsegpt needs --calib=PATH"),
        (dw, ["--sparsity=force", f"--calib={dcalib}"],
         "--sparsity=force: no layer of this model is eligible for 2:4 sparsity")]:
    r = qcc(model, *base, *extra)
    good = r.returncode != 0 and want in r.stderr
    print(f"{' '.join(extra[:2])}: {'refused as expected' if good else 'UNEXPECTED: ' + r.stderr.strip()}")
    ok &= good
print("sparsity:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
