//===- Prune24Test.cpp - 2:4 pruning criteria -----------------------------===//
//
// Every method leaves at most 2 nonzeros per group of 4; magnitude and Wanda
// keep exactly the weights their scores say (checked against a brute-force
// choice); SparseGPT, which moves the kept weights, reconstructs the layer's
// output on the calibration rows better than magnitude and Wanda do; bad
// shapes and missing Hessians fail with a message and leave W unchanged.
//
//===----------------------------------------------------------------------===//

#include "qcc/Quant/Prune24.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace qcc::quant;

namespace {

struct Layer {
  int64_t rows, cols, n;
  std::vector<float> w, x; // x: n x cols calibration rows
  std::vector<double> h;   // X^T X
};

Layer makeLayer(int64_t rows, int64_t cols, int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  Layer l{rows, cols, n, {}, {}, {}};
  for (int64_t i = 0; i < rows * cols; ++i)
    l.w.push_back(nd(rng));
  // Correlated inputs with uneven column scales, as real activations.
  std::vector<float> base(n * 4);
  for (float &v : base)
    v = nd(rng);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < cols; ++c)
      l.x.push_back((0.3f + (c % 5)) *
                    (0.6f * base[r * 4 + c % 4] + 0.4f * nd(rng)));
  l.h.assign(cols * cols, 0.0);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t i = 0; i < cols; ++i)
      for (int64_t j = 0; j < cols; ++j)
        l.h[i * cols + j] += (double)l.x[r * cols + i] * l.x[r * cols + j];
  return l;
}

/// || X W^T - X P^T ||^2 over the calibration rows.
double outputError(const Layer &l, const std::vector<float> &p) {
  double e = 0.0;
  for (int64_t r = 0; r < l.n; ++r)
    for (int64_t o = 0; o < l.rows; ++o) {
      double a = 0.0, b = 0.0;
      for (int64_t c = 0; c < l.cols; ++c) {
        a += (double)l.x[r * l.cols + c] * l.w[o * l.cols + c];
        b += (double)l.x[r * l.cols + c] * p[o * l.cols + c];
      }
      e += (a - b) * (a - b);
    }
  return e;
}

/// Brute force: the kept pair of a group maximizing the summed score.
void expectKeepsBest(const Layer &l, const std::vector<float> &p,
                     const std::vector<double> &colWeight) {
  for (int64_t o = 0; o < l.rows; ++o)
    for (int64_t g = 0; g < l.cols / 4; ++g) {
      double best = -1.0;
      int ba = 0, bb = 1;
      for (int a = 0; a < 4; ++a)
        for (int b = a + 1; b < 4; ++b) {
          double s =
              std::fabs(l.w[o * l.cols + 4 * g + a]) * colWeight[4 * g + a] +
              std::fabs(l.w[o * l.cols + 4 * g + b]) * colWeight[4 * g + b];
          if (s > best)
            best = s, ba = a, bb = b;
        }
      for (int i = 0; i < 4; ++i) {
        float want = i == ba || i == bb ? l.w[o * l.cols + 4 * g + i] : 0.0f;
        EXPECT_EQ(p[o * l.cols + 4 * g + i], want)
            << "row " << o << " group " << g << " position " << i;
      }
    }
}

TEST(Prune24, MagnitudeKeepsLargest) {
  Layer l = makeLayer(6, 32, 64, 1);
  std::vector<float> p = l.w;
  ASSERT_EQ(prune24(p, l.rows, l.cols, PruneMethod::Magnitude, nullptr), "");
  EXPECT_EQ(firstDense24Group(p.data(), l.rows, l.cols), -1);
  expectKeepsBest(l, p, std::vector<double>(l.cols, 1.0));
}

TEST(Prune24, WandaWeighsByInputNorm) {
  Layer l = makeLayer(6, 32, 64, 2);
  std::vector<float> p = l.w;
  ASSERT_EQ(prune24(p, l.rows, l.cols, PruneMethod::Wanda, &l.h), "");
  std::vector<double> norm;
  for (int64_t c = 0; c < l.cols; ++c)
    norm.push_back(std::sqrt(l.h[c * l.cols + c]));
  expectKeepsBest(l, p, norm);
}

TEST(Prune24, SparseGPTReconstructsBest) {
  Layer l = makeLayer(16, 64, 256, 3);
  std::vector<float> mag = l.w, wanda = l.w, sgpt = l.w;
  ASSERT_EQ(prune24(mag, l.rows, l.cols, PruneMethod::Magnitude, nullptr), "");
  ASSERT_EQ(prune24(wanda, l.rows, l.cols, PruneMethod::Wanda, &l.h), "");
  ASSERT_EQ(prune24(sgpt, l.rows, l.cols, PruneMethod::SparseGPT, &l.h), "");
  EXPECT_EQ(firstDense24Group(sgpt.data(), l.rows, l.cols), -1);
  double em = outputError(l, mag), ew = outputError(l, wanda),
         es = outputError(l, sgpt);
  EXPECT_LT(ew, em);
  EXPECT_LT(es, ew);
}

// A Hessian from fewer rows than columns (a squeeze-excitation layer's one
// pooled row per image) is rank deficient: the full OBS update fits the
// few calibration rows and does worse on new rows of the same
// distribution; shrinking H toward its diagonal (hessianRows) does better.
// With rows >= cols hessianRows changes nothing.
TEST(Prune24, SparseGPTShrinksRankDeficientHessian) {
  Layer train = makeLayer(16, 64, 8, 5);
  Layer held = makeLayer(16, 64, 512, 5);
  held.w = train.w;
  std::vector<float> full = train.w, shrunk = train.w;
  ASSERT_EQ(prune24(full, 16, 64, PruneMethod::SparseGPT, &train.h), "");
  ASSERT_EQ(prune24(shrunk, 16, 64, PruneMethod::SparseGPT, &train.h, 0.01, 8),
            "");
  EXPECT_EQ(firstDense24Group(shrunk.data(), 16, 64), -1);
  EXPECT_LT(outputError(held, shrunk), outputError(held, full));

  Layer l = makeLayer(16, 64, 256, 3);
  std::vector<float> a = l.w, b = l.w;
  ASSERT_EQ(prune24(a, 16, 64, PruneMethod::SparseGPT, &l.h), "");
  ASSERT_EQ(prune24(b, 16, 64, PruneMethod::SparseGPT, &l.h, 0.01, 256), "");
  EXPECT_EQ(a, b);
}

TEST(Prune24, Errors) {
  Layer l = makeLayer(2, 8, 16, 4);
  std::vector<float> p = l.w;
  EXPECT_NE(prune24(p, 2, 6, PruneMethod::Magnitude, nullptr), "");
  EXPECT_NE(prune24(p, l.rows, l.cols, PruneMethod::SparseGPT, nullptr), "");
  std::vector<double> bad(l.h);
  bad[3] = NAN;
  EXPECT_NE(prune24(p, l.rows, l.cols, PruneMethod::Wanda, &bad), "");
  EXPECT_EQ(p, l.w);
  EXPECT_FALSE(parsePruneMethod("random").has_value());
  EXPECT_EQ(*parsePruneMethod("sparsegpt"), PruneMethod::SparseGPT);
}

} // namespace
