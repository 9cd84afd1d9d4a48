"""Checks qcc's newest accepted opset against the onnx package's schemas.

usage: check_opset_revisions.py IMPORTER_HEADER OP [OP ...]

qcc's importer was written against the opset-21 schemas and accepts opsets
up to kMaxOnnxOpset (read from IMPORTER_HEADER). For every listed op (qcc
--list-ops) and every schema revision in (21, kMaxOnnxOpset], this compares
the revision with the one before: the same inputs and outputs (names and
optionality), types only added (never removed), and no attribute added,
removed or changed except the ones the importer was reviewed for:

  QuantizeLinear 23 precision    checked: only unset, FLOAT or y_scale's type
  DequantizeLinear 23 output_dtype  implemented
  Cast 24 round_mode             float8e8m0 only, a type qcc refuses

Prints one line per revision and "unreviewed: N"; exits 1 if N > 0 (raising
kMaxOnnxOpset then needs a review of what changed). Changes written only in
the schemas' prose are not compared; for opsets 22 to 25 they were read:
AveragePool/MaxPool 22 write down the ceil_mode rule qcc already follows
(a window starting in the end padding is dropped), Cast 24 revises float8
tables (types qcc refuses), and QuantizeLinear/DequantizeLinear 23 name
the precision of their arithmetic (qcc's is float32, as at opset 21).
"""
import re
import sys

import onnx.defs

REVIEWED = {("QuantizeLinear", "precision"), ("DequantizeLinear", "output_dtype"), ("Cast", "round_mode")}
BASE = 21


def max_opset(header):
    with open(header) as f:
        m = re.search(r"kMaxOnnxOpset\s*=\s*(\d+)", f.read())
    if not m:
        sys.exit(f"no kMaxOnnxOpset in {header}")
    return int(m.group(1))


def formal(schema, params):
    """[(name, option, allowed types)] of inputs or outputs."""
    constraints = {c.type_param_str: set(c.allowed_type_strs) for c in schema.type_constraints}
    return [(p.name, str(p.option), constraints.get(p.type_str, {p.type_str})) for p in params]


def attributes(schema):
    return {name: (str(a.type), a.required, a.default_value.SerializeToString()) for name, a in schema.attributes.items()}


def main():
    top = max_opset(sys.argv[1])
    ops = sys.argv[2:]
    history = {}
    for s in onnx.defs.get_all_schemas_with_history():
        if s.domain in ("", "ai.onnx"):
            history.setdefault(s.name, {})[s.since_version] = s
    unreviewed = 0
    print(f"opsets {BASE + 1} to {top}")
    for op in sorted(ops):
        versions = sorted(history.get(op, {}))
        if not versions:
            print(f"{op}: not an ONNX op")
            unreviewed += 1
            continue
        for v in versions:
            if v <= BASE or v > top:
                continue
            older = [u for u in versions if u < v]
            if not older:
                print(f"{op} {v}: new op (imported from this schema)")
                continue
            old, new = history[op][older[-1]], history[op][v]
            problems = []
            for kind, a, b in (("input", old.inputs, new.inputs), ("output", old.outputs, new.outputs)):
                fa, fb = formal(old, a), formal(new, b)
                if [(n, o) for n, o, _ in fa] != [(n, o) for n, o, _ in fb]:
                    problems.append(f"{kind}s changed")
                    continue
                for (n, _, ta), (_, _, tb) in zip(fa, fb):
                    if not ta <= tb:
                        problems.append(f"{kind} {n} lost types {sorted(ta - tb)}")
            aa, ab = attributes(old), attributes(new)
            for name in sorted(set(aa) | set(ab)):
                if aa.get(name) != ab.get(name) and (op, name) not in REVIEWED:
                    problems.append(f"attribute {name} changed")
            reviewed = sorted(n for n in set(ab) - set(aa) if (op, n) in REVIEWED)
            note = ("; reviewed attribute " + ", ".join(reviewed)) if reviewed else ""
            if problems:
                unreviewed += 1
                print(f"{op} {v}: UNREVIEWED: {'; '.join(problems)}")
            else:
                print(f"{op} {v}: types added{note}")
    print(f"unreviewed: {unreviewed}")
    return 1 if unreviewed else 0


if __name__ == "__main__":
    sys.exit(main())
