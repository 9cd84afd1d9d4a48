//===- BlockFormats.h - reference dequantization of GGUF blocks -*- C++ -*-===//
//
// One function per GGUF block format, turning `numBlocks` consecutive blocks
// into numBlocks * blockElements floats. These are the reference semantics
// that qcc's integer path for GGUF weights is checked against, so they are
// written for clarity, not speed.
//
// Conventions shared by all formats:
//  - multi-byte fields are little-endian; "f16" is an IEEE binary16 scale;
//  - "nibble j of byte b" is the low 4 bits when j is 0, the high 4 when 1;
//  - values are computed in float32 with one rounding per operation, in the
//    order written below (no fused multiply-add), which is the order of the
//    reference implementations: results are bit-equal to gguf-py's numpy
//    dequantization for every input, NaN payloads aside.
//
// Sizes (elements per block / bytes per block / bits per weight):
//   Q4_0 32/18/4.5   Q4_1 32/20/5.0   Q5_0 32/22/5.5   Q5_1 32/24/6.0
//   Q8_0 32/34/8.5   Q2_K 256/84/2.625  Q3_K 256/110/3.4375
//   Q4_K 256/144/4.5 Q5_K 256/176/5.5   Q6_K 256/210/6.5625
//   TQ1_0 256/54/1.6875  TQ2_0 256/66/2.0625
//   qcc's own: Q2_G64 64/20/2.5  Q3_G64 64/28/3.5  Q3_G192 192/76/3.1667
//
//===----------------------------------------------------------------------===//

#ifndef QCC_MODELFILE_BLOCKFORMATS_H
#define QCC_MODELFILE_BLOCKFORMATS_H

#include <cstddef>
#include <cstdint>

namespace qcc::modelfile::blocks {

/// Q4_0, 32 weights in 18 bytes: f16 scale d, then 16 bytes of 4-bit codes.
/// Byte i holds weight i in its low nibble and weight i + 16 in its high
/// nibble. w = d * (code - 8).
void dequantizeQ4_0(const uint8_t *src, float *dst, size_t numBlocks);

/// Q4_1, 32 weights in 20 bytes: f16 scale d, f16 offset m, then the 16 code
/// bytes laid out as in Q4_0. w = d * code + m.
void dequantizeQ4_1(const uint8_t *src, float *dst, size_t numBlocks);

/// Q5_0, 32 weights in 22 bytes: f16 scale d, a 32-bit little-endian word h
/// of fifth bits, then 16 code bytes as in Q4_0 for the low 4 bits. Weight i
/// takes bit i of h as its bit 4. w = d * (code - 16).
void dequantizeQ5_0(const uint8_t *src, float *dst, size_t numBlocks);

/// Q5_1, 32 weights in 24 bytes: f16 d, f16 m, the 32-bit word of fifth bits,
/// 16 code bytes (as Q5_0). w = d * code + m.
void dequantizeQ5_1(const uint8_t *src, float *dst, size_t numBlocks);

/// Q8_0, 32 weights in 34 bytes: f16 scale d, then 32 signed bytes q.
/// w = q * d.
void dequantizeQ8_0(const uint8_t *src, float *dst, size_t numBlocks);

/// Q2_K, 256 weights in 84 bytes, 16 sub-blocks of 16:
///   bytes 0..15   one byte per sub-block: low nibble scale s, high nibble
///                 min m (unsigned 4-bit);
///   bytes 16..79  2-bit codes; the block is two halves of 128 weights, half
///                 h uses bytes 16 + 32h .. 16 + 32h + 31; within a half,
///                 weight 32k + i (k = 0..3) is bits [2k, 2k+2) of byte i;
///   bytes 80..83  f16 super-scale d, f16 super-min dmin.
/// w = (d * s) * code - (dmin * m), sub-block = weight / 16.
void dequantizeQ2_K(const uint8_t *src, float *dst, size_t numBlocks);

/// Q3_K, 256 weights in 110 bytes, 16 sub-blocks of 16:
///   bytes 0..31   high-bit mask: weight 32k + i (k = 0..7) reads bit k of
///                 byte i;
///   bytes 32..95  low 2 bits, arranged as Q2_K's codes;
///   bytes 96..107 sixteen 6-bit signed scales (stored with +32 bias):
///                 the low 4 bits of scale j are nibble (j / 8) of byte j % 8,
///                 the high 2 bits are bits [2(j/4), 2(j/4)+2) of byte
///                 8 + j % 4;
///   bytes 108..109 f16 super-scale d.
/// code = low2 - 4 when the mask bit is clear, low2 when set (so -4..3).
/// w = (d * (scale - 32)) * code.
void dequantizeQ3_K(const uint8_t *src, float *dst, size_t numBlocks);

/// Q4_K, 256 weights in 144 bytes, 8 sub-blocks of 32:
///   bytes 0..3    f16 super-scale d, f16 super-min dmin;
///   bytes 4..15   eight 6-bit scales s and eight 6-bit mins m packed in 12
///                 bytes (p = these bytes): for j < 4, s = p[j] & 63 and
///                 m = p[j+4] & 63; for j >= 4, s takes its low 4 bits from
///                 the low nibble of p[j+4] and its high 2 from the top two
///                 bits of p[j-4]; m takes the high nibble of p[j+4] and the
///                 top two bits of p[j];
///   bytes 16..143 4-bit codes: weights 64c + i and 64c + 32 + i (i < 32)
///                 are the low and high nibbles of byte 16 + 32c + i.
/// w = (d * s) * code - (dmin * m), sub-block = weight / 32.
void dequantizeQ4_K(const uint8_t *src, float *dst, size_t numBlocks);

/// Q5_K, 256 weights in 176 bytes: Q4_K's d, dmin and 12 scale bytes, then
/// 32 bytes of fifth bits (weight 32k + i reads bit k of byte i), then 128
/// bytes of low nibbles laid out as in Q4_K. w = (d * s) * code - (dmin * m).
void dequantizeQ5_K(const uint8_t *src, float *dst, size_t numBlocks);

/// Q6_K, 256 weights in 210 bytes, 16 sub-blocks of 16:
///   bytes 0..127   low 4 bits: halves of 128 weights, half h uses bytes
///                  64h .. 64h + 63; weight 128h + 64n + i (i < 64) is nibble
///                  n of byte 64h + i;
///   bytes 128..191 high 2 bits: weight 128h + 32k + i (k < 4, i < 32) is bits
///                  [2k, 2k+2) of byte 128 + 32h + i;
///   bytes 192..207 sixteen signed 8-bit scales, one per 16 weights;
///   bytes 208..209 f16 super-scale d.
/// w = (d * scale) * (code - 32).
void dequantizeQ6_K(const uint8_t *src, float *dst, size_t numBlocks);

/// TQ1_0 (ternary), 256 weights in 54 bytes: 48 bytes + 4 bytes of packed
/// trits, then f16 scale d. Each byte packs up to five trits as a base-3
/// fixed-point fraction: trit k of byte b is ((b * 3^k mod 256) * 3) >> 8.
///   bytes 0..31  weights 32k + i (k < 5) are trit k of byte i     (160)
///   bytes 32..47 weights 160 + 16k + i (k < 5) are trit k of byte 32 + i
///   bytes 48..51 weights 240 + 4k + i (k < 4) are trit k of byte 48 + i
/// w = d * (trit - 1).
void dequantizeTQ1_0(const uint8_t *src, float *dst, size_t numBlocks);

/// TQ2_0 (ternary), 256 weights in 66 bytes: 64 bytes of 2-bit codes laid out
/// as Q2_K's (halves of 128, weight 128h + 32k + i is bits [2k, 2k+2) of
/// byte 32h + i), then f16 scale d. w = d * (code - 1) (code 3 gives 2d).
void dequantizeTQ2_0(const uint8_t *src, float *dst, size_t numBlocks);

/// qcc's sub-4-bit asymmetric formats (not GGUF types; the names say the
/// code bits and the group): Q2_G64 (64 weights in 20 bytes), Q3_G64 (64 in
/// 28) and Q3_G192 (192 in 76). A block of G weights (G a multiple of 64) is
///   bytes 0..3         f16 scale d, f16 offset m;
///   next G/4 bytes     the low 2 bits of the codes, in chunks of 16 bytes
///                      per 64 weights: weight 64c + 16k + i (k < 4, i < 16)
///                      is bits [2k, 2k+2) of byte 16c + i of this plane;
///   next G/8 bytes     (3-bit formats) the third bits: weight e is bit e % 8
///                      of byte e / 8 of this plane.
/// code = low2 | third << 2 (0..3 or 0..7); w = d * code + m. Every 32
/// consecutive weights take their low bits from 16 bytes at one pair of
/// shifts and their third bits from one 32-bit word, so kernels widen them
/// with shifts and masks (runtime/BlockLinear.c).
void dequantizeLowBit(const uint8_t *src, float *dst, size_t numBlocks,
                      int bits, int group);

} // namespace qcc::modelfile::blocks

#endif // QCC_MODELFILE_BLOCKFORMATS_H
