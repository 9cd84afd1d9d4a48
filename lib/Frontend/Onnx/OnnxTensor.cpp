//===- OnnxTensor.cpp - ONNX tensors and data types to MLIR ---------------===//

#include "ImportContext.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace mlir;

namespace qcc::onnx_import {

Type elementTypeOf(MLIRContext *ctx, int32_t t) {
  Builder b(ctx);
  switch (t) {
  case onnx::TensorProto::FLOAT:
    return b.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return b.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::INT8:
    return b.getIntegerType(8);
  case onnx::TensorProto::INT16:
    return b.getIntegerType(16);
  case onnx::TensorProto::INT32:
    return b.getIntegerType(32);
  case onnx::TensorProto::INT64:
    return b.getIntegerType(64);
  case onnx::TensorProto::BOOL:
    return b.getI1Type();
  case onnx::TensorProto::UINT8:
    return IntegerType::get(ctx, 8, IntegerType::Unsigned);
  case onnx::TensorProto::UINT16:
    return IntegerType::get(ctx, 16, IntegerType::Unsigned);
  case onnx::TensorProto::UINT32:
    return IntegerType::get(ctx, 32, IntegerType::Unsigned);
  case onnx::TensorProto::UINT64:
    return IntegerType::get(ctx, 64, IntegerType::Unsigned);
  // Sub-byte integers (newer ONNX types, by number: libonnx 1.12's
  // enum does not name them). They occur as quantized storage.
  case kOnnxUint4:
    return IntegerType::get(ctx, 4, IntegerType::Unsigned);
  case kOnnxInt4:
    return b.getIntegerType(4);
  case kOnnxUint2:
    return IntegerType::get(ctx, 2, IntegerType::Unsigned);
  case kOnnxInt2:
    return b.getIntegerType(2);
  default:
    return nullptr;
  }
}

std::string dataTypeName(int32_t t) {
  switch (t) {
  case kOnnxFloat8E4M3FN:
    return "FLOAT8E4M3FN";
  case kOnnxFloat8E4M3FNUZ:
    return "FLOAT8E4M3FNUZ";
  case kOnnxFloat8E5M2:
    return "FLOAT8E5M2";
  case kOnnxFloat8E5M2FNUZ:
    return "FLOAT8E5M2FNUZ";
  case kOnnxUint4:
    return "UINT4";
  case kOnnxInt4:
    return "INT4";
  case kOnnxFloat4E2M1:
    return "FLOAT4E2M1";
  case kOnnxFloat8E8M0:
    return "FLOAT8E8M0";
  case kOnnxUint2:
    return "UINT2";
  case kOnnxInt2:
    return "INT2";
  default:
    break;
  }
  if (onnx::TensorProto::DataType_IsValid(t))
    return onnx::TensorProto::DataType_Name((onnx::TensorProto::DataType)t);
  return "data type " + std::to_string(t);
}

/// Reads external data, refusing locations outside the model's folder.
static llvm::Expected<std::string>
readExternal(const onnx::TensorProto &tensor, const std::string &modelDir) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &kv : tensor.external_data()) {
    if (kv.key() == "location")
      location = kv.value();
    else if (kv.key() == "offset")
      offset = std::strtoll(kv.value().c_str(), nullptr, 10);
    else if (kv.key() == "length")
      length = std::strtoll(kv.value().c_str(), nullptr, 10);
  }
  if (location.empty())
    return llvm::createStringError("external data of tensor '" + tensor.name() +
                                   "' has no location");
  if (llvm::sys::path::is_absolute(location))
    return llvm::createStringError("external data location '" + location +
                                   "' of tensor '" + tensor.name() +
                                   "' is absolute; it must be relative to the "
                                   "model's folder");
  llvm::SmallString<256> dirReal, fileReal, joined(modelDir);
  llvm::sys::path::append(joined, location);
  // Refuse '..' escapes lexically first, then (below) through symlinks.
  llvm::SmallString<256> lexical(location);
  llvm::sys::path::remove_dots(lexical, /*remove_dot_dot=*/true);
  if (llvm::StringRef(lexical).starts_with(".."))
    return llvm::createStringError("external data location '" + location +
                                   "' of tensor '" + tensor.name() +
                                   "' escapes the model's folder");
  if (llvm::sys::fs::real_path(modelDir, dirReal) ||
      llvm::sys::fs::real_path(joined, fileReal))
    return llvm::createStringError("cannot open external data '" + location +
                                   "' of tensor '" + tensor.name() + "'");
  llvm::StringRef dir(dirReal), file(fileReal);
  if (!file.starts_with(dir) || file.size() <= dir.size() ||
      !llvm::sys::path::is_separator(file[dir.size()]))
    return llvm::createStringError("external data location '" + location +
                                   "' of tensor '" + tensor.name() +
                                   "' escapes the model's folder");
  auto buffer = llvm::MemoryBuffer::getFile(fileReal, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return llvm::createStringError("cannot read external data '" + location +
                                   "': " + buffer.getError().message());
  int64_t size = (*buffer)->getBufferSize();
  if (length < 0)
    length = size - offset;
  if (offset < 0 || length < 0 || offset + length > size)
    return llvm::createStringError(
        "external data of tensor '" + tensor.name() + "' (offset " +
        std::to_string(offset) + ", length " + std::to_string(length) +
        ") lies outside '" + location + "' (" + std::to_string(size) +
        " bytes)");
  return std::string((*buffer)->getBufferStart() + offset, length);
}

/// int32_data holds the values of narrow integer (and 16-bit float) types;
/// each must fit the type, or packFields would silently truncate it.
static llvm::Error checkInt32Data(const onnx::TensorProto &tensor, int64_t lo,
                                  int64_t hi) {
  for (int32_t v : tensor.int32_data())
    if (v < lo || v > hi)
      return llvm::createStringError(
          "tensor '" + tensor.name() + "' holds " + std::to_string(v) +
          " in int32_data, outside the range [" + std::to_string(lo) + ", " +
          std::to_string(hi) + "] of " + dataTypeName(tensor.data_type()));
  return llvm::Error::success();
}

template <typename T, typename Src>
static std::string packFields(const Src &src) {
  std::string out(src.size() * sizeof(T), '\0');
  T *p = reinterpret_cast<T *>(out.data());
  for (int i = 0; i < src.size(); ++i)
    p[i] = static_cast<T>(src.Get(i));
  return out;
}

llvm::Expected<DenseElementsAttr> tensorToAttr(MLIRContext *ctx,
                                               const onnx::TensorProto &tensor,
                                               const std::string &modelDir) {
  Type et = elementTypeOf(ctx, tensor.data_type());
  if (!et)
    return llvm::createStringError("tensor '" + tensor.name() +
                                   "' has unsupported " +
                                   dataTypeName(tensor.data_type()));
  SmallVector<int64_t> shape;
  int64_t count = 1;
  for (int64_t d : tensor.dims()) {
    if (d < 0 || (d > 0 && count > (int64_t(1) << 40) / d))
      return llvm::createStringError("tensor '" + tensor.name() +
                                     "' has an invalid shape");
    shape.push_back(d);
    count *= d;
  }
  auto type = RankedTensorType::get(shape, et);
  // Sub-byte integers are packed (lowest bits first); `width` is in bytes.
  unsigned bits = et.getIntOrFloatBitWidth();
  bool packed = et.isInteger() && bits > 1 && bits < 8;
  int64_t width = et.isInteger(1) ? 1 : bits / 8;
  int64_t needed = packed ? (count * bits + 7) / 8 : count * width;

  std::string bytes;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    auto ext = readExternal(tensor, modelDir);
    if (!ext)
      return ext.takeError();
    bytes = std::move(*ext);
  } else if (tensor.has_raw_data()) {
    bytes = tensor.raw_data();
  } else {
    std::pair<int64_t, int64_t> range{INT32_MIN, INT32_MAX};
    switch (tensor.data_type()) {
    case onnx::TensorProto::INT8:
      range = {INT8_MIN, INT8_MAX};
      break;
    case onnx::TensorProto::UINT8:
      range = {0, UINT8_MAX};
      break;
    case onnx::TensorProto::INT16:
      range = {INT16_MIN, INT16_MAX};
      break;
    case onnx::TensorProto::UINT16:
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::BFLOAT16:
      range = {0, UINT16_MAX};
      break;
    case kOnnxInt4:
    case kOnnxUint4:
    case kOnnxInt2:
    case kOnnxUint2: // packed bytes, written signed or unsigned
      range = {INT8_MIN, UINT8_MAX};
      break;
    default:
      break;
    }
    if (auto err = checkInt32Data(tensor, range.first, range.second))
      return std::move(err);
    switch (tensor.data_type()) {
    case onnx::TensorProto::FLOAT:
      bytes = packFields<float>(tensor.float_data());
      break;
    case onnx::TensorProto::DOUBLE:
      bytes = packFields<double>(tensor.double_data());
      break;
    case onnx::TensorProto::INT64:
      bytes = packFields<int64_t>(tensor.int64_data());
      break;
    case onnx::TensorProto::INT32:
      bytes = packFields<int32_t>(tensor.int32_data());
      break;
    case onnx::TensorProto::INT16:
      bytes = packFields<int16_t>(tensor.int32_data());
      break;
    case onnx::TensorProto::INT8:
    case onnx::TensorProto::BOOL:
    case onnx::TensorProto::UINT8:
    case kOnnxInt4:
    case kOnnxUint4:
    case kOnnxInt2:
    case kOnnxUint2: // one packed byte per entry
      bytes = packFields<int8_t>(tensor.int32_data());
      break;
    case onnx::TensorProto::UINT16:
      bytes = packFields<uint16_t>(tensor.int32_data());
      break;
    case onnx::TensorProto::UINT32:
      bytes = packFields<uint32_t>(tensor.uint64_data());
      break;
    case onnx::TensorProto::UINT64:
      bytes = packFields<uint64_t>(tensor.uint64_data());
      break;
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::BFLOAT16:
      bytes = packFields<uint16_t>(tensor.int32_data());
      break;
    default:
      break;
    }
  }
  if ((int64_t)bytes.size() != needed)
    return llvm::createStringError(
        "tensor '" + tensor.name() + "' holds " + std::to_string(bytes.size()) +
        " bytes of data, but its shape and " + dataTypeName(tensor.data_type()) +
        " need " + std::to_string(needed));
  if (packed) {
    // One APInt per element; its bit pattern is the value in either
    // signedness (the element type says which).
    SmallVector<APInt> values;
    values.reserve(count);
    unsigned perByte = 8 / bits;
    for (int64_t i = 0; i < count; ++i) {
      uint8_t byte = bytes[i / perByte];
      uint64_t v = (byte >> ((i % perByte) * bits)) & ((1u << bits) - 1);
      values.push_back(APInt(bits, v));
    }
    return DenseElementsAttr::get(type, values);
  }
  if (et.isInteger(1)) {
    SmallVector<bool> bits(count);
    for (int64_t i = 0; i < count; ++i)
      bits[i] = bytes[i] != 0;
    return DenseElementsAttr::get(type, ArrayRef<bool>(bits));
  }
  return DenseElementsAttr::getFromRawBuffer(
      type, ArrayRef<char>(bytes.data(), bytes.size()));
}

} // namespace qcc::onnx_import
