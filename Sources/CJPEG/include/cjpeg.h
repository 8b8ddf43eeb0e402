#ifndef FIDVIZ_CJPEG_H
#define FIDVIZ_CJPEG_H

// A small libjpeg-turbo shim that decodes a JPEG held in memory to 8-bit interleaved RGB with
// PIL's `Image.open(p).convert('RGB')` semantics: libjpeg's default decode (accurate integer
// IDCT, fancy upsampling), gray replicated to R=G=B, CMYK and YCCK read as Adobe-inverted CMYK
// and converted as PIL converts CMYK (r = round((255 - c)(255 - k) / 255) on the uninverted
// values), EXIF orientation ignored.
//
// libjpeg reports errors by calling error_exit, which must not return; this shim longjmps from
// it back to a setjmp in the same C entry point, so no longjmp crosses a Swift frame. Warnings
// (corrupt but decodable data) are ignored as PIL ignores them and never printed. Running out of
// data is an error (PIL: "image file is truncated"), not libjpeg's default fake end of image.
//
// Usage: open (reads the headers up to the first scan), check the size, allocate
// width*height*3 bytes, read, close. Close is required whatever open/read returned (except NULL).

#include <stddef.h>
#include <stdint.h>

#include "shim_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cjpeg_decoder cjpeg_decoder;

/// Reads the markers up to the first scan (jpeg_read_header), allocating no pixel memory.
/// `bytes` must stay alive and unchanged until `cjpeg_decoder_close`. Returns NULL only when the
/// decoder itself cannot be allocated (then `status->failed` is 1); otherwise check
/// `status->failed`.
cjpeg_decoder *cjpeg_decoder_open(const uint8_t *bytes, size_t count, shim_status *status);

/// Decodes all pixels into `rgb_out`, which must hold width*height*3 bytes (row-major,
/// interleaved R,G,B), and reads on to the end-of-image marker. Returns 0 on success, 1 on
/// failure (see `status->message`); on failure the content of `rgb_out` is unspecified. Call at
/// most once per decoder.
int cjpeg_decoder_read_rgb(cjpeg_decoder *decoder, uint8_t *rgb_out, shim_status *status);

/// Releases everything the decoder owns. Accepts NULL.
void cjpeg_decoder_close(cjpeg_decoder *decoder);

#ifdef __cplusplus
}
#endif

#endif
