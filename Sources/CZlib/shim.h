// zlib: raw deflate streams (zip's method 8) and CRC-32. The init calls are macros in zlib.h,
// which Swift does not import, so they are wrapped here.
#ifndef FIDVIZ_CZLIB_SHIM_H
#define FIDVIZ_CZLIB_SHIM_H
#define ZLIB_CONST
#include <zlib.h>

/// Starts inflating a raw deflate stream (no zlib or gzip wrapper), as zip stores it.
static inline int fidviz_inflate_init_raw(z_stream *stream) {
    return inflateInit2(stream, -MAX_WBITS);
}

/// Starts deflating to a raw deflate stream at `level` (0...9, or Z_DEFAULT_COMPRESSION).
static inline int fidviz_deflate_init_raw(z_stream *stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
}
#endif
