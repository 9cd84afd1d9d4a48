#!/usr/bin/env python3
"""Writes ONNX backend node tests from the case generators of the installed onnx.

The onnx wheel (1.23) ships the generators of its node tests
(onnx.backend.test.case.node) but not their data. This writes, for every
test case whose name matches --filter, the layout the ONNX repository uses
and utils/onnx_node_tests.py reads:

  OUT/test_name/model.onnx
  OUT/test_name/test_data_set_N/input_K.pb, output_K.pb

qcc accepts ONNX opsets up to 25, while the generators write each model
with the newest opset of its op (28 for QuantizeLinear in onnx 1.23).
With --max-opset N (default 21, the opset qcc's importer was written
against) a model whose default-domain opset is newer is rewritten to the
lowest version in [N, its own] at which ONNX's checker accepts it (same
node, same attributes and types, so the same semantics where the schema did
not change); a node that needs a newer opset (INT2 and UINT2 exist from
opset 25 on) keeps it, and qcc refuses models above opset 25 with an
"opset not supported" diagnostic. --max-opset 0 keeps every model as is.

  utils/gen_onnx_node_tests.py -o build/onnx-node-tests --filter 'quantize|qlinear|integer'
"""

import argparse
import os
import re
import shutil
import sys
import warnings

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper


def _tensor_proto(value, name):
    """A TensorProto for a test input or output (arrays or ready protos)."""
    if isinstance(value, TensorProto):
        t = TensorProto()
        t.CopyFrom(value)
        t.name = name
        return t
    return numpy_helper.from_array(np.asarray(value), name)


def _default_opset(model):
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx"):
            return o
    return None


def _lower_opset(model, max_opset):
    """Rewrites the model to the lowest valid default opset >= max_opset.

    Returns the opset the model ends up with.
    """
    own = _default_opset(model)
    if own is None or max_opset <= 0 or own.version <= max_opset:
        return own.version if own is not None else 0
    original = own.version
    for version in range(max_opset, original):
        candidate = onnx.ModelProto()
        candidate.CopyFrom(model)
        _default_opset(candidate).version = version
        candidate.ir_version = onnx.helper.find_min_ir_version_for(
            [onnx.helper.make_opsetid("", version)]
        )
        try:
            onnx.checker.check_model(candidate, full_check=True)
        except Exception:  # the node is not valid at this opset
            continue
        model.CopyFrom(candidate)
        return version
    return original


def write_case(case, out_dir, max_opset):
    """Writes one node test; returns (directory, opset)."""
    model = onnx.ModelProto()
    model.CopyFrom(case.model)
    opset = _lower_opset(model, max_opset)
    path = os.path.join(out_dir, case.name)
    if os.path.exists(path):
        shutil.rmtree(path)
    os.makedirs(path)
    with open(os.path.join(path, "model.onnx"), "wb") as f:
        f.write(model.SerializeToString())
    graph = model.graph
    for k, (inputs, outputs) in enumerate(case.data_sets or []):
        data_dir = os.path.join(path, f"test_data_set_{k}")
        os.makedirs(data_dir)
        for kind, values, infos in (("input", inputs, graph.input), ("output", outputs, graph.output)):
            for j, value in enumerate(values):
                info = infos[j]
                if not info.type.HasField("tensor_type"):
                    # Sequences, maps and optionals: qcc has none; the
                    # runner skips such tests, so a marker is enough.
                    open(os.path.join(data_dir, f"{kind}_{j}.unsupported"), "w").close()
                    continue
                with open(os.path.join(data_dir, f"{kind}_{j}.pb"), "wb") as f:
                    f.write(_tensor_proto(value, info.name).SerializeToString())
    return path, opset


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-o", "--output", required=True, help="output directory (created)")
    ap.add_argument("--filter", help="only test cases whose name matches this regex")
    ap.add_argument("--exclude", help="leave out test cases whose name matches this regex")
    ap.add_argument("--max-opset", type=int, default=21,
                    help="lower newer default-domain opsets to this where the node allows it (0: keep)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every test written")
    args = ap.parse_args(argv)

    from onnx.backend.test.case import node

    with warnings.catch_warnings():
        # Some generators overflow float casts on purpose.
        warnings.simplefilter("ignore", RuntimeWarning)
        cases = node.collect_testcases()
    os.makedirs(args.output, exist_ok=True)
    written = 0
    for case in sorted(cases, key=lambda c: c.name):
        if case.kind != "node" or case.model is None:
            continue
        if args.filter and not re.search(args.filter, case.name):
            continue
        if args.exclude and re.search(args.exclude, case.name):
            continue
        path, opset = write_case(case, args.output, args.max_opset)
        written += 1
        if args.verbose:
            print(f"{case.name}: opset {opset}")
    print(f"wrote {written} node tests (onnx {onnx.__version__}) to {args.output}")
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main())
