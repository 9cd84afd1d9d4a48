//===- Packing.cpp - bit-packed storage of quantized codes ----------------===//

#include "qcc/Quant/Packing.h"

#include <cassert>
#include <cstring>

using namespace qcc::quant;

void qcc::quant::packRow(const uint8_t *codes, int64_t cols, int bits,
                         uint8_t *out) {
  assert(bits >= 1 && bits <= 8 && "codes are 1 to 8 bits wide");
  const int64_t bytes = packedRowBytes(cols, bits);
  if (bits == 8) {
    std::memcpy(out, codes, cols);
    return;
  }
  std::memset(out, 0, bytes);
  const unsigned mask = (1u << bits) - 1;
  for (int64_t k = 0; k < cols; ++k) {
    assert(codes[k] <= mask && "code does not fit the bit width");
    // A code spans at most two bytes since bits <= 8.
    unsigned v = (codes[k] & mask) << ((k * bits) % 8);
    int64_t byte = k * bits / 8;
    out[byte] |= static_cast<uint8_t>(v);
    if (v >> 8)
      out[byte + 1] |= static_cast<uint8_t>(v >> 8);
  }
}

void qcc::quant::unpackRow(const uint8_t *packed, int64_t cols, int bits,
                           uint8_t *codes) {
  assert(bits >= 1 && bits <= 8 && "codes are 1 to 8 bits wide");
  if (bits == 8) {
    std::memcpy(codes, packed, cols);
    return;
  }
  const int64_t bytes = packedRowBytes(cols, bits);
  const unsigned mask = (1u << bits) - 1;
  for (int64_t k = 0; k < cols; ++k) {
    int64_t byte = k * bits / 8;
    unsigned v = packed[byte];
    if (byte + 1 < bytes)
      v |= static_cast<unsigned>(packed[byte + 1]) << 8;
    codes[k] = static_cast<uint8_t>((v >> ((k * bits) % 8)) & mask);
  }
}

std::vector<uint8_t> qcc::quant::packCodes(const uint8_t *codes, int64_t rows,
                                           int64_t cols, int bits) {
  const int64_t rowBytes = packedRowBytes(cols, bits);
  std::vector<uint8_t> out(rows * rowBytes);
  for (int64_t r = 0; r < rows; ++r)
    packRow(codes + r * cols, cols, bits, &out[r * rowBytes]);
  return out;
}

std::vector<uint8_t> qcc::quant::unpackCodes(const uint8_t *packed,
                                             int64_t rows, int64_t cols,
                                             int bits) {
  const int64_t rowBytes = packedRowBytes(cols, bits);
  std::vector<uint8_t> out(rows * cols);
  for (int64_t r = 0; r < rows; ++r)
    unpackRow(packed + r * rowBytes, cols, bits, &out[r * cols]);
  return out;
}
