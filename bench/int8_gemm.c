/*===- int8_gemm.c - int8 peak and qcc_rt_qgemm_s8 throughput ------------===*\
|*                                                                            *|
|* Measures the core's int8 multiply-accumulate peak with a tight loop of the *|
|* best instruction the build targets (tdpbusd on the AMX tile unit,          *|
|* vpdpbusd with AVX-512 VNNI or AVX-VNNI, vpmaddubsw + vpmaddwd + vpaddd on  *|
|* AVX2 / AVX-512BW, sdot on AArch64, pmaddwd + paddd on SSE2) over enough    *|
|* independent accumulators to hide the latency, then times qcc_rt_qgemm_s8   *|
|* on a list of shapes with one thread and with all OpenMP threads. Built by  *|
|* bench/int8_gemm.py:                                                        *|
|*                                                                            *|
|*   gcc -O3 -march=... -fopenmp -Iruntime bench/int8_gemm.c runtime/QGemm.c  *|
|*       runtime/QGemmAmx.c                                                   *|
|*                                                                            *|
|* Output: `peak isa=... macs_per_s=...` (AMX builds also print the vector    *|
|* unit's `altpeak`, for reference) then one line per shape and thread count: *|
|* `gemm M N K threads ms gops frac`, where gops counts a multiply and an add *|
|* as two operations and frac = achieved MAC/s / (peak * threads). An AMX     *|
|* build exits with an error where the CPU or Linux refuses AMX.              *|
|* Arguments (optional): shapes as MxNxK; default the built-in list.         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "QGemm.h"
#include "QGemmAmx.h"

#include "bench_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

/* One iteration of a peak loop: 12 (or 24) independent accumulators. */
#define REP12(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)
#define REP24(X)                                                               \
  REP12(X)                                                                     \
  X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23)
#define CLOB12                                                                 \
  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",      \
      "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

static const char *peakIsa;

#if defined(__AMX_TILE__) && defined(__AMX_INT8__)
/* The tile unit's peak: 16 x 16 x 64-byte tdpbusd into four independent
 * accumulators (tmm0-3) from two X tiles (tmm4-5) and two W tiles
 * (tmm6-7), as the kernel's register tile has them. */
static double amxPeakLoop(long iters) {
  struct {
    uint8_t palette, startRow, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
  } __attribute__((aligned(64))) cfg;
  memset(&cfg, 0, sizeof(cfg));
  cfg.palette = 1;
  for (int t = 0; t < 8; ++t)
    cfg.rows[t] = 16, cfg.colsb[t] = 64;
  __asm__ volatile("ldtilecfg %0" ::"m"(cfg));
  for (long i = 0; i < iters; ++i)
    __asm__ volatile("tdpbusd %%tmm6, %%tmm4, %%tmm0\n\t"
                     "tdpbusd %%tmm7, %%tmm4, %%tmm1\n\t"
                     "tdpbusd %%tmm6, %%tmm5, %%tmm2\n\t"
                     "tdpbusd %%tmm7, %%tmm5, %%tmm3\n\t"
                     "tdpbusd %%tmm6, %%tmm4, %%tmm0\n\t"
                     "tdpbusd %%tmm7, %%tmm4, %%tmm1\n\t"
                     "tdpbusd %%tmm6, %%tmm5, %%tmm2\n\t"
                     "tdpbusd %%tmm7, %%tmm5, %%tmm3\n\t" ::);
  __asm__ volatile("tilerelease" ::);
  peakIsa = "amx-int8 tdpbusd";
  return iters * 8.0 * 16 * 16 * 64;
}
#endif

/* Runs `iters` iterations of the vector peak loop and returns the MACs
 * done. */
static double peakLoop(long iters) {
#if defined(__AVX512VNNI__) && defined(__AVX512BW__)
  peakIsa = "avx512-vnni vpdpbusd zmm";
  for (long i = 0; i < iters; ++i) {
#define OP(r) "vpdpbusd %%zmm30, %%zmm31, %%zmm" #r "\n\t"
    __asm__ volatile(REP24(OP)::
                         : CLOB12, "xmm16", "xmm17", "xmm18", "xmm19", "xmm20",
                           "xmm21", "xmm22", "xmm23");
#undef OP
  }
  return iters * 24.0 * 64;
#elif defined(__AVXVNNI__) || defined(__AVX512VNNI__)
#if defined(__AVXVNNI__)
  peakIsa = "avx-vnni vpdpbusd ymm";
#define OP(r) "{vex} vpdpbusd %%ymm14, %%ymm15, %%ymm" #r "\n\t"
#else
  peakIsa = "avx512-vnni vpdpbusd ymm";
#define OP(r) "vpdpbusd %%ymm14, %%ymm15, %%ymm" #r "\n\t"
#endif
  for (long i = 0; i < iters; ++i)
    __asm__ volatile(REP12(OP)::: CLOB12);
#undef OP
  return iters * 12.0 * 32;
#elif defined(__AVX512BW__)
  peakIsa = "avx512bw vpmaddubsw+vpmaddwd+vpaddd zmm";
  for (long i = 0; i < iters; ++i) {
#define OP(r)                                                                  \
  "vpmaddubsw %%zmm30, %%zmm31, %%zmm" #r "\n\t"                               \
  "vpmaddwd %%zmm29, %%zmm" #r ", %%zmm" #r "\n\t"                             \
  "vpaddd %%zmm" #r ", %%zmm1" #r ", %%zmm1" #r "\n\t"
    __asm__ volatile(OP(0) OP(1) OP(2) OP(3) OP(4) OP(5) OP(6) OP(7) OP(8)
                         OP(9)::
                             : CLOB12, "xmm16", "xmm17", "xmm18", "xmm19");
#undef OP
  }
  return iters * 10.0 * 64;
#elif defined(__AVX2__)
  peakIsa = "avx2 vpmaddubsw+vpmaddwd+vpaddd ymm";
  for (long i = 0; i < iters; ++i) {
#define OP(r, t)                                                               \
  "vpmaddubsw %%ymm14, %%ymm15, %%ymm" #t "\n\t"                               \
  "vpmaddwd %%ymm13, %%ymm" #t ", %%ymm" #t "\n\t"                             \
  "vpaddd %%ymm" #t ", %%ymm" #r ", %%ymm" #r "\n\t"
    __asm__ volatile(OP(0, 6) OP(1, 7) OP(2, 8) OP(3, 9) OP(4, 10) OP(5, 11)
                         OP(0, 12) OP(1, 6) OP(2, 7) OP(3, 8) OP(4, 9)
                             OP(5, 10)::
                                 : CLOB12);
#undef OP
  }
  return iters * 12.0 * 32;
#elif defined(__SSE2__)
  peakIsa = "sse2 pmaddwd+paddd xmm";
  for (long i = 0; i < iters; ++i) {
#define OP(r, t)                                                               \
  "movdqa %%xmm15, %%xmm" #t "\n\t"                                            \
  "pmaddwd %%xmm14, %%xmm" #t "\n\t"                                           \
  "paddd %%xmm" #t ", %%xmm" #r "\n\t"
    __asm__ volatile(OP(0, 6) OP(1, 7) OP(2, 8) OP(3, 9) OP(4, 10) OP(5, 11)
                         OP(0, 12) OP(1, 13) OP(2, 6) OP(3, 7) OP(4, 8)
                             OP(5, 9)::
                                 : CLOB12);
#undef OP
  }
  return iters * 12.0 * 8;
#elif defined(__aarch64__)
  if (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) {
    peakIsa = "aarch64 sdot";
    for (long i = 0; i < iters; ++i) {
#define OP(r) "sdot v" #r ".4s, v30.16b, v31.16b\n\t"
      __asm__ volatile(".arch armv8.2-a+dotprod\n\t" REP24(OP)::
                           : "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7",
                             "v8", "v9", "v10", "v11", "v12", "v13", "v14",
                             "v15", "v16", "v17", "v18", "v19", "v20", "v21",
                             "v22", "v23");
#undef OP
    }
    return iters * 24.0 * 16;
  }
  peakIsa = "aarch64 smlal";
  for (long i = 0; i < iters; ++i) {
#define OP(r) "smlal v" #r ".4s, v30.4h, v31.4h\n\t"
    __asm__ volatile(REP12(OP)::
                         : "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8",
                           "v9", "v10", "v11");
#undef OP
  }
  return iters * 12.0 * 4;
#else
  peakIsa = "none";
  (void)iters;
  return 0;
#endif
}

/* The core's peak in MAC/s: the best of 100 runs of ~2 ms (short runs, so
 * that on a shared machine some run undisturbed). */
static double measurePeak(double (*loop)(long)) {
  long iters = 1 << 10;
  double best = 0;
  for (;;) {
    double t0 = bench_now(), macs = loop(iters), t = bench_now() - t0;
    if (macs == 0)
      return 0;
    if (t < 0.002) {
      iters *= 2;
      continue;
    }
    break;
  }
  for (int rep = 0; rep < 100; ++rep) {
    double t0 = bench_now(), macs = loop(iters), t = bench_now() - t0;
    if (macs / t > best)
      best = macs / t;
  }
  return best;
}

typedef struct Shape {
  int64_t M, N, K;
} Shape;

typedef struct DenseArgs {
  Shape s;
  uint8_t *X, *W;
  int32_t *C, *wZp;
} DenseArgs;

static void callDense(void *p) {
  const DenseArgs *a = (const DenseArgs *)p;
  qcc_rt_qgemm_s8(a->s.M, a->s.N, a->s.K, a->X, a->s.K, 0, 128, a->W, a->s.K,
                  1, a->wZp, 1, a->C, a->s.N, 1);
}

/* Seconds per call: the best mean over 30 rounds of ~5 ms each (or one
 * call, if longer). X is uint8 with zero point 128, W int8 with
 * per-channel zero points 0 (the usual asymmetric-activation,
 * symmetric-weight scheme); C row-major; all 64-byte aligned. */
static double timeShape(Shape s) {
  /* On cache lines, as qcc's buffer allocator (runtime/Alloc.c) places
   * tensors: the AMX path reads X and writes C in place only then. */
  uint8_t *X = (uint8_t *)bench_alloc(s.M * s.K);
  uint8_t *W = (uint8_t *)bench_alloc(s.N * s.K);
  int32_t *C = (int32_t *)bench_alloc(s.M * s.N * sizeof(int32_t));
  int32_t *wZp = (int32_t *)calloc(s.N, sizeof(int32_t));
  for (int64_t i = 0; i < s.M * s.K; ++i)
    X[i] = bench_rand8();
  for (int64_t i = 0; i < s.N * s.K; ++i)
    W[i] = bench_rand8();
  DenseArgs args = {s, X, W, C, wZp};
  double best = bench_best_seconds(callDense, &args, 0.005, 30);
  free(X);
  free(W);
  free(C);
  free(wZp);
  return best;
}

int main(int argc, char **argv) {
  Shape defaults[] = {{256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024},
                      {6400, 64, 576}, {1, 4096, 4096}, {128, 768, 768}};
  int nShapes =
      argc > 1 ? argc - 1 : (int)(sizeof(defaults) / sizeof(*defaults));
  Shape *shapes = argc > 1 ? (Shape *)calloc(nShapes, sizeof(Shape)) : defaults;
  for (int i = 1; i < argc; ++i) {
    long m, n, k;
    if (sscanf(argv[i], "%ldx%ldx%ld", &m, &n, &k) != 3 || m < 1 || n < 1 ||
        k < 1) {
      fprintf(stderr, "bad shape '%s' (want MxNxK)\n", argv[i]);
      return 2;
    }
    shapes[i - 1] = (Shape){m, n, k};
  }
  int maxThreads = 1;
#ifdef _OPENMP
  maxThreads = omp_get_max_threads();
#endif
#if defined(__AMX_TILE__) && defined(__AMX_INT8__)
  int amx = qcc_rt_amx_enable();
  if (amx != 0) {
    fprintf(stderr, "this build uses AMX-INT8, which %s\n",
            amx < 0 ? "this CPU lacks"
                    : "Linux refused (arch_prctl ARCH_REQ_XCOMP_PERM)");
    return 1;
  }
  double alt = measurePeak(peakLoop);
  const char *altIsa = peakIsa;
  double peak = measurePeak(amxPeakLoop);
  printf("peak isa=\"%s\" macs_per_s=%.4g threads=%d\n", peakIsa, peak,
         maxThreads);
  printf("altpeak isa=\"%s\" macs_per_s=%.4g\n", altIsa, alt);
#else
  double peak = measurePeak(peakLoop);
  printf("peak isa=\"%s\" macs_per_s=%.4g threads=%d\n", peakIsa, peak,
         maxThreads);
#endif
  fflush(stdout);
  for (int i = 0; i < nShapes; ++i) {
    int counts[2] = {1, maxThreads};
    for (int c = 0; c < (maxThreads > 1 ? 2 : 1); ++c) {
#ifdef _OPENMP
      omp_set_num_threads(counts[c]);
#endif
      double t = timeShape(shapes[i]);
      double macs = (double)shapes[i].M * shapes[i].N * shapes[i].K;
      printf("gemm %ld %ld %ld %d %.4f %.2f %.3f\n", (long)shapes[i].M,
             (long)shapes[i].N, (long)shapes[i].K, counts[c], t * 1e3,
             2 * macs / t * 1e-9, peak > 0 ? macs / t / (peak * counts[c]) : 0);
      fflush(stdout);
    }
  }
  return 0;
}
