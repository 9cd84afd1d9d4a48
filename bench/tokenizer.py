#!/usr/bin/env python3
"""Encode speed of qcc's tokenizer vs the Hugging Face `tokenizers` package
on SmolLM2-135M-Instruct's tokenizer (both built from the GGUF's arrays).

qcc is timed inside qcc-model-info (`--time`: encode only, the tokenizer is
built once per run and not counted; each file is given --repeat times and
the median taken); the reference by Tokenizer.encode in this process
(median of --repeat). The text is English prose from Python's own
documentation (pydoc_data), cut or repeated to each size. Both must give the
same ids, or the row says so.

    python3 bench/tokenizer.py [--sizes 10000,100000,1000000] [--repeat 5]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "lib"))
import pydoc_data.topics  # noqa: E402

from hf_gguf_tokenizer import (build_hf_tokenizer, qcc_tool,  # noqa: E402
                               read_gguf_tokenizer, smollm2_path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if not os.environ.get("QCC_BIN"):
        os.environ["QCC_BIN"] = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                             "..", "build", "bin")
    model = smollm2_path()
    start = time.perf_counter()
    hf = build_hf_tokenizer(read_gguf_tokenizer(model))
    print(f"reference tokenizer built in {time.perf_counter() - start:.2f} s")
    prose = "".join(pydoc_data.topics.topics[k] for k in sorted(pydoc_data.topics.topics))
    print(f"{'bytes':>9} {'tokens':>8} {'qcc ms':>8} {'qcc MB/s':>9} "
          f"{'hf ms':>8} {'hf MB/s':>8} {'hf/qcc':>7}  ids")
    with tempfile.TemporaryDirectory() as work:
        for size in map(int, args.sizes.split(",")):
            text = (prose * (size // len(prose) + 1)).encode()[:size].decode(
                "utf-8", "ignore")
            path = os.path.join(work, f"{size}.txt")
            with open(path, "w") as f:
                f.write(text)
            cmd = [qcc_tool(), model, "--time"]
            cmd += ["--tokenize-file", path] * args.repeat
            p = subprocess.run(cmd, capture_output=True, text=True, check=True)
            qcc_ms = statistics.median(
                float(m) for m in re.findall(r"tokens in ([0-9.]+) ms", p.stderr))
            qcc_ids = [int(x) for x in p.stdout.splitlines()[0].split()]
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                ids = hf.encode(text, add_special_tokens=False).ids
                times.append((time.perf_counter() - t0) * 1e3)
            hf_ms = statistics.median(times)
            n = len(text.encode())
            print(f"{n:>9} {len(ids):>8} {qcc_ms:>8.2f} {n / qcc_ms / 1e3:>9.1f} "
                  f"{hf_ms:>8.2f} {n / hf_ms / 1e3:>8.1f} {hf_ms / qcc_ms:>7.2f}  "
                  f"{'equal' if ids == qcc_ids else 'DIFFER'}")


if __name__ == "__main__":
    main()
