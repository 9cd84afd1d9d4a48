//===- X86Target.cpp - the x86-64 backend ---------------------------------===//
//
// Microarchitecture levels follow the x86-64 psABI: v2 (SSE4.2, POPCNT),
// v3 (AVX2, FMA, BMI2), v4 (AVX-512 F/BW/VL/DQ); qcc adds x86-64-v4-vnni
// (v4 + AVX-512 VNNI, for the int8 kernels' vpdpbusd) and x86-64-v4-amx
// (v4-vnni + AMX-TILE + AMX-INT8, Sapphire Rapids and later: the int8 GEMM
// runs on the tile unit; the library also asks Linux for the tile data
// state when it is loaded). `host` compiles for this machine's CPU and
// requires, at load time, the highest level it reaches.
//
//===----------------------------------------------------------------------===//

#include "qcc/Target/X86/X86Target.h"

#include "qcc/Target/TargetBackend.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

extern "C" {
void LLVMInitializeX86TargetInfo();
void LLVMInitializeX86Target();
void LLVMInitializeX86TargetMC();
void LLVMInitializeX86AsmPrinter();
}

namespace qcc {
namespace {

std::vector<std::string> levelFeatures(int level) {
  std::vector<std::string> f;
  if (level >= 2)
    f.insert(f.end(), {"sse4.2", "popcnt"});
  if (level >= 3)
    f.insert(f.end(), {"avx", "avx2", "fma", "bmi2"});
  if (level >= 4)
    f.insert(f.end(), {"avx512f", "avx512bw", "avx512vl", "avx512dq"});
  if (level >= 5) // x86-64-v4-vnni
    f.push_back("avx512vnni");
  if (level >= 6) // x86-64-v4-amx
    f.insert(f.end(), {"amx-tile", "amx-int8"});
  return f;
}

const char *levelName(int level) {
  switch (level) {
  case 1:
    return "x86-64";
  case 5:
    return "x86-64-v4-vnni";
  case 6:
    return "x86-64-v4-amx";
  default:
    return nullptr;
  }
}

class X86Backend : public TargetBackend {
public:
  llvm::StringRef name() const override { return "x86-64"; }
  std::string description() const override {
    return "x86-64 (levels x86-64, x86-64-v2, x86-64-v3, x86-64-v4, "
           "x86-64-v4-vnni, x86-64-v4-amx; 'host' for this CPU)";
  }
  bool matches(llvm::StringRef spec) const override {
    return spec == "host" || spec.starts_with("x86-64") || spec == "x86_64";
  }
  llvm::Expected<TargetConfig> configure(llvm::StringRef spec) const override {
    static bool initialized = [] {
      LLVMInitializeX86TargetInfo();
      LLVMInitializeX86Target();
      LLVMInitializeX86TargetMC();
      LLVMInitializeX86AsmPrinter();
      return true;
    }();
    (void)initialized;
    TargetConfig c;
    c.triple = "x86_64-unknown-linux-gnu";
    // glibc's vector math (libmvec) lets LLVM vectorize exp, log, tanh, ...
    c.vectorMathLibrary = "libmvec";
    // OpenMP: LLVM's libomp runs both the generated parallel loops and the
    // runtime's kernels (through its GOMP compatibility entry points).
    c.parallelLoopThreshold = 1 << 15;
    c.linkArgs = {"--target=x86_64-linux-gnu", "-lmvec", "-L/usr/lib/llvm-22/lib",
                  "-lomp"};
    int level;
    if (spec == "host") {
      llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
      auto has = [&](const char *f) { return host.lookup(f); };
      level = 1;
      if (has("sse4.2") && has("popcnt"))
        level = 2;
      if (level == 2 && has("avx2") && has("fma") && has("bmi2"))
        level = 3;
      if (level == 3 && has("avx512f") && has("avx512bw") && has("avx512vl") &&
          has("avx512dq"))
        level = 4;
      // The int8 kernels' vpdpbusd: a level of its own above v4; the tile
      // unit one more (LLVM reports AMX only where the OS enabled its state).
      if (level == 4 && has("avx512vnni"))
        level = 5;
      if (level == 5 && has("amx-tile") && has("amx-int8"))
        level = 6;
      c.name = levelName(level) ? levelName(level)
                                : "x86-64-v" + std::to_string(level);
    } else if (spec == "x86-64" || spec == "x86_64") {
      level = 1;
      c.name = "x86-64";
    } else if (spec == "x86-64-v2" || spec == "x86-64-v3" || spec == "x86-64-v4") {
      level = spec.back() - '0';
      c.name = spec.str();
    } else if (spec == "x86-64-v4-vnni") {
      level = 5;
      c.name = spec.str();
    } else if (spec == "x86-64-v4-amx") {
      level = 6;
      c.name = spec.str();
    } else {
      return llvm::createStringError(
          "unknown x86 target '" + spec.str() +
          "' (expected x86-64, x86-64-v2, x86-64-v3, x86-64-v4, "
          "x86-64-v4-vnni, x86-64-v4-amx or host)");
    }
    c.cpu = level >= 5 ? "x86-64-v4" : c.name;
    if (level == 5)
      c.features = "+avx512vnni";
    else if (level == 6)
      c.features = "+avx512vnni,+amx-tile,+amx-int8";
    c.runtimeArchive = "libqcc_runtime_" + c.name + ".a";
    c.requiredCpuFeatures = levelFeatures(level);
    return c;
  }
};

} // namespace

void registerX86Target() { registerTargetBackend(std::make_unique<X86Backend>()); }

} // namespace qcc
