#!/usr/bin/env python3
"""Ternary GEMV against qcc's int8 and int4 GEMV at the same shapes.

Builds bench/ternary_gemv.c with the runtime's three integer kernels
(runtime/QGemmTernary.c, QGemm.c + QGemmAmx.c, QGemmGrouped.c) for --march
(default native), runs it once and prints per shape and thread count the
time of each kernel, the weight bytes it reads per call, and the ratios:
int8 and int4 time over ternary time (> 1: ternary faster) and ternary
bytes over int8 and int4 bytes. M = 1, int8 activations with zero point 0,
weights rotated through a pool larger than the caches (--pool-mib).

  python3 bench/ternary_gemv.py
  python3 bench/ternary_gemv.py --quick --march x86-64-v3
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from bench_build import compile_bench, print_table

KINDS = ["ternary", "int8", "int4g32", "int4g128"]


def build(cc, march, out):
    compile_bench(cc, march, "ternary_gemv.c",
                  ["QGemmTernary.c", "QGemm.c", "QGemmAmx.c", "QGemmGrouped.c"], out,
                  check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--march", default="native", help="gcc -march value (default native)")
    ap.add_argument("--cc", default=os.environ.get("CC", "gcc"))
    ap.add_argument("--threads", type=int, default=0,
                    help="OMP_NUM_THREADS for the all-threads runs (default: OpenMP's)")
    ap.add_argument("--quick", action="store_true", help="first shape only")
    ap.add_argument("--pool-mib", type=int, default=512,
                    help="weight copies rotated through (MiB, default 512)")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="ternary-gemv-")
    try:
        exe = os.path.join(work, "ternary_gemv")
        build(args.cc, args.march, exe)
        cmd = [exe, "--pool-mib", str(args.pool_mib)] + (["--quick"] if args.quick else [])
        env = dict(os.environ)
        if args.threads:
            env["OMP_NUM_THREADS"] = str(args.threads)
        out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, env=env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if out.returncode:
        sys.exit("ternary_gemv failed with status %d" % out.returncode)

    res = {}
    for line in out.stdout.splitlines():
        f = line.split()
        if f and f[0] == "gemv":
            kind, n, k, t = f[1], int(f[2]), int(f[3]), int(f[4])
            res[(n, k, t, kind)] = (float(f[5]), int(f[6]))

    print("march=%s, M = 1, int8 activations; us per call (best of 3), weight MiB read per call"
          % args.march)
    header = ["N x K", "thr"] + ["%s us" % k for k in KINDS] + \
             ["int8/tern", "int4g32/tern", "int4g128/tern"] + \
             ["MiB " + k for k in KINDS] + ["bytes tern/int8", "tern/int4g128"]
    rows = []
    for n, k, t in sorted({key[:3] for key in res}, key=lambda x: (-x[0] * x[1], x[0], x[2])):
        r = {kind: res[(n, k, t, kind)] for kind in KINDS if (n, k, t, kind) in res}
        if "ternary" not in r:
            continue
        # a kernel absent at a shape (int4 g128 where K % 128 != 0): "-"
        us = lambda kd, f: f(r[kd][0]) if kd in r else "-"
        mib = lambda kd: "%.2f" % (r[kd][1] / 2**20) if kd in r else "-"
        part = lambda kd: "%.3f" % (r["ternary"][1] / r[kd][1]) if kd in r else "-"
        tern = r["ternary"][0]
        rows.append(["%dx%d" % (n, k), t] + [us(kd, lambda v: "%.1f" % v) for kd in KINDS] +
                    [us(kd, lambda v: "%.2fx" % (v / tern)) for kd in ("int8", "int4g32", "int4g128")] +
                    [mib(kd) for kd in KINDS] + [part("int8"), part("int4g128")])
    print_table(header, rows)


if __name__ == "__main__":
    main()
