//===- ModelInterface.h - a model's inputs and outputs ----------*- C++ -*-===//

#ifndef QCC_DRIVER_MODELINTERFACE_H
#define QCC_DRIVER_MODELINTERFACE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>
#include <vector>

namespace qcc {

struct TensorInfo {
  std::string name;
  int32_t dtype; // ONNX TensorProto.DataType numbering, as in qcc-c/Runtime.h
  std::vector<int64_t> shape;
  /// For an output declared state (`qcc.state_of`): the index of the input
  /// it updates; the caller may pass one buffer for both. Otherwise -1.
  int32_t stateOf = -1;
  /// Whether the tensor has no elements; such tensors carry no data and are
  /// not passed to the compiled graph.
  bool empty() const;
};

struct ModelInterface {
  std::vector<TensorInfo> inputs, outputs;
};

/// Reads names (`qcc.name` attributes), dtypes and static shapes from the
/// entry function; fails with a diagnostic for types the C API lacks.
mlir::FailureOr<ModelInterface> getModelInterface(mlir::func::FuncOp entry);

/// Removes arguments and results without elements from the entry function
/// (arguments are replaced by empty constants): they carry no data, and the
/// descriptor's trampoline passes only the others.
void dropEmptyTensors(mlir::func::FuncOp entry);

/// Rewrites the entry function's 4- and 2-bit integer arguments and results
/// (signless, after qnn-to-linalg) into the C API's packed bytes
/// (tensor<ceil(n * bits / 8) x i8>, first element in the low bits), with
/// linalg ops that unpack inputs and pack outputs at the boundary.
void packSubByteBoundary(mlir::func::FuncOp entry);

/// C source of the descriptor (names, shapes, the entry trampoline) that the
/// runtime reads; `entrySymbol` is the compiled graph's function.
std::string emitDescriptorSource(const ModelInterface &model,
                                 const std::string &target,
                                 const std::vector<std::string> &cpuFeatures,
                                 const std::string &entrySymbol);

/// The public header shipped next to the library: the C API plus the
/// model's inputs and outputs.
std::string emitModelHeader(const ModelInterface &model,
                            const std::string &target,
                            const std::string &apiHeaderText,
                            const std::string &sourceName);

} // namespace qcc

#endif // QCC_DRIVER_MODELINTERFACE_H
