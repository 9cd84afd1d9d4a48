//===- X86Target.h - the x86-64 backend -------------------------*- C++ -*-===//

#ifndef QCC_TARGET_X86_X86TARGET_H
#define QCC_TARGET_X86_X86TARGET_H

namespace qcc {
/// Registers the x86-64 backend (levels x86-64, -v2, -v3, -v4 and host).
void registerX86Target();
} // namespace qcc

#endif // QCC_TARGET_X86_X86TARGET_H
