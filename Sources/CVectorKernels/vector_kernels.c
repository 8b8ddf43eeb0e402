#include "vector_kernels.h"

// a * b + c stays a multiply then an add, as in Swift: the AVX2 variant must give the bits of
// the baseline one.
#pragma STDC FP_CONTRACT OFF

// One body per scalar type T, compiled twice on x86-64: for the baseline and, as T##_avx2, for
// AVX2, where the compiler vectorises it for that variant's registers. The exported function
// calls the AVX2 variant when the CPU has it.
#define COMBINE_PARAMETERS(T)                                                                      \
    (const intptr_t *index, const T *value, intptr_t terms, const T *src, intptr_t stride,         \
     intptr_t blocks, intptr_t length, intptr_t step, T *out, intptr_t out_step)

#define COMBINE_ARGUMENTS index, value, terms, src, stride, blocks, length, step, out, out_step

#define COMBINE_BODY(T)                                                                            \
    {                                                                                              \
        const T *head = src + index[0] * stride;                                                   \
        const T first = value[0];                                                                  \
        for (intptr_t b = 0; b < blocks; b++) {                                                    \
            const T *restrict from = head + b * step;                                              \
            T *restrict to = out + b * out_step;                                                   \
            for (intptr_t i = 0; i < length; i++) to[i] = first * from[i];                         \
        }                                                                                          \
        for (intptr_t t = 1; t < terms; t++) {                                                     \
            const T *row = src + index[t] * stride;                                                \
            const T v = value[t];                                                                  \
            for (intptr_t b = 0; b < blocks; b++) {                                                \
                const T *restrict from = row + b * step;                                           \
                T *restrict to = out + b * out_step;                                               \
                for (intptr_t i = 0; i < length; i++) to[i] += v * from[i];                        \
            }                                                                                      \
        }                                                                                          \
    }

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define DEFINE_COMBINE(T)                                                                          \
    static void combine_##T COMBINE_PARAMETERS(T) COMBINE_BODY(T)                                  \
    __attribute__((target("avx2"))) static void combine_##T##_avx2 COMBINE_PARAMETERS(T)           \
        COMBINE_BODY(T)                                                                            \
    void fidviz_combine_##T COMBINE_PARAMETERS(T) {                                                \
        if (__builtin_cpu_supports("avx2")) combine_##T##_avx2(COMBINE_ARGUMENTS);                 \
        else combine_##T(COMBINE_ARGUMENTS);                                                       \
    }
#else
#define DEFINE_COMBINE(T) void fidviz_combine_##T COMBINE_PARAMETERS(T) COMBINE_BODY(T)
#endif

DEFINE_COMBINE(float)
DEFINE_COMBINE(double)
