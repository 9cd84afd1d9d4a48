//===- WeightConfig.h - per-layer weight formats of a GGUF model -*- C++
//-*-===//
//
// How each linear weight of a GGUF language model is stored in the compiled
// library (`--weights`, `--wbits`, `--group`, `--layer-quant`,
// docs/language-models.md "Quantized weights"):
//
//   f32                     dequantized to f32 (the float model)
//   gguf                    the file's own blocks, as shipped (the default)
//   q4_0 q4_1 q5_0 q5_1 q8_0  llama.cpp's round-to-nearest blocks of 32
//   q4k q5k q6k             qcc's super-block encoders (256 per block)
//   q2g64 q3g64 q3g192      qcc's asymmetric 2-/3-bit blocks of 64 or 192
//                           (2.5, 3.5, 3.17 bits per weight)
//   rtn gptq awq hqq        grouped codes chosen by that quantizer:
//                           --wbits=4 as Q4_1 blocks of 32 repeating each
//                           group's scale and offset (--group a multiple of
//                           32); --wbits=8 (rtn only) as Q8_0; --wbits=2 or
//                           3 as q2g64 / q3g64 / q3g192 (--group 64, or 192
//                           for 3 bits)
//
// Every format except f32 runs as qnn.block_linear. A plan is a default
// configuration plus regex rules over GGUF tensor names (blk.N.attn_q.weight,
// ..., output.weight or token_embd.weight for the LM head); the last rule
// that matches a name wins.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_FRONTEND_GGUF_WEIGHTCONFIG_H
#define QCC_FRONTEND_GGUF_WEIGHTCONFIG_H

#include "qcc/ModelFile/TensorData.h"
#include "qcc/Quant/Prune24.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class Regex;
}

namespace qcc::gguf_import {

enum class WeightKind {
  F32,
  Gguf,
  Q4_0,
  Q4_1,
  Q5_0,
  Q5_1,
  Q8_0,
  Q4_K,
  Q5_K,
  Q6_K,
  Q2_G64,
  Q3_G64,
  Q3_G192,
  RTN,
  GPTQ,
  AWQ,
  HQQ,
};

struct WeightConfig {
  WeightKind kind = WeightKind::Gguf;
  /// rtn/gptq/awq/hqq only: code bits (4, or 8 for rtn) and group size.
  int bits = 4;
  int64_t group = 32;
  /// 4-bit codes on a float-offset grid w = d q + m (Q4_1's, the default)
  /// or on an integer zero point with the range widened to hold 0
  /// (`--wgrid=int`, the integer-only path's grid).
  bool floatOffset = true;

  bool isMethod() const {
    return kind == WeightKind::RTN || kind == WeightKind::GPTQ ||
           kind == WeightKind::AWQ || kind == WeightKind::HQQ;
  }
  bool needsCalibration() const {
    return kind == WeightKind::GPTQ || kind == WeightKind::AWQ;
  }
  /// The spelling: "q4k", "gptq w4 g128", ...
  std::string str() const;
};

/// The configuration named `name` (see the file comment); methods take
/// `bits` and `group`. Errors list the names, or say which bits and groups
/// a method takes.
llvm::Expected<WeightConfig> parseWeightConfig(llvm::StringRef name, int bits,
                                               int64_t group);

/// The names parseWeightConfig accepts, comma-separated (for messages).
const char *weightConfigNames();

class WeightPlan {
public:
  WeightPlan() = default;
  explicit WeightPlan(WeightConfig global) : global(global) {}

  /// Adds the rules of one `--layer-quant` value, `REGEX=CONFIG[,REGEX=
  /// CONFIG]...` (a comma inside a regex, as in `{1,2}`, stays in it: an
  /// entry ends at the first comma after its '='). Errors name the entry:
  /// a missing '=', an empty regex, an invalid regex (with the reason), an
  /// unknown configuration.
  llvm::Error addRules(llvm::StringRef spec, int bits, int64_t group);

  /// The 4-bit grid of every rtn/gptq/awq/hqq configuration (`--wgrid`):
  /// float offsets (true) or integer zero points.
  void setFloatOffset(bool floatOffset);

  /// The configuration of tensor `name`: the last rule whose regex matches
  /// anywhere in the name, else the default.
  const WeightConfig &lookup(llvm::StringRef name) const;

  const WeightConfig &getDefault() const { return global; }
  bool needsCalibration() const;
  /// Whether the default or any rule has configuration kind `kind`.
  bool uses(WeightKind kind) const;
  /// Whether the default or any rule is rtn/gptq/awq/hqq.
  bool usesMethod() const;
  /// Rules whose regex matched no name passed to lookup so far.
  std::vector<std::string> unusedRules() const;

private:
  struct Rule {
    std::string pattern;
    std::shared_ptr<llvm::Regex> regex;
    WeightConfig config;
    /// Shared by the plan's copies (the importer holds one).
    std::shared_ptr<bool> used = std::make_shared<bool>(false);
  };
  WeightConfig global;
  std::vector<Rule> rules;
};

/// 2:4 pruning of a GGUF model's linear weights (`--sparsity=force
/// --prune=METHOD [--sparse-layers=REGEX]`): the selected layers' float
/// (dequantized) weights are pruned to 2:4 before their block encoding,
/// which must keep a zero exactly zero (zeroPreserving24).
struct SparsityPlan {
  bool enabled = false;
  quant::PruneMethod method = quant::PruneMethod::Magnitude;
  /// Layers pruned: names matching this regex (anywhere in the name); none
  /// given: every linear weight but the LM head.
  std::string pattern;
  std::shared_ptr<llvm::Regex> regex;

  /// Sets `pattern` and `regex`; an invalid regex is an error naming it.
  llvm::Error setLayers(llvm::StringRef pattern);
  /// Whether tensor `name` is pruned (false when not enabled).
  bool selects(llvm::StringRef name) const;
  /// Whether a selected layer's prune method reads the input Hessian.
  bool needsCalibration() const {
    return enabled && quant::pruneNeedsHessian(method);
  }
};

/// Whether `config`'s block encoding stores a weight of exactly 0 as 0
/// (a symmetric code at its zero point: q4_0, q5_0, q8_0, rtn --wbits=8),
/// so a 2:4-pruned row stays 2:4; the other formats add a minimum or an
/// offset (q4_1, q5_1, k-quants, the 4-bit methods' Q4_1 blocks).
bool zeroPreserving24(const WeightConfig &config);

/// Calibration statistics of one linear layer's input x [n, cols] (from a
/// --calib=text.txt run on the float sequence graph).
struct LayerInputStats {
  int64_t cols = 0;
  std::vector<double> hessian; // GPTQ: 2 X^T X / n, cols x cols
  int64_t hessianRows = 0;     // n
  std::vector<float> meanAbs;  // AWQ: mean |x| per column
  std::vector<float> sample;   // AWQ: rows of x, sampleRows x cols
  int64_t sampleRows = 0;
};
using LayerStatsMap = std::map<std::string, LayerInputStats>;

/// One linear weight in the block format its configuration chose.
struct EncodedWeight {
  modelfile::DType format = modelfile::DType::Q8_0;
  /// The bytes are qcc's q4_1_g128 layout (groups of 128 with one f16 d and
  /// m each; `format` is Q4_1, its per-32 arithmetic), not a GGUF type.
  bool group128 = false;
  std::vector<uint8_t> bytes; // rows x row bytes
  /// AWQ: the stored weights stand for W diag(s); the layer's input is
  /// multiplied by these 1/s (cols) first. Empty otherwise.
  std::vector<float> inputScales;
  /// The k-quant formats fall back on llama.cpp's choice for rows that are
  /// not a multiple of 256 (q4k: q5_0, q5k: q5_1, q6k: q8_0).
  bool fellBack = false;
  /// The float weights were pruned to 2:4 before encoding.
  bool pruned24 = false;
};

/// Encodes the float weight w [rows, cols] of tensor `name` as `config`
/// says (not f32 or gguf). `stats` is required for gptq and awq. Errors
/// name the tensor: a row length the format cannot split, missing
/// statistics, a quantizer failure. With `prune`, the weight is first
/// pruned to 2:4 by that method (wanda and sparsegpt read `stats`'s
/// Hessian); `config` must then be zeroPreserving24.
llvm::Expected<EncodedWeight>
encodeLinearWeight(llvm::StringRef name, const float *w, int64_t rows,
                   int64_t cols, const WeightConfig &config,
                   const LayerInputStats *stats,
                   std::optional<quant::PruneMethod> prune = std::nullopt);

} // namespace qcc::gguf_import

#endif // QCC_FRONTEND_GGUF_WEIGHTCONFIG_H
