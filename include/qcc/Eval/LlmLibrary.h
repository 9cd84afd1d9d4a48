//===- LlmLibrary.h - a compiled language model behind the C API -*- C++ -*-===//
//
// A library that qcc compiled from a GGUF language model (a decode step,
// `--seq=1`, or a sequence graph, `--seq=T`), loaded with dlopen and driven
// through the qcc C API (qcc-c/Runtime.h), and the KV cache buffers that its
// runs read and write. Several libraries of one model (a prefill graph and a
// decode step) may share one cache: their cache shapes must agree.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_EVAL_LLMLIBRARY_H
#define QCC_EVAL_LLMLIBRARY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qcc::eval {

/// The keys and values of every layer, one buffer each: the library
/// declares its cache outputs the state of its cache inputs, so a run
/// updates them in place.
class KvCache {
public:
  /// f32 caches, or (int8) int8 codes with an f32 scale per position and
  /// KV head.
  KvCache(llvm::ArrayRef<int64_t> shape, bool int8);
  llvm::ArrayRef<int64_t> getShape() const { return shape; }
  bool isInt8() const { return int8; }
  /// Zeros every row (rows a run does not attend to must only be finite).
  void clear();

private:
  friend class LlmLibrary;
  std::vector<int64_t> shape;
  bool int8 = false;
  std::vector<float> buffers[2]; // k, v (f32 caches)
  std::vector<int8_t> codes[2];  // k, v (int8 caches)
  std::vector<float> scales[2];  // k, v (int8 caches: [layers, kv, ctx, 1])
};

class LlmLibrary {
public:
  /// Loads `path` and checks its interface: inputs `token` i64 [1] (or
  /// `tokens` i64 [T]), `pos` i64 [1], `k_cache`, `v_cache` f32 [layers, kv
  /// heads, ctx, head dim]; outputs `logits` f32 [vocab] (or [T, vocab]),
  /// `k_cache_out`, `v_cache_out`, the state of the cache inputs; or, for
  /// an int8 cache (qcc --kv-cache=int8), i8 caches plus inputs `k_scale`,
  /// `v_scale` f32 [layers, kv heads, ctx, 1] and outputs `k_scale_out`,
  /// `v_scale_out`. Errors name the file and what differs.
  static llvm::Expected<std::unique_ptr<LlmLibrary>>
  load(const std::string &path);
  ~LlmLibrary();

  const std::string &getPath() const { return path; }
  /// Tokens per run (1 for a decode step).
  int64_t getSequenceLength() const { return seq; }
  /// Positions the cache holds.
  int64_t getContextLength() const { return cacheShape[2]; }
  int64_t getVocabSize() const { return vocab; }
  llvm::ArrayRef<int64_t> getCacheShape() const { return cacheShape; }
  /// A cache of this library's shape.
  std::unique_ptr<KvCache> createCache() const;

  /// Runs `tokens` (1 to T of them; the rest of the run is padded with
  /// token 0, which cannot affect the earlier rows) at positions pos ..
  /// pos+T-1, which must lie inside the context. Reads and advances
  /// `cache`. Returns the logits, row i (of tokens.size()) predicting the
  /// token after tokens[i]; valid until the next run.
  llvm::Expected<const float *> run(llvm::ArrayRef<int32_t> tokens,
                                    int64_t pos, KvCache &cache);

  struct Api;

private:
  LlmLibrary() = default;
  std::string path;
  std::unique_ptr<Api> api;
  void *model = nullptr;
  int64_t seq = 1, vocab = 0;
  std::vector<int64_t> cacheShape, scaleShape, tokenShape, logitsShape;
  bool int8Cache = false;
  std::vector<int64_t> tokenBuf;
  int64_t posBuf = 0;
  std::vector<float> logits;
};

} // namespace qcc::eval

#endif // QCC_EVAL_LLMLIBRARY_H
