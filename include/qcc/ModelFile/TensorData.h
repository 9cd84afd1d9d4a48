//===- TensorData.h - element types and tensor views ------------*- C++ -*-===//
//
// The element types that safetensors and GGUF files store (plain scalars and
// GGUF's block-quantized formats), and TensorRef, a view of one tensor's
// bytes inside a memory-mapped model file. Nothing here copies tensor data:
// a TensorRef points into the mapping that its file object owns.
//
// Shapes are row-major, outermost dimension first (numpy order) for both
// formats. GGUF lists its dimensions innermost first (ggml's ne[0] is the row
// length); the GGUF reader reverses them.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_MODELFILE_TENSORDATA_H
#define QCC_MODELFILE_TENSORDATA_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qcc::modelfile {

/// Element types of model files. The first group are scalars (one element per
/// "block"); the second are GGUF's block-quantized formats.
enum class DType {
  F64,
  F32,
  F16,
  BF16,
  F8E4M3,
  F8E5M2,
  I64,
  I32,
  I16,
  I8,
  U64,
  U32,
  U16,
  U8,
  Bool,
  // GGUF block formats.
  Q4_0,
  Q4_1,
  Q5_0,
  Q5_1,
  Q8_0,
  Q2_K,
  Q3_K,
  Q4_K,
  Q5_K,
  Q6_K,
  TQ1_0,
  TQ2_0,
  // qcc's own sub-4-bit block formats (BlockFormats.h); no GGUF type number.
  Q2_G64,
  Q3_G64,
  Q3_G192,
};

/// Storage facts of a DType: `blockBytes` bytes hold `blockElements`
/// consecutive elements of a row.
struct DTypeInfo {
  DType type;
  const char *name; // as the file formats spell it (safetensors' "F8_E4M3")
  unsigned blockElements;
  unsigned blockBytes;
  bool isFloat; // converts to float (plain floats and block formats)
  bool isBlock; // a GGUF block-quantized format
};

const DTypeInfo &getDTypeInfo(DType type);
inline llvm::StringRef getDTypeName(DType type) {
  return getDTypeInfo(type).name;
}
/// Storage bits per element: blockBytes * 8 / blockElements (4.5 for Q4_0,
/// 2.625 for Q2_K).
double getBitsPerElement(DType type);

/// Bytes that `numElements` elements of `type` occupy, or nullopt when the
/// count is not a whole number of blocks or the size overflows 64 bits.
std::optional<uint64_t> getStorageBytes(DType type, uint64_t numElements);

/// Number of elements of `shape`, or nullopt on 64-bit overflow.
std::optional<uint64_t> getNumElements(llvm::ArrayRef<uint64_t> shape);

/// One tensor of a model file: name, element type, shape and a view of its
/// bytes in the file mapping (valid while the file object lives).
struct TensorRef {
  std::string name;
  DType type = DType::F32;
  llvm::SmallVector<uint64_t, 4> shape; // outermost first
  uint64_t fileOffset = 0;              // absolute offset of the first byte
  llvm::ArrayRef<uint8_t> data;

  uint64_t getNumElements() const;
};

/// Converts `bytes` of `type` (a whole number of blocks) to float: block
/// formats by their reference dequantization (BlockFormats.h), F64 by
/// rounding to nearest, the 16- and 8-bit floats exactly. Integer and bool
/// types are refused. `out` must hold exactly the elements the bytes encode.
llvm::Error convertToFloat(DType type, llvm::ArrayRef<uint8_t> bytes,
                           llvm::MutableArrayRef<float> out);

/// The whole tensor as floats (row-major), with a diagnostic naming the
/// tensor when its type does not convert.
llvm::Expected<std::vector<float>> dequantizeTensor(const TensorRef &tensor);

/// Bit-exact conversions of the 16- and 8-bit float encodings.
float halfToFloat(uint16_t bits);
float bfloat16ToFloat(uint16_t bits);
float float8E4M3ToFloat(uint8_t bits); // the "fn" variant: no infinities
float float8E5M2ToFloat(uint8_t bits);

} // namespace qcc::modelfile

#endif // QCC_MODELFILE_TENSORDATA_H
