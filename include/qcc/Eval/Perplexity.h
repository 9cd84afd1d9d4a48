//===- Perplexity.h - perplexity and KL divergence of a model --*- C++ -*-===//
//
// Sliding-window perplexity of a compiled language model on a token
// sequence, as the Hugging Face perplexity guide computes it (a window of
// `context` tokens moved by `stride`):
//
//   for begin = 0, stride, 2 stride, ...:
//     end = min(begin + context, N)
//     run tokens[begin, end) from position 0 (a fresh context)
//     score every token j in [max(prevEnd, begin + 1), end): -log p(tokens[j]
//       | tokens[begin, j)), from the logits row of token j - 1
//     prevEnd = end; stop once end == N
//
// so each of tokens 1 .. N-1 is scored exactly once (N - 1 in all), with at
// least context - stride tokens before it except in the first window, and
// perplexity = exp(mean score). With a reference model, the mean over the
// same scored tokens of KL(P_ref || P_model) = sum_v p_ref(v) (log p_ref(v)
// - log p_model(v)) of the two next-token distributions (llama.cpp's
// --kl-divergence direction), and how often their argmaxes agree.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_EVAL_PERPLEXITY_H
#define QCC_EVAL_PERPLEXITY_H

#include "qcc/Eval/LlmLibrary.h"

#include "llvm/ADT/STLFunctionalExtras.h"

namespace qcc::eval {

struct PerplexityOptions {
  /// Tokens per window (0: the library's sequence length).
  int64_t context = 0;
  /// Tokens the window moves by (0: context / 2); at most context.
  int64_t stride = 0;
};

struct PerplexityResult {
  double perplexity = 0.0;
  /// Mean negative log-likelihood (nats per scored token).
  double meanNll = 0.0;
  int64_t scoredTokens = 0, windows = 0, context = 0, stride = 0;
  /// With a reference: mean KL divergence (nats) and top-1 agreement.
  bool hasReference = false;
  double meanKl = 0.0, maxKl = 0.0, top1Agreement = 0.0;
  double seconds = 0.0;
};

/// Evaluates `model` (a sequence library, or a decode step run one token at
/// a time) on `tokens`; `reference` (optional, same vocabulary) runs the
/// same windows. `progress(done, total, result so far)` is called after
/// every window. Fails on inconsistent options or a failed run.
llvm::Expected<PerplexityResult> evaluatePerplexity(
    LlmLibrary &model, LlmLibrary *reference, llvm::ArrayRef<int32_t> tokens,
    const PerplexityOptions &options,
    llvm::function_ref<void(int64_t done, int64_t total,
                            const PerplexityResult &sofar)>
        progress = nullptr);

} // namespace qcc::eval

#endif // QCC_EVAL_PERPLEXITY_H
