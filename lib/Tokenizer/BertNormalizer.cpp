//===- BertNormalizer.cpp - BERT normalization and word splitting ---------===//
//
// The definitions are those of the Hugging Face `tokenizers` package
// (BertNormalizer, BertPreTokenizer), which qcc is checked against, with
// Unicode 16.0 data (BertTables.inc). One simplification: a decomposed
// character's marks are not put in canonical order; since strip_accents
// then drops the nonspacing marks, only a spacing mark next to another
// combining mark could come out in another order.
//
//===----------------------------------------------------------------------===//

#include "BertNormalizer.h"

#include "qcc/Tokenizer/Unicode.h"

#include <algorithm>
#include <iterator>

namespace qcc::tokenizer {

namespace {

struct CodePointRange {
  uint32_t lo, hi;
};
struct Decomposition {
  uint32_t cp;
  uint32_t offset, length;
};
struct LowercaseMapping {
  uint32_t cp, first, second;
};

#include "BertTables.inc"

template <size_t N>
bool inRanges(const CodePointRange (&ranges)[N], uint32_t cp) {
  const CodePointRange *it = std::lower_bound(
      std::begin(ranges), std::end(ranges), cp,
      [](const CodePointRange &r, uint32_t v) { return r.hi < v; });
  return it != std::end(ranges) && it->lo <= cp;
}

/// Appends the canonical decomposition of `cp` (Hangul syllables by the
/// Unicode formula, the rest from the table, already fully decomposed).
void decompose(uint32_t cp, std::vector<uint32_t> &out) {
  constexpr uint32_t sBase = 0xAC00, lBase = 0x1100, vBase = 0x1161,
                     tBase = 0x11A7, tCount = 28, nCount = 588,
                     sCount = 11172;
  if (cp >= sBase && cp < sBase + sCount) {
    uint32_t s = cp - sBase;
    out.push_back(lBase + s / nCount);
    out.push_back(vBase + (s % nCount) / tCount);
    if (s % tCount)
      out.push_back(tBase + s % tCount);
    return;
  }
  const Decomposition *it = std::lower_bound(
      std::begin(decompositions), std::end(decompositions), cp,
      [](const Decomposition &d, uint32_t v) { return d.cp < v; });
  if (it == std::end(decompositions) || it->cp != cp) {
    out.push_back(cp);
    return;
  }
  out.insert(out.end(), decompositionPool + it->offset,
             decompositionPool + it->offset + it->length);
}

void appendLowercase(uint32_t cp, std::vector<uint32_t> &out) {
  const LowercaseMapping *it = std::lower_bound(
      std::begin(lowercaseMappings), std::end(lowercaseMappings), cp,
      [](const LowercaseMapping &m, uint32_t v) { return m.cp < v; });
  if (it == std::end(lowercaseMappings) || it->cp != cp) {
    out.push_back(cp);
    return;
  }
  out.push_back(it->first);
  if (it->second)
    out.push_back(it->second);
}

std::vector<uint32_t> decodeAll(llvm::StringRef text) {
  std::vector<uint32_t> cps;
  auto *p = reinterpret_cast<const uint8_t *>(text.data());
  auto *end = p + text.size();
  while (p < end) {
    uint32_t cp;
    p += decodeUtf8(p, end, cp);
    cps.push_back(cp);
  }
  return cps;
}

} // namespace

bool isBertPunctuation(uint32_t cp) {
  if (cp < 0x80)
    return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) ||
           (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126);
  return inRanges(punctuationRanges, cp);
}

bool isBertWhitespace(uint32_t cp) {
  return cp == '\t' || cp == '\n' || cp == '\r' ||
         classify(cp) == CharClass::Space;
}

bool isBertControl(uint32_t cp) {
  if (cp == '\t' || cp == '\n' || cp == '\r')
    return false;
  return inRanges(otherRanges, cp);
}

bool isChineseChar(uint32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

std::string bertNormalize(llvm::StringRef text,
                          const BertNormalizerOptions &options) {
  std::vector<uint32_t> cps = decodeAll(text), next;
  if (options.cleanText) {
    for (uint32_t cp : cps) {
      if (cp == 0 || cp == kReplacementChar || isBertControl(cp))
        continue;
      next.push_back(isBertWhitespace(cp) ? ' ' : cp);
    }
    cps.swap(next);
    next.clear();
  }
  if (options.handleChineseChars) {
    for (uint32_t cp : cps) {
      if (isChineseChar(cp)) {
        next.push_back(' ');
        next.push_back(cp);
        next.push_back(' ');
      } else {
        next.push_back(cp);
      }
    }
    cps.swap(next);
    next.clear();
  }
  if (options.stripAccents) {
    std::vector<uint32_t> parts;
    for (uint32_t cp : cps) {
      parts.clear();
      decompose(cp, parts);
      for (uint32_t p : parts)
        if (!inRanges(nonspacingMarkRanges, p))
          next.push_back(p);
    }
    cps.swap(next);
    next.clear();
  }
  if (options.lowercase) {
    for (uint32_t cp : cps)
      appendLowercase(cp, next);
    cps.swap(next);
  }
  std::string out;
  for (uint32_t cp : cps)
    appendUtf8(out, cp);
  return out;
}

std::vector<std::string> bertPreTokenize(llvm::StringRef normalized) {
  std::vector<std::string> words;
  std::string current;
  auto flush = [&] {
    if (!current.empty())
      words.push_back(std::move(current));
    current.clear();
  };
  auto *p = reinterpret_cast<const uint8_t *>(normalized.data());
  auto *end = p + normalized.size();
  while (p < end) {
    uint32_t cp;
    p += decodeUtf8(p, end, cp);
    if (classify(cp) == CharClass::Space) {
      flush();
    } else if (isBertPunctuation(cp)) {
      flush();
      appendUtf8(current, cp);
      flush();
    } else {
      appendUtf8(current, cp);
    }
  }
  flush();
  return words;
}

} // namespace qcc::tokenizer
