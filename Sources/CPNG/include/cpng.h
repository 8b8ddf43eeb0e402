#ifndef FIDVIZ_CPNG_H
#define FIDVIZ_CPNG_H
#endif
