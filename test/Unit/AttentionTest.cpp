//===- AttentionTest.cpp - the fused attention kernel against a reference -===//
//
// qcc_rt_attention_f32 (runtime/Attention.c) against a double-precision
// masked softmax attention: decode-step masks (a prefix of the cache, with
// stale rows after it), causal rows of a few tokens, random masks with
// holes, queries that see nothing (the uniform softmax), padded strides
// and enough heads to take the OpenMP path.
//
//===----------------------------------------------------------------------===//

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

extern "C" {
#include "Attention.h"
}

namespace {

enum class Mask { Prefix, Causal, Random, Empty };

struct Case {
  int64_t b, n, d, m, e, t;
  Mask mask;
  int64_t pad; // extra elements per row and per batch of every operand
};

class AttentionTest : public ::testing::TestWithParam<Case> {};

TEST_P(AttentionTest, MatchesReference) {
  Case c = GetParam();
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-2.f, 2.f);
  int64_t kRow = c.d + c.pad, kBatch = c.n * kRow + c.pad;
  int64_t qRow = c.m + c.pad, qBatch = c.d * qRow + c.pad;
  int64_t vRow = c.e + c.pad, vBatch = c.n * vRow + c.pad;
  int64_t oRow = c.e + c.pad, oBatch = c.m * oRow + c.pad;
  int64_t mRow = c.t + c.pad;
  std::vector<float> keys(c.b * kBatch), q(c.b * qBatch), values(c.b * vBatch),
      out(c.b * oBatch, 123.f);
  for (float &x : keys)
    x = dist(rng);
  for (float &x : q)
    x = dist(rng);
  for (float &x : values)
    x = dist(rng);
  std::vector<uint8_t> mask(c.n * mRow, 0);
  int64_t pos = c.n / 2; // the decode position: rows after it are stale
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t t = 0; t < c.t; ++t) {
      bool on = false;
      switch (c.mask) {
      case Mask::Prefix:
        on = n <= pos;
        break;
      case Mask::Causal:
        on = n <= pos - (c.t - 1) + t;
        break;
      case Mask::Random:
        on = rng() % 3 != 0;
        break;
      case Mask::Empty:
        on = false;
        break;
      }
      mask[n * mRow + t] = on;
    }
  qcc_rt_attention_f32(c.b, c.n, c.d, c.m, c.e, c.t, keys.data(), kBatch,
                       kRow, q.data(), qBatch, qRow, values.data(), vBatch,
                       vRow, mask.data(), mRow, out.data(), oBatch, oRow);
  for (int64_t b = 0; b < c.b; ++b)
    for (int64_t m = 0; m < c.m; ++m) {
      std::vector<double> s(c.n, -INFINITY);
      double mx = -INFINITY, sum = 0;
      for (int64_t n = 0; n < c.n; ++n) {
        if (!mask[n * mRow + m % c.t])
          continue;
        double acc = 0;
        for (int64_t d = 0; d < c.d; ++d)
          acc += (double)keys[b * kBatch + n * kRow + d] *
                 q[b * qBatch + d * qRow + m];
        s[n] = acc;
        mx = std::max(mx, acc);
      }
      std::vector<double> p(c.n, 0.0);
      for (int64_t n = 0; n < c.n; ++n)
        if (mx == -INFINITY) // nothing visible: uniform
          p[n] = 1.0 / c.n;
        else if (s[n] != -INFINITY)
          sum += (p[n] = std::exp(s[n] - mx));
      if (mx != -INFINITY)
        for (double &x : p)
          x /= sum;
      for (int64_t e = 0; e < c.e; ++e) {
        double ref = 0;
        for (int64_t n = 0; n < c.n; ++n)
          ref += p[n] * values[b * vBatch + n * vRow + e];
        ASSERT_NEAR(out[b * oBatch + m * oRow + e], ref, 1e-4)
            << "b " << b << " m " << m << " e " << e;
      }
    }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, AttentionTest,
    ::testing::Values(
        // SmolLM2's decode step: 3 KV heads, 3 queries each, head dim 64.
        Case{3, 128, 64, 3, 64, 1, Mask::Prefix, 0},
        Case{3, 128, 64, 3, 64, 1, Mask::Prefix, 5},
        // Four tokens of a short sequence, causal.
        Case{2, 16, 16, 8, 16, 4, Mask::Causal, 0},
        // Ragged head dims (vector tails), holes in the mask.
        Case{2, 37, 13, 6, 11, 3, Mask::Random, 2},
        Case{1, 9, 7, 1, 5, 1, Mask::Empty, 0},
        // Enough work for the parallel path.
        Case{16, 512, 64, 4, 64, 1, Mask::Prefix, 0},
        Case{8, 300, 40, 6, 24, 2, Mask::Random, 1}));

} // namespace
