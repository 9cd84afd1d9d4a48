"""Helpers for qcc's end-to-end tests, conformance runner and benchmarks.

Everything here drives the built tools (qcc, qcc-run) as subprocesses and
compares against onnxruntime. The real models come from pip packages
(silero-vad, rapidocr-onnxruntime); inputs are generated locally (text
rendered with Pillow, speech synthesized with espeak-ng), so nothing is
downloaded.
"""

import atexit
import math
import os
import re
import shutil
import subprocess
import tempfile
import wave
from typing import Dict, List, NamedTuple, Optional, Sequence

import numpy as np

# --------------------------------------------------------------------------
# Tools


def bin_dir() -> str:
    """The directory holding qcc and qcc-run ($QCC_BIN, else build/bin)."""
    env = os.environ.get("QCC_BIN")
    if env:
        return env
    src = os.environ.get(
        "QCC_SRC",
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    return os.path.join(src, "build", "bin")


def tool(name: str) -> str:
    """Absolute path of a qcc tool; raises if it is not built."""
    path = os.path.join(bin_dir(), name)
    if not os.access(path, os.X_OK):
        raise FileNotFoundError(f"{path} not found (build qcc or set QCC_BIN)")
    return path


class ToolError(RuntimeError):
    """A qcc or qcc-run invocation failed; .stderr holds its diagnostics."""

    def __init__(self, cmd: Sequence[str], rc: int, stderr: str):
        self.cmd, self.rc, self.stderr = list(cmd), rc, stderr
        super().__init__(f"{os.path.basename(cmd[0])} exited {rc}: {stderr.strip()}")


def _check(cmd: List[str], timeout: Optional[float], env=None) -> str:
    """Runs cmd; returns stdout or raises ToolError with its stderr."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        raise ToolError(cmd, -1, f"timed out after {timeout} s")
    if p.returncode != 0:
        raise ToolError(cmd, p.returncode, p.stderr or p.stdout)
    return p.stdout


def supported_ops() -> List[str]:
    """The ONNX op types that `qcc --list-ops` reports."""
    out = _check([tool("qcc"), "--list-ops"], 60)
    return [line.strip() for line in out.splitlines() if line.strip()]


def _fmt(values) -> str:
    return ",".join(str(v) for v in values)


def compile_model(
    onnx_path: str,
    so_path: str,
    target: str,
    input_shapes: Dict[str, Sequence[int]],
    input_values: Optional[Dict[str, Sequence[float]]] = None,
    extra_args: Sequence[str] = (),
    timeout: Optional[float] = 1800,
) -> None:
    """Compiles onnx_path to so_path for target; raises ToolError on failure.

    input_shapes maps an input name to its dims (() for a scalar);
    input_values fixes inputs to constants (--input-value).
    """
    cmd = [tool("qcc"), onnx_path, f"--target={target}", "-o", so_path]
    for name, dims in input_shapes.items():
        cmd += ["--input-shape", f"{name}={_fmt(dims)}"]
    for name, vals in (input_values or {}).items():
        vals = np.asarray(vals).reshape(-1)
        vals = (vals.astype(np.int64) if vals.dtype == bool else vals).tolist()
        cmd += ["--input-value", f"{name}={_fmt(vals)}"]
    cmd += list(extra_args)
    _check(cmd, timeout)


def ort_quantize_static(onnx_path: str, out_path: str, input_name: str,
                        samples: Sequence[np.ndarray], method: str = "MinMax",
                        quant_format: str = "QDQ") -> str:
    """onnxruntime's quantize_static on the same calibration samples: QDQ
    format (or quant_format="QOperator": QLinearConv, ...), uint8
    activations, per-channel int8 weights (its defaults for static W8A8).
    A sample is an array for input_name or a dict of feeds (models with
    several inputs). Returns out_path."""
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod,
                                          QuantFormat, QuantType, quantize_static)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter([x if isinstance(x, dict) else {input_name: x} for x in samples])

        def get_next(self):
            return next(self.it, None)

    quantize_static(onnx_path, out_path, Reader(),
                    quant_format=getattr(QuantFormat, quant_format),
                    per_channel=True, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8,
                    calibrate_method=getattr(CalibrationMethod, method))
    return out_path


def onnx_inline_if(onnx_path: str, out_path: str, branch: str) -> str:
    """The model with its top-level If replaced by the nodes of one branch
    ('then_branch' or 'else_branch'), what binding the input its condition
    reads (as qcc's --input-value does) selects; nodes and inputs that only
    fed the condition are dropped. For tools that do not look inside
    subgraphs (onnxruntime's quantizer). Returns out_path."""
    import onnx
    from onnx import helper

    m = onnx.load(onnx_path)
    g = m.graph
    (node,) = [n for n in g.node if n.op_type == "If"]
    (sub,) = [a.g for a in node.attribute if a.name == branch]
    nodes = [n for n in g.node if n is not node] + list(sub.node)
    nodes += [helper.make_node("Identity", [o.name], [name])
              for o, name in zip(sub.output, node.output)]
    wanted = {o.name for o in g.output}
    keep = []
    for n in reversed(nodes):  # drop what no output needs
        if any(o in wanted for o in n.output):
            keep.append(n)
            wanted.update(n.input)
    inits = [t for t in list(g.initializer) + list(sub.initializer) if t.name in wanted]
    live = [i for i in g.input if i.name in wanted]
    del g.node[:]
    g.node.extend(reversed(keep))
    del g.input[:]
    g.input.extend(live)
    del g.initializer[:]
    g.initializer.extend(inits)
    onnx.save(m, out_path)
    return out_path


def qcc_reference(mlir_path: str, inputs: Dict[str, np.ndarray], out_dir: str,
                  output_names: Sequence[str]) -> Dict[str, np.ndarray]:
    """Runs qnn IR on the integer reference interpreter (qcc-reference)."""
    os.makedirs(out_dir, exist_ok=True)
    cmd = [tool("qcc-reference"), mlir_path, "--output-dir", out_dir]
    for name, value in inputs.items():
        path = os.path.join(out_dir, f"in_{sanitize(name)}.npy")
        np.save(path, widen_sub_byte(value))
        cmd += ["--input", f"{name}={path}"]
    _check(cmd, 1800)
    return {n: np.load(os.path.join(out_dir, sanitize(n) + ".npy")) for n in output_names}


def sanitize(name: str) -> str:
    """The file stem qcc-run uses for an output name."""
    s = re.sub(r"[^A-Za-z0-9_.\-]", "_", name)
    return s or "output"


def qcc_run(
    so_path: str,
    input_files: Dict[str, str],
    out_dir: Optional[str] = None,
    repeat: int = 1,
    warmup: int = 0,
    threads: Optional[int] = None,
    timeout: Optional[float] = 1800,
) -> str:
    """Runs qcc-run on .npy files; returns its stdout (raises ToolError)."""
    cmd = [tool("qcc-run"), so_path]
    for name, path in input_files.items():
        cmd += ["--input", f"{name}={path}"]
    if out_dir:
        cmd += ["--output", out_dir]
    if repeat > 1:
        cmd += ["--repeat", str(repeat), "--warmup", str(warmup)]
    env = None
    if threads:
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    return _check(cmd, timeout, env)


# 4- and 2-bit integers: numpy has none (onnx's numpy_helper gives
# ml_dtypes' int4/uint4/int2/uint2), so qcc-run and qcc-reference take and
# write them as one value per int8 (signed) or uint8 (unsigned) element;
# the library's buffers hold them packed (include/qcc-c/Runtime.h).
SUB_BYTE_INTS = {"int4": np.int8, "uint4": np.uint8, "int2": np.int8, "uint2": np.uint8}


def widen_sub_byte(a: np.ndarray) -> np.ndarray:
    """a as int8/uint8 if it holds 4- or 2-bit integers, else a itself."""
    a = np.asarray(a)
    wide = SUB_BYTE_INTS.get(a.dtype.name)
    return a.astype(wide) if wide is not None else a


def run_model(
    so_path: str,
    inputs: Dict[str, np.ndarray],
    workdir: str,
    output_names: Optional[Sequence[str]] = None,
    timeout: Optional[float] = 1800,
) -> Dict[str, np.ndarray]:
    """Runs a compiled model on numpy inputs through qcc-run.

    Returns the outputs keyed by their ONNX names (output_names, matched
    through the sanitize rule) or, without output_names, by file stem.
    """
    os.makedirs(workdir, exist_ok=True)
    files = {}
    for i, (name, arr) in enumerate(inputs.items()):
        files[name] = os.path.join(workdir, f"in{i}.npy")
        np.save(files[name], widen_sub_byte(np.asarray(arr, order="C")))  # keeps 0-d arrays 0-d
    out_dir = os.path.join(workdir, "out")
    shutil.rmtree(out_dir, ignore_errors=True)
    qcc_run(so_path, files, out_dir, timeout=timeout)
    if output_names is None:
        return {
            f[:-4]: np.load(os.path.join(out_dir, f))
            for f in sorted(os.listdir(out_dir))
            if f.endswith(".npy")
        }
    return {n: np.load(os.path.join(out_dir, sanitize(n) + ".npy")) for n in output_names}


def onnx_io(onnx_path: str):
    """(input names, output names) of an ONNX graph, initializers excluded."""
    import onnx

    g = onnx.load(onnx_path, load_external_data=False).graph
    inits = {t.name for t in g.initializer}
    return [i.name for i in g.input if i.name not in inits], [o.name for o in g.output]


# --------------------------------------------------------------------------
# onnxruntime


def ort_session(onnx_path: str, threads: Optional[int] = None):
    """An onnxruntime CPU session; threads fixes intra-op threads (sequential)."""
    import onnxruntime as ort

    so = ort.SessionOptions()
    if threads:
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.log_severity_level = 3
    return ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])


def ort_run(onnx_path: str, inputs: Dict[str, np.ndarray], threads=None) -> Dict[str, np.ndarray]:
    """Runs the model in onnxruntime; returns outputs keyed by name."""
    sess = ort_session(onnx_path, threads)
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, inputs)))


# --------------------------------------------------------------------------
# Comparison


class Match(NamedTuple):
    maxerr: float  # max |ref - got| (inf on shape/dtype mismatch)
    tol: float  # allowed max error
    ok: bool
    detail: str  # why it failed, or ""


def compare(ref: np.ndarray, got: np.ndarray, rtol: float = 1e-4, atol: float = 0.0) -> Match:
    """Compares got against ref.

    Floats: ok when max|ref-got| <= rtol * max|ref| + atol (NaN must match
    NaN, infinities must match exactly). Integers and bools: exact. Shapes
    and dtypes must match.
    """
    ref, got = np.asarray(ref), np.asarray(got)
    if ref.shape != got.shape:
        return Match(math.inf, 0.0, False, f"shape {got.shape} != expected {ref.shape}")
    if ref.dtype != got.dtype:
        return Match(math.inf, 0.0, False, f"dtype {got.dtype} != expected {ref.dtype}")
    if ref.size == 0:
        return Match(0.0, 0.0, True, "")
    if not np.issubdtype(ref.dtype, np.inexact):
        diff = ref != got
        bad = int(np.count_nonzero(diff))
        maxerr = float(np.max(np.abs(ref.astype(np.float64) - got.astype(np.float64))))
        return Match(maxerr, 0.0, bad == 0, f"{bad} of {ref.size} elements differ" if bad else "")
    r, g = ref.astype(np.float64), got.astype(np.float64)
    nan_r, nan_g = np.isnan(r), np.isnan(g)
    if not np.array_equal(nan_r, nan_g):
        return Match(math.inf, 0.0, False, "NaN positions differ")
    inf_r = np.isinf(r)
    if not np.array_equal(r[inf_r], g[inf_r]) or np.isinf(g[~inf_r & ~nan_r]).any():
        return Match(math.inf, 0.0, False, "infinities differ")
    fin = ~nan_r & ~inf_r
    if not fin.any():
        return Match(0.0, 0.0, True, "")
    maxerr = float(np.max(np.abs(r[fin] - g[fin])))
    tol = rtol * float(np.max(np.abs(r[fin]))) + atol
    ok = maxerr <= tol
    return Match(maxerr, tol, ok, "" if ok else f"max error {maxerr:.3g} > {tol:.3g}")


def check_outputs(ref: Dict[str, np.ndarray], got: Dict[str, np.ndarray], label: str = "") -> bool:
    """Compares every output, prints one line each; True when all match."""
    ok = True
    for name, r in ref.items():
        m = compare(r, got[name])
        ok &= m.ok
        print(
            f"{label}{name}: shape {tuple(r.shape)} max_abs_err {m.maxerr:.3e} "
            f"tol {m.tol:.3e} max_ref {float(np.max(np.abs(r))) if r.size else 0.0:.3e} "
            f"{'OK' if m.ok else 'MISMATCH ' + m.detail}",
            flush=True,
        )
    return ok


# --------------------------------------------------------------------------
# Inputs: rendered text for PP-OCR


def _font(size: int):
    """A TrueType font (DejaVu Sans if installed, else Pillow's default)."""
    from PIL import ImageFont

    for path in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    ):
        if os.path.exists(path):
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def _render_line(text: str, height: int, color=(20, 20, 20), bg=(255, 255, 255)):
    """An RGB uint8 image of one text line, `height` pixels tall, tight width."""
    from PIL import Image, ImageDraw

    font = _font(max(8, int(height * 0.7)))
    x0, y0, x1, y1 = font.getbbox(text)
    img = Image.new("RGB", (x1 - x0 + height // 4, height), bg)
    ImageDraw.Draw(img).text(
        (height // 8 - x0, (height - (y1 - y0)) // 2 - y0), text, font=font, fill=color
    )
    return img


def _normalize_bgr(rgb: np.ndarray) -> np.ndarray:
    """RapidOCR's normalization: BGR HWC uint8 -> CHW (x/255 - 0.5)/0.5."""
    bgr = rgb[:, :, ::-1].astype(np.float32)
    return ((bgr.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5).astype(np.float32)


def render_text_image(
    text: str, height: int, width: int, model: str = "rec", upside_down: bool = False
) -> np.ndarray:
    """Renders text as a float32 NCHW [1,3,height,width] PP-OCR input.

    RapidOCR 1.4.4 (ch_ppocr_det/utils.py DetPreProcess, config.yaml
    mean=std=0.5; ch_ppocr_rec/cls resize_norm_img) feeds all three models
    a BGR image scaled to [0,1], then (x - 0.5) / 0.5, CHW. det resizes the
    page to multiples of 32 (we render at that size directly, several text
    lines in different colors on white); rec and cls resize the crop to the
    model height keeping its aspect ratio (capped at `width`) and pad the
    right side with zeros after normalization. upside_down turns the rec/cls
    crop by 180 degrees before that (what the cls model detects).
    """
    from PIL import Image, ImageDraw

    if model == "det":
        if height % 32 or width % 32:
            raise ValueError("det inputs must be multiples of 32")
        page = Image.new("RGB", (width, height), (250, 250, 245))
        colors = [(10, 10, 10), (160, 20, 20), (20, 60, 170)]
        line_h = max(16, min(40, height // 3))
        y, i = line_h // 4, 0
        while y + line_h <= height:
            line = _render_line(text, line_h, colors[i % 3], (250, 250, 245))
            if line.width > width - 8:
                line = line.resize((width - 8, line_h), Image.BILINEAR)
            page.paste(line, (4 + (i * 7) % 13, y))
            y, i = y + line_h + line_h // 3, i + 1
        return _normalize_bgr(np.asarray(page))[None]
    if model not in ("rec", "cls"):
        raise ValueError(f"unknown model kind '{model}' (det, rec or cls)")
    line = _render_line(text, height)
    if upside_down:
        line = line.rotate(180)
    resized_w = min(width, int(math.ceil(height * line.width / line.height)))
    line = line.resize((resized_w, height), Image.BILINEAR)
    out = np.zeros((3, height, width), np.float32)
    out[:, :, :resized_w] = _normalize_bgr(np.asarray(line))
    return out[None]


def render_text_page(lines: Sequence[str], height: int, width: int,
                     line_height: int = 24) -> np.ndarray:
    """A PP-OCR det input [1,3,height,width] holding one text line per entry
    of `lines` (each its own text and color, line_height pixels tall, a gap
    of a third of that between them; lines that do not fit are left out)."""
    from PIL import Image

    if height % 32 or width % 32:
        raise ValueError("det inputs must be multiples of 32")
    bg = (250, 250, 245)
    page = Image.new("RGB", (width, height), bg)
    colors = [(10, 10, 10), (160, 20, 20), (20, 60, 170), (30, 110, 30)]
    y = line_height // 4
    for i, text in enumerate(lines):
        if y + line_height > height:
            break
        line = _render_line(text, line_height, colors[i % len(colors)], bg)
        if line.width > width - 8:
            line = line.resize((width - 8, line_height), Image.BILINEAR)
        page.paste(line, (4 + (i * 11) % 23, y))
        y += line_height + line_height // 3
    return _normalize_bgr(np.asarray(page))[None]


def text_boxes(prob: np.ndarray, threshold: float = 0.3, min_pixels: int = 4):
    """Text boxes of a DB probability map ([H,W] or [1,1,H,W]) as a simple
    detector reads them: the 4-connected components of prob > threshold with
    at least min_pixels pixels, as (y0, x0, y1, x1) bounding boxes."""
    mask = np.asarray(prob).reshape(prob.shape[-2:]) > threshold
    h, w = mask.shape
    seen = np.zeros_like(mask)
    boxes = []
    for sy, sx in zip(*np.nonzero(mask)):
        if seen[sy, sx]:
            continue
        seen[sy, sx] = True
        stack, count = [(sy, sx)], 0
        y0, x0, y1, x1 = sy, sx, sy, sx
        while stack:
            y, x = stack.pop()
            count += 1
            y0, x0, y1, x1 = min(y0, y), min(x0, x), max(y1, y), max(x1, x)
            for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    stack.append((ny, nx))
        if count >= min_pixels:
            boxes.append((int(y0), int(x0), int(y1), int(x1)))
    return boxes


def ctc_decode(probs: np.ndarray, characters: Sequence[str]) -> str:
    """Greedy CTC decoding as RapidOCR's CTCLabelDecode ([T,C] or [1,T,C])."""
    idx = np.asarray(probs).reshape(-1, probs.shape[-1]).argmax(axis=1)
    keep = np.ones(len(idx), bool)
    keep[1:] = idx[1:] != idx[:-1]
    keep &= idx != 0
    return "".join(characters[i] for i in idx[keep])


def ocr_characters(rec_onnx_path: str) -> List[str]:
    """The PP-OCR rec dictionary: 'blank', the model's 'character' list, ' '."""
    import onnx

    m = onnx.load(rec_onnx_path, load_external_data=False)
    meta = {p.key: p.value for p in m.metadata_props}
    return ["blank"] + meta["character"].splitlines() + [" "]


# --------------------------------------------------------------------------
# Inputs: synthesized speech for Silero VAD

SPEECH_TEXT = "The quick brown fox jumps over the lazy dog."
VAD_WINDOW, VAD_CONTEXT, VAD_RATE = 512, 64, 16000


def _resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Band-limited (FFT) resampling of a 1-D signal."""
    if src == dst:
        return x
    n_out = int(round(len(x) * dst / src))
    spec = np.fft.rfft(x)
    keep = min(len(spec), n_out // 2 + 1)
    out_spec = np.zeros(n_out // 2 + 1, complex)
    out_spec[:keep] = spec[:keep]
    return np.fft.irfft(out_spec, n_out) * (n_out / len(x))


def speech_audio(text: str = SPEECH_TEXT, rate: int = VAD_RATE) -> np.ndarray:
    """espeak-ng's rendering of text as float32 mono in [-1, 1] at `rate` Hz."""
    with tempfile.TemporaryDirectory() as d:
        wav = os.path.join(d, "speech.wav")
        subprocess.run(["espeak-ng", "-w", wav, text], check=True, capture_output=True)
        with wave.open(wav) as w:
            src, ch, width = w.getframerate(), w.getnchannels(), w.getsampwidth()
            data = w.readframes(w.getnframes())
    if width != 2:
        raise RuntimeError(f"espeak-ng wrote {8 * width}-bit audio; expected 16")
    x = np.frombuffer(data, "<i2").reshape(-1, ch).mean(axis=1) / 32768.0
    return np.clip(_resample(x, src, rate), -1, 1).astype(np.float32)


def speech_clip(texts: Sequence[str], pause: float = 0.5, rate: int = VAD_RATE,
                noise: float = 1e-4) -> np.ndarray:
    """Sentences spoken by espeak-ng with `pause` seconds of quiet before,
    between and after them: a clip with both speech and non-speech. The
    whole clip carries faint Gaussian noise (standard deviation `noise`,
    fixed seed), as recorded audio does; exact digital silence is not a
    realistic input."""
    gap = np.zeros(int(pause * rate), np.float32)
    parts = [gap]
    for text in texts:
        parts += [speech_audio(text, rate), gap]
    clip = np.concatenate(parts)
    clip += np.random.default_rng(0).normal(0, noise, clip.shape).astype(np.float32)
    return clip


def vad_windows(audio: np.ndarray) -> List[np.ndarray]:
    """Silero's per-call inputs for 16 kHz audio: [1, 576] each.

    As OnnxWrapper.__call__ in silero_vad/utils_vad.py: every 512-sample
    chunk is prefixed by the last 64 samples of the previous input (zeros
    before the first chunk); the model also takes state [2,1,128] (zeros
    at the start) and sr, an int64 scalar (16000).
    """
    n = len(audio) // VAD_WINDOW
    padded = np.concatenate([np.zeros(VAD_CONTEXT, np.float32), audio])
    return [
        padded[i * VAD_WINDOW : (i + 1) * VAD_WINDOW + VAD_CONTEXT][None].astype(np.float32)
        for i in range(n)
    ]


def speech_chunk(text: str = SPEECH_TEXT) -> np.ndarray:
    """The loudest 512-sample chunk of synthesized speech with its 64-sample
    context: float32 [1, 576] (context first), Silero VAD's 16 kHz input."""
    windows = vad_windows(speech_audio(text))
    energy = [float(np.mean(w[0, VAD_CONTEXT:] ** 2)) for w in windows]
    return windows[int(np.argmax(energy))]


def vad_state() -> np.ndarray:
    """Silero VAD's initial recurrent state: zeros [2, 1, 128]."""
    return np.zeros((2, 1, 128), np.float32)


# --------------------------------------------------------------------------
# Model files


def site_file(package: str, *parts: str) -> str:
    """Path of a file shipped inside an installed Python package."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"python package '{package}' is not installed")
    return os.path.join(list(spec.submodule_search_locations)[0], *parts)


def vad_model() -> str:
    return site_file("silero_vad", "data", "silero_vad_op18_ifless.onnx")


def ocr_model(kind: str) -> str:
    """PP-OCR model path; kind is det, rec or cls."""
    name = {
        "det": "ch_PP-OCRv4_det_infer.onnx",
        "rec": "ch_PP-OCRv4_rec_infer.onnx",
        "cls": "ch_ppocr_mobile_v2.0_cls_infer.onnx",
    }[kind]
    return site_file("rapidocr_onnxruntime", "models", name)


def workdir(argv_path: Optional[str] = None) -> str:
    """A clean work directory: argv_path (e.g. lit's %t, kept for debugging)
    or a fresh temp dir that is removed when the process exits."""
    if argv_path:
        shutil.rmtree(argv_path, ignore_errors=True)
        os.makedirs(argv_path)
        return argv_path
    path = tempfile.mkdtemp(prefix="qcc-e2e-")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path
