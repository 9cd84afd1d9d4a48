#!/usr/bin/env python3
"""Integer (W8A8) latency of the real models: qcc vs onnxruntime, side by side.

For PP-OCR cls (and det/rec, when `qcc --quant=w8a8` compiles them), one run
  - calibrates on rendered text (the same samples for both compilers),
  - builds: qcc int8 (--quant=w8a8, MinMax), qcc float, onnxruntime int8
    (quantize_static, per-channel int8 weights, uint8 activations; both the
    QDQ and the QOperator format, the faster is reported), onnxruntime float,
  - times each with 1 and 2 threads (qcc: OMP_NUM_THREADS, in process
    through the C API, see qcc_ctypes.py; onnxruntime: intra_op_num_threads,
    sequential execution): median of N calls after warm-up, the N calls of
    all five split into interleaved rounds,
and prints the medians in ms with the ratios qcc int8 / ort int8 and
qcc int8 / qcc float (below 1: the first is faster), plus each int8 model's
cosine similarity to the float model's output on the benchmark input.

  python3 bench/quant_e2e.py                       # cls, det, rec
  python3 bench/quant_e2e.py --models cls --repeat 100
  python3 bench/quant_e2e.py --keep DIR --target x86-64-v4-vnni --compile-only
  python3 bench/quant_e2e.py --keep DIR --reuse     # e.g. on another machine

--compile-only builds everything into --keep DIR and stops; --reuse takes
what DIR holds instead of compiling and quantizing again, so the models can
be built here and timed on a machine without qcc (it needs numpy,
onnxruntime, pillow and LLVM's libomp on LD_LIBRARY_PATH).
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "lib"))
sys.path.insert(0, HERE)
import float_latency  # noqa: E402
import qcc_ctypes  # noqa: E402
import qcc_testing as q  # noqa: E402

CALIB_TEXTS = ["Hello qcc 2024", "quantized models", "integer only",
               "The quick brown fox", "MLIR compiler", "12345 67890",
               "calibration data", "onnxruntime"]


def calibration(name, shape):
    """Rendered calibration inputs for an OCR model at its bench shape."""
    _, _, h, w = shape
    return [q.render_text_image(t, h, w, name, upside_down=(name != "det" and i % 2 == 1))
            for i, t in enumerate(CALIB_TEXTS)]


def cosine(ref, got):
    a = np.concatenate([ref[k].ravel() for k in sorted(ref)]).astype(np.float64)
    b = np.concatenate([got[k].ravel() for k in sorted(ref)]).astype(np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def first_line(text):
    lines = [ln for ln in text.strip().splitlines() if "error" in ln] or text.strip().splitlines()
    return lines[0] if lines else "(no message)"


def time_interleaved(libraries, npz, onnx_models, inputs, threads, args):
    """Median latency (ms) of each qcc library and onnxruntime model, all
    measured in `args.rounds` interleaved rounds of repeat/rounds calls after
    their warm-up, so that load from other processes spreads evenly."""
    timers = {k: qcc_ctypes.LibraryTimer(so, npz, threads, args.warmup)
              for k, so in libraries.items()}
    sessions = {k: q.ort_session(m, threads) for k, m in onnx_models.items()}
    for sess in sessions.values():
        for _ in range(args.warmup):
            sess.run(None, inputs)
    times = {k: [] for k in [*timers, *sessions]}
    per_round = max(1, args.repeat // args.rounds)
    try:
        for _ in range(args.rounds):
            for k, timer in timers.items():
                times[k] += timer.times(per_round)
            for k, sess in sessions.items():
                for _ in range(per_round):
                    t0 = time.perf_counter()
                    sess.run(None, inputs)
                    times[k].append((time.perf_counter() - t0) * 1e3)
    finally:
        for timer in timers.values():
            timer.close()
    return {k: statistics.median(v) for k, v in times.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="cls,det,rec", help="comma-separated subset of cls,det,rec")
    ap.add_argument("--target", default="host")
    ap.add_argument("--repeat", type=int, default=50, help="timed calls per measurement")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=5,
                    help="interleaved rounds the calls are split into")
    ap.add_argument("--threads", default="1,2", help="thread counts to measure")
    ap.add_argument("--det-hw", default="320,320", help="det input height,width (multiples of 32)")
    ap.add_argument("--rec-width", type=int, default=320)
    ap.add_argument("--calib-method", default="minmax", choices=["minmax"],
                    help="both compilers calibrate with MinMax")
    ap.add_argument("--keep", help="keep the compiled models in this directory")
    ap.add_argument("--compile-only", action="store_true",
                    help="build into --keep DIR, do not time")
    ap.add_argument("--reuse", action="store_true",
                    help="use the models already in --keep DIR")
    ap.add_argument("--before", metavar="DIR",
                    help="also time DIR/NAME_w8a8.so (a --keep DIR built by another qcc, "
                         "e.g. QCC_BIN=... --compile-only) in the same rounds")
    args = ap.parse_args()

    import logging

    import onnxruntime

    logging.getLogger().setLevel(logging.ERROR)  # the quantizer's advice

    if (args.compile_only or args.reuse) and not args.keep:
        raise SystemExit("--compile-only and --reuse need --keep DIR")
    threads = [int(t) for t in args.threads.split(",")]
    # --reuse reads everything from --keep DIR (the OCR package may be absent).
    cases = {} if args.reuse else float_latency.model_cases(
        tuple(int(v) for v in args.det_hw.split(",")), args.rec_width)
    if args.reuse:
        work = args.keep
    else:  # a clean --keep DIR, or a temporary one
        work = q.workdir(args.keep) if args.keep else tempfile.mkdtemp(prefix="qcc-qbench-")
    print(f"qcc target {args.target}; onnxruntime {onnxruntime.__version__}; "
          f"{os.cpu_count()} CPUs; median of {args.repeat} calls after {args.warmup} warm-up",
          flush=True)
    rows, notes, failed = [], [], False
    try:
        for name in args.models.split(","):
            if name not in ("cls", "det", "rec"):
                raise SystemExit(f"unknown model '{name}'")
            npz = os.path.join(work, f"{name}_input.npz")
            if args.reuse:  # the float model and input saved by the build
                path = os.path.join(work, f"{name}_float.onnx")
                with np.load(npz) as z:
                    inputs = {k: z[k] for k in z.files}
                shape = list(inputs.values())[0].shape
            else:
                path, shapes, make_inputs = cases[name]
                shape = list(shapes.values())[0]
                inputs = make_inputs()
                np.savez(npz, **inputs)
                shutil.copyfile(path, os.path.join(work, f"{name}_float.onnx"))
                calib_dir = os.path.join(work, f"{name}_calib")
                os.makedirs(calib_dir, exist_ok=True)
                calib = calibration(name, shape)
                for i, x in enumerate(calib):
                    np.save(os.path.join(calib_dir, f"s{i}.npy"), x)

            so_q, so_f = os.path.join(work, f"{name}_w8a8.so"), os.path.join(work, f"{name}_f32.so")
            t0 = time.time()
            compile_q = 0.0
            ort_models = {}
            if args.reuse:
                for fmt in ("QDQ", "QOperator"):
                    m = os.path.join(work, f"{name}_ort_{fmt}.onnx")
                    if os.path.exists(m):
                        ort_models[fmt] = m
                if not (os.path.exists(so_q) and os.path.exists(so_f) and ort_models):
                    notes.append(f"{name}: skipped, --keep DIR does not hold its models")
                    print(notes[-1], flush=True)
                    failed = True
                    continue
            else:
                try:
                    q.compile_model(path, so_q, args.target, shapes,
                                    extra_args=["--quant=w8a8", f"--calib={calib_dir}",
                                                f"--calib-method={args.calib_method}"])
                except q.ToolError as e:
                    notes.append(f"{name}: skipped, qcc --quant=w8a8 does not compile it: "
                                 f"{first_line(e.stderr)}")
                    print(notes[-1], flush=True)
                    continue
                compile_q = time.time() - t0
                try:
                    q.compile_model(path, so_f, args.target, shapes)
                except q.ToolError as e:
                    notes.append(f"{name}: skipped, qcc float does not compile it: "
                                 f"{first_line(e.stderr)}")
                    print(notes[-1], flush=True)
                    failed = True
                    continue
                for fmt in ("QDQ", "QOperator"):
                    try:
                        ort_models[fmt] = q.ort_quantize_static(
                            path, os.path.join(work, f"{name}_ort_{fmt}.onnx"), list(shapes)[0],
                            calib, quant_format=fmt)
                    except Exception as e:  # onnxruntime's quantizer refuses some graphs
                        notes.append(f"{name}: onnxruntime quantize_static ({fmt}) failed: "
                                     f"{type(e).__name__}: {e}")
                        print(notes[-1], flush=True)
                if not ort_models:
                    failed = True
                    continue
                if args.compile_only:
                    print(f"{name}: built into {work}", flush=True)
                    continue

            ref = q.ort_run(path, inputs)
            acc = {"qcc int8": cosine(ref, qcc_ctypes.Model(so_q, inputs).run())}
            for fmt, m in ort_models.items():
                acc[f"ort {fmt}"] = cosine(ref, q.ort_run(m, inputs))

            row = {"model": name, "shape": "x".join(map(str, shape)), "acc": acc,
                   "compile_s": compile_q}
            for t in threads:
                libs = {"qcc_q": so_q, "qcc_f": so_f}
                if args.before:
                    libs["qcc_b"] = os.path.join(args.before, f"{name}_w8a8.so")
                r = time_interleaved(
                    libs, npz,
                    {"ort_f": path, **ort_models}, inputs, t, args)
                r["ort_fmt"] = min(ort_models, key=lambda f: r[f])
                r["ort_q"] = r[r["ort_fmt"]]
                row[t] = r
            rows.append(row)
            print(f"{name}: measured" + (f" (qcc w8a8 compiled in {compile_q:.1f} s)"
                                         if compile_q else ""), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"{'model':<5} {'input':<12} {'thr':>3} {'qcc int8':>9} {'ort int8':>9} {'(QDQ/QOp)':>15}"
          f" {'qcc f32':>8} {'ort f32':>8} {'qcc8/ort8':>9} {'qcc8/qccf':>9} {'ort8/ortf':>9}")
    for row in rows:
        for t in threads:
            r = row[t]
            both = "/".join(f"{r[f]:.3f}" if f in r else "-" for f in ("QDQ", "QOperator"))
            print(f"{row['model']:<5} {row['shape']:<12} {t:>3} {r['qcc_q']:>9.3f} {r['ort_q']:>9.3f}"
                  f" {both:>15} {r['qcc_f']:>8.3f} {r['ort_f']:>8.3f}"
                  f" {r['qcc_q'] / r['ort_q']:>9.2f} {r['qcc_q'] / r['qcc_f']:>9.2f}"
                  f" {r['ort_q'] / r['ort_f']:>9.2f}")
    print("(ms per inference; ort int8 is the faster of its QDQ and QOperator models)")
    if args.before:
        print(f"\nqcc int8 before ({args.before}) and now, same rounds:")
        print(f"{'model':<5} {'thr':>3} {'before':>9} {'now':>9} {'now/before':>10}"
              f" {'before/ort8':>11} {'now/ort8':>9}")
        for row in rows:
            for t in threads:
                r = row[t]
                print(f"{row['model']:<5} {t:>3} {r['qcc_b']:>9.3f} {r['qcc_q']:>9.3f}"
                      f" {r['qcc_q'] / r['qcc_b']:>10.2f} {r['qcc_b'] / r['ort_q']:>11.2f}"
                      f" {r['qcc_q'] / r['ort_q']:>9.2f}")
    for row in rows:
        print(f"{row['model']}: cosine to the float model: " +
              ", ".join(f"{k} {v:.5f}" for k, v in row["acc"].items()))
    for n in notes:
        print(n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
