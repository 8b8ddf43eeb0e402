#ifndef FIDVIZ_LIBPNG_SHIM_H
#define FIDVIZ_LIBPNG_SHIM_H
// libpng, for the CPNG shim only (Swift never calls libpng: its errors longjmp).
#include <png.h>
#endif
