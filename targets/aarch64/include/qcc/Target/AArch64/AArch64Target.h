//===- AArch64Target.h - the AArch64 backend --------------------*- C++ -*-===//

#ifndef QCC_TARGET_AARCH64_AARCH64TARGET_H
#define QCC_TARGET_AARCH64_AARCH64TARGET_H

namespace qcc {
/// Registers the AArch64 backend (NEON; +dotprod, +i8mm, +sme extensions).
void registerAArch64Target();
} // namespace qcc

#endif // QCC_TARGET_AARCH64_AARCH64TARGET_H
