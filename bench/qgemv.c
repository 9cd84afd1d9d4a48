/*===- qgemv.c - memory bandwidth and qcc_rt_qgemm_grouped throughput ----===*\
|*                                                                            *|
|* A decode step of a language model is a GEMV per weight matrix: every       *|
|* packed weight byte is read once, so the kernel can at best stream weights  *|
|* at the machine's memory read bandwidth. This program measures that         *|
|* bandwidth (a vectorized sum over a buffer far larger than the last-level   *|
|* cache, one thread and all OpenMP threads, best of 5 passes of each of a    *|
|* plain and a prefetching pattern) and then times                            *|
|* qcc_rt_qgemm_grouped:                                                      *|
|*                                                                            *|
|*   M = 1 on N x K shapes for each code width and group size, rotating       *|
|*   through copies of the weights that together exceed the caches (as the    *|
|*   layers of a model do), with one thread and with all threads;             *|
|*   M = 32 and 128 (batched products: compute-bound), all threads.           *|
|*                                                                            *|
|* Built by bench/qgemv.py:                                                   *|
|*                                                                            *|
|*   gcc -O3 -march=... -fopenmp -Iruntime bench/qgemv.c                      *|
|*       runtime/QGemmGrouped.c                                               *|
|*                                                                            *|
|* Output, one line each (bench/qgemv.py turns them into a table):            *|
|*   bw threads=T gbps=G                                                      *|
|*   gemv N K bits group threads us gbps      gbps: packed weights, scales    *|
|*                                            and zero points per second      *|
|*   gemm M N K bits group threads ms gops    gops: 2*M*N*K per second        *|
|* Options: --bw-mib N (bandwidth buffer, default 1024), --pool-mib N         *|
|* (weight copies for M = 1, default 4x the L3 cache, at least 256),          *|
|* --quick (first shape only, batched products for 4 bits only), --asym       *|
|* (uint8 activations with zero point 3 instead of int8 with zero point 0:    *|
|* the kernel then also sums the codes of each group).                        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "QGemm.h"

#include "bench_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Streaming read of `words` 64-bit words on `threads` threads: GB/s, best
 * of 5 passes and of two access patterns: one sequential stream per thread,
 * and eight interleaved streams per thread with software prefetch (the
 * kernel reads several rows at once and prefetches; one core's plain stream
 * can leave bandwidth unused). */
static double readBandwidth(const uint64_t *buf, size_t words, int threads) {
  double best = 0;
  volatile uint64_t sink = 0;
  for (int rep = 0; rep < 10; ++rep) {
    uint64_t total = 0;
    double t0 = bench_now();
    if (rep % 2 == 0) {
#pragma omp parallel for num_threads(threads) reduction(+ : total)            \
    schedule(static)
      for (size_t i = 0; i < words; ++i)
        total += buf[i];
    } else {
#pragma omp parallel num_threads(threads) reduction(+ : total)
      {
        int nt = 1, t = 0;
#ifdef _OPENMP
        nt = omp_get_num_threads(), t = omp_get_thread_num();
#endif
        size_t lo = words * t / nt, hi = words * (t + 1) / nt;
        size_t part = (hi - lo) / 8 / 8 * 8; /* words per stream */
        const uint64_t *s = buf + lo;
        for (size_t i = 0; i < part; i += 8) {
          for (int k = 0; k < 8; ++k) {
            const uint64_t *p = s + k * part + i;
            __builtin_prefetch(p + 256);
            for (int e = 0; e < 8; ++e)
              total += p[e];
          }
        }
        for (size_t i = lo + 8 * part; i < hi; ++i)
          total += buf[i];
      }
    }
    double t = bench_now() - t0;
    sink += total;
    double gbps = words * 8.0 / t * 1e-9;
    best = gbps > best ? gbps : best;
  }
  (void)sink;
  return best;
}

typedef struct {
  int64_t n, k;
} Shape;

typedef struct {
  uint8_t *w, *scale, *zp;
} Weights;

static int64_t weightBytes(int64_t n, int64_t k, int bits, int64_t group) {
  return n * k * bits / 8 + 2 * n * (k / group);
}

/* Random codes, scales 1..63 and zero points in the code range; copies of
 * `from` when given (filling is the slow part of a large pool). */
static void fillWeights(Weights *w, int64_t n, int64_t k, int bits,
                        int64_t group, const Weights *from) {
  int64_t packed = n * k * bits / 8, groups = n * (k / group);
  w->w = (uint8_t *)bench_alloc(packed);
  w->scale = (uint8_t *)bench_alloc(groups);
  w->zp = (uint8_t *)bench_alloc(groups);
  if (from) {
    memcpy(w->w, from->w, packed);
    memcpy(w->scale, from->scale, groups);
    memcpy(w->zp, from->zp, groups);
    return;
  }
  for (int64_t i = 0; i < packed; ++i)
    w->w[i] = bench_rand8();
  for (int64_t i = 0; i < groups; ++i) {
    w->scale[i] = 1 + bench_rand8() % 63;
    w->zp[i] = bench_rand8() % (1 << bits);
  }
}

static void freeWeights(Weights *w) {
  free(w->w);
  free(w->scale);
  free(w->zp);
}

static int xSigned = 1, xZp = 0;

static void call(int64_t m, int64_t n, int64_t k, const uint8_t *x,
                 const Weights *w, int bits, int64_t group, int32_t *c) {
  qcc_rt_qgemm_grouped(m, n, k, x, k, xSigned, xZp, w->w, k * bits / 8, bits,
                       group, w->scale, w->zp, c, n, 1);
}

/* M = 1 over `copies` weight sets in turn; microseconds per call. */
static double timeGemv(int64_t n, int64_t k, int bits, int64_t group,
                       Weights *sets, int copies, const uint8_t *x,
                       int32_t *c) {
  for (int s = 0; s < copies; ++s) /* warm-up: scratch, page tables */
    call(1, n, k, x, &sets[s], bits, group, c);
  double best = 1e30;
  for (int rep = 0; rep < 3; ++rep) {
    int calls = 0;
    double t0 = bench_now(), t;
    do {
      for (int s = 0; s < copies; ++s, ++calls)
        call(1, n, k, x, &sets[s], bits, group, c);
      t = bench_now() - t0;
    } while (t < 0.15);
    double us = t / calls * 1e6;
    best = us < best ? us : best;
  }
  return best;
}

static double timeGemm(int64_t m, int64_t n, int64_t k, int bits, int64_t group,
                       Weights *w, const uint8_t *x, int32_t *c) {
  call(m, n, k, x, w, bits, group, c);
  double best = 1e30;
  for (int rep = 0; rep < 3; ++rep) {
    int calls = 0;
    double t0 = bench_now(), t;
    do {
      call(m, n, k, x, w, bits, group, c);
      ++calls;
      t = bench_now() - t0;
    } while (t < 0.1);
    double ms = t / calls * 1e3;
    best = ms < best ? ms : best;
  }
  return best;
}

int main(int argc, char **argv) {
  /* default pool: 4x the last-level cache, at least 256 MiB */
  size_t bwMib = 1024, poolMib = 256;
#ifdef _SC_LEVEL3_CACHE_SIZE
  long llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
  if (llc > 0 && (size_t)llc * 4 / (1 << 20) > poolMib)
    poolMib = (size_t)llc * 4 / (1 << 20);
#endif
  int quick = 0;
  for (int a = 1; a < argc; ++a) {
    if (!strcmp(argv[a], "--bw-mib") && a + 1 < argc)
      bwMib = strtoul(argv[++a], NULL, 10);
    else if (!strcmp(argv[a], "--pool-mib") && a + 1 < argc)
      poolMib = strtoul(argv[++a], NULL, 10);
    else if (!strcmp(argv[a], "--quick"))
      quick = 1;
    else if (!strcmp(argv[a], "--asym"))
      xSigned = 0, xZp = 3;
    else {
      fprintf(stderr,
              "usage: qgemv [--bw-mib N] [--pool-mib N] [--quick] [--asym]\n");
      return 2;
    }
  }
  int all = bench_max_threads();
  int threadCounts[2] = {1, all};
  int nThreadCounts = all > 1 ? 2 : 1;

  {
    size_t words = bwMib * ((size_t)1 << 20) / 8;
    uint64_t *buf = (uint64_t *)bench_alloc(words * 8);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < words; ++i)
      buf[i] = i;
    for (int t = 0; t < nThreadCounts; ++t)
      printf("bw threads=%d gbps=%.2f\n", threadCounts[t],
             readBandwidth(buf, words, threadCounts[t]));
    fflush(stdout);
    free(buf);
  }

  const Shape shapes[] = {{4096, 4096}, {2048, 8192}, {576, 1536}};
  int nShapes = quick ? 1 : 3;
  const int bitsList[] = {2, 3, 4, 8};
  const int64_t groups[] = {32, 128};
  uint8_t *x = (uint8_t *)bench_alloc(128 * 8192);
  for (int64_t i = 0; i < 128 * 8192; ++i)
    x[i] = bench_rand8();
  int32_t *c = (int32_t *)bench_alloc(128 * 4096 * sizeof(int32_t));

  for (int s = 0; s < nShapes; ++s)
    for (int b = 0; b < 4; ++b)
      for (int g = 0; g < 2; ++g) {
        int64_t n = shapes[s].n, k = shapes[s].k, group = groups[g];
        int bits = bitsList[b];
        int64_t bytes = weightBytes(n, k, bits, group);
        int copies = (int)(poolMib * ((int64_t)1 << 20) / bytes);
        copies = copies < 1 ? 1 : copies;
        Weights *sets = (Weights *)bench_alloc(copies * sizeof(Weights));
        for (int i = 0; i < copies; ++i)
          fillWeights(&sets[i], n, k, bits, group, i ? &sets[0] : NULL);
        for (int t = 0; t < nThreadCounts; ++t) {
          bench_set_threads(threadCounts[t]);
          double us = timeGemv(n, k, bits, group, sets, copies, x, c);
          printf("gemv %lld %lld %d %lld %d %.2f %.2f\n", (long long)n,
                 (long long)k, bits, (long long)group, threadCounts[t], us,
                 bytes / us * 1e-3);
          fflush(stdout);
        }
        bench_set_threads(all);
        if (!quick || b == 2)
          for (int64_t m = 32; m <= 128; m *= 4) {
            double ms = timeGemm(m, n, k, bits, group, &sets[0], x, c);
            printf("gemm %lld %lld %lld %d %lld %d %.3f %.2f\n", (long long)m,
                   (long long)n, (long long)k, bits, (long long)group, all, ms,
                   2.0 * m * n * k / ms * 1e-6);
            fflush(stdout);
          }
        for (int i = 0; i < copies; ++i)
          freeWeights(&sets[i]);
        free(sets);
      }
  free(x);
  free(c);
  return 0;
}
