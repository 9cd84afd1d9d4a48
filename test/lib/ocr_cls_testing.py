"""The PP-OCR text-direction classifier (cls) as the quantization tests use
it: rendered calibration lines saved as .npy files, rendered test lines
(each upright and upside down), error against the float model, and the
compiled library's integers against the reference interpreter's."""

import os
from typing import Dict, List, Sequence, Tuple

import numpy as np
import qcc_testing as q

H, W = 48, 192
SHAPES = {"x": (1, 3, H, W)}
CALIB_TEXTS = ["Hello qcc 2024", "quantized models", "integer only",
               "The quick brown fox", "MLIR compiler", "12345 67890",
               "calibration data", "onnxruntime"]
TEST_TEXTS = ["jumps over the lazy dog", "Compiled by qcc", "int8 kernels",
              "PaddleOCR lines", "Another line 42", "weights in 4 bits"]


def model() -> str:
    return q.ocr_model("cls")


def calibration(work: str, texts: Sequence[str] = CALIB_TEXTS) -> Tuple[str, List[np.ndarray]]:
    """A folder of rendered lines (every other one upside down) for --calib,
    and the arrays."""
    calib_dir = os.path.join(work, "calib")
    os.makedirs(calib_dir, exist_ok=True)
    arrays = []
    for i, t in enumerate(texts):
        x = q.render_text_image(t, H, W, "cls", upside_down=(i % 2 == 1))
        arrays.append(x)
        np.save(os.path.join(calib_dir, f"s{i}.npy"), x)
    return calib_dir, arrays


def test_inputs(texts: Sequence[str] = TEST_TEXTS) -> List[np.ndarray]:
    """Each line upright, then upside down."""
    return [q.render_text_image(t, H, W, "cls", upside_down=flip)
            for t in texts for flip in (False, True)]


def error_vs_float(so: str, tests: Sequence[np.ndarray], refs: Sequence[Dict[str, np.ndarray]],
                   outputs: Sequence[str], work: str, tag: str) -> Tuple[float, float, float, int]:
    """(min cosine, max |err|, mean of the per-output max |err|, class
    agreement) of library `so` against the float outputs `refs`."""
    cos, err, agree = [], [], 0
    for i, x in enumerate(tests):
        got = q.run_model(so, {"x": x}, os.path.join(work, f"r_{tag}{i}"), outputs)
        for name in outputs:
            a = refs[i][name].ravel().astype(np.float64)
            b = got[name].ravel().astype(np.float64)
            cos.append(float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))))
            err.append(float(np.abs(a - b).max()))
            agree += int(a.argmax() == b.argmax())
    return min(cos), max(err), float(np.mean(err)), agree


def matches_reference(so: str, mlir: str, tests: Sequence[np.ndarray], outputs: Sequence[str],
                      work: str, label: str = "") -> bool:
    """The compiled library against the reference interpreter on `tests`.
    The model ends in a float softmax after the last dequantize, outside the
    integer contract, so float rounding there (1e-6) is allowed."""
    ok = True
    for i, x in enumerate(tests):
        got = q.run_model(so, {"x": x}, os.path.join(work, f"b{i}"), outputs)
        ref = q.qcc_reference(mlir, {"x": x}, os.path.join(work, f"ref{i}"), outputs)
        for name in outputs:
            d = float(np.abs(got[name].astype(np.float64) - ref[name]).max())
            print(f"reference vs compiled{label}, sample {i}: max |diff| {d:.2e}")
            ok &= d <= 1e-6
    return ok
