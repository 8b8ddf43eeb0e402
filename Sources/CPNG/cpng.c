#include "cpng.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// MARK: - Decoder state

/// Signature (8), then IHDR: length (4), type (4), 13 bytes of fields, CRC (4).
enum { header_bytes = 8 + 4 + 4 + 13 + 4 };

struct cpng_decoder {
    png_structp png;
    png_infop info;
    const uint8_t *bytes;     // the whole file, borrowed
    size_t count;
    size_t position;          // next byte libpng will read
    png_bytepp rows;          // row pointers into the caller's buffer (owned, freed by close)
    int header_only;          // 1 for cpng_check_header: stop once IHDR has been read
    int header_complete;      // set when a header-only read stopped right after a valid IHDR
    int unusable;             // 1 after any failure: libpng state is undefined after a longjmp
    shim_failure failure;     // the first failure, until it is copied to the caller's status
};

/// The failure reported when libpng stopped without a message.
static const char no_detail[] = "corrupt PNG data (no detail from libpng)";

// MARK: - libpng callbacks

/// libpng's error hook: keep the message, then unwind to the setjmp in the calling function.
static void on_png_error(png_structp png, png_const_charp message) {
    cpng_decoder *decoder = (cpng_decoder *)png_get_error_ptr(png);
    shim_failure_record(&decoder->failure, "corrupt PNG data: %s",
                        message ? message : "unknown libpng error");
    png_longjmp(png, 1);
}

/// Warnings (unknown ICC profiles, ancillary CRC errors...) do not change pixels: stay quiet.
static void on_png_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

/// Reads from the in-memory file; running out of bytes is how truncation shows up.
static void read_from_memory(png_structp png, png_bytep out, size_t length) {
    cpng_decoder *decoder = (cpng_decoder *)png_get_io_ptr(png);
    size_t available = decoder->count - decoder->position;
    if (length > available && decoder->header_only && decoder->position >= header_bytes) {
        // Only the first `header_bytes` were handed in, and `check_start` saw IHDR first: libpng
        // has read all of IHDR and wants the chunk after it.
        decoder->header_complete = 1;
        png_longjmp(png, 1);
    }
    if (length > available) {
        shim_failure_record(&decoder->failure,
                    "truncated PNG data: the file ends at byte %zu but %zu more bytes were needed",
                    decoder->count, length - available);
        png_error(png, "truncated");
    }
    memcpy(out, decoder->bytes + decoder->position, length);
    decoder->position += length;
}

// MARK: - Checks and settings before libpng reads

/// Returns 0 when the file is not empty, starts with PNG's signature and, if it is long enough
/// to tell, names IHDR as its first chunk; otherwise fills `status` and returns 1. The PNG
/// specification requires IHDR first; libpng would skip an unknown chunk before it, which the
/// header check (reading only `header_bytes`) would see as a truncated IHDR, so both refuse it here.
static int check_start(const uint8_t *bytes, size_t count, shim_status *status) {
    if (count == 0) {
        shim_status_fail(status, "not a PNG file (the file is empty)");
        return 1;
    }
    if (count < 8 || png_sig_cmp((png_const_bytep)bytes, 0, 8) != 0) {
        shim_status_fail(status, "not a PNG file (bad signature)");
        return 1;
    }
    if (count >= 16 && memcmp(bytes + 12, "IHDR", 4) != 0) {
        shim_status_fail(status, "corrupt PNG data: the first chunk is not IHDR");
        return 1;
    }
    return 0;
}

/// Lets libpng accept every side PNG allows (2^31 - 1); the caller limits width*height.
static void lift_side_limits(png_structp png) {
    png_set_user_limits(png, 0x7fffffffu, 0x7fffffffu);
}

// MARK: - Public entry points

cpng_decoder *cpng_decoder_open(const uint8_t *bytes, size_t count, shim_status *status) {
    cpng_decoder *decoder = (cpng_decoder *)shim_decoder_calloc(sizeof *decoder, "PNG", status);
    if (decoder == NULL) return NULL;
    decoder->bytes = bytes;
    decoder->count = count;
    if (check_start(bytes, count, status) != 0) {
        decoder->unusable = 1;
        return decoder;
    }
    decoder->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, decoder, on_png_error,
                                          on_png_warning);
    if (decoder->png != NULL) decoder->info = png_create_info_struct(decoder->png);
    if (decoder->png == NULL || decoder->info == NULL) {
        decoder->unusable = 1;
        shim_status_fail(status, "out of memory while creating the PNG decoder");
        return decoder;
    }
    if (setjmp(png_jmpbuf(decoder->png))) {
        decoder->unusable = 1;
        shim_status_fail_with(status, &decoder->failure, no_detail);
        return decoder;
    }
    png_set_read_fn(decoder->png, decoder, read_from_memory);
    lift_side_limits(decoder->png);
    png_read_info(decoder->png, decoder->info);
    status->width = png_get_image_width(decoder->png, decoder->info);
    status->height = png_get_image_height(decoder->png, decoder->info);
    return decoder;
}

int cpng_decoder_read_rgb(cpng_decoder *decoder, uint8_t *rgb_out, shim_status *status) {
    if (decoder == NULL || decoder->unusable || decoder->rows != NULL) {
        shim_status_fail(status, "internal error: the PNG decoder is not ready to read pixels");
        return 1;
    }
    png_structp png = decoder->png;
    png_infop info = decoder->info;
    if (setjmp(png_jmpbuf(png))) {
        decoder->unusable = 1;
        shim_status_fail_with(status, &decoder->failure, no_detail);
        return 1;
    }
    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if ((color_type & PNG_COLOR_MASK_COLOR) == 0 && bit_depth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);  // v * 255 / (2^bits - 1), as PIL's L;1/L;2/L;4
    }
    if (bit_depth == 16) png_set_strip_16(png);  // keeps the most significant byte
    png_set_strip_alpha(png);                    // also drops the alpha a palette tRNS would add
    if ((color_type & PNG_COLOR_MASK_COLOR) == 0) png_set_gray_to_rgb(png);
    (void)png_set_interlace_handling(png);
    // Image data CRCs are not checked, matching PIL (which reads IDAT payloads without them);
    // IHDR/PLTE CRCs were already checked by png_read_info with libpng's default (error).
    png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_DEFAULT);
    png_read_update_info(png, info);

    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    if (png_get_channels(png, info) != 3 || png_get_bit_depth(png, info) != 8 ||
        png_get_rowbytes(png, info) != (size_t)width * 3) {
        shim_failure_record(&decoder->failure, "unsupported PNG layout (colour type %d, bit depth %d)",
                            color_type, bit_depth);
        png_error(png, "unsupported layout");
    }
    decoder->rows = (png_bytepp)malloc(sizeof(png_bytep) * (height > 0 ? height : 1));
    if (decoder->rows == NULL) {
        shim_failure_record(&decoder->failure, "out of memory for %u row pointers", height);
        png_error(png, "out of memory");
    }
    for (png_uint_32 y = 0; y < height; y++) decoder->rows[y] = rgb_out + (size_t)y * width * 3;
    png_read_image(png, decoder->rows);
    return 0;
}

int cpng_check_header(const uint8_t *bytes, size_t count, shim_status *status) {
    memset(status, 0, sizeof *status);
    if (check_start(bytes, count, status) != 0) return 1;
    cpng_decoder decoder;
    memset(&decoder, 0, sizeof decoder);
    decoder.bytes = bytes;
    decoder.count = count < header_bytes ? count : header_bytes;
    decoder.header_only = 1;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &decoder, on_png_error,
                                             on_png_warning);
    png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        shim_status_fail(status, "out of memory while creating the PNG decoder");
        return 1;
    }
    if (setjmp(png_jmpbuf(png))) {
        // Every way out of png_read_info below lands here: a libpng error, or the stop after IHDR.
        int failed = !decoder.header_complete;
        if (failed) {
            shim_status_fail_with(status, &decoder.failure, no_detail);
        } else {
            status->width = png_get_image_width(png, info);
            status->height = png_get_image_height(png, info);
        }
        png_destroy_read_struct(&png, &info, NULL);
        return failed;
    }
    png_set_read_fn(png, &decoder, read_from_memory);
    lift_side_limits(png);
    png_read_info(png, info);  // cannot return: the bytes end right after IHDR
    shim_failure_record(&decoder.failure, "internal error: the PNG header check read past IHDR");
    png_longjmp(png, 1);
}

void cpng_decoder_close(cpng_decoder *decoder) {
    if (decoder == NULL) return;
    if (decoder->png != NULL) {
        png_destroy_read_struct(&decoder->png, decoder->info ? &decoder->info : NULL, NULL);
    }
    free(decoder->rows);
    free(decoder);
}
