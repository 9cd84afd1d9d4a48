//===- BlockInterleave.cpp - block weights with rows interleaved by 8 -----===//
//
// The byte permutation between GGUF's row-major block layout and the layout
// of qcc_rt_block_linear_x8 (runtime/BlockLinear.h): per group of 8 rows and
// block, the 8 rows' f16 scales (d, then Q4_1/Q5_1's m or Q4_K/Q5_K's dmin),
// then the block's other bytes in their GGUF order, 4 at a time, row by row.
//
//===----------------------------------------------------------------------===//

#include "qcc/Reference/BlockLinear.h"

#include <cassert>

namespace qcc::reference {

namespace {

/// Where a row's block keeps the f16 scales that lead the interleaved
/// block: `bytes` bytes at `offset` (Q6_K's d is its last 2 bytes).
struct ScaleBytes {
  int offset = 0, bytes = 0;
};

ScaleBytes scaleBytes(int format) {
  switch (static_cast<BlockFormat>(format)) {
  case BlockFormat::Q4_0:
  case BlockFormat::Q5_0:
  case BlockFormat::Q8_0:
    return {0, 2};
  case BlockFormat::Q4_1:
  case BlockFormat::Q5_1:
  case BlockFormat::Q4_K:
  case BlockFormat::Q5_K:
    return {0, 4};
  case BlockFormat::Q6_K:
    return {208, 2};
  default:
    return {};
  }
}

/// Calls move(rowMajorOffset, interleavedOffset, length) for every piece.
template <typename Move>
void forEachPiece(int format, int64_t n, int64_t k, Move move) {
  BlockShape shape = getBlockShape(format);
  ScaleBytes head = scaleBytes(format);
  int64_t bytes = shape.blockBytes, nb = k / shape.blockSize;
  int64_t rowBytes = nb * bytes, codes = bytes - head.bytes;
  for (int64_t g = 0; g < n / 8; ++g)
    for (int64_t b = 0; b < nb; ++b) {
      int64_t dst = g * 8 * rowBytes + b * 8 * bytes;
      for (int64_t r = 0; r < 8; ++r) {
        int64_t src = (8 * g + r) * rowBytes + b * bytes;
        for (int64_t h = 0; h < head.bytes; h += 2) // d, then m: 16 apart
          move(src + head.offset + h, dst + 8 * h + 2 * r, 2);
        for (int64_t c = 0; c < codes / 4; ++c) {
          int64_t at = 4 * c < head.offset ? 4 * c : 4 * c + head.bytes;
          move(src + at, dst + 8 * head.bytes + 32 * c + 4 * r, 4);
        }
      }
    }
}

} // namespace

bool hasRowInterleave8(int format) { return scaleBytes(format).bytes != 0; }

namespace {

/// The n x (k / blockSize blocks) bytes at w moved into the interleaved
/// layout (toInterleaved) or back out of it.
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
