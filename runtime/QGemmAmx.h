/*===- QGemmAmx.h - the AMX-INT8 path of the dense int8 GEMM ------*- C -*-===*\
|*                                                                            *|
|* Internal to the runtime (and its tests and benchmarks): qcc_rt_qgemm_s8    *|
|* calls qcc_rt_qgemm_s8_amx first in builds that target AMX-INT8 (the        *|
|* x86-64-v4-amx level), and the model loader asks for the OS permission      *|
|* through qcc_rt_amx_enable.                                                 *|
|*                                                                            *|
|* QCC_AMX_EMULATE (test builds only) replaces the tile instructions by a C   *|
|* model of them, so that the path's packing, blocking and zero-point         *|
|* handling can be checked on CPUs without AMX.                               *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QCC_RUNTIME_QGEMMAMX_H
#define QCC_RUNTIME_QGEMMAMX_H

#include <stdint.h>

#if (defined(__x86_64__) && defined(__AMX_TILE__) && defined(__AMX_INT8__)) || \
    defined(QCC_AMX_EMULATE)
#define QCC_HAVE_AMX 1
#endif

/* Whether this process may run AMX-INT8 code: 0 when the CPU has AMX-TILE
 * and AMX-INT8 and Linux granted the tile data state
 * (arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)); -1 when the CPU
 * lacks either instruction set (or this is not x86-64 Linux); otherwise the
 * errno of the refused request. The permission is per process, so OpenMP
 * threads created before or after share it. Asks the OS once; later calls,
 * from any thread, return the first answer. */
int qcc_rt_amx_enable(void);

/* Shared with QGemm.c: stores the h x w int32 tile (row stride ld) to C
 * (strides rsC, csC) plus bias[c] - zp[c] * rs[r] (NULL terms left out; zp
 * and rs come together), or adds it all to C when `accumulate`. */
void qcc_rt_store_tile(const int32_t *tile, int ld, int64_t h, int64_t w,
                       int32_t *C, int64_t rsC, int64_t csC, int accumulate,
                       const uint32_t *bias, const uint32_t *zp,
                       const uint32_t *rs);

/* qcc_rt_qgemm_s8 (QGemm.h) on the tile unit, with up to `threads` OpenMP
 * threads. Returns 1 when it computed C, 0 when it did not run (a build
 * without AMX, a process without the permission, or no memory): then
 * nothing was written. */
int qcc_rt_qgemm_s8_amx(int64_t M, int64_t N, int64_t K, const void *X,
                        int64_t ldx, int64_t xSigned, int64_t xZp,
                        const void *W, int64_t ldw, int64_t wSigned,
                        const int32_t *wZp, int64_t wZpStride, int32_t *C,
                        int64_t rsC, int64_t csC, int threads);

#endif /* QCC_RUNTIME_QGEMMAMX_H */
