//===- Ternary.h - ternary weights: absmean quantizer and packings -*- C++
//-*-===//
//
// Weights in {-1, 0, +1} with one scale per output channel (row) or per
// tensor, chosen by BitNet b1.58's absmean rule, and the two packed forms
// qcc keeps them in:
//
//   2-bit   4 weights per byte, weight i of a byte at bits 2i..2i+1 as the
//           code t + 1 (0, 1, 2; code 3 is invalid)
//   base-3  5 weights per byte, the byte sum_i (t_i + 1) 3^i (0..242; bytes
//           243..255 are invalid), the density of GGUF's TQ1_0 (1.6 bits)
//
// Rows are packed separately, each starting on a byte boundary; padding
// weights are 0.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_QUANT_TERNARY_H
#define QCC_QUANT_TERNARY_H

#include <cstdint>
#include <vector>

namespace qcc::quant {

struct TernaryWeights {
  int64_t rows = 0, cols = 0;
  std::vector<int8_t> values; // rows x cols, each -1, 0 or 1
  std::vector<float> scales;  // rows entries (per tensor: all equal)
};

/// Absmean ternarization of a rows x cols float matrix (rows = output
/// channels): s = mean |W| over the row (or over the whole tensor when
/// `perTensor`), at least 1e-5, rounded to f32; w = clamp(round_half_even(W /
/// s), -1, 1), the division in double.
TernaryWeights quantizeTernary(const float *w, int64_t rows, int64_t cols,
                               bool perTensor);

/// Packed bytes per row of `cols` weights.
inline int64_t ternaryRowBytes2(int64_t cols) { return (cols + 3) / 4; }
inline int64_t ternaryRowBytesBase3(int64_t cols) { return (cols + 4) / 5; }

/// Packs rows x cols values (each -1, 0 or 1; anything else is an error,
/// returned as false) into one of the forms.
bool packTernary2(const int8_t *t, int64_t rows, int64_t cols,
                  std::vector<uint8_t> &out);
bool packTernaryBase3(const int8_t *t, int64_t rows, int64_t cols,
                      std::vector<uint8_t> &out);

/// Inverses; false at the first invalid code (2-bit code 3, base-3 byte >=
/// 243), or a nonzero padding weight.
bool unpackTernary2(const uint8_t *packed, int64_t rows, int64_t cols,
                    std::vector<int8_t> &out);
bool unpackTernaryBase3(const uint8_t *packed, int64_t rows, int64_t cols,
                        std::vector<int8_t> &out);

} // namespace qcc::quant

#endif // QCC_QUANT_TERNARY_H
