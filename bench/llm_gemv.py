#!/usr/bin/env python3
"""Block-quantized GEMV (qcc_rt_block_linear) against memory bandwidth.

Builds bench/llm_gemv.c with runtime/BlockLinear.c for --march (default
native: the path the host's libraries run; x86-64-v3 is AVX2,
x86-64-v4 with -mavx512vnni the VNNI path), runs it with the machine's memory read
bandwidth measured by bench/membw.c (1 thread and all), and prints the weight-streaming rate of a
SmolLM2-135M decode step's matrices in every block format as a fraction of
it (1 thread and all threads), a 4096 x 4096 matrix-vector product, and the
T = 32 / 128 block GEMM in GOPS.

  python3 bench/llm_gemv.py                   # host, all formats
  python3 bench/llm_gemv.py --quick           # Q4_1 and Q4_K only
  python3 bench/llm_gemv.py --march x86-64-v3 --threads 2
"""

import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--march", default="native")
    ap.add_argument("--extra", default="", help="more gcc flags, e.g. -mavx512vnni")
    ap.add_argument("--cc", default=os.environ.get("CC", "gcc"))
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--bw-mib", type=int, default=1024)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    threads = a.threads or os.cpu_count()
    with tempfile.TemporaryDirectory() as tmp:
        exe, bw = os.path.join(tmp, "llm_gemv"), os.path.join(tmp, "membw")
        flags = [a.cc, "-O3", "-march=" + a.march, *a.extra.split(), "-fopenmp", "-std=gnu11"]
        subprocess.run(flags + [os.path.join(ROOT, "bench", "membw.c"), "-o", bw], check=True)
        subprocess.run(flags + ["-I" + os.path.join(ROOT, "runtime"),
                                os.path.join(ROOT, "bench", "llm_gemv.c"),
                                os.path.join(ROOT, "runtime", "BlockLinear.c"),
                                os.path.join(ROOT, "runtime", "BlockLinearX8.c"),
                                os.path.join(ROOT, "runtime", "BlockLinearX8K.c"), "-o", exe, "-lm"],
                       check=True)
        out = subprocess.run([bw, "--mib", str(a.bw_mib), "1", str(threads)], check=True,
                             capture_output=True, text=True).stdout
        gbps = [float(l.split("gbps=")[-1]) for l in out.splitlines() if "gbps=" in l]
        args = [exe, "--bw", f"{gbps[0]},{gbps[-1]}", "--threads", str(threads)]
        if a.quick:
            args.append("--quick")
        print(f"march={a.march} {a.extra}".strip())
        sys.stdout.flush()
        return subprocess.run(args).returncode


if __name__ == "__main__":
    sys.exit(main())
