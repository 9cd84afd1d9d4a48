# --smooth=ALPHA end to end: a layer norm whose scale gives channel 5 a 40x
# larger range feeds a matmul; with per-tensor uint8 activations that one
# channel takes the whole grid. SmoothQuant moves the range into the
# matmul's per-channel int8 weight columns, so the W8A8 model's error
# against the float model (onnxruntime) must drop. Also: the summary line,
# and the option's checks.
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
rng = np.random.default_rng(7)
C, N, T = 32, 24, 16
gamma = np.ones(C, np.float32)
gamma[5] = 40.0
beta = rng.normal(0, 0.1, C).astype(np.float32)
w = rng.normal(0, 0.2, [C, N]).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("LayerNormalization", ["x", "gamma", "beta"], ["n"], axis=-1, epsilon=1e-5),
     helper.make_node("MatMul", ["n", "w"], ["y"])],
    "ln_matmul",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, T, C])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, T, N])],
    [numpy_helper.from_array(a, n) for a, n in [(gamma, "gamma"), (beta, "beta"), (w, "w")]])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
path = os.path.join(work, "ln_matmul.onnx")
onnx.save(model, path)

calib = os.path.join(work, "calib")
os.makedirs(calib, exist_ok=True)
# The error is measured on the calibration samples themselves: with 40x on
# one channel, a held-out token can leave the calibrated output range, and
# that clipping (the same with and without smoothing) would hide the
# difference this test is about.
tests = [rng.normal(0, 1, [1, T, C]).astype(np.float32) for _ in range(8)]
for i, x in enumerate(tests):
    np.save(os.path.join(calib, f"s{i}.npy"), x)

ok = True
errors = {}
for label, extra in [("plain", []), ("smooth 0.5", ["--smooth=0.5"])]:
    so = os.path.join(work, label.replace(" ", "_") + ".so")
    cmd = [q.tool("qcc"), path, "--target=host", "-o", so, "--quant=w8a8", f"--calib={calib}", *extra]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stderr)
        sys.exit(1)
    if extra:
        line = [ln for ln in r.stderr.splitlines() if "smoothquant" in ln]
        print(line[0] if line else "no smoothquant summary line")
        ok &= bool(line) and "1 of 1 int8 layers" in line[0]
    refs, gots = [], []
    for i, x in enumerate(tests):
        refs.append(q.ort_run(path, {"x": x})["y"])
        gots.append(q.run_model(so, {"x": x}, os.path.join(work, f"{label[0]}{i}"), ["y"])["y"])
    ref, got = np.stack(refs), np.stack(gots)
    err = float(np.sqrt(np.mean((ref - got) ** 2)) / np.sqrt(np.mean(ref ** 2)))
    errors[label] = err
    print(f"{label}: rms error / rms y = {err:.5f}, max |err| {np.abs(ref - got).max():.4f}")
ok &= errors["smooth 0.5"] < 0.5 * errors["plain"]

# The option's checks.
for extra, want in [(["--smooth=1.5", f"--calib={calib}"], "--smooth must be in [0, 1], got 1.5"),
                    (["--smooth=0.5", "--calib-in=" + os.path.join(work, "none.json")],
                     "--smooth needs --calib=PATH")]:
    r = subprocess.run([q.tool("qcc"), path, "--quant=w8a8", "-o", os.path.join(work, "x.so"), *extra],
                       capture_output=True, text=True)
    good = r.returncode != 0 and want in r.stderr
    print(f"{extra[0]}: {'refused as expected' if good else 'UNEXPECTED: ' + r.stderr.strip()}")
    ok &= good
print("smoothquant:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
