//===- Generate.h - greedy text generation with compiled models -*- C++ -*-===//
//
// Greedy decoding with the libraries qcc compiles from one GGUF model: the
// prompt goes through a sequence library (`--seq=T`, T tokens per run, the
// last run padded) while whole runs fit in the context, the rest and every
// generated token through the decode step (`--seq=1`); both share one KV
// cache. Without a sequence library the prompt runs one token at a time.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_EVAL_GENERATE_H
#define QCC_EVAL_GENERATE_H

#include "qcc/Eval/LlmLibrary.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>

namespace qcc::eval {

struct GenerateOptions {
  /// Tokens to generate at most.
  int64_t maxTokens = 32;
  /// Stop after this token (it is included); nullopt: never.
  std::optional<int32_t> stopToken;
};

struct GenerateResult {
  std::vector<int32_t> tokens; // generated, without the prompt
  /// Why it stopped: "max-tokens", "stop-token" or "context".
  std::string stopReason;
  double prefillSeconds = 0.0, decodeSeconds = 0.0;
  int64_t prefillRuns = 0, decodeSteps = 0;
};

/// Greedy continuation of `prompt` (not empty). `prefill` may be null;
/// `decode` must be a decode step with the same cache shape and
/// vocabulary. `onToken` sees every generated token as it is chosen.
llvm::Expected<GenerateResult>
generateGreedy(LlmLibrary *prefill, LlmLibrary &decode,
               llvm::ArrayRef<int32_t> prompt, const GenerateOptions &options,
               llvm::function_ref<void(int32_t token)> onToken = nullptr);

} // namespace qcc::eval

#endif // QCC_EVAL_GENERATE_H
