//===- ByteLevel.cpp - GPT-2's byte-to-character mapping ------------------===//

#include "ByteLevel.h"

#include "qcc/Tokenizer/Unicode.h"

#include <array>

using namespace qcc::tokenizer;

namespace {

bool standsForItself(unsigned b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) ||
         (b >= 0xAE && b <= 0xFF);
}

std::array<uint16_t, 256> buildByteMap() {
  std::array<uint16_t, 256> map{};
  uint16_t next = 256;
  for (unsigned b = 0; b < 256; ++b)
    map[b] = standsForItself(b) ? b : next++;
  return map;
}

const std::array<uint16_t, 256> byteMap = buildByteMap();

} // namespace

uint32_t qcc::tokenizer::byteToCodePoint(uint8_t byte) { return byteMap[byte]; }

std::optional<uint8_t> qcc::tokenizer::codePointToByte(uint32_t cp) {
  if (cp < 256)
    return standsForItself(cp) ? std::optional<uint8_t>(cp) : std::nullopt;
  // The 68 remapped bytes took U+0100.. in byte order.
  if (cp >= 256 + 68)
    return std::nullopt;
  unsigned index = cp - 256;
  for (unsigned b = 0; b < 256; ++b)
    if (!standsForItself(b) && index-- == 0)
      return static_cast<uint8_t>(b);
  return std::nullopt;
}

std::string qcc::tokenizer::bytesToTokenText(llvm::StringRef bytes) {
  std::string text;
  text.reserve(bytes.size() * 2);
  for (uint8_t b : bytes.bytes())
    appendUtf8(text, byteToCodePoint(b));
  return text;
}

bool qcc::tokenizer::tokenTextToBytes(llvm::StringRef text,
                                      std::string &bytes) {
  bytes.clear();
  const uint8_t *p = text.bytes_begin(), *end = text.bytes_end();
  while (p < end) {
    uint32_t cp;
    p += decodeUtf8(p, end, cp);
    std::optional<uint8_t> b = codePointToByte(cp);
    if (!b) {
      bytes = text.str();
      return false;
    }
    bytes += static_cast<char>(*b);
  }
  return true;
}
