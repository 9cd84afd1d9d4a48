#!/usr/bin/env python3
"""Accuracy of 2:4 pruning criteria on a CNN: PP-OCR cls, W8A8.

The text-direction classifier (a MobileNetV3) is compiled W8A8 with its
eligible 1x1 convolutions pruned to 2:4 (`--sparsity=force`) by magnitude,
Wanda and SparseGPT from the same calibration lines, for one or more layer
selections (`--sparse-layers` regexes over ONNX node names), and run on
held-out lines rendered as test/e2e/quant/ocr_cls_sparse24.py renders them
(each upright and upside down). Lines come from gensim's Lee corpus:
calibration from lee_background.cor, held-out from lee.cor, so the two
never share text. Printed per configuration, against the float model
(onnxruntime): mean and min cosine of the class probabilities, mean |p -
p_float| of the upright class, and agreement with the float model's class;
the float model's own accuracy on the true orientation is printed once.

  python3 bench/sparse24_accuracy.py --lines 48 --calib-lines 16
  python3 bench/sparse24_accuracy.py --layers 'all,conv2d_[0-9]+$'
"""

import argparse
import contextlib
import fcntl
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))

import llm_testing as L  # noqa: E402
import ocr_cls_testing as cls  # noqa: E402
import qcc_testing as q  # noqa: E402


def corpus_lines(name, count, skip=0, words=4):
    """`count` snippets of `words` words from the Lee corpus file `name`,
    one from each article in turn (skipping the first `skip` snippets)."""
    articles = [a.split() for a in open(L.lee_corpus(name), encoding="utf-8",
                                        errors="replace").read().splitlines() if a.strip()]
    out, k = [], 0
    while len(out) < count + skip:
        a = articles[k % len(articles)]
        start = (k // len(articles)) * words
        if start + words <= len(a):
            out.append(" ".join(a[start:start + words])[:28])
        k += 1
    return out[skip:]


@contextlib.contextmanager
def locked(path):
    if not path:
        yield
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def evaluate(so, tests, refs, work, tag, out_name):
    cos, dp, agree = [], [], 0
    for i, x in enumerate(tests):
        got = q.run_model(so, {"x": x}, os.path.join(work, f"r_{tag}"), [out_name])
        a = refs[i].ravel().astype(np.float64)
        b = got[out_name].ravel().astype(np.float64)
        cos.append(float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))))
        dp.append(abs(a[0] - b[0]))
        agree += int(a.argmax() == b.argmax())
    return float(np.mean(cos)), float(np.min(cos)), float(np.mean(dp)), agree


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=24, help="held-out texts (x2 orientations)")
    ap.add_argument("--calib-lines", type=int, default=8)
    ap.add_argument("--methods", default="magnitude,wanda,sparsegpt")
    ap.add_argument("--layers", default="all",
                    help="comma-separated --sparse-layers regexes ('all': every eligible layer)")
    ap.add_argument("--extra", default="", help="more qcc flags, space-separated")
    ap.add_argument("--work", default="/tmp/qcc-sparse24-accuracy")
    ap.add_argument("--lock", default=None, help="flock this file around each compile and run")
    args = ap.parse_args()

    work = args.work
    os.makedirs(work, exist_ok=True)
    model = cls.model()
    out_name = q.onnx_io(model)[1][0]
    calib_dir, _ = cls.calibration(work, corpus_lines("lee_background.cor", args.calib_lines))
    texts = corpus_lines("lee.cor", args.lines)
    tests = cls.test_inputs(texts)
    refs = [q.ort_run(model, {"x": x})[out_name] for x in tests]
    truth = [flip for _ in texts for flip in (0, 1)]
    float_acc = sum(int(r.ravel().argmax() == t) for r, t in zip(refs, truth))
    print(f"PP-OCR cls, {len(tests)} held-out lines ({len(texts)} texts x 2 orientations), "
          f"{args.calib_lines} calibration lines; float model: {float_acc}/{len(tests)} "
          f"orientations right")
    print("| layers | pruning | mean cosine | min cosine | mean abs dp | agreement with float |")
    print("|---|---|---|---|---|---|")
    dense = os.path.join(work, "dense.so")
    base = ["--quant=w8a8", f"--calib={calib_dir}"] + args.extra.split()
    with locked(args.lock):
        q.compile_model(model, dense, "x86-64", cls.SHAPES, extra_args=base)
        r = evaluate(dense, tests, refs, work, "dense", out_name)
    print(f"| - | W8A8 dense | {r[0]:.5f} | {r[1]:.5f} | {r[2]:.4f} | {r[3]}/{len(tests)} |",
          flush=True)
    for layers in args.layers.split(","):
        sel = [] if layers == "all" else [f"--sparse-layers={layers}"]
        for m in args.methods.split(","):
            so = os.path.join(work, f"cls_{m}.so")
            with locked(args.lock):
                q.compile_model(model, so, "x86-64", cls.SHAPES,
                                extra_args=base + ["--sparsity=force", f"--prune={m}"] + sel)
                r = evaluate(so, tests, refs, work, m, out_name)
            print(f"| `{layers}` | {m} | {r[0]:.5f} | {r[1]:.5f} | {r[2]:.4f} | "
                  f"{r[3]}/{len(tests)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
