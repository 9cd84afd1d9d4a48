//===- LlamaSensitivity.cpp - measured per-layer sensitivity --------------===//

#include "qcc/Allocation/LlamaSensitivity.h"

#include "qcc/Allocation/LlamaForward.h"
#include "qcc/Frontend/Gguf/WeightConfig.h"
#include "qcc/ModelFile/TensorData.h"
#include "qcc/Quant/Ternary.h"
#include "qcc/Quant/WeightQuantizers.h"
#include "qcc/Target/CostModel.h"
#include "qcc/Tokenizer/Tokenizer.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Regex.h"
#include "llvm/Support/xxhash.h"

#include <chrono>
#include <cmath>

namespace qcc::alloc {

static llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

const char *sensitivityConfigNames() {
  return "q4_0, q4_1, q5_0, q5_1, q8_0, q4k, q5k, q6k (GGUF blocks, as "
         "qcc --layer-quant stores them), q2g64, q3g64, q3g192 (qcc's 2- and "
         "3-bit blocks), int8, int4g32, int4g128, ternary";
}

/// The cost-model name of a block format.
static const char *blockFormatName(modelfile::DType t) {
  switch (t) {
  case modelfile::DType::Q4_0:
    return "q4_0";
  case modelfile::DType::Q4_1:
    return "q4_1";
  case modelfile::DType::Q5_0:
    return "q5_0";
  case modelfile::DType::Q5_1:
    return "q5_1";
  case modelfile::DType::Q8_0:
    return "q8_0";
  case modelfile::DType::Q2_K:
    return "q2k";
  case modelfile::DType::Q3_K:
    return "q3k";
  case modelfile::DType::Q4_K:
    return "q4k";
  case modelfile::DType::Q5_K:
    return "q5k";
  case modelfile::DType::Q6_K:
    return "q6k";
  case modelfile::DType::Q2_G64:
    return "q2g64";
  case modelfile::DType::Q3_G64:
    return "q3g64";
  case modelfile::DType::Q3_G192:
    return "q3g192";
  default:
    return nullptr;
  }
}

llvm::Expected<QuantizedCopy> quantizeForConfig(llvm::StringRef config,
                                                llvm::StringRef name,
                                                const float *w, int64_t rows,
                                                int64_t cols) {
  QuantizedCopy q;
  q.format = config.str();
  double bits = storageBitsPerWeight(config);
  // GGUF block formats: the bytes qcc's --layer-quant would store (its
  // encoders, with llama.cpp's fallback for k-quant rows that are not a
  // multiple of 256), decoded again.
  if (llvm::is_contained(
          {"q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "q4k", "q5k", "q6k",
           "q2g64", "q3g64", "q3g192"},
          config)) {
    auto wc = gguf_import::parseWeightConfig(config, 4, 32);
    if (!wc)
      return wc.takeError();
    auto enc = gguf_import::encodeLinearWeight(name, w, rows, cols, *wc,
                                               /*stats=*/nullptr);
    if (!enc)
      return enc.takeError();
    modelfile::TensorRef t;
    t.name = name.str();
    t.type = enc->format;
    t.shape = {(uint64_t)rows, (uint64_t)cols};
    t.data = enc->bytes;
    auto values = modelfile::dequantizeTensor(t);
    if (!values)
      return values.takeError();
    q.values = std::move(*values);
    q.bytes = (double)enc->bytes.size();
    const char *f = blockFormatName(enc->format);
    q.format = f ? f : config.str();
    return q;
  }
  if (config == "int8" || config == "int4g32" || config == "int4g128") {
    // qcc's integer path: per-channel symmetric int8, grouped asymmetric int4.
    quant::WeightQuantConfig cfg;
    cfg.bits = config == "int8" ? 8 : 4;
    cfg.groupSize = config == "int8" ? 0 : config == "int4g32" ? 32 : 128;
    cfg.symmetric = config == "int8";
    std::string why = quant::verifyWeightQuantConfig(cfg, cols);
    if (!why.empty())
      return fail("tensor " + name + ": " + config + ": " + why);
    q.values = quant::quantizeRTN(w, rows, cols, cfg).dequantize();
  } else if (config == "ternary") {
    quant::TernaryWeights t = quant::quantizeTernary(w, rows, cols, false);
    q.values.resize(rows * cols);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        q.values[r * cols + c] = t.values[r * cols + c] * t.scales[r];
  } else {
    return fail("unknown config '" + config + "' (expected one of " +
                sensitivityConfigNames() + ")");
  }
  q.bytes = std::ceil((double)rows * cols * bits / 8 + 4.0 * rows);
  return q;
}

namespace {

std::string hashFile(llvm::StringRef path, std::string &error) {
  auto buf = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buf) {
    error = buf.getError().message();
    return "";
  }
  uint64_t h = llvm::xxh3_64bits(llvm::ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>((*buf)->getBufferStart()),
      (*buf)->getBufferSize()));
  return llvm::formatv("{0:x16}", h).str();
}

double seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

} // namespace

llvm::Expected<SensitivityTable>
measureLlamaSensitivity(const SensitivityOptions &o,
                        const SensitivityTable *cached,
                        llvm::function_ref<void(llvm::StringRef)> progress) {
  auto start = std::chrono::steady_clock::now();
  if (o.configs.empty())
    return fail("no candidate configs (--configs)");
  if (o.seq < 2 || o.samples < 1)
    return fail("--calib-seq must be at least 2 and --calib-samples at "
                "least 1");
  std::string probe = o.probe;
  if (probe.empty()) {
    // The cheapest config of at least 4 bits: the KL/MSE ratio transfers
    // between configs only while the perturbation is small (second order);
    // ternary or 2-bit layers are far outside that regime.
    for (const std::string &c : o.configs) {
      double bits = storageBitsPerWeight(c);
      if (bits >= 4 && (probe.empty() || bits < storageBitsPerWeight(probe)))
        probe = c;
    }
    if (probe.empty())
      for (const std::string &c : o.configs)
        if (probe.empty() ||
            storageBitsPerWeight(c) > storageBitsPerWeight(probe))
          probe = c;
  }
  if (std::find(o.configs.begin(), o.configs.end(), probe) == o.configs.end())
    return fail("--probe=" + probe + " is not one of --configs");
  for (const std::string &c : o.configs) {
    // A row every format's block divides (32, 64, 192; the k-quants fall
    // back below 256).
    float probeWeight[192] = {};
    if (auto q = quantizeForConfig(c, "probe", probeWeight, 1, 192); !q)
      return q.takeError();
  }
  std::optional<llvm::Regex> only;
  if (!o.layers.empty()) {
    only.emplace(o.layers);
    std::string error;
    if (!only->isValid(error))
      return fail("--layers: bad regular expression '" + o.layers +
                  "': " + error);
  }

  SensitivityTable t;
  t.model = o.model;
  std::string error;
  t.modelHash = hashFile(o.model, error);
  if (t.modelHash.empty())
    return fail("cannot read '" + o.model + "': " + error);
  t.metric = "kl";
  t.calibText = o.calibText;
  t.calibSeq = o.seq;
  t.calibSamples = o.samples;
  t.calibTokens = o.seq * o.samples;
  t.probeConfig = o.kl == SensitivityOptions::KL::none ? "" : probe;
  t.configs = o.configs;
  switch (o.kl) {
  case SensitivityOptions::KL::all:
    t.method = "KL of the next-token distribution against the float model, "
               "measured for every layer and config (one layer quantized, "
               "the rest float)";
    break;
  case SensitivityOptions::KL::probe:
    t.method = "KL against the float model measured for every layer at " +
               probe +
               "; other configs: layer output MSE times that "
               "layer's measured KL/MSE ratio";
    break;
  case SensitivityOptions::KL::none:
    t.metric = "mse";
    t.method = "layer output MSE on the calibration tokens (no KL)";
    break;
  }
  // Results the cache already holds (same model, text, settings, probe).
  bool reuse = cached && cached->cacheKey() == t.cacheKey() &&
               cached->metric == t.metric;
  auto cachedResult = [&](const std::string &layer,
                          const std::string &cfg) -> const ConfigResult * {
    if (!reuse)
      return nullptr;
    for (const LayerSensitivity &l : cached->layers)
      if (l.name == layer) {
        auto it = l.results.find(cfg);
        return it == l.results.end() ? nullptr : &it->second;
      }
    return nullptr;
  };

  auto file = modelfile::GgufFile::open(o.model);
  if (!file)
    return file.takeError();
  auto tok = tokenizer::Tokenizer::create(**file);
  if (!tok)
    return fail("the calibration text needs the model's tokenizer: " +
                llvm::toString(tok.takeError()));
  auto text = llvm::MemoryBuffer::getFile(o.calibText, /*IsText=*/false,
                                          /*RequiresNullTerminator=*/false);
  if (!text)
    return fail("cannot read calibration text '" + o.calibText +
                "': " + text.getError().message());
  std::vector<int32_t> all = (*tok)->encode(
      (*text)->getBuffer(), (*tok)->getAddBos(), /*parseSpecial=*/false);
  if ((int64_t)all.size() < o.seq * o.samples)
    return fail(llvm::formatv("calibration text '{0}' has {1} tokens, fewer "
                              "than --calib-samples={2} x --calib-seq={3}",
                              o.calibText, all.size(), o.samples, o.seq)
                    .str());
  all.resize(o.seq * o.samples);

  auto weights = loadLlama(**file);
  if (!weights)
    return weights.takeError();
  const LlamaWeights &W = *weights;
  t.fixedTensors = W.fixedTensors;
  LlamaForward fwd(W, o.samples, o.seq, o.threads);
  if (only) {
    bool any = false;
    for (int64_t b = 0; b < W.layers; ++b)
      for (int j = 0; j < NumLlamaLinears; ++j)
        any |= only->match(llamaLinearName(b, j));
    if (!any)
      return fail("--layers='" + o.layers + "' matches no linear layer");
  }

  // Float reference.
  std::vector<float> ref;
  if (o.kl != SensitivityOptions::KL::none) {
    std::vector<float> x = fwd.embed(all);
    for (int64_t b = 0; b < W.layers; ++b)
      fwd.runBlock(b, x);
    ref = fwd.logProbs(x);
    progress(llvm::formatv("float reference: {0} blocks, {1} tokens, {2:f1} s",
                           W.layers, fwd.rows(), seconds(start))
                 .str());
  }

  std::vector<float> state = fwd.embed(all);
  int64_t measuredKL = 0, reused = 0;
  for (int64_t b = 0; b < W.layers; ++b) {
    auto blockStart = std::chrono::steady_clock::now();
    const LlamaWeights::Block &B = W.blocks[b];
    std::vector<float> inputs[NumLlamaLinears];
    std::vector<float> next = state;
    fwd.runBlock(b, next, nullptr,
                 [&](int j, const float *in, int64_t rows, int64_t cols) {
                   inputs[j].assign(in, in + rows * cols);
                 });
    int64_t blockKL = 0;
    for (int j = 0; j < NumLlamaLinears; ++j) {
      std::string name = llamaLinearName(b, j);
      if (only && !only->match(name))
        continue;
      LayerSensitivity ls;
      ls.name = name;
      ls.rows = B.rows[j];
      ls.cols = B.cols[j];
      const float *w = B.w[j].data();
      int64_t n = B.rows[j], k = B.cols[j];
      for (const std::string &cfg : o.configs) {
        bool wantKL = o.kl == SensitivityOptions::KL::all ||
                      (o.kl == SensitivityOptions::KL::probe && cfg == probe);
        const ConfigResult *hit = cachedResult(name, cfg);
        if (hit && (!wantKL || hit->kl >= 0)) {
          ls.results[cfg] = *hit;
          ++reused;
          continue;
        }
        auto q = quantizeForConfig(cfg, name, w, n, k);
        if (!q)
          return q.takeError();
        ConfigResult r;
        r.bytes = q->bytes;
        r.format = q->format;
        std::vector<float> delta(n * k), y(fwd.rows() * n);
        for (int64_t i = 0; i < n * k; ++i)
          delta[i] = q->values[i] - w[i];
        gemmXWt(inputs[j].data(), delta.data(), y.data(), fwd.rows(), n, k,
                o.threads);
        double ss = 0;
        for (float v : y)
          ss += (double)v * v;
        r.layerMse = ss / ((double)fwd.rows() * n);
        if (wantKL) {
          std::vector<float> x = state;
          const float *ov[NumLlamaLinears] = {};
          ov[j] = q->values.data();
          fwd.runBlock(b, x, ov);
          for (int64_t b2 = b + 1; b2 < W.layers; ++b2)
            fwd.runBlock(b2, x);
          r.kl = meanKL(ref, fwd.logProbs(x), W.vocab);
          ++measuredKL;
          ++blockKL;
        }
        ls.results[cfg] = r;
      }
      // Sensitivities: measured KL, or the error scaled by the probe's
      // KL/MSE gain, or (no KL) the error itself.
      const ConfigResult &p = ls.results[probe];
      double gain = p.kl >= 0 && p.layerMse > 0 ? p.kl / p.layerMse : -1;
      for (auto &[cfg, r] : ls.results) {
        if (r.kl >= 0)
          r.sensitivity = r.kl;
        else if (o.kl == SensitivityOptions::KL::none)
          r.sensitivity = r.layerMse;
        else
          r.sensitivity = gain >= 0 ? r.layerMse * gain : 0;
      }
      t.layers.push_back(std::move(ls));
    }
    progress(llvm::formatv("block {0}/{1}: {2} KL runs, {3:f1} s (total "
                           "{4:f1} s)",
                           b + 1, W.layers, blockKL, seconds(blockStart),
                           seconds(start))
                 .str());
    state.swap(next);
  }
  if (t.layers.empty())
    return fail("--layers='" + o.layers + "' matches no linear layer");
  t.seconds = seconds(start);
  progress(llvm::formatv("{0} layers x {1} configs, {2} KL measurements, {3} "
                         "results reused, {4:f1} s",
                         t.layers.size(), o.configs.size(), measuredKL, reused,
                         t.seconds)
               .str());
  return t;
}

} // namespace qcc::alloc
