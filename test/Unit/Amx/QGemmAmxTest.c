/*===- QGemmAmxTest.c - the AMX int8 GEMM path against the definition ----===*\
|*                                                                            *|
|* qcc_rt_qgemm_s8_amx (runtime/QGemmAmx.c) must be bit-exact: every result   *|
|* is compared with an int64 reference truncated to int32, over edge shapes   *|
|* around the tile sizes (16, 32, 64), every signedness pair (each takes its  *|
|* own tdpb**d instruction), scalar and per-channel zero points, extreme and  *|
|* far out of range ones, strided outputs in both orientations, padded        *|
|* leading dimensions, several column and k-blocks, all OpenMP threads, and   *|
|* sums that wrap past 2^31. Elements outside the strided result must stay    *|
|* untouched, and X and W are allocated to their exact extent, so that a      *|
|* sanitizer sees any read past them; buffers start on a cache line (X read  *|
|* and C written in place where rows allow) or 16 bytes past one (copied /    *|
|* buffered). Products also go through qcc_rt_qgemm_s8, which takes the AMX   *|
|* path in these builds.                                                      *|
|*                                                                            *|
|* Built twice (test/Unit/Amx/CMakeLists.txt): against the runtime compiled   *|
|* for x86-64-v4-amx, where it exits 77 (skipped) on a CPU or kernel without  *|
|* AMX, and with QCC_AMX_EMULATE, where a C model of the tile instructions    *|
|* runs the same path on any x86-64 CPU. Without a build system:              *|
|*                                                                            *|
|*   gcc -O3 -fopenmp -march=x86-64-v4 -mavx512vnni -mamx-tile -mamx-int8 \   *|
|*       -Iruntime -c runtime/QGemm.c runtime/QGemmAmx.c                      *|
|*   gcc -O2 -fopenmp -Iruntime test/Unit/Amx/QGemmAmxTest.c QGemm*.o         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "QGemmAmx.h"
#include "QGemm.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

typedef struct Case {
  int64_t m, n, k;
  int xSigned, wSigned;
  int64_t xZp;
  const int32_t *wZp; /* one (scalar) or n (per channel) */
  int perChannel;
  int layout;  /* 0 row-major, 1 column-major (NCHW), 2 strided */
  int64_t pad; /* extra leading-dimension padding of X, W (2x) and C */
  uint32_t seed;
  int fill; /* 0: random bytes; 1: all 0xFF */
  int threads;
  int shift; /* X, W and C start 16 bytes past a cache line (else on one) */
} Case;

static uint64_t rng;
static uint32_t next32(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 16);
}

static int64_t products, failures;
static int maxThreads = 1;

static void describe(const Case *c) {
  fprintf(stderr,
          "%lldx%lldx%lld x%s w%s xZp=%lld %s=%d layout=%d pad=%lld "
          "threads=%d fill=%d shift=%d",
          (long long)c->m, (long long)c->n, (long long)c->k,
          c->xSigned ? "s8" : "u8", c->wSigned ? "s8" : "u8", (long long)c->xZp,
          c->perChannel ? "wZp[0]" : "wZp", c->wZp[0], c->layout,
          (long long)c->pad, c->threads, c->fill, c->shift);
}

/* `bytes` ending exactly at the end of an allocation (so that a sanitizer
 * sees reads past it), starting on a cache line or 16 bytes past one. */
static void *allocExact(size_t bytes, int shift, void **base) {
  size_t off = shift ? 16 : 0;
  *base = aligned_alloc(64, off + bytes);
  return (char *)*base + off;
}

/* Runs one case through the AMX entry point and, when `viaDispatch`, the
 * public kernel; returns 0 on the first wrong element. */
static int check(const Case *c, int viaDispatch) {
  int64_t ldx = c->k + c->pad, ldw = c->k + 2 * c->pad;
  size_t xBytes = (size_t)((c->m - 1) * ldx + c->k);
  size_t wBytes = (size_t)((c->n - 1) * ldw + c->k);
  void *xBase, *wBase, *oBase;
  uint8_t *x = (uint8_t *)allocExact(xBytes, c->shift, &xBase);
  uint8_t *w = (uint8_t *)allocExact(wBytes, c->shift, &wBase);
  rng = 0x9e3779b97f4a7c15ull ^ c->seed;
  for (size_t i = 0; i < xBytes; ++i)
    x[i] = c->fill ? 0xFF : (uint8_t)next32();
  for (size_t i = 0; i < wBytes; ++i)
    w[i] = c->fill ? 0xFF : (uint8_t)next32();
  int64_t rsC = c->n + c->pad, csC = 1;
  if (c->layout == 1)
    rsC = 1, csC = c->m + c->pad;
  else if (c->layout == 2)
    rsC = 2 * c->n + 1, csC = 2;
  int64_t size = (c->m - 1) * rsC + (c->n - 1) * csC + 1;
  const int32_t sentinel = 0x5A5A5A5A;
  int32_t *ref = (int32_t *)malloc(size * sizeof(int32_t));
  int32_t *out =
      (int32_t *)allocExact(size * sizeof(int32_t), c->shift, &oBase);
  for (int64_t e = 0; e < size; ++e)
    ref[e] = sentinel;
#pragma omp parallel for schedule(dynamic)
  for (int64_t i = 0; i < c->m; ++i)
    for (int64_t j = 0; j < c->n; ++j) {
      int64_t wz = c->wZp[c->perChannel ? j : 0];
      uint64_t acc = 0; /* wraps like the kernel's int32, mod 2^64 */
      for (int64_t kk = 0; kk < c->k; ++kk) {
        uint8_t xb = x[i * ldx + kk], wb = w[j * ldw + kk];
        int64_t xv = c->xSigned ? (int8_t)xb : xb;
        int64_t wv = c->wSigned ? (int8_t)wb : wb;
        acc += (uint64_t)(xv - c->xZp) * (uint64_t)(wv - wz);
      }
      ref[i * rsC + j * csC] = (int32_t)(uint32_t)acc;
    }
  int ok = 1;
  for (int pass = 0; pass < (viaDispatch ? 2 : 1) && ok; ++pass) {
    for (int64_t e = 0; e < size; ++e)
      out[e] = sentinel;
    if (pass == 0) {
      if (!qcc_rt_qgemm_s8_amx(c->m, c->n, c->k, x, ldx, c->xSigned, c->xZp, w,
                               ldw, c->wSigned, c->wZp, c->perChannel, out, rsC,
                               csC, c->threads)) {
        describe(c);
        fprintf(stderr, ": the AMX path did not run\n");
        ok = 0;
        break;
      }
    } else {
#ifdef _OPENMP
      omp_set_num_threads(c->threads);
#endif
      qcc_rt_qgemm_s8(c->m, c->n, c->k, x, ldx, c->xSigned, c->xZp, w, ldw,
                      c->wSigned, c->wZp, c->perChannel, out, rsC, csC);
#ifdef _OPENMP
      omp_set_num_threads(maxThreads);
#endif
    }
    ++products;
    for (int64_t e = 0; e < size; ++e)
      if (out[e] != ref[e]) {
        describe(c);
        fprintf(stderr, " (%s): element %lld is %d, expected %d%s\n",
                pass ? "qcc_rt_qgemm_s8" : "qcc_rt_qgemm_s8_amx", (long long)e,
                out[e], ref[e],
                ref[e] == sentinel ? " (outside the result)" : "");
        ok = 0;
        break;
      }
  }
  free(xBase);
  free(wBase);
  free(ref);
  free(oBase);
  if (!ok)
    ++failures;
  return ok;
}

static const int64_t kZps[] = {0, 127, 255, -128};

/* Zero points for n channels: one of kZps, or per channel a mix. */
static int32_t *zeroPoints(int64_t n, int perChannel, uint32_t *state) {
  int64_t count = perChannel ? n : 1;
  int32_t *z = (int32_t *)malloc(count * sizeof(int32_t));
  for (int64_t j = 0; j < count; ++j) {
    *state = *state * 1664525u + 1013904223u;
    z[j] = (int32_t)kZps[(*state >> 16) % 4];
  }
  return z;
}

/* Stops after a few failures (leaking that case's zero points). */
#define CHECK(c, dispatch)                                                     \
  do {                                                                         \
    if (!check(&(c), dispatch) && failures >= 5)                               \
      return 1;                                                                \
  } while (0)

static int run(void) {
  uint32_t st = 1;
  /* Every (M, N, K) around the tile sizes, the other parameters varied
   * from one shape to the next. */
  static const int64_t dims[] = {1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100};
  static const int64_t kdims[] = {1,  3,  4,   5,   60,  63,
                                  64, 65, 127, 128, 129, 200};
  uint32_t n = 0;
  for (int a = 0; a < 12; ++a)
    for (int b = 0; b < 12; ++b)
      for (int d = 0; d < 12; ++d, ++n) {
        int pc = (n / 3) % 2;
        int32_t *z = zeroPoints(dims[b], pc, &st);
        Case c = {dims[a],
                  dims[b],
                  kdims[d],
                  n & 1,
                  (n >> 1) & 1,
                  kZps[(n >> 2) % 4],
                  z,
                  pc,
                  (int)(n % 3),
                  (n / 5) % 2 ? 5 : 0,
                  n,
                  0,
                  n % 7 ? 1 : 3,
                  n % 5 == 4};
        CHECK(c, n % 4 == 0);
        free(z);
      }
  /* All signedness pairs with every extreme zero point, scalar and per
   * channel; shapes with full 32 x 32 blocks (stored straight to C) and
   * partial ones. */
  static const int64_t shapes[][3] = {
      {33, 65, 77}, {64, 64, 128}, {40, 32, 300}, {96, 96, 64}};
  for (int s = 0; s < 4; ++s)
    for (int sign = 0; sign < 4; ++sign)
      for (int xi = 0; xi < 4; ++xi)
        for (int wi = 0; wi < 4; ++wi)
          for (int pc = 0; pc < 2; ++pc, ++n) {
            int64_t cnt = pc ? shapes[s][1] : 1;
            int32_t *z = (int32_t *)malloc(cnt * sizeof(int32_t));
            for (int64_t j = 0; j < cnt; ++j)
              z[j] = (int32_t)kZps[j % 3 == 0 && pc ? (wi + j) % 4 : wi];
            Case c = {shapes[s][0],
                      shapes[s][1],
                      shapes[s][2],
                      sign & 1,
                      (sign >> 1) & 1,
                      kZps[xi],
                      z,
                      pc,
                      (int)(n % 3),
                      n % 2 ? 3 : 0,
                      n,
                      0,
                      2,
                      0};
            CHECK(c, 0);
            free(z);
          }
  /* Several column blocks (N > 512) and k-blocks (K > 1024), uneven
   * OpenMP splits. Per signedness pair: per-channel zero points in any
   * layout (the buffered store with row sums); W's zero point 0 in a
   * row-major result, with X's nonzero (blocks start from the bias tiles)
   * and zero (from zero), both stored straight to C and reloaded from
   * there by later k-blocks; a scalar W zero point, strided. */
  static const int64_t big[][3] = {
      {100, 1100, 1500}, {96, 1088, 1536}, {704, 96, 2560}, {257, 520, 1100},
      {64, 64, 2049},    {1000, 40, 300},  {33, 1500, 96}};
  static const int32_t zero = 0, w255 = 255;
  for (int s = 0; s < 7; ++s)
    for (int sign = 0; sign < 4; ++sign, ++n) {
      int32_t *z = zeroPoints(big[s][1], 1, &st);
      Case c = {big[s][0],
                big[s][1],
                big[s][2],
                sign & 1,
                (sign >> 1) & 1,
                kZps[n % 4],
                z,
                1,
                (int)(n % 3),
                n % 2 ? 3 : 0,
                n,
                0,
                sign == 3 ? 3 : maxThreads,
                sign == 2};
      CHECK(c, sign == 0);
      free(z);
      c.wZp = &zero, c.perChannel = 0, c.layout = 0, c.pad = 0, c.xZp = 128;
      CHECK(c, 0);
      c.xZp = 0;
      CHECK(c, 0);
      c.wZp = &w255, c.layout = 2, c.xZp = -128;
      CHECK(c, 0);
    }
  /* Zero points far outside the byte range; sums past 2^31 (all bytes
   * 0xFF: (255 + 128)^2 * 70000 overflows int32 many times over). */
  static const int64_t bigX[] = {(int64_t)1 << 40, -((int64_t)1 << 33), 40000,
                                 -40000};
  static const int32_t bigW[] = {100000, -70000, INT32_MAX, INT32_MIN};
  for (int xi = 0; xi < 4; ++xi)
    for (int wi = 0; wi < 4; ++wi, ++n) {
      Case c = {33, 40, 300, n % 2 == 0, n % 3 == 0, bigX[xi], &bigW[wi],
                0,  0,  0,   n,          0,          1,        0};
      CHECK(c, 0);
    }
  for (int sign = 0; sign < 4; ++sign, ++n) {
    int32_t z = -128;
    Case c = {40, 40, 70000, sign & 1, (sign >> 1) & 1, -128, &z, 0,
              0,  0,  n,     1,        maxThreads,      0};
    CHECK(c, 0);
  }
  return failures != 0;
}

/* Why this machine cannot run the AMX build (NULL: it can). */
static const char *unsupported(void) {
#if defined(QCC_AMX_EMULATE)
  return NULL;
#elif defined(__x86_64__)
  /* The runtime objects are x86-64-v4 + AVX-512 VNNI + AMX code: check
   * before running any of it. */
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512f") ||
      !__builtin_cpu_supports("avx512bw") ||
      !__builtin_cpu_supports("avx512vl") ||
      !__builtin_cpu_supports("avx512dq") ||
      !__builtin_cpu_supports("avx512vnni"))
    return "the CPU lacks AVX-512 (F, BW, VL, DQ, VNNI)";
  unsigned a, b, c, d;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(d >> 24 & 1) ||
      !(d >> 25 & 1))
    return "the CPU lacks AMX-TILE or AMX-INT8";
  static char why[96];
  int e = qcc_rt_amx_enable();
  if (e != 0) {
    snprintf(why, sizeof(why),
             "Linux refused the AMX tile data permission (%s)", strerror(e));
    return why;
  }
  return NULL;
#else
  return "not an x86-64 machine";
#endif
}

int main(void) {
  const char *why = unsupported();
  if (why) {
    printf("qcc-amx-tests: skipped: %s\n", why);
    return 77;
  }
#ifdef _OPENMP
  maxThreads = omp_get_max_threads();
#endif
  int rc = run();
  printf("qcc-amx-tests (%s): %lld products, %lld wrong\n",
#if defined(QCC_AMX_EMULATE)
         "emulated tile unit",
#else
         "AMX tile unit",
#endif
         (long long)products, (long long)failures);
  return rc;
}
