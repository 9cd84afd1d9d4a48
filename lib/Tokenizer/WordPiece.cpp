//===- WordPiece.cpp - BERT's WordPiece tokenizer -------------------------===//

#include "qcc/Tokenizer/WordPiece.h"

#include "BertNormalizer.h"

#include "qcc/Tokenizer/Unicode.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

namespace qcc::tokenizer {

namespace {

llvm::Error fail(llvm::StringRef name, const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 name + ": " + msg);
}

/// Number of code points in well-formed-or-not UTF-8 `s`.
size_t countChars(llvm::StringRef s) {
  size_t n = 0;
  auto *p = reinterpret_cast<const uint8_t *>(s.data());
  auto *end = p + s.size();
  while (p < end) {
    uint32_t cp;
    p += decodeUtf8(p, end, cp);
    ++n;
  }
  return n;
}

} // namespace

llvm::Expected<std::unique_ptr<WordPieceTokenizer>>
WordPieceTokenizer::open(llvm::StringRef path) {
  std::string file = path.str();
  if (llvm::sys::fs::is_directory(path)) {
    llvm::SmallString<256> json(path), vocab(path);
    llvm::sys::path::append(json, "tokenizer.json");
    llvm::sys::path::append(vocab, "vocab.txt");
    if (llvm::sys::fs::exists(json))
      file = std::string(json);
    else if (llvm::sys::fs::exists(vocab))
      file = std::string(vocab);
    else
      return fail(path, "the folder holds neither tokenizer.json nor "
                        "vocab.txt");
  }
  auto buffer = llvm::MemoryBuffer::getFile(file, /*IsText=*/true);
  if (!buffer)
    return fail(file, "cannot read: " + buffer.getError().message());
  if (llvm::StringRef(file).ends_with(".json"))
    return fromTokenizerJson((*buffer)->getBuffer(), file);
  // vocab.txt: do_lower_case from tokenizer_config.json when it is beside.
  BertNormalizerOptions options;
  llvm::SmallString<256> cfg(llvm::sys::path::parent_path(file));
  llvm::sys::path::append(cfg, "tokenizer_config.json");
  if (auto text = llvm::MemoryBuffer::getFile(cfg, /*IsText=*/true)) {
    auto json = llvm::json::parse((*text)->getBuffer());
    if (!json)
      return fail(cfg, "invalid JSON: " + llvm::toString(json.takeError()));
    if (const llvm::json::Object *o = json->getAsObject()) {
      if (auto lower = o->getBoolean("do_lower_case"))
        options.lowercase = options.stripAccents = *lower;
      if (auto strip = o->getBoolean("strip_accents"))
        options.stripAccents = *strip;
      if (auto cjk = o->getBoolean("tokenize_chinese_chars"))
        options.handleChineseChars = *cjk;
    }
  }
  return fromVocab((*buffer)->getBuffer(), file, options);
}

llvm::Expected<std::unique_ptr<WordPieceTokenizer>>
WordPieceTokenizer::fromVocab(llvm::StringRef text, llvm::StringRef name,
                              const BertNormalizerOptions &options) {
  std::unique_ptr<WordPieceTokenizer> t(new WordPieceTokenizer());
  t->norm = options;
  llvm::SmallVector<llvm::StringRef> lines;
  text.split(lines, '\n');
  if (!lines.empty() && lines.back().empty())
    lines.pop_back();
  for (llvm::StringRef line : lines) {
    line = line.rtrim("\r");
    int32_t id = (int32_t)t->tokens.size();
    // A repeated line keeps its first id (what transformers' vocab loading
    // gives is the last; refuse instead of guessing).
    if (!t->vocab.try_emplace(line, id).second)
      return fail(name, llvm::formatv("line {0}: token '{1}' repeats", id + 1,
                                      line));
    t->tokens.push_back(line.str());
  }
  for (const char *special : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"})
    if (auto it = t->vocab.find(special); it != t->vocab.end())
      t->specials.push_back({special, it->second});
  if (auto e = t->finish(name))
    return std::move(e);
  return t;
}

llvm::Expected<std::unique_ptr<WordPieceTokenizer>>
WordPieceTokenizer::fromTokenizerJson(llvm::StringRef text,
                                      llvm::StringRef name) {
  auto json = llvm::json::parse(text);
  if (!json)
    return fail(name, "invalid JSON: " + llvm::toString(json.takeError()));
  const llvm::json::Object *root = json->getAsObject();
  if (!root)
    return fail(name, "the top level must be an object");
  std::unique_ptr<WordPieceTokenizer> t(new WordPieceTokenizer());

  const llvm::json::Object *model = root->getObject("model");
  if (!model)
    return fail(name, "model is missing or not an object");
  auto type = model->getString("type");
  if (!type || *type != "WordPiece")
    return fail(name, llvm::formatv("model.type '{0}' is not supported (qcc "
                                    "reads WordPiece tokenizer.json files; "
                                    "BPE models come from GGUF)",
                                    type.value_or("<missing>")));
  const llvm::json::Object *vocab = model->getObject("vocab");
  if (!vocab || vocab->empty())
    return fail(name, "model.vocab is missing or empty");
  std::vector<std::pair<int64_t, std::string>> entries;
  for (const auto &[key, value] : *vocab) {
    auto id = value.getAsInteger();
    if (!id || *id < 0 || *id >= (int64_t)vocab->size())
      return fail(name, llvm::formatv("model.vocab['{0}'] must be an id in "
                                      "[0, {1})",
                                      key.str(), vocab->size()));
    entries.push_back({*id, key.str()});
  }
  std::sort(entries.begin(), entries.end());
  for (size_t i = 0; i < entries.size(); ++i)
    if (entries[i].first != (int64_t)i)
      return fail(name, llvm::formatv("model.vocab: id {0} is {1}", i,
                                      i && entries[i].first ==
                                                   entries[i - 1].first
                                          ? "used twice"
                                          : "missing"));
  for (auto &[id, token] : entries) {
    t->vocab[token] = (int32_t)id;
    t->tokens.push_back(std::move(token));
  }
  if (auto unk = model->getString("unk_token"))
    t->unkToken = unk->str();
  if (auto prefix = model->getString("continuing_subword_prefix"))
    t->prefix = prefix->str();
  if (auto maxChars = model->getInteger("max_input_chars_per_word")) {
    if (*maxChars <= 0)
      return fail(name, "model.max_input_chars_per_word must be positive");
    t->maxInputChars = (size_t)*maxChars;
  }

  // Normalizer and pre-tokenizer: BERT's (or none).
  if (const llvm::json::Value *n = root->get("normalizer");
      n && n->kind() != llvm::json::Value::Null) {
    const llvm::json::Object *o = n->getAsObject();
    auto ntype = o ? o->getString("type") : std::nullopt;
    if (!ntype || *ntype != "BertNormalizer")
      return fail(name, llvm::formatv("normalizer.type '{0}' is not supported "
                                      "(BertNormalizer)",
                                      ntype.value_or("<missing>")));
    BertNormalizerOptions &opt = t->norm;
    opt.cleanText = o->getBoolean("clean_text").value_or(true);
    opt.handleChineseChars =
        o->getBoolean("handle_chinese_chars").value_or(true);
    opt.lowercase = o->getBoolean("lowercase").value_or(true);
    // strip_accents: null follows lowercase.
    opt.stripAccents = o->getBoolean("strip_accents").value_or(opt.lowercase);
  } else {
    t->norm = {false, false, false, false};
  }
  if (const llvm::json::Value *p = root->get("pre_tokenizer");
      !p || p->kind() == llvm::json::Value::Null) {
    return fail(name, "pre_tokenizer is missing (qcc supports "
                      "BertPreTokenizer)");
  } else {
    const llvm::json::Object *o = p->getAsObject();
    auto ptype = o ? o->getString("type") : std::nullopt;
    if (!ptype || *ptype != "BertPreTokenizer")
      return fail(name, llvm::formatv("pre_tokenizer.type '{0}' is not "
                                      "supported (BertPreTokenizer)",
                                      ptype.value_or("<missing>")));
  }

  // Special tokens: added tokens that are matched before normalization.
  if (const llvm::json::Array *added = root->getArray("added_tokens"))
    for (const llvm::json::Value &a : *added) {
      const llvm::json::Object *o = a.getAsObject();
      std::optional<llvm::StringRef> content;
      int64_t id = -1;
      if (o) {
        content = o->getString("content");
        id = o->getInteger("id").value_or(-1);
      }
      if (!content || id < 0 || id >= (int64_t)t->tokens.size())
        return fail(name, "added_tokens entries need a content and an id "
                          "inside the vocabulary");
      if (o->getBoolean("normalized").value_or(false))
        return fail(name, llvm::formatv("added token '{0}' is normalized, "
                                        "which qcc does not support",
                                        *content));
      t->specials.push_back({content->str(), (int32_t)id});
    }
  // [CLS] and [SEP] from the post-processor's template when it names them.
  if (const llvm::json::Object *post = root->getObject("post_processor")) {
    auto ptype = post->getString("type");
    if (ptype && *ptype == "TemplateProcessing") {
      if (const llvm::json::Object *st = post->getObject("special_tokens")) {
        for (const auto &[key, value] : *st) {
          llvm::StringRef k = key;
          if (k.contains("CLS") || k.contains("cls"))
            t->clsToken = k.str();
          if (k.contains("SEP") || k.contains("sep"))
            t->sepToken = k.str();
        }
      }
    } else if (ptype && *ptype == "BertProcessing") {
      if (const llvm::json::Array *cls = post->getArray("cls"))
        if (!cls->empty() && (*cls)[0].getAsString())
          t->clsToken = (*cls)[0].getAsString()->str();
      if (const llvm::json::Array *sep = post->getArray("sep"))
        if (!sep->empty() && (*sep)[0].getAsString())
          t->sepToken = (*sep)[0].getAsString()->str();
    } else if (ptype) {
      return fail(name, llvm::formatv("post_processor.type '{0}' is not "
                                      "supported (TemplateProcessing, "
                                      "BertProcessing)",
                                      *ptype));
    }
  }
  if (const llvm::json::Object *trunc = root->getObject("truncation"))
    if (auto len = trunc->getInteger("max_length"); len && *len > 0)
      t->maxLength = (size_t)*len;
  if (const llvm::json::Object *pad = root->getObject("padding"))
    if (auto tok = pad->getString("pad_token"))
      t->padToken = tok->str();
  if (auto e = t->finish(name))
    return std::move(e);
  return t;
}

llvm::Error WordPieceTokenizer::finish(llvm::StringRef name) {
  auto idOf = [&](const std::string &token, int32_t &out,
                  const char *what) -> llvm::Error {
    auto it = vocab.find(token);
    if (it == vocab.end())
      return fail(name, llvm::formatv("the {0} token '{1}' is not in the "
                                      "vocabulary",
                                      what, token));
    out = it->second;
    return llvm::Error::success();
  };
  if (auto e = idOf(unkToken, unkId, "unknown"))
    return e;
  if (auto e = idOf(clsToken, clsId, "[CLS]"))
    return e;
  if (auto e = idOf(sepToken, sepId, "[SEP]"))
    return e;
  if (auto e = idOf(padToken, padId, "padding"))
    return e;
  // Longest first, so a scan finds the longest special token at a position.
  std::stable_sort(specials.begin(), specials.end(),
                   [](const auto &a, const auto &b) {
                     return a.first.size() > b.first.size();
                   });
  llvm::erase_if(specials, [](const auto &s) { return s.first.empty(); });
  return llvm::Error::success();
}

void WordPieceTokenizer::wordPiece(llvm::StringRef word,
                                   std::vector<int32_t> &ids) const {
  if (countChars(word) > maxInputChars) {
    ids.push_back(unkId);
    return;
  }
  // Character boundaries, so substrings never split a code point.
  std::vector<size_t> bounds;
  auto *p = reinterpret_cast<const uint8_t *>(word.data());
  for (size_t i = 0; i < word.size();) {
    bounds.push_back(i);
    uint32_t cp;
    i += decodeUtf8(p + i, p + word.size(), cp);
  }
  bounds.push_back(word.size());
  size_t mark = ids.size();
  std::string candidate;
  for (size_t start = 0; start + 1 < bounds.size();) {
    int32_t found = -1;
    size_t end = bounds.size() - 1;
    for (; end > start; --end) {
      candidate.clear();
      if (start > 0)
        candidate = prefix;
      candidate.append(word.data() + bounds[start],
                       bounds[end] - bounds[start]);
      auto it = vocab.find(candidate);
      if (it != vocab.end()) {
        found = it->second;
        break;
      }
    }
    if (found < 0) {
      ids.resize(mark);
      ids.push_back(unkId);
      return;
    }
    ids.push_back(found);
    start = end;
  }
}

std::string WordPieceTokenizer::normalize(llvm::StringRef text) const {
  return bertNormalize(text, norm);
}

std::vector<std::string>
WordPieceTokenizer::preTokenize(llvm::StringRef normalized) const {
  return bertPreTokenize(normalized);
}

std::vector<int32_t> WordPieceTokenizer::encode(llvm::StringRef text,
                                                bool addSpecial,
                                                size_t maxLength) const {
  std::vector<int32_t> ids;
  auto encodeText = [&](llvm::StringRef fragment) {
    if (fragment.empty())
      return;
    for (const std::string &word : bertPreTokenize(bertNormalize(fragment, norm)))
      wordPiece(word, ids);
  };
  // Special tokens spelled in the text, leftmost then longest.
  size_t from = 0;
  for (size_t i = 0; i < text.size();) {
    const std::pair<std::string, int32_t> *match = nullptr;
    for (const auto &s : specials)
      if (text.substr(i).starts_with(s.first)) {
        match = &s;
        break;
      }
    if (!match) {
      ++i;
      continue;
    }
    encodeText(text.slice(from, i));
    ids.push_back(match->second);
    i += match->first.size();
    from = i;
  }
  encodeText(text.substr(from));

  size_t extra = addSpecial ? 2 : 0;
  if (maxLength)
    ids.resize(std::min(ids.size(),
                        maxLength > extra ? maxLength - extra : size_t(0)));
  if (addSpecial) {
    ids.insert(ids.begin(), clsId);
    ids.push_back(sepId);
  }
  return ids;
}

size_t WordPieceTokenizer::encodePadded(llvm::StringRef text, size_t seqLen,
                                        int64_t *ids, int64_t *mask) const {
  std::vector<int32_t> tokens = encode(text, /*addSpecial=*/true, seqLen);
  for (size_t i = 0; i < seqLen; ++i) {
    bool token = i < tokens.size();
    ids[i] = token ? tokens[i] : padId;
    mask[i] = token ? 1 : 0;
  }
  return tokens.size();
}

} // namespace qcc::tokenizer
