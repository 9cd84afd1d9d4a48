//===- LlamaGraph.cpp - llama-architecture GGUF as a qnn graph ------------===//
//
// T tokens of a llama decoder (llama.cpp's `llama` architecture: Llama,
// SmolLM, Mistral without sliding windows, ...) at positions pos .. pos+T-1
// with a KV cache, in qnn ops: T = 1 is one decode step, T > 1 a sequence
// (prefill, perplexity windows, calibration):
//
//   x = token_embd[tokens]                                     [T, d]
//   per block: x += W_o attn(rope(W_q rms(x)), rope(W_k rms(x)), W_v rms(x))
//              x += W_down (silu(W_gate rms(x)) * W_up rms(x))
//   logits = W_out rms(x)   (W_out = token_embd without an output.weight)
//
// Conventions that matter for the numbers:
//  - GGUF stores a linear layer's weight as [out, in] (ggml's ne0 = in), so
//    y = W x is a matmul of W with x as a column: the runtime GEMM then
//    streams W's rows, which is what a memory-bound decode step wants.
//  - llama.cpp's converter permutes the rows of W_q and W_k within each head
//    so that rotary embedding rotates adjacent pairs (x[2i], x[2i+1]) by
//    pos * base^(-2i/head_dim) (ggml's "normal" rope), where the Hugging Face
//    checkpoint rotates the two halves of the head. The graph therefore
//    rotates adjacent pairs; attention scores are the same either way.
//  - Grouped-query attention: query head h reads KV head h / (heads /
//    kv_heads), as llama.cpp and transformers' repeat_kv do.
//  - The cache holds every position of the context; positions pos ..
//    pos+T-1 are written this run, and token i attends to positions
//    0 .. pos+i (the causal mask), so a sequence run computes exactly what
//    T decode steps would.
//  - Activations are [T, features]. In a decode step a linear layer is
//    W [out, in] times x as a column, so the weights keep the file's layout
//    and the step streams W's rows (GEMV); in a sequence graph it is x
//    times W^T [in, out] (transposed at compile time), a GEMM in the form
//    that calibration statistics and the weight quantizers expect.
//
//===----------------------------------------------------------------------===//

#include "LlamaGraph.h"

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/Transforms/WeightQuantization.h"
#include "qcc/Quant/BlockEncoders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;
using namespace qcc::qnn;
using qcc::modelfile::GgufFile;
using qcc::modelfile::TensorRef;

namespace qcc::gguf_import {

namespace {

llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// The weights of one transformer block (biases are optional).
struct BlockWeights {
  Value attnNorm, wq, wk, wv, wo, bq, bk, bv, bo, ffnNorm, gate, up, down;
};

class LlamaBuilder {
public:
  LlamaBuilder(OpBuilder &b, Location fileLoc, const GgufFile &file,
               const LlamaConfig &c, std::shared_ptr<const GgufFile> owner)
      : b(b), loc(fileLoc), fileLoc(fileLoc), file(file), c(c),
        owner(std::move(owner)) {}

  LogicalResult build(ModuleOp module);

private:
  OpBuilder &b;
  Location loc; // of the ops being built (the current block)
  Location fileLoc;
  const GgufFile &file;
  const LlamaConfig &c;
  /// Keeps the file's mapping alive while constants point into it.
  std::shared_ptr<const GgufFile> owner;
  /// Linear-layer weights kept as block bytes, and their formats.
  llvm::DenseMap<Value, BlockFormat> blockFormats;
  /// Non-native block types already reported as requantized.
  llvm::SmallSet<int, 4> requantNoted;
  /// AWQ layers: the factors [1, in] their input is multiplied by.
  llvm::DenseMap<Value, Value> inputScales;
  /// Linear-layer weights pruned to 2:4 (their block_linear is marked).
  llvm::DenseSet<Value> pruned24;
  /// Configurations whose k-quant fallback was reported.
  llvm::SmallSet<int, 4> fallbackNoted;

  RankedTensorType f32(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, b.getF32Type());
  }
  RankedTensorType typeOf(Value v) {
    return cast<RankedTensorType>(v.getType());
  }

  /// The tensor `name` dequantized to an f32 constant of `shape` (its
  /// element count must match; the file's shape was checked by
  /// readLlamaConfig). Null after a diagnostic.
  Value weight(const std::string &name, ArrayRef<int64_t> shape);
  /// The weight [out, in] of a linear layer, stored as the weight plan
  /// says: f32 gives weight(); gguf keeps a block-quantized tensor in its
  /// format as an i8 [out, row bytes] constant over the file's bytes
  /// (types the block kernels do not run are requantized to Q8_0, with a
  /// remark; float tensors give weight()); the other configurations
  /// re-encode the dequantized tensor (encodedWeight). Null after a
  /// diagnostic.
  Value linearWeight(const std::string &name, ArrayRef<int64_t> shape);
  /// The file's block bytes of `name` as a constant (or their Q8_0
  /// requantization); null after a diagnostic.
  Value blockWeight(const std::string &name, ArrayRef<int64_t> shape);
  /// `name` dequantized and encoded as `config` says (encodeLinearWeight);
  /// null after a diagnostic.
  Value encodedWeight(const std::string &name, ArrayRef<int64_t> shape,
                      const WeightConfig &config);
  /// An i8 [rows, bytes / rows] constant of block bytes in `format`, named
  /// `name`; `deleter` null copies the bytes.
  Value blockConstant(const std::string &name, BlockFormat format,
                      int64_t rows, ArrayRef<char> bytes,
                      AsmResourceBlob::DeleterFn deleter);
  Value constantF32(ArrayRef<int64_t> shape, ArrayRef<float> values);

  Value reshape(Value v, ArrayRef<int64_t> shape) {
    return b.create<ReshapeOp>(loc, f32(shape), v);
  }
  Value add(Value x, Value y) { return binary<AddOp>(x, y); }
  Value sub(Value x, Value y) { return binary<SubOp>(x, y); }
  Value mul(Value x, Value y) { return binary<MulOp>(x, y); }
  template <typename OpTy> Value binary(Value x, Value y) {
    auto shape = broadcastShapes(typeOf(x).getShape(), typeOf(y).getShape());
    assert(succeeded(shape) && "the builder broadcasts compatible shapes");
    return b.create<OpTy>(loc, typeOf(x).clone(*shape), x, y);
  }

  /// x permuted by `perm` (a reshape when only unit axes move).
  Value permute(Value x, ArrayRef<int64_t> perm);
  /// y [T, out] = x [T, in] W^T for W [out, in] (+ bias [1, out]): for
  /// T = 1 W [out, in] times x as a column (a decode step streams W's
  /// rows); for T > 1 x times the constant W^T [in, out], the layout of a
  /// linear layer that calibration and the weight quantizers
  /// (qnn::weightLayers) take.
  Value linear(Value x, Value w, Value bias = nullptr);
  /// The f32 constant `w` [rows, cols] transposed (one constant per
  /// weight), or null when `w` is not such a constant.
  Value transposedConstant(Value w);
  llvm::DenseMap<Value, Value> transposed;
  /// x / sqrt(mean(x^2) + eps) * gamma over the last axis of x [T, n].
  Value rmsNorm(Value x, Value gamma);
  /// Rotates the adjacent pairs of x [T, n, head_dim / 2, 2] by the angles
  /// whose cosines and sines are cos, sin [T, 1, head_dim / 2, 1].
  Value rope(Value x, Value cos, Value sin);

  FailureOr<BlockWeights> loadBlock(int64_t i);
};

Value LlamaBuilder::constantF32(ArrayRef<int64_t> shape,
                                ArrayRef<float> values) {
  auto type = f32(shape);
  auto attr = DenseElementsAttr::getFromRawBuffer(
      type, ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                           values.size() * sizeof(float)));
  return b.create<arith::ConstantOp>(loc, attr);
}

Value LlamaBuilder::weight(const std::string &name, ArrayRef<int64_t> shape) {
  const TensorRef *t = file.lookupTensor(name);
  assert(t && "readLlamaConfig checked the tensors");
  auto data = modelfile::dequantizeTensor(*t);
  if (!data) {
    emitError(fileLoc) << llvm::toString(data.takeError());
    return nullptr;
  }
  int64_t count = 1;
  for (int64_t dim : shape)
    count *= dim;
  if ((int64_t)data->size() != count) {
    emitError(fileLoc) << "tensor " << name << " has " << data->size()
                       << " elements, expected " << count;
    return nullptr;
  }
  Location saved = loc;
  loc = NameLoc::get(b.getStringAttr(name), fileLoc);
  Value v = constantF32(shape, *data);
  loc = saved;
  return v;
}

Value LlamaBuilder::permute(Value x, ArrayRef<int64_t> perm) {
  auto type = typeOf(x);
  SmallVector<int64_t> shape, order;
  for (int64_t p : perm) {
    shape.push_back(type.getDimSize(p));
    if (type.getDimSize(p) != 1)
      order.push_back(p);
  }
  if (llvm::is_sorted(order))
    return reshape(x, shape);
  return b.create<TransposeOp>(loc, type.clone(shape), x, perm);
}

Value LlamaBuilder::transposedConstant(Value w) {
  auto cst = w.getDefiningOp<arith::ConstantOp>();
  auto attr = cst ? dyn_cast<DenseElementsAttr>(cst.getValue()) : nullptr;
  if (!attr || !attr.getElementType().isF32() || attr.isSplat())
    return nullptr;
  auto &cached = transposed[w];
  if (cached)
    return cached;
  int64_t rows = attr.getType().getDimSize(0), cols = attr.getType().getDimSize(1);
  auto raw = attr.getRawData();
  const float *src = reinterpret_cast<const float *>(raw.data());
  std::vector<float> t(rows * cols);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      t[c * rows + r] = src[r * cols + c];
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointAfter(cst);
  Location saved = loc;
  loc = cst.getLoc(); // the weight's name, for diagnostics and reports
  cached = constantF32({cols, rows}, t);
  loc = saved;
  return cached;
}

/// The block format qnn.block_linear runs for a GGUF tensor type.
std::optional<BlockFormat> nativeBlockFormat(modelfile::DType type) {
  using modelfile::DType;
  switch (type) {
  case DType::Q4_0:
    return BlockFormat::q4_0;
  case DType::Q4_1:
    return BlockFormat::q4_1;
  case DType::Q5_0:
    return BlockFormat::q5_0;
  case DType::Q5_1:
    return BlockFormat::q5_1;
  case DType::Q8_0:
    return BlockFormat::q8_0;
  case DType::Q2_K:
    return BlockFormat::q2_k;
  case DType::Q3_K:
    return BlockFormat::q3_k;
  case DType::Q4_K:
    return BlockFormat::q4_k;
  case DType::Q5_K:
    return BlockFormat::q5_k;
  case DType::Q6_K:
    return BlockFormat::q6_k;
  case DType::Q2_G64:
    return BlockFormat::q2_g64;
  case DType::Q3_G64:
    return BlockFormat::q3_g64;
  case DType::Q3_G192:
    return BlockFormat::q3_g192;
  default:
    return std::nullopt;
  }
}

Value LlamaBuilder::blockConstant(const std::string &name, BlockFormat format,
                                  int64_t rows, ArrayRef<char> bytes,
                                  AsmResourceBlob::DeleterFn deleter) {
  int64_t rowBytes = (int64_t)bytes.size() / rows;
  auto type = RankedTensorType::get({rows, rowBytes}, b.getI8Type());
  auto blob = deleter ? AsmResourceBlob(bytes, 1, std::move(deleter),
                                        /*dataIsMutable=*/false)
                      : HeapAsmResourceBlob::allocateAndCopyInferAlign(bytes);
  auto attr = DenseResourceElementsAttr::get(type, name, std::move(blob));
  Value v = b.create<arith::ConstantOp>(
      NameLoc::get(b.getStringAttr(name), fileLoc), attr);
  blockFormats[v] = format;
  return v;
}

Value LlamaBuilder::blockWeight(const std::string &name,
                                ArrayRef<int64_t> shape) {
  const TensorRef *t = file.lookupTensor(name);
  assert(t && "readLlamaConfig checked the tensors");
  std::optional<BlockFormat> format = nativeBlockFormat(t->type);
  if (format) {
    ArrayRef<char> bytes(reinterpret_cast<const char *>(t->data.data()),
                         t->data.size());
    if (owner) // the constant reads the file's mapping, never a copy
      return blockConstant(name, *format, shape[0], bytes,
                           [keep = owner](void *, size_t, size_t) {});
    return blockConstant(name, *format, shape[0], bytes, nullptr);
  }
  // A type the block kernels do not run (TQ1_0, TQ2_0, both with blocks
  // of 256, so rows split into Q8_0's blocks of 32):
  // requantized to Q8_0 here, the nearest format qcc runs that loses
  // nothing noticeable on top of the file's own rounding.
  if (requantNoted.insert((int)t->type).second)
    emitRemark(fileLoc) << "tensors of type "
                        << modelfile::getDTypeName(t->type)
                        << " are requantized to Q8_0 at compile time (the "
                           "block kernels do not run that type natively)";
  auto data = modelfile::dequantizeTensor(*t);
  if (!data) {
    emitError(fileLoc) << llvm::toString(data.takeError());
    return nullptr;
  }
  std::vector<uint8_t> q8 = quant::encodeQ8_0(data->data(), data->size());
  return blockConstant(
      name, BlockFormat::q8_0, shape[0],
      ArrayRef<char>(reinterpret_cast<const char *>(q8.data()), q8.size()),
      nullptr);
}

Value LlamaBuilder::encodedWeight(const std::string &name,
                                  ArrayRef<int64_t> shape,
                                  const WeightConfig &config) {
  const TensorRef *t = file.lookupTensor(name);
  auto data = modelfile::dequantizeTensor(*t);
  if (!data) {
    emitError(fileLoc) << llvm::toString(data.takeError());
    return nullptr;
  }
  const LayerInputStats *stats = nullptr;
  if (c.layerStats)
    if (auto it = c.layerStats->find(name); it != c.layerStats->end())
      stats = &it->second;
  std::optional<quant::PruneMethod> prune;
  if (c.sparsity.selects(name))
    prune = c.sparsity.method;
  auto encoded = encodeLinearWeight(name, data->data(), shape[0], shape[1],
                                    config, stats, prune);
  if (!encoded) {
    emitError(fileLoc) << llvm::toString(encoded.takeError());
    return nullptr;
  }
  if (encoded->fellBack &&
      fallbackNoted.insert((int)config.kind).second)
    emitRemark(fileLoc) << config.str() << ": rows not a multiple of 256 (first "
                        << name << ", " << shape[1]
                        << " values) are stored as "
                        << modelfile::getDTypeName(encoded->format)
                        << ", llama.cpp's fallback for that format";
  std::optional<BlockFormat> format =
      encoded->group128 ? std::optional(BlockFormat::q4_1_g128)
                        : nativeBlockFormat(encoded->format);
  assert(format && "the encoders write formats the block kernels run");
  Value v = blockConstant(
      name, *format, shape[0],
      ArrayRef<char>(reinterpret_cast<const char *>(encoded->bytes.data()),
                     encoded->bytes.size()),
      nullptr);
  if (encoded->pruned24)
    pruned24.insert(v);
  if (!encoded->inputScales.empty()) {
    Location saved = loc;
    loc = NameLoc::get(b.getStringAttr(name + ".awq_input_scale"), fileLoc);
    inputScales[v] = constantF32({1, shape[1]}, encoded->inputScales);
    loc = saved;
  }
  return v;
}

Value LlamaBuilder::linearWeight(const std::string &name,
                                 ArrayRef<int64_t> shape) {
  const WeightConfig &config = c.weights.lookup(name);
  const TensorRef *t = file.lookupTensor(name);
  bool block = modelfile::getDTypeInfo(t->type).isBlock;
  if (c.sparsity.selects(name) &&
      (config.kind == WeightKind::F32 || config.kind == WeightKind::Gguf)) {
    emitError(fileLoc) << name
                       << ": 2:4 pruning re-encodes the layer's weights in "
                          "a block format that stores 0 exactly (q8_0, q4_0, "
                          "q5_0 or rtn --wbits=8), but the layer is "
                       << config.str()
                       << "; choose one with --weights or --layer-quant";
    return nullptr;
  }
  if (config.kind == WeightKind::F32 ||
      (config.kind == WeightKind::Gguf && !block))
    return weight(name, shape);
  if (config.kind == WeightKind::Gguf)
    return blockWeight(name, shape);
  return encodedWeight(name, shape, config);
}

Value LlamaBuilder::linear(Value x, Value w, Value bias) {
  if (auto it = inputScales.find(w); it != inputScales.end())
    x = mul(x, it->second);
  if (auto it = blockFormats.find(w); it != blockFormats.end()) {
    // x [T, in] -> [T, out] on the block bytes.
    int64_t rows = typeOf(x).getShape()[0];
    int64_t out = typeOf(w).getShape()[0];
    auto op = b.create<BlockLinearOp>(loc, f32({rows, out}), it->second, x, w);
    if (pruned24.contains(w))
      op->setAttr(qnn::kSparse24Attr, b.getUnitAttr());
    Value y = op;
    return bias ? add(y, bias) : y;
  }
  auto ws = typeOf(w).getShape();
  int64_t t = typeOf(x).getDimSize(0);
  Value y;
  if (Value wt = t > 1 ? transposedConstant(w) : nullptr) {
    y = b.create<MatMulOp>(loc, f32({t, ws[0]}), x, wt);
  } else {
    Value cols = permute(x, {1, 0});
    y = b.create<MatMulOp>(loc, f32({ws[0], t}), w, cols);
    y = permute(y, {1, 0});
  }
  return bias ? add(y, bias) : y;
}

Value LlamaBuilder::rmsNorm(Value x, Value gamma) {
  int64_t t = typeOf(x).getDimSize(0);
  Value meanSq = b.create<ReduceOp>(loc, f32({t, 1}), ReduceKind::mean,
                                    mul(x, x), ArrayRef<int64_t>{1}, true);
  float eps = (float)c.rmsEpsilon;
  Value denom =
      b.create<SqrtOp>(loc, f32({t, 1}), add(meanSq, constantF32({1}, {eps})));
  Value scale = b.create<ReciprocalOp>(loc, f32({t, 1}), denom);
  return mul(mul(x, scale), gamma);
}

Value LlamaBuilder::rope(Value x, Value cos, Value sin) {
  auto shape = typeOf(x).getShape(); // [T, n, half, 2]
  auto half = f32({shape[0], shape[1], shape[2], 1});
  Value even = b.create<SliceOp>(loc, half, x, ArrayRef<int64_t>{0, 0, 0, 0},
                                 ArrayRef<int64_t>{1, 1, 1, 1});
  Value odd = b.create<SliceOp>(loc, half, x, ArrayRef<int64_t>{0, 0, 0, 1},
                                ArrayRef<int64_t>{1, 1, 1, 1});
  Value re = sub(mul(even, cos), mul(odd, sin));
  Value ro = add(mul(even, sin), mul(odd, cos));
  return b.create<ConcatOp>(loc, typeOf(x), ValueRange{re, ro}, (uint64_t)3);
}

FailureOr<BlockWeights> LlamaBuilder::loadBlock(int64_t i) {
  int64_t d = c.embedding, kv = c.kvHeads * c.headDim, q = c.heads * c.headDim;
  std::string p = llvm::formatv("blk.{0}.", i).str();
  BlockWeights w;
  struct Item {
    Value *slot;
    const char *name;
    SmallVector<int64_t, 2> shape;
    bool optional;
    bool linear = false; // a linear layer's weight [out, in]
  } items[] = {
      {&w.attnNorm, "attn_norm.weight", {1, d}, false},
      {&w.wq, "attn_q.weight", {q, d}, false, true},
      {&w.wk, "attn_k.weight", {kv, d}, false, true},
      {&w.wv, "attn_v.weight", {kv, d}, false, true},
      {&w.wo, "attn_output.weight", {d, q}, false, true},
      {&w.bq, "attn_q.bias", {1, q}, true},
      {&w.bk, "attn_k.bias", {1, kv}, true},
      {&w.bv, "attn_v.bias", {1, kv}, true},
      {&w.bo, "attn_output.bias", {1, d}, true},
      {&w.ffnNorm, "ffn_norm.weight", {1, d}, false},
      {&w.gate, "ffn_gate.weight", {c.feedForward, d}, false, true},
      {&w.up, "ffn_up.weight", {c.feedForward, d}, false, true},
      {&w.down, "ffn_down.weight", {d, c.feedForward}, false, true},
  };
  for (Item &item : items) {
    std::string name = p + item.name;
    if (item.optional && !file.lookupTensor(name))
      continue;
    *item.slot = item.linear ? linearWeight(name, item.shape)
                             : weight(name, item.shape);
    if (!*item.slot)
      return failure();
  }
  return w;
}

LogicalResult LlamaBuilder::build(ModuleOp module) {
  int64_t d = c.embedding, hd = c.headDim, half = hd / 2, ctx = c.context;
  int64_t group = c.heads / c.kvHeads, t = c.sequence, kvh = c.kvHeads;
  bool step = t == 1; // the decode step keeps its historical interface
  auto i64 = b.getI64Type();
  bool q8 = c.int8Cache;
  auto cacheType = q8 ? RankedTensorType::get({c.layers, kvh, ctx, hd},
                                              b.getI8Type())
                      : f32({c.layers, kvh, ctx, hd});
  auto scaleType = f32({c.layers, kvh, ctx, 1});
  auto idType = RankedTensorType::get({1}, i64);
  auto tokensType = RankedTensorType::get({t}, i64);
  auto logitsType = step ? f32({c.vocab}) : f32({t, c.vocab});

  b.setInsertionPointToEnd(module.getBody());
  // An int8 cache adds the scales of its rows: inputs k_scale, v_scale and
  // outputs k_scale_out, v_scale_out.
  SmallVector<Type> ins = {tokensType, idType, cacheType, cacheType};
  SmallVector<Type> outs = {logitsType, cacheType, cacheType};
  SmallVector<const char *> inNames = {step ? "token" : "tokens", "pos",
                                       "k_cache", "v_cache"};
  SmallVector<const char *> outNames = {"logits", "k_cache_out",
                                        "v_cache_out"};
  if (q8) {
    ins.append({scaleType, scaleType});
    outs.append({scaleType, scaleType});
    inNames.append({"k_scale", "v_scale"});
    outNames.append({"k_scale_out", "v_scale_out"});
  }
  auto func = b.create<func::FuncOp>(fileLoc, "main",
                                     b.getFunctionType(ins, outs));
  for (auto [i, n] : llvm::enumerate(inNames))
    func.setArgAttr(i, "qcc.name", b.getStringAttr(n));
  for (auto [i, n] : llvm::enumerate(outNames))
    func.setResultAttr(i, "qcc.name", b.getStringAttr(n));
  // The caches are state: the caller may pass one buffer as k_cache and
  // k_cache_out, which the graph then updates in place (a decode step
  // writes one row per layer instead of copying the whole cache).
  for (size_t i = 1; i < outNames.size(); ++i)
    func.setResultAttr(i, "qcc.state_of", b.getStringAttr(inNames[i + 1]));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Value tokens = entry->getArgument(0), pos = entry->getArgument(1);
  Value kCache = entry->getArgument(2), vCache = entry->getArgument(3);
  Value kScale = q8 ? entry->getArgument(4) : Value(),
        vScale = q8 ? entry->getArgument(5) : Value();
  auto i64Const = [&](ArrayRef<int64_t> v) -> Value {
    auto type = RankedTensorType::get({(int64_t)v.size()}, i64);
    return b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(type, v));
  };

  // Position-dependent values shared by all blocks: the tokens' positions
  // pos + i, which cache rows each token sees (<= pos + i), and the rotary
  // angles' cosines and sines, tabulated in double for every position.
  Value tokenPos = pos;
  if (!step) {
    SmallVector<int64_t> offsets(t);
    for (int64_t i = 0; i < t; ++i)
      offsets[i] = i;
    tokenPos = b.create<AddOp>(loc, tokensType, pos, i64Const(offsets));
  }
  SmallVector<int64_t> iota(ctx);
  for (int64_t i = 0; i < ctx; ++i)
    iota[i] = i;
  auto ctxCol = RankedTensorType::get({ctx, 1}, i64);
  Value positions = b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(ctxCol, ArrayRef<int64_t>(iota)));
  Value posRow =
      b.create<ReshapeOp>(loc, RankedTensorType::get({1, t}, i64), tokenPos);
  Value visible = b.create<CompareOp>(
      loc, RankedTensorType::get({ctx, t}, b.getI1Type()), CompareKind::le,
      positions, posRow);
  // [ctx, 1, T] against scores [kv, ctx, group, T].
  visible = b.create<ReshapeOp>(
      loc, RankedTensorType::get({ctx, 1, t}, b.getI1Type()), visible);
  std::vector<float> cosTable(ctx * half), sinTable(ctx * half);
  for (int64_t p = 0; p < ctx; ++p)
    for (int64_t i = 0; i < half; ++i) {
      double theta =
          (double)p * std::pow(c.ropeBase, -2.0 * (double)i / (double)hd);
      cosTable[p * half + i] = (float)std::cos(theta);
      sinTable[p * half + i] = (float)std::sin(theta);
    }
  auto angle = [&](ArrayRef<float> table) {
    Value all = constantF32({ctx, half}, table);
    Value rows =
        b.create<GatherOp>(loc, f32({t, half}), all, tokenPos, (uint64_t)0);
    return reshape(rows, {t, 1, half, 1});
  };
  Value cos = angle(cosTable), sin = angle(sinTable);
  Value negInf = constantF32({1}, {-std::numeric_limits<float>::infinity()});
  Value qScale = constantF32({1}, {(float)(1.0 / std::sqrt((double)hd))});

  Value embd = weight("token_embd.weight", {c.vocab, d});
  if (!embd)
    return failure();
  Value x = b.create<GatherOp>(loc, f32({t, d}), embd, tokens, (uint64_t)0);

  // The caches, block l's rows pos .. pos+T-1 written as block l runs.
  Value kAll = kCache, vAll = vCache, kScales = kScale, vScales = vScale;
  for (int64_t l = 0; l < c.layers; ++l) {
    loc = NameLoc::get(b.getStringAttr(llvm::formatv("blk.{0}", l).str()),
                       fileLoc);
    auto w = loadBlock(l);
    if (failed(w))
      return failure();

    // Attention.
    Value h = rmsNorm(x, w->attnNorm);
    Value q = linear(h, w->wq, w->bq);
    Value k = linear(h, w->wk, w->bk);
    Value v = linear(h, w->wv, w->bv);
    q = rope(reshape(q, {t, c.heads, half, 2}), cos, sin);
    k = rope(reshape(k, {t, kvh, half, 2}), cos, sin);
    q = mul(reshape(q, {t, kvh, group, hd}), qScale);

    // Write the new keys and values at [l, :, pos .. pos+T-1, :]; read
    // back block l.
    Value offsets =
        b.create<ConcatOp>(loc, RankedTensorType::get({4}, i64),
                           ValueRange{i64Const({l, 0}), pos, i64Const({0})},
                           (uint64_t)0);
    // int8: per position and KV head, d = amax / 127 and codes
    // rint(x * 127 / amax) (amax floored at 1e-30, so a zero row gets
    // codes 0 and d 0), as the activation blocks of block_linear.
    auto update = [&](Value &cache, Value &scales, Value fresh) {
      fresh = permute(reshape(fresh, {t, kvh, hd}), {1, 0, 2});
      fresh = reshape(fresh, {1, kvh, t, hd});
      if (q8) {
        auto rowType = f32({1, kvh, t, 1});
        Value amax = b.create<ReduceOp>(
            loc, rowType, ReduceKind::max,
            b.create<AbsOp>(loc, typeOf(fresh), fresh), ArrayRef<int64_t>{3},
            true);
        Value d = binary<DivOp>(amax, constantF32({1}, {127.0f}));
        Value inv = binary<DivOp>(
            constantF32({1}, {127.0f}),
            binary<MaxOp>(amax, constantF32({1}, {1e-30f})));
        Value q = b.create<RoundOp>(loc, typeOf(fresh), mul(fresh, inv));
        q = binary<MinOp>(binary<MaxOp>(q, constantF32({1}, {-127.0f})),
                          constantF32({1}, {127.0f}));
        fresh = b.create<CastOp>(
            loc, RankedTensorType::get({1, kvh, t, hd}, b.getI8Type()), q);
        scales = b.create<UpdateSliceOp>(loc, scaleType, scales, d, offsets);
      }
      cache = b.create<UpdateSliceOp>(loc, cacheType, cache, fresh, offsets);
    };
    auto block = [&](Value cache, Value scales) {
      auto sliceType = cacheType.clone({1, kvh, ctx, hd});
      Value s = b.create<SliceOp>(loc, sliceType, cache,
                                  ArrayRef<int64_t>{l, 0, 0, 0},
                                  ArrayRef<int64_t>{1, 1, 1, 1});
      if (q8) {
        Value d = b.create<SliceOp>(loc, f32({1, kvh, ctx, 1}), scales,
                                    ArrayRef<int64_t>{l, 0, 0, 0},
                                    ArrayRef<int64_t>{1, 1, 1, 1});
        s = mul(b.create<CastOp>(loc, f32({1, kvh, ctx, hd}), s), d);
      }
      return reshape(s, {kvh, ctx, hd});
    };
    update(kAll, kScales, k);
    update(vAll, vScales, v);
    Value keys = block(kAll, kScales), values = block(vAll, vScales);

    // scores [kv, ctx, group * T] = keys [kv, ctx, hd] q^T [kv, hd, group *
    // T]: the keys stream row by row; then softmax over the positions each
    // token sees.
    int64_t m = group * t;
    Value qT = permute(q, {1, 3, 2, 0}); // [kv, hd, group, T]
    qT = reshape(qT, {kvh, hd, m});
    Value scores = b.create<MatMulOp>(loc, f32({kvh, ctx, m}), keys, qT);
    scores = reshape(scores, {kvh, ctx, group, t});
    scores = b.create<WhereOp>(loc, typeOf(scores), visible, scores, negInf);
    auto softmax =
        b.create<SoftmaxOp>(loc, typeOf(scores), scores, (uint64_t)1, false);
    // GPTQ's calibration weights attn_v's input rows by the attention
    // they get (a sink position's value error reaches every query).
    softmax->setAttr(qnn::kAttnValueWeightAttr,
                     b.getStringAttr(llvm::formatv("blk.{0}.attn_v.weight", l)
                                         .str()));
    Value probs = softmax;
    Value probsT = permute(reshape(probs, {kvh, ctx, m}), {0, 2, 1});
    Value attn = b.create<MatMulOp>(loc, f32({kvh, m, hd}), probsT, values);
    attn = permute(reshape(attn, {kvh, group, t, hd}), {2, 0, 1, 3});
    x = add(x, linear(reshape(attn, {t, c.heads * hd}), w->wo, w->bo));

    // SwiGLU feed-forward.
    h = rmsNorm(x, w->ffnNorm);
    Value gate = linear(h, w->gate), up = linear(h, w->up);
    Value silu = mul(gate, b.create<SigmoidOp>(loc, typeOf(gate), gate));
    x = add(x, linear(mul(silu, up), w->down));
  }

  loc = NameLoc::get(b.getStringAttr("output"), fileLoc);
  Value outNorm = weight("output_norm.weight", {1, d});
  if (!outNorm)
    return failure();
  // A tied LM head reads token_embd's block bytes (the gather above reads
  // its rows dequantized).
  Value head;
  if (c.tiedOutput) {
    const TensorRef *t = file.lookupTensor("token_embd.weight");
    const WeightConfig &config = c.weights.lookup("token_embd.weight");
    bool block = modelfile::getDTypeInfo(t->type).isBlock;
    head = config.kind == WeightKind::F32 ||
                   (config.kind == WeightKind::Gguf && !block)
               ? embd
               : linearWeight("token_embd.weight", {c.vocab, d});
  } else {
    head = linearWeight("output.weight", {c.vocab, d});
  }
  if (!head)
    return failure();
  Value logits = linear(rmsNorm(x, outNorm), head);
  if (step)
    logits = reshape(logits, {c.vocab});
  SmallVector<Value> results = {logits, kAll, vAll};
  if (q8)
    results.append({kScales, vScales});
  b.create<func::ReturnOp>(loc, results);
  return success();
}

} // namespace

llvm::Expected<LlamaConfig> readLlamaConfig(const GgufFile &file,
                                            const GgufImportOptions &options) {
  modelfile::GgufHyperParams hp = file.getHyperParams();
  LlamaConfig c;
  auto need = [&](std::optional<uint64_t> v, const char *key,
                  int64_t &out) -> llvm::Error {
    if (!v)
      return fail(llvm::formatv(
          "llama.{0} is missing or not an unsigned integer", key));
    if (*v == 0 || *v > (uint64_t)1 << 31)
      return fail(llvm::formatv("llama.{0} = {1} is out of range", key, *v));
    out = (int64_t)*v;
    return llvm::Error::success();
  };
  if (auto e = need(hp.embeddingLength, "embedding_length", c.embedding))
    return std::move(e);
  if (auto e = need(hp.blockCount, "block_count", c.layers))
    return std::move(e);
  if (auto e = need(hp.feedForwardLength, "feed_forward_length", c.feedForward))
    return std::move(e);
  if (auto e = need(hp.headCount, "attention.head_count", c.heads))
    return std::move(e);
  c.kvHeads = c.heads;
  if (hp.headCountKv)
    if (auto e = need(hp.headCountKv, "attention.head_count_kv", c.kvHeads))
      return std::move(e);
  if (c.heads % c.kvHeads)
    return fail(
        llvm::formatv("llama.attention.head_count ({0}) is not a multiple "
                      "of llama.attention.head_count_kv ({1})",
                      c.heads, c.kvHeads));
  if (c.embedding % c.heads)
    return fail(
        llvm::formatv("llama.embedding_length ({0}) is not a multiple of "
                      "llama.attention.head_count ({1})",
                      c.embedding, c.heads));
  c.headDim = c.embedding / c.heads;
  if (c.headDim % 2)
    return fail(llvm::formatv("the head size {0} is odd; rotary embedding "
                              "rotates pairs",
                              c.headDim));
  for (const char *key : {"attention.key_length", "attention.value_length"})
    if (const auto *v = file.lookup(std::string("llama.") + key))
      if (v->getUInt() != (uint64_t)c.headDim)
        return fail(llvm::formatv("llama.{0} = {1} differs from the head size "
                                  "{2} (embedding_length / head_count), which "
                                  "qcc does not support",
                                  key, v->format(), c.headDim));
  if (hp.ropeDimensionCount && *hp.ropeDimensionCount != (uint64_t)c.headDim)
    return fail(
        llvm::formatv("llama.rope.dimension_count = {0}: rotary "
                      "embedding of part of a head ({1}) is not supported",
                      *hp.ropeDimensionCount, c.headDim));
  if (const auto *v = file.lookup("llama.rope.scaling.type")) {
    auto type = v->getString();
    if (!type || (*type != "none" && !type->empty()))
      return fail(llvm::formatv("llama.rope.scaling.type = {0}: rope scaling "
                                "is not supported",
                                v->format()));
  }
  if (const auto *v = file.lookup("llama.expert_count"))
    if (v->getUInt().value_or(1) != 0)
      return fail(
          "llama.expert_count: mixture-of-experts models are not supported");
  if (hp.ropeFreqBase) {
    c.ropeBase = *hp.ropeFreqBase;
    if (!(c.ropeBase > 1.0) || !std::isfinite(c.ropeBase))
      return fail(llvm::formatv(
          "llama.rope.freq_base = {0} is not a valid base", c.ropeBase));
  }
  if (!hp.rmsNormEpsilon)
    return fail(
        "llama.attention.layer_norm_rms_epsilon is missing or not a number");
  c.rmsEpsilon = *hp.rmsNormEpsilon;
  if (!(c.rmsEpsilon >= 0.0) || !std::isfinite(c.rmsEpsilon))
    return fail(llvm::formatv("llama.attention.layer_norm_rms_epsilon = {0} is "
                              "not a valid epsilon",
                              c.rmsEpsilon));

  c.weights = options.weights;
  c.layerStats = options.layerStats;
  c.sparsity = options.sparsity;

  constexpr int64_t kDefaultContext = 512;
  c.context = options.contextLength;
  if (c.context == 0)
    c.context =
        hp.contextLength && *hp.contextLength < (uint64_t)kDefaultContext
            ? (int64_t)*hp.contextLength
            : kDefaultContext;
  if (c.context <= 0 || c.context > (int64_t)1 << 24)
    return fail(llvm::formatv(
        "the context length must be in [1, 2^24], got {0}", c.context));
  if (hp.contextLength && (uint64_t)c.context > *hp.contextLength)
    return fail(llvm::formatv("the context length {0} exceeds the model's "
                              "llama.context_length {1}",
                              c.context, *hp.contextLength));
  c.sequence = options.sequenceLength;
  c.int8Cache = options.int8KvCache;
  if (c.sequence < 1 || c.sequence > c.context)
    return fail(llvm::formatv("the sequence length (--seq) must be in [1, "
                              "the context length {0}], got {1}",
                              c.context, c.sequence));

  // Tensors: present, of a type that dequantizes, and of the expected shape
  // (outermost first: [out, in] for linear layers).
  const TensorRef *embd = file.lookupTensor("token_embd.weight");
  if (!embd || embd->shape.size() != 2 ||
      embd->shape[1] != (uint64_t)c.embedding)
    return fail(llvm::formatv("token_embd.weight must be a [vocab, {0}] tensor",
                              c.embedding));
  if (embd->shape[0] == 0 || embd->shape[0] > (uint64_t)1 << 31)
    return fail("token_embd.weight has an unreasonable vocabulary size");
  c.vocab = (int64_t)embd->shape[0];
  if (hp.vocabSize && *hp.vocabSize != (uint64_t)c.vocab)
    return fail(llvm::formatv("llama.vocab_size ({0}) differs from "
                              "token_embd.weight's {1} rows",
                              *hp.vocabSize, c.vocab));
  c.tiedOutput = !file.lookupTensor("output.weight");

  auto check = [&](const std::string &name, ArrayRef<int64_t> shape,
                   bool optional) -> llvm::Error {
    const TensorRef *t = file.lookupTensor(name);
    if (!t)
      return optional ? llvm::Error::success()
                      : fail(llvm::formatv("tensor {0} is missing", name));
    if (!modelfile::getDTypeInfo(t->type).isFloat)
      return fail(
          llvm::formatv("tensor {0} has type {1}, which does not convert "
                        "to float",
                        name, modelfile::getDTypeName(t->type)));
    bool same = t->shape.size() == shape.size();
    for (size_t i = 0; same && i < shape.size(); ++i)
      same = t->shape[i] == (uint64_t)shape[i];
    if (!same) {
      std::string want, got;
      llvm::raw_string_ostream ws(want), gs(got);
      llvm::interleaveComma(shape, ws);
      llvm::interleaveComma(t->shape, gs);
      return fail(llvm::formatv("tensor {0} has shape [{1}], expected [{2}]",
                                name, got, want));
    }
    return llvm::Error::success();
  };
  int64_t d = c.embedding, q = c.heads * c.headDim, kv = c.kvHeads * c.headDim;
  if (auto e = check("token_embd.weight", {c.vocab, d}, false))
    return std::move(e);
  if (auto e = check("output_norm.weight", {d}, false))
    return std::move(e);
  if (auto e = check("output.weight", {c.vocab, d}, true))
    return std::move(e);
  for (int64_t l = 0; l < c.layers; ++l) {
    std::string p = llvm::formatv("blk.{0}.", l).str();
    struct {
      const char *name;
      SmallVector<int64_t, 2> shape;
      bool optional;
    } expected[] = {
        {"attn_norm.weight", {d}, false},
        {"attn_q.weight", {q, d}, false},
        {"attn_k.weight", {kv, d}, false},
        {"attn_v.weight", {kv, d}, false},
        {"attn_output.weight", {d, q}, false},
        {"attn_q.bias", {q}, true},
        {"attn_k.bias", {kv}, true},
        {"attn_v.bias", {kv}, true},
        {"attn_output.bias", {d}, true},
        {"ffn_norm.weight", {d}, false},
        {"ffn_gate.weight", {c.feedForward, d}, false},
        {"ffn_up.weight", {c.feedForward, d}, false},
        {"ffn_down.weight", {d, c.feedForward}, false},
    };
    for (auto &t : expected)
      if (auto e = check(p + t.name, t.shape, t.optional))
        return std::move(e);
  }
  if (file.lookupTensor(
          llvm::formatv("blk.{0}.attn_norm.weight", c.layers).str()))
    return fail(llvm::formatv("the file has tensors of a block {0}, but "
                              "llama.block_count is {0} (blocks 0 to {1})",
                              c.layers, c.layers - 1));
  return c;
}

LogicalResult buildLlamaGraph(ModuleOp module, const GgufFile &file,
                              const LlamaConfig &config,
                              std::shared_ptr<const GgufFile> owner) {
  OpBuilder b(module.getContext());
  Location loc = FileLineColLoc::get(b.getStringAttr(file.getPath()), 0, 0);
  return LlamaBuilder(b, loc, file, config, std::move(owner)).build(module);
}

} // namespace qcc::gguf_import
