//===- WeightConfig.cpp - per-layer weight formats of a GGUF model --------===//

#include "qcc/Frontend/Gguf/WeightConfig.h"

#include "qcc/Quant/BlockEncoders.h"
#include "qcc/Quant/LowBitEncoders.h"
#include "qcc/Quant/WeightQuantizers.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Regex.h"

using namespace qcc;
using namespace qcc::gguf_import;
using modelfile::DType;

namespace {

/// Input rows AWQ's scale search scores each alpha on.
constexpr int64_t kAwqSampleRows = 64;

llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

const char *kindName(WeightKind k) {
  switch (k) {
  case WeightKind::F32:
    return "f32";
  case WeightKind::Gguf:
    return "gguf";
  case WeightKind::Q4_0:
    return "q4_0";
  case WeightKind::Q4_1:
    return "q4_1";
  case WeightKind::Q5_0:
    return "q5_0";
  case WeightKind::Q5_1:
    return "q5_1";
  case WeightKind::Q8_0:
    return "q8_0";
  case WeightKind::Q4_K:
    return "q4k";
  case WeightKind::Q5_K:
    return "q5k";
  case WeightKind::Q6_K:
    return "q6k";
  case WeightKind::Q2_G64:
    return "q2g64";
  case WeightKind::Q3_G64:
    return "q3g64";
  case WeightKind::Q3_G192:
    return "q3g192";
  case WeightKind::RTN:
    return "rtn";
  case WeightKind::GPTQ:
    return "gptq";
  case WeightKind::AWQ:
    return "awq";
  case WeightKind::HQQ:
    return "hqq";
  }
  return "?";
}

} // namespace

std::string WeightConfig::str() const {
  if (!isMethod())
    return kindName(kind);
  if (bits == 8)
    return llvm::formatv("{0} w8 (q8_0)", kindName(kind)).str();
  return llvm::formatv("{0} w{1} g{2}{3}", kindName(kind), bits, group,
                       floatOffset ? "" : " int-zero")
      .str();
}

const char *gguf_import::weightConfigNames() {
  return "f32, gguf, q4_0, q4_1, q5_0, q5_1, q8_0, q4k, q5k, q6k, q2g64, "
         "q3g64, q3g192, rtn, gptq, awq, hqq";
}

llvm::Expected<WeightConfig>
gguf_import::parseWeightConfig(llvm::StringRef name, int bits, int64_t group) {
  auto kind = llvm::StringSwitch<std::optional<WeightKind>>(name)
                  .Case("f32", WeightKind::F32)
                  .Case("gguf", WeightKind::Gguf)
                  .Case("q4_0", WeightKind::Q4_0)
                  .Case("q4_1", WeightKind::Q4_1)
                  .Case("q5_0", WeightKind::Q5_0)
                  .Case("q5_1", WeightKind::Q5_1)
                  .Case("q8_0", WeightKind::Q8_0)
                  .Cases("q4k", "q4_k", WeightKind::Q4_K)
                  .Cases("q5k", "q5_k", WeightKind::Q5_K)
                  .Cases("q6k", "q6_k", WeightKind::Q6_K)
                  .Case("q2g64", WeightKind::Q2_G64)
                  .Case("q3g64", WeightKind::Q3_G64)
                  .Case("q3g192", WeightKind::Q3_G192)
                  .Case("rtn", WeightKind::RTN)
                  .Case("gptq", WeightKind::GPTQ)
                  .Case("awq", WeightKind::AWQ)
                  .Case("hqq", WeightKind::HQQ)
                  .Default(std::nullopt);
  if (!kind)
    return fail(llvm::formatv("unknown weight configuration '{0}' (expected "
                              "one of: {1})",
                              name, weightConfigNames()));
  WeightConfig c;
  c.kind = *kind;
  if (!c.isMethod())
    return c;
  c.bits = bits;
  c.group = group;
  if (bits != 2 && bits != 3 && bits != 4 && bits != 8)
    return fail(llvm::formatv("{0}: --wbits must be 2, 3, 4 or 8 for a "
                              "language model's block weights, got {1}",
                              name, bits));
  if (bits == 2 && group != 64)
    return fail(llvm::formatv("{0} --wbits=2 is stored as q2g64: --group "
                              "must be 64, got {1}",
                              name, group));
  if (bits == 3 && group != 64 && group != 192)
    return fail(llvm::formatv("{0} --wbits=3 is stored as q3g64 or q3g192: "
                              "--group must be 64 or 192, got {1}",
                              name, group));
  if (bits == 8 && c.kind != WeightKind::RTN)
    return fail(llvm::formatv("{0} needs --wbits=2, 3 or 4 (8-bit weights are "
                              "Q8_0, "
                              "round-to-nearest: --weights=q8_0 or rtn)",
                              name));
  if (bits == 8 && group != 32)
    return fail(llvm::formatv("{0} --wbits=8 is Q8_0, blocks of 32: --group "
                              "must be 32, got {1}",
                              name, group));
  if (group <= 0 || group % 32)
    return fail(llvm::formatv("{0}: --group must be a positive multiple of 32 "
                              "(groups are written as Q4_1 blocks of 32), "
                              "got {1}",
                              name, group));
  return c;
}

llvm::Error WeightPlan::addRules(llvm::StringRef spec, int bits,
                                 int64_t group) {
  // Entries: text up to the first comma after an '='.
  llvm::StringRef rest = spec;
  if (rest.empty())
    return fail("--layer-quant: empty value (expected REGEX=CONFIG[,...])");
  while (!rest.empty()) {
    size_t eq = rest.find('=');
    if (eq == llvm::StringRef::npos)
      return fail(llvm::formatv("--layer-quant: '{0}' has no '=' (expected "
                                "REGEX=CONFIG)",
                                rest));
    size_t comma = rest.find(',', eq);
    llvm::StringRef entry = rest.substr(0, comma);
    rest = comma == llvm::StringRef::npos ? "" : rest.substr(comma + 1);
    size_t split = entry.rfind('=');
    llvm::StringRef pattern = entry.substr(0, split);
    llvm::StringRef name = entry.substr(split + 1).trim();
    if (pattern.empty())
      return fail(
          llvm::formatv("--layer-quant: '{0}' has an empty regex", entry));
    auto regex = std::make_shared<llvm::Regex>(pattern);
    std::string why;
    if (!regex->isValid(why))
      return fail(llvm::formatv("--layer-quant: invalid regex '{0}': {1}",
                                pattern, why));
    auto config = parseWeightConfig(name, bits, group);
    if (!config)
      return fail(llvm::formatv("--layer-quant '{0}': {1}", entry,
                                llvm::toString(config.takeError())));
    rules.push_back({pattern.str(), std::move(regex), *config});
  }
  return llvm::Error::success();
}

void WeightPlan::setFloatOffset(bool floatOffset) {
  global.floatOffset = floatOffset;
  for (Rule &r : rules)
    r.config.floatOffset = floatOffset;
}

const WeightConfig &WeightPlan::lookup(llvm::StringRef name) const {
  for (auto it = rules.rbegin(); it != rules.rend(); ++it)
    if (it->regex->match(name)) {
      *it->used = true;
      return it->config;
    }
  return global;
}

bool WeightPlan::needsCalibration() const {
  if (global.needsCalibration())
    return true;
  for (const Rule &r : rules)
    if (r.config.needsCalibration())
      return true;
  return false;
}

bool WeightPlan::uses(WeightKind kind) const {
  if (global.kind == kind)
    return true;
  for (const Rule &r : rules)
    if (r.config.kind == kind)
      return true;
  return false;
}

bool WeightPlan::usesMethod() const {
  return uses(WeightKind::RTN) || uses(WeightKind::GPTQ) ||
         uses(WeightKind::AWQ) || uses(WeightKind::HQQ);
}

std::vector<std::string> WeightPlan::unusedRules() const {
  std::vector<std::string> out;
  for (const Rule &r : rules)
    if (!*r.used)
      out.push_back(r.pattern);
  return out;
}

llvm::Error SparsityPlan::setLayers(llvm::StringRef p) {
  auto r = std::make_shared<llvm::Regex>(p);
  std::string why;
  if (p.empty() || !r->isValid(why))
    return fail(llvm::formatv("--sparse-layers: invalid regex '{0}'{1}{2}", p,
                              why.empty() ? "" : ": ", why));
  pattern = p.str();
  regex = std::move(r);
  return llvm::Error::success();
}

bool SparsityPlan::selects(llvm::StringRef name) const {
  if (!enabled)
    return false;
  if (regex)
    return regex->match(name);
  return name != "token_embd.weight" && name != "output.weight";
}

bool gguf_import::zeroPreserving24(const WeightConfig &config) {
  switch (config.kind) {
  case WeightKind::Q4_0:
  case WeightKind::Q5_0:
  case WeightKind::Q8_0:
    return true;
  case WeightKind::RTN:
    return config.bits == 8; // Q8_0
  default:
    return false;
  }
}

llvm::Expected<EncodedWeight> gguf_import::encodeLinearWeight(
    llvm::StringRef name, const float *w, int64_t rows, int64_t cols,
    const WeightConfig &config, const LayerInputStats *stats,
    std::optional<quant::PruneMethod> prune) {
  EncodedWeight out;
  int64_t n = rows * cols;
  std::vector<float> pruned;
  if (prune) {
    if (!zeroPreserving24(config))
      return fail(llvm::formatv(
          "{0}: 2:4 pruning needs a block format that stores 0 exactly (q8_0, "
          "q4_0, q5_0 or rtn --wbits=8), but the layer is {1}; choose one "
          "with --weights or --layer-quant",
          name, config.str()));
    const std::vector<double> *hessian = nullptr;
    if (quant::pruneNeedsHessian(*prune)) {
      if (!stats || stats->cols != cols || stats->hessian.empty())
        return fail(llvm::formatv("{0}: 2:4 pruning has no calibration "
                                  "Hessian for this layer",
                                  name));
      hessian = &stats->hessian;
    }
    pruned.assign(w, w + n);
    std::string error = quant::prune24(pruned, rows, cols, *prune, hessian,
                                       0.01, stats ? stats->hessianRows : 0);
    if (!error.empty())
      return fail(llvm::formatv("{0}: 2:4 pruning failed: {1}", name, error));
    w = pruned.data();
    out.pruned24 = true;
  }
  auto needRow = [&](int64_t block) -> llvm::Error {
    if (cols % block == 0)
      return llvm::Error::success();
    return fail(llvm::formatv("{0}: rows of {1} values do not split into the "
                              "blocks of {2} that --weights={3} stores",
                              name, cols, block, config.str()));
  };
  // The k-quants need rows of whole super-blocks; llama.cpp's fallback
  // formats take the others.
  WeightKind kind = config.kind;
  if ((kind == WeightKind::Q4_K || kind == WeightKind::Q5_K ||
       kind == WeightKind::Q6_K) &&
      cols % 256 != 0) {
    out.fellBack = true;
    kind = kind == WeightKind::Q4_K   ? WeightKind::Q5_0
           : kind == WeightKind::Q5_K ? WeightKind::Q5_1
                                      : WeightKind::Q8_0;
  }
  switch (kind) {
  case WeightKind::F32:
  case WeightKind::Gguf:
    return fail(
        llvm::formatv("{0}: {1} is not a block encoding", name, config.str()));
  case WeightKind::Q4_0:
  case WeightKind::Q4_1:
  case WeightKind::Q5_0:
  case WeightKind::Q5_1:
  case WeightKind::Q8_0: {
    if (auto e = needRow(32))
      return std::move(e);
    using Encoder = std::vector<uint8_t> (*)(const float *, int64_t);
    Encoder encode = kind == WeightKind::Q4_0   ? quant::encodeQ4_0
                     : kind == WeightKind::Q4_1 ? quant::encodeQ4_1
                     : kind == WeightKind::Q5_0 ? quant::encodeQ5_0
                     : kind == WeightKind::Q5_1 ? quant::encodeQ5_1
                                                : quant::encodeQ8_0;
    out.format = kind == WeightKind::Q4_0   ? DType::Q4_0
                 : kind == WeightKind::Q4_1 ? DType::Q4_1
                 : kind == WeightKind::Q5_0 ? DType::Q5_0
                 : kind == WeightKind::Q5_1 ? DType::Q5_1
                                            : DType::Q8_0;
    out.bytes = encode(w, n);
    return out;
  }
  case WeightKind::Q4_K:
  case WeightKind::Q5_K:
  case WeightKind::Q6_K:
    out.format = kind == WeightKind::Q4_K   ? DType::Q4_K
                 : kind == WeightKind::Q5_K ? DType::Q5_K
                                            : DType::Q6_K;
    out.bytes = kind == WeightKind::Q4_K   ? quant::encodeQ4_K(w, n)
                : kind == WeightKind::Q5_K ? quant::encodeQ5_K(w, n)
                                           : quant::encodeQ6_K(w, n);
    return out;
  case WeightKind::Q2_G64:
  case WeightKind::Q3_G64:
  case WeightKind::Q3_G192: {
    int bits = kind == WeightKind::Q2_G64 ? 2 : 3;
    int group = kind == WeightKind::Q3_G192 ? 192 : 64;
    if (auto e = needRow(group))
      return std::move(e);
    out.format = kind == WeightKind::Q2_G64   ? DType::Q2_G64
                 : kind == WeightKind::Q3_G64 ? DType::Q3_G64
                                              : DType::Q3_G192;
    out.bytes = quant::encodeLowBit(w, n, bits, group);
    return out;
  }
  case WeightKind::RTN:
  case WeightKind::GPTQ:
  case WeightKind::AWQ:
  case WeightKind::HQQ:
    break;
  }
  bool lowBit = config.bits == 2 || config.bits == 3;
  if (auto e = needRow(lowBit ? config.group : 32))
    return std::move(e);
  if (config.bits == 8) { // rtn w8: Q8_0
    out.format = DType::Q8_0;
    out.bytes = quant::encodeQ8_0(w, n);
    return out;
  }
  quant::WeightQuantConfig qc;
  qc.bits = lowBit ? config.bits : 4;
  qc.groupSize = config.group;
  qc.symmetric = false;
  // The stored blocks hold a float offset per group (w = d q + m), so every
  // quantizer fits that grid rather than an integer zero point with the
  // range widened to hold 0.
  qc.floatOffset = config.floatOffset;
  quant::QuantizedWeights q;
  if (kind == WeightKind::RTN) {
    q = quant::quantizeRTN(w, rows, cols, qc);
  } else if (kind == WeightKind::HQQ) {
    quant::HQQConfig hc;
    hc.quant = qc;
    q = quant::quantizeHQQ(w, rows, cols, hc);
  } else {
    if (!stats || stats->cols != cols)
      return fail(llvm::formatv("{0}: --weights={1} has no calibration "
                                "statistics for this layer",
                                name, config.str()));
    if (kind == WeightKind::GPTQ) {
      quant::GPTQConfig gc;
      gc.quant = qc;
      std::string error;
      auto r = quant::quantizeGPTQ(w, rows, cols, stats->hessian, gc, &error);
      if (!r)
        return fail(llvm::formatv("{0}: GPTQ failed: {1}", name, error));
      q = std::move(*r);
    } else {
      quant::AWQConfig ac;
      ac.quant = qc;
      // The search scores each alpha on the layer's output over a uniform
      // sample of its input rows: 64 of them (of the 256 calibration keeps)
      // bound the cost for wide layers such as an LM head of 49152 rows.
      int64_t n = std::min<int64_t>(stats->sampleRows, kAwqSampleRows);
      quant::AWQResult r = quant::quantizeAWQ(
          w, rows, cols, stats->meanAbs.data(), stats->sample.data(), n, ac);
      q = std::move(r.weights);
      out.inputScales.resize(cols);
      for (int64_t c = 0; c < cols; ++c)
        out.inputScales[c] = 1.0f / r.channelScales[c];
    }
  }
  if (lowBit) {
    out.format = config.bits == 2   ? DType::Q2_G64
                 : config.group == 64 ? DType::Q3_G64
                                      : DType::Q3_G192;
    out.bytes = quant::packLowBit(q, (int)config.group);
    if (out.bytes.empty())
      return fail(llvm::formatv("{0}: the {1} codes do not pack as {2}", name,
                                config.str(),
                                modelfile::getDTypeName(out.format)));
    return out;
  }
  out.format = DType::Q4_1;
  // Groups of 128 get their own layout (4.25 bits per weight); other groups
  // repeat their parameters in Q4_1 blocks of 32 (5.0 bits).
  out.group128 = config.group == 128;
  out.bytes = out.group128 ? quant::packQ4_1G128(q) : quant::packQ4_1(q);
  if (out.bytes.empty())
    return fail(llvm::formatv("{0}: the {1} codes do not pack as {2}", name,
                              config.str(),
                              out.group128 ? "q4_1_g128" : "Q4_1"));
  return out;
}
