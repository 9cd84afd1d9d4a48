//===- LowBitEncoders.h - qcc's sub-4-bit block formats ---------*- C++ -*-===//
//
// Encoders for the asymmetric 2- and 3-bit block formats Q2_G64, Q3_G64 and
// Q3_G192 (layout: qcc/ModelFile/BlockFormats.h, dequantizeLowBit), which
// qnn.block_linear runs natively on rows that are multiples of 64 (or 192),
// such as SmolLM2's 576-wide ones where the 256-element k-quants do not fit.
// Plain C++17, no MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_QUANT_LOWBITENCODERS_H
#define QCC_QUANT_LOWBITENCODERS_H

#include "qcc/Quant/WeightQuantizers.h"

#include <cstdint>
#include <vector>

namespace qcc::quant {

/// Bytes of one block of `group` weights with `bits`-bit codes (bits 2 or 3,
/// group a multiple of 64): 4 + group / 4 (+ group / 8 for 3 bits).
int64_t lowBitBlockBytes(int bits, int group);

/// Encodes n values (n a multiple of `group`): per group, the affine fit
/// w ~= d * code + m (codes 0 .. 2^bits - 1) of smallest squared error over a
/// grid of ranges shrunk from [min, max] (each refit by least squares for the
/// codes it rounds to, the best refined twice more), then d and m rounded to
/// f16 and the codes rounded again against the rounded pair.
std::vector<uint8_t> encodeLowBit(const float *x, int64_t n, int bits,
                                  int group);

/// The blocks of codes a quantizer chose (RTN, GPTQ, HQQ; asymmetric, q.bits
/// 2 or 3, q.groupSize == group, cols a multiple of group): d = scale, m =
/// offset - zeroPoint * scale as f16, codes as given. Empty when q has another shape.
std::vector<uint8_t> packLowBit(const QuantizedWeights &q, int group);

} // namespace qcc::quant

#endif // QCC_QUANT_LOWBITENCODERS_H
