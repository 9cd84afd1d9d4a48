//===- Perplexity.cpp - perplexity and KL divergence of a model -----------===//

#include "qcc/Eval/Perplexity.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <chrono>
#include <cmath>

using namespace qcc::eval;

static llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

namespace {

/// Runs one library over a window, `T` tokens at a time, and keeps the
/// logits rows the window scores.
class WindowRunner {
public:
  explicit WindowRunner(LlmLibrary &lib) : lib(lib), cache(lib.createCache()) {}

  /// Logits rows [first, end) of tokens (relative to the window start),
  /// stored contiguously in `rows`. Every run is needed, scored or not:
  /// it writes the cache rows the later ones attend to.
  llvm::Error run(llvm::ArrayRef<int32_t> window, int64_t first,
                  std::vector<float> &rows) {
    int64_t t = lib.getSequenceLength(), v = lib.getVocabSize();
    int64_t n = (int64_t)window.size();
    rows.assign((n - first) * v, 0.0f);
    // Every window starts at position 0: the rows it attends to are the
    // ones it writes, so the cache needs no clearing between windows.
    for (int64_t at = 0; at < n; at += t) {
      int64_t len = std::min(t, n - at);
      auto logits = lib.run(window.slice(at, len), at, *cache);
      if (!logits)
        return logits.takeError();
      for (int64_t i = std::max(at, first); i < at + len; ++i)
        std::copy(*logits + (i - at) * v, *logits + (i - at + 1) * v,
                  rows.begin() + (i - first) * v);
    }
    return llvm::Error::success();
  }

private:
  LlmLibrary &lib;
  std::unique_ptr<KvCache> cache;
};

/// log softmax of one row, in double.
void logSoftmax(const float *x, int64_t n, std::vector<double> &out) {
  out.resize(n);
  double mx = -INFINITY;
  for (int64_t i = 0; i < n; ++i)
    mx = std::max(mx, (double)x[i]);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i)
    sum += std::exp((double)x[i] - mx);
  double lse = mx + std::log(sum);
  for (int64_t i = 0; i < n; ++i)
    out[i] = (double)x[i] - lse;
}

int64_t argmax(const float *x, int64_t n) {
  return std::max_element(x, x + n) - x;
}

} // namespace

llvm::Expected<PerplexityResult> qcc::eval::evaluatePerplexity(
    LlmLibrary &model, LlmLibrary *reference, llvm::ArrayRef<int32_t> tokens,
    const PerplexityOptions &options,
    llvm::function_ref<void(int64_t, int64_t, const PerplexityResult &)>
        progress) {
  auto start = std::chrono::steady_clock::now();
  int64_t t = model.getSequenceLength();
  int64_t ctx = options.context ? options.context : t;
  if (t == 1 && !options.context)
    ctx = model.getContextLength();
  int64_t stride = options.stride ? options.stride : std::max<int64_t>(1, ctx / 2);
  if (ctx < 2)
    return fail(llvm::formatv("the window (--ctx) must hold at least 2 "
                              "tokens, got {0}",
                              ctx));
  if (stride < 1 || stride > ctx)
    return fail(llvm::formatv("the stride must be in [1, the window {0}], "
                              "got {1}",
                              ctx, stride));
  auto checkLib = [&](LlmLibrary &lib) -> llvm::Error {
    // Runs of T tokens cover the window from position 0: the last one
    // ends at the window rounded up to T.
    int64_t lt = lib.getSequenceLength();
    int64_t span = (ctx + lt - 1) / lt * lt;
    if (span > lib.getContextLength())
      return fail(llvm::formatv(
          "'{0}' holds {1} positions, too few for windows of {2} tokens run "
          "{3} at a time; compile it with --ctx={4} (and --seq={2} for one "
          "run per window)",
          lib.getPath(), lib.getContextLength(), ctx, lt, span));
    return llvm::Error::success();
  };
  if (auto e = checkLib(model))
    return std::move(e);
  if (reference) {
    if (auto e = checkLib(*reference))
      return std::move(e);
    if (reference->getVocabSize() != model.getVocabSize())
      return fail(llvm::formatv("the reference '{0}' has a vocabulary of {1}, "
                                "the model {2}",
                                reference->getPath(),
                                reference->getVocabSize(),
                                model.getVocabSize()));
  }
  int64_t n = (int64_t)tokens.size();
  if (n < 2)
    return fail(llvm::formatv("the text has {0} token(s); perplexity needs "
                              "at least 2",
                              n));
  int64_t vocab = model.getVocabSize();
  for (int32_t tok : tokens)
    if (tok < 0 || tok >= vocab)
      return fail(llvm::formatv("token {0} is outside the model's vocabulary "
                                "of {1}",
                                tok, vocab));

  PerplexityResult r;
  r.context = ctx;
  r.stride = stride;
  r.hasReference = reference != nullptr;
  int64_t total = 0;
  for (int64_t begin = 0, end = 0; end < n; begin += stride) {
    end = std::min(begin + ctx, n);
    ++total;
  }
  WindowRunner runModel(model);
  std::optional<WindowRunner> runRef;
  if (reference)
    runRef.emplace(*reference);
  std::vector<float> rows, refRows;
  std::vector<double> lp, lq;
  double nllSum = 0.0, klSum = 0.0;
  int64_t agree = 0;
  for (int64_t begin = 0, prevEnd = 0; prevEnd < n; begin += stride) {
    int64_t end = std::min(begin + ctx, n);
    int64_t firstScored = std::max(prevEnd, begin + 1);
    // Row j - 1 (relative) predicts token j.
    int64_t firstRow = firstScored - 1 - begin;
    llvm::ArrayRef<int32_t> window = tokens.slice(begin, end - begin);
    if (auto e = runModel.run(window, firstRow, rows))
      return std::move(e);
    if (reference)
      if (auto e = runRef->run(window, firstRow, refRows))
        return std::move(e);
    for (int64_t j = firstScored; j < end; ++j) {
      const float *row = rows.data() + (j - 1 - begin - firstRow) * vocab;
      logSoftmax(row, vocab, lq);
      nllSum -= lq[tokens[j]];
      if (reference) {
        const float *refRow =
            refRows.data() + (j - 1 - begin - firstRow) * vocab;
        logSoftmax(refRow, vocab, lp);
        double kl = 0.0;
        for (int64_t v = 0; v < vocab; ++v)
          kl += std::exp(lp[v]) * (lp[v] - lq[v]);
        kl = std::max(kl, 0.0); // rounding may leave a tiny negative sum
        klSum += kl;
        r.maxKl = std::max(r.maxKl, kl);
        agree += argmax(row, vocab) == argmax(refRow, vocab);
      }
      ++r.scoredTokens;
    }
    prevEnd = end;
    ++r.windows;
    r.meanNll = nllSum / (double)r.scoredTokens;
    r.perplexity = std::exp(r.meanNll);
    if (reference) {
      r.meanKl = klSum / (double)r.scoredTokens;
      r.top1Agreement = (double)agree / (double)r.scoredTokens;
    }
    r.seconds = std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - start)
                    .count();
    if (progress)
      progress(r.windows, total, r);
  }
  return r;
}
