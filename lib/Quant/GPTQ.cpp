//===- GPTQ.cpp - Hessian accumulation and GPTQ weight quantization -------===//
//
// GPTQ (Frantar et al., "GPTQ: Accurate Post-Training Quantization for
// Generative Pre-trained Transformers", 2022): columns are quantized one at a
// time and each column's error, weighted by the upper Cholesky factor of the
// inverse Hessian, is pushed onto the columns not yet quantized; updates
// beyond the current block are applied lazily, once per block.
//
//===----------------------------------------------------------------------===//

#include "qcc/Quant/WeightQuantizers.h"
#include "qcc/Quant/ObsSweep.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace qcc::quant;

//===----------------------------------------------------------------------===//
// HessianAccumulator
//===----------------------------------------------------------------------===//

HessianAccumulator::HessianAccumulator(int64_t cols)
    : cols(cols), xtx(cols * cols, 0.0) {}

template <typename T>
void HessianAccumulator::addRowsImpl(const T *x, int64_t n,
                                     const double *rowWeights) {
  // A batch of rows transposed into doubles, so every (i, j) entry gets a
  // contiguous dot product and the cols^2 matrix is swept once per batch.
  const int64_t batch = 64;
  std::vector<double> xt(cols * batch);
  for (int64_t s0 = 0; s0 < n; s0 += batch) {
    int64_t b = std::min(batch, n - s0);
    for (int64_t s = 0; s < b; ++s) {
      // sqrt(w) on both factors of x x^T gives w x x^T.
      double f = rowWeights ? std::sqrt(rowWeights[s0 + s]) : 1.0;
      for (int64_t i = 0; i < cols; ++i)
        xt[i * b + s] = f * static_cast<double>(x[(s0 + s) * cols + i]);
    }
    for (int64_t i = 0; i < cols; ++i) {
      const double *xi = &xt[i * b];
      double *h = &xtx[i * cols];
      for (int64_t j = i; j < cols; ++j) {
        const double *xj = &xt[j * b];
        double dot = 0.0;
        for (int64_t s = 0; s < b; ++s)
          dot += xi[s] * xj[s];
        h[j] += dot;
      }
    }
  }
  numSamples += n;
}

void HessianAccumulator::addRows(const float *x, int64_t n) {
  addRowsImpl(x, n, nullptr);
}
void HessianAccumulator::addRows(const double *x, int64_t n) {
  addRowsImpl(x, n, nullptr);
}
void HessianAccumulator::addRows(const float *x, int64_t n,
                                 const double *rowWeights) {
  addRowsImpl(x, n, rowWeights);
}

std::vector<double> qcc::quant::attentionRowWeights(const float *probs,
                                                    int64_t kvHeads,
                                                    int64_t ctx, int64_t group,
                                                    int64_t tokens) {
  std::vector<double> w(tokens, 0.0);
  const int64_t rows = std::min(ctx, tokens);
  for (int64_t h = 0; h < kvHeads; ++h)
    for (int64_t p = 0; p < rows; ++p) {
      const float *row = probs + (h * ctx + p) * group * tokens;
      double s = 0.0;
      for (int64_t i = 0; i < group * tokens; ++i)
        s += static_cast<double>(row[i]) * static_cast<double>(row[i]);
      w[p] += s;
    }
  double total = 0.0;
  for (double v : w)
    total += v;
  if (!(total > 0.0) || !std::isfinite(total)) {
    std::fill(w.begin(), w.end(), 1.0);
    return w;
  }
  for (double &v : w)
    v *= static_cast<double>(tokens) / total;
  return w;
}

std::vector<double> HessianAccumulator::getHessian() const {
  std::vector<double> h(cols * cols, 0.0);
  double f = numSamples ? 2.0 / static_cast<double>(numSamples) : 0.0;
  for (int64_t i = 0; i < cols; ++i)
    for (int64_t j = i; j < cols; ++j)
      h[i * cols + j] = h[j * cols + i] = f * xtx[i * cols + j];
  return h;
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

namespace {

/// In-place lower Cholesky factor of a row-major SPD matrix (upper part
/// left unspecified); false if not positive definite.
bool choleskyLower(std::vector<double> &a, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    double *aj = &a[j * n];
    double d = aj[j];
    for (int64_t k = 0; k < j; ++k)
      d -= aj[k] * aj[k];
    if (!(d > 0.0) || !std::isfinite(d))
      return false;
    d = std::sqrt(d);
    aj[j] = d;
    for (int64_t i = j + 1; i < n; ++i) {
      double *ai = &a[i * n];
      double s = ai[j];
      for (int64_t k = 0; k < j; ++k)
        s -= ai[k] * aj[k];
      ai[j] = s / d;
    }
  }
  return true;
}

} // namespace

/// U upper triangular with U^T U = H^-1. With J the reversal permutation,
/// chol(J H J) = L gives H = R R^T for the upper R = J L J, so H^-1 =
/// R^-T R^-1 and U = R^-1: one factorization and one triangular inverse
/// instead of inverting H and factoring again.
bool qcc::quant::upperCholeskyOfInverse(const std::vector<double> &h, int64_t n,
                                        std::vector<double> &u) {
  std::vector<double> l(n * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      l[i * n + j] = h[(n - 1 - i) * n + (n - 1 - j)];
  if (!choleskyLower(l, n))
    return false;
  auto r = [&](int64_t i, int64_t j) {
    return l[(n - 1 - i) * n + (n - 1 - j)];
  };
  // Row i of U from U R = I: U[i][k] R[k][k] = delta_ik - sum_{m<k} U[i][m]
  // R[m][k], accumulated row-wise.
  u.assign(n * n, 0.0);
  std::vector<double> acc(n);
  for (int64_t i = 0; i < n; ++i) {
    std::fill(acc.begin() + i, acc.end(), 0.0);
    for (int64_t k = i; k < n; ++k) {
      double v = ((k == i ? 1.0 : 0.0) - acc[k]) / r(k, k);
      u[i * n + k] = v;
      if (v == 0.0)
        continue;
      for (int64_t j = k + 1; j < n; ++j)
        acc[j] += v * r(k, j);
    }
  }
  return true;
}

bool qcc::quant::dampedInverseFactor(const std::vector<double> &h, int64_t n,
                                     double dampPercent,
                                     std::vector<double> &u) {
  double meanDiag = 0.0;
  for (int64_t i = 0; i < n; ++i)
    meanDiag += h[i * n + i] / static_cast<double>(n);
  double damp = dampPercent * meanDiag;
  for (int attempt = 0; attempt < 6; ++attempt) {
    std::vector<double> hd = h;
    for (int64_t i = 0; i < n; ++i)
      hd[i * n + i] += damp;
    if (upperCholeskyOfInverse(hd, n, u))
      return true;
    damp = damp > 0.0 ? damp * 10.0 : 1e-6 * meanDiag;
  }
  return false;
}

//===----------------------------------------------------------------------===//
// GPTQ
//===----------------------------------------------------------------------===//

std::optional<QuantizedWeights>
qcc::quant::quantizeGPTQ(const float *w, int64_t rows, int64_t cols,
                         const std::vector<double> &hessian,
                         const GPTQConfig &cfg, std::string *error) {
  auto fail = [&](std::string msg) -> std::optional<QuantizedWeights> {
    if (error)
      *error = "GPTQ: " + std::move(msg);
    return std::nullopt;
  };
  std::string bad = verifyWeightQuantConfig(cfg.quant, cols);
  if (!bad.empty())
    return fail(bad);
  if (static_cast<int64_t>(hessian.size()) != cols * cols)
    return fail("Hessian has " + std::to_string(hessian.size()) +
                " entries, expected " + std::to_string(cols * cols));
  if (cfg.blockSize <= 0 || !(cfg.dampPercent >= 0.0))
    return fail("block size must be positive and dampening non-negative");
  for (double v : hessian)
    if (!std::isfinite(v))
      return fail("Hessian has non-finite entries");

  const int bits = cfg.quant.bits;
  const bool sym = cfg.quant.symmetric;
  QuantizedWeights q = makeQuantizedWeights(rows, cols, cfg.quant);
  const int64_t gs = q.groupSize, groups = q.numGroups();

  std::vector<double> h = hessian;
  std::vector<float> w0(w, w + rows * cols);
  neutralizeDeadInputs(h, w0.data(), rows, cols);

  std::vector<int64_t> perm(cols), invPerm(cols);
  std::iota(perm.begin(), perm.end(), 0);
  if (cfg.actOrder)
    std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
      return h[a * cols + a] > h[b * cols + b];
    });
  for (int64_t j = 0; j < cols; ++j)
    invPerm[perm[j]] = j;

  // Working copies in processing order.
  std::vector<double> wp(rows * cols), hp(cols * cols);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < cols; ++j)
      wp[r * cols + j] = w0[r * cols + perm[j]];
  for (int64_t i = 0; i < cols; ++i)
    for (int64_t j = 0; j < cols; ++j)
      hp[i * cols + j] = h[perm[i] * cols + perm[j]];

  std::vector<double> u;
  if (!dampedInverseFactor(hp, cols, cfg.dampPercent, u))
    return fail("the dampened Hessian is not positive definite");

  std::vector<char> ready(groups, 0);
  if (cfg.staticGroups) {
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t g = 0; g < groups; ++g) {
        int64_t c0 = g * gs, c1 = std::min(cols, c0 + gs);
        q.setParams(r, g, fitGroupParams(&w0[r * cols + c0], c1 - c0, cfg.quant));
      }
    std::fill(ready.begin(), ready.end(), 1);
  }

  std::vector<float> current(gs);
  auto fitGroupAhead = [&](int64_t j, auto &&valueAt) {
    const int64_t g = perm[j] / gs;
    if (ready[g])
      return;
    // The group starts here: fit it to its columns' current values.
    int64_t c0 = g * gs, c1 = std::min(cols, c0 + gs);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = c0; c < c1; ++c)
        current[c - c0] = static_cast<float>(valueAt(r, invPerm[c]));
      q.setParams(r, g, fitGroupParams(current.data(), c1 - c0, cfg.quant));
    }
    ready[g] = 1;
  };
  auto roundToGrid = [&](int64_t r, int64_t j, double v) {
    const int64_t col = perm[j];
    GroupParams p = q.params(r, col / gs);
    uint8_t code = quantizeToCode(static_cast<float>(v), p, bits, sym);
    q.codes[r * cols + col] = code;
    return static_cast<double>(p.dequantize(code));
  };
  obsColumnSweep(wp, rows, cols, u, cfg.blockSize, fitGroupAhead, roundToGrid);
  return q;
}
