//===- Safetensors.cpp - safetensors reader -------------------------------===//
//
// The tree is built without exceptions, so nlohmann::json is used through
// its non-throwing entry points: a SAX pass that records the first syntax
// error (with its line and column) and any repeated key, then a DOM parse
// with allow_exceptions=false once the text is known to be valid.
//
//===----------------------------------------------------------------------===//

#include "qcc/ModelFile/Safetensors.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <tuple>

using namespace qcc::modelfile;
using llvm::formatv;
using Json = nlohmann::ordered_json;

namespace {

llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(message.str());
}

/// SAX pass: the first syntax error, and keys repeated within one object
/// (a DOM parse would silently keep one of them).
class HeaderChecker {
public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  std::string error;

  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(number_integer_t) { return true; }
  bool number_unsigned(number_unsigned_t) { return true; }
  bool number_float(number_float_t, const string_t &) { return true; }
  bool string(string_t &) { return true; }
  bool binary(binary_t &) { return true; }
  bool start_object(std::size_t) {
    keys.emplace_back();
    return true;
  }
  bool key(string_t &k) {
    if (!keys.back().insert(k).second) {
      error = formatv("duplicate key '{0}' in the JSON header", k).str();
      return false;
    }
    return true;
  }
  bool end_object() {
    keys.pop_back();
    return true;
  }
  bool start_array(std::size_t) { return true; }
  bool end_array() { return true; }
  bool parse_error(std::size_t, const std::string &,
                   const nlohmann::detail::exception &ex) {
    // what() is "[json.exception.parse_error.101] parse error at line ...".
    llvm::StringRef what = ex.what();
    size_t close = what.find("] ");
    if (what.starts_with("[json.exception") && close != llvm::StringRef::npos)
      what = what.drop_front(close + 2);
    error = ("invalid JSON header: " + what).str();
    return false;
  }

private:
  std::vector<llvm::StringSet<>> keys;
};

const char *jsonKind(const Json &j) {
  if (j.is_null())
    return "null";
  if (j.is_boolean())
    return "a bool";
  if (j.is_number())
    return "a number";
  if (j.is_string())
    return "a string";
  if (j.is_array())
    return "an array";
  return "an object";
}

std::string formatShape(llvm::ArrayRef<uint64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

struct Entry {
  TensorRef tensor;
  uint64_t begin, end;
};

} // namespace

std::optional<DType> qcc::modelfile::parseSafetensorsDType(llvm::StringRef s) {
  static const std::pair<const char *, DType> names[] = {
      {"F64", DType::F64},        {"F32", DType::F32},
      {"F16", DType::F16},        {"BF16", DType::BF16},
      {"F8_E4M3", DType::F8E4M3}, {"F8_E5M2", DType::F8E5M2},
      {"I64", DType::I64},        {"I32", DType::I32},
      {"I16", DType::I16},        {"I8", DType::I8},
      {"U64", DType::U64},        {"U32", DType::U32},
      {"U16", DType::U16},        {"U8", DType::U8},
      {"BOOL", DType::Bool},
  };
  for (auto &[name, type] : names)
    if (s == name)
      return type;
  return std::nullopt;
}

llvm::Expected<std::unique_ptr<SafetensorsFile>>
SafetensorsFile::open(llvm::StringRef path) {
  auto buffer = mapFile(path);
  if (!buffer)
    return buffer.takeError();
  return parse(std::move(*buffer), path);
}

llvm::Expected<std::unique_ptr<SafetensorsFile>>
SafetensorsFile::parse(std::unique_ptr<llvm::MemoryBuffer> buffer,
                       llvm::StringRef path) {
  std::unique_ptr<SafetensorsFile> file(
      new SafetensorsFile(path.str(), std::move(buffer)));
  if (llvm::Error err = file->parseHeader())
    return std::move(err);
  return std::move(file);
}

static llvm::Error parseTensor(const std::string &name, const Json &entry,
                               llvm::ArrayRef<uint8_t> data, Entry &out) {
  std::string what = "tensor '" + name + "'";
  if (name.empty())
    return fail("a tensor has an empty name");
  if (!entry.is_object())
    return fail(formatv("{0}: the entry must be an object, not {1}", what,
                        jsonKind(entry)));
  for (auto it = entry.begin(); it != entry.end(); ++it)
    if (it.key() != "dtype" && it.key() != "shape" &&
        it.key() != "data_offsets")
      return fail(formatv("{0}: unknown field '{1}' (expected dtype, shape "
                          "and data_offsets)",
                          what, it.key()));
  for (const char *field : {"dtype", "shape", "data_offsets"})
    if (!entry.contains(field))
      return fail(formatv("{0}: missing field '{1}'", what, field));

  const Json &dtype = entry["dtype"];
  if (!dtype.is_string())
    return fail(
        formatv("{0}: dtype must be a string, not {1}", what, jsonKind(dtype)));
  std::optional<DType> type = parseSafetensorsDType(dtype.get<std::string>());
  if (!type)
    return fail(formatv("{0}: unknown dtype '{1}' (qcc reads F64, F32, F16, "
                        "BF16, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U64, U32, "
                        "U16, U8, BOOL)",
                        what, dtype.get<std::string>()));
  out.tensor.name = name;
  out.tensor.type = *type;

  const Json &shape = entry["shape"];
  if (!shape.is_array())
    return fail(
        formatv("{0}: shape must be an array, not {1}", what, jsonKind(shape)));
  for (size_t i = 0; i < shape.size(); ++i) {
    if (!shape[i].is_number_unsigned())
      return fail(formatv("{0}: shape[{1}] must be a non-negative integer, "
                          "not {2}",
                          what, i, shape[i].dump()));
    out.tensor.shape.push_back(shape[i].get<uint64_t>());
  }
  std::optional<uint64_t> numel = getNumElements(out.tensor.shape);
  std::optional<uint64_t> bytes =
      numel ? getStorageBytes(*type, *numel) : std::nullopt;
  if (!bytes)
    return fail(formatv("{0}: shape {1} of {2} overflows 64 bits", what,
                        formatShape(out.tensor.shape), getDTypeName(*type)));

  const Json &offsets = entry["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 ||
      !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned())
    return fail(formatv("{0}: data_offsets must be two non-negative integers "
                        "[begin, end], not {1}",
                        what, offsets.dump()));
  out.begin = offsets[0].get<uint64_t>();
  out.end = offsets[1].get<uint64_t>();
  if (out.begin > out.end)
    return fail(formatv("{0}: data_offsets [{1}, {2}] end before they begin",
                        what, out.begin, out.end));
  if (out.end > data.size())
    return fail(formatv("{0}: data_offsets [{1}, {2}] run past the end of the "
                        "data section ({3} bytes)",
                        what, out.begin, out.end, data.size()));
  if (out.end - out.begin != *bytes)
    return fail(formatv("{0}: data_offsets [{1}, {2}] hold {3} bytes, but "
                        "shape {4} of {5} needs {6}",
                        what, out.begin, out.end, out.end - out.begin,
                        formatShape(out.tensor.shape), getDTypeName(*type),
                        *bytes));
  out.tensor.data = data.slice(out.begin, *bytes);
  return llvm::Error::success();
}

llvm::Error SafetensorsFile::parseHeader() {
  llvm::ArrayRef<uint8_t> bytes = getBytes();
  if (bytes.size() < 8)
    return fail(formatv("truncated safetensors file: {0} bytes, but the "
                        "header length alone needs 8",
                        bytes.size()));
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  if (n > kMaxHeaderBytes)
    return fail(formatv("header length {0} exceeds the limit of {1} bytes "
                        "(corrupt or not a safetensors file)",
                        n, kMaxHeaderBytes));
  if (n > bytes.size() - 8)
    return fail(formatv("header length {0} runs past the end of the file "
                        "({1} bytes follow the length field)",
                        n, bytes.size() - 8));
  if (n < 2)
    return fail(formatv("header length {0} is too short for a JSON object", n));
  headerSize = n;
  llvm::StringRef text(reinterpret_cast<const char *>(bytes.data() + 8), n);
  if (text[0] != '{')
    return fail("the header does not start with '{': not a safetensors JSON "
                "header");

  HeaderChecker checker;
  Json::sax_parse(text.begin(), text.end(), &checker);
  if (!checker.error.empty())
    return fail(checker.error);
  Json root = Json::parse(text.begin(), text.end(), nullptr,
                          /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    return fail("the JSON header is not an object");

  llvm::ArrayRef<uint8_t> data = bytes.drop_front(8 + n);
  std::vector<Entry> entries;
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it->is_object())
        return fail(formatv("__metadata__ must be an object of strings, not "
                            "{0}",
                            jsonKind(*it)));
      for (auto m = it->begin(); m != it->end(); ++m) {
        if (!m->is_string())
          return fail(formatv("__metadata__ '{0}' must be a string, not {1}",
                              m.key(), jsonKind(*m)));
        metadata.emplace_back(m.key(), m->get<std::string>());
      }
      continue;
    }
    Entry e;
    if (llvm::Error err = parseTensor(it.key(), *it, data, e))
      return err;
    e.tensor.fileOffset = 8 + n + e.begin;
    entries.push_back(std::move(e));
  }

  // The tensors must tile the data section: sorted by offset, each begins
  // where the previous ended, and the last ends at the end of the file.
  std::vector<size_t> order(entries.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  // Empty tensors sort before a tensor starting at the same offset.
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::make_tuple(entries[a].begin, entries[a].end, a) <
           std::make_tuple(entries[b].begin, entries[b].end, b);
  });
  uint64_t covered = 0;
  const Entry *prev = nullptr;
  for (size_t i : order) {
    const Entry &e = entries[i];
    if (prev && e.begin < prev->end)
      return fail(formatv("tensors '{0}' and '{1}' overlap: '{0}' occupies "
                          "[{2}, {3}) and '{1}' starts at {4}",
                          prev->tensor.name, e.tensor.name, prev->begin,
                          prev->end, e.begin));
    if (e.begin > covered)
      return fail(formatv("data bytes [{0}, {1}) belong to no tensor (before "
                          "'{2}')",
                          covered, e.begin, e.tensor.name));
    covered = e.end;
    prev = &e;
  }
  if (covered != data.size())
    return fail(formatv("data bytes [{0}, {1}) after the last tensor belong "
                        "to no tensor",
                        covered, data.size()));

  // Tensors are listed in data order, which is the writer's order.
  for (size_t i : order)
    if (llvm::Error err = addTensor(std::move(entries[i].tensor)))
      return err;
  return llvm::Error::success();
}
