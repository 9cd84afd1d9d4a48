//===- Tokenizer.cpp - the tokenizer a GGUF model embeds ------------------===//
//
// Special tokens are found with a byte trie over their spellings: at each
// position whose byte starts some special token, the trie is walked as far
// as the text allows and the longest token ending on the way wins. The
// first position with a match wins, so matching is leftmost-longest, as in
// Hugging Face's added-token matcher (llama.cpp instead takes the longest
// token anywhere first; the two differ only for overlapping spellings).
//
//===----------------------------------------------------------------------===//

#include "qcc/Tokenizer/Tokenizer.h"
#include "qcc/ModelFile/Gguf.h"
#include "qcc/Tokenizer/Unicode.h"

#include "Bpe.h"
#include "ByteLevel.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <bitset>

using namespace qcc::tokenizer;
using llvm::formatv;

namespace {

/// A byte trie over the spellings of the special tokens.
class SpecialTokenMatcher {
public:
  void add(llvm::StringRef text, int32_t id, bool control) {
    if (text.empty())
      return;
    uint32_t node = 0;
    for (uint8_t b : text.bytes()) {
      auto [it, inserted] = edges.try_emplace(
          edgeKey(node, b), static_cast<uint32_t>(tokens.size()));
      if (inserted)
        tokens.push_back({-1, false});
      node = it->second;
    }
    tokens[node] = {id, control}; // a repeated spelling: the last id wins
    firstBytes.set(text.bytes_begin()[0]);
  }

  bool empty() const { return tokens.size() == 1; }

  /// The longest special token at text[pos...], as (id, length).
  std::optional<std::pair<int32_t, size_t>>
  matchAt(llvm::StringRef text, size_t pos, bool parseSpecial) const {
    const uint8_t *p = text.bytes_begin();
    if (!firstBytes.test(p[pos]))
      return std::nullopt;
    std::optional<std::pair<int32_t, size_t>> best;
    uint32_t node = 0;
    for (size_t k = pos; k < text.size(); ++k) {
      auto it = edges.find(edgeKey(node, p[k]));
      if (it == edges.end())
        break;
      node = it->second;
      const Terminal &t = tokens[node];
      if (t.id >= 0 && (parseSpecial || !t.control))
        best = {t.id, k - pos + 1};
    }
    return best;
  }

private:
  struct Terminal {
    int32_t id;
    bool control; // matched only when parsing special tokens
  };
  static uint64_t edgeKey(uint32_t node, uint8_t byte) {
    return (static_cast<uint64_t>(node) << 8) | byte;
  }
  std::vector<Terminal> tokens{{-1, false}}; // per node; node 0 is the root
  llvm::DenseMap<uint64_t, uint32_t> edges;
  std::bitset<256> firstBytes;
};

} // namespace

struct Tokenizer::Impl {
  PreTokenizerKind preTokenizer;
  BpeModel bpe;
  SpecialTokenMatcher specials;
  std::vector<std::string> texts; // spellings
  std::vector<std::string> bytes; // what each token decodes to
  std::vector<TokenType> types;
  std::optional<int32_t> bosId, eosId;
  bool addBos = false, addEos = false;

  Impl(PreTokenizerKind preTokenizer, BpeModel bpe)
      : preTokenizer(preTokenizer), bpe(std::move(bpe)) {}

  void forEachFragment(
      llvm::StringRef text, bool parseSpecial,
      llvm::function_ref<void(llvm::StringRef, std::optional<int32_t>)> fn)
      const {
    if (specials.empty()) {
      fn(text, std::nullopt);
      return;
    }
    size_t start = 0, pos = 0;
    while (pos < text.size()) {
      auto match = specials.matchAt(text, pos, parseSpecial);
      if (!match) {
        ++pos;
        continue;
      }
      if (pos > start)
        fn(text.slice(start, pos), std::nullopt);
      fn(text.substr(pos, match->second), match->first);
      pos += match->second;
      start = pos;
    }
    if (start < text.size())
      fn(text.substr(start), std::nullopt);
  }
};

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

llvm::Expected<std::unique_ptr<Tokenizer>>
Tokenizer::create(const modelfile::GgufTokenizer &gguf) {
  if (gguf.model != "gpt2")
    return llvm::createStringError(
        formatv("unsupported tokenizer model '{0}' (tokenizer.ggml.model); "
                "qcc implements 'gpt2' (byte-level BPE)",
                gguf.model)
            .str());
  if (gguf.pre.empty())
    return llvm::createStringError(
        formatv("tokenizer.ggml.pre is missing: the pre-tokenizer of a 'gpt2' "
                "tokenizer must be named (qcc implements {0})",
                getSupportedPreTokenizerNames())
            .str());
  std::optional<PreTokenizerKind> pre = getPreTokenizerKind(gguf.pre);
  if (!pre)
    return llvm::createStringError(
        formatv("unsupported pre-tokenizer '{0}' (tokenizer.ggml.pre); qcc "
                "implements {1}",
                gguf.pre, getSupportedPreTokenizerNames())
            .str());
  size_t n = gguf.tokens.size();
  if (n == 0 || n > static_cast<size_t>(INT32_MAX))
    return llvm::createStringError(
        formatv("the vocabulary has {0} tokens", n).str());
  if (gguf.merges.empty())
    return llvm::createStringError(
        "tokenizer.ggml.merges is missing or empty: a 'gpt2' tokenizer needs "
        "its BPE merges");
  auto bpe = BpeModel::build(gguf.tokens, gguf.merges);
  if (!bpe)
    return bpe.takeError();

  auto impl = std::make_unique<Impl>(*pre, std::move(*bpe));
  impl->texts.reserve(n);
  impl->bytes.resize(n);
  impl->types.reserve(n);
  for (size_t id = 0; id < n; ++id) {
    impl->texts.push_back(gguf.tokens[id].str());
    tokenTextToBytes(gguf.tokens[id], impl->bytes[id]);
    TokenType type = gguf.tokenTypes.empty()
                         ? TokenType::Normal
                         : static_cast<TokenType>(gguf.tokenTypes[id]);
    impl->types.push_back(type);
    if (type == TokenType::Control || type == TokenType::UserDefined)
      impl->specials.add(gguf.tokens[id], static_cast<int32_t>(id),
                         type == TokenType::Control);
  }
  if (gguf.bosId)
    impl->bosId = static_cast<int32_t>(*gguf.bosId);
  if (gguf.eosId)
    impl->eosId = static_cast<int32_t>(*gguf.eosId);
  impl->addBos = gguf.addBos.value_or(false);
  impl->addEos = gguf.addEos.value_or(false);
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
}

llvm::Expected<std::unique_ptr<Tokenizer>>
Tokenizer::create(const modelfile::GgufFile &file) {
  auto gguf = file.getTokenizer();
  if (!gguf)
    return gguf.takeError();
  return create(*gguf);
}

void Tokenizer::split(
    llvm::StringRef text, bool parseSpecial,
    llvm::function_ref<void(llvm::StringRef, std::optional<int32_t>)> piece)
    const {
  std::string clean;
  if (!isValidUtf8(text)) {
    sanitizeUtf8(text, clean);
    text = clean;
  }
  std::vector<llvm::StringRef> pieces;
  impl->forEachFragment(
      text, parseSpecial,
      [&](llvm::StringRef fragment, std::optional<int32_t> special) {
        if (special) {
          piece(fragment, special);
          return;
        }
        pieces.clear();
        preTokenize(impl->preTokenizer, fragment, pieces);
        for (llvm::StringRef p : pieces)
          piece(p, std::nullopt);
      });
}

std::vector<int32_t> Tokenizer::encode(llvm::StringRef text, bool addBos,
                                       bool parseSpecial,
                                       EncodeStats *stats) const {
  EncodeStats local;
  std::string clean;
  if (!isValidUtf8(text)) {
    local.replacedSequences = sanitizeUtf8(text, clean);
    text = clean;
  }
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 2);
  if (addBos && impl->bosId)
    ids.push_back(*impl->bosId);
  BpeModel::Scratch scratch;
  std::vector<llvm::StringRef> pieces;
  impl->forEachFragment(
      text, parseSpecial,
      [&](llvm::StringRef fragment, std::optional<int32_t> special) {
        if (special) {
          ids.push_back(*special);
          return;
        }
        pieces.clear();
        preTokenize(impl->preTokenizer, fragment, pieces);
        for (llvm::StringRef p : pieces)
          impl->bpe.encode(p, scratch, ids, local.droppedBytes);
      });
  if (stats)
    *stats = local;
  return ids;
}

llvm::Expected<std::string> Tokenizer::decode(llvm::ArrayRef<int32_t> ids,
                                              bool skipSpecial) const {
  std::string out;
  for (int32_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= impl->texts.size())
      return llvm::createStringError(
          formatv("token id {0} is outside the vocabulary of {1} tokens", id,
                  impl->texts.size())
              .str());
    if (skipSpecial && impl->types[id] == TokenType::Control)
      continue;
    out += impl->bytes[id];
  }
  return out;
}

size_t Tokenizer::getVocabSize() const { return impl->texts.size(); }
llvm::StringRef Tokenizer::getTokenText(int32_t id) const {
  return impl->texts[id];
}
TokenType Tokenizer::getTokenType(int32_t id) const { return impl->types[id]; }
PreTokenizerKind Tokenizer::getPreTokenizer() const {
  return impl->preTokenizer;
}
std::optional<int32_t> Tokenizer::getBosId() const { return impl->bosId; }
std::optional<int32_t> Tokenizer::getEosId() const { return impl->eosId; }
bool Tokenizer::getAddBos() const { return impl->addBos; }
bool Tokenizer::getAddEos() const { return impl->addEos; }
std::vector<uint8_t> Tokenizer::getMissingBytes() const {
  return impl->bpe.getMissingBytes();
}
