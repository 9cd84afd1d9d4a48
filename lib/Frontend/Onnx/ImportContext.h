//===- ImportContext.h - state shared by the ONNX op importers --*- C++ -*-===//

#ifndef QCC_LIB_FRONTEND_ONNX_IMPORTCONTEXT_H
#define QCC_LIB_FRONTEND_ONNX_IMPORTCONTEXT_H

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Frontend/Onnx/OnnxImporter.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/Error.h"

#include <onnx/onnx_pb.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace qcc::onnx_import {

/// ONNX data types newer than libonnx 1.12's enum (onnx.proto numbers).
enum : int32_t {
  kOnnxFloat8E4M3FN = 17,
  kOnnxFloat8E4M3FNUZ = 18,
  kOnnxFloat8E5M2 = 19,
  kOnnxFloat8E5M2FNUZ = 20,
  kOnnxUint4 = 21,
  kOnnxInt4 = 22,
  kOnnxFloat4E2M1 = 23,
  kOnnxFloat8E8M0 = 24,
  kOnnxUint2 = 25,
  kOnnxInt2 = 26,
};

/// Element type of an ONNX TensorProto data type, or null if unsupported.
mlir::Type elementTypeOf(mlir::MLIRContext *ctx, int32_t onnxType);
/// Name of an ONNX data type for messages.
std::string dataTypeName(int32_t onnxType);

/// Converts a TensorProto (inline or external data, resolved against
/// `modelDir`) to a dense attribute; the error names the tensor.
llvm::Expected<mlir::DenseElementsAttr>
tensorToAttr(mlir::MLIRContext *ctx, const onnx::TensorProto &tensor,
             const std::string &modelDir);

class GraphImporter;

/// One node being imported: its inputs as SSA values (or constants), its
/// attributes, and where its outputs go.
class NodeContext {
public:
  NodeContext(GraphImporter &graph, const onnx::NodeProto &node,
              mlir::OpBuilder &builder, mlir::Location loc, int64_t opset)
      : graph(graph), node(node), b(builder), loc(loc), opset(opset) {}

  GraphImporter &graph;
  const onnx::NodeProto &node;
  mlir::OpBuilder &b;
  mlir::Location loc;
  int64_t opset;

  size_t numInputs() const { return node.input_size(); }
  /// Whether input i is present (ONNX marks omitted optionals with "").
  bool hasInput(size_t i) const {
    return (int)i < node.input_size() && !node.input(i).empty();
  }
  mlir::Value input(size_t i) const;
  mlir::RankedTensorType inputType(size_t i) const {
    return mlir::cast<mlir::RankedTensorType>(input(i).getType());
  }
  /// The constant value of input i, if it is known at compile time.
  std::optional<mlir::DenseElementsAttr> constInput(size_t i) const;
  /// Input i as compile-time integers; an error if it is not constant.
  llvm::FailureOr<std::vector<int64_t>> constInts(size_t i, llvm::StringRef what);
  llvm::FailureOr<std::vector<double>> constFloats(size_t i, llvm::StringRef what);

  const onnx::AttributeProto *attr(llvm::StringRef name) const;
  bool hasAttr(llvm::StringRef name) const { return attr(name) != nullptr; }
  int64_t attrInt(llvm::StringRef name, int64_t dflt) const;
  double attrFloat(llvm::StringRef name, double dflt) const;
  std::string attrString(llvm::StringRef name, llvm::StringRef dflt) const;
  std::vector<int64_t> attrInts(llvm::StringRef name) const;
  std::vector<double> attrFloats(llvm::StringRef name) const;

  void setOutput(size_t i, mlir::Value v);
  size_t numOutputs() const { return node.output_size(); }
  bool hasOutput(size_t i) const {
    return (int)i < node.output_size() && !node.output(i).empty();
  }

  /// Emits "node 'name' (Op): msg" and returns failure.
  mlir::LogicalResult error(const llvm::Twine &msg) const;
  /// An error diagnostic already holding the "node 'name' (Op): " prefix,
  /// for APIs that report through an emitError callback.
  mlir::InFlightDiagnostic diagnostic() const;

  /// Creates an op, inferring its result type when the op can.
  template <typename OpTy, typename... Args>
  mlir::Value create(Args &&...args) {
    return b.create<OpTy>(loc, std::forward<Args>(args)...).getResult();
  }
  mlir::Value constant(mlir::DenseElementsAttr attr);
  /// Normalizes a possibly negative axis against rank; error when outside.
  llvm::FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);
};

using OpImporter = std::function<mlir::LogicalResult(NodeContext &)>;

/// Registry of op importers by ONNX op type; filled by the Ops*.cpp files.
std::map<std::string, OpImporter> &opImporters();
void registerElementwiseImporters();
void registerNNImporters();
void registerShapeImporters();
void registerControlFlowImporters();
void registerQuantImporters();

/// Resolved window parameters of a conv or pool node.
struct Window {
  llvm::SmallVector<int64_t> kernel, strides, dilations, pads, out;
};

/// Reads strides/dilations/pads/auto_pad of a conv or pool node for the
/// spatial sizes `in` and computes the output sizes.
llvm::FailureOr<Window> resolveWindow(NodeContext &n,
                                      llvm::ArrayRef<int64_t> in,
                                      llvm::ArrayRef<int64_t> kernel,
                                      bool ceilMode);

/// Folds the qnn ops after `after` in `block` whose operands are all
/// constants into constants (compile-time shape arithmetic).
void foldConstantOps(mlir::Block *block, mlir::Operation *after,
                     NodeContext &node);

/// Imports a graph body (nodes in order) into the builder's current block.
class GraphImporter {
public:
  GraphImporter(mlir::MLIRContext *ctx, const std::string &modelPath,
                int64_t opset, GraphImporter *parent)
      : ctx(ctx), modelPath(modelPath), opset(opset), parent(parent) {}

  mlir::MLIRContext *ctx;
  std::string modelPath;
  int64_t opset;
  GraphImporter *parent;
  std::map<std::string, mlir::Value> values;

  mlir::Value lookup(const std::string &name) const;
  mlir::LogicalResult addInitializers(const onnx::GraphProto &graph,
                                      mlir::OpBuilder &b);
  mlir::LogicalResult importNodes(const onnx::GraphProto &graph,
                                  mlir::OpBuilder &b);
  mlir::Location fileLoc() const;
};

} // namespace qcc::onnx_import

#endif // QCC_LIB_FRONTEND_ONNX_IMPORTCONTEXT_H
