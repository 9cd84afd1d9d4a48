# Checks a qcc-bit-allocation report pair (used by bit-allocation.test): the
# JSON lists every layer with its choice, candidates and reason, the totals
# agree with the layers, and the HTML holds the three inline SVG plots with
# drawn data and no external resource.
import json
import re
import sys

rep = json.load(open(sys.argv[1]))
html = open(sys.argv[2]).read()
assert rep["format"] == "qcc-allocation-report-1"
layers = rep["layers"]
assert len(layers) == 4, len(layers)
total = sum(l["bytes"] for l in layers)
assert abs(total - rep["plan"]["bytes"]) < 1e-6, (total, rep["plan"])
weights = sum(l["rows"] * l["cols"] for l in layers)
assert abs(rep["plan"]["bits_per_weight"] - total * 8 / weights) < 1e-9
for l in layers:
    assert l["why"], l
    assert {c["config"] for c in l["candidates"]} == {"q4_0", "q4_1", "q8_0"}
    chosen = [c for c in l["candidates"] if c["config"] == l["config"]][0]
    assert chosen["sensitivity"] == l["sensitivity"]
err = sum(l["sensitivity"] for l in layers)
assert abs(err - rep["plan"]["predicted_error"]) < 1e-12
assert len(rep["uniform"]) == 3 and len(rep["pareto"]) >= 3
# The Pareto front is monotone: more bytes, less error.
front = rep["pareto"]
for a, b in zip(front, front[1:]):
    assert b["bytes"] > a["bytes"] and b["predicted_error"] <= a["predicted_error"] + 1e-15
for svg in ("error-vs-bits", "pareto", "bits-per-layer"):
    m = re.search(r"<svg id='%s'.*?</svg>" % svg, html, re.S)
    assert m, svg
    body = m.group(0)
    assert "<polyline" in body or "<rect" in body, svg
assert html.count("<circle") >= 5  # a dot per layer + the plan
assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
assert "https://" not in html
print("report ok")
