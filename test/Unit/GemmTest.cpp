//===- GemmTest.cpp - the runtime SGEMM kernel against a reference --------===//

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

extern "C" void qcc_rt_sgemm(int64_t batch, int64_t M, int64_t N, int64_t K,
                             const float *A, int64_t strideA, int64_t lda,
                             const float *B, int64_t strideB, int64_t ldb,
                             float *C, int64_t strideC, int64_t ldc);

namespace {

struct Shape {
  int64_t batch, m, n, k;
  bool broadcastB; // B shared by every batch (batch stride 0)
  int64_t pad;     // extra leading-dimension padding
};

class SgemmTest : public ::testing::TestWithParam<Shape> {};

TEST_P(SgemmTest, MatchesReference) {
  Shape s = GetParam();
  int64_t lda = s.k + s.pad, ldb = s.n + s.pad, ldc = s.n + s.pad;
  int64_t sa = s.m * lda, sb = s.broadcastB ? 0 : s.k * ldb, sc = s.m * ldc;
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> a(s.batch * sa), b(std::max<int64_t>(sb * s.batch, s.k * ldb)),
      c(s.batch * sc);
  for (float &v : a)
    v = dist(rng);
  for (float &v : b)
    v = dist(rng);
  for (float &v : c)
    v = dist(rng);
  std::vector<double> ref(c.begin(), c.end());
  for (int64_t p = 0; p < s.batch; ++p)
    for (int64_t i = 0; i < s.m; ++i)
      for (int64_t j = 0; j < s.n; ++j) {
        double acc = 0;
        for (int64_t k = 0; k < s.k; ++k)
          acc += (double)a[p * sa + i * lda + k] * b[p * sb + k * ldb + j];
        ref[p * sc + i * ldc + j] += acc;
      }
  qcc_rt_sgemm(s.batch, s.m, s.n, s.k, a.data(), sa, lda, b.data(), sb, ldb,
               c.data(), sc, ldc);
  for (size_t i = 0; i < c.size(); ++i)
    ASSERT_NEAR(c[i], ref[i], 1e-4 * (1 + std::sqrt((double)s.k)))
        << "at " << i;
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, SgemmTest,
    ::testing::Values(Shape{1, 1, 1, 1, false, 0}, Shape{1, 6, 16, 8, false, 0},
                      Shape{1, 7, 17, 9, false, 3}, Shape{1, 40, 120, 96, false, 0},
                      Shape{1, 5, 700, 300, false, 1}, Shape{1, 200, 50, 513, false, 0},
                      Shape{1, 73, 257, 257, false, 2}, Shape{3, 13, 29, 31, false, 0},
                      Shape{4, 40, 40, 64, true, 0}, Shape{8, 2, 300, 5, false, 4},
                      Shape{1, 1000, 3, 27, false, 0}, Shape{1, 1, 512, 128, false, 0},
                      Shape{2, 1, 37, 300, true, 1}, Shape{1, 258, 4, 256, false, 0},
                      Shape{3, 19, 1, 1000, false, 2},
                      // Matrix-vector products large enough to split rows
                      // over threads (M * K > 1e5).
                      Shape{2, 2001, 1, 576, false, 1},
                      Shape{1, 577, 1, 576, false, 0},
                      // Rows in groups of four with a short last group, K
                      // with a tail past the last whole vector.
                      Shape{1, 7, 1, 13, false, 3},
                      Shape{1, 1030, 1, 203, true, 0},
                      // A few rows (attention probabilities times values):
                      // whole column vectors, a ragged column tail, 2-4 rows.
                      Shape{3, 3, 64, 128, false, 0}, Shape{1, 4, 37, 20, false, 2},
                      Shape{2, 2, 16, 5, true, 1}));

} // namespace
