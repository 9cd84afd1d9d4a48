#!/usr/bin/env python3
"""Dense int8 GEMM (qcc_rt_qgemm_s8) against the core's int8 peak.

For each --march (default: native, the instruction set the host would run,
and x86-64-v3, which forces the AVX2 path; qcc's level names
x86-64-v4-vnni and x86-64-v4-amx stand for the flags their runtimes are
built with), builds bench/int8_gemm.c with runtime/QGemm.c and
runtime/QGemmAmx.c, runs it and prints one table:

  - the int8 multiply-accumulate peak of one core, from a tight loop of the
    best instruction the build targets (tdpbusd on the AMX tile unit,
    vpdpbusd with AVX-512 VNNI or AVX-VNNI, vpmaddubsw + vpmaddwd + vpaddd
    on AVX2 / AVX-512BW, sdot on AArch64) over independent accumulators;
  - per shape, with 1 thread and with all OpenMP threads: ms per call, GOPS
    (2*M*N*K per second) and the fraction of peak * threads.

With several builds, a last table puts them side by side, each against its
own peak (e.g. --march x86-64-v4-vnni,x86-64-v4-amx: the VNNI kernels
against the vpdpbusd peak and the AMX path against the tdpbusd peak).

X is uint8 (zero point 128), W int8 with per-channel zero points 0, C
row-major. Note that the AVX2 "peak" uses vpmaddubsw, which saturates and
so cannot be used by an exact kernel: the exact vpmaddwd path tops out near
0.8 of it on Zen 4.

  python3 bench/int8_gemm.py                          # host and x86-64-v3
  python3 bench/int8_gemm.py --march x86-64-v4-vnni,x86-64-v4-amx
  python3 bench/int8_gemm.py --march native --shapes 512x512x512,1x4096x4096
  OMP_NUM_THREADS=4 python3 bench/int8_gemm.py
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

from bench_build import compile_bench

SHAPES = "256x256x256,512x512x512,1024x1024x1024,6400x64x576,1x4096x4096,128x768x768"




def build(cc, march, out):
    return compile_bench(cc, march, "int8_gemm.c", ["QGemm.c", "QGemmAmx.c"], out)


def run(exe, shapes):
    """(peak line fields, alt peak (isa, MAC/s) or None,
    [(M, N, K, threads, ms, gops, frac)]) or None."""
    r = subprocess.run([exe] + shapes, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        return None
    peak, alt, rows = None, None, []
    for line in r.stdout.splitlines():
        m = re.match(r'peak isa="([^"]*)" macs_per_s=(\S+) threads=(\d+)', line)
        if m:
            peak = (m.group(1), float(m.group(2)), int(m.group(3)))
            continue
        m = re.match(r'altpeak isa="([^"]*)" macs_per_s=(\S+)', line)
        if m:
            alt = (m.group(1), float(m.group(2)))
            continue
        f = line.split()
        if f and f[0] == "gemm":
            rows.append((int(f[1]), int(f[2]), int(f[3]), int(f[4]),
                         float(f[5]), float(f[6]), float(f[7])))
    return peak, alt, rows


def side_by_side(done):
    """One table of every build: GOPS (fraction of its own peak)."""
    print("\nSide by side: GOPS (fraction of the build's own peak)")
    for march, isa, peak, threads, _ in done:
        print(f"  {march}: peak {peak / 1e9:.1f} GMAC/s per core from {isa}")
    counts = sorted({t for *_, threads, _ in done for t in (1, threads)})
    cols = [(march, t) for march, *_ in done for t in counts]
    hdr = f"{'M x N x K':>18} |" + "".join(
        f" {f'{m} {t}T':>24}" for m, t in cols)
    print(hdr)
    print("-" * len(hdr))
    shapes = list(dict.fromkeys(s for *_, by in done for s in by))
    for shape in shapes:
        line = f"{'x'.join(map(str, shape)):>18} |"
        for march, t in cols:
            by = next(b for m, *_, b in done if m == march)
            r = by.get(shape, {}).get(t)
            line += f" {f'{r[1]:.0f} ({r[2]:.2f})' if r else '-':>24}"
        print(line)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--march", default="native,x86-64-v3",
                    help="comma-separated gcc -march values (default: native,x86-64-v3)")
    ap.add_argument("--shapes", default=SHAPES, help="comma-separated MxNxK")
    ap.add_argument("--cc", default="gcc", help="C compiler (default gcc)")
    ap.add_argument("--keep", metavar="DIR", help="keep the binaries in DIR")
    args = ap.parse_args()

    shapes = [s for s in args.shapes.split(",") if s]
    for s in shapes:
        if not re.fullmatch(r"\d+x\d+x\d+", s):
            ap.error(f"bad shape '{s}' (want MxNxK)")
    work = args.keep or tempfile.mkdtemp(prefix="int8_gemm.")
    os.makedirs(work, exist_ok=True)
    failed = False
    done = []  # (march, isa, peak, threads, {shape: {threads: row}})
    try:
        for march in args.march.split(","):
            exe = os.path.join(work, f"int8_gemm_{march}")
            if not build(args.cc, march, exe) or (res := run(exe, shapes)) is None:
                print(f"-march={march}: FAILED")
                failed = True
                continue
            (isa, peak, threads), alt, rows = res
            print(f"\n-march={march}: peak {peak / 1e9:.1f} GMAC/s per core "
                  f"({2 * peak / 1e9:.1f} GOPS) from {isa}; {threads} threads")
            if alt:
                print(f"  (vector unit: {alt[1] / 1e9:.1f} GMAC/s per core from {alt[0]})")
            hdr = f"{'M x N x K':>18} | {'1 thread: ms':>12} {'GOPS':>8} {'frac':>6}"
            if threads > 1:
                hdr += f" | {f'{threads} threads: ms':>14} {'GOPS':>8} {'frac':>6}"
            print(hdr)
            print("-" * len(hdr))
            by = {}
            for m, n, k, t, ms, gops, frac in rows:
                by.setdefault((m, n, k), {})[t] = (ms, gops, frac)
            for (m, n, k), r in by.items():
                line = f"{f'{m}x{n}x{k}':>18} |"
                ms, gops, frac = r.get(1, (0, 0, 0))
                line += f" {ms:12.3f} {gops:8.1f} {frac:6.3f}"
                if threads > 1 and threads in r:
                    ms, gops, frac = r[threads]
                    line += f" | {ms:14.3f} {gops:8.1f} {frac:6.3f}"
                print(line)
            done.append((march, isa, peak, threads, by))
        if len(done) > 1:
            side_by_side(done)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
