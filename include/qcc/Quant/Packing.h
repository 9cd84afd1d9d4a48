//===- Packing.h - bit-packed storage of quantized codes --------*- C++ -*-===//
//
// Unsigned codes of 1..8 bits (2, 3, 4 and 8 in practice) stored per row as a
// little-endian bit stream: code k of a row occupies bits [k * bits,
// (k + 1) * bits), least significant bit first, so 4-bit codes put the
// even-indexed code in the low nibble and eight 3-bit codes fill 3 bytes.
// Every row starts on a byte boundary; padding bits are 0.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_QUANT_PACKING_H
#define QCC_QUANT_PACKING_H

#include <cstdint>
#include <vector>

namespace qcc::quant {

/// ceil(cols * bits / 8).
inline int64_t packedRowBytes(int64_t cols, int bits) {
  return (cols * bits + 7) / 8;
}

/// Packs one row of `cols` codes (each < 2^bits) into packedRowBytes bytes.
void packRow(const uint8_t *codes, int64_t cols, int bits, uint8_t *out);
/// Inverse of packRow.
void unpackRow(const uint8_t *packed, int64_t cols, int bits, uint8_t *codes);

/// A rows x cols code matrix, row-major, as rows * packedRowBytes bytes.
std::vector<uint8_t> packCodes(const uint8_t *codes, int64_t rows, int64_t cols,
                               int bits);
std::vector<uint8_t> unpackCodes(const uint8_t *packed, int64_t rows,
                                 int64_t cols, int bits);

} // namespace qcc::quant

#endif // QCC_QUANT_PACKING_H
