//===- LlamaForward.cpp - float llama forward pass for analysis -----------===//

#include "qcc/Allocation/LlamaForward.h"

#include "../Frontend/Gguf/LlamaGraph.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

namespace qcc::alloc {

static llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

static const char *kLinearNames[NumLlamaLinears] = {
    "attn_q",   "attn_k", "attn_v",  "attn_output",
    "ffn_gate", "ffn_up", "ffn_down"};

std::string llamaLinearName(int64_t b, int j) {
  return llvm::formatv("blk.{0}.{1}.weight", b, kLinearNames[j]).str();
}

llvm::Expected<LlamaWeights> loadLlama(const modelfile::GgufFile &file) {
  if (file.getArchitecture() != "llama")
    return fail("'" + file.getPath() + "': architecture '" +
                file.getArchitecture() +
                "' (qcc-sensitivity handles llama models)");
  GgufImportOptions opts;
  auto c = gguf_import::readLlamaConfig(file, opts);
  if (!c)
    return c.takeError();
  LlamaWeights w;
  w.d = c->embedding;
  w.layers = c->layers;
  w.ff = c->feedForward;
  w.heads = c->heads;
  w.kvHeads = c->kvHeads;
  w.headDim = c->headDim;
  w.vocab = c->vocab;
  w.ropeBase = c->ropeBase;
  w.eps = c->rmsEpsilon;
  std::vector<std::string> linearNames;
  auto load = [&](const std::string &name, std::vector<float> &out,
                  bool optional) -> llvm::Error {
    const modelfile::TensorRef *t = file.lookupTensor(name);
    if (!t) {
      if (optional)
        return llvm::Error::success();
      return fail("tensor " + name + " is missing");
    }
    auto data = modelfile::dequantizeTensor(*t);
    if (!data)
      return data.takeError();
    out = std::move(*data);
    return llvm::Error::success();
  };
  if (auto e = load("token_embd.weight", w.embd, false))
    return std::move(e);
  if (auto e = load("output_norm.weight", w.outNorm, false))
    return std::move(e);
  if (auto e = load("output.weight", w.output, true))
    return std::move(e);
  int64_t q = w.heads * w.headDim, kv = w.kvHeads * w.headDim;
  int64_t rows[NumLlamaLinears] = {q, kv, kv, w.d, w.ff, w.ff, w.d};
  int64_t cols[NumLlamaLinears] = {w.d, w.d, w.d, q, w.d, w.d, w.ff};
  w.blocks.resize(w.layers);
  for (int64_t b = 0; b < w.layers; ++b) {
    LlamaWeights::Block &B = w.blocks[b];
    std::string p = llvm::formatv("blk.{0}.", b).str();
    if (auto e = load(p + "attn_norm.weight", B.attnNorm, false))
      return std::move(e);
    if (auto e = load(p + "ffn_norm.weight", B.ffnNorm, false))
      return std::move(e);
    const char *biases[4] = {"attn_q.bias", "attn_k.bias", "attn_v.bias",
                             "attn_output.bias"};
    for (int i = 0; i < 4; ++i)
      if (auto e = load(p + biases[i], B.bias[i], true))
        return std::move(e);
    for (int j = 0; j < NumLlamaLinears; ++j) {
      if (auto e = load(llamaLinearName(b, j), B.w[j], false))
        return std::move(e);
      B.rows[j] = rows[j];
      B.cols[j] = cols[j];
    }
  }
  // Everything else the file holds stays as it is.
  for (const modelfile::TensorRef &t : file.getTensors()) {
    llvm::StringRef n = t.name;
    bool linear = false;
    for (const char *l : kLinearNames)
      linear |= n.starts_with("blk.") &&
                n.ends_with((llvm::Twine(".") + l + ".weight").str());
    if (!linear)
      w.fixedTensors.push_back({t.name, (double)t.data.size()});
  }
  return w;
}

//===----------------------------------------------------------------------===//
// GEMM
//===----------------------------------------------------------------------===//

namespace {

// 32-byte vectors in functions built for baseline x86-64 are split into
// SSE halves; GCC warns that their ABI differs with AVX, which does not
// matter for these inline helpers.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

typedef float v8 __attribute__((vector_size(32)));

inline v8 load8(const float *p) {
  v8 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline float sum8(v8 v) {
  float s = 0;
  for (int i = 0; i < 8; ++i)
    s += v[i];
  return s;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define QCC_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define QCC_CLONES
#endif

/// Rows n0 .. n1 of w: 4 rows of x times 2 rows of w per step, in eight
/// 8-lane accumulators.
QCC_CLONES void gemmRows(const float *x, const float *w, float *y, int64_t m,
                         int64_t n, int64_t k, int64_t n0, int64_t n1) {
  int64_t k8 = k & ~(int64_t)7;
  for (int64_t j = n0; j < n1; j += 2) {
    bool two = j + 1 < n1;
    const float *w0 = w + j * k, *w1 = two ? w0 + k : w0;
    for (int64_t i = 0; i < m; i += 4) {
      int rs = (int)std::min<int64_t>(4, m - i);
      const float *xr[4];
      for (int r = 0; r < 4; ++r)
        xr[r] = x + (i + std::min(r, rs - 1)) * k;
      v8 a[4][2] = {};
      for (int64_t c = 0; c < k8; c += 8) {
        v8 wa = load8(w0 + c), wb = load8(w1 + c);
        for (int r = 0; r < 4; ++r) {
          v8 xv = load8(xr[r] + c);
          a[r][0] += xv * wa;
          a[r][1] += xv * wb;
        }
      }
      for (int r = 0; r < rs; ++r) {
        float s0 = sum8(a[r][0]), s1 = sum8(a[r][1]);
        for (int64_t c = k8; c < k; ++c) {
          s0 += xr[r][c] * w0[c];
          s1 += xr[r][c] * w1[c];
        }
        y[(i + r) * n + j] = s0;
        if (two)
          y[(i + r) * n + j + 1] = s1;
      }
    }
  }
}

} // namespace

void gemmXWt(const float *x, const float *w, float *y, int64_t m, int64_t n,
             int64_t k, int threads) {
  int nt = (int)std::max<int64_t>(1, std::min<int64_t>(threads, n / 64));
  if (nt <= 1) {
    gemmRows(x, w, y, m, n, k, 0, n);
    return;
  }
  std::vector<std::thread> pool;
  int64_t chunk = ((n + nt - 1) / nt + 1) & ~(int64_t)1;
  for (int i = 1; i < nt; ++i) {
    int64_t a = i * chunk, b = std::min(n, a + chunk);
    if (a < b)
      pool.emplace_back(gemmRows, x, w, y, m, n, k, a, b);
  }
  gemmRows(x, w, y, m, n, k, 0, std::min(n, chunk));
  for (std::thread &t : pool)
    t.join();
}

//===----------------------------------------------------------------------===//
// The forward pass
//===----------------------------------------------------------------------===//

std::vector<float> LlamaForward::embed(const std::vector<int32_t> &ids) const {
  std::vector<float> x(rows() * w.d);
  for (int64_t r = 0; r < rows(); ++r)
    std::memcpy(&x[r * w.d], &w.embd[(int64_t)ids[r] * w.d],
                w.d * sizeof(float));
  return x;
}

void LlamaForward::rmsNorm(const std::vector<float> &x,
                           const std::vector<float> &gamma,
                           std::vector<float> &out) const {
  out.resize(x.size());
  for (int64_t r = 0; r < rows(); ++r) {
    const float *xr = &x[r * w.d];
    double ss = 0;
    for (int64_t i = 0; i < w.d; ++i)
      ss += (double)xr[i] * xr[i];
    float scale = (float)(1.0 / std::sqrt(ss / (double)w.d + w.eps));
    for (int64_t i = 0; i < w.d; ++i)
      out[r * w.d + i] = xr[i] * scale * gamma[i];
  }
}

void LlamaForward::linear(const std::vector<float> &in, int64_t b, int j,
                          const float *override,
                          std::vector<float> &out) const {
  const LlamaWeights::Block &B = w.blocks[b];
  int64_t n = B.rows[j], k = B.cols[j];
  out.resize(rows() * n);
  gemmXWt(in.data(), override ? override : B.w[j].data(), out.data(), rows(), n,
          k, threads);
  const std::vector<float> *bias = j <= O ? &B.bias[j] : nullptr;
  if (bias && !bias->empty())
    for (int64_t r = 0; r < rows(); ++r)
      for (int64_t i = 0; i < n; ++i)
        out[r * n + i] += (*bias)[i];
}

void LlamaForward::runBlock(
    int64_t b, std::vector<float> &x,
    const float *const overrides[NumLlamaLinears],
    llvm::function_ref<void(int, const float *, int64_t, int64_t)> observe)
    const {
  const LlamaWeights::Block &B = w.blocks[b];
  auto ov = [&](int j) { return overrides ? overrides[j] : nullptr; };
  auto see = [&](int j, const std::vector<float> &in) {
    if (observe)
      observe(j, in.data(), rows(), B.cols[j]);
  };
  int64_t hd = w.headDim, half = hd / 2, nq = w.heads * hd,
          nkv = w.kvHeads * hd, group = w.heads / w.kvHeads;
  std::vector<float> h, q, k, v;
  rmsNorm(x, B.attnNorm, h);
  for (int j : {Q, K, V})
    see(j, h);
  linear(h, b, Q, ov(Q), q);
  linear(h, b, K, ov(K), k);
  linear(h, b, V, ov(V), v);
  // Rotary embedding of adjacent pairs, position = index in the sequence.
  std::vector<float> cosT(t * half), sinT(t * half);
  for (int64_t p = 0; p < t; ++p)
    for (int64_t i = 0; i < half; ++i) {
      double theta = (double)p * std::pow(w.ropeBase, -2.0 * i / (double)hd);
      cosT[p * half + i] = (float)std::cos(theta);
      sinT[p * half + i] = (float)std::sin(theta);
    }
  auto rope = [&](std::vector<float> &m, int64_t width) {
    for (int64_t r = 0; r < rows(); ++r) {
      int64_t p = r % t;
      for (int64_t h0 = 0; h0 < width; h0 += hd)
        for (int64_t i = 0; i < half; ++i) {
          float *e = &m[r * width + h0 + 2 * i];
          float c = cosT[p * half + i], s = sinT[p * half + i];
          float a = e[0], bb = e[1];
          e[0] = a * c - bb * s;
          e[1] = a * s + bb * c;
        }
    }
  };
  rope(q, nq);
  rope(k, nkv);
  std::vector<float> attn(rows() * nq, 0.0f), scores(t);
  float scale = (float)(1.0 / std::sqrt((double)hd));
  for (int64_t sq = 0; sq < s; ++sq)
    for (int64_t hh = 0; hh < w.heads; ++hh) {
      int64_t kh = hh / group;
      for (int64_t i = 0; i < t; ++i) {
        const float *qi = &q[(sq * t + i) * nq + hh * hd];
        float mx = -INFINITY;
        for (int64_t jj = 0; jj <= i; ++jj) {
          const float *kj = &k[(sq * t + jj) * nkv + kh * hd];
          float dot = 0;
          for (int64_t c = 0; c < hd; ++c)
            dot += qi[c] * kj[c];
          scores[jj] = dot * scale;
          mx = std::max(mx, scores[jj]);
        }
        double sum = 0;
        for (int64_t jj = 0; jj <= i; ++jj) {
          scores[jj] = std::exp(scores[jj] - mx);
          sum += scores[jj];
        }
        float *out = &attn[(sq * t + i) * nq + hh * hd];
        for (int64_t jj = 0; jj <= i; ++jj) {
          float p = (float)(scores[jj] / sum);
          const float *vj = &v[(sq * t + jj) * nkv + kh * hd];
          for (int64_t c = 0; c < hd; ++c)
            out[c] += p * vj[c];
        }
      }
    }
  see(O, attn);
  std::vector<float> o;
  linear(attn, b, O, ov(O), o);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] += o[i];

  rmsNorm(x, B.ffnNorm, h);
  see(Gate, h);
  see(Up, h);
  std::vector<float> g, u;
  linear(h, b, Gate, ov(Gate), g);
  linear(h, b, Up, ov(Up), u);
  for (size_t i = 0; i < g.size(); ++i)
    g[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
  see(Down, g);
  linear(g, b, Down, ov(Down), o);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] += o[i];
}

std::vector<float> LlamaForward::logProbs(const std::vector<float> &x) const {
  std::vector<float> h;
  rmsNorm(x, w.outNorm, h);
  std::vector<float> logits(rows() * w.vocab);
  gemmXWt(h.data(), w.head().data(), logits.data(), rows(), w.vocab, w.d,
          threads);
  for (int64_t r = 0; r < rows(); ++r) {
    float *l = &logits[r * w.vocab];
    float mx = *std::max_element(l, l + w.vocab);
    double sum = 0;
    for (int64_t i = 0; i < w.vocab; ++i)
      sum += std::exp((double)l[i] - mx);
    float lse = mx + (float)std::log(sum);
    for (int64_t i = 0; i < w.vocab; ++i)
      l[i] -= lse;
  }
  return logits;
}

double meanKL(const std::vector<float> &ref, const std::vector<float> &lp,
              int64_t vocab) {
  int64_t rows = (int64_t)ref.size() / vocab;
  double total = 0;
  for (int64_t r = 0; r < rows; ++r) {
    double kl = 0;
    const float *a = &ref[r * vocab], *b = &lp[r * vocab];
    for (int64_t i = 0; i < vocab; ++i)
      kl += std::exp((double)a[i]) * ((double)a[i] - (double)b[i]);
    total += std::max(kl, 0.0);
  }
  return rows ? total / rows : 0;
}

} // namespace qcc::alloc
