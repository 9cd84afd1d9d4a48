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

#include "qcc/Dialect/Qnn/Transforms/Passes.h"

#include "llvm/ADT/StringMap.h"

#include <algorithm>
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

int levelOf(llvm::StringRef name) {
  if (name == "x86-64")
    return 1;
  if (name == "x86-64-v4-vnni")
    return 5;
  if (name == "x86-64-v4-amx")
    return 6;
  return name.back() - '0';
}

/// The x86-64 weight-format table. Figures for x86-64-v3 were measured on
/// the 2-vCPU AMD EPYC (Zen 3) build machine (bench/README.md: llm_gemv.py,
/// ternary_gemv.py, sparse24_gemm.py); the other levels scale them by the
/// width of their int8 dot product, which is a nominal figure, not a
/// measurement.
TargetCostModel x86CostModel(const TargetConfig &config, int threads) {
  int level = levelOf(config.name);
  bool two = threads >= 2;
  TargetCostModel m;
  m.target = config.name;
  m.threads = threads;
  m.bandwidthBytesPerSecond = two ? 28.2e9 : 24.1e9;
  m.bandwidthSource = "measured: bench/membw.c on the Zen 3 build machine, "
                      "1 or 2 threads (more threads not modelled)";
  // Multiply-add rates: measured at 2 threads (T = 128 tokens); one thread
  // does half. Levels below v3 run the portable C kernels (a quarter, and
  // half the streaming rate); VNNI and AMX double and quadruple the int8
  // rate (nominal).
  double t = two ? 1.0 : 0.5;
  double macScale = level <= 2 ? 0.25 : level == 3 ? 1.0 : level == 4 ? 1.0
                                                                   : 2.0;
  double streamScale = level <= 2 ? 0.5 : 1.0;
  const char *measured = "measured (x86-64-v3, bench/llm_gemv.py)";
  const char *estimate = "estimate (like the nearest measured kernel)";
  const char *src3 = level == 3 ? measured : "nominal (scaled from x86-64-v3)";
  const char *est = level == 3 ? estimate : "nominal (scaled from x86-64-v3)";
  auto add = [&](const char *name, bool native, const char *runsAs,
                 double stream, double gmacs, double macFraction,
                 const char *source) {
    WeightFormatCost f;
    f.name = name;
    f.bitsPerWeight = storageBitsPerWeight(name);
    f.native = native;
    f.runsAs = runsAs;
    f.streamEfficiency = stream * streamScale;
    f.macsPerSecond = gmacs * 1e9 * t * macScale;
    f.macFraction = macFraction;
    f.source = source;
    m.formats.push_back(f);
  };
  // f32: qcc_rt_sgemm, 77% of the bandwidth in the f32 decode step (README).
  add("f32", true, "", 0.77, 48, 1, est);
  add("f16", false, "f32", 0.77, 48, 1, "converted to f32 at compile time");
  // qnn.block_linear (runtime/BlockLinear.c).
  add("q8_0", true, "", two ? 0.75 : 0.51, 51, 1, src3);
  add("q4_1", true, "", 0.37, 30.9, 1, src3);
  add("q4_0", true, "", 0.37, 30.9, 1, est);
  add("q5_0", true, "", 0.30, 25, 1, est);
  add("q5_1", true, "", 0.30, 25, 1, est);
  add("q4k", true, "", 0.37, 30.9, 1, est);
  add("q5k", true, "", 0.30, 25, 1, est);
  add("q6k", true, "", 0.33, 28, 1, est);
  // qcc's 2-/3-bit blocks: like Q5_0 (bit planes widened by shifts/masks).
  add("q3g64", true, "", 0.30, 25, 1, est);
  add("q3g192", true, "", 0.30, 25, 1, est);
  add("q2g64", true, "", 0.30, 25, 1, est);
  add("q3k", true, "", 0.30, 25, 1, est);
  add("q2k", true, "", 0.30, 25, 1, est);
  // The integer path (runtime/QGemm.c, grouped sub-byte, ternary, 2:4).
  add("int8", true, "", 0.6, 51, 1, est);
  add("int4g32", true, "", 0.45, 30, 1, est);
  add("int4g128", true, "", 0.6, 30, 1, est);
  // Ternary GEMV 4096x4096, 1 thread: 515 us = 8.1 GB/s of 24.1.
  add("ternary", true, "", 0.34, 30, 1,
      level == 3 ? "measured (x86-64-v3, bench/ternary_gemv.py)" : est);
  // 2:4: the AVX2/VNNI kernel does half the multiply-adds; GEMV 1.6-2.07x
  // faster than dense int8 on 5/8 of the bytes, compute-bound 1.13-1.31x.
  if (level >= 3)
    add("sparse24", true, "", 0.6 * 1.8 * 5 / 8, 51 * 0.6, 0.5,
        level == 3 ? "measured (x86-64-v3, bench/sparse24_gemm.py)" : est);
  else
    add("sparse24", false, "int8", 0, 0, 1,
        "portable code only: not faster than dense int8");
  return m;
}

class X86Backend : public TargetBackend {
public:
  llvm::Expected<TargetCostModel> costModel(const TargetConfig &config,
                                            int threads) const override {
    return x86CostModel(config, threads);
  }
  llvm::StringRef name() const override { return "x86-64"; }
  void buildConfigurationPipeline(mlir::OpPassManager &pm,
                                  const TargetConfig &config) const override {
    // The row-interleaved block kernel (qcc_rt_block_linear_x8) has its
    // vector code on AVX2 and up; below, GGUF's row layout runs faster.
    const auto &f = config.requiredCpuFeatures;
    if (std::find(f.begin(), f.end(), "avx2") != f.end())
      pm.addPass(qnn::createInterleaveBlockWeights());
  }
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
