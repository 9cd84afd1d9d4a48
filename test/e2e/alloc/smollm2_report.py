# The bit-allocation report for SmolLM2-135M renders in a browser: the
# sensitivity of the first and last blocks' 14 linear layers (a subset, to
# keep the test short; the whole model takes about 200 s on 2 cores),
# measured on 32 tokens of gensim's lee_background.cor, allocated at 5 bits
# per weight; headless Chromium's screenshot of the HTML report is not
# blank and shows the plots; the JSON report agrees with the table.
#
# REQUIRES: smollm2, gensim, chromium
# RUN: %python %s %t

import json
import os
import subprocess
import sys

import llm_testing as L

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
here = os.path.dirname(os.path.abspath(__file__))
sens = os.path.join(work, "sens.json")
subprocess.run(["qcc-sensitivity", L.smollm2_gguf(),
                "--calib=" + L.lee_corpus("lee_background.cor"),
                "--calib-seq=32", "--calib-samples=1", "--configs=int8,int4g32,int4g128,ternary",
                "--layers=^blk\\.(0|29)\\.", "-o", sens], check=True)
t = json.load(open(sens))
assert len(t["layers"]) == 14, len(t["layers"])
html, rep = os.path.join(work, "smollm2.html"), os.path.join(work, "smollm2.json")
p = subprocess.run(["qcc-bit-allocation", sens, "--bpw=5", "--report=" + html,
                    "--report=" + rep], capture_output=True, text=True, check=True)
print(p.stdout.splitlines()[-3])
r = json.load(open(rep))
assert len(r["layers"]) == 14 and r["plan"]["bits_per_weight"] <= 5.0 + 1e-9
assert {l["config"] for l in r["layers"]} <= {"int8", "int4g32", "int4g128", "ternary"}
shot = subprocess.run([sys.executable, os.path.join(here, "..", "..", "Allocation", "Inputs",
                                                     "screenshot.py"), html,
                       os.path.join(work, "smollm2.png")], capture_output=True, text=True)
print(shot.stdout)
if shot.returncode != 0 or "screenshot ok" not in shot.stdout:
    sys.exit("screenshot check failed:\n" + shot.stdout + shot.stderr)
