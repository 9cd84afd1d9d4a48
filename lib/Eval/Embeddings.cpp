//===- Embeddings.cpp - compare the embeddings of two encoders ------------===//

#include "qcc/Eval/Embeddings.h"

#include "qcc-c/Runtime.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <dlfcn.h>
#include <memory>

namespace qcc::eval {

namespace {

llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// An encoder library loaded with dlopen (never unloaded: its OpenMP
/// workers may outlive the last run), with buffers for one run.
class EncoderLibrary {
public:
  static llvm::Expected<std::unique_ptr<EncoderLibrary>>
  load(const std::string &path);
  ~EncoderLibrary() {
    if (model)
      destroy(model);
  }

  int64_t batch() const { return shape[0]; }
  int64_t seq() const { return shape[1]; }
  int64_t dim() const { return embeddingDim; }
  bool hasTokenTypes() const { return typesIndex >= 0; }
  /// Runs on ids and mask ([B, S] each); the embeddings are then in
  /// embedding() ([B, D]).
  llvm::Error run(const std::vector<int64_t> &ids,
                  const std::vector<int64_t> &mask);
  const float *embedding() const {
    return reinterpret_cast<const float *>(outputs[embeddingIndex].data());
  }
  double seconds = 0;

private:
  std::string path;
  decltype(&qcc_model_destroy) destroy = nullptr;
  decltype(&qcc_model_run) runFn = nullptr;
  decltype(&qcc_model_last_error) lastError = nullptr;
  decltype(&qcc_status_string) statusString = nullptr;
  qcc_model *model = nullptr;
  std::vector<int64_t> shape; // of the inputs
  int idsIndex = -1, maskIndex = -1, typesIndex = -1, embeddingIndex = -1;
  int64_t embeddingDim = 0;
  std::vector<std::vector<char>> inputs, outputs;
  std::vector<std::vector<int64_t>> outputShapes;
  std::vector<qcc_tensor> inTensors, outTensors;
};

llvm::Expected<std::unique_ptr<EncoderLibrary>>
EncoderLibrary::load(const std::string &path) {
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return fail(path + ": cannot load: " + dlerror());
  auto lib = std::make_unique<EncoderLibrary>();
  lib->path = path;
  std::string missing;
  auto get = [&](auto &fn, const char *name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
        dlsym(handle, name));
    if (!fn && missing.empty())
      missing = name;
  };
  decltype(&qcc_model_create) create = nullptr;
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
  decltype(&qcc_buffer_size) bufferSize = nullptr;
  get(create, "qcc_model_create");
  get(lib->destroy, "qcc_model_destroy");
  get(numInputs, "qcc_model_num_inputs");
  get(numOutputs, "qcc_model_num_outputs");
  get(inputName, "qcc_model_input_name");
  get(inputDtype, "qcc_model_input_dtype");
  get(inputRank, "qcc_model_input_rank");
  get(inputShape, "qcc_model_input_shape");
  get(outputName, "qcc_model_output_name");
  get(outputDtype, "qcc_model_output_dtype");
  get(outputRank, "qcc_model_output_rank");
  get(outputShape, "qcc_model_output_shape");
  get(lib->runFn, "qcc_model_run");
  get(lib->lastError, "qcc_model_last_error");
  get(lib->statusString, "qcc_status_string");
  get(bufferSize, "qcc_buffer_size");
  if (!missing.empty())
    return fail(path + ": not a qcc model library (no '" + missing + "')");
  if (qcc_status st = create(&lib->model); st != QCC_OK)
    return fail(path + ": cannot create the model: " + lib->statusString(st));

  int32_t n = numInputs(lib->model);
  for (int32_t i = 0; i < n; ++i) {
    std::string name = inputName(lib->model, i);
    int *slot = name == "input_ids"        ? &lib->idsIndex
                : name == "attention_mask" ? &lib->maskIndex
                : name == "token_type_ids" ? &lib->typesIndex
                                           : nullptr;
    std::vector<int64_t> s(inputShape(lib->model, i),
                           inputShape(lib->model, i) + inputRank(lib->model, i));
    if (!slot)
      return fail(path + ": input '" + name +
                  "' is not one of a text encoder's (input_ids, "
                  "attention_mask, token_type_ids)");
    if (inputDtype(lib->model, i) != QCC_DTYPE_INT64 || s.size() != 2 ||
        (!lib->shape.empty() && s != lib->shape))
      return fail(path + ": input '" + name +
                  "' must be int64 [batch, sequence] like the others");
    lib->shape = s;
    *slot = i;
  }
  if (lib->idsIndex < 0 || lib->maskIndex < 0)
    return fail(path + ": a text encoder needs inputs input_ids and "
                       "attention_mask");
  size_t bytes = (size_t)(lib->shape[0] * lib->shape[1]) * sizeof(int64_t);
  for (int32_t i = 0; i < n; ++i) {
    lib->inputs.emplace_back(bytes, 0);
    lib->inTensors.push_back({QCC_DTYPE_INT64, 2, lib->shape.data(),
                              lib->inputs.back().data()});
  }
  int32_t m = numOutputs(lib->model);
  lib->outputShapes.resize(m);
  for (int32_t i = 0; i < m; ++i) {
    const int64_t *s = outputShape(lib->model, i);
    int32_t rank = outputRank(lib->model, i);
    lib->outputShapes[i].assign(s, s + rank);
    int64_t count = 1;
    for (int64_t d : lib->outputShapes[i])
      count *= d;
    int32_t dtype = outputDtype(lib->model, i);
    lib->outputs.emplace_back(bufferSize(dtype, count), 0);
    lib->outTensors.push_back({dtype, rank, lib->outputShapes[i].data(),
                               lib->outputs.back().data()});
    if (std::string(outputName(lib->model, i)) == "sentence_embedding") {
      if (dtype != QCC_DTYPE_FLOAT32 || rank != 2 ||
          s[0] != lib->shape[0])
        return fail(path + ": output sentence_embedding must be float32 "
                           "[batch, dim]");
      lib->embeddingIndex = i;
      lib->embeddingDim = s[1];
    }
  }
  if (lib->embeddingIndex < 0)
    return fail(path + ": the library has no output 'sentence_embedding' "
                       "(compile the safetensors encoder with qcc)");
  return lib;
}

llvm::Error EncoderLibrary::run(const std::vector<int64_t> &ids,
                                const std::vector<int64_t> &mask) {
  std::memcpy(inputs[idsIndex].data(), ids.data(), inputs[idsIndex].size());
  std::memcpy(inputs[maskIndex].data(), mask.data(), inputs[maskIndex].size());
  auto start = std::chrono::steady_clock::now();
  qcc_status st = runFn(model, inTensors.data(), (int32_t)inTensors.size(),
                        outTensors.data(), (int32_t)outTensors.size());
  seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                           start)
                 .count();
  if (st != QCC_OK)
    return fail(path + ": run failed: " + statusString(st) + ": " +
                lastError(model));
  return llvm::Error::success();
}

} // namespace

llvm::Expected<std::vector<std::string>>
readSentences(const std::string &path) {
  auto text = llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!text)
    return fail(path + ": cannot read: " + text.getError().message());
  llvm::SmallVector<llvm::StringRef> lines;
  (*text)->getBuffer().split(lines, '\n');
  std::vector<std::string> sentences;
  for (llvm::StringRef line : lines)
    if (!line.trim().empty())
      sentences.push_back(line.rtrim("\r").str());
  if (sentences.empty())
    return fail(path + ": no sentences (one per line)");
  return sentences;
}

llvm::Expected<EmbeddingComparison>
compareEmbeddings(const std::string &modelPath, const std::string &refPath,
                  const tokenizer::WordPieceTokenizer &tok,
                  llvm::ArrayRef<std::string> sentences) {
  auto model = EncoderLibrary::load(modelPath);
  if (!model)
    return model.takeError();
  auto ref = EncoderLibrary::load(refPath);
  if (!ref)
    return ref.takeError();
  EncoderLibrary &a = **model, &b = **ref;
  if (a.batch() != b.batch() || a.seq() != b.seq() || a.dim() != b.dim() ||
      a.hasTokenTypes() != b.hasTokenTypes())
    return fail(llvm::formatv("{0} ([{1}, {2}] -> {3}) and {4} ([{5}, {6}] -> "
                              "{7}) have different interfaces",
                              modelPath, a.batch(), a.seq(), a.dim(), refPath,
                              b.batch(), b.seq(), b.dim()));
  if (sentences.empty())
    return fail("no sentences to compare");
  int64_t B = a.batch(), S = a.seq(), D = a.dim();
  EmbeddingComparison result;
  std::vector<int64_t> ids(B * S), mask(B * S);
  double sum = 0, minimum = 2;
  for (size_t first = 0; first < sentences.size(); first += B) {
    size_t count = std::min<size_t>(B, sentences.size() - first);
    for (int64_t i = 0; i < B; ++i) {
      const std::string &s = sentences[first + (size_t)i % count];
      size_t n = tok.encodePadded(s, (size_t)S, &ids[i * S], &mask[i * S]);
      if ((int64_t)i < (int64_t)count &&
          tok.encode(s, true, 0).size() > n)
        ++result.truncated;
    }
    if (auto e = a.run(ids, mask))
      return std::move(e);
    if (auto e = b.run(ids, mask))
      return std::move(e);
    for (size_t i = 0; i < count; ++i) {
      const float *x = a.embedding() + i * D, *y = b.embedding() + i * D;
      double dot = 0, nx = 0, ny = 0;
      for (int64_t d = 0; d < D; ++d) {
        dot += (double)x[d] * y[d];
        nx += (double)x[d] * x[d];
        ny += (double)y[d] * y[d];
      }
      double c = nx > 0 && ny > 0 ? dot / std::sqrt(nx * ny) : 0.0;
      result.cosines.push_back(c);
      sum += c;
      minimum = std::min(minimum, c);
    }
  }
  result.meanCosine = sum / (double)result.cosines.size();
  result.minCosine = minimum;
  result.modelSeconds = a.seconds;
  result.refSeconds = b.seconds;
  return result;
}

} // namespace qcc::eval
