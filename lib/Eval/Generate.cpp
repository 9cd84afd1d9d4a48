//===- Generate.cpp - greedy text generation with compiled models ---------===//

#include "qcc/Eval/Generate.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <chrono>

using namespace qcc::eval;

static llvm::Error fail(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

static double since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t)
      .count();
}

llvm::Expected<GenerateResult>
qcc::eval::generateGreedy(LlmLibrary *prefill, LlmLibrary &decode,
                          llvm::ArrayRef<int32_t> prompt,
                          const GenerateOptions &options,
                          llvm::function_ref<void(int32_t)> onToken) {
  if (decode.getSequenceLength() != 1)
    return fail("'" + decode.getPath() +
                llvm::formatv("' runs {0} tokens at a time; generation needs "
                              "a decode step (qcc --seq=1)",
                              decode.getSequenceLength()));
  if (prefill && (prefill->getCacheShape() != decode.getCacheShape() ||
                  prefill->getVocabSize() != decode.getVocabSize()))
    return fail("'" + prefill->getPath() + "' and '" + decode.getPath() +
                "' are not the same model: their caches or vocabularies "
                "differ (compile both with the same --ctx)");
  if (prompt.empty())
    return fail("the prompt has no tokens");
  int64_t ctx = decode.getContextLength(), vocab = decode.getVocabSize();
  if ((int64_t)prompt.size() > ctx)
    return fail(llvm::formatv("the prompt has {0} tokens, more than the "
                              "context of {1}",
                              prompt.size(), ctx));

  GenerateResult r;
  auto cache = decode.createCache();
  std::vector<float> last(vocab);
  int64_t pos = 0, n = (int64_t)prompt.size();
  auto start = std::chrono::steady_clock::now();
  // The prompt: whole runs of the sequence library while they fit (the
  // padding rows of a short last run lie past the prompt, where later
  // steps overwrite them before anything attends to them).
  if (prefill) {
    int64_t t = prefill->getSequenceLength();
    while (pos < n && pos + t <= ctx) {
      int64_t len = std::min(t, n - pos);
      auto logits = prefill->run(prompt.slice(pos, len), pos, *cache);
      if (!logits)
        return logits.takeError();
      std::copy(*logits + (len - 1) * vocab, *logits + len * vocab,
                last.begin());
      pos += len;
      ++r.prefillRuns;
    }
  }
  for (; pos < n; ++pos) {
    auto logits = decode.run(prompt.slice(pos, 1), pos, *cache);
    if (!logits)
      return logits.takeError();
    std::copy(*logits, *logits + vocab, last.begin());
    ++r.decodeSteps;
  }
  r.prefillSeconds = since(start);

  start = std::chrono::steady_clock::now();
  while (true) {
    int32_t next =
        (int32_t)(std::max_element(last.begin(), last.end()) - last.begin());
    r.tokens.push_back(next);
    if (onToken)
      onToken(next);
    if ((int64_t)r.tokens.size() >= options.maxTokens) {
      r.stopReason = "max-tokens";
      break;
    }
    if (options.stopToken && next == *options.stopToken) {
      r.stopReason = "stop-token";
      break;
    }
    if (pos >= ctx) {
      r.stopReason = "context";
      break;
    }
    auto logits = decode.run({next}, pos++, *cache);
    if (!logits)
      return logits.takeError();
    std::copy(*logits, *logits + vocab, last.begin());
    ++r.decodeSteps;
  }
  r.decodeSeconds = since(start);
  return r;
}
