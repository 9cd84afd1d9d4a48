//===- BlockInterleave.cpp - block weights with rows interleaved by 8 -----===//
//
// The byte permutation between GGUF's row-major block layout and the layout
// of qcc_rt_block_linear_x8 (runtime/BlockLinear.h): per group of 8 rows and
// block, the 8 rows' f16 scales, their f16 minimums (Q4_1), then the code
// bytes 4 at a time, row by row.
//
//===----------------------------------------------------------------------===//

#include "qcc/Reference/BlockLinear.h"

#include <cassert>

namespace qcc::reference {

namespace {

/// Bytes of one row's block that precede its codes (the f16 scale, and
/// Q4_1's f16 minimum).
int scaleBytes(int format) {
  return format == static_cast<int>(BlockFormat::Q4_1) ? 4 : 2;
}

/// Calls move(rowMajorOffset, interleavedOffset, length) for every piece.
template <typename Move>
void forEachPiece(int format, int64_t n, int64_t k, Move move) {
  BlockShape shape = getBlockShape(format);
  int64_t bytes = shape.blockBytes, nb = k / shape.blockSize;
  int64_t rowBytes = nb * bytes, head = scaleBytes(format);
  int64_t codes = bytes - head;
  for (int64_t g = 0; g < n / 8; ++g)
    for (int64_t b = 0; b < nb; ++b) {
      int64_t dst = g * 8 * rowBytes + b * 8 * bytes;
      for (int64_t r = 0; r < 8; ++r) {
        int64_t src = (8 * g + r) * rowBytes + b * bytes;
        for (int64_t h = 0; h < head; h += 2) // d, then m: 16 bytes apart
          move(src + h, dst + 8 * h + 2 * r, 2);
        for (int64_t c = 0; c < codes / 4; ++c)
          move(src + head + 4 * c, dst + 8 * head + 32 * c + 4 * r, 4);
      }
    }
}

} // namespace

bool hasRowInterleave8(int format) {
  return format == static_cast<int>(BlockFormat::Q4_0) ||
         format == static_cast<int>(BlockFormat::Q4_1) ||
         format == static_cast<int>(BlockFormat::Q8_0);
}

namespace {

/// The n x (k / 32 blocks) bytes at w moved into the interleaved layout
/// (toInterleaved) or back out of it.
std::vector<uint8_t> permuteRows8(int format, int64_t n, int64_t k,
                                  const uint8_t *w, bool toInterleaved) {
  assert(hasRowInterleave8(format) && n % 8 == 0);
  BlockShape shape = getBlockShape(format);
  std::vector<uint8_t> out(n * (k / shape.blockSize) * shape.blockBytes);
  forEachPiece(format, n, k, [&](int64_t rowMajor, int64_t inter, int len) {
    int64_t from = toInterleaved ? rowMajor : inter;
    int64_t to = toInterleaved ? inter : rowMajor;
    for (int i = 0; i < len; ++i)
      out[to + i] = w[from + i];
  });
  return out;
}

} // namespace

std::vector<uint8_t> interleaveRows8(int format, int64_t n, int64_t k,
                                     const uint8_t *w) {
  return permuteRows8(format, n, k, w, /*toInterleaved=*/true);
}

std::vector<uint8_t> deinterleaveRows8(int format, int64_t n, int64_t k,
                                       const uint8_t *w) {
  return permuteRows8(format, n, k, w, /*toInterleaved=*/false);
}

} // namespace qcc::reference
