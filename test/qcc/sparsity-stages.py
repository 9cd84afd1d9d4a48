# --sparse-stages: 2:4 pruning in stages, each stage's Hessians calibrated
# on the model whose earlier stages are pruned already. Two matmuls with a
# ReLU between them, both pruned by Wanda (the mask of |w| * ||x_j||, which
# numpy recomputes here): with --sparse-stages=2 the second layer's norms
# come from the pruned first layer's outputs, by default (one shot) from the
# float model's. Each library must follow its own numpy model (within the
# W8A8 error) and not the other one, so the masks differ and the stage
# order is the one asked for. Then the option's checks.
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
rng = np.random.default_rng(5)
T, K, H, N = 16, 64, 64, 32
w1 = rng.normal(0, 0.2, [K, H]).astype(np.float32)
w2 = rng.normal(0, 0.2, [H, N]).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w1"], ["h"], name="fc1"),
     helper.make_node("Relu", ["h"], ["r"], name="relu"),
     helper.make_node("MatMul", ["r", "w2"], ["y"], name="fc2")], "mlp",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, T, K])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, T, N])],
    [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
mlp = os.path.join(work, "mlp.onnx")
onnx.save(model, mlp)

calib = os.path.join(work, "calib")
os.makedirs(calib, exist_ok=True)
samples = [rng.normal(0, 1, [1, T, K]).astype(np.float32) for _ in range(8)]
for i, x in enumerate(samples):
    np.save(os.path.join(calib, f"s{i}.npy"), x)
X = np.concatenate([s.reshape(T, K) for s in samples]).astype(np.float64)


def wanda(w, x):
    """w [K, N] with the 2 of every 4 rows (per column) of least
    |w| * ||x_k|| set to 0."""
    norm = np.sqrt((x * x).sum(0))
    out = w.astype(np.float64).copy()
    for n in range(w.shape[1]):
        for g in range(0, w.shape[0], 4):
            s = np.abs(out[g:g + 4, n]) * norm[g:g + 4]
            out[g + np.argsort(-s, kind="stable")[2:], n] = 0.0
    return out


relu = lambda v: np.maximum(v, 0.0)  # noqa: E731
w1p = wanda(w1, X)
w2_staged = wanda(w2, relu(X @ w1p))
w2_oneshot = wanda(w2, relu(X @ w1))
differ = int(((w2_staged == 0) != (w2_oneshot == 0)).sum())
print(f"second layer: {differ} of {H * N} weights pruned differently by the two orders")
ok = differ > 0
tests = [rng.normal(0, 1, [1, T, K]).astype(np.float32) for _ in range(3)]
ref = {"staged": [relu(x.reshape(T, K) @ w1p) @ w2_staged for x in tests],
       "one-shot": [relu(x.reshape(T, K) @ w1p) @ w2_oneshot for x in tests]}


def qcc(*args):
    return subprocess.run([q.tool("qcc"), *args], capture_output=True, text=True)


for label, extra in [("staged", ["--sparse-stages=2"]), ("one-shot", [])]:
    so = os.path.join(work, f"{label}.so")
    r = qcc(mlp, "--target=x86-64-v3", "-o", so, "--quant=w8a8", f"--calib={calib}",
            "--sparsity=force", "--prune=wanda", *extra)
    if r.returncode != 0:
        print(r.stderr)
        sys.exit(1)
    summary = [ln for ln in r.stderr.splitlines() if ln.startswith("2:4 ")]
    print(f"{label}:", *summary, sep="\n  ")
    if label == "staged":
        ok &= summary == [
            "2:4 stage 1/2: 1 layers, Hessians with 0 layers pruned",
            "2:4 stage 2/2: 1 layers, Hessians with 1 layers pruned",
            "2:4 sparsity (force, wanda): 2 of 2 eligible layers pruned, 50.0% of "
            "their weights zero; 6144 of the model's 6144 conv/matmul weights in "
            "pruned layers (100.0%) in 2 stages"]
    # Relative error against each order's float model.
    err = {}
    for name, ys in ref.items():
        e = [np.abs(q.run_model(so, {"x": x}, os.path.join(work, f"r_{label}{i}"),
                                ["y"])["y"].reshape(T, N) - y).max() / np.abs(y).max()
             for i, (x, y) in enumerate(zip(tests, ys))]
        err[name] = float(max(e))
    other = "one-shot" if label == "staged" else "staged"
    good = err[label] < 0.05 and err[label] < 0.5 * err[other]
    print(f"{label} library: max rel err {err[label]:.4f} vs its own order, "
          f"{err[other]:.4f} vs the other: {'as expected' if good else 'WRONG ORDER'}")
    ok &= good

# The options' checks.
base = [mlp, "-o", os.path.join(work, "x.mlir"), "--emit=integer"]
for extra, want in [
        (["--quant=w8a8", f"--calib={calib}", "--sparsity=force", "--sparse-stages=-1"],
         "--sparse-stages must be 0 or more, got -1"),
        (["--quant=w8a8", f"--calib={calib}", "--sparse-stages=2"],
         "--sparse-stages needs --sparsity=enable or force"),
        (["--quant=w8a8", "--calib-in=" + os.path.join(work, "none.json"),
          "--sparsity=force", "--sparse-stages=2"],
         "--sparse-stages needs --calib=PATH: it calibrates the model again after pruning"),
        (["--sparse-stages=2"],
         "--sparsity and --prune apply to the int8 layers of a quantized model"),
        (["--quant=w8a8", f"--calib={calib}", "--sparsity=force", "--sparse-stages=2",
          "--sparse-layers=fc["],
         "--sparse-layers: invalid regex 'fc['")]:
    r = qcc(*base, *extra)
    good = r.returncode != 0 and want in r.stderr
    print(f"{' '.join(extra[-2:])}: {'refused as expected' if good else 'UNEXPECTED: ' + r.stderr.strip()}")
    ok &= good
# Magnitude needs no Hessians: one stage prunes, then the ranges are
# calibrated on the pruned model (the last layer only, by name).
r = qcc(*base, "--quant=w8a8", f"--calib={calib}", "--sparsity=force", "--sparse-stages=1",
        "--sparse-layers=^fc2$")
good = r.returncode == 0 and "1 of 2 eligible layers pruned" in r.stderr and \
    r.stderr.count("[calib]") == 1
print(f"magnitude, 1 stage: {'as expected' if good else 'UNEXPECTED: ' + r.stderr.strip()}")
ok &= good
print("sparsity-stages:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
