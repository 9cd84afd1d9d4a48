//===- Bpe.cpp - byte-level BPE merges ------------------------------------===//
//
// Merging runs over a linked list of symbols with a min-heap of candidate
// pairs keyed by (rank, left position), so a piece of n bytes costs
// O(n log n). A candidate is stale once either side changed; it records
// both ids and is dropped when they no longer match.
//
//===----------------------------------------------------------------------===//

#include "Bpe.h"
#include "ByteLevel.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

using namespace qcc::tokenizer;
using llvm::formatv;

namespace {

// std::*_heap build a max-heap; the top must be the lowest rank, then the
// leftmost position.
bool heapLess(const BpeModel::Scratch::Candidate &a,
              const BpeModel::Scratch::Candidate &b) {
  if (a.rank != b.rank)
    return a.rank > b.rank;
  return a.left > b.left;
}

} // namespace

llvm::Expected<BpeModel>
BpeModel::build(llvm::ArrayRef<llvm::StringRef> tokens,
                llvm::ArrayRef<llvm::StringRef> merges) {
  BpeModel model;
  for (size_t id = 0; id < tokens.size(); ++id)
    model.textToId[tokens[id]] = static_cast<int32_t>(id);
  for (unsigned b = 0; b < 256; ++b) {
    std::string text = bytesToTokenText(std::string(1, static_cast<char>(b)));
    std::optional<int32_t> id = model.lookup(text);
    model.byteTokens[b] = id ? *id : -1;
  }
  model.merges.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    llvm::StringRef merge = merges[rank];
    auto [left, right] = merge.split(' ');
    if (left.empty() || right.empty() || right.contains(' '))
      return llvm::createStringError(
          formatv("tokenizer.ggml.merges[{0}] '{1}' is not two tokens "
                  "separated by one space",
                  rank, merge)
              .str());
    std::optional<int32_t> leftId = model.lookup(left),
                           rightId = model.lookup(right),
                           result = model.lookup((left + right).str());
    for (auto [id, what] : {std::pair{leftId, left}, std::pair{rightId, right},
                            std::pair{result, llvm::StringRef()}})
      if (!id)
        return llvm::createStringError(
            formatv("tokenizer.ggml.merges[{0}] '{1}': '{2}' is not in the "
                    "vocabulary",
                    rank, merge, what.empty() ? (left + right).str() : what)
                .str());
    // A repeated pair keeps its first (lowest) rank, as llama.cpp does.
    model.merges.try_emplace(pairKey(*leftId, *rightId),
                             Merge{static_cast<uint32_t>(rank), *result});
  }
  return model;
}

std::optional<int32_t> BpeModel::lookup(llvm::StringRef text) const {
  auto it = textToId.find(text);
  if (it == textToId.end())
    return std::nullopt;
  return it->second;
}

std::vector<uint8_t> BpeModel::getMissingBytes() const {
  std::vector<uint8_t> missing;
  for (unsigned b = 0; b < 256; ++b)
    if (byteTokens[b] < 0)
      missing.push_back(static_cast<uint8_t>(b));
  return missing;
}

void BpeModel::pushCandidate(Scratch &scratch, int32_t left,
                             int32_t right) const {
  int32_t leftId = scratch.symbols[left].id,
          rightId = scratch.symbols[right].id;
  auto it = merges.find(pairKey(leftId, rightId));
  if (it == merges.end())
    return;
  scratch.heap.push_back(
      {it->second.rank, left, right, leftId, rightId, it->second.result});
  std::push_heap(scratch.heap.begin(), scratch.heap.end(), heapLess);
}

void BpeModel::encode(llvm::StringRef bytes, Scratch &scratch,
                      std::vector<int32_t> &out, size_t &dropped) const {
  auto &symbols = scratch.symbols;
  symbols.clear();
  for (uint8_t b : bytes.bytes()) {
    if (byteTokens[b] < 0) {
      ++dropped;
      continue;
    }
    int32_t index = static_cast<int32_t>(symbols.size());
    symbols.push_back({byteTokens[b], index - 1, index + 1});
  }
  if (symbols.empty())
    return;
  symbols.back().next = -1;
  if (symbols.size() == 1) {
    out.push_back(symbols[0].id);
    return;
  }

  scratch.heap.clear();
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(symbols.size()); ++i)
    pushCandidate(scratch, i, i + 1);
  while (!scratch.heap.empty()) {
    std::pop_heap(scratch.heap.begin(), scratch.heap.end(), heapLess);
    Scratch::Candidate c = scratch.heap.back();
    scratch.heap.pop_back();
    Scratch::Symbol &left = symbols[c.left];
    if (left.id != c.leftId || left.next != c.right ||
        symbols[c.right].id != c.rightId)
      continue; // stale: a side was merged since
    // The right symbol joins the left one and leaves the list.
    left.id = c.result;
    left.next = symbols[c.right].next;
    if (left.next >= 0)
      symbols[left.next].prev = c.left;
    symbols[c.right].id = -1;
    if (left.prev >= 0)
      pushCandidate(scratch, left.prev, c.left);
    if (left.next >= 0)
      pushCandidate(scratch, c.left, left.next);
  }
  for (int32_t i = 0; i >= 0; i = symbols[i].next)
    out.push_back(symbols[i].id);
}
