//===- OnnxImporter.h - ONNX model to qnn -----------------------*- C++ -*-===//

#ifndef QCC_FRONTEND_ONNX_ONNXIMPORTER_H
#define QCC_FRONTEND_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>
#include <string>
#include <vector>

namespace qcc {

struct OnnxImportOptions {
  /// Static shapes for graph inputs, by name; required for inputs with
  /// symbolic or unknown dimensions, optional (and checked) otherwise.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Fixed values for graph inputs (folded as constants, dropped from the
  /// signature), by name, e.g. a sample rate that selects a branch.
  std::map<std::string, std::vector<double>> inputValues;
  /// Run ONNX's checker and shape inference where libonnx knows the opset.
  bool runChecker = true;
};

/// The newest default-domain opset the importer accepts.
constexpr int64_t kMaxOnnxOpset = 21;
/// The oldest.
constexpr int64_t kMinOnnxOpset = 1;

/// Imports the model at `path` into a module holding `func.func @main`
/// over qnn ops. Graph inputs and outputs keep their ONNX names in the
/// `qcc.name` argument and result attributes. Problems are reported as
/// diagnostics naming the node and op; returns null on failure.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxModel(mlir::MLIRContext &context, const std::string &path,
                const OnnxImportOptions &options);

/// The ONNX operator types the importer handles, sorted.
std::vector<std::string> getSupportedOnnxOps();

} // namespace qcc

#endif // QCC_FRONTEND_ONNX_ONNXIMPORTER_H
