#!/usr/bin/env python3
"""2:4 sparse int8 GEMM (qcc_rt_qgemm_sparse24) against the dense int8 GEMM.

For each --march (default: native), builds bench/sparse24_gemm.c with
runtime/QGemm.c, runtime/QGemmAmx.c and runtime/QGemmSparse24.c, runs it
and prints, per shape, with 1 thread and with all OpenMP threads, the
dense kernel on a 2:4-pruned W stored dense and the sparse kernel on the
same W packed (kept int8 values + 2-bit positions), from one run:

  - every shape: ms per call of each and the speed-up dense / sparse,
    with the effective GOPS (2*M*N*K per second, the dense count);
  - GEMV shapes (M <= 8, memory-bound): the bytes of W each kernel reads
    (dense N*K, sparse N*K*5/8) and the GB/s of W each achieves.

X is uint8 (zero point 128), W int8 (zero point 0), C row-major. Both
kernels' results are compared before timing.

  python3 bench/sparse24_gemm.py
  python3 bench/sparse24_gemm.py --march x86-64-v3,x86-64-v4-vnni
  python3 bench/sparse24_gemm.py --shapes 512x512x512,1x4096x4096
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

from bench_build import compile_bench

SHAPES = ("256x256x256,512x512x512,1024x1024x1024,6400x64x576,128x768x768,"
          "1x4096x4096,1x1024x4096,4x4096x4096")


def build(cc, march, out):
    return compile_bench(cc, march, "sparse24_gemm.c",
                         ["QGemm.c", "QGemmAmx.c", "QGemmSparse24.c"], out)


def run(exe, shapes):
    r = subprocess.run([exe] + shapes, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        return None
    rows = []
    for line in r.stdout.splitlines():
        f = line.split()
        if f and f[0] == "gemm":
            rows.append((int(f[1]), int(f[2]), int(f[3]), int(f[4]),
                         float(f[5]), float(f[6]), int(f[7]), int(f[8])))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--march", default="native",
                    help="comma-separated gcc -march values or qcc levels (default: native)")
    ap.add_argument("--shapes", default=SHAPES, help="comma-separated MxNxK")
    ap.add_argument("--cc", default="gcc", help="C compiler (default gcc)")
    args = ap.parse_args()
    shapes = [s for s in args.shapes.split(",") if s]
    for s in shapes:
        m = re.fullmatch(r"(\d+)x(\d+)x(\d+)", s)
        if not m or int(m.group(3)) % 4:
            ap.error(f"bad shape '{s}' (want MxNxK, K a multiple of 4)")
    work = tempfile.mkdtemp(prefix="sparse24_gemm.")
    failed = False
    try:
        for march in args.march.split(","):
            exe = os.path.join(work, f"sparse24_{march}")
            if not build(args.cc, march, exe) or (rows := run(exe, shapes)) is None:
                print(f"-march={march}: FAILED")
                failed = True
                continue
            print(f"\n-march={march}: dense int8 vs 2:4 int8, same shapes, one run")
            hdr = (f"{'M x N x K':>16} {'thr':>3} | {'dense ms':>9} {'2:4 ms':>9} "
                   f"{'speed-up':>8} | {'dense GOPS':>10} {'2:4 eff GOPS':>12}")
            print(hdr)
            print("-" * len(hdr))
            for m, n, k, t, dms, sms, _, _ in rows:
                ops = 2.0 * m * n * k
                print(f"{f'{m}x{n}x{k}':>16} {t:>3} | {dms:9.4f} {sms:9.4f} "
                      f"{dms / sms:8.2f} | {ops / dms * 1e-6:10.1f} "
                      f"{ops / sms * 1e-6:12.1f}")
            gemv = [r for r in rows if r[0] <= 8]
            if gemv:
                print("\nGEMV shapes (memory-bound): bytes of W moved per call")
                hdr = (f"{'M x N x K':>16} {'thr':>3} | {'dense MB':>9} {'2:4 MB':>8} "
                       f"{'bytes ratio':>11} | {'dense GB/s':>10} {'2:4 GB/s':>9} "
                       f"{'speed-up':>8}")
                print(hdr)
                print("-" * len(hdr))
                for m, n, k, t, dms, sms, db, sb in gemv:
                    print(f"{f'{m}x{n}x{k}':>16} {t:>3} | {db / 1e6:9.2f} "
                          f"{sb / 1e6:8.2f} {db / sb:11.2f} | {db / dms * 1e-6:10.1f} "
                          f"{sb / sms * 1e-6:9.1f} {dms / sms:8.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
