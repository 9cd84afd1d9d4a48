/*===- BlockLinearX8.h - the row-interleaved kernels' shared pieces -*- C -*-===*\
|*                                                                            *|
|* Internal to BlockLinearX8.c (the 32-element formats and the entry point)   *|
|* and BlockLinearX8K.c (the k-quants): the per-group kernel type, the path   *|
|* macros, and the k-quants' entry, named after QCC_BLOCK_LINEAR_X8_NAME so   *|
|* that several builds of the runtime link into one test binary.             *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QCC_RUNTIME_BLOCKLINEARX8_H
#define QCC_RUNTIME_BLOCKLINEARX8_H

#include "BlockActivations.h"
#include "BlockLinear.h"

#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__) &&              \
    !defined(QCC_BLOCK_LINEAR_PORTABLE)
#define QCC_X8_AVX2 1
#endif
#if defined(__aarch64__) && !defined(QCC_BLOCK_LINEAR_PORTABLE)
#define QCC_X8_SDOT 1
#include <arm_neon.h>
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#define SDOT_ATTR __attribute__((target("arch=armv8.2-a+dotprod")))
#endif

/* One group of 8 rows (nb blocks of the interleaved layout at w) against
 * nt <= 4 tokens: out[8 t + r]. */
typedef void (*X8GroupFn)(int format, const uint8_t *w, int64_t nb,
                          const Act *a, int nt, float *out);

#if defined(QCC_X8_AVX2)
/* The 4 activation codes at x in every 32-bit lane. */
static inline __m256i qcc_x8_bcast4(const int8_t *x) {
  int32_t v;
  memcpy(&v, x, 4);
  return _mm256_set1_epi32(v);
}
#endif

#define QCC_X8_CAT2(a, b) a##b
#define QCC_X8_CAT(a, b) QCC_X8_CAT2(a, b)
#define QCC_X8_KQUANT_PICK QCC_X8_CAT(QCC_BLOCK_LINEAR_X8_NAME, _kquant_pick)

/* BlockLinearX8K.c: the kernel of Q4_K, Q5_K or Q6_K groups for this
 * build's path (on AArch64 chosen by the CPU's dotprod). */
X8GroupFn QCC_X8_KQUANT_PICK(int format);

#endif /* QCC_RUNTIME_BLOCKLINEARX8_H */
