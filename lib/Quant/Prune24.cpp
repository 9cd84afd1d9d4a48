//===- Prune24.cpp - 2:4 structured pruning (magnitude, Wanda, SparseGPT) -===//
//
// See qcc/Quant/Prune24.h. Ties keep the earlier position, so the result is
// deterministic.
//
//===----------------------------------------------------------------------===//

#include "qcc/Quant/Prune24.h"
#include "qcc/Quant/ObsSweep.h"
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

const char *qcc::quant::pruneMethodName(PruneMethod m) {
  switch (m) {
  case PruneMethod::Magnitude:
    return "magnitude";
  case PruneMethod::Wanda:
    return "wanda";
  case PruneMethod::SparseGPT:
    return "sparsegpt";
  }
  return "?";
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
                      const std::vector<double> &hessian, double dampPercent,
                      int64_t hessianRows) {
  std::vector<double> h = hessian;
  double shrink = hessianRows > 0 && hessianRows < cols
                      ? 1.0 - (double)hessianRows / (double)cols
                      : 0.0;
  if (shrink > 0.0)
    for (int64_t i = 0; i < cols; ++i)
      for (int64_t j = 0; j < cols; ++j)
        if (i != j)
          h[i * cols + j] *= 1.0 - shrink;
  std::vector<double> wp(w.begin(), w.end());
  neutralizeDeadInputs(h, wp.data(), rows, cols);
  std::vector<double> u;
  if (!dampedInverseFactor(h, cols, dampPercent, u))
    return "SparseGPT: the dampened Hessian is not positive definite";
  // Blocks of 128 columns, a multiple of 4, so a group never straddles a
  // block and its mask is chosen from error-updated weights.
  std::vector<char> pruned(rows * 4);
  auto chooseMask = [&](int64_t j, auto &&valueAt) {
    if (j % 4 != 0)
      return;
    for (int64_t r = 0; r < rows; ++r) {
      double s[4];
      for (int i = 0; i < 4; ++i) {
        double d = u[(j + i) * cols + (j + i)];
        double v = valueAt(r, j + i);
        s[i] = v * v / (d * d);
      }
      int a, b;
      lowestTwo(s, a, b);
      for (int i = 0; i < 4; ++i)
        pruned[r * 4 + i] = i == a || i == b;
    }
  };
  auto prune = [&](int64_t r, int64_t j, double v) {
    return pruned[r * 4 + j % 4] ? 0.0 : v;
  };
  obsColumnSweep(wp, rows, cols, u, 128, chooseMask, prune);
  for (int64_t e = 0; e < rows * cols; ++e)
    w[e] = (float)wp[e];
  return "";
}

} // namespace

std::string qcc::quant::prune24(std::vector<float> &w, int64_t rows,
                                int64_t cols, PruneMethod method,
                                const std::vector<double> *hessian,
                                double dampPercent, int64_t hessianRows) {
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
  return sparseGPT(w, rows, cols, *hessian, dampPercent, hessianRows);
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
