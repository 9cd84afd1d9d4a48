//===- LlmLibrary.cpp - a compiled language model behind the C API --------===//

#include "qcc/Eval/LlmLibrary.h"

#include "qcc-c/Runtime.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <dlfcn.h>
#include <optional>

using namespace qcc::eval;

static llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

static int64_t numElements(llvm::ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

static std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

KvCache::KvCache(llvm::ArrayRef<int64_t> shape, bool int8)
    : shape(shape), int8(int8) {
  int64_t n = numElements(shape);
  for (int i = 0; i < 2; ++i) {
    if (int8) {
      codes[i].assign(n, 0);
      scales[i].assign(n / shape.back(), 0.0f);
    } else {
      buffers[i].assign(n, 0.0f);
    }
  }
}

void KvCache::clear() {
  for (int i = 0; i < 2; ++i) {
    std::fill(buffers[i].begin(), buffers[i].end(), 0.0f);
    std::fill(codes[i].begin(), codes[i].end(), 0);
    std::fill(scales[i].begin(), scales[i].end(), 0.0f);
  }
}

struct LlmLibrary::Api {
  decltype(&qcc_model_create) create = nullptr;
  decltype(&qcc_model_destroy) destroy = nullptr;
  decltype(&qcc_model_num_inputs) numInputs = nullptr;
  decltype(&qcc_model_num_outputs) numOutputs = nullptr;
  decltype(&qcc_model_input_name) inputName = nullptr;
  decltype(&qcc_model_input_dtype) inputDtype = nullptr;
  decltype(&qcc_model_input_rank) inputRank = nullptr;
  decltype(&qcc_model_input_shape) inputShape = nullptr;
  decltype(&qcc_model_output_name) outputName = nullptr;
  decltype(&qcc_model_output_dtype) outputDtype = nullptr;
  decltype(&qcc_model_output_rank) outputRank = nullptr;
  decltype(&qcc_model_output_shape) outputShape = nullptr;
  decltype(&qcc_model_output_state_of) outputStateOf = nullptr;
  decltype(&qcc_model_run) run = nullptr;
  decltype(&qcc_model_last_error) lastError = nullptr;
  decltype(&qcc_status_string) statusString = nullptr;
};

llvm::Expected<std::unique_ptr<LlmLibrary>>
LlmLibrary::load(const std::string &path) {
  // A bare name would make dlopen search the library path.
  std::string where = path.find('/') == std::string::npos ? "./" + path : path;
  // Never unloaded: OpenMP workers may still be leaving a parallel region
  // in the library's code when the last run returns.
  void *handle = dlopen(where.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return fail("cannot load '" + path + "': " + dlerror());
  std::unique_ptr<LlmLibrary> lib(new LlmLibrary());
  lib->path = path;
  lib->api = std::make_unique<Api>();
  Api &a = *lib->api;
  std::string missing;
  auto get = [&](auto &fn, const char *name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
        dlsym(handle, name));
    if (!fn && missing.empty())
      missing = name;
  };
  get(a.create, "qcc_model_create");
  get(a.destroy, "qcc_model_destroy");
  get(a.numInputs, "qcc_model_num_inputs");
  get(a.numOutputs, "qcc_model_num_outputs");
  get(a.inputName, "qcc_model_input_name");
  get(a.inputDtype, "qcc_model_input_dtype");
  get(a.inputRank, "qcc_model_input_rank");
  get(a.inputShape, "qcc_model_input_shape");
  get(a.outputName, "qcc_model_output_name");
  get(a.outputDtype, "qcc_model_output_dtype");
  get(a.outputRank, "qcc_model_output_rank");
  get(a.outputShape, "qcc_model_output_shape");
  get(a.outputStateOf, "qcc_model_output_state_of");
  get(a.run, "qcc_model_run");
  get(a.lastError, "qcc_model_last_error");
  get(a.statusString, "qcc_status_string");
  if (!missing.empty())
    return fail("'" + path + "' lacks '" + missing + "'; is it a qcc model?");
  qcc_model *model = nullptr;
  if (qcc_status st = a.create(&model); st != QCC_OK)
    return fail("cannot create the model of '" + path +
                "': " + a.statusString(st));
  lib->model = model;

  // The interface of a qcc language model (qcc model.gguf [--seq=T]).
  auto notLlm = [&](const llvm::Twine &why) {
    return fail("'" + path + "' is not a qcc language model (qcc " +
                "model.gguf [--seq=T]): " + why);
  };
  int32_t numIn = a.numInputs(model), numOut = a.numOutputs(model);
  lib->int8Cache = numIn == 6 && numOut == 5;
  if (!(numIn == 4 && numOut == 3) && !lib->int8Cache)
    return notLlm(llvm::formatv("it has {0} inputs and {1} outputs, expected "
                                "4 (tokens, pos, k_cache, v_cache) and 3 "
                                "(logits, k_cache_out, v_cache_out), or with "
                                "an int8 cache 6 and 5 (k_scale, v_scale; "
                                "k_scale_out, v_scale_out)",
                                numIn, numOut));
  auto shapeOf = [&](bool input, int32_t i) {
    int32_t rank = input ? a.inputRank(model, i) : a.outputRank(model, i);
    const int64_t *s = input ? a.inputShape(model, i) : a.outputShape(model, i);
    return std::vector<int64_t>(s, s + std::max(rank, 0));
  };
  std::string in0 = a.inputName(model, 0);
  lib->tokenShape = shapeOf(true, 0);
  if ((in0 != "token" && in0 != "tokens") ||
      a.inputDtype(model, 0) != QCC_DTYPE_INT64 ||
      lib->tokenShape.size() != 1 || lib->tokenShape[0] < 1)
    return notLlm("its first input is '" + in0 + "' " +
                  shapeString(lib->tokenShape) + ", expected token(s) i64 [T]");
  lib->seq = lib->tokenShape[0];
  if (std::string(a.inputName(model, 1)) != "pos" ||
      a.inputDtype(model, 1) != QCC_DTYPE_INT64 ||
      shapeOf(true, 1) != std::vector<int64_t>{1})
    return notLlm("its second input is not pos i64 [1]");
  // A pair of state inputs from index `firstIn` and their outputs from
  // `firstOut`: the name of the first whose name (inputs, then outputs),
  // dtype or shape differs, if any.
  auto mismatch =
      [&](const char *const names[4], int32_t firstIn, int32_t firstOut,
          int32_t dtype,
          const std::vector<int64_t> &shape) -> std::optional<std::string> {
    for (int i = 0; i < 4; ++i) {
      bool input = i < 2;
      int32_t idx = input ? firstIn + i : firstOut + i - 2;
      std::string name =
          input ? a.inputName(model, idx) : a.outputName(model, idx);
      int32_t dt = input ? a.inputDtype(model, idx) : a.outputDtype(model, idx);
      if (name != names[i] || dt != dtype || shapeOf(input, idx) != shape)
        return name;
    }
    return std::nullopt;
  };
  lib->cacheShape = shapeOf(true, 2);
  const char *cacheNames[] = {"k_cache", "v_cache", "k_cache_out",
                              "v_cache_out"};
  std::optional<std::string> bad =
      lib->cacheShape.size() != 4
          ? std::optional<std::string>(a.inputName(model, 2))
          : mismatch(cacheNames, 2, 1,
                     lib->int8Cache ? QCC_DTYPE_INT8 : QCC_DTYPE_FLOAT32,
                     lib->cacheShape);
  if (bad)
    return notLlm(llvm::formatv("'{0}' is not {1} cache [layers, kv "
                                "heads, ctx, head dim] like k_cache {2}",
                                *bad, lib->int8Cache ? "an i8" : "an f32",
                                shapeString(lib->cacheShape)));
  if (lib->int8Cache) {
    lib->scaleShape = lib->cacheShape;
    lib->scaleShape.back() = 1;
    const char *scaleNames[] = {"k_scale", "v_scale", "k_scale_out",
                                "v_scale_out"};
    if (auto bad =
            mismatch(scaleNames, 4, 3, QCC_DTYPE_FLOAT32, lib->scaleShape))
      return notLlm(llvm::formatv("'{0}' is not the f32 scales {1} of its "
                                  "int8 cache",
                                  *bad, shapeString(lib->scaleShape)));
  }
  for (int32_t i = 1; i < numOut; ++i)
    if (a.outputStateOf(model, i) != i + 1)
      return notLlm(llvm::formatv("output '{0}' is not declared the state of "
                                  "input '{1}' (updated in place)",
                                  a.outputName(model, i),
                                  a.inputName(model, i + 1)));
  lib->logitsShape = shapeOf(false, 0);
  bool logitsOk =
      std::string(a.outputName(model, 0)) == "logits" &&
      a.outputDtype(model, 0) == QCC_DTYPE_FLOAT32 &&
      ((lib->seq == 1 && lib->logitsShape.size() == 1) ||
       (lib->logitsShape.size() == 2 && lib->logitsShape[0] == lib->seq));
  if (!logitsOk)
    return notLlm("its first output is not logits f32 [vocab] or [T, "
                  "vocab], got " +
                  shapeString(lib->logitsShape));
  lib->vocab = lib->logitsShape.back();
  if (lib->seq > lib->getContextLength())
    return notLlm(llvm::formatv("it runs {0} tokens but its cache holds {1}",
                                lib->seq, lib->getContextLength()));
  lib->tokenBuf.assign(lib->seq, 0);
  lib->logits.assign(lib->seq * lib->vocab, 0.0f);
  return lib;
}

LlmLibrary::~LlmLibrary() {
  if (model)
    api->destroy(static_cast<qcc_model *>(model));
}

std::unique_ptr<KvCache> LlmLibrary::createCache() const {
  return std::make_unique<KvCache>(cacheShape, int8Cache);
}

llvm::Expected<const float *> LlmLibrary::run(llvm::ArrayRef<int32_t> tokens,
                                              int64_t pos, KvCache &cache) {
  if (tokens.empty() || (int64_t)tokens.size() > seq)
    return fail(llvm::formatv("'{0}' runs 1 to {1} tokens at a time, got {2}",
                              path, seq, tokens.size()));
  if (pos < 0 || pos + seq > getContextLength())
    return fail(llvm::formatv("'{0}': positions {1} .. {2} lie outside its "
                              "context of {3}",
                              path, pos, pos + seq - 1, getContextLength()));
  if (cache.getShape() != llvm::ArrayRef<int64_t>(cacheShape) ||
      cache.isInt8() != int8Cache)
    return fail("'" + path + "' has " + (int8Cache ? "int8" : "f32") +
                " caches " + shapeString(cacheShape) + ", the cache given is " +
                (cache.isInt8() ? "int8 " : "f32 ") +
                shapeString(cache.getShape()));
  for (int64_t i = 0; i < seq; ++i)
    tokenBuf[i] = i < (int64_t)tokens.size() ? tokens[i] : 0;
  for (int32_t t : tokens)
    if (t < 0 || t >= vocab)
      return fail(llvm::formatv("token {0} is outside the vocabulary of {1}", t,
                                vocab));
  posBuf = pos;
  int64_t one = 1;
  // The caches are state: one buffer each, as input and output, updated in
  // place (only the run's rows are written).
  int32_t cacheDtype = int8Cache ? QCC_DTYPE_INT8 : QCC_DTYPE_FLOAT32;
  void *k = int8Cache ? (void *)cache.codes[0].data()
                      : (void *)cache.buffers[0].data();
  void *v = int8Cache ? (void *)cache.codes[1].data()
                      : (void *)cache.buffers[1].data();
  qcc_tensor in[6] = {
      {QCC_DTYPE_INT64, 1, tokenShape.data(), tokenBuf.data()},
      {QCC_DTYPE_INT64, 1, &one, &posBuf},
      {cacheDtype, 4, cacheShape.data(), k},
      {cacheDtype, 4, cacheShape.data(), v},
      {QCC_DTYPE_FLOAT32, 4, scaleShape.data(), cache.scales[0].data()},
      {QCC_DTYPE_FLOAT32, 4, scaleShape.data(), cache.scales[1].data()}};
  qcc_tensor out[5] = {{QCC_DTYPE_FLOAT32, (int32_t)logitsShape.size(),
                        logitsShape.data(), logits.data()},
                       {cacheDtype, 4, cacheShape.data(), k},
                       {cacheDtype, 4, cacheShape.data(), v},
                       in[4],
                       in[5]};
  int32_t numIn = int8Cache ? 6 : 4, numOut = int8Cache ? 5 : 3;
  auto *m = static_cast<qcc_model *>(model);
  if (qcc_status st = api->run(m, in, numIn, out, numOut); st != QCC_OK)
    return fail("running '" + path + "' failed: " + api->statusString(st) +
                ": " + api->lastError(m));
  return logits.data();
}
