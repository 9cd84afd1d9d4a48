/*===- llm_gemv.c - block-quantized GEMV against memory bandwidth --------===*\
|*                                                                            *|
|* qcc_rt_block_linear (runtime/BlockLinear.c) on GGUF block formats:         *|
|*   - against the memory read bandwidth bench/membw.c measured (--bw), with  *|
|*     1 thread and all threads;                                              *|
|*   - a decode step's weights: SmolLM2-135M's 30 layers (q, k, v, o, gate,   *|
|*     up, down: 576/192/1536 rows of 576/1536) and its 49152 x 576 LM head,  *|
|*     every matrix times one token in turn, in FORMAT (the head in Q8_0, as  *|
|*     the model ships it): ms per step, GB/s of weight bytes streamed, and   *|
|*     the fraction of the bandwidth measured with the same threads;          *|
|*   - for every format also qcc_rt_block_linear_x8 (rows interleaved by 8,  *|
|*     runtime/BlockLinearX8.c, X8K.c) on the same bytes, and its speed-up;   *|
|*   - one 4096 x 4096 matrix-vector product per format;                      *|
|*   - T = 32 and 128 tokens (the prefill GEMM): GOPS (2 T N K / s).          *|
|*                                                                            *|
|* Usage: llm_gemv --bw GB1,GBN [--threads N] [--quick] (llm_gemv.py runs it) *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "BlockLinear.h"
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

typedef struct {
  const char *name;
  int format, block, bytes;
} Format;

static const Format kFormats[] = {
    {"Q4_0", QCC_BLOCK_Q4_0, 32, 18},  {"Q4_1", QCC_BLOCK_Q4_1, 32, 20},
    {"Q5_0", QCC_BLOCK_Q5_0, 32, 22},  {"Q5_1", QCC_BLOCK_Q5_1, 32, 24},
    {"Q8_0", QCC_BLOCK_Q8_0, 32, 34},  {"Q4_K", QCC_BLOCK_Q4_K, 256, 144},
    {"Q5_K", QCC_BLOCK_Q5_K, 256, 176}, {"Q6_K", QCC_BLOCK_Q6_K, 256, 210},
};

/* Random blocks with small f16 scales (0x1400 ~ 0.001) where the formats
 * keep them, so no product overflows to infinity. */
static uint8_t *randomBlocks(const Format *f, int64_t n, int64_t k) {
  size_t size = (size_t)(n * (k / f->block) * f->bytes);
  uint8_t *w = bench_alloc(size);
  for (size_t i = 0; i < size; ++i)
    w[i] = bench_rand8();
  int scaleAt = f->format == QCC_BLOCK_Q6_K ? 208 : 0;
  int scales = (f->format == QCC_BLOCK_Q4_1 || f->format == QCC_BLOCK_Q5_1 ||
                f->format == QCC_BLOCK_Q4_K || f->format == QCC_BLOCK_Q5_K)
                   ? 2
                   : 1;
  for (size_t b = 0; b < size / f->bytes; ++b)
    for (int s = 0; s < scales; ++s) {
      w[b * f->bytes + scaleAt + 2 * s] = bench_rand8();
      w[b * f->bytes + scaleAt + 2 * s + 1] = 0x14;
    }
  return w;
}

typedef struct {
  int64_t n, k;
  uint8_t *w;
  const Format *f;
} Matrix;

/* The SmolLM2-135M decode step's matrices (30 layers + head). */
static int decodeSet(const Format *f, Matrix *m) {
  int count = 0;
  static const int64_t shapes[7][2] = {{576, 576},  {192, 576},  {192, 576},
                                       {576, 576},  {1536, 576}, {1536, 576},
                                       {576, 1536}};
  for (int l = 0; l < 30; ++l)
    for (int i = 0; i < 7; ++i) {
      m[count].n = shapes[i][0];
      m[count].k = shapes[i][1];
      m[count].f = f;
      m[count].w = randomBlocks(f, m[count].n, m[count].k);
      ++count;
    }
  m[count].n = 49152;
  m[count].k = 576;
  m[count].f = &kFormats[4]; /* the Q8_0 head */
  m[count].w = randomBlocks(m[count].f, m[count].n, m[count].k);
  return count + 1;
}

static double matrixBytes(const Matrix *m) {
  return (double)m->n * (m->k / m->f->block) * m->f->bytes;
}

typedef void (*Kernel)(int64_t, int64_t, int64_t, const float *, int64_t,
                       const uint8_t *, int64_t, float *, int64_t);

/* Whether qcc_rt_block_linear_x8 runs the format (the bytes are timed as
 * they are: the interleaved layout is a permutation of the same bytes). */
static int hasX8(const Format *f) {
  (void)f; /* every format of kFormats has the layout */
  return 1;
}

/* Best time of `reps` runs over all matrices, one token each. */
static double timeSet(Kernel kernel, Matrix *m, int count, const float *x,
                      float *y, int reps) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    double t0 = bench_now();
    for (int i = 0; i < count; ++i)
      kernel(1, m[i].n, m[i].k, x, m[i].k, m[i].w, m[i].f->format, y, m[i].n);
    double t = bench_now() - t0;
    best = t < best ? t : best;
  }
  return best;
}

int main(int argc, char **argv) {
  int threads = 0, quick = 0;
  double bw[2] = {0, 0};
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--bw") && i + 1 < argc)
      sscanf(argv[++i], "%lf,%lf", &bw[0], &bw[1]);
    else if (!strcmp(argv[i], "--quick"))
      quick = 1;
    else {
      fprintf(stderr, "usage: llm_gemv --bw GB1,GBN [--threads N] [--quick]\n");
      return 2;
    }
  }
  if (bw[0] <= 0 || bw[1] <= 0) {
    fprintf(stderr, "llm_gemv: --bw GB1,GBN (bench/membw.c's gbps) is needed\n");
    return 2;
  }
  int all = threads;
#ifdef _OPENMP
  if (!all)
    all = omp_get_max_threads();
#else
  all = 1;
#endif
  int tcounts[2] = {1, all};
  printf("memory read bandwidth (bench/membw.c): %.2f GB/s (1 thread), %.2f "
         "GB/s (%d threads)\n\n",
         bw[0], bw[1], all);

  float *x = bench_alloc(128 * 4096 * sizeof(float));
  float *y = bench_alloc(128 * 49152 * sizeof(float));
  for (int i = 0; i < 128 * 4096; ++i)
    x[i] = (float)((int)bench_rand8() - 128) / 32.0f;

  printf("SmolLM2-135M decode step's weights (210 matrices + Q8_0 head), one "
         "token:\n");
  printf("%-6s %9s %8s | %8s %7s %6s | %8s %7s %6s\n", "format", "MB", "", "ms 1t",
         "GB/s", "of bw", "ms", "GB/s", "of bw");
  printf("  (x8: the row-interleaved kernel on the same bytes; x: its speed-up)\n");
  int nf = quick ? 2 : 8;
  static Matrix set[211];
  for (int fi = 0; fi < nf; ++fi) {
    const Format *f = &kFormats[quick ? 1 + 3 * fi : fi];
    int count = decodeSet(f, set);
    double bytes = 0;
    for (int i = 0; i < count; ++i)
      bytes += matrixBytes(&set[i]);
    for (int v = 0; v < 1 + hasX8(f); ++v) {
      double ms[2], gbs[2], base[2];
      for (int t = 0; t < 2; ++t) {
#ifdef _OPENMP
        omp_set_num_threads(tcounts[t]);
#endif
        if (v)
          base[t] = timeSet(qcc_rt_block_linear, set, count, x, y, 5);
        double s = timeSet(v ? qcc_rt_block_linear_x8 : qcc_rt_block_linear,
                           set, count, x, y, 5);
        ms[t] = s * 1e3;
        gbs[t] = bytes / s * 1e-9;
        if (v)
          base[t] /= s;
      }
      char label[16], speedup[2][16] = {"", ""};
      snprintf(label, sizeof label, "%s%s", f->name, v ? " x8" : "");
      if (v)
        for (int t = 0; t < 2; ++t)
          snprintf(speedup[t], sizeof speedup[t], " %.2fx", base[t]);
      printf("%-8s %7.1f %8s | %8.2f %7.2f %5.0f%%%s | %8.2f %7.2f %5.0f%%%s  (%d threads)\n",
             label, bytes * 1e-6, "", ms[0], gbs[0], 100 * gbs[0] / bw[0],
             speedup[0], ms[1], gbs[1], 100 * gbs[1] / bw[1], speedup[1], all);
    }
    for (int i = 0; i < count; ++i)
      free(set[i].w);
  }

  printf("\n4096 x 4096, T = 1 (GB/s, fraction of bandwidth) and T = 32, 128 "
         "(GOPS), %d threads:\n", all);
#ifdef _OPENMP
  omp_set_num_threads(all);
#endif
  printf("%-6s %8s %7s %6s | %9s %9s\n", "format", "ms", "GB/s", "of bw",
         "GOPS T=32", "T=128");
  for (int fi = 0; fi < nf; ++fi) {
    const Format *f = &kFormats[quick ? 1 + 3 * fi : fi];
    Matrix m = {4096, 4096, randomBlocks(f, 4096, 4096), f};
    double s = timeSet(qcc_rt_block_linear, &m, 1, x, y, 20);
    double gb = matrixBytes(&m) / s * 1e-9;
    double gops[2];
    int ts[2] = {32, 128};
    for (int i = 0; i < 2; ++i) {
      double best = 1e30;
      for (int r = 0; r < 3; ++r) {
        double t0 = bench_now();
        qcc_rt_block_linear(ts[i], m.n, m.k, x, m.k, m.w, f->format, y, m.n);
        double t = bench_now() - t0;
        best = t < best ? t : best;
      }
      gops[i] = 2.0 * ts[i] * m.n * m.k / best * 1e-9;
    }
    printf("%-6s %8.3f %7.2f %5.0f%% | %9.1f %9.1f\n", f->name, s * 1e3, gb,
           100 * gb / bw[1], gops[0], gops[1]);
    free(m.w);
  }
  return 0;
}
