"""What the kernel microbenchmarks' drivers share: compiling a bench/*.c
program with runtime sources for a -march level (qcc's x86 levels beyond the
psABI ones as runtime/CMakeLists.txt builds their runtimes) and printing a
right-aligned table."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNTIME = os.path.join(ROOT, "runtime")

LEVEL_FLAGS = {
    "x86-64-v4-vnni": ["-march=x86-64-v4", "-mavx512vnni"],
    "x86-64-v4-amx": ["-march=x86-64-v4", "-mavx512vnni", "-mamx-tile", "-mamx-int8"],
}


def compile_bench(cc, march, program, runtime_sources, out, check=False):
    """Builds bench/`program` with runtime/`runtime_sources` into `out`.
    True on success; on failure the command and compiler output go to
    stderr and, with `check`, the script exits."""
    cmd = [cc, "-O3", *LEVEL_FLAGS.get(march, [f"-march={march}"]), "-fopenmp",
           "-std=gnu11", "-Wall", "-I", RUNTIME, os.path.join(ROOT, "bench", program)]
    cmd += [os.path.join(RUNTIME, f) for f in runtime_sources] + ["-o", out]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(" ".join(cmd) + "\n" + r.stderr)
        if check:
            sys.exit(f"{program}: build failed")
    return r.returncode == 0


def print_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(str(v).rjust(w) for v, w in zip(r, widths))
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))
    print()
