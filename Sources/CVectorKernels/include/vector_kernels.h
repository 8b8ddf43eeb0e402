// Loops that Swift compiles only for the baseline instruction set (SSE2 on x86-64), written in C
// so that each can also be compiled for AVX2 and picked by the CPU it runs on. Every variant
// does the same multiplies and adds in the same order (no fused multiply-add), so results do not
// depend on which one runs.
#ifndef FIDVIZ_VECTOR_KERNELS_H
#define FIDVIZ_VECTOR_KERNELS_H

#include <stdint.h>

/// With `on` non-zero, every kernel runs its baseline variant even where the CPU has AVX2 (for
/// tests that compare the two); 0 restores the choice by the CPU. Not thread-safe against kernels
/// running at the same time.
void fidviz_vector_kernels_force_baseline(int on);

/// A row of a small sparse matrix applied to runs of values:
///     out[b * out_step + i] = sum over t < terms of value[t] * src[index[t] * stride + b * step + i]
/// for b < blocks and i < length, summed in the order of the terms (the first term is a plain
/// product). `src` and `out` must not overlap. `terms` is at least 1.
void fidviz_combine_float(const intptr_t *index, const float *value, intptr_t terms,
                          const float *src, intptr_t stride, intptr_t blocks, intptr_t length, intptr_t step,
                          float *out, intptr_t out_step);
void fidviz_combine_double(const intptr_t *index, const double *value, intptr_t terms,
                           const double *src, intptr_t stride, intptr_t blocks, intptr_t length, intptr_t step,
                           double *out, intptr_t out_step);

/// Eight by eight blocks transposed, `blocks` of them:
///     dst[b * dst_step + l * dst_stride + k] = src[b * src_step + k * src_stride + l] for k, l < 8,
/// then, with `bias`, plus bias[l]; then, with `relu` non-zero, max(., 0) (NaN and -0 become 0).
/// `src` and `dst` must not overlap.
void fidviz_transpose_float(const float *src, intptr_t src_stride, intptr_t src_step, float *dst,
                            intptr_t dst_stride, intptr_t dst_step, intptr_t blocks, const float *bias, int relu);
void fidviz_transpose_double(const double *src, intptr_t src_stride, intptr_t src_step, double *dst,
                             intptr_t dst_stride, intptr_t dst_step, intptr_t blocks, const double *bias, int relu);

#endif
