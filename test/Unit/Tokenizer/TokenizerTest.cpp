//===- TokenizerTest.cpp - BPE merges, special tokens, errors -------------===//
//
// Tiny hand-made vocabularies whose expected ids follow from the rules
// alone: merges apply lowest rank first (not left to right), leftmost first
// among equal pairs; bytes without a token are dropped before merging;
// special tokens match leftmost, then longest.
//
//===----------------------------------------------------------------------===//

#include "qcc/Tokenizer/Tokenizer.h"
#include "qcc/ModelFile/Gguf.h"

#include "gtest/gtest.h"

using namespace qcc::tokenizer;
using qcc::modelfile::GgufTokenizer;

namespace {

/// A gpt2 tokenizer over `tokens` (byte-level spellings: "Ġ" is the space)
/// and `merges` in rank order; `types` default to normal.
GgufTokenizer makeGguf(const std::vector<const char *> &tokens,
                       const std::vector<const char *> &merges,
                       llvm::StringRef pre = "gpt2",
                       std::vector<int32_t> types = {}) {
  GgufTokenizer g;
  g.model = "gpt2";
  g.pre = pre.str();
  for (const char *t : tokens)
    g.tokens.push_back(t);
  for (const char *m : merges)
    g.merges.push_back(m);
  g.tokenTypes = std::move(types);
  return g;
}

std::unique_ptr<Tokenizer> make(const GgufTokenizer &g) {
  auto tok = Tokenizer::create(g);
  if (!tok) {
    ADD_FAILURE() << llvm::toString(tok.takeError());
    return nullptr;
  }
  return std::move(*tok);
}

std::string createError(const GgufTokenizer &g) {
  auto tok = Tokenizer::create(g);
  if (tok)
    return "";
  return llvm::toString(tok.takeError());
}

using Ids = std::vector<int32_t>;

TEST(BpeTest, LowestRankFirstNotLeftToRight) {
  //                      0    1    2    3     4     5
  auto tok = make(
      makeGguf({"a", "b", "c", "ab", "bc", "abc"}, {"b c", "a b", "a bc"}));
  ASSERT_TRUE(tok);
  // "b c" (rank 0) beats "a b" (rank 1); then "a bc" joins the rest.
  EXPECT_EQ(tok->encode("abc", false), (Ids{5}));
  // Without the last merge the result stops at a + bc, never ab + c.
  auto tok2 = make(makeGguf({"a", "b", "c", "ab", "bc"}, {"b c", "a b"}));
  ASSERT_TRUE(tok2);
  EXPECT_EQ(tok2->encode("abc", false), (Ids{0, 4}));
  EXPECT_EQ(tok2->encode("abab", false), (Ids{3, 3}));
}

TEST(BpeTest, LeftmostAmongEqualPairs) {
  auto tok = make(makeGguf({"a", "aa", "aaaa"}, {"a a", "aa aa"}));
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->encode("aaa", false), (Ids{1, 0}));
  EXPECT_EQ(tok->encode("aaaa", false), (Ids{2}));
  EXPECT_EQ(tok->encode("aaaaaaa", false), (Ids{2, 1, 0}));
}

TEST(BpeTest, MergedTokensMergeAgain) {
  // A long chain: each merge feeds the next one.
  auto tok =
      make(makeGguf({"x", "y", "xy", "xyx", "xyxy"}, {"x y", "xy x", "xy xy"}));
  ASSERT_TRUE(tok);
  // x y x y: "x y" twice (leftmost first), then "xy xy" -> xyxy; "xy x"
  // never applies since no bare x is left next to an xy.
  EXPECT_EQ(tok->encode("xyxy", false), (Ids{4}));
  EXPECT_EQ(tok->encode("xyx", false), (Ids{3}));
}

TEST(BpeTest, PiecesNeverMerge) {
  // "Ġ" spells the space; the pre-tokenizer cuts "a a" into "a", " a".
  auto tok = make(makeGguf({"a", "Ġ", "Ġa", "aĠ"}, {"a Ġ", "Ġ a"}));
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->encode("a a", false), (Ids{0, 2}));
  auto decoded = tok->decode({0, 2});
  ASSERT_TRUE(bool(decoded));
  EXPECT_EQ(*decoded, "a a");
}

TEST(BpeTest, MissingBytesAreDroppedBeforeMerging) {
  // No token spells 'x': it is dropped, and the a's around it then merge
  // (Hugging Face's BPE without an unknown token does the same).
  auto tok = make(makeGguf({"a", "aa"}, {"a a"}));
  ASSERT_TRUE(tok);
  EncodeStats stats;
  EXPECT_EQ(tok->encode("axa", false, true, &stats), (Ids{1}));
  EXPECT_EQ(stats.droppedBytes, 1u);
  EXPECT_EQ(tok->getMissingBytes().size(), 255u); // all but "a"
}

TEST(TokenizerTest, SpecialTokensLeftmostLongest) {
  // 0 "<s>" and 1 "<s>x" are control tokens, 2 "ab" and 3 "bcd" too.
  auto tok = make(makeGguf(
      {"<s>", "<s>x", "ab", "bcd", "a", "b", "c", "d", "x", "y", "<", "s", ">"},
      {"a b"}, "gpt2", {3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}));
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->encode("y<s>xy", false), (Ids{9, 1, 9}));
  EXPECT_EQ(tok->encode("y<s>y", false), (Ids{9, 0, 9}));
  // Leftmost wins over longest: "ab" at 0, not "bcd" at 1.
  EXPECT_EQ(tok->encode("abcd", false), (Ids{2, 6, 7}));
  // Not parsed: plain text, pre-tokenized as "<", "s", ">".
  EXPECT_EQ(tok->encode("<s>", false, /*parseSpecial=*/false),
            (Ids{10, 11, 12}));
  auto text = tok->decode({9, 1, 9});
  ASSERT_TRUE(bool(text));
  EXPECT_EQ(*text, "y<s>xy");
  text = tok->decode({9, 1, 9}, /*skipSpecial=*/true);
  ASSERT_TRUE(bool(text));
  EXPECT_EQ(*text, "yy");
}

TEST(TokenizerTest, UserDefinedTokensAlwaysMatch) {
  auto tok = make(makeGguf({"<c>", "<u>", "a", "<", "c", "u", ">", "aa"},
                           {"a a"}, "gpt2", {3, 4, 1, 1, 1, 1, 1, 1}));
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->encode("<u><c>", false, /*parseSpecial=*/false),
            (Ids{1, 3, 4, 6}));
  EXPECT_EQ(tok->encode("<u><c>", false), (Ids{1, 0}));
}

TEST(TokenizerTest, BosAndDecodeErrors) {
  GgufTokenizer g =
      makeGguf({"<bos>", "a", "aa"}, {"a a"}, "smollm", {3, 1, 1});
  g.bosId = 0;
  g.addBos = true;
  auto tok = make(g);
  ASSERT_TRUE(tok);
  EXPECT_TRUE(tok->getAddBos());
  EXPECT_EQ(tok->encode("aaa", true), (Ids{0, 2, 1}));
  EXPECT_EQ(tok->encode("", true), (Ids{0}));
  EXPECT_EQ(tok->encode("", false), (Ids{}));
  auto bad = tok->decode({1, 3});
  ASSERT_FALSE(bool(bad));
  EXPECT_EQ(llvm::toString(bad.takeError()),
            "token id 3 is outside the vocabulary of 3 tokens");
}

TEST(TokenizerTest, DecodeByteLevelSpellings) {
  // "Ġ" is byte 0x20, "Ċ" 0x0A, "Ã©" the two bytes of "é"; "日" is not in
  // the byte alphabet, so that token decodes to its own spelling.
  auto tok = make(makeGguf({"Ġ", "Ċ", "Ã©", "日", "Ã", "©"}, {"Ã ©"}));
  ASSERT_TRUE(tok);
  auto text = tok->decode({0, 2, 1, 3});
  ASSERT_TRUE(bool(text));
  EXPECT_EQ(*text, " \xC3\xA9\n\xE6\x97\xA5");
  // A lone lead byte comes back as it is (callers join ids first).
  text = tok->decode({4});
  ASSERT_TRUE(bool(text));
  EXPECT_EQ(*text, "\xC3");
}

TEST(TokenizerTest, RefusesWhatItDoesNotImplement) {
  GgufTokenizer g = makeGguf({"a", "b", "ab"}, {"a b"});
  g.model = "llama";
  EXPECT_EQ(createError(g), "unsupported tokenizer model 'llama' "
                            "(tokenizer.ggml.model); qcc implements 'gpt2' "
                            "(byte-level BPE)");
  g = makeGguf({"a", "b", "ab"}, {"a b"}, "qwen2");
  EXPECT_EQ(createError(g),
            "unsupported pre-tokenizer 'qwen2' "
            "(tokenizer.ggml.pre); qcc implements gpt2, smollm");
  g = makeGguf({"a", "b", "ab"}, {"a b"}, "");
  EXPECT_NE(createError(g).find("tokenizer.ggml.pre is missing"),
            std::string::npos);
  g = makeGguf({"a", "b", "ab"}, {});
  EXPECT_NE(createError(g).find("tokenizer.ggml.merges is missing"),
            std::string::npos);
  g = makeGguf({"a", "b", "ab"}, {"a b", "a c"});
  EXPECT_EQ(createError(g), "tokenizer.ggml.merges[1] 'a c': 'c' is not in "
                            "the vocabulary");
  g = makeGguf({"a", "b"}, {"a b"});
  EXPECT_EQ(createError(g), "tokenizer.ggml.merges[0] 'a b': 'ab' is not in "
                            "the vocabulary");
  g = makeGguf({"a", "b", "ab"}, {"ab"});
  EXPECT_EQ(createError(g), "tokenizer.ggml.merges[0] 'ab' is not two tokens "
                            "separated by one space");
}

} // namespace
