#!/usr/bin/env python3
"""Grouped sub-byte GEMV/GEMM (qcc_rt_qgemm_grouped) against memory bandwidth.

Builds bench/qgemv.c with runtime/QGemmGrouped.c for --march (default
native, the instruction set the host would run), runs it, and prints

  - the memory read bandwidth (streaming sum over a buffer much larger than
    the last-level cache) with 1 thread and with all OpenMP threads;
  - M = 1 (decode GEMV) for N x K in 4096x4096, 2048x8192, 576x1536, bits
    2/3/4/8 and groups 32/128: time per call and GB/s of packed weights,
    scales and zero points streamed, as a fraction of the bandwidth measured
    with the same thread count (the kernel stays single-threaded up to
    rows*N*K = 2^18, so a small enough product's all-threads fraction is
    against a bandwidth it does not try to use);
  - M = 32 and M = 128: GOPS (2*M*N*K per second), all threads.

  python3 bench/qgemv.py                     # host, all shapes
  python3 bench/qgemv.py --quick             # first shape, 4-bit batched only
  python3 bench/qgemv.py --march x86-64-v3 --threads 8
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from bench_build import compile_bench, print_table



def build(cc, march, out):
    compile_bench(cc, march, "qgemv.c", ["QGemmGrouped.c"], out, check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--march", default="native", help="gcc -march value (default native)")
    ap.add_argument("--cc", default=os.environ.get("CC", "gcc"))
    ap.add_argument("--threads", type=int, default=0,
                    help="OMP_NUM_THREADS for the all-threads runs (default: OpenMP's)")
    ap.add_argument("--quick", action="store_true",
                    help="first shape only, batched products for 4 bits only")
    ap.add_argument("--asym", action="store_true",
                    help="uint8 activations with zero point 3 (default int8, zero point 0)")
    ap.add_argument("--bw-mib", type=int, default=1024, help="bandwidth buffer (MiB)")
    ap.add_argument("--pool-mib", type=int, default=0,
                    help="weight copies for M = 1 (MiB; default 4x L3, at least 256)")
    ap.add_argument("--keep", metavar="DIR", help="keep the binary and raw output in DIR")
    args = ap.parse_args()

    work = args.keep or tempfile.mkdtemp(prefix="qgemv-")
    os.makedirs(work, exist_ok=True)
    exe = os.path.join(work, "qgemv")
    build(args.cc, args.march, exe)
    cmd = [exe, "--bw-mib", str(args.bw_mib)]
    if args.pool_mib:
        cmd += ["--pool-mib", str(args.pool_mib)]
    if args.quick:
        cmd.append("--quick")
    if args.asym:
        cmd.append("--asym")
    env = dict(os.environ)
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)
    lines = []
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env) as p:
        for line in p.stdout:
            lines.append(line)
            print(".", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    if args.keep:
        with open(os.path.join(work, "raw.txt"), "w") as f:
            f.writelines(lines)
    else:
        shutil.rmtree(work, ignore_errors=True)
    if p.returncode:
        sys.exit("qgemv failed with status %d" % p.returncode)

    bw, gemv, gemm = {}, {}, []
    for line in lines:
        f = line.split()
        if f[0] == "bw":
            kv = dict(x.split("=") for x in f[1:])
            bw[int(kv["threads"])] = float(kv["gbps"])
        elif f[0] == "gemv":
            n, k, bits, group, threads = map(int, f[1:6])
            gemv[(n, k, bits, group, threads)] = (float(f[6]), float(f[7]))
        elif f[0] == "gemm":
            m, n, k, bits, group, threads = map(int, f[1:7])
            gemm.append((m, n, k, bits, group, threads, float(f[7]), float(f[8])))

    counts = sorted(bw)
    print("march=%s, activations %s" % (args.march, "uint8 zp 3" if args.asym else "int8 zp 0"))
    print_table(["threads", "read GB/s"], [[t, "%.1f" % bw[t]] for t in counts])

    header = ["N x K", "bits", "group", "MiB"]
    for t in counts:
        header += ["us (%dt)" % t, "GB/s", "of BW"]
    rows = []
    for key in sorted({k[:4] for k in gemv}, key=lambda k: (-k[0] * k[1], k[2], k[3])):
        n, k, bits, group = key
        mib = (n * k * bits // 8 + 2 * n * (k // group)) / 2**20
        row = ["%dx%d" % (n, k), bits, group, "%.2f" % mib]
        for t in counts:
            us, gbps = gemv.get(key + (t,), (float("nan"), float("nan")))
            row += ["%.1f" % us, "%.1f" % gbps, "%.0f%%" % (100 * gbps / bw[t])]
        rows.append(row)
    print("M = 1: packed weights + scales + zero points streamed")
    print_table(header, rows)

    if gemm:
        print("M > 1: 2*M*N*K operations per second")
        print_table(["M", "N x K", "bits", "group", "threads", "ms", "GOPS"],
              [[m, "%dx%d" % (n, k), bits, group, t, "%.2f" % ms, "%.1f" % gops]
               for m, n, k, bits, group, t, ms, gops in gemm])


if __name__ == "__main__":
    main()
