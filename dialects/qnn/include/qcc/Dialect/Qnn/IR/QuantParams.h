//===- QuantParams.h - quantization parameters of a tensor ------*- C++ -*-===//
//
// One view of MLIR's quant element types (per tensor, per axis, sub-channel)
// over a tensor shape: a grid of (scale, zero point) pairs where parameter
// cell `c` covers the elements whose index along every axis `d` divided by
// `blockSize[d]` equals `c[d]`. Verifiers, the integerizer, the lowering and
// the reference interpreter all read quantized types through it.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_IR_QUANTPARAMS_H
#define QCC_DIALECT_QNN_IR_QUANTPARAMS_H

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/SmallVector.h"

namespace qcc::qnn {

/// Storage widths the integer path supports.
constexpr unsigned kMinQuantBits = 2;
constexpr unsigned kMaxQuantBits = 16;

struct QuantParams {
  bool isSigned = true;
  unsigned bits = 8;
  int64_t qmin = -128, qmax = 127;
  mlir::Type expressedType;
  llvm::SmallVector<int64_t> shape;      // the tensor's shape
  llvm::SmallVector<int64_t> blockSize;  // elements per parameter, per axis
  llvm::SmallVector<int64_t> gridShape;  // parameters per axis
  llvm::SmallVector<double> scales;      // row-major over gridShape
  llvm::SmallVector<int64_t> zeroPoints; // row-major over gridShape

  bool isPerTensor() const { return scales.size() == 1; }
  /// The single axis parameters vary along with block size 1, or -1.
  int64_t perAxisDim() const;
  /// Index into scales/zeroPoints of the element at row-major `linear`.
  int64_t paramIndexOfElement(int64_t linear) const;
  /// The integer type values are stored in: iN (signless) when signed,
  /// uiN when unsigned, as qcc's integer level spells them.
  mlir::IntegerType storageType(mlir::MLIRContext *ctx) const;
};

/// Reads the quantization parameters of `elementType` (a
/// quant::UniformQuantizedType, UniformQuantizedPerAxisType or
/// UniformQuantizedSubChannelType) over a tensor of `shape`, checking what
/// the type alone cannot: the quantized axis against the rank, the number of
/// scales against the axis size, block sizes dividing their axes, the storage
/// width and the zero points against the storage range. On failure emits
/// through `emitError` (when given) and returns failure.
mlir::FailureOr<QuantParams>
getQuantParams(mlir::Type elementType, llvm::ArrayRef<int64_t> shape,
               llvm::function_ref<mlir::InFlightDiagnostic()> emitError = {});

/// The element type of a ranked tensor if it is a quant type, else null.
mlir::quant::QuantizedType getQuantElementType(mlir::Type tensorType);

} // namespace qcc::qnn

#endif // QCC_DIALECT_QNN_IR_QUANTPARAMS_H
