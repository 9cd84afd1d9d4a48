//===- LinalgToUKernels.cpp - matmuls on buffers to runtime GEMM calls ----===//

#include "qcc/Conversion/Passes.h"

#include "RuntimeCall.h"
#include "ZeroInit.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace qcc {
#define GEN_PASS_DEF_CONVERTLINALGTOUKERNELS
#include "qcc/Conversion/Passes.h.inc"
} // namespace qcc

#include <cstring>

using namespace mlir;

namespace {

constexpr const char *kSgemm = "qcc_rt_sgemm";

/// Address of the first element, batch stride and leading dimension of an
/// f32 buffer of rank 2 or 3 with unit innermost stride.
struct Operand {
  Value address, batchStride, leading;
};

/// Whether the kernel can read `buffer`: static f32 with unit inner stride.
bool isSuitable(Value buffer) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

Operand describe(OpBuilder &b, Location loc, Value buffer) {
  auto meta = b.create<memref::ExtractStridedMetadataOp>(loc, buffer);
  Value base = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, buffer);
  Value four = b.create<arith::ConstantIndexOp>(loc, 4);
  Value byteOffset = b.create<arith::MulIOp>(loc, meta.getOffset(), four);
  Value addr = b.create<arith::AddIOp>(loc, base, byteOffset);
  auto i64 = [&](Value v) -> Value {
    return b.create<arith::IndexCastOp>(loc, b.getI64Type(), v);
  };
  auto s = meta.getStrides();
  Operand op;
  op.address = i64(addr);
  op.leading = i64(s[s.size() - 2]);
  op.batchStride = s.size() == 3 ? i64(s[0])
                                 : b.create<arith::ConstantIntOp>(loc, b.getI64Type(), 0)
                                       .getResult();
  return op;
}

template <typename OpTy>
struct MatmulToSgemm : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "needs buffers");
    if (op.hasUserDefinedMaps())
      return rewriter.notifyMatchFailure(op, "transposed indexing maps");
    Location loc = op.getLoc();
    Value a = op.getDpsInputs()[0], bm = op.getDpsInputs()[1],
          c = op.getDpsInits()[0];
    if (!isSuitable(a) || !isSuitable(bm) || !isSuitable(c))
      return rewriter.notifyMatchFailure(
          op, "operands are not static f32 buffers with unit inner stride");
    auto ct = cast<MemRefType>(c.getType());
    auto at = cast<MemRefType>(a.getType());
    Operand da = describe(rewriter, loc, a), db = describe(rewriter, loc, bm),
            dc = describe(rewriter, loc, c);
    bool batched = ct.getRank() == 3;
    auto cst = [&](int64_t v) -> Value {
      return rewriter.create<arith::ConstantIntOp>(loc, rewriter.getI64Type(), v);
    };
    int64_t batch = batched ? ct.getDimSize(0) : 1;
    int64_t m = ct.getDimSize(ct.getRank() - 2), n = ct.getDimSize(ct.getRank() - 1);
    int64_t k = at.getDimSize(at.getRank() - 1);
    SmallVector<Value> args{cst(batch), cst(m), cst(n), cst(k),
                            da.address, da.batchStride, da.leading,
                            db.address, db.batchStride, db.leading,
                            dc.address, dc.batchStride, dc.leading};
    qcc::replaceWithRuntimeCall(rewriter, op, kSgemm, args);
    return success();
  }
};

constexpr const char *kQGemm = "qcc_rt_qgemm_s8";

/// Address of a buffer's first element and its strides (in elements), as
/// i64 values.
struct StridedBuffer {
  Value address;
  SmallVector<Value> strides;
};

StridedBuffer describeStrided(OpBuilder &b, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  int64_t bytes = type.getElementTypeBitWidth() / 8;
  auto meta = b.create<memref::ExtractStridedMetadataOp>(loc, buffer);
  Value base = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, buffer);
  Value size = b.create<arith::ConstantIndexOp>(loc, bytes);
  Value byteOffset = b.create<arith::MulIOp>(loc, meta.getOffset(), size);
  auto i64 = [&](Value v) -> Value {
    return b.create<arith::IndexCastOp>(loc, b.getI64Type(), v);
  };
  StridedBuffer out;
  out.address = i64(b.create<arith::AddIOp>(loc, base, byteOffset));
  for (Value s : meta.getStrides())
    out.strides.push_back(i64(s));
  return out;
}

/// Whether a contraction X[m, k] x W[n, k] writes C[n, m] (true) or
/// C[m, n] (false); failure (with the reason) for any other maps.
FailureOr<bool> productOrientation(linalg::GenericOp op,
                                   PatternRewriter &rewriter) {
  MLIRContext *ctx = op.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto maps = op.getIndexingMapsArray();
  if (maps[0] != AffineMap::get(3, 0, {d(0), d(2)}, ctx) ||
      maps[1] != AffineMap::get(3, 0, {d(1), d(2)}, ctx))
    return rewriter.notifyMatchFailure(op, "unexpected operand maps");
  AffineMap outMap = maps.back();
  bool transposed = outMap == AffineMap::get(3, 0, {d(1), d(0)}, ctx);
  if (!transposed && outMap != AffineMap::get(3, 0, {d(0), d(1)}, ctx))
    return rewriter.notifyMatchFailure(op, "unexpected output map");
  return transposed;
}

bool hasUnitInnerStride(Value buffer, unsigned width) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  if (!type || !type.hasStaticShape() || type.getElementTypeBitWidth() != width)
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

/// The integer contraction the qnn lowering tags `qcc.qgemm` (out = sum_k
/// (X[i,k] - xZp) * (W[j,k] - wZp[j]) over a zero-filled i32 output) to a
/// call of the runtime's int8 GEMM. The output may be [I, J] or [J, I].
struct QGemmToKernel : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    auto info = op->getAttrOfType<DictionaryAttr>("qcc.qgemm");
    if (!info || !op.hasPureBufferSemantics() || op.getNumDpsInits() != 1)
      return failure();
    // Operands: X, W and, unless one zero point is in the tag, the vector
    // of weight zero points.
    auto uniformZp = info.getAs<IntegerAttr>("w_zp");
    if (op.getNumDpsInputs() != (uniformZp ? 2u : 3u))
      return rewriter.notifyMatchFailure(op, "operands were folded away");
    Value x = op.getDpsInputs()[0], w = op.getDpsInputs()[1],
          c = op.getDpsInits()[0];
    Value zp = uniformZp ? Value() : op.getDpsInputs()[2];
    if (!hasUnitInnerStride(x, 8) || !hasUnitInnerStride(w, 8) ||
        (zp && !hasUnitInnerStride(zp, 32)) ||
        !cast<MemRefType>(c.getType()).hasStaticShape())
      return rewriter.notifyMatchFailure(op, "unsuitable buffers");
    std::optional<qcc::ZeroInit> zeroInit = qcc::findZeroInit(op, c);
    if (!zeroInit)
      return rewriter.notifyMatchFailure(op, "output not known to be zero");
    FailureOr<bool> orientation = productOrientation(op, rewriter);
    if (failed(orientation))
      return failure();
    bool transposed = *orientation;
    Location loc = op.getLoc();
    auto xt = cast<MemRefType>(x.getType()), wt = cast<MemRefType>(w.getType());
    auto cst = [&](int64_t v) -> Value {
      return rewriter.create<arith::ConstantIntOp>(loc, rewriter.getI64Type(), v);
    };
    if (!zp) {
      // One zero point: a one-element stack buffer read with stride 0.
      auto oneType = MemRefType::get({1}, rewriter.getI32Type());
      zp = rewriter.create<memref::AllocaOp>(loc, oneType);
      Value zero = rewriter.create<arith::ConstantIndexOp>(loc, 0);
      rewriter.create<memref::StoreOp>(
          loc,
          rewriter.create<arith::ConstantIntOp>(loc, rewriter.getI32Type(),
                                                uniformZp.getInt()),
          zp, ValueRange{zero});
    }
    StridedBuffer dx = describeStrided(rewriter, loc, x),
                  dw = describeStrided(rewriter, loc, w),
                  dz = describeStrided(rewriter, loc, zp),
                  dc = describeStrided(rewriter, loc, c);
    auto flag = [&](StringRef name) {
      auto a = info.getAs<BoolAttr>(name);
      return a && a.getValue();
    };
    auto xZp = info.getAs<IntegerAttr>("x_zp");
    SmallVector<Value> args{
        cst(xt.getDimSize(0)), cst(wt.getDimSize(0)), cst(xt.getDimSize(1)),
        dx.address, dx.strides[0], cst(!flag("x_unsigned")),
        cst(xZp ? xZp.getInt() : 0),
        dw.address, dw.strides[0], cst(!flag("w_unsigned")),
        dz.address, uniformZp ? cst(0) : dz.strides[0],
        dc.address, transposed ? dc.strides[1] : dc.strides[0],
        transposed ? dc.strides[0] : dc.strides[1]};
    // The kernel overwrites the output, so its initialization is dead.
    qcc::replaceWithRuntimeCall(rewriter, op, kQGemm, args, zeroInit->dead);
    return success();
  }
};

constexpr const char *kQGemmGrouped = "qcc_rt_qgemm_grouped";

/// The constant behind a buffer: a memref.get_global of a constant global,
/// possibly through reshapes (which keep the row-major element order).
DenseElementsAttr constantBehind(Value buffer) {
  while (Operation *def = buffer.getDefiningOp()) {
    if (isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(def)) {
      buffer = def->getOperand(0);
      continue;
    }
    auto get = dyn_cast<memref::GetGlobalOp>(def);
    if (!get)
      return {};
    auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
        def, get.getNameAttr());
    if (!global || !global.getConstant())
      return {};
    return dyn_cast_or_null<DenseElementsAttr>(global.getConstantInitValue());
  }
  return {};
}

/// A private constant global holding `bytes` as memref<rows x cols x i8>,
/// and its address.
Value bytesGlobal(PatternRewriter &rewriter, Operation *anchor, StringRef stem,
                  int64_t rows, int64_t cols, ArrayRef<int8_t> bytes) {
  auto module = anchor->getParentOfType<ModuleOp>();
  Location loc = anchor->getLoc();
  auto type = MemRefType::get({rows, cols}, rewriter.getI8Type());
  auto tensorType = RankedTensorType::get({rows, cols}, rewriter.getI8Type());
  std::string name = stem.str();
  for (int i = 0; module.lookupSymbol(name); ++i)
    name = (stem + "_" + Twine(i)).str();
  memref::GlobalOp global;
  {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(module.getBody());
    global = rewriter.create<memref::GlobalOp>(
        loc, name, rewriter.getStringAttr("private"), type,
        DenseElementsAttr::get(tensorType, bytes), /*constant=*/true,
        rewriter.getI64IntegerAttr(64));
  }
  Value buffer = rewriter.create<memref::GetGlobalOp>(loc, type, global.getSymName());
  Value base = rewriter.create<memref::ExtractAlignedPointerAsIndexOp>(loc, buffer);
  return rewriter.create<arith::IndexCastOp>(loc, rewriter.getI64Type(), base);
}

/// The grouped product the qnn lowering tags `qcc.qgemm_grouped` (out =
/// sum_k sc[j, k/g] (X[i,k] - xZp)(W[j,k] - zp[j, k/g]) over a zero-filled
/// i32 output) with constant codes, sub-scales and zero points: the codes
/// are packed here, once, into the runtime's bit stream, and the product
/// becomes a call of qcc_rt_qgemm_grouped.
struct QGemmGroupedToKernel : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    auto info = op->getAttrOfType<DictionaryAttr>("qcc.qgemm_grouped");
    if (!info || !op.hasPureBufferSemantics() || op.getNumDpsInits() != 1)
      return failure();
    // Operands: X, codes, then sub-scales and zero points unless the tag
    // holds them as one value.
    auto splatScale = info.getAs<IntegerAttr>("sub_scale");
    auto splatZp = info.getAs<IntegerAttr>("w_zp");
    unsigned expected = 2 + !splatScale + !splatZp;
    if (op.getNumDpsInputs() != expected)
      return rewriter.notifyMatchFailure(op, "operands were folded away");
    Value x = op.getDpsInputs()[0], c = op.getDpsInits()[0];
    DenseElementsAttr codes = constantBehind(op.getDpsInputs()[1]);
    unsigned next = 2;
    DenseElementsAttr scales, zps;
    if (!splatScale)
      scales = constantBehind(op.getDpsInputs()[next++]);
    if (!splatZp)
      zps = constantBehind(op.getDpsInputs()[next++]);
    auto bitsAttr = info.getAs<IntegerAttr>("bits");
    auto groupAttr = info.getAs<IntegerAttr>("group");
    if (!codes || (!splatScale && !scales) || (!splatZp && !zps) || !bitsAttr ||
        !groupAttr)
      return rewriter.notifyMatchFailure(op, "weights are not constant");
    int64_t bits = bitsAttr.getInt(), group = groupAttr.getInt();
    if ((bits != 2 && bits != 3 && bits != 4 && bits != 8) || group % 8 != 0 ||
        !hasUnitInnerStride(x, 8) ||
        !cast<MemRefType>(c.getType()).hasStaticShape())
      return rewriter.notifyMatchFailure(op, "unsuitable for the kernel");
    std::optional<qcc::ZeroInit> zeroInit = qcc::findZeroInit(op, c);
    if (!zeroInit)
      return rewriter.notifyMatchFailure(op, "output not known to be zero");
    FailureOr<bool> orientation = productOrientation(op, rewriter);
    if (failed(orientation))
      return failure();
    bool transposed = *orientation;
    auto xt = cast<MemRefType>(x.getType());
    int64_t m = xt.getDimSize(0), k = xt.getDimSize(1);
    int64_t n = codes.getNumElements() / k, groups = k / group;
    if (k % group != 0 || (scales && scales.getNumElements() != n * groups) ||
        (zps && zps.getNumElements() != n * groups))
      return rewriter.notifyMatchFailure(op, "unexpected weight shapes");
    auto flag = [&](StringRef name) {
      auto a = info.getAs<BoolAttr>(name);
      return a && a.getValue();
    };
    // Unsigned codes for the kernel: signed ones move up by 2^(bits-1),
    // their zero points with them.
    int64_t off = flag("w_unsigned") ? 0 : int64_t(1) << (bits - 1);
    auto asCode = [&](const APInt &v) {
      return (uint64_t)((flag("w_unsigned") ? (int64_t)v.getZExtValue()
                                            : v.getSExtValue()) +
                        off);
    };
    int64_t rowBytes = k * bits / 8;
    SmallVector<int8_t> packed(n * rowBytes, 0), sc, zp;
    auto codeValues = llvm::to_vector(codes.getValues<APInt>());
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < k; ++i) {
        uint64_t code = asCode(codeValues[codes.isSplat() ? 0 : j * k + i]);
        int64_t bit = i * bits;
        uint16_t shifted = (uint16_t)(code << (bit % 8));
        packed[j * rowBytes + bit / 8] |= (int8_t)(shifted & 0xff);
        if (bit % 8 + bits > 8)
          packed[j * rowBytes + bit / 8 + 1] |= (int8_t)(shifted >> 8);
      }
    for (int64_t i = 0; i < n * groups; ++i) {
      APInt v = scales ? scales.getValues<APInt>()[scales.isSplat() ? 0 : i]
                       : APInt(32, splatScale.getInt());
      if (v.isNegative() || v.getZExtValue() > 255)
        return rewriter.notifyMatchFailure(op, "sub-scale beyond 8 bits");
      sc.push_back((int8_t)v.getZExtValue());
      zp.push_back(zps ? (int8_t)asCode(zps.getValues<APInt>()[zps.isSplat() ? 0 : i])
                       : (int8_t)(splatZp.getInt() + off));
    }
    Location loc = op.getLoc();
    auto cst = [&](int64_t v) -> Value {
      return rewriter.create<arith::ConstantIntOp>(loc, rewriter.getI64Type(), v);
    };
    StridedBuffer dx = describeStrided(rewriter, loc, x),
                  dc = describeStrided(rewriter, loc, c);
    auto xZp = info.getAs<IntegerAttr>("x_zp");
    SmallVector<Value> args{
        cst(m), cst(n), cst(k), dx.address, dx.strides[0],
        cst(!flag("x_unsigned")), cst(xZp ? xZp.getInt() : 0),
        bytesGlobal(rewriter, op, "__qcc_packed_w", n, rowBytes, packed),
        cst(rowBytes), cst(bits), cst(group),
        bytesGlobal(rewriter, op, "__qcc_w_subscales", n, groups, sc),
        bytesGlobal(rewriter, op, "__qcc_w_zps", n, groups, zp), dc.address,
        transposed ? dc.strides[1] : dc.strides[0],
        transposed ? dc.strides[0] : dc.strides[1]};
    // The kernel overwrites the output, so its initialization is dead.
    qcc::replaceWithRuntimeCall(rewriter, op, kQGemmGrouped, args,
                                zeroInit->dead);
    return success();
  }
};

constexpr const char *kQGemmTernary = "qcc_rt_qgemm_ternary";

/// The runtime's tiled 2-bit form of ternary weights W [n][k]
/// (runtime/QGemmTernary.h): blocks of 32 rows, per block and byte column
/// kb one byte per row holding the codes t + 1 of weights 4kb..4kb+3 at
/// bits 2i; padding is code 1 (weight 0). None when a weight is not -1, 0
/// or 1.
std::optional<SmallVector<int8_t>> tileTernary(DenseElementsAttr w, int64_t n,
                                               int64_t k) {
  int64_t k4 = (k + 3) / 4, blocks = (n + 31) / 32;
  SmallVector<int8_t> out(blocks * k4 * 32, (int8_t)0x55);
  auto values = llvm::to_vector(w.getValues<APInt>());
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < k; ++i) {
      int64_t v = values[w.isSplat() ? 0 : j * k + i].getSExtValue();
      if (v < -1 || v > 1)
        return std::nullopt;
      uint8_t &byte =
          reinterpret_cast<uint8_t &>(out[(j / 32) * k4 * 32 + (i / 4) * 32 + j % 32]);
      byte = (uint8_t)((byte & ~(3u << (2 * (i % 4)))) |
                       (unsigned)(v + 1) << (2 * (i % 4)));
    }
  return out;
}

/// A `qcc.qgemm` product one of whose operands is a constant, signed, all
/// in {-1, 0, 1}, with zero point 0 (qcc-quantize's --weights=ternary
/// layers) calls the ternary kernel instead of the int8 one: its tables turn
/// the products into lookups and additions, and it reads a quarter of the
/// weight bytes. Same int32 results. Matmuls have the constant as W (the
/// second operand); convolutions as X (filters times im2col rows), where
/// the kernel computes the transposed product: the rows become its
/// activations (their zero point must then be one value) and the result
/// strides swap.
struct QGemmTernaryToKernel : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    auto info = op->getAttrOfType<DictionaryAttr>("qcc.qgemm");
    if (!info || !op.hasPureBufferSemantics() || op.getNumDpsInits() != 1)
      return failure();
    auto flag = [&](StringRef name) {
      auto a = info.getAs<BoolAttr>(name);
      return a && a.getValue();
    };
    auto uniformZp = info.getAs<IntegerAttr>("w_zp");
    auto xZpAttr = info.getAs<IntegerAttr>("x_zp");
    int64_t xZp = xZpAttr ? xZpAttr.getInt() : 0;
    if (op.getNumDpsInputs() != (uniformZp ? 2u : 3u))
      return rewriter.notifyMatchFailure(op, "operands were folded away");
    Value x = op.getDpsInputs()[0], w = op.getDpsInputs()[1],
          c = op.getDpsInits()[0];
    if (!hasUnitInnerStride(x, 8) || !hasUnitInnerStride(w, 8) ||
        !cast<MemRefType>(c.getType()).hasStaticShape())
      return rewriter.notifyMatchFailure(op, "unsuitable buffers");
    FailureOr<bool> orientation = productOrientation(op, rewriter);
    if (failed(orientation))
      return failure();
    bool transposed = *orientation;
    auto xt = cast<MemRefType>(x.getType()), wt = cast<MemRefType>(w.getType());
    int64_t k = xt.getDimSize(1);

    // Which operand is ternary: W with zero point(s) 0, or X with zero
    // point 0 and W's zero point one value.
    auto zeroZps = [&]() {
      if (uniformZp)
        return uniformZp.getInt() == 0;
      DenseElementsAttr zps = constantBehind(op.getDpsInputs()[2]);
      return zps && llvm::all_of(zps.getValues<APInt>(),
                                 [](const APInt &v) { return v.isZero(); });
    };
    std::optional<SmallVector<int8_t>> tiled;
    bool swapped = false;
    if (!flag("w_unsigned") && zeroZps())
      if (DenseElementsAttr codes = constantBehind(w))
        if (codes.getNumElements() == wt.getDimSize(0) * k)
          tiled = tileTernary(codes, wt.getDimSize(0), k);
    if (!tiled && !flag("x_unsigned") && xZp == 0 && uniformZp)
      if (DenseElementsAttr codes = constantBehind(x))
        if (codes.getNumElements() == xt.getDimSize(0) * k) {
          tiled = tileTernary(codes, xt.getDimSize(0), k);
          swapped = true;
        }
    if (!tiled)
      return rewriter.notifyMatchFailure(op, "no constant ternary operand");
    std::optional<qcc::ZeroInit> zeroInit = qcc::findZeroInit(op, c);
    if (!zeroInit)
      return rewriter.notifyMatchFailure(op, "output not known to be zero");
    Location loc = op.getLoc();
    auto cst = [&](int64_t v) -> Value {
      return rewriter.create<arith::ConstantIntOp>(loc, rewriter.getI64Type(), v);
    };
    // The kernel's activations A (rows m) and ternary rows n.
    Value a = swapped ? w : x;
    int64_t m = swapped ? wt.getDimSize(0) : xt.getDimSize(0);
    int64_t n = swapped ? xt.getDimSize(0) : wt.getDimSize(0);
    bool aUnsigned = swapped ? flag("w_unsigned") : flag("x_unsigned");
    int64_t aZp = swapped ? uniformZp.getInt() : xZp;
    StridedBuffer da = describeStrided(rewriter, loc, a),
                  dc = describeStrided(rewriter, loc, c);
    // Result (x row i, w row j) at C + i * rs + j * cs.
    Value rs = transposed ? dc.strides[1] : dc.strides[0];
    Value cs = transposed ? dc.strides[0] : dc.strides[1];
    if (swapped)
      std::swap(rs, cs);
    int64_t blocks = (n + 31) / 32, rowBytes = (k + 3) / 4 * 32;
    SmallVector<Value> args{
        cst(m), cst(n), cst(k), da.address, da.strides[0],
        cst(!aUnsigned), cst(aZp),
        bytesGlobal(rewriter, op, "__qcc_ternary_w", blocks, rowBytes, *tiled),
        dc.address, rs, cs};
    // The kernel overwrites the output, so its initialization is dead.
    qcc::replaceWithRuntimeCall(rewriter, op, kQGemmTernary, args,
                                zeroInit->dead);
    return success();
  }
};

constexpr const char *kQGemmSparse24 = "qcc_rt_qgemm_sparse24";

/// A `qcc.qgemm` tagged `sparse24` whose W is a constant int8 matrix with
/// zero point 0 and at most 2 nonzeros per group of 4 along k: W is packed
/// here, once, into the kept values and their 2-bit positions, and the
/// product becomes a call of qcc_rt_qgemm_sparse24 (half the multiply-adds).
/// Anything else is left to the dense QGemmToKernel (same integers).
struct QGemmSparse24ToKernel : OpRewritePattern<linalg::GenericOp> {
  QGemmSparse24ToKernel(MLIRContext *ctx)
      : OpRewritePattern<linalg::GenericOp>(ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    auto info = op->getAttrOfType<DictionaryAttr>("qcc.qgemm");
    if (!info || !info.get("sparse24") || !op.hasPureBufferSemantics() ||
        op.getNumDpsInits() != 1 || op.getNumDpsInputs() != 2)
      return failure();
    auto wZp = info.getAs<IntegerAttr>("w_zp");
    auto wUnsigned = info.getAs<BoolAttr>("w_unsigned");
    if (!wZp || wZp.getInt() != 0 || (wUnsigned && wUnsigned.getValue()))
      return rewriter.notifyMatchFailure(op, "weights not symmetric int8");
    Value x = op.getDpsInputs()[0], c = op.getDpsInits()[0];
    DenseElementsAttr w = constantBehind(op.getDpsInputs()[1]);
    if (!w || !hasUnitInnerStride(x, 8) ||
        !cast<MemRefType>(c.getType()).hasStaticShape())
      return rewriter.notifyMatchFailure(op, "unsuitable operands");
    std::optional<qcc::ZeroInit> zeroInit = qcc::findZeroInit(op, c);
    if (!zeroInit)
      return rewriter.notifyMatchFailure(op, "output not known to be zero");
    FailureOr<bool> orientation = productOrientation(op, rewriter);
    if (failed(orientation))
      return failure();
    bool transposed = *orientation;
    auto xt = cast<MemRefType>(x.getType());
    int64_t m = xt.getDimSize(0), k = xt.getDimSize(1);
    int64_t n = w.getNumElements() / k;
    if (k % 4 != 0 || n * k != w.getNumElements())
      return rewriter.notifyMatchFailure(op, "k not a multiple of 4");
    int64_t half = k / 2, ib = (k + 7) / 8;
    SmallVector<int8_t> values(n * half, 0), indices(n * ib, 0);
    auto wv = llvm::to_vector(w.getValues<APInt>());
    for (int64_t j = 0; j < n; ++j)
      for (int64_t g = 0; g < k / 4; ++g) {
        int pos[4], cnt = 0;
        int8_t v[4];
        for (int i = 0; i < 4; ++i) {
          v[i] = (int8_t)wv[w.isSplat() ? 0 : j * k + 4 * g + i].getSExtValue();
          if (v[i] != 0)
            pos[cnt++] = i;
        }
        if (cnt > 2)
          return rewriter.notifyMatchFailure(op, "weights are not 2:4");
        for (int i = 0; i < 4 && cnt < 2; ++i)
          if (v[i] == 0 && (cnt == 0 || pos[0] != i))
            pos[cnt++] = i;
        if (pos[0] > pos[1])
          std::swap(pos[0], pos[1]);
        values[j * half + 2 * g] = v[pos[0]];
        values[j * half + 2 * g + 1] = v[pos[1]];
        indices[j * ib + g / 2] |=
            (int8_t)((pos[0] | pos[1] << 2) << (4 * (g % 2)));
      }
    Location loc = op.getLoc();
    auto cst = [&](int64_t v) -> Value {
      return rewriter.create<arith::ConstantIntOp>(loc, rewriter.getI64Type(),
                                                   v);
    };
    StridedBuffer dx = describeStrided(rewriter, loc, x),
                  dc = describeStrided(rewriter, loc, c);
    auto xUnsigned = info.getAs<BoolAttr>("x_unsigned");
    auto xZp = info.getAs<IntegerAttr>("x_zp");
    SmallVector<Value> args{
        cst(m),
        cst(n),
        cst(k),
        dx.address,
        dx.strides[0],
        cst(!(xUnsigned && xUnsigned.getValue())),
        cst(xZp ? xZp.getInt() : 0),
        bytesGlobal(rewriter, op, "__qcc_sparse24_values", n, half, values),
        cst(half),
        bytesGlobal(rewriter, op, "__qcc_sparse24_indices", n, ib, indices),
        cst(ib),
        dc.address,
        transposed ? dc.strides[1] : dc.strides[0],
        transposed ? dc.strides[0] : dc.strides[1]};
    // The kernel overwrites the output, so its initialization is dead.
    qcc::replaceWithRuntimeCall(rewriter, op, kQGemmSparse24, args,
                                zeroInit->dead);
    return success();
  }
};

constexpr const char *kQConv = "qcc_rt_qconv_s8";
constexpr const char *kQDWConv = "qcc_rt_qdwconv_s8";

/// Whether the last `dims` dimensions of a static buffer are contiguous
/// (row-major, unit inner stride).
bool innerContiguous(MemRefType type, unsigned dims) {
  SmallVector<int64_t> strides;
  int64_t offset;
  if (!type.hasStaticShape() ||
      failed(type.getStridesAndOffset(strides, offset)))
    return false;
  int64_t expect = 1;
  for (unsigned i = 0; i < dims; ++i) {
    unsigned d = type.getRank() - 1 - i;
    if (strides[d] != expect)
      return false;
    expect *= type.getDimSize(d);
  }
  return true;
}

/// A generic the qnn lowering tags `qcc.qconv` (the 2-D convolution, batch
/// 1, one group, one weight zero point; out[0, f, oy, ox] = sum over c, ky,
/// kx of (X[0, c, oy*sy + ky*dy, ox*sx + kx*dx] - xZp) * (W[f, c, ky, kx] -
/// wZp); with `depthwise`, W is [C, 1, KH, KW] and c = f) on buffers the
/// runtime takes, with its tag and the zero-filling of its output; failure
/// (with the reason) otherwise.
struct QConvMatch {
  DictionaryAttr info;
  qcc::ZeroInit zeroInit;
};
FailureOr<QConvMatch> matchQConv(linalg::GenericOp op,
                                 PatternRewriter &rewriter) {
  auto info = op->getAttrOfType<DictionaryAttr>("qcc.qconv");
  if (!info || !op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumDpsInputs() != 2)
    return failure();
  auto xZp = info.getAs<IntegerAttr>("x_zp"),
       wZp = info.getAs<IntegerAttr>("w_zp");
  auto strides = info.getAs<DenseI64ArrayAttr>("strides"),
       dilations = info.getAs<DenseI64ArrayAttr>("dilations");
  if (!xZp || !wZp || !strides || !dilations || strides.size() != 2 ||
      dilations.size() != 2)
    return rewriter.notifyMatchFailure(op, "malformed qcc.qconv tag");
  Value x = op.getDpsInputs()[0], w = op.getDpsInputs()[1],
        c = op.getDpsInits()[0];
  auto xt = dyn_cast<MemRefType>(x.getType());
  auto wt = dyn_cast<MemRefType>(w.getType());
  auto ct = dyn_cast<MemRefType>(c.getType());
  if (!xt || !wt || !ct || xt.getRank() != 4 || wt.getRank() != 4 ||
      ct.getRank() != 4 || !hasUnitInnerStride(x, 8) ||
      !innerContiguous(wt, 4) || !innerContiguous(ct, 3) ||
      wt.getElementTypeBitWidth() != 8 || ct.getElementTypeBitWidth() != 32)
    return rewriter.notifyMatchFailure(op, "unsuitable buffers");
  std::optional<qcc::ZeroInit> zeroInit = qcc::findZeroInit(op, c);
  if (!zeroInit)
    return rewriter.notifyMatchFailure(op, "output not known to be zero");
  return QConvMatch{info, *zeroInit};
}

/// The operands of qcc_rt_qconv_s8 before its output: shape, strides,
/// dilations, X and its strides, signedness and zero points, W.
SmallVector<Value> convArgs(PatternRewriter &rewriter, linalg::GenericOp op,
                            DictionaryAttr info) {
  Location loc = op.getLoc();
  auto cst = [&](int64_t v) -> Value {
    return rewriter.create<arith::ConstantIntOp>(loc, rewriter.getI64Type(), v);
  };
  auto flag = [&](StringRef name) {
    auto a = info.getAs<BoolAttr>(name);
    return a && a.getValue();
  };
  auto strides = info.getAs<DenseI64ArrayAttr>("strides"),
       dilations = info.getAs<DenseI64ArrayAttr>("dilations");
  Value x = op.getDpsInputs()[0], w = op.getDpsInputs()[1],
        c = op.getDpsInits()[0];
  auto xt = cast<MemRefType>(x.getType());
  auto wt = cast<MemRefType>(w.getType());
  auto ct = cast<MemRefType>(c.getType());
  StridedBuffer dx = describeStrided(rewriter, loc, x),
                dw = describeStrided(rewriter, loc, w);
  return {cst(ct.getDimSize(1)),
          cst(xt.getDimSize(1)),
          cst(xt.getDimSize(2)),
          cst(xt.getDimSize(3)),
          cst(wt.getDimSize(2)),
          cst(wt.getDimSize(3)),
          cst(ct.getDimSize(2)),
          cst(ct.getDimSize(3)),
          cst(strides[0]),
          cst(strides[1]),
          cst(dilations[0]),
          cst(dilations[1]),
          dx.address,
          dx.strides[1],
          dx.strides[2],
          cst(!flag("x_unsigned")),
          cst(info.getAs<IntegerAttr>("x_zp").getInt()),
          dw.address,
          cst(!flag("w_unsigned")),
          cst(info.getAs<IntegerAttr>("w_zp").getInt())};
}

/// A qcc.qconv convolution becomes a call of qcc_rt_qconv_s8, which packs
/// the GEMM's patch operand straight from the input (runtime/QConv.c), or
/// for a depthwise one of qcc_rt_qdwconv_s8 (runtime/QDWConv.c).
struct QConvToKernel : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    FailureOr<QConvMatch> m = matchQConv(op, rewriter);
    if (failed(m))
      return failure();
    StridedBuffer dc =
        describeStrided(rewriter, op.getLoc(), op.getDpsInits()[0]);
    SmallVector<Value> args = convArgs(rewriter, op, m->info);
    args.push_back(dc.address);
    qcc::replaceWithRuntimeCall(rewriter, op,
                                m->info.get("depthwise") ? kQDWConv : kQConv,
                                args, m->zeroInit.dead);
    return success();
  }
};

constexpr const char *kQConvRq = "qcc_rt_qconv_s8_rq";
constexpr const char *kQDWConvRq = "qcc_rt_qdwconv_s8_rq";

/// The qcc.qconv_epilogue generic that is the only reader of the values the
/// convolution `op` writes to `c`. Bufferization reuses such buffers, so
/// `c` (directly or through reshapes) may have other users in the block:
/// before the convolution (the buffer's earlier life), after the epilogue
/// provided that the first of them overwrites all of it (a linalg.fill of
/// `c` or a reshape of it), and deallocations. Nothing may touch it between
/// the convolution and the epilogue. Failure otherwise.
FailureOr<linalg::GenericOp> soleReader(linalg::GenericOp op, Value c,
                                        Operation *zeroFill) {
  SmallVector<std::pair<Operation *, Value>> users; // (user, the view used)
  SmallVector<Value> views{c};
  while (!views.empty()) {
    Value v = views.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(user)) {
        views.push_back(user->getResult(0));
        continue;
      }
      users.push_back({user, v});
    }
  }
  Block *block = op->getBlock();
  linalg::GenericOp ep;
  for (auto [user, view] : users) {
    auto g = dyn_cast<linalg::GenericOp>(user);
    if (g && g->hasAttr("qcc.qconv_epilogue") && view == c &&
        g.getNumDpsInits() == 1 && g.getDpsInputs().size() >= 1 &&
        g.getDpsInputs()[0] == c && !ep) {
      ep = g;
      continue;
    }
  }
  if (!ep || ep->getBlock() != block || !op->isBeforeInBlock(ep) ||
      !ep.hasPureBufferSemantics())
    return failure();
  Operation *firstAfter = nullptr;
  for (auto [user, view] : users) {
    if (user == op.getOperation() || user == zeroFill ||
        user == ep.getOperation() || isa<memref::DeallocOp>(user))
      continue;
    if (user->getBlock() != block)
      return failure();
    if (user->isBeforeInBlock(op))
      continue;
    if (user->isBeforeInBlock(ep))
      return failure(); // sees the convolution's values
    if (!firstAfter || user->isBeforeInBlock(firstAfter))
      firstAfter = user;
  }
  if (firstAfter) {
    auto fill = dyn_cast<linalg::FillOp>(firstAfter);
    if (!fill || fill.getNumDpsInits() != 1)
      return failure();
    // The fill's output is `c` or a reshape of it: all of it.
    Value v = fill.getDpsInits()[0];
    while (v != c) {
      Operation *def = v.getDefiningOp();
      if (!isa_and_nonnull<memref::ExpandShapeOp, memref::CollapseShapeOp>(def))
        return failure();
      v = def->getOperand(0);
    }
  }
  return ep;
}

/// A qcc.qconv convolution whose int32 output only feeds the requantizing
/// generic the qnn lowering tags `qcc.qconv_epilogue` (besides its zero fill
/// and deallocation) becomes, together with that generic, one call of
/// qcc_rt_qconv_s8_rq (qcc_rt_qdwconv_s8_rq) writing the bytes: the int32
/// buffer goes away. The call takes the convolution's place; the epilogue's
/// output and bias buffers must be available there (defined before it, or
/// allocations and globals without operands, which are moved up). Otherwise
/// QConvToKernel calls the plain kernel and the epilogue stays a loop nest.
struct QConvRequantToKernel : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (!op->hasAttr("qcc.qconv"))
      return failure();
    FailureOr<QConvMatch> m = matchQConv(op, rewriter);
    if (failed(m))
      return failure();
    Value c = op.getDpsInits()[0];
    FailureOr<linalg::GenericOp> found = soleReader(op, c, m->zeroInit.dead);
    if (failed(found))
      return rewriter.notifyMatchFailure(op, "int32 output read elsewhere");
    linalg::GenericOp ep = *found;
    auto tag = ep->getAttrOfType<DictionaryAttr>("qcc.qconv_epilogue");
    auto mult = tag.getAs<DenseI32ArrayAttr>("multiplier"),
         shift = tag.getAs<DenseI32ArrayAttr>("shift");
    auto zp = tag.getAs<IntegerAttr>("output_zp"),
         lo = tag.getAs<IntegerAttr>("clamp_min"),
         hi = tag.getAs<IntegerAttr>("clamp_max");
    auto table = tag.getAs<DenseI8ArrayAttr>("table");
    bool withBias = static_cast<bool>(tag.get("bias"));
    auto ct = cast<MemRefType>(c.getType());
    int64_t filters = ct.getDimSize(1);
    if (!mult || !shift || !zp || !lo || !hi ||
        (int64_t)mult.size() != filters || (int64_t)shift.size() != filters ||
        (table && table.size() != 256) ||
        ep.getNumDpsInputs() != (withBias ? 5u : 4u))
      return rewriter.notifyMatchFailure(op, "malformed qcc.qconv_epilogue");
    Value out = ep.getDpsInits()[0];
    auto outType = dyn_cast<MemRefType>(out.getType());
    if (!outType || outType.getShape() != ct.getShape() ||
        outType.getElementTypeBitWidth() != 8 || !innerContiguous(outType, 3))
      return rewriter.notifyMatchFailure(op, "unsuitable epilogue output");
    Value bias = withBias ? ep.getDpsInputs()[1] : Value();
    if (bias) {
      auto bt = dyn_cast<MemRefType>(bias.getType());
      if (!bt || bt.getNumElements() != filters ||
          !innerContiguous(bt, bt.getRank()))
        return rewriter.notifyMatchFailure(op, "unsuitable bias");
    }
    // The buffers the call writes and reads besides the convolution's
    // must exist where it runs.
    DominanceInfo dom(op->getParentOp());
    SmallVector<Operation *> hoist;
    for (Value v : {out, bias}) {
      while (v && !dom.properlyDominates(v, op)) {
        Operation *def = v.getDefiningOp();
        if (isa_and_nonnull<memref::AllocOp, memref::GetGlobalOp>(def) &&
            def->getNumOperands() == 0) {
          hoist.push_back(def);
          break;
        }
        // Views (reshapes) of such buffers come along.
        if (isa_and_nonnull<memref::ExpandShapeOp, memref::CollapseShapeOp>(
                def)) {
          hoist.push_back(def);
          v = def->getOperand(0);
          continue;
        }
        return rewriter.notifyMatchFailure(op, "epilogue buffers defined late");
      }
    }
    for (Operation *def : llvm::reverse(hoist))
      rewriter.moveOpBefore(def, op);

    Location loc = op.getLoc();
    rewriter.setInsertionPoint(op);
    auto cst = [&](int64_t v) -> Value {
      return rewriter.create<arith::ConstantIntOp>(loc, rewriter.getI64Type(),
                                                   v);
    };
    auto words = [&](StringRef stem, ArrayRef<int32_t> v) {
      SmallVector<int8_t> bytes(v.size() * 4);
      std::memcpy(bytes.data(), v.data(), bytes.size()); // little-endian
      return bytesGlobal(rewriter, op, stem, 1, bytes.size(), bytes);
    };
    SmallVector<Value> args = convArgs(rewriter, op, m->info);
    args.push_back(bias ? describeStrided(rewriter, loc, bias).address
                        : cst(0));
    args.push_back(words("__qcc_rq_multiplier", mult.asArrayRef()));
    args.push_back(words("__qcc_rq_shift", shift.asArrayRef()));
    args.push_back(cst(zp.getInt()));
    args.push_back(cst(lo.getInt()));
    args.push_back(cst(hi.getInt()));
    args.push_back(table ? bytesGlobal(rewriter, op, "__qcc_rq_table", 1, 256,
                                       table.asArrayRef())
                         : cst(0));
    args.push_back(describeStrided(rewriter, loc, out).address);
    qcc::createRuntimeCall(rewriter, op,
                           m->info.get("depthwise") ? kQDWConvRq : kQConvRq,
                           args);
    rewriter.eraseOp(ep);
    if (m->zeroInit.dead)
      rewriter.eraseOp(m->zeroInit.dead);
    rewriter.eraseOp(op);
    // The int32 buffer, now only deallocated.
    if (auto alloc = c.getDefiningOp<memref::AllocOp>();
        alloc && llvm::all_of(c.getUsers(), [](Operation *u) {
          return isa<memref::DeallocOp>(u);
        })) {
      for (Operation *d : llvm::make_early_inc_range(c.getUsers()))
        rewriter.eraseOp(d);
      rewriter.eraseOp(alloc);
    }
    return success();
  }
};

struct ConvertLinalgToUKernelsPass
    : qcc::impl::ConvertLinalgToUKernelsBase<ConvertLinalgToUKernelsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<MatmulToSgemm<linalg::MatmulOp>,
                 MatmulToSgemm<linalg::BatchMatmulOp>, QGemmToKernel,
                 QGemmGroupedToKernel, QGemmSparse24ToKernel, QConvToKernel>(
        &getContext());
    // Ternary weights take their kernel before the int8 one matches; a
    // convolution with a requantizing epilogue takes the fused call before
    // the plain one.
    patterns.add<QGemmTernaryToKernel, QConvRequantToKernel>(&getContext(),
                                                             /*benefit=*/2);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns)))) {
      getOperation().emitError("qcc-convert-linalg-to-ukernels did not converge");
      signalPassFailure();
    }
    // The unpacked weights the grouped calls replaced.
    ModuleOp module = getOperation();
    for (auto global :
         llvm::make_early_inc_range(module.getOps<memref::GlobalOp>()))
      if (global.isPrivate() && SymbolTable::symbolKnownUseEmpty(global, module))
        global.erase();
  }
};

} // namespace
