// OpenBLAS: CBLAS plus the LAPACK routines fidviz needs (symmetric eigensolvers, Cholesky).
// Debian's OpenBLAS exports the Fortran symbols ssyevd_/dsyevd_ but ships no LAPACKE,
// so they are declared here with Fortran calling conventions (all arguments by pointer).
#ifndef FIDVIZ_CBLAS_SHIM_H
#define FIDVIZ_CBLAS_SHIM_H
#include <cblas.h>
#include <malloc.h>

void ssyevd_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda,
             float *w, float *work, const int *lwork, int *iwork, const int *liwork, int *info);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork, int *info);
// Cholesky factorisation of a symmetric positive definite matrix (Frechet: FID's reference factor).
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);

// OpenBLAS runtime (DYNAMIC_ARCH builds, as Debian ships): which kernel set is in use, and the
// hooks to pick another one. OpenBLAS 0.3.21 does not recognise some newer Intel CPUs and falls
// back to its generic "Prescott" kernels, several times slower than what the CPU can run.
char *openblas_get_corename(void);
void openblas_set_num_threads(int num_threads);
void gotoblas_dynamic_init(void);
void gotoblas_dynamic_quit(void);

/// The OpenBLAS core name this CPU can run: "SkylakeX" with AVX-512, "Haswell" with AVX2+FMA,
/// or NULL when the CPU has neither.
static inline const char *fidviz_supported_coretype(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
    return 0;
}

/// Keeps freed blocks up to 32 MiB (glibc's maximum mmap threshold) in the heap and trims it only
/// beyond 1 GiB, so that activation buffers are reused rather than re-mapped and zeroed by the kernel.
static inline void fidviz_keep_freed_memory(void) {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
}
#endif
