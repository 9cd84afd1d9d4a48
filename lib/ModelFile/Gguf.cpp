//===- Gguf.cpp - GGUF (v2, v3) reader ------------------------------------===//
//
// Layout of a GGUF file (all integers little-endian):
//
//   "GGUF"  uint32 version  uint64 tensor_count  uint64 kv_count
//   kv_count x { string key, uint32 value_type, value }
//   tensor_count x { string name, uint32 n_dims, uint64 dims[n_dims],
//                    uint32 ggml_type, uint64 offset }
//   padding to general.alignment (default 32)
//   tensor data; each tensor at data_start + offset, offset aligned
//
// where a string is uint64 length + bytes (no terminator) and an array value
// is uint32 element_type, uint64 count, count values. Every length and count
// is checked against the bytes left before it is used, so a lying file ends
// in a diagnostic, never in a read past the mapping or a huge allocation.
//
//===----------------------------------------------------------------------===//

#include "qcc/ModelFile/Gguf.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace qcc::modelfile;
using llvm::formatv;

namespace {

constexpr uint64_t kHeaderBytes = 24;           // magic, version, two counts
constexpr uint64_t kMinKvBytes = 8 + 1 + 4 + 1; // key len, 1-byte key, type, u8
constexpr uint64_t kMinTensorBytes =
    8 + 1 + 4 + 4 + 8; // name, n_dims, type, off
constexpr unsigned kMaxDims = 4;
constexpr uint64_t kMaxNameBytes = 63; // ggml's GGML_MAX_NAME less the NUL
constexpr uint64_t kMaxKeyBytes = 65535;

/// Byte size of a fixed-size GGUF value type; 0 for string and array.
unsigned scalarBytes(GgufType t) {
  switch (t) {
  case GgufType::Uint8:
  case GgufType::Int8:
  case GgufType::Bool:
    return 1;
  case GgufType::Uint16:
  case GgufType::Int16:
    return 2;
  case GgufType::Uint32:
  case GgufType::Int32:
  case GgufType::Float32:
    return 4;
  case GgufType::Uint64:
  case GgufType::Int64:
  case GgufType::Float64:
    return 8;
  case GgufType::String:
  case GgufType::Array:
    return 0;
  }
  return 0;
}

bool isValidType(uint32_t t) { return t <= 12; }

template <typename T> T loadLE(const uint8_t *p) {
  T v;
  std::memcpy(&v, p, sizeof v); // every supported host is little-endian
  return v;
}

llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(message.str());
}

// ggml type numbers: the ones qcc reads, and the names of all that existed.
struct GgmlType {
  uint32_t id;
  const char *name;
  std::optional<DType> dtype;
};
const GgmlType ggmlTypes[] = {
    {0, "F32", DType::F32},           {1, "F16", DType::F16},
    {2, "Q4_0", DType::Q4_0},         {3, "Q4_1", DType::Q4_1},
    {4, "Q4_2", std::nullopt},        {5, "Q4_3", std::nullopt},
    {6, "Q5_0", DType::Q5_0},         {7, "Q5_1", DType::Q5_1},
    {8, "Q8_0", DType::Q8_0},         {9, "Q8_1", std::nullopt},
    {10, "Q2_K", DType::Q2_K},        {11, "Q3_K", DType::Q3_K},
    {12, "Q4_K", DType::Q4_K},        {13, "Q5_K", DType::Q5_K},
    {14, "Q6_K", DType::Q6_K},        {15, "Q8_K", std::nullopt},
    {16, "IQ2_XXS", std::nullopt},    {17, "IQ2_XS", std::nullopt},
    {18, "IQ3_XXS", std::nullopt},    {19, "IQ1_S", std::nullopt},
    {20, "IQ4_NL", std::nullopt},     {21, "IQ3_S", std::nullopt},
    {22, "IQ2_S", std::nullopt},      {23, "IQ4_XS", std::nullopt},
    {24, "I8", std::nullopt},         {25, "I16", std::nullopt},
    {26, "I32", std::nullopt},        {27, "I64", std::nullopt},
    {28, "F64", std::nullopt},        {29, "IQ1_M", std::nullopt},
    {30, "BF16", DType::BF16},        {31, "Q4_0_4_4", std::nullopt},
    {32, "Q4_0_4_8", std::nullopt},   {33, "Q4_0_8_8", std::nullopt},
    {34, "TQ1_0", DType::TQ1_0},      {35, "TQ2_0", DType::TQ2_0},
    {36, "IQ4_NL_4_4", std::nullopt}, {37, "IQ4_NL_4_8", std::nullopt},
    {38, "IQ4_NL_8_8", std::nullopt}, {39, "MXFP4", std::nullopt},
    {40, "NVFP4", std::nullopt},      {41, "Q1_0", std::nullopt},
};

const GgmlType *findGgmlType(uint32_t id) {
  for (const GgmlType &t : ggmlTypes)
    if (t.id == id)
      return &t;
  return nullptr;
}

std::string supportedTypeList() {
  std::string list;
  for (const GgmlType &t : ggmlTypes)
    if (t.dtype)
      list += (list.empty() ? "" : ", ") + std::string(t.name);
  return list;
}

} // namespace

llvm::StringRef qcc::modelfile::getGgmlTypeName(uint32_t ggmlType) {
  const GgmlType *t = findGgmlType(ggmlType);
  return t ? t->name : "";
}

std::optional<DType> qcc::modelfile::getDTypeOfGgmlType(uint32_t ggmlType) {
  const GgmlType *t = findGgmlType(ggmlType);
  return t ? t->dtype : std::nullopt;
}

llvm::StringRef qcc::modelfile::getGgufTypeName(GgufType type) {
  switch (type) {
  case GgufType::Uint8:
    return "uint8";
  case GgufType::Int8:
    return "int8";
  case GgufType::Uint16:
    return "uint16";
  case GgufType::Int16:
    return "int16";
  case GgufType::Uint32:
    return "uint32";
  case GgufType::Int32:
    return "int32";
  case GgufType::Float32:
    return "float32";
  case GgufType::Bool:
    return "bool";
  case GgufType::String:
    return "string";
  case GgufType::Array:
    return "array";
  case GgufType::Uint64:
    return "uint64";
  case GgufType::Int64:
    return "int64";
  case GgufType::Float64:
    return "float64";
  }
  return "?";
}

//===----------------------------------------------------------------------===//
// GgufValue
//===----------------------------------------------------------------------===//

std::optional<int64_t> GgufValue::intOf(GgufType t, const uint8_t *p) {
  switch (t) {
  case GgufType::Uint8:
    return p[0];
  case GgufType::Int8:
    return static_cast<int8_t>(p[0]);
  case GgufType::Uint16:
    return loadLE<uint16_t>(p);
  case GgufType::Int16:
    return loadLE<int16_t>(p);
  case GgufType::Uint32:
    return loadLE<uint32_t>(p);
  case GgufType::Int32:
    return loadLE<int32_t>(p);
  case GgufType::Uint64: {
    uint64_t v = loadLE<uint64_t>(p);
    if (v > static_cast<uint64_t>(INT64_MAX))
      return std::nullopt;
    return static_cast<int64_t>(v);
  }
  case GgufType::Int64:
    return loadLE<int64_t>(p);
  default:
    return std::nullopt;
  }
}

std::optional<uint64_t> GgufValue::uintOf(GgufType t, const uint8_t *p) {
  if (t == GgufType::Uint64)
    return loadLE<uint64_t>(p);
  std::optional<int64_t> v = intOf(t, p);
  if (!v || *v < 0)
    return std::nullopt;
  return static_cast<uint64_t>(*v);
}

std::optional<double> GgufValue::floatOf(GgufType t, const uint8_t *p) {
  if (t == GgufType::Float32)
    return loadLE<float>(p);
  if (t == GgufType::Float64)
    return loadLE<double>(p);
  if (t == GgufType::Uint64)
    return static_cast<double>(loadLE<uint64_t>(p));
  if (std::optional<int64_t> v = intOf(t, p))
    return static_cast<double>(*v);
  return std::nullopt;
}

std::optional<uint64_t> GgufValue::getUInt() const {
  return isArray() ? std::nullopt : uintOf(type, raw.data());
}
std::optional<int64_t> GgufValue::getInt() const {
  return isArray() ? std::nullopt : intOf(type, raw.data());
}
std::optional<double> GgufValue::getFloat() const {
  return isArray() ? std::nullopt : floatOf(type, raw.data());
}
std::optional<bool> GgufValue::getBool() const {
  if (type != GgufType::Bool)
    return std::nullopt;
  return raw[0] != 0;
}
std::optional<llvm::StringRef> GgufValue::getString() const {
  if (type != GgufType::String)
    return std::nullopt;
  return llvm::StringRef(reinterpret_cast<const char *>(raw.data()),
                         raw.size());
}

std::optional<int64_t> GgufValue::getIntAt(uint64_t i) const {
  if (!isArray() || i >= count || !scalarBytes(elementType) ||
      elementType == GgufType::Bool)
    return std::nullopt;
  return intOf(elementType, raw.data() + i * scalarBytes(elementType));
}
std::optional<double> GgufValue::getFloatAt(uint64_t i) const {
  if (!isArray() || i >= count || !scalarBytes(elementType) ||
      elementType == GgufType::Bool)
    return std::nullopt;
  return floatOf(elementType, raw.data() + i * scalarBytes(elementType));
}
std::optional<llvm::StringRef> GgufValue::getStringAt(uint64_t i) const {
  if (!isArray() || elementType != GgufType::String || i >= count)
    return std::nullopt;
  return strings[i];
}

/// At most n bytes of valid UTF-8 text s, cut between characters.
static llvm::StringRef utf8Prefix(llvm::StringRef s, size_t n) {
  n = std::min(n, s.size());
  while (n < s.size() && n > 0 && (s[n] & 0xc0) == 0x80)
    --n;
  return s.take_front(n);
}

/// Quoted for listings: control characters, quotes and backslashes escaped,
/// valid UTF-8 text kept (anything else as \xNN); cut at 60 bytes.
static std::string quote(llvm::StringRef s) {
  constexpr size_t kMaxChars = 60;
  bool utf8 = llvm::json::isUTF8(s);
  llvm::StringRef shown =
      utf8 ? utf8Prefix(s, kMaxChars) : s.take_front(kMaxChars);
  std::string out = "\"";
  for (char c : shown) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\')
      (out += '\\') += c;
    else if (c == '\n')
      out += "\\n";
    else if (u < 0x20 || u == 0x7f || (u >= 0x80 && !utf8))
      out += formatv("\\x{0:x-2}", u).str();
    else
      out += c;
  }
  out += "\"";
  if (s.size() > kMaxChars)
    out += formatv("...({0} bytes)", s.size()).str();
  return out;
}

/// The shortest decimal form that reads back as the same value (float32
/// values as float32).
static std::string formatFloat(double v, bool isFloat32) {
  char buf[40];
  // Whole numbers below 1e16 print in full rather than as 1e+04.
  int first = 1;
  if (std::fabs(v) >= 1 && std::fabs(v) < 1e16)
    first = static_cast<int>(std::floor(std::log10(std::fabs(v)))) + 1;
  for (int precision = first; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    double back = std::strtod(buf, nullptr);
    if (isFloat32 ? static_cast<float>(back) == static_cast<float>(v)
                  : back == v)
      break;
  }
  return buf;
}

std::string GgufValue::format(unsigned maxElements) const {
  if (!isArray()) {
    if (type == GgufType::String)
      return quote(*getString());
    if (type == GgufType::Bool)
      return *getBool() ? "true" : "false";
    if (type == GgufType::Float32 || type == GgufType::Float64)
      return formatFloat(*getFloat(), type == GgufType::Float32);
    if (type == GgufType::Uint64)
      return std::to_string(*getUInt());
    return std::to_string(*getInt());
  }
  std::string out = "[";
  uint64_t shown = std::min<uint64_t>(count, maxElements);
  unsigned width = scalarBytes(elementType);
  for (uint64_t i = 0; i < shown; ++i) {
    if (i)
      out += ", ";
    if (elementType == GgufType::String) {
      out += quote(strings[i]);
      continue;
    }
    const uint8_t *p = raw.data() + i * width;
    if (elementType == GgufType::Bool)
      out += p[0] ? "true" : "false";
    else if (elementType == GgufType::Float32 ||
             elementType == GgufType::Float64)
      out += formatFloat(*floatOf(elementType, p),
                         elementType == GgufType::Float32);
    else if (elementType == GgufType::Uint64)
      out += std::to_string(loadLE<uint64_t>(p));
    else
      out += std::to_string(*intOf(elementType, p));
  }
  if (count > shown)
    out += formatv(", ... ({0} more)", count - shown).str();
  return out + "]";
}

//===----------------------------------------------------------------------===//
// Parser
//===----------------------------------------------------------------------===//

namespace qcc::modelfile {

/// Reads the file front to back; every read checks the bytes left first.
class GgufParser {
public:
  GgufParser(GgufFile &file, llvm::ArrayRef<uint8_t> bytes)
      : file(file), bytes(bytes) {}

  llvm::Error parse();

private:
  uint64_t left() const { return bytes.size() - pos; }

  llvm::Error need(uint64_t n, const llvm::Twine &what) {
    if (n <= left())
      return llvm::Error::success();
    return fail(formatv("{0}: needs {1} bytes at offset {2}, but the file "
                        "ends after {3} more (truncated file?)",
                        what.str(), n, pos, left()));
  }
  template <typename T> llvm::Expected<T> read(const llvm::Twine &what) {
    if (llvm::Error err = need(sizeof(T), what))
      return std::move(err);
    T v = loadLE<T>(bytes.data() + pos);
    pos += sizeof(T);
    return v;
  }
  llvm::Expected<llvm::StringRef> readString(const llvm::Twine &what);
  llvm::Error readValue(GgufValue &value, const std::string &key);
  llvm::Error readTensorInfo(uint64_t index, TensorRef &tensor,
                             uint32_t &ggmlType, uint64_t &offset);
  llvm::Error checkCounts(uint64_t tensorCount, uint64_t kvCount);
  llvm::Error readAlignment();

  GgufFile &file;
  llvm::ArrayRef<uint8_t> bytes;
  uint64_t pos = 0;
};

} // namespace qcc::modelfile

llvm::Expected<llvm::StringRef>
GgufParser::readString(const llvm::Twine &what) {
  uint64_t at = pos;
  auto length = read<uint64_t>(what + ": string length");
  if (!length)
    return length.takeError();
  if (*length > left())
    return fail(formatv("{0}: string length {1} at offset {2} runs past the "
                        "end of the file ({3} bytes left)",
                        what.str(), *length, at, left()));
  llvm::StringRef s(reinterpret_cast<const char *>(bytes.data() + pos),
                    *length);
  pos += *length;
  return s;
}

llvm::Error GgufParser::readValue(GgufValue &value, const std::string &key) {
  std::string what = "metadata '" + key + "'";
  auto type = read<uint32_t>(what + ": value type");
  if (!type)
    return type.takeError();
  if (!isValidType(*type))
    return fail(formatv("{0}: unknown value type {1}", what, *type));
  value.type = static_cast<GgufType>(*type);

  if (value.type == GgufType::String) {
    auto s = readString(what);
    if (!s)
      return s.takeError();
    value.raw = {reinterpret_cast<const uint8_t *>(s->data()), s->size()};
    return llvm::Error::success();
  }
  if (value.type != GgufType::Array) {
    unsigned n = scalarBytes(value.type);
    if (llvm::Error err =
            need(n, what + " (" + getGgufTypeName(value.type) + ")"))
      return err;
    value.raw = bytes.slice(pos, n);
    pos += n;
    if (value.type == GgufType::Bool && value.raw[0] > 1)
      return fail(formatv("{0}: bool value {1} is neither 0 nor 1", what,
                          value.raw[0]));
    return llvm::Error::success();
  }

  auto elemType = read<uint32_t>(what + ": array element type");
  if (!elemType)
    return elemType.takeError();
  if (!isValidType(*elemType))
    return fail(
        formatv("{0}: unknown array element type {1}", what, *elemType));
  value.elementType = static_cast<GgufType>(*elemType);
  if (value.elementType == GgufType::Array)
    return fail(what + ": arrays of arrays are not supported");
  uint64_t at = pos;
  auto count = read<uint64_t>(what + ": array length");
  if (!count)
    return count.takeError();
  value.count = *count;
  llvm::StringRef typeName = getGgufTypeName(value.elementType);

  if (value.elementType == GgufType::String) {
    // Each string needs at least its 8-byte length. Strings are appended as
    // they are read (no reserve), so a lying count costs no memory.
    if (*count > left() / 8)
      return fail(formatv("{0}: array of {1} strings at offset {2} cannot fit "
                          "in the {3} bytes left in the file",
                          what, *count, at, left()));
    for (uint64_t i = 0; i < *count; ++i) {
      auto s = readString(llvm::Twine(what) + " element " + llvm::Twine(i));
      if (!s)
        return s.takeError();
      value.strings.push_back(*s);
    }
    return llvm::Error::success();
  }

  unsigned width = scalarBytes(value.elementType);
  if (*count > left() / width)
    return fail(formatv("{0}: array of {1} {2} values at offset {3} runs past "
                        "the end of the file ({4} bytes left)",
                        what, *count, typeName, at, left()));
  value.raw = bytes.slice(pos, *count * width);
  pos += *count * width;
  if (value.elementType == GgufType::Bool)
    for (uint64_t i = 0; i < *count; ++i)
      if (value.raw[i] > 1)
        return fail(
            formatv("{0} element {1}: bool value {2} is neither 0 nor 1", what,
                    i, value.raw[i]));
  return llvm::Error::success();
}

llvm::Error GgufParser::checkCounts(uint64_t tensorCount, uint64_t kvCount) {
  uint64_t room = left();
  if (tensorCount > room / kMinTensorBytes)
    return fail(formatv("tensor count {0} is impossible: the {1} bytes after "
                        "the header hold at most {2} tensor descriptions",
                        tensorCount, room, room / kMinTensorBytes));
  if (kvCount > room / kMinKvBytes)
    return fail(formatv("metadata count {0} is impossible: the {1} bytes "
                        "after the header hold at most {2} key/value pairs",
                        kvCount, room, room / kMinKvBytes));
  // Both bounded by room / 14, so the products cannot overflow.
  if (tensorCount * kMinTensorBytes + kvCount * kMinKvBytes > room)
    return fail(formatv("{0} tensors and {1} metadata pairs cannot fit in the "
                        "{2} bytes after the header",
                        tensorCount, kvCount, room));
  return llvm::Error::success();
}

llvm::Error GgufParser::readAlignment() {
  const GgufValue *v = file.lookup("general.alignment");
  if (!v)
    return llvm::Error::success();
  if (v->getType() != GgufType::Uint32)
    return fail(formatv("general.alignment must be a uint32, not {0}",
                        getGgufTypeName(v->getType())));
  uint64_t a = *v->getUInt();
  if (a == 0 || !llvm::isPowerOf2_64(a))
    return fail(formatv("general.alignment {0} is not a power of two", a));
  file.alignment = a;
  return llvm::Error::success();
}

llvm::Error GgufParser::readTensorInfo(uint64_t index, TensorRef &tensor,
                                       uint32_t &ggmlType, uint64_t &offset) {
  std::string what = formatv("tensor #{0}", index).str();
  auto name = readString(what + " name");
  if (!name)
    return name.takeError();
  if (name->empty())
    return fail(what + ": empty name");
  if (!llvm::json::isUTF8(*name))
    return fail(what + ": the name is not valid UTF-8");
  if (name->size() > kMaxNameBytes)
    return fail(formatv("{0}: name of {1} bytes is longer than GGUF's limit of "
                        "{2} ('{3}...')",
                        what, name->size(), kMaxNameBytes,
                        utf8Prefix(*name, kMaxNameBytes)));
  tensor.name = name->str();
  what = "tensor '" + tensor.name + "'";

  auto rank = read<uint32_t>(what + ": rank");
  if (!rank)
    return rank.takeError();
  if (*rank > kMaxDims)
    return fail(formatv("{0}: rank {1} exceeds GGUF's maximum of {2}", what,
                        *rank, kMaxDims));
  llvm::SmallVector<uint64_t, 4> ne;
  for (uint32_t d = 0; d < *rank; ++d) {
    auto dim = read<uint64_t>(formatv("{0}: dimension {1}", what, d).str());
    if (!dim)
      return dim.takeError();
    if (*dim > static_cast<uint64_t>(INT64_MAX))
      return fail(
          formatv("{0}: dimension {1} is {2}, beyond 2^63-1", what, d, *dim));
    ne.push_back(*dim);
  }
  auto type = read<uint32_t>(what + ": type");
  if (!type)
    return type.takeError();
  auto off = read<uint64_t>(what + ": offset");
  if (!off)
    return off.takeError();
  ggmlType = *type;
  offset = *off;

  const GgmlType *known = findGgmlType(*type);
  if (!known)
    return fail(formatv("{0}: unknown tensor type {1}", what, *type));
  if (!known->dtype)
    return fail(formatv("{0}: tensor type {1} ({2}) is not supported (qcc "
                        "reads {3})",
                        what, known->name, *type, supportedTypeList()));
  tensor.type = *known->dtype;
  // GGUF lists ne[0] (the row length) first; shapes are outermost first.
  tensor.shape.assign(ne.rbegin(), ne.rend());
  if (!getNumElements(ne))
    return fail(what + ": the element count overflows 64 bits");
  const DTypeInfo &info = getDTypeInfo(tensor.type);
  uint64_t rowLength = ne.empty() ? 1 : ne[0];
  if (rowLength % info.blockElements)
    return fail(formatv("{0}: row length {1} is not a multiple of the {2} "
                        "block size {3}",
                        what, rowLength, info.name, info.blockElements));
  if (!getStorageBytes(tensor.type, *getNumElements(ne)))
    return fail(what + ": the byte size overflows 64 bits");
  return llvm::Error::success();
}

llvm::Error GgufParser::parse() {
  if (bytes.size() < kHeaderBytes)
    return fail(formatv("truncated GGUF header: the file has {0} bytes, the "
                        "header needs {1}",
                        bytes.size(), kHeaderBytes));
  if (std::memcmp(bytes.data(), "GGUF", 4) != 0) {
    std::string shown;
    llvm::raw_string_ostream os(shown);
    llvm::printEscapedString(
        llvm::StringRef(reinterpret_cast<const char *>(bytes.data()), 4), os);
    return fail(formatv("bad magic '{0}' (0x{1:x-8}): not a GGUF file", shown,
                        loadLE<uint32_t>(bytes.data())));
  }
  pos = 4;
  uint32_t version = *read<uint32_t>("version");
  if (version != 2 && version != 3) {
    if (version == 1)
      return fail("GGUF version 1 is not supported (qcc reads versions 2 and "
                  "3)");
    if ((version & 0xffff) == 0 && (version >> 24) != 0)
      return fail(formatv("GGUF version {0} looks byte-swapped: big-endian "
                          "GGUF files are not supported",
                          version));
    return fail(formatv("unsupported GGUF version {0} (qcc reads versions 2 "
                        "and 3)",
                        version));
  }
  file.version = version;
  uint64_t tensorCount = *read<uint64_t>("tensor count");
  uint64_t kvCount = *read<uint64_t>("metadata count");
  if (llvm::Error err = checkCounts(tensorCount, kvCount))
    return err;

  for (uint64_t i = 0; i < kvCount; ++i) {
    auto key = readString(formatv("metadata key #{0}", i).str());
    if (!key)
      return key.takeError();
    if (key->empty())
      return fail(formatv("metadata key #{0} is empty", i));
    if (!llvm::json::isUTF8(*key))
      return fail(formatv("metadata key #{0} is not valid UTF-8", i));
    if (key->size() > kMaxKeyBytes)
      return fail(formatv("metadata key #{0} is {1} bytes long (the limit is "
                          "{2})",
                          i, key->size(), kMaxKeyBytes));
    GgufValue value;
    if (llvm::Error err = readValue(value, key->str()))
      return err;
    if (!file.metadataIndex.try_emplace(*key, file.metadata.size()).second)
      return fail(formatv("duplicate metadata key '{0}'", *key));
    file.metadata.emplace_back(key->str(), std::move(value));
  }
  if (llvm::Error err = readAlignment())
    return err;

  // Appended as read (no reserve): memory follows the bytes actually parsed,
  // whatever the header's count claims.
  std::vector<TensorRef> tensors;
  std::vector<uint64_t> offsets;
  for (uint64_t i = 0; i < tensorCount; ++i) {
    TensorRef tensor;
    uint32_t ggmlType;
    uint64_t offset;
    if (llvm::Error err = readTensorInfo(i, tensor, ggmlType, offset))
      return err;
    tensors.push_back(std::move(tensor));
    offsets.push_back(offset);
    file.ggmlTypes.push_back(ggmlType);
  }

  uint64_t dataStart = llvm::alignTo(pos, file.alignment);
  file.dataOffset = dataStart;
  if (tensorCount && dataStart > bytes.size())
    return fail(formatv("the data section starts at offset {0}, past the end "
                        "of the file ({1} bytes)",
                        dataStart, bytes.size()));
  uint64_t dataBytes = tensorCount ? bytes.size() - dataStart : 0;

  // Ranges relative to the data section, then overlap check in offset order.
  std::vector<uint64_t> sizes(tensorCount);
  for (uint64_t i = 0; i < tensorCount; ++i) {
    TensorRef &t = tensors[i];
    uint64_t size = *getStorageBytes(t.type, t.getNumElements());
    if (offsets[i] % file.alignment)
      return fail(formatv("tensor '{0}': offset {1} is not a multiple of the "
                          "alignment {2}",
                          t.name, offsets[i], file.alignment));
    if (offsets[i] > dataBytes || size > dataBytes - offsets[i])
      return fail(formatv("tensor '{0}': its {1} bytes at data offset {2} run "
                          "past the end of the file (the data section holds "
                          "{3} bytes)",
                          t.name, size, offsets[i], dataBytes));
    sizes[i] = size;
    t.fileOffset = dataStart + offsets[i];
    t.data = bytes.slice(t.fileOffset, size);
  }
  std::vector<uint64_t> order(tensorCount);
  for (uint64_t i = 0; i < tensorCount; ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint64_t a, uint64_t b) {
    return offsets[a] != offsets[b] ? offsets[a] < offsets[b] : a < b;
  });
  for (uint64_t k = 1; k < tensorCount; ++k) {
    uint64_t prev = order[k - 1], cur = order[k];
    if (offsets[cur] < offsets[prev] + sizes[prev])
      return fail(formatv("tensors '{0}' and '{1}' overlap: '{0}' occupies "
                          "data bytes [{2}, {3}) and '{1}' starts at {4}",
                          tensors[prev].name, tensors[cur].name, offsets[prev],
                          offsets[prev] + sizes[prev], offsets[cur]));
  }
  for (TensorRef &t : tensors)
    if (llvm::Error err = file.addTensor(std::move(t)))
      return err;
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// GgufFile
//===----------------------------------------------------------------------===//

llvm::Expected<std::unique_ptr<GgufFile>> GgufFile::open(llvm::StringRef path) {
  auto buffer = mapFile(path);
  if (!buffer)
    return buffer.takeError();
  return parse(std::move(*buffer), path);
}

llvm::Expected<std::unique_ptr<GgufFile>>
GgufFile::parse(std::unique_ptr<llvm::MemoryBuffer> buffer,
                llvm::StringRef path) {
  std::unique_ptr<GgufFile> file(new GgufFile(path.str(), std::move(buffer)));
  GgufParser parser(*file, file->getBytes());
  if (llvm::Error err = parser.parse())
    return std::move(err);
  return std::move(file);
}

const GgufValue *GgufFile::lookup(llvm::StringRef key) const {
  auto it = metadataIndex.find(key);
  return it == metadataIndex.end() ? nullptr : &metadata[it->second].second;
}

llvm::StringRef GgufFile::getArchitecture() const {
  const GgufValue *v = lookup("general.architecture");
  if (!v)
    return "";
  return v->getString().value_or("");
}

GgufHyperParams GgufFile::getHyperParams() const {
  GgufHyperParams h;
  h.architecture = getArchitecture().str();
  std::string prefix = h.architecture + ".";
  auto uintKey = [&](const char *key) -> std::optional<uint64_t> {
    const GgufValue *v = lookup(prefix + key);
    return v ? v->getUInt() : std::nullopt;
  };
  auto floatKey = [&](const char *key) -> std::optional<double> {
    const GgufValue *v = lookup(prefix + key);
    return v ? v->getFloat() : std::nullopt;
  };
  h.contextLength = uintKey("context_length");
  h.embeddingLength = uintKey("embedding_length");
  h.blockCount = uintKey("block_count");
  h.feedForwardLength = uintKey("feed_forward_length");
  h.headCount = uintKey("attention.head_count");
  h.headCountKv = uintKey("attention.head_count_kv");
  h.vocabSize = uintKey("vocab_size");
  h.ropeDimensionCount = uintKey("rope.dimension_count");
  h.ropeFreqBase = floatKey("rope.freq_base");
  h.rmsNormEpsilon = floatKey("attention.layer_norm_rms_epsilon");
  h.layerNormEpsilon = floatKey("attention.layer_norm_epsilon");
  return h;
}

llvm::Expected<GgufTokenizer> GgufFile::getTokenizer() const {
  GgufTokenizer tok;
  auto stringKey = [&](const char *key) -> llvm::Expected<std::string> {
    const GgufValue *v = lookup(key);
    if (!v)
      return std::string();
    if (!v->getString())
      return fail(formatv("{0} must be a string, not {1}", key,
                          getGgufTypeName(v->getType())));
    return v->getString()->str();
  };
  auto model = stringKey("tokenizer.ggml.model");
  if (!model)
    return model.takeError();
  tok.model = *model;
  auto pre = stringKey("tokenizer.ggml.pre");
  if (!pre)
    return pre.takeError();
  tok.pre = *pre;

  const GgufValue *tokens = lookup("tokenizer.ggml.tokens");
  if (!tokens)
    return fail("the file embeds no tokenizer (tokenizer.ggml.tokens is "
                "missing)");
  if (!tokens->isArray() || tokens->getElementType() != GgufType::String)
    return fail("tokenizer.ggml.tokens must be an array of strings");
  tok.tokens.assign(tokens->getStrings().begin(), tokens->getStrings().end());
  uint64_t n = tok.tokens.size();

  auto numericArray = [&](const char *key, GgufType want,
                          const GgufValue *&v) -> llvm::Error {
    v = lookup(key);
    if (!v)
      return llvm::Error::success();
    if (!v->isArray() || v->getElementType() != want)
      return fail(
          formatv("{0} must be an array of {1}", key, getGgufTypeName(want)));
    if (v->size() != n)
      return fail(formatv("{0} has {1} entries but the vocabulary has {2}", key,
                          v->size(), n));
    return llvm::Error::success();
  };
  const GgufValue *scores, *types;
  if (llvm::Error err =
          numericArray("tokenizer.ggml.scores", GgufType::Float32, scores))
    return std::move(err);
  if (llvm::Error err =
          numericArray("tokenizer.ggml.token_type", GgufType::Int32, types))
    return std::move(err);
  if (scores)
    for (uint64_t i = 0; i < n; ++i)
      tok.scores.push_back(static_cast<float>(*scores->getFloatAt(i)));
  if (types)
    for (uint64_t i = 0; i < n; ++i)
      tok.tokenTypes.push_back(static_cast<int32_t>(*types->getIntAt(i)));

  if (const GgufValue *merges = lookup("tokenizer.ggml.merges")) {
    if (!merges->isArray() || merges->getElementType() != GgufType::String)
      return fail("tokenizer.ggml.merges must be an array of strings");
    tok.merges.assign(merges->getStrings().begin(), merges->getStrings().end());
  }

  auto idKey = [&](const char *key,
                   std::optional<uint32_t> &out) -> llvm::Error {
    const GgufValue *v = lookup(key);
    if (!v)
      return llvm::Error::success();
    std::optional<uint64_t> id = v->getUInt();
    if (!id)
      return fail(formatv("{0} must be an unsigned integer", key));
    if (*id >= n)
      return fail(formatv("{0} is {1}, outside the vocabulary of {2} tokens",
                          key, *id, n));
    out = static_cast<uint32_t>(*id);
    return llvm::Error::success();
  };
  for (auto [key, slot] :
       {std::pair{"tokenizer.ggml.bos_token_id", &tok.bosId},
        std::pair{"tokenizer.ggml.eos_token_id", &tok.eosId},
        std::pair{"tokenizer.ggml.unknown_token_id", &tok.unknownId},
        std::pair{"tokenizer.ggml.padding_token_id", &tok.paddingId}})
    if (llvm::Error err = idKey(key, *slot))
      return std::move(err);

  auto boolKey = [&](const char *key, std::optional<bool> &out) -> llvm::Error {
    const GgufValue *v = lookup(key);
    if (!v)
      return llvm::Error::success();
    if (!v->getBool())
      return fail(formatv("{0} must be a bool", key));
    out = *v->getBool();
    return llvm::Error::success();
  };
  for (auto [key, slot] :
       {std::pair{"tokenizer.ggml.add_bos_token", &tok.addBos},
        std::pair{"tokenizer.ggml.add_eos_token", &tok.addEos},
        std::pair{"tokenizer.ggml.add_space_prefix", &tok.addSpacePrefix}})
    if (llvm::Error err = boolKey(key, *slot))
      return std::move(err);
  return tok;
}
