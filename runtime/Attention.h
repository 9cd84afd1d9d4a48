/*===- Attention.h - masked softmax attention of a few queries -*- C -*-===*\
|*                                                                            *|
|* For each batch b (a KV head) and query m (0 <= m < M):                     *|
|*                                                                            *|
|*   s[n]        = sum_d keys[b][n][d] * queries[b][d][m]                     *|
|*   p[n]        = exp(s[n] - max s) / sum exp(s - max s)  over visible n     *|
|*   out[b][m][e] = sum_n p[n] * values[b][n][e]                              *|
|*                                                                            *|
|* where key n is visible to query m iff mask[n][m % T] is nonzero (a decode  *|
|* step's queries are [group, T]: every query head of a KV head shares the    *|
|* token's causal row). Keys and values past the last visible position are    *|
|* never read. A query that sees no key gets the mean of all N values (the    *|
|* uniform softmax that `where(mask, s, fill)` with a finite fill gives).     *|
|*                                                                            *|
|* Strides are in elements; the innermost stride of keys, values, out (over   *|
|* d and e) and queries (over m) is 1.                                        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QCC_RUNTIME_ATTENTION_H
#define QCC_RUNTIME_ATTENTION_H

#include <stdint.h>

void qcc_rt_attention_f32(int64_t B, int64_t N, int64_t D, int64_t M,
                          int64_t E, int64_t T, const float *keys,
                          int64_t keyBatch, int64_t keyRow,
                          const float *queries, int64_t queryBatch,
                          int64_t queryRow, const float *values,
                          int64_t valueBatch, int64_t valueRow,
                          const uint8_t *mask, int64_t maskRow, float *out,
                          int64_t outBatch, int64_t outRow);

#endif
