"""Writes small valid and malformed GGUF / safetensors files for the
qcc-model-info lit tests, byte by byte (no gguf or safetensors package), so
each file breaks exactly one rule.

Usage: make_model_files.py KIND OUT      (KIND: see the tables at the end)
"""

import json
import struct
import sys

# --------------------------------------------------------------------------
# safetensors


def safetensors(header, data=b"", length=None, raw_header=None):
    """8-byte little-endian header length, JSON header, data."""
    text = raw_header if raw_header is not None else json.dumps(header).encode()
    n = len(text) if length is None else length
    return struct.pack("<Q", n) + text + data


def f32_tensor(begin, shape, dtype="F32", end=None, nbytes=4):
    count = 1
    for d in shape:
        count *= d
    return {
        "dtype": dtype,
        "shape": shape,
        "data_offsets": [begin, begin + count * nbytes if end is None else end],
    }


def st_valid():
    header = {
        "__metadata__": {"format": "pt", "note": "qcc test"},
        "w": f32_tensor(0, [2, 3]),
        "b": f32_tensor(24, [3], "F16", nbytes=2),
        "s": f32_tensor(30, [], "I8", nbytes=1),
        "e": f32_tensor(31, [0, 4], "BF16", nbytes=2),
        "m": f32_tensor(31, [5], "BOOL", nbytes=1),
    }
    data = struct.pack("<6f", 1, 2, 3, 4, 5, 6)
    data += struct.pack("<3e", 0.5, -1.0, 2.0) + b"\x07" + b"\x01\x00\x01\x00\x01"
    return safetensors(header, data)


def st_one(entry, data):
    return safetensors({"t": entry}, data)


ST = {
    "st-valid": st_valid,
    "st-truncated": lambda: b"\x10\x00\x00",
    "st-empty": lambda: b"",
    "st-header-past-eof": lambda: safetensors(
        {"t": f32_tensor(0, [1])}, b"\0" * 4, length=1000
    ),
    "st-header-huge": lambda: safetensors({"t": f32_tensor(0, [1])}, b"\0" * 4, length=1 << 62),
    "st-header-zero": lambda: safetensors({}, b"", length=0),
    "st-not-json-object": lambda: safetensors(None, b"", raw_header=b"[1, 2]  "),
    "st-invalid-json": lambda: safetensors(
        None, b"", raw_header=b'{"t": {"dtype": "F32",, "shape": [1]}}'
    ),
    "st-invalid-utf8": lambda: safetensors(None, b"", raw_header=b'{"t\xff": 1}'),
    "st-duplicate-key": lambda: safetensors(
        None,
        b"\0" * 4,
        raw_header=b'{"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},'
        b' "t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}',
    ),
    "st-unknown-dtype": lambda: st_one(f32_tensor(0, [2], "F7"), b"\0" * 8),
    "st-dtype-not-string": lambda: st_one({"dtype": 3, "shape": [1], "data_offsets": [0, 4]}, b"\0" * 4),
    "st-size-mismatch": lambda: st_one(f32_tensor(0, [2, 3], end=20), b"\0" * 20),
    "st-overlap": lambda: safetensors(
        {"a": f32_tensor(0, [6]), "b": f32_tensor(16, [6])}, b"\0" * 40
    ),
    "st-offset-past-end": lambda: st_one(f32_tensor(8, [4]), b"\0" * 16),
    "st-begin-after-end": lambda: st_one(f32_tensor(8, [1], end=4), b"\0" * 8),
    "st-gap": lambda: safetensors(
        {"a": f32_tensor(0, [1]), "b": f32_tensor(8, [1])}, b"\0" * 12
    ),
    "st-trailing": lambda: st_one(f32_tensor(0, [1]), b"\0" * 12),
    "st-negative-dim": lambda: st_one({"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}, b"\0" * 4),
    "st-shape-overflow": lambda: st_one(
        {"dtype": "F32", "shape": [1 << 40, 1 << 40], "data_offsets": [0, 4]}, b"\0" * 4
    ),
    "st-bad-offsets": lambda: st_one({"dtype": "F32", "shape": [1], "data_offsets": [0]}, b"\0" * 4),
    "st-missing-field": lambda: st_one({"dtype": "F32", "data_offsets": [0, 4]}, b"\0" * 4),
    "st-unknown-field": lambda: st_one(dict(f32_tensor(0, [1]), extra=1), b"\0" * 4),
    "st-metadata-not-string": lambda: safetensors({"__metadata__": {"epochs": 3}}),
    "st-entry-not-object": lambda: safetensors({"t": [1, 2]}),
}

# --------------------------------------------------------------------------
# GGUF

U8, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 = range(13)
SCALAR = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i",
          F32: "<f", BOOL: "<B", U64: "<Q", I64: "<q", F64: "<d"}


def gstr(s, length=None):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(b) if length is None else length) + b


def gvalue(vtype, value):
    if vtype == STRING:
        return gstr(value)
    if vtype == ARRAY:
        etype, items = value
        out = struct.pack("<IQ", etype, len(items))
        return out + b"".join(gvalue(etype, v) for v in items)
    return struct.pack(SCALAR[vtype], value)


def gkv(key, vtype, value):
    """key: str or bytes (to write invalid UTF-8)."""
    return gstr(key) + struct.pack("<I", vtype) + gvalue(vtype, value)


def gtensor(name, ne, ggml_type, offset):
    return gstr(name) + struct.pack("<I", len(ne)) + b"".join(
        struct.pack("<Q", d) for d in ne) + struct.pack("<IQ", ggml_type, offset)


def gguf(kvs, tensors, data=b"", version=3, magic=b"GGUF", alignment=32,
         tensor_count=None, kv_count=None):
    """kvs: encoded pairs; tensors: encoded infos; data: the data section."""
    head = magic + struct.pack("<I", version)
    head += struct.pack("<QQ", len(tensors) if tensor_count is None else tensor_count,
                        len(kvs) if kv_count is None else kv_count)
    body = head + b"".join(kvs) + b"".join(tensors)
    if tensors:
        body += b"\0" * (-len(body) % alignment)
    return body + data


ARCH = gkv("general.architecture", STRING, "llama")


def g_valid(version=3):
    kvs = [
        ARCH,
        gkv("llama.block_count", U32, 2),
        gkv("llama.embedding_length", U32, 32),
        gkv("llama.rope.freq_base", F32, 10000.0),
        gkv("test.i8", I8, -5),
        gkv("test.u16", U16, 65535),
        gkv("test.i16", I16, -300),
        gkv("test.i32", I32, -70000),
        gkv("test.u64", U64, 1 << 40),
        gkv("test.i64", I64, -(1 << 40)),
        gkv("test.f64", F64, 0.125),
        gkv("test.flag", BOOL, 1),
        gkv("test.ints", ARRAY, (I32, list(range(12)))),
        gkv("test.empty", ARRAY, (F32, [])),
        gkv("tokenizer.ggml.model", STRING, "llama"),
        gkv("tokenizer.ggml.tokens", ARRAY, (STRING, ["<unk>", "<s>", "</s>", "a", "b\n"])),
        gkv("tokenizer.ggml.scores", ARRAY, (F32, [0.0, 0.0, 0.0, -1.5, -2.5])),
        gkv("tokenizer.ggml.token_type", ARRAY, (I32, [2, 3, 3, 1, 1])),
        gkv("tokenizer.ggml.bos_token_id", U32, 1),
        gkv("tokenizer.ggml.eos_token_id", U32, 2),
    ]
    # A 2x32 F32 tensor at 0 and a 2x32 Q8_0 tensor (2 blocks of 34 bytes)
    # at 256; the Q8_0 blocks have d = 0.5 and codes 0..31 / -1..-32.
    f32 = struct.pack("<64f", *[float(i) for i in range(64)])
    q8 = b""
    for row in range(2):
        codes = range(32) if row == 0 else range(-1, -33, -1)
        q8 += struct.pack("<e", 0.5) + struct.pack("<32b", *codes)
    data = f32 + b"\0" * (256 - len(f32)) + q8
    tensors = [gtensor("w", [32, 2], 0, 0), gtensor("q", [32, 2], 8, 256)]
    return gguf(kvs, tensors, data, version=version)


def g_one_tensor(ne=(32,), ggml_type=0, offset=0, data=b"\0" * 128, extra_kvs=()):
    return gguf([ARCH, *extra_kvs], [gtensor("t", list(ne), ggml_type, offset)], data)


def g_truncated():
    return g_valid()[:10]


def g_truncated_tensor_info():
    whole = g_one_tensor()
    # Cut inside the tensor description (after its name).
    return whole[: len(gguf([ARCH], [])) + 8 + 1 + 2]


GGUF = {
    "g-valid": g_valid,
    "g-valid-v2": lambda: g_valid(version=2),
    "g-truncated": g_truncated,
    "g-bad-magic": lambda: gguf([ARCH], [], magic=b"GGUX"),
    "g-version-1": lambda: gguf([ARCH], [], version=1),
    "g-version-4": lambda: gguf([ARCH], [], version=4),
    "g-big-endian": lambda: gguf([ARCH], [], version=0x03000000),
    "g-tensor-count-overflow": lambda: gguf([ARCH], [], tensor_count=(1 << 64) - 1),
    "g-kv-count-overflow": lambda: gguf([ARCH], [], kv_count=1 << 60),
    "g-key-past-eof": lambda: gguf([gstr("general.architecture", length=1 << 50)], []),
    "g-string-past-eof": lambda: gguf(
        [gstr("general.name") + struct.pack("<I", STRING) + gstr("abc", length=1000)], []
    ),
    "g-empty-key": lambda: gguf([gkv("", U32, 1)], []),
    "g-key-not-utf8": lambda: gguf([ARCH, gkv(b"general.\xff", U32, 1)], []),
    "g-name-not-utf8": lambda: gguf([ARCH], [gtensor(b"t\xc3", [8], 0, 0)], b"\0" * 32),
    "g-unknown-value-type": lambda: gguf([gstr("general.x") + struct.pack("<I", 13) + b"\0" * 8], []),
    "g-array-past-eof": lambda: gguf(
        [gstr("general.x") + struct.pack("<IIQ", ARRAY, U32, 1 << 61) + b"\0" * 16], []
    ),
    "g-string-array-past-eof": lambda: gguf(
        [gstr("general.x") + struct.pack("<IIQ", ARRAY, STRING, 3) + gstr("a")
         + gstr("b", length=99) + b"\0" * 8], []
    ),
    "g-nested-array": lambda: gguf(
        [gstr("general.x") + struct.pack("<IIQ", ARRAY, ARRAY, 1) + struct.pack("<IQ", U8, 0)], []
    ),
    "g-bad-bool": lambda: gguf([gstr("general.flag") + struct.pack("<IB", BOOL, 2)], []),
    "g-duplicate-key": lambda: gguf([ARCH, ARCH], []),
    "g-alignment-not-pow2": lambda: g_one_tensor(extra_kvs=[gkv("general.alignment", U32, 24)]),
    "g-alignment-type": lambda: g_one_tensor(extra_kvs=[gkv("general.alignment", U64, 32)]),
    "g-unknown-tensor-type": lambda: g_one_tensor(ggml_type=99),
    "g-unsupported-tensor-type": lambda: g_one_tensor(ne=(256,), ggml_type=16),
    "g-misaligned-offset": lambda: g_one_tensor(offset=4),
    "g-offset-past-end": lambda: g_one_tensor(offset=96),
    "g-huge-offset": lambda: g_one_tensor(offset=(1 << 64) - 32),
    "g-rank-too-big": lambda: g_one_tensor(ne=(1, 1, 1, 1, 1)),
    "g-dim-overflow": lambda: g_one_tensor(ne=(1 << 62, 1 << 62)),
    "g-row-not-multiple": lambda: g_one_tensor(ne=(20,), ggml_type=2),
    "g-truncated-tensor-info": g_truncated_tensor_info,
    "g-long-name": lambda: gguf([ARCH], [gtensor("x" * 70, [8], 0, 0)], b"\0" * 32),
    "g-duplicate-tensor": lambda: gguf(
        [ARCH], [gtensor("t", [8], 0, 0), gtensor("t", [8], 0, 32)], b"\0" * 64
    ),
    "g-overlap": lambda: gguf(
        [ARCH], [gtensor("a", [16], 0, 0), gtensor("b", [16], 0, 32)], b"\0" * 96
    ),
    "g-data-past-eof": lambda: gguf([ARCH], [gtensor("t", [8], 0, 0)], b"")[:-1],
    "g-token-types-mismatch": lambda: gguf(
        [ARCH, gkv("tokenizer.ggml.tokens", ARRAY, (STRING, ["a", "b", "c"])),
         gkv("tokenizer.ggml.token_type", ARRAY, (I32, [1, 1]))], []
    ),
    "g-bos-out-of-range": lambda: gguf(
        [ARCH, gkv("tokenizer.ggml.tokens", ARRAY, (STRING, ["a", "b", "c"])),
         gkv("tokenizer.ggml.bos_token_id", U32, 3)], []
    ),
}

if __name__ == "__main__":
    kind, out = sys.argv[1], sys.argv[2]
    make = ST.get(kind) or GGUF.get(kind)
    if make is None:
        sys.exit(f"unknown kind {kind!r}; one of: {', '.join([*ST, *GGUF])}")
    with open(out, "wb") as f:
        f.write(make())
