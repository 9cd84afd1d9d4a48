//===- ModelInterface.cpp - a model's inputs and outputs, as C ------------===//

#include "qcc/Driver/ModelInterface.h"

#include "qcc-c/Runtime.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace qcc {

static int32_t dtypeCode(Type t) {
  if (t.isF32())
    return QCC_DTYPE_FLOAT32;
  if (t.isUnsignedInteger(8))
    return QCC_DTYPE_UINT8;
  if (t.isUnsignedInteger(16))
    return QCC_DTYPE_UINT16;
  if (t.isUnsignedInteger(32))
    return QCC_DTYPE_UINT32;
  if (t.isUnsignedInteger(64))
    return QCC_DTYPE_UINT64;
  if (t.isUnsignedInteger(4))
    return QCC_DTYPE_UINT4;
  if (t.isUnsignedInteger(2))
    return QCC_DTYPE_UINT2;
  if (t.isInteger(8))
    return QCC_DTYPE_INT8;
  if (t.isInteger(16))
    return QCC_DTYPE_INT16;
  if (t.isInteger(32))
    return QCC_DTYPE_INT32;
  if (t.isInteger(64))
    return QCC_DTYPE_INT64;
  if (t.isInteger(4))
    return QCC_DTYPE_INT4;
  if (t.isInteger(2))
    return QCC_DTYPE_INT2;
  if (t.isInteger(1))
    return QCC_DTYPE_BOOL;
  if (t.isF16())
    return QCC_DTYPE_FLOAT16;
  if (t.isF64())
    return QCC_DTYPE_FLOAT64;
  if (t.isBF16())
    return QCC_DTYPE_BFLOAT16;
  return -1;
}

static FailureOr<TensorInfo> infoOf(func::FuncOp f, Type type, StringAttr name,
                                    const char *kind, unsigned index) {
  auto t = dyn_cast<RankedTensorType>(type);
  if (!t || !t.hasStaticShape()) {
    f.emitError() << kind << " " << index << " must be a statically shaped tensor";
    return failure();
  }
  TensorInfo info;
  info.name = name ? name.str() : std::string(kind) + std::to_string(index);
  info.dtype = dtypeCode(t.getElementType());
  if (info.dtype < 0) {
    f.emitError() << kind << " '" << info.name << "' has element type "
                  << t.getElementType() << ", which the C API does not carry";
    return failure();
  }
  info.shape.assign(t.getShape().begin(), t.getShape().end());
  return info;
}

bool TensorInfo::empty() const {
  for (int64_t d : shape)
    if (d == 0)
      return true;
  return false;
}

static bool isEmptyTensor(Type t) {
  auto rt = dyn_cast<RankedTensorType>(t);
  return rt && rt.hasStaticShape() && rt.getNumElements() == 0;
}

void dropEmptyTensors(func::FuncOp entry) {
  Block &body = entry.front();
  OpBuilder b(&body, body.begin());
  llvm::BitVector args(entry.getNumArguments()), results(entry.getNumResults());
  for (BlockArgument arg : body.getArguments()) {
    if (!isEmptyTensor(arg.getType()))
      continue;
    auto t = cast<RankedTensorType>(arg.getType());
    Value empty = b.create<arith::ConstantOp>(
        entry.getLoc(), DenseElementsAttr::get(t, ArrayRef<Attribute>{}));
    arg.replaceAllUsesWith(empty);
    args.set(arg.getArgNumber());
  }
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  for (auto [i, v] : llvm::enumerate(ret.getOperands()))
    if (isEmptyTensor(v.getType()))
      results.set(i);
  for (int i = results.size() - 1; i >= 0; --i)
    if (results[i])
      ret->eraseOperand(i);
  (void)entry.eraseArguments(args);
  (void)entry.eraseResults(results);
}

//===----------------------------------------------------------------------===//
// Packed sub-byte boundary
//===----------------------------------------------------------------------===//

/// The width of a tensor of 4- or 2-bit integers (the C API's packed
/// dtypes), else 0.
static unsigned packedBits(Type type) {
  auto t = dyn_cast<RankedTensorType>(type);
  auto it = t ? dyn_cast<IntegerType>(t.getElementType()) : IntegerType();
  return it && (it.getWidth() == 4 || it.getWidth() == 2) ? it.getWidth() : 0;
}

/// The packed buffer of a tensor of `n` elements of `bits` bits.
static RankedTensorType packedType(MLIRContext *ctx, int64_t n, unsigned bits) {
  int64_t perByte = 8 / bits;
  return RankedTensorType::get({(n + perByte - 1) / perByte},
                               IntegerType::get(ctx, 8));
}

/// `v` (any shape) as a 1-D tensor, or a 1-D tensor `v` in `shape`.
static Value reshapeFlat(OpBuilder &b, Location loc, Value v,
                         RankedTensorType to) {
  auto from = cast<RankedTensorType>(v.getType());
  if (from.getShape() == to.getShape())
    return v;
  // Rank 0 <-> [1]: no reassociation group; rank r <-> [n]: one.
  RankedTensorType wide = from.getRank() > to.getRank() ? from : to;
  SmallVector<ReassociationIndices> groups;
  if (std::min(from.getRank(), to.getRank()) > 0) {
    groups.emplace_back();
    for (int64_t d = 0; d < wide.getRank(); ++d)
      groups.back().push_back(d);
  }
  if (from.getRank() > to.getRank())
    return b.create<tensor::CollapseShapeOp>(loc, to, v, groups);
  return b.create<tensor::ExpandShapeOp>(loc, to, v, groups);
}

/// The shift of element `k` of a byte: k * bits, as an i8.
static Value shiftOf(OpBuilder &b, Location loc, unsigned bits) {
  Value k = b.create<linalg::IndexOp>(loc, 1);
  Value k8 = b.create<arith::IndexCastOp>(loc, b.getI8Type(), k);
  return b.create<arith::MulIOp>(
      loc, k8, b.create<arith::ConstantIntOp>(loc, b.getI8Type(), bits));
}

/// Packed bytes -> the tensor of `type` (signless iN): element k of byte b
/// is bits [k*N, k*N+N) of the byte.
static Value unpack(OpBuilder &b, Location loc, Value packed,
                    RankedTensorType type, unsigned bits) {
  int64_t perByte = 8 / bits, n = type.getNumElements();
  int64_t bytes = cast<RankedTensorType>(packed.getType()).getDimSize(0);
  Type et = type.getElementType();
  MLIRContext *ctx = b.getContext();
  Value init =
      b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{bytes, perByte}, et);
  AffineMap byteMap = AffineMap::get(2, 0, getAffineDimExpr(0, ctx));
  auto spread = b.create<linalg::GenericOp>(
      loc, init.getType(), ValueRange{packed}, ValueRange{init},
      ArrayRef<AffineMap>{byteMap, b.getMultiDimIdentityMap(2)},
      ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                    utils::IteratorType::parallel},
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value shifted =
            nb.create<arith::ShRUIOp>(l, args[0], shiftOf(nb, l, bits));
        nb.create<linalg::YieldOp>(
            l, ValueRange{nb.create<arith::TruncIOp>(l, et, shifted)});
      });
  auto flatType = RankedTensorType::get({bytes * perByte}, et);
  Value flat =
      b.create<tensor::CollapseShapeOp>(loc, flatType, spread.getResult(0),
                                        ArrayRef<ReassociationIndices>{{0, 1}});
  if (bytes * perByte != n)
    flat = b.create<tensor::ExtractSliceOp>(
        loc, RankedTensorType::get({n}, et), flat,
        ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(n)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  return reshapeFlat(b, loc, flat, type);
}

/// The inverse of unpack: `v` (signless iN) as packed bytes, the padding
/// bits of the last byte zero.
static Value pack(OpBuilder &b, Location loc, Value v, unsigned bits) {
  auto type = cast<RankedTensorType>(v.getType());
  Type et = type.getElementType();
  int64_t perByte = 8 / bits, n = type.getNumElements();
  auto packedT = packedType(b.getContext(), n, bits);
  int64_t bytes = packedT.getDimSize(0);
  Value flat = reshapeFlat(b, loc, v, RankedTensorType::get({n}, et));
  if (bytes * perByte != n) {
    Value zero = b.create<arith::ConstantIntOp>(loc, et, 0);
    Value padded =
        b.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{bytes * perByte}, et);
    padded = b.create<linalg::FillOp>(loc, zero, padded).getResult(0);
    flat = b.create<tensor::InsertSliceOp>(
        loc, flat, padded, ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(n)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  }
  Value grouped = b.create<tensor::ExpandShapeOp>(
      loc, RankedTensorType::get({bytes, perByte}, et), flat,
      ArrayRef<ReassociationIndices>{{0, 1}});
  Value zeroByte = b.create<arith::ConstantIntOp>(loc, b.getI8Type(), 0);
  Value init =
      b.create<linalg::FillOp>(
           loc, zeroByte,
           b.create<tensor::EmptyOp>(loc, packedT.getShape(), b.getI8Type())
               .getResult())
          .getResult(0);
  MLIRContext *ctx = b.getContext();
  AffineMap byteMap = AffineMap::get(2, 0, getAffineDimExpr(0, ctx));
  auto packOp = b.create<linalg::GenericOp>(
      loc, packedT, ValueRange{grouped}, ValueRange{init},
      ArrayRef<AffineMap>{b.getMultiDimIdentityMap(2), byteMap},
      ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                    utils::IteratorType::reduction},
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value wide = nb.create<arith::ExtUIOp>(l, nb.getI8Type(), args[0]);
        Value placed = nb.create<arith::ShLIOp>(l, wide, shiftOf(nb, l, bits));
        nb.create<linalg::YieldOp>(
            l, ValueRange{nb.create<arith::OrIOp>(l, args[1], placed)});
      });
  return packOp.getResult(0);
}

void packSubByteBoundary(func::FuncOp entry) {
  MLIRContext *ctx = entry.getContext();
  Block &body = entry.front();
  Location loc = entry.getLoc();
  SmallVector<Type> ins(entry.getArgumentTypes()), outs(entry.getResultTypes());
  OpBuilder b(&body, body.begin());
  for (BlockArgument arg : body.getArguments()) {
    unsigned bits = packedBits(arg.getType());
    if (!bits)
      continue;
    auto type = cast<RankedTensorType>(arg.getType());
    auto packedT = packedType(ctx, type.getNumElements(), bits);
    // The argument's uses read the unpacked tensor instead.
    SmallVector<OpOperand *> uses(llvm::make_pointer_range(arg.getUses()));
    arg.setType(packedT);
    ins[arg.getArgNumber()] = packedT;
    Value unpacked = unpack(b, loc, arg, type, bits);
    for (OpOperand *use : uses)
      use->set(unpacked);
  }
  for (Block &block : entry.getBody())
    if (auto ret = dyn_cast<func::ReturnOp>(block.getTerminator())) {
      b.setInsertionPoint(ret);
      for (OpOperand &operand : ret->getOpOperands()) {
        unsigned bits = packedBits(operand.get().getType());
        if (!bits)
          continue;
        Value packed = pack(b, loc, operand.get(), bits);
        outs[operand.getOperandNumber()] = packed.getType();
        operand.set(packed);
      }
    }
  entry.setFunctionType(FunctionType::get(ctx, ins, outs));
}

FailureOr<ModelInterface> getModelInterface(func::FuncOp entry) {
  ModelInterface m;
  FunctionType ft = entry.getFunctionType();
  for (unsigned i = 0; i < ft.getNumInputs(); ++i) {
    auto info = infoOf(entry, ft.getInput(i),
                       entry.getArgAttrOfType<StringAttr>(i, "qcc.name"),
                       "input", i);
    if (failed(info))
      return failure();
    m.inputs.push_back(*info);
  }
  for (unsigned i = 0; i < ft.getNumResults(); ++i) {
    auto info = infoOf(entry, ft.getResult(i),
                       entry.getResultAttrOfType<StringAttr>(i, "qcc.name"),
                       "output", i);
    if (failed(info))
      return failure();
    m.outputs.push_back(*info);
  }
  // Declared state: the output is the new value of an input (one buffer may
  // serve both; see qcc-mark-state-inputs).
  for (unsigned i = 0; i < ft.getNumResults(); ++i) {
    auto of = entry.getResultAttrOfType<StringAttr>(i, "qcc.state_of");
    if (!of)
      continue;
    TensorInfo &out = m.outputs[i];
    for (unsigned j = 0; j < m.inputs.size(); ++j)
      if (m.inputs[j].name == of.getValue())
        out.stateOf = (int32_t)j;
    if (out.stateOf < 0) {
      entry.emitError() << "output '" << out.name << "' is declared the state of '"
                        << of.getValue() << "', which is no input";
      return failure();
    }
    const TensorInfo &in = m.inputs[out.stateOf];
    if (in.dtype != out.dtype || in.shape != out.shape || out.empty() ||
        out.dtype == QCC_DTYPE_UINT4 || out.dtype == QCC_DTYPE_INT4 ||
        out.dtype == QCC_DTYPE_UINT2 || out.dtype == QCC_DTYPE_INT2) {
      entry.emitError() << "output '" << out.name << "' cannot be the state of input '"
                        << in.name
                        << "': state needs the same dtype and shape, with elements "
                           "of whole bytes";
      return failure();
    }
  }
  return m;
}

/// A C string literal for arbitrary bytes.
static std::string cString(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\')
      out += '\\', out += c;
    else if (c >= 32 && c < 127)
      out += c;
    else {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\%03o", c);
      out += buf;
    }
  }
  return out + "\"";
}

std::string emitDescriptorSource(const ModelInterface &model,
                                 const std::string &target,
                                 const std::vector<std::string> &cpuFeatures,
                                 const std::string &entrySymbol) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "/* Generated by qcc: the model descriptor read by the runtime. */\n"
     << "#include \"ModelDesc.h\"\n\n";
  auto ioTable = [&](const std::vector<TensorInfo> &list, const char *kind) {
    for (size_t i = 0; i < list.size(); ++i) {
      os << "static const int64_t " << kind << "_shape_" << i << "[] = {";
      for (size_t k = 0; k < list[i].shape.size(); ++k)
        os << (k ? ", " : "") << list[i].shape[k];
      if (list[i].shape.empty())
        os << "0";
      os << "};\n";
    }
    os << "static const qcc_io_desc " << kind << "s[] = {\n";
    for (size_t i = 0; i < list.size(); ++i)
      os << "  {" << cString(list[i].name) << ", " << list[i].dtype << ", "
         << list[i].shape.size() << ", " << kind << "_shape_" << i << "},\n";
    if (list.empty())
      os << "  {0, 0, 0, 0},\n";
    os << "};\n";
  };
  ioTable(model.inputs, "input");
  ioTable(model.outputs, "output");
  os << "static const char *const cpu_features[] = {";
  for (auto &f : cpuFeatures)
    os << cString(f) << ", ";
  os << "0};\n\n";
  // The runtime hands over one pointer per input and output; tensors
  // without elements were dropped from the compiled graph's signature.
  // State outputs are not passed either: the graph updates their input's
  // buffer in place (the runtime hands it the output buffer there).
  std::vector<size_t> passed;
  size_t index = 0;
  for (const auto *list : {&model.inputs, &model.outputs})
    for (const TensorInfo &t : *list) {
      if (!t.empty() && t.stateOf < 0)
        passed.push_back(index);
      ++index;
    }
  os << "static const int32_t output_state_of[] = {";
  for (size_t i = 0; i < model.outputs.size(); ++i)
    os << (i ? ", " : "") << model.outputs[i].stateOf;
  if (model.outputs.empty())
    os << "-1";
  os << "};\n\n";
  os << "extern void " << entrySymbol << "(";
  for (size_t i = 0; i < passed.size(); ++i)
    os << (i ? ", " : "") << "void *";
  if (passed.empty())
    os << "void";
  os << ");\n\nstatic void entry(void *const *a) {\n  (void)a;\n  "
     << entrySymbol << "(";
  for (size_t i = 0; i < passed.size(); ++i)
    os << (i ? ", " : "") << "a[" << passed[i] << "]";
  os << ");\n}\n\n"
     << "const qcc_model_desc qcc_generated_model = {\n"
     << "  2, " << cString(target) << ", " << model.inputs.size() << ", "
     << model.outputs.size() << ", inputs, outputs, output_state_of, "
     << cpuFeatures.size() << ", cpu_features, entry};\n";
  return s;
}

std::string emitModelHeader(const ModelInterface &model,
                            const std::string &target,
                            const std::string &apiHeaderText,
                            const std::string &sourceName) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "/* Generated by qcc from " << sourceName << " for " << target
     << ".\n *\n";
  auto list = [&](const std::vector<TensorInfo> &l, const char *kind) {
    for (size_t i = 0; i < l.size(); ++i) {
      os << " *   " << kind << " " << i << ": '" << l[i].name << "' dtype "
         << l[i].dtype << " shape [";
      for (size_t k = 0; k < l[i].shape.size(); ++k)
        os << (k ? ", " : "") << l[i].shape[k];
      os << "]";
      if (l[i].stateOf >= 0)
        os << ", the state of input " << l[i].stateOf
           << " (may be the same buffer: updated in place)";
      os << "\n";
    }
  };
  list(model.inputs, "input ");
  list(model.outputs, "output");
  os << " */\n\n" << apiHeaderText << "\n";
  os << "#define QCC_MODEL_NUM_INPUTS " << model.inputs.size() << "\n";
  os << "#define QCC_MODEL_NUM_OUTPUTS " << model.outputs.size() << "\n";
  return s;
}

} // namespace qcc
