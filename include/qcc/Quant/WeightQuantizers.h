//===- WeightQuantizers.h - grouped integer weight quantization -*- C++ -*-===//
//
// Post-training weight quantizers for a row-major matrix W[rows = out][cols =
// in]: round-to-nearest, GPTQ, AWQ and HQQ, the SmoothQuant factors, and the
// integerization of group scales into per-row scale times small integer
// sub-scales. Groups run along cols. Plain C++17, no MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_QUANT_WEIGHTQUANTIZERS_H
#define QCC_QUANT_WEIGHTQUANTIZERS_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace qcc::quant {

//===----------------------------------------------------------------------===//
// Grouped codes
//===----------------------------------------------------------------------===//

struct WeightQuantConfig {
  int bits = 4; // 2..8
  /// Columns per group; <= 0 or >= cols means one group per row
  /// (per-channel). The last group of a row may be shorter.
  int64_t groupSize = 128;
  /// Zero point fixed at 2^(bits-1) and codes in [1, 2^bits - 1], so the grid
  /// is symmetric around 0; otherwise an integer zero point per group.
  bool symmetric = false;
  /// Asymmetric only: the grid w ~= scale * code + offset with a float
  /// offset per group (Q4_1's grid): min/max without widening the range to
  /// hold 0, the zero point 0, and scale and offset rounded to f16 (what
  /// the block formats store), so the codes are chosen on the grid that is
  /// stored. Otherwise an integer zero point (the integer-only path).
  bool floatOffset = false;
};

/// Empty if `cfg` can quantize a matrix with `cols` columns, else why not.
std::string verifyWeightQuantConfig(const WeightQuantConfig &cfg, int64_t cols);

/// One group's affine map: w ~= (code - zeroPoint) * scale + offset (the
/// offset is 0 unless WeightQuantConfig::floatOffset).
struct GroupParams {
  float scale = 1.0f;
  int32_t zeroPoint = 0;
  float offset = 0.0f;

  float dequantize(uint8_t code) const {
    return static_cast<float>(static_cast<int32_t>(code) - zeroPoint) * scale +
           offset;
  }
};

/// Min/max (asymmetric, range widened to contain 0) or absmax (symmetric)
/// parameters of n values, with the range first shrunk by `clip` in (0, 1].
GroupParams fitGroupParams(const float *w, int64_t n, int bits, bool symmetric,
                           float clip = 1.0f);

/// The same under `cfg`: with cfg.floatOffset, min/max with a float offset
/// (the range shrunk toward 0 by `clip`), scale and offset in f16.
GroupParams fitGroupParams(const float *w, int64_t n,
                           const WeightQuantConfig &cfg, float clip = 1.0f);

/// `p` with scale and offset rounded to f16 (a scale that rounds to 0 or
/// is not finite becomes f16's smallest normal, 2^-14).
GroupParams roundParamsToHalf(GroupParams p);

/// The code of x: round half to even, clamped to the code range.
uint8_t quantizeToCode(float x, GroupParams p, int bits, bool symmetric);

struct QuantizedWeights {
  int64_t rows = 0, cols = 0;
  int64_t groupSize = 0; // effective: cols for per-channel
  int bits = 0;
  bool symmetric = false;
  std::vector<uint8_t> codes;      // rows * cols, in [0, 2^bits - 1]
  std::vector<float> scales;       // rows * numGroups()
  std::vector<int32_t> zeroPoints; // rows * numGroups()
  /// rows * numGroups() with a float-offset grid, else empty (offset 0).
  std::vector<float> offsets;

  int64_t numGroups() const {
    return groupSize ? (cols + groupSize - 1) / groupSize : 0;
  }
  GroupParams params(int64_t row, int64_t group) const {
    int64_t i = row * numGroups() + group;
    return {scales[i], zeroPoints[i], offsets.empty() ? 0.0f : offsets[i]};
  }
  void setParams(int64_t row, int64_t group, GroupParams p) {
    int64_t i = row * numGroups() + group;
    scales[i] = p.scale;
    zeroPoints[i] = p.zeroPoint;
    if (!offsets.empty())
      offsets[i] = p.offset;
  }
  float dequantize(int64_t row, int64_t col) const;
  /// The rows * cols float matrix the codes stand for.
  std::vector<float> dequantize() const;
};

/// An empty QuantizedWeights shaped for `cfg` (groups resolved).
QuantizedWeights makeQuantizedWeights(int64_t rows, int64_t cols,
                                      const WeightQuantConfig &cfg);

/// Round-to-nearest with min/max (or absmax) group parameters.
QuantizedWeights quantizeRTN(const float *w, int64_t rows, int64_t cols,
                             const WeightQuantConfig &cfg);

//===----------------------------------------------------------------------===//
// GPTQ (Frantar et al. 2022)
//===----------------------------------------------------------------------===//

/// Streams calibration inputs X (n x cols) into X^T X; memory cols^2.
class HessianAccumulator {
public:
  explicit HessianAccumulator(int64_t cols);
  void addRows(const float *x, int64_t n);
  void addRows(const double *x, int64_t n);
  /// Row r counted with weight rowWeights[r] >= 0: X^T diag(w) X (as n
  /// samples).
  void addRows(const float *x, int64_t n, const double *rowWeights);
  int64_t getCols() const { return cols; }
  int64_t getNumSamples() const { return numSamples; }
  /// H = 2 X^T X / numSamples (full symmetric, row-major cols x cols). The
  /// 1 / n normalization (as in the reference code) leaves GPTQ unchanged
  /// since its dampening is relative.
  std::vector<double> getHessian() const;

private:
  template <typename T>
  void addRowsImpl(const T *x, int64_t n, const double *rowWeights);

  int64_t cols;
  int64_t numSamples = 0;
  std::vector<double> xtx; // upper triangle used
};

/// Weights for the rows of an attention value projection's input: the
/// error of value row p reaches the attention output as sum_q P[q, p] e_p,
/// so its weight is sum over heads and queries of P[h, q, p]^2 (the diagonal
/// of sum_h P_h^T P_h), scaled to mean 1 over the `tokens` rows.
/// `probs` is [kvHeads, ctx, group, tokens] (softmax over ctx) from a run at
/// position 0, where row p of the input sits at cache position p; rows
/// that no query attends to get 0. All-zero probabilities give all ones.
std::vector<double> attentionRowWeights(const float *probs, int64_t kvHeads,
                                        int64_t ctx, int64_t group,
                                        int64_t tokens);

/// U upper triangular with U^T U = H^-1 for a symmetric positive definite
/// H (n x n, row-major); false if H is not positive definite. GPTQ and
/// SparseGPT push each column's error along U's rows.
bool upperCholeskyOfInverse(const std::vector<double> &h, int64_t n,
                            std::vector<double> &u);

struct GPTQConfig {
  WeightQuantConfig quant;
  /// Added to the diagonal, relative to its mean.
  double dampPercent = 0.01;
  /// Columns per lazy-update block.
  int64_t blockSize = 128;
  /// Process columns by descending H_ii.
  bool actOrder = false;
  /// Choose every group's parameters up front from the original weights
  /// (the reference's static_groups) instead of from the error-updated
  /// weights when the group's first column is reached. Either way groups stay
  /// contiguous in the original column order.
  bool staticGroups = false;
};

/// GPTQ with the Hessian of the layer inputs (cols x cols, row-major, e.g.
/// from HessianAccumulator). Columns with H_ii = 0 (dead inputs) are
/// quantized as 0. Fails if the dampened Hessian is not positive definite
/// even after raising the dampening, or on a bad configuration.
std::optional<QuantizedWeights> quantizeGPTQ(const float *w, int64_t rows,
                                             int64_t cols,
                                             const std::vector<double> &hessian,
                                             const GPTQConfig &cfg,
                                             std::string *error = nullptr);

//===----------------------------------------------------------------------===//
// AWQ (Lin et al. 2023) and SmoothQuant (Xiao et al. 2023)
//===----------------------------------------------------------------------===//

struct AWQConfig {
  WeightQuantConfig quant;
  /// alpha takes gridSteps + 1 values k / gridSteps in [0, 1].
  int gridSteps = 20;
  /// Also search a per-(row, group) shrink of the range (AWQ's auto_clip).
  bool clipSearch = false;
  int clipGridSteps = 20;
  float maxShrink = 0.5f;
  /// Optional per-column lower bounds on s (after normalization). With
  /// quantized activations, bounding s_j >= absmax_j / absmax keeps the
  /// scaled input's range (max_j absmax_j / s_j) from growing past the
  /// original one, so the input's quantization step does not coarsen.
  std::vector<float> minScale;
};

struct AWQResult {
  /// s (cols): quantized weights stand for W diag(s); divide the activations
  /// by s or fold 1/s into the producer.
  std::vector<float> channelScales;
  QuantizedWeights weights;
  float alpha = 0.0f;
  /// ||X W^T - (X / s) Q(W s)^T||^2 on the sample, and the same for RTN.
  double error = 0.0, rtnError = 0.0;
};

/// AWQ scale search: s = meanAbsX^alpha, normalized by sqrt(max(s) min(s)),
/// picking the alpha whose RTN quantization of W diag(s) best reproduces the
/// layer output on the activation sample x (n x cols).
AWQResult quantizeAWQ(const float *w, int64_t rows, int64_t cols,
                      const float *meanAbsX, const float *x, int64_t n,
                      const AWQConfig &cfg);

/// Per input channel max |W[:, j]|.
std::vector<float> inputChannelAbsMax(const float *w, int64_t rows,
                                      int64_t cols);

/// SmoothQuant factors s_j = max|X_j|^alpha / max|W_j|^(1 - alpha), clamped
/// to >= minFactor (inputs clamped likewise): X / s and W diag(s).
std::vector<float> smoothQuantFactors(const float *actAbsMax,
                                      const float *weightAbsMax, int64_t cols,
                                      float alpha, float minFactor = 1e-5f);

//===----------------------------------------------------------------------===//
// HQQ (Badri & Shaji 2023)
//===----------------------------------------------------------------------===//

struct HQQConfig {
  WeightQuantConfig quant;
  int iterations = 20;
  float lpNorm = 0.7f;
  float beta = 10.0f;
  float kappa = 1.01f;
  /// Also update the scale in the half-quadratic loop and refit it after the
  /// zero point is rounded. On by default: with an integer zero point the
  /// grid is multiples of the scale whatever the zero, so optimizing the
  /// zero alone can only move the clamping window.
  bool optimizeScale = true;
};

/// Calibration-free HQQ: per group, half-quadratic optimization of the zero
/// point (and scale) under an lp (p < 1) error, early-stopped; the zero point
/// is then rounded to an integer and the codes (and scale) refit.
QuantizedWeights quantizeHQQ(const float *w, int64_t rows, int64_t cols,
                             const HQQConfig &cfg);

//===----------------------------------------------------------------------===//
// Integer sub-scales
//===----------------------------------------------------------------------===//

struct IntegerizedScales {
  std::vector<float> rowScales;   // d, per row
  std::vector<int32_t> subScales; // sc, rows * groups, in [1, 2^bits - 1]
  /// max |d * sc - scale| / scale over groups with a non-zero scale.
  double maxRelError = 0.0;
};

/// Writes scales (rows x groups, all >= 0) as d[row] * sc[row, group],
/// choosing each row's d to minimize the largest relative error among the
/// assignments where no sub-scale exceeds 2^subScaleBits - 1 unrounded.
IntegerizedScales integerizeGroupScales(const float *scales, int64_t rows,
                                        int64_t groups, int subScaleBits);

} // namespace qcc::quant

#endif // QCC_QUANT_WEIGHTQUANTIZERS_H
