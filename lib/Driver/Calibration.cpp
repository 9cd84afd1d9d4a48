//===- Calibration.cpp - activation statistics from calibration data ------===//
//
// Calibration runs the real float model, compiled by qcc itself, rather than
// an interpreter: the statistics then come from exactly the float code the
// quantized model replaces, and large models calibrate at native speed. A
// clone of the model returns every calibration point as an extra output; the
// clone is compiled to a host library, loaded with dlopen and driven through
// the C API one sample at a time, each extra output streaming into its
// point's observer, so memory stays bounded by one sample's activations.
//
//===----------------------------------------------------------------------===//

#include "qcc/Driver/Calibration.h"

#include "qcc-c/Runtime.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/Transforms/CalibrationPoints.h"
#include "qcc/Driver/ModelInterface.h"
#include "qcc/Target/TargetBackend.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fstream>
#include <memory>

using namespace mlir;

namespace qcc {

namespace {

//===----------------------------------------------------------------------===//
// Element types and .npy files
//===----------------------------------------------------------------------===//

struct DtypeInfo {
  const char *descr; // numpy's type code without the byte-order character
  int32_t code;      // qcc_dtype
  int32_t size;
  const char *name;
};

constexpr DtypeInfo kDtypes[] = {
    {"f4", QCC_DTYPE_FLOAT32, 4, "float32"},
    {"f8", QCC_DTYPE_FLOAT64, 8, "float64"},
    {"f2", QCC_DTYPE_FLOAT16, 2, "float16"},
    {"i1", QCC_DTYPE_INT8, 1, "int8"},
    {"u1", QCC_DTYPE_UINT8, 1, "uint8"},
    {"i2", QCC_DTYPE_INT16, 2, "int16"},
    {"u2", QCC_DTYPE_UINT16, 2, "uint16"},
    {"i4", QCC_DTYPE_INT32, 4, "int32"},
    {"u4", QCC_DTYPE_UINT32, 4, "uint32"},
    {"i8", QCC_DTYPE_INT64, 8, "int64"},
    {"u8", QCC_DTYPE_UINT64, 8, "uint64"},
    {"b1", QCC_DTYPE_BOOL, 1, "bool"},
    {nullptr, QCC_DTYPE_BFLOAT16, 2, "bfloat16"},
};

const DtypeInfo *dtypeInfo(int32_t code) {
  for (const DtypeInfo &d : kDtypes)
    if (d.code == code)
      return &d;
  return nullptr;
}

std::string dtypeName(int32_t code) {
  const DtypeInfo *d = dtypeInfo(code);
  return d ? d->name : "dtype " + std::to_string(code);
}

std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") + std::to_string(d);
  return s + "]";
}

int64_t numElements(llvm::ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// The header of a .npy file; the data are read sample by sample later.
struct NpyArray {
  std::string path;
  int32_t dtype = 0;
  std::vector<int64_t> shape;
  uint64_t dataOffset = 0;
};

/// The text of `key`'s value in a .npy header dictionary (quotes and
/// parentheses stripped), or nullopt.
std::optional<llvm::StringRef> headerValue(llvm::StringRef header,
                                           llvm::StringRef key) {
  size_t k = header.find(("'" + key + "'").str());
  if (k == llvm::StringRef::npos)
    return std::nullopt;
  size_t colon = header.find(':', k);
  if (colon == llvm::StringRef::npos)
    return std::nullopt;
  llvm::StringRef rest = header.substr(colon + 1).ltrim();
  if (rest.consume_front("'") || rest.consume_front("\"")) {
    size_t end = rest.find_first_of("'\"");
    return end == llvm::StringRef::npos ? std::nullopt
                                        : std::optional(rest.take_front(end));
  }
  if (rest.consume_front("(")) {
    size_t end = rest.find(')');
    return end == llvm::StringRef::npos ? std::nullopt
                                        : std::optional(rest.take_front(end));
  }
  return rest.take_until([](char c) { return c == ',' || c == '}'; }).trim();
}

/// Reads and checks the header of a .npy file (versions 1 to 3, C order,
/// little-endian, a dtype the C API carries, data not truncated).
std::optional<NpyArray> readNpyHeader(const std::string &path,
                                      std::string &error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    error = "cannot open '" + path + "'";
    return std::nullopt;
  }
  unsigned char magic[10];
  if (!f.read(reinterpret_cast<char *>(magic), 10) ||
      std::memcmp(magic, "\x93NUMPY", 6) != 0 || magic[6] < 1 || magic[6] > 3) {
    error = "'" + path + "' is not a .npy file";
    return std::nullopt;
  }
  uint64_t headerLen = magic[8] | (magic[9] << 8);
  uint64_t offset = 10;
  if (magic[6] >= 2) {
    unsigned char more[2];
    if (!f.read(reinterpret_cast<char *>(more), 2)) {
      error = "'" + path + "' has a truncated .npy header";
      return std::nullopt;
    }
    headerLen |= (uint64_t(more[0]) << 16) | (uint64_t(more[1]) << 24);
    offset = 12;
  }
  std::string header(std::min<uint64_t>(headerLen, 1 << 20), '\0');
  if (headerLen > (1 << 20) || !f.read(header.data(), header.size())) {
    error = "'" + path + "' has a bad .npy header";
    return std::nullopt;
  }
  NpyArray a;
  a.path = path;
  a.dataOffset = offset + headerLen;

  auto descr = headerValue(header, "descr");
  auto fortran = headerValue(header, "fortran_order");
  auto shape = headerValue(header, "shape");
  if (!descr || !fortran || !shape) {
    error = "'" + path + "' has a bad .npy header";
    return std::nullopt;
  }
  llvm::StringRef code = *descr;
  char order = code.empty() ? '?' : code.front();
  if (order == '<' || order == '>' || order == '|' || order == '=')
    code = code.drop_front();
  for (const DtypeInfo &d : kDtypes)
    if (d.descr && code == d.descr)
      a.dtype = d.code;
  if (!a.dtype) {
    error = "'" + path + "' holds unsupported dtype '" + descr->str() + "'";
    return std::nullopt;
  }
  if (order == '>' && dtypeInfo(a.dtype)->size > 1) {
    error = "'" + path + "' is big-endian; save it little-endian";
    return std::nullopt;
  }
  if (fortran->starts_with("True")) {
    error = "'" + path + "' is in Fortran order; save it C-contiguous";
    return std::nullopt;
  }
  llvm::SmallVector<llvm::StringRef> dims;
  shape->split(dims, ',');
  uint64_t count = 1;
  for (llvm::StringRef d : dims) {
    d = d.trim();
    if (d.empty())
      continue; // the trailing comma of a 1-tuple
    int64_t v;
    if (d.getAsInteger(10, v) || v < 0 ||
        (v && count > (uint64_t(1) << 50) / v)) {
      error = "'" + path + "' has a bad shape '(" + shape->str() + ")'";
      return std::nullopt;
    }
    a.shape.push_back(v);
    count *= v;
  }
  uint64_t size = 0;
  if (auto ec = llvm::sys::fs::file_size(path, size)) {
    error = "cannot read '" + path + "': " + ec.message();
    return std::nullopt;
  }
  if (size < a.dataOffset + count * dtypeInfo(a.dtype)->size) {
    error = "'" + path + "' is truncated: its shape " + shapeString(a.shape) +
            " needs " + std::to_string(count * dtypeInfo(a.dtype)->size) +
            " bytes of data";
    return std::nullopt;
  }
  return a;
}

/// Reads elements [first, first + count) of `a` into `dst` as `dtype`:
/// the file's own dtype, or float64 narrowed to float32.
bool readNpyElements(const NpyArray &a, int64_t first, int64_t count,
                     int32_t dtype, char *dst, std::string &error) {
  std::ifstream f(a.path, std::ios::binary);
  int64_t elemSize = dtypeInfo(a.dtype)->size;
  if (f)
    f.seekg(static_cast<std::streamoff>(a.dataOffset + first * elemSize));
  if (a.dtype == dtype) {
    if (f && f.read(dst, count * elemSize))
      return true;
  } else {
    // float64 -> float32 in chunks, to keep the scratch small.
    std::vector<double> chunk(std::min<int64_t>(count, 1 << 16));
    float *out = reinterpret_cast<float *>(dst);
    for (int64_t done = 0; f && done < count;) {
      int64_t n = std::min<int64_t>(count - done, chunk.size());
      if (!f.read(reinterpret_cast<char *>(chunk.data()), n * 8))
        break;
      for (int64_t i = 0; i < n; ++i)
        out[done + i] = static_cast<float>(chunk[i]);
      done += n;
    }
    if (f)
      return true;
  }
  error = "cannot read the data of '" + a.path + "'";
  return false;
}

//===----------------------------------------------------------------------===//
// Calibration samples
//===----------------------------------------------------------------------===//

/// Where one input of one sample comes from: sample `index` of `file`.
struct SampleInput {
  size_t file = SIZE_MAX; // SIZE_MAX: an input without elements, no data
  int64_t index = 0;
};

struct SampleSet {
  std::vector<NpyArray> files;
  /// [sample][model input]
  std::vector<std::vector<SampleInput>> samples;
  /// Whether the samples are the rows of one batch file.
  bool batch = false;
};

/// `shape` without its leading 1s: a sample may omit or add unit batch
/// dimensions.
llvm::ArrayRef<int64_t> dropLeadingOnes(llvm::ArrayRef<int64_t> shape) {
  while (!shape.empty() && shape.front() == 1)
    shape = shape.drop_front();
  return shape;
}

bool dtypeFits(int32_t fileDtype, int32_t inputDtype) {
  return fileDtype == inputDtype ||
         (fileDtype == QCC_DTYPE_FLOAT64 && inputDtype == QCC_DTYPE_FLOAT32);
}

/// How many samples `a` holds for `input`: 1 when its shape is the input's
/// (up to leading 1s); with `batch`, also S for shape [S, ...input shape] or,
/// for a batch-1 input, [S, ...input shape without its batch].
std::optional<int64_t> samplesIn(const NpyArray &a, const TensorInfo &input,
                                 bool batch, std::string &error) {
  if (!dtypeFits(a.dtype, input.dtype)) {
    error = "'" + a.path + "' holds " + dtypeName(a.dtype) +
            " data, but model input '" + input.name + "' is " +
            dtypeName(input.dtype);
    return std::nullopt;
  }
  llvm::ArrayRef<int64_t> s(a.shape), in(input.shape);
  if (dropLeadingOnes(s) == dropLeadingOnes(in))
    return 1;
  if (batch && s.size() == in.size() + 1 && s.drop_front() == in)
    return s.front();
  if (batch && !in.empty() && in.front() == 1 && s.size() == in.size() &&
      s.drop_front() == in.drop_front())
    return s.front();
  error = "'" + a.path + "' has shape " + shapeString(s) +
          ", but model input '" + input.name + "' has shape " + shapeString(in);
  if (batch)
    error += " (a batch file is [samples, " + shapeString(in).substr(1);
  if (batch)
    error += ")";
  return std::nullopt;
}

/// A name as a file name: what qcc-run writes for outputs.
std::string sanitizedName(llvm::StringRef name) {
  std::string s;
  for (char c : name)
    s += (llvm::isAlnum(c) || c == '_' || c == '-' || c == '.') ? c : '_';
  return s;
}

/// The entries of `dir` (full paths), sorted by name.
std::vector<std::string> listDirectory(llvm::StringRef dir,
                                       std::error_code &ec) {
  std::vector<std::string> entries;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec))
    entries.push_back(it->path());
  std::sort(entries.begin(), entries.end());
  return entries;
}

/// Finds the samples under `options.dataPath` and checks every file's header
/// against the model's inputs, so bad data fail before anything is compiled.
FailureOr<SampleSet> collectSamples(Location loc,
                                    const CalibrationOptions &options,
                                    const std::vector<TensorInfo> &inputs) {
  const std::string &path = options.dataPath;
  SampleSet set;
  std::string error;
  auto addFile = [&](const std::string &file) -> std::optional<size_t> {
    auto a = readNpyHeader(file, error);
    if (!a)
      return std::nullopt;
    set.files.push_back(std::move(*a));
    return set.files.size() - 1;
  };
  std::string inputList;
  for (auto [i, in] : llvm::enumerate(inputs))
    inputList += (i ? ", '" : "'") + in.name + "'";

  llvm::sys::fs::file_status status;
  if (auto ec = llvm::sys::fs::status(path, status))
    return emitError(loc) << "cannot read calibration data '" << path
                          << "': " << ec.message();

  if (llvm::sys::fs::is_regular_file(status)) {
    // One batch file.
    if (inputs.size() != 1)
      return emitError(loc)
             << "a calibration .npy file feeds a model with one input; this "
                "model has "
             << inputs.size() << " (" << inputList
             << "): give a folder with one subfolder per sample holding "
                "<input name>.npy for each input";
    auto file = addFile(path);
    if (!file)
      return emitError(loc) << error;
    auto count = samplesIn(set.files[*file], inputs[0], /*batch=*/true, error);
    if (!count)
      return emitError(loc) << error;
    for (int64_t s = 0; s < *count; ++s)
      set.samples.push_back({SampleInput{*file, s}});
    set.batch = true;
  } else if (llvm::sys::fs::is_directory(status)) {
    std::error_code ec;
    std::vector<std::string> entries = listDirectory(path, ec);
    if (ec)
      return emitError(loc) << "cannot list calibration folder '" << path
                            << "': " << ec.message();
    std::vector<std::string> npyFiles, subdirs;
    for (const std::string &e : entries) {
      if (llvm::sys::fs::is_directory(e))
        subdirs.push_back(e);
      else if (llvm::StringRef(e).ends_with(".npy") &&
               llvm::sys::fs::is_regular_file(e))
        npyFiles.push_back(e);
    }
    bool single = inputs.size() == 1;
    if (single && !npyFiles.empty()) {
      // One .npy per sample.
      for (const std::string &e : npyFiles) {
        if (options.maxSamples > 0 &&
            static_cast<int64_t>(set.samples.size()) >= options.maxSamples)
          break;
        auto file = addFile(e);
        if (!file ||
            !samplesIn(set.files[*file], inputs[0], /*batch=*/false, error))
          return emitError(loc) << error;
        set.samples.push_back({SampleInput{*file, 0}});
      }
    } else if (!subdirs.empty()) {
      // One subfolder per sample, one <input name>.npy per input.
      for (const std::string &dir : subdirs) {
        if (options.maxSamples > 0 &&
            static_cast<int64_t>(set.samples.size()) >= options.maxSamples)
          break;
        std::vector<SampleInput> sample;
        for (const TensorInfo &in : inputs) {
          if (in.empty()) {
            sample.push_back({});
            continue;
          }
          llvm::SmallString<256> file(dir), alt(dir);
          llvm::sys::path::append(file, in.name + ".npy");
          llvm::sys::path::append(alt, sanitizedName(in.name) + ".npy");
          if (!llvm::sys::fs::exists(file) && llvm::sys::fs::exists(alt))
            file = alt;
          if (!llvm::sys::fs::exists(file))
            return emitError(loc)
                   << "calibration sample '" << dir << "' has no '" << in.name
                   << ".npy' for model input '" << in.name << "'";
          auto index = addFile(file.str().str());
          if (!index || !samplesIn(set.files[*index], in, false, error))
            return emitError(loc) << error;
          sample.push_back({*index, 0});
        }
        set.samples.push_back(std::move(sample));
      }
    } else if (!single && !npyFiles.empty()) {
      return emitError(loc)
             << "calibration folder '" << path << "' holds .npy files, but the "
             << "model has " << inputs.size() << " inputs (" << inputList
             << "): put each sample in its own subfolder holding "
                "<input name>.npy for each input";
    }
    if (set.samples.empty())
      return emitError(loc)
             << "no calibration samples in '" << path << "': expected "
             << (single ? "one .npy file per sample or " : "")
             << "one subfolder per sample holding <input name>.npy for "
                "each model input ("
             << inputList << ")";
  } else {
    return emitError(loc) << "calibration data '" << path
                          << "' is neither a folder nor a .npy file";
  }
  if (set.samples.empty())
    return emitError(loc) << "no calibration samples in '" << path << "'";
  if (options.maxSamples > 0 &&
      static_cast<int64_t>(set.samples.size()) > options.maxSamples)
    set.samples.resize(options.maxSamples);
  return set;
}

/// The files a sample comes from, for messages.
std::string describeSample(const SampleSet &set, size_t s) {
  std::string d;
  for (const SampleInput &in : set.samples[s]) {
    if (in.file == SIZE_MAX)
      continue;
    d += (d.empty() ? "'" : ", '") + set.files[in.file].path + "'";
    if (set.batch)
      d += " [" + std::to_string(in.index) + "]";
  }
  return d;
}

//===----------------------------------------------------------------------===//
// The calibration library
//===----------------------------------------------------------------------===//

/// The C API of a loaded model library.
struct ModelLibrary {
  decltype(&qcc_model_create) create = nullptr;
  decltype(&qcc_model_destroy) destroy = nullptr;
  decltype(&qcc_model_num_inputs) numInputs = nullptr;
  decltype(&qcc_model_num_outputs) numOutputs = nullptr;
  decltype(&qcc_model_output_dtype) outputDtype = nullptr;
  decltype(&qcc_model_output_rank) outputRank = nullptr;
  decltype(&qcc_model_output_shape) outputShape = nullptr;
  decltype(&qcc_model_run) run = nullptr;
  decltype(&qcc_model_last_error) lastError = nullptr;
  decltype(&qcc_status_string) statusString = nullptr;
  decltype(&qcc_buffer_size) bufferSize = nullptr;

  /// Loads the library. It is never unloaded: its OpenMP workers may still
  /// be returning from a parallel region when the last run returns, and
  /// unloading libomp under them would crash (see docs/architecture.md).
  bool load(const std::string &path, std::string &error) {
    void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      error = std::string("cannot load the calibration library: ") + dlerror();
      return false;
    }
    bool ok = true;
    auto get = [&](auto &fn, const char *name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
          dlsym(handle, name));
      if (!fn && ok) {
        error = std::string("the calibration library lacks '") + name + "'";
        ok = false;
      }
    };
    get(create, "qcc_model_create");
    get(destroy, "qcc_model_destroy");
    get(numInputs, "qcc_model_num_inputs");
    get(numOutputs, "qcc_model_num_outputs");
    get(outputDtype, "qcc_model_output_dtype");
    get(outputRank, "qcc_model_output_rank");
    get(outputShape, "qcc_model_output_shape");
    get(run, "qcc_model_run");
    get(lastError, "qcc_model_last_error");
    get(statusString, "qcc_status_string");
    get(bufferSize, "qcc_buffer_size");
    return ok;
  }
};

/// A zero-initialized, 64-byte aligned buffer.
class Buffer {
public:
  explicit Buffer(size_t bytes)
      : bytes(bytes),
        mem(static_cast<char *>(std::aligned_alloc(64, (bytes + 64) / 64 * 64)),
            &std::free) {
    if (mem)
      std::memset(mem.get(), 0, bytes);
  }
  char *data() const { return mem.get(); }
  size_t size() const { return bytes; }

private:
  size_t bytes;
  std::unique_ptr<char, decltype(&std::free)> mem;
};

/// The target the calibration library is built for: the user's when its
/// code runs natively on this machine, "host" otherwise (another
/// architecture, an accelerator, or CPU features this machine lacks).
std::string calibrationTarget(llvm::StringRef target) {
  const TargetBackend *backend = lookupTargetBackend(target);
  if (!backend)
    return "host";
  auto config = backend->configure(target);
  if (!config) {
    llvm::consumeError(config.takeError());
    return "host";
  }
  llvm::Triple triple(config->triple), host(llvm::sys::getProcessTriple());
  if (!config->runPrefix.empty() || triple.getArch() != host.getArch() ||
      triple.getOS() != host.getOS())
    return "host";
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  for (const std::string &f : config->requiredCpuFeatures)
    if (!features.lookup(f))
      return "host";
  return target.str();
}

float halfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  if (exp == 0) {
    float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  uint32_t bits = exp == 0x1f ? sign | 0x7f800000u | (mant << 13)
                              : sign | ((exp + 112) << 23) | (mant << 13);
  float v;
  std::memcpy(&v, &bits, 4);
  return v;
}

/// The elements of an output as float32: the buffer itself for f32, else
/// converted into `scratch`.
const float *asFloat(const Buffer &buf, int32_t dtype, int64_t n,
                     std::vector<float> &scratch) {
  if (dtype == QCC_DTYPE_FLOAT32)
    return reinterpret_cast<const float *>(buf.data());
  scratch.resize(n);
  const char *p = buf.data();
  for (int64_t i = 0; i < n; ++i) {
    if (dtype == QCC_DTYPE_FLOAT64) {
      double d;
      std::memcpy(&d, p + 8 * i, 8);
      scratch[i] = static_cast<float>(d);
    } else {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      if (dtype == QCC_DTYPE_FLOAT16) {
        scratch[i] = halfToFloat(h);
      } else { // bfloat16
        uint32_t bits = uint32_t(h) << 16;
        std::memcpy(&scratch[i], &bits, 4);
      }
    }
  }
  return scratch.data();
}

double secondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t)
      .count();
}

/// Whether `v` can be returned from `entry`'s terminator: defined directly
/// in the function's only block, not inside a nested region.
bool isTopLevel(Value v, Block &entry) {
  if (auto arg = dyn_cast<BlockArgument>(v))
    return arg.getOwner() == &entry;
  return v.getDefiningOp()->getBlock() == &entry;
}

/// Makes the clone's @main also return the points in `values` (in order),
/// named `names` like the model's own outputs.
void returnPoints(func::FuncOp main, llvm::ArrayRef<Value> values,
                  llvm::ArrayRef<std::string> names) {
  MLIRContext *ctx = main.getContext();
  auto ret = cast<func::ReturnOp>(main.getBody().front().getTerminator());
  llvm::SmallVector<Type> resultTypes(main.getResultTypes());
  llvm::SmallVector<DictionaryAttr> resultAttrs;
  // The points may be values of a state chain (a KV cache's rows as each
  // layer writes them), which one buffer updated in place cannot return
  // apart: the clone's state outputs become plain outputs (copies).
  for (unsigned i = 0; i < main.getNumResults(); ++i) {
    NamedAttrList d(main.getResultAttrDict(i));
    d.erase("qcc.state_of");
    resultAttrs.push_back(d.getDictionary(ctx));
  }
  for (auto [v, name] : llvm::zip_equal(values, names)) {
    resultTypes.push_back(v.getType());
    resultAttrs.push_back(DictionaryAttr::get(
        ctx, {NamedAttribute(StringAttr::get(ctx, "qcc.name"),
                             StringAttr::get(ctx, name))}));
  }
  ret->insertOperands(ret->getNumOperands(), values);
  main.setFunctionType(
      FunctionType::get(ctx, main.getArgumentTypes(), resultTypes));
  main.setAllResultAttrs(resultAttrs);
}

/// Where a calibration point's values appear after a run: an input buffer
/// or an output buffer (the model's own outputs, then the extra ones).
struct Tap {
  size_t point;
  bool input;
  size_t index;
};

/// Progress on stderr: one updating line on a terminal, else lines.
class Progress {
public:
  Progress(size_t total, bool show) : total(total), show(show) {
    tty = llvm::errs().is_displayed();
  }
  void sample(size_t done, bool verbose) {
    if (!show)
      return;
    if (tty) {
      llvm::errs() << "\r[calib] sample " << done << "/" << total;
      if (done == total)
        llvm::errs() << "\n";
      llvm::errs().flush();
      return;
    }
    // Without a terminal, every sample with --verbose, else about every 10%.
    size_t step = std::max<size_t>(1, total / 10);
    if (verbose || done % step == 0 || done == total)
      llvm::errs() << "[calib] sample " << done << "/" << total << "\n";
  }
  /// Ends an unfinished updating line (on errors).
  void abort() {
    if (show && tty)
      llvm::errs() << "\n";
  }

private:
  size_t total;
  bool show, tty = false;
};

/// Checks that the model has a language model's interface and that every
/// token sequence fits it (see CalibrationOptions::tokenSequences).
LogicalResult checkLanguageModel(Location loc, const ModelInterface &model,
                                 const CalibrationOptions &options) {
  auto &in = model.inputs, &out = model.outputs;
  bool ok = in.size() == 4 && out.size() == 3 &&
            (in[0].name == "token" || in[0].name == "tokens") &&
            in[0].dtype == QCC_DTYPE_INT64 && in[0].shape.size() == 1 &&
            in[1].name == "pos" && in[2].name == "k_cache" &&
            in[3].name == "v_cache" && out[0].name == "logits" &&
            out[1].name == "k_cache_out" && out[2].name == "v_cache_out" &&
            in[2].shape.size() == 4 && in[2].dtype == QCC_DTYPE_FLOAT32 &&
            in[3].shape == in[2].shape && out[1].shape == in[2].shape &&
            out[2].shape == in[2].shape;
  if (!ok)
    return emitError(loc) << "calibration from text needs a language model "
                             "compiled from GGUF (inputs tokens, pos, "
                             "k_cache, v_cache)";
  int64_t t = in[0].shape[0], ctx = in[2].shape[2];
  for (const std::vector<int32_t> &seq : options.tokenSequences) {
    if (seq.empty() || seq.size() % t != 0)
      return emitError(loc) << "calibration sequences of " << seq.size()
                            << " tokens do not split into runs of the "
                               "graph's "
                            << t << " tokens (--calib-seq must be a multiple "
                                    "of --seq)";
    if ((int64_t)seq.size() > ctx)
      return emitError(loc) << "calibration sequences of " << seq.size()
                            << " tokens exceed the cache's " << ctx
                            << " positions (--calib-seq must be at most "
                               "--ctx)";
  }
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// runCalibration
//===----------------------------------------------------------------------===//

FailureOr<std::vector<quant::TensorObserver>>
runCalibration(ModuleOp floatModule, const CompileOptions &compileOptions,
               const CalibrationOptions &options) {
  auto start = std::chrono::steady_clock::now();
  MLIRContext *ctx = floatModule.getContext();
  Location loc = FileLineColLoc::get(ctx, options.dataPath, 0, 0);
  auto main = floatModule.lookupSymbol<func::FuncOp>("main");
  if (!main || main.isExternal())
    return emitError(loc) << "calibration needs a module with func.func @main";

  std::vector<qnn::CalibrationPoint> points = qnn::calibrationPoints(main);
  std::vector<quant::TensorObserver> observers;
  observers.reserve(points.size());
  for (const qnn::CalibrationPoint &p : points)
    observers.emplace_back(p.name);

  auto interface = getModelInterface(main);
  if (failed(interface))
    return failure();
  bool text = !options.tokenSequences.empty();
  FailureOr<SampleSet> samples = SampleSet();
  if (text) {
    if (failed(checkLanguageModel(loc, *interface, options)))
      return failure();
  } else if (options.memorySamples.empty()) {
    samples = collectSamples(loc, options, interface->inputs);
    if (failed(samples))
      return failure();
  }
  size_t numSamples = text ? options.tokenSequences.size()
                      : !options.memorySamples.empty()
                          ? options.memorySamples.size()
                          : samples->samples.size();
  if (options.verbose)
    llvm::errs() << "[calib] " << numSamples
                 << (text ? " token sequences" : " samples") << " from '"
                 << options.dataPath << "', " << points.size()
                 << " calibration points\n";

  // A clone of the model that also returns every point it can reach.
  IRMapping mapping;
  OwningOpRef<ModuleOp> clone(
      cast<ModuleOp>(floatModule.getOperation()->clone(mapping)));
  auto cloneMain = clone->lookupSymbol<func::FuncOp>("main");
  Block &entry = cloneMain.getBody().front();
  bool singleBlock = cloneMain.getBody().hasOneBlock() &&
                     isa<func::ReturnOp>(entry.getTerminator());
  unsigned numModelOutputs = cloneMain.getNumResults();
  // Inputs are read from the input buffers and points the model returns
  // already from its own outputs; only the others become extra results (a
  // value returned twice would cost a copy per sample).
  llvm::DenseMap<Value, unsigned> returned;
  if (singleBlock)
    for (auto [j, v] : llvm::enumerate(entry.getTerminator()->getOperands()))
      returned.try_emplace(v, j);
  std::vector<Tap> taps;
  llvm::SmallVector<Value> extraValues;
  std::vector<std::string> extraNames;
  std::vector<size_t> unreachable;
  for (auto [i, p] : llvm::enumerate(points)) {
    Value v = mapping.lookupOrNull(p.value);
    if (!singleBlock || !v || !isTopLevel(v, entry)) {
      unreachable.push_back(i);
      continue;
    }
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      taps.push_back({i, /*input=*/true, arg.getArgNumber()});
    } else if (auto it = returned.find(v); it != returned.end()) {
      taps.push_back({i, /*input=*/false, it->second});
    } else {
      taps.push_back(
          {i, /*input=*/false, numModelOutputs + extraValues.size()});
      extraValues.push_back(v);
      extraNames.push_back(p.name);
    }
  }
  if (!unreachable.empty()) {
    InFlightDiagnostic w = emitWarning(points[unreachable[0]].value.getLoc());
    w << unreachable.size()
      << " calibration points lie inside control flow and are not observed "
         "(their observers stay empty):";
    for (size_t i = 0; i < unreachable.size() && i < 8; ++i)
      w << " " << points[unreachable[i]].name;
    if (unreachable.size() > 8)
      w << " ...";
  }
  returnPoints(cloneMain, extraValues, extraNames);

  // Compile it for this machine into a temporary folder.
  llvm::SmallString<128> tmpDir;
  if (auto ec = llvm::sys::fs::createUniqueDirectory("qcc-calib", tmpDir))
    return emitError(loc) << "cannot create a temporary folder: "
                          << ec.message();
  auto removeTmp =
      llvm::make_scope_exit([&] { llvm::sys::fs::remove_directories(tmpDir); });
  // Only what code generation needs: a copy of the user's options would
  // carry --quant and --calib into this compile and calibrate again.
  CompileOptions libOptions;
  libOptions.inputPath = compileOptions.inputPath;
  libOptions.verbose = compileOptions.verbose;
  libOptions.emit = EmitKind::Library;
  libOptions.quant = "none"; // the calibration library runs the float model
  libOptions.target = calibrationTarget(compileOptions.target);
  llvm::SmallString<256> libPath(tmpDir);
  llvm::sys::path::append(libPath, "calibration.so");
  libOptions.outputPath = libPath.str().str();
  if (libOptions.inputPath.empty())
    libOptions.inputPath = "calibration";
  auto compileStart = std::chrono::steady_clock::now();
  if (failed(compileModule(*ctx, std::move(clone), libOptions)))
    return emitError(loc)
           << "compiling the float model for calibration (target '"
           << libOptions.target << "') failed";
  if (options.verbose)
    llvm::errs() << llvm::format(
        "[calib] compiled the calibration library for %s in %.2f s\n",
        libOptions.target.c_str(), secondsSince(compileStart));

  ModelLibrary lib;
  std::string error;
  if (!lib.load(libPath.str().str(), error))
    return emitError(loc) << error;
  qcc_model *model = nullptr;
  if (qcc_status st = lib.create(&model); st != QCC_OK)
    return emitError(loc) << "cannot create the calibration model: "
                          << lib.statusString(st);
  auto destroy = llvm::make_scope_exit([&] { lib.destroy(model); });
  size_t numInputs = interface->inputs.size();
  size_t numOutputs = numModelOutputs + extraValues.size();
  if (lib.numInputs(model) != static_cast<int32_t>(numInputs) ||
      lib.numOutputs(model) != static_cast<int32_t>(numOutputs))
    return emitError(loc) << "the calibration library has "
                          << lib.numInputs(model) << " inputs and "
                          << lib.numOutputs(model) << " outputs, expected "
                          << numInputs << " and " << numOutputs;

  // Buffers for one sample, reused for every sample.
  std::vector<Buffer> inBufs, outBufs;
  std::vector<qcc_tensor> inTensors(numInputs), outTensors(numOutputs);
  for (auto [i, in] : llvm::enumerate(interface->inputs)) {
    inBufs.emplace_back(lib.bufferSize(in.dtype, numElements(in.shape)));
    inTensors[i] = {in.dtype, static_cast<int32_t>(in.shape.size()),
                    in.shape.data(), inBufs.back().data()};
  }
  for (size_t i = 0; i < numOutputs; ++i) {
    int32_t rank = lib.outputRank(model, i);
    const int64_t *shape = lib.outputShape(model, i);
    int32_t dtype = lib.outputDtype(model, i);
    // Packed sub-byte outputs (int4 ...) take fewer bytes than elements.
    outBufs.emplace_back(
        lib.bufferSize(dtype, numElements(llvm::ArrayRef(shape, rank))));
    outTensors[i] = {dtype, rank, shape, outBufs.back().data()};
  }
  for (const Buffer &b : llvm::concat<const Buffer>(inBufs, outBufs))
    if (!b.data())
      return emitError(loc) << "out of memory for the calibration buffers";

  Progress progress(numSamples, options.verbose || numSamples > 8);
  std::vector<float> scratch;
  // One run of the library on the input buffers, every tap observed.
  auto runAndObserve = [&](const std::string &what) -> LogicalResult {
    if (qcc_status st = lib.run(model, inTensors.data(), numInputs,
                                outTensors.data(), numOutputs);
        st != QCC_OK) {
      progress.abort();
      return emitError(loc) << "calibration " << what
                            << " failed: " << lib.statusString(st) << ": "
                            << lib.lastError(model);
    }
    for (const Tap &tap : taps) {
      const Buffer &buf = tap.input ? inBufs[tap.index] : outBufs[tap.index];
      const qcc_tensor &t =
          tap.input ? inTensors[tap.index] : outTensors[tap.index];
      llvm::ArrayRef<int64_t> shape(t.shape, t.rank);
      int64_t n = numElements(shape);
      const float *data = asFloat(buf, t.dtype, n, scratch);
      if (options.onPoint)
        options.onPoint(tap.point, data);
      quant::TensorObserver &obs = observers[tap.point];
      if (shape.size() < 2) {
        obs.observe(data, n);
      } else if (!obs.observeChannels(data, shape.data(), shape.size(),
                                      /*axis=*/1, &error)) {
        progress.abort();
        return emitError(loc) << error;
      }
    }
    return success();
  };
  size_t runs = 0;
  for (size_t s = 0; s < numSamples; ++s) {
    if (text) {
      // tokens [T], pos [1], k_cache, v_cache; the outputs' caches (1 and
      // 2) become the next run's inputs.
      const std::vector<int32_t> &seq = options.tokenSequences[s];
      int64_t t = interface->inputs[0].shape[0];
      std::memset(inBufs[2].data(), 0, inBufs[2].size());
      std::memset(inBufs[3].data(), 0, inBufs[3].size());
      for (size_t at = 0; at < seq.size(); at += t) {
        auto *tokens = reinterpret_cast<int64_t *>(inBufs[0].data());
        for (int64_t i = 0; i < t; ++i)
          tokens[i] = seq[at + i];
        *reinterpret_cast<int64_t *>(inBufs[1].data()) = (int64_t)at;
        if (failed(runAndObserve("sequence " + std::to_string(s + 1) +
                                 " (tokens " + std::to_string(at) + " to " +
                                 std::to_string(at + t - 1) + ")")))
          return failure();
        std::memcpy(inBufs[2].data(), outBufs[1].data(), inBufs[2].size());
        std::memcpy(inBufs[3].data(), outBufs[2].data(), inBufs[3].size());
        ++runs;
      }
    } else if (!options.memorySamples.empty()) {
      // Samples the driver made (sentences tokenized for an encoder).
      const MemorySample &m = options.memorySamples[s];
      for (auto [i, in] : llvm::enumerate(interface->inputs)) {
        if (m.inputs[i].size() != inBufs[i].size()) {
          progress.abort();
          return emitError(loc)
                 << "calibration sample " << m.label << " has "
                 << m.inputs[i].size() << " bytes for input '" << in.name
                 << "', which takes " << inBufs[i].size();
        }
        std::memcpy(inBufs[i].data(), m.inputs[i].data(), m.inputs[i].size());
      }
      if (failed(runAndObserve("sample " + std::to_string(s + 1) + " (" +
                               m.label + ")")))
        return failure();
      ++runs;
    } else {
      for (auto [i, in] : llvm::enumerate(interface->inputs)) {
        const SampleInput &src = samples->samples[s][i];
        if (src.file == SIZE_MAX)
          continue;
        int64_t n = numElements(in.shape);
        if (!readNpyElements(samples->files[src.file], src.index * n, n,
                             in.dtype, inBufs[i].data(), error)) {
          progress.abort();
          return emitError(loc) << error;
        }
      }
      if (failed(runAndObserve("sample " + std::to_string(s + 1) + " (" +
                               describeSample(*samples, s) + ")")))
        return failure();
      ++runs;
    }
    progress.sample(s + 1, options.verbose);
  }

  if (text)
    llvm::errs() << llvm::format("[calib] %zu sequences of %zu tokens (%zu "
                                 "runs), %zu points, %.2f s\n",
                                 numSamples,
                                 options.tokenSequences.front().size(), runs,
                                 points.size(), secondsSince(start));
  else
    llvm::errs() << llvm::format("[calib] %zu samples, %zu points, %.2f s\n",
                               numSamples, points.size(), secondsSince(start));
  for (auto [p, obs] : llvm::zip_equal(points, observers))
    if (obs.getNumNaN() || obs.getNumInf())
      emitWarning(p.value.getLoc())
          << "calibration point " << p.name << " took " << obs.getNumNaN()
          << " NaN and " << obs.getNumInf()
          << " infinite values on the calibration data";
  return observers;
}

//===----------------------------------------------------------------------===//
// Calibration files
//===----------------------------------------------------------------------===//

namespace {

constexpr llvm::StringLiteral kFileFormat = "qcc-model-calibration";
constexpr int64_t kFileVersion = 1;

/// What identifies a calibration point across runs: its name, element type,
/// shape and the op (or input) that produces it. `layerInput` (not checked,
/// for readers of the file) names the constant weights of the matmuls and
/// convolutions the point feeds, e.g. "blk.0.attn_q.weight" for a GGUF
/// model's linear layer.
struct PointPrint {
  std::string name, type, producer;
  std::vector<int64_t> shape;
  std::vector<std::string> layerInput;
};

/// The name of a constant weight (its NameLoc, as frontends set it), or "".
std::string weightName(Value v) {
  Operation *def = v.getDefiningOp();
  if (!def || !def->hasTrait<OpTrait::ConstantLike>())
    return "";
  Location loc = def->getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location l : fused.getLocations())
      if (isa<NameLoc>(l))
        loc = l;
  auto name = dyn_cast<NameLoc>(loc);
  return name ? name.getName().str() : "";
}

std::vector<PointPrint> fingerprint(func::FuncOp main) {
  std::vector<PointPrint> prints;
  for (const qnn::CalibrationPoint &p : qnn::calibrationPoints(main)) {
    PointPrint print;
    print.name = p.name;
    auto type = cast<RankedTensorType>(p.value.getType());
    llvm::raw_string_ostream(print.type) << type.getElementType();
    print.shape.assign(type.getShape().begin(), type.getShape().end());
    if (auto arg = dyn_cast<BlockArgument>(p.value)) {
      auto name =
          main.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "qcc.name");
      print.producer =
          "input " + (name ? name.str() : std::to_string(arg.getArgNumber()));
    } else {
      Operation *op = p.value.getDefiningOp();
      print.producer = op->getName().getStringRef().str();
      if (op->getNumResults() > 1)
        print.producer +=
            "#" + std::to_string(cast<OpResult>(p.value).getResultNumber());
    }
    for (Operation *user : p.value.getUsers()) {
      if (!isa<qnn::MatMulOp, qnn::ConvOp>(user))
        continue;
      for (Value operand : user->getOperands())
        if (operand != p.value)
          if (std::string w = weightName(operand); !w.empty())
            print.layerInput.push_back(w);
    }
    prints.push_back(std::move(print));
  }
  return prints;
}

std::optional<PointPrint> parsePointPrint(const llvm::json::Value &v) {
  const llvm::json::Object *o = v.getAsObject();
  if (!o)
    return std::nullopt;
  auto name = o->getString("name"), type = o->getString("type"),
       producer = o->getString("producer");
  const llvm::json::Array *shape = o->getArray("shape");
  if (!name || !type || !producer || !shape)
    return std::nullopt;
  PointPrint p{name->str(), type->str(), producer->str(), {}};
  for (const llvm::json::Value &d : *shape) {
    auto i = d.getAsInteger();
    if (!i)
      return std::nullopt;
    p.shape.push_back(*i);
  }
  return p;
}

} // namespace

LogicalResult
writeCalibrationFile(llvm::StringRef path, func::FuncOp main,
                     llvm::ArrayRef<quant::TensorObserver> observers,
                     Location loc) {
  std::vector<PointPrint> prints = fingerprint(main);
  if (prints.size() != observers.size())
    return emitError(loc) << "cannot write calibration file '" << path
                          << "': " << observers.size() << " observers for "
                          << prints.size() << " calibration points";
  for (auto [p, obs] : llvm::zip_equal(prints, observers))
    if (p.name != obs.getName())
      return emitError(loc) << "cannot write calibration file '" << path
                            << "': observer '" << obs.getName()
                            << "' stands where point '" << p.name << "' should";

  std::vector<const quant::TensorObserver *> list;
  for (const quant::TensorObserver &obs : observers)
    list.push_back(&obs);
  std::string observerText = quant::toCalibrationFile(list);

  std::string err;
  auto out = openOutputFile(path, &err);
  if (!out)
    return emitError(loc) << "cannot write calibration file '" << path
                          << "': " << err;
  {
    llvm::json::OStream j(out->os(), 1);
    j.object([&] {
      j.attribute("format", kFileFormat);
      j.attribute("version", kFileVersion);
      j.attribute("num_points", static_cast<int64_t>(prints.size()));
      j.attributeArray("points", [&] {
        for (const PointPrint &p : prints)
          j.object([&] {
            j.attribute("name", p.name);
            j.attribute("type", p.type);
            j.attributeArray("shape", [&] {
              for (int64_t d : p.shape)
                j.value(d);
            });
            j.attribute("producer", p.producer);
            if (!p.layerInput.empty())
              j.attributeArray("layer_input", [&] {
                for (const std::string &w : p.layerInput)
                  j.value(w);
              });
          });
      });
      j.attributeBegin("observers");
      j.rawValue(observerText);
      j.attributeEnd();
    });
  }
  out->os() << "\n";
  out->keep();
  return success();
}

FailureOr<std::vector<quant::TensorObserver>>
readCalibrationFile(llvm::StringRef path, func::FuncOp main, Location loc,
                    quant::CalibMethod method) {
  auto fail = [&]() {
    return emitError(loc) << "calibration file '" << path << "' ";
  };
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return emitError(loc) << "cannot read calibration file '" << path
                          << "': " << buffer.getError().message();
  auto parsed = llvm::json::parse((*buffer)->getBuffer());
  if (!parsed)
    return fail() << "is not valid JSON: "
                  << llvm::toString(parsed.takeError());
  const llvm::json::Object *root = parsed->getAsObject();
  std::optional<llvm::StringRef> format =
      root ? root->getString("format") : std::nullopt;
  if (!format || *format != kFileFormat)
    return fail() << "is not a qcc calibration file (expected \"format\": \""
                  << kFileFormat << "\")";
  std::optional<int64_t> version = root->getInteger("version");
  if (!version || *version != kFileVersion)
    return fail() << "has version "
                  << (version ? std::to_string(*version) : "?")
                  << "; this qcc reads version " << kFileVersion;

  // The model fingerprint.
  std::vector<PointPrint> expected = fingerprint(main);
  std::optional<int64_t> numPoints = root->getInteger("num_points");
  const llvm::json::Array *pointList = root->getArray("points");
  if (!numPoints || !pointList ||
      *numPoints != static_cast<int64_t>(pointList->size()))
    return fail() << "has a malformed model fingerprint ('num_points' and "
                     "'points')";
  if (*numPoints != static_cast<int64_t>(expected.size()))
    return fail() << "was written for another model: it has " << *numPoints
                  << " calibration points, this model has " << expected.size();
  for (auto [i, v] : llvm::enumerate(*pointList)) {
    std::optional<PointPrint> got = parsePointPrint(v);
    if (!got)
      return fail() << "has a malformed entry " << i << " in 'points'";
    const PointPrint &want = expected[i];
    auto mismatch = [&](llvm::StringRef what, const std::string &file,
                        const std::string &here) {
      return fail() << "was written for another model: calibration point "
                    << want.name << " has " << what << " " << here
                    << " in this model but " << file << " in the file";
    };
    if (got->name != want.name)
      return mismatch("name", got->name, want.name);
    if (got->type != want.type)
      return mismatch("element type", got->type, want.type);
    if (got->shape != want.shape)
      return mismatch("shape", shapeString(got->shape),
                      shapeString(want.shape));
    if (got->producer != want.producer)
      return mismatch("producer", "'" + got->producer + "'",
                      "'" + want.producer + "'");
  }

  // The observers, checked by their own reader.
  const llvm::json::Value *obsValue = root->get("observers");
  if (!obsValue)
    return fail() << "has no 'observers'";
  std::string obsText;
  llvm::raw_string_ostream(obsText) << *obsValue;
  std::string error;
  auto observers = quant::fromCalibrationFile(obsText, error, {method});
  if (!observers)
    return fail() << "is malformed: " << error;
  if (observers->size() != expected.size())
    return fail() << "holds " << observers->size() << " observers for "
                  << expected.size() << " calibration points";
  for (auto [want, obs] : llvm::zip_equal(expected, *observers)) {
    if (obs.getName() != want.name)
      return fail() << "holds observer '" << obs.getName() << "' where point "
                    << want.name << " belongs";
    if (obs.getNumChannels() &&
        (static_cast<size_t>(obs.getChannelAxis()) >= want.shape.size() ||
         want.shape[obs.getChannelAxis()] != obs.getNumChannels()))
      return fail() << "holds " << obs.getNumChannels()
                    << " channel statistics along axis " << obs.getChannelAxis()
                    << " for point " << want.name << " of shape "
                    << shapeString(want.shape);
  }
  return std::move(*observers);
}

} // namespace qcc
