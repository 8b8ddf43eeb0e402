#ifndef FIDVIZ_CWEBP_SHIM_H
#define FIDVIZ_CWEBP_SHIM_H
// libwebp reports errors by return values (no longjmp), so Swift calls it directly.
#include <webp/decode.h>
#include <webp/demux.h>
#endif
