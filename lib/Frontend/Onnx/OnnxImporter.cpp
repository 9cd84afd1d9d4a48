//===- OnnxImporter.cpp - ONNX model to a qnn function --------------------===//

#include "ImportContext.h"

#include "qcc/Dialect/Qnn/IR/QnnConstantEval.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/checker.h>

#include <cmath>

using namespace mlir;

namespace qcc::onnx_import {

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

Value NodeContext::input(size_t i) const {
  if (!hasInput(i))
    return nullptr;
  return graph.lookup(node.input(i));
}

std::optional<DenseElementsAttr> NodeContext::constInput(size_t i) const {
  Value v = input(i);
  DenseElementsAttr attr;
  if (v && matchPattern(v, m_Constant(&attr)))
    return attr;
  return std::nullopt;
}

FailureOr<std::vector<int64_t>> NodeContext::constInts(size_t i,
                                                       StringRef what) {
  auto attr = constInput(i);
  if (!attr) {
    (void)error(what + " must be a compile-time constant");
    return failure();
  }
  std::vector<int64_t> out;
  Type et = attr->getElementType();
  if (!et.isInteger()) {
    (void)error(what + " must hold integers");
    return failure();
  }
  for (const APInt &v : attr->getValues<APInt>())
    out.push_back(et.isInteger(1) || et.isUnsignedInteger() ? v.getZExtValue()
                                                            : v.getSExtValue());
  return out;
}

FailureOr<std::vector<double>> NodeContext::constFloats(size_t i,
                                                        StringRef what) {
  auto attr = constInput(i);
  if (!attr) {
    (void)error(what + " must be a compile-time constant");
    return failure();
  }
  std::vector<double> out;
  if (isa<FloatType>(attr->getElementType())) {
    for (const APFloat &v : attr->getValues<APFloat>())
      out.push_back(v.convertToDouble());
  } else {
    for (const APInt &v : attr->getValues<APInt>())
      out.push_back((double)v.getSExtValue());
  }
  return out;
}

const onnx::AttributeProto *NodeContext::attr(StringRef name) const {
  for (const auto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t NodeContext::attrInt(StringRef name, int64_t dflt) const {
  auto *a = attr(name);
  return a ? a->i() : dflt;
}

double NodeContext::attrFloat(StringRef name, double dflt) const {
  auto *a = attr(name);
  return a ? a->f() : dflt;
}

std::string NodeContext::attrString(StringRef name, StringRef dflt) const {
  auto *a = attr(name);
  return a ? a->s() : dflt.str();
}

std::vector<int64_t> NodeContext::attrInts(StringRef name) const {
  auto *a = attr(name);
  if (!a)
    return {};
  return std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::vector<double> NodeContext::attrFloats(StringRef name) const {
  auto *a = attr(name);
  if (!a)
    return {};
  return std::vector<double>(a->floats().begin(), a->floats().end());
}

void NodeContext::setOutput(size_t i, Value v) {
  if (hasOutput(i))
    graph.values[node.output(i)] = v;
}

InFlightDiagnostic NodeContext::diagnostic() const {
  std::string name = node.name().empty()
                         ? (node.output_size() ? node.output(0) : "")
                         : node.name();
  InFlightDiagnostic diag = emitError(loc);
  diag << "node '" << name << "' (" << node.op_type() << "): ";
  return diag;
}

LogicalResult NodeContext::error(const llvm::Twine &msg) const {
  return diagnostic() << msg.str();
}

Value NodeContext::constant(DenseElementsAttr attr) {
  return b.create<arith::ConstantOp>(loc, attr);
}

FailureOr<int64_t> NodeContext::normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1)) {
    (void)error("axis " + std::to_string(axis) + " is out of range for rank " +
                std::to_string(rank));
    return failure();
  }
  return axis < 0 ? axis + rank : axis;
}

void foldConstantOps(Block *block, Operation *after, NodeContext &node) {
  auto it = after ? std::next(after->getIterator()) : block->begin();
  SmallVector<Operation *> candidates;
  for (; it != block->end(); ++it)
    if (isa<qnn::QnnDialect>(it->getDialect()))
      candidates.push_back(&*it);
  for (Operation *op : candidates) {
    SmallVector<DenseElementsAttr> operands;
    for (Value v : op->getOperands()) {
      DenseElementsAttr attr;
      if (!matchPattern(v, m_Constant(&attr)))
        break;
      operands.push_back(attr);
    }
    if (operands.size() != op->getNumOperands())
      continue;
    auto folded = qnn::evaluateOnConstants(op, operands);
    if (failed(folded))
      continue;
    OpBuilder b(op);
    Value c = b.create<arith::ConstantOp>(op->getLoc(), *folded);
    Value old = op->getResult(0);
    for (size_t i = 0; i < node.numOutputs(); ++i)
      if (node.hasOutput(i) && node.graph.lookup(node.node.output(i)) == old)
        node.setOutput(i, c);
    old.replaceAllUsesWith(c);
    op->erase();
  }
}

std::map<std::string, OpImporter> &opImporters() {
  static std::map<std::string, OpImporter> importers;
  return importers;
}

static void registerImporters() {
  static bool done = [] {
    registerElementwiseImporters();
    registerNNImporters();
    registerShapeImporters();
    registerControlFlowImporters();
    registerQuantImporters();
    return true;
  }();
  (void)done;
}

//===----------------------------------------------------------------------===//
// GraphImporter
//===----------------------------------------------------------------------===//

Value GraphImporter::lookup(const std::string &name) const {
  auto it = values.find(name);
  if (it != values.end())
    return it->second;
  return parent ? parent->lookup(name) : nullptr;
}

Location GraphImporter::fileLoc() const {
  return FileLineColLoc::get(ctx, modelPath, 0, 0);
}

LogicalResult GraphImporter::addInitializers(const onnx::GraphProto &graph,
                                             OpBuilder &b) {
  std::string dir = llvm::sys::path::parent_path(modelPath).str();
  if (dir.empty())
    dir = ".";
  for (const auto &t : graph.initializer()) {
    auto attr = tensorToAttr(ctx, t, dir);
    if (!attr)
      return emitError(fileLoc()) << "initializer '" << t.name()
                                  << "': " << llvm::toString(attr.takeError());
    values[t.name()] = b.create<arith::ConstantOp>(NameLoc::get(
                                                       b.getStringAttr(t.name()), fileLoc()),
                                                   *attr);
  }
  return success();
}

LogicalResult GraphImporter::importNodes(const onnx::GraphProto &graph,
                                         OpBuilder &b) {
  registerImporters();
  auto &importers = opImporters();
  for (const auto &node : graph.node()) {
    std::string name = node.name().empty()
                           ? (node.output_size() ? node.output(0) : node.op_type())
                           : node.name();
    Location loc = NameLoc::get(b.getStringAttr(name), fileLoc());
    NodeContext nc(*this, node, b, loc, opset);
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      return nc.error("operator domain '" + node.domain() +
                      "' is not supported (only the default ONNX domain)");
    for (int i = 0; i < node.input_size(); ++i)
      if (!node.input(i).empty() && !lookup(node.input(i)))
        return nc.error("input '" + node.input(i) +
                        "' is not produced by any earlier node, input or "
                        "initializer");
    auto it = importers.find(node.op_type());
    if (it == importers.end())
      return nc.error("unsupported operator '" + node.op_type() + "'");
    Block *block = b.getInsertionBlock();
    Operation *last = block->empty() ? nullptr : &block->back();
    if (failed(it->second(nc)))
      return failure();
    foldConstantOps(block, last, nc);
    for (int i = 0; i < node.output_size(); ++i)
      if (!node.output(i).empty() && !lookup(node.output(i)))
        return nc.error("output " + std::to_string(i) + " ('" + node.output(i) +
                        "') is not supported");
  }
  return success();
}

} // namespace qcc::onnx_import

//===----------------------------------------------------------------------===//
// Model import
//===----------------------------------------------------------------------===//

using namespace qcc::onnx_import;

std::vector<std::string> qcc::getSupportedOnnxOps() {
  registerImporters();
  std::vector<std::string> ops;
  for (auto &[name, _] : opImporters())
    ops.push_back(name);
  return ops;
}

OwningOpRef<ModuleOp> qcc::importOnnxModel(MLIRContext &context,
                                           const std::string &path,
                                           const OnnxImportOptions &options) {
  context.loadDialect<qnn::QnnDialect, func::FuncDialect, arith::ArithDialect,
                      tensor::TensorDialect>();
  Location fileLoc = FileLineColLoc::get(&context, path, 0, 0);
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    emitError(fileLoc) << "cannot read the model: "
                       << buffer.getError().message();
    return nullptr;
  }
  onnx::ModelProto model;
  if ((*buffer)->getBufferSize() > (size_t)INT32_MAX ||
      !model.ParseFromArray((*buffer)->getBufferStart(),
                            (int)(*buffer)->getBufferSize())) {
    emitError(fileLoc) << "not a valid ONNX model (the protobuf does not "
                          "parse; truncated or not an .onnx file?)";
    return nullptr;
  }
  if (!model.has_graph() || model.graph().node_size() == 0) {
    emitError(fileLoc) << "not a valid ONNX model: it has no graph nodes";
    return nullptr;
  }
  int64_t opset = -1;
  for (const auto &o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      opset = o.version();
  if (opset < 0) {
    emitError(fileLoc) << "the model imports no default-domain opset";
    return nullptr;
  }
  if (opset > kMaxOnnxOpset || opset < kMinOnnxOpset) {
    emitError(fileLoc) << "opset " << opset << " is not supported (qcc "
                       << "supports ONNX opsets " << kMinOnnxOpset << " to "
                       << kMaxOnnxOpset << ")";
    return nullptr;
  }
  // libonnx's checker knows IR <= 8 and opsets <= 17; newer models are
  // checked by the importer alone.
  if (options.runChecker && model.ir_version() <= 8 && opset <= 17) {
    try {
      onnx::checker::CheckerContext checkCtx;
      checkCtx.set_ir_version(model.ir_version());
      std::unordered_map<std::string, int> opsets;
      for (const auto &o : model.opset_import())
        opsets[o.domain()] = o.version();
      checkCtx.set_opset_imports(opsets);
      checkCtx.set_model_dir(llvm::sys::path::parent_path(path).str());
      onnx::checker::LexicalScopeContext lex;
      onnx::checker::check_graph(model.graph(), checkCtx, lex);
    } catch (const std::exception &e) {
      std::string msg = e.what();
      emitError(fileLoc) << "the ONNX checker rejects the model: "
                         << StringRef(msg).split('\n').first;
      return nullptr;
    }
  }

  const onnx::GraphProto &graph = model.graph();
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  OpBuilder b(&context);
  b.setInsertionPointToEnd(module->getBody());

  std::set<std::string> initNames;
  for (const auto &t : graph.initializer())
    initNames.insert(t.name());

  // Graph inputs become function arguments (fixed values become constants).
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  std::vector<std::pair<std::string, DenseElementsAttr>> fixedInputs;
  std::set<std::string> usedShapeOptions, usedValueOptions;
  for (const auto &in : graph.input()) {
    if (initNames.count(in.name()))
      continue;
    if (!in.type().has_tensor_type()) {
      emitError(fileLoc) << "graph input '" << in.name()
                         << "' is not a tensor (sequences and maps are not "
                            "supported)";
      return nullptr;
    }
    const auto &tt = in.type().tensor_type();
    Type et = elementTypeOf(&context, tt.elem_type());
    if (!et) {
      emitError(fileLoc) << "graph input '" << in.name() << "' has unsupported "
                         << dataTypeName(tt.elem_type());
      return nullptr;
    }
    SmallVector<int64_t> shape;
    bool symbolic = false;
    for (const auto &d : tt.shape().dim()) {
      if (d.has_dim_value() && d.dim_value() > 0)
        shape.push_back(d.dim_value());
      else if (d.has_dim_value() && d.dim_value() == 0 && !d.has_dim_param())
        shape.push_back(0);
      else {
        shape.push_back(ShapedType::kDynamic);
        symbolic = true;
      }
    }
    auto given = options.inputShapes.find(in.name());
    if (given != options.inputShapes.end()) {
      usedShapeOptions.insert(in.name());
      if (tt.has_shape() && given->second.size() != shape.size()) {
        emitError(fileLoc) << "input '" << in.name() << "' has rank "
                           << shape.size() << ", but the given shape has rank "
                           << given->second.size();
        return nullptr;
      }
      for (size_t i = 0; i < shape.size(); ++i)
        if (!ShapedType::isDynamic(shape[i]) && shape[i] != given->second[i]) {
          emitError(fileLoc) << "input '" << in.name() << "' has size "
                             << shape[i] << " on axis " << i
                             << ", but the given shape says "
                             << given->second[i];
          return nullptr;
        }
      shape.assign(given->second.begin(), given->second.end());
    } else if (symbolic || !tt.has_shape()) {
      emitError(fileLoc) << "input '" << in.name()
                         << "' has symbolic or unknown dimensions; give its "
                            "shape with --input-shape="
                         << in.name() << "=D0,D1,...";
      return nullptr;
    }
    auto type = RankedTensorType::get(shape, et);
    auto value = options.inputValues.find(in.name());
    if (value != options.inputValues.end()) {
      usedValueOptions.insert(in.name());
      if ((int64_t)value->second.size() != type.getNumElements()) {
        emitError(fileLoc) << "input '" << in.name() << "' needs "
                           << type.getNumElements() << " values, got "
                           << value->second.size();
        return nullptr;
      }
      SmallVector<Attribute> elems;
      for (double v : value->second) {
        // Integer values must fit the input's type (no silent wrapping,
        // e.g. of a uint8 zero point given as 300).
        if (auto it = dyn_cast<IntegerType>(et); it && it.getWidth() < 64) {
          unsigned w = it.getWidth();
          bool isUnsigned = it.isUnsigned() || w == 1;
          double lo = isUnsigned ? 0.0 : -std::ldexp(1.0, w - 1);
          double hi = std::ldexp(1.0, isUnsigned ? w : w - 1) - 1;
          if (v < lo || v > hi || v != std::floor(v)) {
            std::string msg;
            llvm::raw_string_ostream os(msg);
            os << "--input-value for '" << in.name() << "': "
               << llvm::format("%g", v) << " is not a value of " << et
               << " (integers in [" << llvm::format("%.0f", lo) << ", "
               << llvm::format("%.0f", hi) << "])";
            emitError(fileLoc) << msg;
            return nullptr;
          }
        }
        elems.push_back(isa<FloatType>(et)
                            ? (Attribute)b.getFloatAttr(et, v)
                            : (Attribute)b.getIntegerAttr(et, (int64_t)v));
      }
      fixedInputs.push_back({in.name(), DenseElementsAttr::get(type, elems)});
      continue;
    }
    argTypes.push_back(type);
    argNames.push_back(in.name());
  }
  for (auto &[name, _] : options.inputShapes)
    if (!usedShapeOptions.count(name)) {
      emitError(fileLoc) << "--input-shape names '" << name
                         << "', which is not an input of the model";
      return nullptr;
    }
  for (auto &[name, _] : options.inputValues)
    if (!usedValueOptions.count(name)) {
      emitError(fileLoc) << "--input-value names '" << name
                         << "', which is not an input of the model";
      return nullptr;
    }

  auto func = b.create<func::FuncOp>(fileLoc, "main",
                                     b.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  for (auto [i, name] : llvm::enumerate(argNames))
    func.setArgAttr(i, "qcc.name", b.getStringAttr(name));
  b.setInsertionPointToStart(entry);

  GraphImporter importer(&context, path, opset, nullptr);
  for (auto [i, name] : llvm::enumerate(argNames)) {
    // An input without elements carries no data: inside the graph it is an
    // empty constant (so an empty `axes` folds), and it stays in the
    // signature (the driver drops it from the compiled graph's).
    auto t = cast<RankedTensorType>(argTypes[i]);
    importer.values[name] =
        t.getNumElements() == 0
            ? b.create<arith::ConstantOp>(
                   fileLoc, DenseElementsAttr::get(t, ArrayRef<Attribute>{}))
                  .getResult()
            : entry->getArgument(i);
  }
  for (auto &[name, attr] : fixedInputs)
    importer.values[name] = b.create<arith::ConstantOp>(fileLoc, attr);
  if (failed(importer.addInitializers(graph, b)) ||
      failed(importer.importNodes(graph, b)))
    return nullptr;

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const auto &out : graph.output()) {
    Value v = importer.lookup(out.name());
    if (!v) {
      emitError(fileLoc) << "graph output '" << out.name()
                         << "' is not produced by the graph";
      return nullptr;
    }
    results.push_back(v);
    resultTypes.push_back(v.getType());
  }
  b.create<func::ReturnOp>(fileLoc, results);
  func.setFunctionType(b.getFunctionType(argTypes, resultTypes));
  for (auto [i, out] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "qcc.name", b.getStringAttr(out.name()));
  return module;
}
