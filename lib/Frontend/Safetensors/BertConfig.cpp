//===- BertConfig.cpp - config.json of a BERT encoder, checked ------------===//
//
// Every key the graph depends on must be present with the right JSON type
// and a sensible value, and every tensor must exist with the shape the
// configuration implies; the first problem is reported naming the key (and
// config.json) or the tensor (and the shape it should have).
//
//===----------------------------------------------------------------------===//

#include "BertGraph.h"

#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using qcc::modelfile::SafetensorsFile;
using qcc::modelfile::TensorRef;

namespace qcc::safetensors_import {

namespace {

llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleaveComma(shape, os);
  os << "]";
  return s;
}

} // namespace

llvm::Expected<BertConfig>
readBertConfig(const llvm::json::Object &config, llvm::StringRef configPath,
               const SafetensorsFile &file,
               const SafetensorsImportOptions &options) {
  BertConfig c;
  auto keyError = [&](llvm::StringRef key, const llvm::Twine &what) {
    return fail(configPath + ": " + key + " " + what);
  };
  // A positive integer key (JSON integers only: 384.5 or "384" are wrong).
  auto integer = [&](llvm::StringRef key, int64_t &out,
                     int64_t max = int64_t(1) << 31) -> llvm::Error {
    const llvm::json::Value *v = config.get(key);
    if (!v)
      return keyError(key, "is missing");
    auto i = v->getAsInteger();
    if (!i)
      return keyError(key, "must be an integer");
    if (*i <= 0 || *i > max)
      return keyError(key, llvm::formatv("= {0} is out of range [1, {1}]", *i,
                                         max));
    out = *i;
    return llvm::Error::success();
  };
  if (auto e = integer("hidden_size", c.hidden))
    return std::move(e);
  if (auto e = integer("num_hidden_layers", c.layers, 1024))
    return std::move(e);
  if (auto e = integer("num_attention_heads", c.heads))
    return std::move(e);
  if (auto e = integer("intermediate_size", c.intermediate))
    return std::move(e);
  if (auto e = integer("vocab_size", c.vocab))
    return std::move(e);
  if (auto e = integer("max_position_embeddings", c.maxPositions))
    return std::move(e);
  c.typeVocab = 2; // transformers' default
  if (config.get("type_vocab_size"))
    if (auto e = integer("type_vocab_size", c.typeVocab))
      return std::move(e);
  if (c.hidden % c.heads)
    return fail(llvm::formatv("{0}: hidden_size ({1}) is not a multiple of "
                              "num_attention_heads ({2})",
                              configPath, c.hidden, c.heads));
  c.headDim = c.hidden / c.heads;

  if (const llvm::json::Value *v = config.get("layer_norm_eps")) {
    auto eps = v->getAsNumber();
    if (!eps)
      return keyError("layer_norm_eps", "must be a number");
    if (!(*eps >= 0.0) || !std::isfinite(*eps) || *eps > 1.0)
      return keyError("layer_norm_eps",
                      llvm::formatv("= {0} is not a valid epsilon", *eps));
    c.layerNormEps = *eps;
  }
  if (const llvm::json::Value *v = config.get("hidden_act")) {
    auto act = v->getAsString();
    if (!act)
      return keyError("hidden_act", "must be a string");
    if (*act == "gelu_new" || *act == "gelu_pytorch_tanh")
      c.tanhGelu = true;
    else if (*act != "gelu")
      return keyError("hidden_act",
                      llvm::formatv("'{0}' is not supported (gelu, gelu_new, "
                                    "gelu_pytorch_tanh)",
                                    *act));
  }
  if (const llvm::json::Value *v = config.get("position_embedding_type")) {
    auto type = v->getAsString();
    if (!type)
      return keyError("position_embedding_type", "must be a string");
    if (*type != "absolute")
      return keyError("position_embedding_type",
                      llvm::formatv("'{0}' is not supported (absolute)", *type));
  }
  if (const llvm::json::Value *v = config.get("is_decoder"))
    if (v->getAsBoolean().value_or(false))
      return keyError("is_decoder", "is true: BERT decoders (causal "
                                    "attention) are not supported");

  // Inputs.
  c.batch = options.batch;
  c.seqLen = options.seqLen;
  c.tokenTypeIds = options.tokenTypeIds;
  if (c.seqLen <= 0)
    return fail("a BERT encoder needs a static sequence length: --seq=N or "
                "--input-shape input_ids=B,S");
  if (c.seqLen > c.maxPositions)
    return fail(llvm::formatv("the sequence length {0} exceeds the model's "
                              "max_position_embeddings {1}",
                              c.seqLen, c.maxPositions));
  if (c.batch <= 0 || c.batch > (int64_t)1 << 20)
    return fail(llvm::formatv("the batch size {0} is out of range", c.batch));

  // Tensors: the encoder may sit under "bert." (BertForMaskedLM, ...).
  if (!file.lookupTensor("embeddings.word_embeddings.weight") &&
      file.lookupTensor("bert.embeddings.word_embeddings.weight"))
    c.prefix = "bert.";
  auto check = [&](const std::string &name, llvm::ArrayRef<int64_t> shape,
                   llvm::StringRef meaning) -> llvm::Error {
    std::string full = c.prefix + name;
    const TensorRef *t = file.lookupTensor(full);
    if (!t)
      return fail(llvm::formatv("{0}: tensor {1} is missing", file.getPath(),
                                full));
    if (!modelfile::getDTypeInfo(t->type).isFloat)
      return fail(llvm::formatv("{0}: tensor {1} has dtype {2}, which does "
                                "not convert to float",
                                file.getPath(), full,
                                modelfile::getDTypeName(t->type)));
    bool same = t->shape.size() == shape.size();
    for (size_t i = 0; same && i < shape.size(); ++i)
      same = t->shape[i] == (uint64_t)shape[i];
    if (!same) {
      llvm::SmallVector<int64_t> got(t->shape.begin(), t->shape.end());
      return fail(llvm::formatv("{0}: tensor {1} has shape {2}, but {3} "
                                "says {4} ({5})",
                                file.getPath(), full, shapeString(got),
                                configPath, shapeString(shape), meaning));
    }
    return llvm::Error::success();
  };
  int64_t d = c.hidden, f = c.intermediate;
  struct Expected {
    std::string name;
    llvm::SmallVector<int64_t, 2> shape;
    const char *meaning;
  };
  std::vector<Expected> expected = {
      {"embeddings.word_embeddings.weight", {c.vocab, d},
       "vocab_size, hidden_size"},
      {"embeddings.position_embeddings.weight", {c.maxPositions, d},
       "max_position_embeddings, hidden_size"},
      {"embeddings.token_type_embeddings.weight", {c.typeVocab, d},
       "type_vocab_size, hidden_size"},
      {"embeddings.LayerNorm.weight", {d}, "hidden_size"},
      {"embeddings.LayerNorm.bias", {d}, "hidden_size"},
  };
  for (int64_t l = 0; l < c.layers; ++l) {
    std::string p = llvm::formatv("encoder.layer.{0}.", l).str();
    for (const char *proj : {"query", "key", "value"}) {
      expected.push_back({p + "attention.self." + proj + ".weight",
                          {d, d},
                          "hidden_size, hidden_size"});
      expected.push_back(
          {p + "attention.self." + proj + ".bias", {d}, "hidden_size"});
    }
    expected.push_back({p + "attention.output.dense.weight",
                        {d, d},
                        "hidden_size, hidden_size"});
    expected.push_back({p + "attention.output.dense.bias", {d}, "hidden_size"});
    expected.push_back(
        {p + "attention.output.LayerNorm.weight", {d}, "hidden_size"});
    expected.push_back(
        {p + "attention.output.LayerNorm.bias", {d}, "hidden_size"});
    expected.push_back({p + "intermediate.dense.weight",
                        {f, d},
                        "intermediate_size, hidden_size"});
    expected.push_back(
        {p + "intermediate.dense.bias", {f}, "intermediate_size"});
    expected.push_back(
        {p + "output.dense.weight", {d, f}, "hidden_size, intermediate_size"});
    expected.push_back({p + "output.dense.bias", {d}, "hidden_size"});
    expected.push_back({p + "output.LayerNorm.weight", {d}, "hidden_size"});
    expected.push_back({p + "output.LayerNorm.bias", {d}, "hidden_size"});
  }
  for (const Expected &e : expected)
    if (auto err = check(e.name, e.shape, e.meaning))
      return std::move(err);
  std::string extra =
      llvm::formatv("{0}encoder.layer.{1}.attention.self.query.weight",
                    c.prefix, c.layers)
          .str();
  if (file.lookupTensor(extra))
    return fail(llvm::formatv("{0}: the checkpoint has a layer {1} ({2}), but "
                              "{3} says num_hidden_layers = {1}",
                              file.getPath(), c.layers, extra, configPath));
  return c;
}

} // namespace qcc::safetensors_import
