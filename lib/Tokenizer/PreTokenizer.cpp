//===- PreTokenizer.cpp - split text into BPE words -----------------------===//
//
// The GPT-2 regex is an ordered alternation, so at each position the first
// alternative that matches wins:
//
//   1. 's 't 're 've 'm 'll 'd       (ASCII apostrophe, lowercase only)
//   2.  ?\p{L}+  3.  ?\p{N}+  4.  ?[^\s\p{L}\p{N}]+
//                                    (an optional U+0020, then a run of one
//                                    class; the space joins only a run that
//                                    starts right after it)
//   5. \s+(?!\S)                     (a white-space run that ends the text,
//                                    or all of a longer run but its last
//                                    code point, which then prefixes the
//                                    next word if it is a space)
//   6. \s+                           (a single white space before a non-space)
//
// Every code point is a letter, number, white space or other, so some
// alternative always matches and no text falls between pieces.
//
//===----------------------------------------------------------------------===//

#include "qcc/Tokenizer/PreTokenizer.h"
#include "qcc/Tokenizer/Unicode.h"

using namespace qcc::tokenizer;

namespace {

/// The text decoded once: code points, their classes and byte offsets
/// (offsets has one more entry, the end of the text).
struct CodePoints {
  std::vector<uint32_t> cps;
  std::vector<CharClass> classes;
  std::vector<uint32_t> offsets;

  explicit CodePoints(llvm::StringRef text) {
    cps.reserve(text.size());
    classes.reserve(text.size());
    offsets.reserve(text.size() + 1);
    const uint8_t *begin = text.bytes_begin(), *p = begin,
                  *end = text.bytes_end();
    while (p < end) {
      uint32_t cp;
      unsigned n = decodeUtf8(p, end, cp);
      offsets.push_back(static_cast<uint32_t>(p - begin));
      cps.push_back(cp);
      classes.push_back(classify(cp));
      p += n;
    }
    offsets.push_back(static_cast<uint32_t>(text.size()));
  }
};

/// Length in code points of a contraction ('s, 're, ...) at `i`, or 0.
size_t contractionAt(const CodePoints &t, size_t i, size_t end) {
  if (t.cps[i] != '\'' || i + 1 >= end)
    return 0;
  uint32_t a = t.cps[i + 1];
  if (a == 's' || a == 't' || a == 'm' || a == 'd')
    return 2;
  if (i + 2 >= end)
    return 0;
  uint32_t b = t.cps[i + 2];
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') ||
      (a == 'l' && b == 'l'))
    return 3;
  return 0;
}

/// The GPT-2 split of code points [begin, end): calls emit(i, j) for each
/// piece [i, j).
template <typename Emit>
void splitGpt2(const CodePoints &t, size_t begin, size_t end, Emit emit) {
  size_t i = begin;
  while (i < end) {
    if (size_t n = contractionAt(t, i, end)) {
      emit(i, i + n);
      i += n;
      continue;
    }
    // Alternatives 2-4: a run of one class, optionally after one U+0020.
    size_t k = i;
    if (t.cps[i] == ' ' && i + 1 < end && t.classes[i + 1] != CharClass::Space)
      k = i + 1;
    CharClass cls = t.classes[k];
    if (cls != CharClass::Space) {
      size_t j = k + 1;
      while (j < end && t.classes[j] == cls)
        ++j;
      emit(i, j);
      i = j;
      continue;
    }
    // Alternatives 5 and 6: white space.
    size_t j = i + 1;
    while (j < end && t.classes[j] == CharClass::Space)
      ++j;
    if (j < end && j - i >= 2)
      --j; // leave the last one to the word after it
    emit(i, j);
    i = j;
  }
}

} // namespace

std::optional<PreTokenizerKind>
qcc::tokenizer::getPreTokenizerKind(llvm::StringRef name) {
  if (name == "gpt2")
    return PreTokenizerKind::Gpt2;
  if (name == "smollm")
    return PreTokenizerKind::SmolLM;
  return std::nullopt;
}

llvm::StringRef qcc::tokenizer::getPreTokenizerName(PreTokenizerKind kind) {
  switch (kind) {
  case PreTokenizerKind::Gpt2:
    return "gpt2";
  case PreTokenizerKind::SmolLM:
    return "smollm";
  }
  return "";
}

llvm::StringRef qcc::tokenizer::getSupportedPreTokenizerNames() {
  return "gpt2, smollm";
}

void qcc::tokenizer::preTokenize(PreTokenizerKind kind, llvm::StringRef text,
                                 std::vector<llvm::StringRef> &pieces) {
  if (text.empty())
    return;
  CodePoints t(text);
  auto emit = [&](size_t i, size_t j) {
    pieces.push_back(text.slice(t.offsets[i], t.offsets[j]));
  };
  size_t n = t.cps.size();
  switch (kind) {
  case PreTokenizerKind::Gpt2:
    splitGpt2(t, 0, n, emit);
    return;
  case PreTokenizerKind::SmolLM: {
    // Numbers stand alone; the GPT-2 split sees only the text between them,
    // so e.g. " 42" gives " ", "4", "2".
    size_t start = 0;
    for (size_t i = 0; i < n; ++i) {
      if (t.classes[i] != CharClass::Number)
        continue;
      splitGpt2(t, start, i, emit);
      emit(i, i + 1);
      start = i + 1;
    }
    splitGpt2(t, start, n, emit);
    return;
  }
  }
}
