//===- TargetBackend.cpp - backend registry and shared CPU lowering -------===//

#include "qcc/Target/TargetBackend.h"

#include "qcc/Pipelines/Pipelines.h"

#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Analysis/TargetLibraryInfo.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/SystemLibraries.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;

namespace qcc {

TargetBackend::~TargetBackend() = default;

void TargetBackend::buildConfigurationPipeline(OpPassManager &,
                                               const TargetConfig &) const {}

void TargetBackend::buildTranslationPipeline(OpPassManager &pm,
                                             const TargetConfig &config) const {
  buildLinalgToLLVMPipeline(pm, config.parallelLoopThreshold);
}

static llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const TargetConfig &config) {
  llvm::Triple triple(config.triple);
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return llvm::createStringError("no LLVM target for '" + config.triple +
                                   "': " + error);
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, config.cpu, config.features, options, llvm::Reloc::PIC_,
      std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!tm)
    return llvm::createStringError("cannot create a target machine for '" +
                                   config.triple + "'");
  return tm;
}

/// Whether `tm`'s CPU runs a vector-ABI entry point: its name's ISA letter
/// (_ZGV<isa>...) must be an instruction set the target has. The register
/// width matters as much as the instructions: an 8 x float argument without
/// AVX travels in two SSE registers, not in the ymm0 the callee reads.
static bool runsVectorVariant(llvm::StringRef vectorName,
                              const llvm::TargetMachine &tm) {
  if (!vectorName.consume_front("_ZGV") || vectorName.empty())
    return false;
  const char *feature = nullptr;
  switch (vectorName.front()) {
  case 'b': feature = "+sse2"; break;    // x86 SSE
  case 'c': feature = "+avx"; break;     // x86 AVX
  case 'd': feature = "+avx2"; break;    // x86 AVX2
  case 'e': feature = "+avx512f"; break; // x86 AVX-512
  default: return false;
  }
  return tm.getMCSubtargetInfo()->checkFeatures(feature);
}

/// Lets LLVM vectorize math calls into glibc's libmvec, but only into the
/// variants `tm`'s CPU can run. LLVM's libmvec preset maps expf to both
/// _ZGVbN4v_expf (SSE) and _ZGVdN8v_expf (AVX2) whatever the CPU, so an
/// x86-64-v2 loop vectorized 8 wide called the AVX2 entry with its argument
/// split over xmm0/xmm1: the callee read a half-garbage ymm0 and softmax
/// rows came out NaN. Other architectures keep LLVM's preset (no qcc target
/// there uses libmvec today).
static void addLibmvecFunctions(llvm::TargetLibraryInfoImpl &tlii,
                                const llvm::Triple &triple,
                                const llvm::TargetMachine &tm) {
  if (triple.getArch() != llvm::Triple::x86_64) {
    tlii.addVectorizableFunctionsFromVecLib(llvm::VectorLibrary::LIBMVEC,
                                            triple);
    return;
  }
  using llvm::ElementCount;
  static const llvm::VecDesc all[] = {
#define TLI_DEFINE_LIBMVEC_X86_VECFUNCS
#include "llvm/Analysis/VecFuncs.def"
#undef TLI_DEFINE_LIBMVEC_X86_VECFUNCS
  };
  llvm::SmallVector<llvm::VecDesc> usable;
  for (const llvm::VecDesc &d : all)
    if (runsVectorVariant(d.getVectorFnName(), tm))
      usable.push_back(d);
  tlii.addVectorizableFunctions(usable);
}

/// Translates to LLVM IR and runs LLVM's O3 pipeline tuned for the target.
static llvm::Expected<std::unique_ptr<llvm::Module>>
translateAndOptimize(ModuleOp module, const TargetConfig &config,
                     llvm::LLVMContext &ctx, llvm::TargetMachine &tm) {
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, ctx, "qcc_model");
  if (!llvmModule)
    return llvm::createStringError("translation to LLVM IR failed");
  llvmModule->setTargetTriple(llvm::Triple(config.triple));
  llvmModule->setDataLayout(tm.createDataLayout());
  for (llvm::Function &f : *llvmModule) {
    // Every buffer generated code sees is its own object: the allocation
    // hooks return fresh memory, and the graph's tensors (one pointer each,
    // the C API requires them not to overlap) are distinct. Telling LLVM so
    // lets it vectorize without runtime alias checks.
    if (f.getName() == "_mlir_memref_to_llvm_alloc" ||
        f.getName() == "_mlir_memref_to_llvm_aligned_alloc")
      f.addRetAttr(llvm::Attribute::NoAlias);
    if (f.isDeclaration())
      continue;
    for (llvm::Argument &arg : f.args())
      if (arg.getType()->isPointerTy())
        arg.addAttr(llvm::Attribute::NoAlias);
    f.addFnAttr("target-cpu", config.cpu);
    if (!config.features.empty())
      f.addFnAttr("target-features", config.features);
  }
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::TargetLibraryInfoImpl tlii(llvm::Triple(config.triple));
  if (config.vectorMathLibrary == "libmvec")
    addLibmvecFunctions(tlii, llvm::Triple(config.triple), tm);
  fam.registerPass([&] { return llvm::TargetLibraryAnalysis(tlii); });
  // As clang -O3 does: loop and SLP vectorization. Full unrolling is left
  // to after vectorization: generated loops have small constant trip counts
  // (a 40-pixel row) that LLVM would otherwise unroll and then fail to
  // vectorize.
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  tuning.LoopUnrolling = false;
  llvm::PassBuilder pb(&tm, tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm =
      pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3);
  mpm.run(*llvmModule, mam);
  return llvmModule;
}

/// Translates and optimizes `module` for `config`, then hands the LLVM
/// module and its target machine to `use`.
static llvm::Error
withOptimizedModule(ModuleOp module, const TargetConfig &config,
                    llvm::function_ref<llvm::Error(llvm::Module &,
                                                   llvm::TargetMachine &)>
                        use) {
  auto tm = createTargetMachine(config);
  if (!tm)
    return tm.takeError();
  llvm::LLVMContext ctx;
  auto llvmModule = translateAndOptimize(module, config, ctx, **tm);
  if (!llvmModule)
    return llvmModule.takeError();
  return use(**llvmModule, **tm);
}

llvm::Error TargetBackend::emitLLVMIR(ModuleOp module,
                                      const TargetConfig &config,
                                      llvm::raw_ostream &os) const {
  return withOptimizedModule(module, config,
                             [&](llvm::Module &m, llvm::TargetMachine &) -> llvm::Error {
                               m.print(os, nullptr);
                               return llvm::Error::success();
                             });
}

llvm::Error TargetBackend::emitObject(ModuleOp module,
                                      const TargetConfig &config,
                                      llvm::raw_ostream &os) const {
  llvm::SmallVector<char, 0> buffer;
  llvm::Error err = withOptimizedModule(
      module, config, [&](llvm::Module &m, llvm::TargetMachine &tm) -> llvm::Error {
        llvm::raw_svector_ostream bufferStream(buffer);
        llvm::legacy::PassManager codegen;
        if (tm.addPassesToEmitFile(codegen, bufferStream, nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
          return llvm::createStringError("the target cannot emit object files");
        codegen.run(m);
        return llvm::Error::success();
      });
  if (err)
    return err;
  os.write(buffer.data(), buffer.size());
  return llvm::Error::success();
}

llvm::Expected<TargetCostModel>
TargetBackend::costModel(const TargetConfig &config, int) const {
  return llvm::createStringError("target '" + config.name +
                                 "' has no cost model");
}

static std::vector<std::unique_ptr<TargetBackend>> &registry() {
  static std::vector<std::unique_ptr<TargetBackend>> backends;
  return backends;
}

void registerTargetBackend(std::unique_ptr<TargetBackend> backend) {
  for (auto &b : registry())
    if (b->name() == backend->name())
      return;
  registry().push_back(std::move(backend));
}

std::vector<const TargetBackend *> getTargetBackends() {
  std::vector<const TargetBackend *> out;
  for (auto &b : registry())
    out.push_back(b.get());
  return out;
}

const TargetBackend *lookupTargetBackend(llvm::StringRef spec) {
  for (auto &b : registry())
    if (b->matches(spec))
      return b.get();
  return nullptr;
}

} // namespace qcc
