//===- Ternary.h - GGUF ternary tensors as codes and scales -----*- C++ -*-===//
//
// TQ1_0 and TQ2_0 tensors read without dequantization: the weights as
// -1/0/+1 codes and one f16 scale per 256-weight block (as float), what
// qcc's ternary path (qcc/Quant/Ternary.h, runtime/QGemmTernary.h) takes.
// code * scale equals the reference dequantization (BlockFormats.h) exactly.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_MODELFILE_TERNARY_H
#define QCC_MODELFILE_TERNARY_H

#include "qcc/ModelFile/TensorData.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace qcc::modelfile {

struct TernaryTensor {
  static constexpr int64_t kBlock = 256; // weights per scale
  std::vector<int8_t> values;            // row-major, each -1, 0 or 1
  std::vector<float> scales;             // one per block of 256 values
};

/// The codes and block scales of a TQ1_0 or TQ2_0 tensor. Errors name the
/// tensor: another type, or a TQ2_0 code 3 (which dequantizes to 2d, not a
/// ternary weight).
llvm::Expected<TernaryTensor> readTernaryTensor(const TensorRef &tensor);

} // namespace qcc::modelfile

#endif // QCC_MODELFILE_TERNARY_H
