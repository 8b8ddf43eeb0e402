// The system OpenBLAS: found through pkg-config (include and library paths), installed by apt.
// Swift code imports `CBLAS`, which adds fidviz's declarations and start-up set-up on top.
#ifndef FIDVIZ_COPENBLAS_H
#define FIDVIZ_COPENBLAS_H
#include <cblas.h>
#endif
