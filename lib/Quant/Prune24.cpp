//===- Prune24.cpp - 2:4 structured pruning (magnitude, Wanda, SparseGPT) -===//
//
// See qcc/Quant/Prune24.h. Ties keep the earlier position, so the result is
// deterministic.
//
//===----------------------------------------------------------------------===//

#include "qcc/Quant/Prune24.h"
#include "qcc/Quant/WeightQuantizers.h"

#include <algorithm>
#include <cmath>

using namespace qcc::quant;

std::optional<PruneMethod> qcc::quant::parsePruneMethod(const std::string &n) {
  if (n == "magnitude")
    return PruneMethod::Magnitude;
  if (n == "wanda")
    return PruneMethod::Wanda;
  if (n == "sparsegpt")
    return PruneMethod::SparseGPT;
  return std::nullopt;
}

namespace {

/// The positions of the 2 smallest scores of 4 (the ones to prune); on
/// ties the later position goes.
void lowestTwo(const double s[4], int &a, int &b) {
  int order[4] = {0, 1, 2, 3};
  std::stable_sort(order, order + 4, [&](int x, int y) { return s[x] > s[y]; });
  a = order[2];
  b = order[3];
}

void pruneByScore(std::vector<float> &w, int64_t rows, int64_t cols,
                  const std::vector<double> &colWeight) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g = 0; g < cols / 4; ++g) {
      float *p = &w[r * cols + 4 * g];
      double s[4];
      for (int i = 0; i < 4; ++i)
        s[i] = std::fabs((double)p[i]) * colWeight[4 * g + i];
      int a, b;
      lowestTwo(s, a, b);
      p[a] = p[b] = 0.0f;
    }
}

std::string sparseGPT(std::vector<float> &w, int64_t rows, int64_t cols,
                      const std::vector<double> &hessian, double dampPercent) {
  // Dead inputs (always 0): weight 0, unit curvature (as GPTQ).
  std::vector<double> h = hessian;
  std::vector<double> wp(w.begin(), w.end());
  double meanDiag = 0.0;
  for (int64_t c = 0; c < cols; ++c) {
    if (h[c * cols + c] == 0.0) {
      h[c * cols + c] = 1.0;
      for (int64_t r = 0; r < rows; ++r)
        wp[r * cols + c] = 0.0;
    }
    meanDiag += h[c * cols + c] / (double)cols;
  }
  std::vector<double> u;
  double damp = dampPercent * meanDiag;
  bool factored = false;
  for (int attempt = 0; attempt < 6 && !factored; ++attempt) {
    std::vector<double> hd = h;
    for (int64_t i = 0; i < cols; ++i)
      hd[i * cols + i] += damp;
    factored = upperCholeskyOfInverse(hd, cols, u);
    damp = damp > 0.0 ? damp * 10.0 : 1e-6 * meanDiag;
  }
  if (!factored)
    return "SparseGPT: the dampened Hessian is not positive definite";
  // Column sweep with lazy updates beyond blocks of 128 columns (a
  // multiple of 4, so a group never straddles blocks).
  const int64_t bs = 128;
  std::vector<double> err(rows * bs);
  std::vector<char> pruned(rows * 4);
  for (int64_t i1 = 0; i1 < cols; i1 += bs) {
    const int64_t i2 = std::min(i1 + bs, cols);
    for (int64_t j = i1; j < i2; ++j) {
      const double *uj = &u[j * cols];
      if (j % 4 == 0) {
        // The mask of this group, from the error-updated weights.
        for (int64_t r = 0; r < rows; ++r) {
          double s[4];
          for (int i = 0; i < 4; ++i) {
            double d = u[(j + i) * cols + (j + i)];
            double v = wp[r * cols + j + i];
            s[i] = v * v / (d * d);
          }
          int a, b;
          lowestTwo(s, a, b);
          for (int i = 0; i < 4; ++i)
            pruned[r * 4 + i] = i == a || i == b;
        }
      }
      const double d = uj[j];
      for (int64_t r = 0; r < rows; ++r) {
        double *wr = &wp[r * cols];
        double q = pruned[r * 4 + j % 4] ? 0.0 : wr[j];
        double e = (wr[j] - q) / d;
        wr[j] = q;
        err[r * bs + (j - i1)] = e;
        for (int64_t k = j + 1; k < i2; ++k)
          wr[k] -= e * uj[k];
      }
    }
    for (int64_t r = 0; r < rows; ++r) {
      double *wr = &wp[r * cols];
      for (int64_t k = i1; k < i2; ++k) {
        double e = err[r * bs + (k - i1)];
        if (e == 0.0)
          continue;
        const double *uk = &u[k * cols];
        for (int64_t c = i2; c < cols; ++c)
          wr[c] -= e * uk[c];
      }
    }
  }
  for (int64_t e = 0; e < rows * cols; ++e)
    w[e] = (float)wp[e];
  return "";
}

} // namespace

std::string qcc::quant::prune24(std::vector<float> &w, int64_t rows,
                                int64_t cols, PruneMethod method,
                                const std::vector<double> *hessian,
                                double dampPercent) {
  if (cols % 4 != 0 || cols <= 0 || rows <= 0)
    return "2:4 pruning needs a multiple of 4 reduction elements, got " +
           std::to_string(cols);
  if ((int64_t)w.size() != rows * cols)
    return "weight has " + std::to_string(w.size()) + " elements, expected " +
           std::to_string(rows * cols);
  if (method == PruneMethod::Magnitude) {
    pruneByScore(w, rows, cols, std::vector<double>(cols, 1.0));
    return "";
  }
  if (!hessian || (int64_t)hessian->size() != cols * cols)
    return "the Hessian of the layer's input (" + std::to_string(cols) + "x" +
           std::to_string(cols) + ") is missing";
  for (double v : *hessian)
    if (!std::isfinite(v))
      return "the Hessian has non-finite entries";
  if (method == PruneMethod::Wanda) {
    std::vector<double> norm(cols);
    for (int64_t c = 0; c < cols; ++c)
      norm[c] = std::sqrt(std::max(0.0, (*hessian)[c * cols + c]));
    pruneByScore(w, rows, cols, norm);
    return "";
  }
  return sparseGPT(w, rows, cols, *hessian, dampPercent);
}

int64_t qcc::quant::firstDense24Group(const float *w, int64_t rows,
                                      int64_t cols) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g = 0; g < cols / 4; ++g) {
      int nz = 0;
      for (int i = 0; i < 4; ++i)
        nz += w[r * cols + 4 * g + i] != 0.0f;
      if (nz > 2)
        return r * (cols / 4) + g;
    }
  return -1;
}
