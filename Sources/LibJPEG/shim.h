#ifndef FIDVIZ_LIBJPEG_SHIM_H
#define FIDVIZ_LIBJPEG_SHIM_H
// libjpeg-turbo, for the CJPEG shim only (Swift never calls libjpeg: its errors longjmp).
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
#endif
