// OpenBLAS for Swift: CBLAS plus the LAPACK routines fidviz needs (symmetric eigensolvers, Cholesky, band solve;
// a general eigensolver and LU solve for the benchmark).
// Debian's OpenBLAS exports the Fortran symbols ssyevd_/dsyevd_ but ships no LAPACKE,
// so they are declared here with Fortran calling conventions (all arguments by pointer).
//
// Linking this module also links shim.c, whose constructor sets up OpenBLAS and the allocator
// before `main` runs, so every BLAS or LAPACK caller gets the same set-up without asking for it.
#ifndef FIDVIZ_CBLAS_SHIM_H
#define FIDVIZ_CBLAS_SHIM_H
#include <cblas.h>

void ssyevd_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda,
             float *w, float *work, const int *lwork, int *iwork, const int *liwork, int *info);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork, int *info);
// Cholesky factorisation of a symmetric positive definite matrix (Frechet: FID's reference factor).
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
// U A U^T (itype 3, uplo 'U') for a Cholesky factor U: Frechet's congruence F^T S F in d^3 flops.
void dsygst_(const int *itype, const char *uplo, const int *n, double *a, const int *lda,
             const double *b, const int *ldb, int *info);
// Symmetric positive definite band factorisation and solves (Sensitivity: ROAD's noisy linear
// imputation factors in float32 and refines in float64, with the float64 solve as its fallback).
void dpbsv_(const char *uplo, const int *n, const int *kd, const int *nrhs, double *ab, const int *ldab,
            double *b, const int *ldb, int *info);
void spbtrf_(const char *uplo, const int *n, const int *kd, float *ab, const int *ldab, int *info);
void spbtrs_(const char *uplo, const int *n, const int *kd, const int *nrhs, const float *ab, const int *ldab,
             float *b, const int *ldb, int *info);
// General eigensolver and LU solve: only fidviz-bench's comparison route (the paper's
// autograd through eig) uses them.
void dgeev_(const char *jobvl, const char *jobvr, const int *n, double *a, const int *lda, double *wr,
            double *wi, double *vl, const int *ldvl, double *vr, const int *ldvr, double *work,
            const int *lwork, int *info);
void dgesv_(const int *n, const int *nrhs, double *a, const int *lda, int *ipiv, double *b,
            const int *ldb, int *info);

// OpenBLAS runtime: the kernel set in use ("Haswell", "SkylakeX", "Zen", ...) and thread count.
char *openblas_get_corename(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int num_threads);

/// The OpenBLAS core name this CPU can run: "SkylakeX" with AVX-512, "Haswell" with AVX2+FMA,
/// or NULL when it has neither.
const char *fidviz_supported_coretype(void);
#endif
