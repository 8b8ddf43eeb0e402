#ifndef FIDVIZ_CCAIRO_SHIM_H
#define FIDVIZ_CCAIRO_SHIM_H
#include <cairo.h>
#endif
