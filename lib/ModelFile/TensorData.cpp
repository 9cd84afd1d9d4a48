//===- TensorData.cpp - element types and float conversion ----------------===//

#include "qcc/ModelFile/TensorData.h"
#include "qcc/ModelFile/BlockFormats.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>

using namespace qcc::modelfile;

namespace {
// Indexed by DType; the order must follow the enum.
const DTypeInfo dtypeTable[] = {
    {DType::F64, "F64", 1, 8, true, false},
    {DType::F32, "F32", 1, 4, true, false},
    {DType::F16, "F16", 1, 2, true, false},
    {DType::BF16, "BF16", 1, 2, true, false},
    {DType::F8E4M3, "F8_E4M3", 1, 1, true, false},
    {DType::F8E5M2, "F8_E5M2", 1, 1, true, false},
    {DType::I64, "I64", 1, 8, false, false},
    {DType::I32, "I32", 1, 4, false, false},
    {DType::I16, "I16", 1, 2, false, false},
    {DType::I8, "I8", 1, 1, false, false},
    {DType::U64, "U64", 1, 8, false, false},
    {DType::U32, "U32", 1, 4, false, false},
    {DType::U16, "U16", 1, 2, false, false},
    {DType::U8, "U8", 1, 1, false, false},
    {DType::Bool, "BOOL", 1, 1, false, false},
    {DType::Q4_0, "Q4_0", 32, 18, true, true},
    {DType::Q4_1, "Q4_1", 32, 20, true, true},
    {DType::Q5_0, "Q5_0", 32, 22, true, true},
    {DType::Q5_1, "Q5_1", 32, 24, true, true},
    {DType::Q8_0, "Q8_0", 32, 34, true, true},
    {DType::Q2_K, "Q2_K", 256, 84, true, true},
    {DType::Q3_K, "Q3_K", 256, 110, true, true},
    {DType::Q4_K, "Q4_K", 256, 144, true, true},
    {DType::Q5_K, "Q5_K", 256, 176, true, true},
    {DType::Q6_K, "Q6_K", 256, 210, true, true},
    {DType::TQ1_0, "TQ1_0", 256, 54, true, true},
    {DType::TQ2_0, "TQ2_0", 256, 66, true, true},
    {DType::Q2_G64, "Q2_G64", 64, 20, true, true},
    {DType::Q3_G64, "Q3_G64", 64, 28, true, true},
    {DType::Q3_G192, "Q3_G192", 192, 76, true, true},
};
} // namespace

const DTypeInfo &qcc::modelfile::getDTypeInfo(DType type) {
  const DTypeInfo &info = dtypeTable[static_cast<unsigned>(type)];
  assert(info.type == type && "dtypeTable out of order");
  return info;
}

double qcc::modelfile::getBitsPerElement(DType type) {
  const DTypeInfo &info = getDTypeInfo(type);
  return info.blockBytes * 8.0 / info.blockElements;
}

std::optional<uint64_t> qcc::modelfile::getStorageBytes(DType type,
                                                        uint64_t numElements) {
  const DTypeInfo &info = getDTypeInfo(type);
  if (numElements % info.blockElements)
    return std::nullopt;
  uint64_t blocks = numElements / info.blockElements;
  if (blocks > UINT64_MAX / info.blockBytes)
    return std::nullopt;
  return blocks * info.blockBytes;
}

std::optional<uint64_t>
qcc::modelfile::getNumElements(llvm::ArrayRef<uint64_t> shape) {
  uint64_t n = 1;
  for (uint64_t d : shape) {
    if (d != 0 && n > UINT64_MAX / d)
      return std::nullopt;
    n *= d;
  }
  return n;
}

uint64_t TensorRef::getNumElements() const {
  // Readers only build tensors whose element count fits (they checked).
  return qcc::modelfile::getNumElements(shape).value_or(0);
}

//===----------------------------------------------------------------------===//
// Small float encodings
//===----------------------------------------------------------------------===//

static float bitsToFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

float qcc::modelfile::halfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h >> 15) << 31;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  if (exp == 0x1f) // infinity or NaN; the payload is kept
    return bitsToFloat(sign | 0x7f800000u | (mant << 13));
  if (exp != 0)
    return bitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  if (mant == 0)
    return bitsToFloat(sign);
  // Subnormal half: a normal float. Shift the leading one into bit 10.
  uint32_t e = 113;
  while (!(mant & 0x400)) {
    mant <<= 1;
    --e;
  }
  return bitsToFloat(sign | (e << 23) | ((mant & 0x3ff) << 13));
}

float qcc::modelfile::bfloat16ToFloat(uint16_t bits) {
  return bitsToFloat(static_cast<uint32_t>(bits) << 16);
}

float qcc::modelfile::float8E4M3ToFloat(uint8_t b) {
  bool negative = b & 0x80;
  unsigned exp = (b >> 3) & 0xf;
  unsigned mant = b & 7;
  float v;
  if (exp == 0xf && mant == 7) // the only NaN encoding; no infinities
    v = std::nanf("");
  else if (exp == 0)
    v = std::ldexp(static_cast<float>(mant), -9); // mant/8 * 2^-6
  else
    v = std::ldexp(static_cast<float>(8 + mant), static_cast<int>(exp) - 10);
  return negative ? -v : v;
}

float qcc::modelfile::float8E5M2ToFloat(uint8_t b) {
  // E5M2 is the upper byte of an IEEE half.
  return halfToFloat(static_cast<uint16_t>(b) << 8);
}

//===----------------------------------------------------------------------===//
// Conversion
//===----------------------------------------------------------------------===//

template <typename T> static T load(const uint8_t *p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

llvm::Error qcc::modelfile::convertToFloat(DType type,
                                           llvm::ArrayRef<uint8_t> bytes,
                                           llvm::MutableArrayRef<float> out) {
  const DTypeInfo &info = getDTypeInfo(type);
  if (!info.isFloat)
    return llvm::createStringError(
        llvm::formatv("{0} is an integer type; only float and block-quantized "
                      "tensors convert to float",
                      info.name)
            .str());
  if (bytes.size() % info.blockBytes ||
      bytes.size() / info.blockBytes * info.blockElements != out.size())
    return llvm::createStringError(
        llvm::formatv("{0} bytes of {1} do not encode {2} elements",
                      bytes.size(), info.name, out.size())
            .str());
  const uint8_t *src = bytes.data();
  float *dst = out.data();
  size_t n = out.size();
  size_t numBlocks = bytes.size() / info.blockBytes;
  switch (type) {
  case DType::F64:
    for (size_t i = 0; i < n; ++i)
      dst[i] = static_cast<float>(load<double>(src + 8 * i));
    break;
  case DType::F32:
    if (n)
      std::memcpy(dst, src, n * 4);
    break;
  case DType::F16:
    for (size_t i = 0; i < n; ++i)
      dst[i] = halfToFloat(load<uint16_t>(src + 2 * i));
    break;
  case DType::BF16:
    for (size_t i = 0; i < n; ++i)
      dst[i] = bfloat16ToFloat(load<uint16_t>(src + 2 * i));
    break;
  case DType::F8E4M3:
    for (size_t i = 0; i < n; ++i)
      dst[i] = float8E4M3ToFloat(src[i]);
    break;
  case DType::F8E5M2:
    for (size_t i = 0; i < n; ++i)
      dst[i] = float8E5M2ToFloat(src[i]);
    break;
  case DType::Q4_0:
    blocks::dequantizeQ4_0(src, dst, numBlocks);
    break;
  case DType::Q4_1:
    blocks::dequantizeQ4_1(src, dst, numBlocks);
    break;
  case DType::Q5_0:
    blocks::dequantizeQ5_0(src, dst, numBlocks);
    break;
  case DType::Q5_1:
    blocks::dequantizeQ5_1(src, dst, numBlocks);
    break;
  case DType::Q8_0:
    blocks::dequantizeQ8_0(src, dst, numBlocks);
    break;
  case DType::Q2_K:
    blocks::dequantizeQ2_K(src, dst, numBlocks);
    break;
  case DType::Q3_K:
    blocks::dequantizeQ3_K(src, dst, numBlocks);
    break;
  case DType::Q4_K:
    blocks::dequantizeQ4_K(src, dst, numBlocks);
    break;
  case DType::Q5_K:
    blocks::dequantizeQ5_K(src, dst, numBlocks);
    break;
  case DType::Q6_K:
    blocks::dequantizeQ6_K(src, dst, numBlocks);
    break;
  case DType::TQ1_0:
    blocks::dequantizeTQ1_0(src, dst, numBlocks);
    break;
  case DType::TQ2_0:
    blocks::dequantizeTQ2_0(src, dst, numBlocks);
    break;
  case DType::Q2_G64:
    blocks::dequantizeLowBit(src, dst, numBlocks, 2, 64);
    break;
  case DType::Q3_G64:
    blocks::dequantizeLowBit(src, dst, numBlocks, 3, 64);
    break;
  case DType::Q3_G192:
    blocks::dequantizeLowBit(src, dst, numBlocks, 3, 192);
    break;
  default:
    llvm_unreachable("integer types are refused above");
  }
  return llvm::Error::success();
}

llvm::Expected<std::vector<float>>
qcc::modelfile::dequantizeTensor(const TensorRef &tensor) {
  std::optional<uint64_t> n = getNumElements(tensor.shape);
  if (!n || *n > SIZE_MAX / sizeof(float))
    return llvm::createStringError(
        llvm::formatv("tensor '{0}' is too large to convert", tensor.name)
            .str());
  std::vector<float> out(*n);
  if (llvm::Error err = convertToFloat(tensor.type, tensor.data, out))
    return llvm::createStringError(llvm::formatv("tensor '{0}': {1}",
                                                 tensor.name,
                                                 llvm::toString(std::move(err)))
                                       .str());
  return out;
}
