//===- InitAllTargets.cpp - the backends built into qcc -------------------===//

#include "qcc/InitAllTargets.h"

#ifdef QCC_HAVE_TARGET_X86
#include "qcc/Target/X86/X86Target.h"
#endif
#ifdef QCC_HAVE_TARGET_AARCH64
#include "qcc/Target/AArch64/AArch64Target.h"
#endif

void qcc::registerAllTargets() {
#ifdef QCC_HAVE_TARGET_X86
  registerX86Target();
#endif
#ifdef QCC_HAVE_TARGET_AARCH64
  registerAArch64Target();
#endif
}
