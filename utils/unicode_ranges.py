"""What the tokenizer table generators share: the pinned Unicode version
(see gen_unicode_tables.py for why 16.0), the code point ranges where a
predicate holds, and printing them as a C++ CodePointRange array."""

import sys

import unicodedata2 as ud

WANT = "16.0.0"


def check_version():
    if ud.unidata_version != WANT:
        sys.exit(f"unicodedata2 has Unicode {ud.unidata_version}, want {WANT}")


def category(cp):
    return ud.category(chr(cp))


def ranges(pred):
    """[lo, hi] runs of the code points where pred(cp) holds."""
    out = []
    for cp in range(0x110000):
        if pred(cp):
            if out and out[-1][1] == cp - 1:
                out[-1][1] = cp
            else:
                out.append([cp, cp])
    return out


def emit_ranges(name, rs):
    print(f"// {len(rs)} ranges")
    print(f"static const CodePointRange {name}[] = {{")
    line = " "
    for lo, hi in rs:
        item = f" {{0x{lo:04X}, 0x{hi:04X}}},"
        if len(line) + len(item) > 80:
            print(line)
            line = " "
        line += item
    print(line)
    print("};")
