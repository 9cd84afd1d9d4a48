#!/usr/bin/env python3
"""Float latency of the real models: qcc vs onnxruntime, side by side.

For Silero VAD and PP-OCR det/rec/cls at fixed shapes, compiles each model
with qcc for --target (default host), then on the same input measures
  qcc:  qcc-run --repeat N --warmup 2, with OMP_NUM_THREADS=1 and =2
  ort:  onnxruntime InferenceSession (CPU, sequential execution,
        intra_op_num_threads=1 and =2), 2 warm-up runs, mean of N
and prints one table with the mean latency in ms and the ratio qcc/ort
(below 1: qcc is faster). It also checks that qcc's outputs match
onnxruntime's (max abs error, tolerance 1e-4 * max|ref|).

  python3 bench/float_latency.py                 # all models
  python3 bench/float_latency.py --models rec,cls --repeat 50
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "lib"))
import qcc_testing as q  # noqa: E402


def model_cases(det_hw, rec_w):
    """name -> (onnx path, input_shapes, inputs) at the benchmark's shapes."""
    dh, dw = det_hw
    return {
        "vad": (
            q.vad_model(),
            {"input": (1, 576), "state": (2, 1, 128), "sr": ()},
            lambda: {"input": q.speech_chunk(), "state": q.vad_state(), "sr": np.array(16000, np.int64)},
        ),
        "det": (
            q.ocr_model("det"),
            {"x": (1, 3, dh, dw)},
            lambda: {"x": q.render_text_image("qcc OCR benchmark 2024", dh, dw, "det")},
        ),
        "rec": (
            q.ocr_model("rec"),
            {"x": (1, 3, 48, rec_w)},
            lambda: {"x": q.render_text_image("Hello qcc 2024", 48, rec_w, "rec")},
        ),
        "cls": (
            q.ocr_model("cls"),
            {"x": (1, 3, 48, 192)},
            lambda: {"x": q.render_text_image("Hello qcc 2024", 48, 192, "cls")},
        ),
    }


def ort_times(path, inputs, threads, repeat, warmup=2):
    """Per-call onnxruntime latencies in ms and the outputs."""
    sess = q.ort_session(path, threads)
    out = None
    for _ in range(warmup):
        out = sess.run(None, inputs)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = sess.run(None, inputs)
        times.append((time.perf_counter() - start) * 1e3)
    return times, dict(zip([o.name for o in sess.get_outputs()], out))


def time_ort(path, inputs, threads, repeat, warmup=2):
    """Mean onnxruntime latency in ms and its outputs."""
    times, out = ort_times(path, inputs, threads, repeat, warmup)
    return sum(times) / len(times), out


def time_qcc(so, files, threads, repeat, warmup=2):
    """Mean qcc latency in ms, as qcc-run reports it."""
    out = q.qcc_run(so, files, repeat=max(repeat, 2), warmup=warmup, threads=threads)
    m = re.search(r"latency_ms:\s*([0-9.eE+-]+)", out)
    if not m:
        raise RuntimeError(f"qcc-run printed no latency: {out!r}")
    return float(m.group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="vad,det,rec,cls", help="comma-separated subset of vad,det,rec,cls")
    ap.add_argument("--target", default="host")
    ap.add_argument("--repeat", type=int, default=20, help="timed runs per measurement (VAD: 10x this)")
    ap.add_argument("--threads", default="1,2", help="thread counts to measure")
    ap.add_argument("--det-hw", default="320,320", help="det input height,width (multiples of 32)")
    ap.add_argument("--rec-width", type=int, default=320)
    ap.add_argument("--keep", help="keep the compiled libraries in this directory")
    args = ap.parse_args()

    import onnxruntime

    threads = [int(t) for t in args.threads.split(",")]
    cases = model_cases(tuple(int(v) for v in args.det_hw.split(",")), args.rec_width)
    work = q.workdir(args.keep) if args.keep else tempfile.mkdtemp(prefix="qcc-bench-")
    print(f"qcc target {args.target}; onnxruntime {onnxruntime.__version__}; {os.cpu_count()} CPUs", flush=True)
    rows, notes = [], []
    try:
        for name in args.models.split(","):
            path, shapes, make_inputs = cases[name]
            inputs = make_inputs()
            so = os.path.join(work, f"{name}.so")
            t0 = time.time()
            try:
                q.compile_model(path, so, args.target, shapes)
            except q.ToolError as e:
                notes.append(f"{name}: qcc failed to compile: {e.stderr.strip()}")
                print(notes[-1], flush=True)
                continue
            compile_s = time.time() - t0
            files = {}
            for i, (n, a) in enumerate(inputs.items()):
                files[n] = os.path.join(work, f"{name}_in{i}.npy")
                np.save(files[n], a)
            repeat = args.repeat * (10 if name == "vad" else 1)
            try:
                got = q.run_model(so, inputs, os.path.join(work, name), q.onnx_io(path)[1])
            except q.ToolError as e:
                notes.append(f"{name}: qcc-run failed: {e.stderr.strip()}")
                print(notes[-1], flush=True)
                continue
            row = {"model": name, "shape": "x".join(map(str, list(shapes.values())[0])), "compile_s": compile_s}
            for t in threads:
                ms_o, ref = time_ort(path, inputs, t, repeat)
                ms_q = time_qcc(so, files, t, repeat)
                row[t] = (ms_q, ms_o)
            errs = [q.compare(ref[k], got[k]) for k in ref]
            row["maxerr"] = max(m.maxerr for m in errs)
            row["ok"] = all(m.ok for m in errs)
            rows.append(row)
            print(f"{name}: compiled in {compile_s:.1f} s, measured", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print()
    head = f"{'model':<6} {'input':<14}"
    for t in threads:
        head += f" {'qcc ' + str(t) + 't ms':>11} {'ort ' + str(t) + 't ms':>11} {'qcc/ort':>8}"
    head += f" {'max_abs_err':>11} {'match':>5} {'compile s':>9}"
    print(head)
    for r in rows:
        line = f"{r['model']:<6} {r['shape']:<14}"
        for t in threads:
            ms_q, ms_o = r[t]
            line += f" {ms_q:>11.3f} {ms_o:>11.3f} {ms_q / ms_o:>8.2f}"
        line += f" {r['maxerr']:>11.2e} {'yes' if r['ok'] else 'NO':>5} {r['compile_s']:>9.1f}"
        print(line)
    for n in notes:
        print(n)
    return 1 if notes else 0


if __name__ == "__main__":
    sys.exit(main())
