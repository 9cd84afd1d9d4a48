//===- TargetBackend.h - the interface every qcc backend implements -*- C++ -*-===//
//
// A target backend turns linalg-on-tensors IR into a loadable artifact for
// one family of hardware. Core code reaches backends only through this
// interface and the registry below; InitAllTargets.h fills the registry from
// the QCC_TARGETS build setting.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_TARGET_TARGETBACKEND_H
#define QCC_TARGET_TARGETBACKEND_H

#include "qcc/Target/CostModel.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace qcc {

/// A resolved target: what `--target=` named, made concrete.
struct TargetConfig {
  std::string name;     // canonical name, e.g. "x86-64-v3"
  std::string triple;   // LLVM target triple
  std::string cpu;      // LLVM CPU name
  std::string features; // LLVM feature string ("+avx2,+fma")
  /// CPU features the generated library checks for when it is loaded,
  /// as names the runtime understands (e.g. "avx2", "fma").
  std::vector<std::string> requiredCpuFeatures;
  /// The runtime archive (under <prefix>/lib/qcc) the library links with.
  std::string runtimeArchive;
  /// Compiler-driver arguments for the final link (target, sysroot, ...).
  std::vector<std::string> linkArgs;
  /// Generated loops of at least this many iterations run their outer loop
  /// on OpenMP threads (0: generated loops stay sequential).
  int64_t parallelLoopThreshold = 0;
  /// A vector math library whose entry points LLVM may call when it
  /// vectorizes exp, tanh, ... ("libmvec" for glibc's; empty: none).
  std::string vectorMathLibrary;
  /// Command prefix that runs binaries of this target on the build machine
  /// (empty when they run natively), e.g. qemu-aarch64.
  std::vector<std::string> runPrefix;
};

class TargetBackend {
public:
  virtual ~TargetBackend();

  /// The family name, e.g. "x86-64" or "aarch64".
  virtual llvm::StringRef name() const = 0;
  /// One line for `qcc --list-targets`.
  virtual std::string description() const = 0;
  /// Whether `spec` (the --target value) names this family.
  virtual bool matches(llvm::StringRef spec) const = 0;
  /// Resolves `spec` (e.g. "x86-64-v3", "host", "aarch64+i8mm").
  virtual llvm::Expected<TargetConfig> configure(llvm::StringRef spec) const = 0;

  /// Target-specific passes on linalg-on-tensors, before bufferization.
  virtual void buildConfigurationPipeline(mlir::OpPassManager &pm,
                                          const TargetConfig &config) const;
  /// Passes from bufferization down to the LLVM dialect.
  virtual void buildTranslationPipeline(mlir::OpPassManager &pm,
                                        const TargetConfig &config) const;
  /// Translates an LLVM-dialect module to LLVM IR text (for --emit=llvm).
  virtual llvm::Error emitLLVMIR(mlir::ModuleOp module,
                                 const TargetConfig &config,
                                 llvm::raw_ostream &os) const;
  /// Serializes an LLVM-dialect module to a relocatable object file.
  virtual llvm::Error emitObject(mlir::ModuleOp module,
                                 const TargetConfig &config,
                                 llvm::raw_ostream &os) const;
  /// The weight formats this backend's kernels run on `config` with
  /// `threads` threads and what they cost (CostModel.h). The default says
  /// the backend has none.
  virtual llvm::Expected<TargetCostModel>
  costModel(const TargetConfig &config, int threads) const;
};

/// Registers a backend; called from registerAllTargets().
void registerTargetBackend(std::unique_ptr<TargetBackend> backend);
/// All registered backends, in registration order.
std::vector<const TargetBackend *> getTargetBackends();
/// The backend whose matches() accepts `spec`, or null.
const TargetBackend *lookupTargetBackend(llvm::StringRef spec);

} // namespace qcc

#endif // QCC_TARGET_TARGETBACKEND_H
