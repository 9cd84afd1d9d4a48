#!/usr/bin/env python3
"""Accuracy of 2:4 pruning criteria on CNNs: PP-OCR rec and cls, W8A8.

Each model is compiled W8A8 dense and with its 1x1 convolutions and
matmuls pruned to 2:4 (`--sparsity=force`) by magnitude, Wanda and
SparseGPT from the same calibration lines, for one or more layer
selections (`--sparse-layers` regexes over ONNX node names), and run on
held-out lines. Every pruned model goes through the integer IR
(`--emit=integer`), `qcc-opt --qcc-verify-sparse-24` (every packed group
keeps 2 distinct positions of 4; a failure stops the bench) and then
becomes the library that is run. A method `NAME@S` prunes in S stages
(`--sparse-stages=S`: Hessians of each stage calibrated on the model with
the earlier stages pruned, activation ranges on the pruned model).

Lines come from gensim's Lee corpus: calibration from
lee_background.cor, held-out from lee.cor, so the two never share text.

- rec (text recognition, 48x320 lines): characters right against the
  rendered text (1 - edit distance / length, summed over lines), lines
  read exactly as the float model reads them, and the mean cosine of the
  output probabilities against the float model (onnxruntime).
- cls (text direction, 48x192 lines, each upright and upside down): mean
  and min cosine of the class probabilities, mean |p - p_float| of the
  upright class, agreement with the float model's class.

  python3 bench/sparse24_accuracy.py --lock /tmp/qcc-build.lock
  python3 bench/sparse24_accuracy.py --models rec --rec-layers 'all,p2o\.MatMul\.24$'
"""

import argparse
import os
import re
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))

import llm_testing as L  # noqa: E402
import ocr_cls_testing as cls  # noqa: E402
import qcc_testing as q  # noqa: E402

from bench_lock import locked  # noqa: E402 (bench/ is on sys.path: the script's own folder)

REC_H, REC_W = 48, 320
# The default rec selection (ONNX node names of PP-OCRv4 rec): the 1x1
# convolutions of the backbone's 240- and 480-channel stages that are not
# squeeze-excitation layers, the SVTR neck's matmuls and the CTC head
# (p2o.MatMul.24): 17 of the 30 eligible layers, 77% of the weights.
REC_LAYERS = r"p2o\.Conv\.(1[46]|18|2[048]|3[02])$|p2o\.MatMul\.[0-9]+$"


def corpus_lines(name, count, skip=0, words=4, chars=28):
    """`count` snippets of `words` words (at most `chars` characters) from
    the Lee corpus file `name`, one from each article in turn (skipping the
    first `skip` snippets)."""
    articles = [a.split() for a in open(L.lee_corpus(name), encoding="utf-8",
                                        errors="replace").read().splitlines() if a.strip()]
    out, k = [], 0
    while len(out) < count + skip:
        a = articles[k % len(articles)]
        start = (k // len(articles)) * words
        if start + words <= len(a):
            out.append(" ".join(a[start:start + words])[:chars])
        k += 1
    return out[skip:]


def md(text):
    """`text` inside a markdown table cell."""
    return text.replace("|", "\\|")


def edit_distance(a, b):
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def cosine(a, b):
    a, b = a.ravel().astype(np.float64), b.ravel().astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def compile_pruned(model, shapes, base, method, layers, work, tag):
    """The verified library of `model` pruned by `method` ('NAME' or
    'NAME@STAGES') on `layers` ('all' or a regex): (so path, packed layers,
    the summary's weight figures)."""
    name, _, stages = method.partition("@")
    args = base + ["--sparsity=force", f"--prune={name}"]
    if stages:
        args.append(f"--sparse-stages={stages}")
    if layers != "all":
        args.append(f"--sparse-layers={layers}")
    mlir = os.path.join(work, f"{tag}.integer.mlir")
    cmd = [q.tool("qcc"), model, "--target=x86-64", "-o", mlir, "--emit=integer"]
    for k, dims in shapes.items():
        cmd += ["--input-shape", f"{k}={','.join(map(str, dims))}"]
    r = subprocess.run(cmd + args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"qcc failed for {tag}:\n{r.stderr}")
    summary = re.search(r"2:4 sparsity \(force, \w+\): (\d+) of (\d+) eligible layers pruned, "
                        r"([\d.]+)% of their weights zero; (\d+) of the model's (\d+)", r.stderr)
    if not summary:
        raise RuntimeError(f"no 2:4 summary from qcc for {tag}:\n{r.stderr}")
    v = subprocess.run([q.tool("qcc-opt"), mlir, "--qcc-verify-sparse-24", "-o", os.devnull],
                       capture_output=True, text=True)
    if v.returncode != 0:
        raise RuntimeError(f"qcc-verify-sparse-24 rejects {tag}:\n{v.stderr}")
    packed = len(re.findall(r"qnn\.matmul_sparse24_integer", open(mlir).read()))
    so = os.path.join(work, f"{tag}.so")
    q.compile_model(mlir, so, "x86-64", {})
    layers_pruned, eligible = int(summary.group(1)), int(summary.group(2))
    pruned_w, model_w = int(summary.group(4)), int(summary.group(5))
    zero = float(summary.group(3)) / 100 * pruned_w
    return so, packed, layers_pruned, eligible, zero / model_w


def rec_bench(args, work):
    model = q.ocr_model("rec")
    chars = q.ocr_characters(model)
    out_name = q.onnx_io(model)[1][0]
    shapes = {"x": (1, 3, REC_H, REC_W)}
    calib_dir = os.path.join(work, "rec_calib")
    os.makedirs(calib_dir, exist_ok=True)
    for i, t in enumerate(corpus_lines("lee_background.cor", args.calib_lines, chars=24)):
        np.save(os.path.join(calib_dir, f"s{i:03d}.npy"), q.render_text_image(t, REC_H, REC_W, "rec"))
    texts = corpus_lines("lee.cor", args.lines, chars=24)
    tests = [q.render_text_image(t, REC_H, REC_W, "rec") for t in texts]
    refs = [q.ort_run(model, {"x": x})[out_name] for x in tests]
    ref_reads = [q.ctc_decode(r, chars) for r in refs]
    total = sum(len(t) for t in texts)

    def char_acc(reads):
        return 1.0 - sum(edit_distance(r, t) for r, t in zip(reads, texts)) / total

    print(f"\nPP-OCRv4 rec, {len(tests)} held-out lines ({total} characters), "
          f"{args.calib_lines} calibration lines; float model: characters right "
          f"{char_acc(ref_reads):.4f}, "
          f"{sum(r == t for r, t in zip(ref_reads, texts))}/{len(texts)} lines exact")
    print("| layers | pruning | pruned layers | weights zero | characters right | "
          "lines as float | mean cosine |")
    print("|---|---|---|---|---|---|---|")
    base = ["--quant=w8a8", f"--calib={calib_dir}"] + args.extra.split()

    def evaluate(so, tag):
        reads, cos = [], []
        for i, x in enumerate(tests):
            got = q.run_model(so, {"x": x}, os.path.join(work, f"r_{tag}"), [out_name])[out_name]
            reads.append(q.ctc_decode(got, chars))
            cos.append(cosine(refs[i], got))
        same = sum(a == b for a, b in zip(reads, ref_reads))
        return f"{char_acc(reads):.4f} | {same}/{len(tests)} | {np.mean(cos):.5f}"

    dense = os.path.join(work, "rec_dense.so")
    with locked(args.lock):
        q.compile_model(model, dense, "x86-64", shapes, extra_args=base)
        row = evaluate(dense, "dense")
    print(f"| - | W8A8 dense | 0 | 0 | {row} |", flush=True)
    for li, layers in enumerate(args.rec_layers.split(",")):
        for m in args.methods.split(","):
            tag = f"rec_{li}_{m.replace('@', '_s')}"
            with locked(args.lock):
                so, packed, n, eligible, frac = compile_pruned(
                    model, shapes, base, m, layers, work, tag)
                row = evaluate(so, tag)
            print(f"| `{md(layers)}` | {m} | {n} of {eligible} ({packed} packed) | "
                  f"{100 * frac:.1f}% | {row} |", flush=True)


def cls_bench(args, work):
    model = cls.model()
    out_name = q.onnx_io(model)[1][0]
    calib_dir, _ = cls.calibration(os.path.join(work, "cls"),
                                   corpus_lines("lee_background.cor", args.cls_calib_lines))
    texts = corpus_lines("lee.cor", args.cls_lines)
    tests = cls.test_inputs(texts)
    refs = [q.ort_run(model, {"x": x})[out_name] for x in tests]
    truth = [flip for _ in texts for flip in (0, 1)]
    float_acc = sum(int(r.ravel().argmax() == t) for r, t in zip(refs, truth))
    print(f"\nPP-OCR cls, {len(tests)} held-out lines ({len(texts)} texts x 2 orientations), "
          f"{args.cls_calib_lines} calibration lines; float model: {float_acc}/{len(tests)} "
          f"orientations right")
    print("| layers | pruning | pruned layers | weights zero | mean cosine | min cosine | "
          "mean abs dp | agreement with float |")
    print("|---|---|---|---|---|---|---|---|")
    base = ["--quant=w8a8", f"--calib={calib_dir}"] + args.extra.split()

    def evaluate(so, tag):
        cos, dp, agree = [], [], 0
        for i, x in enumerate(tests):
            got = q.run_model(so, {"x": x}, os.path.join(work, f"r_{tag}"), [out_name])[out_name]
            a, b = refs[i].ravel(), got.ravel()
            cos.append(cosine(a, b))
            dp.append(abs(float(a[0]) - float(b[0])))
            agree += int(a.argmax() == b.argmax())
        return (f"{np.mean(cos):.5f} | {np.min(cos):.5f} | {np.mean(dp):.4f} | "
                f"{agree}/{len(tests)}")

    dense = os.path.join(work, "cls_dense.so")
    with locked(args.lock):
        q.compile_model(model, dense, "x86-64", cls.SHAPES, extra_args=base)
        row = evaluate(dense, "dense")
    print(f"| - | W8A8 dense | 0 | 0 | {row} |", flush=True)
    for li, layers in enumerate(args.cls_layers.split(",")):
        for m in args.methods.split(","):
            tag = f"cls_{li}_{m.replace('@', '_s')}"
            with locked(args.lock):
                so, packed, n, eligible, frac = compile_pruned(
                    model, cls.SHAPES, base, m, layers, work, tag)
                row = evaluate(so, tag)
            print(f"| `{md(layers)}` | {m} | {n} of {eligible} ({packed} packed) | "
                  f"{100 * frac:.1f}% | {row} |", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--models", default="rec,cls", help="rec and/or cls")
    ap.add_argument("--methods", default="magnitude,wanda,sparsegpt,sparsegpt@4",
                    help="comma-separated; NAME@S prunes in S stages (--sparse-stages)")
    ap.add_argument("--lines", type=int, default=48, help="rec: held-out lines")
    ap.add_argument("--calib-lines", type=int, default=32, help="rec: calibration lines")
    ap.add_argument("--rec-layers", default=REC_LAYERS,
                    help="comma-separated --sparse-layers regexes ('all': every eligible layer)")
    ap.add_argument("--cls-lines", type=int, default=24, help="cls: held-out texts (x2 orientations)")
    ap.add_argument("--cls-calib-lines", type=int, default=8)
    ap.add_argument("--cls-layers", default="all")
    ap.add_argument("--extra", default="", help="more qcc flags, space-separated")
    ap.add_argument("--work", default="/tmp/qcc-sparse24-accuracy")
    ap.add_argument("--lock", default=None, help="flock this file around each compile and run")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    for m in args.models.split(","):
        {"rec": rec_bench, "cls": cls_bench}[m](args, args.work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
