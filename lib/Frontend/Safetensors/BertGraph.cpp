//===- BertGraph.cpp - BERT-style encoder from safetensors ----------------===//
//
// transformers' BertModel (no pooler) plus sentence-transformers' mean
// pooling and normalization, in qnn ops, for a static batch B and sequence
// length S:
//
//   x = LN(word[input_ids] + position[0..S) + token_type[token_type_ids])
//   per layer: x = LN(x + W_o attn(W_q x, W_k x, W_v x, mask))
//              x = LN(x + W_2 gelu(W_1 x))
//   last_hidden_state = x
//   sentence_embedding = normalize(sum_s mask x / max(sum_s mask, 1e-9))
//
// Conventions that matter for the numbers and the quantizer:
//  - A checkpoint's linear weight is [out, in]; the graph multiplies
//    x [B, S, in] by its transpose [in, out] (a constant the quantizer
//    quantizes per output column), then adds the bias.
//  - The attention scale 1/sqrt(head_dim) is folded into W_q and b_q.
//  - Padding keys are excluded by qnn.where(mask, scores, lowest float)
//    before the softmax (transformers adds finfo.min instead: the same
//    probabilities). qcc-integerize turns that pair into a masked
//    qnn.softmax_integer, so the quantized model masks exactly too.
//  - The embedding lookup and sum and the pooling head are marked
//    `qcc.keep_float`: the quantizer leaves them as float input
//    preprocessing and output head (docs/numerics.md), so quantization
//    starts at the embedding layer norm's input and ends at the last layer
//    norm's output.
//
//===----------------------------------------------------------------------===//

#include "BertGraph.h"

#include "qcc/Dialect/Qnn/IR/Qnn.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace qcc::qnn;
using qcc::modelfile::SafetensorsFile;
using qcc::modelfile::TensorRef;

namespace qcc::safetensors_import {

namespace {

class BertBuilder {
public:
  BertBuilder(OpBuilder &b, Location fileLoc, const SafetensorsFile &file,
              const BertConfig &c)
      : b(b), loc(fileLoc), fileLoc(fileLoc), file(file), c(c) {}

  LogicalResult build(ModuleOp module);

private:
  OpBuilder &b;
  Location loc;
  Location fileLoc;
  const SafetensorsFile &file;
  const BertConfig &c;

  RankedTensorType f32(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, b.getF32Type());
  }
  RankedTensorType typeOf(Value v) {
    return cast<RankedTensorType>(v.getType());
  }

  /// The tensor `name` (after the prefix) as floats; nullopt after a
  /// diagnostic. readBertConfig checked its shape.
  std::optional<std::vector<float>> load(const std::string &name);
  Value constantF32(ArrayRef<int64_t> shape, ArrayRef<float> values);
  /// The tensor as an f32 constant of `shape` (its element count).
  Value weight(const std::string &name, ArrayRef<int64_t> shape);
  /// The [out, in] weight `name` transposed to [in, out], times `scale`.
  Value linearWeight(const std::string &name, float scale = 1.0f);
  Value bias(const std::string &name, float scale = 1.0f);

  Value reshape(Value v, ArrayRef<int64_t> shape) {
    return b.create<ReshapeOp>(loc, typeOf(v).clone(shape), v);
  }
  Value transpose(Value v, ArrayRef<int64_t> perm) {
    SmallVector<int64_t> shape;
    for (int64_t p : perm)
      shape.push_back(typeOf(v).getDimSize(p));
    return b.create<TransposeOp>(loc, typeOf(v).clone(shape), v, perm);
  }
  template <typename OpTy> Value binary(Value x, Value y) {
    auto shape = broadcastShapes(typeOf(x).getShape(), typeOf(y).getShape());
    assert(succeeded(shape) && "the builder broadcasts compatible shapes");
    return b.create<OpTy>(loc, typeOf(x).clone(*shape), x, y);
  }
  Value add(Value x, Value y) { return binary<AddOp>(x, y); }
  /// x [B, S, in] W [in, out] + bias [out].
  Value linear(Value x, Value w, Value bias) {
    auto xs = typeOf(x).getShape();
    int64_t out = typeOf(w).getDimSize(1);
    Value y = b.create<MatMulOp>(loc, f32({xs[0], xs[1], out}), x, w);
    return add(y, bias);
  }
  Value layerNorm(Value x, const std::string &name) {
    Value gamma = weight(name + ".weight", {c.hidden});
    Value beta = weight(name + ".bias", {c.hidden});
    if (!gamma || !beta)
      return nullptr;
    return b.create<LayerNormOp>(loc, typeOf(x), x, gamma, beta, (uint64_t)2,
                                 APFloat(c.layerNormEps));
  }
  void keepFloat(Value v) {
    v.getDefiningOp()->setAttr("qcc.keep_float", b.getUnitAttr());
  }

  /// One encoder layer; null after a diagnostic.
  Value layer(Value x, Value keyMask, int64_t l);
};

std::optional<std::vector<float>> BertBuilder::load(const std::string &name) {
  const TensorRef *t = file.lookupTensor(c.prefix + name);
  assert(t && "readBertConfig checked the tensors");
  auto data = modelfile::dequantizeTensor(*t);
  if (!data) {
    emitError(fileLoc) << llvm::toString(data.takeError());
    return std::nullopt;
  }
  return std::move(*data);
}

Value BertBuilder::constantF32(ArrayRef<int64_t> shape,
                               ArrayRef<float> values) {
  auto attr = DenseElementsAttr::getFromRawBuffer(
      f32(shape), ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                                 values.size() * sizeof(float)));
  return b.create<arith::ConstantOp>(loc, attr);
}

Value BertBuilder::weight(const std::string &name, ArrayRef<int64_t> shape) {
  auto data = load(name);
  if (!data)
    return nullptr;
  Location saved = loc;
  loc = NameLoc::get(b.getStringAttr(c.prefix + name), fileLoc);
  Value v = constantF32(shape, *data);
  loc = saved;
  return v;
}

Value BertBuilder::linearWeight(const std::string &name, float scale) {
  const TensorRef *t = file.lookupTensor(c.prefix + name);
  int64_t out = (int64_t)t->shape[0], in = (int64_t)t->shape[1];
  auto data = load(name);
  if (!data)
    return nullptr;
  std::vector<float> wt(in * out);
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i)
      wt[i * out + o] = (*data)[o * in + i] * scale;
  Location saved = loc;
  loc = NameLoc::get(b.getStringAttr(c.prefix + name), fileLoc);
  Value v = constantF32({in, out}, wt);
  loc = saved;
  return v;
}

Value BertBuilder::bias(const std::string &name, float scale) {
  auto data = load(name);
  if (!data)
    return nullptr;
  for (float &v : *data)
    v *= scale;
  Location saved = loc;
  loc = NameLoc::get(b.getStringAttr(c.prefix + name), fileLoc);
  Value v = constantF32({(int64_t)data->size()}, *data);
  loc = saved;
  return v;
}

Value BertBuilder::layer(Value x, Value keyMask, int64_t l) {
  int64_t B = c.batch, S = c.seqLen, H = c.heads, hd = c.headDim;
  std::string p = llvm::formatv("encoder.layer.{0}.", l).str();
  std::string att = p + "attention.self.";
  float qScale = (float)(1.0 / std::sqrt((double)hd));
  Value wq = linearWeight(att + "query.weight", qScale);
  Value bq = bias(att + "query.bias", qScale);
  Value wk = linearWeight(att + "key.weight"), bk = bias(att + "key.bias");
  Value wv = linearWeight(att + "value.weight"), bv = bias(att + "value.bias");
  Value wo = linearWeight(p + "attention.output.dense.weight");
  Value bo = bias(p + "attention.output.dense.bias");
  Value w1 = linearWeight(p + "intermediate.dense.weight");
  Value b1 = bias(p + "intermediate.dense.bias");
  Value w2 = linearWeight(p + "output.dense.weight");
  Value b2 = bias(p + "output.dense.bias");
  for (Value v : {wq, bq, wk, bk, wv, bv, wo, bo, w1, b1, w2, b2})
    if (!v)
      return nullptr;

  // Heads: q, v [B, H, S, hd]; k transposed to [B, H, hd, S].
  auto heads = [&](Value v, ArrayRef<int64_t> perm) {
    return transpose(reshape(v, {B, S, H, hd}), perm);
  };
  Value q = heads(linear(x, wq, bq), {0, 2, 1, 3});
  Value k = heads(linear(x, wk, bk), {0, 2, 3, 1});
  Value v = heads(linear(x, wv, bv), {0, 2, 1, 3});
  Value scores = b.create<MatMulOp>(loc, f32({B, H, S, S}), q, k);
  Value lowest = constantF32({1}, {std::numeric_limits<float>::lowest()});
  scores = b.create<WhereOp>(loc, typeOf(scores), keyMask, scores, lowest);
  Value probs =
      b.create<SoftmaxOp>(loc, typeOf(scores), scores, (uint64_t)3, false);
  Value ctx = b.create<MatMulOp>(loc, f32({B, H, S, hd}), probs, v);
  ctx = reshape(transpose(ctx, {0, 2, 1, 3}), {B, S, c.hidden});
  x = layerNorm(add(linear(ctx, wo, bo), x), p + "attention.output.LayerNorm");
  if (!x)
    return nullptr;

  Value h = linear(x, w1, b1);
  h = b.create<GeluOp>(loc, typeOf(h), h, b.getBoolAttr(c.tanhGelu));
  return layerNorm(add(linear(h, w2, b2), x), p + "output.LayerNorm");
}

LogicalResult BertBuilder::build(ModuleOp module) {
  int64_t B = c.batch, S = c.seqLen, D = c.hidden;
  auto i64 = b.getI64Type();
  auto idsType = RankedTensorType::get({B, S}, i64);

  b.setInsertionPointToEnd(module.getBody());
  SmallVector<Type> inputs = {idsType, idsType};
  if (c.tokenTypeIds)
    inputs.push_back(idsType);
  auto func = b.create<func::FuncOp>(
      fileLoc, "main",
      b.getFunctionType(inputs, {f32({B, S, D}), f32({B, D})}));
  const char *inNames[] = {"input_ids", "attention_mask", "token_type_ids"};
  for (unsigned i = 0; i < inputs.size(); ++i)
    func.setArgAttr(i, "qcc.name", b.getStringAttr(inNames[i]));
  func.setResultAttr(0, "qcc.name", b.getStringAttr("last_hidden_state"));
  func.setResultAttr(1, "qcc.name", b.getStringAttr("sentence_embedding"));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value ids = entry->getArgument(0), mask = entry->getArgument(1);

  // Embeddings: word rows, plus positions 0..S-1 and (without a
  // token_type_ids input) token type 0 as one constant.
  loc = NameLoc::get(b.getStringAttr("embeddings"), fileLoc);
  Value words = weight("embeddings.word_embeddings.weight", {c.vocab, D});
  auto positions = load("embeddings.position_embeddings.weight");
  auto types = load("embeddings.token_type_embeddings.weight");
  if (!words || !positions || !types)
    return failure();
  std::vector<float> fixed(S * D);
  for (int64_t s = 0; s < S; ++s)
    for (int64_t d = 0; d < D; ++d)
      fixed[s * D + d] =
          (*positions)[s * D + d] + (c.tokenTypeIds ? 0.0f : (*types)[d]);
  Value x = b.create<GatherOp>(loc, f32({B, S, D}), words, ids, (uint64_t)0);
  keepFloat(x);
  x = add(x, constantF32({1, S, D}, fixed));
  keepFloat(x);
  if (c.tokenTypeIds) {
    Value table = constantF32({c.typeVocab, D}, *types);
    Value t = b.create<GatherOp>(loc, f32({B, S, D}), table,
                                 entry->getArgument(2), (uint64_t)0);
    keepFloat(t);
    x = add(x, t);
    keepFloat(x);
  }
  x = layerNorm(x, "embeddings.LayerNorm");
  if (!x)
    return failure();

  // Which keys each query attends to: [B, 1, 1, S]. (Each use of the mask
  // compares the i64 input itself: an i1 tensor shared by several users
  // miscompiled on the SSE-only x86-64 targets, see docs/formats.md.)
  auto i64Zero = b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(RankedTensorType::get({1}, i64),
                                  ArrayRef<int64_t>{0}));
  auto keptMask = [&](ArrayRef<int64_t> shape) -> Value {
    Value m = b.create<ReshapeOp>(loc, RankedTensorType::get(shape, i64), mask);
    auto boolType = RankedTensorType::get(shape, b.getI1Type());
    Value padding =
        b.create<CompareOp>(loc, boolType, CompareKind::eq, m, i64Zero);
    return b.create<NotOp>(loc, boolType, padding);
  };
  Value keyMask = keptMask({B, 1, 1, S});

  for (int64_t l = 0; l < c.layers; ++l) {
    loc = NameLoc::get(
        b.getStringAttr(llvm::formatv("encoder.layer.{0}", l).str()), fileLoc);
    x = layer(x, keyMask, l);
    if (!x)
      return failure();
  }

  // Mean over the kept tokens, L2-normalized (sentence-transformers'
  // Pooling(mean) and Normalize: clamps of 1e-9 and 1e-12).
  loc = NameLoc::get(b.getStringAttr("pooling"), fileLoc);
  Value zero = constantF32({1}, {0.0f});
  Value tokenMask = keptMask({B, S, 1});
  Value kept = b.create<WhereOp>(loc, typeOf(x), tokenMask, x, zero);
  keepFloat(kept);
  Value sum = b.create<ReduceOp>(loc, f32({B, D}), ReduceKind::sum, kept,
                                 ArrayRef<int64_t>{1}, false);
  keepFloat(sum);
  Value ones = b.create<CastOp>(loc, f32({B, S}), keptMask({B, S}));
  Value count = b.create<ReduceOp>(loc, f32({B, 1}), ReduceKind::sum, ones,
                                   ArrayRef<int64_t>{1}, true);
  keepFloat(count);
  count = binary<MaxOp>(count, constantF32({1}, {1e-9f}));
  keepFloat(count);
  Value mean = binary<DivOp>(sum, count);
  keepFloat(mean);
  Value norm = b.create<ReduceOp>(loc, f32({B, 1}), ReduceKind::l2, mean,
                                  ArrayRef<int64_t>{1}, true);
  keepFloat(norm);
  norm = binary<MaxOp>(norm, constantF32({1}, {1e-12f}));
  keepFloat(norm);
  Value embedding = binary<DivOp>(mean, norm);
  keepFloat(embedding);
  b.create<func::ReturnOp>(loc, ValueRange{x, embedding});
  return success();
}

} // namespace

LogicalResult buildBertEncoder(ModuleOp module, const SafetensorsFile &file,
                               const BertConfig &config) {
  OpBuilder b(module.getContext());
  Location loc = FileLineColLoc::get(b.getStringAttr(file.getPath()), 0, 0);
  return BertBuilder(b, loc, file, config).build(module);
}

} // namespace qcc::safetensors_import
