"""Small ONNX models and calibration data for the calibration tests.

usage: make_calib_model.py model KIND OUT.onnx
       make_calib_model.py samples DIR COUNT SEED      (x.npy-shaped files)
       make_calib_model.py batch OUT.npy COUNT SEED    ([COUNT, 1, 3, 8, 8])
       make_calib_model.py pairs DIR COUNT SEED        (subfolders with a.npy, b.npy)
       make_calib_model.py zero-first DIR COUNT SEED   (samples, the first all zeros)
       make_calib_model.py nan-channel DIR COUNT SEED  (samples whose channel 1 is
                                                        NaN; with COUNT < 0 all NaN)
       make_calib_model.py summary CALIB.json DATA     (the file's fingerprint and
                                                        counts; checks the input
                                                        point against the data)
       make_calib_model.py check-input CALIB.json DATA (the input point's
                                                        histogram and channels
                                                        against the data, NaN
                                                        skipped)
       make_calib_model.py compare-ort CALIB.json MODEL.onnx DATA
                                                       (conv model: every point's
                                                        min/max against onnxruntime)
"""
import glob
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def conv_model(filters):
    rng = np.random.default_rng(3)
    w1 = rng.normal(0, 0.5, [filters, 3, 3, 3]).astype(np.float32)
    b1 = rng.normal(0, 0.1, [filters]).astype(np.float32)
    w2 = rng.normal(0, 0.5, [filters, filters, 3, 3]).astype(np.float32)
    b2 = rng.normal(0, 0.1, [filters]).astype(np.float32)
    inits = [numpy_helper.from_array(a, n)
             for a, n in [(w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2")]]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1",
                         pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], name="conv2",
                         pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["r1", "c2"], ["y"], name="add"),
    ]
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, filters, 8, 8])],
        inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m


def elementwise_model():
    """y = relu(x) * 2 + 1 elementwise: a NaN channel of x stays in its own
    channel at every point."""
    two = numpy_helper.from_array(np.array(2.0, np.float32), "two")
    one = numpy_helper.from_array(np.array(1.0, np.float32), "one")
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu"),
             helper.make_node("Mul", ["r", "two"], ["m"], name="mul"),
             helper.make_node("Add", ["m", "one"], ["y"], name="add")]
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 8, 8])],
        [two, one])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m


def two_input_model():
    w = numpy_helper.from_array(
        np.arange(16, dtype=np.float32).reshape(4, 4) / 8 - 1, "w")
    nodes = [helper.make_node("MatMul", ["a", "w"], ["m"], name="mm"),
             helper.make_node("Add", ["m", "b"], ["y"], name="add")]
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [1, 4]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], [w])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m


def load_samples(data):
    """The model input of every sample in a folder of .npy files or a batch."""
    if os.path.isdir(data):
        return [np.load(f) for f in sorted(glob.glob(os.path.join(data, "*.npy")))]
    return list(np.load(data))


def summary(calib, data):
    j = json.load(open(calib))
    print("format", j["format"], "version", j["version"], "points", j["num_points"])
    tensors = j["observers"]["tensors"]
    assert len(tensors) == len(j["points"]) == j["num_points"]
    for p, t in zip(j["points"], tensors):
        assert p["name"] == t["name"]
        channels = len(t["channels"]["min"]) if "channels" in t else 0
        print(p["name"], p["producer"], p["type"], p["shape"], "count", t["count"],
              "channels", channels)
    # The input point saw exactly the data.
    xs = np.stack(load_samples(data)).astype(np.float32)
    t0 = tensors[0]
    assert j["points"][0]["producer"].startswith("input ")
    assert (t0["min"], t0["max"]) == (float(xs.min()), float(xs.max())), t0
    ch = t0["channels"]
    assert ch["axis"] == 1
    assert np.allclose(ch["min"], xs.min(axis=(0, 1, 3, 4)))
    assert np.allclose(ch["max"], xs.max(axis=(0, 1, 3, 4)))
    print("input point matches the data")


def check_input(calib, data):
    """The input point's observer against the samples themselves: count,
    min/max, every histogram bin (binned directly at the file's width), and
    the per-channel statistics, where a channel without finite values must
    read count 0 and min = max = 0."""
    text = open(calib).read()
    assert "NaN" not in text and "Infinity" not in text, "non-JSON numbers"
    t = json.loads(text)["observers"]["tensors"][0]
    xs = np.stack(load_samples(data)).astype(np.float32)
    finite = xs[np.isfinite(xs)]
    assert t["count"] == finite.size, (t["count"], finite.size)
    assert t["nan"] == int(np.isnan(xs).sum())
    h = t["histogram"]
    if finite.size:
        assert (t["min"], t["max"]) == (float(finite.min()), float(finite.max()))
    counts = np.array(h["counts"], np.int64)
    if h["binWidth"] == 0:
        assert finite.size == 0 or finite.min() == finite.max()
        assert counts[0] == finite.size and counts[1:].sum() == 0
    else:
        idx = np.floor(finite.astype(np.float64) / h["binWidth"]).astype(np.int64)
        idx -= h["firstBin"]
        assert idx.min() >= 0 and idx.max() < counts.size, "values outside the bins"
        assert (np.bincount(idx, minlength=counts.size) == counts).all(), "bins differ"
    ch = t["channels"]
    per = np.moveaxis(xs, 2, 0).reshape(xs.shape[2], -1)
    for c, v in enumerate(per):
        v = v[np.isfinite(v)]
        want = (v.size, float(v.min()) if v.size else 0.0,
                float(v.max()) if v.size else 0.0)
        got = (ch["count"][c], ch["min"][c], ch["max"][c])
        assert got == want, (c, got, want)
    print("input point: %d values, %d NaN, histogram and %d channels match the data"
          % (t["count"], t["nan"], len(per)))


def compare_ort(calib, model, data):
    import onnxruntime as ort
    m = onnx.load(model)
    # The conv model's points in walk order: x, conv1, relu1, conv2, add.
    names = ["c1", "r1", "c2"]
    for n in names:
        m.graph.output.append(helper.make_tensor_value_info(n, TensorProto.FLOAT, None))
    sess = ort.InferenceSession(m.SerializeToString(),
                                providers=["CPUExecutionProvider"])
    outs = [o.name for o in sess.get_outputs()]
    values = {n: [] for n in ["x"] + outs}
    for x in load_samples(data):
        values["x"].append(x)
        for n, v in zip(outs, sess.run(None, {"x": x})):
            values[n].append(v)
    tensors = json.load(open(calib))["observers"]["tensors"]
    for t, n in zip(tensors, ["x", "c1", "r1", "c2", "y"]):
        v = np.stack(values[n])
        lo, hi = float(v.min()), float(v.max())
        tol = 1e-5 * max(abs(lo), abs(hi))
        ok = abs(t["min"] - lo) <= tol and abs(t["max"] - hi) <= tol
        chmax = v.max(axis=tuple(i for i in range(v.ndim) if i != 2))
        ok = ok and np.allclose(t["channels"]["max"], chmax, rtol=1e-5, atol=1e-6)
        print(t["name"], n, "ok" if ok else "MISMATCH [%g, %g] vs onnxruntime [%g, %g]"
              % (t["min"], t["max"], lo, hi))


def main():
    mode = sys.argv[1]
    if mode == "model":
        kind, out = sys.argv[2], sys.argv[3]
        m = {"conv": lambda: conv_model(4), "conv-wide": lambda: conv_model(8),
             "two-input": two_input_model, "elementwise": elementwise_model}[kind]()
        onnx.save(m, out)
    elif mode in ("zero-first", "nan-channel"):
        out, count, seed = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        rng = np.random.default_rng(seed)
        os.makedirs(out, exist_ok=True)
        for i in range(abs(count)):
            x = rng.normal(0, 1, [1, 3, 8, 8]).astype(np.float32)
            if mode == "zero-first" and i == 0:
                x[:] = 0
            elif mode == "nan-channel":
                x[:, 1 if count > 0 else slice(None)] = np.nan
            np.save(os.path.join(out, "s%03d.npy" % i), x)
    elif mode in ("samples", "batch", "pairs"):
        out, count, seed = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        rng = np.random.default_rng(seed)
        if mode == "batch":
            np.save(out, rng.normal(0, 1, [count, 1, 3, 8, 8]).astype(np.float32))
            return
        os.makedirs(out, exist_ok=True)
        for i in range(count):
            if mode == "samples":
                np.save(os.path.join(out, "s%03d.npy" % i),
                        rng.normal(0, 1, [1, 3, 8, 8]).astype(np.float32))
            else:
                d = os.path.join(out, "s%03d" % i)
                os.makedirs(d, exist_ok=True)
                for n in ("a", "b"):
                    np.save(os.path.join(d, n + ".npy"),
                            rng.normal(0, 1, [1, 4]).astype(np.float32))
    elif mode == "summary":
        summary(sys.argv[2], sys.argv[3])
    elif mode == "check-input":
        check_input(sys.argv[2], sys.argv[3])
    elif mode == "compare-ort":
        compare_ort(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
