/*===- membw.c - the machine's memory read bandwidth ----------------------===*\
|*                                                                            *|
|* A decode step of a language model reads every weight once: its speed is   *|
|* bounded by how fast the cores can stream memory. This program measures    *|
|* that read bandwidth for each thread count given: a buffer far larger than *|
|* the last-level cache (default 1 GiB) is summed (loops the compiler        *|
|* vectorizes for -march) in two patterns, best of --passes passes each:     *|
|*                                                                            *|
|*   seq   one sequential stream per thread (its share of the buffer);        *|
|*   multi eight interleaved streams per thread with software prefetch (one  *|
|*         core's single stream can leave bandwidth unused, and a GEMV reads *|
|*         several weight rows at once).                                      *|
|*                                                                            *|
|* Built by bench/llm_decode.py (or by hand):                                 *|
|*                                                                            *|
|*   gcc -O3 -march=native -fopenmp bench/membw.c -o membw                    *|
|*   ./membw [--mib N] [--passes N] THREADS...        (default threads: 1 2)  *|
|*                                                                            *|
|* Output, one line per thread count (GB = 1e9 bytes):                        *|
|*   membw threads=T seq_gbps=S multi_gbps=M gbps=max(S,M)                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "bench_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

static int threadIndex(int *count) {
#ifdef _OPENMP
  *count = omp_get_num_threads();
  return omp_get_thread_num();
#else
  *count = 1;
  return 0;
#endif
}

/* Sum of p[0, n), vectorized by the compiler. (Explicit 64-byte vector
 * types, split in two on AVX2, ran at half this rate.) */
static uint64_t sumSeq(const uint64_t *p, size_t n) {
  uint64_t s = 0;
  for (size_t i = 0; i < n; ++i)
    s += p[i];
  return s;
}

/* The same sum read as eight streams of n / 8 words that advance together,
 * 256 bytes at a time, each prefetched 2 KiB ahead. */
static uint64_t sumMulti(const uint64_t *p, size_t n) {
  enum { Chunk = 32, Ahead = 256 };
  size_t part = n / 8 / Chunk * Chunk;
  uint64_t s = 0;
  for (size_t i = 0; i < part; i += Chunk)
    for (int k = 0; k < 8; ++k) {
      const uint64_t *q = p + k * part + i;
      for (int l = 0; l < Chunk; l += 8)
        __builtin_prefetch(q + Ahead + l);
      for (int e = 0; e < Chunk; ++e)
        s += q[e];
    }
  return s + sumSeq(p + 8 * part, n - 8 * part);
}

/* GB/s of one pass over buf[0, n) split evenly over `threads` threads. */
static double pass(const uint64_t *buf, size_t n, int threads, int multi,
                   uint64_t *sink) {
  uint64_t total = 0;
  double t0 = bench_now();
#pragma omp parallel num_threads(threads) reduction(+ : total)
  {
    int nt, t = threadIndex(&nt);
    size_t lo = n * t / nt, hi = n * (t + 1) / nt;
    total += multi ? sumMulti(buf + lo, hi - lo) : sumSeq(buf + lo, hi - lo);
  }
  double dt = bench_now() - t0;
  *sink += total;
  return (double)n * sizeof(uint64_t) / dt * 1e-9;
}

int main(int argc, char **argv) {
  size_t mib = 1024;
  int passes = 5, threads[64], nthreads = 0;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--mib") && i + 1 < argc)
      mib = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--passes") && i + 1 < argc)
      passes = atoi(argv[++i]);
    else if (argv[i][0] != '-' && nthreads < 64 && atoi(argv[i]) > 0)
      threads[nthreads++] = atoi(argv[i]);
    else {
      fprintf(stderr, "usage: membw [--mib N] [--passes N] THREADS...\n");
      return 2;
    }
  }
  if (!nthreads) {
    threads[0] = 1;
    threads[1] = 2;
    nthreads = 2;
  }
  if (mib < 16 || passes < 1) {
    fprintf(stderr, "membw: --mib must be >= 16 and --passes >= 1\n");
    return 2;
  }
  size_t n = mib * 1024 * 1024 / sizeof(uint64_t);
  uint64_t *buf = NULL;
  if (posix_memalign((void **)&buf, 4096, n * sizeof(uint64_t)) != 0) {
    fprintf(stderr, "membw: cannot allocate %zu MiB\n", mib);
    return 1;
  }
  /* Written in parallel so that pages are spread like the reads. */
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; ++i)
    buf[i] = i;

  uint64_t sink = 0;
  for (int k = 0; k < nthreads; ++k) {
    double best[2] = {0, 0};
    pass(buf, n, threads[k], 0, &sink); /* warm-up: threads, TLB */
    for (int p = 0; p < passes; ++p)
      for (int multi = 0; multi < 2; ++multi) {
        double g = pass(buf, n, threads[k], multi, &sink);
        if (g > best[multi])
          best[multi] = g;
      }
    printf("membw threads=%d seq_gbps=%.2f multi_gbps=%.2f gbps=%.2f\n",
           threads[k], best[0], best[1], best[0] > best[1] ? best[0] : best[1]);
    fflush(stdout);
  }
  /* The sums feed a branch so that the reads cannot be optimized away. */
  if (sink == 42)
    fprintf(stderr, "membw: (unlikely sum)\n");
  free(buf);
  return 0;
}
