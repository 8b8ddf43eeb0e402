#include "vector_kernels.h"

// a * b + c stays a multiply then an add, as in Swift: the AVX2 variants must give the bits of
// the baseline ones.
#pragma STDC FP_CONTRACT OFF

// Each kernel is one body per scalar type T, compiled twice on x86-64: for the baseline and, as
// its _avx2 variant, for AVX2, where the compiler vectorises it for that variant's registers.
// The exported function calls the AVX2 variant when the CPU has it.
static int force_baseline = 0;

void fidviz_vector_kernels_force_baseline(int on) { force_baseline = on; }

#if defined(__x86_64__) && defined(__clang__)
#define DEFINE_KERNEL(name, T, PARAMETERS, ARGUMENTS, BODY)                                        \
    static void name##_##T PARAMETERS BODY                                                         \
    __attribute__((target("avx2"))) static void name##_##T##_avx2 PARAMETERS BODY                  \
    void fidviz_##name##_##T PARAMETERS {                                                          \
        if (!force_baseline && __builtin_cpu_supports("avx2")) name##_##T##_avx2 ARGUMENTS;        \
        else name##_##T ARGUMENTS;                                                                 \
    }
#else
#define DEFINE_KERNEL(name, T, PARAMETERS, ARGUMENTS, BODY) void fidviz_##name##_##T PARAMETERS BODY
#endif

// MARK: - combine

#define COMBINE_PARAMETERS(T)                                                                      \
    (const intptr_t *index, const T *value, intptr_t terms, const T *src, intptr_t stride,         \
     intptr_t blocks, intptr_t length, intptr_t step, T *out, intptr_t out_step)

#define COMBINE_ARGUMENTS (index, value, terms, src, stride, blocks, length, step, out, out_step)

// Runs of up to `width` values are summed in registers over all terms and stored once; the terms
// are summed in their order, the first as a plain product, whatever the width.
#define COMBINE_RUNS(T, width)                                                                     \
    for (; i + (width) <= length; i += (width)) {                                                  \
        T sum[width];                                                                              \
        const T *first = base + index[0] * stride + i;                                             \
        for (int j = 0; j < (width); j++) sum[j] = value[0] * first[j];                            \
        for (intptr_t t = 1; t < terms; t++) {                                                     \
            const T *from = base + index[t] * stride + i;                                          \
            const T v = value[t];                                                                  \
            for (int j = 0; j < (width); j++) sum[j] += v * from[j];                               \
        }                                                                                          \
        for (int j = 0; j < (width); j++) to[i + j] = sum[j];                                      \
    }

#define COMBINE_BODY(T)                                                                            \
    {                                                                                              \
        for (intptr_t b = 0; b < blocks; b++) {                                                    \
            const T *base = src + b * step;                                                        \
            T *to = out + b * out_step;                                                            \
            intptr_t i = 0;                                                                        \
            COMBINE_RUNS(T, 32)                                                                    \
            COMBINE_RUNS(T, 8)                                                                     \
            COMBINE_RUNS(T, 1)                                                                     \
        }                                                                                          \
    }

DEFINE_KERNEL(combine, float, COMBINE_PARAMETERS(float), COMBINE_ARGUMENTS, COMBINE_BODY(float))
DEFINE_KERNEL(combine, double, COMBINE_PARAMETERS(double), COMBINE_ARGUMENTS, COMBINE_BODY(double))

// MARK: - transpose

// Eight lanes of T: the vector, the same read from or written to unaligned memory, and the lane
// mask that a comparison gives.
typedef float lanes_float __attribute__((vector_size(8 * sizeof(float))));
typedef float unaligned_float __attribute__((vector_size(8 * sizeof(float)), aligned(sizeof(float))));
typedef int32_t mask_float __attribute__((vector_size(8 * sizeof(float))));
typedef double lanes_double __attribute__((vector_size(8 * sizeof(double))));
typedef double unaligned_double __attribute__((vector_size(8 * sizeof(double)), aligned(sizeof(double))));
typedef int64_t mask_double __attribute__((vector_size(8 * sizeof(double))));

#define TRANSPOSE_PARAMETERS(T)                                                                    \
    (const T *src, intptr_t src_stride, intptr_t src_step, T *dst, intptr_t dst_stride,            \
     intptr_t dst_step, intptr_t blocks, const T *bias, int relu)

#define TRANSPOSE_ARGUMENTS (src, src_stride, src_step, dst, dst_stride, dst_step, blocks, bias, relu)

// Rows r_k = src row k. Pairs of rows interleave within each half of four lanes (t), pairs of
// those interleave by two lanes (u), and the halves of u_j and u_{j+4} make columns j and j + 4.
#define INTERLEAVE_LOW(a, b) __builtin_shufflevector(a, b, 0, 8, 1, 9, 4, 12, 5, 13)
#define INTERLEAVE_HIGH(a, b) __builtin_shufflevector(a, b, 2, 10, 3, 11, 6, 14, 7, 15)
#define PAIRS_LOW(a, b) __builtin_shufflevector(a, b, 0, 1, 8, 9, 4, 5, 12, 13)
#define PAIRS_HIGH(a, b) __builtin_shufflevector(a, b, 2, 3, 10, 11, 6, 7, 14, 15)
#define HALVES_LOW(a, b) __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11)
#define HALVES_HIGH(a, b) __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15)

#define TRANSPOSE_BODY(T)                                                                          \
    {                                                                                              \
        for (intptr_t b = 0; b < blocks; b++) {                                                    \
            const T *s = src + b * src_step;                                                       \
            T *d = dst + b * dst_step;                                                             \
            lanes_##T r[8], t[8], u[8], column[8];                                                 \
            for (int k = 0; k < 8; k++) r[k] = *(const unaligned_##T *)(s + k * src_stride);       \
            for (int k = 0; k < 8; k += 2) {                                                       \
                t[k] = INTERLEAVE_LOW(r[k], r[k + 1]);                                             \
                t[k + 1] = INTERLEAVE_HIGH(r[k], r[k + 1]);                                        \
            }                                                                                      \
            for (int k = 0; k < 8; k += 4) {                                                       \
                u[k] = PAIRS_LOW(t[k], t[k + 2]);                                                  \
                u[k + 1] = PAIRS_HIGH(t[k], t[k + 2]);                                             \
                u[k + 2] = PAIRS_LOW(t[k + 1], t[k + 3]);                                          \
                u[k + 3] = PAIRS_HIGH(t[k + 1], t[k + 3]);                                         \
            }                                                                                      \
            for (int j = 0; j < 4; j++) {                                                          \
                column[j] = HALVES_LOW(u[j], u[j + 4]);                                            \
                column[j + 4] = HALVES_HIGH(u[j], u[j + 4]);                                       \
            }                                                                                      \
            for (int l = 0; l < 8; l++) {                                                          \
                lanes_##T v = column[l];                                                           \
                if (bias) v = v + bias[l];                                                         \
                if (relu) v = (lanes_##T)((mask_##T)v & (mask_##T)(v > 0));                        \
                *(unaligned_##T *)(d + l * dst_stride) = v;                                        \
            }                                                                                      \
        }                                                                                          \
    }

DEFINE_KERNEL(transpose, float, TRANSPOSE_PARAMETERS(float), TRANSPOSE_ARGUMENTS, TRANSPOSE_BODY(float))
DEFINE_KERNEL(transpose, double, TRANSPOSE_PARAMETERS(double), TRANSPOSE_ARGUMENTS, TRANSPOSE_BODY(double))
