//===- BlockLinear.h - reference of the block-quantized linear layer -*- C++ -*-===//
//
// The defining computation of qnn.block_linear (docs/numerics.md, "Block-
// quantized linear layers"): activations quantized per block to int8 with a
// float scale, exact integer sums per weight block, block terms combined in
// double and rounded once to float. Plain C++ (no MLIR), so the runtime's
// unit tests compile it next to the kernels they check.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_REFERENCE_BLOCKLINEAR_H
#define QCC_REFERENCE_BLOCKLINEAR_H

#include <cstdint>
#include <vector>

namespace qcc::reference {

/// Weight formats the op runs natively: GGUF's tensor type numbers, and
/// from 110 on qcc's own formats (qcc/ModelFile/BlockFormats.h).
enum class BlockFormat : int {
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q2_G64 = 110,
  Q3_G64 = 111,
  Q3_G192 = 112,
  /// qcc's own: Q4_1's w = d q + m with one f16 d and m per group of 128
  /// (runtime/BlockLinear.h gives the layout); blockSize 32 and blockBytes
  /// 16 describe its sub-blocks, rowBytes the row with its group headers.
  Q4_1_G128 = 100,
};

/// Elements and bytes per weight block, and the activation block size G
/// (32, 64 or 192 for qcc's low-bit formats, 256 for the k-quants). blockSize 0: not a supported format.
struct BlockShape {
  int blockSize = 0, blockBytes = 0;
};
BlockShape getBlockShape(int format);

/// Bytes of a weight row of k elements (k a multiple of the block size).
int64_t rowBytes(int format, int64_t k);

/// The activation codes of one row of K floats (K a multiple of G): per
/// block d = amax / 127 and q = rint(x * (127 / amax)) (ties to even; all
/// zero when amax = 0; d = NaN and codes 0 when the block holds a NaN or an
/// infinity).
void quantizeActivations(const float *x, int64_t k, int g, int8_t *q,
                         float *d);

/// y[t][n] (row-major [T, N]) of x [T, K] and the N weight rows at w (each
/// K / blockSize blocks). absSum, when given, receives per output the sum
/// of the absolute values of every product and offset term the result
/// adds up (the scale of the kernels' tolerance).
void blockLinear(int format, int64_t t, int64_t n, int64_t k, const float *x,
                 const uint8_t *w, float *y, std::vector<double> *absSum);

/// Rows interleaved by 8 (runtime/BlockLinear.h, qcc_rt_block_linear_x8):
/// whether `format` has that layout (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K,
/// Q5_K, Q6_K), and the n x (k / blockSize blocks) weight bytes at w (n a
/// multiple of 8) moved into it and back.
bool hasRowInterleave8(int format);
std::vector<uint8_t> interleaveRows8(int format, int64_t n, int64_t k,
                                     const uint8_t *w);
std::vector<uint8_t> deinterleaveRows8(int format, int64_t n, int64_t k,
                                       const uint8_t *w);

} // namespace qcc::reference

#endif // QCC_REFERENCE_BLOCKLINEAR_H
