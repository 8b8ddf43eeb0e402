// OpenBLAS: CBLAS plus the LAPACK routines fidviz needs (symmetric eigensolvers, Cholesky).
// Debian's OpenBLAS exports the Fortran symbols ssyevd_/dsyevd_ but ships no LAPACKE,
// so they are declared here with Fortran calling conventions (all arguments by pointer).
#ifndef FIDVIZ_CBLAS_SHIM_H
#define FIDVIZ_CBLAS_SHIM_H
#include <cblas.h>

void ssyevd_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda,
             float *w, float *work, const int *lwork, int *iwork, const int *liwork, int *info);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork, int *info);
// Cholesky factorisation of a symmetric positive definite matrix (Frechet: FID's reference factor).
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
#endif
