/*===- bench_util.h - timing, threads, random bytes and buffers -----------===*\
|*                                                                            *|
|* What every C benchmark here needs, in one place: a monotonic clock,        *|
|* the OpenMP thread count (1 without OpenMP), a xorshift64 generator with    *|
|* a fixed seed (so every run times the same data) and 64-byte aligned        *|
|* buffers, as qcc's allocator places tensors (exits with a message when      *|
|* memory runs out). Each program is one translation unit; the state is its.  *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QCC_BENCH_UTIL_H
#define QCC_BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Seconds on the monotonic clock. */
static inline double bench_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static inline int bench_max_threads(void) {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

static inline void bench_set_threads(int threads) {
#ifdef _OPENMP
  omp_set_num_threads(threads);
#else
  (void)threads;
#endif
}

static uint64_t bench_rng_state = 0x9E3779B97F4A7C15ULL;

/* The next xorshift64 state. */
static inline uint64_t bench_rand(void) {
  bench_rng_state ^= bench_rng_state << 13;
  bench_rng_state ^= bench_rng_state >> 7;
  bench_rng_state ^= bench_rng_state << 17;
  return bench_rng_state;
}

/* A random byte (bits 24..31 of the next state). */
static inline uint8_t bench_rand8(void) { return (uint8_t)(bench_rand() >> 24); }

/* `bytes` rounded up to whole 64-byte lines, 64-byte aligned. */
static inline void *bench_alloc(size_t bytes) {
  void *p = NULL;
  if (posix_memalign(&p, 64, bytes ? (bytes + 63) / 64 * 64 : 64) != 0) {
    fprintf(stderr, "bench: out of memory (%zu bytes)\n", bytes);
    exit(1);
  }
  return p;
}

/* Seconds per call of `call(ctx)`: two warm-up calls, then the best mean
 * over `rounds` rounds of as many calls as take >= `roundSeconds` (one
 * call, if longer). */
static inline double bench_best_seconds(void (*call)(void *), void *ctx,
                                        double roundSeconds, int rounds) {
  call(ctx);
  call(ctx);
  double t0 = bench_now();
  long reps = 0;
  do {
    call(ctx);
    ++reps;
  } while (bench_now() - t0 < roundSeconds);
  double best = 1e30;
  for (int round = 0; round < rounds; ++round) {
    t0 = bench_now();
    for (long r = 0; r < reps; ++r)
      call(ctx);
    double t = (bench_now() - t0) / reps;
    best = t < best ? t : best;
  }
  return best;
}

#endif /* QCC_BENCH_UTIL_H */
