//===- UnicodeTest.cpp - UTF-8 decoding, classes, pre-tokenizers ----------===//

#include "qcc/Tokenizer/Unicode.h"
#include "qcc/Tokenizer/PreTokenizer.h"

#include "gtest/gtest.h"

using namespace qcc::tokenizer;

namespace {

std::string sanitized(llvm::StringRef text, size_t *count = nullptr) {
  std::string out;
  size_t n = sanitizeUtf8(text, out);
  if (count)
    *count = n;
  return out;
}

const char *kFFFD = "\xEF\xBF\xBD";

TEST(UnicodeTest, MaximalSubpartReplacement) {
  // Each case as Python's bytes.decode("utf-8", "replace") gives it.
  size_t n;
  EXPECT_EQ(sanitized("a\xE2\x82(", &n), std::string("a") + kFFFD + "(");
  EXPECT_EQ(n, 1u); // E2 82 is one maximal subpart
  EXPECT_EQ(sanitized("\xF0\x9F\x98", &n), kFFFD);
  EXPECT_EQ(n, 1u);
  // ED A0 80 (a surrogate): ED allows only 80..9F next, so three pieces.
  EXPECT_EQ(sanitized("\xED\xA0\x80", &n), std::string(kFFFD) + kFFFD + kFFFD);
  EXPECT_EQ(n, 3u);
  // C0 AF (overlong) and F5 never start a sequence.
  EXPECT_EQ(sanitized("\xC0\xAF\xF5", &n), std::string(kFFFD) + kFFFD + kFFFD);
  // F4 90 (above U+10FFFF): F4 allows only 80..8F next.
  EXPECT_EQ(sanitized("\xF4\x90\x80\x80", &n),
            std::string(kFFFD) + kFFFD + kFFFD + kFFFD);
  // A real U+FFFD is well-formed and left alone.
  EXPECT_TRUE(isValidUtf8(kFFFD));
  EXPECT_EQ(sanitized(std::string("x") + kFFFD, &n), std::string("x") + kFFFD);
  EXPECT_EQ(n, 0u);
  EXPECT_TRUE(isValidUtf8("caf\xC3\xA9 \xF0\x9F\x98\x80"));
  EXPECT_FALSE(isValidUtf8("caf\xE9"));
}

TEST(UnicodeTest, Classes) {
  EXPECT_EQ(classify('a'), CharClass::Letter);
  EXPECT_EQ(classify('Z'), CharClass::Letter);
  EXPECT_EQ(classify('7'), CharClass::Number);
  EXPECT_EQ(classify('_'), CharClass::Other);
  EXPECT_EQ(classify('\''), CharClass::Other);
  EXPECT_EQ(classify('\t'), CharClass::Space);
  EXPECT_EQ(classify(0x1C), CharClass::Other);     // not White_Space
  EXPECT_EQ(classify(0xE9), CharClass::Letter);    // é
  EXPECT_EQ(classify(0x0301), CharClass::Other);   // combining acute (Mn)
  EXPECT_EQ(classify(0x4E00), CharClass::Letter);  // CJK
  EXPECT_EQ(classify(0x0663), CharClass::Number);  // Arabic-Indic three
  EXPECT_EQ(classify(0x216B), CharClass::Number);  // Ⅻ (Nl)
  EXPECT_EQ(classify(0xBD), CharClass::Number);    // ½ (No)
  EXPECT_EQ(classify(0x3000), CharClass::Space);   // ideographic space
  EXPECT_EQ(classify(0x200B), CharClass::Other);   // zero width space
  EXPECT_EQ(classify(0x1F600), CharClass::Other);  // emoji (So)
  EXPECT_EQ(classify(0x1D518), CharClass::Letter); // 𝔘
  EXPECT_EQ(classify(0x16D70), CharClass::Number); // Kirat Rai digit (16.0)
  EXPECT_EQ(classify(0x110000), CharClass::Other);
}

std::vector<std::string> pieces(PreTokenizerKind kind, llvm::StringRef text) {
  std::vector<llvm::StringRef> refs;
  preTokenize(kind, text, refs);
  return std::vector<std::string>(refs.begin(), refs.end());
}

using Pieces = std::vector<std::string>;

TEST(PreTokenizerTest, Gpt2) {
  auto k = PreTokenizerKind::Gpt2;
  EXPECT_EQ(pieces(k, "Hello  world's 123!?"),
            (Pieces{"Hello", " ", " world", "'s", " 123", "!?"}));
  EXPECT_EQ(pieces(k, "I'M you're 'll"),
            (Pieces{"I", "'", "M", " you", "'re", " '", "ll"}));
  // A white-space run gives its last character to the word after it, or
  // stands alone at the end of the text.
  EXPECT_EQ(pieces(k, "a\n\n b  "), (Pieces{"a", "\n\n", " b", "  "}));
  EXPECT_EQ(pieces(k, "a\n\nb"), (Pieces{"a", "\n", "\n", "b"}));
  EXPECT_EQ(pieces(k, "\t x"), (Pieces{"\t", " x"}));
  EXPECT_EQ(pieces(k, "caf\xC3\xA9 e\xCC\x81t\xC3\xA9"),
            (Pieces{"caf\xC3\xA9", " e", "\xCC\x81", "t\xC3\xA9"}));
  EXPECT_TRUE(pieces(k, "").empty());
}

TEST(PreTokenizerTest, SmolLMIsolatesNumbers) {
  auto k = PreTokenizerKind::SmolLM;
  EXPECT_EQ(pieces(k, "in 2024, x1"),
            (Pieces{"in", " ", "2", "0", "2", "4", ",", " x", "1"}));
  // The space before a number cannot join it, so it stands alone.
  EXPECT_EQ(pieces(k, "a  42"), (Pieces{"a", "  ", "4", "2"}));
  EXPECT_EQ(pieces(k, "\xC2\xBD\xE2\x85\xAB"), // ½Ⅻ
            (Pieces{"\xC2\xBD", "\xE2\x85\xAB"}));
}

} // namespace
