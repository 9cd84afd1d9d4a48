//===- Ternary.cpp - GGUF ternary tensors as codes and scales -------------===//
//
// See qcc/ModelFile/Ternary.h. The bit layouts are BlockFormats.h's.
//
//===----------------------------------------------------------------------===//

#include "qcc/ModelFile/Ternary.h"

#include "llvm/Support/FormatVariadic.h"

using namespace qcc::modelfile;

namespace {

float blockScale(const uint8_t *p) {
  return halfToFloat(static_cast<uint16_t>(p[0] | (p[1] << 8)));
}

/// Trit k of a TQ1_0 byte: the base-3 fixed-point digit k.
int tq1Trit(uint8_t byte, unsigned k) {
  static const uint8_t pow3[5] = {1, 3, 9, 27, 81};
  uint8_t shifted = static_cast<uint8_t>(byte * pow3[k]);
  return (shifted * 3) >> 8;
}

void decodeTQ1_0(const uint8_t *src, int8_t *dst) {
  for (unsigned w = 0; w < 256; ++w) {
    uint8_t byte;
    unsigned k;
    if (w < 160) {
      byte = src[w % 32];
      k = w / 32;
    } else if (w < 240) {
      byte = src[32 + (w - 160) % 16];
      k = (w - 160) / 16;
    } else {
      byte = src[48 + (w - 240) % 4];
      k = (w - 240) / 4;
    }
    dst[w] = static_cast<int8_t>(tq1Trit(byte, k) - 1);
  }
}

/// False at a code 3.
bool decodeTQ2_0(const uint8_t *src, int8_t *dst, unsigned &bad) {
  for (unsigned w = 0; w < 256; ++w) {
    unsigned half = w / 128, shift = (w % 128) / 32, i = w % 32;
    unsigned code = (src[32 * half + i] >> (2 * shift)) & 3;
    if (code == 3) {
      bad = w;
      return false;
    }
    dst[w] = static_cast<int8_t>(static_cast<int>(code) - 1);
  }
  return true;
}

} // namespace

llvm::Expected<TernaryTensor>
qcc::modelfile::readTernaryTensor(const TensorRef &tensor) {
  auto fail = [&](const llvm::Twine &msg) {
    return llvm::createStringError(
        llvm::formatv("tensor '{0}': {1}", tensor.name, msg.str()).str());
  };
  size_t blockBytes;
  if (tensor.type == DType::TQ1_0)
    blockBytes = 54;
  else if (tensor.type == DType::TQ2_0)
    blockBytes = 66;
  else
    return fail(llvm::Twine("type ") + getDTypeName(tensor.type) +
                " is not ternary (expected TQ1_0 or TQ2_0)");
  uint64_t n = tensor.getNumElements();
  if (n % TernaryTensor::kBlock != 0 ||
      tensor.data.size() != n / TernaryTensor::kBlock * blockBytes)
    return fail("data is not a whole number of 256-weight blocks");
  size_t blocks = n / TernaryTensor::kBlock;
  TernaryTensor out;
  out.values.resize(n);
  out.scales.resize(blocks);
  const uint8_t *src = tensor.data.data();
  for (size_t b = 0; b < blocks; ++b, src += blockBytes) {
    int8_t *dst = out.values.data() + b * TernaryTensor::kBlock;
    if (tensor.type == DType::TQ1_0) {
      decodeTQ1_0(src, dst);
      out.scales[b] = blockScale(src + 52);
      continue;
    }
    unsigned bad = 0;
    if (!decodeTQ2_0(src, dst, bad))
      return fail(llvm::formatv("TQ2_0 code 3 at element {0} is not a ternary "
                                "weight (it dequantizes to 2 d)",
                                b * TernaryTensor::kBlock + bad)
                      .str());
    out.scales[b] = blockScale(src + 64);
  }
  return out;
}
