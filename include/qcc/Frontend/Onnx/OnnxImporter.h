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

/// The newest default-domain opset the importer accepts. Opsets 22 to 25
/// revise, among the ops qcc imports, only type lists (bfloat16 for float
/// ops, float4e2m1, float8e8m0, int2/uint2), which the importer checks
/// per tensor, plus three attributes: QuantizeLinear's `precision` (23,
/// refused unless it is float32 or y_scale's type), DequantizeLinear's
/// `output_dtype` (23, implemented) and Cast's `round_mode` (24, float8e8m0
/// only, a type qcc refuses). test/Frontend/Onnx/opset-revisions.test
/// checks this against the onnx package's schema history.
constexpr int64_t kMaxOnnxOpset = 25;
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
