# qcc's code point classes (letter \p{L}, number \p{N}, white space \s, other)
# against the Hugging Face `tokenizers` package, for every code point of
# planes 0-3 (all assigned letters and numbers but a few in plane 14 are
# there), plane 14's first 4096 and a sample of the private-use planes 15-16.
# Each code point X is embedded as "a" X X "\n\n." and the pieces of qcc's
# smollm pre-tokenizer (qcc-model-info --pieces) must equal those of the
# reference's Sequence[Digits(individual_digits), ByteLevel]; the pattern
# splits differently for each class (letter: "aXX"; number: "X", "X";
# other: "XX"; space: "XX\n"), so any class that differs shows up. This
# checks the Unicode version of lib/Tokenizer/UnicodeTables.inc.
#
# The reference's two stages need not agree with each other: Digits asks
# Rust's char::is_numeric (Unicode 17 in tokenizers 0.23), the ByteLevel
# regex Oniguruma's \p{N} (Unicode 16). Where they disagree about a code
# point (Unicode 17's new digits) no single table matches both, and qcc
# follows Unicode 16 throughout; such code points are counted and listed,
# every other one must split as in the reference.
#
# REQUIRES: gguf, smollm2, tokenizers
# RUN: %python %s %t

import os
import sys

import subprocess

from tokenizers import pre_tokenizers

from hf_gguf_tokenizer import pre_tokenizer_for, qcc_tool, smollm2_path

work = sys.argv[1]
os.makedirs(work, exist_ok=True)
ref = pre_tokenizer_for("smollm")

code_points = [cp for cp in range(0x40000) if not 0xD800 <= cp <= 0xDFFF]
code_points += list(range(0xE0000, 0xE1000))
code_points += list(range(0xF0000, 0x110000, 4099)) + [0xFFFFD, 0x10FFFD, 0x10FFFF]
chunk = 16384
chunks = [code_points[i:i + chunk] for i in range(0, len(code_points), chunk)]


def pattern(cp):
    x = chr(cp)
    return "a" + x + x + "\n\n."


args = [qcc_tool(), smollm2_path(), "--pieces"]
for n, cps in enumerate(chunks):
    path = os.path.join(work, f"chunk{n:03d}.txt")
    with open(path, "wb") as f:
        f.write("".join(pattern(cp) for cp in cps).encode("utf-8"))
    args += ["--tokenize-file", path]
p = subprocess.run(args, capture_output=True, text=True)
if p.returncode != 0:
    sys.exit(f"qcc-model-info failed: {p.stderr}")
qcc_lines = p.stdout.splitlines()
assert len(qcc_lines) == len(chunks)


def piece_ends(pieces, text):
    """Byte offsets where the pieces end (the reference gives char offsets)."""
    ends, byte, char = [], 0, 0
    for _, (start, end) in pieces:
        byte += len(text[char:end].encode("utf-8"))
        char = end
        ends.append(byte)
    return ends


bad = []
for cps, line in zip(chunks, qcc_lines):
    text = "".join(pattern(cp) for cp in cps)
    want = piece_ends(ref.pre_tokenize_str(text), text)
    got, total = [], 0
    for length in line.split():
        total += int(length)
        got.append(total)
    if got == want:
        continue
    # Find the first code point whose pattern splits differently.
    got_set, want_set = set(got), set(want)
    offset = 0
    for cp in cps:
        size = len(pattern(cp).encode("utf-8"))
        span = range(offset + 1, offset + size + 1)
        if [e for e in span if e in got_set] != [e for e in span if e in want_set]:
            bad.append(cp)
        offset += size

digits = pre_tokenizers.Digits(individual_digits=True)
byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)


def stages_disagree(cp):
    x = chr(cp)
    rust_numeric = len(digits.pre_tokenize_str("a" + x)) == 2
    regex_numeric = len(byte_level.pre_tokenize_str("1" + x)) == 1
    return rust_numeric != regex_numeric


split = [cp for cp in bad if stages_disagree(cp)]
wrong = [cp for cp in bad if cp not in split]
print(f"{len(code_points)} code points in {len(chunks)} chunks")


def names(cps):
    return ", ".join(f"U+{cp:04X}" for cp in cps[:20])


if split:
    print(f"note {len(split)} code point(s) where the reference's Digits and "
          f"ByteLevel stages disagree (left out): {names(split)}")
if wrong:
    print(f"FAIL classes differ from the reference for: {names(wrong)}")
    sys.exit(1)
print("ok   every other code point splits as in the reference")
