//===- qcc-reference.cpp - run qnn IR on the reference interpreter --------===//
//
//   qcc-reference model.mlir --input NAME=FILE.npy ... [--output-dir DIR]
//                 [--entry FUNC] [--print]
//
// Runs the model's entry function (@main, @qcc_compiled_graph, or the only
// function) on the integer reference interpreter and writes one .npy per
// result, named by the result's `qcc.name` (as qcc-run names a library's
// outputs). Inputs are matched by their `qcc.name` (else `inputN`) and must
// have the argument's dtype and shape. `qcc-run --reference` execs this.
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Reference/Interpreter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>

using namespace mlir;
using namespace qcc;

namespace {

[[noreturn]] void fail(const std::string &msg) {
  llvm::errs() << "qcc-reference: error: " << msg << "\n";
  exit(1);
}

//===----------------------------------------------------------------------===//
// .npy files (C order, little endian)
//===----------------------------------------------------------------------===//

/// How an element type travels in .npy: numpy's descr and element size.
/// Integers narrower than a byte use the next container (i4 as int8);
/// bf16 travels as its raw uint16 bits, as qcc-run does.
struct NpyType {
  std::string descr;
  unsigned bytes = 0;
};

std::optional<NpyType> npyTypeOf(Type t) {
  if (t.isF32())
    return NpyType{"<f4", 4};
  if (t.isF64())
    return NpyType{"<f8", 8};
  if (t.isF16())
    return NpyType{"<f2", 2};
  if (t.isBF16())
    return NpyType{"<u2", 2};
  if (t.isInteger(1))
    return NpyType{"|b1", 1};
  auto kind = getIntegerKind(t);
  if (!kind || kind->width > 64)
    return std::nullopt;
  unsigned bytes = kind->width <= 8    ? 1
                   : kind->width <= 16 ? 2
                   : kind->width <= 32 ? 4
                                       : 8;
  std::string descr = bytes == 1 ? "|" : "<";
  descr += kind->isUnsigned ? "u" : "i";
  descr += std::to_string(bytes);
  return NpyType{descr, bytes};
}

std::string headerField(const std::string &h, const std::string &key) {
  size_t k = h.find("'" + key + "'");
  if (k == std::string::npos)
    return "";
  size_t colon = h.find(':', k);
  size_t start = h.find_first_not_of(" ", colon + 1);
  if (start == std::string::npos)
    return "";
  if (h[start] == '\'')
    return h.substr(start + 1, h.find('\'', start + 1) - start - 1);
  if (h[start] == '(')
    return h.substr(start + 1, h.find(')', start) - start - 1);
  return h.substr(start, h.find_first_of(",}", start) - start);
}

struct NpyArray {
  std::string descr;
  std::vector<int64_t> shape;
  std::vector<char> data;
};

NpyArray readNpy(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    fail("cannot open '" + path + "'");
  char magic[8];
  if (!f.read(magic, 8) || memcmp(magic, "\x93NUMPY", 6) != 0)
    fail("'" + path + "' is not a .npy file");
  uint32_t headerLen = 0;
  if (magic[6] == 1) {
    unsigned char l[2];
    f.read(reinterpret_cast<char *>(l), 2);
    headerLen = l[0] | (l[1] << 8);
  } else {
    unsigned char l[4];
    f.read(reinterpret_cast<char *>(l), 4);
    headerLen = l[0] | (l[1] << 8) | (l[2] << 16) | ((uint32_t)l[3] << 24);
  }
  if (!f || headerLen > (1u << 20))
    fail("'" + path + "' has a bad .npy header");
  std::string header(headerLen, '\0');
  f.read(header.data(), headerLen);
  NpyArray a;
  a.descr = headerField(header, "descr");
  // One-byte types may carry any byte-order mark.
  if (a.descr.size() == 3 && a.descr[2] == '1' && a.descr[0] != '|')
    a.descr[0] = '|';
  if (a.descr == "|?")
    a.descr = "|b1";
  if (headerField(header, "fortran_order") == "True")
    fail("'" + path + "' is in Fortran order; save it C-contiguous");
  std::string shape = headerField(header, "shape");
  int64_t count = 1;
  for (size_t p = 0; p < shape.size();) {
    size_t q = shape.find(',', p);
    std::string tok =
        shape.substr(p, q == std::string::npos ? std::string::npos : q - p);
    if (tok.find_first_not_of(" ") != std::string::npos) {
      int64_t d = atoll(tok.c_str());
      a.shape.push_back(d);
      count *= d;
    }
    if (q == std::string::npos)
      break;
    p = q + 1;
  }
  unsigned bytes = a.descr.empty() ? 0 : atoi(a.descr.c_str() + 2);
  if (a.descr.size() < 3 || (a.descr[0] != '<' && a.descr[0] != '|') ||
      bytes == 0)
    fail("'" + path + "' has unsupported dtype '" + a.descr + "'");
  a.data.resize(count * bytes);
  if (!f.read(a.data.data(), a.data.size()))
    fail("'" + path + "' is truncated");
  return a;
}

void writeNpy(const std::string &path, const std::string &descr,
              ArrayRef<int64_t> shapeDims, const std::vector<char> &data) {
  std::string shape = "(";
  for (size_t i = 0; i < shapeDims.size(); ++i)
    shape +=
        std::to_string(shapeDims[i]) +
        (shapeDims.size() == 1 ? "," : (i + 1 < shapeDims.size() ? ", " : ""));
  shape += ")";
  std::string header = "{'descr': '" + descr +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::ofstream f(path, std::ios::binary);
  if (!f)
    fail("cannot write '" + path + "'");
  unsigned char len[2] = {(unsigned char)(header.size() & 0xff),
                          (unsigned char)(header.size() >> 8)};
  f.write("\x93NUMPY\x01\x00", 8);
  f.write(reinterpret_cast<char *>(len), 2);
  f << header;
  f.write(data.data(), data.size());
  if (!f)
    fail("cannot write '" + path + "'");
}

std::string sanitize(const std::string &name) {
  std::string s;
  for (char c : name)
    s += (isalnum((unsigned char)c) || c == '_' || c == '-' || c == '.') ? c
                                                                         : '_';
  return s.empty() ? "output" : s;
}

//===----------------------------------------------------------------------===//
// RefTensor <-> bytes
//===----------------------------------------------------------------------===//

double halfToDouble(uint16_t bits, Type t) {
  const llvm::fltSemantics &sem =
      t.isBF16() ? llvm::APFloat::BFloat() : llvm::APFloat::IEEEhalf();
  llvm::APFloat f(sem, llvm::APInt(16, bits));
  bool lost;
  f.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
            &lost);
  return f.convertToDouble();
}

uint16_t doubleToHalf(double v, Type t) {
  llvm::APFloat f(v);
  bool lost;
  f.convert(t.isBF16() ? llvm::APFloat::BFloat() : llvm::APFloat::IEEEhalf(),
            llvm::APFloat::rmNearestTiesToEven, &lost);
  return (uint16_t)f.bitcastToAPInt().getZExtValue();
}

RefTensor tensorFromNpy(const NpyArray &a, RankedTensorType type,
                        const std::string &name, const std::string &path) {
  Type et = type.getElementType();
  std::optional<NpyType> nt = npyTypeOf(et);
  if (!nt)
    fail("input '" + name + "' has element type " + [&] {
      std::string s;
      llvm::raw_string_ostream os(s);
      os << et;
      return s;
    }() + ", which .npy files cannot carry");
  std::string typeStr;
  llvm::raw_string_ostream os(typeStr);
  os << type;
  if (a.descr != nt->descr)
    fail("input '" + name + "' ('" + path + "') has dtype '" + a.descr +
         "', expected '" + nt->descr + "' for " + typeStr);
  if (ArrayRef<int64_t>(a.shape) != type.getShape())
    fail("input '" + name + "' ('" + path + "') has the wrong shape for " +
         typeStr);
  RefTensor t;
  t.type = type;
  int64_t n = type.getNumElements();
  const char *p = a.data.data();
  for (int64_t k = 0; k < n; ++k, p += nt->bytes) {
    if (isa<FloatType>(et)) {
      if (et.isF32()) {
        float v;
        memcpy(&v, p, 4);
        t.floats.push_back(v);
      } else if (et.isF64()) {
        double v;
        memcpy(&v, p, 8);
        t.floats.push_back(v);
      } else {
        uint16_t v;
        memcpy(&v, p, 2);
        t.floats.push_back(halfToDouble(v, et));
      }
      continue;
    }
    IntegerKind kind = *getIntegerKind(et);
    int64_t v = 0;
    switch (nt->bytes) {
    case 1:
      v = kind.isUnsigned ? (int64_t)(uint8_t)*p : (int64_t)(int8_t)*p;
      break;
    case 2: {
      uint16_t b;
      memcpy(&b, p, 2);
      v = kind.isUnsigned ? (int64_t)b : (int64_t)(int16_t)b;
      break;
    }
    case 4: {
      uint32_t b;
      memcpy(&b, p, 4);
      v = kind.isUnsigned ? (int64_t)b : (int64_t)(int32_t)b;
      break;
    }
    default:
      memcpy(&v, p, 8);
    }
    if (et.isInteger(1))
      v = v != 0;
    else if (v < kind.min() || v > kind.max())
      fail("input '" + name + "' holds " + std::to_string(v) +
           ", which is outside the range of " + typeStr);
    t.ints.push_back(v);
  }
  return t;
}

std::vector<char> bytesOf(const RefTensor &t, const NpyType &nt) {
  Type et = t.type.getElementType();
  int64_t n = t.numElements();
  std::vector<char> out(n * nt.bytes);
  char *p = out.data();
  for (int64_t k = 0; k < n; ++k, p += nt.bytes) {
    if (et.isF32()) {
      float v = (float)t.floats[k];
      memcpy(p, &v, 4);
    } else if (et.isF64()) {
      memcpy(p, &t.floats[k], 8);
    } else if (isa<FloatType>(et)) {
      uint16_t v = doubleToHalf(t.floats[k], et);
      memcpy(p, &v, 2);
    } else {
      uint64_t v = (uint64_t)t.ints[k];
      memcpy(p, &v, nt.bytes); // little endian: the low bytes
    }
  }
  return out;
}

void printTensor(const std::string &name, const RefTensor &t) {
  std::string typeStr;
  llvm::raw_string_ostream os(typeStr);
  os << t.type;
  printf("%s: %s = [", name.c_str(), typeStr.c_str());
  Type et = t.type.getElementType();
  const char *fmt = et.isF64() ? "%.17g" : et.isF32() ? "%.9g" : "%.5g";
  for (int64_t k = 0; k < t.numElements(); ++k) {
    if (k)
      printf(", ");
    if (t.isFloat())
      printf(fmt, t.floats[k]);
    else
      printf("%" PRId64, t.ints[k]);
  }
  printf("]\n");
}

//===----------------------------------------------------------------------===//

func::FuncOp findEntry(ModuleOp module, const std::string &entry) {
  if (!entry.empty()) {
    auto f = module.lookupSymbol<func::FuncOp>(entry);
    if (!f)
      fail("the module has no function '@" + entry + "'");
    return f;
  }
  for (const char *name : {"main", "qcc_compiled_graph"})
    if (auto f = module.lookupSymbol<func::FuncOp>(name))
      return f;
  func::FuncOp only;
  int count = 0;
  for (auto f : module.getOps<func::FuncOp>())
    if (!f.isExternal()) {
      only = f;
      ++count;
    }
  if (count != 1)
    fail("cannot tell the entry function: name it with --entry (no @main "
         "or @qcc_compiled_graph)");
  return only;
}

std::string ioName(func::FuncOp f, unsigned i, bool isInput) {
  StringAttr name = isInput ? f.getArgAttrOfType<StringAttr>(i, "qcc.name")
                            : f.getResultAttrOfType<StringAttr>(i, "qcc.name");
  if (name)
    return name.str();
  return (isInput ? "input" : "output") + std::to_string(i);
}

void usage() {
  fprintf(stderr,
          "usage: qcc-reference model.mlir --input NAME=FILE.npy ...\n"
          "                     [--output-dir DIR] [--entry FUNC] [--print]\n"
          "  Runs qnn IR on the integer reference interpreter, the exact\n"
          "  definition of qcc's integer results (docs/numerics.md).\n"
          "  --output-dir DIR  write one NAME.npy per result\n"
          "  --print           print every result's values\n");
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  std::string modelPath, outDir, entry;
  std::vector<std::pair<std::string, std::string>> inputFiles;
  bool print = false;
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
    auto is = [&](const char *flag) {
      std::string f = flag;
      return a == f || a.rfind(f + "=", 0) == 0;
    };
    if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else if (is("--input")) {
      std::string spec = value("--input");
      size_t eq = spec.find('=');
      if (eq == std::string::npos)
        fail("--input expects NAME=FILE.npy, got '" + spec + "'");
      inputFiles.push_back({spec.substr(0, eq), spec.substr(eq + 1)});
    } else if (is("--output-dir")) {
      outDir = value("--output-dir");
    } else if (is("--entry")) {
      entry = value("--entry");
    } else if (a == "--print") {
      print = true;
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      usage();
      fail("unknown option '" + a + "'");
    } else if (modelPath.empty()) {
      modelPath = a;
    } else {
      fail("unexpected argument '" + a + "'");
    }
  }
  if (modelPath.empty()) {
    usage();
    return 1;
  }

  DialectRegistry registry;
  registry
      .insert<qnn::QnnDialect, func::FuncDialect, arith::ArithDialect,
              tensor::TensorDialect, quant::QuantDialect, scf::SCFDialect>();
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(modelPath, sourceMgr, &context);
  if (!module)
    return 1;
  func::FuncOp f = findEntry(*module, entry);

  std::map<std::string, std::string> byName;
  for (auto &[name, file] : inputFiles)
    if (!byName.emplace(name, file).second)
      fail("--input '" + name + "' is given twice");
  std::vector<RefTensor> inputs;
  for (unsigned i = 0; i < f.getNumArguments(); ++i) {
    std::string name = ioName(f, i, true);
    auto it = byName.find(name);
    if (it == byName.end())
      fail("no --input given for model input '" + name + "'");
    auto type = dyn_cast<RankedTensorType>(f.getArgumentTypes()[i]);
    if (!type || !type.hasStaticShape())
      fail("input '" + name + "' is not a statically shaped tensor");
    inputs.push_back(
        tensorFromNpy(readNpy(it->second), type, name, it->second));
    byName.erase(it);
  }
  if (!byName.empty())
    fail("the model has no input named '" + byName.begin()->first + "'");

  FailureOr<std::vector<RefTensor>> results = runReference(f, inputs);
  if (failed(results))
    return 1;

  if (!outDir.empty()) {
    if (std::error_code ec = llvm::sys::fs::create_directories(outDir))
      fail("cannot create '" + outDir + "': " + ec.message());
  }
  for (auto [i, t] : llvm::enumerate(*results)) {
    std::string name = ioName(f, i, false);
    if (print)
      printTensor(name, t);
    if (outDir.empty())
      continue;
    std::optional<NpyType> nt = npyTypeOf(t.type.getElementType());
    if (!nt)
      fail("output '" + name + "' has an element type .npy cannot carry");
    std::string path = outDir + "/" + sanitize(name) + ".npy";
    writeNpy(path, nt->descr, t.shape(), bytesOf(t, *nt));
    printf("wrote %s\n", path.c_str());
  }
  return 0;
}
