"""qcc's main job on its embedded default model.

Compiles PaddleOCR PP-OCRv4 text recognition (shipped in the
rapidocr-onnxruntime package) for this machine, runs it on a rendered line
of text, and prints the recognized text and the agreement with onnxruntime.
Options: --target T (default host), --text "..." (what to render).
"""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test", "lib"))
import qcc_testing as q  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", default="host")
    ap.add_argument("--text", default="Compiled by qcc 2026")
    args = ap.parse_args()

    model = q.ocr_model("rec")
    h, w = 48, 320
    work = tempfile.mkdtemp(prefix="qcc-demo-")
    so = os.path.join(work, "ppocr_rec.so")
    print(f"[demo] model   {model}")
    t0 = time.time()
    q.compile_model(model, so, args.target, {"x": (1, 3, h, w)})
    print(f"[demo] compiled for {args.target} in {time.time() - t0:.1f} s -> {so}")

    x = q.render_text_image(args.text, h, w, "rec")
    t0 = time.time()
    got = q.run_model(so, {"x": x}, os.path.join(work, "run"), q.onnx_io(model)[1])
    print(f"[demo] ran qcc's library in {time.time() - t0:.2f} s (incl. process start)")
    ref = q.ort_run(model, {"x": x})

    chars = q.ocr_characters(model)
    ok = q.check_outputs(ref, got, "ppocr_rec")
    for name in ref:
        text_q = q.ctc_decode(got[name], chars)
        text_o = q.ctc_decode(ref[name], chars)
        print(f"[demo] rendered     : {args.text!r}")
        print(f"[demo] qcc read     : {text_q!r}")
        print(f"[demo] onnxruntime  : {text_o!r}")
        ok = ok and text_q == text_o
    print("[demo] agreement with onnxruntime:", "OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
