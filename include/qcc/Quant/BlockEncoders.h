//===- BlockEncoders.h - GGUF block formats as qcc outputs ------*- C++ -*-===//
//
// Encoders from float weights (or from grouped codes a quantizer chose) to
// the GGUF block layouts that qnn.block_linear runs natively. The layouts are
// documented in qcc/ModelFile/BlockFormats.h (whose dequantization is the
// reference these bytes are checked against). Plain C++17, no MLIR.
//
//  - Q4_0, Q4_1, Q5_0, Q5_1, Q8_0: llama.cpp's round-to-nearest reference
//  quantization
//    (the same arithmetic as the `gguf` Python package's quantize, byte for
//    byte: test/Quant/block-encoders.py).
//  - Q4_K, Q5_K, Q6_K: qcc's own super-block encoders (the llama.cpp byte
//    layout; the search for each sub-block's scale and min is qcc's, a small
//    grid of ranges with a least-squares refit, so the bytes can differ from
//    llama-quantize's while decoding with the same formula).
//  - packQ4_1: 4-bit asymmetric grouped codes (RTN, GPTQ, AWQ, HQQ), groups
//    a multiple of 32, written as Q4_1 blocks of 32 that repeat their
//    group's scale and offset (f16): the codes are kept as chosen;
//    packQ4_1G128: groups of 128 in qcc's own layout, one header per group.
//
// Row lengths must be multiples of the block size (32, or 256 for the
// k-quants); an encoder returns rows * rowBytes bytes.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_QUANT_BLOCKENCODERS_H
#define QCC_QUANT_BLOCKENCODERS_H

#include "qcc/Quant/WeightQuantizers.h"

#include <cstdint>
#include <vector>

namespace qcc::quant {

/// IEEE binary16 bits of x, rounded to nearest even (overflow to infinity).
uint16_t floatToHalfBits(float x);
/// The float value of binary16 bits.
float halfBitsToFloat(uint16_t h);

/// Round-to-nearest encoders of n values (n a multiple of 32).
std::vector<uint8_t> encodeQ4_0(const float *x, int64_t n);
std::vector<uint8_t> encodeQ4_1(const float *x, int64_t n);
std::vector<uint8_t> encodeQ5_0(const float *x, int64_t n);
std::vector<uint8_t> encodeQ5_1(const float *x, int64_t n);
std::vector<uint8_t> encodeQ8_0(const float *x, int64_t n);

/// Super-block encoders of n values (n a multiple of 256).
std::vector<uint8_t> encodeQ4_K(const float *x, int64_t n);
std::vector<uint8_t> encodeQ5_K(const float *x, int64_t n);
std::vector<uint8_t> encodeQ6_K(const float *x, int64_t n);

/// Q4_1 blocks of the 4-bit asymmetric codes in `q` (cols and groupSize
/// multiples of 32): d = scale, m = offset - zeroPoint * scale, both as f16
/// (exact for a float-offset grid, whose parameters are f16 already). Empty
/// when q is not of that shape.
std::vector<uint8_t> packQ4_1(const QuantizedWeights &q);

/// qcc's q4_1_g128 layout (runtime/BlockLinear.h) of 4-bit asymmetric codes
/// in groups of 128 (cols a multiple of 32; the last group of a row may be
/// shorter): per group f16 d = scale and m = offset - zeroPoint * scale,
/// then its sub-blocks' nibbles as Q4_1 packs them. 4 + 32 / 128 = 4.25
/// bits per weight. Empty when q is not of that shape.
std::vector<uint8_t> packQ4_1G128(const QuantizedWeights &q);

} // namespace qcc::quant

#endif // QCC_QUANT_BLOCKENCODERS_H
