#!/usr/bin/env python3
"""ONNX backend node-test conformance runner for qcc.

For every node test (a directory with model.onnx and test_data_set_N/) whose
model is a single node of an op type in the op list, this compiles the model
with qcc (every graph input's shape fixed from the test's input .pb files),
runs it with qcc-run on each data set and compares against the expected
outputs. Results: pass, fail-compile, fail-run, mismatch. Not counted
(skip): tests whose inputs or outputs are not tensors (sequences,
optionals: qcc's C API has none) and tests whose data contradicts the
model's declared input shapes.

qcc compiles static graphs; when it rejects a test because an operand must
be a compile-time constant (Reshape's shape, Slice's starts, Resize's
scales, Clip's min, ...) and the test feeds that operand as a graph input,
the test is recompiled with that input fixed to the data set's values (qcc
--input-value); passes that needed this are counted in the "fixed" column
(--no-fix-constants turns this off).

With --reference, every test also runs on the integer reference
interpreter (the model compiled with --emit=integer, run by qcc-reference),
which must give the library's integers exactly and match the expected
float outputs within the same tolerance; a disagreement is a
"mismatch-reference" failure.

  utils/onnx_node_tests.py --target x86-64 --ops Conv,Relu --jobs 2
  utils/onnx_node_tests.py --target aarch64 --filter 'test_conv' -v

Prints a per-op table "op  pass  total" and ends with the line
"conformance: N passed, M failed". --strict exits 1 when M > 0.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import re
import shutil
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "lib"))
import qcc_testing as q  # noqa: E402

DEBIAN_NODE_DIR = "/usr/share/libonnx-testdata/data/node"


def default_data_dirs():
    """The Debian libonnx-testdata node tests and the pip onnx ones, if present."""
    dirs = [DEBIAN_NODE_DIR, os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "node")]
    return [d for d in dirs if os.path.isdir(d)]


def discover(data_dirs, ops, pattern, exclude=None):
    """[(name, dir, op_type)] of single-node tests of the listed ops.

    A test name found in several data dirs is taken from the first one.
    """
    found, seen = [], set()
    for root in data_dirs:
        for name in sorted(os.listdir(root)):
            path = os.path.join(root, name)
            model = os.path.join(path, "model.onnx")
            if name in seen or not os.path.isfile(model):
                continue
            if (pattern and not re.search(pattern, name)) or (exclude and re.search(exclude, name)):
                continue
            try:
                graph = onnx.load(model, load_external_data=False).graph
            except Exception:
                continue
            if len(graph.node) != 1 or graph.node[0].domain not in ("", "ai.onnx"):
                continue
            op = graph.node[0].op_type
            if op in ops:
                seen.add(name)
                found.append((name, path, op))
    return found


def _is_tensor(value_info):
    return value_info.type.WhichOneof("value") == "tensor_type"


def _load_tensor(path):
    """A test input or output; 4- and 2-bit integers as int8/uint8 (one
    value per element), the form qcc-run reads and writes them in."""
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return q.widen_sub_byte(numpy_helper.to_array(t))


def _data_sets(path, n_in, n_out):
    """[(inputs, outputs)] numpy arrays per test_data_set_N, in graph order."""
    sets = []
    for d in sorted(os.listdir(path)):
        full = os.path.join(path, d)
        if not (d.startswith("test_data_set_") and os.path.isdir(full)):
            continue
        ins = [_load_tensor(os.path.join(full, f"input_{i}.pb")) for i in range(n_in)]
        outs = [_load_tensor(os.path.join(full, f"output_{i}.pb")) for i in range(n_out)]
        sets.append((ins, outs))
    return sets


def _rtol(dtype):
    """1e-4 relative to max|expected|, loosened to 2 ulp for float16."""
    if np.issubdtype(dtype, np.floating):
        return max(1e-4, 2 * float(np.finfo(dtype).eps))
    return 0.0


def _short(text, limit=400):
    text = " ".join(text.strip().split())
    return text if len(text) <= limit else text[:limit] + " ..."


def _static_shape(value_info):
    """The declared shape if every dim is a number, else None."""
    dims = value_info.type.tensor_type.shape.dim
    if not value_info.type.tensor_type.HasField("shape"):
        return None
    if all(d.HasField("dim_value") for d in dims):
        return tuple(d.dim_value for d in dims)
    return None


# qcc compiles static graphs: shape-like operands (Reshape's shape, Slice's
# starts/ends, Resize's scales, Clip's min/max, ...) must be constants. When
# a test passes them as graph inputs and qcc says "node 'N' (Op): OPERAND must
# be a compile-time constant", the runner maps OPERAND to the graph input
# through the op's schema and recompiles with that input fixed to the data
# set's values (--input-value); such passes are counted as "fixed".
_CONST_RE = re.compile(r"\(([A-Za-z0-9_]+)\): ([^:]*?) must be a compile-time constant")


def _needed_constants(stderr, model, inputs):
    """Graph inputs that qcc's diagnostics ask to be compile-time constants.

    The operand named in the message is matched against the op schema's
    input names; if none matches, every small integer graph input is taken.
    """
    node = model.graph.node[0]
    opset = max([o.version for o in model.opset_import if o.domain in ("", "ai.onnx")] or [1])
    try:
        formal = [f.name for f in onnx.defs.get_schema(node.op_type, opset).inputs]
    except Exception:
        formal = []
    by_name = {v.name: v for v in inputs}
    names = []
    for op, phrase in _CONST_RE.findall(stderr):
        if op != node.op_type:
            continue
        hits = [k for k, f in enumerate(formal) if re.search(rf"\b{re.escape(f)}\b", phrase)]
        if not hits:
            hits = [k for k, n in enumerate(node.input) if n in by_name and _small_int(by_name[n])]
        for k in hits:
            if k < len(node.input) and node.input[k] in by_name and node.input[k] not in names:
                names.append(node.input[k])
    return names


def _small_int(value_info, limit=64):
    """An integer tensor input with a static shape of at most `limit` elements."""
    t = value_info.type.tensor_type
    shape = _static_shape(value_info)
    is_int = t.elem_type in (onnx.TensorProto.INT64, onnx.TensorProto.INT32)
    return is_int and shape is not None and int(np.prod(shape)) <= limit


def _summarize(stderr):
    """The diagnostic lines of a tool's stderr; for a crash, its top qcc frame."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    diags = [ln for ln in lines if re.match(r"qcc(-run)?: (error|note)", ln)]
    if diags:
        return _short(" ".join(diags))
    if any("Stack dump" in ln for ln in lines):
        frames = [ln for ln in lines if re.match(r"#\d+ ", ln) and "qcc::" in ln]
        top = re.sub(r"^#\d+ 0x[0-9a-f]+ ", "", frames[0]) if frames else "no qcc frame"
        return _short("crash in " + top, 300)
    return _short(stderr)


def _check_reference(model_path, target, shapes, values, feeds, expected, got, out_names, work, k, timeout):
    """Runs data set k on qcc-reference; returns "" or why it disagrees.

    Integer outputs must equal the library's exactly (one integer contract
    for every backend); float outputs must match the expected values as the
    library's do.
    """
    mlir = os.path.join(work, f"integer{k}.mlir")
    q.compile_model(model_path, mlir, target, shapes, values, extra_args=["--emit=integer"], timeout=timeout)
    ref = q.qcc_reference(mlir, feeds, os.path.join(work, f"ref{k}"), out_names)
    for name, exp in zip(out_names, expected):
        if np.issubdtype(exp.dtype, np.inexact):
            m = q.compare(exp, ref[name], rtol=_rtol(exp.dtype))
            if not m.ok:
                return f"data set {k}, output '{name}': reference vs expected: {m.detail}"
        else:
            m = q.compare(got[name], ref[name])
            if not m.ok:
                return f"data set {k}, output '{name}': reference vs library: {m.detail}"
    return ""


def run_test(name, path, op, target, tmp_root, timeout, fix_constants=True, reference=False):
    """Compiles and runs one node test; returns a result dict."""
    res = {"test": name, "op": op, "dir": path, "status": "pass", "detail": "", "maxerr": 0.0, "fixed_inputs": []}
    start = time.time()
    work = tempfile.mkdtemp(prefix=name + "-", dir=tmp_root)
    try:
        model_path = os.path.join(path, "model.onnx")
        model = onnx.load(model_path, load_external_data=False)
        graph = model.graph
        inits = {t.name for t in graph.initializer}
        inputs = [i for i in graph.input if i.name not in inits]
        if not all(_is_tensor(v) for v in list(inputs) + list(graph.output)):
            res.update(status="skip", detail="non-tensor graph input or output")
            return res
        try:
            sets = _data_sets(path, len(inputs), len(graph.output))
        except Exception as e:  # e.g. a tensor type numpy_helper cannot read
            res.update(status="skip", detail=f"cannot read test data: {_short(str(e))}")
            return res
        if not sets:
            res.update(status="skip", detail="no test data sets")
            return res
        for k, (ins, _) in enumerate(sets):
            for i, v in enumerate(inputs):
                declared = _static_shape(v)
                if declared is not None and declared != ins[i].shape:
                    res.update(status="skip", detail=f"data set {k}: input '{v.name}' has shape "
                               f"{ins[i].shape} but the model declares {declared}")
                    return res
        out_names = [o.name for o in graph.output]
        fixed = []  # inputs passed as --input-value after a "compile-time constant" error
        libs = {}  # one library per distinct input shapes (and fixed values)
        for k, (ins, expected) in enumerate(sets):
            shapes = {v.name: ins[i].shape for i, v in enumerate(inputs)}
            while True:
                values = {v.name: ins[i] for i, v in enumerate(inputs) if v.name in fixed}
                key = (tuple(shapes.values()), tuple(a.tobytes() for a in values.values()))
                if key in libs:
                    break
                so = os.path.join(work, f"model{len(libs)}.so")
                try:
                    q.compile_model(model_path, so, target, shapes, values, timeout=timeout)
                    libs[key] = so
                    break
                except q.ToolError as e:
                    more = [n for n in _needed_constants(e.stderr, model, inputs) if n not in fixed]
                    if fix_constants and more:
                        fixed += more
                        res["fixed_inputs"] = fixed
                        continue
                    res.update(status="fail-compile", detail=_summarize(e.stderr))
                    return res
            feeds = {v.name: ins[i] for i, v in enumerate(inputs) if v.name not in fixed}
            try:
                got = q.run_model(libs[key], feeds, os.path.join(work, f"run{k}"), out_names, timeout=timeout)
            except (q.ToolError, OSError, ValueError) as e:
                res.update(status="fail-run", detail=_summarize(getattr(e, "stderr", str(e))))
                return res
            for name, exp in zip(out_names, expected):
                m = q.compare(exp, got[name], rtol=_rtol(exp.dtype))
                res["maxerr"] = max(res["maxerr"], m.maxerr)
                if not m.ok:
                    res.update(status="mismatch", detail=f"data set {k}, output '{name}': {m.detail}")
                    return res
            if reference:
                try:
                    why = _check_reference(model_path, target, shapes, values, feeds, expected, got,
                                           out_names, work, k, timeout)
                except (q.ToolError, OSError, ValueError) as e:
                    why = "reference: " + _summarize(getattr(e, "stderr", str(e)))
                if why:
                    res.update(status="mismatch-reference", detail=why)
                    return res
        return res
    except FileNotFoundError as e:
        if "build qcc" in str(e):  # the tools are missing: stop, do not count
            raise
        res.update(status="fail-run", detail=f"runner error: {_short(str(e))}")
        return res
    except Exception as e:  # a bug here must not stop the whole run
        res.update(status="fail-run", detail=f"runner error: {type(e).__name__}: {_short(str(e))}")
        return res
    finally:
        res["seconds"] = round(time.time() - start, 2)
        shutil.rmtree(work, ignore_errors=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", default="host", help="qcc --target (default: host)")
    ap.add_argument("--ops", help="comma-separated op types (default: qcc --list-ops)")
    ap.add_argument("--data-dir", "--data", action="append",
                    help="node test root, e.g. one written by utils/gen_onnx_node_tests.py "
                    "(repeatable; a test name found in several is taken from the first; "
                    "default: Debian's and pip onnx's)")
    ap.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", help="write per-test results and the per-op summary here")
    ap.add_argument("--filter", help="only test directories whose name matches this regex")
    ap.add_argument("--exclude", help="leave out test directories whose name matches this regex")
    ap.add_argument("--timeout", type=float, default=600, help="seconds per qcc or qcc-run call")
    ap.add_argument("--strict", action="store_true", help="exit 1 if any test failed")
    ap.add_argument("--no-fix-constants", action="store_true",
                    help="do not retry with --input-value when qcc needs a compile-time constant")
    ap.add_argument("--reference", action="store_true",
                    help="also run every test on the integer reference interpreter (qcc-reference)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every test, not only failures")
    args = ap.parse_args(argv)

    ops = [o.strip() for o in args.ops.split(",") if o.strip()] if args.ops else q.supported_ops()
    data_dirs = args.data_dir or default_data_dirs()
    if not data_dirs:
        ap.error("no node test directory found; pass --data-dir")
    tests = discover(data_dirs, set(ops), args.filter, args.exclude)
    print(f"{len(tests)} node tests of {len(ops)} ops, target {args.target}, {args.jobs} jobs", flush=True)

    tmp_root = tempfile.mkdtemp(prefix="qcc-node-tests-")
    results = []
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [
                pool.submit(run_test, n, p, o, args.target, tmp_root, args.timeout, not args.no_fix_constants,
                            args.reference)
                for n, p, o in tests
            ]
            for fut in concurrent.futures.as_completed(futures):
                r = fut.result()
                results.append(r)
                if args.verbose or r["status"] not in ("pass", "skip"):
                    fixed = f", fixed {','.join(r['fixed_inputs'])}" if r["fixed_inputs"] else ""
                    line = f"{r['status'].upper()}: {r['test']} ({r['op']}, {r['seconds']} s{fixed})"
                    print(line + (f": {r['detail']}" if r["detail"] else ""), flush=True)
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)

    results.sort(key=lambda r: r["test"])
    summary = collections.OrderedDict()
    for op in ops:
        summary[op] = collections.Counter()
    for r in results:
        summary[r["op"]][r["status"]] += 1
        if r["status"] == "pass" and r["fixed_inputs"]:
            summary[r["op"]]["fixed"] += 1
    print()
    print(f"{'op':<24} {'pass':>5} {'total':>6}  {'fixed':>5} {'skip':>4}  failures")
    untested = [op for op, c in summary.items() if not c]
    for op, c in summary.items():
        if not c:
            continue
        total = sum(v for k, v in c.items() if k not in ("skip", "fixed"))
        fails = ", ".join(f"{k} {v}" for k, v in sorted(c.items()) if k not in ("pass", "skip", "fixed"))
        print(f"{op:<24} {c['pass']:>5} {total:>6}  {c['fixed']:>5} {c['skip']:>4}  {fails}")
    print("(fixed: passed with shape-like inputs given as --input-value; skip: not counted)")
    if untested:
        print(f"ops without a single-node test here: {', '.join(untested)}")
    passed = sum(r["status"] == "pass" for r in results)
    failed = sum(r["status"] not in ("pass", "skip") for r in results)
    skipped = sum(r["status"] == "skip" for r in results)
    if skipped:
        print(f"skipped (non-tensor I/O or unreadable data): {skipped}")
    if args.reference:
        disagree = sum(r["status"] == "mismatch-reference" for r in results)
        print(f"reference interpreter: {passed} tests agree, {disagree} disagree")
    print(f"conformance: {passed} passed, {failed} failed", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "target": args.target,
                    "data_dirs": data_dirs,
                    "summary": {op: dict(c) for op, c in summary.items()},
                    "passed": passed,
                    "failed": failed,
                    "skipped": skipped,
                    "reference": args.reference,
                    "results": results,
                },
                f,
                indent=1,
            )
    return 1 if (args.strict and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
