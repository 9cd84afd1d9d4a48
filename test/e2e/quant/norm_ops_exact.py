# qnn.softmax_integer, qnn.layer_norm_integer and batched qnn.matmul_integer
# three ways on random and edge-case integers: compiled for TARGET, on the
# reference interpreter, and by this file's own Python transcription of
# docs/numerics.md (unbounded integers). All three must agree bit for bit.
# Covers what PP-OCR rec does not: signed inputs, a softmax axis that is not
# the last, per-tensor layer norm parameters, constant rows (variance 0),
# broadcast batch axes and per-column B zero points; a masked softmax
# (attention over padding keys: a broadcast mask, rows with nothing kept);
# a layer norm of 16-bit rows (a BERT residual stream, --residual-bits=16:
# u16 rows of 384 with full-range extremes) and of i16 rows.
# Usage: norm_ops_exact.py TARGET [WORKDIR]
#
# REQUIRES: x86
# RUN: %python %s x86-64 %t

import math
import os
import sys

import numpy as np
import qcc_testing as q

target = sys.argv[1]
work = q.workdir(sys.argv[2] if len(sys.argv) > 2 else None)
rng = np.random.default_rng(7)


def arr(v):
    return "array<i%d: %s>" % (v[0], ", ".join(str(int(x)) for x in v[1]))


# ---- the definitions of docs/numerics.md --------------------------------

def softmax_spec(x, axis, table, c, f, zp, lo, hi, mask=None):
    keep = np.ones(x.shape, bool) if mask is None else np.broadcast_to(mask, x.shape)
    x = np.moveaxis(x.astype(object), axis, -1)
    keep = np.moveaxis(keep, axis, -1)
    out = np.empty(x.shape, object)
    for idx in np.ndindex(x.shape[:-1]):
        row, k = x[idx], keep[idx]
        if k.any():
            m = max(v for v, kv in zip(row, k) if kv)
            e = [table[m - v] if kv else 0 for v, kv in zip(row, k)]
        else:  # nothing kept: a uniform row
            e = [table[0]] * len(row)
        s = sum(e)
        out[idx] = [min(max(zp + (2 * ei * c + (s << f)) // (2 * (s << f)), lo), hi)
                    for ei in e]
    return np.moveaxis(out, -1, axis).astype(np.int64)


def layer_norm_spec(x, axis, eps, f, mult, shift, offset, zp, lo, hi):
    n = int(np.prod(x.shape[axis:]))
    rows = x.reshape(-1, n).astype(object)
    out = np.empty(rows.shape, object)
    for r, row in enumerate(rows):
        t = sum(row)
        qs = sum(v * v for v in row)
        w = max(n * qs - t * t + eps, 1)
        k = (62 - w.bit_length()) >> 1
        s = math.isqrt(w << (2 * k))
        for i, v in enumerate(row):
            u = (n * v - t) << k
            z = (u * 2 ** (f + 1) + s) // (2 * s)
            c = 0 if len(mult) == 1 else i
            acc = z * mult[c] + offset[c]
            if shift[c] > 0:
                acc = (acc + (1 << (shift[c] - 1))) >> shift[c]
            out[r, i] = min(max(zp + acc, lo), hi)
    return out.reshape(x.shape).astype(np.int64)


def matmul_spec(a, b, a_zp, b_zps, bias):
    acc = np.matmul(a.astype(np.int64) - a_zp, b.astype(np.int64) - np.array(b_zps))
    acc = acc + np.array(bias)
    return ((acc + 2**31) % 2**32 - 2**31).astype(np.int64)


# ---- the model -----------------------------------------------------------

exp_table = [round(math.ldexp(math.exp(-0.09 * d), 22)) for d in range(256)]
sm = dict(axis=1, table=exp_table, c=1082163456, f=22, zp=-128, lo=-128, hi=127)
ln_pc = dict(axis=1, eps=900, f=16,
             mult=[int(v) for v in rng.integers(-2**31 + 1, 2**31, 24)],
             shift=[int(v) for v in rng.integers(30, 45, 24)],
             offset=[int(v) for v in rng.integers(-2**40, 2**40, 24)],
             zp=3, lo=-128, hi=127)
ln_pt = dict(axis=1, eps=0, f=12, mult=[-1518500250], shift=[37], offset=[123456789],
             zp=128, lo=0, hi=255)
ln16 = dict(axis=1, eps=12345678, f=16,
            mult=[int(v) for v in rng.integers(-2**31 + 1, 2**31, 384)],
            shift=[int(v) for v in rng.integers(40, 50, 384)],
            offset=[int(v) for v in rng.integers(-2**50, 2**50, 384)],
            zp=0, lo=-32768, hi=32767)
ln16s = dict(axis=1, eps=0, f=20, mult=[1518500250], shift=[44], offset=[-987654321],
             zp=128, lo=0, hi=255)
mm = dict(a_zp=-5, b_zps=[int(v) for v in rng.integers(-20, 20, 6)],
          bias=[int(v) for v in rng.integers(-5000, 5000, 6)])

model = f"""
func.func @main(%x: tensor<2x40x3xi8> {{qcc.name = "x"}}, %y: tensor<5x4x6xi8> {{qcc.name = "y"}},
                %u: tensor<3x7xui8> {{qcc.name = "u"}},
                %a: tensor<1x2x4x5xi8> {{qcc.name = "a"}}, %b: tensor<3x1x5x6xi8> {{qcc.name = "b"}},
                %k: tensor<2x40x1xi1> {{qcc.name = "k"}},
                %w: tensor<4x384xui16> {{qcc.name = "w"}}, %v: tensor<3x9xi16> {{qcc.name = "v"}})
    -> (tensor<2x40x3xi8> {{qcc.name = "softmax"}}, tensor<5x4x6xi8> {{qcc.name = "ln_per_position"}},
        tensor<3x7xui8> {{qcc.name = "ln_per_tensor"}}, tensor<3x2x4x6xi32> {{qcc.name = "matmul"}},
        tensor<2x40x3xi8> {{qcc.name = "masked_softmax"}},
        tensor<4x384xi16> {{qcc.name = "ln_u16"}}, tensor<3x9xui8> {{qcc.name = "ln_i16"}}) {{
  %s = qnn.softmax_integer %x {{axis = {sm['axis']} : i64, exp_table = {arr((32, sm['table']))},
         multiplier = {sm['c']} : i64, shift = {sm['f']} : i64, output_zp = {sm['zp']} : i64,
         clamp_min = {sm['lo']} : i64, clamp_max = {sm['hi']} : i64}} : tensor<2x40x3xi8> -> tensor<2x40x3xi8>
  %l = qnn.layer_norm_integer %y {{axis = {ln_pc['axis']} : i64, epsilon = {ln_pc['eps']} : i64,
         norm_shift = {ln_pc['f']} : i64, multiplier = {arr((64, ln_pc['mult']))},
         shift = {arr((64, ln_pc['shift']))}, offset = {arr((64, ln_pc['offset']))},
         output_zp = {ln_pc['zp']} : i64, clamp_min = {ln_pc['lo']} : i64, clamp_max = {ln_pc['hi']} : i64}}
      : tensor<5x4x6xi8> -> tensor<5x4x6xi8>
  %t = qnn.layer_norm_integer %u {{axis = {ln_pt['axis']} : i64, epsilon = {ln_pt['eps']} : i64,
         norm_shift = {ln_pt['f']} : i64, multiplier = {arr((64, ln_pt['mult']))},
         shift = {arr((64, ln_pt['shift']))}, offset = {arr((64, ln_pt['offset']))},
         output_zp = {ln_pt['zp']} : i64, clamp_min = {ln_pt['lo']} : i64, clamp_max = {ln_pt['hi']} : i64}}
      : tensor<3x7xui8> -> tensor<3x7xui8>
  %bias = arith.constant dense<[{", ".join(map(str, mm['bias']))}]> : tensor<6xi32>
  %m = qnn.matmul_integer %a, %b, %bias {{a_zp = {mm['a_zp']} : i64, b_zp = {arr((64, mm['b_zps']))}}}
      : (tensor<1x2x4x5xi8>, tensor<3x1x5x6xi8>, tensor<6xi32>) -> tensor<3x2x4x6xi32>
  %ms = qnn.softmax_integer %x masked_by %k : tensor<2x40x1xi1> {{axis = {sm['axis']} : i64,
         exp_table = {arr((32, sm['table']))},
         multiplier = {sm['c']} : i64, shift = {sm['f']} : i64, output_zp = {sm['zp']} : i64,
         clamp_min = {sm['lo']} : i64, clamp_max = {sm['hi']} : i64}} : tensor<2x40x3xi8> -> tensor<2x40x3xi8>
  %lw = qnn.layer_norm_integer %w {{axis = {ln16['axis']} : i64, epsilon = {ln16['eps']} : i64,
         norm_shift = {ln16['f']} : i64, multiplier = {arr((64, ln16['mult']))},
         shift = {arr((64, ln16['shift']))}, offset = {arr((64, ln16['offset']))},
         output_zp = {ln16['zp']} : i64, clamp_min = {ln16['lo']} : i64, clamp_max = {ln16['hi']} : i64}}
      : tensor<4x384xui16> -> tensor<4x384xi16>
  %lv = qnn.layer_norm_integer %v {{axis = {ln16s['axis']} : i64, epsilon = {ln16s['eps']} : i64,
         norm_shift = {ln16s['f']} : i64, multiplier = {arr((64, ln16s['mult']))},
         shift = {arr((64, ln16s['shift']))}, offset = {arr((64, ln16s['offset']))},
         output_zp = {ln16s['zp']} : i64, clamp_min = {ln16s['lo']} : i64, clamp_max = {ln16s['hi']} : i64}}
      : tensor<3x9xi16> -> tensor<3x9xui8>
  return %s, %l, %t, %m, %ms, %lw, %lv : tensor<2x40x3xi8>, tensor<5x4x6xi8>, tensor<3x7xui8>, tensor<3x2x4x6xi32>, tensor<2x40x3xi8>, tensor<4x384xi16>, tensor<3x9xui8>
}}
"""
mlir = os.path.join(work, "norm_ops.mlir")
with open(mlir, "w") as f:
    f.write(model)
so = os.path.join(work, "norm_ops.so")
q.compile_model(mlir, so, target, {})

names = ["softmax", "ln_per_position", "ln_per_tensor", "matmul", "masked_softmax",
         "ln_u16", "ln_i16"]
ok = True
for trial in range(3):
    x = rng.integers(-128, 128, (2, 40, 3)).astype(np.int8)
    y = rng.integers(-128, 128, (5, 4, 6)).astype(np.int8)
    u = rng.integers(0, 256, (3, 7)).astype(np.uint8)
    if trial == 1:  # extremes: a constant row (variance 0), full-range rows
        y[0] = 7
        y[1, 0] = [-128, 127] * 3
        u[0] = 255
        x[0, :, 0] = -128
        x[1, :, 2] = np.where(np.arange(40) % 2, 127, -128)
    a = rng.integers(-128, 128, (1, 2, 4, 5)).astype(np.int8)
    b = rng.integers(-128, 128, (3, 1, 5, 6)).astype(np.int8)
    k = rng.random((2, 40, 1)) < 0.6
    w = rng.integers(0, 65536, (4, 384)).astype(np.uint16)
    v = rng.integers(-32768, 32768, (3, 9)).astype(np.int16)
    if trial == 1:  # full-range and constant 16-bit rows
        w[0] = np.where(np.arange(384) % 2, 65535, 0)
        w[1] = 40000
        w[2, :] = 30000
        w[2, 7] = 30001
        v[0] = [-32768, 32767] * 4 + [0]
    if trial == 1:  # nothing kept in the first batch
        k[0] = False
    inputs = {"x": x, "y": y, "u": u, "a": a, "b": b, "k": k, "w": w, "v": v}
    got = q.run_model(so, inputs, os.path.join(work, f"run{trial}"), names)
    ref = q.qcc_reference(mlir, inputs, os.path.join(work, f"ref{trial}"), names)
    spec = {
        "softmax": softmax_spec(x, **sm),
        "ln_per_position": layer_norm_spec(y, **ln_pc),
        "ln_per_tensor": layer_norm_spec(u, **ln_pt),
        "matmul": matmul_spec(a, b, **mm),
        "masked_softmax": softmax_spec(x, **sm, mask=k),
        "ln_u16": layer_norm_spec(w, **ln16),
        "ln_i16": layer_norm_spec(v, **ln16s),
    }
    for n in names:
        g, r, s = (v.astype(np.int64) for v in (got[n], ref[n], spec[n]))
        same = np.array_equal(g, r) and np.array_equal(r, s)
        spread = int(s.max() - s.min())
        print(f"trial {trial} {n}: {'exact' if same else 'MISMATCH'} "
              f"(compiled vs reference {int(np.abs(g - r).max())}, reference vs "
              f"spec {int(np.abs(r - s).max())}, output spread {spread})")
        ok &= same and spread > 0
print("norm_ops_exact:", "PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
