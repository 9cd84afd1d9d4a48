//===- qcc-run.cpp - run a qcc-compiled model library on .npy files -------===//
//
// Loads model.so, feeds it .npy inputs by name and writes one .npy per
// output. A library for another architecture (AArch64 on an x86 machine)
// is run transparently under qemu-user through this tool's build for that
// architecture. Standalone: only libc, libdl and the C API header.
// 4- and 2-bit tensors (packed in the library's buffers) travel in .npy
// files as one value per int8 (signed) or uint8 (unsigned) element.
//
//===----------------------------------------------------------------------===//

#include "qcc-c/Runtime.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <fstream>
#include <map>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

[[noreturn]] void fail(const std::string &msg) {
  fprintf(stderr, "qcc-run: error: %s\n", msg.c_str());
  exit(1);
}

struct Array {
  int32_t dtype = 0;
  std::vector<int64_t> shape;
  std::vector<char> data;
};

struct DtypeName {
  int32_t dtype;
  const char *descr;
};
const DtypeName kDtypes[] = {
    {QCC_DTYPE_FLOAT32, "<f4"}, {QCC_DTYPE_FLOAT64, "<f8"},
    {QCC_DTYPE_FLOAT16, "<f2"}, {QCC_DTYPE_INT8, "|i1"},
    {QCC_DTYPE_INT16, "<i2"},   {QCC_DTYPE_INT32, "<i4"},
    {QCC_DTYPE_INT64, "<i8"},   {QCC_DTYPE_BOOL, "|b1"},
    {QCC_DTYPE_UINT8, "|u1"},   {QCC_DTYPE_UINT16, "<u2"},
    {QCC_DTYPE_UINT32, "<u4"},  {QCC_DTYPE_UINT64, "<u8"},
};

/// Element sizes come from the loaded library (qcc_dtype_size), so the
/// runner and the runtime agree by construction.
int32_t (*dtypeSize)(int32_t) = nullptr;
/// Bits per element (4 and 2 for the packed dtypes); null for libraries
/// older than the packed dtypes, which have none.
int32_t (*dtypeBits)(int32_t) = nullptr;

/// The width of a packed sub-byte dtype (INT4 ...), else 0.
int packedBits(int32_t dtype) {
  int bits = dtypeBits ? dtypeBits(dtype) : 0;
  return bits > 0 && bits < 8 ? bits : 0;
}

bool isSignedPacked(int32_t dtype) {
  return dtype == QCC_DTYPE_INT4 || dtype == QCC_DTYPE_INT2;
}

/// .npy files have no 4- or 2-bit integers: such a tensor travels as one
/// value per int8 (signed) or uint8 (unsigned) element, and the library's
/// buffer holds them packed (qcc-c/Runtime.h). Packs `a` (an int8/uint8
/// array) for input `name` of packed dtype `dtype`, checking every value
/// fits.
void packInput(Array &a, int32_t dtype, const std::string &name) {
  int bits = packedBits(dtype);
  bool isSigned = isSignedPacked(dtype);
  if (a.dtype != (isSigned ? QCC_DTYPE_INT8 : QCC_DTYPE_UINT8))
    fail("input '" + name + "' is " + (isSigned ? "int" : "uint") +
         std::to_string(bits) + ": give it as a .npy of " +
         (isSigned ? "int8" : "uint8") + ", one value per element");
  int64_t lo = isSigned ? -(1 << (bits - 1)) : 0;
  int64_t hi = isSigned ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
  int64_t perByte = 8 / bits, n = (int64_t)a.data.size();
  std::vector<char> packed((n + perByte - 1) / perByte, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t v =
        isSigned ? (int64_t)(int8_t)a.data[i] : (int64_t)(uint8_t)a.data[i];
    if (v < lo || v > hi)
      fail("input '" + name + "' holds " + std::to_string(v) + " at element " +
           std::to_string(i) + ", outside the range of " +
           (isSigned ? "int" : "uint") + std::to_string(bits) + " [" +
           std::to_string(lo) + ", " + std::to_string(hi) + "]");
    unsigned field = (unsigned)v & ((1u << bits) - 1);
    packed[i / perByte] |= (char)(field << (bits * (i % perByte)));
  }
  a.data = std::move(packed);
  a.dtype = dtype;
}

/// The inverse of packInput for an output: `count` values of `a` (packed
/// `a.dtype`) as one int8/uint8 per element.
void unpackOutput(Array &a, int64_t count) {
  int bits = packedBits(a.dtype);
  bool isSigned = isSignedPacked(a.dtype);
  int64_t perByte = 8 / bits;
  std::vector<char> out(count);
  for (int64_t i = 0; i < count; ++i) {
    unsigned field = ((uint8_t)a.data[i / perByte] >> (bits * (i % perByte))) &
                     ((1u << bits) - 1);
    int v = (int)field;
    if (isSigned && (field >> (bits - 1)))
      v -= 1 << bits;
    out[i] = (char)v;
  }
  a.data = std::move(out);
  a.dtype = isSigned ? QCC_DTYPE_INT8 : QCC_DTYPE_UINT8;
}

const char *descrOf(int32_t dtype) {
  // numpy has no bfloat16: such tensors travel as uint16 raw bits.
  if (dtype == QCC_DTYPE_BFLOAT16)
    dtype = QCC_DTYPE_UINT16;
  for (auto &d : kDtypes)
    if (d.dtype == dtype)
      return d.descr;
  return nullptr;
}

std::string headerField(const std::string &h, const std::string &key) {
  size_t k = h.find("'" + key + "'");
  if (k == std::string::npos)
    return "";
  size_t colon = h.find(':', k);
  size_t start = h.find_first_not_of(" ", colon + 1);
  if (h[start] == '\'')
    return h.substr(start + 1, h.find('\'', start + 1) - start - 1);
  if (h[start] == '(')
    return h.substr(start + 1, h.find(')', start) - start - 1);
  return h.substr(start, h.find_first_of(",}", start) - start);
}

Array readNpy(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    fail("cannot open '" + path + "'");
  char magic[8];
  if (!f.read(magic, 8) || memcmp(magic, "\x93NUMPY", 6) != 0)
    fail("'" + path + "' is not a .npy file");
  uint32_t headerLen = 0;
  if (magic[6] == 1) {
    uint16_t l;
    f.read(reinterpret_cast<char *>(&l), 2);
    headerLen = l;
  } else {
    f.read(reinterpret_cast<char *>(&headerLen), 4);
  }
  if (!f || headerLen > (1u << 20))
    fail("'" + path + "' has a bad .npy header");
  std::string header(headerLen, '\0');
  f.read(header.data(), headerLen);
  Array a;
  std::string descr = headerField(header, "descr");
  if (descr == "<b1")
    descr = "|b1";
  if (descr == "<i1")
    descr = "|i1";
  if (descr == "<u1")
    descr = "|u1";
  for (auto &d : kDtypes)
    if (descr == d.descr)
      a.dtype = d.dtype;
  if (!a.dtype)
    fail("'" + path + "' has unsupported dtype '" + descr + "'");
  if (headerField(header, "fortran_order") == "True")
    fail("'" + path + "' is in Fortran order; save it C-contiguous");
  std::string shape = headerField(header, "shape");
  int64_t count = 1;
  for (size_t p = 0; p < shape.size();) {
    size_t q = shape.find(',', p);
    std::string tok = shape.substr(p, q == std::string::npos ? std::string::npos : q - p);
    if (tok.find_first_not_of(" ") != std::string::npos) {
      int64_t d = atoll(tok.c_str());
      a.shape.push_back(d);
      count *= d;
    }
    if (q == std::string::npos)
      break;
    p = q + 1;
  }
  a.data.resize(count * dtypeSize(a.dtype));
  if (!f.read(a.data.data(), a.data.size()))
    fail("'" + path + "' is truncated");
  return a;
}

void writeNpy(const std::string &path, const Array &a) {
  std::string shape = "(";
  for (size_t i = 0; i < a.shape.size(); ++i)
    shape += std::to_string(a.shape[i]) + (a.shape.size() == 1 ? "," : (i + 1 < a.shape.size() ? ", " : ""));
  shape += ")";
  std::string header = "{'descr': '" + std::string(descrOf(a.dtype)) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream f(path, std::ios::binary);
  if (!f)
    fail("cannot write '" + path + "'");
  uint16_t len = header.size();
  f.write("\x93NUMPY\x01\x00", 8);
  f.write(reinterpret_cast<char *>(&len), 2);
  f << header;
  f.write(a.data.data(), a.data.size());
}

std::string sanitize(const std::string &name) {
  std::string s;
  for (char c : name)
    s += (isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.') ? c : '_';
  return s.empty() ? "output" : s;
}

/// The ELF machine of a file, or 0.
int elfMachine(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  Elf64_Ehdr h;
  if (!f.read(reinterpret_cast<char *>(&h), sizeof(h)) ||
      memcmp(h.e_ident, ELFMAG, SELFMAG) != 0)
    return 0;
  return h.e_machine;
}

int hostMachine() {
#if defined(__x86_64__)
  return EM_X86_64;
#elif defined(__aarch64__)
  return EM_AARCH64;
#else
  return 0;
#endif
}

/// Re-runs this command under qemu-aarch64 with the AArch64 build of
/// qcc-run (<bin>/../lib/qcc/qcc-run-aarch64).
[[noreturn]] void execUnderQemu(int argc, char **argv) {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0)
    fail("cannot locate qcc-run");
  self[n] = 0;
  std::string dir(self);
  dir = dir.substr(0, dir.rfind('/'));
  std::string runner = dir + "/../lib/qcc/qcc-run-aarch64";
  if (access(runner.c_str(), X_OK) != 0)
    fail("the AArch64 runner '" + runner + "' is missing (build qcc with the "
         "aarch64 target)");
  const char *qemu = getenv("QCC_QEMU");
  std::vector<std::string> cmd = {qemu ? qemu : "qemu-aarch64", "-L",
                                  "/usr/aarch64-linux-gnu", "-cpu", "max", runner};
  for (int i = 1; i < argc; ++i)
    cmd.push_back(argv[i]);
  std::vector<char *> cargv;
  for (auto &s : cmd)
    cargv.push_back(s.data());
  cargv.push_back(nullptr);
  execvp(cargv[0], cargv.data());
  fail("cannot run '" + cmd[0] + "' (install qemu-user): " + strerror(errno));
}

template <typename F> F symbol(void *lib, const char *name) {
  void *s = dlsym(lib, name);
  if (!s)
    fail(std::string("the library lacks '") + name + "'; is it a qcc model?");
  return reinterpret_cast<F>(s);
}

/// `--reference MODEL.mlir`: runs the model's IR on the integer reference
/// interpreter instead of a library, by exec'ing the qcc-reference binary
/// that sits next to this one (qcc-run itself stays free of MLIR).
[[noreturn]] void
execReference(const std::string &model,
              const std::map<std::string, std::string> &inputs,
              const std::string &outDir) {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0)
    fail("cannot locate qcc-run");
  self[n] = 0;
  std::string dir(self);
  std::string tool = dir.substr(0, dir.rfind('/')) + "/qcc-reference";
  if (access(tool.c_str(), X_OK) != 0)
    fail("the reference interpreter '" + tool + "' is missing (build the "
         "qcc-reference target)");
  std::vector<std::string> cmd = {tool, model};
  for (auto &[name, file] : inputs)
    cmd.push_back("--input=" + name + "=" + file);
  if (!outDir.empty())
    cmd.push_back("--output-dir=" + outDir);
  std::vector<char *> cargv;
  for (auto &s : cmd)
    cargv.push_back(s.data());
  cargv.push_back(nullptr);
  execv(cargv[0], cargv.data());
  fail("cannot run '" + tool + "': " + strerror(errno));
}

/// `--generate PROMPT`: greedy text generation with a language model,
/// which needs qcc's tokenizer, so it is qcc-eval's job (qcc-run stays
/// free of LLVM): exec the qcc-eval next to this binary with the same
/// arguments.
[[noreturn]] void execGenerate(int argc, char **argv) {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0)
    fail("cannot locate qcc-run");
  self[n] = 0;
  std::string dir(self);
  std::string tool = dir.substr(0, dir.rfind('/')) + "/qcc-eval";
  if (access(tool.c_str(), X_OK) != 0)
    fail("--generate runs '" + tool + "', which is missing (build the "
         "qcc-eval target)");
  std::vector<char *> cargv = {tool.data()};
  for (int i = 1; i < argc; ++i)
    cargv.push_back(argv[i]);
  cargv.push_back(nullptr);
  execv(cargv[0], cargv.data());
  fail("cannot run '" + tool + "': " + strerror(errno));
}

void usage() {
  fprintf(stderr,
          "usage: qcc-run model.so --input NAME=FILE.npy ... --output DIR\n"
          "                [--repeat N] [--warmup N]\n"
          "       qcc-run --reference model.mlir --input NAME=FILE.npy ... "
          "--output DIR\n"
          "       qcc-run decode.so --generate PROMPT --model model.gguf "
          "[--prefill seq.so] [--max-tokens N]\n"
          "  Runs a qcc-compiled model; AArch64 libraries run under\n"
          "  qemu-aarch64 (set QCC_QEMU to use another emulator).\n"
          "  --repeat N   run N times and print the mean latency\n"
          "  --reference  run qnn IR on the integer reference interpreter\n"
          "               (qcc-reference) instead of a library\n"
          "  --generate   greedy text from a language model compiled from\n"
          "               GGUF (runs qcc-eval; see qcc-eval --help)\n"
          "  int4/uint4/int2/uint2 tensors are .npy int8/uint8, one value\n"
          "  per element (packed for the library by qcc-run)\n");
}

} // namespace

int main(int argc, char **argv) {
  std::string libPath, outDir, referenceModel;
  std::map<std::string, std::string> inputFiles;
  int repeat = 1, warmup = 0;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]).rfind("--generate", 0) == 0)
      execGenerate(argc, argv);
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char *flag) -> std::string {
      std::string f = flag;
      if (a.rfind(f + "=", 0) == 0)
        return a.substr(f.size() + 1);
      if (a == f && i + 1 < argc)
        return argv[++i];
      fail("missing value for " + f);
    };
    if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else if (a.rfind("--input", 0) == 0) {
      std::string spec = value("--input");
      size_t eq = spec.find('=');
      if (eq == std::string::npos)
        fail("--input expects NAME=FILE.npy, got '" + spec + "'");
      inputFiles[spec.substr(0, eq)] = spec.substr(eq + 1);
    } else if (a.rfind("--output", 0) == 0) {
      outDir = value("--output");
    } else if (a.rfind("--repeat", 0) == 0) {
      repeat = atoi(value("--repeat").c_str());
    } else if (a.rfind("--warmup", 0) == 0) {
      warmup = atoi(value("--warmup").c_str());
    } else if (a.rfind("--reference", 0) == 0) {
      referenceModel = value("--reference");
    } else if (!a.empty() && a[0] == '-') {
      usage();
      fail("unknown option '" + a + "'");
    } else if (libPath.empty()) {
      libPath = a;
    } else {
      fail("unexpected argument '" + a + "'");
    }
  }
  if (!referenceModel.empty()) {
    if (!libPath.empty())
      fail("give either a model library or --reference, not both");
    execReference(referenceModel, inputFiles, outDir);
  }
  if (libPath.empty()) {
    usage();
    return 1;
  }
  int machine = elfMachine(libPath);
  if (!machine)
    fail("'" + libPath + "' is not an ELF shared library");
  if (machine != hostMachine()) {
    if (machine == EM_AARCH64)
      execUnderQemu(argc, argv);
    fail("'" + libPath + "' is for another architecture");
  }

  std::string absPath = libPath.find('/') == std::string::npos ? "./" + libPath : libPath;
  void *lib = dlopen(absPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    fail(std::string("cannot load the library: ") + dlerror());
  auto create = symbol<qcc_status (*)(qcc_model **)>(lib, "qcc_model_create");
  auto destroy = symbol<void (*)(qcc_model *)>(lib, "qcc_model_destroy");
  auto numIn = symbol<int32_t (*)(const qcc_model *)>(lib, "qcc_model_num_inputs");
  auto numOut = symbol<int32_t (*)(const qcc_model *)>(lib, "qcc_model_num_outputs");
  auto inName = symbol<const char *(*)(const qcc_model *, int32_t)>(lib, "qcc_model_input_name");
  auto outName = symbol<const char *(*)(const qcc_model *, int32_t)>(lib, "qcc_model_output_name");
  auto inDtype = symbol<int32_t (*)(const qcc_model *, int32_t)>(lib, "qcc_model_input_dtype");
  auto outDtype = symbol<int32_t (*)(const qcc_model *, int32_t)>(lib, "qcc_model_output_dtype");
  auto outRank = symbol<int32_t (*)(const qcc_model *, int32_t)>(lib, "qcc_model_output_rank");
  auto outShape = symbol<const int64_t *(*)(const qcc_model *, int32_t)>(lib, "qcc_model_output_shape");
  auto run = symbol<qcc_status (*)(qcc_model *, const qcc_tensor *, int32_t, qcc_tensor *, int32_t)>(
      lib, "qcc_model_run");
  auto lastError = symbol<const char *(*)(const qcc_model *)>(lib, "qcc_model_last_error");
  dtypeSize = symbol<int32_t (*)(int32_t)>(lib, "qcc_dtype_size");
  dtypeBits =
      reinterpret_cast<int32_t (*)(int32_t)>(dlsym(lib, "qcc_dtype_bits"));
  auto statusString = symbol<const char *(*)(qcc_status)>(lib, "qcc_status_string");

  qcc_model *model = nullptr;
  qcc_status st = create(&model);
  if (st != QCC_OK)
    fail(std::string("cannot create the model: ") + statusString(st));

  int32_t ni = numIn(model), no = numOut(model);
  std::vector<Array> ins(ni), outs(no);
  std::vector<qcc_tensor> inT(ni), outT(no);
  for (int32_t i = 0; i < ni; ++i) {
    std::string name = inName(model, i);
    auto it = inputFiles.find(name);
    if (it == inputFiles.end())
      fail("no --input given for model input '" + name + "'");
    ins[i] = readNpy(it->second);
    if (ins[i].dtype == QCC_DTYPE_UINT16 && inDtype(model, i) == QCC_DTYPE_BFLOAT16)
      ins[i].dtype = QCC_DTYPE_BFLOAT16; // raw bfloat16 bits
    if (packedBits(inDtype(model, i)))
      packInput(ins[i], inDtype(model, i), name);
    inputFiles.erase(it);
    inT[i] = {ins[i].dtype, (int32_t)ins[i].shape.size(), ins[i].shape.data(),
              ins[i].data.data()};
  }
  if (!inputFiles.empty())
    fail("the model has no input named '" + inputFiles.begin()->first + "'");
  for (int32_t i = 0; i < no; ++i) {
    Array &a = outs[i];
    a.dtype = outDtype(model, i);
    if (!descrOf(a.dtype) && !packedBits(a.dtype))
      fail("output '" + std::string(outName(model, i)) + "' has dtype " +
           std::to_string(a.dtype) + ", which .npy files cannot carry");
    const int64_t *shape = outShape(model, i);
    a.shape.assign(shape, shape + outRank(model, i));
    int64_t count = 1;
    for (int64_t d : a.shape)
      count *= d;
    if (int bits = packedBits(a.dtype))
      a.data.resize((count * bits + 7) / 8);
    else
      a.data.resize(count * dtypeSize(a.dtype));
    outT[i] = {a.dtype, (int32_t)a.shape.size(), a.shape.data(), a.data.data()};
  }
  for (int w = 0; w < warmup; ++w)
    run(model, inT.data(), ni, outT.data(), no);
  auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < std::max(repeat, 1); ++r) {
    st = run(model, inT.data(), ni, outT.data(), no);
    if (st != QCC_OK)
      fail(std::string("run failed: ") + statusString(st) + ": " + lastError(model));
  }
  double ms = std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - start)
                  .count() /
              std::max(repeat, 1);
  if (repeat > 1)
    printf("latency_ms: %.4f\n", ms);
  if (!outDir.empty()) {
    mkdir(outDir.c_str(), 0755);
    for (int32_t i = 0; i < no; ++i) {
      std::string path = outDir + "/" + sanitize(outName(model, i)) + ".npy";
      if (packedBits(outs[i].dtype)) {
        int64_t count = 1;
        for (int64_t d : outs[i].shape)
          count *= d;
        unpackOutput(outs[i], count);
      }
      writeNpy(path, outs[i]);
      printf("wrote %s\n", path.c_str());
    }
  }
  destroy(model);
  // No dlclose: OpenMP worker threads may still be returning through the
  // library's code when the last parallel region ends; the process exits.
  return 0;
}
