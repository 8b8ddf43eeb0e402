#ifndef FIDVIZ_CPNG_H
#define FIDVIZ_CPNG_H

// A small libpng shim that decodes a PNG held in memory to 8-bit interleaved RGB with
// PIL's `Image.open(p).convert('RGB')` semantics (gray replicated, alpha and tRNS dropped without
// compositing, palette expanded, 1/2/4-bit gray scaled to 0...255, 16-bit samples keep their
// most significant byte, Adam7 handled, no gamma correction).
//
// libpng reports errors by longjmp; Swift cannot setjmp, so every libpng call happens in this C
// file behind its own setjmp. Failures never exit or abort: they come back as a message in
// `shim_status`.
//
// Usage: open (reads the header and the chunks before the image data, allocating no pixel
// memory), check the size, allocate width*height*3 bytes, read, close. Close is required whatever
// open/read returned (except NULL). The pixel limit is the caller's (`Pixels` checks one limit for
// every format); libpng's own per-side limit is lifted to PNG's maximum.

#include <stddef.h>
#include <stdint.h>

#include "shim_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cpng_decoder cpng_decoder;

/// Checks the signature and IHDR and reads every chunk up to the image data. `bytes` must stay
/// alive and unchanged until `cpng_decoder_close`. Returns NULL only when the decoder itself
/// cannot be allocated (then `status->failed` is 1); otherwise check `status->failed`.
cpng_decoder *cpng_decoder_open(const uint8_t *bytes, size_t count, shim_status *status);

/// Decodes all pixels into `rgb_out`, which must hold width*height*3 bytes (row-major,
/// interleaved R,G,B). Returns 0 on success, 1 on failure (see `status->message`); on failure
/// the content of `rgb_out` is unspecified. Call at most once per decoder.
int cpng_decoder_read_rgb(cpng_decoder *decoder, uint8_t *rgb_out, shim_status *status);

/// Checks only the start of a PNG, without decoding or allocating pixels: the signature, and that
/// the first chunk is a whole IHDR with a correct CRC and legal fields (libpng's own IHDR checks).
/// Reads at most the first 33 bytes (signature and IHDR); pass at least those (fewer is reported
/// as truncation). Returns 0 when the header is sound (`status` then holds the size), 1 otherwise
/// with `status->message` set. Damage after IHDR (a truncated or corrupt IDAT) is found only by
/// decoding.
int cpng_check_header(const uint8_t *bytes, size_t count, shim_status *status);

/// Releases everything the decoder owns. Accepts NULL.
void cpng_decoder_close(cpng_decoder *decoder);

#ifdef __cplusplus
}
#endif

#endif
